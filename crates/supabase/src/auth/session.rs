//! A signed-in session, as GoTrue hands it out and as the app persists it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SupabaseError;
use crate::jwt::JwtClaims;
use crate::request::HttpResponse;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    /// Single-use: every refresh hands out a new one.
    pub refresh_token: String,
    pub token_type: String,
    /// Lifetime of the access token when issued, in seconds.
    pub expires_in: i64,
    /// Expiry of the access token, unix seconds.
    pub expires_at: i64,
    pub user: User,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    /// Set by the server (`provider`, `providers`).
    #[serde(default)]
    pub app_metadata: Value,
    /// From the identity provider (Discord's `full_name`, `avatar_url`, `provider_id`…).
    #[serde(default)]
    pub user_metadata: Value,
}

/// What `POST /signup` answered.
#[derive(Clone, Debug, PartialEq)]
pub enum SignUpOutcome {
    /// Signed in at once (the project does not ask to confirm addresses).
    SignedIn(Session),
    /// The account exists; a confirmation e-mail was sent to this user.
    ConfirmationRequired(User),
}

/// GoTrue's token response; `expires_at` is missing from older versions.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: String,
    expires_in: i64,
    expires_at: Option<i64>,
    user: User,
}

impl Session {
    /// The session in a `/token` (or `/signup`) answer; `now` (unix seconds) dates it when the
    /// server did not.
    pub fn from_token_response(
        response: &HttpResponse,
        now: i64,
    ) -> Result<Session, SupabaseError> {
        response
            .json::<TokenResponse>()
            .map(|token| token.into_session(now))
    }

    /// Whether the access token expires within `margin_secs` of `now` (or already has).
    pub fn expires_within(&self, now: i64, margin_secs: i64) -> bool {
        self.expires_at <= now.saturating_add(margin_secs)
    }
}

impl TokenResponse {
    fn into_session(self, now: i64) -> Session {
        Session {
            expires_at: self.expires_at.unwrap_or(now + self.expires_in),
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            token_type: self.token_type,
            expires_in: self.expires_in,
            user: self.user,
        }
    }
}

impl SignUpOutcome {
    pub fn from_response(
        response: &HttpResponse,
        now: i64,
    ) -> Result<SignUpOutcome, SupabaseError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum SignUpBody {
            Session(TokenResponse),
            User(User),
        }
        Ok(match response.json::<SignUpBody>()? {
            SignUpBody::Session(token) => SignUpOutcome::SignedIn(token.into_session(now)),
            SignUpBody::User(user) => SignUpOutcome::ConfirmationRequired(user),
        })
    }
}

impl User {
    /// The user an access token speaks for, from its claims (GoTrue puts the same id, e-mail
    /// and metadata there as `/user` returns).
    pub fn from_claims(claims: &JwtClaims) -> Option<User> {
        Some(User {
            id: claims.sub.clone()?,
            email: claims.email.clone().filter(|email| !email.is_empty()),
            app_metadata: claims.app_metadata.clone(),
            user_metadata: claims.user_metadata.clone(),
        })
    }
}

/// Tokens are credentials: they stay out of logs.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(body: Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        }
    }

    fn token_body() -> Value {
        json!({
            "access_token": "a1", "token_type": "bearer", "expires_in": 3600,
            "expires_at": 1_700_003_600, "refresh_token": "r1",
            "user": {"id": "u1", "aud": "authenticated", "email": "ana@example.com",
                     "app_metadata": {"provider": "email"}, "user_metadata": {},
                     "identities": []}
        })
    }

    #[test]
    fn reads_a_token_response() {
        let session = Session::from_token_response(&response(token_body()), 0).unwrap();
        assert_eq!(session.access_token, "a1");
        assert_eq!(session.refresh_token, "r1");
        assert_eq!(session.expires_at, 1_700_003_600);
        assert_eq!(session.user.id, "u1");
        assert_eq!(session.user.email.as_deref(), Some("ana@example.com"));
        assert_eq!(session.user.app_metadata, json!({"provider": "email"}));
    }

    #[test]
    fn dates_a_token_response_without_expires_at() {
        let mut body = token_body();
        body.as_object_mut().unwrap().remove("expires_at");
        let session = Session::from_token_response(&response(body), 1_000).unwrap();
        assert_eq!(session.expires_at, 4_600);
    }

    #[test]
    fn expires_within_compares_with_a_margin() {
        let session = Session::from_token_response(&response(token_body()), 0).unwrap();
        assert!(!session.expires_within(1_700_003_000, 60));
        assert!(session.expires_within(1_700_003_540, 60));
        assert!(session.expires_within(1_700_004_000, 0));
    }

    #[test]
    fn survives_a_round_trip_through_storage() {
        let session = Session::from_token_response(&response(token_body()), 0).unwrap();
        let stored = serde_json::to_string(&session).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&stored).unwrap(), session);
    }

    #[test]
    fn debug_output_hides_the_tokens() {
        let session = Session::from_token_response(&response(token_body()), 0).unwrap();
        let debug = format!("{session:?}");
        assert!(!debug.contains("a1") && !debug.contains("r1"), "{debug}");
    }

    #[test]
    fn sign_up_answers_a_session_or_a_user_to_confirm() {
        let signed_in = SignUpOutcome::from_response(&response(token_body()), 0).unwrap();
        assert!(matches!(signed_in, SignUpOutcome::SignedIn(_)));
        let pending = SignUpOutcome::from_response(
            &response(json!({"id": "u2", "email": "b@example.com",
                             "confirmation_sent_at": "2026-01-01T00:00:00Z"})),
            0,
        )
        .unwrap();
        assert_eq!(
            pending,
            SignUpOutcome::ConfirmationRequired(User {
                id: "u2".into(),
                email: Some("b@example.com".into()),
                app_metadata: Value::Null,
                user_metadata: Value::Null,
            })
        );
    }
}
