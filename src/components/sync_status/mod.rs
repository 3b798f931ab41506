//! The sync status in the header: ok / checking / offline / error / locked, the local and cloud
//! versions, and how long ago the last check succeeded.

use leptos::prelude::*;

use crate::i18n::use_i18n;
use crate::sync::{Indicator, use_sync};

#[component]
pub fn SyncStatus() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let indicator = sync.indicator;
    let label = move || {
        let t = i18n.texts();
        match indicator.get() {
            Indicator::Ok => t.sync_state_ok,
            Indicator::Checking => t.sync_state_checking,
            Indicator::Offline => t.sync_state_offline,
            Indicator::Error => t.sync_state_error,
            Indicator::Locked => t.sync_state_locked,
        }
    };
    let since = move || {
        let t = i18n.texts();
        match sync.check.with(|check| check.last_ok_ms) {
            Some(at) => {
                let seconds = ((sync.now_ms.get() - at) / 1000.0).max(0.0).floor() as u64;
                (t.sync_last_check)(seconds)
            }
            None => t.sync_never_checked.to_string(),
        }
    };
    let local_version = move || {
        sync.local
            .with(|local| local.as_ref().map(|l| l.stamp.version.to_string()))
            .unwrap_or_else(|| "—".into())
    };
    let cloud_version = move || {
        sync.cloud
            .with(|cloud| cloud.as_ref().map(|c| c.version.to_string()))
            .unwrap_or_else(|| "—".into())
    };
    view! {
        <div
            class="sync-status"
            data-testid="sync-status"
            data-state=move || indicator.get().as_str()
            role="status"
            aria-live="polite"
        >
            <span class="sync-dot" aria-hidden="true"></span>
            <span class="sync-label">{label}</span>
            <span class="sync-versions">
                {move || i18n.texts().sync_version_local} " v"
                <span data-testid="version-local">{local_version}</span>
                " · " {move || i18n.texts().sync_version_cloud} " v"
                <span data-testid="version-cloud">{cloud_version}</span>
            </span>
            <span class="sync-since">{since}</span>
        </div>
    }
}
