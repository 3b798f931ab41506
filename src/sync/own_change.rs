//! A client never locks because of its own change. Every data-changing RPC answers the new
//! version and hash; when that version directly follows the installed one, nobody else changed
//! anything in between, so the client reads the rows changed since its copy (a delta), checks
//! that its copy with them verifies against the answered version's scope hashes and global hash,
//! and installs it at that version. Otherwise someone else's change came first: the next check
//! locks, as it must.

use std::sync::Arc;

use leptos::prelude::*;
use punctaj_core::sync::{RemoteObject, accept_own_change};
use punctaj_supabase::SendOptions;

use crate::api::MutationOutcome;
use crate::browser;

use super::download::{read_delta, read_full};
use super::engine::SyncEngine;
use super::local_copy::{self, ArchiveSummary, LocalCopy};

/// An archive this client has just stored (a reset, an import), to show without downloading it
/// back.
pub struct OwnArchive {
    pub key: String,
    pub text: String,
}

/// Installs the data after this client's own change; `false` when it could not (the lock will
/// then ask for a download).
pub async fn adopt_own_change(
    engine: SyncEngine,
    outcome: &MutationOutcome,
    new_archives: Vec<OwnArchive>,
) -> bool {
    let Some(local) = engine.local.get_untracked() else {
        return false;
    };
    let stamp = outcome.stamp();
    if !accept_own_change(&local.stamp, &stamp) {
        return false;
    }
    let _ = engine.pending_own.try_set(Some(stamp.clone()));
    let client = engine.session.client();
    let options = SendOptions::default();
    let tables = match read_delta(&client, &options, &local, &local.selection, None).await {
        Ok(Ok(tables)) => Some(tables),
        // No delta across this change (a restore deletes rows): read everything, as before deltas.
        Ok(Err(_)) => read_full(&client, &options, &local.selection, None)
            .await
            .ok(),
        Err(_) => None,
    };
    let verified = tables
        // At exactly the answered version: nobody else's change is installed without the lock.
        .filter(|tables| {
            tables.stamp.version == stamp.version
                && tables
                    .stamp
                    .data_hash
                    .eq_ignore_ascii_case(&stamp.data_hash)
        })
        .map(|tables| (tables.snapshot, tables.scopes));
    let adopted = match verified {
        Some((snapshot, scopes)) => {
            let mut archives = local.archives.clone();
            let mut texts = Vec::new();
            for archive in new_archives {
                let object = RemoteObject {
                    name: archive.key.clone(),
                    etag: None,
                    updated_at: None,
                    size: Some(archive.text.len() as u64),
                };
                archives.push(ArchiveSummary::read(object, &archive.text));
                texts.push((archive.key, archive.text));
            }
            let copy = LocalCopy {
                stamp: stamp.clone(),
                snapshot,
                archives,
                installed_at_ms: browser::now_ms(),
                scopes,
                selection: local.selection.clone(),
            };
            // Kept for the next reload; if the browser cannot keep it, a download will.
            let _ = local_copy::store(&copy, &texts, &[]).await;
            // Only if nothing else was installed meanwhile.
            if engine
                .local
                .get_untracked()
                .is_some_and(|now| now.stamp == local.stamp)
            {
                let _ = engine.local.try_set(Some(Arc::new(copy)));
                // The cloud is at least at this version now: until the next check says more,
                // the last answer (older) must not make the cloud look as if it went back.
                let _ = engine.cloud.try_update(|cloud| {
                    if let Some(cloud) = cloud.as_mut().filter(|c| c.version < stamp.version) {
                        cloud.version = stamp.version;
                        cloud.data_hash = stamp.data_hash.clone();
                    }
                });
            }
            true
        }
        None => false,
    };
    let _ = engine.pending_own.try_set(None);
    adopted
}
