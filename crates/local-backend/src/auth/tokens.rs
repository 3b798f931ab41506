//! Sessions, access tokens and refresh tokens, as GoTrue issues them
//! (`internal/tokens/service.go`): a session row, an opaque refresh token bound to it, and an
//! HS256 access token whose claims name the session. Refreshing revokes the token used and
//! issues its child (rotation); presenting a revoked token again revokes the whole session's
//! family and fails with `refresh_token_already_used` (GoTrue's reuse interval is 0 here).

use rand::Rng;
use serde_json::{Value, json};
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::auth::errors::AuthError;
use crate::auth::users::{self, User};
use crate::config::Config;
use crate::http_util::{ordered_object, to_json};
use crate::jwt;

/// How the session was obtained, recorded in the `amr` claim.
#[derive(Clone, Copy, Debug)]
pub enum AuthMethod {
    Password,
    OAuth,
}

impl AuthMethod {
    fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::OAuth => "oauth",
        }
    }
}

/// A freshly issued session: GoTrue's `AccessTokenResponse`.
pub struct Session {
    pub access_token: String,
    pub expires_in: u64,
    pub expires_at: i64,
    pub refresh_token: String,
    pub provider_token: Option<String>,
    pub user_json: String,
}

impl Session {
    pub fn to_json(&self) -> String {
        let mut pairs = vec![
            ("access_token", to_json(&self.access_token)),
            ("token_type", to_json(&"bearer")),
            ("expires_in", self.expires_in.to_string()),
            ("expires_at", self.expires_at.to_string()),
            ("refresh_token", to_json(&self.refresh_token)),
            ("user", self.user_json.clone()),
        ];
        if let Some(p) = &self.provider_token {
            pairs.push(("provider_token", to_json(p)));
        }
        ordered_object(&pairs)
    }
}

/// An opaque refresh token (GoTrue's are short random strings).
fn new_refresh_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn access_token(
    config: &Config,
    user: &User,
    session_id: Uuid,
    method: AuthMethod,
    now: i64,
) -> (String, i64) {
    let expires_at = now + config.jwt_expiry_secs as i64;
    let claims = json!({
        "iss": format!("http://{}/auth/v1", config.listen),
        "sub": user.id.to_string(),
        "aud": "authenticated",
        "exp": expires_at,
        "iat": now,
        "email": user.email,
        "phone": user.phone,
        "app_metadata": user.app_metadata,
        "user_metadata": user.user_metadata,
        "role": user.role,
        "aal": "aal1",
        "amr": [{"method": method.as_str(), "timestamp": now}],
        "session_id": session_id.to_string(),
        "is_anonymous": user.is_anonymous,
    });
    (jwt::sign(&claims, config.jwt_secret.as_bytes()), expires_at)
}

async fn load_user(tx: &Transaction<'_>, id: Uuid) -> Result<User, AuthError> {
    users::load(tx, id)
        .await
        .map_err(AuthError::db)?
        .ok_or_else(|| {
            AuthError::new(
                axum::http::StatusCode::NOT_FOUND,
                "user_not_found",
                "User not found",
            )
        })
}

/// Starts a session for `user_id`: session row, first refresh token, access token.
pub async fn issue_session(
    tx: &Transaction<'_>,
    config: &Config,
    user_id: Uuid,
    method: AuthMethod,
    provider_token: Option<String>,
) -> Result<Session, AuthError> {
    let session_id = Uuid::new_v4();
    tx.execute(
        "insert into auth.sessions (id, user_id, created_at, updated_at) values ($1, $2, now(), now())",
        &[&session_id, &user_id],
    )
    .await
    .map_err(AuthError::db)?;
    let refresh_token = new_refresh_token();
    tx.execute(
        "insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id) \
         values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3)",
        &[&refresh_token, &user_id.to_string(), &session_id],
    )
    .await
    .map_err(AuthError::db)?;
    let user = load_user(tx, user_id).await?;
    let now = jwt::now();
    let (access_token, expires_at) = access_token(config, &user, session_id, method, now);
    Ok(Session {
        access_token,
        expires_in: config.jwt_expiry_secs,
        expires_at,
        refresh_token,
        provider_token,
        user_json: user.json,
    })
}

/// What refreshing decided: a new session, or a refusal whose side effects (revoking a reused
/// token's family) must still be committed.
pub enum RefreshOutcome {
    Issued(Session),
    Refused(AuthError),
}

/// `grant_type=refresh_token`.
pub async fn refresh(
    tx: &Transaction<'_>,
    config: &Config,
    token: &str,
) -> Result<RefreshOutcome, AuthError> {
    let row = tx
        .query_opt(
            "select t.id, t.user_id, t.revoked, t.session_id, s.id is not null \
             from auth.refresh_tokens t left join auth.sessions s on s.id = t.session_id \
             where t.token = $1 for update of t",
            &[&token],
        )
        .await
        .map_err(AuthError::db)?;
    let Some(row) = row else {
        return Ok(RefreshOutcome::Refused(AuthError::bad_request(
            "refresh_token_not_found",
            "Invalid Refresh Token: Refresh Token Not Found",
        )));
    };
    let token_id: i64 = row.get(0);
    let user_id: Option<String> = row.get(1);
    let revoked: Option<bool> = row.get(2);
    let session_id: Option<Uuid> = row.get(3);
    let session_exists: bool = row.get(4);
    let (Some(session_id), true) = (session_id, session_exists) else {
        return Ok(RefreshOutcome::Refused(AuthError::bad_request(
            "session_not_found",
            "Invalid Refresh Token: No Valid Session Found",
        )));
    };
    let user_id: Uuid = user_id
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| AuthError::internal("refresh token without a user"))?;
    if revoked == Some(true) {
        // Reuse of a rotated token: the family is compromised, revoke all of it.
        tx.execute(
            "update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1",
            &[&session_id],
        )
        .await
        .map_err(AuthError::db)?;
        return Ok(RefreshOutcome::Refused(AuthError::bad_request(
            "refresh_token_already_used",
            "Invalid Refresh Token: Already Used",
        )));
    }
    tx.execute(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1",
        &[&token_id],
    )
    .await
    .map_err(AuthError::db)?;
    let new_token = new_refresh_token();
    tx.execute(
        "insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id) \
         values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)",
        &[&new_token, &user_id.to_string(), &token, &session_id],
    )
    .await
    .map_err(AuthError::db)?;
    tx.execute(
        "update auth.sessions set updated_at = now() where id = $1",
        &[&session_id],
    )
    .await
    .map_err(AuthError::db)?;
    let user = load_user(tx, user_id).await?;
    let method = match user.app_metadata.get("provider").and_then(Value::as_str) {
        Some("email") | None => AuthMethod::Password,
        Some(_) => AuthMethod::OAuth,
    };
    let now = jwt::now();
    let (access_token, expires_at) = access_token(config, &user, session_id, method, now);
    Ok(RefreshOutcome::Issued(Session {
        access_token,
        expires_in: config.jwt_expiry_secs,
        expires_at,
        refresh_token: new_token,
        provider_token: None,
        user_json: user.json,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random() {
        let a = new_refresh_token();
        assert_eq!(a.len(), 24);
        assert_ne!(a, new_refresh_token());
    }
}
