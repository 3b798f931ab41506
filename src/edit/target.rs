//! What an edit changes, as field values the merge compares, and the RPCs that save them.
//!
//! Every row becomes text values by field key: an employee's rank and score under their column
//! names (`RANK`, `PUNCTAJ`) beside its custom columns (a custom column can never be named like
//! a fixed one), a name under [`NAME`], a ladder and a column list each as one value, one entry
//! per line (labels never contain line breaks).

use std::collections::BTreeMap;

use punctaj_core::conflict::FieldValues;
use punctaj_core::model;
use punctaj_supabase::SupabaseError;
use serde_json::Value;

use crate::api::{self, MutationOutcome, RowConflict};
use crate::sync::{SyncEngine, adopt_own_change};

pub const RANK: &str = model::RANK;
pub const PUNCTAJ: &str = model::PUNCTAJ;
pub const NAME: &str = "name";
pub const RANKS: &str = "ranks";
pub const COLUMNS: &str = "columns";

/// The row an edit is for.
#[derive(Clone, Debug, PartialEq)]
pub enum EditTarget {
    Employee {
        id: String,
    },
    CityName {
        id: i64,
    },
    InstitutionName {
        id: i64,
    },
    /// The ladder and the column list; `renames` (old custom column → new) carry the values of
    /// a renamed column along.
    InstitutionStructure {
        id: i64,
        renames: BTreeMap<String, String>,
    },
}

/// An employee's editable values (its custom fields, rank and score).
pub fn employee_values(rank: i32, fields: &BTreeMap<String, String>, punctaj: i32) -> FieldValues {
    let mut values = fields.clone();
    values.insert(RANK.into(), rank.to_string());
    values.insert(PUNCTAJ.into(), punctaj.to_string());
    values
}

/// A city's or an institution's name.
pub fn name_values(name: &str) -> FieldValues {
    FieldValues::from([(NAME.to_string(), name.to_string())])
}

/// An institution's ladder and column list.
pub fn structure_values(ranks: &[String], columns: &[String]) -> FieldValues {
    FieldValues::from([
        (RANKS.to_string(), ranks.join("\n")),
        (COLUMNS.to_string(), columns.join("\n")),
    ])
}

fn lines(values: &FieldValues, field: &str) -> Vec<String> {
    values
        .get(field)
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn number(values: &FieldValues, field: &str) -> Result<i32, SupabaseError> {
    let text = values.get(field).map(String::as_str).unwrap_or_default();
    text.parse()
        .map_err(|_| SupabaseError::InvalidRequest(format!("{field} is not a number: {text}")))
}

fn list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl EditTarget {
    /// The cloud's current values, from its refusal of an edit.
    pub fn theirs(&self, conflict: &RowConflict) -> FieldValues {
        let current = &conflict.current;
        match self {
            EditTarget::Employee { .. } => {
                let fields: BTreeMap<String, String> = current
                    .get("fields")
                    .and_then(Value::as_object)
                    .map(|fields| {
                        fields
                            .iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                let int = |key: &str| current.get(key).and_then(Value::as_i64).unwrap_or(0) as i32;
                employee_values(int("rank"), &fields, int("punctaj"))
            }
            EditTarget::CityName { .. } | EditTarget::InstitutionName { .. } => {
                name_values(&conflict.text("name"))
            }
            EditTarget::InstitutionStructure { .. } => {
                structure_values(&list(current.get("ranks")), &list(current.get("columns")))
            }
        }
    }

    /// Saves the `changed` fields of `values` against row version `expected`. A structure edit
    /// may take two RPCs: the first one's change is adopted by `engine` before the second is sent,
    /// so this client never locks itself over its own change.
    pub async fn send(
        &self,
        engine: SyncEngine,
        values: &FieldValues,
        changed: &[String],
        expected: i64,
    ) -> Result<MutationOutcome, SupabaseError> {
        let client = &engine.session.client();
        let changes = |field: &str| changed.iter().any(|c| c == field);
        let text = |field: &str| values.get(field).map(String::as_str).unwrap_or_default();
        match self {
            EditTarget::Employee { id } => {
                let rank = if changes(RANK) {
                    Some(number(values, RANK)?)
                } else {
                    None
                };
                let punctaj = if changes(PUNCTAJ) {
                    Some(number(values, PUNCTAJ)?)
                } else {
                    None
                };
                let custom: BTreeMap<String, String> = values
                    .iter()
                    .filter(|(field, _)| !model::is_fixed_column(field))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let fields_changed = changed.iter().any(|c| !model::is_fixed_column(c));
                let fields = fields_changed.then_some(&custom);
                api::update_employee(client, id, expected, rank, fields, punctaj).await
            }
            EditTarget::CityName { id } => {
                api::rename_city(client, *id, expected, text(NAME)).await
            }
            EditTarget::InstitutionName { id } => {
                api::rename_institution(client, *id, expected, text(NAME)).await
            }
            EditTarget::InstitutionStructure { id, renames } => {
                let mut version = expected;
                let mut last = None;
                if changes(RANKS) {
                    let outcome =
                        api::set_institution_ranks(client, *id, version, &lines(values, RANKS))
                            .await?;
                    version = outcome.row_version().unwrap_or(version + 1);
                    adopt_own_change(engine, &outcome, Vec::new()).await;
                    last = Some(outcome);
                }
                match last {
                    Some(outcome) if !changes(COLUMNS) => Ok(outcome),
                    _ => {
                        let columns = lines(values, COLUMNS);
                        api::set_institution_columns(client, *id, version, &columns, renames).await
                    }
                }
            }
        }
    }
}
