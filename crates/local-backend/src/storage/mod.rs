//! The Supabase Storage subset served at `/storage/v1`: upload (raw or multipart, create or
//! upsert), list, download, remove, signed URLs.

pub mod errors;
pub mod handler;
pub mod keys;
pub mod upload;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/object/list/{bucket}", post(handler::list))
        .route("/object/sign/{bucket}", post(handler::sign_many))
        .route(
            "/object/sign/{bucket}/{*path}",
            post(handler::sign).get(handler::signed_download),
        )
        .route(
            "/object/authenticated/{bucket}/{*path}",
            get(handler::download),
        )
        .route(
            "/object/{bucket}/{*path}",
            get(handler::download)
                .post(handler::upload)
                .put(handler::upload),
        )
        .route("/object/{bucket}", delete(handler::remove))
}
