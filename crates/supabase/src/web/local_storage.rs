//! The session kept in `localStorage`, so that a reload (or another tab) stays signed in.

use crate::auth::Session;
use crate::client::SessionStore;

/// Stores the session as JSON under one `localStorage` key. Storage that is unavailable
/// (private mode, disabled) or full only means signing in again after a reload.
#[derive(Clone, Debug)]
pub struct LocalStorageSessionStore {
    key: String,
}

impl LocalStorageSessionStore {
    pub fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
        }
    }
}

impl Default for LocalStorageSessionStore {
    fn default() -> Self {
        Self::new("punctaj.auth.session")
    }
}

impl SessionStore for LocalStorageSessionStore {
    fn load(&self) -> Option<Session> {
        let text = local_storage()?.get_item(&self.key).ok()??;
        // A session saved by an older, incompatible version is as good as none.
        serde_json::from_str(&text).ok()
    }

    fn save(&self, session: &Session) {
        let (Some(storage), Ok(text)) = (local_storage(), serde_json::to_string(session)) else {
            return;
        };
        let _ = storage.set_item(&self.key, &text);
    }

    fn clear(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&self.key);
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
