//! Forced cloud synchronisation, the heart of the product.
//!
//! Every client installs a verified copy of the cloud data ([`local_copy`]), checks the cloud's
//! version every second ([`checker`]) and, when anything changed, locks itself ([`SyncEngine::locked`])
//! until the user downloads the new data ([`download`]). A client's own changes are adopted
//! without locking ([`own_change`]); a reset archives first ([`reset`]). Archives are stored as
//! plain JSON or, when large, gzip ([`archive_file`]). A download takes only what changed when it
//! can ([`download`]); a device may keep only some cities and institutions ([`selection`]), and
//! is then not locked by changes elsewhere ([`elsewhere`]).

mod archive_file;
mod checker;
mod download;
mod download_error;
mod elsewhere;
mod engine;
mod live;
mod local_copy;
mod own_change;
mod persist;
mod reset;
mod selection;

pub use download::start_download;
pub use download_error::DownloadError;
pub use engine::{
    CheckError, CheckState, DownloadState, Indicator, PushHealth, PushState, SyncEngine,
};
pub use local_copy::{ArchiveProblem, ArchiveSummary, LocalCopy, archive_text};
pub use own_change::{OwnArchive, adopt_own_change};
pub use reset::{ResetError, ResetStage, reset_institution};
pub use selection::choose as choose_selection;

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use punctaj_core::live::CheckSchedule;

use crate::session::SessionContext;

pub fn provide_sync_engine(session: SessionContext, schedule: CheckSchedule) -> SyncEngine {
    let engine = SyncEngine::new(session, schedule, selection::stored());
    provide_context(engine);
    engine
}

pub fn use_sync() -> SyncEngine {
    expect_context::<SyncEngine>()
}

/// Runs the engine while the calling component (the signed-in app shell) lives: restores the
/// local copy from IndexedDB, starts the version checks, and downloads by itself when the
/// browser has nothing cached.
pub fn run_sync(engine: SyncEngine) {
    spawn_local(async move {
        if let Ok(Some(copy)) = local_copy::load().await
            && engine.local.get_untracked().is_none()
        {
            let _ = engine.local.try_set(Some(Arc::new(copy)));
        }
        let _ = engine.restored.try_set(true);
    });
    checker::run_checks(engine);
    live::run_live(engine);
    selection::follow_selection(engine);
    Effect::new(move |_| {
        let nothing_cached = engine.restored.get() && engine.local.with(Option::is_none);
        let idle = engine
            .download
            .with(|state| matches!(state, DownloadState::Idle));
        if nothing_cached && idle && engine.session.is_granted() {
            start_download(engine);
        }
    });
}

/// Forgets the local copy (sign-out, or the user asked): the next start downloads everything.
pub async fn forget_local_copy(engine: SyncEngine) -> Result<(), persist::PersistError> {
    let _ = engine.local.try_set(None);
    local_copy::clear().await
}
