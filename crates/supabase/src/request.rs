//! A request and a response as plain data: the builders produce [`HttpRequest`]s, a
//! [`Transport`](crate::Transport) turns them into [`HttpResponse`]s. Nothing here knows how
//! bytes travel.

use std::fmt;

/// Which Supabase service a request goes to: each answers errors in its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Rest,
    Storage,
    Auth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// GET and HEAD: requests that only read (PostgREST picks their schema with
    /// `accept-profile`, the others with `content-profile`).
    pub fn is_read(self) -> bool {
        matches!(self, Method::Get | Method::Head)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request body. Its media type is the request's `content-type` header, the one place that
/// says it (an empty sign-out request has a content type and no body).
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// JSON text.
    Json(String),
    /// Raw bytes (Storage uploads).
    Bytes(Vec<u8>),
}

impl Body {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Json(text) => text.as_bytes(),
            Body::Bytes(bytes) => bytes,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Json(text) => f.debug_tuple("Json").field(text).finish(),
            Body::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub service: Service,
    pub method: Method,
    /// Absolute, query included and already encoded.
    pub url: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

impl HttpRequest {
    /// A request that names its client (`x-client-info`), as every supabase-js request does.
    pub fn new(service: Service, method: Method, url: impl Into<String>) -> Self {
        Self {
            service,
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
        .with_header("x-client-info", crate::CLIENT_INFO)
    }

    /// Sets a header, replacing any value it had.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = value.to_owned(),
            None => self.headers.push((name, value.to_owned())),
        }
        self
    }

    pub fn with_body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// The value of a header, whatever the case of `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// This request as a given caller sends it: `apikey` is always the project's anon key,
    /// `authorization` carries the user's access token, or the anon key when signed out.
    pub fn authorized(&self, anon_key: &str, bearer_token: &str) -> HttpRequest {
        self.clone()
            .with_header("apikey", anon_key)
            .with_header("authorization", &format!("Bearer {bearer_token}"))
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Names as the transport reports them (the browser gives lower case).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of a header, whatever the case of `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_names_its_client() {
        let request = HttpRequest::new(Service::Rest, Method::Get, "https://x/rest/v1/t");
        assert_eq!(request.header("X-Client-Info"), Some(crate::CLIENT_INFO));
    }

    #[test]
    fn with_header_replaces_case_insensitively() {
        let request = HttpRequest::new(Service::Rest, Method::Get, "u")
            .with_header("Accept", "*/*")
            .with_header("accept", "application/json");
        assert_eq!(request.header("ACCEPT"), Some("application/json"));
        assert_eq!(request.headers.len(), 2);
    }

    #[test]
    fn authorized_sets_apikey_and_bearer() {
        let request = HttpRequest::new(Service::Rest, Method::Get, "u").authorized("anon", "jwt");
        assert_eq!(request.header("apikey"), Some("anon"));
        assert_eq!(request.header("authorization"), Some("Bearer jwt"));
    }
}
