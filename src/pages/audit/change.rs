//! An audit entry's change as people read it: `RANK: 1 → 2, PUNCTAJ: 5 → 7`, field names in
//! the user's language, only what changed inside nested values (an employee's custom fields).

use serde_json::{Map, Value};

use crate::i18n::Texts;

/// A value in a few words: text as it is, yes/no, numbers, lists joined.
fn brief(t: &Texts, value: &Value) -> String {
    match value {
        Value::Null => t.none.to_string(),
        Value::Bool(true) => t.yes.to_string(),
        Value::Bool(false) => t.no.to_string(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| brief(t, item))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => pairs(t, map),
        Value::Number(number) => number.to_string(),
    }
}

fn pairs(t: &Texts, map: &Map<String, Value>) -> String {
    map.iter()
        .map(|(key, value)| format!("{}: {}", (t.audit_field_name)(key), brief(t, value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `field: old → new` per changed key; a nested object (custom fields) lists its own changed
/// keys. `details` when there is nothing structured to show.
pub fn describe_change(
    t: &Texts,
    old: Option<&Value>,
    new: Option<&Value>,
    details: Option<&str>,
) -> String {
    let empty = Map::new();
    fn as_map<'a>(
        value: Option<&'a Value>,
        empty: &'a Map<String, Value>,
    ) -> Option<&'a Map<String, Value>> {
        match value {
            Some(Value::Object(map)) => Some(map),
            None | Some(Value::Null) => Some(empty),
            Some(_) => None,
        }
    }
    match (as_map(old, &empty), as_map(new, &empty)) {
        (Some(old), Some(new)) if old.is_empty() && new.is_empty() => {
            details.unwrap_or_default().to_string()
        }
        (Some(old), Some(new)) if old.is_empty() => format!("→ {}", pairs(t, new)),
        (Some(old), Some(new)) => changed_keys(t, old, new).join(", "),
        _ => format!(
            "{} → {}",
            old.map(|v| brief(t, v)).unwrap_or_default(),
            new.map(|v| brief(t, v)).unwrap_or_default()
        ),
    }
}

fn changed_keys<'a>(
    t: &Texts,
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
) -> Vec<String> {
    let mut keys: Vec<&'a String> = old.keys().collect();
    keys.extend(new.keys().filter(|key| !old.contains_key(*key)));
    keys.into_iter()
        .filter_map(|key| {
            let meaningful = |value: Option<&'a Value>| {
                value.filter(|value| !matches!(value, Value::Object(map) if map.is_empty()))
            };
            let (before, after) = (meaningful(old.get(key)), meaningful(new.get(key)));
            if before == after {
                return None;
            }
            Some(match (before, after) {
                (Some(Value::Object(before)), Some(Value::Object(after))) => {
                    changed_keys(t, before, after).join(", ")
                }
                _ => format!(
                    "{}: {} → {}",
                    (t.audit_field_name)(key),
                    before
                        .map(|v| brief(t, v))
                        .unwrap_or_else(|| t.none.to_string()),
                    after
                        .map(|v| brief(t, v))
                        .unwrap_or_else(|| t.none.to_string())
                ),
            })
        })
        .collect()
}
