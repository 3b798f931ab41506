//! The `phx_join` payload realtime-js sends (pure).
//!
//! ```json
//! {"config": {"broadcast": {"ack": false, "self": false, "replay": {"since": 0, "limit": 10}},
//!             "presence": {"key": "", "enabled": false}, "postgres_changes": [], "private": true},
//!  "access_token": "…", "version": "realtime-js/2.119.0"}
//! ```
//!
//! Like Realtime's `Join.validate`, a payload of the wrong shape is not refused: what can be read
//! is used, the rest takes its default.

use serde_json::Value;

use super::replay::{ReplayError, ReplayRequest};

#[derive(Clone, Debug, PartialEq)]
pub struct JoinRequest {
    pub private: bool,
    pub self_broadcast: bool,
    pub ack: bool,
    /// `config.presence.key`, or a generated id when empty (as Realtime).
    pub presence_key: String,
    pub presence_enabled: bool,
    pub postgres_changes: Vec<Value>,
    pub replay: Option<Result<ReplayRequest, ReplayError>>,
    /// `access_token` (or the older `user_token`); the socket's `apikey` when absent.
    pub access_token: Option<String>,
}

fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

pub fn parse(payload: &Value) -> JoinRequest {
    let config = payload.get("config");
    let get = |path: &[&str]| -> Option<&Value> {
        let mut v = config?;
        for p in path {
            v = v.get(p)?;
        }
        Some(v)
    };
    let presence_key = get(&["presence", "key"])
        .and_then(|k| match k {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let postgres_changes = match get(&["postgres_changes"]) {
        Some(Value::Array(items)) => items.iter().filter(|v| !v.is_null()).cloned().collect(),
        _ => Vec::new(),
    };
    let private = flag(get(&["private"]));
    let replay = get(&["broadcast", "replay"])
        .filter(|v| !v.is_null())
        .map(|v| ReplayRequest::parse(v, private));
    let token = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    JoinRequest {
        private,
        self_broadcast: flag(get(&["broadcast", "self"])),
        ack: flag(get(&["broadcast", "ack"])),
        presence_key,
        presence_enabled: flag(get(&["presence", "enabled"])),
        postgres_changes,
        replay,
        access_token: token("access_token").or_else(|| token("user_token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_realtime_js_sends() {
        let j = parse(&json!({
            "config": {
                "broadcast": {"ack": true, "self": true, "replay": {"since": 1000, "limit": 5}},
                "presence": {"key": "me", "enabled": true},
                "postgres_changes": [],
                "private": true
            },
            "access_token": "tok",
            "version": "realtime-js/2.119.0"
        }));
        assert!(j.private && j.ack && j.self_broadcast && j.presence_enabled);
        assert_eq!(j.presence_key, "me");
        assert_eq!(
            j.replay,
            Some(Ok(ReplayRequest {
                since_ms: 1000,
                limit: 5
            }))
        );
        assert_eq!(j.access_token.as_deref(), Some("tok"));
    }

    #[test]
    fn defaults_for_anything_else() {
        let j = parse(&json!({"config": {"broadcast": "x", "presence": {"key": ""}}}));
        assert!(!j.private && !j.ack && !j.self_broadcast && !j.presence_enabled);
        assert_eq!(j.presence_key.len(), 36, "a generated id");
        assert!(j.replay.is_none());
        assert!(j.access_token.is_none());
        let j = parse(&json!(null));
        assert!(!j.private);
        let j = parse(&json!({"user_token": "old"}));
        assert_eq!(j.access_token.as_deref(), Some("old"));
    }
}
