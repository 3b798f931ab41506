//! What every handler shares.

use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::auth::simulated_discord::PendingSignIns;
use crate::config::Config;
use crate::realtime::hub::Realtime;
use crate::rest::schema_cache::SchemaCacheHandle;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: Pool,
    pub schema: SchemaCacheHandle,
    /// Sockets and topics of `/realtime/v1`.
    pub realtime: Realtime,
    /// Simulated Discord sign-ins waiting for the user's click (one-time states).
    pub simulated_discord: PendingSignIns,
}

impl AppState {
    pub fn jwt_secret(&self) -> &[u8] {
        self.config.jwt_secret.as_bytes()
    }

    pub fn leeway(&self) -> i64 {
        self.config.jwt_leeway_secs as i64
    }
}
