//! The browser side (`wasm32` only): `fetch`, `localStorage`, the clock and randomness, and the
//! Realtime WebSocket.

mod fetch;
mod local_storage;
mod realtime;

pub use fetch::{FetchTransport, send};
pub use local_storage::LocalStorageSessionStore;
pub use realtime::RealtimeConnection;

use std::rc::Rc;

use crate::client::{Clock, SessionStore, SupabaseClient};
use crate::config::SupabaseConfig;
use crate::error::SupabaseError;

impl SupabaseClient {
    /// The client of the app: `fetch` and the browser's clock, the session kept in `store`.
    pub fn for_browser(config: SupabaseConfig, store: Rc<dyn SessionStore>) -> Self {
        Self::new(config, Rc::new(FetchTransport), store, browser_clock())
    }
}

/// Unix seconds from `Date.now()`.
pub fn browser_clock() -> Clock {
    Rc::new(|| (js_sys::Date::now() / 1000.0) as i64)
}

/// A fresh PKCE verifier from `crypto.getRandomValues`; keep it (e.g. in `sessionStorage`)
/// until the redirect comes back with a `code`.
pub fn new_code_verifier() -> Result<String, SupabaseError> {
    let mut random = [0u8; 32];
    web_sys::window()
        .ok_or_else(|| SupabaseError::InvalidRequest("no browser window".to_owned()))?
        .crypto()
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut random))
        .map_err(|error| SupabaseError::InvalidRequest(format!("no secure random: {error:?}")))?;
    Ok(crate::auth::code_verifier(&random))
}
