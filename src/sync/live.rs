//! Live sync: the push connection (Supabase Realtime, one private channel) beside the checks.
//!
//! A broadcast, or getting the connection back, only makes the checker look at the cloud at
//! once; the check, not the message, decides the lock, so a forged, late, duplicated or
//! out-of-order message can never lock or unlock anything. The 1-second check keeps running
//! (relaxed only if `config.json` says so, and only while push is live). Presence announces
//! this client's name, installed version and lock state to the other members.

use std::rc::Rc;

use leptos::prelude::*;
use punctaj_core::live::ClientPresence;
use punctaj_supabase::realtime::{ConnectionState, RealtimeEvent, RealtimeOptions};
use punctaj_supabase::web::RealtimeConnection;

use crate::browser;

use super::engine::{PushState, SyncEngine};

/// The channel every client joins (`realtime:punctaj:sync` on the wire; 0006_realtime.sql).
const SYNC_TOPIC: &str = "punctaj:sync";
/// The event of a version bump's broadcast.
const VERSION_EVENT: &str = "version";

/// Runs the push connection while the calling component (the signed-in shell) lives.
pub fn run_live(engine: SyncEngine) {
    if !engine.schedule.push_enabled {
        return;
    }
    let connection = StoredValue::new_local(None::<RealtimeConnection>);

    // Connected while the account has access; the session's token follows every refresh.
    Effect::new(move |_| {
        let granted = engine.session.is_granted();
        let running = connection.with_value(Option::is_some);
        if granted && !running {
            let client = engine.session.client();
            let token = client.session().map(|session| session.access_token.clone());
            let options =
                RealtimeOptions::new(client.config().realtime_url(), SYNC_TOPIC, presence_key());
            let on_event: Rc<dyn Fn(RealtimeEvent)> = Rc::new(move |event| on_event(engine, event));
            connection.set_value(Some(RealtimeConnection::start(
                options,
                token,
                on_event,
                js_sys::Date::now,
                js_sys::Math::random,
            )));
        } else if !granted && running {
            connection.update_value(|connection| drop(connection.take()));
            engine.push.update(|push| *push = Default::default());
            engine.presence.set(Vec::new());
        }
    });
    let subscription = engine.session.client().subscribe(move |event| {
        let token = event.session().map(|session| session.access_token.clone());
        connection.with_value(|connection| {
            if let Some(connection) = connection {
                connection.set_access_token(token);
            }
        });
    });

    // What this client announces, tracked again whenever it changes.
    let announcement = Memo::new(move |_| {
        let access = engine.session.granted_access()?;
        let name = access
            .display_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .or(access.email.clone())
            .unwrap_or_else(|| access.user_id.clone());
        Some(ClientPresence {
            name,
            version: engine
                .local
                .with(|local| local.as_ref().map_or(0, |local| local.stamp.version)),
            locked: engine.locked.get(),
        })
    });
    Effect::new(move |_| {
        let Some(presence) = announcement.get() else {
            return;
        };
        // Tracked after the connection exists (the effect above runs first).
        engine.push.track();
        connection.with_value(|connection| {
            if let Some(connection) = connection {
                connection.track(presence.to_meta());
            }
        });
    });

    // Background tabs are where sockets die unnoticed (throttled timers): look at once on return.
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        if browser::document_visible() {
            connection.with_value(|connection| {
                if let Some(connection) = connection {
                    connection.verify_now();
                }
            });
        }
    });
    on_cleanup(move || {
        visibility.remove();
        engine.session.client().unsubscribe(subscription);
        connection.update_value(|connection| drop(connection.take()));
    });
}

fn on_event(engine: SyncEngine, event: RealtimeEvent) {
    match event {
        RealtimeEvent::State(state) => {
            let state = match state {
                ConnectionState::Connecting => PushState::Connecting,
                ConnectionState::Joined => PushState::Live,
                ConnectionState::Down {
                    reason,
                    retry_at_ms,
                } => PushState::Down {
                    reason: reason.to_string(),
                    retry_at_ms,
                },
            };
            let joined = state == PushState::Live;
            let _ = engine.push.try_update(|push| push.state = state);
            // Who is online is only known while joined.
            if !joined {
                let _ = engine.presence.try_set(Vec::new());
            }
            // Back after a gap: whatever was missed, the check finds it.
            if joined {
                engine.request_check();
            }
        }
        RealtimeEvent::Refused { reason } => {
            let _ = engine
                .push
                .try_update(|push| push.state = PushState::Refused { reason });
        }
        RealtimeEvent::Broadcast { event, .. } => {
            if event == VERSION_EVENT {
                engine.request_check();
            }
        }
        RealtimeEvent::Presence(entries) => {
            let clients: Vec<ClientPresence> = entries
                .iter()
                .filter_map(|entry| ClientPresence::from_meta(&entry.meta))
                .collect();
            let _ = engine.presence.try_set(clients);
        }
        RealtimeEvent::Heartbeat { rtt_ms, at_ms } => {
            let _ = engine.push.try_update(|push| {
                push.last_heartbeat_ms = Some(at_ms);
                push.heartbeat_rtt_ms = Some(rtt_ms);
            });
        }
    }
}

/// One presence key per tab: two tabs of one account are two clients.
fn presence_key() -> String {
    format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64)
}
