//! Compression through the platform's `CompressionStream` / `DecompressionStream` (Chromium 80+,
//! Firefox 113+, Safari 16.4+), so that no JS or Rust codec ships in the bundle: gzip for the large
//! archives in the bucket, raw deflate for the entries of the old app's zips. Output is read chunk
//! by chunk, so that data inflating past its limit — a zip bomb, a corrupt archive — is stopped
//! there instead of filling the memory.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::js_error_message;

#[wasm_bindgen]
extern "C" {
    /// `DecompressionStream`: a transform stream.
    #[wasm_bindgen(js_name = DecompressionStream)]
    type DecompressionStream;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;

    /// `CompressionStream`: a transform stream.
    #[wasm_bindgen(js_name = CompressionStream)]
    type CompressionStream;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
}

/// The stream formats used here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RFC 1952, what `.gz` files hold.
    Gzip,
    /// RFC 1951 without a header, what zip entries hold.
    DeflateRaw,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::DeflateRaw => "deflate-raw",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompressionError {
    #[error("it inflates to more than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("it is not valid compressed data: {0}")]
    Corrupt(String),
    #[error("this browser cannot (de)compress (no CompressionStream): {0}")]
    Unsupported(String),
}

/// `compressed` inflated from `format`, at most `limit` bytes of output.
pub async fn decompress(
    format: Format,
    compressed: &[u8],
    limit: u64,
) -> Result<Vec<u8>, CompressionError> {
    let stream = DecompressionStream::new(format.name())
        .map_err(|error| CompressionError::Unsupported(js_error_message(&error)))?;
    read_through(stream.unchecked_into(), compressed, limit).await
}

/// `plain` compressed to gzip.
pub async fn gzip(plain: &[u8]) -> Result<Vec<u8>, CompressionError> {
    let stream = CompressionStream::new(Format::Gzip.name())
        .map_err(|error| CompressionError::Unsupported(js_error_message(&error)))?;
    read_through(stream.unchecked_into(), plain, u64::MAX).await
}

/// Pipes `input` through `transform` and collects at most `limit` bytes of its output.
async fn read_through(
    transform: web_sys::ReadableWritablePair,
    input: &[u8],
    limit: u64,
) -> Result<Vec<u8>, CompressionError> {
    let corrupt = |error: JsValue| CompressionError::Corrupt(js_error_message(&error));
    let parts = Array::of1(&Uint8Array::from(input));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(corrupt)?;
    let output = blob.stream().pipe_through(&transform);
    let reader: web_sys::ReadableStreamDefaultReader = output.get_reader().unchecked_into();

    let mut collected = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(corrupt)?;
        let chunk: Object = chunk.unchecked_into();
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|done| done.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(collected);
        }
        let value = Reflect::get(&chunk, &JsValue::from_str("value")).map_err(corrupt)?;
        let bytes: Uint8Array = value.unchecked_into();
        if collected.len() as u64 + u64::from(bytes.length()) > limit {
            // Stop the stream: the rest is never produced.
            let _ = reader.cancel();
            return Err(CompressionError::TooLarge { limit });
        }
        let start = collected.len();
        collected.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut collected[start..]);
    }
}
