//! A device that keeps only some cities and institutions is not locked by changes elsewhere.
//! When the version check sees a newer cloud, such a device asks which scopes changed
//! (`rpc/sync_changes`); if none is one it keeps, and the stamps it has updated by those changes
//! add up to the cloud's global hash, it moves its copy to the new version without downloading
//! anything, and the status says that there were changes elsewhere. Anything else locks as usual.

use std::sync::Arc;

use leptos::prelude::*;

use punctaj_core::delta::{ChangesVerdict, judge_changes};
use punctaj_core::sync::{CloudMeta, VersionStamp};
use punctaj_supabase::SendOptions;

use crate::api;
use crate::browser;

use super::engine::SyncEngine;
use super::local_copy::{self, LocalCopy};

const CHANGES_TIMEOUT_MS: u32 = 5_000;

/// Called with each newer cloud version the check reads. Returns once the copy is moved (or it
/// is clear that it must not be); the check then records the cloud as usual.
pub(super) async fn settle(engine: SyncEngine, meta: &CloudMeta) {
    let Some(local) = engine.local.get_untracked() else {
        return;
    };
    let wanted = engine.selection.get_untracked();
    if wanted.is_everything()
        || wanted != local.selection
        || local.scopes.is_empty()
        || meta.version <= local.stamp.version
        || engine.is_downloading()
    {
        return;
    }
    let options = SendOptions::default().timeout_ms(CHANGES_TIMEOUT_MS);
    let Ok((changes, _)) =
        api::sync_changes(&engine.session.client(), local.stamp.version, options).await
    else {
        // The lock is the safe answer when the cloud cannot say what changed.
        return;
    };
    let ChangesVerdict::Elsewhere { scopes, changed } = judge_changes(
        local.stamp.version,
        &local.scopes,
        &changes,
        &local.snapshot,
        &wanted,
    ) else {
        return;
    };
    let copy = LocalCopy {
        stamp: VersionStamp {
            version: changes.version,
            data_hash: changes.data_hash,
        },
        scopes,
        installed_at_ms: browser::now_ms(),
        ..(*local).clone()
    };
    // Only if nothing else was installed meanwhile.
    if engine
        .local
        .get_untracked()
        .is_some_and(|now| now.stamp == local.stamp)
    {
        // Kept for the next reload; if the browser cannot keep it, the next start checks again.
        let _ = local_copy::store(&copy, &[], &[]).await;
        let _ = engine.local.try_set(Some(Arc::new(copy)));
        let _ = engine
            .elsewhere
            .try_update(|count| *count = count.saturating_add(changed as u32));
    }
}
