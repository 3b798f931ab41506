//! Inflating zip entries with the platform's `DecompressionStream("deflate-raw")` (no JS or Rust
//! inflate library in the bundle), reading the output chunk by chunk so that an entry larger
//! than its limit — a zip bomb — is stopped there instead of filling the memory.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::picked_files::describe;

#[wasm_bindgen]
extern "C" {
    /// `DecompressionStream` (Chromium 80+, Firefox 113+, Safari 16.4+): a transform stream.
    #[wasm_bindgen(js_name = DecompressionStream)]
    type DecompressionStream;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    #[error("it inflates to more than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("it is not valid deflate data: {0}")]
    Corrupt(String),
    #[error("this browser cannot decompress (no DecompressionStream): {0}")]
    Unsupported(String),
}

/// The raw-deflate `compressed` bytes inflated, at most `limit` bytes of output.
pub async fn inflate_raw(compressed: &[u8], limit: u64) -> Result<Vec<u8>, InflateError> {
    let stream = DecompressionStream::new("deflate-raw")
        .map_err(|error| InflateError::Unsupported(describe(&error)))?;
    let parts = Array::of1(&Uint8Array::from(compressed));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)
        .map_err(|error| InflateError::Corrupt(describe(&error)))?;
    let pair: web_sys::ReadableWritablePair = stream.unchecked_into();
    let output = blob.stream().pipe_through(&pair);
    let reader: web_sys::ReadableStreamDefaultReader = output.get_reader().unchecked_into();

    let mut inflated = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|error| InflateError::Corrupt(describe(&error)))?;
        let chunk: Object = chunk.unchecked_into();
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|done| done.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(inflated);
        }
        let value = Reflect::get(&chunk, &JsValue::from_str("value"))
            .map_err(|error| InflateError::Corrupt(describe(&error)))?;
        let bytes: Uint8Array = value.unchecked_into();
        if inflated.len() as u64 + u64::from(bytes.length()) > limit {
            // Stop the stream: the rest is never produced.
            let _ = reader.cancel();
            return Err(InflateError::TooLarge { limit });
        }
        let start = inflated.len();
        inflated.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut inflated[start..]);
    }
}
