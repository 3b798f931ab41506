//! The Phoenix wire format, as realtime-js 2.x speaks it (pure: no I/O).
//!
//! Two serializers, chosen by the `vsn` query parameter exactly as Phoenix chooses them:
//! - `1.0.0` (Phoenix's default when `vsn` is absent): JSON objects
//!   `{"topic","event","payload","ref"}` (+ `join_ref` from the client).
//! - `2.0.0` (realtime-js's default): JSON arrays `[join_ref, ref, topic, event, payload]` in text
//!   frames, plus Supabase's binary frames (`RealtimeWeb.Socket.V2Serializer`): the client's "user
//!   broadcast push" (kind 3) and the server's "user broadcast" (kind 4), which carry a broadcast's
//!   own payload without wrapping it in JSON.
//!
//! Refs are echoed with the JSON type the client used (realtime-js sends strings; a hand-written
//! client may send numbers), because the client matches replies with `===`.

use bytes::Bytes;
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vsn {
    V1,
    V2,
}

impl Vsn {
    /// Phoenix negotiates `vsn`, defaulting to 1.0.0; anything else refuses the connection.
    pub fn negotiate(vsn: Option<&str>) -> Option<Vsn> {
        match vsn.map(str::trim) {
            None | Some("") => Some(Vsn::V1),
            Some(v) if v.starts_with("1.") => Some(Vsn::V1),
            Some(v) if v.starts_with("2.") => Some(Vsn::V2),
            _ => None,
        }
    }
}

const KIND_USER_BROADCAST_PUSH: u8 = 3;
const KIND_USER_BROADCAST: u8 = 4;

/// How a user broadcast's own payload is encoded in a binary frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadEncoding {
    Binary,
    Json,
}

/// A client's broadcast carried in a binary frame: the event and the raw payload bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct UserBroadcast {
    pub event: String,
    pub encoding: PayloadEncoding,
    pub payload: Bytes,
    /// Only `persist` is defined by the client; kept for completeness, unused.
    pub metadata: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Json(Value),
    UserBroadcast(UserBroadcast),
}

/// One decoded client message.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// `Value::Null`, a string or a number.
    pub join_ref: Value,
    pub msg_ref: Value,
    pub topic: String,
    pub event: String,
    pub payload: Payload,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("expected a Phoenix message: {0}")]
    Shape(&'static str),
    #[error("binary frames are not part of protocol 1.0.0")]
    BinaryInV1,
    #[error("unknown binary frame kind {0}")]
    UnknownKind(u8),
    #[error("truncated binary frame")]
    Truncated,
    #[error("binary frame field is not UTF-8")]
    NotUtf8,
}

fn check_ref(value: Value) -> Result<Value, DecodeError> {
    match value {
        Value::Null | Value::String(_) | Value::Number(_) => Ok(value),
        _ => Err(DecodeError::Shape(
            "join_ref and ref must be strings, numbers or null",
        )),
    }
}

fn into_string(value: Value, what: &'static str) -> Result<String, DecodeError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(DecodeError::Shape(what)),
    }
}

/// Decodes a text frame.
pub fn decode_text(vsn: Vsn, text: &str) -> Result<Incoming, DecodeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    match vsn {
        Vsn::V2 => {
            let Value::Array(items) = value else {
                return Err(DecodeError::Shape("a V2 message is an array"));
            };
            if items.len() < 5 {
                return Err(DecodeError::Shape("a V2 message has five elements"));
            }
            let mut items = items.into_iter();
            let mut next = || items.next().unwrap_or(Value::Null);
            let join_ref = check_ref(next())?;
            let msg_ref = check_ref(next())?;
            let topic = into_string(next(), "topic must be a string")?;
            let event = into_string(next(), "event must be a string")?;
            let payload = next();
            Ok(Incoming {
                join_ref,
                msg_ref,
                topic,
                event,
                payload: Payload::Json(payload),
            })
        }
        Vsn::V1 => {
            let Value::Object(mut map) = value else {
                return Err(DecodeError::Shape("a V1 message is an object"));
            };
            let mut take = |k: &str| map.remove(k).unwrap_or(Value::Null);
            let join_ref = check_ref(take("join_ref"))?;
            let msg_ref = check_ref(take("ref"))?;
            let topic = into_string(take("topic"), "topic must be a string")?;
            let event = into_string(take("event"), "event must be a string")?;
            let payload = take("payload");
            Ok(Incoming {
                join_ref,
                msg_ref,
                topic,
                event,
                payload: Payload::Json(payload),
            })
        }
    }
}

/// Decodes a binary frame: only the V2 "user broadcast push" (kind 3) comes from clients.
pub fn decode_binary(vsn: Vsn, data: &Bytes) -> Result<Incoming, DecodeError> {
    if vsn == Vsn::V1 {
        return Err(DecodeError::BinaryInV1);
    }
    let kind = *data.first().ok_or(DecodeError::Truncated)?;
    if kind != KIND_USER_BROADCAST_PUSH {
        return Err(DecodeError::UnknownKind(kind));
    }
    if data.len() < 7 {
        return Err(DecodeError::Truncated);
    }
    let sizes = [data[1], data[2], data[3], data[4], data[5]].map(usize::from);
    let encoding = if data[6] == 0 {
        PayloadEncoding::Binary
    } else {
        PayloadEncoding::Json
    };
    let mut offset = 7;
    let mut field = |size: usize| -> Result<String, DecodeError> {
        let end = offset + size;
        let bytes = data.get(offset..end).ok_or(DecodeError::Truncated)?;
        offset = end;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::NotUtf8)
    };
    let join_ref = field(sizes[0])?;
    let msg_ref = field(sizes[1])?;
    let topic = field(sizes[2])?;
    let event = field(sizes[3])?;
    let metadata_text = field(sizes[4])?;
    let metadata = if metadata_text.is_empty() {
        Map::new()
    } else {
        match serde_json::from_str(&metadata_text) {
            Ok(Value::Object(map)) => map,
            _ => return Err(DecodeError::Shape("metadata must be a JSON object")),
        }
    };
    let payload = data.slice(offset..);
    // The client writes "" for a missing ref; treat it as no ref.
    let as_ref = |s: String| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(s)
        }
    };
    Ok(Incoming {
        join_ref: as_ref(join_ref),
        msg_ref: as_ref(msg_ref),
        topic,
        event: "broadcast".into(),
        payload: Payload::UserBroadcast(UserBroadcast {
            event,
            encoding,
            payload,
            metadata,
        }),
    })
}

/// A frame to write. Both kinds share their bytes when cloned, so one broadcast queued to many
/// sockets is one allocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Text(axum::extract::ws::Utf8Bytes),
    Binary(Bytes),
}

fn json_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Encodes a server message whose payload is already JSON text (so a broadcast is serialised
/// once, whatever the number of sockets it goes to).
pub fn encode(
    vsn: Vsn,
    join_ref: &Value,
    msg_ref: &Value,
    topic: &str,
    event: &str,
    payload_json: &str,
) -> String {
    match vsn {
        Vsn::V2 => format!(
            "[{},{},{},{},{}]",
            join_ref,
            msg_ref,
            json_string(topic),
            json_string(event),
            payload_json
        ),
        // Phoenix's V1 serializer writes neither join_ref nor a key order; this one is fixed.
        Vsn::V1 => format!(
            "{{\"topic\":{},\"event\":{},\"payload\":{},\"ref\":{}}}",
            json_string(topic),
            json_string(event),
            payload_json,
            msg_ref
        ),
    }
}

/// `phx_reply` with `{"status": …, "response": …}`.
pub fn encode_reply(
    vsn: Vsn,
    join_ref: &Value,
    msg_ref: &Value,
    topic: &str,
    ok: bool,
    response: &Value,
) -> String {
    let status = if ok { "ok" } else { "error" };
    let payload = format!("{{\"status\":\"{status}\",\"response\":{response}}}");
    encode(vsn, join_ref, msg_ref, topic, "phx_reply", &payload)
}

/// The server's binary "user broadcast" (kind 4), which realtime-js decodes into
/// `{type: "broadcast", event, payload[, meta]}`. None when a field exceeds the one-byte sizes.
pub fn encode_user_broadcast(topic: &str, broadcast: &UserBroadcast) -> Option<Bytes> {
    let topic_len = u8::try_from(topic.len()).ok()?;
    let event_len = u8::try_from(broadcast.event.len()).ok()?;
    let mut out =
        Vec::with_capacity(5 + topic.len() + broadcast.event.len() + broadcast.payload.len());
    out.push(KIND_USER_BROADCAST);
    out.push(topic_len);
    out.push(event_len);
    out.push(0); // no metadata
    out.push(match broadcast.encoding {
        PayloadEncoding::Binary => 0,
        PayloadEncoding::Json => 1,
    });
    out.extend_from_slice(topic.as_bytes());
    out.extend_from_slice(broadcast.event.as_bytes());
    out.extend_from_slice(&broadcast.payload);
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A frame built as realtime-js 2.119's `Serializer._encodeUserBroadcastPush` builds it.
    fn push_frame(
        join_ref: &str,
        msg_ref: &str,
        topic: &str,
        event: &str,
        meta: &str,
        json: bool,
        payload: &[u8],
    ) -> Bytes {
        let mut v = vec![
            3,
            join_ref.len() as u8,
            msg_ref.len() as u8,
            topic.len() as u8,
            event.len() as u8,
            meta.len() as u8,
            u8::from(json),
        ];
        for s in [join_ref, msg_ref, topic, event, meta] {
            v.extend_from_slice(s.as_bytes());
        }
        v.extend_from_slice(payload);
        Bytes::from(v)
    }

    #[test]
    fn negotiates_like_phoenix() {
        assert_eq!(Vsn::negotiate(None), Some(Vsn::V1));
        assert_eq!(Vsn::negotiate(Some("1.0.0")), Some(Vsn::V1));
        assert_eq!(Vsn::negotiate(Some("2.0.0")), Some(Vsn::V2));
        assert_eq!(Vsn::negotiate(Some("3.0.0")), None);
    }

    #[test]
    fn decodes_v2_arrays_and_v1_objects() {
        let m = decode_text(
            Vsn::V2,
            r#"["1","2","realtime:room","phx_join",{"config":{}}]"#,
        )
        .unwrap();
        assert_eq!(m.join_ref, json!("1"));
        assert_eq!(m.msg_ref, json!("2"));
        assert_eq!(m.topic, "realtime:room");
        assert_eq!(m.event, "phx_join");
        assert_eq!(m.payload, Payload::Json(json!({"config": {}})));
        let m = decode_text(
            Vsn::V1,
            r#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":7}"#,
        )
        .unwrap();
        assert_eq!(m.join_ref, Value::Null);
        assert_eq!(m.msg_ref, json!(7));
        assert_eq!(m.topic, "phoenix");
    }

    #[test]
    fn refuses_malformed_text() {
        for (vsn, text) in [
            (Vsn::V2, "not json"),
            (Vsn::V2, "{}"),
            (Vsn::V2, r#"["1","2","t"]"#),
            (Vsn::V2, r#"["1","2",5,"e",{}]"#),
            (Vsn::V2, r#"[{},"2","t","e",{}]"#),
            (Vsn::V1, "[]"),
            (Vsn::V1, r#"{"topic":"t"}"#),
        ] {
            assert!(decode_text(vsn, text).is_err(), "{text}");
        }
    }

    #[test]
    fn decodes_user_broadcast_push() {
        let frame = push_frame(
            "1",
            "3",
            "realtime:room",
            "cursor",
            r#"{"persist":true}"#,
            true,
            br#"{"x":1}"#,
        );
        let m = decode_binary(Vsn::V2, &frame).unwrap();
        assert_eq!(m.join_ref, json!("1"));
        assert_eq!(m.msg_ref, json!("3"));
        assert_eq!(m.topic, "realtime:room");
        assert_eq!(m.event, "broadcast");
        let Payload::UserBroadcast(b) = m.payload else {
            panic!("user broadcast expected")
        };
        assert_eq!(b.event, "cursor");
        assert_eq!(b.encoding, PayloadEncoding::Json);
        assert_eq!(&b.payload[..], br#"{"x":1}"#);
        assert_eq!(b.metadata["persist"], json!(true));

        // Multi-byte UTF-8: sizes are byte counts.
        let frame = push_frame("", "", "realtime:ș", "ă", "", false, &[0, 1, 2]);
        let m = decode_binary(Vsn::V2, &frame).unwrap();
        assert_eq!(m.join_ref, Value::Null);
        assert_eq!(m.topic, "realtime:ș");
        let Payload::UserBroadcast(b) = m.payload else {
            panic!()
        };
        assert_eq!(b.encoding, PayloadEncoding::Binary);
        assert_eq!(&b.payload[..], &[0, 1, 2]);
    }

    #[test]
    fn refuses_malformed_binary() {
        let good = push_frame("1", "2", "realtime:room", "e", "", true, b"{}");
        assert_eq!(
            decode_binary(Vsn::V1, &good).unwrap_err(),
            DecodeError::BinaryInV1
        );
        assert_eq!(
            decode_binary(Vsn::V2, &Bytes::new()).unwrap_err(),
            DecodeError::Truncated
        );
        assert_eq!(
            decode_binary(Vsn::V2, &Bytes::from_static(&[4, 0, 0, 0, 0])).unwrap_err(),
            DecodeError::UnknownKind(4)
        );
        let truncated = good.slice(..10);
        assert_eq!(
            decode_binary(Vsn::V2, &truncated).unwrap_err(),
            DecodeError::Truncated
        );
        let bad_meta = push_frame("1", "2", "t", "e", "[1]", true, b"{}");
        assert!(decode_binary(Vsn::V2, &bad_meta).is_err());
        let bad_utf8 = Bytes::from_static(&[3, 0, 0, 1, 0, 0, 1, 0xff]);
        assert_eq!(
            decode_binary(Vsn::V2, &bad_utf8).unwrap_err(),
            DecodeError::NotUtf8
        );
    }

    #[test]
    fn encodes_both_versions() {
        assert_eq!(
            encode_reply(
                Vsn::V2,
                &json!("1"),
                &json!("2"),
                "phoenix",
                true,
                &json!({})
            ),
            r#"["1","2","phoenix","phx_reply",{"status":"ok","response":{}}]"#
        );
        assert_eq!(
            encode_reply(
                Vsn::V1,
                &Value::Null,
                &json!(5),
                "realtime:x",
                false,
                &json!({"reason": "unmatched topic"})
            ),
            r#"{"topic":"realtime:x","event":"phx_reply","payload":{"status":"error","response":{"reason":"unmatched topic"}},"ref":5}"#
        );
        let text = encode(
            Vsn::V2,
            &Value::Null,
            &Value::Null,
            "realtime:\"q\"",
            "broadcast",
            "{}",
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!([null, null, "realtime:\"q\"", "broadcast", {}])
        );
    }

    #[test]
    fn encodes_user_broadcast_as_realtime_js_decodes_it() {
        let b = UserBroadcast {
            event: "cursor".into(),
            encoding: PayloadEncoding::Json,
            payload: Bytes::from_static(br#"{"x":1}"#),
            metadata: Map::new(),
        };
        let out = encode_user_broadcast("realtime:room", &b).unwrap();
        // Serializer._decodeUserBroadcast: kind, topic size, event size, meta size, encoding.
        assert_eq!(&out[..5], &[4, 13, 6, 0, 1]);
        assert_eq!(&out[5..18], b"realtime:room");
        assert_eq!(&out[18..24], b"cursor");
        assert_eq!(&out[24..], br#"{"x":1}"#);
        let long = "x".repeat(300);
        assert!(encode_user_broadcast(&long, &b).is_none());
    }
}
