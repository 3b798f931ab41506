//! "DESCARCĂ SINCRONIZARE": everything, verified, then installed at once.
//!
//! Cities, institutions and employees are read page by page and their canonical hash must equal
//! the cloud's `data_hash` (if the data changed while it was being read, the download starts
//! again once); then the archives the browser has not cached are fetched, a few at a time. Only a
//! complete, verified download replaces the local copy; on any failure the old copy stays and the
//! client stays locked, showing the error and a retry.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::canonical::data_hash;
use punctaj_core::sync::{ArchiveCachePlan, DownloadProgress, DownloadStep, RemoteObject};
use punctaj_supabase::SendOptions;

use crate::api;
use crate::browser;
use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;

use super::archive_file;
use super::download_error::DownloadError;
use super::engine::{DownloadState, SyncEngine};
use super::local_copy::{self, ArchiveSummary, LocalCopy};

/// Archives fetched at the same time: enough to hide latency, few enough to be polite.
const PARALLEL_ARCHIVES: usize = 4;
const REQUEST_TIMEOUT_MS: u32 = 30_000;
/// Times the table data may change under a download before it gives up.
const MAX_RESTARTS: u32 = 2;
/// The name of the download's entry in the browser's performance timeline.
pub const DOWNLOAD_MEASURE: &str = "punctaj:download";
/// How long the overlay shows the completed download before it goes.
const COMPLETED_SHOWN_FOR: std::time::Duration = std::time::Duration::from_millis(800);

/// A download that completed; `kept` says whether the browser could store it.
struct Downloaded {
    items: u64,
    kept: Result<(), super::persist::PersistError>,
}

/// Starts a download unless one is running. Call it from the UI (it reports through toasts).
pub fn start_download(engine: SyncEngine) {
    if engine.is_downloading() {
        return;
    }
    let toasts = use_toasts();
    let i18n = use_i18n();
    engine.download.set(DownloadState::Running(progress(
        DownloadStep::Structure,
        0,
        1,
        0,
    )));
    spawn_local(async move {
        let client = engine.session.client();
        let timing = browser::PerformanceSpan::start(DOWNLOAD_MEASURE);
        let outcome = download(engine).await;
        // Measured for the benchmark and the browser's performance tools.
        timing.end();
        match outcome {
            Ok(Downloaded { items, kept }) => {
                let done = progress(DownloadStep::Complete, 1, 1, 0);
                engine.download.set(DownloadState::Completed(done));
                set_timeout(
                    move || {
                        if engine
                            .download
                            .with_untracked(|state| matches!(state, DownloadState::Completed(_)))
                        {
                            let _ = engine.download.try_set(DownloadState::Idle);
                        }
                    },
                    COMPLETED_SHOWN_FOR,
                );
                if let Err(error) = kept {
                    // The data is verified and in use; only the offline copy is missing.
                    toasts.error((i18n.texts().persist_failed)(&error.to_string()));
                }
                // Grants may have changed too; they are cheap to re-read.
                engine.session.reload_access();
                let _ = api::log_sync(&client, "download", "success", items, None).await;
                let _ = engine.logged_downloads.try_update(|count| *count += 1);
            }
            Err(error) => {
                let message = error.to_string();
                engine.download.set(DownloadState::Failed(error));
                let _ = api::log_sync(&client, "download", "failed", 0, Some(&message)).await;
                let _ = engine.logged_downloads.try_update(|count| *count += 1);
            }
        }
    });
}

fn progress(step: DownloadStep, done: u64, total: u64, bytes: u64) -> DownloadProgress {
    DownloadProgress {
        step,
        done,
        total,
        bytes,
    }
}

async fn download(engine: SyncEngine) -> Result<Downloaded, DownloadError> {
    let client = engine.session.client();
    let options = SendOptions::default().timeout_ms(REQUEST_TIMEOUT_MS);
    // Progress reaches the screen when its step or its percent changes: redrawing the overlay
    // for every archive would cost more than fetching the archive.
    let shown = Cell::new(None::<(DownloadStep, u8)>);
    let report = |progress: DownloadProgress| {
        let visible = Some((progress.step, progress.percent()));
        if shown.replace(visible) != visible {
            let _ = engine.download.try_set(DownloadState::Running(progress));
        }
    };

    // 1. The tables, verified against the cloud's hash.
    let mut restarts = 0;
    let (meta, snapshot, mut bytes) = loop {
        let (meta, meta_bytes) = api::cloud_meta(&client, options.clone()).await?;
        let (snapshot, table_bytes) = api::fetch_snapshot(&client, &options, |p| {
            report(DownloadProgress {
                bytes: meta_bytes + p.bytes,
                ..p
            })
        })
        .await?;
        let actual = data_hash(&snapshot);
        let expected = meta.data_hash.trim().to_ascii_lowercase();
        if actual == expected {
            break (meta, snapshot, meta_bytes + table_bytes);
        }
        // Someone changed the data while we read it: read it again at the new version.
        let (now, _) = api::cloud_meta(&client, options.clone()).await?;
        if now.version != meta.version && restarts < MAX_RESTARTS {
            restarts += 1;
            continue;
        }
        return Err(DownloadError::HashMismatch { expected, actual });
    };

    // 2. The archives this browser does not have yet.
    let (remote, list_bytes) =
        api::list_archive_objects(&client, &options, |done, total, listed| {
            report(progress(
                DownloadStep::ArchiveList,
                done,
                total,
                bytes + listed,
            ))
        })
        .await?;
    bytes += list_bytes;
    let previous = engine.local.get_untracked();
    let cached: Vec<ArchiveSummary> = previous
        .as_ref()
        .map(|copy| copy.archives.clone())
        .unwrap_or_default();
    let cached_objects: Vec<RemoteObject> = cached.iter().map(|a| a.object.clone()).collect();
    let plan = ArchiveCachePlan::new(&remote, &cached_objects);
    let total = plan.download.len() as u64;
    report(progress(DownloadStep::Archives, 0, total, bytes));

    let keys: Vec<&str> = plan
        .download
        .iter()
        .map(|object| object.name.as_str())
        .collect();
    let signed = if keys.is_empty() {
        Default::default()
    } else {
        api::sign_archive_downloads(&client, &keys, &options).await?
    };
    // Texts to cache, and the summaries of objects that could not be read (listed by key).
    let mut fetched: Vec<(RemoteObject, String)> = Vec::with_capacity(plan.download.len());
    let mut unreadable: Vec<ArchiveSummary> = Vec::new();
    let mut results = futures::stream::iter(
        plan.download
            .iter()
            // An archive deleted since the listing has no URL: the next listing drops it too.
            .filter_map(|object| Some((object.clone(), signed.get(&object.name)?.clone()))),
    )
    .map(|(object, url)| {
        let client = client.clone();
        let options = options.clone();
        async move {
            let body = api::download_signed_archive(&client, &url, &options).await;
            (object, body)
        }
    })
    .buffer_unordered(PARALLEL_ARCHIVES);
    while let Some((object, body)) = results.next().await {
        // A failed request fails the download (retried as a whole); a file that cannot be read
        // is one archive's problem, shown under its key, and the rest goes on.
        let body = body?;
        bytes += body.len() as u64;
        match archive_file::decode(&object.name, body).await {
            Ok(text) => fetched.push((object, text)),
            Err(why) => unreadable.push(ArchiveSummary::unreadable(object, why)),
        }
        report(progress(
            DownloadStep::Archives,
            (fetched.len() + unreadable.len()) as u64,
            total,
            bytes,
        ));
    }
    drop(results);

    // 3. The new archive index: what is still listed, from the cache or just fetched.
    report(progress(DownloadStep::Verify, 0, 1, bytes));
    let mut index: BTreeMap<String, ArchiveSummary> = cached
        .into_iter()
        .filter(|archive| !plan.removed.contains(&archive.object.name))
        .map(|archive| (archive.object.name.clone(), archive))
        .collect();
    for (object, text) in &fetched {
        index.insert(
            object.name.clone(),
            ArchiveSummary::read(object.clone(), text),
        );
    }
    for summary in unreadable {
        index.insert(summary.object.name.clone(), summary);
    }
    let items = (snapshot.cities.len()
        + snapshot.institutions.len()
        + snapshot.employees.len()
        + fetched.len()) as u64;
    let copy = LocalCopy {
        stamp: meta.stamp(),
        snapshot,
        archives: index.into_values().collect(),
        installed_at_ms: browser::now_ms(),
    };
    let texts: Vec<(String, String)> = fetched
        .into_iter()
        .map(|(object, text)| (object.name, text))
        .collect();

    // 4. Install: kept in IndexedDB in one transaction, then shown (even if the browser could
    // not keep it: the data is verified).
    let kept = local_copy::store(&copy, &texts, &plan.removed).await;
    engine.local.set(Some(Arc::new(copy)));
    report(progress(DownloadStep::Complete, 1, 1, bytes));
    Ok(Downloaded { items, kept })
}
