//! Edits that meet someone else's: a three-way merge of the values a user started from, the
//! values they typed and the values the cloud holds now.
//!
//! Every editable row carries a row version; an edit RPC names the version its form opened with
//! and the cloud refuses it (`PT412`) when the row changed meanwhile, answering the row as it is
//! now. The app then merges here: a field only the user changed keeps the user's value, a field
//! only the cloud changed keeps the cloud's, and a field both changed to different values is a
//! [`FieldConflict`] the user decides. Values are compared as the text the form shows, so one
//! rule serves employees (rank, score, custom columns), cities and institutions alike.

use std::collections::BTreeMap;

/// The values of one row's editable fields, by field key.
pub type FieldValues = BTreeMap<String, String>;

/// A field that both the user and someone else changed, to different values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    pub field: String,
    /// What the form opened with.
    pub base: String,
    /// What the user typed.
    pub mine: String,
    /// What the cloud holds now.
    pub theirs: String,
}

/// The outcome of [`merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The cloud's values with every change of the user's that meets no other change applied.
    pub merged: FieldValues,
    /// The fields both sides changed differently, in key order.
    pub conflicts: Vec<FieldConflict>,
}

/// How the user settles the conflicts of a [`Merge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Their own value for every conflicting field.
    KeepMine,
    /// The cloud's value for every conflicting field (their other changes still apply).
    TakeTheirs,
}

/// A field missing from one side counts as empty text there (a custom column added or removed
/// meanwhile): nothing typed is ever dropped for lack of a key.
fn value<'a>(values: &'a FieldValues, field: &str) -> &'a str {
    values.get(field).map(String::as_str).unwrap_or("")
}

/// Merges `mine` (started from `base`) into `theirs`.
pub fn merge(base: &FieldValues, mine: &FieldValues, theirs: &FieldValues) -> Merge {
    let mut merged = theirs.clone();
    let mut conflicts = Vec::new();
    for (field, typed) in mine {
        let started = value(base, field);
        if typed == started {
            continue; // not the user's change: the cloud's value stands
        }
        let now = value(theirs, field);
        if now == started || now == typed {
            merged.insert(field.clone(), typed.clone());
        } else {
            conflicts.push(FieldConflict {
                field: field.clone(),
                base: started.to_string(),
                mine: typed.clone(),
                theirs: now.to_string(),
            });
        }
    }
    Merge { merged, conflicts }
}

impl Merge {
    /// The values to save once the conflicts are settled by `resolution`.
    pub fn resolve(&self, resolution: Resolution) -> FieldValues {
        let mut values = self.merged.clone();
        if resolution == Resolution::KeepMine {
            for conflict in &self.conflicts {
                values.insert(conflict.field.clone(), conflict.mine.clone());
            }
        }
        values
    }
}

/// The fields whose value in `values` differs from the cloud's: what an edit must send.
pub fn changed_fields(values: &FieldValues, theirs: &FieldValues) -> Vec<String> {
    values
        .iter()
        .filter(|(field, v)| value(theirs, field) != v.as_str())
        .map(|(field, _)| field.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> FieldValues {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changes_of_different_fields_merge_without_asking() {
        let base = values(&[("NUME", "Ion"), ("PUNCTAJ", "10")]);
        let mine = values(&[("NUME", "Ion Pop"), ("PUNCTAJ", "10")]);
        let theirs = values(&[("NUME", "Ion"), ("PUNCTAJ", "15")]);
        let merge = merge(&base, &mine, &theirs);
        assert!(merge.conflicts.is_empty());
        assert_eq!(
            merge.merged,
            values(&[("NUME", "Ion Pop"), ("PUNCTAJ", "15")])
        );
    }

    #[test]
    fn the_same_field_changed_twice_is_a_conflict_with_all_three_values() {
        let base = values(&[("NUME", "Ion")]);
        let mine = values(&[("NUME", "Ion Pop")]);
        let theirs = values(&[("NUME", "Ioan")]);
        let merge = merge(&base, &mine, &theirs);
        assert_eq!(
            merge.conflicts,
            vec![FieldConflict {
                field: "NUME".into(),
                base: "Ion".into(),
                mine: "Ion Pop".into(),
                theirs: "Ioan".into(),
            }]
        );
        assert_eq!(merge.resolve(Resolution::KeepMine)["NUME"], "Ion Pop");
        assert_eq!(merge.resolve(Resolution::TakeTheirs)["NUME"], "Ioan");
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = values(&[("NUME", "<script>")]);
        let mine = values(&[("NUME", "Ștefan \"Ș\"")]);
        let merge = merge(&base, &mine, &mine);
        assert!(merge.conflicts.is_empty());
        assert!(changed_fields(&merge.merged, &mine).is_empty());
    }

    #[test]
    fn taking_theirs_keeps_the_users_other_changes() {
        let base = values(&[("A", "1"), ("B", "1")]);
        let mine = values(&[("A", "2"), ("B", "2")]);
        let theirs = values(&[("A", "3"), ("B", "1")]);
        let merge = merge(&base, &mine, &theirs);
        let saved = merge.resolve(Resolution::TakeTheirs);
        assert_eq!(saved, values(&[("A", "3"), ("B", "2")]));
        assert_eq!(changed_fields(&saved, &theirs), vec!["B".to_string()]);
    }

    #[test]
    fn a_field_the_cloud_no_longer_has_still_keeps_what_was_typed() {
        let base = values(&[("OLD", "x")]);
        let mine = values(&[("OLD", "y")]);
        let theirs = values(&[]);
        let merge = merge(&base, &mine, &theirs);
        assert_eq!(merge.conflicts[0].theirs, "");
        assert_eq!(merge.resolve(Resolution::KeepMine)["OLD"], "y");
    }
}
