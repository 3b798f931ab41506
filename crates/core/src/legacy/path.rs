//! What a file of the legacy folder is, from its path alone, before anything reads it.
//!
//! Paths are relative, `/`-separated, as the browser gives them (`webkitRelativePath`, e.g.
//! `Punctaj/data/balcaniwest/BlackWater/Politie.json`) or as a zip names its entries. The first
//! directory called `data`, `arhiva` or `logs` (any ASCII case) anchors the layout of
//! ORIGINAL_APP.md §2; whatever stands before it is the folder the user picked and is ignored.
//! A path without an anchor is a backup folder (`backup_<stamp>/…`) or a loose file.
//!
//! Classifying before reading is what keeps secrets out: a key file is [`SkipReason::SecretKey`]
//! whatever its place, and the app reads only files whose [`FileClass::read_limit`] is `Some`.

use chrono::NaiveDateTime;
use thiserror::Error;

/// Largest JSON file read; a larger one is the problem "file too large" (the real files are a
/// few KiB, a big community's audit log well under 1 MiB).
pub const MAX_JSON_SIZE: u64 = 8 * 1024 * 1024;
/// Largest zip file read (a zip of the whole folder, or a backup zip).
pub const MAX_ZIP_SIZE: u64 = 256 * 1024 * 1024;
/// Longest path accepted; real ones are under 200 bytes.
pub const MAX_PATH_LEN: usize = 1024;

/// The stamp in archive file names (`Politie_2026-02-18_18-13-47.json`), local time.
const ARCHIVE_STAMP_FORMAT: &str = "%Y-%m-%d_%H-%M-%S";
/// The stamp in backup folder names (`backup_20260218_181347`), local time.
const BACKUP_STAMP_FORMAT: &str = "%Y%m%d_%H%M%S";
const AFTER_RESET_SUFFIX: &str = "_AFTER_RESET";
const AUDIT_FILE: &str = "audit_logs.json";
const PERMISSIONS_FILE: &str = "users_permissions.json";

/// Where institution files (and the audit and permission copies beside them) come from: the live
/// `data/` folder, or one of the backups the old app took of it every five minutes.
///
/// Sources are alternatives: an import uses exactly one, so nothing is imported twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceId {
    /// `data/` itself.
    Live,
    /// `backup_<stamp>` (a folder or a zip), by its local-time stamp.
    Backup(NaiveDateTime),
}

/// The source and server a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub source: SourceId,
    /// The `data/<server>/` folder name; `None` for the layout from before servers, for backups
    /// (they copy one server's folder without naming it) and for loose files.
    pub server: Option<String>,
}

/// `data/[<server>/]<City>/<Institution>.json`, or `<City>/<Institution>.json` in a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionPath {
    pub place: Place,
    /// Display names: folder names use `_` for spaces.
    pub city: String,
    pub institution: String,
}

/// What an archive's file name says: `<Institution>_<stamp>[_AFTER_RESET].json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveName {
    /// Display name.
    pub institution: String,
    /// The reset moment, in the old app's local time.
    pub stamp: NaiveDateTime,
    pub after_reset: bool,
}

/// An archive: `arhiva/[<server>/]<City>/<name>`, or a loose file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivePath {
    pub server: Option<String>,
    /// Display name; `None` for a loose file, whose city comes from its content.
    pub city: Option<String>,
    /// `None` for a loose file recognised by its content only.
    pub name: Option<ArchiveName>,
}

/// What a file is, by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileClass {
    /// A live table (or a backup's copy of one).
    Institution(InstitutionPath),
    /// A reset archive.
    Archive(ArchivePath),
    /// `audit_logs.json`.
    AuditLog(Place),
    /// `users_permissions.json`.
    Permissions(Place),
    /// `arhiva/backups/backup_<stamp>.zip`: a zipped copy of `data/<server>/`.
    BackupZip(NaiveDateTime),
    /// A dropped `.zip`: the whole folder, zipped.
    FolderZip,
    /// A dropped `.json` whose kind only its content tells.
    Loose,
    /// Not imported, and never read.
    Skipped(SkipReason),
}

impl FileClass {
    /// How many bytes the app may read of such a file; `None`: do not read it at all.
    pub fn read_limit(&self) -> Option<u64> {
        match self {
            Self::Skipped(_) => None,
            Self::BackupZip(_) | Self::FolderZip => Some(MAX_ZIP_SIZE),
            _ => Some(MAX_JSON_SIZE),
        }
    }

    /// The server folder the file sits in, if any.
    pub fn server(&self) -> Option<&str> {
        match self {
            Self::Institution(path) => path.place.server.as_deref(),
            Self::Archive(path) => path.server.as_deref(),
            Self::AuditLog(place) | Self::Permissions(place) => place.server.as_deref(),
            _ => None,
        }
    }
}

/// Why a file is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum SkipReason {
    #[error("a secret key: never read, never uploaded")]
    SecretKey,
    #[error("not a JSON file")]
    NotJson,
    #[error("a monthly CSV export (the archives hold the same data)")]
    MonthlyCsv,
    #[error("an encrypted local log")]
    EncryptedLog,
    #[error("a local log file")]
    LogFile,
    #[error("not in a place the old app wrote data to")]
    UnknownPlace,
    #[error("a zip inside a zip")]
    NestedZip,
    #[error("belongs to another server")]
    OtherServer,
    #[error("belongs to another source (the import uses one: data/ or one backup)")]
    OtherSource,
    #[error("an older copy: the same institution exists in data/<server>/")]
    OlderLayout,
    #[error("an identical copy of a file already imported")]
    IdenticalCopy,
    #[error("left out by the user")]
    Excluded,
}

/// A path that is refused outright: nothing at such a path is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum PathProblem {
    #[error("empty path")]
    Empty,
    #[error("path longer than {MAX_PATH_LEN} bytes")]
    TooLong,
    #[error("absolute path")]
    Absolute,
    #[error("path with a backslash")]
    Backslash,
    #[error("path with a control character")]
    ControlCharacter,
    #[error("path with an empty segment")]
    EmptySegment,
    #[error("path traversal (a `.` or `..` segment)")]
    Traversal,
}

/// Classifies `path`; see the module documentation.
///
/// # Errors
///
/// A [`PathProblem`] for an empty, over-long or absolute path, one with a backslash, a control
/// character (NUL included), an empty segment or a `.`/`..` segment.
pub fn classify(path: &str) -> Result<FileClass, PathProblem> {
    let segments = checked_segments(path)?;
    let (name, dirs) = segments
        .split_last()
        .expect("split always yields one segment");
    if is_secret(name) {
        return Ok(FileClass::Skipped(SkipReason::SecretKey));
    }
    if has_extension(name, "enc") {
        return Ok(FileClass::Skipped(SkipReason::EncryptedLog));
    }
    for (index, dir) in dirs.iter().enumerate() {
        let rest = &segments[index + 1..];
        if dir.eq_ignore_ascii_case("data") {
            return Ok(in_data(rest));
        }
        if dir.eq_ignore_ascii_case("arhiva") {
            return Ok(in_arhiva(rest));
        }
        if dir.eq_ignore_ascii_case("logs") {
            return Ok(FileClass::Skipped(SkipReason::LogFile));
        }
    }
    // Without an anchor: a backup folder picked or zipped on its own, else a loose file.
    for (index, dir) in dirs.iter().enumerate() {
        if let Some(stamp) = backup_stamp(dir) {
            return Ok(in_backup(stamp, &segments[index + 1..]));
        }
    }
    Ok(loose(&segments))
}

/// A folder name as the app shows it: the old app wrote spaces as `_`.
pub fn display_name(folder_name: &str) -> String {
    folder_name.replace('_', " ").trim().to_owned()
}

fn checked_segments(path: &str) -> Result<Vec<&str>, PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(PathProblem::TooLong);
    }
    if path.chars().any(char::is_control) {
        return Err(PathProblem::ControlCharacter);
    }
    if path.contains('\\') {
        return Err(PathProblem::Backslash);
    }
    let segments: Vec<&str> = path.split('/').collect();
    let first = segments[0].as_bytes();
    let drive_letter = first.len() == 2 && first[0].is_ascii_alphabetic() && first[1] == b':';
    if path.starts_with('/') || drive_letter {
        return Err(PathProblem::Absolute);
    }
    for segment in &segments {
        match *segment {
            "" => return Err(PathProblem::EmptySegment),
            "." | ".." => return Err(PathProblem::Traversal),
            _ => {}
        }
    }
    Ok(segments)
}

/// Key files by name. The old app committed its Fernet keys (`.encryption_key`, `.secure_key`)
/// and copied them into every backup; such names never denote data.
fn is_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let (stem, extension) = match lower.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, extension),
        _ => (lower.as_str(), ""),
    };
    (lower.starts_with('.') && lower.contains("key"))
        || matches!(extension, "key" | "pem" | "p12" | "pfx")
        || stem == "key"
        || stem.ends_with("_key")
        || stem.ends_with("-key")
        || lower.contains("secret")
        || lower.contains("credential")
}

fn has_extension(name: &str, extension: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, found)| !stem.is_empty() && found.eq_ignore_ascii_case(extension))
}

fn json_stem(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(".json".len())?;
    let (stem, extension) = (name.get(..split)?, name.get(split..)?);
    (extension.eq_ignore_ascii_case(".json") && !stem.is_empty()).then_some(stem)
}

/// `audit_logs.json` and `users_permissions.json`, by name.
fn named_file(name: &str, place: Place) -> Option<FileClass> {
    if name.eq_ignore_ascii_case(AUDIT_FILE) {
        Some(FileClass::AuditLog(place))
    } else if name.eq_ignore_ascii_case(PERMISSIONS_FILE) {
        Some(FileClass::Permissions(place))
    } else {
        None
    }
}

/// A file in no recognised place: not JSON, or JSON somewhere the old app never wrote.
fn elsewhere(name: &str) -> FileClass {
    if json_stem(name).is_some() || has_extension(name, "zip") {
        FileClass::Skipped(SkipReason::UnknownPlace)
    } else {
        FileClass::Skipped(SkipReason::NotJson)
    }
}

fn live(server: Option<&str>) -> Place {
    Place {
        source: SourceId::Live,
        server: server.map(str::to_owned),
    }
}

fn institution(place: Place, city: &str, file: &str) -> Option<FileClass> {
    json_stem(file).map(|stem| {
        FileClass::Institution(InstitutionPath {
            place,
            city: display_name(city),
            institution: display_name(stem),
        })
    })
}

/// Below `data/`.
fn in_data(rest: &[&str]) -> FileClass {
    match rest {
        [first, tail @ ..] if !tail.is_empty() && backup_stamp(first).is_some() => {
            in_backup(backup_stamp(first).expect("checked"), tail)
        }
        [name] => backup_zip(name)
            .or_else(|| named_file(name, live(None)))
            .unwrap_or_else(|| elsewhere(name)),
        // `data/<server>/audit_logs.json`, else the layout from before servers.
        [folder, name] => named_file(name, live(Some(folder)))
            .or_else(|| institution(live(None), folder, name))
            .unwrap_or_else(|| elsewhere(name)),
        [server, city, name] => {
            institution(live(Some(server)), city, name).unwrap_or_else(|| elsewhere(name))
        }
        _ => elsewhere(rest.last().copied().unwrap_or_default()),
    }
}

/// Below `arhiva/`.
fn in_arhiva(rest: &[&str]) -> FileClass {
    match rest {
        [first, tail @ ..] if !tail.is_empty() && backup_stamp(first).is_some() => {
            in_backup(backup_stamp(first).expect("checked"), tail)
        }
        [backups, first, tail @ ..]
            if backups.eq_ignore_ascii_case("backups")
                && !tail.is_empty()
                && backup_stamp(first).is_some() =>
        {
            in_backup(backup_stamp(first).expect("checked"), tail)
        }
        [name] => backup_zip(name).unwrap_or_else(|| elsewhere(name)),
        [backups, name] if backups.eq_ignore_ascii_case("backups") => {
            backup_zip(name).unwrap_or_else(|| elsewhere(name))
        }
        [city, name] => archive(None, city, name),
        [server, city, name] => archive(Some(server), city, name),
        _ => elsewhere(rest.last().copied().unwrap_or_default()),
    }
}

fn archive(server: Option<&str>, city: &str, name: &str) -> FileClass {
    if has_extension(name, "csv") {
        return FileClass::Skipped(SkipReason::MonthlyCsv);
    }
    match archive_name(name) {
        Some(name) => FileClass::Archive(ArchivePath {
            server: server.map(str::to_owned),
            city: Some(display_name(city)),
            name: Some(name),
        }),
        None => elsewhere(name),
    }
}

/// Inside a backup (a copy of `data/<server>/`): `<City>/<Inst>.json` and the server's files.
fn in_backup(stamp: NaiveDateTime, rest: &[&str]) -> FileClass {
    // A zipped backup may hold its own folder at the root.
    let rest = match rest {
        [first, tail @ ..] if !tail.is_empty() && backup_stamp(first) == Some(stamp) => tail,
        _ => rest,
    };
    let place = Place {
        source: SourceId::Backup(stamp),
        server: None,
    };
    match rest {
        [name] => named_file(name, place).unwrap_or_else(|| elsewhere(name)),
        [city, name] => institution(place, city, name).unwrap_or_else(|| elsewhere(name)),
        _ => elsewhere(rest.last().copied().unwrap_or_default()),
    }
}

/// Outside `data/`, `arhiva/`, `logs/` and any backup.
fn loose(segments: &[&str]) -> FileClass {
    let name = segments[segments.len() - 1];
    if let Some(name) = archive_name(name) {
        return FileClass::Archive(ArchivePath {
            server: None,
            city: None,
            name: Some(name),
        });
    }
    if let Some(class) = backup_zip(name).or_else(|| named_file(name, live(None))) {
        return class;
    }
    // Only a file dropped on its own is taken as loose: a folder that was picked holds the old
    // app's whole program folder too, whose other JSON files are no data.
    if segments.len() > 1 {
        return elsewhere(name);
    }
    if has_extension(name, "zip") {
        FileClass::FolderZip
    } else if json_stem(name).is_some() {
        FileClass::Loose
    } else {
        FileClass::Skipped(SkipReason::NotJson)
    }
}

fn backup_zip(name: &str) -> Option<FileClass> {
    let stem = name.strip_suffix(".zip")?;
    backup_stamp(stem).map(FileClass::BackupZip)
}

/// `backup_<YYYYMMDD_HHMMSS>`, or the same followed by `.zip` (the folder a zip's entries sit in).
fn backup_stamp(segment: &str) -> Option<NaiveDateTime> {
    let prefix = segment.get(..7)?;
    if !prefix.eq_ignore_ascii_case("backup_") {
        return None;
    }
    let stamp = segment[7..].strip_suffix(".zip").unwrap_or(&segment[7..]);
    exact_stamp(stamp, BACKUP_STAMP_FORMAT).or_else(|| exact_stamp(stamp, ARCHIVE_STAMP_FORMAT))
}

/// `<Institution>_<YYYY-MM-DD_HH-MM-SS>[_AFTER_RESET].json`. Institution names may contain `_`,
/// so the stamp is read from the end.
fn archive_name(name: &str) -> Option<ArchiveName> {
    let base = json_stem(name)?;
    let (base, after_reset) = match base.strip_suffix(AFTER_RESET_SUFFIX) {
        Some(base) => (base, true),
        None => (base, false),
    };
    let split = base.len().checked_sub("_YYYY-MM-DD_HH-MM-SS".len())?;
    if split == 0 || !base.is_char_boundary(split) {
        return None;
    }
    let (institution, stamp) = base.split_at(split);
    let stamp = exact_stamp(stamp.strip_prefix('_')?, ARCHIVE_STAMP_FORMAT)?;
    let institution = display_name(institution);
    (!institution.is_empty()).then_some(ArchiveName {
        institution,
        stamp,
        after_reset,
    })
}

/// chrono accepts unpadded fields; the old app always wrote them zero-padded.
fn exact_stamp(text: &str, format: &str) -> Option<NaiveDateTime> {
    let parsed = NaiveDateTime::parse_from_str(text, format).ok()?;
    (parsed.format(format).to_string() == text).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    fn institution_at(path: &str) -> InstitutionPath {
        match classify(path) {
            Ok(FileClass::Institution(found)) => found,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn archive_at(path: &str) -> ArchivePath {
        match classify(path) {
            Ok(FileClass::Archive(found)) => found,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn skipped(path: &str) -> SkipReason {
        match classify(path) {
            Ok(FileClass::Skipped(why)) => why,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn institution_files_in_both_layouts() {
        let current = institution_at("Punctaj/data/balcaniwest/Saint_Denis/Politie.json");
        assert_eq!(current.place, live(Some("balcaniwest")));
        assert_eq!(
            (current.city.as_str(), current.institution.as_str()),
            ("Saint Denis", "Politie")
        );
        let old = institution_at("data/BlackWater/Politie_Rutiera.JSON");
        assert_eq!(old.place, live(None));
        assert_eq!(old.institution, "Politie Rutiera");
        // The anchor is matched in any ASCII case; what precedes it is ignored.
        assert_eq!(
            institution_at("a/b/DATA/s/C/I.json"),
            institution_at("data/s/C/I.json")
        );
    }

    #[test]
    fn archives_in_both_layouts_before_and_after_reset() {
        let legacy =
            archive_at("Punctaj/arhiva/Saint_Denis/Politie_2026-02-01_16-49-49_AFTER_RESET.json");
        assert_eq!(legacy.server, None);
        assert_eq!(legacy.city.as_deref(), Some("Saint Denis"));
        let name = legacy.name.unwrap();
        assert_eq!(name.institution, "Politie");
        assert_eq!(name.stamp, at(2026, 2, 1, 16, 49, 49));
        assert!(name.after_reset);

        let scoped =
            archive_at("arhiva/balcaniwest/BlackWater/Politie_Rutiera_2026-02-18_18-13-47.json");
        assert_eq!(scoped.server.as_deref(), Some("balcaniwest"));
        let name = scoped.name.unwrap();
        assert_eq!(name.institution, "Politie Rutiera");
        assert!(!name.after_reset);

        assert_eq!(
            skipped("arhiva/BlackWater/Politie.json"),
            SkipReason::UnknownPlace
        );
        assert_eq!(
            skipped("arhiva/BlackWater/Politie_2026-2-18_18-13-47.json"),
            SkipReason::UnknownPlace
        );
        assert_eq!(
            skipped("arhiva/BlackWater/Politie.csv"),
            SkipReason::MonthlyCsv
        );
    }

    #[test]
    fn backups_are_sources_of_institution_files() {
        let stamp = at(2026, 2, 18, 18, 10, 0);
        for path in [
            "arhiva/backup_20260218_181000/BlackWater/Politie.json",
            "data/backup_20260218_181000/BlackWater/Politie.json",
            "backup_20260218_181000/BlackWater/Politie.json",
            "arhiva/backups/backup_20260218_181000.zip/BlackWater/Politie.json",
            "arhiva/backups/backup_20260218_181000.zip/backup_20260218_181000/BlackWater/Politie.json",
        ] {
            let found = institution_at(path);
            assert_eq!(found.place.source, SourceId::Backup(stamp), "{path}");
            assert_eq!(found.place.server, None, "{path}");
            assert_eq!(found.city, "BlackWater");
        }
        assert_eq!(
            classify("arhiva/backups/backup_20260218_181000.zip"),
            Ok(FileClass::BackupZip(stamp))
        );
        assert_eq!(
            classify("arhiva/backup_20260218_181000/users_permissions.json"),
            Ok(FileClass::Permissions(Place {
                source: SourceId::Backup(stamp),
                server: None
            }))
        );
        assert_eq!(
            skipped("arhiva/backup_20260218_181000/.encryption_key"),
            SkipReason::SecretKey
        );
        assert_eq!(skipped("arhiva/backups/notes.txt"), SkipReason::NotJson);
    }

    #[test]
    fn audit_and_permission_files_carry_their_server() {
        assert_eq!(
            classify("data/audit_logs.json"),
            Ok(FileClass::AuditLog(live(None)))
        );
        assert_eq!(
            classify("data/balcaniwest/users_permissions.json"),
            Ok(FileClass::Permissions(live(Some("balcaniwest"))))
        );
        assert_eq!(
            classify("audit_logs.json"),
            Ok(FileClass::AuditLog(live(None)))
        );
    }

    #[test]
    fn secrets_are_never_read_wherever_they_are() {
        for path in [
            ".encryption_key",
            "data/.encryption_key",
            "Punctaj/.secure_key",
            "data/balcaniwest/BlackWater/fernet.key",
            "data/balcaniwest/BlackWater/backup_key.json",
            "client_secret.json",
        ] {
            assert_eq!(skipped(path), SkipReason::SecretKey, "{path}");
            assert_eq!(classify(path).unwrap().read_limit(), None);
        }
        // An institution that merely contains the letters is no key.
        assert_eq!(
            institution_at("data/BlackWater/Turkey.json").institution,
            "Turkey"
        );
    }

    #[test]
    fn other_files_are_skipped_with_why() {
        assert_eq!(
            skipped("logs/balcaniwest/BlackWater/Politie.enc"),
            SkipReason::EncryptedLog
        );
        assert_eq!(
            skipped("Punctaj/logs/BlackWater/Politie.json"),
            SkipReason::LogFile
        );
        assert_eq!(
            skipped("logs/_pending_audit_logs.jsonl"),
            SkipReason::LogFile
        );
        assert_eq!(skipped("Punctaj/punctaj.py"), SkipReason::NotJson);
        assert_eq!(skipped("Punctaj/package.json"), SkipReason::UnknownPlace);
        assert_eq!(skipped("data/a/b/c/d.json"), SkipReason::UnknownPlace);
        assert_eq!(
            skipped("data/balcaniwest/BlackWater/Politie.txt"),
            SkipReason::NotJson
        );
        assert_eq!(skipped("Punctaj/old.zip"), SkipReason::UnknownPlace);
    }

    #[test]
    fn loose_files_are_recognised_later_by_content() {
        assert_eq!(classify("Politie.json"), Ok(FileClass::Loose));
        assert_eq!(classify("Punctaj.zip"), Ok(FileClass::FolderZip));
        assert_eq!(
            classify("backup_20260218_181000.zip"),
            Ok(FileClass::BackupZip(at(2026, 2, 18, 18, 10, 0)))
        );
        let archive = archive_at("Politie_2026-02-18_18-13-47.json");
        assert_eq!(archive.city, None);
        assert_eq!(archive.name.unwrap().stamp, at(2026, 2, 18, 18, 13, 47));
        // A picked sub-folder of arhiva/ still yields its archives.
        assert!(
            archive_at("BlackWater/Politie_2026-02-18_18-13-47.json")
                .city
                .is_none()
        );
    }

    #[test]
    fn hostile_paths_are_refused() {
        for (path, problem) in [
            ("", PathProblem::Empty),
            ("/etc/passwd", PathProblem::Absolute),
            ("C:/data/x.json", PathProblem::Absolute),
            ("data\\x\\y.json", PathProblem::Backslash),
            ("data/../../etc/passwd", PathProblem::Traversal),
            ("data/./a.json", PathProblem::Traversal),
            ("data//a.json", PathProblem::EmptySegment),
            ("data/a/", PathProblem::EmptySegment),
            ("data/a\0.json", PathProblem::ControlCharacter),
            ("data/a\n.json", PathProblem::ControlCharacter),
        ] {
            assert_eq!(classify(path), Err(problem), "{path:?}");
        }
        assert_eq!(classify(&"a/".repeat(600)), Err(PathProblem::TooLong));
    }

    #[test]
    fn hostile_names_are_only_names() {
        let found = institution_at("data/s/<script>alert(1)<_script>/\"Ș'ef\".json");
        assert_eq!(found.city, "<script>alert(1)< script>");
        assert_eq!(found.institution, "\"Ș'ef\"");
        // Multi-byte characters right before the stamp do not split a character.
        assert_eq!(
            skipped("arhiva/C/ȘȘȘȘȘȘȘȘȘȘȘȘ.json"),
            SkipReason::UnknownPlace
        );
        assert_eq!(
            archive_at("arhiva/C/Ș_2026-02-18_18-13-47.json")
                .name
                .unwrap()
                .institution,
            "Ș"
        );
    }

    #[test]
    fn display_names_turn_underscores_into_spaces() {
        assert_eq!(display_name("Saint_Denis"), "Saint Denis");
        assert_eq!(display_name("_Valentine_"), "Valentine");
        assert_eq!(display_name("_"), "");
    }
}
