//! Importing the legacy desktop app's folder: every `data/` and `arhiva/` file it wrote over its
//! life, previewed against the cloud, applied in one RPC (`import_legacy`, contract in `docs/database.md`).
//!
//! One concern per module, in the order the app uses them:
//!
//! - [`path`]: what a file is by its path alone, before reading it ([`classify`]); key files
//!   are never read.
//! - [`zip`]: the directory of a zip (of the whole folder, or a backup zip); the browser inflates.
//! - [`folder`]: the files handed over ([`LegacyFolder`]), read once each:
//!   [`institution`] tables, [`archive_file`] reset archives, [`audit_file`] history,
//!   [`permissions_file`] accounts.
//! - [`plan()`]: the folder against the cloud's [`Snapshot`](crate::model::Snapshot), giving the
//!   [`preview`] and the [`payload`] ([`ImportPlan`]); [`problem`] says why a file is left out.
//! - [`time_zone`]: the zone of the old app's local times (the app implements it with `Intl`).
//! - [`labels`]: the product's name rules, mirrored from SQL, checked before the RPC would.

pub mod archive_file;
pub mod audit_file;
pub mod folder;
pub mod institution;
pub mod labels;
pub mod path;
pub mod payload;
pub mod permissions_file;
pub mod plan;
pub mod preview;
pub mod problem;
mod targets;
pub mod time_zone;
pub mod zip;

pub use folder::{LegacyFolder, SourceInfo};
pub use institution::{InstitutionRead, LadderOrigin, LegacyError, LegacyInstitution, LegacyRow};
pub use path::{FileClass, SkipReason, SourceId, classify};
pub use payload::ImportPayload;
pub use plan::{ImportPlan, KnownInvite, KnownObjects, PlanChoices, plan};
pub use problem::{Problem, Reason, Skipped};
pub use time_zone::{FixedZone, LocalTimeZone};
