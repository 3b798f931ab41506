//! What the import preview says about files it does not import as they are: problems, each with
//! the file's path and a plain reason (an enum the app translates; `Display` is the English
//! text), and skipped files with why.

use chrono::NaiveDateTime;
use thiserror::Error;

use super::archive_file::ArchiveProblem;
use super::audit_file::AuditProblem;
use super::institution::LegacyError;
use super::labels::LabelProblem;
use super::path::{PathProblem, SkipReason};
use super::permissions_file::PermissionsProblem;
use super::zip::ZipProblem;

/// A file the import cannot take as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's path inside the chosen folder (inside its zip for zip entries).
    pub path: String,
    pub reason: Reason,
    /// Whether the file is left out of the import. A few problems only cost part of a file
    /// (malformed audit entries, one unusable account): the rest of it is imported.
    pub left_out: bool,
}

/// A file that is not imported, and never was going to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub why: SkipReason,
}

/// Why a file is a problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Reason {
    #[error("file too large: {size} bytes, at most {limit}")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("the file could not be read")]
    NotRead,
    #[error("not UTF-8 text")]
    NotText,
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("unknown format: not a file the old app wrote")]
    UnknownFormat,
    #[error("refused path: {0}")]
    BadPath(PathProblem),
    #[error("zip: {0}")]
    Zip(ZipProblem),
    #[error("two different files were given at this path")]
    DifferentFilesAtOnePath,
    #[error("{0}")]
    Institution(LegacyError),
    #[error("an institution file outside data/<City>/: its city is unknown")]
    LooseInstitution,
    #[error("the same institution as {first}")]
    DuplicateInstitution { first: String },
    #[error("the name {name:?} is refused: {problem}")]
    InvalidName { name: String, problem: LabelProblem },
    #[error("{0}")]
    Archive(ArchiveProblem),
    #[error("the cloud already holds a different archive at {object_path}")]
    ArchiveConflict { object_path: String },
    #[error(
        "another archive of this import, {first}, has the same key {object_path} with other contents"
    )]
    ArchiveDuplicate { object_path: String, first: String },
    #[error(
        "the archive's institution {institution:?} in {city:?} is neither in the cloud nor imported"
    )]
    ArchiveWithoutInstitution { city: String, institution: String },
    #[error("{local} does not exist in the chosen time zone (the hour skipped in spring)")]
    TimeNotInZone { local: NaiveDateTime },
    #[error("{0}")]
    Audit(AuditProblem),
    #[error("{0}")]
    Permissions(PermissionsProblem),
    #[error("the cloud has two employees with the key {key:?}: the file's row cannot be matched")]
    CloudDuplicateEmployee { key: String },
    #[error(
        "the file's ladder has fewer ranks than a member kept in the cloud holds (rank {rank})"
    )]
    LadderDropsRank { rank: i32 },
}

// Every parser reports invalid JSON the same way, so the app translates it once.
impl From<LegacyError> for Reason {
    fn from(error: LegacyError) -> Self {
        match error {
            LegacyError::Json(message) => Self::InvalidJson(message),
            LegacyError::WrongType { at, .. } if at == "$" => Self::UnknownFormat,
            other => Self::Institution(other),
        }
    }
}

impl From<ArchiveProblem> for Reason {
    fn from(problem: ArchiveProblem) -> Self {
        match problem {
            ArchiveProblem::Json(message) => Self::InvalidJson(message),
            other => Self::Archive(other),
        }
    }
}

impl From<AuditProblem> for Reason {
    fn from(problem: AuditProblem) -> Self {
        match problem {
            AuditProblem::Json(message) => Self::InvalidJson(message),
            AuditProblem::NotAnAuditLog => Self::UnknownFormat,
            other => Self::Audit(other),
        }
    }
}

impl From<PermissionsProblem> for Reason {
    fn from(problem: PermissionsProblem) -> Self {
        match problem {
            PermissionsProblem::Json(message) => Self::InvalidJson(message),
            PermissionsProblem::NotAPermissionsFile => Self::UnknownFormat,
            other => Self::Permissions(other),
        }
    }
}
