//! The browser's local copy of the cloud data, in IndexedDB (localStorage is too small for the
//! archives: a few megabytes). One object store of string values; several keys are written in one
//! transaction, so an installed copy is always complete: either all of a download is stored, or
//! none of it.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const DB_NAME = 'punctaj';
const STORE = 'kv';
let opened = null;

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opened = null; reject(request.error); };
    });
  }
  return opened;
}

function finished(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export async function kv_get(key) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
    request.onsuccess = () => resolve(typeof request.result === 'string' ? request.result : null);
    request.onerror = () => reject(request.error);
  });
}

export async function kv_write(puts, deletes) {
  const db = await database();
  const transaction = db.transaction(STORE, 'readwrite');
  const store = transaction.objectStore(STORE);
  for (const [key, value] of puts) store.put(value, key);
  for (const key of deletes) store.delete(key);
  await finished(transaction);
}

export async function kv_clear() {
  const db = await database();
  const transaction = db.transaction(STORE, 'readwrite');
  transaction.objectStore(STORE).clear();
  await finished(transaction);
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn kv_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn kv_write(puts: js_sys::Array, deletes: js_sys::Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn kv_clear() -> Result<JsValue, JsValue>;
}

/// Why the local copy could not be read or written (quota, private mode, a blocked database).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PersistError(String);

impl PersistError {
    pub fn new(message: impl Into<String>) -> Self {
        PersistError(message.into())
    }
}

impl From<JsValue> for PersistError {
    fn from(value: JsValue) -> Self {
        let message = value
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"));
        PersistError(message)
    }
}

pub async fn get(key: &str) -> Result<Option<String>, PersistError> {
    Ok(kv_get(key).await?.as_string())
}

/// Writes and deletes in ONE transaction: all of it is stored, or none of it.
pub async fn write(puts: &[(String, String)], deletes: &[String]) -> Result<(), PersistError> {
    let put_array = js_sys::Array::new();
    for (key, value) in puts {
        put_array.push(&js_sys::Array::of2(
            &JsValue::from_str(key),
            &JsValue::from_str(value),
        ));
    }
    let delete_array = js_sys::Array::new();
    for key in deletes {
        delete_array.push(&JsValue::from_str(key));
    }
    kv_write(put_array, delete_array).await?;
    Ok(())
}

pub async fn clear() -> Result<(), PersistError> {
    kv_clear().await?;
    Ok(())
}
