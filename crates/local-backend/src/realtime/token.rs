//! Tokens as Realtime checks them (`RealtimeWeb.ChannelsAuthorization.authorize_conn`): a valid
//! signature, claims `role` and `exp` both present, and `exp` strictly in the future — Realtime
//! grants no clock leeway. Errors carry Supabase's wording, which clients show to users.

use serde_json::Value;

use crate::identity::{ApiRole, Identity};
use crate::jwt::{self, JwtError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    Signature,
    Expired {
        seconds_ago: i64,
    },
    MissingClaims,
    /// A valid token whose role is not an API role (PostgREST would fail `SET ROLE`).
    RoleNotAllowed(String),
    Invalid(String),
}

impl TokenError {
    /// The message alone, as in a `system` message before a channel is shut down.
    pub fn message(&self) -> String {
        match self {
            TokenError::Malformed => "The token provided is not a valid JWT".into(),
            TokenError::Signature => "Failed to validate JWT signature".into(),
            TokenError::Expired { seconds_ago } => {
                format!("Token has expired {seconds_ago} seconds ago")
            }
            TokenError::MissingClaims => "Fields `role` and `exp` are required in JWT".into(),
            TokenError::RoleNotAllowed(role) => {
                format!("The role `{role}` of the token cannot be used here")
            }
            TokenError::Invalid(reason) => reason.clone(),
        }
    }

    /// `Code: message`, the `reason` of a refused join (`Logging.log_error`).
    pub fn reason(&self) -> String {
        let code = match self {
            TokenError::Malformed => "MalformedJWT",
            TokenError::Signature => "JwtSignatureError",
            TokenError::Expired { .. } | TokenError::MissingClaims => "InvalidJWTToken",
            TokenError::RoleNotAllowed(_) => "Unauthorized",
            TokenError::Invalid(_) => "InvalidJWTToken",
        };
        format!("{code}: {}", self.message())
    }
}

/// A verified token and when it stops being valid.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub identity: Identity,
    pub exp: i64,
}

pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<VerifiedToken, TokenError> {
    // Realtime strips whitespace from the token before reading it.
    let token: String = token.chars().filter(|c| !c.is_whitespace()).collect();
    let claims =
        jwt::verify(&token, secret, now, 0).map_err(|e| map_jwt_error(&token, secret, e, now))?;
    let exp = match claims.get("exp") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0).round() as i64,
        _ => return Err(TokenError::MissingClaims),
    };
    let role = match claims.get("role") {
        None | Some(Value::Null) => return Err(TokenError::MissingClaims),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if exp <= now {
        return Err(TokenError::Expired {
            seconds_ago: now - exp,
        });
    }
    let role = ApiRole::from_claim(&role).ok_or(TokenError::RoleNotAllowed(role))?;
    Ok(VerifiedToken {
        identity: Identity {
            role,
            claims,
            token: Some(token),
        },
        exp,
    })
}

fn map_jwt_error(token: &str, secret: &[u8], error: JwtError, now: i64) -> TokenError {
    match error {
        JwtError::Empty | JwtError::UnexpectedParts(_) | JwtError::ClaimsNotObject => {
            TokenError::Malformed
        }
        JwtError::BadAlgorithm | JwtError::BadSignature => TokenError::Signature,
        JwtError::Expired => {
            // The signature is good (time claims are checked last): read `exp` for the message.
            let exp = jwt::verify(token, secret, now, i64::MAX / 4)
                .ok()
                .and_then(|c| c.get("exp").and_then(Value::as_f64))
                .map_or(now, |e| e.round() as i64);
            TokenError::Expired {
                seconds_ago: now - exp,
            }
        }
        JwtError::NotYetValid => TokenError::Invalid("Token is not valid yet".into()),
        JwtError::IssuedInFuture => TokenError::Invalid("Token was issued in the future".into()),
        JwtError::TimeClaimNotNumber(claim) => {
            TokenError::Invalid(format!("Claim `{claim}` must be a number"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"a-test-secret-that-is-long-enough-for-hs256";

    #[test]
    fn accepts_and_refuses_as_realtime() {
        let now = 1_000_000;
        let good = jwt::sign(
            &json!({"role": "authenticated", "exp": now + 60, "sub": "u"}),
            SECRET,
        );
        let v = verify(&good, SECRET, now).unwrap();
        assert_eq!(v.exp, now + 60);
        assert_eq!(v.identity.subject(), Some("u"));

        let expired = jwt::sign(&json!({"role": "authenticated", "exp": now - 5}), SECRET);
        let e = verify(&expired, SECRET, now).unwrap_err();
        assert_eq!(e, TokenError::Expired { seconds_ago: 5 });
        assert_eq!(
            e.reason(),
            "InvalidJWTToken: Token has expired 5 seconds ago"
        );
        // No leeway: expiring now is expired.
        let at_now = jwt::sign(&json!({"role": "anon", "exp": now}), SECRET);
        assert_eq!(
            verify(&at_now, SECRET, now).unwrap_err(),
            TokenError::Expired { seconds_ago: 0 }
        );

        let no_exp = jwt::sign(&json!({"role": "anon"}), SECRET);
        assert_eq!(
            verify(&no_exp, SECRET, now).unwrap_err(),
            TokenError::MissingClaims
        );

        let forged = jwt::sign(
            &json!({"role": "service_role", "exp": now + 60}),
            b"another-secret",
        );
        let e = verify(&forged, SECRET, now).unwrap_err();
        assert_eq!(
            e.reason(),
            "JwtSignatureError: Failed to validate JWT signature"
        );
        assert_eq!(
            verify("abc", SECRET, now).unwrap_err(),
            TokenError::Malformed
        );

        let admin = jwt::sign(&json!({"role": "postgres", "exp": now + 60}), SECRET);
        assert!(matches!(
            verify(&admin, SECRET, now).unwrap_err(),
            TokenError::RoleNotAllowed(_)
        ));
    }
}
