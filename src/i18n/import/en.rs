//! English.

use super::{ImportTexts, ProblemKind};
use crate::api::ImportCounts;

fn problem_kind(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::InvalidJson => "invalid JSON",
        ProblemKind::UnknownFormat => "unknown format",
        ProblemKind::BadPoints => "a PUNCTAJ that is not a number",
        ProblemKind::BadRank => "a RANK that is not a rank number",
        ProblemKind::BadTime => "a time that cannot be read",
        ProblemKind::DuplicateEmployee => "a duplicate employee",
        ProblemKind::RankWithoutRole => "a rank without a role",
        ProblemKind::NoEmployeeKey => "employees that cannot be told apart",
        ProblemKind::ArchiveMismatch => "an archive whose name and content disagree",
        ProblemKind::ArchiveConflict => "an archive that exists in the cloud with other content",
        ProblemKind::TooLarge => "file too large",
        ProblemKind::BadZip => "a zip that cannot be read",
        ProblemKind::ZipBomb => "a zip that inflates far beyond its size (zip bomb)",
        ProblemKind::BadPath => "a file name that is refused",
        ProblemKind::NotText => "not UTF-8 text",
        ProblemKind::Other => "cannot be imported",
    }
}

fn result_counts(counts: &ImportCounts) -> String {
    format!(
        "{} cities, {} institutions and {} employees added; {} employees and {} institutions updated; {} archives, {} history entries, {} invitations.",
        counts.cities_created,
        counts.institutions_created,
        counts.employees_created,
        counts.employees_updated,
        counts.institutions_updated,
        counts.archives_recorded,
        counts.audit_imported,
        counts.invites_saved,
    )
}

pub static EN: ImportTexts = ImportTexts {
    nav: "Import",
    title: "Import from the desktop app",
    intro: "Choose the folder of the old Punctaj Manager (the one holding data/ and arhiva/), or drop it here, or a .zip of it. Nothing is written before you confirm the preview; importing the same folder again changes nothing.",
    refused: "Only owners and administrators can import.",
    drop_hint: "Drop the folder, its files or a .zip here",
    pick_folder: "Choose the folder…",
    pick_files: "Choose files or a .zip…",
    reading: |done, total| format!("Reading files: {done} of {total}"),
    read_summary: |read, skipped| format!("{read} files read, {skipped} skipped"),
    server_label: "Server",
    server_choose: "Choose the server of this community…",
    server_hint: "The folder holds the data of several servers. Which one is this community? Files from folders without a server belong to the one you choose.",
    source_label: "Source of the tables",
    source_live: "data/ (the current tables)",
    source_backup: |stamp| format!("backup of {stamp}"),
    time_zone_label: "Time zone of the old app",
    time_zone_hint: "The old app wrote local times without a zone; they are converted to UTC from this one.",
    time_zone_unknown: |zone| format!("This browser does not know the time zone {zone}."),
    no_local_copy: "Waiting for the cloud data to be downloaded, to compare with it…",
    preview_title: "Preview",
    preview_summary: |new, changed, unchanged, archives_new, archives_present| {
        format!(
            "Employees: {new} new, {changed} changed, {unchanged} unchanged. Archives: {archives_new} new, {archives_present} already in the cloud."
        )
    },
    column_city: "City",
    column_institution: "Institution",
    column_status: "Status",
    column_new: "New",
    column_changed: "Changed",
    column_unchanged: "Unchanged",
    status_new: "new",
    status_changed: "changes",
    status_unchanged: "unchanged",
    score_change: |who, old, new| format!("{who}: {old} → {new}"),
    fields_change: |who| format!("{who}: details changed"),
    new_employee: |who, points| format!("{who}: new, {points} points"),
    archives_title: "Archives",
    archive_new: "new",
    archive_present: "already in the cloud",
    archive_after_reset: "after reset",
    problems_title: "Problems",
    problems_hint: "These files are left out; everything else can be imported.",
    problem_kind,
    skipped_title: "Skipped",
    invites_title: "Accounts from users_permissions.json",
    invites_hint: "The ticked accounts get these roles when they first sign in with Discord; until then they show as invited in Members.",
    invite_global: |role| format!("global role: {role}"),
    invite_admin_owner_only: "only an owner can invite an administrator",
    confirm: |files| format!("Import ({files} files)"),
    confirm_without_problems: |files, problems| {
        format!("Import {files} files, without the {problems} with problems")
    },
    nothing_to_import: "Nothing to import: the cloud already has all of it.",
    uploading: |done, total| format!("Storing archives: {done} of {total}"),
    importing: "Writing the data in one transaction…",
    result_changed: "Imported.",
    result_unchanged: "Nothing changed: the cloud already had all of it.",
    result_counts,
    error_upload: |key| format!("The archive {key} could not be stored; nothing was imported."),
    error_archive_taken: |key| {
        format!("The cloud already holds another file named {key}; nothing was imported.")
    },
    error_stale: "Someone changed the data since the preview; nothing was imported. The preview has been updated: check it and import again.",
    error_import: "The import failed; nothing was imported.",
    start_again: "Import another folder",
};
