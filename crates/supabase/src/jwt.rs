//! Reading (never verifying) the claims of a JWT: the anon key's role, an access token's user and
//! expiry. Verification is the server's job; the client only needs to know what it holds.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde_json::Value;

/// base64url, with or without the `=` padding (JWTs omit it, some encoders add it).
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The claims Supabase puts in its keys and access tokens that this client looks at.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct JwtClaims {
    /// The user id (absent in the anon key).
    pub sub: Option<String>,
    /// Expiry, unix seconds.
    pub exp: Option<i64>,
    pub email: Option<String>,
    /// `anon`, `authenticated` or `service_role`.
    pub role: Option<String>,
    #[serde(default)]
    pub app_metadata: Value,
    #[serde(default)]
    pub user_metadata: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("a JWT has three dot-separated parts")]
    NotThreeParts,
    #[error("the JWT payload is not base64url")]
    NotBase64,
    #[error("the JWT payload is not a JSON object of claims: {0}")]
    NotClaims(String),
}

/// The payload of `header.payload.signature`, decoded but not verified.
pub fn decode_claims(token: &str) -> Result<JwtClaims, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotThreeParts);
    };
    let json = BASE64_URL
        .decode(payload)
        .map_err(|_| JwtError::NotBase64)?;
    serde_json::from_slice(&json).map_err(|e| JwtError::NotClaims(e.to_string()))
}

/// base64url without padding, as JWTs and PKCE challenges use it.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    BASE64_URL.encode(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A token with the given claims and a dummy signature: enough for a client that never
    /// verifies.
    pub fn unsigned_jwt(claims: &Value) -> String {
        let header = base64_url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = base64_url(claims.to_string().as_bytes());
        format!("{header}.{payload}.c2lnbmF0dXJl")
    }

    #[test]
    fn reads_the_claims_of_an_access_token() {
        let token = unsigned_jwt(&json!({
            "sub": "6f1c", "exp": 1_800_000_000, "email": "ana@example.com",
            "role": "authenticated", "app_metadata": {"provider": "discord"}
        }));
        let claims = decode_claims(&token).unwrap();
        assert_eq!(claims.sub.as_deref(), Some("6f1c"));
        assert_eq!(claims.exp, Some(1_800_000_000));
        assert_eq!(claims.email.as_deref(), Some("ana@example.com"));
        assert_eq!(claims.role.as_deref(), Some("authenticated"));
        assert_eq!(claims.app_metadata, json!({"provider": "discord"}));
        assert_eq!(claims.user_metadata, Value::Null);
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        assert_eq!(decode_claims("abc"), Err(JwtError::NotThreeParts));
        assert_eq!(decode_claims("a.b.c.d"), Err(JwtError::NotThreeParts));
        assert_eq!(decode_claims("a.!!.c"), Err(JwtError::NotBase64));
        let not_json = format!("a.{}.c", base64_url(b"hello"));
        assert!(matches!(
            decode_claims(&not_json),
            Err(JwtError::NotClaims(_))
        ));
    }

    #[test]
    fn accepts_padded_payloads() {
        let payload =
            base64::engine::general_purpose::URL_SAFE.encode(br#"{"role":"anon","x":12}"#);
        assert!(payload.ends_with("=="));
        let padded = format!("a.{payload}.c");
        assert_eq!(
            decode_claims(&padded).unwrap().role.as_deref(),
            Some("anon")
        );
    }
}
