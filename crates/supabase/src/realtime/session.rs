//! The connection as a state machine without I/O: the driver feeds it what happened (socket
//! opened, frame came, socket closed, time passed) and does what it answers ([`Output`]).
//! Time is whatever clock the driver passes (`Date.now()` in the browser), so every timeout
//! and retry is tested natively by passing numbers.
//!
//! Two levels, as in Phoenix: the socket (open it, heartbeat it, reopen it after a backoff)
//! and the one channel on it (join, rejoin after an error, refuse to loop when the server says
//! we may not join).

use serde_json::Value;

use super::backoff::Backoff;
use super::events::{ConnectionState, DownReason, Output, RealtimeEvent, RealtimeStatus};
use super::options::RealtimeOptions;
use super::presence::PresenceState;
use super::protocol::{
    self, AccessTokenPush, BroadcastConfig, Empty, JoinConfig, JoinPayload, Message,
    PresenceConfig, PresencePush, Replay,
};

/// The socket-wide topic of heartbeats.
const PHOENIX_TOPIC: &str = "phoenix";
/// Reasons from the server are shown to people; a hostile one must not be a novel.
const MAX_REASON_CHARS: usize = 200;

pub struct RealtimeSession {
    options: RealtimeOptions,
    /// `realtime:<topic>`.
    wire_topic: String,
    random: Box<dyn FnMut() -> f64>,
    token: Option<String>,
    /// What `track` was given: sent again after every join, since the server forgets a
    /// client's presence with its socket.
    tracked: Option<Value>,
    socket: Socket,
    last_ref: u64,
    backoff: Backoff,
    presence: PresenceState,
    status: RealtimeStatus,
}

enum Socket {
    /// Not started, or stopped by `disconnect`.
    Idle,
    /// The join was refused for authorisation: no socket until the token changes.
    Parked,
    /// Down; reopen at `retry_at_ms`.
    Waiting {
        retry_at_ms: f64,
    },
    /// `Open` was asked for at `since_ms`; waiting for `on_open`.
    Connecting {
        since_ms: f64,
    },
    Open(OpenSocket),
}

struct OpenSocket {
    /// The heartbeat waiting for its reply; the socket is dead if none comes by `deadline_ms`.
    pending_heartbeat: Option<PendingHeartbeat>,
    next_heartbeat_ms: f64,
    channel: Channel,
}

struct PendingHeartbeat {
    msg_ref: String,
    sent_at_ms: f64,
    deadline_ms: f64,
}

enum Channel {
    Joining {
        join_ref: String,
        sent_at_ms: f64,
        token_sent: Option<String>,
    },
    Joined {
        join_ref: String,
        /// The token the server holds for this join (sent with it or pushed since).
        token_sent: Option<String>,
    },
    /// The join failed or the channel broke; join again at `rejoin_at_ms` on the same socket.
    Errored { rejoin_at_ms: f64 },
}

impl RealtimeSession {
    /// `random` gives numbers in `[0, 1)` for the backoff's jitter (`Math.random` in the
    /// browser, anything repeatable in tests).
    pub fn new(options: RealtimeOptions, random: Box<dyn FnMut() -> f64>) -> Self {
        let wire_topic = format!("realtime:{}", options.topic);
        Self {
            options,
            wire_topic,
            random,
            token: None,
            tracked: None,
            socket: Socket::Idle,
            last_ref: 0,
            backoff: Backoff::default(),
            presence: PresenceState::default(),
            status: RealtimeStatus {
                state: ConnectionState::Down {
                    reason: DownReason::Stopped,
                    retry_at_ms: None,
                },
                last_heartbeat_ms: None,
                heartbeat_rtt_ms: None,
                joined_at_ms: None,
                last_alive_ms: None,
                joins: 0,
                ignored_frames: 0,
            },
        }
    }

    pub fn options(&self) -> &RealtimeOptions {
        &self.options
    }

    pub fn status(&self) -> &RealtimeStatus {
        &self.status
    }

    pub fn state(&self) -> &ConnectionState {
        &self.status.state
    }

    /// Start (or restart after `disconnect` or a refusal; reconnect at once when waiting).
    pub fn connect(&mut self, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if matches!(
            self.socket,
            Socket::Idle | Socket::Parked | Socket::Waiting { .. }
        ) {
            self.open_socket(now_ms, &mut out);
        }
        out
    }

    /// The socket asked for by the last `Open` is open: join.
    pub fn on_open(&mut self, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if matches!(self.socket, Socket::Connecting { .. }) {
            self.socket = Socket::Open(OpenSocket {
                pending_heartbeat: None,
                next_heartbeat_ms: now_ms + self.options.heartbeat_interval_ms,
                channel: Channel::Errored {
                    rejoin_at_ms: now_ms,
                },
            });
            self.send_join(now_ms, &mut out);
        }
        out
    }

    pub fn on_text(&mut self, text: &str, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        match protocol::decode_text(text, self.options.max_frame_bytes) {
            Ok(message) => self.handle(message, now_ms, &mut out),
            Err(_) => self.ignore(),
        }
        out
    }

    pub fn on_binary(&mut self, bytes: &[u8], now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        match protocol::decode_binary(bytes, self.options.max_frame_bytes) {
            Ok(message) => self.handle(message, now_ms, &mut out),
            Err(_) => self.ignore(),
        }
        out
    }

    /// The current socket closed (or failed to open); `reason` is for the status line.
    pub fn on_close(&mut self, reason: &str, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        let reason = clip(reason);
        match self.socket {
            Socket::Connecting { .. } => {
                self.socket_down(DownReason::ConnectFailed(reason), false, now_ms, &mut out)
            }
            Socket::Open(_) => {
                self.socket_down(DownReason::SocketClosed(reason), false, now_ms, &mut out)
            }
            _ => {}
        }
        out
    }

    /// Time passed (call every 250–1000 ms): heartbeats, timeouts, retries that are due.
    pub fn on_tick(&mut self, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        self.tick(now_ms, &mut out);
        out
    }

    /// A new access token (or none). Joined: pushed to the server at once. Refused: the join
    /// is tried again with it. Otherwise the next join carries it. `None` is never pushed
    /// (the server would refuse it): it only applies to the next join.
    pub fn set_access_token(&mut self, token: Option<String>, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if token == self.token {
            return out;
        }
        self.token = token;
        match &self.socket {
            // Without a token the private channel would refuse us again.
            Socket::Parked if self.token.is_some() => self.open_socket(now_ms, &mut out),
            Socket::Open(OpenSocket {
                channel: Channel::Joined { .. },
                ..
            }) => self.push_token_if_new(&mut out),
            _ => {}
        }
        out
    }

    /// Announce `meta` on the channel's presence: now if joined, and again after every join.
    pub fn track(&mut self, meta: Value, _now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        self.tracked = Some(meta);
        if let Some(join_ref) = self.joined_ref() {
            self.push_track(&join_ref, &mut out);
        }
        out
    }

    /// The tab is visible again. Browsers throttle background timers (to once a minute, or
    /// not at all while the machine slept), so the socket may have died unnoticed: ask the
    /// server now and count it dead if no reply comes within `verify_timeout_ms`. Down and
    /// waiting: reconnect at once instead of waiting for the backoff.
    pub fn verify_now(&mut self, now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        self.tick(now_ms, &mut out);
        let verify_deadline = now_ms + self.options.verify_timeout_ms;
        match &mut self.socket {
            Socket::Waiting { .. } => self.open_socket(now_ms, &mut out),
            Socket::Open(open) => match &mut open.pending_heartbeat {
                Some(pending) => pending.deadline_ms = pending.deadline_ms.min(verify_deadline),
                None => self.send_heartbeat(now_ms, verify_deadline, &mut out),
            },
            _ => {}
        }
        out
    }

    /// Stop: close the socket, retry nothing until `connect`.
    pub fn disconnect(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        if matches!(self.socket, Socket::Connecting { .. } | Socket::Open(_)) {
            out.push(Output::Close);
        }
        self.socket = Socket::Idle;
        self.set_state(
            ConnectionState::Down {
                reason: DownReason::Stopped,
                retry_at_ms: None,
            },
            &mut out,
        );
        out
    }

    // Socket level -------------------------------------------------------------------------

    fn open_socket(&mut self, now_ms: f64, out: &mut Vec<Output>) {
        self.socket = Socket::Connecting { since_ms: now_ms };
        out.push(Output::Open {
            url: self.options.websocket_url.clone(),
        });
        self.set_state(ConnectionState::Connecting, out);
    }

    /// The socket is gone (`close`: and we must close it ourselves): reopen after a backoff.
    fn socket_down(&mut self, reason: DownReason, close: bool, now_ms: f64, out: &mut Vec<Output>) {
        if close {
            out.push(Output::Close);
        }
        let retry_at_ms = now_ms + self.backoff.next_delay_ms((self.random)());
        self.socket = Socket::Waiting { retry_at_ms };
        self.set_state(
            ConnectionState::Down {
                reason,
                retry_at_ms: Some(retry_at_ms),
            },
            out,
        );
    }

    fn tick(&mut self, now_ms: f64, out: &mut Vec<Output>) {
        match &mut self.socket {
            Socket::Waiting { retry_at_ms } if now_ms >= *retry_at_ms => {
                self.open_socket(now_ms, out)
            }
            Socket::Connecting { since_ms }
                if now_ms - *since_ms >= self.options.join_timeout_ms =>
            {
                self.socket_down(DownReason::ConnectTimeout, true, now_ms, out)
            }
            Socket::Open(open) => {
                match &open.pending_heartbeat {
                    Some(pending) if now_ms >= pending.deadline_ms => {
                        return self.socket_down(DownReason::HeartbeatTimeout, true, now_ms, out);
                    }
                    None if now_ms >= open.next_heartbeat_ms => {
                        let deadline = now_ms + self.options.heartbeat_interval_ms;
                        self.send_heartbeat(now_ms, deadline, out);
                    }
                    _ => {}
                }
                self.tick_channel(now_ms, out);
            }
            _ => {}
        }
    }

    fn send_heartbeat(&mut self, now_ms: f64, deadline_ms: f64, out: &mut Vec<Output>) {
        let msg_ref = self.make_ref();
        out.push(Output::Send(protocol::encode(
            None,
            Some(&msg_ref),
            PHOENIX_TOPIC,
            "heartbeat",
            &Empty {},
        )));
        if let Socket::Open(open) = &mut self.socket {
            open.pending_heartbeat = Some(PendingHeartbeat {
                msg_ref,
                sent_at_ms: now_ms,
                deadline_ms,
            });
        }
    }

    fn heartbeat_reply(&mut self, message: &Message, now_ms: f64, out: &mut Vec<Output>) {
        let Socket::Open(open) = &mut self.socket else {
            return self.ignore();
        };
        let matches = open
            .pending_heartbeat
            .as_ref()
            .is_some_and(|pending| message.msg_ref.as_deref() == Some(pending.msg_ref.as_str()));
        if message.event != "phx_reply" || !matches {
            return self.ignore();
        }
        let Some(pending) = open.pending_heartbeat.take() else {
            return;
        };
        open.next_heartbeat_ms = now_ms + self.options.heartbeat_interval_ms;
        let joined = matches!(open.channel, Channel::Joined { .. });
        // Any answer proves the socket alive; only an `ok` one is reported as a heartbeat.
        if joined {
            self.status.last_alive_ms = Some(now_ms);
        }
        if status_of(&message.payload) == Some("ok") {
            let rtt_ms = (now_ms - pending.sent_at_ms).max(0.0);
            self.status.last_heartbeat_ms = Some(now_ms);
            self.status.heartbeat_rtt_ms = Some(rtt_ms);
            out.push(Output::Event(RealtimeEvent::Heartbeat {
                rtt_ms,
                at_ms: now_ms,
            }));
        }
    }

    // Channel level ------------------------------------------------------------------------

    fn send_join(&mut self, now_ms: f64, out: &mut Vec<Output>) {
        let join_ref = self.make_ref();
        // After a loss, ask for what was broadcast since we last knew we were joined. Our
        // clock and the server's may disagree, so a replay can miss or repeat a message: it
        // only hastens things, since `Joined` makes the app check the version anyway.
        let replay = self.status.last_alive_ms.map(|since| Replay {
            since: since as i64,
            limit: self.options.replay_limit,
        });
        let payload = JoinPayload {
            config: JoinConfig {
                broadcast: BroadcastConfig {
                    ack: false,
                    self_: false,
                    replay,
                },
                presence: PresenceConfig {
                    key: &self.options.presence_key,
                    enabled: true,
                },
                postgres_changes: [],
                private: true,
            },
            access_token: self.token.as_deref(),
        };
        out.push(Output::Send(protocol::encode(
            Some(&join_ref),
            Some(&join_ref),
            &self.wire_topic,
            "phx_join",
            &payload,
        )));
        let token_sent = self.token.clone();
        if let Socket::Open(open) = &mut self.socket {
            open.channel = Channel::Joining {
                join_ref,
                sent_at_ms: now_ms,
                token_sent,
            };
        }
        self.set_state(ConnectionState::Connecting, out);
    }

    fn tick_channel(&mut self, now_ms: f64, out: &mut Vec<Output>) {
        let Socket::Open(open) = &self.socket else {
            return;
        };
        match &open.channel {
            Channel::Joining {
                join_ref,
                sent_at_ms,
                ..
            } if now_ms - sent_at_ms >= self.options.join_timeout_ms => {
                // As Phoenix does: leave the half-made join so the server drops it too.
                let join_ref = join_ref.clone();
                let leave_ref = self.make_ref();
                out.push(Output::Send(protocol::encode(
                    Some(&join_ref),
                    Some(&leave_ref),
                    &self.wire_topic,
                    "phx_leave",
                    &Empty {},
                )));
                self.channel_error(DownReason::JoinTimeout, now_ms, out);
            }
            Channel::Errored { rejoin_at_ms } if now_ms >= *rejoin_at_ms => {
                self.send_join(now_ms, out)
            }
            _ => {}
        }
    }

    /// The channel broke but the socket is fine: join again after a backoff.
    fn channel_error(&mut self, reason: DownReason, now_ms: f64, out: &mut Vec<Output>) {
        let rejoin_at_ms = now_ms + self.backoff.next_delay_ms((self.random)());
        if let Socket::Open(open) = &mut self.socket {
            open.channel = Channel::Errored { rejoin_at_ms };
        }
        self.set_state(
            ConnectionState::Down {
                reason,
                retry_at_ms: Some(rejoin_at_ms),
            },
            out,
        );
    }

    fn joined(
        &mut self,
        join_ref: String,
        token_sent: Option<String>,
        now_ms: f64,
        out: &mut Vec<Output>,
    ) {
        if let Socket::Open(open) = &mut self.socket {
            open.channel = Channel::Joined {
                join_ref: join_ref.clone(),
                token_sent,
            };
        }
        self.backoff.reset();
        self.status.joins = self.status.joins.saturating_add(1);
        self.status.joined_at_ms = Some(now_ms);
        self.status.last_alive_ms = Some(now_ms);
        self.set_state(ConnectionState::Joined, out);
        if self.tracked.is_some() {
            self.push_track(&join_ref, out);
        }
        // The token changed while the join was on its way.
        self.push_token_if_new(out);
    }

    fn join_refused(&mut self, reason: String, now_ms: f64, out: &mut Vec<Output>) {
        if !is_authorisation_refusal(&reason) {
            return self.channel_error(DownReason::JoinFailed(reason), now_ms, out);
        }
        // Retrying with the same token would be refused again: wait for another one. The
        // state comes first, so that an app showing `Refused` apart from other downs keeps it.
        out.push(Output::Close);
        self.socket = Socket::Parked;
        self.set_state(
            ConnectionState::Down {
                reason: DownReason::Refused(reason.clone()),
                retry_at_ms: None,
            },
            out,
        );
        out.push(Output::Event(RealtimeEvent::Refused { reason }));
    }

    fn push_track(&mut self, join_ref: &str, out: &mut Vec<Output>) {
        if self.tracked.is_none() {
            return;
        }
        let msg_ref = self.make_ref();
        let Some(meta) = &self.tracked else {
            return;
        };
        let push = PresencePush {
            kind: "presence",
            event: "track",
            payload: meta,
        };
        out.push(Output::Send(protocol::encode(
            Some(join_ref),
            Some(&msg_ref),
            &self.wire_topic,
            "presence",
            &push,
        )));
    }

    fn push_token_if_new(&mut self, out: &mut Vec<Output>) {
        let Some(token) = self.token.clone() else {
            return;
        };
        let msg_ref = self.make_ref();
        let Socket::Open(OpenSocket {
            channel:
                Channel::Joined {
                    join_ref,
                    token_sent,
                },
            ..
        }) = &mut self.socket
        else {
            return;
        };
        if token_sent.as_deref() == Some(token.as_str()) {
            return;
        }
        out.push(Output::Send(protocol::encode(
            Some(join_ref),
            Some(&msg_ref),
            &self.wire_topic,
            "access_token",
            &AccessTokenPush {
                access_token: &token,
            },
        )));
        *token_sent = Some(token);
    }

    // Incoming -----------------------------------------------------------------------------

    fn handle(&mut self, message: Message, now_ms: f64, out: &mut Vec<Output>) {
        if message.topic == PHOENIX_TOPIC {
            return self.heartbeat_reply(&message, now_ms, out);
        }
        if message.topic != self.wire_topic {
            return self.ignore();
        }
        let Socket::Open(open) = &self.socket else {
            return self.ignore();
        };
        let (join_ref, joined) = match &open.channel {
            Channel::Joining { join_ref, .. } => (join_ref.clone(), false),
            Channel::Joined { join_ref, .. } => (join_ref.clone(), true),
            Channel::Errored { .. } => return self.ignore(),
        };
        // A frame of an earlier join (Phoenix's `isMember`): that join is over.
        if message.join_ref.as_ref().is_some_and(|r| *r != join_ref) {
            return self.ignore();
        }
        if joined {
            self.status.last_alive_ms = Some(now_ms);
        }
        match message.event.as_str() {
            "phx_reply" if !joined && message.msg_ref.as_deref() == Some(join_ref.as_str()) => {
                self.join_reply(&message.payload, join_ref, now_ms, out)
            }
            // Answers to our track and access_token pushes, or a late join reply.
            "phx_reply" => {}
            "phx_error" => self.channel_error(DownReason::ChannelError, now_ms, out),
            "phx_close" => self.channel_error(DownReason::ChannelClosed, now_ms, out),
            "system" => {
                if status_of(&message.payload) == Some("error") {
                    let reason = message
                        .payload
                        .get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| "error".to_owned(), clip);
                    self.channel_error(DownReason::ServerError(reason), now_ms, out);
                }
            }
            "broadcast" if joined => self.broadcast(&message.payload, out),
            "presence_state" => {
                self.presence.apply_state(Some(&join_ref), &message.payload);
                out.push(Output::Event(RealtimeEvent::Presence(self.presence.list())));
            }
            "presence_diff" => {
                if self.presence.apply_diff(Some(&join_ref), &message.payload) {
                    out.push(Output::Event(RealtimeEvent::Presence(self.presence.list())));
                }
            }
            _ => self.ignore(),
        }
    }

    fn join_reply(
        &mut self,
        payload: &Value,
        join_ref: String,
        now_ms: f64,
        out: &mut Vec<Output>,
    ) {
        if status_of(payload) == Some("ok") {
            let token_sent = match &self.socket {
                Socket::Open(OpenSocket {
                    channel: Channel::Joining { token_sent, .. },
                    ..
                }) => token_sent.clone(),
                _ => None,
            };
            return self.joined(join_ref, token_sent, now_ms, out);
        }
        let reason = payload
            .get("response")
            .map(reason_of)
            .unwrap_or_else(|| "error".to_owned());
        self.join_refused(reason, now_ms, out);
    }

    /// `{"type": "broadcast", "event": …, "payload": …, "meta": {"replayed": …}}`.
    fn broadcast(&mut self, payload: &Value, out: &mut Vec<Output>) {
        let Some(event) = payload.get("event").and_then(Value::as_str) else {
            return self.ignore();
        };
        let replayed = payload
            .pointer("/meta/replayed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        out.push(Output::Event(RealtimeEvent::Broadcast {
            event: event.to_owned(),
            payload: payload.get("payload").cloned().unwrap_or(Value::Null),
            replayed,
        }));
    }

    // Helpers ------------------------------------------------------------------------------

    fn set_state(&mut self, state: ConnectionState, out: &mut Vec<Output>) {
        if self.status.state != state {
            self.status.state = state.clone();
            out.push(Output::Event(RealtimeEvent::State(state)));
        }
    }

    fn joined_ref(&self) -> Option<String> {
        match &self.socket {
            Socket::Open(OpenSocket {
                channel: Channel::Joined { join_ref, .. },
                ..
            }) => Some(join_ref.clone()),
            _ => None,
        }
    }

    /// Phoenix's `makeRef`: one counter for every push on the socket.
    fn make_ref(&mut self) -> String {
        self.last_ref = self.last_ref.wrapping_add(1);
        self.last_ref.to_string()
    }

    fn ignore(&mut self) {
        self.status.ignored_frames = self.status.ignored_frames.saturating_add(1);
    }
}

fn status_of(payload: &Value) -> Option<&str> {
    payload.get("status").and_then(Value::as_str)
}

/// The join error as realtime-js shows it: `response.reason`, else the response's values.
fn reason_of(response: &Value) -> String {
    let reason = match response {
        Value::String(text) => text.clone(),
        Value::Object(fields) => match fields.get("reason") {
            Some(Value::String(reason)) => reason.clone(),
            _ => fields
                .values()
                .map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        },
        _ => String::new(),
    };
    if reason.is_empty() {
        "error".to_owned()
    } else {
        clip(&reason)
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_REASON_CHARS).collect()
}

/// Whether a join error is about who we are (no token, an expired or invalid one, RLS on
/// `realtime.messages` saying no), which only another token can change. The Realtime server
/// words them e.g. "Unauthorized: You do not have permissions to read from this Channel
/// topic: punctaj:sync", "InvalidJWTToken: Token has expired 3 seconds ago".
pub fn is_authorisation_refusal(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    [
        "unauthorized",
        "unauthorised",
        "permission",
        "forbidden",
        "expired",
        "jwt",
        "token",
        "rls",
        "privateonly",
    ]
    .iter()
    .any(|word| reason.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorisation_refusals_are_told_from_other_join_errors() {
        for reason in [
            "Unauthorized: You do not have permissions to read from this Channel topic: punctaj:sync",
            "InvalidJWTToken: Token has expired 3 seconds ago",
            "RlsPolicyError: …",
            "PrivateOnly: This project only allows private channels",
        ] {
            assert!(is_authorisation_refusal(reason), "{reason}");
        }
        for reason in [
            "Too many channels",
            "Realtime was unable to connect to the project database",
            "error",
            "ChannelRateLimitReached",
        ] {
            assert!(!is_authorisation_refusal(reason), "{reason}");
        }
    }

    #[test]
    fn join_error_reasons_read_like_realtime_js() {
        assert_eq!(reason_of(&serde_json::json!({"reason": "nope"})), "nope");
        assert_eq!(reason_of(&serde_json::json!({"a": "x", "b": 1})), "x, 1");
        assert_eq!(reason_of(&serde_json::json!({})), "error");
        assert_eq!(reason_of(&serde_json::json!(null)), "error");
        assert_eq!(
            reason_of(&Value::String("y".repeat(500))).len(),
            MAX_REASON_CHARS
        );
    }
}
