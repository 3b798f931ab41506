//! Selective sync: which cities and institutions a device keeps. Everything by default; a device
//! that keeps less downloads, verifies and locks on the structure and its kept scopes alone.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{Institution, Snapshot};
use crate::scope::ScopeId;

/// The cities and institutions this device keeps. Both empty means everything (today's
/// behaviour); a kept city keeps every institution it has, later ones included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default)]
    pub cities: BTreeSet<i64>,
    #[serde(default)]
    pub institutions: BTreeSet<i64>,
}

impl Selection {
    /// The default: every city and institution.
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn is_everything(&self) -> bool {
        self.cities.is_empty() && self.institutions.is_empty()
    }

    /// Whether this device keeps `institution`'s employees and archives.
    pub fn keeps(&self, institution: &Institution) -> bool {
        self.is_everything()
            || self.cities.contains(&institution.city_id)
            || self.institutions.contains(&institution.id)
    }

    /// Whether the device keeps `scope` (the structure always), with the institutions as
    /// `snapshot` has them. An institution the snapshot does not know is kept only by a device
    /// that keeps everything.
    pub fn keeps_scope(&self, scope: ScopeId, snapshot: &Snapshot) -> bool {
        match scope {
            ScopeId::Structure => true,
            ScopeId::Institution(id) => {
                self.is_everything()
                    || snapshot
                        .institution(id)
                        .is_some_and(|institution| self.keeps(institution))
            }
        }
    }

    /// The live institutions of `snapshot` this device keeps, by id.
    pub fn kept_institutions(&self, snapshot: &Snapshot) -> BTreeSet<i64> {
        snapshot
            .institutions
            .iter()
            .filter(|institution| institution.is_live() && self.keeps(institution))
            .map(|institution| institution.id)
            .collect()
    }

    /// Keeps or stops keeping a city (every institution of it).
    pub fn toggle_city(&mut self, city_id: i64, keep: bool) {
        if keep {
            self.cities.insert(city_id);
        } else {
            self.cities.remove(&city_id);
        }
    }

    /// Keeps or stops keeping one institution.
    pub fn toggle_institution(&mut self, institution_id: i64, keep: bool) {
        if keep {
            self.institutions.insert(institution_id);
        } else {
            self.institutions.remove(&institution_id);
        }
    }

    /// Forgets cities and institutions `snapshot` no longer has live, so that a deleted choice
    /// cannot keep the device selective with nothing chosen.
    pub fn without_gone(&self, snapshot: &Snapshot) -> Self {
        Selection {
            cities: self
                .cities
                .iter()
                .copied()
                .filter(|id| snapshot.city(*id).is_some_and(|city| city.is_live()))
                .collect(),
            institutions: self
                .institutions
                .iter()
                .copied()
                .filter(|id| {
                    snapshot
                        .institution(*id)
                        .is_some_and(|institution| institution.is_live())
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{city, institution};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn snapshot() -> Snapshot {
        Snapshot {
            cities: vec![city(1, "BlackWater"), city(2, "Saint Denis")],
            institutions: vec![
                institution(10, 1, "Politie", &[]),
                institution(20, 2, "Politie", &[]),
                institution(21, 2, "Spital", &[]),
            ],
            employees: vec![],
        }
    }

    #[test]
    fn everything_keeps_every_scope_even_unknown_ones() {
        let all = Selection::everything();
        let snapshot = snapshot();
        assert!(all.is_everything());
        assert_eq!(
            all.kept_institutions(&snapshot),
            BTreeSet::from([10, 20, 21])
        );
        assert!(all.keeps_scope(ScopeId::Institution(99), &snapshot));
    }

    #[test]
    fn a_kept_city_keeps_its_institutions_and_the_structure_is_always_kept() {
        let mut selection = Selection::default();
        selection.toggle_city(2, true);
        let snapshot = snapshot();
        assert_eq!(
            selection.kept_institutions(&snapshot),
            BTreeSet::from([20, 21])
        );
        assert!(selection.keeps_scope(ScopeId::Structure, &snapshot));
        assert!(!selection.keeps_scope(ScopeId::Institution(10), &snapshot));
        assert!(!selection.keeps_scope(ScopeId::Institution(99), &snapshot));
        selection.toggle_institution(10, true);
        assert!(selection.keeps_scope(ScopeId::Institution(10), &snapshot));
        selection.toggle_city(2, false);
        assert_eq!(selection.kept_institutions(&snapshot), BTreeSet::from([10]));
    }

    #[test]
    fn gone_choices_are_forgotten() {
        let mut snapshot = snapshot();
        let selection = Selection {
            cities: BTreeSet::from([2, 7]),
            institutions: BTreeSet::from([10, 70]),
        };
        snapshot.cities[1].deleted_at = Some(chrono::DateTime::UNIX_EPOCH);
        let kept = selection.without_gone(&snapshot);
        assert_eq!(kept.cities, BTreeSet::new());
        assert_eq!(kept.institutions, BTreeSet::from([10]));
    }

    #[test]
    fn reads_a_stored_choice_and_an_empty_object_as_everything() {
        let stored: Selection = serde_json::from_str(r#"{"cities":[2]}"#).unwrap();
        assert_eq!(stored.cities, BTreeSet::from([2]));
        let empty: Selection = serde_json::from_str("{}").unwrap();
        assert!(empty.is_everything());
    }
}
