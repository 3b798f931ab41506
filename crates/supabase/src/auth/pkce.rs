//! PKCE (RFC 7636) for the OAuth code flow: the verifier stays in the browser, only its SHA-256
//! challenge goes to the provider, so a stolen `?code=` is useless on its own.

use sha2::{Digest, Sha256};

use crate::jwt::base64_url;

/// A verifier from 32 random bytes (the caller draws them: `crypto.getRandomValues` in the
/// browser): 43 base64url characters, within RFC 7636's 43..=128.
pub fn code_verifier(random_bytes: &[u8; 32]) -> String {
    base64_url(random_bytes)
}

/// The `s256` challenge of a verifier: base64url(SHA-256(verifier)), unpadded.
pub fn code_challenge(verifier: &str) -> String {
    base64_url(&Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_7636_example() {
        // RFC 7636, appendix B.
        let random = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = code_verifier(&random);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            code_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
