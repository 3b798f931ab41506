//! Who is on the channel: the presence state kept exactly as Phoenix's `Presence.syncState` /
//! `Presence.syncDiff` keep it (which realtime-js's `RealtimePresence` wraps), including their
//! order: keys in the order they first appeared, and for one key the metas it already had
//! before the ones that joined.
//!
//! A key (our `presence_key`, one per browser tab) may have several metas: one per socket the
//! server tracks for it, e.g. the old and the new connection during a reconnect.

use serde_json::{Map, Value};

/// One tracked client, as realtime-js's `presenceState()` shows it: its key, the server's
/// `presence_ref`, and what it tracked (`phx_ref` and `phx_ref_prev` taken out).
#[derive(Clone, Debug, PartialEq)]
pub struct PresenceEntry {
    pub key: String,
    pub presence_ref: String,
    pub meta: Value,
}

#[derive(Clone, Debug, PartialEq)]
struct Meta {
    phx_ref: Option<String>,
    fields: Map<String, Value>,
}

type Presences = Vec<(String, Vec<Meta>)>;

/// The synced state, plus the diffs that came before the state of the current join (Phoenix
/// holds them back until that state arrives, then applies them in order).
#[derive(Clone, Debug, Default)]
pub struct PresenceState {
    state: Presences,
    /// The join whose `presence_state` the state reflects.
    synced_join_ref: Option<String>,
    pending_diffs: Vec<Value>,
}

/// Bounds what one hostile payload can make us hold.
const MAX_PENDING_DIFFS: usize = 100;

impl PresenceState {
    /// A `presence_state` for join `join_ref`: sync to it, then apply the diffs held back.
    pub fn apply_state(&mut self, join_ref: Option<&str>, payload: &Value) {
        self.synced_join_ref = join_ref.map(str::to_owned);
        let new_state = parse_presences(payload);
        sync_state(&mut self.state, new_state);
        for diff in std::mem::take(&mut self.pending_diffs) {
            apply_diff(&mut self.state, &diff);
        }
    }

    /// A `presence_diff` while joined as `current_join_ref`. Returns whether the state changed
    /// (false when the diff is held back until this join's `presence_state`).
    pub fn apply_diff(&mut self, current_join_ref: Option<&str>, payload: &Value) -> bool {
        if self.synced_join_ref.is_none() || self.synced_join_ref.as_deref() != current_join_ref {
            if self.pending_diffs.len() < MAX_PENDING_DIFFS {
                self.pending_diffs.push(payload.clone());
            }
            return false;
        }
        apply_diff(&mut self.state, payload);
        true
    }

    /// Every tracked client, flat: one entry per meta.
    pub fn list(&self) -> Vec<PresenceEntry> {
        self.state
            .iter()
            .flat_map(|(key, metas)| {
                metas.iter().map(move |meta| PresenceEntry {
                    key: key.clone(),
                    presence_ref: meta.phx_ref.clone().unwrap_or_default(),
                    meta: Value::Object(meta.fields.clone()),
                })
            })
            .collect()
    }
}

/// `{key: {metas: [{phx_ref, …}, …]}, …}`; what does not have that shape is left out.
fn parse_presences(value: &Value) -> Presences {
    let Some(object) = value.as_object() else {
        return Vec::new();
    };
    object
        .iter()
        .filter_map(|(key, presence)| {
            let metas = presence.get("metas")?.as_array()?;
            let metas = metas
                .iter()
                .filter_map(|meta| {
                    let mut fields = meta.as_object()?.clone();
                    let phx_ref = match fields.remove("phx_ref") {
                        Some(Value::String(text)) => Some(text),
                        Some(Value::Number(number)) => Some(number.to_string()),
                        _ => None,
                    };
                    fields.remove("phx_ref_prev");
                    Some(Meta { phx_ref, fields })
                })
                .collect();
            Some((key.clone(), metas))
        })
        .collect()
}

fn find<'a>(state: &'a Presences, key: &str) -> Option<&'a Vec<Meta>> {
    state.iter().find(|(k, _)| k == key).map(|(_, metas)| metas)
}

fn refs(metas: &[Meta]) -> Vec<Option<&str>> {
    metas.iter().map(|meta| meta.phx_ref.as_deref()).collect()
}

/// `Presence.syncState`: the joins and leaves that turn `state` into `new_state`, applied as
/// a diff (so metas the state already had keep their place).
fn sync_state(state: &mut Presences, new_state: Presences) {
    let mut joins: Presences = Vec::new();
    let mut leaves: Presences = state
        .iter()
        .filter(|(key, _)| find(&new_state, key).is_none())
        .cloned()
        .collect();
    for (key, new_metas) in new_state {
        match find(state, &key) {
            Some(current) => {
                let new_refs = refs(&new_metas);
                let current_refs = refs(current);
                let left: Vec<Meta> = current
                    .iter()
                    .filter(|meta| !new_refs.contains(&meta.phx_ref.as_deref()))
                    .cloned()
                    .collect();
                let joined: Vec<Meta> = new_metas
                    .iter()
                    .filter(|meta| !current_refs.contains(&meta.phx_ref.as_deref()))
                    .cloned()
                    .collect();
                if !joined.is_empty() {
                    joins.push((key.clone(), joined));
                }
                if !left.is_empty() {
                    leaves.push((key, left));
                }
            }
            None => joins.push((key, new_metas)),
        }
    }
    sync_diff(state, joins, leaves);
}

/// A `presence_diff` payload `{joins, leaves}`.
fn apply_diff(state: &mut Presences, payload: &Value) {
    let joins = payload
        .get("joins")
        .map(parse_presences)
        .unwrap_or_default();
    let leaves = payload
        .get("leaves")
        .map(parse_presences)
        .unwrap_or_default();
    sync_diff(state, joins, leaves);
}

/// `Presence.syncDiff`: a joining key takes the joined metas, after those it had that did not
/// rejoin; leaving metas are removed by ref, and a key without metas is gone.
fn sync_diff(state: &mut Presences, joins: Presences, leaves: Presences) {
    for (key, joined) in joins {
        match state.iter_mut().find(|(k, _)| *k == key) {
            Some((_, metas)) => {
                let joined_refs = refs(&joined);
                let mut kept: Vec<Meta> = metas
                    .iter()
                    .filter(|meta| !joined_refs.contains(&meta.phx_ref.as_deref()))
                    .cloned()
                    .collect();
                kept.extend(joined);
                *metas = kept;
            }
            None => state.push((key, joined)),
        }
    }
    for (key, left) in leaves {
        let Some(index) = state.iter().position(|(k, _)| *k == key) else {
            continue;
        };
        let left_refs = refs(&left);
        let metas = &mut state[index].1;
        metas.retain(|meta| !left_refs.contains(&meta.phx_ref.as_deref()));
        if metas.is_empty() {
            state.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(phx_ref: &str) -> Value {
        json!({"phx_ref": phx_ref, "name": format!("n{phx_ref}")})
    }

    /// `(key, presence_ref)` of every entry, in order.
    fn summary(presence: &PresenceState) -> Vec<(String, String)> {
        presence
            .list()
            .into_iter()
            .map(|entry| (entry.key, entry.presence_ref))
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(key, r)| (key.to_string(), r.to_string()))
            .collect()
    }

    #[test]
    fn a_diff_before_the_state_of_this_join_waits_for_it() {
        let mut presence = PresenceState::default();
        let diff = json!({"joins": {"b": {"metas": [meta("2")]}}, "leaves": {}});
        assert!(!presence.apply_diff(Some("1"), &diff));
        assert!(presence.list().is_empty());
        presence.apply_state(Some("1"), &json!({"a": {"metas": [meta("1")]}}));
        assert_eq!(summary(&presence), pairs(&[("a", "1"), ("b", "2")]));
        // A new join: diffs wait again until its own state.
        let leave = json!({"leaves": {"a": {"metas": [meta("1")]}}});
        assert!(!presence.apply_diff(Some("5"), &leave));
        assert_eq!(presence.list().len(), 2);
        presence.apply_state(
            Some("5"),
            &json!({"a": {"metas": [meta("1")]}, "b": {"metas": [meta("2")]}}),
        );
        assert_eq!(summary(&presence), pairs(&[("b", "2")]));
    }

    #[test]
    fn the_meta_is_what_was_tracked() {
        let mut presence = PresenceState::default();
        presence.apply_state(
            Some("1"),
            &json!({"k": {"metas": [{"phx_ref": "r", "phx_ref_prev": "q", "name": "Ana", "version": 3}]}}),
        );
        assert_eq!(
            presence.list(),
            vec![PresenceEntry {
                key: "k".into(),
                presence_ref: "r".into(),
                meta: json!({"name": "Ana", "version": 3}),
            }]
        );
    }

    #[test]
    fn strange_shapes_are_left_out() {
        let mut presence = PresenceState::default();
        presence.apply_state(
            Some("1"),
            &json!({"a": {"metas": "x"}, "b": 3, "c": {"metas": [1, {"phx_ref": "1"}]}}),
        );
        assert_eq!(summary(&presence), pairs(&[("c", "1")]));
        presence.apply_state(Some("1"), &json!([1, 2]));
        assert!(presence.list().is_empty());
        assert!(presence.apply_diff(Some("1"), &json!("nonsense")));
        assert!(presence.apply_diff(Some("1"), &json!({"joins": [], "leaves": null})));
        assert!(presence.list().is_empty());
    }
}
