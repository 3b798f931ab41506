//! The version check: one small singular GET of the cloud's version row every second (a
//! gloo-timers interval), never two in flight, backing off to at most 5 s while it fails, and
//! checking at once when the tab becomes visible again, the browser comes back online, or the
//! push connection asks for it (a broadcast, a rejoin). While push is live the interval may be
//! relaxed by `config.json`; the moment push is lost it is back to every second.

use gloo_timers::callback::Interval;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::sync::CheckBackoff;
use punctaj_supabase::{ErrorKind, SendOptions};

use crate::api;
use crate::browser;

use super::engine::{CheckError, SyncEngine};

const TICK_MS: u32 = 1_000;
/// A check slower than this counts as failed (offline).
const CHECK_TIMEOUT_MS: u32 = 5_000;

/// Runs the checks for as long as the calling component lives.
pub fn run_checks(engine: SyncEngine) {
    let backoff = StoredValue::new(CheckBackoff::default());
    // When the next check is due (browser clock, ms); 0 = now.
    let next_due = StoredValue::new(0.0_f64);
    // A check asked for while one was in flight: that one may have read the cloud just before
    // the change that prompted the request, so another follows as soon as it is back.
    let asked_while_busy = StoredValue::new(false);

    let tick = move || {
        let now = browser::now_ms();
        engine.now_ms.set(now);
        let busy = engine.check.with_untracked(|check| check.in_flight);
        if busy {
            if next_due.get_value() == 0.0 {
                asked_while_busy.set_value(true);
            }
            return;
        }
        if now < next_due.get_value() {
            return;
        }
        engine.check.update(|check| check.in_flight = true);
        spawn_local(async move {
            let options = SendOptions::default().timeout_ms(CHECK_TIMEOUT_MS);
            let outcome = api::cloud_meta(&engine.session.client(), options).await;
            let finished = browser::now_ms();
            match outcome {
                Ok((meta, _)) => {
                    // A device keeping less than everything first settles changes elsewhere.
                    super::elsewhere::settle(engine, &meta).await;
                    backoff.update_value(CheckBackoff::record_success);
                    let _ = engine
                        .check_rtt
                        .try_update(|history| history.record(finished, finished - now));
                    // An answer older than data installed since the check started (a download or
                    // an own change landed meanwhile) says nothing new: it must not look like the
                    // cloud went back in time.
                    let stale = engine.local.with_untracked(|local| {
                        local.as_ref().is_some_and(|local| {
                            meta.version < local.stamp.version && now < local.installed_at_ms
                        })
                    });
                    if !stale && engine.cloud.get_untracked().as_ref() != Some(&meta) {
                        let _ = engine.cloud.try_set(Some(meta));
                    }
                    let _ = engine.check.try_update(|check| {
                        check.last_ok_ms = Some(finished);
                        check.consecutive_failures = 0;
                        check.last_error = None;
                    });
                }
                Err(error) => {
                    backoff.update_value(CheckBackoff::record_failure);
                    let failure = match error.kind() {
                        ErrorKind::Network | ErrorKind::Timeout => CheckError::Offline,
                        _ => CheckError::Failed(error),
                    };
                    let _ = engine.check.try_update(|check| {
                        check.consecutive_failures += 1;
                        check.last_error = Some(failure);
                    });
                }
            }
            let _ = engine.check.try_update(|check| check.in_flight = false);
            // Due one delay after this check started, so that checks stay 1 s apart.
            let push_live = engine.push_live.try_get_untracked().unwrap_or(false);
            let delay = f64::from(backoff.with_value(|backoff| {
                if backoff.consecutive_failures() > 0 {
                    backoff.delay_ms()
                } else {
                    engine.schedule.interval_ms(push_live)
                }
            }));
            next_due.set_value(now + delay - f64::from(TICK_MS) / 10.0);
            if asked_while_busy.try_get_value() == Some(true) {
                asked_while_busy.set_value(false);
                engine.request_check();
            }
        });
    };

    let check_now = move || {
        next_due.set_value(0.0);
        tick();
    };
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        if browser::document_visible() {
            check_now();
        }
    });
    let online = window_event_listener(ev::online, move |_| check_now());
    let interval = StoredValue::new_local(Some(Interval::new(TICK_MS, tick)));
    // Runs once now (the first check), then whenever a check is requested or push comes or
    // goes: a lost push connection must not leave the next check 30 s away.
    Effect::new(move |_| {
        engine.check_requested.track();
        engine.push_live.track();
        check_now();
    });

    on_cleanup(move || {
        visibility.remove();
        online.remove();
        // Dropping the interval cancels it.
        interval.update_value(|interval| drop(interval.take()));
    });
}
