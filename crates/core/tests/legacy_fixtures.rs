//! The real files of the legacy desktop app (copied from `shared/reference/legacy/`) read through
//! the public API, so old archives and institution files keep opening.

use chrono::NaiveDate;
use punctaj_core::archive::{ArchiveDocument, parse_archive_key};
use punctaj_core::legacy::LegacyInstitution;
use punctaj_core::model::{PUNCTAJ, ROLE, ULTIMA_MOD};
use punctaj_core::time::RecordedTime;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const PRE_RESET: &str =
    include_str!("fixtures/legacy/arhiva_BlackWater_Politie_2026-02-18_18-13-47.json");
const AFTER_RESET: &str =
    include_str!("fixtures/legacy/arhiva_BlackWater_Politie_2026-02-18_18-13-47_AFTER_RESET.json");
const INSTITUTION: &str = include_str!("fixtures/legacy/data_balcaniwest_BlackWater_Politie.json");

fn reset_moment() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 2, 18)
        .unwrap()
        .and_hms_opt(18, 13, 47)
        .unwrap()
}

#[test]
fn pre_reset_archive_keeps_the_scores() {
    let archive: ArchiveDocument = serde_json::from_str(PRE_RESET).unwrap();
    assert_eq!(archive.city, "BlackWater");
    assert_eq!(archive.institution, "Politie");
    assert_eq!(archive.reset_by, "parjanu");
    assert_eq!(archive.discord_id, "703316932232872016");
    assert_eq!(archive.archived_at, "2026-02-18 18:13:47");
    assert_eq!(archive.employee_count, 9);
    assert_eq!(archive.rows.len(), 9);
    assert_eq!(archive.total_points(), 38);
    assert!(!archive.is_after_reset());
    assert_eq!(archive.format, None);
    assert_eq!(archive.recorded_total_points, None);

    let gustavo = &archive.rows[0];
    assert_eq!(gustavo.text("DISCORD").as_deref(), Some("GUSTAVO"));
    assert_eq!(gustavo.text("id").as_deref(), Some("12"));
    assert_eq!(gustavo.text(ROLE).as_deref(), Some("Sergent"));
    assert_eq!(gustavo.text(PUNCTAJ).as_deref(), Some("5"));
    assert!(
        archive
            .rows
            .iter()
            .all(|row| matches!(row.ultima_mod, Some(RecordedTime::Utc(_)))),
        "the pre-reset rows came from the cloud, with ISO times"
    );
    assert_eq!(
        gustavo.text(ULTIMA_MOD).as_deref(),
        Some("2026-02-14T23:28:19.394423Z")
    );
}

#[test]
fn after_reset_archive_is_recognised_and_zeroed() {
    let archive: ArchiveDocument = serde_json::from_str(AFTER_RESET).unwrap();
    assert!(archive.is_after_reset());
    assert_eq!(
        archive.reset_timestamp.as_deref(),
        Some("2026-02-18_18-13-47")
    );
    assert_eq!(archive.total_points(), 0);
    assert!(
        archive
            .rows
            .iter()
            .all(|row| row.ultima_mod == Some(RecordedTime::WallClock(reset_moment())))
    );

    let before: ArchiveDocument = serde_json::from_str(PRE_RESET).unwrap();
    let names = |archive: &ArchiveDocument| -> Vec<Option<String>> {
        archive.rows.iter().map(|row| row.text("DISCORD")).collect()
    };
    assert_eq!(names(&archive), names(&before), "same members, same order");
}

#[test]
fn legacy_archive_keys_carry_the_reset_moment() {
    let pre = parse_archive_key("BlackWater/Politie_2026-02-18_18-13-47.json").unwrap();
    let after =
        parse_archive_key("BlackWater/Politie_2026-02-18_18-13-47_AFTER_RESET.json").unwrap();
    assert_eq!(pre.stamp, reset_moment());
    assert_eq!(after.stamp, pre.stamp);
    assert!(!pre.after_reset);
    assert!(after.after_reset);
}

#[test]
fn institution_file_reads_with_its_ladder_and_string_scores() {
    let institution = LegacyInstitution::from_json(INSTITUTION).unwrap();
    assert_eq!(
        institution.columns,
        [
            "DISCORD",
            "NUME IC",
            "SERIE DE BULETIN",
            "RANK",
            "ROLE",
            "PUNCTAJ",
            "ULTIMA_MOD"
        ]
    );
    assert_eq!(
        institution.ranks,
        [
            "Offiter",
            "Caporal",
            "Sergent",
            "Plutonier",
            "Locotenent Instructor",
            "Sherif Adjunct",
            "Sherif"
        ]
    );
    assert_eq!(
        institution.last_points_change,
        RecordedTime::parse("2026-03-07 12:28:40")
    );
    assert_eq!(institution.rows.len(), 11);
    assert_eq!(
        institution.rows.iter().map(|row| row.punctaj).sum::<i32>(),
        213
    );

    let sintact = &institution.rows[0];
    assert_eq!((sintact.rank, sintact.punctaj), (6, 44));
    assert_eq!(sintact.fields["DISCORD"], "Sintact");
    assert_eq!(sintact.fields["NUME IC"], "Rocky Jay");
    assert_eq!(sintact.fields["SERIE DE BULETIN"], "J82B48Z62");
    assert_eq!(
        sintact.fields.len(),
        3,
        "fixed columns are not custom fields"
    );
}

#[test]
fn institution_file_roles_match_the_ladder() {
    let institution = LegacyInstitution::from_json(INSTITUTION).unwrap();
    let raw: serde_json::Value = serde_json::from_str(INSTITUTION).unwrap();
    for (row, raw_row) in institution.rows.iter().zip(raw["rows"].as_array().unwrap()) {
        let role = &institution.ranks[usize::try_from(row.rank - 1).unwrap()];
        assert_eq!(raw_row["ROLE"], role.as_str());
    }
}
