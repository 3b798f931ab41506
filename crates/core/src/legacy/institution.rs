//! Reading the legacy desktop app's institution files (`data/<server>/<City>/<Institution>.json`)
//! so their members can be imported.
//!
//! Those files were written by several versions of the app and edited by hand, so every value is
//! checked and every problem is reported with where it is, instead of importing something wrong.
//! A problem in one row does not hide the others: [`LegacyInstitution::read`] returns the
//! institution with every row problem it found, and fails alone only where nothing can be read
//! (invalid JSON, a wrong shape, a broken rank ladder).
//!
//! Normalisation, as the rest of the product expects: `PUNCTAJ` a whole number from 0 (numbers
//! and numeric strings), `RANK` a rank number, `ROLE` never kept (it is derived from `RANK`),
//! `ULTIMA_MOD` blank, legacy local or ISO, custom columns as text. The fixed columns `RANK`,
//! `ROLE`, `PUNCTAJ` and `ULTIMA_MOD` are always in the column list (appended when missing).
//!
//! Many real files have an empty ladder (`"ranks": {}`) while their rows use ranks: the ladder
//! then lives only in the rows' `ROLE` cells, and is rebuilt from them ([`LadderOrigin`]).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use thiserror::Error;

use super::labels::{LabelProblem, MAX_FIELD_LEN, MAX_NAME_LEN, check_column, check_label};
use crate::model::{FIXED_COLUMNS, PUNCTAJ, RANK, ROLE, ULTIMA_MOD, is_fixed_column};
use crate::time::RecordedTime;

/// Columns of the oldest format, a bare list of rows.
const BARE_LIST_COLUMNS: [&str; 3] = ["DISCORD", RANK, PUNCTAJ];

/// Most ranks a ladder may have, and most columns: the limits of the `institutions` table
/// (`institutions_ranks_check`, `institutions_columns_check` in `sql/migrations/0001_schema.sql`).
/// They also keep a hostile `RANK` of 2 000 000 000 from building a ladder that long.
pub const MAX_RANKS: usize = 100;
/// See [`MAX_RANKS`].
pub const MAX_COLUMNS: usize = 100;

/// The columns that identify an employee, in order of preference: the first the institution has
/// is its key. Rows are matched by it, never by position.
const KEY_COLUMNS: [&str; 2] = ["DISCORD", "NUME IC"];

/// A legacy institution, checked and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyInstitution {
    /// Column order as the file had it (fixed columns included where they stood), then any
    /// missing fixed column; names as the database stores them ([`check_column`]).
    pub columns: Vec<String>,
    /// `ranks[0]` is the role of rank 1; role names trimmed.
    pub ranks: Vec<String>,
    /// Where `ranks` came from.
    pub ladder: LadderOrigin,
    /// `last_punctaj_update`, when present.
    pub last_points_change: Option<RecordedTime>,
    /// The rows that could be read, in file order.
    pub rows: Vec<LegacyRow>,
}

/// Where an institution's rank ladder came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LadderOrigin {
    /// The file's `ranks` (possibly empty, for an institution without members).
    File,
    /// The file's `ranks` was empty while rows used ranks: rebuilt from the `ROLE` cells (each
    /// rank's most common role), ranks used by no row named `Rank N`.
    RebuiltFromRoles,
    /// No roles to rebuild from (the bare-list format, or no `ROLE` column): `Rank 1..=N`.
    Numbered,
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

/// An institution file as far as it could be read, with every problem found in its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionRead {
    pub institution: LegacyInstitution,
    /// Rows with a problem are not in `institution.rows`.
    pub problems: Vec<LegacyError>,
}

/// What is wrong with a legacy file. `at` is a JSON path such as `rows[3].PUNCTAJ`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LegacyError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("{at}: expected {expected}")]
    WrongType { at: String, expected: &'static str },
    #[error("{at}: missing")]
    Missing { at: String },
    #[error("columns: {column:?} appears twice")]
    DuplicateColumn { column: String },
    #[error("columns[{index}]: the column name is refused: {problem}")]
    BadColumn { index: usize, problem: LabelProblem },
    #[error("columns: {count} columns, at most {MAX_COLUMNS}")]
    TooManyColumns { count: usize },
    #[error("ranks: {key:?} is not a rank number (1, 2, …)")]
    RankKey { key: String },
    #[error("ranks: numbered 1..{count} but rank {missing} is missing")]
    RanksNotContiguous { count: usize, missing: usize },
    #[error("ranks: {count} ranks, at most {MAX_RANKS}")]
    TooManyRanks { count: usize },
    #[error("ranks.{rank}: the role name is refused: {problem}")]
    BadRole { rank: usize, problem: LabelProblem },
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
    #[error("{at}: rank {rank} is higher than {MAX_RANKS}")]
    RankTooHigh { at: String, rank: i32 },
    #[error(
        "rank {rank} has no role: the ladder is empty and every row of that rank has an empty ROLE"
    )]
    RankWithoutRole { rank: i32 },
    #[error("{at}: {value:?} is not a timestamp")]
    Timestamp { at: String, value: String },
    #[error("{at}: {length} characters, at most {MAX_FIELD_LEN}")]
    FieldTooLong { at: String, length: usize },
    #[error(
        "rows hold employees but the columns have none to tell them apart (DISCORD, NUME IC or another custom column)"
    )]
    NoKeyColumn,
    #[error("{at}: no {column}, which identifies the employee")]
    MissingKey { at: String, column: String },
    #[error("duplicate employee {key:?}: {first} and {second}")]
    DuplicateEmployee {
        key: String,
        first: String,
        second: String,
    },
}

impl From<serde_json::Error> for LegacyError {
    fn from(error: serde_json::Error) -> Self {
        Self::Json(error.to_string())
    }
}

impl LegacyInstitution {
    /// Parses the text of a legacy institution file, in either the object format or the older
    /// bare list of rows (columns `DISCORD`, `RANK`, `PUNCTAJ`), and fails on its first problem.
    ///
    /// # Errors
    ///
    /// The first problem found, with its location: see [`LegacyInstitution::read`], whose row
    /// problems are errors here.
    pub fn from_json(text: &str) -> Result<Self, LegacyError> {
        let read = Self::read(text)?;
        match read.problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(read.institution),
        }
    }

    /// Parses the text of a legacy institution file, keeping every row problem.
    ///
    /// Row problems: a value of the wrong type, a missing `RANK` or `PUNCTAJ`, a rank off the
    /// ladder, points that are not a whole number from 0 up, an unreadable timestamp, a missing
    /// employee key, a duplicate employee (the same key twice), a rank without a role.
    ///
    /// # Errors
    ///
    /// What leaves nothing to read: invalid JSON (nesting too deep included), a file that is
    /// neither an object nor a list, missing or malformed `columns` or `rows`, a rank ladder
    /// that is not numbered `1..=N`, more than [`MAX_RANKS`] ranks or [`MAX_COLUMNS`] columns.
    pub fn read(text: &str) -> Result<InstitutionRead, LegacyError> {
        match serde_json::from_str::<Value>(text)? {
            Value::Array(rows) => Ok(Self::from_bare_list(&rows)),
            Value::Object(file) => Self::from_object(&file),
            _ => Err(LegacyError::WrongType {
                at: "$".to_owned(),
                expected: "an object or a list of rows",
            }),
        }
    }

    /// The column identifying employees: `DISCORD`, else `NUME IC`, else the first custom column.
    pub fn key_column(&self) -> Option<&str> {
        key_column(&self.columns)
    }

    /// The key of `row` in the form keys are compared in (see [`employee_key`]).
    pub fn key_of(&self, row: &LegacyRow) -> Option<String> {
        self.key_column()
            .and_then(|column| row.fields.get(column))
            .and_then(|value| employee_key(value))
    }

    fn from_bare_list(rows: &[Value]) -> InstitutionRead {
        let columns = with_fixed_columns(
            BARE_LIST_COLUMNS
                .map(|name| Column {
                    raw: name.to_owned(),
                    name: name.to_owned(),
                })
                .to_vec(),
        );
        let mut problems = Vec::new();
        let parsed = parse_rows(rows, "$", &columns, 0, &mut problems);
        let columns = columns.into_iter().map(|column| column.name).collect();
        let ranks = numbered_ladder(parsed.iter().map(|(row, _)| row.rank).max().unwrap_or(0));
        finish(
            Self {
                columns,
                ranks,
                ladder: LadderOrigin::Numbered,
                last_points_change: None,
                rows: Vec::new(),
            },
            parsed,
            problems,
        )
    }

    fn from_object(file: &Map<String, Value>) -> Result<InstitutionRead, LegacyError> {
        let file_columns = parse_columns(required(file, "columns", "columns")?)?;
        // Roles can be rebuilt only from a file that had a ROLE column.
        let has_roles = file_columns.iter().any(|column| column.name == ROLE);
        let columns = with_fixed_columns(file_columns);
        if columns.len() > MAX_COLUMNS {
            return Err(LegacyError::TooManyColumns {
                count: columns.len(),
            });
        }
        let file_ranks = match file.get("ranks") {
            None | Some(Value::Null) => Vec::new(),
            Some(ranks) => parse_ranks(ranks)?,
        };
        let rows = as_array(required(file, "rows", "rows")?, "rows")?;
        let mut problems = Vec::new();
        let last_points_change =
            optional_time(file.get("last_punctaj_update"), "last_punctaj_update").unwrap_or_else(
                |problem| {
                    problems.push(problem);
                    None
                },
            );
        let parsed = parse_rows(rows, "rows", &columns, file_ranks.len(), &mut problems);
        let columns: Vec<String> = columns.into_iter().map(|column| column.name).collect();
        let (ranks, ladder) = if !file_ranks.is_empty() || parsed.is_empty() {
            (file_ranks, LadderOrigin::File)
        } else if has_roles {
            let ranks = ladder_from_roles(rows, &parsed, &mut problems);
            (ranks, LadderOrigin::RebuiltFromRoles)
        } else {
            let highest = parsed.iter().map(|(row, _)| row.rank).max().unwrap_or(0);
            (numbered_ladder(highest), LadderOrigin::Numbered)
        };
        Ok(finish(
            Self {
                columns,
                ranks,
                ladder,
                last_points_change,
                rows: Vec::new(),
            },
            parsed,
            problems,
        ))
    }
}

/// The form employee keys are compared in: trimmed, lowercased; `None` when blank.
pub fn employee_key(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_lowercase())
}

/// The key column of an institution with `columns` (see [`LegacyInstitution::key_column`]).
pub fn key_column(columns: &[String]) -> Option<&str> {
    KEY_COLUMNS
        .iter()
        .find_map(|wanted| {
            columns
                .iter()
                .find(|column| column.eq_ignore_ascii_case(wanted))
        })
        .or_else(|| columns.iter().find(|column| !is_fixed_column(column)))
        .map(String::as_str)
}

/// Checks employee keys (present, distinct) and keeps the rows that passed.
fn finish(
    mut institution: LegacyInstitution,
    parsed: Vec<(LegacyRow, String)>,
    mut problems: Vec<LegacyError>,
) -> InstitutionRead {
    let Some(column) = institution.key_column().map(str::to_owned) else {
        if !parsed.is_empty() {
            problems.push(LegacyError::NoKeyColumn);
        }
        return InstitutionRead {
            institution,
            problems,
        };
    };
    let mut first_at: HashMap<String, String> = HashMap::new();
    for (row, at) in parsed {
        let Some(key) = row
            .fields
            .get(&column)
            .and_then(|value| employee_key(value))
        else {
            problems.push(LegacyError::MissingKey {
                at,
                column: column.clone(),
            });
            continue;
        };
        if let Some(first) = first_at.get(&key) {
            problems.push(LegacyError::DuplicateEmployee {
                key: row.fields[&column].trim().to_owned(),
                first: first.clone(),
                second: at,
            });
            continue;
        }
        first_at.insert(key, at);
        institution.rows.push(row);
    }
    InstitutionRead {
        institution,
        problems,
    }
}

/// A column: its name in the file's rows, and as the database stores it.
#[derive(Clone)]
struct Column {
    raw: String,
    name: String,
}

/// `columns` with every fixed column, the missing ones appended in their usual order.
fn with_fixed_columns(mut columns: Vec<Column>) -> Vec<Column> {
    for fixed in FIXED_COLUMNS {
        if !columns.iter().any(|column| column.name == fixed) {
            columns.push(Column {
                raw: fixed.to_owned(),
                name: fixed.to_owned(),
            });
        }
    }
    columns
}

/// `Rank 1` … `Rank highest`.
fn numbered_ladder(highest: i32) -> Vec<String> {
    (1..=highest).map(|rank| format!("Rank {rank}")).collect()
}

/// Each rank's most common non-empty `ROLE` (ties: the first met), `Rank N` for ranks no row
/// uses; a rank whose rows all have an empty `ROLE` is a problem.
fn ladder_from_roles(
    raw_rows: &[Value],
    parsed: &[(LegacyRow, String)],
    problems: &mut Vec<LegacyError>,
) -> Vec<String> {
    let highest = parsed.iter().map(|(row, _)| row.rank).max().unwrap_or(0);
    let mut used = vec![false; usize::try_from(highest).unwrap_or(0)];
    // Per rank: role → (count, first index).
    let mut votes: Vec<HashMap<String, (usize, usize)>> = vec![HashMap::new(); used.len()];
    for (order, (row, at)) in parsed.iter().enumerate() {
        let slot = usize::try_from(row.rank - 1).expect("ranks are at least 1");
        used[slot] = true;
        let role = row_index(at)
            .and_then(|index| raw_rows.get(index))
            .and_then(|raw| raw.get(ROLE))
            .and_then(Value::as_str)
            .and_then(|role| check_label(role, MAX_NAME_LEN).ok());
        if let Some(role) = role {
            votes[slot].entry(role).or_insert((0, order)).0 += 1;
        }
    }
    let mut ranks = Vec::with_capacity(used.len());
    for (slot, roles) in votes.into_iter().enumerate() {
        let rank = i32::try_from(slot + 1).expect("at most MAX_RANKS");
        let best = roles
            .into_iter()
            .max_by(|(_, (a_count, a_first)), (_, (b_count, b_first))| {
                a_count.cmp(b_count).then(b_first.cmp(a_first))
            });
        match best {
            Some((role, _)) => ranks.push(role),
            None => {
                if used[slot] {
                    problems.push(LegacyError::RankWithoutRole { rank });
                }
                ranks.push(format!("Rank {rank}"));
            }
        }
    }
    ranks
}

/// `rows[7]` → 7.
fn row_index(at: &str) -> Option<usize> {
    at.rsplit_once('[')?.1.strip_suffix(']')?.parse().ok()
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

/// Column names are compared in upper case, as `app.check_columns` does.
fn parse_columns(value: &Value) -> Result<Vec<Column>, LegacyError> {
    let mut columns: Vec<Column> = Vec::new();
    for (index, column) in as_array(value, "columns")?.iter().enumerate() {
        let raw = column.as_str().ok_or_else(|| LegacyError::WrongType {
            at: format!("columns[{index}]"),
            expected: "a column name",
        })?;
        let name =
            check_column(raw).map_err(|problem| LegacyError::BadColumn { index, problem })?;
        let upper = name.to_uppercase();
        if columns.iter().any(|seen| seen.name.to_uppercase() == upper) {
            return Err(LegacyError::DuplicateColumn {
                column: raw.to_owned(),
            });
        }
        columns.push(Column {
            raw: raw.to_owned(),
            name,
        });
    }
    Ok(columns)
}

/// `{"1": "Offiter", "2": "Caporal", …}` → `["Offiter", "Caporal", …]`.
fn parse_ranks(value: &Value) -> Result<Vec<String>, LegacyError> {
    let map = value.as_object().ok_or_else(|| LegacyError::WrongType {
        at: "ranks".to_owned(),
        expected: "an object of rank number → role",
    })?;
    if map.len() > MAX_RANKS {
        return Err(LegacyError::TooManyRanks { count: map.len() });
    }
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
        let role = check_label(role, MAX_NAME_LEN).map_err(|problem| LegacyError::BadRole {
            rank: number,
            problem,
        })?;
        numbered.insert(number, role);
    }
    let count = numbered.len();
    // Keys are distinct and ≥ 1, so they are 1..=count exactly when the largest is count.
    if let Some(missing) = (1..=count).find(|number| !numbered.contains_key(number)) {
        return Err(LegacyError::RanksNotContiguous { count, missing });
    }
    Ok(numbered.into_values().collect())
}

/// The rows that parse, each with its location; the others' problems go to `problems`.
fn parse_rows(
    rows: &[Value],
    at: &str,
    columns: &[Column],
    ladder: usize,
    problems: &mut Vec<LegacyError>,
) -> Vec<(LegacyRow, String)> {
    let mut parsed = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let at = format!("{at}[{index}]");
        match parse_row(row, &at, columns, ladder) {
            Ok(row) => parsed.push((row, at)),
            Err(problem) => problems.push(problem),
        }
    }
    parsed
}

fn parse_row(
    row: &Value,
    at: &str,
    columns: &[Column],
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
    let rank_slot = usize::try_from(rank).unwrap_or(usize::MAX);
    if ladder > 0 && rank_slot > ladder {
        return Err(LegacyError::RankOutOfLadder {
            at: cell_at(RANK),
            rank,
            ladder,
        });
    }
    if rank_slot > MAX_RANKS {
        return Err(LegacyError::RankTooHigh {
            at: cell_at(RANK),
            rank,
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
    for column in columns
        .iter()
        .filter(|column| !is_fixed_column(&column.name))
    {
        let text = match row.get(&column.raw) {
            None | Some(Value::Null) => continue,
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            Some(_) => {
                return Err(LegacyError::WrongType {
                    at: cell_at(&column.raw),
                    expected: "text",
                });
            }
        };
        let length = text.chars().count();
        if length > MAX_FIELD_LEN {
            return Err(LegacyError::FieldTooLong {
                at: cell_at(&column.raw),
                length,
            });
        }
        fields.insert(column.name.clone(), text);
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
        assert_eq!(
            institution.columns,
            ["DISCORD", "RANK", "PUNCTAJ", "ROLE", "ULTIMA_MOD"],
            "the missing fixed columns are appended"
        );
        assert_eq!(institution.ranks, ["Rank 1", "Rank 2", "Rank 3"]);
        assert_eq!(institution.ladder, LadderOrigin::Numbered);
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

    fn read(text: &str) -> InstitutionRead {
        LegacyInstitution::read(text).unwrap()
    }

    #[test]
    fn an_empty_ladder_is_rebuilt_from_the_role_cells() {
        let read = read(&file(
            "{}",
            r#"[{"DISCORD": "a", "RANK": "3", "ROLE": "Sergent", "PUNCTAJ": 1},
                {"DISCORD": "b", "RANK": "1", "ROLE": "Offiter", "PUNCTAJ": 1},
                {"DISCORD": "c", "RANK": "3", "ROLE": "sergent vechi", "PUNCTAJ": 1},
                {"DISCORD": "d", "RANK": "3", "ROLE": "Sergent", "PUNCTAJ": 1},
                {"DISCORD": "e", "RANK": "5", "ROLE": "  Sherif ", "PUNCTAJ": 1}]"#,
        ));
        assert_eq!(read.problems, []);
        let institution = read.institution;
        assert_eq!(institution.ladder, LadderOrigin::RebuiltFromRoles);
        assert_eq!(
            institution.ranks,
            ["Offiter", "Rank 2", "Sergent", "Rank 4", "Sherif"],
            "the most common role wins; unused ranks are numbered"
        );
        assert_eq!(institution.rows.len(), 5);
    }

    #[test]
    fn a_tie_between_roles_goes_to_the_first_met() {
        let read = read(&file(
            r#"{}"#,
            r#"[{"DISCORD": "a", "RANK": 1, "ROLE": "Cadet", "PUNCTAJ": 0},
                {"DISCORD": "b", "RANK": 1, "ROLE": "Recrut", "PUNCTAJ": 0}]"#,
        ));
        assert_eq!(read.institution.ranks, ["Cadet"]);
    }

    #[test]
    fn a_used_rank_without_any_role_is_a_problem() {
        let read = read(&file(
            r#"{}"#,
            r#"[{"DISCORD": "a", "RANK": 2, "ROLE": "", "PUNCTAJ": 0},
                {"DISCORD": "b", "RANK": 1, "ROLE": "Cadet", "PUNCTAJ": 0}]"#,
        ));
        assert_eq!(read.problems, [LegacyError::RankWithoutRole { rank: 2 }]);
        assert_eq!(read.institution.ranks, ["Cadet", "Rank 2"]);
    }

    #[test]
    fn a_ladder_without_a_role_column_is_numbered() {
        let read = read(
            r#"{"columns": ["DISCORD", "RANK", "PUNCTAJ"], "rows": [{"DISCORD": "a", "RANK": 2, "PUNCTAJ": 0}]}"#,
        );
        assert_eq!(read.problems, []);
        assert_eq!(read.institution.ladder, LadderOrigin::Numbered);
        assert_eq!(read.institution.ranks, ["Rank 1", "Rank 2"]);
    }

    #[test]
    fn no_rows_and_no_ladder_stay_empty() {
        let institution = LegacyInstitution::from_json(&file("{}", "[]")).unwrap();
        assert!(institution.ranks.is_empty());
        assert_eq!(institution.ladder, LadderOrigin::File);
    }

    #[test]
    fn a_hostile_rank_cannot_build_a_huge_ladder() {
        let read = read(&file(
            "{}",
            r#"[{"DISCORD": "a", "RANK": 2000000000, "ROLE": "x", "PUNCTAJ": 0},
                {"DISCORD": "b", "RANK": 1, "ROLE": "Cadet", "PUNCTAJ": 0}]"#,
        ));
        assert_eq!(
            read.problems,
            [LegacyError::RankTooHigh {
                at: "rows[0].RANK".to_owned(),
                rank: 2_000_000_000
            }]
        );
        assert_eq!(read.institution.ranks, ["Cadet"]);
        let many: String = (1..=101).map(|n| format!(r#""{n}": "r","#)).collect();
        let error = error_of(&file(&format!("{{{}}}", many.trim_end_matches(',')), "[]"));
        assert_eq!(error, LegacyError::TooManyRanks { count: 101 });
    }

    #[test]
    fn every_row_problem_is_reported_not_just_the_first() {
        let read = read(&file(
            r#"{"1": "A"}"#,
            r#"[{"DISCORD": "a", "RANK": 1, "PUNCTAJ": "abc"},
                {"DISCORD": "b", "RANK": 1, "PUNCTAJ": 2},
                {"DISCORD": "c", "RANK": 4, "PUNCTAJ": 2},
                {"DISCORD": " B ", "RANK": 1, "PUNCTAJ": 3},
                {"NUME IC": "no discord", "RANK": 1, "PUNCTAJ": 3}]"#,
        ));
        assert_eq!(
            read.problems,
            [
                LegacyError::Points {
                    at: "rows[0].PUNCTAJ".to_owned(),
                    value: "abc".to_owned()
                },
                LegacyError::RankOutOfLadder {
                    at: "rows[2].RANK".to_owned(),
                    rank: 4,
                    ladder: 1
                },
                LegacyError::DuplicateEmployee {
                    key: "B".to_owned(),
                    first: "rows[1]".to_owned(),
                    second: "rows[3]".to_owned()
                },
                LegacyError::MissingKey {
                    at: "rows[4]".to_owned(),
                    column: "DISCORD".to_owned()
                },
            ]
        );
        let kept: Vec<_> = read
            .institution
            .rows
            .iter()
            .map(|row| row.punctaj)
            .collect();
        assert_eq!(kept, [2], "only the sound row is kept");
    }

    #[test]
    fn the_key_is_discord_else_the_name_else_the_first_custom_column() {
        let key = |columns: &[&str]| {
            key_column(&columns.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
                .map(str::to_owned)
        };
        assert_eq!(
            key(&["NUME IC", "DISCORD", "RANK"]).as_deref(),
            Some("DISCORD")
        );
        assert_eq!(
            key(&["RANK", "SERIE", "NUME IC"]).as_deref(),
            Some("NUME IC")
        );
        assert_eq!(
            key(&["RANK", "ROLE", "SERIE", "ZONA"]).as_deref(),
            Some("SERIE")
        );
        assert_eq!(key(&["RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"]), None);
        assert_eq!(employee_key("  Ștefan "), Some("ștefan".to_owned()));
        assert_eq!(employee_key("   "), None);

        let read = read(r#"{"columns": ["RANK", "PUNCTAJ"], "rows": [{"RANK": 1, "PUNCTAJ": 0}]}"#);
        assert_eq!(read.problems, [LegacyError::NoKeyColumn]);
    }

    #[test]
    fn custom_columns_keep_their_order_and_fixed_ones_are_completed() {
        let institution = LegacyInstitution::from_json(
            r#"{"columns": ["ZONA", "DISCORD", "PUNCTAJ", "SERIE"], "ranks": {"1": "A"},
                "rows": [{"DISCORD": "a", "RANK": 1, "PUNCTAJ": 0, "ZONA": 7}]}"#,
        )
        .unwrap();
        assert_eq!(
            institution.columns,
            [
                "ZONA",
                "DISCORD",
                "PUNCTAJ",
                "SERIE",
                "RANK",
                "ROLE",
                "ULTIMA_MOD"
            ]
        );
        assert_eq!(institution.rows[0].fields["ZONA"], "7");
    }

    #[test]
    fn deep_nesting_is_invalid_json_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(
            matches!(error_of(&deep), LegacyError::Json(message) if message.contains("recursion"))
        );
    }
}
