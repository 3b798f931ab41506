//! Storage requests (`/storage/v1`), built as supabase-js builds them.
//!
//! Uploads send the raw bytes with their own content type (what supabase-js does for a string
//! body), never `multipart/form-data`.

mod list;
mod object_key;

pub use crate::error::ObjectKeyProblem;
pub use list::{FileObject, ListOptions, ObjectMetadata, SignedUrl, SortBy, SortOrder};

use serde::Serialize;

use crate::config::SupabaseConfig;
use crate::encoding::path_segment;
use crate::error::SupabaseError;
use crate::request::{Body, HttpRequest, Method, Service};
use list::ListBody;
use object_key::encode_object_key;

/// The entry point to the project's buckets.
#[derive(Clone, Debug)]
pub struct StorageApi {
    base_url: String,
}

impl StorageApi {
    pub fn new(config: &SupabaseConfig) -> Self {
        Self {
            base_url: config.service_url("/storage/v1"),
        }
    }

    pub fn from(&self, bucket: &str) -> Bucket {
        Bucket {
            base_url: self.base_url.clone(),
            bucket: path_segment(bucket),
        }
    }
}

/// How an upload is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadOptions {
    pub content_type: String,
    /// Sent as `cache-control: max-age=<secs>`.
    pub cache_control_secs: u32,
    /// Replace an existing object; `false` makes Storage answer 409 instead (archives are never
    /// overwritten).
    pub upsert: bool,
}

impl UploadOptions {
    /// supabase-js's defaults (one hour of caching, no overwrite) for the given media type.
    pub fn new(content_type: &str) -> Self {
        Self {
            content_type: content_type.to_owned(),
            cache_control_secs: 3600,
            upsert: false,
        }
    }

    pub fn json() -> Self {
        Self::new("application/json")
    }

    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = upsert;
        self
    }
}

/// One bucket; object keys are relative to it (`Saint-Denis/Politie_….json`).
#[derive(Clone, Debug)]
pub struct Bucket {
    base_url: String,
    /// Already percent-encoded.
    bucket: String,
}

impl Bucket {
    /// `POST /object/{bucket}/{key}`: creates the object (or replaces it with `upsert`).
    pub fn upload(
        &self,
        key: &str,
        data: Vec<u8>,
        options: &UploadOptions,
    ) -> Result<HttpRequest, SupabaseError> {
        let request = self
            .object_request(Method::Post, "object", key)?
            .with_header("x-upsert", if options.upsert { "true" } else { "false" });
        Ok(with_content(request, data, options))
    }

    /// `PUT /object/{bucket}/{key}`: replaces an existing object.
    pub fn update(
        &self,
        key: &str,
        data: Vec<u8>,
        options: &UploadOptions,
    ) -> Result<HttpRequest, SupabaseError> {
        let request = self.object_request(Method::Put, "object", key)?;
        Ok(with_content(request, data, options))
    }

    /// `GET /object/{bucket}/{key}`, the path supabase-js downloads from.
    pub fn download(&self, key: &str) -> Result<HttpRequest, SupabaseError> {
        self.object_request(Method::Get, "object", key)
    }

    /// `GET /object/authenticated/{bucket}/{key}`: the same object through the route that
    /// always checks the caller's token (never served from a public bucket's cache).
    pub fn download_authenticated(&self, key: &str) -> Result<HttpRequest, SupabaseError> {
        self.object_request(Method::Get, "object/authenticated", key)
    }

    /// `POST /object/list/{bucket}`: one level of objects and folders under `prefix` (`""` for
    /// the root, no trailing slash).
    pub fn list(&self, prefix: &str, options: &ListOptions) -> HttpRequest {
        let url = format!("{}/object/list/{}", self.base_url, self.bucket);
        json_request(Method::Post, url, &ListBody::new(prefix, options))
    }

    /// `DELETE /object/{bucket}` of several objects at once.
    pub fn remove(&self, keys: &[&str]) -> Result<HttpRequest, SupabaseError> {
        #[derive(Serialize)]
        struct RemoveBody<'a> {
            prefixes: &'a [&'a str],
        }
        for key in keys {
            encode_object_key(key)?;
        }
        let url = format!("{}/object/{}", self.base_url, self.bucket);
        Ok(json_request(
            Method::Delete,
            url,
            &RemoveBody { prefixes: keys },
        ))
    }

    /// `POST /object/sign/{bucket}/{key}`: a URL that reads the object without a token for
    /// `expires_in_secs`; the answer is `{"signedURL": "/object/sign/…?token=…"}`, relative to
    /// `/storage/v1`.
    pub fn create_signed_url(
        &self,
        key: &str,
        expires_in_secs: u64,
    ) -> Result<HttpRequest, SupabaseError> {
        #[derive(Serialize)]
        struct SignBody {
            #[serde(rename = "expiresIn")]
            expires_in: u64,
        }
        let url = self.object_url("object/sign", key)?;
        Ok(json_request(
            Method::Post,
            url,
            &SignBody {
                expires_in: expires_in_secs,
            },
        ))
    }

    /// `POST /object/sign/{bucket}` (supabase-js `createSignedUrls`): signed URLs for several
    /// objects at once; the answer is a [`SignedUrl`] per key, in order.
    pub fn create_signed_urls(
        &self,
        keys: &[&str],
        expires_in_secs: u64,
    ) -> Result<HttpRequest, SupabaseError> {
        #[derive(Serialize)]
        struct SignManyBody<'a> {
            #[serde(rename = "expiresIn")]
            expires_in: u64,
            paths: &'a [&'a str],
        }
        for key in keys {
            encode_object_key(key)?;
        }
        let url = format!("{}/object/sign/{}", self.base_url, self.bucket);
        Ok(json_request(
            Method::Post,
            url,
            &SignManyBody {
                expires_in: expires_in_secs,
                paths: keys,
            },
        ))
    }

    /// A plain `GET` of a signed URL (as answered, relative to `/storage/v1`). It carries no
    /// credentials and no custom header, so a browser sends it without a CORS preflight: send
    /// it with the bare transport, not through the client (which would add the session).
    pub fn signed_download(&self, signed_url: &str) -> Result<HttpRequest, SupabaseError> {
        if !signed_url.starts_with("/object/sign/") {
            return Err(SupabaseError::InvalidRequest(format!(
                "not a signed object URL: {signed_url}"
            )));
        }
        // Not `HttpRequest::new`: even its `x-client-info` would make the browser preflight.
        Ok(HttpRequest {
            service: Service::Storage,
            method: Method::Get,
            url: format!("{}{signed_url}", self.base_url),
            headers: Vec::new(),
            body: None,
        })
    }

    /// The URL of an object in a public bucket (no request: nothing to sign).
    pub fn public_url(&self, key: &str) -> Result<String, SupabaseError> {
        self.object_url("object/public", key)
    }

    fn object_url(&self, route: &str, key: &str) -> Result<String, SupabaseError> {
        Ok(format!(
            "{}/{route}/{}/{}",
            self.base_url,
            self.bucket,
            encode_object_key(key)?
        ))
    }

    fn object_request(
        &self,
        method: Method,
        route: &str,
        key: &str,
    ) -> Result<HttpRequest, SupabaseError> {
        let url = self.object_url(route, key)?;
        Ok(HttpRequest::new(Service::Storage, method, url).with_header("accept", "*/*"))
    }
}

fn with_content(request: HttpRequest, data: Vec<u8>, options: &UploadOptions) -> HttpRequest {
    request
        .with_header("content-type", &options.content_type)
        .with_header(
            "cache-control",
            &format!("max-age={}", options.cache_control_secs),
        )
        .with_body(Body::Bytes(data))
}

fn json_request(method: Method, url: String, body: &impl Serialize) -> HttpRequest {
    // These bodies are plain structs of strings and numbers: serialising cannot fail.
    let json = serde_json::to_string(body).expect("Storage request bodies serialise");
    HttpRequest::new(Service::Storage, method, url)
        .with_header("content-type", "application/json")
        .with_header("accept", "*/*")
        .with_body(Body::Json(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Body;

    fn bucket() -> Bucket {
        let config = SupabaseConfig::new(
            "http://127.0.0.1:54321",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln",
        )
        .unwrap();
        StorageApi::new(&config).from("arhiva")
    }

    #[test]
    fn signed_urls_for_several_keys_are_one_post_to_the_bucket() {
        let request = bucket()
            .create_signed_urls(
                &["BlackWater/Politie_1.json", "Saint_Denis/Medici_2.json"],
                60,
            )
            .unwrap();
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.url,
            "http://127.0.0.1:54321/storage/v1/object/sign/arhiva"
        );
        let Some(Body::Json(body)) = request.body else {
            panic!("a JSON body")
        };
        assert_eq!(
            body,
            r#"{"expiresIn":60,"paths":["BlackWater/Politie_1.json","Saint_Denis/Medici_2.json"]}"#
        );
    }

    #[test]
    fn a_bad_key_is_refused_before_signing() {
        assert!(bucket().create_signed_urls(&["../etc/passwd"], 60).is_err());
    }

    #[test]
    fn a_signed_download_carries_no_header_so_no_preflight() {
        let request = bucket()
            .signed_download("/object/sign/arhiva/BlackWater/Politie_1.json?token=abc")
            .unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url,
            "http://127.0.0.1:54321/storage/v1/object/sign/arhiva/BlackWater/Politie_1.json?token=abc"
        );
        assert!(request.headers.is_empty());
        assert!(
            bucket()
                .signed_download("https://elsewhere.example/x")
                .is_err()
        );
    }
}
