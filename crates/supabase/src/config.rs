//! Which Supabase project the app talks to: its URL and anon key, read at run time (a
//! `config.json` beside `index.html`, or the settings page), so that one build serves any
//! deployment.

use serde::Serialize;
use serde_json::Value;

use crate::jwt;

/// A validated project URL (no trailing slash) and a key that is safe in a browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupabaseConfig {
    #[serde(rename = "supabaseUrl")]
    url: String,
    #[serde(rename = "supabaseAnonKey")]
    anon_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the configuration has no \"{0}\"")]
    MissingField(&'static str),
    #[error("\"{0}\" must be a JSON string")]
    NotText(&'static str),
    #[error("the Supabase URL {url:?} is not usable: {problem}")]
    BadUrl { url: String, problem: UrlProblem },
    #[error("the Supabase key is not usable: {0}")]
    BadKey(KeyProblem),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("it must start with https:// or http://")]
    NotHttp,
    #[error("it has no host")]
    MissingHost,
    #[error("its host is not a host name or an IP address")]
    InvalidHost,
    #[error("its port is not a number")]
    InvalidPort,
    #[error("it must not have a query (?) or a fragment (#)")]
    QueryOrFragment,
    #[error("it contains spaces")]
    Whitespace,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("it is empty")]
    Empty,
    #[error("it is neither a JWT nor a publishable key")]
    NotAJwt,
    /// A `service_role` (or `sb_secret_…`) key bypasses row-level security: it must never
    /// reach a browser, where anyone can read it.
    #[error(
        "it is a secret (service_role) key, which must never be used in a browser; use the anon key"
    )]
    SecretKey,
    #[error("its role is {0:?}, not \"anon\"")]
    WrongRole(String),
}

impl SupabaseConfig {
    pub fn new(url: &str, anon_key: &str) -> Result<Self, ConfigError> {
        let url = normalise_url(url).map_err(|problem| ConfigError::BadUrl {
            url: url.to_owned(),
            problem,
        })?;
        let anon_key = anon_key.trim();
        check_browser_key(anon_key).map_err(ConfigError::BadKey)?;
        Ok(Self {
            url,
            anon_key: anon_key.to_owned(),
        })
    }

    /// `{"supabaseUrl": …, "supabaseAnonKey": …}` (snake_case `supabase_url`,
    /// `supabase_anon_key` also accepted); other fields are ignored.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ConfigError::MalformedJson(e.to_string()))?;
        let Value::Object(fields) = value else {
            return Err(ConfigError::MalformedJson(
                "expected a JSON object with supabaseUrl and supabaseAnonKey".to_owned(),
            ));
        };
        let text_field = |name: &'static str, alias: &str| match fields
            .get(name)
            .or_else(|| fields.get(alias))
        {
            None => Err(ConfigError::MissingField(name)),
            Some(Value::String(text)) => Ok(text.as_str()),
            Some(_) => Err(ConfigError::NotText(name)),
        };
        Self::new(
            text_field("supabaseUrl", "supabase_url")?,
            text_field("supabaseAnonKey", "supabase_anon_key")?,
        )
    }

    /// The project URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn anon_key(&self) -> &str {
        &self.anon_key
    }

    /// The Realtime WebSocket, as realtime-js opens it:
    /// `ws(s)://host[/prefix]/realtime/v1/websocket?apikey=<key>&vsn=2.0.0` (`http` becomes
    /// `ws`, `https` becomes `wss`; the key encoded as `encodeURIComponent` does).
    pub fn realtime_url(&self) -> String {
        let (scheme_len, ws_scheme) = if self
            .url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        {
            (8, "wss://")
        } else {
            (7, "ws://")
        };
        format!(
            "{ws_scheme}{}/realtime/v1/websocket?apikey={}&vsn=2.0.0",
            &self.url[scheme_len..],
            crate::encoding::uri_component(&self.anon_key)
        )
    }

    /// `{url}/rest/v1`, `{url}/storage/v1`, `{url}/auth/v1`.
    pub(crate) fn service_url(&self, service_path: &str) -> String {
        format!("{}{service_path}", self.url)
    }
}

/// `http(s)://host[:port][/path]`, trimmed, with trailing slashes removed (self-hosted
/// projects may live under a path prefix).
fn normalise_url(raw: &str) -> Result<String, UrlProblem> {
    let url = raw.trim();
    if url.chars().any(char::is_whitespace) {
        return Err(UrlProblem::Whitespace);
    }
    if url.contains(['?', '#']) {
        return Err(UrlProblem::QueryOrFragment);
    }
    let scheme_len = ["https://", "http://"]
        .into_iter()
        .find(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        })
        .map(str::len)
        .ok_or(UrlProblem::NotHttp)?;
    let authority = url[scheme_len..].split('/').next().unwrap_or_default();
    check_authority(authority)?;
    Ok(url.trim_end_matches('/').to_owned())
}

fn check_authority(authority: &str) -> Result<(), UrlProblem> {
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:54321`.
        Some(rest) => {
            let (address, after) = rest.split_once(']').ok_or(UrlProblem::InvalidHost)?;
            if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                return Err(UrlProblem::InvalidHost);
            }
            match after {
                "" => (address, None),
                _ => (
                    address,
                    Some(after.strip_prefix(':').ok_or(UrlProblem::InvalidHost)?),
                ),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(UrlProblem::MissingHost);
    }
    let host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':');
    if !host.chars().all(host_char) {
        return Err(UrlProblem::InvalidHost);
    }
    match port {
        Some(port) if port.is_empty() || port.parse::<u16>().is_err() => {
            Err(UrlProblem::InvalidPort)
        }
        _ => Ok(()),
    }
}

/// Only a key that row-level security applies to may ship to the browser: the legacy anon JWT
/// or a new-style publishable key.
fn check_browser_key(key: &str) -> Result<(), KeyProblem> {
    if key.is_empty() {
        return Err(KeyProblem::Empty);
    }
    if key.starts_with("sb_secret_") {
        return Err(KeyProblem::SecretKey);
    }
    if key.starts_with("sb_publishable_") {
        return Ok(());
    }
    let claims = jwt::decode_claims(key).map_err(|_| KeyProblem::NotAJwt)?;
    match claims.role.as_deref() {
        Some("anon") => Ok(()),
        Some("service_role") => Err(KeyProblem::SecretKey),
        Some(role) => Err(KeyProblem::WrongRole(role.to_owned())),
        None => Err(KeyProblem::WrongRole(String::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::tests::unsigned_jwt;
    use serde_json::json;

    fn anon_key() -> String {
        unsigned_jwt(&json!({"iss": "supabase", "ref": "abc", "role": "anon"}))
    }

    #[test]
    fn accepts_an_anon_key_and_drops_the_trailing_slash() {
        let config = SupabaseConfig::new(" https://abc.supabase.co/ ", &anon_key()).unwrap();
        assert_eq!(config.url(), "https://abc.supabase.co");
        assert_eq!(config.anon_key(), anon_key());
    }

    #[test]
    fn keeps_ports_paths_and_ip_hosts() {
        let key = anon_key();
        for (raw, expected) in [
            ("http://127.0.0.1:54321", "http://127.0.0.1:54321"),
            (
                "HTTP://localhost:8080/supabase//",
                "HTTP://localhost:8080/supabase",
            ),
            ("http://[::1]:54321/", "http://[::1]:54321"),
        ] {
            assert_eq!(SupabaseConfig::new(raw, &key).unwrap().url(), expected);
        }
    }

    #[test]
    fn refuses_a_service_role_key() {
        let secret = unsigned_jwt(&json!({"iss": "supabase", "role": "service_role"}));
        assert_eq!(
            SupabaseConfig::new("https://abc.supabase.co", &secret),
            Err(ConfigError::BadKey(KeyProblem::SecretKey))
        );
        assert_eq!(
            SupabaseConfig::new("https://abc.supabase.co", "sb_secret_abc123"),
            Err(ConfigError::BadKey(KeyProblem::SecretKey))
        );
    }

    #[test]
    fn accepts_a_publishable_key() {
        assert!(SupabaseConfig::new("https://abc.supabase.co", "sb_publishable_abc123").is_ok());
    }

    #[test]
    fn refuses_keys_that_are_not_anon() {
        let url = "https://abc.supabase.co";
        let user_token = unsigned_jwt(&json!({"role": "authenticated"}));
        assert_eq!(
            SupabaseConfig::new(url, &user_token),
            Err(ConfigError::BadKey(KeyProblem::WrongRole(
                "authenticated".into()
            )))
        );
        assert_eq!(
            SupabaseConfig::new(url, "not-a-key"),
            Err(ConfigError::BadKey(KeyProblem::NotAJwt))
        );
        assert_eq!(
            SupabaseConfig::new(url, "  "),
            Err(ConfigError::BadKey(KeyProblem::Empty))
        );
    }

    #[test]
    fn refuses_bad_urls_with_the_reason() {
        let key = anon_key();
        for (raw, problem) in [
            ("abc.supabase.co", UrlProblem::NotHttp),
            ("ftp://abc.supabase.co", UrlProblem::NotHttp),
            ("https://", UrlProblem::MissingHost),
            ("https:///rest", UrlProblem::MissingHost),
            ("https://user@abc.supabase.co", UrlProblem::InvalidHost),
            ("https://abc.supabase.co:http", UrlProblem::InvalidPort),
            ("https://abc.supabase.co:", UrlProblem::InvalidPort),
            ("https://abc.supabase.co/?x=1", UrlProblem::QueryOrFragment),
            ("https://abc supabase.co", UrlProblem::Whitespace),
        ] {
            assert_eq!(
                SupabaseConfig::new(raw, &key),
                Err(ConfigError::BadUrl {
                    url: raw.into(),
                    problem
                }),
                "{raw}"
            );
        }
    }

    #[test]
    fn reads_camel_case_and_snake_case_json() {
        let key = anon_key();
        let camel = json!({"supabaseUrl": "https://abc.supabase.co", "supabaseAnonKey": key});
        let snake = json!({"supabase_url": "https://abc.supabase.co", "supabase_anon_key": key});
        let expected = SupabaseConfig::new("https://abc.supabase.co", &key).unwrap();
        assert_eq!(
            SupabaseConfig::from_json(&camel.to_string()),
            Ok(expected.clone())
        );
        assert_eq!(SupabaseConfig::from_json(&snake.to_string()), Ok(expected));
    }

    #[test]
    fn explains_what_is_wrong_with_the_json() {
        assert!(matches!(
            SupabaseConfig::from_json("{\"supabaseUrl\": "),
            Err(ConfigError::MalformedJson(_))
        ));
        assert!(matches!(
            SupabaseConfig::from_json("[]"),
            Err(ConfigError::MalformedJson(_))
        ));
        assert_eq!(
            SupabaseConfig::from_json(r#"{"supabaseAnonKey": "k"}"#),
            Err(ConfigError::MissingField("supabaseUrl"))
        );
        assert_eq!(
            SupabaseConfig::from_json(r#"{"supabaseUrl": "https://a.co"}"#),
            Err(ConfigError::MissingField("supabaseAnonKey"))
        );
        assert_eq!(
            SupabaseConfig::from_json(r#"{"supabaseUrl": 1, "supabaseAnonKey": "k"}"#),
            Err(ConfigError::NotText("supabaseUrl"))
        );
    }

    #[test]
    fn realtime_url_is_the_websocket_of_realtime_js() {
        let key = "sb_publishable_a+b/c=";
        for (url, expected) in [
            (
                "https://abc.supabase.co",
                "wss://abc.supabase.co/realtime/v1/websocket?apikey=sb_publishable_a%2Bb%2Fc%3D&vsn=2.0.0",
            ),
            (
                "http://127.0.0.1:54321/",
                "ws://127.0.0.1:54321/realtime/v1/websocket?apikey=sb_publishable_a%2Bb%2Fc%3D&vsn=2.0.0",
            ),
            (
                "HTTPS://example.org/supabase",
                "wss://example.org/supabase/realtime/v1/websocket?apikey=sb_publishable_a%2Bb%2Fc%3D&vsn=2.0.0",
            ),
        ] {
            let config = SupabaseConfig::new(url, key).unwrap();
            assert_eq!(config.realtime_url(), expected, "{url}");
        }
    }

    #[test]
    fn serialises_back_to_the_config_json_shape() {
        let config = SupabaseConfig::new("https://abc.supabase.co", &anon_key()).unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(SupabaseConfig::from_json(&json), Ok(config));
    }
}
