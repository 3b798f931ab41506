//! Turning the picked files into a `LegacyFolder`: each path is classified first and only the
//! files it says to read are read (within their size limit); zips are listed by the core and
//! their entries inflated here, with the limit each entry declares.

use std::collections::VecDeque;
use std::rc::Rc;

use punctaj_core::legacy::LegacyFolder;
use punctaj_core::legacy::path::classify;
use punctaj_core::legacy::zip::{Method, ZipEntry};

use super::picked_files::{PickedFile, read_bytes};
use crate::compression::{CompressionError, Format, decompress};

/// Reads `files` into a folder; `on_progress(done, total)` after each picked file.
pub async fn read_folder(files: &[PickedFile], on_progress: impl Fn(u64, u64)) -> LegacyFolder {
    let mut folder = LegacyFolder::new();
    let total = files.len() as u64;
    for (index, picked) in files.iter().enumerate() {
        read_one(&mut folder, picked).await;
        on_progress(index as u64 + 1, total);
    }
    folder
}

async fn read_one(folder: &mut LegacyFolder, picked: &PickedFile) {
    let limit = match classify(&picked.path) {
        Ok(class) => class.read_limit(),
        Err(_) => None,
    };
    let Some(limit) = limit.filter(|limit| picked.size() <= *limit) else {
        folder.add_unread(&picked.path, picked.size());
        return;
    };
    match read_bytes(&picked.file, limit).await {
        Ok(bytes) => {
            let entries = folder.add_file(&picked.path, &bytes);
            inflate_entries(folder, Rc::new(bytes), entries).await;
        }
        Err(_) => folder.add_unread(&picked.path, picked.size()),
    }
}

/// Inflates the entries of a zip (and of the backup zips inside a zip of the whole folder).
async fn inflate_entries(folder: &mut LegacyFolder, zip: Rc<Vec<u8>>, entries: Vec<ZipEntry>) {
    let mut queue: VecDeque<(Rc<Vec<u8>>, ZipEntry)> = entries
        .into_iter()
        .map(|entry| (zip.clone(), entry))
        .collect();
    while let Some((zip, entry)) = queue.pop_front() {
        if !entry.should_inflate() {
            continue;
        }
        let compressed = entry.compressed(&zip);
        let inflated = match entry.method {
            Method::Stored => Ok(compressed.to_vec()),
            // A lying declared size is caught here: nothing beyond it is produced.
            Method::Deflate => {
                decompress(Format::DeflateRaw, compressed, entry.declared_size).await
            }
        };
        match inflated {
            Ok(bytes) => {
                let inner = folder.add_zip_entry(&entry, &bytes);
                let bytes = Rc::new(bytes);
                queue.extend(inner.into_iter().map(|inner| (bytes.clone(), inner)));
            }
            Err(CompressionError::TooLarge { .. }) => folder.add_zip_problem(&entry, true),
            Err(_) => folder.add_zip_problem(&entry, false),
        }
    }
}
