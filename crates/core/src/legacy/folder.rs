//! The legacy folder as the app hands it over: every file's path, and the bytes of those that
//! [`classify`] said to read.
//!
//! Files are read once, when added, so planning again (another server, source or time zone)
//! costs only the matching. Nothing here fails: what cannot be used becomes a problem or a
//! skipped file of the preview.
//!
//! The app's part: for each picked or dropped file, [`classify`] its path; read it only when
//! [`FileClass::read_limit`] is `Some` and the file is no larger, then
//! [`LegacyFolder::add_file`], else [`LegacyFolder::add_unread`]. A zip yields entries: inflate
//! those with [`ZipEntry::should_inflate`] (stopping at their `declared_size`) and hand each to
//! [`LegacyFolder::add_zip_entry`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::archive_file::{LegacyArchive, read_archive};
use super::audit_file::{AuditRead, read_audit};
use super::institution::{InstitutionRead, LegacyInstitution};
use super::path::{ArchivePath, FileClass, Place, SourceId, classify};
use super::permissions_file::{PermissionsRead, read_permissions};
use super::problem::Reason;
use super::zip::{self, ZipEntry, ZipProblem};

/// Every file of one import.
#[derive(Debug, Clone, Default)]
pub struct LegacyFolder {
    files: BTreeMap<String, FolderFile>,
}

/// A source of institution files, for the source picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    pub id: SourceId,
    pub institution_files: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct FolderFile {
    /// `None` for a refused path.
    pub(crate) class: Option<FileClass>,
    pub(crate) content: Content,
    /// Kept for the files that are read: archives are uploaded exactly as they were, and
    /// copies are compared byte for byte.
    pub(crate) bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub(crate) enum Content {
    /// Skipped by its class: never read.
    Unread,
    /// A zip whose entries are files of their own.
    Container,
    /// A zip entry still to be inflated.
    Pending,
    Problem(Reason),
    Institution(Box<InstitutionRead>),
    Archive(Box<LegacyArchive>),
    Audit(AuditRead),
    Permissions(PermissionsRead),
}

impl LegacyFolder {
    /// An empty folder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file the app read. Returns the entries of a zip (empty for any other file); their
    /// `data` ranges index into `bytes`.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Vec<ZipEntry> {
        match classify(path) {
            Ok(class) => self.ingest(path, class, bytes),
            Err(problem) => {
                self.insert(
                    path,
                    None,
                    Content::Problem(Reason::BadPath(problem)),
                    Vec::new(),
                );
                Vec::new()
            }
        }
    }

    /// Adds a file the app did not read (its class said not to, or it is larger than its
    /// limit), so the preview can say why it is not imported.
    pub fn add_unread(&mut self, path: &str, size: u64) {
        let (class, content) = match classify(path) {
            Err(problem) => (None, Content::Problem(Reason::BadPath(problem))),
            Ok(class) => {
                let content = match class.read_limit() {
                    None => Content::Unread,
                    Some(limit) if size > limit => {
                        Content::Problem(Reason::FileTooLarge { size, limit })
                    }
                    Some(_) => Content::Problem(Reason::NotRead),
                };
                (Some(class), content)
            }
        };
        self.insert(path, class, content, Vec::new());
    }

    /// Adds the bytes the app inflated from `entry` (listed by [`LegacyFolder::add_file`]).
    /// Returns the entries of a backup zip found inside a zip of the whole folder.
    pub fn add_zip_entry(&mut self, entry: &ZipEntry, inflated: &[u8]) -> Vec<ZipEntry> {
        if let Err(problem) = zip::check_inflated(entry, inflated) {
            let content = Content::Problem(Reason::Zip(problem));
            self.files.insert(
                entry.path.clone(),
                FolderFile {
                    class: Some(entry.class.clone()),
                    content,
                    bytes: Vec::new(),
                },
            );
            return Vec::new();
        }
        // Replaces the pending entry.
        self.files.remove(&entry.path);
        self.ingest(&entry.path, entry.class.clone(), inflated)
    }

    /// Records that the app could not inflate `entry`: it went on past its declared size (the
    /// app stops there), or its data is corrupt.
    pub fn add_zip_problem(&mut self, entry: &ZipEntry, past_declared_size: bool) {
        let problem = if past_declared_size {
            ZipProblem::InflatesPastDeclaredSize
        } else {
            ZipProblem::CorruptData
        };
        self.files.insert(
            entry.path.clone(),
            FolderFile {
                class: Some(entry.class.clone()),
                content: Content::Problem(Reason::Zip(problem)),
                bytes: Vec::new(),
            },
        );
    }

    /// The Discord ids of every account any `users_permissions.json` of the folder offers a role
    /// to, sorted: what the page accepts unless the admin declines.
    pub fn invite_ids(&self) -> Vec<String> {
        let ids: std::collections::BTreeSet<&str> = self
            .files
            .values()
            .filter_map(|file| match &file.content {
                Content::Permissions(read) => Some(read),
                _ => None,
            })
            .flat_map(|read| {
                read.accounts
                    .iter()
                    .map(|account| account.discord_id.as_str())
            })
            .collect();
        ids.into_iter().map(str::to_owned).collect()
    }

    /// The servers the folder holds (`data/<server>/`, `arhiva/<server>/`), sorted.
    pub fn servers(&self) -> Vec<String> {
        let mut servers: Vec<String> = Vec::new();
        for server in self.classes().filter_map(FileClass::server) {
            if !servers.iter().any(|seen| seen.eq_ignore_ascii_case(server)) {
                servers.push(server.to_owned());
            }
        }
        servers.sort();
        servers
    }

    /// The only server, when there is exactly one; otherwise the app asks.
    pub fn default_server(&self) -> Option<String> {
        let mut servers = self.servers();
        (servers.len() == 1).then(|| servers.remove(0))
    }

    /// The sources of institution files for `server`: the live `data/` first, then the backups,
    /// newest first. Only sources holding files are listed.
    pub fn sources(&self, server: Option<&str>) -> Vec<SourceInfo> {
        let mut counts: BTreeMap<SourceId, usize> = BTreeMap::new();
        for class in self.classes() {
            let (place, institution) = match class {
                FileClass::Institution(path) => (&path.place, true),
                FileClass::AuditLog(place) | FileClass::Permissions(place) => (place, false),
                _ => continue,
            };
            if place.server.as_deref().is_some_and(|found| {
                !server.is_some_and(|chosen| chosen.eq_ignore_ascii_case(found))
            }) {
                continue;
            }
            *counts.entry(place.source).or_default() += usize::from(institution);
        }
        let mut sources: Vec<SourceInfo> = counts
            .into_iter()
            .map(|(id, institution_files)| SourceInfo {
                id,
                institution_files,
            })
            .collect();
        // Live sorts first; backups newest first.
        sources.sort_by(|a, b| match (a.id, b.id) {
            (SourceId::Backup(a), SourceId::Backup(b)) => b.cmp(&a),
            (a, b) => a.cmp(&b),
        });
        sources
    }

    /// The source an import uses unless told otherwise: `data/` when it holds institution files,
    /// else the newest backup that does.
    pub fn default_source(&self, server: Option<&str>) -> SourceId {
        self.sources(server)
            .into_iter()
            .find(|source| source.institution_files > 0)
            .map_or(SourceId::Live, |source| source.id)
    }

    /// The bytes of a file that was read (an archive to upload, for instance).
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.files
            .get(path)
            .filter(|file| !file.bytes.is_empty())
            .map(|file| file.bytes.as_slice())
    }

    /// Number of files added.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// No file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub(crate) fn files(&self) -> impl Iterator<Item = (&String, &FolderFile)> {
        self.files.iter()
    }

    fn classes(&self) -> impl Iterator<Item = &FileClass> {
        self.files.values().filter_map(|file| file.class.as_ref())
    }

    fn ingest(&mut self, path: &str, class: FileClass, bytes: &[u8]) -> Vec<ZipEntry> {
        let Some(limit) = class.read_limit() else {
            // Never inspected, never kept: key files end here.
            self.insert(path, Some(class), Content::Unread, Vec::new());
            return Vec::new();
        };
        let size = bytes.len() as u64;
        if size > limit {
            let content = Content::Problem(Reason::FileTooLarge { size, limit });
            self.insert(path, Some(class), content, Vec::new());
            return Vec::new();
        }
        if matches!(class, FileClass::BackupZip(_) | FileClass::FolderZip) {
            return self.open_zip(path, class, bytes);
        }
        let (class, content) = read_json(class, bytes);
        let keep = if matches!(content, Content::Problem(_)) {
            Vec::new()
        } else {
            bytes.to_vec()
        };
        self.insert(path, Some(class), content, keep);
        Vec::new()
    }

    fn open_zip(&mut self, path: &str, class: FileClass, bytes: &[u8]) -> Vec<ZipEntry> {
        match zip::entries(path, bytes) {
            Err(problem) => {
                let content = Content::Problem(Reason::Zip(problem));
                self.insert(path, Some(class), content, Vec::new());
                Vec::new()
            }
            Ok(entries) => {
                self.insert(path, Some(class), Content::Container, Vec::new());
                for entry in &entries {
                    let (class, content) = match &entry.refused {
                        // A refused name has no class: whatever it claims to be.
                        Some(problem @ ZipProblem::BadName(_)) => {
                            (None, Content::Problem(Reason::Zip(problem.clone())))
                        }
                        _ if entry.class.read_limit().is_none() => {
                            (Some(entry.class.clone()), Content::Unread)
                        }
                        Some(problem) => (
                            Some(entry.class.clone()),
                            Content::Problem(Reason::Zip(problem.clone())),
                        ),
                        None => (Some(entry.class.clone()), Content::Pending),
                    };
                    self.insert(&entry.path, class, content, Vec::new());
                }
                entries
            }
        }
    }

    /// The same path twice: an identical copy is ignored, a different one makes both unusable.
    fn insert(&mut self, path: &str, class: Option<FileClass>, content: Content, bytes: Vec<u8>) {
        match self.files.get_mut(path) {
            None => {
                self.files.insert(
                    path.to_owned(),
                    FolderFile {
                        class,
                        content,
                        bytes,
                    },
                );
            }
            Some(existing) if matches!(existing.content, Content::Pending) => {
                *existing = FolderFile {
                    class,
                    content,
                    bytes,
                };
            }
            Some(existing) if existing.bytes == bytes && existing.class == class => {}
            Some(existing) => {
                existing.content = Content::Problem(Reason::DifferentFilesAtOnePath);
                existing.bytes = Vec::new();
            }
        }
    }
}

/// Reads a JSON file of `class`; a loose file is recognised by its content, which may change
/// its class.
fn read_json(class: FileClass, bytes: &[u8]) -> (FileClass, Content) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return (class, Content::Problem(Reason::NotText));
    };
    // Some Windows editors start UTF-8 files with a byte-order mark; JSON parsers refuse it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let content = match &class {
        FileClass::Institution(_) => match LegacyInstitution::read(text) {
            Ok(read) => Content::Institution(Box::new(read)),
            Err(error) => Content::Problem(error.into()),
        },
        FileClass::Archive(path) => match read_archive(path, text) {
            Ok(archive) => Content::Archive(Box::new(archive)),
            Err(problem) => Content::Problem(problem.into()),
        },
        FileClass::AuditLog(_) => match read_audit(text) {
            Ok(read) => Content::Audit(read),
            Err(problem) => Content::Problem(problem.into()),
        },
        FileClass::Permissions(_) => match read_permissions(text) {
            Ok(read) => Content::Permissions(read),
            Err(problem) => Content::Problem(problem.into()),
        },
        FileClass::Loose => {
            return match loose_kind(text) {
                Ok(class) => read_json(class, bytes),
                Err(reason) => (class, Content::Problem(reason)),
            };
        }
        FileClass::BackupZip(_) | FileClass::FolderZip | FileClass::Skipped(_) => Content::Unread,
    };
    (class, content)
}

/// What a loose JSON file is, by the fields the old app's files have.
fn loose_kind(text: &str) -> Result<FileClass, Reason> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| Reason::InvalidJson(error.to_string()))?;
    let loose = Place {
        source: SourceId::Live,
        server: None,
    };
    let has = |key: &str| value.get(key).is_some();
    match &value {
        Value::Object(_) if has("archived_at") && has("rows") => {
            Ok(FileClass::Archive(ArchivePath {
                server: None,
                city: None,
                name: None,
            }))
        }
        Value::Object(_) if has("logs") => Ok(FileClass::AuditLog(loose)),
        Value::Object(_) if has("users") => Ok(FileClass::Permissions(loose)),
        Value::Object(_) if has("columns") || has("rows") => Err(Reason::LooseInstitution),
        Value::Array(items) => match items.first() {
            Some(first) if first.get("action_type").is_some() => Ok(FileClass::AuditLog(loose)),
            Some(first) if first.get("RANK").is_some() || first.get("PUNCTAJ").is_some() => {
                Err(Reason::LooseInstitution)
            }
            _ => Err(Reason::UnknownFormat),
        },
        _ => Err(Reason::UnknownFormat),
    }
}
