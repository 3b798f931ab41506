//! The connection's health: the age and round trip of the last version check, the push
//! connection's state and last heartbeat (`HealthDetails`, also in the status indicator's
//! popover), and on the settings page a sparkline of the last minutes of check round trips, so
//! a slow or flaky connection is seen rather than read.

use leptos::prelude::*;

use crate::i18n::{Texts, use_i18n};
use crate::sync::{PushState, SyncEngine, use_sync};

const CHART_WIDTH: f64 = 240.0;
const CHART_HEIGHT: f64 = 40.0;

pub fn push_state_text(t: &Texts, state: &PushState) -> String {
    match state {
        PushState::Off => t.push_state_off.to_string(),
        PushState::Connecting => t.push_state_connecting.to_string(),
        PushState::Live => t.push_state_joined.to_string(),
        PushState::Down { reason, .. } => format!("{} ({reason})", t.push_state_down),
        PushState::Refused { reason } => format!("{} ({reason})", t.push_state_refused),
    }
}

fn seconds_since(engine: SyncEngine, at_ms: f64) -> u64 {
    ((engine.now_ms.get() - at_ms) / 1000.0).max(0.0).floor() as u64
}

/// The four facts, one per line.
#[component]
pub fn HealthDetails() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let last_check = move || {
        let t = i18n.texts();
        match sync.check.with(|check| check.last_ok_ms) {
            Some(at) => (t.health_last_check)(seconds_since(sync, at)),
            None => t.health_never_checked.to_string(),
        }
    };
    let rtt = move || {
        sync.check_rtt
            .with(|history| history.last())
            .map(|ms| (i18n.texts().health_rtt)(ms))
    };
    let push = move || {
        let t = i18n.texts();
        (t.health_push)(&sync.push.with(|push| push_state_text(t, &push.state)))
    };
    let heartbeat = move || {
        let t = i18n.texts();
        match sync.push.with(|push| push.last_heartbeat_ms) {
            Some(at) => (t.health_heartbeat)(seconds_since(sync, at)),
            None => t.health_no_heartbeat.to_string(),
        }
    };
    view! {
        <ul class="health-details">
            <li>{last_check}</li>
            <li data-testid="health-rtt">{rtt}</li>
            <li data-testid="health-push">{push}</li>
            <li>{heartbeat}</li>
        </ul>
    }
}

#[component]
pub fn HealthPanel() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let points = move || {
        sync.check_rtt
            .with(|history| history.sparkline_points(CHART_WIDTH, CHART_HEIGHT))
    };
    let caption = move || {
        let t = i18n.texts();
        match sync.check_rtt.with(|history| history.median_and_max()) {
            Some((median, max)) => (t.health_chart)(median, max),
            None => t.health_chart_empty.to_string(),
        }
    };
    view! {
        <section class="health-panel" data-testid="health-panel">
            <HealthDetails />
            <figure class="sparkline">
                <svg
                    viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")
                    width=CHART_WIDTH
                    height=CHART_HEIGHT
                    role="img"
                    aria-label=caption
                    data-testid="health-sparkline"
                >
                    <polyline points=points fill="none" stroke="currentColor" stroke-width="1.5" />
                </svg>
                <figcaption>{caption}</figcaption>
            </figure>
        </section>
    }
}
