//! The PostgREST subset served at `/rest/v1`.

pub mod errors;
pub mod handler;
pub mod plan;
pub mod preferences;
pub mod query;
pub mod schema_cache;
pub mod sql;

use axum::Router;
use axum::routing::any;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rpc/{function}", any(handler::rpc))
        .route("/{table}", any(handler::table))
        .fallback(handler::not_found)
}
