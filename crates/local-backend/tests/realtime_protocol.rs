//! Realtime (`/realtime/v1/websocket`) through a real WebSocket: the Phoenix protocol as
//! realtime-js speaks it, private-channel authorisation by RLS, database broadcasts, presence,
//! replay, and bad input. Every wait is bounded.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::{TestBackend, TestOptions};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

const SYNC: &str = "realtime:punctaj:sync";
const WAIT: Duration = Duration::from_secs(5);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug)]
enum Received {
    Text(Value),
    Binary(Vec<u8>),
    Closed(Option<u16>),
}

struct Client {
    ws: Ws,
    next_ref: u64,
}

impl Client {
    async fn connect(backend: &TestBackend) -> Client {
        Client::connect_with(backend, &backend.anon_key, "2.0.0").await
    }

    async fn connect_with(backend: &TestBackend, apikey: &str, vsn: &str) -> Client {
        let (ws, _) = tokio::time::timeout(
            WAIT,
            tokio_tungstenite::connect_async(backend.realtime_url(apikey, vsn)),
        )
        .await
        .expect("connect in time")
        .expect("websocket handshake");
        Client { ws, next_ref: 0 }
    }

    fn make_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    async fn send_text(&mut self, text: String) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    /// Sends `[join_ref, ref, topic, event, payload]`; returns the ref.
    async fn push(
        &mut self,
        join_ref: Option<&str>,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> String {
        let r = self.make_ref();
        self.send_text(json!([join_ref, r, topic, event, payload]).to_string())
            .await;
        r
    }

    async fn recv(&mut self) -> Received {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await {
                Err(_) => panic!("nothing received within {WAIT:?}"),
                Ok(None) | Ok(Some(Err(_))) => return Received::Closed(None),
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Received::Text(serde_json::from_str(t.as_str()).expect("JSON frame"));
                }
                Ok(Some(Ok(Message::Binary(b)))) => return Received::Binary(b.to_vec()),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Received::Closed(frame.map(|f| u16::from(f.code)));
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next text message matching `pred` (others skipped).
    async fn recv_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            match self.recv().await {
                Received::Text(v) if pred(&v) => return v,
                Received::Closed(code) => panic!("closed ({code:?}) while waiting for {what}"),
                _ => {}
            }
        }
        panic!("no {what} within {WAIT:?}");
    }

    async fn reply_to(&mut self, r: &str) -> Value {
        self.recv_where(&format!("reply to {r}"), |v| {
            v[1] == json!(r) && v[3] == "phx_reply"
        })
        .await[4]
            .clone()
    }

    /// Joins `topic` (join_ref = ref) and returns (join_ref, reply payload).
    async fn join(
        &mut self,
        topic: &str,
        config: Value,
        access_token: Option<&str>,
    ) -> (String, Value) {
        let r = self.make_ref();
        let mut payload = json!({"config": config, "version": "realtime-js/2.119.0"});
        if let Some(t) = access_token {
            payload["access_token"] = json!(t);
        }
        self.send_text(json!([r, r, topic, "phx_join", payload]).to_string())
            .await;
        let reply = self.reply_to(&r).await;
        (r, reply)
    }

    async fn join_ok(&mut self, topic: &str, config: Value, access_token: Option<&str>) -> String {
        let (join_ref, reply) = self.join(topic, config, access_token).await;
        assert_eq!(reply["status"], "ok", "join of {topic}: {reply}");
        join_ref
    }

    /// Asserts that no message matching `pred` arrives within `window`.
    async fn expect_none(&mut self, window: Duration, pred: impl Fn(&Value) -> bool) {
        let deadline = tokio::time::Instant::now() + window;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    assert!(!pred(&v), "unexpected message {v}");
                }
                Ok(_) => {}
            }
        }
    }
}

fn private_config() -> Value {
    json!({
        "broadcast": {"ack": false, "self": false},
        "presence": {"key": "", "enabled": false},
        "postgres_changes": [],
        "private": true
    })
}

fn public_config(key: &str, self_broadcast: bool) -> Value {
    json!({
        "broadcast": {"ack": true, "self": self_broadcast},
        "presence": {"key": key, "enabled": true},
        "postgres_changes": [],
        "private": false
    })
}

fn is_broadcast(v: &Value) -> bool {
    v[3] == "broadcast"
}

#[tokio::test]
async fn heartbeat_is_answered_in_both_protocol_versions() {
    let backend = TestBackend::start().await;
    let mut c = Client::connect(&backend).await;
    let r = c.push(None, "phoenix", "heartbeat", json!({})).await;
    match c.recv().await {
        Received::Text(v) => assert_eq!(
            v,
            json!([null, r, "phoenix", "phx_reply", {"status": "ok", "response": {}}])
        ),
        other => panic!("{other:?}"),
    }

    let mut v1 = Client::connect_with(&backend, &backend.anon_key, "1.0.0").await;
    v1.send_text(
        json!({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "9"}).to_string(),
    )
    .await;
    match v1.recv().await {
        Received::Text(v) => assert_eq!(
            v,
            json!({"topic": "phoenix", "event": "phx_reply", "payload": {"status": "ok", "response": {}}, "ref": "9"})
        ),
        other => panic!("{other:?}"),
    }
    backend.stop().await;
}

#[tokio::test]
async fn handshake_needs_a_valid_api_key_and_a_known_version() {
    let backend = TestBackend::start().await;
    let status = |url: String| async move {
        match tokio_tungstenite::connect_async(url.into_client_request().unwrap()).await {
            Ok(_) => 101,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16()
            }
            Err(e) => panic!("{e}"),
        }
    };
    let base = backend.realtime_url("", "2.0.0").replace("apikey=&", "");
    assert_eq!(status(base).await, 401, "no apikey");
    let forged = jwt_with_other_secret(json!({"role": "anon", "exp": 9_999_999_999i64}));
    assert_eq!(status(backend.realtime_url(&forged, "2.0.0")).await, 401);
    let expired = backend.sign_jwt(json!({"role": "anon", "exp": 1}));
    assert_eq!(status(backend.realtime_url(&expired, "2.0.0")).await, 401);
    assert_eq!(
        status(backend.realtime_url(&backend.anon_key, "3.0.0")).await,
        403
    );
    assert_eq!(
        status(backend.realtime_url(&backend.anon_key, "2.0.0")).await,
        101
    );
    backend.stop().await;
}

fn jwt_with_other_secret(claims: Value) -> String {
    punctaj_local_backend::jwt::sign(&claims, b"not-the-backend-secret-but-long-enough")
}

#[tokio::test]
async fn malformed_frames_close_the_socket_and_the_server_lives_on() {
    let backend = TestBackend::start().await;
    for bad in [
        "not json",
        r#"{"topic":"phoenix"}"#,
        r#"["1","2",3,"heartbeat",{}]"#,
    ] {
        let mut c = Client::connect(&backend).await;
        c.send_text(bad.to_string()).await;
        match c.recv().await {
            Received::Closed(code) => assert!(matches!(code, None | Some(1007)), "{code:?}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    // An unknown binary kind is malformed too.
    let mut c = Client::connect(&backend).await;
    c.ws.send(Message::binary(vec![9u8, 1, 2])).await.unwrap();
    assert!(matches!(c.recv().await, Received::Closed(_)));
    let (status, _, _) = backend.get(None, "/health").await;
    assert_eq!(status, 200);
    let mut c = Client::connect(&backend).await;
    let r = c.push(None, "phoenix", "heartbeat", json!({})).await;
    assert_eq!(c.reply_to(&r).await["status"], "ok");
    backend.stop().await;
}

#[tokio::test]
async fn pushes_to_topics_not_joined_are_unmatched() {
    let backend = TestBackend::start().await;
    let mut c = Client::connect(&backend).await;
    let r = c
        .push(
            Some("1"),
            "realtime:nowhere",
            "broadcast",
            json!({"type": "broadcast", "event": "e", "payload": {}}),
        )
        .await;
    assert_eq!(
        c.reply_to(&r).await,
        json!({"status": "error", "response": {"reason": "unmatched topic"}})
    );
    let (_, reply) = c.join("room:no-prefix", json!({}), None).await;
    assert_eq!(reply["response"]["reason"], "unmatched topic");
    let (_, reply) = c.join("realtime:", json!({}), None).await;
    assert_eq!(
        reply["response"]["reason"],
        "TopicNameRequired: You must provide a topic name"
    );
    let r = c.push(None, "phoenix", "nope", json!({})).await;
    assert_eq!(c.reply_to(&r).await["status"], "error");
    // Leaving what was never joined is fine.
    let r = c
        .push(Some("5"), "realtime:nowhere", "phx_leave", json!({}))
        .await;
    assert_eq!(c.reply_to(&r).await["status"], "ok");
    backend.stop().await;
}

#[tokio::test]
async fn oversized_frames_close_and_oversized_broadcasts_are_refused() {
    let backend = TestBackend::start().await;
    let mut c = Client::connect(&backend).await;
    let join_ref = c
        .join_ok("realtime:big", public_config("", false), None)
        .await;
    let big = "x".repeat(300 * 1024);
    let r = c
        .push(
            Some(&join_ref),
            "realtime:big",
            "broadcast",
            json!({"type": "broadcast", "event": "e", "payload": {"b": big}}),
        )
        .await;
    let reply = c.reply_to(&r).await;
    assert_eq!(reply["status"], "error");
    assert!(
        reply["response"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("PayloadSizeExceeded")
    );

    let huge = "y".repeat(2 * 1024 * 1024);
    // The server may close while the frame is still being written: ignore send errors.
    let _ = c.ws.send(Message::text(huge)).await;
    match c.recv().await {
        Received::Closed(code) => assert!(matches!(code, None | Some(1009)), "{code:?}"),
        other => panic!("{other:?}"),
    }
    let (status, _, _) = backend.get(None, "/health").await;
    assert_eq!(status, 200);
    backend.stop().await;
}

#[tokio::test]
async fn private_channel_refuses_anon_pending_expired_and_forged_tokens() {
    let backend = TestBackend::start().await;
    let mut c = Client::connect(&backend).await;
    let unauthorized =
        "Unauthorized: You do not have permissions to read from this Channel topic: punctaj:sync";

    // No access_token: the socket's anon key is used.
    let (_, reply) = c.join(SYNC, private_config(), None).await;
    assert_eq!(
        reply,
        json!({"status": "error", "response": {"reason": unauthorized}})
    );
    let pending = backend.token("pending@punctaj.test").await;
    let (_, reply) = c.join(SYNC, private_config(), Some(&pending)).await;
    assert_eq!(reply["response"]["reason"], unauthorized);

    let member = backend.sign_in("member@punctaj.test").await;
    let now = chrono::Utc::now().timestamp();
    let expired =
        backend.sign_jwt(json!({"role": "authenticated", "sub": member.user_id, "exp": now - 30}));
    let (_, reply) = c.join(SYNC, private_config(), Some(&expired)).await;
    let reason = reply["response"]["reason"].as_str().unwrap().to_string();
    assert!(
        reason.starts_with("InvalidJWTToken: Token has expired"),
        "{reason}"
    );

    let forged = jwt_with_other_secret(json!({"role": "service_role", "exp": now + 600}));
    let (_, reply) = c.join(SYNC, private_config(), Some(&forged)).await;
    assert_eq!(
        reply["response"]["reason"],
        "JwtSignatureError: Failed to validate JWT signature"
    );
    let (_, reply) = c.join(SYNC, private_config(), Some("garbage")).await;
    assert_eq!(
        reply["response"]["reason"],
        "MalformedJWT: The token provided is not a valid JWT"
    );
    let no_exp = backend.sign_jwt(json!({"role": "authenticated", "sub": member.user_id}));
    let (_, reply) = c.join(SYNC, private_config(), Some(&no_exp)).await;
    assert_eq!(
        reply["response"]["reason"],
        "InvalidJWTToken: Fields `role` and `exp` are required in JWT"
    );
    // The socket survives all of it.
    let r = c.push(None, "phoenix", "heartbeat", json!({})).await;
    assert_eq!(c.reply_to(&r).await["status"], "ok");
    backend.stop().await;
}

#[tokio::test]
async fn a_member_receives_database_broadcasts_and_no_client_broadcast() {
    let backend = TestBackend::start().await;
    let member = backend.token("member@punctaj.test").await;
    let owner = backend.token("owner@punctaj.test").await;
    let mut a = Client::connect(&backend).await;
    let mut b = Client::connect(&backend).await;
    let (_, reply) = a.join(SYNC, private_config(), Some(&member)).await;
    assert_eq!(
        reply,
        json!({"status": "ok", "response": {"postgres_changes": []}})
    );
    let b_join = b
        .join_ok(
            SYNC,
            json!({"broadcast": {"ack": true, "self": true}, "presence": {"key": "", "enabled": false}, "private": true}),
            Some(&owner),
        )
        .await;

    backend
        .admin
        .batch_execute(
            r#"select realtime.send('{"version":99}'::jsonb, 'version', 'punctaj:sync', true)"#,
        )
        .await
        .unwrap();
    let got = a.recv_where("broadcast", is_broadcast).await;
    assert_eq!(got[0], Value::Null);
    assert_eq!(got[2], SYNC);
    assert_eq!(got[4]["type"], "broadcast");
    assert_eq!(got[4]["event"], "version");
    assert_eq!(got[4]["payload"]["version"], 99);
    let id = got[4]["meta"]["id"].as_str().unwrap().to_string();
    let stored: String = backend
        .admin
        .query_one("select id::text from realtime.messages where event = 'version' and payload ->> 'version' = '99'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, stored);
    b.recv_where("broadcast", is_broadcast).await;

    // A public message of the same name does not reach the private channel.
    backend
        .admin
        .batch_execute(
            r#"select realtime.send('{"public":1}'::jsonb, 'version', 'punctaj:sync', false)"#,
        )
        .await
        .unwrap();

    // A real version bump, by the owner through the RPC.
    let (status, body) = backend.rpc(Some(&owner), "force_sync", json!({})).await;
    assert!(status.is_success(), "force_sync: {status} {body}");
    let got = a.recv_where("version broadcast", is_broadcast).await;
    assert_eq!(got[4]["event"], "version");
    assert!(got[4]["payload"]["version"].as_i64().unwrap() > 0, "{got}");
    assert!(got[4]["payload"].get("public").is_none(), "{got}");

    // Nobody may broadcast on punctaj:sync: refused with ack, and not delivered.
    let r = b
        .push(
            Some(&b_join),
            SYNC,
            "broadcast",
            json!({"type": "broadcast", "event": "version", "payload": {"version": 1000}}),
        )
        .await;
    let reply = b.reply_to(&r).await;
    assert_eq!(reply["status"], "error", "{reply}");
    a.expect_none(Duration::from_millis(500), |v| {
        is_broadcast(v) && v[4]["payload"]["version"] == 1000
    })
    .await;
    backend.stop().await;
}

#[tokio::test]
async fn presence_diffs_between_two_sockets() {
    let backend = TestBackend::start().await;
    let mut a = Client::connect(&backend).await;
    let mut b = Client::connect(&backend).await;
    let topic = "realtime:lobby";
    let a_join = a.join_ok(topic, public_config("alice", false), None).await;
    let state = a
        .recv_where("presence_state", |v| v[3] == "presence_state")
        .await;
    assert_eq!(state[0], json!(a_join));
    assert_eq!(state[4], json!({}));
    let r = a
        .push(
            Some(&a_join),
            topic,
            "presence",
            json!({"type": "presence", "event": "track", "payload": {"online_at": 1}}),
        )
        .await;
    assert_eq!(a.reply_to(&r).await["status"], "ok");
    let diff = a
        .recv_where("own presence_diff", |v| v[3] == "presence_diff")
        .await;
    assert_eq!(diff[4]["joins"]["alice"]["metas"][0]["online_at"], 1);

    let b_join = b.join_ok(topic, public_config("bob", false), None).await;
    let state = b
        .recv_where("presence_state", |v| v[3] == "presence_state")
        .await;
    let metas = &state[4]["alice"]["metas"];
    assert_eq!(metas[0]["online_at"], 1);
    assert!(metas[0]["phx_ref"].is_string());

    let r = b
        .push(
            Some(&b_join),
            topic,
            "presence",
            json!({"type": "presence", "event": "track", "payload": {"name": "bob"}}),
        )
        .await;
    assert_eq!(b.reply_to(&r).await["status"], "ok");
    let diff = a
        .recv_where("bob's join", |v| v[3] == "presence_diff")
        .await;
    assert_eq!(diff[4]["joins"]["bob"]["metas"][0]["name"], "bob");
    assert_eq!(diff[4]["leaves"], json!({}));

    let r = b
        .push(
            Some(&b_join),
            topic,
            "presence",
            json!({"type": "presence", "event": "untrack"}),
        )
        .await;
    assert_eq!(b.reply_to(&r).await["status"], "ok");
    let diff = a
        .recv_where("bob's leave", |v| v[3] == "presence_diff")
        .await;
    assert_eq!(diff[4]["leaves"]["bob"]["metas"][0]["name"], "bob");

    // A disconnect removes what the socket tracked.
    drop(a);
    let diff = b
        .recv_where("alice's leave", |v| {
            v[3] == "presence_diff" && v[4]["leaves"]["alice"].is_object()
        })
        .await;
    assert_eq!(diff[4]["leaves"]["alice"]["metas"][0]["online_at"], 1);
    backend.stop().await;
}

#[tokio::test]
async fn presence_on_the_private_channel_follows_the_policies() {
    let backend = TestBackend::start().await;
    let member = backend.token("member@punctaj.test").await;
    let viewer = backend.token("viewer@punctaj.test").await;
    let mut a = Client::connect(&backend).await;
    let mut b = Client::connect(&backend).await;
    let mut config = private_config();
    config["presence"] = json!({"key": "member", "enabled": true});
    let a_join = a.join_ok(SYNC, config.clone(), Some(&member)).await;
    a.recv_where("presence_state", |v| v[3] == "presence_state")
        .await;
    config["presence"]["key"] = json!("viewer");
    b.join_ok(SYNC, config, Some(&viewer)).await;
    b.recv_where("presence_state", |v| v[3] == "presence_state")
        .await;
    let r = a
        .push(
            Some(&a_join),
            SYNC,
            "presence",
            json!({"type": "presence", "event": "track", "payload": {"page": "home"}}),
        )
        .await;
    assert_eq!(a.reply_to(&r).await["status"], "ok");
    let diff = b
        .recv_where("member's join", |v| v[3] == "presence_diff")
        .await;
    assert_eq!(diff[4]["joins"]["member"]["metas"][0]["page"], "home");
    backend.stop().await;
}

#[tokio::test]
async fn replay_sends_the_latest_stored_broadcasts_oldest_first() {
    let backend = TestBackend::start().await;
    let member = backend.token("member@punctaj.test").await;
    let since = chrono::Utc::now().timestamp_millis() - 1000;
    for n in 1..=3 {
        backend
            .admin
            .batch_execute(&format!(
                r#"select realtime.send('{{"n":{n}}}'::jsonb, 'version', 'punctaj:sync', true)"#
            ))
            .await
            .unwrap();
        // Distinct inserted_at values, so "oldest first" is well defined.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut c = Client::connect(&backend).await;
    let mut config = private_config();
    config["broadcast"]["replay"] = json!({"since": since, "limit": 2});
    let join_ref = c.join_ok(SYNC, config, Some(&member)).await;
    let first = c.recv_where("replayed 1", is_broadcast).await;
    let second = c.recv_where("replayed 2", is_broadcast).await;
    assert_eq!(first[0], json!(join_ref));
    assert_eq!(first[4]["payload"]["n"], 2);
    assert_eq!(second[4]["payload"]["n"], 3);
    assert_eq!(first[4]["meta"]["replayed"], true);
    assert!(first[4]["meta"]["id"].is_string());
    c.expect_none(Duration::from_millis(300), is_broadcast)
        .await;

    // Replay needs read permission, and a private channel.
    let pending = backend.token("pending@punctaj.test").await;
    let mut config = private_config();
    config["broadcast"]["replay"] = json!({"since": since});
    let (_, reply) = c.join(SYNC, config.clone(), Some(&pending)).await;
    assert_eq!(reply["status"], "error");
    config["private"] = json!(false);
    let (_, reply) = c.join("realtime:public-room", config, None).await;
    assert_eq!(
        reply["response"]["reason"],
        "UnableToReplayMessages: Replay is not allowed for public channels"
    );
    backend.stop().await;
}

#[tokio::test]
async fn client_broadcasts_on_public_channels_json_and_binary() {
    let backend = TestBackend::start().await;
    let mut a = Client::connect(&backend).await;
    let mut b = Client::connect(&backend).await;
    let mut v1 = Client::connect_with(&backend, &backend.anon_key, "1.0.0").await;
    let topic = "realtime:room";
    let a_join = a.join_ok(topic, public_config("", false), None).await;
    b.join_ok(topic, public_config("", false), None).await;
    v1.send_text(json!({"topic": topic, "event": "phx_join", "payload": {"config": public_config("", false)}, "ref": "1", "join_ref": "1"}).to_string())
        .await;
    let reply = v1
        .recv_where("v1 join", |v| v["event"] == "phx_reply")
        .await;
    assert_eq!(reply["payload"]["status"], "ok");

    let r = a
        .push(
            Some(&a_join),
            topic,
            "broadcast",
            json!({"type": "broadcast", "event": "cursor", "payload": {"x": 1}}),
        )
        .await;
    assert_eq!(a.reply_to(&r).await["status"], "ok");
    let got = b.recv_where("broadcast", is_broadcast).await;
    assert_eq!(
        got[4],
        json!({"type": "broadcast", "event": "cursor", "payload": {"x": 1}})
    );
    let got = v1
        .recv_where("v1 broadcast", |v| v["event"] == "broadcast")
        .await;
    assert_eq!(got["payload"]["payload"], json!({"x": 1}));
    // Not to itself (config.broadcast.self is false).
    a.expect_none(Duration::from_millis(300), is_broadcast)
        .await;

    // realtime-js 2.119's binary "user broadcast push", JSON-encoded payload.
    let (jr, r, ev, payload) = (a_join.as_bytes(), b"77", b"cursor", br#"{"x":2}"#);
    let mut frame = vec![
        3,
        jr.len() as u8,
        2,
        topic.len() as u8,
        ev.len() as u8,
        0,
        1,
    ];
    frame.extend_from_slice(jr);
    frame.extend_from_slice(r);
    frame.extend_from_slice(topic.as_bytes());
    frame.extend_from_slice(ev);
    frame.extend_from_slice(payload);
    a.ws.send(Message::binary(frame)).await.unwrap();
    assert_eq!(a.reply_to("77").await["status"], "ok");
    let binary = loop {
        match b.recv().await {
            Received::Binary(bytes) => break bytes,
            Received::Closed(c) => panic!("closed {c:?}"),
            Received::Text(_) => {}
        }
    };
    // Kind 4, topic, event, no metadata, JSON encoding.
    assert_eq!(&binary[..5], &[4, topic.len() as u8, 6, 0, 1]);
    assert!(binary.ends_with(br#"{"x":2}"#));
    let got = v1
        .recv_where("v1 copy of binary", |v| v["event"] == "broadcast")
        .await;
    assert_eq!(
        got["payload"],
        json!({"type": "broadcast", "event": "cursor", "payload": {"x": 2}})
    );

    // Leave: ok, then phx_close; pushes after that are unmatched.
    let r = a.push(Some(&a_join), topic, "phx_leave", json!({})).await;
    assert_eq!(a.reply_to(&r).await["status"], "ok");
    let close = a.recv_where("phx_close", |v| v[3] == "phx_close").await;
    assert_eq!(close[0], json!(a_join));
    let r = a
        .push(
            Some(&a_join),
            topic,
            "broadcast",
            json!({"type": "broadcast", "event": "cursor", "payload": {}}),
        )
        .await;
    assert_eq!(
        a.reply_to(&r).await["response"]["reason"],
        "unmatched topic"
    );
    backend.stop().await;
}

#[tokio::test]
async fn access_token_pushes_are_verified_and_expiry_closes_the_channel() {
    let backend = TestBackend::start().await;
    let member = backend.sign_in("member@punctaj.test").await;
    let mut c = Client::connect(&backend).await;
    let join_ref = c
        .join_ok(SYNC, private_config(), Some(&member.access_token))
        .await;
    // A refreshed valid token keeps the channel.
    let now = chrono::Utc::now().timestamp();
    let fresh = backend.sign_jwt(json!({"role": "authenticated", "sub": member.user_id, "exp": now + 2, "aud": "authenticated"}));
    c.push(
        Some(&join_ref),
        SYNC,
        "access_token",
        json!({"access_token": fresh}),
    )
    .await;
    let r = c.push(None, "phoenix", "heartbeat", json!({})).await;
    assert_eq!(c.reply_to(&r).await["status"], "ok");
    // When it expires: a system error, then phx_close.
    let system = c.recv_where("system message", |v| v[3] == "system").await;
    assert_eq!(system[0], json!(join_ref));
    assert_eq!(system[4]["status"], "error");
    assert_eq!(system[4]["extension"], "system");
    assert_eq!(system[4]["channel"], "punctaj:sync");
    assert!(
        system[4]["message"]
            .as_str()
            .unwrap()
            .starts_with("Token has expired"),
        "{system}"
    );
    c.recv_where("phx_close", |v| v[3] == "phx_close").await;

    // A forged token pushed on a joined channel shuts it down too.
    let join_ref = c
        .join_ok(SYNC, private_config(), Some(&member.access_token))
        .await;
    let forged = jwt_with_other_secret(json!({"role": "authenticated", "exp": now + 600}));
    c.push(
        Some(&join_ref),
        SYNC,
        "access_token",
        json!({"access_token": forged}),
    )
    .await;
    let system = c.recv_where("system message", |v| v[3] == "system").await;
    assert_eq!(system[4]["message"], "Failed to validate JWT signature");
    c.recv_where("phx_close", |v| v[3] == "phx_close").await;
    // A token of an account without access revokes read permission.
    let join_ref = c
        .join_ok(SYNC, private_config(), Some(&member.access_token))
        .await;
    let pending = backend.token("pending@punctaj.test").await;
    c.push(
        Some(&join_ref),
        SYNC,
        "access_token",
        json!({"access_token": pending}),
    )
    .await;
    let system = c.recv_where("system message", |v| v[3] == "system").await;
    assert_eq!(
        system[4]["message"],
        "You no longer have permission to read from this Channel topic: punctaj:sync"
    );
    backend.stop().await;
}

#[tokio::test]
async fn silent_sockets_are_closed_after_the_heartbeat_timeout() {
    let backend = TestBackend::start_with(TestOptions {
        realtime_heartbeat_timeout_secs: Some(1),
        ..TestOptions::default()
    })
    .await;
    let mut c = Client::connect(&backend).await;
    c.join_ok("realtime:quiet", public_config("", false), None)
        .await;
    let started = std::time::Instant::now();
    loop {
        if let Received::Closed(_) = c.recv().await {
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    backend.stop().await;
}

#[tokio::test]
async fn postgres_changes_are_answered_but_reported_as_not_implemented() {
    let backend = TestBackend::start().await;
    let mut c = Client::connect(&backend).await;
    let mut config = public_config("", false);
    config["postgres_changes"] = json!([{"event": "*", "schema": "public", "table": "cities"}]);
    let (join_ref, reply) = c.join("realtime:changes", config, None).await;
    assert_eq!(reply["status"], "ok");
    let bindings = &reply["response"]["postgres_changes"];
    assert_eq!(bindings[0]["table"], "cities");
    assert!(bindings[0]["id"].is_number());
    let system = c.recv_where("system", |v| v[3] == "system").await;
    assert_eq!(system[0], json!(join_ref));
    assert_eq!(system[4]["extension"], "postgres_changes");
    assert_eq!(system[4]["status"], "error");
    backend.stop().await;
}

/// The fan-out the lock benchmark relies on: one database broadcast to 200 joined sockets. The
/// bound is loose (debug build, shared cores); the measured times are printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_broadcast_reaches_200_sockets_quickly() {
    let backend = TestBackend::start().await;
    let member = backend.token("member@punctaj.test").await;
    let mut clients = Vec::new();
    for _ in 0..200 {
        let mut c = Client::connect(&backend).await;
        c.join_ok(SYNC, private_config(), Some(&member)).await;
        clients.push(c);
    }
    let mut last_arrivals = Vec::new();
    for round in 0..10 {
        let started = std::time::Instant::now();
        backend
            .admin
            .batch_execute(&format!(
                r#"select realtime.send('{{"round":{round}}}'::jsonb, 'version', 'punctaj:sync', true)"#
            ))
            .await
            .unwrap();
        let arrivals = futures_util::future::join_all(clients.iter_mut().map(|c| async move {
            c.recv_where("round broadcast", |v| {
                is_broadcast(v) && v[4]["payload"]["round"] == round
            })
            .await;
            started.elapsed()
        }))
        .await;
        last_arrivals.push(arrivals.into_iter().max().unwrap());
    }
    last_arrivals.sort();
    let p50 = last_arrivals[last_arrivals.len() / 2];
    let max = *last_arrivals.last().unwrap();
    eprintln!("200 sockets: last arrival p50 {p50:?}, max {max:?} over 10 rounds");
    assert!(max < Duration::from_secs(2), "max {max:?}");
    backend.stop().await;
}

#[tokio::test]
async fn large_database_messages_are_read_back_and_old_ones_deleted() {
    let backend = TestBackend::start().await;
    let member = backend.token("member@punctaj.test").await;
    let mut c = Client::connect(&backend).await;
    c.join_ok(SYNC, private_config(), Some(&member)).await;
    // Too large for a NOTIFY payload: the trigger sends only the id.
    let big = "ă".repeat(10_000);
    backend
        .admin
        .execute(
            "select realtime.send(jsonb_build_object('big', $1::text), 'version', 'punctaj:sync', true)",
            &[&big],
        )
        .await
        .unwrap();
    let got = c.recv_where("large broadcast", is_broadcast).await;
    assert_eq!(got[4]["payload"]["big"], json!(big));
    assert!(got[4]["meta"]["id"].is_string());

    backend
        .admin
        .batch_execute(
            "insert into realtime.messages (topic, extension, payload, event, private, inserted_at) \
             values ('punctaj:sync', 'broadcast', '{\"old\":true}', 'version', true, now() - interval '4 days')",
        )
        .await
        .unwrap();
    let deleted = punctaj_local_backend::realtime::listener::delete_older_than(
        &backend.state.pool,
        Duration::from_secs(3 * 24 * 3600),
    )
    .await
    .unwrap();
    // (The server's own cleanup at start may already have removed older template rows.)
    assert!(deleted >= 1);
    let old: i64 = backend
        .admin
        .query_one(
            "select count(*) from realtime.messages where payload ? 'old'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(old, 0);
    let left: i64 = backend
        .admin
        .query_one(
            "select count(*) from realtime.messages where payload ? 'big'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 1, "recent messages stay");
    backend.stop().await;
}
