//! PostgREST's error responses: `{"code", "details", "hint", "message"}` with the status codes of
//! `src/PostgREST/Error.hs` (PostgREST 13, checked against the v13.0.8 and v14 sources):
//!
//! * SQLSTATE → status (`pgErrorStatus`): 23503/23505 → 409, 42501 → 401 for the anonymous
//!   role (with `WWW-Authenticate: Bearer`) else 403, 42883 → 404, 42P01 → 404, 25006 → 405,
//!   P0001 → 400, other `P0…` → 500, `PTxyz` → xyz, `08…` → 503, classes 25/2D/38/39/3B/40
//!   (so 40001 and 40P01 too), 53400, 54, 55, 57, 58, F0, HV, XX → 500, 53… → 503,
//!   0L/0P/28 → 403, 22023 "role … does not exist" → 401, anything else (22xxx, 23502, 23514,
//!   42703, …) → 400.
//! * PGRST1xx request errors, PGRST2xx schema-cache errors, PGRST3xx JWT errors.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::identity::IdentityError;
use crate::jwt::JwtError;
use crate::rest::query::QueryError;

/// An error response. Boxed: it travels through every `Result` of the request path.
#[derive(Clone, Debug)]
pub struct ApiError(Box<ErrorBody>);

#[derive(Clone, Debug)]
pub struct ErrorBody {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Option<String>,
    pub hint: Option<String>,
    pub extra_headers: Vec<(HeaderName, String)>,
}

impl std::ops::Deref for ApiError {
    type Target = ErrorBody;
    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorBody {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError(Box::new(ErrorBody {
            status,
            code: code.to_string(),
            message: message.into(),
            details: None,
            hint: None,
            extra_headers: Vec::new(),
        }))
    }

    pub fn with_details(mut self, details: impl Into<String>) -> ApiError {
        self.details = Some(details.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }

    fn with_header(mut self, name: HeaderName, value: String) -> ApiError {
        self.extra_headers.push((name, value));
        self
    }

    /// PGRST100: malformed query string.
    pub fn query(e: QueryError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "PGRST100", e.message).with_details(e.details)
    }

    /// PGRST102: body that is not the JSON expected.
    pub fn invalid_body(message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "PGRST102", message)
    }

    /// PGRST103: `limit`/`offset`/`Range` not satisfiable.
    pub fn range_not_satisfiable(details: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "PGRST103",
            "Requested range not satisfiable",
        )
        .with_details(details)
    }

    /// PGRST106: `Accept-Profile`/`Content-Profile` naming a schema that is not exposed.
    pub fn schema_not_exposed(schema: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "PGRST106",
            format!("Invalid schema: {schema}"),
        )
        .with_hint("Only the following schemas are exposed: public")
    }

    /// PGRST107: `Accept` names nothing we can produce.
    pub fn media_type(accept: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "PGRST107",
            format!("None of these media types are available: {accept}"),
        )
    }

    /// PGRST108: a filter, order or limit on an embed that is not in `select`.
    pub fn not_embedded(resource: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "PGRST108",
            format!("'{resource}' is not an embedded resource in this request"),
        )
        .with_hint(format!(
            "Verify that '{resource}' is included in the 'select' query parameter."
        ))
    }

    /// PGRST116: `Accept: application/vnd.pgrst.object+json` and not exactly one row.
    pub fn singular(rows: i64) -> ApiError {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "PGRST116",
            "Cannot coerce the result to a single JSON object",
        )
        .with_details(format!("The result contains {rows} rows"))
    }

    /// PGRST117
    pub fn unsupported_method(method: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "PGRST117",
            format!("Unsupported HTTP method: {method}"),
        )
    }

    /// PGRST101
    pub fn invalid_rpc_method(method: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "PGRST101",
            format!("Cannot use the {method} method on RPC"),
        )
    }

    /// PGRST200
    pub fn no_relationship(parent: &str, child: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "PGRST200",
            format!("Could not find a relationship between '{parent}' and '{child}' in the schema cache"),
        )
        .with_details(format!(
            "Searched for a foreign key relationship between '{parent}' and '{child}' in the schema 'public', but no matches were found."
        ))
    }

    /// PGRST201 (status 300)
    pub fn ambiguous_relationship(parent: &str, child: &str, hints: &[String]) -> ApiError {
        ApiError::new(
            StatusCode::MULTIPLE_CHOICES,
            "PGRST201",
            format!("Could not embed because more than one relationship was found for '{parent}' and '{child}'"),
        )
        .with_hint(format!(
            "Try changing '{child}' to one of the following: {}. Find the desired relationship in the 'details' key.",
            hints.join(", ")
        ))
    }

    /// PGRST202: no function with that name and these argument names.
    pub fn function_not_found(
        function: &str,
        mut arg_keys: Vec<String>,
        json_post: bool,
    ) -> ApiError {
        arg_keys.sort();
        let qualified = format!("public.{function}");
        let (message, searched) = if arg_keys.is_empty() {
            (
                format!(
                    "Could not find the function {qualified} without parameters in the schema cache"
                ),
                " without parameters".to_string(),
            )
        } else {
            let list = arg_keys.join(", ");
            let plural = if arg_keys.len() > 1 { "s" } else { "" };
            (
                format!("Could not find the function {qualified}({list}) in the schema cache"),
                format!(" with parameter{plural} {list}"),
            )
        };
        let details = if json_post {
            format!(
                "Searched for the function {qualified}{searched} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache."
            )
        } else {
            format!(
                "Searched for the function {qualified}{searched}, but no matches were found in the schema cache."
            )
        };
        ApiError::new(StatusCode::NOT_FOUND, "PGRST202", message).with_details(details)
    }

    /// PGRST203 (status 300)
    pub fn ambiguous_function(candidates: &[String]) -> ApiError {
        ApiError::new(
            StatusCode::MULTIPLE_CHOICES,
            "PGRST203",
            format!(
                "Could not choose the best candidate function between: {}",
                candidates.join(", ")
            ),
        )
        .with_hint("Try renaming the parameters or the function itself in the database so function overloading can be resolved")
    }

    /// PGRST204: a payload or `columns` key that is not a column.
    pub fn column_not_found(table: &str, column: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "PGRST204",
            format!("Could not find the '{column}' column of '{table}' in the schema cache"),
        )
    }

    /// PGRST205: unknown table or view.
    pub fn table_not_found(table: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "PGRST205",
            format!("Could not find the table 'public.{table}' in the schema cache"),
        )
    }

    /// 42703, worded as PostgreSQL words it for the query PostgREST would have sent: an unknown
    /// column in `select`, a filter or `order` (we refuse it before building any SQL).
    pub fn undefined_column(table: &str, column: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "42703",
            format!("column {table}.{column} does not exist"),
        )
    }

    /// 42704: unknown type in a `::cast`.
    pub fn undefined_type(type_name: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "42704",
            format!("type \"{type_name}\" does not exist"),
        )
    }

    /// 413 from the gateway limit. PostgREST has no such error; the shape is kept.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PGRST413",
            "Request size limit exceeded",
        )
        .with_details(format!("The request body exceeds {limit} bytes"))
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "PGRSTX00", message)
    }

    /// PGRST000/PGRST003: database unreachable or pool exhausted.
    pub fn connection(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "PGRST000",
            "Database connection error.",
        )
        .with_details(message)
    }

    /// PGRST301/PGRST303 and the role check; always 401 with PostgREST's `WWW-Authenticate`.
    /// `role_exists` tells whether a refused role claim names an existing database role.
    pub fn identity(error: &IdentityError, role_exists: impl Fn(&str) -> bool) -> ApiError {
        let (code, message) = match error {
            IdentityError::Jwt(jwt) => jwt_code_and_message(jwt),
            // Only anon/authenticated/service_role may be assumed, and the check happens before
            // the database is touched. PostgREST would try `SET ROLE` and relay PostgreSQL's
            // refusal: 22023 for a role that does not exist (401, issue #3601), 42501 for one the
            // login role may not assume (which we also answer with 401: the token is unusable).
            IdentityError::RoleNotAllowed(role) => {
                let (code, message) = if role_exists(role) {
                    ("42501", format!("permission denied to set role \"{role}\""))
                } else {
                    ("22023", format!("role \"{role}\" does not exist"))
                };
                return ApiError::new(StatusCode::UNAUTHORIZED, code, message)
                    .with_header(header::WWW_AUTHENTICATE, "Bearer".into());
            }
        };
        let header_value = format!(
            "Bearer error=\"invalid_token\", error_description={}",
            serde_json::to_string(&message).unwrap_or_default()
        );
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
            .with_header(header::WWW_AUTHENTICATE, header_value)
    }

    /// An error raised by PostgreSQL while running the request's statement.
    pub fn from_db(error: &tokio_postgres::Error, anonymous: bool) -> ApiError {
        let Some(db) = error.as_db_error() else {
            return ApiError::connection(error.to_string());
        };
        let code = db.code().code();
        let status = status_for_sqlstate(code, db.message(), anonymous);
        let mut api = ApiError::new(status, code, db.message());
        api.details = db.detail().map(str::to_string);
        api.hint = db.hint().map(str::to_string);
        if status == StatusCode::UNAUTHORIZED {
            api = api.with_header(header::WWW_AUTHENTICATE, "Bearer".into());
        }
        api
    }

    pub fn body(&self) -> Value {
        json!({
            "code": self.code,
            "details": self.details,
            "hint": self.hint,
            "message": self.message,
        })
    }

    pub fn into_response(self) -> Response<Body> {
        let body = self.body().to_string();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("PostgREST; error={}", self.code)) {
            headers.insert(HeaderName::from_static("proxy-status"), v);
        }
        for (name, value) in self.0.extra_headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        response
    }
}

fn jwt_code_and_message(error: &JwtError) -> (&'static str, String) {
    match error {
        JwtError::Empty => (
            "PGRST301",
            "Empty JWT is sent in Authorization header".into(),
        ),
        JwtError::UnexpectedParts(n) => ("PGRST301", format!("Expected 3 parts in JWT; got {n}")),
        JwtError::BadAlgorithm => ("PGRST301", "Wrong or unsupported encoding algorithm".into()),
        JwtError::BadSignature => ("PGRST301", "JWT cryptographic operation failed".into()),
        JwtError::ClaimsNotObject => ("PGRST303", "Parsing claims failed".into()),
        JwtError::Expired => ("PGRST303", "JWT expired".into()),
        JwtError::NotYetValid => ("PGRST303", "JWT not yet valid".into()),
        JwtError::IssuedInFuture => ("PGRST303", "JWT issued at future".into()),
        JwtError::TimeClaimNotNumber(claim) => (
            "PGRST303",
            format!("The JWT '{claim}' claim must be a number"),
        ),
    }
}

/// `pgErrorStatus` of PostgREST's Error.hs.
pub fn status_for_sqlstate(code: &str, message: &str, anonymous: bool) -> StatusCode {
    let starts = |p: &str| code.starts_with(p);
    match code {
        "23503" | "23505" => return StatusCode::CONFLICT,
        "25006" => return StatusCode::METHOD_NOT_ALLOWED,
        "21000" => {
            return if message.ends_with("requires a WHERE clause") {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
        }
        "22023" => {
            return if message.starts_with("role") && message.ends_with("does not exist") {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
        }
        "53400" => return StatusCode::INTERNAL_SERVER_ERROR,
        "57P01" => return StatusCode::SERVICE_UNAVAILABLE,
        "P0001" => return StatusCode::BAD_REQUEST,
        "42883" => {
            return if message.starts_with("function xmlagg(") {
                StatusCode::NOT_ACCEPTABLE
            } else {
                StatusCode::NOT_FOUND
            };
        }
        "42P01" => return StatusCode::NOT_FOUND,
        "42P17" => return StatusCode::INTERNAL_SERVER_ERROR,
        "42501" => {
            return if anonymous {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
        }
        _ => {}
    }
    if starts("PT") {
        return code[2..]
            .parse::<u16>()
            .ok()
            .and_then(|n| StatusCode::from_u16(n).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if starts("08") || starts("53") {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if starts("0L") || starts("0P") || starts("28") {
        return StatusCode::FORBIDDEN;
    }
    for prefix in [
        "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "P0", "XX",
    ] {
        if starts(prefix) {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    StatusCode::BAD_REQUEST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_statuses() {
        let s = |code, anon| status_for_sqlstate(code, "x", anon).as_u16();
        assert_eq!(s("23505", false), 409);
        assert_eq!(s("23503", false), 409);
        assert_eq!(s("23502", false), 400);
        assert_eq!(s("23514", false), 400);
        assert_eq!(s("22P02", false), 400);
        assert_eq!(s("22023", false), 400);
        assert_eq!(s("P0001", false), 400);
        assert_eq!(s("P0002", false), 500);
        assert_eq!(s("42501", true), 401);
        assert_eq!(s("42501", false), 403);
        assert_eq!(s("42883", false), 404);
        assert_eq!(s("42703", false), 400);
        assert_eq!(s("PT404", false), 404);
        assert_eq!(s("PT409", false), 409);
        assert_eq!(s("PT429", false), 429);
        assert_eq!(s("40001", false), 500);
        assert_eq!(s("40P01", false), 500);
        assert_eq!(s("25006", false), 405);
        assert_eq!(s("08006", false), 503);
        assert_eq!(
            status_for_sqlstate("22023", "role \"x\" does not exist", false).as_u16(),
            401
        );
    }

    #[test]
    fn jwt_errors_have_postgrest_codes() {
        let e = ApiError::identity(&IdentityError::Jwt(JwtError::Expired), |_| false);
        assert_eq!(e.status.as_u16(), 401);
        assert_eq!(e.code, "PGRST303");
        assert_eq!(e.message, "JWT expired");
        assert_eq!(
            e.extra_headers[0].1,
            "Bearer error=\"invalid_token\", error_description=\"JWT expired\""
        );
        let e = ApiError::identity(&IdentityError::Jwt(JwtError::UnexpectedParts(1)), |_| false);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("PGRST301", "Expected 3 parts in JWT; got 1")
        );
    }

    #[test]
    fn function_not_found_wording() {
        let e = ApiError::function_not_found("fn", vec!["b".into(), "a".into()], true);
        assert_eq!(
            e.message,
            "Could not find the function public.fn(a, b) in the schema cache"
        );
        assert_eq!(
            e.details.clone().unwrap(),
            "Searched for the function public.fn with parameters a, b or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache."
        );
        let e = ApiError::function_not_found("fn", vec![], false);
        assert_eq!(
            e.message,
            "Could not find the function public.fn without parameters in the schema cache"
        );
    }
}
