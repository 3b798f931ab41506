//! Auth (GoTrue, `/auth/v1`) requests, built as supabase-js builds them, and what comes back:
//! sessions, and the redirect back from an OAuth provider.
//!
//! These requests carry their own `authorization` (the anon key, or the token they act on), so
//! the client sends them as they are instead of adding the session's token.

mod pkce;
mod redirect;
mod session;

pub use pkce::{code_challenge, code_verifier};
pub use redirect::{AuthRedirectError, code_from_query, session_from_url_fragment};
pub use session::{Session, SignUpOutcome, User};

use serde::Serialize;

use crate::config::SupabaseConfig;
use crate::encoding::{uri_component, url_with_query};
use crate::request::{Body, HttpRequest, Method, Service};

/// GoTrue reads JSON bodies with an explicit charset, as supabase-js sends them.
const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// The entry point to the project's Auth endpoints.
#[derive(Clone, Debug)]
pub struct AuthApi {
    base_url: String,
    anon_key: String,
}

impl AuthApi {
    pub fn new(config: &SupabaseConfig) -> Self {
        Self {
            base_url: config.service_url("/auth/v1"),
            anon_key: config.anon_key().to_owned(),
        }
    }

    /// `POST /token?grant_type=password`; answers a session.
    pub fn sign_in_with_password(&self, email: &str, password: &str) -> HttpRequest {
        #[derive(Serialize)]
        struct PasswordGrant<'a> {
            email: &'a str,
            password: &'a str,
            gotrue_meta_security: Empty,
        }
        self.token_request(
            "password",
            &PasswordGrant {
                email,
                password,
                gotrue_meta_security: Empty {},
            },
        )
    }

    /// `POST /signup`; answers a session, or only the user when the address must be confirmed
    /// first ([`SignUpOutcome`]). `email_redirect_to` is where the confirmation link leads.
    pub fn sign_up(
        &self,
        email: &str,
        password: &str,
        email_redirect_to: Option<&str>,
    ) -> HttpRequest {
        #[derive(Serialize)]
        struct SignUp<'a> {
            email: &'a str,
            password: &'a str,
            /// The new user's `user_metadata`.
            data: Empty,
            gotrue_meta_security: Empty,
        }
        let params = email_redirect_to.map(|to| ("redirect_to", to));
        let url = url_with_query(&format!("{}/signup", self.base_url), params);
        self.anon_json_request(
            url,
            &SignUp {
                email,
                password,
                data: Empty {},
                gotrue_meta_security: Empty {},
            },
        )
    }

    /// `POST /token?grant_type=refresh_token`; answers a new session. Refresh tokens are
    /// single-use: the old one stops working once this succeeds.
    pub fn refresh(&self, refresh_token: &str) -> HttpRequest {
        #[derive(Serialize)]
        struct RefreshGrant<'a> {
            refresh_token: &'a str,
        }
        self.token_request("refresh_token", &RefreshGrant { refresh_token })
    }

    /// `POST /token?grant_type=pkce`: trades the `code` of an OAuth redirect, with the verifier
    /// kept since [`authorize_url`](Self::authorize_url), for a session.
    pub fn exchange_code(&self, auth_code: &str, code_verifier: &str) -> HttpRequest {
        #[derive(Serialize)]
        struct PkceGrant<'a> {
            auth_code: &'a str,
            code_verifier: &'a str,
        }
        self.token_request(
            "pkce",
            &PkceGrant {
                auth_code,
                code_verifier,
            },
        )
    }

    /// `GET /user`: the user the access token belongs to.
    pub fn get_user(&self, access_token: &str) -> HttpRequest {
        HttpRequest::new(
            Service::Auth,
            Method::Get,
            format!("{}/user", self.base_url),
        )
        .with_header("accept", "*/*")
        .authorized(&self.anon_key, access_token)
    }

    /// `POST /logout?scope=global`: ends every session of the user (an empty body, still
    /// labelled JSON, as supabase-js sends it).
    pub fn sign_out(&self, access_token: &str) -> HttpRequest {
        let url = url_with_query(&format!("{}/logout", self.base_url), [("scope", "global")]);
        HttpRequest::new(Service::Auth, Method::Post, url)
            .with_header("content-type", JSON_UTF8)
            .with_header("accept", "*/*")
            .authorized(&self.anon_key, access_token)
    }

    /// Where to send the browser to sign in with an OAuth provider (`discord`). Without a PKCE
    /// challenge the session comes back in the URL fragment of `redirect_to`; with one, a
    /// `?code=` to [`exchange_code`](Self::exchange_code).
    pub fn authorize_url(
        &self,
        provider: &str,
        redirect_to: &str,
        pkce_challenge: Option<&str>,
    ) -> String {
        let mut params = vec![
            format!("provider={}", uri_component(provider)),
            format!("redirect_to={}", uri_component(redirect_to)),
        ];
        if let Some(challenge) = pkce_challenge {
            params.push(format!("code_challenge={}", uri_component(challenge)));
            params.push("code_challenge_method=s256".to_owned());
        }
        format!("{}/authorize?{}", self.base_url, params.join("&"))
    }

    fn token_request(&self, grant_type: &str, body: &impl Serialize) -> HttpRequest {
        let url = url_with_query(
            &format!("{}/token", self.base_url),
            [("grant_type", grant_type)],
        );
        self.anon_json_request(url, body)
    }

    /// Fields go out in declaration order, as supabase-js writes them.
    fn anon_json_request(&self, url: String, body: &impl Serialize) -> HttpRequest {
        // Structs of strings: serialising cannot fail.
        let json = serde_json::to_string(body).expect("Auth request bodies serialise");
        HttpRequest::new(Service::Auth, Method::Post, url)
            .with_header("content-type", JSON_UTF8)
            .with_header("accept", "*/*")
            .with_body(Body::Json(json))
            .authorized(&self.anon_key, &self.anon_key)
    }
}

/// `{}`: GoTrue expects these objects even when there is nothing to put in them.
#[derive(Serialize)]
struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn auth() -> AuthApi {
        let key = crate::jwt::tests::unsigned_jwt(&json!({"role": "anon"}));
        AuthApi::new(&SupabaseConfig::new("https://abc.supabase.co", &key).unwrap())
    }

    #[test]
    fn authorize_url_for_the_implicit_flow() {
        assert_eq!(
            auth().authorize_url("discord", "https://punctaj.example/app/", None),
            "https://abc.supabase.co/auth/v1/authorize?provider=discord\
             &redirect_to=https%3A%2F%2Fpunctaj.example%2Fapp%2F"
        );
    }

    #[test]
    fn authorize_url_with_a_pkce_challenge() {
        let verifier = code_verifier(&[7; 32]);
        let challenge = code_challenge(&verifier);
        assert_eq!(
            auth().authorize_url("discord", "http://localhost:8080", Some(&challenge)),
            format!(
                "https://abc.supabase.co/auth/v1/authorize?provider=discord\
                 &redirect_to=http%3A%2F%2Flocalhost%3A8080\
                 &code_challenge={challenge}&code_challenge_method=s256"
            )
        );
    }

    #[test]
    fn sign_up_sends_the_redirect_for_the_confirmation_link() {
        let request = auth().sign_up("ana@example.com", "parola123", Some("https://p.example/"));
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.url,
            "https://abc.supabase.co/auth/v1/signup?redirect_to=https%3A%2F%2Fp.example%2F"
        );
        assert_eq!(request.header("content-type"), Some(JSON_UTF8));
        let body: serde_json::Value =
            serde_json::from_slice(request.body.as_ref().unwrap().as_bytes()).unwrap();
        assert_eq!(
            body,
            json!({"email": "ana@example.com", "password": "parola123", "data": {},
                   "gotrue_meta_security": {}})
        );
    }

    #[test]
    fn token_requests_authorize_with_the_anon_key() {
        let api = auth();
        let request = api.refresh("r1");
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {}", api.anon_key).as_str())
        );
    }
}
