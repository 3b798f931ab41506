//! Planning an import: the legacy folder against the client's verified copy of the cloud, giving
//! the preview and the payload of the one RPC that applies it.
//!
//! - One server: files of other servers are skipped; files from a folder without a server level
//!   belong to the chosen one.
//! - One source of institution files (the live `data/`, or one backup): the others are skipped,
//!   so nothing is imported twice. Within the source, `data/<server>/` wins over the older
//!   `data/<City>/` layout for the same institution.
//! - Cities and institutions are matched to live ones by [`same_name`], employees by their key
//!   ([`LegacyInstitution::key_column`]), never by position.
//! - A file with a problem is left out whole; the rest is imported.
//! - Only differences reach the payload: planning a folder the cloud already holds gives an
//!   empty one ([`ImportPayload::is_empty`]).

mod archives;
mod audit;
mod invites;
mod scope;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::archive_file::LegacyArchive;
use super::audit_file::AuditRead;
use super::folder::{Content, LegacyFolder};
use super::institution::InstitutionRead;
use super::path::{FileClass, InstitutionPath, Place, SkipReason, SourceId};
use super::payload::{
    ArchiveItem, AuditItem, EmployeeItem, ImportPayload, InviteGrant, InviteItem,
};
use super::permissions_file::PermissionsRead;
use super::preview::{ArchivePreview, AuditPreview, InviteOffer, ScopePreview};
use super::problem::{Problem, Reason, Skipped};
use super::targets::Targets;
use super::time_zone::{LocalTimeZone, to_instant};
use crate::archive::same_name;
use crate::model::Snapshot;
use crate::permissions::{GlobalRole, InstitutionRole};
use crate::time::RecordedTime;

/// What the user chose on the import page.
pub struct PlanChoices<'a> {
    /// The server this community is (one of [`LegacyFolder::servers`]), or `None`.
    pub server: Option<String>,
    /// The source of institution files; `None`: [`LegacyFolder::default_source`].
    pub source: Option<SourceId>,
    /// The zone of the old app's local times.
    pub time_zone: &'a dyn LocalTimeZone,
    /// Files the user left out.
    pub excluded_paths: BTreeSet<String>,
    /// Discord ids of the offered invitations the admin accepted.
    pub accepted_invites: BTreeSet<String>,
}

/// What the client knows of the cloud beyond the [`Snapshot`].
#[derive(Debug, Clone, Default)]
pub struct KnownObjects {
    /// The bucket `arhiva`: object key → the text the client has cached.
    pub archives: BTreeMap<String, String>,
    /// Legacy ids of audit entries already imported (empty when unknown: the RPC skips them).
    pub legacy_audit_ids: BTreeSet<i64>,
    /// The invitations the cloud holds, by Discord id.
    pub invites: BTreeMap<String, KnownInvite>,
}

/// An invitation the cloud already holds: importing the same accounts again sends nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownInvite {
    /// Taken up: the account exists and the import leaves it alone.
    pub accepted: bool,
    pub global_role: Option<GlobalRole>,
    /// (institution id, role).
    pub institutions: BTreeSet<(i64, InstitutionRole)>,
}

/// The preview and the payload of one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    /// The server planned for (as chosen).
    pub server: Option<String>,
    /// The source of institution files used (as chosen, else the folder's default).
    pub source: SourceId,
    /// One per institution file imported, in path order.
    pub scopes: Vec<ScopePreview>,
    pub archives: Vec<ArchivePreview>,
    pub audit: AuditPreview,
    pub invites: Vec<InviteOffer>,
    /// In path order.
    pub problems: Vec<Problem>,
    /// In path order.
    pub skipped: Vec<Skipped>,
    pub payload: ImportPayload,
}

/// Plans importing `folder` into the cloud whose verified copy is `cloud`.
pub fn plan(
    folder: &LegacyFolder,
    choices: &PlanChoices<'_>,
    cloud: &Snapshot,
    known: &KnownObjects,
) -> ImportPlan {
    let server = choices.server.clone();
    let source = choices
        .source
        .unwrap_or_else(|| folder.default_source(server.as_deref()));
    let mut planner = Planner {
        zone: choices.time_zone,
        server,
        source,
        known,
        targets: Targets::new(cloud),
        cloud,
        employees: Vec::new(),
        archive_items: Vec::new(),
        invite_items: Vec::new(),
        audit_items: Vec::new(),
        scopes: Vec::new(),
        archives: Vec::new(),
        audit: AuditPreview::default(),
        invites: Vec::new(),
        problems: Vec::new(),
        skipped: Vec::new(),
        files: 0,
    };
    let sorted = planner.triage(folder, choices);
    for file in planner.deduplicate(sorted.institutions) {
        planner.plan_institution(&file);
    }
    planner.plan_archives(&sorted.archives);
    planner.plan_audit(&sorted.audits);
    planner.plan_invites(&sorted.permissions, &choices.accepted_invites);
    planner.finish()
}

/// Files of the chosen server and source, by kind.
#[derive(Default)]
struct Sorted<'f> {
    institutions: Vec<InstitutionFile<'f>>,
    archives: Vec<(&'f str, &'f LegacyArchive, &'f [u8])>,
    /// Server-level files first.
    audits: Vec<(&'f str, &'f AuditRead)>,
    permissions: Vec<(&'f str, &'f PermissionsRead)>,
}

struct InstitutionFile<'f> {
    path: &'f str,
    at: &'f InstitutionPath,
    bytes: &'f [u8],
    /// `Err`: what makes the whole file unreadable.
    read: Result<&'f InstitutionRead, &'f Reason>,
}

struct Planner<'a> {
    zone: &'a dyn LocalTimeZone,
    server: Option<String>,
    source: SourceId,
    known: &'a KnownObjects,
    cloud: &'a Snapshot,
    targets: Targets<'a>,
    /// Institution target → item (its `institution` set when the payload is built).
    employees: Vec<(usize, EmployeeItem)>,
    archive_items: Vec<(usize, ArchiveItem)>,
    invite_items: Vec<(InviteItem, Vec<(usize, InstitutionRole)>)>,
    audit_items: Vec<AuditItem>,
    scopes: Vec<ScopePreview>,
    archives: Vec<ArchivePreview>,
    audit: AuditPreview,
    invites: Vec<InviteOffer>,
    problems: Vec<Problem>,
    skipped: Vec<Skipped>,
    files: usize,
}

impl<'a> Planner<'a> {
    fn problem(&mut self, path: &str, reason: Reason) {
        self.problems.push(Problem {
            path: path.to_owned(),
            reason,
            left_out: true,
        });
    }

    fn warning(&mut self, path: &str, reason: Reason) {
        self.problems.push(Problem {
            path: path.to_owned(),
            reason,
            left_out: false,
        });
    }

    fn skip(&mut self, path: &str, why: SkipReason) {
        self.skipped.push(Skipped {
            path: path.to_owned(),
            why,
        });
    }

    fn is_other_server(&self, server: Option<&str>) -> bool {
        server.is_some_and(|found| {
            !self
                .server
                .as_deref()
                .is_some_and(|chosen| chosen.eq_ignore_ascii_case(found))
        })
    }

    /// Skips what this import does not use, lists problems, sorts the rest by kind.
    fn triage<'f>(&mut self, folder: &'f LegacyFolder, choices: &PlanChoices<'_>) -> Sorted<'f> {
        let servers = folder.servers();
        let mut sorted = Sorted::default();
        let mut server_level_audits = Vec::new();
        let mut server_level_permissions = Vec::new();
        for (path, file) in folder.files() {
            if choices.excluded_paths.contains(path) {
                self.skip(path, SkipReason::Excluded);
                continue;
            }
            let Some(class) = &file.class else {
                if let Content::Problem(reason) = &file.content {
                    self.problem(path, reason.clone());
                }
                continue;
            };
            if let FileClass::Skipped(why) = class {
                self.skip(path, *why);
                continue;
            }
            if self.is_other_server(class.server()) {
                self.skip(path, SkipReason::OtherServer);
                continue;
            }
            let place: Option<&Place> = match class {
                FileClass::Institution(at) => Some(&at.place),
                FileClass::AuditLog(place) | FileClass::Permissions(place) => Some(place),
                _ => None,
            };
            if let FileClass::Institution(at) = class
                && at.place.source == SourceId::Live
                && at.place.server.is_none()
                && servers.iter().any(|server| same_name(server, &at.city))
            {
                // `data/<server>/<file>.json`: a server's file the old app never documented.
                self.skip(path, SkipReason::UnknownPlace);
                continue;
            }
            if place.is_some_and(|place| place.source != self.source) {
                self.skip(path, SkipReason::OtherSource);
                continue;
            }
            let server_level = place.is_some_and(|place| place.server.is_some());
            match (&file.content, class) {
                (Content::Unread | Content::Container, _) => {}
                (Content::Pending, _) => self.problem(path, Reason::NotRead),
                (Content::Problem(reason), FileClass::Institution(at)) => {
                    sorted.institutions.push(InstitutionFile {
                        path,
                        at,
                        bytes: &file.bytes,
                        read: Err(reason),
                    });
                }
                (Content::Problem(reason), _) => self.problem(path, reason.clone()),
                (Content::Institution(read), FileClass::Institution(at)) => {
                    sorted.institutions.push(InstitutionFile {
                        path,
                        at,
                        bytes: &file.bytes,
                        read: Ok(read),
                    });
                }
                (Content::Archive(archive), _) => {
                    sorted.archives.push((path, archive, &file.bytes));
                }
                (Content::Audit(read), _) if server_level => {
                    server_level_audits.push((path.as_str(), read))
                }
                (Content::Audit(read), _) => sorted.audits.push((path, read)),
                (Content::Permissions(read), _) if server_level => {
                    server_level_permissions.push((path.as_str(), read));
                }
                (Content::Permissions(read), _) => sorted.permissions.push((path, read)),
                (Content::Institution(_), _) => {}
            }
        }
        server_level_audits.append(&mut sorted.audits);
        sorted.audits = server_level_audits;
        server_level_permissions.append(&mut sorted.permissions);
        sorted.permissions = server_level_permissions;
        sorted
    }

    /// One file per institution: `data/<server>/` over the older layout, an identical copy
    /// skipped, a different one a problem.
    fn deduplicate<'f>(&mut self, mut files: Vec<InstitutionFile<'f>>) -> Vec<InstitutionFile<'f>> {
        files.sort_by_key(|file| (file.at.place.server.is_none(), file.path));
        let mut kept: Vec<InstitutionFile<'f>> = Vec::new();
        for file in files {
            let first = kept.iter().find(|seen| {
                same_name(&seen.at.city, &file.at.city)
                    && same_name(&seen.at.institution, &file.at.institution)
            });
            match first {
                None => kept.push(file),
                Some(first)
                    if first.at.place.server.is_some() && file.at.place.server.is_none() =>
                {
                    self.skip(file.path, SkipReason::OlderLayout);
                }
                Some(first) if first.bytes == file.bytes && !first.bytes.is_empty() => {
                    self.skip(file.path, SkipReason::IdenticalCopy);
                }
                Some(first) => {
                    let first = first.path.to_owned();
                    self.problem(file.path, Reason::DuplicateInstitution { first });
                }
            }
        }
        kept
    }

    fn instant(&self, time: RecordedTime) -> Result<DateTime<Utc>, Reason> {
        to_instant(time, self.zone).ok_or_else(|| Reason::TimeNotInZone {
            local: match time {
                RecordedTime::WallClock(local) => local,
                RecordedTime::Utc(instant) => instant.naive_utc(),
            },
        })
    }

    fn finish(mut self) -> ImportPlan {
        let indexed = self.targets.indexed();
        let at = |target: usize| {
            indexed.institution_index[target].expect("referenced targets are in the payload")
        };
        let employees = self
            .employees
            .into_iter()
            .map(|(target, item)| EmployeeItem {
                institution: at(target),
                ..item
            })
            .collect();
        let archives = self
            .archive_items
            .into_iter()
            .map(|(target, item)| ArchiveItem {
                institution: at(target),
                ..item
            })
            .collect();
        let invites = self
            .invite_items
            .into_iter()
            .map(|(item, roles)| InviteItem {
                institutions: roles
                    .into_iter()
                    .map(|(target, role)| InviteGrant {
                        institution: at(target),
                        role,
                    })
                    .collect(),
                ..item
            })
            .collect();
        self.problems.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.scopes.sort_by(|a, b| a.path.cmp(&b.path));
        let payload = ImportPayload {
            server: self.server.clone(),
            time_zone: self.zone.name().to_owned(),
            files: self.files,
            cities: indexed.cities,
            institutions: indexed.institutions,
            employees,
            archives,
            audit: self.audit_items,
            invites,
        };
        ImportPlan {
            server: self.server,
            source: self.source,
            scopes: self.scopes,
            archives: self.archives,
            audit: self.audit,
            invites: self.invites,
            problems: self.problems,
            skipped: self.skipped,
            payload,
        }
    }
}
