//! What the import page shows before anything is written: per city and institution what is new,
//! what changes (old → new score) and what is unchanged; archives new or already present;
//! audit history and invitations.

use chrono::{DateTime, Utc};

use crate::permissions::{GlobalRole, InstitutionRole};

/// New, changed or unchanged against the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    Changed,
    Unchanged,
}

/// One institution file, against the cloud institution it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopePreview {
    /// The institution file's path.
    pub path: String,
    /// The city as it is (or will be) named in the cloud.
    pub city: String,
    pub institution: String,
    pub city_is_new: bool,
    pub status: Status,
    /// The ladder will be set to the file's.
    pub ranks_change: bool,
    /// The columns will be set to the file's.
    pub columns_change: bool,
    /// The file's employees, in file order.
    pub employees: Vec<EmployeePreview>,
    /// Keys of cloud employees the file does not have: kept as they are (an import never
    /// deletes).
    pub only_in_cloud: Vec<String>,
}

/// One employee of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeePreview {
    /// The value of the key column, as written.
    pub key: String,
    pub change: EmployeeChange,
}

/// What an import does to one employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeChange {
    New {
        punctaj: i32,
    },
    Changed {
        old_punctaj: i32,
        new_punctaj: i32,
        /// The columns whose values change (`RANK`, `PUNCTAJ`, `ULTIMA_MOD`, custom ones).
        columns: Vec<String>,
    },
    Unchanged {
        punctaj: i32,
    },
}

/// One archive file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivePreview {
    pub path: String,
    /// Its key in the bucket `arhiva` (the stamp in UTC).
    pub object_path: String,
    pub city: String,
    pub institution: String,
    pub archived_at: DateTime<Utc>,
    pub after_reset: bool,
    pub employee_count: usize,
    pub total_points: i64,
    pub status: ArchiveStatus,
}

/// An archive against the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveStatus {
    /// To upload and record.
    New,
    /// The bucket holds identical bytes under its key: nothing to do.
    AlreadyPresent,
    /// The bucket holds other bytes under its key: a problem, left out.
    Conflicting,
}

/// The legacy audit history of the chosen source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditPreview {
    /// Entries in the payload.
    pub imported: usize,
    /// Entries the cloud already has (by their legacy id).
    pub already_imported: usize,
    /// Entries without an id: never imported, since a second import could not skip them.
    pub without_id: usize,
    /// Entries logged on another server.
    pub other_server: usize,
    /// Entries that could not be read.
    pub malformed: usize,
}

/// An account of `users_permissions.json` with the roles its old permissions map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteOffer {
    pub discord_id: String,
    pub username: String,
    pub global_role: Option<GlobalRole>,
    pub institutions: Vec<OfferedGrant>,
    /// In the payload (the admin accepted it).
    pub accepted: bool,
}

/// One institution role of an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedGrant {
    /// The names as the cloud has them when `known`, else as the old file wrote them.
    pub city: String,
    pub institution: String,
    pub role: InstitutionRole,
    /// The institution exists in the cloud or is imported; an unknown one cannot be granted.
    pub known: bool,
}
