//! Reset archives: their object keys in the Storage bucket `arhiva` and their JSON documents.
//!
//! Storage rejects non-ASCII keys, so keys use an ASCII [`slug`] of the city and institution names
//! while the real names stay inside the document. The bucket's insert policy checks the same slug
//! in SQL, so [`slug`] is written to be reproducible with PostgreSQL built-ins alone.
//!
//! Documents keep every field the legacy desktop app wrote, so old and new archives read the same
//! way; the fields that app never wrote are optional.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::model::{Institution, PUNCTAJ, RANK, ROLE, Snapshot, ULTIMA_MOD};
use crate::table::{SortOrder, sort_employees};
use crate::text::transliterate;
use crate::time::{RecordedTime, WALL_CLOCK_FORMAT, optional_instant};

// The transliteration table is part of the slug contract, so it is also reachable from here.
pub use crate::text::{TRANSLITERATE_FROM, TRANSLITERATE_TO};

/// The version written in [`ArchiveDocument::format`] by this code.
pub const ARCHIVE_FORMAT: &str = "punctaj-archive/2";

/// The `YYYY-MM-DD_HH-MM-SS` stamp of archive keys (and of the legacy `reset_timestamp`).
const KEY_STAMP_FORMAT: &str = "%Y-%m-%d_%H-%M-%S";
const KEY_STAMP_LEN: usize = "YYYY-MM-DD_HH-MM-SS".len();
const AFTER_RESET_SUFFIX: &str = "_AFTER_RESET";

/// Archives whose JSON is longer than this are stored gzip-compressed, under their key with
/// [`GZIP_SUFFIX`] (`…json.gz`, `application/gzip`). Measured on the old app's real archives
/// (`../shared/reference/legacy`): 3,155 B of JSON for 21 members gzip to 836 B (26 %), about 150 B
/// of JSON per member; at 8 KiB (≈ 55 members) compression saves ≥ 6 KiB per archive, more than
/// a request's headers cost, while the small archives stay plain JSON anyone can read in the
/// Storage dashboard.
pub const COMPRESS_ABOVE_BYTES: usize = 8 * 1024;
/// The suffix of a compressed archive's key, after `.json`.
pub const GZIP_SUFFIX: &str = ".gz";
/// The MIME type a compressed archive is stored with (plain ones: `application/json`).
pub const GZIP_MIME: &str = "application/gzip";
const AFTER_RESET_STATUS: &str = "after_reset";

/// The ASCII form of a city or institution name used in archive keys.
///
/// Transliterates through the table, replaces every maximal run of characters outside
/// `[A-Za-z0-9-]` by one `_`, trims `_` at both ends and turns an empty result into `_`.
/// PostgreSQL computes the same with
/// `coalesce(nullif(btrim(regexp_replace(translate(name, FROM, TO), '[^A-Za-z0-9-]+', '_', 'g'), '_'), ''), '_')`.
/// There is no Unicode normalisation on either side: a decomposed `s` + combining comma becomes
/// `s_`, identically in both.
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut in_run = false;
    for character in name.chars().map(transliterate) {
        if character.is_ascii_alphanumeric() || character == '-' {
            slug.push(character);
            in_run = false;
        } else if !in_run {
            slug.push('_');
            in_run = true;
        }
    }
    let trimmed = slug.trim_matches('_');
    if trimmed.is_empty() {
        "_".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Whether two city or institution names denote the same one: equal ignoring case, or sharing an
/// archive folder (the same [`slug`]: `Poliție` and `Politie`, `Saint_Denis` and `Saint Denis`).
///
/// The twin of SQL `app.same_name` (`sql/migrations/0003_sync.sql`), which keeps live names
/// distinct by it; the importer matches legacy folder names to cloud names by it, so an import
/// never creates a second city or institution that the database would refuse.
pub fn same_name(a: &str, b: &str) -> bool {
    sql_lower(a) == sql_lower(b) || slug(a) == slug(b)
}

/// PostgreSQL's `lower()`: one character to one character, without the context rules of
/// `str::to_lowercase` (a final `Σ` stays `σ`, `İ` becomes `i` without a combining dot).
fn sql_lower(text: &str) -> String {
    text.chars()
        .map(|character| character.to_lowercase().next().unwrap_or(character))
        .collect()
}

/// `{slug(city)}/{slug(institution)}_{YYYY-MM-DD_HH-MM-SS}.json`, the stamp in UTC.
pub fn archive_object_key(city: &str, institution: &str, at: DateTime<Utc>) -> String {
    format!(
        "{}/{}_{}.json",
        slug(city),
        slug(institution),
        at.format(KEY_STAMP_FORMAT)
    )
}

/// The parts of an archive object key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveKey {
    pub city_slug: String,
    pub institution_slug: String,
    /// UTC for keys this app wrote; the legacy app's local time for migrated legacy keys.
    pub stamp: NaiveDateTime,
    /// A legacy `…_AFTER_RESET.json` proof-of-reset file rather than the pre-reset archive.
    pub after_reset: bool,
    /// Stored gzip-compressed (`….json.gz`).
    pub compressed: bool,
}

/// Whether an archive of `json_len` bytes is stored compressed.
pub fn should_compress(json_len: usize) -> bool {
    json_len > COMPRESS_ABOVE_BYTES
}

/// The key a compressed archive is stored under.
pub fn compressed_key(key: &str) -> String {
    format!("{key}{GZIP_SUFFIX}")
}

/// The key an archive has as a plain JSON file (what a user downloads it as): a compressed
/// archive's key without [`GZIP_SUFFIX`].
pub fn plain_key(key: &str) -> &str {
    key.strip_suffix(GZIP_SUFFIX)
        .filter(|plain| plain.ends_with(".json"))
        .unwrap_or(key)
}

/// Reads `City/Institution_YYYY-MM-DD_HH-MM-SS[_AFTER_RESET].json[.gz]`.
///
/// Institution slugs may contain `_`, so the stamp is taken from the end. Anything else in the
/// bucket — another depth of folders, Storage's `.emptyFolderPlaceholder`, a malformed stamp —
/// is `None`.
pub fn parse_archive_key(key: &str) -> Option<ArchiveKey> {
    let (city_slug, file) = key.split_once('/')?;
    if city_slug.is_empty() || file.contains('/') {
        return None;
    }
    let (file, compressed) = match file.strip_suffix(GZIP_SUFFIX) {
        Some(plain) => (plain, true),
        None => (file, false),
    };
    let base = file.strip_suffix(".json")?;
    let (base, after_reset) = match base.strip_suffix(AFTER_RESET_SUFFIX) {
        Some(base) => (base, true),
        None => (base, false),
    };
    let split = base.len().checked_sub(KEY_STAMP_LEN + 1)?;
    if split == 0 || !base.is_char_boundary(split) {
        return None;
    }
    let (institution_slug, stamp) = base.split_at(split);
    let stamp = stamp.strip_prefix('_')?;
    let parsed = NaiveDateTime::parse_from_str(stamp, KEY_STAMP_FORMAT).ok()?;
    // chrono accepts unpadded fields; keys are only ever written zero-padded.
    if parsed.format(KEY_STAMP_FORMAT).to_string() != stamp {
        return None;
    }
    Some(ArchiveKey {
        city_slug: city_slug.to_owned(),
        institution_slug: institution_slug.to_owned(),
        stamp: parsed,
        after_reset,
        compressed,
    })
}

/// Who performed a reset, as recorded in its archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveAuthor {
    /// Display name (legacy `reset_by`).
    pub name: String,
    /// Numeric Discord id, when the account is linked to Discord.
    pub discord_id: Option<String>,
    /// Supabase Auth user id.
    pub user_id: String,
}

/// A reset archive, legacy or new.
///
/// Unknown fields are ignored, so archives written by a newer format still open. A document
/// without the legacy identity fields (`archived_at`, `institution`, `city`, `columns`, `rows`,
/// `employee_count`) is not an archive and fails to deserialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveDocument {
    /// [`ARCHIVE_FORMAT`]; absent in legacy archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`: UTC in new archives, the resetting user's local time in legacy ones.
    pub archived_at: String,
    pub institution: String,
    pub city: String,
    /// Name of who reset (`"Unknown"` in early legacy files).
    #[serde(default)]
    pub reset_by: String,
    /// Numeric Discord id of who reset, or empty.
    #[serde(default)]
    pub discord_id: String,
    pub columns: Vec<String>,
    pub rows: Vec<ArchiveRow>,
    pub employee_count: usize,
    #[serde(
        default,
        with = "optional_instant",
        skip_serializing_if = "Option::is_none"
    )]
    pub archived_at_utc: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_id: Option<i64>,
    /// Supabase Auth user id of who reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_by_id: Option<String>,
    /// The rank ladder at the time of the reset (`ranks[0]` = rank 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranks: Option<Vec<String>>,
    /// The total the writer recorded; [`ArchiveDocument::total_points`] recomputes it from rows.
    #[serde(
        default,
        rename = "total_points",
        skip_serializing_if = "Option::is_none"
    )]
    pub recorded_total_points: Option<i64>,
    /// The institution revision the archive was taken at (the reset's precondition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// `"after_reset"` in legacy proof-of-reset files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Legacy proof-of-reset files: the key stamp, `YYYY-MM-DD_HH-MM-SS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_timestamp: Option<String>,
}

impl ArchiveDocument {
    /// The pre-reset archive of one institution, taken from `snapshot` at `at`: every live
    /// employee in the table's default order, each row holding `id` and every column.
    ///
    /// `None` when the institution or its city is missing or soft-deleted.
    pub fn from_snapshot(
        snapshot: &Snapshot,
        institution_id: i64,
        author: &ArchiveAuthor,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        let institution = snapshot
            .institution(institution_id)
            .filter(|institution| institution.is_live())?;
        let city = snapshot
            .city(institution.city_id)
            .filter(|city| city.is_live())?;

        let mut employees: Vec<_> = snapshot.employees_of(institution_id).collect();
        sort_employees(&mut employees, institution, &SortOrder::default());
        let rows: Vec<ArchiveRow> = employees
            .iter()
            .map(|employee| ArchiveRow::of_employee(employee, institution))
            .collect();
        let total: i64 = employees.iter().map(|e| i64::from(e.punctaj)).sum();

        Some(Self {
            format: Some(ARCHIVE_FORMAT.to_owned()),
            archived_at: at.format(WALL_CLOCK_FORMAT).to_string(),
            institution: institution.name.clone(),
            city: city.name.clone(),
            reset_by: author.name.clone(),
            discord_id: author.discord_id.clone().unwrap_or_default(),
            columns: institution.columns.clone(),
            employee_count: rows.len(),
            rows,
            archived_at_utc: Some(at),
            city_id: Some(city.id),
            institution_id: Some(institution.id),
            reset_by_id: Some(author.user_id.clone()),
            ranks: Some(institution.ranks.clone()),
            recorded_total_points: Some(total),
            revision: Some(institution.revision),
            status: None,
            reset_timestamp: None,
        })
    }

    /// Sum of the rows' points, whatever the writer recorded.
    pub fn total_points(&self) -> i64 {
        self.rows.iter().filter_map(|row| row.punctaj).sum()
    }

    /// A legacy proof-of-reset snapshot (rows after zeroing) rather than a pre-reset archive.
    pub fn is_after_reset(&self) -> bool {
        self.status.as_deref() == Some(AFTER_RESET_STATUS)
    }
}

/// One archived employee: a JSON object keyed by column name (plus `id`).
///
/// The two columns whose legacy type varies are parsed leniently: `PUNCTAJ` is an integer or a
/// numeric string, `ULTIMA_MOD` a legacy wall-clock time or an ISO 8601 instant. Every other
/// cell is kept as the JSON value it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveRow {
    #[serde(
        rename = "PUNCTAJ",
        default,
        deserialize_with = "deserialize_lenient_points"
    )]
    pub punctaj: Option<i64>,
    #[serde(
        rename = "ULTIMA_MOD",
        default,
        deserialize_with = "deserialize_lenient_time"
    )]
    pub ultima_mod: Option<RecordedTime>,
    /// `id`, `RANK`, `ROLE` and the custom columns.
    #[serde(flatten)]
    pub cells: BTreeMap<String, Value>,
}

impl ArchiveRow {
    fn of_employee(employee: &crate::model::Employee, institution: &Institution) -> Self {
        let mut cells = BTreeMap::new();
        for column in &institution.columns {
            let text = match column.as_str() {
                PUNCTAJ | ULTIMA_MOD => continue,
                RANK => employee.rank.to_string(),
                ROLE => institution.role(employee.rank).unwrap_or("").to_owned(),
                custom => employee.fields.get(custom).cloned().unwrap_or_default(),
            };
            cells.insert(column.clone(), Value::String(text));
        }
        // Last, so the row keeps its identity even if a custom column is called "id".
        cells.insert("id".to_owned(), Value::String(employee.id.clone()));
        Self {
            punctaj: Some(employee.punctaj.into()),
            ultima_mod: employee.ultima_mod.map(RecordedTime::Utc),
            cells,
        }
    }

    /// The text of `column` for display; `None` for a missing or null cell.
    pub fn text(&self, column: &str) -> Option<String> {
        match column {
            PUNCTAJ => self.punctaj.map(|points| points.to_string()),
            ULTIMA_MOD => self.ultima_mod.map(|time| time.to_string()),
            other => match self.cells.get(other)? {
                Value::Null => None,
                Value::String(text) => Some(text.clone()),
                value => Some(value.to_string()),
            },
        }
    }
}

fn deserialize_lenient_points<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(number) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("PUNCTAJ is not an integer: {number}"))),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("PUNCTAJ is not a number: {text:?}"))),
        other => Err(D::Error::custom(format!(
            "PUNCTAJ must be a number or a numeric string, not {other}"
        ))),
    }
}

fn deserialize_lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<RecordedTime>, D::Error> {
    use serde::de::Error;
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => RecordedTime::parse(&text)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("ULTIMA_MOD is not a timestamp: {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{city, employee, institution};
    use chrono::{NaiveDate, TimeZone};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Each expected value was also checked against the SQL expression in the doc of [`slug`] on
    /// PostgreSQL 15.
    #[test]
    fn slug_examples() {
        for (name, expected) in [
            ("Saint Denis", "Saint_Denis"),
            ("Poliție Rutieră", "Politie_Rutiera"),
            ("<script>alert(1)</script>", "script_alert_1_script"),
            ("Saint_Denis", "Saint_Denis"),
            ("BlackWater", "BlackWater"),
            ("Spitalul-Județean", "Spitalul-Judetean"),
            ("  Șerif   ȘEF  ", "Serif_SEF"),
            ("a__b", "a_b"),
            ("Straße", "Strase"),
            ("Łódź", "Lodz"),
            ("ÆØÅ æøå Œ", "OA_oa"),
            ("", "_"),
            ("   ", "_"),
            ("日本", "_"),
            ("__", "_"),
            ("-", "-"),
            ("../etc/passwd", "etc_passwd"),
        ] {
            assert_eq!(slug(name), expected, "{name:?}");
        }
    }

    #[test]
    fn same_name_ignores_case_and_what_the_slug_folds() {
        for (a, b) in [
            ("Saint_Denis", "Saint Denis"),
            ("Politie", "Poliție"),
            ("BLACKWATER", "blackwater"),
            ("ȘERIF", "șerif"),
            ("  Valentine ", "Valentine"),
        ] {
            assert!(same_name(a, b), "{a:?} ~ {b:?}");
            assert!(same_name(b, a), "{b:?} ~ {a:?}");
        }
        for (a, b) in [
            ("Politie", "Medici"),
            ("Saint Denis", "SaintDenis"),
            ("a", "b"),
        ] {
            assert!(!same_name(a, b), "{a:?} !~ {b:?}");
        }
    }

    #[test]
    fn slug_output_is_always_a_safe_storage_segment() {
        let names = [
            "Valentine",
            "Saint Denis",
            "Poliție Rutieră",
            "a/b",
            "x\ty\nz",
            "Ăâî Șț",
            "日本 town",
            "_lead",
            "trail_",
            "$$$",
            "emoji 🚓 unit",
            "s\u{326}",
            "ǅ",
            "MIX-ed_99",
        ];
        for name in names {
            let slugged = slug(name);
            assert!(!slugged.is_empty());
            assert!(
                slugged
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{slugged}"
            );
            assert!(!slugged.contains("__"), "{slugged}");
            if slugged != "_" {
                assert!(
                    !slugged.starts_with('_') && !slugged.ends_with('_'),
                    "{slugged}"
                );
            }
            assert_eq!(slug(&slugged), slugged, "slug is idempotent on {name:?}");
        }
    }

    #[test]
    fn romanian_letters_keep_their_case() {
        // Existing keys and the SQL twin (app.slug) depend on this exact mapping.
        assert_eq!(slug("Țară Ţară"), "Tara_Tara");
        assert_eq!(slug("ĂÂÎȘȚ ăâîșț"), "AAIST_aaist");
    }

    #[test]
    fn every_table_character_slugs_to_its_partner() {
        for (from, to) in TRANSLITERATE_FROM.chars().zip(TRANSLITERATE_TO.chars()) {
            assert_eq!(slug(&format!("x{from}x")), format!("x{to}x"));
        }
    }

    #[test]
    fn object_key_uses_slugs_and_a_utc_stamp() {
        let at = Utc.with_ymd_and_hms(2026, 2, 18, 18, 13, 47).unwrap();
        assert_eq!(
            archive_object_key("Saint Denis", "Poliție Rutieră", at),
            "Saint_Denis/Politie_Rutiera_2026-02-18_18-13-47.json"
        );
        let padded = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
            + chrono::Duration::milliseconds(999);
        assert_eq!(
            archive_object_key("A", "B", padded),
            "A/B_2026-01-02_03-04-05.json"
        );
    }

    #[test]
    fn parses_the_keys_it_writes() {
        let at = Utc.with_ymd_and_hms(2026, 2, 18, 18, 13, 47).unwrap();
        let key = archive_object_key("Saint Denis", "Poliție Rutieră", at);
        assert_eq!(
            parse_archive_key(&key),
            Some(ArchiveKey {
                city_slug: "Saint_Denis".to_owned(),
                institution_slug: "Politie_Rutiera".to_owned(),
                stamp: at.naive_utc(),
                after_reset: false,
                compressed: false,
            })
        );
    }

    #[test]
    fn a_compressed_archive_is_the_same_archive_under_its_gz_key() {
        let at = Utc.with_ymd_and_hms(2026, 2, 18, 18, 13, 47).unwrap();
        let key = archive_object_key("Saint Denis", "Politie", at);
        let stored = compressed_key(&key);
        assert_eq!(stored, "Saint_Denis/Politie_2026-02-18_18-13-47.json.gz");
        let parsed = parse_archive_key(&stored).unwrap();
        assert!(parsed.compressed);
        assert_eq!(
            ArchiveKey {
                compressed: false,
                ..parsed
            },
            parse_archive_key(&key).unwrap()
        );
        assert_eq!(plain_key(&stored), key);
        assert_eq!(plain_key(&key), key);
        assert_eq!(plain_key("notes.gz"), "notes.gz");
        for not_a_key in [
            "Saint_Denis/Politie_2026-02-18_18-13-47.gz",
            "Saint_Denis/Politie_2026-02-18_18-13-47.json.gz.gz",
            "Saint_Denis/Politie_2026-02-18_18-13-47.json.zip",
        ] {
            assert_eq!(parse_archive_key(not_a_key), None, "{not_a_key}");
        }
    }

    #[test]
    fn archives_above_the_threshold_are_compressed() {
        assert!(!should_compress(COMPRESS_ABOVE_BYTES));
        assert!(should_compress(COMPRESS_ABOVE_BYTES + 1));
    }

    #[test]
    fn parses_legacy_after_reset_keys() {
        let parsed =
            parse_archive_key("BlackWater/Politie_2026-02-18_18-13-47_AFTER_RESET.json").unwrap();
        assert!(parsed.after_reset);
        assert_eq!(parsed.institution_slug, "Politie");
        assert_eq!(
            parsed.stamp,
            NaiveDate::from_ymd_opt(2026, 2, 18)
                .unwrap()
                .and_hms_opt(18, 13, 47)
                .unwrap()
        );
    }

    #[test]
    fn rejects_what_is_not_an_archive_key() {
        for key in [
            "",
            "Politie_2026-02-18_18-13-47.json",
            "/Politie_2026-02-18_18-13-47.json",
            "BlackWater/_2026-02-18_18-13-47.json",
            "BlackWater/2026-02-18_18-13-47.json",
            "balcaniwest/BlackWater/Politie_2026-02-18_18-13-47.json",
            "BlackWater/Politie_2026-02-18_18-13-47.csv",
            "BlackWater/Politie_2026-02-18_18-13-47",
            "BlackWater/Politie-2026-02-18_18-13-47.json",
            "BlackWater/Politie_2026-02-30_18-13-47.json",
            "BlackWater/Politie_2026-2-18_18-13-477.json",
            "BlackWater/Politie_2026-02-18 18:13:47.json",
            "BlackWater/.emptyFolderPlaceholder",
            "BlackWater/Poliție_2026-02-18_18-13-47.json\u{0}",
        ] {
            assert_eq!(parse_archive_key(key), None, "{key:?}");
        }
    }

    #[test]
    fn institution_slugs_may_contain_underscores_and_non_ascii_before_the_stamp() {
        let parsed =
            parse_archive_key("Saint_Denis/Politie_Rutiera_2026-02-18_18-13-47.json").unwrap();
        assert_eq!(parsed.city_slug, "Saint_Denis");
        assert_eq!(parsed.institution_slug, "Politie_Rutiera");
        let parsed = parse_archive_key("Oraș/Poliție_2026-02-18_18-13-47.json").unwrap();
        assert_eq!(parsed.institution_slug, "Poliție");
    }

    fn sample_snapshot() -> Snapshot {
        let mut politie = institution(2, 1, "Poliție", &["Offiter", "Caporal"]);
        politie.columns = ["DISCORD", "NUME IC", RANK, ROLE, PUNCTAJ, ULTIMA_MOD]
            .map(str::to_owned)
            .to_vec();
        politie.revision = 17;
        let changed = Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap()
            + chrono::Duration::microseconds(5);
        let mut low = employee("00000000-0000-0000-0000-000000000002", 2, 1, 3);
        low.fields.insert("DISCORD".to_owned(), "Aly".to_owned());
        let mut high = employee("00000000-0000-0000-0000-000000000001", 2, 2, 44);
        high.fields
            .insert("DISCORD".to_owned(), "Sintact".to_owned());
        high.fields
            .insert("NUME IC".to_owned(), "Rocky Jay".to_owned());
        high.ultima_mod = Some(changed);
        let mut deleted = employee("00000000-0000-0000-0000-000000000003", 2, 1, 100);
        deleted.deleted_at = Some(changed);
        let other_institution = employee("00000000-0000-0000-0000-000000000004", 9, 1, 100);
        Snapshot {
            cities: vec![city(1, "Saint Denis")],
            institutions: vec![politie, institution(9, 1, "Medici", &[])],
            employees: vec![low, high, deleted, other_institution],
        }
    }

    fn author() -> ArchiveAuthor {
        ArchiveAuthor {
            name: "parjanu".to_owned(),
            discord_id: Some("703316932232872016".to_owned()),
            user_id: "9f0e0000-0000-0000-0000-000000000000".to_owned(),
        }
    }

    #[test]
    fn from_snapshot_archives_the_live_employees_of_one_institution() {
        let at = Utc.with_ymd_and_hms(2026, 3, 8, 9, 0, 1).unwrap();
        let document =
            ArchiveDocument::from_snapshot(&sample_snapshot(), 2, &author(), at).unwrap();

        assert_eq!(document.format.as_deref(), Some(ARCHIVE_FORMAT));
        assert_eq!(document.archived_at, "2026-03-08 09:00:01");
        assert_eq!(document.archived_at_utc, Some(at));
        assert_eq!(document.city, "Saint Denis");
        assert_eq!(document.institution, "Poliție");
        assert_eq!(
            (document.city_id, document.institution_id),
            (Some(1), Some(2))
        );
        assert_eq!(document.reset_by, "parjanu");
        assert_eq!(document.discord_id, "703316932232872016");
        assert_eq!(
            document.reset_by_id.as_deref(),
            Some(author().user_id.as_str())
        );
        assert_eq!(document.revision, Some(17));
        assert_eq!(
            document.ranks,
            Some(vec!["Offiter".to_owned(), "Caporal".to_owned()])
        );
        assert_eq!(document.employee_count, 2);
        assert_eq!(document.recorded_total_points, Some(47));
        assert_eq!(document.total_points(), 47);
        assert!(!document.is_after_reset());

        // Highest score first, as the table shows it by default.
        let json = serde_json::to_value(&document).unwrap();
        assert_eq!(
            json["rows"][0],
            serde_json::json!({
                "id": "00000000-0000-0000-0000-000000000001",
                "DISCORD": "Sintact",
                "NUME IC": "Rocky Jay",
                "RANK": "2",
                "ROLE": "Caporal",
                "PUNCTAJ": 44,
                "ULTIMA_MOD": "2026-03-07T12:28:40.000005Z"
            })
        );
        assert_eq!(json["rows"][1]["NUME IC"], "");
        assert_eq!(json["rows"][1]["ULTIMA_MOD"], Value::Null);
        assert_eq!(json["total_points"], 47);
        assert_eq!(json["archived_at_utc"], "2026-03-08T09:00:01.000000Z");
        assert!(json.get("status").is_none());
    }

    #[test]
    fn from_snapshot_round_trips_through_json() {
        let at = Utc.with_ymd_and_hms(2026, 3, 8, 9, 0, 1).unwrap();
        let document =
            ArchiveDocument::from_snapshot(&sample_snapshot(), 2, &author(), at).unwrap();
        let json = serde_json::to_string_pretty(&document).unwrap();
        assert_eq!(
            serde_json::from_str::<ArchiveDocument>(&json).unwrap(),
            document
        );
    }

    #[test]
    fn from_snapshot_refuses_missing_or_deleted_institutions() {
        let at = Utc.with_ymd_and_hms(2026, 3, 8, 9, 0, 1).unwrap();
        let mut snapshot = sample_snapshot();
        assert!(ArchiveDocument::from_snapshot(&snapshot, 404, &author(), at).is_none());
        snapshot.cities[0].deleted_at = Some(at);
        assert!(ArchiveDocument::from_snapshot(&snapshot, 2, &author(), at).is_none());
        snapshot.cities[0].deleted_at = None;
        snapshot.institutions[0].deleted_at = Some(at);
        assert!(ArchiveDocument::from_snapshot(&snapshot, 2, &author(), at).is_none());
    }

    fn minimal_archive(rows: &str) -> String {
        format!(
            r#"{{"archived_at": "2026-02-18 18:13:47", "institution": "Politie",
                "city": "BlackWater", "columns": ["DISCORD", "PUNCTAJ"],
                "employee_count": 1, "rows": {rows}}}"#
        )
    }

    #[test]
    fn reads_points_as_integer_or_numeric_string() {
        let document: ArchiveDocument = serde_json::from_str(&minimal_archive(
            r#"[{"PUNCTAJ": 5}, {"PUNCTAJ": " 44 "}, {"PUNCTAJ": null}, {"PUNCTAJ": ""}, {}]"#,
        ))
        .unwrap();
        let points: Vec<_> = document.rows.iter().map(|row| row.punctaj).collect();
        assert_eq!(points, [Some(5), Some(44), None, None, None]);
        assert_eq!(document.total_points(), 49);
        assert_eq!(document.reset_by, "");
    }

    #[test]
    fn refuses_points_that_are_not_numbers() {
        for bad in [r#""abc""#, "1.5", "true", "[1]"] {
            let text = minimal_archive(&format!(r#"[{{"PUNCTAJ": {bad}}}]"#));
            let error = serde_json::from_str::<ArchiveDocument>(&text).unwrap_err();
            assert!(error.to_string().contains("PUNCTAJ"), "{bad}: {error}");
        }
    }

    #[test]
    fn reads_both_legacy_time_formats() {
        let document: ArchiveDocument = serde_json::from_str(&minimal_archive(
            r#"[{"ULTIMA_MOD": "2026-02-18 18:13:47"},
                {"ULTIMA_MOD": "2026-02-14T23:28:19.394423+00:00"},
                {"ULTIMA_MOD": ""}]"#,
        ))
        .unwrap();
        let times: Vec<_> = document.rows.iter().map(|row| row.ultima_mod).collect();
        assert!(matches!(times[0], Some(RecordedTime::WallClock(_))));
        assert_eq!(
            times[1].and_then(|time| time.instant()),
            Some(
                Utc.with_ymd_and_hms(2026, 2, 14, 23, 28, 19).unwrap()
                    + chrono::Duration::microseconds(394_423)
            )
        );
        assert_eq!(times[2], None);
        assert!(
            serde_json::from_str::<ArchiveDocument>(&minimal_archive(
                r#"[{"ULTIMA_MOD": "ieri"}]"#
            ))
            .is_err()
        );
    }

    #[test]
    fn ignores_unknown_fields_and_requires_rows() {
        let with_extra = minimal_archive(r#"[{"DISCORD": "x", "source": "local"}]"#)
            .replace("\"city\"", "\"future_field\": {\"a\": 1}, \"city\"");
        let document: ArchiveDocument = serde_json::from_str(&with_extra).unwrap();
        assert_eq!(document.rows[0].text("source").as_deref(), Some("local"));

        let without_rows = r#"{"archived_at": "x", "institution": "i", "city": "c",
            "columns": [], "employee_count": 0}"#;
        let error = serde_json::from_str::<ArchiveDocument>(without_rows).unwrap_err();
        assert!(error.to_string().contains("rows"), "{error}");
    }

    #[test]
    fn row_text_renders_every_kind_of_cell() {
        let row: ArchiveRow = serde_json::from_str(
            r#"{"id": 12, "RANK": "3", "PUNCTAJ": "7", "ULTIMA_MOD": "2026-02-18 18:13:47",
                "NOTE": null}"#,
        )
        .unwrap();
        assert_eq!(row.text("id").as_deref(), Some("12"));
        assert_eq!(row.text("RANK").as_deref(), Some("3"));
        assert_eq!(row.text(PUNCTAJ).as_deref(), Some("7"));
        assert_eq!(row.text(ULTIMA_MOD).as_deref(), Some("2026-02-18 18:13:47"));
        assert_eq!(row.text("NOTE"), None);
        assert_eq!(row.text("MISSING"), None);
    }

    #[test]
    fn after_reset_is_read_from_the_status() {
        let mut document: ArchiveDocument = serde_json::from_str(&minimal_archive("[]")).unwrap();
        assert!(!document.is_after_reset());
        document.status = Some("after_reset".to_owned());
        assert!(document.is_after_reset());
    }
}
