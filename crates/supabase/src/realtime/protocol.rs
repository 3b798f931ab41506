//! The wire format of Phoenix channels as Supabase Realtime speaks it with `vsn=2.0.0`
//! (realtime-js `lib/serializer.js`): text frames are JSON arrays
//! `[join_ref, ref, topic, event, payload]`; the server may also send binary frames, of which
//! only kind 4 (a user broadcast) exists today.
//!
//! Decoding never panics: whatever the server (or anything in between) sends is either a
//! [`Message`] or a typed [`ProtocolError`].

use serde::Serialize;
use serde_json::Value;

/// One decoded frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Which join of the channel the frame belongs to (`None` for socket-wide frames and
    /// broadcasts).
    pub join_ref: Option<String>,
    /// The push a `phx_reply` answers.
    pub msg_ref: Option<String>,
    pub topic: String,
    pub event: String,
    pub payload: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the frame has {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("the frame is not JSON: {0}")]
    NotJson(String),
    #[error("the frame is not a [join_ref, ref, topic, event, payload] array")]
    NotAFrame,
    #[error("binary frames of kind {0} are not understood")]
    UnknownKind(u8),
    #[error("the binary frame ends before its header says")]
    Truncated,
    #[error("a binary frame field is not UTF-8")]
    NotUtf8,
    #[error("the broadcast carries binary data, not JSON")]
    BinaryPayload,
}

/// The binary kind of a broadcast sent by the server (`KINDS.userBroadcast`).
const KIND_USER_BROADCAST: u8 = 4;
/// Payload encodings of a binary user broadcast.
const ENCODING_JSON: u8 = 1;

/// A text frame: `[join_ref, ref, topic, event, payload]`, `null` for absent refs, the payload
/// serialised with its fields in declaration order (so a frame reads like realtime-js's).
pub fn encode<P: Serialize + ?Sized>(
    join_ref: Option<&str>,
    msg_ref: Option<&str>,
    topic: &str,
    event: &str,
    payload: &P,
) -> String {
    // A tuple of serialisable parts cannot fail to serialise (no maps with non-string keys).
    serde_json::to_string(&(join_ref, msg_ref, topic, event, payload))
        .unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a text frame. Refs may be strings, numbers or `null` (Phoenix sends strings).
pub fn decode_text(text: &str, max_bytes: usize) -> Result<Message, ProtocolError> {
    if text.len() > max_bytes {
        return Err(ProtocolError::TooLarge {
            len: text.len(),
            max: max_bytes,
        });
    }
    let value: Value =
        serde_json::from_str(text).map_err(|error| ProtocolError::NotJson(error.to_string()))?;
    let Value::Array(mut parts) = value else {
        return Err(ProtocolError::NotAFrame);
    };
    if parts.len() != 5 {
        return Err(ProtocolError::NotAFrame);
    }
    let payload = parts.pop().unwrap_or(Value::Null);
    let event = text_part(parts.pop())?;
    let topic = text_part(parts.pop())?;
    let msg_ref = ref_part(parts.pop())?;
    let join_ref = ref_part(parts.pop())?;
    Ok(Message {
        join_ref,
        msg_ref,
        topic,
        event,
        payload,
    })
}

fn text_part(part: Option<Value>) -> Result<String, ProtocolError> {
    match part {
        Some(Value::String(text)) => Ok(text),
        _ => Err(ProtocolError::NotAFrame),
    }
}

fn ref_part(part: Option<Value>) -> Result<Option<String>, ProtocolError> {
    match part {
        Some(Value::Null) | None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(ProtocolError::NotAFrame),
    }
}

/// Reads a binary frame: kind 4 is
/// `[4, topic_len, event_len, meta_len, encoding, topic, event, meta, payload]`, which becomes
/// the same `broadcast` message a text frame would carry:
/// `{"type": "broadcast", "event": …, "payload": …, "meta": …}` with no refs.
pub fn decode_binary(bytes: &[u8], max_bytes: usize) -> Result<Message, ProtocolError> {
    if bytes.len() > max_bytes {
        return Err(ProtocolError::TooLarge {
            len: bytes.len(),
            max: max_bytes,
        });
    }
    let (&kind, rest) = bytes.split_first().ok_or(ProtocolError::Truncated)?;
    if kind != KIND_USER_BROADCAST {
        return Err(ProtocolError::UnknownKind(kind));
    }
    let [topic_len, event_len, meta_len, encoding] =
        *rest.first_chunk::<4>().ok_or(ProtocolError::Truncated)?;
    let mut fields = &rest[4..];
    let mut take = |len: u8| -> Result<&[u8], ProtocolError> {
        let len = usize::from(len);
        if fields.len() < len {
            return Err(ProtocolError::Truncated);
        }
        let (field, after) = fields.split_at(len);
        fields = after;
        Ok(field)
    };
    let utf8 = |field: &[u8]| {
        std::str::from_utf8(field)
            .map(str::to_owned)
            .map_err(|_| ProtocolError::NotUtf8)
    };
    let topic = utf8(take(topic_len)?)?;
    let user_event = utf8(take(event_len)?)?;
    let meta = take(meta_len)?;
    let meta = if meta.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice::<Value>(meta)
                .map_err(|error| ProtocolError::NotJson(error.to_string()))?,
        )
    };
    if encoding != ENCODING_JSON {
        return Err(ProtocolError::BinaryPayload);
    }
    let payload = serde_json::from_slice::<Value>(fields)
        .map_err(|error| ProtocolError::NotJson(error.to_string()))?;
    let mut broadcast = serde_json::Map::new();
    broadcast.insert("type".to_owned(), Value::from("broadcast"));
    broadcast.insert("event".to_owned(), Value::from(user_event));
    broadcast.insert("payload".to_owned(), payload);
    if let Some(meta) = meta {
        broadcast.insert("meta".to_owned(), meta);
    }
    Ok(Message {
        join_ref: None,
        msg_ref: None,
        topic,
        event: "broadcast".to_owned(),
        payload: Value::Object(broadcast),
    })
}

/// The `phx_join` payload, its fields in realtime-js's order (`RealtimeChannel.subscribe`).
#[derive(Serialize)]
pub(crate) struct JoinPayload<'a> {
    pub config: JoinConfig<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct JoinConfig<'a> {
    pub broadcast: BroadcastConfig,
    pub presence: PresenceConfig<'a>,
    /// We listen to no table: the database broadcasts what changed.
    pub postgres_changes: [(); 0],
    pub private: bool,
}

#[derive(Serialize)]
pub(crate) struct BroadcastConfig {
    pub ack: bool,
    /// `self: false`: our own pushes are not echoed (we send none anyway).
    #[serde(rename = "self")]
    pub self_: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// Ask the server to resend the stored broadcasts since `since` (ms since the epoch), at most
/// `limit` of them (Realtime allows 25).
#[derive(Serialize)]
pub(crate) struct Replay {
    pub since: i64,
    pub limit: u32,
}

#[derive(Serialize)]
pub(crate) struct PresenceConfig<'a> {
    pub key: &'a str,
    pub enabled: bool,
}

/// `channel.track(meta)` sends `presence` with this payload.
#[derive(Serialize)]
pub(crate) struct PresencePush<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub event: &'static str,
    pub payload: &'a Value,
}

#[derive(Serialize)]
pub(crate) struct AccessTokenPush<'a> {
    pub access_token: &'a str,
}

/// `{}`: the payload of heartbeats and leaves.
#[derive(Serialize)]
pub(crate) struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MAX: usize = 1 << 20;

    #[test]
    fn text_frames_round_trip() {
        let text = encode(None, Some("9"), "phoenix", "heartbeat", &Empty {});
        assert_eq!(text, r#"[null,"9","phoenix","heartbeat",{}]"#);
        assert_eq!(
            decode_text(&text, MAX),
            Ok(Message {
                join_ref: None,
                msg_ref: Some("9".into()),
                topic: "phoenix".into(),
                event: "heartbeat".into(),
                payload: json!({}),
            })
        );
    }

    #[test]
    fn numeric_refs_are_read_as_text() {
        let message = decode_text(r#"[1, 2, "t", "e", null]"#, MAX).unwrap();
        assert_eq!(message.join_ref.as_deref(), Some("1"));
        assert_eq!(message.msg_ref.as_deref(), Some("2"));
    }

    #[test]
    fn malformed_text_frames_are_typed_errors() {
        for (text, expected) in [
            ("", "json"),
            ("{\"a\":1}", "frame"),
            ("[1,2,3,4]", "frame"),
            ("[1,2,3,4,5,6]", "frame"),
            ("[null,null,1,\"e\",{}]", "frame"),
            ("[null,null,\"t\",null,{}]", "frame"),
            ("[{},null,\"t\",\"e\",{}]", "frame"),
            ("[\"a\",\"b\",\"t\",\"e\",", "json"),
        ] {
            let error = decode_text(text, MAX).unwrap_err();
            let kind = match error {
                ProtocolError::NotJson(_) => "json",
                ProtocolError::NotAFrame => "frame",
                other => panic!("{text}: {other:?}"),
            };
            assert_eq!(kind, expected, "{text}");
        }
        assert_eq!(
            decode_text("[null,null,\"t\",\"e\",{}]", 10),
            Err(ProtocolError::TooLarge { len: 22, max: 10 })
        );
    }

    /// The frame realtime-js's serializer decodes in `tests/fixtures/realtime-js-frames.jsonl`.
    #[test]
    fn binary_user_broadcast_is_decoded() {
        let mut frame = vec![4, 21, 7, 26, 1];
        frame.extend_from_slice(b"realtime:punctaj:sync");
        frame.extend_from_slice(b"version");
        frame.extend_from_slice(br#"{"replayed":true,"id":"x"}"#);
        frame.extend_from_slice(br#"{"v":7}"#);
        let message = decode_binary(&frame, MAX).unwrap();
        assert_eq!(message.topic, "realtime:punctaj:sync");
        assert_eq!(message.event, "broadcast");
        assert_eq!((message.join_ref, message.msg_ref), (None, None));
        assert_eq!(
            message.payload,
            json!({"type": "broadcast", "event": "version", "payload": {"v": 7},
                   "meta": {"replayed": true, "id": "x"}})
        );
    }

    #[test]
    fn binary_garbage_is_a_typed_error() {
        let broadcast = |header: &[u8], body: &[u8]| [header, body].concat();
        assert_eq!(decode_binary(&[], MAX), Err(ProtocolError::Truncated));
        assert_eq!(decode_binary(&[4, 1], MAX), Err(ProtocolError::Truncated));
        assert_eq!(
            decode_binary(&[0, 1, 2, 3, 4], MAX),
            Err(ProtocolError::UnknownKind(0))
        );
        assert_eq!(
            decode_binary(&[3, 0, 0, 0, 1], MAX),
            Err(ProtocolError::UnknownKind(3))
        );
        assert_eq!(
            decode_binary(&broadcast(&[4, 200, 1, 0, 1], b"abc"), MAX),
            Err(ProtocolError::Truncated)
        );
        assert_eq!(
            decode_binary(&broadcast(&[4, 1, 1, 0, 1], &[0xff, b'e', b'1']), MAX),
            Err(ProtocolError::NotUtf8)
        );
        assert_eq!(
            decode_binary(&broadcast(&[4, 1, 1, 0, 0], b"te\x00\x01"), MAX),
            Err(ProtocolError::BinaryPayload)
        );
        assert!(matches!(
            decode_binary(&broadcast(&[4, 1, 1, 2, 1], b"te{x1"), MAX),
            Err(ProtocolError::NotJson(_))
        ));
        assert!(matches!(
            decode_binary(&broadcast(&[4, 1, 1, 0, 1], b"te{"), MAX),
            Err(ProtocolError::NotJson(_))
        ));
        assert_eq!(
            decode_binary(&[4; 64], 8),
            Err(ProtocolError::TooLarge { len: 64, max: 8 })
        );
    }

    #[test]
    fn a_broadcast_without_meta_has_none() {
        let frame = broadcast_frame("t", "e", "", "[1]");
        let message = decode_binary(&frame, MAX).unwrap();
        assert_eq!(
            message.payload,
            json!({"type": "broadcast", "event": "e", "payload": [1]})
        );
    }

    fn broadcast_frame(topic: &str, event: &str, meta: &str, payload: &str) -> Vec<u8> {
        let mut frame = vec![4, topic.len() as u8, event.len() as u8, meta.len() as u8, 1];
        for part in [topic, event, meta, payload] {
            frame.extend_from_slice(part.as_bytes());
        }
        frame
    }
}
