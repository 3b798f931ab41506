//! The canonical document and data hash of `docs/canonical-hash.md`.
//!
//! The SQL function `app.compute_data_hash()` computes the same hash on the server; a client
//! installs downloaded data only when this hash of it equals the cloud's `data_hash`. Any change
//! here must change that document, the SQL function and the version line together.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::model::{City, Employee, Institution, Snapshot};

/// The first line; bumped whenever the document format changes.
const VERSION_LINE: &str = "punctaj-data v1";

/// The canonical document of the live rows of `snapshot`.
pub fn canonical_document(snapshot: &Snapshot) -> String {
    let mut document = String::with_capacity(64 * (1 + snapshot.employees.len()));
    document.push_str(VERSION_LINE);
    document.push('\n');

    let mut cities: Vec<&City> = snapshot.cities.iter().filter(|c| c.is_live()).collect();
    cities.sort_by_key(|city| city.id);
    for city in cities {
        let mut line = Line::new(&mut document, "city");
        line.integer(city.id);
        line.text(&city.name);
        line.end();
    }

    let mut institutions: Vec<&Institution> = snapshot
        .institutions
        .iter()
        .filter(|i| i.is_live())
        .collect();
    institutions.sort_by_key(|institution| institution.id);
    for institution in institutions {
        let mut line = Line::new(&mut document, "institution");
        line.integer(institution.id);
        line.integer(institution.city_id);
        line.text(&institution.name);
        line.timestamp(institution.last_points_change_at);
        line.texts(&institution.ranks);
        line.texts(&institution.columns);
        line.end();
    }

    let mut employees: Vec<&Employee> = snapshot.employees.iter().filter(|e| e.is_live()).collect();
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

/// Lowercase hex SHA-256 of [`canonical_document`], the value of `sync_metadata.data_hash`.
pub fn data_hash(snapshot: &Snapshot) -> String {
    let digest = Sha256::digest(canonical_document(snapshot).as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
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

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 7, h, m, s).unwrap()
    }

    /// The example of `docs/canonical-hash.md`, with a full employee id.
    fn documented_example() -> Snapshot {
        let mut politie = institution(2, 1, "Politie", &["Offiter", "Caporal"]);
        politie.last_points_change_at = Some(at(12, 28, 40));
        let mut sintact = employee("0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f", 2, 1, 44);
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

    #[test]
    fn writes_the_documented_example() {
        assert_eq!(
            canonical_document(&documented_example()),
            "punctaj-data v1\n\
             city\t1\tBlackWater\n\
             institution\t2\t1\tPolitie\t2026-03-07T12:28:40.000000Z\t2\tOffiter\tCaporal\t\
             5\tDISCORD\tRANK\tROLE\tPUNCTAJ\tULTIMA_MOD\n\
             employee\t0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f\t2\t1\t44\t\
             2026-03-07T12:28:40.000000Z\t1\tDISCORD\tSintact\n"
        );
    }

    #[test]
    fn known_answer_hash() {
        // Computed independently in a shell:
        // printf 'punctaj-data v1\ncity\t1\tBlackWater\ninstitution\t2\t1\tPolitie\t2026-03-07T12:28:40.000000Z\t2\tOffiter\tCaporal\t5\tDISCORD\tRANK\tROLE\tPUNCTAJ\tULTIMA_MOD\nemployee\t0b5c9f0e-3c1a-4d55-9f0e-4a1b2c3d4e5f\t2\t1\t44\t2026-03-07T12:28:40.000000Z\t1\tDISCORD\tSintact\n' | sha256sum
        assert_eq!(
            data_hash(&documented_example()),
            "3e188bdbc63959db90d79fc6f3a4acff42b00e77388ebcc88400cb820948ed4c"
        );
    }

    #[test]
    fn known_answer_hash_with_non_ascii_and_escapes() {
        // Computed independently in a shell (printf turns `\\` into one backslash and `\t` into
        // TAB; the UTF-8 bytes of ș pass through unchanged):
        // printf 'punctaj-data v1\ncity\t7\tOraș \\t\\n\\r\\\\\n' | sha256sum
        let snapshot = Snapshot {
            cities: vec![city(7, "Oraș \t\n\r\\")],
            ..Snapshot::default()
        };
        assert_eq!(
            canonical_document(&snapshot),
            "punctaj-data v1\ncity\t7\tOraș \\t\\n\\r\\\\\n"
        );
        assert_eq!(
            data_hash(&snapshot),
            "b323244af99ece505a118be01e46d033ab5f9ed7f7296e558a58e44ec11568c0"
        );
    }

    #[test]
    fn an_empty_snapshot_is_the_version_line_alone() {
        assert_eq!(
            canonical_document(&Snapshot::default()),
            "punctaj-data v1\n"
        );
        // printf 'punctaj-data v1\n' | sha256sum
        assert_eq!(
            data_hash(&Snapshot::default()),
            "5418f402bd73cb7ce1dd558c409ee8b7841462dd7c94d057189dac686d8afb2e"
        );
    }

    #[test]
    fn escapes_backslash_tab_lf_cr_and_nothing_else() {
        let snapshot = Snapshot {
            cities: vec![city(1, "a\\b\tc\nd\re \"f\" 'g' ă\u{0}")],
            ..Snapshot::default()
        };
        let document = canonical_document(&snapshot);
        assert_eq!(
            document.lines().nth(1),
            Some("city\t1\ta\\\\b\\tc\\nd\\re \"f\" 'g' ă\u{0}")
        );
        // Exactly one LF per line and only separators as raw TABs.
        assert_eq!(document.matches('\n').count(), 2);
        assert_eq!(document.matches('\t').count(), 2);
        assert!(!document.contains('\r'));
    }

    #[test]
    fn non_ascii_is_kept_byte_for_byte() {
        let name = "Poliție Rutieră Ștefan 🚓 e\u{301}";
        let snapshot = Snapshot {
            cities: vec![city(1, name)],
            ..Snapshot::default()
        };
        assert!(canonical_document(&snapshot).contains(name));
    }

    #[test]
    fn orders_every_table_by_id_whatever_the_input_order() {
        let ordered = Snapshot {
            cities: vec![city(2, "B"), city(10, "A")],
            institutions: vec![institution(3, 10, "X", &[]), institution(20, 2, "Y", &[])],
            employees: vec![
                employee("0aaaaaaa-0000-0000-0000-000000000000", 3, 1, 0),
                employee("1aaaaaaa-0000-0000-0000-000000000000", 3, 1, 0),
                employee("faaaaaaa-0000-0000-0000-000000000000", 20, 1, 0),
            ],
        };
        let mut shuffled = ordered.clone();
        shuffled.cities.reverse();
        shuffled.institutions.reverse();
        shuffled.employees.swap(0, 2);

        let document = canonical_document(&shuffled);
        assert_eq!(document, canonical_document(&ordered));
        let ids: Vec<&str> = document
            .lines()
            .skip(1)
            .map(|line| line.split('\t').nth(1).unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "2",
                "10",
                "3",
                "20",
                "0aaaaaaa-0000-0000-0000-000000000000",
                "1aaaaaaa-0000-0000-0000-000000000000",
                "faaaaaaa-0000-0000-0000-000000000000"
            ]
        );
    }

    #[test]
    fn null_timestamps_are_empty_tokens_and_instants_have_six_digits() {
        let mut politie = institution(2, 1, "P", &[]);
        politie.columns.clear();
        let mut worker = employee("e", 2, 1, 0);
        worker.ultima_mod = Some(at(12, 28, 40) + chrono::Duration::nanoseconds(123_456_789));
        let document = canonical_document(&Snapshot {
            cities: vec![],
            institutions: vec![politie],
            employees: vec![worker],
        });
        let lines: Vec<&str> = document.lines().collect();
        assert_eq!(lines[1], "institution\t2\t1\tP\t\t0\t0");
        assert_eq!(
            lines[2],
            "employee\te\t2\t1\t0\t2026-03-07T12:28:40.123456Z\t0"
        );
    }

    #[test]
    fn timestamps_are_written_in_utc() {
        let mut politie = institution(2, 1, "P", &[]);
        politie.columns.clear();
        let bucharest = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        politie.last_points_change_at = Some(
            bucharest
                .with_ymd_and_hms(2026, 3, 7, 14, 0, 0)
                .unwrap()
                .with_timezone(&Utc),
        );
        let document = canonical_document(&Snapshot {
            institutions: vec![politie],
            ..Snapshot::default()
        });
        assert!(
            document.contains("\t2026-03-07T12:00:00.000000Z\t"),
            "{document}"
        );
    }

    #[test]
    fn field_keys_are_sorted_bytewise() {
        let mut worker = employee("e", 2, 1, 0);
        for key in ["b", "B", "Ă", "a", "Z"] {
            worker.fields.insert(key.to_owned(), format!("v{key}"));
        }
        let document = canonical_document(&Snapshot {
            employees: vec![worker],
            ..Snapshot::default()
        });
        assert!(
            document.ends_with("\t5\tB\tvB\tZ\tvZ\ta\tva\tb\tvb\tĂ\tvĂ\n"),
            "{document}"
        );
    }

    #[test]
    fn negative_integers_keep_their_sign() {
        let document = canonical_document(&Snapshot {
            employees: vec![employee("e", -4, -1, -7)],
            ..Snapshot::default()
        });
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
            data_hash(&Snapshot {
                institutions: vec![institution],
                ..Snapshot::default()
            })
        };
        assert_ne!(hash(left), hash(right));
    }

    #[test]
    fn every_hashed_value_changes_the_hash() {
        let base = documented_example();
        let base_hash = data_hash(&base);
        let edits: [fn(&mut Snapshot); 10] = [
            |s| s.cities[0].name.push('x'),
            |s| s.institutions[0].name.push('x'),
            |s| s.institutions[0].ranks[1].push('x'),
            |s| s.institutions[0].columns.swap(0, 1),
            |s| s.institutions[0].last_points_change_at = None,
            |s| s.employees[0].rank = 2,
            |s| s.employees[0].punctaj = 45,
            |s| s.employees[0].ultima_mod = None,
            |s| {
                s.employees[0]
                    .fields
                    .insert("DISCORD".to_owned(), "Other".to_owned());
            },
            |s| s.employees[0].institution_id = 3,
        ];
        for (index, edit) in edits.iter().enumerate() {
            let mut changed = base.clone();
            edit(&mut changed);
            assert_ne!(data_hash(&changed), base_hash, "edit {index}");
        }
    }

    #[test]
    fn revision_and_bookkeeping_timestamps_are_not_hashed() {
        let base = documented_example();
        let mut changed = base.clone();
        changed.institutions[0].revision += 1;
        changed.cities[0].updated_at = Some(at(1, 2, 3));
        changed.employees[0].created_at = Some(at(1, 2, 3));
        assert_eq!(data_hash(&changed), data_hash(&base));
    }
}
