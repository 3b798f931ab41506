//! The synced data exactly as the client downloads it from PostgREST.
//!
//! Field names are the SQL column names (`docs/database.md`), so a `select=*` row deserializes
//! directly and columns added later are ignored rather than breaking old clients. Rows are kept
//! even when soft-deleted: the restore pages need them, while everything that shows or hashes
//! "the data" looks at live rows only.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::time::optional_instant;

/// The fixed column holding the rank number, a key into the institution's ladder.
pub const RANK: &str = "RANK";
/// The fixed column showing the role name, always derived from [`RANK`], never stored.
pub const ROLE: &str = "ROLE";
/// The fixed column holding the score.
pub const PUNCTAJ: &str = "PUNCTAJ";
/// The fixed column holding the time of the last points change.
pub const ULTIMA_MOD: &str = "ULTIMA_MOD";

/// Every institution has these columns; all others are user-defined and live in
/// [`Employee::fields`].
pub const FIXED_COLUMNS: [&str; 4] = [RANK, ROLE, PUNCTAJ, ULTIMA_MOD];

/// Whether `column` is one of [`FIXED_COLUMNS`] rather than a custom column.
pub fn is_fixed_column(column: &str) -> bool {
    FIXED_COLUMNS.contains(&column)
}

/// A row of `cities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct City {
    pub id: i64,
    pub name: String,
    /// Bumped by the cloud whenever this row's editable content changes; an edit names the
    /// version its form opened with, so it cannot overwrite a change it never saw. 0 in a local
    /// copy saved before row versions existed.
    #[serde(default)]
    pub row_version: i64,
    #[serde(default, with = "optional_instant")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl City {
    /// Not soft-deleted.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }
}

/// A row of `institutions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub id: i64,
    pub city_id: i64,
    pub name: String,
    /// `ranks[0]` is the role of rank 1 (PostgreSQL's `ranks[1]`).
    pub ranks: Vec<String>,
    /// Display order, fixed columns included where they stand.
    pub columns: Vec<String>,
    #[serde(default, with = "optional_instant")]
    pub last_points_change_at: Option<DateTime<Utc>>,
    /// Bumped by every change of the institution or its employees; a reset names the revision
    /// its archive was taken at, so it cannot zero scores the archive never saw.
    pub revision: i64,
    /// Bumped by the cloud whenever this row's editable content changes; an edit names the
    /// version its form opened with, so it cannot overwrite a change it never saw. 0 in a local
    /// copy saved before row versions existed.
    #[serde(default)]
    pub row_version: i64,
    #[serde(default, with = "optional_instant")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Institution {
    /// Not soft-deleted.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }

    /// The role name of `rank` (1-based); `None` when the ladder has no such rank.
    pub fn role(&self, rank: i32) -> Option<&str> {
        let index = usize::try_from(rank).ok()?.checked_sub(1)?;
        self.ranks.get(index).map(String::as_str)
    }
}

/// A row of `employees`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// Lowercase hyphenated UUID text, as PostgREST writes it; the only key of an employee.
    pub id: String,
    pub institution_id: i64,
    pub rank: i32,
    pub punctaj: i32,
    #[serde(default, with = "optional_instant")]
    pub ultima_mod: Option<DateTime<Utc>>,
    /// Custom column → value; fixed columns never appear here.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Bumped by the cloud whenever this row's editable content changes; an edit names the
    /// version its form opened with, so it cannot overwrite a change it never saw. 0 in a local
    /// copy saved before row versions existed.
    #[serde(default)]
    pub row_version: i64,
    #[serde(default, with = "optional_instant")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, with = "optional_instant")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Employee {
    /// Not soft-deleted.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }

    /// What the table shows in `column` for this employee of `institution`. A custom column the
    /// employee has no value for shows as empty text, like a role missing from the ladder.
    pub fn cell<'a>(&'a self, institution: &'a Institution, column: &str) -> Cell<'a> {
        match column {
            RANK => Cell::Text(Cow::Owned(self.rank.to_string())),
            ROLE => Cell::Text(Cow::Borrowed(institution.role(self.rank).unwrap_or(""))),
            PUNCTAJ => Cell::Number(i64::from(self.punctaj)),
            ULTIMA_MOD => Cell::Timestamp(self.ultima_mod),
            custom => Cell::Text(Cow::Borrowed(
                self.fields.get(custom).map_or("", String::as_str),
            )),
        }
    }
}

/// One table cell, typed so the UI can align numbers and render times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(i64),
    /// `None` when the points were never changed.
    Timestamp(Option<DateTime<Utc>>),
}

/// Plain text for search and copying; timestamps as UTC `YYYY-MM-DD HH:MM:SS`, a missing one as
/// empty text.
impl fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Number(number) => write!(f, "{number}"),
            Cell::Timestamp(Some(instant)) => {
                write!(f, "{}", instant.format(crate::time::WALL_CLOCK_FORMAT))
            }
            Cell::Timestamp(None) => Ok(()),
        }
    }
}

/// Everything synced, as downloaded: the input of the canonical hash and of every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub cities: Vec<City>,
    pub institutions: Vec<Institution>,
    pub employees: Vec<Employee>,
}

impl Snapshot {
    /// Cities that are not soft-deleted, in stored order.
    pub fn live_cities(&self) -> impl Iterator<Item = &City> {
        self.cities.iter().filter(|city| city.is_live())
    }

    /// Live institutions of a city, in stored order.
    pub fn institutions_of(&self, city_id: i64) -> impl Iterator<Item = &Institution> {
        self.institutions
            .iter()
            .filter(move |institution| institution.city_id == city_id && institution.is_live())
    }

    /// Live employees of an institution, in stored order.
    pub fn employees_of(&self, institution_id: i64) -> impl Iterator<Item = &Employee> {
        self.employees
            .iter()
            .filter(move |employee| employee.institution_id == institution_id && employee.is_live())
    }

    /// A city by id, soft-deleted or not (restore pages need the deleted ones).
    pub fn city(&self, id: i64) -> Option<&City> {
        self.cities.iter().find(|city| city.id == id)
    }

    /// An institution by id, soft-deleted or not.
    pub fn institution(&self, id: i64) -> Option<&Institution> {
        self.institutions
            .iter()
            .find(|institution| institution.id == id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    pub(crate) fn city(id: i64, name: &str) -> City {
        City {
            id,
            name: name.to_owned(),
            row_version: 1,
            created_at: None,
            updated_at: None,
            deleted_at: None,
        }
    }

    pub(crate) fn institution(id: i64, city_id: i64, name: &str, ranks: &[&str]) -> Institution {
        Institution {
            id,
            city_id,
            name: name.to_owned(),
            ranks: ranks.iter().map(|rank| (*rank).to_owned()).collect(),
            columns: ["DISCORD", RANK, ROLE, PUNCTAJ, ULTIMA_MOD]
                .map(str::to_owned)
                .to_vec(),
            last_points_change_at: None,
            revision: 1,
            row_version: 1,
            created_at: None,
            updated_at: None,
            deleted_at: None,
        }
    }

    pub(crate) fn employee(id: &str, institution_id: i64, rank: i32, punctaj: i32) -> Employee {
        Employee {
            id: id.to_owned(),
            institution_id,
            rank,
            punctaj,
            ultima_mod: None,
            fields: BTreeMap::new(),
            row_version: 1,
            created_at: None,
            updated_at: None,
            deleted_at: None,
        }
    }

    #[test]
    fn deserializes_a_postgrest_employee_row_and_ignores_unknown_columns() {
        let row = r#"{
            "id": "0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f",
            "institution_id": 2,
            "rank": 6,
            "punctaj": 44,
            "ultima_mod": "2026-03-07T12:28:40.123456+00:00",
            "fields": {"DISCORD": "Sintact", "NUME IC": "Rocky Jay"},
            "created_at": "2026-03-01T08:00:00+00:00",
            "updated_at": "2026-03-07 12:28:40.123456+00",
            "deleted_at": null,
            "deleted_by": null
        }"#;
        let employee: Employee = serde_json::from_str(row).unwrap();
        assert_eq!(employee.rank, 6);
        assert_eq!(employee.punctaj, 44);
        assert_eq!(
            employee.ultima_mod,
            Some(
                Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap()
                    + chrono::Duration::microseconds(123_456)
            )
        );
        assert_eq!(employee.updated_at, employee.ultima_mod);
        assert_eq!(employee.fields["NUME IC"], "Rocky Jay");
        assert!(employee.is_live());
    }

    #[test]
    fn missing_optional_columns_default_to_empty() {
        let employee: Employee =
            serde_json::from_str(r#"{"id": "a", "institution_id": 1, "rank": 1, "punctaj": 0}"#)
                .unwrap();
        assert_eq!(employee.ultima_mod, None);
        assert!(employee.fields.is_empty());
    }

    #[test]
    fn rejects_a_timestamp_it_cannot_read_instead_of_dropping_it() {
        let error =
            serde_json::from_str::<City>(r#"{"id": 1, "name": "x", "deleted_at": "not a time"}"#)
                .unwrap_err();
        assert!(error.to_string().contains("not a time"), "{error}");
    }

    #[test]
    fn snapshot_round_trips_through_json_for_the_local_cache() {
        let mut snapshot = Snapshot {
            cities: vec![city(1, "BlackWater")],
            institutions: vec![institution(2, 1, "Politie", &["Offiter"])],
            employees: vec![employee("e1", 2, 1, 5)],
        };
        snapshot.employees[0].ultima_mod = Some(
            Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap()
                + chrono::Duration::microseconds(7),
        );
        let json = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snapshot);
    }

    #[test]
    fn role_is_the_ladder_entry_of_the_rank() {
        let politie = institution(2, 1, "Politie", &["Offiter", "Caporal"]);
        assert_eq!(politie.role(1), Some("Offiter"));
        assert_eq!(politie.role(2), Some("Caporal"));
        assert_eq!(politie.role(3), None);
        assert_eq!(politie.role(0), None);
        assert_eq!(politie.role(-1), None);
    }

    #[test]
    fn cells_follow_the_column_kind() {
        let politie = institution(2, 1, "Politie", &["Offiter", "Caporal"]);
        let mut sintact = employee("e1", 2, 2, 44);
        sintact
            .fields
            .insert("DISCORD".to_owned(), "Sintact".to_owned());
        let at = Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap();
        sintact.ultima_mod = Some(at);

        assert_eq!(sintact.cell(&politie, RANK), Cell::Text("2".into()));
        assert_eq!(sintact.cell(&politie, ROLE), Cell::Text("Caporal".into()));
        assert_eq!(sintact.cell(&politie, PUNCTAJ), Cell::Number(44));
        assert_eq!(
            sintact.cell(&politie, ULTIMA_MOD),
            Cell::Timestamp(Some(at))
        );
        assert_eq!(
            sintact.cell(&politie, "DISCORD"),
            Cell::Text("Sintact".into())
        );
        assert_eq!(sintact.cell(&politie, "NUME IC"), Cell::Text("".into()));

        sintact.rank = 9;
        assert_eq!(sintact.cell(&politie, ROLE), Cell::Text("".into()));
    }

    #[test]
    fn cell_text_is_what_search_sees() {
        let at = Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap();
        assert_eq!(Cell::Timestamp(Some(at)).to_string(), "2026-03-07 12:28:40");
        assert_eq!(Cell::Timestamp(None).to_string(), "");
        assert_eq!(Cell::Number(-3).to_string(), "-3");
        assert_eq!(Cell::Text("Ștefan".into()).to_string(), "Ștefan");
    }

    #[test]
    fn snapshot_helpers_skip_soft_deleted_rows() {
        let deleted = Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let mut gone_city = city(3, "Armadillo");
        gone_city.deleted_at = deleted;
        let mut gone_institution = institution(5, 1, "Medici", &[]);
        gone_institution.deleted_at = deleted;
        let mut gone_employee = employee("e2", 2, 1, 0);
        gone_employee.deleted_at = deleted;
        let snapshot = Snapshot {
            cities: vec![city(1, "BlackWater"), gone_city],
            institutions: vec![
                institution(2, 1, "Politie", &[]),
                gone_institution,
                institution(4, 3, "Politie", &[]),
            ],
            employees: vec![
                employee("e1", 2, 1, 0),
                gone_employee,
                employee("e3", 4, 1, 0),
            ],
        };

        let ids = |it: &mut dyn Iterator<Item = i64>| it.collect::<Vec<_>>();
        assert_eq!(ids(&mut snapshot.live_cities().map(|c| c.id)), [1]);
        assert_eq!(ids(&mut snapshot.institutions_of(1).map(|i| i.id)), [2]);
        let employees: Vec<_> = snapshot.employees_of(2).map(|e| e.id.as_str()).collect();
        assert_eq!(employees, ["e1"]);
        assert_eq!(snapshot.city(3).map(|c| c.name.as_str()), Some("Armadillo"));
        assert_eq!(
            snapshot.institution(5).map(|i| i.name.as_str()),
            Some("Medici")
        );
        assert!(snapshot.institution(99).is_none());
    }

    #[test]
    fn fixed_columns_are_recognised_by_exact_name() {
        for column in FIXED_COLUMNS {
            assert!(is_fixed_column(column));
        }
        assert!(!is_fixed_column("DISCORD"));
        assert!(!is_fixed_column("rank"));
    }
}
