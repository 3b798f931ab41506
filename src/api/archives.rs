//! The reset archives in the Storage bucket `arhiva` (`<City>/<Institution>_<stamp>.json`).

use std::collections::HashMap;

use futures::StreamExt;

use punctaj_core::sync::RemoteObject;
use punctaj_supabase::response::check_status;
use punctaj_supabase::{
    FileObject, ListOptions, SendOptions, Service, SignedUrl, SupabaseClient, SupabaseError,
    UploadOptions,
};

pub const ARCHIVE_BUCKET: &str = "arhiva";
/// Storage lists at most this many entries per request.
const LIST_PAGE: u32 = 100;
/// Keys are `City/File`; deeper folders are still listed, to a sane depth.
const MAX_DEPTH: usize = 4;

/// Folders listed at the same time.
const PARALLEL_LISTS: usize = 6;

/// Every object under `folders` (the whole bucket when empty) with its etag, walking the
/// folders level by level, the folders of a level side by side (one Storage list request per
/// folder and page of 100). `on_folder(done, total, bytes)` reports the folders walked.
pub async fn list_archive_objects(
    client: &SupabaseClient,
    options: &SendOptions,
    folders: &[String],
    mut on_folder: impl FnMut(u64, u64, u64),
) -> Result<(Vec<RemoteObject>, u64), SupabaseError> {
    let mut objects = Vec::new();
    let mut bytes = 0;
    let (mut level, mut depth): (Vec<String>, usize) = if folders.is_empty() {
        (vec![String::new()], 0)
    } else {
        (folders.to_vec(), 1)
    };
    let mut walked = 0u64;
    let mut known = level.len() as u64;
    while !level.is_empty() {
        let mut next = Vec::new();
        let mut listings = futures::stream::iter(
            level
                .iter()
                .map(|prefix| list_folder(client, options, prefix)),
        )
        .buffer_unordered(PARALLEL_LISTS);
        while let Some(listing) = listings.next().await {
            let (prefix, entries, listed_bytes) = listing?;
            bytes += listed_bytes;
            for entry in entries {
                let key = if prefix.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{prefix}/{}", entry.name)
                };
                if entry.is_folder() {
                    if depth + 1 < MAX_DEPTH {
                        next.push(key);
                    }
                } else {
                    objects.push(RemoteObject {
                        name: key,
                        etag: entry.metadata.as_ref().map(|meta| meta.e_tag.clone()),
                        updated_at: entry.updated_at.clone(),
                        size: entry.metadata.as_ref().map(|meta| meta.size),
                    });
                }
            }
            walked += 1;
            on_folder(walked, known + next.len() as u64, bytes);
        }
        drop(listings);
        known += next.len() as u64;
        level = next;
        depth += 1;
    }
    Ok((objects, bytes))
}

/// One folder's entries, page by page: (the folder, its entries, bytes received).
async fn list_folder(
    client: &SupabaseClient,
    options: &SendOptions,
    prefix: &str,
) -> Result<(String, Vec<FileObject>, u64), SupabaseError> {
    let bucket = client.storage().from(ARCHIVE_BUCKET);
    let mut entries = Vec::new();
    let mut bytes = 0;
    let mut offset = 0;
    loop {
        let list_options = ListOptions {
            limit: LIST_PAGE,
            offset,
            ..ListOptions::default()
        };
        let response = client
            .execute_with(bucket.list(prefix, &list_options), options.clone())
            .await?;
        bytes += response.body.len() as u64;
        let page: Vec<FileObject> = response.json()?;
        let received = page.len() as u32;
        entries.extend(page);
        if received < LIST_PAGE {
            return Ok((prefix.to_owned(), entries, bytes));
        }
        offset += LIST_PAGE;
    }
}

/// How long a signed download URL stays valid: enough for a slow download of every archive.
const SIGNED_URL_SECS: u64 = 600;
/// Keys signed per request.
const SIGN_BATCH: usize = 250;

/// Signed download URLs for `keys`, by key. Keys without one (deleted since they were listed)
/// are left out.
pub async fn sign_archive_downloads(
    client: &SupabaseClient,
    keys: &[&str],
    options: &SendOptions,
) -> Result<HashMap<String, String>, SupabaseError> {
    let bucket = client.storage().from(ARCHIVE_BUCKET);
    let mut urls = HashMap::with_capacity(keys.len());
    for batch in keys.chunks(SIGN_BATCH) {
        let request = bucket.create_signed_urls(batch, SIGNED_URL_SECS)?;
        let signed: Vec<SignedUrl> = client
            .execute_with(request, options.clone())
            .await?
            .json()?;
        urls.extend(
            signed
                .into_iter()
                .filter_map(|entry| entry.signed_url.map(|url| (entry.path, url))),
        );
    }
    Ok(urls)
}

/// One archive object's bytes through its signed URL: a plain GET without credentials or custom
/// headers, so the browser sends no CORS preflight (one round trip per archive, not two).
pub async fn download_signed_archive(
    client: &SupabaseClient,
    signed_url: &str,
    options: &SendOptions,
) -> Result<Vec<u8>, SupabaseError> {
    let request = client
        .storage()
        .from(ARCHIVE_BUCKET)
        .signed_download(signed_url)?;
    let response = punctaj_supabase::web::send(&request, options).await?;
    Ok(check_status(Service::Storage, response)?.body)
}

/// Stores a new archive object (`content_type`: JSON, or gzip for a compressed one); never
/// replaces one (`x-upsert: false`): an existing key is a conflict.
pub async fn upload_archive(
    client: &SupabaseClient,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<(), SupabaseError> {
    let request = client.storage().from(ARCHIVE_BUCKET).upload(
        key,
        body,
        &UploadOptions::new(content_type).upsert(false),
    )?;
    client.execute(request).await.map(|_| ())
}

/// Removes an archive this client uploaded but that no reset recorded (a reset that lost a race).
pub async fn remove_archive(client: &SupabaseClient, key: &str) -> Result<(), SupabaseError> {
    let request = client.storage().from(ARCHIVE_BUCKET).remove(&[key])?;
    client.execute(request).await.map(|_| ())
}
