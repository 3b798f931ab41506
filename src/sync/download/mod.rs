//! "DESCARCĂ SINCRONIZARE": what changed or everything, verified, then installed at once.
//!
//! A browser that has a copy with scope stamps first asks only for what changed since it
//! ([`delta`]); the rows are applied to a copy of the local data, and that result is installed only
//! if every kept scope's hash and the global hash computed from it equal the cloud's. When the
//! delta cannot be served or does not verify, the download goes on as a full one by itself
//! ([`full`]) and the sync log says why. Either way the archives the browser does not have are
//! fetched a few at a time ([`archives`]); only a complete, verified download replaces the local
//! copy, and on any failure the old copy stays and the client stays locked, showing the error and
//! a retry.

mod archives;
mod delta;
mod full;

pub(super) use delta::read as read_delta;
pub(super) use full::read as read_full;

use std::cell::Cell;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::delta::{ScopeStamp, VerifyError};
use punctaj_core::model::Snapshot;
use punctaj_core::sync::{DownloadProgress, DownloadStep, VersionStamp};
use punctaj_supabase::SendOptions;

use crate::api::{self, DownloadMode};
use crate::browser;
use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;

use super::download_error::DownloadError;
use super::engine::{DownloadState, SyncEngine};
use super::local_copy::{self, LocalCopy};

const REQUEST_TIMEOUT_MS: u32 = 30_000;
/// The name of the download's entry in the browser's performance timeline.
pub const DOWNLOAD_MEASURE: &str = "punctaj:download";
/// How long the overlay shows the completed download before it goes.
const COMPLETED_SHOWN_FOR: std::time::Duration = std::time::Duration::from_millis(800);

/// A download that completed; `kept` says whether the browser could store it.
struct Downloaded {
    items: u64,
    kept: Result<(), super::persist::PersistError>,
    mode: DownloadMode,
    /// Why a delta was not enough, when the download fell back to a full one.
    fallback: Option<String>,
}

/// Verified table data at one cloud version, ready to install.
pub(super) struct VerifiedTables {
    pub stamp: VersionStamp,
    pub snapshot: Snapshot,
    pub scopes: Vec<ScopeStamp>,
    /// Which archives to list again: `None` every kept one, else those of these institutions.
    archives_of: Option<std::collections::BTreeSet<i64>>,
    bytes: u64,
    /// Rows received (a delta's rows, or every row of a full read).
    rows: u64,
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
            Ok(Downloaded {
                items,
                kept,
                mode,
                fallback,
            }) => {
                let done = progress(DownloadStep::Complete, 1, 1, 0);
                engine.download.set(DownloadState::Completed(done));
                let _ = engine.elsewhere.try_set(0);
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
                let note = fallback.map(|why| format!("delta not used: {why}"));
                let _ = api::log_download(&client, mode, "success", items, note.as_deref()).await;
                let _ = engine.logged_downloads.try_update(|count| *count += 1);
            }
            Err((mode, error)) => {
                let message = error.to_string();
                engine.download.set(DownloadState::Failed(error));
                let _ = api::log_download(&client, mode, "failed", 0, Some(&message)).await;
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

/// Shows a download's progress, redrawing only when its step or percent changes: redrawing the
/// overlay for every archive would cost more than fetching the archive.
pub(super) struct Progress {
    engine: SyncEngine,
    shown: Cell<Option<(DownloadStep, u8)>>,
}

impl Progress {
    fn report(&self, progress: DownloadProgress) {
        let visible = Some((progress.step, progress.percent()));
        if self.shown.replace(visible) != visible {
            let _ = self
                .engine
                .download
                .try_set(DownloadState::Running(progress));
        }
    }
}

async fn download(engine: SyncEngine) -> Result<Downloaded, (DownloadMode, DownloadError)> {
    let client = engine.session.client();
    let options = SendOptions::default().timeout_ms(REQUEST_TIMEOUT_MS);
    let shown = Progress {
        engine,
        shown: Cell::new(None),
    };
    let wanted = engine.selection.get_untracked();
    let previous = engine.local.get_untracked();

    // 1. The tables: only what changed when the copy allows it, else everything.
    let mut fallback = None;
    let mut tables = None;
    if let Some(previous) = previous.as_ref().filter(|copy| !copy.scopes.is_empty()) {
        match delta::read(&client, &options, previous, &wanted, Some(&shown)).await {
            Ok(Ok(verified)) => tables = Some((DownloadMode::Delta, verified)),
            Ok(Err(why)) => fallback = Some(why),
            Err(error) => return Err((DownloadMode::Delta, error)),
        }
    }
    let (mode, tables) = match tables {
        Some(tables) => tables,
        None => {
            let verified = full::read(&client, &options, &wanted, Some(&shown))
                .await
                .map_err(|error| (DownloadMode::Full, error))?;
            (DownloadMode::Full, verified)
        }
    };

    // 2. The archives this browser does not have yet, of the scopes it keeps.
    let cached = previous
        .as_ref()
        .map(|copy| copy.archives.clone())
        .unwrap_or_default();
    let fetched = archives::fetch(
        &client,
        &options,
        &tables.snapshot,
        &wanted,
        tables.archives_of.as_ref(),
        cached,
        tables.bytes,
        &shown,
    )
    .await
    .map_err(|error| (mode, error))?;

    // 3. Install: kept in IndexedDB in one transaction, then shown (even if the browser could
    // not keep it: the data is verified).
    shown.report(progress(DownloadStep::Verify, 0, 1, fetched.bytes));
    let items = tables.rows + fetched.texts.len() as u64;
    let copy = LocalCopy {
        stamp: tables.stamp,
        snapshot: tables.snapshot,
        archives: fetched.index,
        installed_at_ms: browser::now_ms(),
        scopes: tables.scopes,
        selection: wanted,
    };
    let kept = local_copy::store(&copy, &fetched.texts, &fetched.removed).await;
    engine.local.set(Some(Arc::new(copy)));
    shown.report(progress(DownloadStep::Complete, 1, 1, fetched.bytes));
    Ok(Downloaded {
        items,
        kept,
        mode,
        fallback,
    })
}

/// A copy that does not verify, as the lock overlay explains it.
fn mismatch(error: VerifyError) -> DownloadError {
    match error {
        VerifyError::ScopeDiffers {
            expected, actual, ..
        }
        | VerifyError::GlobalDiffers { expected, actual } => {
            DownloadError::HashMismatch { expected, actual }
        }
        VerifyError::UnexpectedScope { scope } => DownloadError::HashMismatch {
            expected: String::new(),
            actual: scope.to_string(),
        },
    }
}
