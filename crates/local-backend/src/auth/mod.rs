//! The GoTrue subset served at `/auth/v1`: email sign-up and sign-in, refresh-token rotation,
//! PKCE, the user endpoint, sign-out, and a simulated Discord provider.

pub mod endpoint;
pub mod errors;
pub mod handler;
pub mod pkce;
pub mod simulated_discord;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", post(handler::signup))
        .route("/token", post(handler::token))
        .route("/user", get(handler::get_user).put(handler::update_user))
        .route("/logout", post(handler::logout))
        .route(
            "/authorize",
            get(simulated_discord::authorize).post(simulated_discord::consent),
        )
        .route("/settings", get(handler::settings))
}
