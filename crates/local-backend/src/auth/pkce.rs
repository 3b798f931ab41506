//! PKCE (RFC 7636) flow states and `grant_type=pkce`, as GoTrue (`internal/api/token.go` `PKCE`,
//! `internal/security/pkce.go`): an OAuth sign-in started with a `code_challenge` ends in a
//! redirect carrying `?code=`, which the client trades, with the verifier, for a session.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::auth::endpoint::{AuthResult, begin};
use crate::auth::errors::AuthError;
use crate::auth::tokens::{self, AuthMethod};
use crate::http_util::json_response;
use crate::state::AppState;

/// GoTrue's default flow state lifetime.
const FLOW_STATE_EXPIRY_SECS: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeMethod {
    S256,
    Plain,
}

impl ChallengeMethod {
    pub fn parse(method: &str) -> Option<ChallengeMethod> {
        match method.to_ascii_lowercase().as_str() {
            "s256" => Some(ChallengeMethod::S256),
            "plain" => Some(ChallengeMethod::Plain),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ChallengeMethod::S256 => "s256",
            ChallengeMethod::Plain => "plain",
        }
    }
}

/// `security.VerifyPKCEChallenge`.
pub fn verify_challenge(challenge: &str, method: &str, verifier: &str) -> Result<(), &'static str> {
    match ChallengeMethod::parse(method) {
        Some(ChallengeMethod::S256) => {
            let hashed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if constant_time_eq(hashed.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                Err("code challenge does not match previously saved code verifier")
            }
        }
        Some(ChallengeMethod::Plain) => {
            if constant_time_eq(verifier.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                Err("code challenge does not match previously saved code verifier")
            }
        }
        None => Err("code challenge method not supported"),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Records a completed OAuth sign-in awaiting its code exchange; returns the auth code.
pub async fn create_flow_state(
    tx: &Transaction<'_>,
    user_id: Uuid,
    challenge: &str,
    method: ChallengeMethod,
    provider: &str,
    provider_token: &str,
) -> Result<String, AuthError> {
    let auth_code = Uuid::new_v4().to_string();
    tx.execute(
        "insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, \
                                      provider_access_token, created_at, updated_at, authentication_method, auth_code_issued_at) \
         values ($1, $2, $3, $4, $5, $6, $7, now(), now(), 'oauth', now())",
        &[&Uuid::new_v4(), &user_id, &auth_code, &method.as_str(), &challenge, &provider, &provider_token],
    )
    .await
    .map_err(AuthError::db)?;
    Ok(auth_code)
}

/// `POST /token?grant_type=pkce` with `{auth_code, code_verifier}`.
pub async fn pkce_grant(
    state: &AppState,
    auth_code: Option<String>,
    verifier: Option<String>,
) -> AuthResult {
    let auth_code = auth_code.unwrap_or_default();
    let verifier = verifier.unwrap_or_default();
    if auth_code.is_empty() || verifier.is_empty() {
        return Err(AuthError::validation(
            "invalid request: both auth code and code verifier should be non-empty",
        ));
    }
    let mut client = state.pool.get().await.map_err(AuthError::pool)?;
    let tx = begin(&mut client).await?;
    let row = tx
        .query_opt(
            "select id, user_id, code_challenge, code_challenge_method, provider_access_token, \
                    extract(epoch from now() - created_at)::bigint \
             from auth.flow_state where auth_code = $1 for update",
            &[&auth_code],
        )
        .await
        .map_err(AuthError::db)?;
    let not_found = || {
        AuthError::new(
            StatusCode::NOT_FOUND,
            "flow_state_not_found",
            "invalid flow state, no valid flow state found",
        )
    };
    let row = row.ok_or_else(not_found)?;
    let flow_id: Uuid = row.get(0);
    let user_id: Option<Uuid> = row.get(1);
    let user_id = user_id.ok_or_else(not_found)?;
    let age: i64 = row.get(5);
    if age > FLOW_STATE_EXPIRY_SECS {
        return Err(AuthError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "flow_state_expired",
            "invalid flow state, flow state has expired",
        ));
    }
    let challenge: String = row.get(2);
    let method: String = row.get(3);
    verify_challenge(&challenge, &method, &verifier)
        .map_err(|m| AuthError::bad_request("bad_code_verifier", m))?;
    let provider_token: Option<String> = row.get(4);
    let session = tokens::issue_session(
        &tx,
        &state.config,
        user_id,
        AuthMethod::OAuth,
        provider_token,
    )
    .await?;
    tx.execute("delete from auth.flow_state where id = $1", &[&flow_id])
        .await
        .map_err(AuthError::db)?;
    tx.commit().await.map_err(AuthError::db)?;
    Ok(json_response(
        StatusCode::OK,
        session.to_json(),
        "application/json",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_example() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verify_challenge(challenge, "S256", verifier).is_ok());
        assert!(verify_challenge(challenge, "s256", "wrong").is_err());
        assert!(verify_challenge("abc", "plain", "abc").is_ok());
        assert_eq!(
            verify_challenge("abc", "md5", "abc"),
            Err("code challenge method not supported")
        );
    }
}
