//! One WebSocket connection: the handshake checks, then one task that reads frames and runs the
//! channel protocol, and one writer task draining the socket's bounded queue.
//!
//! As `RealtimeWeb.UserSocket` + `RealtimeWeb.RealtimeChannel`: the `apikey` query parameter (or
//! `x-api-key` header) must be a valid token before the upgrade (401 JSON otherwise); each
//! `phx_join` carries its own `access_token`, verified and — for a private channel — authorised
//! against RLS; the join's read permissions are cached for the channel's life and refreshed by
//! `access_token` pushes; a channel whose token expires is shut down with a `system` error and
//! `phx_close`. Messages are handled one at a time per socket, in order, as a Phoenix socket
//! does; a join waits for its one authorisation transaction.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::{
    CloseFrame, Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::response::IntoResponse;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::authorization::{self, Policies};
use super::channels::{Broadcast, Outbound, SocketHandle, Subscriber, TopicKey};
use super::join::{self, JoinRequest};
use super::presence::Owner;
use super::protocol::{self, Frame, Incoming, Payload, Vsn};
use super::replay;
use super::token::{self, TokenError, VerifiedToken};
use crate::jwt;
use crate::state::AppState;

/// How long a frame may take to be written before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Realtime re-checks a channel's token at least this often (`@confirm_token_ms_interval`).
const TOKEN_CHECK_INTERVAL_SECS: i64 = 5 * 60;

fn json_error(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(json!({ "error": message }).to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("static"),
    );
    response
}

/// `GET /realtime/v1/websocket?apikey=…&vsn=2.0.0`.
pub async fn upgrade(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response<Body> {
    let Some(vsn) = Vsn::negotiate(params.get("vsn").map(String::as_str)) else {
        return json_error(
            StatusCode::FORBIDDEN,
            "The client's requested transport version does not match the server's (1.0.0 or 2.0.0)",
        );
    };
    let api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| params.get("apikey").cloned());
    let Some(api_key) = api_key.filter(|k| !k.is_empty()) else {
        return json_error(StatusCode::UNAUTHORIZED, "API key is missing");
    };
    let socket_token = match token::verify(&api_key, state.jwt_secret(), jwt::now()) {
        Ok(t) => t,
        Err(e) => {
            let message = match e {
                TokenError::Expired { .. } => "Token has expired".to_string(),
                other => other.message(),
            };
            return json_error(StatusCode::UNAUTHORIZED, &message);
        }
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let limits = state.config.realtime.clone();
    if state.realtime.connection_count() >= limits.max_connections {
        return json_error(StatusCode::TOO_MANY_REQUESTS, "Too many connected users");
    }
    // Realtime hands the policies only the `x-*` headers of the upgrade request.
    let mut x_headers = HeaderMap::new();
    for (name, value) in &headers {
        if name.as_str().starts_with("x-") && name.as_str() != "x-api-key" {
            x_headers.append(name.clone(), value.clone());
        }
    }
    let headers_json = crate::db::headers_json(&x_headers);
    ws.max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes)
        .on_upgrade(move |socket| run(state, socket, vsn, socket_token, headers_json))
}

/// One joined channel of this socket.
struct Channel {
    owner: Owner,
    key: TopicKey,
    join_ref: Value,
    access_token: String,
    check_at: Instant,
    policies: Policies,
    ack: bool,
    presence_key: String,
}

struct Connection {
    state: AppState,
    handle: Arc<SocketHandle>,
    vsn: Vsn,
    socket_token: VerifiedToken,
    headers_json: String,
    /// By wire topic (`realtime:…`).
    channels: HashMap<String, Channel>,
    last_seen: Instant,
}

/// Why the connection ends from our side: the close frame to send.
type Close = (u16, String);

async fn run(
    state: AppState,
    socket: WebSocket,
    vsn: Vsn,
    socket_token: VerifiedToken,
    headers_json: String,
) {
    let realtime = state.realtime.clone();
    let (tx, rx) = mpsc::channel(state.config.realtime.outbound_queue.max(16));
    let handle = Arc::new(SocketHandle::new(realtime.next_id(), vsn, tx));
    let _registration = realtime.register(handle.clone());
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write_loop(sink, rx));
    let mut connection = Connection {
        state,
        handle: handle.clone(),
        vsn,
        socket_token,
        headers_json,
        channels: HashMap::new(),
        last_seen: Instant::now(),
    };
    let outcome = connection.read_loop(&mut stream, &mut writer).await;
    connection.leave_all();
    match outcome {
        Outcome::WriterDone => {}
        Outcome::ClientGone => {
            handle.close(1000, "").await;
            finish(writer).await;
        }
        Outcome::Close((code, reason)) => {
            handle.close(code, &reason).await;
            finish(writer).await;
        }
    }
}

async fn finish(mut writer: tokio::task::JoinHandle<()>) {
    if tokio::time::timeout(Duration::from_secs(2), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

enum Outcome {
    ClientGone,
    WriterDone,
    Close(Close),
}

async fn write_loop(mut sink: SplitSink<WebSocket, Message>, mut rx: mpsc::Receiver<Outbound>) {
    while let Some(first) = rx.recv().await {
        // Write what is queued, then flush once.
        let mut next = Some(first);
        let mut written = 0;
        while let Some(out) = next.take() {
            match out {
                Outbound::Frame(frame) => {
                    let message = match frame {
                        Frame::Text(t) => Message::Text(t),
                        Frame::Binary(b) => Message::Binary(b),
                    };
                    match tokio::time::timeout(WRITE_TIMEOUT, sink.feed(message)).await {
                        Ok(Ok(())) => {}
                        _ => return,
                    }
                }
                Outbound::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ =
                        tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Close(Some(frame))))
                            .await;
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
                    return;
                }
            }
            written += 1;
            if written < 64 {
                next = rx.try_recv().ok();
            }
        }
        match tokio::time::timeout(WRITE_TIMEOUT, sink.flush()).await {
            Ok(Ok(())) => {}
            _ => return,
        }
    }
}

fn close_for_read_error(error: &axum::Error) -> Close {
    let text = error.to_string();
    if text.contains("too long") || text.contains("Space limit") || text.contains("too big") {
        (1009, "message too big".into())
    } else {
        (1002, "protocol error".into())
    }
}

impl Connection {
    async fn read_loop(
        &mut self,
        stream: &mut SplitStream<WebSocket>,
        writer: &mut tokio::task::JoinHandle<()>,
    ) -> Outcome {
        let handle = self.handle.clone();
        let heartbeat_timeout =
            Duration::from_secs(self.state.config.realtime.heartbeat_timeout_secs.max(1));
        loop {
            let mut deadline = self.last_seen + heartbeat_timeout;
            if let Some(check) = self.channels.values().map(|c| c.check_at).min() {
                deadline = deadline.min(check);
            }
            tokio::select! {
                biased;
                close = handle.killed() => return Outcome::Close(close),
                _ = &mut *writer => return Outcome::WriterDone,
                message = stream.next() => {
                    let result = match message {
                        None | Some(Ok(Message::Close(_))) => return Outcome::ClientGone,
                        Some(Err(e)) => return Outcome::Close(close_for_read_error(&e)),
                        Some(Ok(Message::Text(text))) => {
                            self.last_seen = Instant::now();
                            match protocol::decode_text(self.vsn, text.as_str()) {
                                Ok(incoming) => self.dispatch(incoming).await,
                                Err(e) => Err((1007, format!("malformed message: {e}"))),
                            }
                        }
                        Some(Ok(Message::Binary(data))) => {
                            self.last_seen = Instant::now();
                            match protocol::decode_binary(self.vsn, &data) {
                                Ok(incoming) => self.dispatch(incoming).await,
                                Err(e) => Err((1007, format!("malformed message: {e}"))),
                            }
                        }
                        Some(Ok(_)) => {
                            // Ping/pong: tungstenite answers pings itself; they count as life.
                            self.last_seen = Instant::now();
                            Ok(())
                        }
                    };
                    if let Err(close) = result {
                        return Outcome::Close(close);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    if Instant::now() >= self.last_seen + heartbeat_timeout {
                        return Outcome::Close((1000, "heartbeat timeout".into()));
                    }
                    self.check_tokens().await;
                }
            }
        }
    }

    fn send(&self, text: String) {
        self.handle.send_text(text);
    }

    fn reply(&self, m: &Incoming, ok: bool, response: Value) {
        self.send(protocol::encode_reply(
            self.vsn,
            &m.join_ref,
            &m.msg_ref,
            &m.topic,
            ok,
            &response,
        ));
    }

    fn push(&self, topic: &str, join_ref: &Value, event: &str, payload: &Value) {
        self.send(protocol::encode(
            self.vsn,
            join_ref,
            &Value::Null,
            topic,
            event,
            &payload.to_string(),
        ));
    }

    async fn dispatch(&mut self, m: Incoming) -> Result<(), Close> {
        if m.topic == "phoenix" {
            if m.event == "heartbeat" {
                self.reply(&m, true, json!({}));
            } else {
                self.reply(&m, false, json!({"reason": "unmatched topic"}));
            }
            return Ok(());
        }
        if m.event == "phx_join" {
            self.join(m).await;
            return Ok(());
        }
        let Some(channel) = self.channels.get(&m.topic) else {
            if m.event == "phx_leave" {
                self.reply(&m, true, json!({}));
            } else {
                self.reply(&m, false, json!({"reason": "unmatched topic"}));
            }
            return Ok(());
        };
        // A message for an earlier join of this topic is stale (Phoenix drops it).
        if !m.join_ref.is_null() && m.join_ref != channel.join_ref {
            tracing::debug!("realtime: stale message for {} dropped", m.topic);
            return Ok(());
        }
        match m.event.as_str() {
            "phx_leave" => {
                self.reply(&m, true, json!({}));
                self.close_channel(&m.topic);
            }
            "broadcast" => self.broadcast(m),
            "presence" => self.presence(m),
            "access_token" => self.access_token(m).await,
            other => {
                // Realtime ignores what it does not know (and logs it at info level).
                tracing::debug!("realtime: unexpected event `{other}` on {}", m.topic);
            }
        }
        Ok(())
    }

    async fn join(&mut self, m: Incoming) {
        let Some(sub_topic) = m.topic.strip_prefix("realtime:").map(str::to_string) else {
            self.reply(&m, false, json!({"reason": "unmatched topic"}));
            return;
        };
        if sub_topic.is_empty() {
            self.reply(
                &m,
                false,
                json!({"reason": "TopicNameRequired: You must provide a topic name"}),
            );
            return;
        }
        if self.channels.contains_key(&m.topic) {
            // Phoenix: joining a topic again closes the earlier channel first.
            self.close_channel(&m.topic);
        } else if self.channels.len() >= self.state.config.realtime.max_channels_per_socket {
            self.reply(
                &m,
                false,
                json!({"reason": "ChannelRateLimitReached: Too many channels"}),
            );
            return;
        }
        let empty = Value::Object(Map::new());
        let payload = match &m.payload {
            Payload::Json(v) => v,
            Payload::UserBroadcast(_) => &empty,
        };
        let request = join::parse(payload);
        match self.authorize_join(&sub_topic, &request).await {
            Ok((token, policies, replayed)) => {
                self.complete_join(&m, sub_topic, request, token, policies, replayed)
            }
            Err(reason) => {
                tracing::info!("realtime: join of {} refused: {reason}", m.topic);
                self.reply(&m, false, json!({ "reason": reason }));
            }
        }
    }

    /// The token and permissions of a join, or the refusal's reason.
    async fn authorize_join(
        &self,
        sub_topic: &str,
        request: &JoinRequest,
    ) -> Result<(VerifiedToken, Policies, Vec<replay::StoredMessage>), String> {
        let token = match request.access_token.as_deref() {
            // A publishable key (`sb_…`) stands for the socket's own key, as in Realtime.
            Some(t) if !t.starts_with("sb_") => {
                token::verify(t, self.state.jwt_secret(), jwt::now()).map_err(|e| e.reason())?
            }
            _ => token::verify(
                self.socket_token.identity.token.as_deref().unwrap_or(""),
                self.state.jwt_secret(),
                jwt::now(),
            )
            .map_err(|e| e.reason())?,
        };
        if !request.private {
            // join::parse refuses replay on a public channel.
            if let Some(Err(e)) = request.replay {
                return Err(e.reason().into());
            }
            return Ok((token, Policies::public(), Vec::new()));
        }
        let replay_request = match request.replay {
            Some(Ok(r)) => Some(r),
            _ => None,
        };
        let authorized = authorization::authorize(
            &self.state.pool,
            &token.identity,
            sub_topic,
            &self.headers_json,
            replay_request,
        )
        .await
        .map_err(|e| {
            tracing::warn!("realtime: authorization of {sub_topic} failed: {e}");
            "UnableToConnectToProject: Realtime was unable to connect to the project database"
                .to_string()
        })?;
        let unauthorized = || {
            format!(
                "Unauthorized: You do not have permissions to read from this Channel topic: {sub_topic}"
            )
        };
        if !authorized.policies.can_read() {
            return Err(unauthorized());
        }
        match request.replay {
            Some(_) if !authorized.policies.broadcast_read => return Err(unauthorized()),
            Some(Err(e)) => return Err(e.reason().into()),
            _ => {}
        }
        Ok((token, authorized.policies, authorized.replay))
    }

    fn complete_join(
        &mut self,
        m: &Incoming,
        sub_topic: String,
        request: JoinRequest,
        token: VerifiedToken,
        policies: Policies,
        replayed: Vec<replay::StoredMessage>,
    ) {
        let key = TopicKey {
            sub_topic: sub_topic.clone(),
            private: request.private,
        };
        let owner = self.state.realtime.next_id();
        // Realtime answers each requested postgres_changes binding with an id; the client checks
        // that they match its own before reporting SUBSCRIBED.
        let postgres_changes: Vec<Value> = request
            .postgres_changes
            .iter()
            .enumerate()
            .map(|(i, params)| {
                let mut params = params.as_object().cloned().unwrap_or_default();
                params.insert("id".into(), json!(owner * 100 + i as u64));
                Value::Object(params)
            })
            .collect();
        let subscriber = Subscriber {
            socket: self.handle.clone(),
            join_ref: m.join_ref.clone(),
            self_broadcast: request.self_broadcast,
            broadcast_read: policies.broadcast_read,
            presence_read: policies.presence_read,
            replayed: replayed.iter().map(|r| r.id.clone()).collect(),
        };
        let vsn = self.vsn;
        let topic = m.topic.clone();
        let join_ref = m.join_ref.clone();
        let presence_enabled = request.presence_enabled;
        self.state
            .realtime
            .registry()
            .join(&key, owner, subscriber, |sub, presence| {
                // Under the registry lock: the reply, then replay, then presence state, before any
                // later broadcast.
                sub.socket.send_text(protocol::encode_reply(
                    vsn,
                    &m.join_ref,
                    &m.msg_ref,
                    &topic,
                    true,
                    &json!({ "postgres_changes": postgres_changes }),
                ));
                for message in &replayed {
                    sub.socket.send_text(protocol::encode(
                        vsn,
                        &join_ref,
                        &Value::Null,
                        &topic,
                        "broadcast",
                        &replay::replayed_json(message),
                    ));
                }
                if presence_enabled && sub.presence_read {
                    sub.socket.send_text(protocol::encode(
                        vsn,
                        &join_ref,
                        &Value::Null,
                        &topic,
                        "presence_state",
                        &presence.to_json().to_string(),
                    ));
                }
            });
        if !request.postgres_changes.is_empty() {
            // Not implemented here: say so in the channel rather than pretend to deliver changes.
            self.push(
                &m.topic,
                &m.join_ref,
                "system",
                &json!({
                    "extension": "postgres_changes",
                    "status": "error",
                    "message": "postgres_changes is not implemented by punctaj-local-backend: no database changes will be delivered",
                    "channel": sub_topic,
                }),
            );
        }
        let check_at = token_check_at(token.exp);
        self.channels.insert(
            m.topic.clone(),
            Channel {
                owner,
                key,
                join_ref: m.join_ref.clone(),
                access_token: token.identity.token.clone().unwrap_or_default(),
                check_at,
                policies,
                ack: request.ack,
                presence_key: request.presence_key,
            },
        );
    }

    /// Leaves the channel on the server and tells the client it is closed.
    fn close_channel(&mut self, topic: &str) {
        if let Some(channel) = self.channels.remove(topic) {
            self.state
                .realtime
                .registry()
                .leave(&channel.key, channel.owner);
            self.send(protocol::encode(
                self.vsn,
                &channel.join_ref,
                &channel.join_ref,
                topic,
                "phx_close",
                "{}",
            ));
        }
    }

    /// Realtime's `shutdown_response`: a `system` error naming the reason, then `phx_close`.
    fn shutdown_channel(&mut self, topic: &str, message: &str) {
        if let Some(channel) = self.channels.get(topic) {
            tracing::info!("realtime: channel {topic} shut down: {message}");
            self.push(
                topic,
                &channel.join_ref,
                "system",
                &json!({
                    "extension": "system",
                    "status": "error",
                    "message": message,
                    "channel": channel.key.sub_topic,
                }),
            );
        }
        self.close_channel(topic);
    }

    fn leave_all(&mut self) {
        let registry = self.state.realtime.registry();
        for (_, channel) in self.channels.drain() {
            registry.leave(&channel.key, channel.owner);
        }
    }

    fn broadcast(&self, m: Incoming) {
        let channel = &self.channels[&m.topic];
        let limit = self.state.config.realtime.max_broadcast_payload_bytes;
        if !channel.policies.broadcast_write {
            // Realtime drops it; an acknowledging client is told, rather than left to time out.
            if channel.ack {
                self.reply(
                    &m,
                    false,
                    json!({"reason": format!(
                        "Unauthorized: You do not have permissions to write to this Channel topic: {}",
                        channel.key.sub_topic
                    )}),
                );
            }
            return;
        }
        let (message, size) = match &m.payload {
            Payload::Json(value @ Value::Object(_)) => {
                let text = value.to_string();
                let size = text.len();
                (Broadcast::Json(text), size)
            }
            Payload::Json(_) => {
                if channel.ack {
                    self.reply(
                        &m,
                        false,
                        json!({"reason": "Broadcast payload must be an object"}),
                    );
                }
                return;
            }
            Payload::UserBroadcast(user) => (Broadcast::User(user.clone()), user.payload.len()),
        };
        if size > limit {
            if channel.ack {
                self.reply(
                    &m,
                    false,
                    json!({"reason": format!("PayloadSizeExceeded: payload of {size} bytes exceeds the limit of {limit} bytes")}),
                );
            }
            return;
        }
        if channel.ack {
            self.reply(&m, true, json!({}));
        }
        self.state
            .realtime
            .registry()
            .broadcast(&channel.key, Some(channel.owner), &message);
    }

    fn presence(&self, m: Incoming) {
        let channel = &self.channels[&m.topic];
        let Payload::Json(payload) = &m.payload else {
            self.reply(&m, false, json!({}));
            return;
        };
        let event = payload
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let registry = self.state.realtime.registry();
        match event.as_str() {
            "track" => {
                if !channel.policies.presence_write {
                    self.reply(&m, false, json!({}));
                    return;
                }
                let tracked = match payload.get("payload") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(map)) => map.clone(),
                    Some(_) => {
                        self.reply(
                            &m,
                            false,
                            json!({"reason": "Presence track payload must be a map"}),
                        );
                        return;
                    }
                };
                let size = Value::Object(tracked.clone()).to_string().len();
                if size > self.state.config.realtime.max_presence_payload_bytes {
                    self.reply(&m, false, json!({"reason": "Track message size exceeded"}));
                    return;
                }
                // The reply first: on Realtime the diff goes through PubSub and comes after it.
                self.reply(&m, true, json!({}));
                registry.track(&channel.key, channel.owner, &channel.presence_key, tracked);
            }
            "untrack" => {
                self.reply(&m, true, json!({}));
                registry.untrack(&channel.key, channel.owner);
            }
            _ => self.reply(&m, false, json!({})),
        }
    }

    async fn access_token(&mut self, m: Incoming) {
        let Payload::Json(payload) = &m.payload else {
            return;
        };
        let Some(new_token) = payload.get("access_token").and_then(Value::as_str) else {
            return;
        };
        let channel = &self.channels[&m.topic];
        if new_token.starts_with("sb_") || new_token == channel.access_token {
            return;
        }
        let verified = match token::verify(new_token, self.state.jwt_secret(), jwt::now()) {
            Ok(v) => v,
            Err(e) => {
                self.shutdown_channel(&m.topic, &e.message());
                return;
            }
        };
        let mut policies = channel.policies;
        if channel.key.private {
            let previous = channel.policies;
            let sub_topic = channel.key.sub_topic.clone();
            match authorization::authorize(
                &self.state.pool,
                &verified.identity,
                &sub_topic,
                &self.headers_json,
                None,
            )
            .await
            {
                Ok(a) => policies = a.policies,
                Err(e) => {
                    tracing::warn!("realtime: re-authorization of {sub_topic} failed: {e}");
                    self.shutdown_channel(
                        &m.topic,
                        "Realtime was unable to connect to the project database",
                    );
                    return;
                }
            }
            let revoked = (previous.broadcast_read && !policies.broadcast_read)
                || (previous.presence_read && !policies.presence_read);
            if revoked {
                self.shutdown_channel(
                    &m.topic,
                    &format!(
                        "You no longer have permission to read from this Channel topic: {sub_topic}"
                    ),
                );
                return;
            }
        }
        let Some(channel) = self.channels.get_mut(&m.topic) else {
            return;
        };
        channel.policies = policies;
        channel.access_token = new_token.to_string();
        channel.check_at = token_check_at(verified.exp);
        self.state.realtime.registry().set_permissions(
            &channel.key,
            channel.owner,
            policies.broadcast_read,
            policies.presence_read,
        );
    }

    /// Re-verifies the tokens whose check is due (expiry, or every five minutes).
    async fn check_tokens(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, c)| c.check_at <= now)
            .map(|(t, _)| t.clone())
            .collect();
        for topic in due {
            let Some(channel) = self.channels.get_mut(&topic) else {
                continue;
            };
            match token::verify(&channel.access_token, self.state.jwt_secret(), jwt::now()) {
                Ok(v) => channel.check_at = token_check_at(v.exp),
                Err(e) => self.shutdown_channel(&topic, &e.message()),
            }
        }
    }
}

fn token_check_at(exp: i64) -> Instant {
    let seconds = (exp - jwt::now()).clamp(0, TOKEN_CHECK_INTERVAL_SECS);
    Instant::now() + Duration::from_secs(seconds as u64)
}
