//! What every `/auth/v1` endpoint shares: its result type, the rendering of that result in
//! GoTrue's error shape, and its transaction switched to `supabase_auth_admin`, the role that owns
//! `auth.*` (as GoTrue's own database user).

use axum::body::Body;
use axum::http::{HeaderMap, Response};

use crate::auth::errors::AuthError;
use crate::db;

/// An endpoint's response, or the error [`finish`] renders.
pub type AuthResult = Result<Response<Body>, AuthError>;

/// Runs `handler` and renders its error in GoTrue's shape.
pub fn finish(result: AuthResult, headers: &HeaderMap) -> Response<Body> {
    result.unwrap_or_else(|e| e.into_response(headers))
}

/// Opens the endpoint's transaction as `supabase_auth_admin`.
pub async fn begin(
    client: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, AuthError> {
    let tx = client.transaction().await.map_err(AuthError::db)?;
    db::set_role(&tx, "supabase_auth_admin")
        .await
        .map_err(AuthError::db)?;
    Ok(tx)
}
