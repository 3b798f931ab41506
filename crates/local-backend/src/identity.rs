//! Who is calling: the verified JWT of a request and the database role it maps to.
//!
//! As PostgREST (`src/PostgREST/Auth.hs`): the token is taken from `Authorization: Bearer …`
//! (scheme case-insensitive; `Bearer` with nothing after it is an empty token, which is an
//! error); another scheme counts as no token. Because Supabase's gateway forwards the `apikey`
//! header as the bearer token when `Authorization` is absent, so do we. No token at all means
//! the anonymous role, with claims `{"role": "anon"}`.

use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::jwt::{self, Claims, JwtError};

/// The only roles a request may run as. `authenticator` is also a member of the auth and
/// storage admin roles (the server uses them for its own bookkeeping), so the role claim is
/// checked against this list before anything reaches the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiRole {
    Anon,
    Authenticated,
    ServiceRole,
}

impl ApiRole {
    pub fn from_claim(role: &str) -> Option<ApiRole> {
        match role {
            "anon" => Some(ApiRole::Anon),
            "authenticated" => Some(ApiRole::Authenticated),
            "service_role" => Some(ApiRole::ServiceRole),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiRole::Anon => "anon",
            ApiRole::Authenticated => "authenticated",
            ApiRole::ServiceRole => "service_role",
        }
    }
}

/// A verified caller.
#[derive(Clone, Debug)]
pub struct Identity {
    pub role: ApiRole,
    pub claims: Claims,
    /// The raw token, when there was one.
    pub token: Option<String>,
}

impl Identity {
    pub fn anonymous() -> Identity {
        let mut claims = Claims::new();
        claims.insert("role".into(), json!("anon"));
        Identity {
            role: ApiRole::Anon,
            claims,
            token: None,
        }
    }

    pub fn claims_json(&self) -> String {
        Value::Object(self.claims.clone()).to_string()
    }

    /// `sub`, the user id, as a string (what Storage records as the object owner).
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityError {
    Jwt(JwtError),
    /// A valid token whose role is not one of the API roles.
    RoleNotAllowed(String),
}

/// The bearer token of a request: `Some("")` for `Bearer` without a token, `None` when there is
/// no usable credential at all.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("");
        let (scheme, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
        return if scheme.eq_ignore_ascii_case("bearer") {
            Some(rest.trim().to_string())
        } else {
            None
        };
    }
    headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// Verifies the request's token (if any) and maps its role.
pub fn identify(
    headers: &HeaderMap,
    secret: &[u8],
    leeway_secs: i64,
) -> Result<Identity, IdentityError> {
    let Some(token) = bearer_token(headers) else {
        return Ok(Identity::anonymous());
    };
    identify_token(&token, secret, leeway_secs)
}

pub fn identify_token(
    token: &str,
    secret: &[u8],
    leeway_secs: i64,
) -> Result<Identity, IdentityError> {
    let mut claims =
        jwt::verify(token, secret, jwt::now(), leeway_secs).map_err(IdentityError::Jwt)?;
    // PostgREST: a token without a role claim runs as the anonymous role.
    let role_claim = match claims.get("role") {
        None | Some(Value::Null) => "anon".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let role = ApiRole::from_claim(&role_claim)
        .ok_or(IdentityError::RoleNotAllowed(role_claim.clone()))?;
    claims.insert("role".into(), json!(role.as_str()));
    Ok(Identity {
        role,
        claims,
        token: Some(token.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &[u8] = b"a-test-secret-that-is-long-enough-for-hs256";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn no_token_is_anon() {
        let id = identify(&HeaderMap::new(), SECRET, 0).unwrap();
        assert_eq!(id.role, ApiRole::Anon);
        assert_eq!(id.claims_json(), r#"{"role":"anon"}"#);
    }

    #[test]
    fn bearer_then_apikey() {
        let service = jwt::sign(&json!({"role": "service_role"}), SECRET);
        let anon = jwt::sign(&json!({"role": "anon"}), SECRET);
        let auth = format!("bearer {service}");
        let id = identify(
            &headers(&[("authorization", &auth), ("apikey", &anon)]),
            SECRET,
            0,
        )
        .unwrap();
        assert_eq!(id.role, ApiRole::ServiceRole);
        let id = identify(&headers(&[("apikey", &service)]), SECRET, 0).unwrap();
        assert_eq!(id.role, ApiRole::ServiceRole);
        // Another scheme is no credential, as in PostgREST.
        let id = identify(&headers(&[("authorization", "Basic abc")]), SECRET, 0).unwrap();
        assert_eq!(id.role, ApiRole::Anon);
        assert_eq!(
            identify(&headers(&[("authorization", "Bearer ")]), SECRET, 0).unwrap_err(),
            IdentityError::Jwt(JwtError::Empty)
        );
    }

    #[test]
    fn only_api_roles() {
        for role in [
            "postgres",
            "supabase_auth_admin",
            "authenticator",
            "supabase_storage_admin",
        ] {
            let token = jwt::sign(&json!({ "role": role }), SECRET);
            assert_eq!(
                identify_token(&token, SECRET, 0).unwrap_err(),
                IdentityError::RoleNotAllowed(role.into())
            );
        }
    }
}
