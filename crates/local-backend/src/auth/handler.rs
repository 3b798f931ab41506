//! HTTP endpoints of the GoTrue subset. Every statement runs in a transaction switched to
//! `supabase_auth_admin`, the role that owns `auth.*` (as GoTrue's own database user).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::endpoint::{AuthResult, begin, finish};
use crate::auth::errors::AuthError;
use crate::auth::tokens::{self, AuthMethod, RefreshOutcome};
use crate::auth::users::{self, NewUser, User};
use crate::http_util::{BodyError, json_response, read_body};
use crate::jwt;
use crate::state::AppState;

/// GoTrue's default minimum password length.
pub const MIN_PASSWORD_LENGTH: usize = 6;
const JSON: &str = "application/json";

async fn json_body<T: for<'de> Deserialize<'de> + Default>(
    state: &AppState,
    body: Body,
) -> Result<T, AuthError> {
    let bytes = read_body(body, state.config.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => AuthError::payload_too_large(),
            BodyError::Read(m) => AuthError::bad_json(m),
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes).map_err(AuthError::bad_json)
}

fn session_response(session: &tokens::Session) -> Response<Body> {
    json_response(StatusCode::OK, session.to_json(), JSON)
}

#[derive(Deserialize, Default)]
struct SignupBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    data: Option<serde_json::Map<String, Value>>,
}

/// GoTrue's `validateEmail` (checkmail's format check, approximated).
fn validate_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim();
    if email.is_empty() {
        return Err(AuthError::validation("An email address is required"));
    }
    if email.len() > 255 {
        return Err(AuthError::validation("An email address is too long"));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        }
        None => false,
    };
    if !valid {
        return Err(AuthError::validation(
            "Unable to validate email address: invalid format",
        ));
    }
    Ok(email.to_lowercase())
}

fn check_password_strength(password: &str) -> Result<(), AuthError> {
    if password.chars().count() > 72 {
        return Err(AuthError::validation(
            "Password cannot be longer than 72 characters",
        ));
    }
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(AuthError::weak_password(MIN_PASSWORD_LENGTH));
    }
    Ok(())
}

/// `POST /signup`: email + password; the account is confirmed at once and signed in.
pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let result = async {
        let body: SignupBody = json_body(&state, body).await?;
        if body.email.as_deref().is_some_and(|e| !e.is_empty()) && body.phone.as_deref().is_some_and(|p| !p.is_empty()) {
            return Err(AuthError::validation("Only an email address or phone number should be provided on signup."));
        }
        let password = body.password.unwrap_or_default();
        if password.is_empty() {
            return Err(AuthError::validation("Signup requires a valid password"));
        }
        if body.phone.as_deref().is_some_and(|p| !p.is_empty()) {
            return Err(AuthError::new(
                StatusCode::BAD_REQUEST,
                "phone_provider_disabled",
                "Phone signups are disabled",
            ));
        }
        let email = validate_email(body.email.as_deref().unwrap_or(""))?;
        check_password_strength(&password)?;
        let mut client = state.pool.get().await.map_err(AuthError::pool)?;
        let tx = begin(&mut client).await?;
        if users::find_by_email(&tx, &email).await.map_err(AuthError::db)?.is_some() {
            return Err(AuthError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "user_already_exists",
                "User already registered",
            ));
        }
        let id = Uuid::new_v4();
        let mut user_metadata = body.data.unwrap_or_default();
        user_metadata.insert("sub".into(), json!(id.to_string()));
        user_metadata.insert("email".into(), json!(email));
        user_metadata.insert("email_verified".into(), json!(true));
        user_metadata.insert("phone_verified".into(), json!(false));
        users::create(
            &tx,
            NewUser {
                id,
                email: &email,
                password: Some(&password),
                app_metadata: json!({"provider": "email", "providers": ["email"]}),
                user_metadata: Value::Object(user_metadata),
                provider: "email",
                provider_id: id.to_string(),
                identity_data: json!({"sub": id.to_string(), "email": email, "email_verified": true, "phone_verified": false}),
            },
        )
        .await
        .map_err(AuthError::db)?;
        users::record_sign_in(&tx, id, "email").await.map_err(AuthError::db)?;
        let session = tokens::issue_session(&tx, &state.config, id, AuthMethod::Password, None).await?;
        tx.commit().await.map_err(AuthError::db)?;
        Ok(session_response(&session))
    }
    .await;
    finish(result, &headers)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    grant_type: Option<String>,
}

#[derive(Deserialize, Default)]
struct TokenBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    auth_code: Option<String>,
    #[serde(default)]
    code_verifier: Option<String>,
}

/// `POST /token?grant_type=password|refresh_token|pkce`
pub async fn token(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let result = async {
        let grant = query.grant_type.unwrap_or_default();
        if !matches!(grant.as_str(), "password" | "refresh_token" | "pkce") {
            return Err(AuthError::bad_request(
                "invalid_credentials",
                "unsupported_grant_type",
            ));
        }
        let body: TokenBody = json_body(&state, body).await?;
        match grant.as_str() {
            "password" => password_grant(&state, body).await,
            "refresh_token" => refresh_grant(&state, body).await,
            _ => crate::auth::pkce::pkce_grant(&state, body.auth_code, body.code_verifier).await,
        }
    }
    .await;
    finish(result, &headers)
}

async fn password_grant(state: &AppState, body: TokenBody) -> AuthResult {
    let email = body.email.unwrap_or_default();
    let phone = body.phone.unwrap_or_default();
    if !email.is_empty() && !phone.is_empty() {
        return Err(AuthError::validation(
            "Only an email address or phone number should be provided on login.",
        ));
    }
    if email.is_empty() {
        if !phone.is_empty() {
            return Err(AuthError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "phone_provider_disabled",
                "Phone logins are disabled",
            ));
        }
        return Err(AuthError::validation("missing email or phone"));
    }
    let password = body.password.unwrap_or_default();
    let mut client = state.pool.get().await.map_err(AuthError::pool)?;
    let tx = begin(&mut client).await?;
    let check = users::check_password(&tx, &email, &password)
        .await
        .map_err(AuthError::db)?
        .ok_or_else(AuthError::invalid_credentials)?;
    if check.banned {
        return Err(AuthError::bad_request("user_banned", "User is banned"));
    }
    if !check.password_ok {
        return Err(AuthError::invalid_credentials());
    }
    if !check.confirmed {
        return Err(AuthError::bad_request(
            "email_not_confirmed",
            "Email not confirmed",
        ));
    }
    users::record_sign_in(&tx, check.id, "email")
        .await
        .map_err(AuthError::db)?;
    let session =
        tokens::issue_session(&tx, &state.config, check.id, AuthMethod::Password, None).await?;
    tx.commit().await.map_err(AuthError::db)?;
    Ok(session_response(&session))
}

async fn refresh_grant(state: &AppState, body: TokenBody) -> AuthResult {
    let token = body.refresh_token.unwrap_or_default();
    if token.is_empty() {
        return Err(AuthError::bad_request(
            "refresh_token_not_found",
            "Invalid Refresh Token: Refresh Token Not Found",
        ));
    }
    let mut client = state.pool.get().await.map_err(AuthError::pool)?;
    let tx = begin(&mut client).await?;
    let outcome = tokens::refresh(&tx, &state.config, &token).await?;
    // Committed either way: a refusal may have revoked a reused token's family (GoTrue's
    // `NewCommitWithError`).
    tx.commit().await.map_err(AuthError::db)?;
    match outcome {
        RefreshOutcome::Issued(session) => Ok(session_response(&session)),
        RefreshOutcome::Refused(error) => Err(error),
    }
}

/// The signed-in caller of `/user` and `/logout` (GoTrue's `requireAuthentication`).
pub struct Caller {
    pub user: User,
    pub session_id: Option<Uuid>,
}

pub async fn authenticate(
    state: &AppState,
    tx: &tokio_postgres::Transaction<'_>,
    headers: &HeaderMap,
) -> Result<Caller, AuthError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = match header.trim().split_once(char::is_whitespace) {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(AuthError::no_authorization()),
    };
    let claims = jwt::verify(token, state.jwt_secret(), jwt::now(), state.leeway())
        .map_err(|e| AuthError::bad_jwt(&e))?;
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    if sub.is_empty() {
        return Err(AuthError::new(
            StatusCode::FORBIDDEN,
            "bad_jwt",
            "invalid claim: missing sub claim",
        ));
    }
    let user_id: Uuid = sub.parse().map_err(|_| {
        AuthError::bad_request("bad_jwt", "invalid claim: sub claim must be a UUID")
    })?;
    let user = users::load(tx, user_id)
        .await
        .map_err(AuthError::db)?
        .ok_or_else(|| {
            AuthError::new(
                StatusCode::FORBIDDEN,
                "user_not_found",
                "User from sub claim in JWT does not exist",
            )
        })?;
    let session_id = match claims.get("session_id").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s != "00000000-0000-0000-0000-000000000000" => {
            let id: Uuid = s.parse().map_err(|_| {
                AuthError::new(
                    StatusCode::FORBIDDEN,
                    "bad_jwt",
                    "invalid claim: session_id claim must be a UUID",
                )
            })?;
            let exists = tx
                .query_opt("select 1 from auth.sessions where id = $1", &[&id])
                .await
                .map_err(AuthError::db)?
                .is_some();
            if !exists {
                return Err(AuthError::new(
                    StatusCode::FORBIDDEN,
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                ));
            }
            Some(id)
        }
        _ => None,
    };
    Ok(Caller { user, session_id })
}

/// `GET /user`
pub async fn get_user(State(state): State<AppState>, headers: HeaderMap) -> Response<Body> {
    let result = async {
        let mut client = state.pool.get().await.map_err(AuthError::pool)?;
        let tx = begin(&mut client).await?;
        let caller = authenticate(&state, &tx, &headers).await?;
        tx.commit().await.map_err(AuthError::db)?;
        Ok(json_response(StatusCode::OK, caller.user.json, JSON))
    }
    .await;
    finish(result, &headers)
}

#[derive(Deserialize, Default)]
struct UpdateUserBody {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    data: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    email: Option<String>,
}

/// `PUT /user`: `data` (merged into user_metadata; `null` removes a key) and `password`.
pub async fn update_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let result = async {
        let body: UpdateUserBody = json_body(&state, body).await?;
        let mut client = state.pool.get().await.map_err(AuthError::pool)?;
        let tx = begin(&mut client).await?;
        let caller = authenticate(&state, &tx, &headers).await?;
        if let Some(email) = body.email.as_deref()
            && !email.eq_ignore_ascii_case(&caller.user.email)
        {
            return Err(AuthError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "email_change_not_supported",
                "Changing the email address is not supported by the local backend",
            ));
        }
        if let Some(password) = body.password.as_deref() {
            check_password_strength(password)?;
            tx.execute(
                "update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf', 6)), \
                 updated_at = now() where id = $1",
                &[&caller.user.id, &password],
            )
            .await
            .map_err(AuthError::db)?;
        }
        if let Some(data) = body.data {
            let mut meta = caller.user.user_metadata.as_object().cloned().unwrap_or_default();
            for (k, v) in data {
                if v.is_null() {
                    meta.remove(&k);
                } else {
                    meta.insert(k, v);
                }
            }
            let text = Value::Object(meta).to_string();
            tx.execute(
                "update auth.users set raw_user_meta_data = $2::text::jsonb, updated_at = now() where id = $1",
                &[&caller.user.id, &text],
            )
            .await
            .map_err(AuthError::db)?;
        }
        let user = users::load(&tx, caller.user.id)
            .await
            .map_err(AuthError::db)?
            .ok_or_else(|| AuthError::internal("user vanished"))?;
        tx.commit().await.map_err(AuthError::db)?;
        Ok(json_response(StatusCode::OK, user.json, JSON))
    }
    .await;
    finish(result, &headers)
}

#[derive(Deserialize)]
pub struct LogoutQuery {
    scope: Option<String>,
}

/// `POST /logout?scope=global|local|others` (GoTrue's `Logout`): ends sessions, which takes
/// their refresh tokens with them.
pub async fn logout(
    State(state): State<AppState>,
    Query(query): Query<LogoutQuery>,
    headers: HeaderMap,
) -> Response<Body> {
    let result = async {
        let mut client = state.pool.get().await.map_err(AuthError::pool)?;
        let tx = begin(&mut client).await?;
        // Authentication first, as GoTrue's middleware runs before the handler.
        let caller = authenticate(&state, &tx, &headers).await?;
        let scope = query.scope.unwrap_or_default();
        if !matches!(scope.as_str(), "" | "global" | "local" | "others") {
            return Err(AuthError::validation(format!(
                "Unsupported logout scope {scope:?}"
            )));
        }
        let user_id = caller.user.id;
        match (scope.as_str(), caller.session_id) {
            ("local", Some(session)) => {
                tx.execute("delete from auth.sessions where id = $1", &[&session])
                    .await
            }
            ("others", Some(session)) => {
                tx.execute(
                    "delete from auth.sessions where user_id = $1 and id <> $2",
                    &[&user_id, &session],
                )
                .await
            }
            _ => {
                tx.execute(
                    "delete from auth.refresh_tokens where user_id = $1::uuid::text",
                    &[&user_id],
                )
                .await
                .map_err(AuthError::db)?;
                tx.execute("delete from auth.sessions where user_id = $1", &[&user_id])
                    .await
            }
        }
        .map_err(AuthError::db)?;
        tx.commit().await.map_err(AuthError::db)?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        Ok(response)
    }
    .await;
    finish(result, &headers)
}

/// `GET /settings`: what the client may ask to know which sign-in methods exist.
pub async fn settings() -> Response<Body> {
    json_response(
        StatusCode::OK,
        json!({
            "external": {"discord": true, "email": true, "phone": false, "anonymous_users": false},
            "disable_signup": false,
            "mailer_autoconfirm": true,
            "phone_autoconfirm": false,
            "sms_provider": "",
            "saml_enabled": false
        })
        .to_string(),
        JSON,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_validation() {
        assert_eq!(
            validate_email(" Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        assert!(validate_email("nope").is_err());
        assert!(validate_email("a@").is_err());
        assert!(validate_email("a b@c.d").is_err());
        assert_eq!(
            validate_email("").unwrap_err().message,
            "An email address is required"
        );
    }

    #[test]
    fn password_strength() {
        assert_eq!(
            check_password_strength("12345").unwrap_err().code,
            "weak_password"
        );
        assert!(check_password_strength("123456").is_ok());
    }
}
