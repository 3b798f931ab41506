//! Small HTTP helpers shared by the three services.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use futures_util::StreamExt;

#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Read(String),
}

/// How much of an oversized body we still read (and drop) before answering 413, so the client
/// is not cut off mid-upload and actually sees the answer.
const DRAIN_LIMIT: usize = 512 * 1024 * 1024;

/// Reads the whole request body, refusing more than `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut stream = body.into_data_stream();
    let mut buffer: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    let mut too_large = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        seen += chunk.len();
        if too_large {
            if seen > DRAIN_LIMIT {
                break;
            }
            continue;
        }
        if seen > limit {
            too_large = true;
            buffer = Vec::new();
            continue;
        }
        buffer.extend_from_slice(&chunk);
    }
    if too_large {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buffer))
}

/// A response with a JSON body and the given content type.
pub fn json_response(
    status: StatusCode,
    body: String,
    content_type: &'static str,
) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Sets a header if the value is valid (values we build from data may not be).
pub fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// A JSON object with keys in the given order (Go's encoding/json and Fastify's serialiser
/// keep struct/schema order; `serde_json::Map` sorts). Values are JSON texts.
pub fn ordered_object(pairs: &[(&str, String)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", serde_json::Value::String((*k).to_string()), v))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A value as JSON text.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
