//! The browser's return from an OAuth provider: the session in the URL fragment (implicit
//! flow), a `?code=` to exchange (PKCE flow), or the error that ended the attempt.

use super::session::{Session, User};
use crate::jwt;

/// Why a redirect back from sign-in did not yield a session.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthRedirectError {
    /// The provider or GoTrue refused (`access_denied` when the user cancelled on Discord).
    #[error("sign-in refused: {}", .description.as_deref().unwrap_or(.error))]
    Denied {
        error: String,
        code: Option<String>,
        description: Option<String>,
    },
    #[error("the sign-in redirect lacks {0}")]
    Missing(&'static str),
    #[error("the sign-in redirect has an unreadable {0}")]
    Invalid(&'static str),
}

/// The session in `#access_token=…&refresh_token=…&expires_in=…&expires_at=…&token_type=bearer`,
/// with the user read from the access token's claims (fetch `/user` for the full record).
/// `None` when the fragment is not a sign-in redirect at all.
pub fn session_from_url_fragment(
    fragment: &str,
    now: i64,
) -> Option<Result<Session, AuthRedirectError>> {
    let params = Params::parse(fragment.strip_prefix('#').unwrap_or(fragment));
    if let Some(error) = params.denial() {
        return Some(Err(error));
    }
    let access_token = params.get("access_token")?;
    Some(session_from_params(&params, access_token, now))
}

/// The `code` in `?code=…` after a PKCE sign-in. `None` when the query is not a sign-in
/// redirect at all.
pub fn code_from_query(query: &str) -> Option<Result<String, AuthRedirectError>> {
    let params = Params::parse(query.strip_prefix('?').unwrap_or(query));
    if let Some(error) = params.denial() {
        return Some(Err(error));
    }
    params.get("code").map(|code| Ok(code.to_owned()))
}

fn session_from_params(
    params: &Params,
    access_token: &str,
    now: i64,
) -> Result<Session, AuthRedirectError> {
    let refresh_token = params
        .get("refresh_token")
        .ok_or(AuthRedirectError::Missing("refresh_token"))?;
    let claims =
        jwt::decode_claims(access_token).map_err(|_| AuthRedirectError::Invalid("access_token"))?;
    let user = User::from_claims(&claims).ok_or(AuthRedirectError::Invalid("access_token"))?;
    let expires_in = params.number("expires_in")?;
    let expires_at = params
        .number("expires_at")?
        .or(expires_in.map(|secs| now + secs))
        .or(claims.exp)
        .ok_or(AuthRedirectError::Missing("expires_at"))?;
    Ok(Session {
        access_token: access_token.to_owned(),
        refresh_token: refresh_token.to_owned(),
        token_type: params.get("token_type").unwrap_or("bearer").to_owned(),
        expires_in: expires_in.unwrap_or((expires_at - now).max(0)),
        expires_at,
        user,
    })
}

/// Form-encoded `name=value&…` pairs, as GoTrue writes them.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &str) -> Params {
        Params(
            form_urlencoded::parse(text.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    fn number(&self, name: &'static str) -> Result<Option<i64>, AuthRedirectError> {
        self.get(name)
            .map(|text| text.parse().map_err(|_| AuthRedirectError::Invalid(name)))
            .transpose()
    }

    fn denial(&self) -> Option<AuthRedirectError> {
        Some(AuthRedirectError::Denied {
            error: self.get("error")?.to_owned(),
            code: self.get("error_code").map(str::to_owned),
            description: self.get("error_description").map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::tests::unsigned_jwt;
    use serde_json::json;

    fn access_token() -> String {
        unsigned_jwt(&json!({
            "sub": "u1", "exp": 1_700_003_600, "email": "ana@example.com",
            "role": "authenticated", "app_metadata": {"provider": "discord"},
            "user_metadata": {"full_name": "Ana"}
        }))
    }

    #[test]
    fn reads_the_session_of_an_implicit_redirect() {
        let fragment = format!(
            "#access_token={}&expires_at=1700003600&expires_in=3600&provider_token=dc\
             &refresh_token=r1&token_type=bearer&type=",
            access_token()
        );
        let session = session_from_url_fragment(&fragment, 1_700_000_000)
            .unwrap()
            .unwrap();
        assert_eq!(session.access_token, access_token());
        assert_eq!(session.refresh_token, "r1");
        assert_eq!(session.token_type, "bearer");
        assert_eq!(session.expires_in, 3600);
        assert_eq!(session.expires_at, 1_700_003_600);
        assert_eq!(
            session.user,
            User {
                id: "u1".into(),
                email: Some("ana@example.com".into()),
                app_metadata: json!({"provider": "discord"}),
                user_metadata: json!({"full_name": "Ana"}),
            }
        );
    }

    #[test]
    fn dates_the_session_from_expires_in_or_the_token() {
        let with_expires_in = format!(
            "access_token={}&refresh_token=r1&expires_in=60",
            access_token()
        );
        let session = session_from_url_fragment(&with_expires_in, 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(session.expires_at, 1_060);
        let bare = format!("access_token={}&refresh_token=r1", access_token());
        let session = session_from_url_fragment(&bare, 1_700_000_000)
            .unwrap()
            .unwrap();
        assert_eq!(session.expires_at, 1_700_003_600);
        assert_eq!(session.expires_in, 3600);
    }

    #[test]
    fn reports_the_error_of_a_refused_sign_in() {
        let fragment = "#error=access_denied&error_code=403\
                        &error_description=The+resource+owner+denied+the+request";
        assert_eq!(
            session_from_url_fragment(fragment, 0),
            Some(Err(AuthRedirectError::Denied {
                error: "access_denied".into(),
                code: Some("403".into()),
                description: Some("The resource owner denied the request".into()),
            }))
        );
    }

    #[test]
    fn reports_what_is_missing_or_unreadable() {
        let no_refresh = format!("#access_token={}&expires_in=3600", access_token());
        assert_eq!(
            session_from_url_fragment(&no_refresh, 0),
            Some(Err(AuthRedirectError::Missing("refresh_token")))
        );
        assert_eq!(
            session_from_url_fragment("#access_token=garbage&refresh_token=r1", 0),
            Some(Err(AuthRedirectError::Invalid("access_token")))
        );
        let bad_number = format!(
            "#access_token={}&refresh_token=r1&expires_in=soon",
            access_token()
        );
        assert_eq!(
            session_from_url_fragment(&bad_number, 0),
            Some(Err(AuthRedirectError::Invalid("expires_in")))
        );
        let no_expiry = unsigned_jwt(&json!({"sub": "u1"}));
        assert_eq!(
            session_from_url_fragment(&format!("access_token={no_expiry}&refresh_token=r"), 0),
            Some(Err(AuthRedirectError::Missing("expires_at")))
        );
    }

    #[test]
    fn ignores_fragments_that_are_not_sign_in_redirects() {
        assert_eq!(session_from_url_fragment("", 0), None);
        assert_eq!(session_from_url_fragment("#/settings", 0), None);
    }

    #[test]
    fn reads_the_code_of_a_pkce_redirect() {
        assert_eq!(
            code_from_query("?code=8f2a-b1"),
            Some(Ok("8f2a-b1".to_owned()))
        );
        assert_eq!(code_from_query("?tab=arhiva"), None);
        assert!(matches!(
            code_from_query("?error=server_error&error_description=Unable+to+exchange"),
            Some(Err(AuthRedirectError::Denied { .. }))
        ));
    }
}
