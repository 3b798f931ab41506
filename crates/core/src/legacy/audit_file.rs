//! The old app's `audit_logs.json`: its cached copy of the cloud audit log, imported as read-only
//! legacy history.
//!
//! The file is `{logs: [...], last_sync, total_count}` (older copies: a bare list). Entries carry
//! `id, discord_id, discord_username, server_key, action_type, city, institution, entity_name,
//! entity_id, details, changes, timestamp, created_at`. The entry's `id` (its cloud row id) is what
//! makes a second import skip it, so an entry without one is skipped and counted, never imported
//! twice. A malformed entry is counted as a problem and skipped; it does not sink the file.

use serde_json::{Map, Value};
use thiserror::Error;

use crate::time::RecordedTime;

/// Longest name-like value of an entry, and longest `details` (the import RPC's limits).
const MAX_TEXT_LEN: usize = 200;
const MAX_DETAILS_LEN: usize = 10_000;
const MAX_ACTION_LEN: usize = 100;

/// One legacy audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAuditEntry {
    /// The entry's `id`.
    pub legacy_id: i64,
    /// `created_at` when readable, else `timestamp`.
    pub at: RecordedTime,
    /// `discord_username`.
    pub actor_name: String,
    pub discord_id: String,
    /// The server the entry was logged on, when it says.
    pub server_key: Option<String>,
    /// `action_type`.
    pub action: String,
    pub city: String,
    pub institution: String,
    pub entity_name: String,
    pub details: String,
}

/// An audit file as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditRead {
    pub entries: Vec<LegacyAuditEntry>,
    /// Entries without an `id`: they cannot be imported exactly once, so they are not imported.
    pub without_id: usize,
    /// Entries that could not be read, each once.
    pub malformed: Vec<AuditProblem>,
}

/// What is wrong with an audit file or one of its entries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuditProblem {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not an audit log (expected {{\"logs\": [...]}} or a list of entries)")]
    NotAnAuditLog,
    #[error("logs[{index}]: {what}")]
    MalformedEntry { index: usize, what: &'static str },
}

/// Reads an `audit_logs.json` text.
///
/// # Errors
///
/// [`AuditProblem::Json`] or [`AuditProblem::NotAnAuditLog`] when nothing can be read; a bad
/// entry is only listed in [`AuditRead::malformed`].
pub fn read_audit(text: &str) -> Result<AuditRead, AuditProblem> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| AuditProblem::Json(error.to_string()))?;
    let logs = match &value {
        Value::Array(logs) => logs,
        Value::Object(file) => file
            .get("logs")
            .and_then(Value::as_array)
            .ok_or(AuditProblem::NotAnAuditLog)?,
        _ => return Err(AuditProblem::NotAnAuditLog),
    };
    let mut read = AuditRead::default();
    for (index, entry) in logs.iter().enumerate() {
        match read_entry(entry) {
            Ok(Some(entry)) => read.entries.push(entry),
            Ok(None) => read.without_id += 1,
            Err(what) => read
                .malformed
                .push(AuditProblem::MalformedEntry { index, what }),
        }
    }
    Ok(read)
}

/// `Ok(None)`: an entry without an id.
fn read_entry(entry: &Value) -> Result<Option<LegacyAuditEntry>, &'static str> {
    let entry = entry.as_object().ok_or("not an object")?;
    let legacy_id = match entry.get("id") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => number.as_i64(),
        Some(Value::String(text)) => text.trim().parse().ok(),
        Some(_) => None,
    }
    .filter(|id| *id >= 0)
    .ok_or("id is not a whole number from 0")?;
    let at = ["created_at", "timestamp"]
        .iter()
        .filter_map(|key| entry.get(*key)?.as_str())
        .find_map(RecordedTime::parse)
        .ok_or("neither created_at nor timestamp is a time")?;
    let action = text(entry, "action_type", MAX_ACTION_LEN)?
        .trim()
        .to_owned();
    if action.is_empty() {
        return Err("no action_type");
    }
    let server_key = text(entry, "server_key", MAX_TEXT_LEN)?;
    Ok(Some(LegacyAuditEntry {
        legacy_id,
        at,
        actor_name: text(entry, "discord_username", MAX_TEXT_LEN)?,
        discord_id: text(entry, "discord_id", MAX_TEXT_LEN)?,
        server_key: (!server_key.trim().is_empty()).then_some(server_key),
        action,
        city: text(entry, "city", MAX_TEXT_LEN)?,
        institution: text(entry, "institution", MAX_TEXT_LEN)?,
        entity_name: text(entry, "entity_name", MAX_TEXT_LEN)?,
        details: text(entry, "details", MAX_DETAILS_LEN)?,
    }))
}

/// A text value (numbers written as text, other JSON as its text, null as empty), at most `max`
/// characters.
fn text(entry: &Map<String, Value>, key: &str, max: usize) -> Result<String, &'static str> {
    let text = match entry.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > max {
        return Err("a value is too long");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ENTRY: &str = r#"{"id": 812, "discord_id": "703316932232872016", "discord_username": "parjanu",
        "server_key": "balcaniwest", "action_type": "edit_points", "city": "BlackWater",
        "institution": "Politie", "entity_name": "nikolas", "entity_id": "5",
        "details": "nikolas: 7 → 8 (Adăugare 1 puncte)", "changes": {"old": 7, "new": 8},
        "timestamp": "2026-02-14 23:28:19", "created_at": "2026-02-14T21:28:19.123+00:00"}"#;

    #[test]
    fn reads_an_entry_of_the_object_format() {
        let read = read_audit(&format!(
            r#"{{"logs": [{ENTRY}], "last_sync": "x", "total_count": 1}}"#
        ))
        .unwrap();
        assert_eq!(read.without_id, 0);
        assert_eq!(read.malformed, []);
        let entry = &read.entries[0];
        assert_eq!(entry.legacy_id, 812);
        assert_eq!(
            entry.at.instant(),
            Some(
                Utc.with_ymd_and_hms(2026, 2, 14, 21, 28, 19).unwrap()
                    + chrono::Duration::milliseconds(123)
            ),
            "created_at (UTC) wins over the local timestamp"
        );
        assert_eq!(entry.actor_name, "parjanu");
        assert_eq!(entry.server_key.as_deref(), Some("balcaniwest"));
        assert_eq!(entry.action, "edit_points");
        assert_eq!(entry.details, "nikolas: 7 → 8 (Adăugare 1 puncte)");
    }

    #[test]
    fn a_bare_list_and_the_local_timestamp_are_accepted() {
        let entry = ENTRY.replace(
            r#""created_at": "2026-02-14T21:28:19.123+00:00""#,
            r#""created_at": null"#,
        );
        let read = read_audit(&format!("[{entry}]")).unwrap();
        assert!(matches!(read.entries[0].at, RecordedTime::WallClock(_)));
    }

    #[test]
    fn entries_without_id_are_counted_and_malformed_ones_listed() {
        let without_id = ENTRY.replace(r#""id": 812,"#, "");
        let no_time = ENTRY
            .replace(
                r#""timestamp": "2026-02-14 23:28:19""#,
                r#""timestamp": "azi""#,
            )
            .replace(
                r#""created_at": "2026-02-14T21:28:19.123+00:00""#,
                r#""created_at": 5"#,
            );
        let long = ENTRY.replace("nikolas: 7", &"x".repeat(10_001));
        let read = read_audit(&format!(
            r#"{{"logs": [{ENTRY}, {without_id}, 7, {no_time}, {long}, {{"id": "x"}}]}}"#
        ))
        .unwrap();
        assert_eq!(read.entries.len(), 1);
        assert_eq!(read.without_id, 1);
        let indexes: Vec<_> = read
            .malformed
            .iter()
            .filter_map(|problem| match problem {
                AuditProblem::MalformedEntry { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        assert_eq!(indexes, [2, 3, 4, 5]);
    }

    #[test]
    fn other_shapes_are_not_audit_logs() {
        assert!(matches!(read_audit("{"), Err(AuditProblem::Json(_))));
        assert_eq!(
            read_audit(r#"{"users": {}}"#),
            Err(AuditProblem::NotAnAuditLog)
        );
        assert_eq!(read_audit("3"), Err(AuditProblem::NotAnAuditLog));
    }
}
