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
//! let options = RealtimeOptions::new(config.realtime_url(), SYNC_TOPIC, presence_key);
//! let connection = RealtimeConnection::start(options, Some(token), Rc::new(|event| match event {
//!     RealtimeEvent::State(ConnectionState::Joined) => check_version_now(),
//!     RealtimeEvent::Broadcast { .. } => check_version_now(),
//!     _ => {}
//! }), js_sys::Date::now, js_sys::Math::random);
//! connection.track(me.to_meta());
//! ```

pub mod backoff;
mod events;
pub mod presence;
pub mod protocol;
pub mod session;

pub use events::{ConnectionState, DownReason, Output, RealtimeEvent, RealtimeStatus};
pub use presence::PresenceEntry;
pub use protocol::{Message, ProtocolError};
pub use session::RealtimeSession;

/// The channel of the app (`realtime:punctaj:sync` on the wire).
pub const SYNC_TOPIC: &str = "punctaj:sync";

/// What to connect to and how patiently. Times in ms of the driver's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct RealtimeOptions {
    /// `wss://…/realtime/v1/websocket?apikey=…&vsn=2.0.0` ([`crate::SupabaseConfig::realtime_url`]).
    pub websocket_url: String,
    /// The channel, without `realtime:`.
    pub topic: String,
    /// This client's presence key (one per tab, e.g. a random id).
    pub presence_key: String,
    /// 25 s, as realtime-js; a heartbeat still unanswered when the next is due is a dead socket.
    pub heartbeat_interval_ms: f64,
    /// How long the socket may take to open, and the join to be answered: 10 s.
    pub join_timeout_ms: f64,
    /// How many missed broadcasts to ask for after a reconnect (Realtime's maximum is 25).
    pub replay_limit: u32,
    /// After `verify_now`, how long the heartbeat reply may take: 5 s.
    pub verify_timeout_ms: f64,
    /// Larger frames are ignored (our broadcasts are a few hundred bytes): 1 MiB.
    pub max_frame_bytes: usize,
}

impl RealtimeOptions {
    /// The channel `topic` (e.g. [`SYNC_TOPIC`]) with the default timings.
    pub fn new(
        websocket_url: impl Into<String>,
        topic: impl Into<String>,
        presence_key: impl Into<String>,
    ) -> Self {
        Self {
            websocket_url: websocket_url.into(),
            topic: topic.into(),
            presence_key: presence_key.into(),
            heartbeat_interval_ms: 25_000.0,
            join_timeout_ms: 10_000.0,
            replay_limit: 25,
            verify_timeout_ms: 5_000.0,
            max_frame_bytes: 1 << 20,
        }
    }
}
