//! GoTrue's error responses (`internal/api/errors.go`, `internal/api/apierrors`): by default
//! `{"code": <status>, "error_code": "…", "msg": "…"}` plus the `x-sb-error-code` header; with
//! `X-Supabase-Api-Version: 2024-01-01` or later, `{"code": "…", "message": "…"}`. Weak passwords
//! add `"weak_password": {"reasons": […]}`.

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};

use crate::http_util::{header_str, json_response, ordered_object, set_header, to_json};
use crate::jwt::JwtError;

#[derive(Clone, Debug)]
pub struct AuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub weak_password_reasons: Option<Vec<&'static str>>,
}

impl AuthError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AuthError {
        AuthError {
            status,
            code,
            message: message.into(),
            weak_password_reasons: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AuthError {
        AuthError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn validation(message: impl Into<String>) -> AuthError {
        AuthError::bad_request("validation_failed", message)
    }

    pub fn invalid_credentials() -> AuthError {
        AuthError::bad_request("invalid_credentials", "Invalid login credentials")
    }

    pub fn weak_password(min_length: usize) -> AuthError {
        AuthError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "weak_password",
            message: format!("Password should be at least {min_length} characters."),
            weak_password_reasons: Some(vec!["length"]),
        }
    }

    pub fn no_authorization() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "no_authorization",
            "This endpoint requires a valid Bearer token",
        )
    }

    /// 403 `bad_jwt`, with golang-jwt's wording of the failure.
    pub fn bad_jwt(error: &JwtError) -> AuthError {
        let reason = match error {
            JwtError::Empty | JwtError::UnexpectedParts(_) => {
                "token is malformed: token contains an invalid number of segments".to_string()
            }
            JwtError::BadAlgorithm => {
                "token signature is invalid: signing method is invalid".into()
            }
            JwtError::BadSignature => "token signature is invalid: signature is invalid".into(),
            JwtError::ClaimsNotObject => "token is malformed: could not JSON decode claim".into(),
            JwtError::Expired => "token has invalid claims: token is expired".into(),
            JwtError::NotYetValid => "token has invalid claims: token is not valid yet".into(),
            JwtError::IssuedInFuture => "token has invalid claims: token used before issued".into(),
            JwtError::TimeClaimNotNumber(c) => {
                format!("token is malformed: invalid type for claim {c}")
            }
        };
        AuthError::new(
            StatusCode::FORBIDDEN,
            "bad_jwt",
            format!("invalid JWT: unable to parse or verify signature, {reason}"),
        )
    }

    pub fn bad_json(detail: impl std::fmt::Display) -> AuthError {
        AuthError::bad_request(
            "bad_json",
            format!("Could not parse request body as JSON: {detail}"),
        )
    }

    pub fn payload_too_large() -> AuthError {
        AuthError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            "Request body too large",
        )
    }

    pub fn internal(message: impl Into<String>) -> AuthError {
        AuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_failure",
            message,
        )
    }

    pub fn db(error: tokio_postgres::Error) -> AuthError {
        tracing::warn!("auth database error: {error}");
        AuthError::internal("Database error querying schema")
    }

    pub fn pool(error: deadpool_postgres::PoolError) -> AuthError {
        tracing::warn!("auth pool error: {error}");
        AuthError::internal("Database error querying schema")
    }

    pub fn into_response(self, request_headers: &HeaderMap) -> Response<Body> {
        let new_format = header_str(request_headers, "x-supabase-api-version")
            .is_some_and(|v| v.trim() >= "2024-01-01");
        let mut pairs: Vec<(&str, String)> = if new_format {
            vec![
                ("code", to_json(&self.code)),
                ("message", to_json(&self.message)),
            ]
        } else {
            vec![
                ("code", self.status.as_u16().to_string()),
                ("error_code", to_json(&self.code)),
                ("msg", to_json(&self.message)),
            ]
        };
        if let Some(reasons) = &self.weak_password_reasons {
            pairs.push((
                "weak_password",
                ordered_object(&[("reasons", to_json(reasons))]),
            ));
        }
        let mut response = json_response(self.status, ordered_object(&pairs), "application/json");
        if !new_format {
            set_header(response.headers_mut(), "x-sb-error-code", self.code);
        }
        response
    }
}
