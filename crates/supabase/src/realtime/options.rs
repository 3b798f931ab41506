//! What the client connects to, and its timings.

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
    /// The channel `topic` (without `realtime:`) with the default timings.
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
