//! Delta sync: the decisions behind downloading only what changed since the installed version,
//! free of I/O. What to ask for (`rpc/sync_delta`), how the answer is applied to the local copy,
//! how the result is verified against the cloud's scope hashes and global hash before anything is
//! installed, and whether a change somewhere else needs to lock a device that keeps less than
//! everything (`rpc/sync_changes`). Anything that does not verify is never installed: the caller
//! falls back to a full download.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::canonical::{global_hash, scope_hashes};
use crate::model::{City, Employee, Institution, Snapshot};
use crate::scope::ScopeId;
use crate::selection::Selection;
use crate::sync::deserialize_hash;

/// One row of `sync_scopes`: a scope, the version at which it last changed and its hash
/// (`None` once the scope is gone: a deleted institution).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeStamp {
    pub scope: ScopeId,
    pub version: i64,
    #[serde(default, deserialize_with = "deserialize_optional_hash")]
    pub hash: Option<String>,
}

/// `char(64)` comes padded, and null for a gone scope.
fn deserialize_optional_hash<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let hash = Option::<String>::deserialize(deserializer)?;
    Ok(hash
        .map(|hash| hash.trim().to_ascii_lowercase())
        .filter(|hash| !hash.is_empty()))
}

/// `rpc/sync_changes`: the cloud's version and the scopes changed since a version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SyncChanges {
    pub version: i64,
    #[serde(default, deserialize_with = "deserialize_hash")]
    pub data_hash: String,
    /// Deltas from versions below this cannot be served (a restore, a hash rule change).
    #[serde(default)]
    pub delta_floor: i64,
    #[serde(default)]
    pub scopes: Vec<ScopeStamp>,
}

impl SyncChanges {
    /// The live scopes, in the order the global hash lists them.
    pub fn live_scopes(&self) -> Vec<ScopeStamp> {
        live(&self.scopes)
    }
}

/// `rpc/sync_delta`: the rows changed since the versions asked for, soft-deleted ones
/// included as tombstones, with every live scope's stamp; or why a delta cannot be served.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Delta {
    #[serde(default)]
    pub full_required: bool,
    #[serde(default)]
    pub reason: Option<String>,
    pub version: i64,
    #[serde(default, deserialize_with = "deserialize_hash")]
    pub data_hash: String,
    #[serde(default)]
    pub delta_floor: i64,
    #[serde(default)]
    pub scopes: Vec<ScopeStamp>,
    #[serde(default)]
    pub cities: Vec<City>,
    #[serde(default)]
    pub institutions: Vec<Institution>,
    #[serde(default)]
    pub employees: Vec<Employee>,
}

impl Delta {
    /// Why this answer must not be applied on a copy installed at `installed_version`, if so.
    pub fn refusal(&self, installed_version: i64) -> Option<String> {
        if self.full_required {
            return Some(
                self.reason
                    .clone()
                    .unwrap_or_else(|| "the cloud cannot serve a delta".to_owned()),
            );
        }
        if self.version < installed_version {
            return Some(format!(
                "the cloud's version went backwards ({} after {installed_version})",
                self.version
            ));
        }
        if self.delta_floor > installed_version {
            return Some(format!(
                "the cloud was restored or rebuilt at version {}",
                self.delta_floor
            ));
        }
        None
    }

    /// Rows in the answer (tombstones included).
    pub fn row_count(&self) -> usize {
        self.cities.len() + self.institutions.len() + self.employees.len()
    }
}

fn live(scopes: &[ScopeStamp]) -> Vec<ScopeStamp> {
    let mut live: Vec<ScopeStamp> = scopes
        .iter()
        .filter(|stamp| stamp.hash.is_some())
        .cloned()
        .collect();
    live.sort_by_key(|stamp| stamp.scope);
    live
}

/// The versions held per scope, as `rpc/sync_delta` takes them: the structure and every kept
/// institution of the local copy at `installed_version`, and 0 for an institution the device
/// keeps now but did not keep when the copy was installed (it has none of its rows).
pub fn delta_request(
    installed_version: i64,
    local: &Snapshot,
    installed: &Selection,
    wanted: &Selection,
) -> BTreeMap<ScopeId, i64> {
    let mut since = BTreeMap::from([(ScopeId::Structure, installed_version)]);
    for institution in local.institutions.iter().filter(|i| i.is_live()) {
        if wanted.keeps(institution) {
            let held = if installed.keeps(institution) {
                installed_version
            } else {
                0
            };
            since.insert(ScopeId::Institution(institution.id), held);
        }
    }
    since
}

/// Kept institutions the structure now has that `requested` did not ask for (created, or moved
/// into a kept city, since the copy was installed): their rows are asked for from 0.
pub fn missing_scopes(
    snapshot: &Snapshot,
    wanted: &Selection,
    requested: &BTreeMap<ScopeId, i64>,
) -> Vec<ScopeId> {
    wanted
        .kept_institutions(snapshot)
        .into_iter()
        .map(ScopeId::Institution)
        .filter(|scope| !requested.contains_key(scope))
        .collect()
}

/// Applies `delta` to `snapshot`: changed rows replace their old selves, tombstones remove them,
/// and employees of institutions the device does not keep (or that are gone) are dropped, so the
/// result holds exactly what a full download for `selection` would.
pub fn apply_delta(snapshot: &mut Snapshot, delta: &Delta, selection: &Selection) {
    fn merge<T: Clone, K: Ord>(
        rows: &mut Vec<T>,
        changed: &[T],
        key: impl Fn(&T) -> K,
        live: impl Fn(&T) -> bool,
    ) {
        let mut by_key: BTreeMap<K, T> = rows.drain(..).map(|row| (key(&row), row)).collect();
        for row in changed {
            if live(row) {
                by_key.insert(key(row), row.clone());
            } else {
                by_key.remove(&key(row));
            }
        }
        rows.extend(by_key.into_values().filter(|row| live(row)));
    }
    merge(
        &mut snapshot.cities,
        &delta.cities,
        |city| city.id,
        City::is_live,
    );
    merge(
        &mut snapshot.institutions,
        &delta.institutions,
        |institution| institution.id,
        Institution::is_live,
    );
    merge(
        &mut snapshot.employees,
        &delta.employees,
        |employee| employee.id.clone(),
        Employee::is_live,
    );
    let kept: BTreeSet<i64> = selection.kept_institutions(snapshot);
    snapshot
        .employees
        .retain(|employee| kept.contains(&employee.institution_id));
}

/// Why a copy does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// A kept scope's hash, computed from the copy, is not the cloud's.
    ScopeDiffers {
        scope: ScopeId,
        expected: String,
        actual: String,
    },
    /// The copy has a kept scope the cloud does not have live.
    UnexpectedScope { scope: ScopeId },
    /// The cloud's scope list does not hash to its global hash.
    GlobalDiffers { expected: String, actual: String },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::ScopeDiffers {
                scope,
                expected,
                actual,
            } => write!(
                f,
                "the hash of {scope} computed here ({actual}) is not the cloud's ({expected})"
            ),
            VerifyError::UnexpectedScope { scope } => {
                write!(f, "{scope} is here but not in the cloud")
            }
            VerifyError::GlobalDiffers { expected, actual } => write!(
                f,
                "the scope hashes give {actual}, not the cloud's data hash {expected}"
            ),
        }
    }
}

/// Verifies `snapshot`, meant to hold the structure and the scopes `selection` keeps, against
/// the cloud's live scope stamps and global hash. Every kept scope is hashed from the copy
/// itself, so a damaged local row is found wherever it is. Returns the live stamps to install.
pub fn verify(
    snapshot: &Snapshot,
    selection: &Selection,
    cloud_scopes: &[ScopeStamp],
    cloud_hash: &str,
) -> Result<Vec<ScopeStamp>, VerifyError> {
    let cloud = live(cloud_scopes);
    let expected_global = cloud_hash.trim().to_ascii_lowercase();
    let actual_global = global_hash(
        cloud
            .iter()
            .filter_map(|stamp| Some((stamp.scope, stamp.hash.as_deref()?))),
    );
    if actual_global != expected_global {
        return Err(VerifyError::GlobalDiffers {
            expected: expected_global,
            actual: actual_global,
        });
    }
    let local = scope_hashes(snapshot);
    let cloud_ids: BTreeSet<ScopeId> = cloud.iter().map(|stamp| stamp.scope).collect();
    for stamp in &cloud {
        if !selection.keeps_scope(stamp.scope, snapshot) {
            continue;
        }
        let expected = stamp.hash.clone().unwrap_or_default();
        let actual = local.get(&stamp.scope).cloned().unwrap_or_default();
        if actual != expected {
            return Err(VerifyError::ScopeDiffers {
                scope: stamp.scope,
                expected,
                actual,
            });
        }
    }
    if let Some(scope) = local
        .keys()
        .find(|scope| !cloud_ids.contains(scope) && selection.keeps_scope(**scope, snapshot))
    {
        return Err(VerifyError::UnexpectedScope { scope: *scope });
    }
    Ok(cloud)
}

/// What a device that keeps less than everything makes of the cloud's changes since its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangesVerdict {
    /// The structure or a kept scope changed (or the cloud cannot say what changed): lock.
    Relevant,
    /// Only scopes this device does not keep changed; the stamps to install at the new version
    /// without downloading anything.
    Elsewhere {
        scopes: Vec<ScopeStamp>,
        changed: usize,
    },
}

/// Judges `changes` (since the installed version) for a device with `installed` stamps and
/// `snapshot`. Only when every changed scope is one it does not keep, and the installed stamps
/// updated by the changes hash to the cloud's global hash, is the device left unlocked.
pub fn judge_changes(
    installed_version: i64,
    installed: &[ScopeStamp],
    changes: &SyncChanges,
    snapshot: &Snapshot,
    selection: &Selection,
) -> ChangesVerdict {
    let relevant = selection.is_everything()
        // A bump that names no scope (force sync) is meant for everyone.
        || changes.scopes.is_empty()
        || changes.version <= installed_version
        || changes.delta_floor > installed_version
        || changes
            .scopes
            .iter()
            .any(|stamp| selection.keeps_scope(stamp.scope, snapshot));
    if relevant {
        return ChangesVerdict::Relevant;
    }
    let mut by_scope: BTreeMap<ScopeId, ScopeStamp> = installed
        .iter()
        .map(|stamp| (stamp.scope, stamp.clone()))
        .collect();
    for stamp in &changes.scopes {
        by_scope.insert(stamp.scope, stamp.clone());
    }
    let scopes = live(&by_scope.into_values().collect::<Vec<_>>());
    let global = global_hash(
        scopes
            .iter()
            .filter_map(|stamp| Some((stamp.scope, stamp.hash.as_deref()?))),
    );
    if global != changes.data_hash.trim().to_ascii_lowercase() {
        return ChangesVerdict::Relevant;
    }
    ChangesVerdict::Elsewhere {
        scopes,
        changed: changes.scopes.len(),
    }
}

/// The scopes among `cloud` that changed after `installed_version` and that the device keeps:
/// the institutions whose archives a delta download lists again.
pub fn changed_kept_institutions(
    installed_version: i64,
    cloud: &[ScopeStamp],
    snapshot: &Snapshot,
    selection: &Selection,
) -> BTreeSet<i64> {
    cloud
        .iter()
        .filter(|stamp| stamp.version > installed_version)
        .filter_map(|stamp| match stamp.scope {
            ScopeId::Institution(id) if selection.keeps_scope(stamp.scope, snapshot) => Some(id),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::data_hash;
    use crate::model::tests::{city, employee, institution};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const E1: &str = "0aaaaaaa-0000-0000-0000-000000000001";
    const E2: &str = "0aaaaaaa-0000-0000-0000-000000000002";
    const E3: &str = "0aaaaaaa-0000-0000-0000-000000000003";

    /// Two cities, one institution each, one employee each, and a second one in BlackWater.
    fn cloud() -> Snapshot {
        Snapshot {
            cities: vec![city(1, "BlackWater"), city(2, "Saint Denis")],
            institutions: vec![
                institution(10, 1, "Politie", &["Agent"]),
                institution(20, 2, "Politie", &["Agent"]),
            ],
            employees: vec![
                employee(E1, 10, 1, 5),
                employee(E2, 20, 1, 7),
                employee(E3, 10, 1, 0),
            ],
        }
    }

    fn stamps(snapshot: &Snapshot, version: i64) -> Vec<ScopeStamp> {
        scope_hashes(snapshot)
            .into_iter()
            .map(|(scope, hash)| ScopeStamp {
                scope,
                version,
                hash: Some(hash),
            })
            .collect()
    }

    fn delta_between(cloud: &Snapshot, version: i64, changed: Snapshot) -> Delta {
        Delta {
            full_required: false,
            reason: None,
            version,
            data_hash: data_hash(cloud),
            delta_floor: 0,
            scopes: stamps(cloud, version),
            cities: changed.cities,
            institutions: changed.institutions,
            employees: changed.employees,
        }
    }

    fn saint_denis_only() -> Selection {
        let mut selection = Selection::default();
        selection.toggle_city(2, true);
        selection
    }

    #[test]
    fn a_changed_row_applied_to_the_old_copy_verifies_as_the_cloud() {
        let mut local = cloud();
        let mut now = cloud();
        now.employees[0].punctaj = 50;
        let delta = delta_between(
            &now,
            8,
            Snapshot {
                employees: vec![now.employees[0].clone()],
                ..Snapshot::default()
            },
        );
        assert_eq!(delta.refusal(7), None);
        apply_delta(&mut local, &delta, &Selection::everything());
        let installed = verify(
            &local,
            &Selection::everything(),
            &delta.scopes,
            &delta.data_hash,
        );
        assert_eq!(installed.unwrap().len(), 3);
        assert_eq!(data_hash(&local), data_hash(&now));
    }

    #[test]
    fn tombstones_remove_rows_and_a_restored_row_comes_back() {
        let mut local = cloud();
        let mut now = cloud();
        now.employees.retain(|e| e.id != E3);
        let mut tombstone = cloud().employees[2].clone();
        tombstone.deleted_at = Some(chrono::DateTime::UNIX_EPOCH);
        let delta = delta_between(
            &now,
            8,
            Snapshot {
                employees: vec![tombstone],
                ..Snapshot::default()
            },
        );
        apply_delta(&mut local, &delta, &Selection::everything());
        assert!(local.employees.iter().all(|e| e.id != E3));
        verify(
            &local,
            &Selection::everything(),
            &delta.scopes,
            &delta.data_hash,
        )
        .unwrap();

        let restored = cloud();
        let back = delta_between(
            &restored,
            9,
            Snapshot {
                employees: vec![restored.employees[2].clone()],
                ..Snapshot::default()
            },
        );
        apply_delta(&mut local, &back, &Selection::everything());
        verify(
            &local,
            &Selection::everything(),
            &back.scopes,
            &back.data_hash,
        )
        .unwrap();
    }

    #[test]
    fn a_damaged_row_in_an_unchanged_scope_fails_the_check_and_names_the_scope() {
        let mut local = cloud();
        local.employees[1].punctaj = 9999; // Saint Denis, not in the delta
        let mut now = cloud();
        now.employees[0].punctaj = 1;
        let delta = delta_between(
            &now,
            8,
            Snapshot {
                employees: vec![now.employees[0].clone()],
                ..Snapshot::default()
            },
        );
        apply_delta(&mut local, &delta, &Selection::everything());
        let error = verify(
            &local,
            &Selection::everything(),
            &delta.scopes,
            &delta.data_hash,
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                VerifyError::ScopeDiffers {
                    scope: ScopeId::Institution(20),
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_scope_list_that_does_not_give_the_global_hash_is_refused() {
        let local = cloud();
        let mut scopes = stamps(&local, 7);
        scopes[1].hash = Some("0".repeat(64));
        let error = verify(
            &local,
            &Selection::everything(),
            &scopes,
            &data_hash(&local),
        );
        assert!(matches!(error, Err(VerifyError::GlobalDiffers { .. })));
    }

    #[test]
    fn refuses_backwards_versions_full_required_and_deltas_below_the_floor() {
        let mut delta = delta_between(&cloud(), 5, Snapshot::default());
        assert!(delta.refusal(6).unwrap().contains("backwards"));
        delta.version = 9;
        delta.delta_floor = 8;
        assert!(delta.refusal(6).unwrap().contains("restored"));
        assert_eq!(delta.refusal(8), None);
        delta.full_required = true;
        delta.reason = Some("because".into());
        assert_eq!(delta.refusal(8).as_deref(), Some("because"));
    }

    #[test]
    fn a_selective_copy_holds_and_verifies_only_its_scopes() {
        let selection = saint_denis_only();
        let mut local = cloud();
        let mut now = cloud();
        now.employees[1].punctaj = 8;
        let delta = delta_between(
            &now,
            8,
            Snapshot {
                employees: vec![now.employees[1].clone()],
                ..Snapshot::default()
            },
        );
        apply_delta(&mut local, &delta, &selection);
        assert!(local.employees.iter().all(|e| e.institution_id == 20));
        verify(&local, &selection, &delta.scopes, &delta.data_hash).unwrap();
        // The same copy is not a complete one.
        assert!(
            verify(
                &local,
                &Selection::everything(),
                &delta.scopes,
                &delta.data_hash
            )
            .is_err()
        );
    }

    #[test]
    fn the_request_asks_from_zero_for_newly_kept_scopes_and_finds_new_institutions() {
        let local = cloud();
        let request = delta_request(7, &local, &saint_denis_only(), &Selection::everything());
        assert_eq!(
            request,
            BTreeMap::from([
                (ScopeId::Structure, 7),
                (ScopeId::Institution(10), 0),
                (ScopeId::Institution(20), 7),
            ])
        );
        let mut grown = cloud();
        grown.institutions.push(institution(21, 2, "Spital", &[]));
        assert_eq!(
            missing_scopes(&grown, &saint_denis_only(), &request),
            [ScopeId::Institution(21)]
        );
    }

    #[test]
    fn changes_elsewhere_do_not_lock_a_selective_device_but_kept_ones_do() {
        let selection = saint_denis_only();
        let before = cloud();
        let installed = stamps(&before, 7);
        let mut after = cloud();
        after.employees[0].punctaj = 40; // BlackWater
        let changed = |snapshot: &Snapshot, scope: ScopeId| SyncChanges {
            version: 8,
            data_hash: data_hash(snapshot),
            delta_floor: 0,
            scopes: stamps(snapshot, 8)
                .into_iter()
                .filter(|stamp| stamp.scope == scope)
                .collect(),
        };
        let elsewhere = changed(&after, ScopeId::Institution(10));
        match judge_changes(7, &installed, &elsewhere, &before, &selection) {
            ChangesVerdict::Elsewhere { scopes, changed } => {
                assert_eq!(changed, 1);
                assert_eq!(
                    scopes,
                    live(&stamps(&after, 7))
                        .into_iter()
                        .map(|mut s| {
                            if s.scope == ScopeId::Institution(10) {
                                s.version = 8;
                            }
                            s
                        })
                        .collect::<Vec<_>>()
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            judge_changes(7, &installed, &elsewhere, &before, &Selection::everything()),
            ChangesVerdict::Relevant
        );
        let mut kept_change = cloud();
        kept_change.employees[1].punctaj = 1;
        let kept = changed(&kept_change, ScopeId::Institution(20));
        assert_eq!(
            judge_changes(7, &installed, &kept, &before, &selection),
            ChangesVerdict::Relevant
        );
        let mut renamed = cloud();
        renamed.cities[0].name = "Blackwater".into();
        let structure = changed(&renamed, ScopeId::Structure);
        assert_eq!(
            judge_changes(7, &installed, &structure, &before, &selection),
            ChangesVerdict::Relevant
        );
        // A change list that does not add up to the cloud's hash locks too.
        let mut lying = elsewhere.clone();
        lying.data_hash = "1".repeat(64);
        assert_eq!(
            judge_changes(7, &installed, &lying, &before, &selection),
            ChangesVerdict::Relevant
        );
        let force_sync = SyncChanges {
            scopes: vec![],
            ..elsewhere
        };
        assert_eq!(
            judge_changes(7, &installed, &force_sync, &before, &selection),
            ChangesVerdict::Relevant
        );
    }

    #[test]
    fn reads_the_rpc_answers_padded_hashes_and_tombstoned_scopes() {
        let changes: SyncChanges = serde_json::from_str(&format!(
            r#"{{"version": 9, "data_hash": "{h} ", "delta_floor": 2,
                "scopes": [{{"scope": "institution:4", "version": 9, "hash": null}},
                           {{"scope": "structure", "version": 3, "hash": "{h}"}}]}}"#,
            h = "a".repeat(64)
        ))
        .unwrap();
        assert_eq!(changes.data_hash.len(), 64);
        assert_eq!(changes.live_scopes().len(), 1);
        let refused: Delta = serde_json::from_str(
            r#"{"full_required": true, "reason": "too old", "version": 9, "data_hash": null}"#,
        )
        .unwrap();
        assert_eq!(refused.refusal(1).as_deref(), Some("too old"));
        assert!(
            serde_json::from_str::<Delta>(r#"{"version": 9, "employees": [{"id": 1}]}"#).is_err()
        );
        assert!(
            serde_json::from_str::<SyncChanges>(
                r#"{"version": 9, "scopes": [{"scope": "city:1", "version": 1}]}"#
            )
            .is_err()
        );
    }
}
