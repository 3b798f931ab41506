//! The canonical documents and hashes of `docs/canonical-hash.md` (version 2: scoped).
//!
//! The synced data is split into scopes ([`ScopeId`]): `structure` (the live cities and the live
//! institutions' names, cities, ranks and columns) and one `institution:<id>` per live institution
//! (its points time and its live employees). Each scope has a document and a hash; `data_hash` is
//! the hash of the ordered list of (scope id, scope hash). The SQL functions
//! `app.structure_document()`, `app.institution_document(id)`, `app.scope_hash(scope)` and
//! `app.compute_data_hash()` compute the same on the server; a client installs downloaded data
//! only when its hashes equal the cloud's. Any change here must change that document, the SQL
//! functions and the version lines together.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::model::{City, Employee, Institution, Snapshot};
use crate::scope::ScopeId;

/// The first line of the structure document; bumped whenever a document format changes.
const STRUCTURE_LINE: &str = "punctaj-structure v2";
/// The first token of an institution document's first line (its id follows).
const INSTITUTION_LINE: &str = "punctaj-institution v2";
/// The first line of the global document.
const GLOBAL_LINE: &str = "punctaj-data v2";

/// Every scope's hash, in the global document's order.
pub type ScopeHashes = BTreeMap<ScopeId, String>;

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The document of the `structure` scope: live cities, then live institutions, each by id.
pub fn structure_document(snapshot: &Snapshot) -> String {
    let mut document = String::with_capacity(64 * (1 + snapshot.institutions.len()));
    document.push_str(STRUCTURE_LINE);
    document.push('\n');

    let mut cities: Vec<&City> = snapshot.cities.iter().filter(|c| c.is_live()).collect();
    cities.sort_by_key(|city| city.id);
    for city in cities {
        let mut line = Line::new(&mut document, "city");
        line.integer(city.id);
        line.text(&city.name);
        line.end();
    }

    for institution in live_institutions(snapshot) {
        let mut line = Line::new(&mut document, "institution");
        line.integer(institution.id);
        line.integer(institution.city_id);
        line.text(&institution.name);
        line.texts(&institution.ranks);
        line.texts(&institution.columns);
        line.end();
    }
    document
}

/// The document of the scope `institution:<institution_id>`; `None` unless that institution is
/// live in `snapshot`.
pub fn institution_document(snapshot: &Snapshot, institution_id: i64) -> Option<String> {
    let institution = snapshot
        .institutions
        .iter()
        .find(|institution| institution.id == institution_id && institution.is_live())?;
    let employees: Vec<&Employee> = snapshot
        .employees
        .iter()
        .filter(|employee| employee.institution_id == institution_id && employee.is_live())
        .collect();
    Some(write_institution(institution, employees))
}

/// The hash of every scope of `snapshot`: `structure` and each live institution. One pass over
/// the employees, grouped by institution.
pub fn scope_hashes(snapshot: &Snapshot) -> ScopeHashes {
    let mut by_institution: HashMap<i64, Vec<&Employee>> = HashMap::new();
    for employee in snapshot.employees.iter().filter(|e| e.is_live()) {
        by_institution
            .entry(employee.institution_id)
            .or_default()
            .push(employee);
    }
    let mut hashes = ScopeHashes::new();
    hashes.insert(
        ScopeId::Structure,
        sha256_hex(structure_document(snapshot).as_bytes()),
    );
    for institution in live_institutions(snapshot) {
        let employees = by_institution.remove(&institution.id).unwrap_or_default();
        let document = write_institution(institution, employees);
        hashes.insert(
            ScopeId::Institution(institution.id),
            sha256_hex(document.as_bytes()),
        );
    }
    hashes
}

/// The global document of a list of (scope, scope hash), written in [`ScopeId`] order whatever
/// the input order.
pub fn global_document<'a>(scopes: impl IntoIterator<Item = (ScopeId, &'a str)>) -> String {
    let mut scopes: Vec<(ScopeId, &str)> = scopes.into_iter().collect();
    scopes.sort_by_key(|(scope, _)| *scope);
    let mut document = String::with_capacity(GLOBAL_LINE.len() + 1 + 90 * scopes.len());
    document.push_str(GLOBAL_LINE);
    document.push('\n');
    for (scope, hash) in scopes {
        let _ = writeln!(document, "{scope}\t{hash}");
    }
    document
}

/// Lowercase hex SHA-256 of [`global_document`].
pub fn global_hash<'a>(scopes: impl IntoIterator<Item = (ScopeId, &'a str)>) -> String {
    sha256_hex(global_document(scopes).as_bytes())
}

/// The value of `sync_metadata.data_hash` for `snapshot`: the global hash of its scope hashes.
pub fn data_hash(snapshot: &Snapshot) -> String {
    let hashes = scope_hashes(snapshot);
    global_hash(hashes.iter().map(|(scope, hash)| (*scope, hash.as_str())))
}

/// Live institutions by id.
fn live_institutions(snapshot: &Snapshot) -> Vec<&Institution> {
    let mut institutions: Vec<&Institution> = snapshot
        .institutions
        .iter()
        .filter(|i| i.is_live())
        .collect();
    institutions.sort_by_key(|institution| institution.id);
    institutions
}

/// One institution's document from its live employees (in any order).
fn write_institution(institution: &Institution, mut employees: Vec<&Employee>) -> String {
    let mut document = String::with_capacity(64 * (2 + employees.len()));
    let mut line = Line::new(&mut document, INSTITUTION_LINE);
    line.integer(institution.id);
    line.end();
    let mut line = Line::new(&mut document, "points");
    line.timestamp(institution.last_points_change_at);
    line.end();

    // Lowercase UUID text in `str` order is PostgreSQL's `uuid` order.
    employees.sort_by(|a, b| a.id.cmp(&b.id));
    for employee in employees {
        let mut line = Line::new(&mut document, "employee");
        line.text(&employee.id);
        line.integer(employee.institution_id);
        line.integer(employee.rank.into());
        line.integer(employee.punctaj.into());
        line.timestamp(employee.ultima_mod);
        // A BTreeMap iterates in `str` order, which is bytewise UTF-8 order.
        line.count(employee.fields.len());
        for (key, value) in &employee.fields {
            line.text(key);
            line.text(value);
        }
        line.end();
    }
    document
}

/// Writes one TAB-separated, LF-terminated line, so no caller can forget a separator.
struct Line<'a> {
    document: &'a mut String,
}

impl<'a> Line<'a> {
    fn new(document: &'a mut String, kind: &str) -> Self {
        document.push_str(kind);
        Line { document }
    }

    fn text(&mut self, text: &str) {
        self.document.push('\t');
        for character in text.chars() {
            match character {
                '\\' => self.document.push_str("\\\\"),
                '\t' => self.document.push_str("\\t"),
                '\n' => self.document.push_str("\\n"),
                '\r' => self.document.push_str("\\r"),
                other => self.document.push(other),
            }
        }
    }

    fn integer(&mut self, value: i64) {
        let _ = write!(self.document, "\t{value}");
    }

    fn count(&mut self, count: usize) {
        let _ = write!(self.document, "\t{count}");
    }

    fn texts(&mut self, texts: &[String]) {
        self.count(texts.len());
        for text in texts {
            self.text(text);
        }
    }

    fn timestamp(&mut self, instant: Option<DateTime<Utc>>) {
        self.document.push('\t');
        if let Some(instant) = instant {
            let _ = write!(
                self.document,
                "{}",
                instant.format(crate::time::UTC_MICROS_FORMAT)
            );
        }
    }

    fn end(self) {
        self.document.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{city, employee, institution};
    use chrono::TimeZone;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SINTACT: &str = "0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f";
    // printf 'punctaj-structure v2\ncity\t1\tBlackWater\ninstitution\t2\t1\tPolitie\t2\tOffiter\tCaporal\t5\tDISCORD\tRANK\tROLE\tPUNCTAJ\tULTIMA_MOD\n' | sha256sum
    const EXAMPLE_STRUCTURE_HASH: &str =
        "a7bf5dfc100f5a5db7948a99704a51e8bace949beaf23353c96e5405f914a98e";
    // printf 'punctaj-institution v2\t2\npoints\t2026-03-07T12:28:40.000000Z\nemployee\t0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f\t2\t1\t44\t2026-03-07T12:28:40.000000Z\t1\tDISCORD\tSintact\n' | sha256sum
    const EXAMPLE_INSTITUTION_HASH: &str =
        "f33ebd1a143e4a9954843af10a458457062f954fcc5fa1c225177c404dee6ce9";
    // printf 'punctaj-data v2\nstructure\ta7bf…a98e\ninstitution:2\tf33e…6ce9\n' | sha256sum
    // (the two hashes above written in full)
    const EXAMPLE_DATA_HASH: &str =
        "6c5fd4232eac49f722873c077012ad8c1a0d6e61ef76e54b9e723a3cdb98d30c";

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 7, h, m, s).unwrap()
    }

    /// The example of `docs/canonical-hash.md`, with a full employee id.
    fn documented_example() -> Snapshot {
        let mut politie = institution(2, 1, "Politie", &["Offiter", "Caporal"]);
        politie.last_points_change_at = Some(at(12, 28, 40));
        let mut sintact = employee(SINTACT, 2, 1, 44);
        sintact.ultima_mod = Some(at(12, 28, 40));
        sintact
            .fields
            .insert("DISCORD".to_owned(), "Sintact".to_owned());
        Snapshot {
            cities: vec![city(1, "BlackWater")],
            institutions: vec![politie],
            employees: vec![sintact],
        }
    }

    /// Two cities, three institutions, employees spread over them.
    fn larger() -> Snapshot {
        let mut snapshot = documented_example();
        snapshot.cities.push(city(4, "Valentine"));
        snapshot
            .institutions
            .push(institution(9, 4, "Medici", &["Asistent"]));
        snapshot
            .institutions
            .push(institution(10, 1, "Serif", &["A", "B"]));
        snapshot
            .employees
            .push(employee("1aaaaaaa-0000-0000-0000-000000000000", 9, 1, 3));
        snapshot
            .employees
            .push(employee("0aaaaaaa-0000-0000-0000-000000000000", 10, 2, 5));
        snapshot
            .employees
            .push(employee("faaaaaaa-0000-0000-0000-000000000000", 9, 1, 0));
        snapshot
    }

    #[test]
    fn writes_the_documented_example() {
        let snapshot = documented_example();
        assert_eq!(
            structure_document(&snapshot),
            "punctaj-structure v2\n\
             city\t1\tBlackWater\n\
             institution\t2\t1\tPolitie\t2\tOffiter\tCaporal\t\
             5\tDISCORD\tRANK\tROLE\tPUNCTAJ\tULTIMA_MOD\n"
        );
        assert_eq!(
            institution_document(&snapshot, 2).as_deref(),
            Some(
                "punctaj-institution v2\t2\n\
                 points\t2026-03-07T12:28:40.000000Z\n\
                 employee\t0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f\t2\t1\t44\t\
                 2026-03-07T12:28:40.000000Z\t1\tDISCORD\tSintact\n"
            )
        );
        let hashes = scope_hashes(&snapshot);
        assert_eq!(
            global_document(hashes.iter().map(|(s, h)| (*s, h.as_str()))),
            format!(
                "punctaj-data v2\nstructure\t{EXAMPLE_STRUCTURE_HASH}\ninstitution:2\t{EXAMPLE_INSTITUTION_HASH}\n"
            )
        );
    }

    #[test]
    fn known_answer_hashes() {
        let snapshot = documented_example();
        let hashes = scope_hashes(&snapshot);
        assert_eq!(
            hashes.keys().copied().collect::<Vec<_>>(),
            [ScopeId::Structure, ScopeId::Institution(2)]
        );
        assert_eq!(hashes[&ScopeId::Structure], EXAMPLE_STRUCTURE_HASH);
        assert_eq!(hashes[&ScopeId::Institution(2)], EXAMPLE_INSTITUTION_HASH);
        assert_eq!(data_hash(&snapshot), EXAMPLE_DATA_HASH);
        assert_eq!(
            sha256_hex(structure_document(&snapshot).as_bytes()),
            EXAMPLE_STRUCTURE_HASH
        );
    }

    #[test]
    fn known_answer_hash_with_non_ascii_and_escapes() {
        // Computed independently in a shell (printf turns `\\` into one backslash and `\t` into
        // TAB; the UTF-8 bytes of ș pass through unchanged):
        // printf 'punctaj-structure v2\ncity\t7\tOraș \\t\\n\\r\\\\\n' | sha256sum
        let snapshot = Snapshot {
            cities: vec![city(7, "Oraș \t\n\r\\")],
            ..Snapshot::default()
        };
        assert_eq!(
            structure_document(&snapshot),
            "punctaj-structure v2\ncity\t7\tOraș \\t\\n\\r\\\\\n"
        );
        assert_eq!(
            scope_hashes(&snapshot)[&ScopeId::Structure],
            "c4eafb345b9a449cb8290d9c1e66c231bde7c6fea67307f2a68ef21a1e116728"
        );
    }

    #[test]
    fn an_empty_snapshot_is_the_structure_scope_alone() {
        assert_eq!(
            structure_document(&Snapshot::default()),
            "punctaj-structure v2\n"
        );
        // printf 'punctaj-structure v2\n' | sha256sum
        let empty_structure = "0bd293abb1108e8d045be5b09d31b4a9866d246ba03e9d4b549fe2a757d1c3d8";
        let hashes = scope_hashes(&Snapshot::default());
        assert_eq!(hashes.len(), 1);
        assert_eq!(hashes[&ScopeId::Structure], empty_structure);
        // printf 'punctaj-data v2\nstructure\t0bd2…c3d8\n' | sha256sum
        assert_eq!(
            data_hash(&Snapshot::default()),
            "a8742819c96f8c9f814be379dc2daca91c60104409e157df955b9c46f077c3aa"
        );
    }

    #[test]
    fn an_institution_without_points_or_employees() {
        let mut politie = institution(5, 1, "P", &[]);
        politie.columns.clear();
        let snapshot = Snapshot {
            institutions: vec![politie],
            ..Snapshot::default()
        };
        let document = institution_document(&snapshot, 5).unwrap();
        assert_eq!(document, "punctaj-institution v2\t5\npoints\t\n");
        // printf 'punctaj-institution v2\t5\npoints\t\n' | sha256sum
        assert_eq!(
            scope_hashes(&snapshot)[&ScopeId::Institution(5)],
            "e684fafbf6cf795c76cf22607015f16b765db3f9de2aad9653a5e896c7fdd4a3"
        );
        assert!(structure_document(&snapshot).ends_with("institution\t5\t1\tP\t0\t0\n"));
    }

    #[test]
    fn only_live_institutions_have_a_document() {
        let mut snapshot = documented_example();
        assert!(institution_document(&snapshot, 3).is_none());
        snapshot.institutions[0].deleted_at = Some(at(0, 0, 0));
        assert!(institution_document(&snapshot, 2).is_none());
        assert_eq!(
            scope_hashes(&snapshot).keys().copied().collect::<Vec<_>>(),
            [ScopeId::Structure]
        );
    }

    #[test]
    fn escapes_backslash_tab_lf_cr_and_nothing_else() {
        let snapshot = Snapshot {
            cities: vec![city(1, "a\\b\tc\nd\re \"f\" 'g' ă\u{0}")],
            ..Snapshot::default()
        };
        let document = structure_document(&snapshot);
        assert_eq!(
            document.lines().nth(1),
            Some("city\t1\ta\\\\b\\tc\\nd\\re \"f\" 'g' ă\u{0}")
        );
        // Exactly one LF per line and only separators as raw TABs.
        assert_eq!(document.matches('\n').count(), 2);
        assert_eq!(document.matches('\t').count(), 2);
        assert!(!document.contains('\r'));

        let mut worker = employee("e", 2, 1, 0);
        worker
            .fields
            .insert("k\t\\".to_owned(), "v\r\n<script>".to_owned());
        let snapshot = Snapshot {
            institutions: vec![institution(2, 1, "P", &[])],
            employees: vec![worker],
            ..Snapshot::default()
        };
        let document = institution_document(&snapshot, 2).unwrap();
        assert!(
            document.ends_with("\t1\tk\\t\\\\\tv\\r\\n<script>\n"),
            "{document}"
        );
        assert_eq!(document.matches('\n').count(), 3);
    }

    #[test]
    fn non_ascii_is_kept_byte_for_byte() {
        let name = "Poliție Rutieră Ștefan 🚓 e\u{301}";
        let mut worker = employee("e", 2, 1, 0);
        worker.fields.insert(name.to_owned(), name.to_owned());
        let snapshot = Snapshot {
            cities: vec![city(1, name)],
            institutions: vec![institution(2, 1, name, &[name])],
            employees: vec![worker],
        };
        assert_eq!(structure_document(&snapshot).matches(name).count(), 3);
        assert_eq!(
            institution_document(&snapshot, 2)
                .unwrap()
                .matches(name)
                .count(),
            2
        );
    }

    #[test]
    fn orders_every_part_by_id_whatever_the_input_order() {
        let ordered = larger();
        let mut shuffled = ordered.clone();
        shuffled.cities.reverse();
        shuffled.institutions.reverse();
        shuffled.employees.reverse();

        assert_eq!(structure_document(&shuffled), structure_document(&ordered));
        assert_eq!(scope_hashes(&shuffled), scope_hashes(&ordered));
        assert_eq!(data_hash(&shuffled), data_hash(&ordered));

        let ids = |document: &str| -> Vec<String> {
            document
                .lines()
                .skip(1)
                .map(|line| line.split('\t').nth(1).unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            ids(&structure_document(&shuffled)),
            ["1", "4", "2", "9", "10"]
        );
        assert_eq!(
            ids(&institution_document(&shuffled, 9).unwrap())[1..],
            [
                "1aaaaaaa-0000-0000-0000-000000000000",
                "faaaaaaa-0000-0000-0000-000000000000"
            ]
        );

        // The global document lists scopes in ScopeId order (9 before 10), whatever it is given.
        let hashes = scope_hashes(&ordered);
        let mut reversed: Vec<(ScopeId, &str)> =
            hashes.iter().map(|(s, h)| (*s, h.as_str())).collect();
        reversed.reverse();
        let document = global_document(reversed.iter().copied());
        let scopes: Vec<&str> = document
            .lines()
            .skip(1)
            .map(|line| line.split('\t').next().unwrap())
            .collect();
        assert_eq!(
            scopes,
            [
                "structure",
                "institution:2",
                "institution:9",
                "institution:10"
            ]
        );
        assert_eq!(global_hash(reversed), data_hash(&ordered));
    }

    #[test]
    fn null_timestamps_are_empty_tokens_and_instants_have_six_digits() {
        let mut politie = institution(2, 1, "P", &[]);
        politie.columns.clear();
        let mut worker = employee("e", 2, 1, 0);
        worker.ultima_mod = Some(at(12, 28, 40) + chrono::Duration::nanoseconds(123_456_789));
        let document = institution_document(
            &Snapshot {
                cities: vec![],
                institutions: vec![politie],
                employees: vec![worker],
            },
            2,
        )
        .unwrap();
        let lines: Vec<&str> = document.lines().collect();
        assert_eq!(lines[1], "points\t");
        assert_eq!(
            lines[2],
            "employee\te\t2\t1\t0\t2026-03-07T12:28:40.123456Z\t0"
        );
    }

    #[test]
    fn timestamps_are_written_in_utc() {
        let mut politie = institution(2, 1, "P", &[]);
        let bucharest = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        politie.last_points_change_at = Some(
            bucharest
                .with_ymd_and_hms(2026, 3, 7, 14, 0, 0)
                .unwrap()
                .with_timezone(&Utc),
        );
        let document = institution_document(
            &Snapshot {
                institutions: vec![politie],
                ..Snapshot::default()
            },
            2,
        )
        .unwrap();
        assert!(
            document.contains("\npoints\t2026-03-07T12:00:00.000000Z\n"),
            "{document}"
        );
    }

    #[test]
    fn field_keys_are_sorted_bytewise() {
        let mut worker = employee("e", 2, 1, 0);
        for key in ["b", "B", "Ă", "a", "Z"] {
            worker.fields.insert(key.to_owned(), format!("v{key}"));
        }
        let document = institution_document(
            &Snapshot {
                institutions: vec![institution(2, 1, "P", &[])],
                employees: vec![worker],
                ..Snapshot::default()
            },
            2,
        )
        .unwrap();
        assert!(
            document.ends_with("\t5\tB\tvB\tZ\tvZ\ta\tva\tb\tvb\tĂ\tvĂ\n"),
            "{document}"
        );
    }

    #[test]
    fn negative_integers_keep_their_sign() {
        let document = institution_document(
            &Snapshot {
                institutions: vec![institution(-4, -2, "P", &[])],
                employees: vec![employee("e", -4, -1, -7)],
                ..Snapshot::default()
            },
            -4,
        )
        .unwrap();
        assert!(
            document.starts_with("punctaj-institution v2\t-4\n"),
            "{document}"
        );
        assert!(
            document.contains("employee\te\t-4\t-1\t-7\t\t0\n"),
            "{document}"
        );
    }

    #[test]
    fn only_live_rows_count() {
        let deleted = Some(at(0, 0, 0));
        let live = documented_example();
        let mut with_deleted = live.clone();
        let mut gone_city = city(5, "Rhodes");
        gone_city.deleted_at = deleted;
        let mut gone_institution = institution(6, 1, "Medici", &[]);
        gone_institution.deleted_at = deleted;
        let mut gone_employee = employee("00000000-0000-0000-0000-000000000000", 2, 1, 9);
        gone_employee.deleted_at = deleted;
        with_deleted.cities.push(gone_city);
        with_deleted.institutions.push(gone_institution);
        with_deleted.employees.push(gone_employee);
        // A live employee of a deleted institution belongs to no scope.
        with_deleted
            .employees
            .push(employee("11111111-0000-0000-0000-000000000000", 6, 1, 9));

        assert_eq!(scope_hashes(&with_deleted), scope_hashes(&live));
        assert_eq!(data_hash(&with_deleted), data_hash(&live));
    }

    #[test]
    fn counts_make_the_variable_parts_unambiguous() {
        // Same tokens, split differently between ranks and columns.
        let mut left = institution(2, 1, "P", &["A", "B"]);
        left.columns = vec!["C".to_owned()];
        let mut right = institution(2, 1, "P", &["A"]);
        right.columns = vec!["B".to_owned(), "C".to_owned()];
        let hash = |institution| {
            scope_hashes(&Snapshot {
                institutions: vec![institution],
                ..Snapshot::default()
            })[&ScopeId::Structure]
                .clone()
        };
        assert_ne!(hash(left), hash(right));
    }

    /// Every hashed value changes its own scope's hash and no other (and so the data hash).
    #[test]
    fn every_hashed_value_changes_its_scope_hash_and_only_it() {
        use ScopeId::{Institution as I, Structure as S};
        let base = larger();
        let base_hashes = scope_hashes(&base);
        let base_hash = data_hash(&base);
        /// An edit of the snapshot and the scopes whose hash it must change.
        type Edit = (fn(&mut Snapshot), &'static [ScopeId]);
        let edits: [Edit; 13] = [
            (|s| s.cities[0].name.push('x'), &[S]),
            (|s| s.institutions[0].name.push('x'), &[S]),
            (|s| s.institutions[0].ranks[1].push('x'), &[S]),
            (|s| s.institutions[0].columns.swap(0, 1), &[S]),
            (|s| s.institutions[1].city_id = 1, &[S]),
            (|s| s.institutions[0].last_points_change_at = None, &[I(2)]),
            (|s| s.employees[0].rank = 2, &[I(2)]),
            (|s| s.employees[0].punctaj = 45, &[I(2)]),
            (|s| s.employees[0].ultima_mod = None, &[I(2)]),
            (
                |s| {
                    s.employees[0]
                        .fields
                        .insert("DISCORD".to_owned(), "Other".to_owned());
                },
                &[I(2)],
            ),
            (|s| s.employees[1].punctaj += 1, &[I(9)]),
            // Moving an employee changes both institutions.
            (|s| s.employees[0].institution_id = 10, &[I(2), I(10)]),
            (|s| s.employees[2].deleted_at = Some(at(1, 0, 0)), &[I(10)]),
        ];
        for (index, (edit, changed_scopes)) in edits.iter().enumerate() {
            let mut changed = base.clone();
            edit(&mut changed);
            let hashes = scope_hashes(&changed);
            assert_eq!(
                hashes.keys().collect::<Vec<_>>(),
                base_hashes.keys().collect::<Vec<_>>(),
                "edit {index}"
            );
            for (scope, hash) in &hashes {
                assert_eq!(
                    hash != &base_hashes[scope],
                    changed_scopes.contains(scope),
                    "edit {index}: scope {scope}"
                );
            }
            assert_ne!(data_hash(&changed), base_hash, "edit {index}");
        }
    }

    #[test]
    fn creating_or_deleting_an_institution_adds_or_removes_its_scope() {
        let base = larger();
        let mut created = base.clone();
        created.institutions.push(institution(11, 4, "Nou", &["A"]));
        let hashes = scope_hashes(&created);
        assert!(hashes.contains_key(&ScopeId::Institution(11)));
        assert_ne!(
            hashes[&ScopeId::Structure],
            scope_hashes(&base)[&ScopeId::Structure]
        );
        let mut deleted = base.clone();
        deleted.institutions[1].deleted_at = Some(at(1, 0, 0));
        assert!(!scope_hashes(&deleted).contains_key(&ScopeId::Institution(9)));
        assert_ne!(data_hash(&deleted), data_hash(&base));
    }

    #[test]
    fn revision_row_versions_and_bookkeeping_timestamps_are_not_hashed() {
        let base = larger();
        let mut changed = base.clone();
        changed.institutions[0].revision += 1;
        changed.institutions[0].row_version += 1;
        changed.institutions[0].updated_at = Some(at(1, 2, 3));
        changed.institutions[0].created_at = Some(at(1, 2, 3));
        changed.cities[0].updated_at = Some(at(1, 2, 3));
        changed.cities[0].row_version += 1;
        changed.employees[0].created_at = Some(at(1, 2, 3));
        changed.employees[0].updated_at = Some(at(1, 2, 3));
        changed.employees[0].row_version += 1;
        assert_eq!(scope_hashes(&changed), scope_hashes(&base));
    }

    #[test]
    fn sha256_hex_is_lowercase_hex() {
        // printf '' | sha256sum
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
