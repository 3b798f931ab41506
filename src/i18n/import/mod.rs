//! The texts of the import page (the old desktop app's folder), apart from the rest because there
//! are many of them. Same rule as [`super::Texts`]: one field per message, both languages
//! `static`, so a message missing in one language does not compile.

mod en;
mod ro;

pub use en::EN;
pub use ro::RO;

/// Categories of problems, each with a plain name; the detail (which row, which value) follows in
/// the file's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    InvalidJson,
    UnknownFormat,
    BadPoints,
    BadRank,
    BadTime,
    DuplicateEmployee,
    RankWithoutRole,
    NoEmployeeKey,
    ArchiveMismatch,
    ArchiveConflict,
    TooLarge,
    BadZip,
    ZipBomb,
    BadPath,
    NotText,
    Other,
}

pub struct ImportTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub refused: &'static str,
    pub drop_hint: &'static str,
    pub pick_folder: &'static str,
    pub pick_files: &'static str,
    /// Files read so far, of all.
    pub reading: fn(u64, u64) -> String,
    pub read_summary: fn(usize, usize) -> String,
    pub server_label: &'static str,
    pub server_choose: &'static str,
    pub server_hint: &'static str,
    pub source_label: &'static str,
    pub source_live: &'static str,
    pub source_backup: fn(&str) -> String,
    pub time_zone_label: &'static str,
    pub time_zone_hint: &'static str,
    pub time_zone_unknown: fn(&str) -> String,
    pub no_local_copy: &'static str,
    pub preview_title: &'static str,
    /// New, changed, unchanged employees; new, present archives.
    pub preview_summary: fn(usize, usize, usize, usize, usize) -> String,
    pub column_city: &'static str,
    pub column_institution: &'static str,
    pub column_status: &'static str,
    pub column_new: &'static str,
    pub column_changed: &'static str,
    pub column_unchanged: &'static str,
    pub status_new: &'static str,
    pub status_changed: &'static str,
    pub status_unchanged: &'static str,
    /// Who, old score, new score.
    pub score_change: fn(&str, i64, i64) -> String,
    pub fields_change: fn(&str) -> String,
    pub new_employee: fn(&str, i64) -> String,
    pub archives_title: &'static str,
    pub archive_new: &'static str,
    pub archive_present: &'static str,
    pub archive_after_reset: &'static str,
    pub problems_title: &'static str,
    pub problems_hint: &'static str,
    pub problem_kind: fn(ProblemKind) -> &'static str,
    pub skipped_title: &'static str,
    pub invites_title: &'static str,
    pub invites_hint: &'static str,
    pub invite_global: fn(&str) -> String,
    pub invite_admin_owner_only: &'static str,
    pub confirm: fn(usize) -> String,
    pub confirm_without_problems: fn(usize, usize) -> String,
    pub nothing_to_import: &'static str,
    pub uploading: fn(u64, u64) -> String,
    pub importing: &'static str,
    pub result_changed: &'static str,
    pub result_unchanged: &'static str,
    /// Cities, institutions, employees created; employees updated; archives; audit entries; invites.
    pub result_counts: fn(&crate::api::ImportCounts) -> String,
    pub error_upload: fn(&str) -> String,
    pub error_archive_taken: fn(&str) -> String,
    pub error_stale: &'static str,
    pub error_import: &'static str,
    pub start_again: &'static str,
}
