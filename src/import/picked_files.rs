//! The files the user gave: a picked folder (`<input webkitdirectory>`), picked files, or a drop
//! of files and folders. Each keeps its path inside what was given, with `/` separators, so the
//! old app's layout (`data/<server>/<City>/<Institution>.json`) can be recognised from it.
//!
//! Nothing is read here: a file's bytes are read only once its path says it is needed (a secret
//! key file is never opened).

pub(super) use crate::browser::js_error_message as describe;
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Folders nested deeper than this in a drop are not walked (the old app's layout is 5 deep).
const MAX_DROP_DEPTH: usize = 12;
/// A drop of more files than this is cut short (the largest real community has ~1 500).
pub const MAX_FILES: usize = 50_000;

/// One file the user gave, not read yet.
#[derive(Clone)]
pub struct PickedFile {
    /// Inside what was given: `data/balcaniwest/BlackWater/Politie.json` for a picked folder
    /// (its own name left out), the file name for a loose file.
    pub path: String,
    pub file: web_sys::File,
}

impl PickedFile {
    pub fn size(&self) -> u64 {
        self.file.size() as u64
    }
}

/// The files of a file input. For a folder input, `webkitRelativePath` starts with the picked
/// folder's own name, which is not part of the old app's layout and is left out.
pub fn from_input(input: &web_sys::HtmlInputElement) -> Vec<PickedFile> {
    let Some(list) = input.files() else {
        return Vec::new();
    };
    (0..list.length().min(MAX_FILES as u32))
        .filter_map(|index| list.item(index))
        .map(|file| {
            let relative = Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|value| value.as_string())
                .unwrap_or_default();
            let path = match relative.split_once('/') {
                Some((_picked_folder, inside)) if !inside.is_empty() => inside.to_owned(),
                _ => file.name(),
            };
            PickedFile { path, file }
        })
        .collect()
}

/// The files of a drop, walking dropped folders. A dropped folder's own name is left out, as for
/// a picked one.
pub async fn from_drop(transfer: &web_sys::DataTransfer) -> Vec<PickedFile> {
    let items = transfer.items();
    let mut roots = Vec::new();
    for index in 0..items.length() {
        let Some(item) = items.get(index) else {
            continue;
        };
        // webkitGetAsEntry must be called during the drop event, before any await.
        if let Some(entry) = entry_of(&item) {
            roots.push(entry);
        }
    }
    if roots.is_empty() {
        return transfer
            .files()
            .map(|list| {
                (0..list.length())
                    .filter_map(|index| list.item(index))
                    .map(|file| PickedFile {
                        path: file.name(),
                        file,
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    let mut files = Vec::new();
    for root in roots {
        if is_directory(&root) {
            walk(&root, String::new(), 0, &mut files).await;
        } else if let Some(file) = file_of(&root).await {
            files.push(PickedFile {
                path: file.name(),
                file,
            });
        }
        if files.len() >= MAX_FILES {
            break;
        }
    }
    files
}

async fn walk(directory: &JsValue, prefix: String, depth: usize, files: &mut Vec<PickedFile>) {
    if depth > MAX_DROP_DEPTH {
        return;
    }
    for entry in read_all_entries(directory).await {
        if files.len() >= MAX_FILES {
            return;
        }
        let name = Reflect::get(&entry, &JsValue::from_str("name"))
            .ok()
            .and_then(|value| value.as_string())
            .unwrap_or_default();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if is_directory(&entry) {
            Box::pin(walk(&entry, path, depth + 1, files)).await;
        } else if let Some(file) = file_of(&entry).await {
            files.push(PickedFile { path, file });
        }
    }
}

fn entry_of(item: &web_sys::DataTransferItem) -> Option<JsValue> {
    let get = Reflect::get(item, &JsValue::from_str("webkitGetAsEntry"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    get.call0(item).ok().filter(|entry| !entry.is_null())
}

fn is_directory(entry: &JsValue) -> bool {
    Reflect::get(entry, &JsValue::from_str("isDirectory"))
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false)
}

/// `FileSystemDirectoryReader.readEntries` answers in batches until an empty one.
async fn read_all_entries(directory: &JsValue) -> Vec<JsValue> {
    let Some(reader) = call_method(directory, "createReader", &[]) else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    loop {
        let batch = callback_promise(&reader, "readEntries").await;
        let Some(batch) = batch.and_then(|value| value.dyn_into::<Array>().ok()) else {
            break;
        };
        if batch.length() == 0 {
            break;
        }
        entries.extend(batch.iter());
    }
    entries
}

async fn file_of(entry: &JsValue) -> Option<web_sys::File> {
    callback_promise(entry, "file").await?.dyn_into().ok()
}

fn call_method(target: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let method = Reflect::get(target, &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    method.apply(target, &args.iter().collect::<Array>()).ok()
}

/// Calls `target.name(onSuccess, onError)` and waits for either.
async fn callback_promise(target: &JsValue, name: &str) -> Option<JsValue> {
    let target = target.clone();
    let name = name.to_owned();
    let promise = Promise::new(&mut |resolve, reject| {
        if call_method(&target, &name, &[resolve.into(), reject.clone().into()]).is_none() {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("not callable"));
        }
    });
    JsFuture::from(promise).await.ok()
}

/// Why a picked file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the browser could not read the file: {0}")]
    Browser(String),
}

/// The bytes of `file`, refused without reading when it is larger than `limit`.
pub async fn read_bytes(file: &web_sys::File, limit: u64) -> Result<Vec<u8>, ReadError> {
    if file.size() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| ReadError::Browser(describe(&error)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
