//! Reset archives against the bucket: keyed by the cloud's names and the UTC moment, new,
//! already present (identical bytes) or conflicting.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Planner;
use crate::archive::archive_object_key;
use crate::legacy::archive_file::LegacyArchive;
use crate::legacy::path::SkipReason;
use crate::legacy::payload::ArchiveItem;
use crate::legacy::preview::{ArchivePreview, ArchiveStatus};
use crate::legacy::problem::Reason;
use crate::legacy::targets::Found;

/// Longest `reset_by_name` the archives table keeps.
const MAX_RESET_BY_LEN: usize = 200;

impl Planner<'_> {
    pub(super) fn plan_archives(&mut self, files: &[(&str, &LegacyArchive, &[u8])]) {
        let mut first_at: HashMap<String, (&str, &[u8])> = HashMap::new();
        for &(path, archive, bytes) in files {
            let city = self.targets.find_city(&archive.city);
            let institution = self.targets.find_institution(city, &archive.institution);
            let (city_name, institution_name) = match (city, institution) {
                (_, Found::Missing) => {
                    self.problem(
                        path,
                        Reason::ArchiveWithoutInstitution {
                            city: archive.city.clone(),
                            institution: archive.institution.clone(),
                        },
                    );
                    continue;
                }
                (_, Found::Target(index)) => {
                    let target = &self.targets.institutions[index];
                    (
                        self.targets.cities[target.city].name.clone(),
                        target.name.clone(),
                    )
                }
                (Found::Target(index), Found::Cloud(cloud)) => {
                    (self.targets.cities[index].name.clone(), cloud.name.clone())
                }
                (Found::Cloud(cloud_city), Found::Cloud(cloud)) => {
                    (cloud_city.name.clone(), cloud.name.clone())
                }
                (Found::Missing, Found::Cloud(_)) => unreachable!("no institution without a city"),
            };
            let archived_at = match archive.instant(self.zone) {
                Some(at) => at,
                None => {
                    self.problem(
                        path,
                        Reason::TimeNotInZone {
                            local: archive.stamp,
                        },
                    );
                    continue;
                }
            };
            let object_path = archive_key(
                &city_name,
                &institution_name,
                archived_at,
                archive.after_reset,
            );
            if let Some((first, first_bytes)) = first_at.get(&object_path) {
                if *first_bytes == bytes {
                    self.skip(path, SkipReason::IdenticalCopy);
                } else {
                    let first = (*first).to_owned();
                    self.problem(path, Reason::ArchiveDuplicate { object_path, first });
                }
                continue;
            }
            first_at.insert(object_path.clone(), (path, bytes));
            let status = match self.known.archives.get(&object_path) {
                None => ArchiveStatus::New,
                Some(text) if text.as_bytes() == bytes => ArchiveStatus::AlreadyPresent,
                Some(_) => ArchiveStatus::Conflicting,
            };
            match status {
                ArchiveStatus::Conflicting => {
                    self.problem(
                        path,
                        Reason::ArchiveConflict {
                            object_path: object_path.clone(),
                        },
                    );
                }
                ArchiveStatus::AlreadyPresent => self.files += 1,
                ArchiveStatus::New => {
                    let target = self
                        .targets
                        .reference(city, institution)
                        .expect("the institution was found");
                    let reset_by: String = archive
                        .document
                        .reset_by
                        .trim()
                        .chars()
                        .take(MAX_RESET_BY_LEN)
                        .collect();
                    self.archive_items.push((
                        target,
                        ArchiveItem {
                            object_path: object_path.clone(),
                            institution: 0,
                            archived_at,
                            reset_by_name: (!reset_by.is_empty()).then_some(reset_by),
                            employee_count: archive.employee_count,
                            total_points: archive.total_points,
                            after_reset: archive.after_reset,
                        },
                    ));
                    self.files += 1;
                }
            }
            self.archives.push(ArchivePreview {
                path: path.to_owned(),
                object_path,
                city: city_name,
                institution: institution_name,
                archived_at,
                after_reset: archive.after_reset,
                employee_count: archive.employee_count,
                total_points: archive.total_points,
                status,
            });
        }
    }
}

/// The bucket key of an archive: the product's key, `_AFTER_RESET` before `.json` for a
/// proof-of-reset snapshot.
fn archive_key(city: &str, institution: &str, at: DateTime<Utc>, after_reset: bool) -> String {
    let key = archive_object_key(city, institution, at);
    if after_reset {
        format!("{}_AFTER_RESET.json", key.trim_end_matches(".json"))
    } else {
        key
    }
}
