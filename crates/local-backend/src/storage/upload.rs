//! The file of an upload request, read as Storage's `fileUploadFromRequest` reads it: a
//! `multipart/form-data` body (the first file part, with the `cacheControl`, `contentType` and
//! `metadata` fields before it) or a raw body (`Content-Type`, `Cache-Control` headers).

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::Value;

use crate::http_util::header_str;
use crate::storage::errors::StorageError;

#[derive(Debug)]
pub struct FileUpload {
    pub content: Bytes,
    pub mime_type: String,
    pub cache_control: String,
    pub user_metadata: Option<Value>,
}

pub async fn from_request(headers: &HeaderMap, body: Bytes) -> Result<FileUpload, StorageError> {
    let content_type = header_str(headers, "content-type").unwrap_or("");
    if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return from_multipart(content_type, body).await;
    }
    let user_metadata = header_str(headers, "x-metadata").and_then(|m| {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD.decode(m).ok()?;
        serde_json::from_slice(&decoded).ok()
    });
    Ok(FileUpload {
        content: body,
        mime_type: if content_type.is_empty() {
            "application/octet-stream".into()
        } else {
            content_type.to_string()
        },
        cache_control: header_str(headers, "cache-control")
            .unwrap_or("no-cache")
            .to_string(),
        user_metadata,
    })
}

async fn from_multipart(content_type: &str, body: Bytes) -> Result<FileUpload, StorageError> {
    let no_content = || StorageError::invalid_request("No content provided");
    let boundary = multer::parse_boundary(content_type).map_err(|_| no_content())?;
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut cache_time: Option<String> = None;
    let mut content_type_field: Option<String> = None;
    let mut metadata: Option<String> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| no_content())? {
        if field.file_name().is_some() {
            let part_type = field.content_type().map(|m| m.to_string());
            let content = field.bytes().await.map_err(|_| no_content())?;
            let mime_type = content_type_field
                .filter(|c| !c.is_empty())
                .or(part_type)
                .unwrap_or_else(|| "text/plain".into());
            return Ok(FileUpload {
                content,
                mime_type,
                cache_control: match cache_time.filter(|c| !c.is_empty()) {
                    Some(t) => format!("max-age={t}"),
                    None => "no-cache".into(),
                },
                user_metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
            });
        }
        let name = field.name().unwrap_or("").to_string();
        let text = field.text().await.map_err(|_| no_content())?;
        match name.as_str() {
            "cacheControl" => cache_time = Some(text),
            "contentType" => content_type_field = Some(text),
            "metadata" | "userMetadata" => metadata = Some(text),
            _ => {}
        }
    }
    Err(no_content())
}

/// The `type/subtype` of a MIME type, lowercased: exactly one `/` between two non-empty RFC 9110
/// tokens, optionally followed by `;` parameters (not checked). `None` for anything else
/// (`json`, `application/json/x`, `application/`, `text/ html`).
fn mime_essence(mime: &str) -> Option<(String, String)> {
    let essence = mime.split(';').next().unwrap_or("").trim();
    let (kind, sub) = essence.split_once('/')?;
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    (token(kind) && token(sub)).then(|| (kind.to_ascii_lowercase(), sub.to_ascii_lowercase()))
}

/// Storage's `validateMimeType`, matched exactly: the upload's `type/subtype` (parameters such as
/// `; charset=utf-8` allowed) against `type/subtype` or `type/*` entries, case-insensitively.
pub fn mime_allowed(mime: &str, allowed: &[String]) -> bool {
    let Some((kind, sub)) = mime_essence(mime) else {
        return false;
    };
    if sub == "*" {
        return false;
    }
    allowed.iter().any(|a| match mime_essence(a) {
        Some((t, s)) if s == "*" => t == kind,
        Some((t, s)) => t == kind && s == sub,
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[tokio::test]
    async fn multipart_as_supabase_js_sends_it() {
        let body = "------formdata-undici-090266928787\r\n\
Content-Disposition: form-data; name=\"cacheControl\"\r\n\r\n\
60\r\n\
------formdata-undici-090266928787\r\n\
Content-Disposition: form-data; name=\"\"; filename=\"blob\"\r\n\
Content-Type: application/json\r\n\r\n\
{\"hello\":\"w\"}\r\n\
------formdata-undici-090266928787--\r\n";
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static(
                "multipart/form-data; boundary=----formdata-undici-090266928787",
            ),
        );
        let file = from_request(&headers, Bytes::from(body)).await.unwrap();
        assert_eq!(&file.content[..], br#"{"hello":"w"}"#);
        assert_eq!(file.mime_type, "application/json");
        assert_eq!(file.cache_control, "max-age=60");
    }

    #[tokio::test]
    async fn raw_body() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("cache-control", HeaderValue::from_static("max-age=3600"));
        let file = from_request(&headers, Bytes::from_static(b"{}"))
            .await
            .unwrap();
        assert_eq!(
            (file.mime_type.as_str(), file.cache_control.as_str()),
            ("application/json", "max-age=3600")
        );
        let file = from_request(&HeaderMap::new(), Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(
            (file.mime_type.as_str(), file.cache_control.as_str()),
            ("application/octet-stream", "no-cache")
        );
    }

    #[test]
    fn mime_types() {
        let allowed = vec!["application/json".to_string(), "image/*".to_string()];
        assert!(mime_allowed("application/json", &allowed));
        assert!(mime_allowed("image/png", &allowed));
        assert!(!mime_allowed("text/plain", &allowed));
        assert!(!mime_allowed("json", &allowed));
        assert!(mime_allowed("application/json; charset=utf-8", &allowed));
        assert!(mime_allowed("Application/JSON", &allowed));
        for refused in [
            "application/json/x",
            "application/json/",
            "application/jsonx",
            "application/",
            "/json",
            "application/json x",
            "image/*",
            "",
        ] {
            assert!(!mime_allowed(refused, &allowed), "{refused}");
        }
    }
}
