//! Cross-origin rules a browser needs to call the API from the app's origin.
//!
//! Modelled on PostgREST's `src/PostgREST/Cors.hs` (any origin, requested headers echoed, max age
//! one day, a fixed list of exposed headers) with the headers Storage and Auth add: the app reads
//! `Content-Range` for counts, `ETag`/`Last-Modified` of downloads, and GoTrue's error code header.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::middleware::Next;

const ALLOW_METHODS: &str = "GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD";
const DEFAULT_ALLOW_HEADERS: &str = "authorization, apikey, prefer, range, content-type, \
     accept, accept-profile, content-profile, x-client-info, x-upsert, cache-control, \
     x-supabase-api-version";
const EXPOSE_HEADERS: &str = "Content-Encoding, Content-Location, Content-Range, Content-Type, \
     Content-Length, Content-Profile, Date, Location, Server, Transfer-Encoding, Range-Unit, \
     Preference-Applied, ETag, Last-Modified, Cache-Control, x-sb-error-code, \
     X-Supabase-Api-Version";
const MAX_AGE: &str = "86400";

/// Middleware: answers preflights itself and decorates every other response.
pub async fn cors(request: Request<Body>, next: Next) -> Response<Body> {
    let origin = request.headers().get(header::ORIGIN).cloned();
    if request.method() == Method::OPTIONS {
        return preflight(request.headers(), origin);
    }
    let mut response = next.run(request).await;
    decorate(response.headers_mut(), origin);
    response
}

fn allow_origin(origin: Option<HeaderValue>) -> HeaderValue {
    origin.unwrap_or_else(|| HeaderValue::from_static("*"))
}

fn preflight(request_headers: &HeaderMap, origin: Option<HeaderValue>) -> Response<Body> {
    let allow_headers = request_headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ALLOW_HEADERS));
    let has_origin = origin.is_some();
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(origin));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    if has_origin {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn decorate(headers: &mut HeaderMap, origin: Option<HeaderValue>) {
    let has_origin = origin.is_some();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(origin));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    if has_origin {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}
