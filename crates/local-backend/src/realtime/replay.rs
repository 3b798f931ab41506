//! Broadcast replay (`config.broadcast.replay`) and the JSON of stored messages (pure).
//!
//! As `Realtime.Messages.replay`: only on private channels, `since` is milliseconds since the
//! epoch, `limit` is clamped to 1..=25 (25 when absent), the newest `limit` messages since then are
//! sent oldest first, each as a broadcast whose `meta` is `{"replayed": true, "id": …}`. Messages
//! delivered live carry `meta: {"id": …}`.

use serde_json::{Value, json};

pub const HARD_LIMIT: i64 = 25;

/// A broadcast kept in `realtime.messages`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub id: String,
    pub event: Option<String>,
    pub payload: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayRequest {
    pub since_ms: i64,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayError {
    PublicChannel,
    InvalidParams,
}

impl ReplayError {
    /// The `reason` of the refused join, in Realtime's words.
    pub fn reason(self) -> &'static str {
        match self {
            ReplayError::PublicChannel => {
                "UnableToReplayMessages: Replay is not allowed for public channels"
            }
            ReplayError::InvalidParams => "UnableToReplayMessages: Replay params are not valid",
        }
    }
}

fn integer(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

impl ReplayRequest {
    pub fn parse(replay: &Value, private: bool) -> Result<ReplayRequest, ReplayError> {
        if !private {
            return Err(ReplayError::PublicChannel);
        }
        let since = replay
            .get("since")
            .and_then(integer)
            .filter(|ms| chrono::DateTime::from_timestamp_millis(*ms).is_some())
            .ok_or(ReplayError::InvalidParams)?;
        let limit = match replay.get("limit") {
            None | Some(Value::Null) => HARD_LIMIT,
            Some(v) => integer(v).ok_or(ReplayError::InvalidParams)?,
        };
        Ok(ReplayRequest {
            since_ms: since,
            limit: limit.clamp(1, HARD_LIMIT),
        })
    }
}

/// The payload of a `broadcast` carrying a stored message.
pub fn broadcast_json(id: &str, event: Option<&str>, payload: &Value, replayed: bool) -> String {
    let meta = if replayed {
        json!({"replayed": true, "id": id})
    } else {
        json!({"id": id})
    };
    json!({"type": "broadcast", "event": event, "payload": payload, "meta": meta}).to_string()
}

pub fn replayed_json(message: &StoredMessage) -> String {
    broadcast_json(
        &message.id,
        message.event.as_deref(),
        &message.payload,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_clamps() {
        assert_eq!(
            ReplayRequest::parse(&json!({"since": 5, "limit": 100}), true),
            Ok(ReplayRequest {
                since_ms: 5,
                limit: 25
            })
        );
        assert_eq!(
            ReplayRequest::parse(&json!({"since": 5.0}), true),
            Ok(ReplayRequest {
                since_ms: 5,
                limit: 25
            })
        );
        assert_eq!(
            ReplayRequest::parse(&json!({"since": 5, "limit": 0}), true)
                .unwrap()
                .limit,
            1
        );
        assert_eq!(
            ReplayRequest::parse(&json!({"since": 5}), false),
            Err(ReplayError::PublicChannel)
        );
        for bad in [
            json!({}),
            json!({"since": "yesterday"}),
            json!({"since": 1.5}),
            json!({"since": 1, "limit": "x"}),
            json!({"since": i64::MAX}),
        ] {
            assert_eq!(
                ReplayRequest::parse(&bad, true),
                Err(ReplayError::InvalidParams),
                "{bad}"
            );
        }
    }

    #[test]
    fn stored_messages_as_broadcasts() {
        let live: Value = serde_json::from_str(&broadcast_json(
            "id1",
            Some("version"),
            &json!({"version": 2}),
            false,
        ))
        .unwrap();
        assert_eq!(
            live,
            json!({"type": "broadcast", "event": "version", "payload": {"version": 2}, "meta": {"id": "id1"}})
        );
        let replayed: Value = serde_json::from_str(&replayed_json(&StoredMessage {
            id: "id2".into(),
            event: None,
            payload: Value::Null,
        }))
        .unwrap();
        assert_eq!(replayed["meta"], json!({"replayed": true, "id": "id2"}));
    }
}
