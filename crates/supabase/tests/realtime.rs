//! The Realtime state machine through its public API, against frames captured from
//! realtime-js 2.119.0 (`fixtures/realtime-js-frames.jsonl`, made by
//! `fixtures/realtime-js-capture.mjs`) and through the timelines that matter: heartbeats,
//! dead sockets, reconnects with replay, token refreshes, refusals, presence, garbage.

use punctaj_supabase::SupabaseConfig;
use punctaj_supabase::realtime::{
    ConnectionState, DownReason, Output, PresenceEntry, RealtimeEvent, RealtimeOptions,
    RealtimeSession,
};
use serde_json::{Value, json};

const CAPTURE: &str = include_str!("fixtures/realtime-js-frames.jsonl");
const URL: &str =
    "ws://127.0.0.1:54321/realtime/v1/websocket?apikey=sb_publishable_a%2Bb%2Fc%3D&vsn=2.0.0";
const TOPIC: &str = "realtime:punctaj:sync";
const HEARTBEAT: f64 = 25_000.0;

// Helpers ---------------------------------------------------------------------------------

fn options() -> RealtimeOptions {
    RealtimeOptions::new(URL, "punctaj:sync", "client-key")
}

/// A session whose jitter source always says `random`.
fn session(random: f64) -> RealtimeSession {
    RealtimeSession::new(options(), Box::new(move || random))
}

fn sent(out: &[Output]) -> Vec<Value> {
    out.iter()
        .filter_map(|output| match output {
            Output::Send(text) => Some(serde_json::from_str(text).expect("we send JSON")),
            _ => None,
        })
        .collect()
}

fn sent_text(out: &[Output]) -> Vec<&str> {
    out.iter()
        .filter_map(|output| match output {
            Output::Send(text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn events(out: &[Output]) -> Vec<RealtimeEvent> {
    out.iter()
        .filter_map(|output| match output {
            Output::Event(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

fn states(out: &[Output]) -> Vec<ConnectionState> {
    events(out)
        .into_iter()
        .filter_map(|event| match event {
            RealtimeEvent::State(state) => Some(state),
            _ => None,
        })
        .collect()
}

fn opens(out: &[Output]) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::Open { .. }))
        .count()
}

fn closes(out: &[Output]) -> usize {
    out.iter().filter(|o| matches!(o, Output::Close)).count()
}

fn text(value: &Value) -> String {
    value.to_string()
}

fn join_of(out: &[Output]) -> Value {
    sent(out)
        .into_iter()
        .find(|frame| frame[3] == "phx_join")
        .expect("a join was sent")
}

fn reply(join_ref: &Value, msg_ref: &Value, status: &str, response: Value) -> String {
    text(&json!([join_ref, msg_ref, TOPIC, "phx_reply", {"status": status, "response": response}]))
}

/// Connected and joined at `t`; returns the join's ref.
fn join(session: &mut RealtimeSession, t: f64) -> Value {
    session.connect(t);
    let join = join_of(&session.on_open(t));
    let out = session.on_text(&reply(&join[0], &join[1], "ok", json!({})), t + 10.0);
    assert_eq!(states(&out), vec![ConnectionState::Joined]);
    join[0].clone()
}

fn broadcast(event: &str, payload: Value, meta: Value) -> String {
    text(&json!([null, null, TOPIC, "broadcast",
        {"type": "broadcast", "event": event, "payload": payload, "meta": meta}]))
}

/// The capture: one `[kind, …]` array per line, split into scenarios.
fn capture(scenario: &str) -> Vec<Value> {
    let lines: Vec<Value> = CAPTURE
        .lines()
        .map(|line| serde_json::from_str(line).expect("capture line"))
        .collect();
    let start = lines
        .iter()
        .position(|line| line[0] == "SCENARIO" && line[1] == scenario)
        .expect("scenario");
    lines[start + 1..]
        .iter()
        .take_while(|line| line[0] != "SCENARIO")
        .cloned()
        .collect()
}

/// A frame's text after its two refs: what must be byte for byte realtime-js's.
fn after_refs(frame: &str) -> &str {
    let value: Value = serde_json::from_str(frame).unwrap();
    assert!(value[0].is_null() || value[0].is_string(), "{frame}");
    assert!(value[1].is_string(), "{frame}");
    let topic = frame
        .find(",\"realtime:")
        .or_else(|| frame.find(",\"phoenix\""))
        .unwrap();
    &frame[topic..]
}

fn captured_sends<'a>(lines: &'a [Value], event: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|line| line[0] == "SEND")
        .map(|line| line[1].as_str().unwrap())
        .filter(|frame| serde_json::from_str::<Value>(frame).unwrap()[3] == event)
        .collect()
}

// The wire format, against realtime-js -------------------------------------------------------

#[test]
fn the_url_is_the_one_realtime_js_opens() {
    let lines = capture("first");
    assert_eq!(lines[0], json!(["OPEN", URL]));
    let config = SupabaseConfig::new("http://127.0.0.1:54321", "sb_publishable_a+b/c=").unwrap();
    assert_eq!(config.realtime_url(), URL);
    let mut session = session(0.5);
    assert_eq!(
        session.connect(0.0)[0],
        Output::Open {
            url: URL.to_owned()
        }
    );
}

#[test]
fn the_first_join_is_realtime_js_s_without_replay_or_token() {
    let lines = capture("first");
    let expected = captured_sends(&lines, "phx_join")[0];
    let mut session = session(0.5);
    session.connect(0.0);
    let out = session.on_open(0.0);
    let ours = sent_text(&out);
    assert_eq!(ours.len(), 1);
    assert_eq!(after_refs(ours[0]), after_refs(expected));
    // Phoenix: the join's ref is its join_ref.
    let join = join_of(&out);
    assert_eq!(join[0], join[1]);
}

#[test]
fn a_rejoin_is_realtime_js_s_with_replay_since_the_last_sign_of_life_and_the_token() {
    let lines = capture("replay");
    let since = 1_700_000_000_000.0;
    let mut session = session(0.5);
    session.set_access_token(Some("user.jwt.one".into()), 0.0);
    join(&mut session, since - 10.0); // joined at `since`
    let out = session.on_close("1006", since + 5_000.0);
    let Some(ConnectionState::Down {
        retry_at_ms: Some(retry),
        ..
    }) = states(&out).pop()
    else {
        panic!("{out:?}")
    };
    assert_eq!(opens(&session.on_tick(retry)), 1);
    let out = session.on_open(retry + 20.0);
    let ours = sent_text(&out);
    assert_eq!(
        after_refs(ours[0]),
        after_refs(captured_sends(&lines, "phx_join")[0])
    );
}

/// The whole "replay" scenario: the frames the server sent to realtime-js, given to us (with
/// our refs); what we send and the presence we keep must be what realtime-js sent and kept.
#[test]
fn realtime_js_s_session_replayed_gives_the_same_frames_and_presence() {
    let lines = capture("replay");
    let mut session = session(0.5);
    session.set_access_token(Some("user.jwt.one".into()), 0.0);
    session.connect(0.0);
    let our_join = join_of(&session.on_open(0.0));
    let mut our_out = Vec::new();
    let mut presences = Vec::new();
    let mut broadcasts = Vec::new();
    let mut t = 10.0;
    let mut pending_heartbeat: Option<Value> = None;
    for line in &lines {
        t += 1.0;
        match line[0].as_str().unwrap() {
            "RECV" => {
                let mut frame: Value = serde_json::from_str(line[1].as_str().unwrap()).unwrap();
                if frame[2] == "phoenix" {
                    frame[1] = pending_heartbeat.take().expect("a heartbeat to answer");
                } else {
                    if !frame[0].is_null() {
                        frame[0] = our_join[0].clone();
                    }
                    if frame[3] == "phx_reply" {
                        frame[1] = our_join[1].clone();
                    }
                }
                let out = session.on_text(&frame.to_string(), t);
                our_out.extend(out);
            }
            "BIN" => {
                let hex = line[1].as_str().unwrap();
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                our_out.extend(session.on_binary(&bytes, t));
            }
            "STATUS" if line[1] == "SUBSCRIBED" => {
                // realtime-js tracks from its subscribe callback; we track once, kept. (The
                // keys are in alphabetical order because serde_json keeps them so.)
                let meta = json!({"locked": false, "name": "Ana", "version": 3});
                our_out.extend(session.track(meta, t));
            }
            "PRESENCE" => presences.push(line[1].clone()),
            "BROADCAST" => broadcasts.push(line[1].clone()),
            "SEND" if line[1].as_str().unwrap().contains("access_token\",{") => {
                our_out.extend(session.set_access_token(Some("user.jwt.two".into()), t));
            }
            "SEND" if line[1].as_str().unwrap().contains("\"heartbeat\"") => {
                let out = session.on_tick(t + HEARTBEAT);
                t += HEARTBEAT;
                pending_heartbeat = sent(&out).first().map(|frame| frame[1].clone());
                our_out.extend(out);
            }
            _ => {}
        }
    }
    // The pushes after the join, byte for byte after their refs.
    for event in ["presence", "access_token"] {
        let theirs: Vec<&str> = captured_sends(&lines, event)
            .into_iter()
            .map(after_refs)
            .collect();
        let ours: Vec<String> = sent_text(&our_out)
            .into_iter()
            .filter(|frame| serde_json::from_str::<Value>(frame).unwrap()[3] == event)
            .map(|frame| after_refs(frame).to_owned())
            .collect();
        assert_eq!(ours, theirs, "{event}");
    }
    let theirs = captured_sends(&lines, "heartbeat");
    assert_eq!(
        after_refs(
            sent_text(&our_out)
                .iter()
                .find(|f| f.contains("heartbeat"))
                .unwrap()
        ),
        after_refs(theirs[0])
    );
    // Presence after each update: realtime-js's `presenceState()`, key → metas in order.
    let ours: Vec<Value> = events(&our_out)
        .into_iter()
        .filter_map(|event| match event {
            RealtimeEvent::Presence(list) => Some(as_presence_state(&list)),
            _ => None,
        })
        .collect();
    assert_eq!(ours, presences);
    // Broadcasts, text and binary.
    let ours: Vec<(String, Value, bool)> = events(&our_out)
        .into_iter()
        .filter_map(|event| match event {
            RealtimeEvent::Broadcast {
                event,
                payload,
                replayed,
            } => Some((event, payload, replayed)),
            _ => None,
        })
        .collect();
    let theirs: Vec<(String, Value, bool)> = broadcasts
        .iter()
        .map(|b| {
            (
                b["event"].as_str().unwrap().to_owned(),
                b["payload"].clone(),
                b["meta"]["replayed"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(theirs[1], ("version".into(), json!({"v": 7}), true));
    assert_eq!(session.status().ignored_frames, 0);
}

/// realtime-js's `presenceState()` shape: `{key: [{…meta, presence_ref}]}`.
fn as_presence_state(list: &[PresenceEntry]) -> Value {
    let mut state = serde_json::Map::new();
    for entry in list {
        let mut meta = entry.meta.as_object().unwrap().clone();
        meta.insert(
            "presence_ref".into(),
            Value::from(entry.presence_ref.clone()),
        );
        state
            .entry(entry.key.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .unwrap()
            .push(Value::Object(meta));
    }
    Value::Object(state)
}

// Heartbeats, dead sockets, reconnects ------------------------------------------------------

#[test]
fn heartbeats_every_25_s_and_a_missing_reply_closes_and_reconnects_after_a_jittered_backoff() {
    for (random, low, high) in [
        (0.0, 750.0, 750.0),
        (0.5, 1_000.0, 1_000.0),
        (0.999, 1_248.0, 1_250.0),
    ] {
        let mut session = session(random);
        join(&mut session, 0.0);
        // Nothing before the interval.
        assert!(session.on_tick(HEARTBEAT - 1.0).is_empty());
        let out = session.on_tick(HEARTBEAT);
        let beat = &sent(&out)[0];
        assert_eq!(
            text(&json!([beat[0], beat[2], beat[3], beat[4]])),
            r#"[null,"phoenix","heartbeat",{}]"#
        );
        let out = session.on_text(
            &text(
                &json!([null, beat[1], "phoenix", "phx_reply", {"status": "ok", "response": {}}]),
            ),
            HEARTBEAT + 40.0,
        );
        assert_eq!(
            events(&out),
            vec![RealtimeEvent::Heartbeat {
                rtt_ms: 40.0,
                at_ms: HEARTBEAT + 40.0
            }]
        );
        assert_eq!(session.status().last_heartbeat_ms, Some(HEARTBEAT + 40.0));
        // The next one is due 25 s after the reply; it gets no answer.
        let second = HEARTBEAT * 2.0 + 40.0;
        assert!(session.on_tick(second - 1.0).is_empty());
        assert_eq!(sent(&session.on_tick(second)).len(), 1);
        assert!(session.on_tick(second + HEARTBEAT - 1.0).is_empty());
        let dead_at = second + HEARTBEAT;
        let out = session.on_tick(dead_at);
        assert_eq!(closes(&out), 1);
        let [
            ConnectionState::Down {
                reason: DownReason::HeartbeatTimeout,
                retry_at_ms: Some(retry),
            },
        ] = states(&out)[..]
        else {
            panic!("{out:?}")
        };
        let delay = retry - dead_at;
        assert!((low..=high).contains(&delay), "{delay} for {random}");
        // The late close of the dead socket changes nothing.
        assert!(session.on_close("1006", dead_at + 1.0).is_empty());
        assert!(session.on_tick(retry - 1.0).is_empty());
        let out = session.on_tick(retry);
        assert_eq!(out[0], Output::Open { url: URL.into() });
        assert_eq!(states(&out), vec![ConnectionState::Connecting]);
    }
}

#[test]
fn after_a_reconnect_it_rejoins_with_replay_since_the_last_sign_of_life_retracks_and_says_joined() {
    let mut session = session(0.5);
    session.set_access_token(Some("jwt".into()), 0.0);
    let first = join(&mut session, 0.0);
    session.track(json!({"name": "Ana"}), 20.0);
    // A broadcast at 7 s is the last thing heard.
    let out = session.on_text(
        &broadcast("version", json!({"version": 2}), json!({})),
        7_000.0,
    );
    assert_eq!(events(&out).len(), 1);
    let out = session.on_close("1006: gone", 9_000.0);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::SocketClosed("1006: gone".into()),
            retry_at_ms: Some(10_000.0)
        }]
    );
    session.on_tick(10_000.0);
    let join = join_of(&session.on_open(10_100.0));
    assert_ne!(join[0], first);
    assert_eq!(
        join[4]["config"]["broadcast"]["replay"],
        json!({"since": 7_000, "limit": 25})
    );
    assert_eq!(join[4]["access_token"], "jwt");
    let out = session.on_text(&reply(&join[0], &join[1], "ok", json!({})), 10_200.0);
    assert_eq!(states(&out), vec![ConnectionState::Joined]);
    let frames = sent(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0][3], "presence");
    assert_eq!(frames[0][0], join[0]);
    assert_eq!(
        frames[0][4],
        json!({"type": "presence", "event": "track", "payload": {"name": "Ana"}})
    );
    // Replayed broadcasts are marked.
    let out = session.on_text(
        &broadcast("version", json!({"version": 3}), json!({"replayed": true})),
        10_300.0,
    );
    assert_eq!(
        events(&out),
        vec![RealtimeEvent::Broadcast {
            event: "version".into(),
            payload: json!({"version": 3}),
            replayed: true
        }]
    );
    assert_eq!(session.status().joins, 2);
}

#[test]
fn the_backoff_grows_while_failing_and_starts_again_once_joined() {
    let mut session = session(0.5);
    session.connect(0.0);
    let mut t = 0.0;
    let mut delays = Vec::new();
    for _ in 0..6 {
        let out = session.on_close("1006", t);
        let [
            ConnectionState::Down {
                retry_at_ms: Some(retry),
                ..
            },
        ] = states(&out)[..]
        else {
            panic!("{out:?}")
        };
        delays.push(retry - t);
        t = retry;
        assert_eq!(opens(&session.on_tick(t)), 1);
    }
    assert_eq!(
        delays,
        vec![1_000.0, 2_000.0, 5_000.0, 10_000.0, 30_000.0, 30_000.0]
    );
    let join = join_of(&session.on_open(t));
    session.on_text(&reply(&join[0], &join[1], "ok", json!({})), t);
    let out = session.on_close("1006", t + 1.0);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::SocketClosed("1006".into()),
            retry_at_ms: Some(t + 1_001.0)
        }]
    );
}

#[test]
fn a_socket_that_never_opens_or_fails_to_open_is_retried() {
    let mut session = session(0.5);
    session.connect(0.0);
    assert!(session.on_tick(9_999.0).is_empty());
    let out = session.on_tick(10_000.0);
    assert_eq!(closes(&out), 1);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::ConnectTimeout,
            retry_at_ms: Some(11_000.0)
        }]
    );
    session.on_tick(11_000.0);
    let out = session.on_close("1006", 11_500.0);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::ConnectFailed("1006".into()),
            retry_at_ms: Some(13_500.0)
        }]
    );
}

#[test]
fn a_stuck_join_leaves_and_rejoins_on_the_same_socket_after_a_backoff() {
    let mut session = session(0.5);
    session.connect(0.0);
    let first = join_of(&session.on_open(0.0));
    assert!(session.on_tick(9_999.0).is_empty());
    let out = session.on_tick(10_000.0);
    let frames = sent(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (&frames[0][0], &frames[0][3]),
        (&first[0], &json!("phx_leave"))
    );
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::JoinTimeout,
            retry_at_ms: Some(11_000.0)
        }]
    );
    // A late reply to the abandoned join is stale.
    assert!(
        session
            .on_text(&reply(&first[0], &first[1], "ok", json!({})), 10_500.0)
            .is_empty()
    );
    let out = session.on_tick(11_000.0);
    assert_eq!(opens(&out), 0);
    let second = join_of(&out);
    assert_ne!(second[0], first[0]);
    assert_eq!(states(&out), vec![ConnectionState::Connecting]);
    let out = session.on_text(&reply(&second[0], &second[1], "ok", json!({})), 11_100.0);
    assert_eq!(states(&out), vec![ConnectionState::Joined]);
}

#[test]
fn channel_errors_closes_and_system_errors_rejoin_with_backoff() {
    for (event, payload, reason) in [
        ("phx_error", json!({}), DownReason::ChannelError),
        ("phx_close", json!({}), DownReason::ChannelClosed),
        (
            "system",
            json!({"status": "error", "message": "Token has expired", "extension": "system"}),
            DownReason::ServerError("Token has expired".into()),
        ),
    ] {
        let mut session = session(0.5);
        let join_ref = join(&mut session, 0.0);
        // A `system` ok (e.g. about postgres changes) is nothing to act on.
        assert!(session.on_text(&text(&json!([join_ref, null, TOPIC, "system", {"status": "ok", "message": "fine"}])), 50.0).is_empty());
        let out = session.on_text(
            &text(&json!([join_ref, join_ref, TOPIC, event, payload])),
            100.0,
        );
        assert_eq!(
            states(&out),
            vec![ConnectionState::Down {
                reason,
                retry_at_ms: Some(1_100.0)
            }],
            "{event}"
        );
        assert_eq!(closes(&out), 0);
        let out = session.on_tick(1_100.0);
        assert_eq!(
            join_of(&out)[4]["config"]["broadcast"]["replay"]["since"],
            json!(100)
        );
    }
}

// Tokens and refusals ------------------------------------------------------------------------

#[test]
fn a_new_access_token_is_pushed_on_the_joined_channel() {
    let mut session = session(0.5);
    session.set_access_token(Some("one".into()), 0.0);
    let join_ref = join(&mut session, 0.0);
    let out = session.set_access_token(Some("two".into()), 100.0);
    let frames = sent(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0][0], join_ref);
    assert_eq!(
        text(&json!([frames[0][2], frames[0][3], frames[0][4]])),
        r#"["realtime:punctaj:sync","access_token",{"access_token":"two"}]"#
    );
    assert!(
        session
            .set_access_token(Some("two".into()), 200.0)
            .is_empty()
    );
    // Signed out: nothing to push (the server would refuse a null token).
    assert!(session.set_access_token(None, 300.0).is_empty());
}

#[test]
fn a_token_that_changes_while_joining_is_pushed_once_joined() {
    let mut session = session(0.5);
    session.set_access_token(Some("one".into()), 0.0);
    session.connect(0.0);
    let join = join_of(&session.on_open(0.0));
    assert_eq!(join[4]["access_token"], "one");
    assert!(session.set_access_token(Some("two".into()), 5.0).is_empty());
    let out = session.on_text(&reply(&join[0], &join[1], "ok", json!({})), 10.0);
    let frames = sent(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0][4], json!({"access_token": "two"}));
}

#[test]
fn a_refused_join_is_reported_and_not_retried_until_the_token_changes() {
    let mut session = session(0.5);
    session.set_access_token(Some("one".into()), 0.0);
    session.connect(0.0);
    let join = join_of(&session.on_open(0.0));
    let reason =
        "Unauthorized: You do not have permissions to read from this Channel topic: punctaj:sync";
    let out = session.on_text(
        &reply(&join[0], &join[1], "error", json!({"reason": reason})),
        10.0,
    );
    assert_eq!(closes(&out), 1);
    assert_eq!(
        events(&out),
        vec![
            RealtimeEvent::State(ConnectionState::Down {
                reason: DownReason::Refused(reason.into()),
                retry_at_ms: None
            }),
            RealtimeEvent::Refused {
                reason: reason.into()
            },
        ]
    );
    // An hour of ticks, the socket's late close, a visible tab, the same token: nothing.
    for minute in 1..=60 {
        assert!(session.on_tick(minute as f64 * 60_000.0).is_empty());
    }
    assert!(session.on_close("1000", 20.0).is_empty());
    assert!(session.verify_now(3_600_001.0).is_empty());
    assert!(
        session
            .set_access_token(Some("one".into()), 3_600_002.0)
            .is_empty()
    );
    // Signed out: still nothing (a private channel refuses anyone without a token).
    assert!(session.set_access_token(None, 3_600_002.5).is_empty());
    // Another token: try again, with it.
    let out = session.set_access_token(Some("two".into()), 3_600_003.0);
    assert_eq!(opens(&out), 1);
    let join = join_of(&session.on_open(3_600_010.0));
    assert_eq!(join[4]["access_token"], "two");
}

#[test]
fn a_join_error_that_is_not_about_authorisation_is_retried_with_backoff() {
    let mut session = session(0.5);
    session.connect(0.0);
    let join = join_of(&session.on_open(0.0));
    let out = session.on_text(
        &reply(
            &join[0],
            &join[1],
            "error",
            json!({"reason": "Too many channels"}),
        ),
        10.0,
    );
    assert_eq!(closes(&out), 0);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::JoinFailed("Too many channels".into()),
            retry_at_ms: Some(1_010.0)
        }]
    );
    assert!(
        events(&out)
            .iter()
            .all(|e| !matches!(e, RealtimeEvent::Refused { .. }))
    );
    assert_eq!(join_of(&session.on_tick(1_010.0))[3], "phx_join");
}

// Presence -----------------------------------------------------------------------------------

#[test]
fn presence_state_and_diffs_with_several_metas_per_key_give_the_right_list() {
    let mut session = session(0.5);
    let jr = join(&mut session, 0.0);
    let meta =
        |r: &str, name: &str| json!({"phx_ref": r, "name": name, "version": 1, "locked": false});
    let list = |out: &[Output]| -> Vec<(String, String, String)> {
        match events(out).pop() {
            Some(RealtimeEvent::Presence(list)) => list
                .into_iter()
                .map(|e| {
                    (
                        e.key,
                        e.presence_ref,
                        e.meta["name"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            other => panic!("{other:?}"),
        }
    };
    let owned = |rows: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        rows.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    };
    let frame = |event: &str, payload: Value| text(&json!([jr, null, TOPIC, event, payload]));
    let out = session.on_text(
        &frame(
            "presence_state",
            json!({
                "tab-a": {"metas": [meta("1", "Ana"), meta("2", "Ana (old socket)")]},
                "tab-b": {"metas": [meta("3", "Bogdan")]},
            }),
        ),
        100.0,
    );
    assert_eq!(
        list(&out),
        owned(&[
            ("tab-a", "1", "Ana"),
            ("tab-a", "2", "Ana (old socket)"),
            ("tab-b", "3", "Bogdan")
        ])
    );
    // tab-a: its old socket leaves and a re-track joins, in one diff; tab-c arrives.
    let out = session.on_text(&frame("presence_diff", json!({
        "joins": {"tab-a": {"metas": [meta("4", "Ana v2")]}, "tab-c": {"metas": [meta("5", "Cristi")]}},
        "leaves": {"tab-a": {"metas": [meta("2", "Ana (old socket)")]}},
    })), 200.0);
    assert_eq!(
        list(&out),
        owned(&[
            ("tab-a", "1", "Ana"),
            ("tab-a", "4", "Ana v2"),
            ("tab-b", "3", "Bogdan"),
            ("tab-c", "5", "Cristi")
        ])
    );
    // Every meta of tab-a leaves: the key is gone. A leave of an unknown key is nothing.
    let out = session.on_text(&frame("presence_diff", json!({
        "joins": {},
        "leaves": {"tab-a": {"metas": [meta("1", "Ana"), meta("4", "Ana v2")]}, "ghost": {"metas": [meta("9", "?")]}},
    })), 300.0);
    assert_eq!(
        list(&out),
        owned(&[("tab-b", "3", "Bogdan"), ("tab-c", "5", "Cristi")])
    );
    assert_eq!(events(&out).len(), 1);
    let entry = match events(&out).pop() {
        Some(RealtimeEvent::Presence(list)) => list[0].clone(),
        _ => unreachable!(),
    };
    assert_eq!(
        entry.meta,
        json!({"name": "Bogdan", "version": 1, "locked": false})
    );
}

// Bad input ----------------------------------------------------------------------------------

#[test]
fn malformed_frames_binary_garbage_unknown_topics_and_stale_joins_are_ignored() {
    let mut session = session(0.5);
    // Before anything is open: ignored too.
    assert!(
        session
            .on_text(
                "[null,null,\"realtime:punctaj:sync\",\"broadcast\",{}]",
                0.0
            )
            .is_empty()
    );
    let jr = join(&mut session, 0.0);
    let before = session.status().ignored_frames;
    let texts = [
        "".to_owned(),
        "not json".into(),
        "{}".into(),
        "[]".into(),
        "[1,2,3]".into(),
        "null".into(),
        "[null,null,null,null,null]".into(),
        "\u{0}\u{ffff}".into(),
        "[".repeat(10_000),
        text(
            &json!([null, null, "realtime:other", "broadcast", {"event": "version", "payload": {}}]),
        ),
        text(&json!([jr, null, TOPIC, "no_such_event", {}])),
        text(&json!(["999", null, TOPIC, "broadcast", {"event": "version", "payload": {}}])),
        text(&json!([null, "77", "phoenix", "phx_reply", {"status": "ok"}])),
        text(&json!([null, null, TOPIC, "broadcast", {"payload": {"no": "event"}}])),
        text(&json!([null, null, TOPIC, "broadcast", "not an object"])),
        format!(
            "[null,null,\"{TOPIC}\",\"broadcast\",{{\"event\":\"e\",\"payload\":\"{}\"}}]",
            "x".repeat(2 << 20)
        ),
    ];
    for frame in &texts {
        let out = session.on_text(frame, 10.0);
        assert!(out.is_empty(), "{:.80}: {out:?}", frame);
    }
    let binaries: [&[u8]; 8] = [
        &[],
        &[4],
        &[4, 255, 255, 255, 1],
        &[0, 1, 1, 1, 1, b'a', b'b', b'c'],
        &[2, 0, 0, 0],
        &[4, 1, 1, 0, 0, b't', b'e', 1, 2, 3],
        &[4, 21, 1, 0, 1],
        &[0xff; 64],
    ];
    for bytes in binaries {
        assert!(session.on_binary(bytes, 10.0).is_empty(), "{bytes:?}");
    }
    // A well-formed binary broadcast for another topic.
    let mut other = vec![4, 3, 1, 0, 1];
    other.extend_from_slice(b"abce{}");
    assert!(session.on_binary(&other, 10.0).is_empty());
    assert_eq!(
        session.status().ignored_frames - before,
        (texts.len() + binaries.len() + 1) as u64
    );
    assert_eq!(*session.state(), ConnectionState::Joined);
    // And the channel still works.
    let out = session.on_text(
        &broadcast("version", json!({"version": 9}), json!({})),
        20.0,
    );
    assert_eq!(events(&out).len(), 1);
}

#[test]
fn out_of_order_and_duplicate_broadcasts_are_just_delivered() {
    let mut session = session(0.5);
    join(&mut session, 0.0);
    let mut versions = Vec::new();
    for (t, version) in [(1.0, 5), (2.0, 5), (3.0, 4), (4.0, 6)] {
        for event in events(&session.on_text(
            &broadcast("version", json!({"version": version}), json!({"id": "x"})),
            t,
        )) {
            if let RealtimeEvent::Broadcast {
                payload,
                replayed: false,
                ..
            } = event
            {
                versions.push(payload["version"].as_i64().unwrap());
            }
        }
    }
    assert_eq!(versions, vec![5, 5, 4, 6]);
}

// Throttled tabs -----------------------------------------------------------------------------

#[test]
fn verify_now_after_a_throttled_period_detects_a_dead_socket() {
    let mut session = session(0.5);
    join(&mut session, 0.0);
    // The tab was hidden: no tick for minutes. Visible again at 200 s.
    let out = session.verify_now(200_000.0);
    let beat = &sent(&out)[0];
    assert_eq!(beat[3], "heartbeat");
    // No answer within 5 s: dead, though a regular heartbeat would wait 25 s.
    assert!(session.on_tick(204_999.0).is_empty());
    let out = session.on_tick(205_000.0);
    assert_eq!(closes(&out), 1);
    assert!(matches!(
        states(&out)[..],
        [ConnectionState::Down {
            reason: DownReason::HeartbeatTimeout,
            ..
        }]
    ));
}

#[test]
fn verify_now_with_an_overdue_heartbeat_reconnects_at_once() {
    let mut session = session(0.5);
    join(&mut session, 0.0);
    assert_eq!(sent(&session.on_tick(HEARTBEAT)).len(), 1);
    // Throttled: the next tick would have found it dead at 50 s; the tab is visible at 90 s.
    let out = session.verify_now(90_000.0);
    assert_eq!(closes(&out), 1);
    assert_eq!(opens(&out), 1);
    assert_eq!(
        states(&out),
        vec![
            ConnectionState::Down {
                reason: DownReason::HeartbeatTimeout,
                retry_at_ms: Some(91_000.0)
            },
            ConnectionState::Connecting,
        ]
    );
}

#[test]
fn verify_now_on_a_live_socket_keeps_it_and_when_waiting_reconnects_at_once() {
    let mut session = session(0.5);
    join(&mut session, 0.0);
    let out = session.verify_now(3_000.0);
    let beat = &sent(&out)[0];
    let out = session.on_text(
        &text(&json!([null, beat[1], "phoenix", "phx_reply", {"status": "ok", "response": {}}])),
        3_020.0,
    );
    assert_eq!(
        events(&out),
        vec![RealtimeEvent::Heartbeat {
            rtt_ms: 20.0,
            at_ms: 3_020.0
        }]
    );
    assert!(session.on_tick(8_000.0).is_empty());
    assert!(session.on_tick(28_019.0).is_empty());
    assert_eq!(sent(&session.on_tick(28_020.0)).len(), 1);
    // Down and waiting for the backoff: the visible tab does not wait.
    session.on_close("1006", 30_000.0);
    let out = session.verify_now(30_100.0);
    assert_eq!(out[0], Output::Open { url: URL.into() });
}

#[test]
fn disconnect_stops_everything_until_connect() {
    let mut session = session(0.5);
    join(&mut session, 0.0);
    let out = session.disconnect();
    assert_eq!(closes(&out), 1);
    assert_eq!(
        states(&out),
        vec![ConnectionState::Down {
            reason: DownReason::Stopped,
            retry_at_ms: None
        }]
    );
    assert!(session.on_close("1000", 1.0).is_empty());
    assert!(session.on_tick(1_000_000.0).is_empty());
    assert!(session.verify_now(1_000_001.0).is_empty());
    assert!(session.track(json!({"name": "x"}), 1_000_002.0).is_empty());
    assert_eq!(opens(&session.connect(1_000_003.0)), 1);
    assert!(
        session.connect(1_000_004.0).is_empty(),
        "already connecting"
    );
}
