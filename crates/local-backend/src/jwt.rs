//! HS256 JSON Web Tokens: signing what we issue and verifying what we receive.
//!
//! The failure cases follow PostgREST 13 (`src/PostgREST/Auth/Jwt.hs`): a token without exactly
//! three parts, with another algorithm, or with a bad signature is a *decode* error (PGRST301);
//! one whose `exp`/`nbf`/`iat` fails the clock check is a *claims* error (PGRST303). Each service
//! renders these in its own error shape.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub type Claims = Map<String, Value>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtError {
    /// `Authorization: Bearer` with nothing after it.
    Empty,
    /// Not `header.payload.signature`.
    UnexpectedParts(usize),
    /// Header unreadable, or `alg` other than HS256.
    BadAlgorithm,
    /// Signature does not verify (or a part is not base64url).
    BadSignature,
    /// Payload is not a JSON object.
    ClaimsNotObject,
    Expired,
    NotYetValid,
    IssuedInFuture,
    /// `exp`, `nbf` or `iat` present but not a number.
    TimeClaimNotNumber(&'static str),
}

impl JwtError {
    /// True for errors about the claims rather than the token's structure or signature.
    pub fn is_claims_error(&self) -> bool {
        matches!(
            self,
            JwtError::ClaimsNotObject
                | JwtError::Expired
                | JwtError::NotYetValid
                | JwtError::IssuedInFuture
                | JwtError::TimeClaimNotNumber(_)
        )
    }
}

/// Signs `claims` (a JSON object) with HS256.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Verifies structure, algorithm, signature and time claims (with `leeway_secs` of skew, as
/// PostgREST allows 30 s) and returns the claims.
pub fn verify(token: &str, secret: &[u8], now: i64, leeway_secs: i64) -> Result<Claims, JwtError> {
    if token.is_empty() {
        return Err(JwtError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::UnexpectedParts(parts.len()));
    }
    let header: Value = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(JwtError::BadAlgorithm)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(JwtError::BadAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2])
        .map_err(|_| JwtError::BadSignature)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(parts[0].as_bytes());
    mac.update(b".");
    mac.update(parts[1].as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&signature)
        .map_err(|_| JwtError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1])
        .map_err(|_| JwtError::ClaimsNotObject)?;
    let claims: Claims = match serde_json::from_slice(&payload) {
        Ok(Value::Object(map)) => map,
        _ => return Err(JwtError::ClaimsNotObject),
    };
    check_time_claims(&claims, now, leeway_secs)?;
    Ok(claims)
}

fn check_time_claims(claims: &Claims, now: i64, leeway: i64) -> Result<(), JwtError> {
    let number = |name: &'static str| -> Result<Option<i64>, JwtError> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.as_f64().unwrap_or(0.0) as i64)),
            Some(_) => Err(JwtError::TimeClaimNotNumber(name)),
        }
    };
    if let Some(exp) = number("exp")?
        && now - leeway > exp
    {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = number("nbf")?
        && now + leeway < nbf
    {
        return Err(JwtError::NotYetValid);
    }
    if let Some(iat) = number("iat")?
        && now + leeway < iat
    {
        return Err(JwtError::IssuedInFuture);
    }
    Ok(())
}

fn hmac(secret: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The two API keys of a Supabase project: long-lived tokens whose only claim that matters is
/// the role. Same shape as the Supabase CLI's demo keys.
pub fn api_key(role: &str, secret: &[u8]) -> String {
    let iat = now();
    sign(
        &serde_json::json!({
            "iss": "supabase-demo",
            "role": role,
            "iat": iat,
            "exp": iat + 10 * 365 * 24 * 3600,
        }),
        secret,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"a-test-secret-that-is-long-enough-for-hs256";

    #[test]
    fn round_trip() {
        let token = sign(&json!({"role": "anon", "exp": 2_000}), SECRET);
        let claims = verify(&token, SECRET, 1_000, 0).unwrap();
        assert_eq!(claims["role"], "anon");
    }

    #[test]
    fn rejects_structure_algorithm_signature_and_time() {
        assert_eq!(verify("", SECRET, 0, 0), Err(JwtError::Empty));
        assert_eq!(
            verify("a.b", SECRET, 0, 0),
            Err(JwtError::UnexpectedParts(2))
        );
        let token = sign(&json!({"role": "anon"}), SECRET);
        assert_eq!(
            verify(&token, b"other-secret", 0, 0),
            Err(JwtError::BadSignature)
        );
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"role":"service_role"}"#)
        );
        assert_eq!(verify(&none_alg, SECRET, 0, 0), Err(JwtError::BadAlgorithm));
        let expired = sign(&json!({"exp": 100}), SECRET);
        assert_eq!(verify(&expired, SECRET, 103, 2), Err(JwtError::Expired));
        assert!(verify(&expired, SECRET, 102, 2).is_ok());
        let bad_exp = sign(&json!({"exp": "soon"}), SECRET);
        assert_eq!(
            verify(&bad_exp, SECRET, 0, 0),
            Err(JwtError::TimeClaimNotNumber("exp"))
        );
    }

    #[test]
    fn tampered_payload_is_refused() {
        let token = sign(&json!({"role": "anon"}), SECRET);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(br#"{"role":"service_role"}"#),
            parts[2]
        );
        assert_eq!(verify(&forged, SECRET, 0, 0), Err(JwtError::BadSignature));
    }
}
