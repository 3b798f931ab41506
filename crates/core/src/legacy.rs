//! Reading the legacy desktop app's institution files (`data/<server>/<City>/<Institution>.json`)
//! so their members can be imported.
//!
//! Those files were written by several versions of the app and edited by hand, so every value is
//! checked and every problem is reported with where it is, instead of importing something wrong.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::model::{PUNCTAJ, RANK, ULTIMA_MOD, is_fixed_column};
use crate::time::RecordedTime;

/// Columns of the oldest format, a bare list of rows.
const BARE_LIST_COLUMNS: [&str; 3] = ["DISCORD", RANK, PUNCTAJ];

/// A legacy institution, checked and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyInstitution {
    /// Column order as the file had it (fixed columns included where they stood).
    pub columns: Vec<String>,
    /// `ranks[0]` is the role of rank 1; empty for the bare-list format, which had no ladder.
    pub ranks: Vec<String>,
    /// `last_punctaj_update`, when present.
    pub last_points_change: Option<RecordedTime>,
    pub rows: Vec<LegacyRow>,
}

/// One legacy member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyRow {
    pub rank: i32,
    pub punctaj: i32,
    pub ultima_mod: Option<RecordedTime>,
    /// Values of the custom columns the row has; `ROLE` is dropped (it is derived) and so are keys
    /// outside the column list (the cloud `id`, the leaked `source`).
    pub fields: BTreeMap<String, String>,
}

/// What is wrong with a legacy file. `at` is a JSON path such as `rows[3].PUNCTAJ`.
#[derive(Debug, Error)]
pub enum LegacyError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{at}: expected {expected}")]
    WrongType { at: String, expected: &'static str },
    #[error("{at}: missing")]
    Missing { at: String },
    #[error("columns: {column:?} appears twice")]
    DuplicateColumn { column: String },
    #[error("ranks: {key:?} is not a rank number (1, 2, …)")]
    RankKey { key: String },
    #[error("ranks: numbered 1..{count} but rank {missing} is missing")]
    RanksNotContiguous { count: usize, missing: usize },
    #[error("{at}: {value:?} is not a whole number of points from 0 up")]
    Points { at: String, value: String },
    #[error("{at}: {value:?} is not a rank number")]
    Rank { at: String, value: String },
    #[error("{at}: rank {rank} is not on the ladder of {ladder} ranks")]
    RankOutOfLadder {
        at: String,
        rank: i32,
        ladder: usize,
    },
    #[error("{at}: {value:?} is not a timestamp")]
    Timestamp { at: String, value: String },
}

impl LegacyInstitution {
    /// Parses the text of a legacy institution file, in either the object format or the older
    /// bare list of rows (columns `DISCORD`, `RANK`, `PUNCTAJ`).
    ///
    /// # Errors
    ///
    /// The first problem found, with its location: invalid JSON, a value of the wrong type, a
    /// missing `columns`, `rows`, `RANK` or `PUNCTAJ`, a rank ladder that is not numbered
    /// `1..=N`, a rank off the ladder, points that are not a whole number from 0 up, or an
    /// unreadable timestamp.
    pub fn from_json(text: &str) -> Result<Self, LegacyError> {
        match serde_json::from_str::<Value>(text)? {
            Value::Array(rows) => Self::from_bare_list(&rows),
            Value::Object(file) => Self::from_object(&file),
            _ => Err(LegacyError::WrongType {
                at: "$".to_owned(),
                expected: "an object or a list of rows",
            }),
        }
    }

    fn from_bare_list(rows: &[Value]) -> Result<Self, LegacyError> {
        let columns: Vec<String> = BARE_LIST_COLUMNS.map(str::to_owned).to_vec();
        let rows = parse_rows(rows, "$", &columns, 0)?;
        Ok(Self {
            columns,
            ranks: Vec::new(),
            last_points_change: None,
            rows,
        })
    }

    fn from_object(file: &Map<String, Value>) -> Result<Self, LegacyError> {
        let columns = parse_columns(required(file, "columns", "columns")?)?;
        let ranks = match file.get("ranks") {
            None | Some(Value::Null) => Vec::new(),
            Some(ranks) => parse_ranks(ranks)?,
        };
        let last_points_change =
            optional_time(file.get("last_punctaj_update"), "last_punctaj_update")?;
        let rows = as_array(required(file, "rows", "rows")?, "rows")?;
        let rows = parse_rows(rows, "rows", &columns, ranks.len())?;
        Ok(Self {
            columns,
            ranks,
            last_points_change,
            rows,
        })
    }
}

fn required<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a Value, LegacyError> {
    object
        .get(key)
        .ok_or_else(|| LegacyError::Missing { at: at.to_owned() })
}

fn as_array<'a>(value: &'a Value, at: &str) -> Result<&'a Vec<Value>, LegacyError> {
    value.as_array().ok_or_else(|| LegacyError::WrongType {
        at: at.to_owned(),
        expected: "a list",
    })
}

fn parse_columns(value: &Value) -> Result<Vec<String>, LegacyError> {
    let mut columns: Vec<String> = Vec::new();
    for (index, column) in as_array(value, "columns")?.iter().enumerate() {
        let column = column.as_str().ok_or_else(|| LegacyError::WrongType {
            at: format!("columns[{index}]"),
            expected: "a column name",
        })?;
        if columns.iter().any(|seen| seen == column) {
            return Err(LegacyError::DuplicateColumn {
                column: column.to_owned(),
            });
        }
        columns.push(column.to_owned());
    }
    Ok(columns)
}

/// `{"1": "Offiter", "2": "Caporal", …}` → `["Offiter", "Caporal", …]`.
fn parse_ranks(value: &Value) -> Result<Vec<String>, LegacyError> {
    let map = value.as_object().ok_or_else(|| LegacyError::WrongType {
        at: "ranks".to_owned(),
        expected: "an object of rank number → role",
    })?;
    let mut numbered = BTreeMap::new();
    for (key, role) in map {
        let number = key
            .parse::<usize>()
            .ok()
            .filter(|number| *number >= 1 && number.to_string() == *key)
            .ok_or_else(|| LegacyError::RankKey { key: key.clone() })?;
        let role = role.as_str().ok_or_else(|| LegacyError::WrongType {
            at: format!("ranks.{key}"),
            expected: "a role name",
        })?;
        numbered.insert(number, role.to_owned());
    }
    let count = numbered.len();
    // Keys are distinct and ≥ 1, so they are 1..=count exactly when the largest is count.
    if let Some(missing) = (1..=count).find(|number| !numbered.contains_key(number)) {
        return Err(LegacyError::RanksNotContiguous { count, missing });
    }
    Ok(numbered.into_values().collect())
}

fn parse_rows(
    rows: &[Value],
    at: &str,
    columns: &[String],
    ladder: usize,
) -> Result<Vec<LegacyRow>, LegacyError> {
    rows.iter()
        .enumerate()
        .map(|(index, row)| parse_row(row, &format!("{at}[{index}]"), columns, ladder))
        .collect()
}

fn parse_row(
    row: &Value,
    at: &str,
    columns: &[String],
    ladder: usize,
) -> Result<LegacyRow, LegacyError> {
    let row = row.as_object().ok_or_else(|| LegacyError::WrongType {
        at: at.to_owned(),
        expected: "a row object",
    })?;
    let cell_at = |column: &str| format!("{at}.{column}");

    let rank_value = required(row, RANK, &cell_at(RANK))?;
    let rank = integer(rank_value)
        .and_then(|rank| i32::try_from(rank).ok())
        .filter(|rank| *rank >= 1)
        .ok_or_else(|| LegacyError::Rank {
            at: cell_at(RANK),
            value: text_of(rank_value),
        })?;
    // Files without a ladder (the bare-list format) cannot be checked against one.
    if ladder > 0 && usize::try_from(rank).is_ok_and(|rank| rank > ladder) {
        return Err(LegacyError::RankOutOfLadder {
            at: cell_at(RANK),
            rank,
            ladder,
        });
    }

    let points_value = required(row, PUNCTAJ, &cell_at(PUNCTAJ))?;
    let punctaj = integer(points_value)
        .and_then(|points| i32::try_from(points).ok())
        .filter(|points| *points >= 0)
        .ok_or_else(|| LegacyError::Points {
            at: cell_at(PUNCTAJ),
            value: text_of(points_value),
        })?;

    let ultima_mod = optional_time(row.get(ULTIMA_MOD), &cell_at(ULTIMA_MOD))?;

    let mut fields = BTreeMap::new();
    for column in columns.iter().filter(|column| !is_fixed_column(column)) {
        let text = match row.get(column) {
            None | Some(Value::Null) => continue,
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            Some(_) => {
                return Err(LegacyError::WrongType {
                    at: cell_at(column),
                    expected: "text",
                });
            }
        };
        fields.insert(column.clone(), text);
    }

    Ok(LegacyRow {
        rank,
        punctaj,
        ultima_mod,
        fields,
    })
}

/// An integer written as a JSON integer or as a numeric string (both occur in legacy files).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn optional_time(value: Option<&Value>, at: &str) -> Result<Option<RecordedTime>, LegacyError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => {
            RecordedTime::parse(text)
                .map(Some)
                .ok_or_else(|| LegacyError::Timestamp {
                    at: at.to_owned(),
                    value: text.clone(),
                })
        }
        Some(_) => Err(LegacyError::WrongType {
            at: at.to_owned(),
            expected: "a timestamp text",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn file(ranks: &str, rows: &str) -> String {
        format!(
            r#"{{"columns": ["DISCORD", "NUME IC", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"],
                "ranks": {ranks}, "rows": {rows}}}"#
        )
    }

    fn error_of(text: &str) -> LegacyError {
        LegacyInstitution::from_json(text).unwrap_err()
    }

    #[test]
    fn reads_a_typed_institution() {
        let institution = LegacyInstitution::from_json(&file(
            r#"{"2": "Caporal", "1": "Offiter"}"#,
            r#"[{"DISCORD": "Sintact", "NUME IC": "Rocky Jay", "RANK": "2", "ROLE": "stale",
                 "PUNCTAJ": "44", "ULTIMA_MOD": "2026-03-07 12:28:40", "id": 10, "source": "local"},
                {"DISCORD": 1234, "RANK": 1, "PUNCTAJ": 0}]"#,
        ))
        .unwrap();
        assert_eq!(institution.ranks, ["Offiter", "Caporal"]);
        assert_eq!(institution.last_points_change, None);
        let first = &institution.rows[0];
        assert_eq!((first.rank, first.punctaj), (2, 44));
        assert_eq!(first.ultima_mod, RecordedTime::parse("2026-03-07 12:28:40"));
        assert_eq!(
            first.fields.keys().collect::<Vec<_>>(),
            ["DISCORD", "NUME IC"],
            "ROLE, id and source are not custom values"
        );
        let second = &institution.rows[1];
        assert_eq!(second.fields["DISCORD"], "1234");
        assert!(!second.fields.contains_key("NUME IC"));
        assert_eq!(second.ultima_mod, None);
    }

    #[test]
    fn reads_the_bare_list_format() {
        let institution = LegacyInstitution::from_json(
            r#"[{"DISCORD": "a", "RANK": "3", "PUNCTAJ": 7}, {"DISCORD": "b", "RANK": 1, "PUNCTAJ": "0"}]"#,
        )
        .unwrap();
        assert_eq!(institution.columns, ["DISCORD", "RANK", "PUNCTAJ"]);
        assert!(institution.ranks.is_empty());
        assert_eq!(institution.rows[0].rank, 3);
        assert_eq!(institution.rows[0].punctaj, 7);
        assert_eq!(institution.rows[1].fields["DISCORD"], "b");
    }

    #[test]
    fn refuses_broken_rank_ladders() {
        assert!(matches!(
            error_of(&file(r#"{"1": "A", "3": "C"}"#, "[]")),
            LegacyError::RanksNotContiguous {
                count: 2,
                missing: 2
            }
        ));
        for key in ["0", "x", "-1", "01", " 1"] {
            let error = error_of(&file(&format!(r#"{{"{key}": "A"}}"#), "[]"));
            assert!(
                matches!(error, LegacyError::RankKey { .. }),
                "{key}: {error}"
            );
        }
        assert!(matches!(
            error_of(&file(r#"{"1": 5}"#, "[]")),
            LegacyError::WrongType { .. }
        ));
        assert!(matches!(
            error_of(&file(r#"["A"]"#, "[]")),
            LegacyError::WrongType { .. }
        ));
    }

    #[test]
    fn refuses_bad_points_with_their_location() {
        for bad in [
            r#""abc""#,
            r#""""#,
            "-1",
            r#""-3""#,
            "1.5",
            "null",
            "true",
            "9999999999",
        ] {
            let text = file(
                r#"{"1": "A"}"#,
                &format!(r#"[{{"RANK": "1", "PUNCTAJ": {bad}}}]"#),
            );
            let error = error_of(&text);
            assert!(
                matches!(&error, LegacyError::Points { at, .. } if at == "rows[0].PUNCTAJ"),
                "{bad}: {error}"
            );
        }
        let error = error_of(&file(r#"{"1": "A"}"#, r#"[{"RANK": "1"}]"#));
        assert_eq!(error.to_string(), "rows[0].PUNCTAJ: missing");
    }

    #[test]
    fn refuses_bad_ranks() {
        for bad in [r#""""#, r#""zero""#, "0", "-2", "[]"] {
            let text = file(
                r#"{"1": "A"}"#,
                &format!(r#"[{{"RANK": {bad}, "PUNCTAJ": 1}}]"#),
            );
            assert!(matches!(error_of(&text), LegacyError::Rank { .. }), "{bad}");
        }
        let text = file(r#"{"1": "A"}"#, r#"[{"RANK": "2", "PUNCTAJ": 1}]"#);
        assert_eq!(
            error_of(&text).to_string(),
            "rows[0].RANK: rank 2 is not on the ladder of 1 ranks"
        );
    }

    #[test]
    fn refuses_wrong_shapes() {
        for (text, at) in [
            ("42", "$"),
            (r#"{"columns": "DISCORD", "rows": []}"#, "columns"),
            (r#"{"columns": [1], "rows": []}"#, "columns[0]"),
            (r#"{"columns": [], "rows": {}}"#, "rows"),
            (r#"{"columns": [], "rows": [5]}"#, "rows[0]"),
            ("[7]", "$[0]"),
        ] {
            match error_of(text) {
                LegacyError::WrongType { at: found, .. } => assert_eq!(found, at, "{text}"),
                other => panic!("{text}: {other}"),
            }
        }
        assert!(matches!(
            error_of(r#"{"rows": []}"#),
            LegacyError::Missing { .. }
        ));
        assert!(matches!(
            error_of(r#"{"columns": []}"#),
            LegacyError::Missing { .. }
        ));
        assert!(matches!(error_of("{not json"), LegacyError::Json(_)));
        assert!(matches!(
            error_of(r#"{"columns": ["A", "A"], "rows": []}"#),
            LegacyError::DuplicateColumn { .. }
        ));
        assert!(matches!(
            error_of(&file(
                r#"{"1": "A"}"#,
                r#"[{"RANK": 1, "PUNCTAJ": 1, "DISCORD": ["x"]}]"#
            )),
            LegacyError::WrongType { .. }
        ));
        assert!(matches!(
            error_of(&file(
                r#"{"1": "A"}"#,
                r#"[{"RANK": 1, "PUNCTAJ": 1, "ULTIMA_MOD": "azi"}]"#
            )),
            LegacyError::Timestamp { .. }
        ));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for text in [
            "null",
            "true",
            "1",
            "\"s\"",
            "{}",
            "[null]",
            "[[]]",
            "[{}]",
            r#"{"columns": null, "rows": null}"#,
            r#"{"columns": [], "ranks": 3, "rows": []}"#,
            r#"{"columns": [], "ranks": {"99999999999999999999999": "x"}, "rows": []}"#,
            r#"{"columns": [], "rows": [{"RANK": 99999999999, "PUNCTAJ": 1}]}"#,
            r#"{"columns": [], "rows": [{"RANK": 1, "PUNCTAJ": 1, "ULTIMA_MOD": 5}]}"#,
            r#"{"columns": [], "last_punctaj_update": [], "rows": []}"#,
        ] {
            assert!(LegacyInstitution::from_json(text).is_err(), "{text}");
        }
        assert!(LegacyInstitution::from_json("[]").unwrap().rows.is_empty());
        assert!(LegacyInstitution::from_json(r#"{"columns": [], "rows": []}"#).is_ok());
    }
}
