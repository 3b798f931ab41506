//! An archive as the bucket stores it: plain JSON (`….json`, `application/json`), or, when its
//! JSON is longer than `punctaj_core::archive::COMPRESS_ABOVE_BYTES`, gzip (`….json.gz`,
//! `application/gzip`) compressed and decompressed by the browser itself. Everything past this
//! module — the local copy, the archive browser, the file a user saves — sees the JSON text.

use punctaj_core::archive::{GZIP_MIME, compressed_key, parse_archive_key, should_compress};

use crate::compression::{self, CompressionError, Format};

/// Plain JSON's MIME type in the bucket.
const JSON_MIME: &str = "application/json";
/// The most JSON one archive may inflate to: far above any community's table (the bucket takes
/// at most 10 MiB per object), low enough that a corrupt or hostile object cannot fill memory.
pub const MAX_ARCHIVE_TEXT: u64 = 64 * 1024 * 1024;

/// What to upload for the archive `key` holding `text`.
pub struct StoredArchive {
    /// `key`, or `key.gz` when compressed.
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

/// The archive `text` (whose plain key is `key`) as the bucket should store it.
pub async fn encode(key: &str, text: &str) -> Result<StoredArchive, CompressionError> {
    if should_compress(text.len()) {
        Ok(StoredArchive {
            key: compressed_key(key),
            body: compression::gzip(text.as_bytes()).await?,
            content_type: GZIP_MIME,
        })
    } else {
        Ok(StoredArchive {
            key: key.to_string(),
            body: text.as_bytes().to_vec(),
            content_type: JSON_MIME,
        })
    }
}

/// The JSON text of the object stored at `key`; `Err` says why it cannot be read (corrupt or
/// truncated gzip, not UTF-8), for the archive list to show beside its key.
pub async fn decode(key: &str, body: Vec<u8>) -> Result<String, String> {
    let compressed = parse_archive_key(key).is_some_and(|parsed| parsed.compressed);
    let bytes = if compressed {
        compression::decompress(Format::Gzip, &body, MAX_ARCHIVE_TEXT)
            .await
            .map_err(|error| format!("gzip: {error}"))?
    } else {
        body
    };
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}
