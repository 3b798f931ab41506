//! A legacy reset archive (`arhiva/[<server>/]<City>/<Inst>_<stamp>[_AFTER_RESET].json`), read
//! with [`ArchiveDocument`] and checked against its own file name.
//!
//! The old app wrote the name and the content in the same function from the same clock reading,
//! so they agree in every genuine file; a file whose name and content disagree was renamed or
//! edited, and importing it would file one reset under another's key.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use thiserror::Error;

use super::path::ArchivePath;
use super::time_zone::LocalTimeZone;
use crate::archive::{ArchiveDocument, same_name};

/// `archived_at` in legacy archives: the local time of the reset.
const ARCHIVED_AT_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// `reset_timestamp` and file-name stamps.
const STAMP_FORMAT: &str = "%Y-%m-%d_%H-%M-%S";

/// A legacy archive whose name and content agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyArchive {
    pub document: ArchiveDocument,
    /// The city and institution as the content names them (real names, with spaces and
    /// diacritics; the folder names agree with them by [`same_name`]).
    pub city: String,
    pub institution: String,
    /// The reset moment in the old app's local time (from the name, else from `archived_at`).
    pub stamp: NaiveDateTime,
    pub after_reset: bool,
    /// Rows in the file (whatever its `employee_count` says).
    pub employee_count: usize,
    /// Sum of the rows' points.
    pub total_points: i64,
}

impl LegacyArchive {
    /// The reset moment in UTC: the exact instant when the archive recorded one (archives of
    /// this product), else the local stamp through `zone`; `None` when that local time does not
    /// exist in `zone`.
    pub fn instant(&self, zone: &dyn LocalTimeZone) -> Option<DateTime<Utc>> {
        self.document
            .archived_at_utc
            .or_else(|| zone.to_utc(self.stamp))
    }
}

/// What is wrong with an archive file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArchiveProblem {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not an archive: {0}")]
    NotAnArchive(String),
    #[error("the archive's name and content disagree: {0}")]
    NameContentDisagree(Disagreement),
    #[error("archived_at {0:?} is not a YYYY-MM-DD HH:MM:SS time")]
    ArchivedAt(String),
    #[error("a row has negative points")]
    NegativePoints,
}

/// Where an archive's name and content disagree.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Disagreement {
    #[error("the folder says city {name:?}, the content {content:?}")]
    City { name: String, content: String },
    #[error("the name says institution {name:?}, the content {content:?}")]
    Institution { name: String, content: String },
    #[error("the name says {name}, archived_at says {content:?}")]
    ArchivedAt { name: String, content: String },
    #[error("the name says {name}, reset_timestamp says {content:?}")]
    ResetTimestamp { name: String, content: String },
    #[error("the name says {}, the status says {}", after_reset_word(*name), after_reset_word(*content))]
    AfterReset { name: bool, content: bool },
}

fn after_reset_word(after_reset: bool) -> &'static str {
    if after_reset {
        "after the reset"
    } else {
        "before the reset"
    }
}

/// Reads the archive at `path` from its text.
///
/// # Errors
///
/// Invalid JSON, a document that is not an archive (missing legacy fields, a `PUNCTAJ` that is
/// not a number, an unreadable `ULTIMA_MOD`), negative points, or a name that disagrees with the
/// content: the city (for files in a city folder), the institution, the stamp against
/// `archived_at` and `reset_timestamp`, `_AFTER_RESET` against `status`.
pub fn read_archive(path: &ArchivePath, text: &str) -> Result<LegacyArchive, ArchiveProblem> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| ArchiveProblem::Json(error.to_string()))?;
    let document: ArchiveDocument = serde_json::from_value(value)
        .map_err(|error| ArchiveProblem::NotAnArchive(error.to_string()))?;
    if document
        .rows
        .iter()
        .any(|row| row.punctaj.is_some_and(|p| p < 0))
    {
        return Err(ArchiveProblem::NegativePoints);
    }
    let disagree = |what| Err(ArchiveProblem::NameContentDisagree(what));

    if let Some(city) = &path.city
        && !same_name(city, &document.city)
    {
        return disagree(Disagreement::City {
            name: city.clone(),
            content: document.city.clone(),
        });
    }
    let archived_at =
        NaiveDateTime::parse_from_str(document.archived_at.trim(), ARCHIVED_AT_FORMAT).ok();
    let content_after_reset = document.is_after_reset();
    let (stamp, after_reset) = match &path.name {
        Some(name) => {
            if !same_name(&name.institution, &document.institution) {
                return disagree(Disagreement::Institution {
                    name: name.institution.clone(),
                    content: document.institution.clone(),
                });
            }
            let written = name.stamp.format(STAMP_FORMAT).to_string();
            if archived_at != Some(name.stamp) {
                return disagree(Disagreement::ArchivedAt {
                    name: written,
                    content: document.archived_at.clone(),
                });
            }
            if let Some(reset_timestamp) = &document.reset_timestamp
                && reset_timestamp.trim() != written
            {
                return disagree(Disagreement::ResetTimestamp {
                    name: written,
                    content: reset_timestamp.clone(),
                });
            }
            if name.after_reset != content_after_reset {
                return disagree(Disagreement::AfterReset {
                    name: name.after_reset,
                    content: content_after_reset,
                });
            }
            (name.stamp, name.after_reset)
        }
        // A loose file renamed by hand: only its content can say when it was taken.
        None => match archived_at {
            Some(stamp) => (stamp, content_after_reset),
            None => return Err(ArchiveProblem::ArchivedAt(document.archived_at.clone())),
        },
    };

    Ok(LegacyArchive {
        city: document.city.trim().to_owned(),
        institution: document.institution.trim().to_owned(),
        stamp,
        after_reset,
        employee_count: document.rows.len(),
        total_points: document.total_points(),
        document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::path::{FileClass, classify};
    use crate::legacy::time_zone::FixedZone;
    use chrono::{FixedOffset, TimeZone};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn archive_path(path: &str) -> ArchivePath {
        match classify(path) {
            Ok(FileClass::Archive(found)) => found,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn text(extra: &str) -> String {
        format!(
            r#"{{"archived_at": "2026-02-18 18:13:47", "institution": "Poliție", "city": "Saint Denis",
                "reset_by": "parjanu", "columns": ["DISCORD", "PUNCTAJ"], "employee_count": 5,
                "rows": [{{"DISCORD": "a", "PUNCTAJ": "7"}}, {{"DISCORD": "b", "PUNCTAJ": 3}}]{extra}}}"#
        )
    }

    #[test]
    fn an_agreeing_archive_counts_its_rows_and_points() {
        let path = archive_path("arhiva/Saint_Denis/Politie_2026-02-18_18-13-47.json");
        let archive = read_archive(&path, &text("")).unwrap();
        assert_eq!(
            (archive.city.as_str(), archive.institution.as_str()),
            ("Saint Denis", "Poliție")
        );
        assert_eq!(
            archive.employee_count, 2,
            "counted, not copied from employee_count"
        );
        assert_eq!(archive.total_points, 10);
        assert!(!archive.after_reset);
        let bucharest = FixedZone::new("Europe/Bucharest", FixedOffset::east_opt(7200).unwrap());
        assert_eq!(
            archive.instant(&bucharest),
            Some(Utc.with_ymd_and_hms(2026, 2, 18, 16, 13, 47).unwrap())
        );
    }

    #[test]
    fn after_reset_needs_both_the_name_and_the_status() {
        let after = text(r#", "status": "after_reset", "reset_timestamp": "2026-02-18_18-13-47""#);
        let named =
            archive_path("arhiva/s/Saint_Denis/Politie_2026-02-18_18-13-47_AFTER_RESET.json");
        assert!(read_archive(&named, &after).unwrap().after_reset);

        let plain = archive_path("arhiva/Saint_Denis/Politie_2026-02-18_18-13-47.json");
        assert_eq!(
            read_archive(&plain, &after),
            Err(ArchiveProblem::NameContentDisagree(
                Disagreement::AfterReset {
                    name: false,
                    content: true
                }
            ))
        );
        assert!(matches!(
            read_archive(&named, &text("")),
            Err(ArchiveProblem::NameContentDisagree(
                Disagreement::AfterReset { name: true, .. }
            ))
        ));
    }

    #[test]
    fn a_renamed_archive_is_refused() {
        for (path, extra, what) in [
            (
                "arhiva/Valentine/Politie_2026-02-18_18-13-47.json",
                "",
                "city",
            ),
            (
                "arhiva/Saint_Denis/Medici_2026-02-18_18-13-47.json",
                "",
                "institution",
            ),
            (
                "arhiva/Saint_Denis/Politie_2026-02-18_18-13-48.json",
                "",
                "archived_at",
            ),
            (
                "arhiva/Saint_Denis/Politie_2026-02-18_18-13-47_AFTER_RESET.json",
                r#", "status": "after_reset", "reset_timestamp": "2026-02-18_18-00-00""#,
                "reset_timestamp",
            ),
        ] {
            let error = read_archive(&archive_path(path), &text(extra)).unwrap_err();
            assert!(
                matches!(error, ArchiveProblem::NameContentDisagree(_)),
                "{path}: {error}"
            );
            assert!(error.to_string().contains(what), "{path}: {error}");
        }
    }

    #[test]
    fn a_loose_archive_takes_its_city_and_moment_from_the_content() {
        let loose = ArchivePath {
            server: None,
            city: None,
            name: None,
        };
        let archive = read_archive(&loose, &text("")).unwrap();
        assert_eq!(archive.city, "Saint Denis");
        assert_eq!(archive.stamp.to_string(), "2026-02-18 18:13:47");
        let broken = text("").replace("2026-02-18 18:13:47", "ieri");
        assert_eq!(
            read_archive(&loose, &broken),
            Err(ArchiveProblem::ArchivedAt("ieri".to_owned()))
        );
    }

    #[test]
    fn unreadable_archives_say_why() {
        let path = archive_path("arhiva/Saint_Denis/Politie_2026-02-18_18-13-47.json");
        assert!(matches!(
            read_archive(&path, "{"),
            Err(ArchiveProblem::Json(_))
        ));
        assert!(matches!(
            read_archive(&path, "[]"),
            Err(ArchiveProblem::NotAnArchive(_))
        ));
        let bad_points = text("").replace(r#""PUNCTAJ": "7""#, r#""PUNCTAJ": "seven""#);
        assert!(matches!(
            read_archive(&path, &bad_points),
            Err(ArchiveProblem::NotAnArchive(message)) if message.contains("PUNCTAJ")
        ));
        let negative = text("").replace(r#""PUNCTAJ": 3"#, r#""PUNCTAJ": -3"#);
        assert_eq!(
            read_archive(&path, &negative),
            Err(ArchiveProblem::NegativePoints)
        );
    }
}
