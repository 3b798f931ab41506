//! What this browser keeps (selective sync), persisted in `localStorage`: a choice belongs to the
//! device, not to the account. A new choice takes effect at once, through a download that the
//! lock overlay shows like any other (only the newly kept scopes' rows travel).

use leptos::prelude::*;
use punctaj_core::selection::Selection;

use crate::browser::LOCAL_STORAGE;

use super::download::start_download;
use super::engine::{DownloadState, SyncEngine};

const STORAGE_KEY: &str = "punctaj.sync.selection";

/// The stored choice; everything when there is none or it does not read.
pub(super) fn stored() -> Selection {
    LOCAL_STORAGE
        .get(STORAGE_KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Keeps `selection` on this device from now on.
pub fn choose(engine: SyncEngine, selection: Selection) {
    if selection.is_everything() {
        LOCAL_STORAGE.remove(STORAGE_KEY);
    } else if let Ok(json) = serde_json::to_string(&selection) {
        LOCAL_STORAGE.set(STORAGE_KEY, &json);
    }
    engine.selection.set(selection);
}

/// Downloads whenever the installed copy does not hold what the device keeps (a new choice).
pub(super) fn follow_selection(engine: SyncEngine) {
    Effect::new(move |_| {
        let differs = engine.local.with(|local| {
            local
                .as_ref()
                .is_some_and(|local| engine.selection.with(|wanted| *wanted != local.selection))
        });
        let idle = engine
            .download
            .with(|state| matches!(state, DownloadState::Idle | DownloadState::Completed(_)));
        if differs && idle && engine.session.is_granted() {
            start_download(engine);
        }
    });
}
