//! Supabase Realtime (`/realtime/v1/websocket`): Phoenix channels with Broadcast and Presence,
//! private channels authorised by row-level security on `realtime.messages`, and broadcasts from
//! the database (`realtime.send`) delivered at commit.
//!
//! | module | job |
//! |---|---|
//! | `protocol` | Phoenix frames, serializers 1.0.0 and 2.0.0 (with Supabase's binary broadcasts) |
//! | `join` | the `phx_join` payload |
//! | `token` | token checks with Realtime's rules and wording |
//! | `authorization` | RLS probes of a private channel in one rolled-back transaction |
//! | `replay` | `config.broadcast.replay` and the JSON of stored messages |
//! | `presence` | presence state and diffs of one topic |
//! | `channels` | topic registry, fan-out, bounded per-socket queues |
//! | `hub` | the server's shared state: every socket and every topic |
//! | `socket` | one task per connection: the channel protocol, timers, limits |
//! | `listener` | `LISTEN punctaj_realtime`, and the deletion of old messages |

pub mod authorization;
pub mod channels;
pub mod hub;
pub mod join;
pub mod listener;
pub mod presence;
pub mod protocol;
pub mod replay;
pub mod socket;
pub mod token;

use std::time::Duration;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use hub::{Realtime, Registration};

pub fn routes() -> Router<AppState> {
    Router::new().route("/websocket", get(socket::upgrade))
}

/// The background tasks: the database listener (listening when this returns, unless the
/// database is unreachable for 5 s) and the deletion of old messages.
pub async fn spawn_tasks(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let limits = &state.config.realtime;
    vec![
        listener::start(
            state.config.database_url.clone(),
            state.pool.clone(),
            state.realtime.clone(),
            Duration::from_secs(5),
        )
        .await,
        tokio::spawn(listener::clean_old_messages(
            state.pool.clone(),
            Duration::from_secs(limits.message_retention_secs),
            Duration::from_secs(limits.cleanup_interval_secs.max(1)),
        )),
    ]
}
