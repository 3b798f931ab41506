//! What the state machine asks of its driver ([`Output`]) and tells the app
//! ([`RealtimeEvent`]).

use std::fmt;

use serde_json::Value;

use super::presence::PresenceEntry;

/// One thing for the driver to do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Open a WebSocket to `url` (closing any other first), then report `on_open`, frames and
    /// `on_close` for it.
    Open { url: String },
    /// Send this text frame on the open socket.
    Send(String),
    /// Close the socket (code 1000) and forget it: the machine already counts it as gone and
    /// ignores its `on_close`.
    Close,
    /// Tell the app.
    Event(RealtimeEvent),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RealtimeEvent {
    /// The connection changed. `Joined` comes after every (re)join: the app should check the
    /// version at once, since broadcasts may have been missed while down.
    State(ConnectionState),
    /// A broadcast on the channel, delivered as it came: duplicated, replayed or out of order
    /// ones included. The app must decide by checking the version, never by the message.
    Broadcast {
        event: String,
        payload: Value,
        /// Resent by the server because we asked for a replay after a reconnect.
        replayed: bool,
    },
    /// Everyone on the channel (this client included once the server tracks it), after each
    /// presence update. Kept while down; meaningful while `Joined`.
    Presence(Vec<PresenceEntry>),
    /// The server answered a heartbeat: the socket is alive.
    Heartbeat { rtt_ms: f64, at_ms: f64 },
    /// The server refused the join for authorisation (token, account access). Nothing is
    /// retried until `set_access_token` brings another token (or `connect` is called).
    /// Comes right after `State(Down { reason: Refused(..), retry_at_ms: None })`.
    Refused { reason: String },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionState {
    /// Opening the socket or joining the channel.
    Connecting,
    /// Joined: broadcasts arrive as they happen.
    Joined,
    /// Not joined. `retry_at_ms` (driver clock) is when the next attempt is due; `None` when
    /// none is planned (stopped, or refused until the token changes).
    Down {
        reason: DownReason,
        retry_at_ms: Option<f64>,
    },
}

/// Why the connection is down, for the status line and the logs (the app translates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// Not started yet, or `disconnect` was called.
    Stopped,
    /// The socket closed before it opened (network, DNS, the server refused the upgrade).
    ConnectFailed(String),
    /// The socket did not open within `join_timeout_ms`.
    ConnectTimeout,
    /// The socket closed (the reason the driver reported: code, text).
    SocketClosed(String),
    /// A heartbeat got no answer in time: the socket is dead even if the browser has not
    /// noticed.
    HeartbeatTimeout,
    /// The join got no answer within `join_timeout_ms`.
    JoinTimeout,
    /// The server answered the join with an error that is not about authorisation.
    JoinFailed(String),
    /// `phx_error`: the channel crashed on the server.
    ChannelError,
    /// `phx_close`: the server closed the channel.
    ChannelClosed,
    /// A `system` message with status `error` (e.g. the token expired on the server).
    ServerError(String),
    /// The join was refused for authorisation; see [`RealtimeEvent::Refused`].
    Refused(String),
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::Stopped => f.write_str("stopped"),
            DownReason::ConnectFailed(reason) => write!(f, "could not connect: {reason}"),
            DownReason::ConnectTimeout => f.write_str("connection timed out"),
            DownReason::SocketClosed(reason) => write!(f, "connection closed: {reason}"),
            DownReason::HeartbeatTimeout => f.write_str("no heartbeat reply"),
            DownReason::JoinTimeout => f.write_str("join timed out"),
            DownReason::JoinFailed(reason) => write!(f, "join failed: {reason}"),
            DownReason::ChannelError => f.write_str("channel error"),
            DownReason::ChannelClosed => f.write_str("channel closed by the server"),
            DownReason::ServerError(reason) => write!(f, "server error: {reason}"),
            DownReason::Refused(reason) => write!(f, "refused: {reason}"),
        }
    }
}

/// A snapshot for the settings page: "push connection state and last heartbeat".
#[derive(Clone, Debug, PartialEq)]
pub struct RealtimeStatus {
    pub state: ConnectionState,
    /// When the last heartbeat reply came (driver clock, ms) and its round trip.
    pub last_heartbeat_ms: Option<f64>,
    pub heartbeat_rtt_ms: Option<f64>,
    /// When the current (or last) join succeeded.
    pub joined_at_ms: Option<f64>,
    /// The last moment the channel was known to be joined and alive (a frame or a heartbeat
    /// reply while joined): what a rejoin asks the replay from.
    pub last_alive_ms: Option<f64>,
    /// Successful joins so far (more than one means it reconnected).
    pub joins: u32,
    /// Frames left aside: malformed, oversized, unknown topic or event, or stale.
    pub ignored_frames: u64,
}
