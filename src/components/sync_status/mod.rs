//! The sync status in the header: ok / checking / offline / error / locked, live (push
//! connected) or checks only, the local and cloud versions, and how long ago the last check
//! succeeded. Hovering shows the connection's health in a tooltip; clicking opens it as a panel.

use leptos::prelude::*;

use crate::components::health_panel::{HealthDetails, push_state_text};
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
    let live = sync.push_live;
    let mode = move || {
        let t = i18n.texts();
        if live.get() {
            t.live_on
        } else {
            t.live_polling
        }
    };
    // The tooltip: the same facts as the panel, in one line each.
    let tooltip = move || {
        let t = i18n.texts();
        let rtt = sync
            .check_rtt
            .with(|history| history.last())
            .map(|ms| (t.health_rtt)(ms))
            .unwrap_or_default();
        let push = (t.health_push)(&sync.push.with(|push| push_state_text(t, &push.state)));
        let heartbeat = match sync.push.with(|push| push.last_heartbeat_ms) {
            Some(at) => (t.health_heartbeat)(((sync.now_ms.get() - at) / 1000.0).max(0.0) as u64),
            None => t.health_no_heartbeat.to_string(),
        };
        format!("{}\n{rtt}\n{push}\n{heartbeat}", since())
    };
    let open = RwSignal::new(false);
    view! {
        <div
            class="sync-status"
            data-testid="sync-status"
            data-state=move || indicator.get().as_str()
            data-live=move || live.get().to_string()
            role="status"
            aria-live="polite"
            title=tooltip
        >
            <button
                class="sync-toggle"
                data-testid="sync-status-toggle"
                aria-expanded=move || open.get().to_string()
                aria-label=move || i18n.texts().health_title
                on:click=move |_| open.update(|open| *open = !*open)
            >
                <span class="sync-dot" aria-hidden="true"></span>
            </button>
            <span class="sync-label">{label}</span>
            <span class="sync-mode" data-live=move || live.get().to_string()>{mode}</span>
            <span class="sync-versions">
                {move || i18n.texts().sync_version_local} " v"
                <span data-testid="version-local">{local_version}</span>
                " · " {move || i18n.texts().sync_version_cloud} " v"
                <span data-testid="version-cloud">{cloud_version}</span>
            </span>
            <span class="sync-since">{since}</span>
            <Show when=move || { sync.elsewhere.get() > 0 }>
                <span class="sync-elsewhere" data-testid="sync-elsewhere">
                    {move || (i18n.texts().selective.elsewhere)(sync.elsewhere.get())}
                </span>
            </Show>
            <Show when=move || open.get()>
                <div class="sync-popover" data-testid="sync-health">
                    <HealthDetails />
                </div>
            </Show>
        </div>
    }
}
