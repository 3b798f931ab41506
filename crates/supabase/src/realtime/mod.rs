//! A small typed Supabase Realtime client: one private channel over Phoenix channels
//! (`vsn=2.0.0`), speaking exactly what `@supabase/realtime-js` 2.119 sends
//! (`tests/fixtures/realtime-js-frames.jsonl`, captured from it). It receives broadcasts, keeps
//! the channel's presence, and stays healthy on its own: heartbeats every 25 s, a missed reply
//! means a dead socket, reconnects and rejoins with a jittered backoff, replays what was
//! broadcast while it was down, pushes refreshed tokens, and stops retrying when the server
//! refuses us until the token changes.
//!
//! Sans I/O, like the rest of the crate: [`RealtimeSession`] is a state machine fed with
//! events and the time, answering [`Output`]s, tested natively; `web::RealtimeConnection`
//! (wasm32) is the thin driver with a browser WebSocket and a timer.
//!
//! - [`protocol`]: frames, text and binary, and the payloads we send.
//! - [`session`]: the state machine.
//! - [`presence`]: Phoenix's presence sync, as a flat list of clients.
//! - [`backoff`]: the delays between attempts.
//!
//! ```ignore
//! let options = RealtimeOptions::new(config.realtime_url(), "punctaj:sync", presence_key);
//! let connection = RealtimeConnection::start(options, Some(token), Rc::new(|event| match event {
//!     RealtimeEvent::State(ConnectionState::Joined) => check_version_now(),
//!     RealtimeEvent::Broadcast { .. } => check_version_now(),
//!     _ => {}
//! }), js_sys::Date::now, js_sys::Math::random);
//! connection.track(me.to_meta());
//! ```

pub mod backoff;
mod events;
mod options;
pub mod presence;
pub mod protocol;
pub mod session;

pub use events::{ConnectionState, DownReason, Output, RealtimeEvent, RealtimeStatus};
pub use options::RealtimeOptions;
pub use presence::PresenceEntry;
pub use protocol::{Message, ProtocolError};
pub use session::RealtimeSession;
