//! Starting without network. The account's grants come from `rpc/my_access`, which cannot answer
//! offline; the local copy, though, is in this browser and must open (read-only). So the last
//! grants seen for the signed-in account are remembered in this browser, used when `my_access`
//! fails for lack of network, and read again from the server as soon as a version check succeeds.
//! Remembered grants only decide what the UI offers: the database still checks every change.

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::permissions::Access;
use punctaj_supabase::{ErrorKind, SendOptions, SupabaseError};

use crate::api;
use crate::browser::LOCAL_STORAGE;
use crate::session::{AccessState, SessionContext};
use crate::sync::SyncEngine;

const STORAGE_KEY: &str = "punctaj.access";

fn remembered_for(user_id: &str) -> Option<Access> {
    LOCAL_STORAGE
        .get(STORAGE_KEY)
        .and_then(|json| serde_json::from_str::<Access>(&json).ok())
        .filter(|access| access.user_id == user_id && access.is_granted())
}

fn is_offline(error: &SupabaseError) -> bool {
    matches!(error.kind(), ErrorKind::Network | ErrorKind::Timeout)
}

/// `my_access` failed for lack of network and this browser remembers the account's grants: the
/// app is about to open read-only with them (so no error page in between).
pub fn will_fall_back(user_id: &str, error: &SupabaseError) -> bool {
    is_offline(error) && remembered_for(user_id).is_some()
}

fn remember(access: &Access) {
    if let Ok(json) = serde_json::to_string(access) {
        LOCAL_STORAGE.set(STORAGE_KEY, &json);
    }
}

/// Keeps the grants for offline starts, falls back to them when the server cannot be reached,
/// and replaces them with the server's once it answers again.
pub fn use_remembered_access(session: SessionContext, sync: SyncEngine) {
    // The grants in use came from this browser, not from the server.
    let from_memory = RwSignal::new(false);

    Effect::new(move |_| {
        let Some(user_id) = session
            .user
            .with(|user| user.as_ref().map(|u| u.id.clone()))
        else {
            LOCAL_STORAGE.remove(STORAGE_KEY);
            return;
        };
        match session.access.get() {
            AccessState::Ready(access) if access.is_granted() => remember(&access),
            AccessState::Ready(_) => LOCAL_STORAGE.remove(STORAGE_KEY),
            AccessState::Failed(error) if is_offline(&error) => {
                if let Some(access) = remembered_for(&user_id) {
                    from_memory.set(true);
                    session.access.set(AccessState::Ready(access));
                }
            }
            AccessState::Failed(_) | AccessState::Loading => {}
        }
    });

    let online = Memo::new(move |_| {
        sync.check
            .with(|check| check.last_ok_ms.is_some() && check.last_error.is_none())
    });
    Effect::new(move |_| {
        if !online.get() || !from_memory.get_untracked() {
            return;
        }
        from_memory.set(false);
        spawn_local(async move {
            // A failure leaves the remembered grants: the next change of state tries again.
            match api::my_access(&session.client(), SendOptions::default()).await {
                Ok(access) => {
                    let fresh = AccessState::Ready(access);
                    if session.access.get_untracked() != fresh {
                        session.access.set(fresh);
                    }
                }
                Err(_) => from_memory.set(true),
            }
        });
    });
}
