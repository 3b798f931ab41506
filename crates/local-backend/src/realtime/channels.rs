//! Who listens to what: the per-topic registry of joined channels, their presence, and fan-out.
//!
//! A message for a topic is serialised once per protocol version and the same bytes are queued
//! to every socket (`try_send` on each socket's bounded queue, never an await while the registry
//! is locked). A socket whose queue is full is a slow consumer: it is told to close, as Phoenix
//! drops a transport it cannot write to, rather than slowing everybody down or buffering without
//! bound. Public and private channels of the same name are different topics, as on Supabase.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tokio::sync::{Notify, mpsc};

use super::presence::{Owner, PresenceState};
use super::protocol::{self, Frame, PayloadEncoding, UserBroadcast, Vsn};

/// What a socket's writer task receives.
#[derive(Debug)]
pub enum Outbound {
    Frame(Frame),
    Close(u16, String),
}

/// The shared end of one WebSocket connection.
#[derive(Debug)]
pub struct SocketHandle {
    pub id: u64,
    pub vsn: Vsn,
    tx: mpsc::Sender<Outbound>,
    kill: Notify,
    killed: AtomicBool,
    close_reason: Mutex<Option<(u16, String)>>,
}

impl SocketHandle {
    pub fn new(id: u64, vsn: Vsn, tx: mpsc::Sender<Outbound>) -> SocketHandle {
        SocketHandle {
            id,
            vsn,
            tx,
            kill: Notify::new(),
            killed: AtomicBool::new(false),
            close_reason: Mutex::new(None),
        }
    }

    /// Queues a frame; false when the socket is gone or was just found too slow.
    pub fn send(&self, frame: Frame) -> bool {
        match self.tx.try_send(Outbound::Frame(frame)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.kill(1008, "slow consumer: too many messages waiting");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    pub fn send_text(&self, text: String) -> bool {
        self.send(Frame::Text(text.into()))
    }

    /// Asks the socket's task to close the connection with `code`.
    pub fn kill(&self, code: u16, reason: &str) {
        if !self.killed.swap(true, Ordering::SeqCst) {
            *self.close_reason.lock().expect("close reason") = Some((code, reason.to_string()));
            self.kill.notify_one();
        }
    }

    pub async fn killed(&self) -> (u16, String) {
        self.kill.notified().await;
        self.close_reason
            .lock()
            .expect("close reason")
            .clone()
            .unwrap_or((1000, String::new()))
    }

    /// Queues the close frame; the writer ends after it.
    pub async fn close(&self, code: u16, reason: &str) {
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            self.tx.send(Outbound::Close(code, reason.to_string())),
        )
        .await;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TopicKey {
    /// The topic without `realtime:` (what `realtime.messages.topic` holds).
    pub sub_topic: String,
    pub private: bool,
}

impl TopicKey {
    pub fn wire_topic(&self) -> String {
        format!("realtime:{}", self.sub_topic)
    }
}

/// One joined channel as the fan-out sees it.
#[derive(Debug)]
pub struct Subscriber {
    pub socket: Arc<SocketHandle>,
    pub join_ref: Value,
    pub self_broadcast: bool,
    /// Read permissions found at join (always true on public channels), cached as Supabase
    /// caches its policies per channel.
    pub broadcast_read: bool,
    pub presence_read: bool,
    /// Messages already sent by replay, not to be delivered twice.
    pub replayed: HashSet<String>,
}

#[derive(Debug, Default)]
struct Topic {
    subscribers: HashMap<Owner, Subscriber>,
    presence: PresenceState,
}

/// A message for every subscriber of a topic.
#[derive(Clone, Debug)]
pub enum Broadcast {
    /// A client's JSON broadcast: its payload object (`{type, event, payload}`) as JSON text.
    Json(String),
    /// A client's binary broadcast push.
    User(UserBroadcast),
    /// A message of `realtime.messages`: the `{type, event, payload, meta}` object as JSON text.
    Stored { id: String, payload_json: String },
}

/// Frames encoded on first need, once per protocol version.
struct Encoded<'a> {
    topic: &'a str,
    event: &'a str,
    payload_json: &'a str,
    v1: Option<Frame>,
    v2: Option<Frame>,
}

impl<'a> Encoded<'a> {
    fn new(topic: &'a str, event: &'a str, payload_json: &'a str) -> Encoded<'a> {
        Encoded {
            topic,
            event,
            payload_json,
            v1: None,
            v2: None,
        }
    }

    fn get(&mut self, vsn: Vsn) -> Frame {
        let slot = match vsn {
            Vsn::V1 => &mut self.v1,
            Vsn::V2 => &mut self.v2,
        };
        slot.get_or_insert_with(|| {
            Frame::Text(
                protocol::encode(
                    vsn,
                    &Value::Null,
                    &Value::Null,
                    self.topic,
                    self.event,
                    self.payload_json,
                )
                .into(),
            )
        })
        .clone()
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    topics: Mutex<HashMap<TopicKey, Topic>>,
}

impl Registry {
    /// Adds a subscriber; `initial` runs under the registry lock with the topic's presence state
    /// and queues what the joiner must see before any later broadcast (reply, replay,
    /// presence_state), so nothing is missed or reordered.
    pub fn join(
        &self,
        key: &TopicKey,
        owner: Owner,
        subscriber: Subscriber,
        initial: impl FnOnce(&Subscriber, &PresenceState),
    ) {
        let mut topics = self.topics.lock().expect("registry");
        let topic = topics.entry(key.clone()).or_default();
        initial(&subscriber, &topic.presence);
        topic.subscribers.insert(owner, subscriber);
    }

    /// Removes a subscriber and what it tracked (others see the presence leave).
    pub fn leave(&self, key: &TopicKey, owner: Owner) {
        let mut topics = self.topics.lock().expect("registry");
        let Some(topic) = topics.get_mut(key) else {
            return;
        };
        topic.subscribers.remove(&owner);
        let diff = topic.presence.untrack(owner);
        if !diff.is_empty() {
            fan_out_presence_diff(key, topic, &diff.to_json());
        }
        if topic.subscribers.is_empty() && topic.presence.is_empty() {
            topics.remove(key);
        }
    }

    pub fn set_permissions(
        &self,
        key: &TopicKey,
        owner: Owner,
        broadcast_read: bool,
        presence_read: bool,
    ) {
        let mut topics = self.topics.lock().expect("registry");
        if let Some(sub) = topics
            .get_mut(key)
            .and_then(|t| t.subscribers.get_mut(&owner))
        {
            sub.broadcast_read = broadcast_read;
            sub.presence_read = presence_read;
        }
    }

    /// Tracks presence for `owner` and sends the diff to the topic (the tracker included).
    pub fn track(
        &self,
        key: &TopicKey,
        owner: Owner,
        presence_key: &str,
        payload: Map<String, Value>,
    ) {
        let mut topics = self.topics.lock().expect("registry");
        let Some(topic) = topics.get_mut(key) else {
            return;
        };
        let diff = topic
            .presence
            .track(owner, presence_key, payload, new_phx_ref());
        if !diff.is_empty() {
            fan_out_presence_diff(key, topic, &diff.to_json());
        }
    }

    pub fn untrack(&self, key: &TopicKey, owner: Owner) {
        let mut topics = self.topics.lock().expect("registry");
        let Some(topic) = topics.get_mut(key) else {
            return;
        };
        let diff = topic.presence.untrack(owner);
        if !diff.is_empty() {
            fan_out_presence_diff(key, topic, &diff.to_json());
        }
    }

    /// Sends a broadcast to the topic's readers; `from` (the sender's channel) is skipped unless
    /// it asked for its own broadcasts (`config.broadcast.self`). Returns how many got it.
    pub fn broadcast(&self, key: &TopicKey, from: Option<Owner>, message: &Broadcast) -> usize {
        let wire_topic = key.wire_topic();
        let topics = self.topics.lock().expect("registry");
        let Some(topic) = topics.get(key) else {
            return 0;
        };
        let mut delivered = 0;
        match message {
            Broadcast::Json(payload_json) => {
                let mut frames = Encoded::new(&wire_topic, "broadcast", payload_json);
                for (owner, sub) in &topic.subscribers {
                    if wants(sub, *owner, from) && sub.socket.send(frames.get(sub.socket.vsn)) {
                        delivered += 1;
                    }
                }
            }
            Broadcast::Stored { id, payload_json } => {
                let mut frames = Encoded::new(&wire_topic, "broadcast", payload_json);
                for (owner, sub) in &topic.subscribers {
                    if wants(sub, *owner, from)
                        && !sub.replayed.contains(id)
                        && sub.socket.send(frames.get(sub.socket.vsn))
                    {
                        delivered += 1;
                    }
                }
            }
            Broadcast::User(user) => {
                let binary = protocol::encode_user_broadcast(&wire_topic, user);
                // Protocol 1.0.0 cannot carry binary frames: JSON payloads go as JSON objects,
                // binary ones are not delivered there (as on Supabase).
                let v1_json = match user.encoding {
                    PayloadEncoding::Json => std::str::from_utf8(&user.payload)
                        .ok()
                        .and_then(|s| serde_json::from_str::<Value>(s).ok())
                        .map(|payload| {
                            serde_json::json!({"type": "broadcast", "event": user.event, "payload": payload})
                                .to_string()
                        }),
                    PayloadEncoding::Binary => None,
                };
                let mut v1 = v1_json
                    .as_deref()
                    .map(|json| Encoded::new(&wire_topic, "broadcast", json));
                for (owner, sub) in &topic.subscribers {
                    if !wants(sub, *owner, from) {
                        continue;
                    }
                    let frame = match sub.socket.vsn {
                        Vsn::V2 => binary.clone().map(Frame::Binary),
                        Vsn::V1 => v1.as_mut().map(|e| e.get(Vsn::V1)),
                    };
                    if let Some(frame) = frame
                        && sub.socket.send(frame)
                    {
                        delivered += 1;
                    }
                }
            }
        }
        delivered
    }

    /// How many channels are joined on `key` (tests and logs).
    pub fn subscriber_count(&self, key: &TopicKey) -> usize {
        self.topics
            .lock()
            .expect("registry")
            .get(key)
            .map_or(0, |t| t.subscribers.len())
    }
}

fn wants(sub: &Subscriber, owner: Owner, from: Option<Owner>) -> bool {
    sub.broadcast_read && (from != Some(owner) || sub.self_broadcast)
}

fn fan_out_presence_diff(key: &TopicKey, topic: &Topic, diff: &Value) {
    let wire_topic = key.wire_topic();
    let payload = diff.to_string();
    let mut frames = Encoded::new(&wire_topic, "presence_diff", &payload);
    for sub in topic.subscribers.values() {
        if sub.presence_read {
            sub.socket.send(frames.get(sub.socket.vsn));
        }
    }
}

/// A unique presence ref, random like Phoenix's (`phx_ref` values are opaque to clients).
fn new_phx_ref() -> String {
    use base64::Engine;
    let bytes: [u8; 12] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn socket(id: u64, vsn: Vsn, capacity: usize) -> (Arc<SocketHandle>, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Arc::new(SocketHandle::new(id, vsn, tx)), rx)
    }

    fn subscriber(socket: &Arc<SocketHandle>, read: bool, self_broadcast: bool) -> Subscriber {
        Subscriber {
            socket: socket.clone(),
            join_ref: json!("1"),
            self_broadcast,
            broadcast_read: read,
            presence_read: read,
            replayed: HashSet::new(),
        }
    }

    fn text(rx: &mut mpsc::Receiver<Outbound>) -> Option<Value> {
        match rx.try_recv().ok()? {
            Outbound::Frame(Frame::Text(t)) => Some(serde_json::from_str(t.as_str()).unwrap()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn fan_out_respects_self_read_and_replayed() {
        let registry = Registry::default();
        let key = TopicKey {
            sub_topic: "room".into(),
            private: true,
        };
        let (a, mut a_rx) = socket(1, Vsn::V2, 8);
        let (b, mut b_rx) = socket(2, Vsn::V1, 8);
        let (c, mut c_rx) = socket(3, Vsn::V2, 8);
        registry.join(&key, 10, subscriber(&a, true, false), |_, _| {});
        registry.join(&key, 20, subscriber(&b, true, true), |_, _| {});
        let mut no_read = subscriber(&c, false, true);
        no_read.replayed.insert("m1".into());
        registry.join(&key, 30, no_read, |_, _| {});

        let n = registry.broadcast(&key, Some(10), &Broadcast::Json(r#"{"event":"e"}"#.into()));
        assert_eq!(n, 1);
        assert!(text(&mut a_rx).is_none());
        assert_eq!(
            text(&mut b_rx).unwrap(),
            json!({"topic": "realtime:room", "event": "broadcast", "payload": {"event": "e"}, "ref": null})
        );
        assert!(text(&mut c_rx).is_none());

        registry.set_permissions(&key, 30, true, true);
        let stored = Broadcast::Stored {
            id: "m1".into(),
            payload_json: "{}".into(),
        };
        assert_eq!(registry.broadcast(&key, None, &stored), 2);
        assert!(text(&mut c_rx).is_none(), "already replayed");
        assert_eq!(
            text(&mut a_rx).unwrap(),
            json!([null, null, "realtime:room", "broadcast", {}])
        );
    }

    #[test]
    fn slow_consumer_is_killed() {
        let registry = Registry::default();
        let key = TopicKey {
            sub_topic: "room".into(),
            private: false,
        };
        let (a, _a_rx) = socket(1, Vsn::V2, 1);
        registry.join(&key, 10, subscriber(&a, true, false), |_, _| {});
        let m = Broadcast::Json("{}".into());
        assert_eq!(registry.broadcast(&key, None, &m), 1);
        assert_eq!(registry.broadcast(&key, None, &m), 0);
        assert!(a.killed.load(Ordering::SeqCst));
    }

    #[test]
    fn presence_diffs_reach_readers_and_leave_cleans_up() {
        let registry = Registry::default();
        let key = TopicKey {
            sub_topic: "room".into(),
            private: false,
        };
        let (a, mut a_rx) = socket(1, Vsn::V2, 8);
        let (b, mut b_rx) = socket(2, Vsn::V2, 8);
        registry.join(&key, 10, subscriber(&a, true, false), |_, _| {});
        registry.track(&key, 10, "alice", Map::new());
        let diff = text(&mut a_rx).unwrap();
        assert_eq!(diff[3], "presence_diff");
        assert!(diff[4]["joins"]["alice"]["metas"][0]["phx_ref"].is_string());
        let mut seen_state = None;
        registry.join(&key, 20, subscriber(&b, true, false), |_, state| {
            seen_state = Some(state.to_json());
        });
        assert!(seen_state.unwrap()["alice"].is_object());
        registry.leave(&key, 10);
        let diff = text(&mut b_rx).unwrap();
        assert!(diff[4]["leaves"]["alice"].is_object());
        registry.leave(&key, 20);
        assert_eq!(registry.subscriber_count(&key), 0);
        assert!(registry.topics.lock().unwrap().is_empty());
    }

    #[test]
    fn user_broadcasts_go_binary_to_v2_and_json_to_v1() {
        let registry = Registry::default();
        let key = TopicKey {
            sub_topic: "room".into(),
            private: false,
        };
        let (a, mut a_rx) = socket(1, Vsn::V2, 8);
        let (b, mut b_rx) = socket(2, Vsn::V1, 8);
        registry.join(&key, 10, subscriber(&a, true, false), |_, _| {});
        registry.join(&key, 20, subscriber(&b, true, false), |_, _| {});
        let user = UserBroadcast {
            event: "e".into(),
            encoding: PayloadEncoding::Json,
            payload: bytes::Bytes::from_static(br#"{"x":1}"#),
            metadata: Map::new(),
        };
        assert_eq!(
            registry.broadcast(&key, None, &Broadcast::User(user.clone())),
            2
        );
        match a_rx.try_recv().unwrap() {
            Outbound::Frame(Frame::Binary(b)) => assert_eq!(b[0], 4),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            text(&mut b_rx).unwrap()["payload"],
            json!({"type": "broadcast", "event": "e", "payload": {"x": 1}})
        );
        let binary = UserBroadcast {
            encoding: PayloadEncoding::Binary,
            ..user
        };
        assert_eq!(registry.broadcast(&key, None, &Broadcast::User(binary)), 1);
    }
}
