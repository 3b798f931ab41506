//! Writing a previewed import: the new archive files are stored in the bucket first (never
//! overwriting anything, a few at a time), then one RPC writes everything else in one
//! transaction. As with a reset, the database refuses to record an archive that is not stored,
//! so a failure part-way leaves no record pointing at a missing file; archives stored by a
//! failed attempt are recognised as identical on the next one.

use std::cell::Cell;

use futures::StreamExt;
use punctaj_supabase::{ErrorKind, SendOptions, SupabaseError};
use serde::Serialize;

use crate::api::{self, ImportOutcome};
use crate::sync::{OwnArchive, SyncEngine, adopt_own_change};

/// Uploads at the same time, as the download fetches them.
const PARALLEL_UPLOADS: usize = 4;

/// One archive file to store under `key`, exactly as the old app wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchiveUpload {
    pub key: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Nothing was imported: an archive could not be stored.
    #[error("archive {key} could not be stored: {error}")]
    Upload { key: String, error: SupabaseError },
    /// Nothing was imported: the bucket already holds another file under that name.
    #[error("archive {key} already exists in the cloud with other content")]
    ArchiveTaken { key: String },
    /// Nothing was imported: the cloud changed since the preview.
    #[error("the cloud data changed since the preview")]
    Stale(SupabaseError),
    /// Nothing was imported.
    #[error("the import failed: {0}")]
    Import(SupabaseError),
}

/// Stores `uploads`, then runs the import. `on_progress(done, total)` counts the steps: one per
/// archive and one for the transaction.
pub async fn run_import(
    engine: SyncEngine,
    uploads: Vec<ArchiveUpload>,
    payload: &impl Serialize,
    on_progress: impl Fn(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let client = engine.session.client();
    let total = uploads.len() as u64 + 1;
    let done = Cell::new(0u64);
    on_progress(0, total);

    let mut stored = futures::stream::iter(uploads.iter().cloned())
        .map(|upload| {
            let client = client.clone();
            async move {
                let result = store(&client, &upload).await;
                (upload, result)
            }
        })
        .buffer_unordered(PARALLEL_UPLOADS);
    while let Some((_, result)) = stored.next().await {
        result?;
        done.set(done.get() + 1);
        on_progress(done.get(), total);
    }
    drop(stored);

    let outcome = api::import_legacy(&client, payload)
        .await
        .map_err(|error| {
            if error.code() == Some("PT409") {
                ImportError::Stale(error)
            } else {
                ImportError::Import(error)
            }
        })?;
    on_progress(total, total);
    if outcome.changed {
        let own: Vec<OwnArchive> = uploads
            .into_iter()
            .map(|upload| OwnArchive {
                key: upload.key,
                text: upload.text,
            })
            .collect();
        adopt_own_change(engine, &outcome.mutation, own).await;
    }
    Ok(outcome)
}

/// Stores one archive. A key that is taken holds either this very file (stored by an earlier
/// attempt that failed later) — fine — or another one, which is never replaced.
async fn store(
    client: &punctaj_supabase::SupabaseClient,
    upload: &ArchiveUpload,
) -> Result<(), ImportError> {
    // The old app's files are stored byte for byte as it wrote them (never compressed): an import
    // of the same folder again finds them identical.
    let body = upload.text.clone().into_bytes();
    match api::upload_archive(client, &upload.key, body, "application/json").await {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::Conflict => {
            if stored_text(client, &upload.key)
                .await
                .is_ok_and(|text| text == upload.text)
            {
                Ok(())
            } else {
                Err(ImportError::ArchiveTaken {
                    key: upload.key.clone(),
                })
            }
        }
        Err(error) => Err(ImportError::Upload {
            key: upload.key.clone(),
            error,
        }),
    }
}

async fn stored_text(
    client: &punctaj_supabase::SupabaseClient,
    key: &str,
) -> Result<String, SupabaseError> {
    let options = SendOptions::default();
    let urls = api::sign_archive_downloads(client, &[key], &options).await?;
    let url = urls
        .get(key)
        .ok_or_else(|| SupabaseError::Decode(format!("no signed URL for {key}")))?;
    let body = api::download_signed_archive(client, url, &options).await?;
    String::from_utf8(body).map_err(|_| SupabaseError::Decode(format!("{key} is not UTF-8 text")))
}
