//! Listing a bucket: the request options and the objects that come back.

use serde::{Deserialize, Serialize};

/// Options of `POST /object/list/{bucket}`, with supabase-js's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListOptions {
    pub limit: u32,
    pub offset: u32,
    pub sort_by: SortBy,
    /// Only names containing this text.
    pub search: Option<String>,
}

impl Default for ListOptions {
    fn default() -> Self {
        Self {
            limit: 100,
            offset: 0,
            sort_by: SortBy::default(),
            search: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SortBy {
    pub column: String,
    pub order: SortOrder,
}

impl Default for SortBy {
    fn default() -> Self {
        Self {
            column: "name".to_owned(),
            order: SortOrder::Asc,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// The request body, fields in supabase-js's order.
#[derive(Serialize)]
pub(super) struct ListBody<'a> {
    limit: u32,
    offset: u32,
    #[serde(rename = "sortBy")]
    sort_by: &'a SortBy,
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<&'a str>,
    prefix: &'a str,
}

impl<'a> ListBody<'a> {
    pub(super) fn new(prefix: &'a str, options: &'a ListOptions) -> Self {
        Self {
            limit: options.limit,
            offset: options.offset,
            sort_by: &options.sort_by,
            search: options.search.as_deref(),
            prefix,
        }
    }
}

/// One entry of a listing: a file, or a folder (no `id`, no metadata).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FileObject {
    /// Relative to the listed prefix.
    pub name: String,
    pub id: Option<String>,
    pub updated_at: Option<String>,
    pub created_at: Option<String>,
    pub last_accessed_at: Option<String>,
    pub metadata: Option<ObjectMetadata>,
}

impl FileObject {
    pub fn is_folder(&self) -> bool {
        self.id.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMetadata {
    pub e_tag: String,
    pub size: u64,
    pub mimetype: String,
    pub cache_control: String,
    pub last_modified: String,
    pub content_length: u64,
    pub http_status_code: u16,
}

/// One entry of a `createSignedUrls` answer: a URL, or why this key has none.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SignedUrl {
    pub path: String,
    #[serde(rename = "signedURL")]
    pub signed_url: Option<String>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_files_and_folders() {
        let listing = r#"[
          {"name":"2026","id":null,"updated_at":null,"created_at":null,"last_accessed_at":null,"metadata":null},
          {"name":"Politie_2026-01-05_10-00-00.json","id":"1f0e","bucket_id":"arhiva",
           "updated_at":"2026-01-05T10:00:01.123Z","created_at":"2026-01-05T10:00:01.123Z",
           "last_accessed_at":"2026-01-05T10:00:01.123Z",
           "metadata":{"eTag":"\"9a0364b9e99bb480dd25e1f0284c8555\"","size":1234,
             "mimetype":"application/json","cacheControl":"max-age=3600",
             "lastModified":"2026-01-05T10:00:02.000Z","contentLength":1234,"httpStatusCode":200}}
        ]"#;
        let objects: Vec<FileObject> = serde_json::from_str(listing).unwrap();
        assert!(objects[0].is_folder());
        assert_eq!(objects[0].metadata, None);
        assert!(!objects[1].is_folder());
        assert_eq!(
            objects[1].metadata,
            Some(ObjectMetadata {
                e_tag: "\"9a0364b9e99bb480dd25e1f0284c8555\"".into(),
                size: 1234,
                mimetype: "application/json".into(),
                cache_control: "max-age=3600".into(),
                last_modified: "2026-01-05T10:00:02.000Z".into(),
                content_length: 1234,
                http_status_code: 200,
            })
        );
    }

    #[test]
    fn body_omits_search_when_there_is_none() {
        let options = ListOptions::default();
        assert_eq!(
            serde_json::to_string(&ListBody::new("a", &options)).unwrap(),
            r#"{"limit":100,"offset":0,"sortBy":{"column":"name","order":"asc"},"prefix":"a"}"#
        );
    }
}
