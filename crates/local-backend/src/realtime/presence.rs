//! Presence of one topic: who tracks what, and the diffs Phoenix Presence would broadcast (pure).
//!
//! As `Phoenix.Presence`: entries are grouped by key (`config.presence.key`, or an id generated at
//! join), each with a list of `metas`, every meta being the tracked payload plus a unique
//! `phx_ref`. One channel (an `owner`) tracks at most one meta; tracking again replaces it, which
//! Phoenix reports as a leave of the old meta and a join of the new one carrying `phx_ref_prev`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Who tracked a meta: one joined channel of one socket.
pub type Owner = u64;

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    owner: Owner,
    meta: Map<String, Value>,
}

#[derive(Clone, Debug, Default)]
pub struct PresenceState {
    by_key: BTreeMap<String, Vec<Entry>>,
}

/// `{"joins": {key: {"metas": […]}}, "leaves": {…}}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    pub joins: BTreeMap<String, Vec<Map<String, Value>>>,
    pub leaves: BTreeMap<String, Vec<Map<String, Value>>>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.joins.is_empty() && self.leaves.is_empty()
    }

    pub fn to_json(&self) -> Value {
        let group = |m: &BTreeMap<String, Vec<Map<String, Value>>>| {
            Value::Object(
                m.iter()
                    .map(|(k, metas)| (k.clone(), metas_json(metas.iter())))
                    .collect(),
            )
        };
        serde_json::json!({"joins": group(&self.joins), "leaves": group(&self.leaves)})
    }
}

fn metas_json<'a>(metas: impl Iterator<Item = &'a Map<String, Value>>) -> Value {
    serde_json::json!({"metas": metas.cloned().map(Value::Object).collect::<Vec<_>>()})
}

impl PresenceState {
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Tracks `payload` for `owner` under `key` with the fresh `phx_ref`. Tracking the same payload
    /// again changes nothing (Supabase skips it).
    pub fn track(
        &mut self,
        owner: Owner,
        key: &str,
        payload: Map<String, Value>,
        phx_ref: String,
    ) -> Diff {
        let mut diff = Diff::default();
        let mut previous_ref = None;
        if let Some(entries) = self.by_key.get(key)
            && let Some(old) = entries.iter().find(|e| e.owner == owner)
        {
            if strip_refs(&old.meta) == payload {
                return diff;
            }
            previous_ref = old.meta.get("phx_ref").cloned();
        }
        // The owner may have tracked under another key before (keys are fixed per join, but be
        // safe): that meta leaves too.
        diff.leaves = self.remove_owner(owner);
        let mut meta = payload;
        meta.insert("phx_ref".into(), Value::String(phx_ref));
        if let Some(prev) = previous_ref {
            meta.insert("phx_ref_prev".into(), prev);
        }
        self.by_key.entry(key.to_string()).or_default().push(Entry {
            owner,
            meta: meta.clone(),
        });
        diff.joins.insert(key.to_string(), vec![meta]);
        diff
    }

    /// Removes what `owner` tracks (untrack, leave, disconnect).
    pub fn untrack(&mut self, owner: Owner) -> Diff {
        Diff {
            joins: BTreeMap::new(),
            leaves: self.remove_owner(owner),
        }
    }

    fn remove_owner(&mut self, owner: Owner) -> BTreeMap<String, Vec<Map<String, Value>>> {
        let mut leaves = BTreeMap::new();
        self.by_key.retain(|key, entries| {
            let (gone, kept): (Vec<Entry>, Vec<Entry>) =
                entries.drain(..).partition(|e| e.owner == owner);
            if !gone.is_empty() {
                leaves.insert(key.clone(), gone.into_iter().map(|e| e.meta).collect());
            }
            *entries = kept;
            !entries.is_empty()
        });
        leaves
    }

    /// The `presence_state` payload: `{key: {"metas": […]}}`.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.by_key
                .iter()
                .map(|(k, entries)| (k.clone(), metas_json(entries.iter().map(|e| &e.meta))))
                .collect(),
        )
    }
}

fn strip_refs(meta: &Map<String, Value>) -> Map<String, Value> {
    let mut m = meta.clone();
    m.remove("phx_ref");
    m.remove("phx_ref_prev");
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn track_join_and_state() {
        let mut p = PresenceState::default();
        let d = p.track(1, "alice", obj(json!({"online_at": 1})), "r1".into());
        assert_eq!(
            d.to_json(),
            json!({"joins": {"alice": {"metas": [{"online_at": 1, "phx_ref": "r1"}]}}, "leaves": {}})
        );
        p.track(2, "alice", obj(json!({"online_at": 2})), "r2".into());
        p.track(3, "bob", obj(json!({})), "r3".into());
        assert_eq!(
            p.to_json(),
            json!({
                "alice": {"metas": [{"online_at": 1, "phx_ref": "r1"}, {"online_at": 2, "phx_ref": "r2"}]},
                "bob": {"metas": [{"phx_ref": "r3"}]}
            })
        );
    }

    #[test]
    fn retrack_replaces_with_prev_ref_and_same_payload_is_a_no_op() {
        let mut p = PresenceState::default();
        p.track(1, "k", obj(json!({"s": "a"})), "r1".into());
        assert!(
            p.track(1, "k", obj(json!({"s": "a"})), "r2".into())
                .is_empty()
        );
        let d = p.track(1, "k", obj(json!({"s": "b"})), "r3".into());
        assert_eq!(
            d.to_json(),
            json!({
                "joins": {"k": {"metas": [{"s": "b", "phx_ref": "r3", "phx_ref_prev": "r1"}]}},
                "leaves": {"k": {"metas": [{"s": "a", "phx_ref": "r1"}]}}
            })
        );
        assert_eq!(
            p.to_json(),
            json!({"k": {"metas": [{"s": "b", "phx_ref": "r3", "phx_ref_prev": "r1"}]}})
        );
    }

    #[test]
    fn untrack_leaves_and_empties() {
        let mut p = PresenceState::default();
        p.track(1, "k", obj(json!({})), "r1".into());
        p.track(2, "k", obj(json!({})), "r2".into());
        let d = p.untrack(1);
        assert_eq!(
            d.to_json(),
            json!({"joins": {}, "leaves": {"k": {"metas": [{"phx_ref": "r1"}]}}})
        );
        assert!(p.untrack(1).is_empty());
        p.untrack(2);
        assert!(p.is_empty());
        assert_eq!(p.to_json(), json!({}));
    }
}
