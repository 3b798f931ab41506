//! Every way a Supabase call can fail, with each service's error body parsed into fields, and a
//! coarse [`ErrorKind`] that the UI turns into a message.

use serde::Deserialize;
use serde_json::Value;

use crate::config::ConfigError;
use crate::request::{HttpResponse, Service};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SupabaseError {
    /// PostgREST's `{code, details, hint, message}`; `code` is a SQLSTATE (`42501`, `PT409`) or
    /// a PostgREST code (`PGRST116`).
    #[error("PostgREST error {status}{}: {message}", code_suffix(.code.as_deref()))]
    PostgRest {
        status: u16,
        code: Option<String>,
        message: String,
        details: Option<String>,
        hint: Option<String>,
    },
    /// Storage's `{statusCode, code?, error, message}`.
    #[error("Storage error {status}{}: {message}", code_suffix(.code.as_deref()))]
    Storage {
        /// The body's `statusCode` when it has one (Storage has answered HTTP 400 with
        /// `"statusCode": "404"` for a missing object), else the HTTP status.
        status: u16,
        /// The newer machine-readable code (`NoSuchKey`, `InvalidJWT`, …).
        code: Option<String>,
        /// The short error name (`not_found`, `Unauthorized`, …).
        error: Option<String>,
        message: String,
    },
    /// GoTrue's `{code, error_code, msg}`, or the older `{error, error_description}`.
    #[error("Auth error {status}{}: {message}", code_suffix(.code.as_deref()))]
    Auth {
        status: u16,
        /// `error_code` (`invalid_credentials`, `bad_jwt`, …) or, in the older format, `error`.
        code: Option<String>,
        message: String,
    },
    #[error("network error: {0}")]
    Network(String),
    #[error("no answer within {after_ms} ms")]
    Timeout { after_ms: u32 },
    #[error("the request was aborted")]
    Aborted,
    #[error("unexpected response: {0}")]
    Decode(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("invalid Storage object key {key:?}: {problem}")]
    InvalidObjectKey {
        key: String,
        problem: ObjectKeyProblem,
    },
    #[error("not signed in")]
    NotSignedIn,
    /// The refresh token was refused: the user must sign in again.
    #[error("the session has expired: {0}")]
    SessionExpired(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Why a Storage object key is refused ([`SupabaseError::InvalidObjectKey`]). Storage rejects
/// non-ASCII keys itself; `.`/`..` segments and a leading `/` would be rewritten by URL
/// normalisation into another object's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ObjectKeyProblem {
    #[error("it is empty")]
    Empty,
    #[error("it starts with '/'")]
    LeadingSlash,
    #[error("it has an empty segment ('//' or a trailing '/')")]
    EmptySegment,
    #[error("it has a '.' or '..' segment")]
    DotSegment,
    #[error("it has non-ASCII characters (use an ASCII slug)")]
    NonAscii,
    #[error("it has control characters")]
    ControlCharacter,
}

/// What the UI needs to know to explain a failure and offer the right way out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not signed in, or the server does not accept who we are.
    Unauthorized,
    /// Signed in once, but the session can no longer be renewed: sign in again.
    SessionExpired,
    /// Signed in, but not allowed to do this.
    Forbidden,
    NotFound,
    /// Duplicate, or the data changed meanwhile (reload and retry).
    Conflict,
    RateLimited {
        retry_after_secs: Option<u32>,
    },
    /// The request itself is wrong (bad argument, bad configuration, bad key).
    Invalid,
    Server,
    Network,
    Timeout,
    Aborted,
    Decode,
}

impl SupabaseError {
    /// The error a service answered with, parsed from a non-2xx response.
    pub fn from_response(service: Service, response: &HttpResponse) -> SupabaseError {
        match service {
            Service::Rest => postgrest_error(response),
            Service::Storage => storage_error(response),
            Service::Auth => auth_error(response),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        if self.is_jwt_expired() {
            return ErrorKind::SessionExpired;
        }
        match self {
            SupabaseError::PostgRest {
                status,
                code,
                details,
                ..
            } => match (status, code.as_deref()) {
                // `single()` found no row (or several).
                (406, Some("PGRST116")) => ErrorKind::NotFound,
                (429, _) => ErrorKind::RateLimited {
                    // Our rate-limited functions put the seconds to wait in `details`
                    // (docs/database.md).
                    retry_after_secs: details.as_deref().and_then(|d| d.trim().parse().ok()),
                },
                (status, _) => kind_of_status(*status),
            },
            SupabaseError::Storage { status, .. } => kind_of_status(*status),
            SupabaseError::Auth { status, code, .. } => match code.as_deref() {
                Some(
                    "session_not_found"
                    | "session_expired"
                    | "refresh_token_not_found"
                    | "refresh_token_already_used",
                ) => ErrorKind::SessionExpired,
                Some("user_already_exists" | "email_exists" | "identity_already_exists") => {
                    ErrorKind::Conflict
                }
                _ => kind_of_status(*status),
            },
            SupabaseError::Network(_) => ErrorKind::Network,
            SupabaseError::Timeout { .. } => ErrorKind::Timeout,
            SupabaseError::Aborted => ErrorKind::Aborted,
            SupabaseError::Decode(_) => ErrorKind::Decode,
            SupabaseError::InvalidRequest(_)
            | SupabaseError::InvalidObjectKey { .. }
            | SupabaseError::Config(_) => ErrorKind::Invalid,
            SupabaseError::NotSignedIn => ErrorKind::Unauthorized,
            SupabaseError::SessionExpired(_) => ErrorKind::SessionExpired,
        }
    }

    /// The server refused the access token because it expired (or could not be verified):
    /// refreshing the session and retrying once may succeed.
    pub fn is_jwt_expired(&self) -> bool {
        match self {
            SupabaseError::PostgRest {
                status: 401,
                code,
                message,
                ..
            } => {
                matches!(code.as_deref(), Some("PGRST301" | "PGRST303"))
                    || contains_ignore_case(message, "jwt expired")
            }
            SupabaseError::Storage { code, message, .. } => {
                code.as_deref() == Some("InvalidJWT")
                    || contains_ignore_case(message, "jwt expired")
                    || message.contains("\"exp\" claim timestamp check failed")
            }
            SupabaseError::Auth {
                status: 401 | 403,
                code,
                ..
            } => code.as_deref() == Some("bad_jwt"),
            _ => false,
        }
    }

    /// The HTTP status the service answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SupabaseError::PostgRest { status, .. }
            | SupabaseError::Storage { status, .. }
            | SupabaseError::Auth { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service's machine-readable code (SQLSTATE, `PGRST…`, Storage or GoTrue code).
    pub fn code(&self) -> Option<&str> {
        match self {
            SupabaseError::PostgRest { code, .. }
            | SupabaseError::Storage { code, .. }
            | SupabaseError::Auth { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        429 => ErrorKind::RateLimited {
            retry_after_secs: None,
        },
        500.. => ErrorKind::Server,
        _ => ErrorKind::Invalid,
    }
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|code| format!(" ({code})")).unwrap_or_default()
}

fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.to_ascii_lowercase().contains(needle)
}

fn postgrest_error(response: &HttpResponse) -> SupabaseError {
    #[derive(Deserialize)]
    struct Body {
        code: Option<Value>,
        message: Option<String>,
        details: Option<String>,
        hint: Option<String>,
    }
    let body: Option<Body> = serde_json::from_slice(&response.body).ok();
    let (code, message, details, hint) = match body {
        Some(body) => (body.code, body.message, body.details, body.hint),
        None => (None, None, None, None),
    };
    SupabaseError::PostgRest {
        status: response.status,
        code: code.as_ref().and_then(value_as_text),
        message: message.unwrap_or_else(|| fallback_message(response)),
        details,
        hint,
    }
}

fn storage_error(response: &HttpResponse) -> SupabaseError {
    #[derive(Deserialize)]
    struct Body {
        #[serde(rename = "statusCode")]
        status_code: Option<Value>,
        code: Option<Value>,
        error: Option<String>,
        message: Option<String>,
    }
    let Ok(body) = serde_json::from_slice::<Body>(&response.body) else {
        return SupabaseError::Storage {
            status: response.status,
            code: None,
            error: None,
            message: fallback_message(response),
        };
    };
    let status = body
        .status_code
        .as_ref()
        .and_then(value_as_text)
        .and_then(|s| s.parse().ok())
        .unwrap_or(response.status);
    SupabaseError::Storage {
        status,
        code: body.code.as_ref().and_then(value_as_text),
        message: body
            .message
            .or_else(|| body.error.clone())
            .unwrap_or_else(|| fallback_message(response)),
        error: body.error,
    }
}

fn auth_error(response: &HttpResponse) -> SupabaseError {
    #[derive(Deserialize)]
    struct Body {
        /// Newer GoTrue: the HTTP status repeated as a number; not the code we want.
        error_code: Option<String>,
        msg: Option<String>,
        /// Older GoTrue (and OAuth-style endpoints).
        error: Option<String>,
        error_description: Option<String>,
        /// The API gateway's own errors (`Invalid API key`).
        message: Option<String>,
    }
    let Ok(body) = serde_json::from_slice::<Body>(&response.body) else {
        return SupabaseError::Auth {
            status: response.status,
            code: None,
            message: fallback_message(response),
        };
    };
    SupabaseError::Auth {
        status: response.status,
        code: body.error_code.or_else(|| body.error.clone()),
        message: body
            .msg
            .or(body.error_description)
            .or(body.message)
            .or(body.error)
            .unwrap_or_else(|| fallback_message(response)),
    }
}

/// Codes arrive as strings or numbers depending on the service and its version.
fn value_as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// For bodies that are not the service's JSON (a proxy's HTML page, an empty 502).
fn fallback_message(response: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    let text = text.trim();
    if text.is_empty() {
        format!("HTTP {}", response.status)
    } else {
        text.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn rest(status: u16, body: &str) -> SupabaseError {
        SupabaseError::from_response(Service::Rest, &response(status, body))
    }

    fn storage(status: u16, body: &str) -> SupabaseError {
        SupabaseError::from_response(Service::Storage, &response(status, body))
    }

    fn auth(status: u16, body: &str) -> SupabaseError {
        SupabaseError::from_response(Service::Auth, &response(status, body))
    }

    #[test]
    fn parses_postgrest_errors() {
        let error = rest(
            409,
            r#"{"code":"PT409","details":"revision 7 != 8","hint":"reload","message":"stale snapshot"}"#,
        );
        assert_eq!(
            error,
            SupabaseError::PostgRest {
                status: 409,
                code: Some("PT409".into()),
                message: "stale snapshot".into(),
                details: Some("revision 7 != 8".into()),
                hint: Some("reload".into()),
            }
        );
        assert_eq!(error.kind(), ErrorKind::Conflict);
        assert_eq!(error.code(), Some("PT409"));
        assert_eq!(error.status(), Some(409));
        assert_eq!(
            error.to_string(),
            "PostgREST error 409 (PT409): stale snapshot"
        );
    }

    #[test]
    fn postgrest_null_details_and_hint_are_none() {
        let error = rest(
            403,
            r#"{"code":"42501","details":null,"hint":null,"message":"permission denied"}"#,
        );
        assert!(matches!(
            &error,
            SupabaseError::PostgRest {
                details: None,
                hint: None,
                ..
            }
        ));
        assert_eq!(error.kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn singular_response_without_a_row_is_not_found() {
        let error = rest(
            406,
            r#"{"code":"PGRST116","details":"The result contains 0 rows","hint":null,"message":"Cannot coerce the result to a single JSON object"}"#,
        );
        assert_eq!(error.code(), Some("PGRST116"));
        assert_eq!(error.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn rate_limit_reads_the_seconds_from_details() {
        let error = rest(
            429,
            r#"{"code":"PT429","details":"7","hint":null,"message":"force_sync: wait"}"#,
        );
        assert_eq!(
            error.kind(),
            ErrorKind::RateLimited {
                retry_after_secs: Some(7)
            }
        );
        let without = rest(
            429,
            r#"{"code":"PT429","details":null,"message":"slow down"}"#,
        );
        assert_eq!(
            without.kind(),
            ErrorKind::RateLimited {
                retry_after_secs: None
            }
        );
    }

    #[test]
    fn postgrest_expired_jwt_is_recognised() {
        for body in [
            r#"{"code":"PGRST303","details":null,"hint":null,"message":"JWT expired"}"#,
            r#"{"code":"PGRST301","details":null,"hint":null,"message":"JWSError JWSInvalidSignature"}"#,
            r#"{"message":"JWT expired"}"#,
        ] {
            let error = rest(401, body);
            assert!(error.is_jwt_expired(), "{body}");
            assert_eq!(error.kind(), ErrorKind::SessionExpired);
        }
        let anonymous = rest(401, r#"{"code":"42501","message":"permission denied"}"#);
        assert!(!anonymous.is_jwt_expired());
        assert_eq!(anonymous.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn maps_statuses_to_kinds() {
        for (status, kind) in [
            (400, ErrorKind::Invalid),
            (404, ErrorKind::NotFound),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
        ] {
            assert_eq!(rest(status, r#"{"message":"x"}"#).kind(), kind, "{status}");
        }
    }

    #[test]
    fn non_json_bodies_keep_their_text() {
        let error = rest(502, "<html>Bad gateway</html>");
        assert_eq!(
            error,
            SupabaseError::PostgRest {
                status: 502,
                code: None,
                message: "<html>Bad gateway</html>".into(),
                details: None,
                hint: None,
            }
        );
        assert_eq!(
            storage(504, ""),
            SupabaseError::Storage {
                status: 504,
                code: None,
                error: None,
                message: "HTTP 504".into()
            }
        );
    }

    #[test]
    fn parses_storage_errors_with_string_status_codes() {
        let error = storage(
            400,
            r#"{"statusCode":"404","error":"not_found","message":"Object not found"}"#,
        );
        assert_eq!(
            error,
            SupabaseError::Storage {
                status: 404,
                code: None,
                error: Some("not_found".into()),
                message: "Object not found".into(),
            }
        );
        assert_eq!(error.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn parses_newer_storage_errors_with_a_code() {
        let error = storage(
            409,
            r#"{"statusCode":"409","code":"Duplicate","error":"Duplicate","message":"The resource already exists"}"#,
        );
        assert_eq!(error.code(), Some("Duplicate"));
        assert_eq!(error.kind(), ErrorKind::Conflict);
        let rls = storage(
            400,
            r#"{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy"}"#,
        );
        assert_eq!(rls.kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn storage_expired_jwt_is_recognised() {
        let error = storage(
            400,
            r#"{"statusCode":"403","code":"InvalidJWT","error":"Unauthorized","message":"\"exp\" claim timestamp check failed"}"#,
        );
        assert!(error.is_jwt_expired());
        let older = storage(
            400,
            r#"{"statusCode":"400","error":"Unauthorized","message":"jwt expired"}"#,
        );
        assert!(older.is_jwt_expired());
    }

    #[test]
    fn parses_current_gotrue_errors() {
        let error = auth(
            400,
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
        );
        assert_eq!(
            error,
            SupabaseError::Auth {
                status: 400,
                code: Some("invalid_credentials".into()),
                message: "Invalid login credentials".into(),
            }
        );
        assert_eq!(error.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn parses_older_gotrue_errors() {
        let error = auth(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Refresh Token Not Found"}"#,
        );
        assert_eq!(
            error,
            SupabaseError::Auth {
                status: 400,
                code: Some("invalid_grant".into()),
                message: "Invalid Refresh Token: Refresh Token Not Found".into(),
            }
        );
    }

    #[test]
    fn parses_gateway_errors_on_auth() {
        let error = auth(401, r#"{"message":"Invalid API key"}"#);
        assert_eq!(
            error,
            SupabaseError::Auth {
                status: 401,
                code: None,
                message: "Invalid API key".into(),
            }
        );
        assert_eq!(error.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn gotrue_bad_jwt_and_dead_sessions_mean_sign_in_again() {
        let bad_jwt = auth(
            403,
            r#"{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: token is expired"}"#,
        );
        assert!(bad_jwt.is_jwt_expired());
        assert_eq!(bad_jwt.kind(), ErrorKind::SessionExpired);
        let reused = auth(
            400,
            r#"{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}"#,
        );
        assert!(!reused.is_jwt_expired());
        assert_eq!(reused.kind(), ErrorKind::SessionExpired);
        let rate = auth(
            429,
            r#"{"code":429,"error_code":"over_request_rate_limit","msg":"Request rate limit reached"}"#,
        );
        assert_eq!(
            rate.kind(),
            ErrorKind::RateLimited {
                retry_after_secs: None
            }
        );
        let exists = auth(
            422,
            r#"{"code":422,"error_code":"user_already_exists","msg":"User already registered"}"#,
        );
        assert_eq!(exists.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn transport_errors_have_their_own_kinds() {
        assert_eq!(
            SupabaseError::Network("x".into()).kind(),
            ErrorKind::Network
        );
        assert_eq!(
            SupabaseError::Timeout { after_ms: 5 }.kind(),
            ErrorKind::Timeout
        );
        assert_eq!(SupabaseError::Aborted.kind(), ErrorKind::Aborted);
        assert_eq!(SupabaseError::Decode("x".into()).kind(), ErrorKind::Decode);
        assert_eq!(SupabaseError::NotSignedIn.kind(), ErrorKind::Unauthorized);
        assert_eq!(
            SupabaseError::SessionExpired("x".into()).kind(),
            ErrorKind::SessionExpired
        );
    }
}
