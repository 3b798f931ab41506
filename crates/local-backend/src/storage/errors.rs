//! Supabase Storage's error responses (storage-api `src/internal/errors/codes.ts`,
//! `storage-error.ts`, `src/http/error-handler.ts`, `src/storage/database/errors.ts`):
//! `{"statusCode": "<status as text>", "error": "…", "message": "…", "code": "…"}` (the order of
//! its `errorSchema`). The HTTP status is **400** for every error whose own status is not 500 —
//! a missing object is HTTP 400 with `"statusCode": "404"` — except where Storage sets the user
//! status explicitly; the 413 of the gateway's body limit is a real 413.

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::http_util::{json_response, ordered_object, to_json};
use crate::identity::IdentityError;
use crate::jwt::JwtError;

#[derive(Clone, Debug)]
pub struct StorageError {
    pub http_status: StatusCode,
    pub status_code: u16,
    pub error: String,
    pub message: String,
    pub code: &'static str,
}

impl StorageError {
    /// `StorageBackendError`: HTTP 400 unless the error's own status is 500.
    fn backend(
        status_code: u16,
        code: &'static str,
        error: Option<&str>,
        message: impl Into<String>,
    ) -> StorageError {
        StorageError {
            http_status: if status_code == 500 {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::BAD_REQUEST
            },
            status_code,
            error: error.unwrap_or(code).to_string(),
            message: message.into(),
            code,
        }
    }

    pub fn no_such_bucket() -> StorageError {
        StorageError::backend(
            404,
            "NoSuchBucket",
            Some("Bucket not found"),
            "Bucket not found",
        )
    }

    pub fn no_such_key() -> StorageError {
        StorageError::backend(404, "NoSuchKey", Some("not_found"), "Object not found")
    }

    /// The renderer's answer when the metadata exists but the bytes do not.
    pub fn resource_not_found() -> StorageError {
        StorageError::backend(
            404,
            "NoSuchKey",
            Some("Not found"),
            "The resource was not found",
        )
    }

    pub fn invalid_key(key: &str) -> StorageError {
        StorageError::backend(400, "InvalidKey", None, format!("Invalid key: {key}"))
    }

    pub fn key_already_exists() -> StorageError {
        StorageError::backend(
            409,
            "KeyAlreadyExists",
            Some("Duplicate"),
            "The resource already exists",
        )
    }

    pub fn resource_already_exists() -> StorageError {
        StorageError::backend(
            409,
            "ResourceAlreadyExists",
            Some("Duplicate"),
            "The resource already exists",
        )
    }

    pub fn access_denied(message: impl Into<String>) -> StorageError {
        StorageError::backend(403, "AccessDenied", Some("Unauthorized"), message)
    }

    /// Over the bucket's `file_size_limit` (or the global upload limit): HTTP 400.
    pub fn entity_too_large() -> StorageError {
        StorageError::backend(
            413,
            "EntityTooLarge",
            Some("Payload too large"),
            "The object exceeded the maximum allowed size",
        )
    }

    /// Over the server's request body limit: a real 413, in Storage's shape.
    pub fn body_too_large() -> StorageError {
        StorageError {
            http_status: StatusCode::PAYLOAD_TOO_LARGE,
            ..StorageError::entity_too_large()
        }
    }

    pub fn invalid_mime_type(mime: &str) -> StorageError {
        StorageError::backend(
            415,
            "InvalidMimeType",
            Some("invalid_mime_type"),
            format!("mime type {mime} is not supported"),
        )
    }

    pub fn invalid_request(message: impl Into<String>) -> StorageError {
        StorageError::backend(400, "InvalidRequest", None, message)
    }

    /// A body failing the route's JSON schema (Fastify's validation error).
    pub fn validation(message: impl Into<String>) -> StorageError {
        StorageError::backend(400, "InvalidRequest", Some("Bad Request"), message)
    }

    pub fn invalid_signature(message: impl Into<String>) -> StorageError {
        StorageError::backend(400, "InvalidSignature", None, message)
    }

    pub fn internal(message: impl Into<String>) -> StorageError {
        StorageError::backend(500, "InternalError", Some("Internal"), message)
    }

    /// The JWT plugin's refusal: `AccessDenied` with the verifier's message.
    pub fn identity(error: &IdentityError) -> StorageError {
        match error {
            IdentityError::Jwt(jwt) => StorageError::access_denied(jose_message(jwt)),
            IdentityError::RoleNotAllowed(_) => {
                StorageError::access_denied("Access denied: Invalid role")
            }
        }
    }

    /// A signed-URL token that does not verify (`verifyObjectSignature`: `InvalidJWT`).
    pub fn invalid_jwt(error: &JwtError) -> StorageError {
        StorageError::backend(400, "InvalidJWT", None, jose_message(error))
    }

    /// `DBError.fromDBError`.
    pub fn from_db(error: &tokio_postgres::Error) -> StorageError {
        let Some(db) = error.as_db_error() else {
            tracing::warn!("storage database error: {error}");
            return StorageError::internal("Internal server error");
        };
        match db.code().code() {
            "42501" => {
                StorageError::access_denied(if db.message().contains("row-level security") {
                    "new row violates row-level security policy".to_string()
                } else {
                    db.message().to_string()
                })
            }
            "23505" => StorageError::resource_already_exists(),
            "23503" => StorageError::backend(
                404,
                "InvalidRequest",
                None,
                "The related resource does not exist",
            ),
            "22P02" => StorageError::backend(400, "InvalidParameter", None, db.message()),
            "57014" => StorageError {
                http_status: StatusCode::from_u16(544).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
                ..StorageError::backend(
                    544,
                    "DatabaseTimeout",
                    None,
                    "The connection to the database timed out",
                )
            },
            code => {
                tracing::warn!("storage database error {code}: {}", db.message());
                StorageError::backend(
                    500,
                    "DatabaseError",
                    None,
                    format!("database error, code: {code}"),
                )
            }
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = ordered_object(&[
            ("statusCode", to_json(&self.status_code.to_string())),
            ("error", to_json(&self.error)),
            ("message", to_json(&self.message)),
            ("code", to_json(&self.code)),
        ]);
        json_response(self.http_status, body, "application/json; charset=utf-8")
    }
}

/// How `jose` (Storage's JWT library) words a verification failure.
fn jose_message(error: &JwtError) -> &'static str {
    match error {
        JwtError::Expired => "\"exp\" claim timestamp check failed",
        JwtError::NotYetValid => "\"nbf\" claim timestamp check failed",
        JwtError::IssuedInFuture => "\"iat\" claim timestamp check failed",
        JwtError::BadSignature => "signature verification failed",
        JwtError::BadAlgorithm => "\"alg\" (Algorithm) Header Parameter value not allowed",
        JwtError::TimeClaimNotNumber(_) | JwtError::ClaimsNotObject => {
            "JWT Claims Set must be a top-level JSON object"
        }
        JwtError::Empty | JwtError::UnexpectedParts(_) => "Invalid Compact JWS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_is_http_400_with_404_inside() {
        let e = StorageError::no_such_key();
        assert_eq!(e.http_status, StatusCode::BAD_REQUEST);
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn shapes() {
        let e = StorageError::key_already_exists();
        assert_eq!(
            (e.status_code, e.error.as_str(), e.code),
            (409, "Duplicate", "KeyAlreadyExists")
        );
        let e = StorageError::no_such_bucket();
        assert_eq!(
            (e.status_code, e.error.as_str(), e.message.as_str()),
            (404, "Bucket not found", "Bucket not found")
        );
        let e = StorageError::entity_too_large();
        assert_eq!((e.http_status.as_u16(), e.status_code), (400, 413));
        assert_eq!(StorageError::body_too_large().http_status.as_u16(), 413);
    }
}
