//! One institution file against the cloud institution it matches: its ladder, columns, last
//! change and employees, matched by key; committed only when the file has no problem.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{InstitutionFile, Planner};
use crate::legacy::institution::{LadderOrigin, LegacyInstitution, LegacyRow, employee_key};
use crate::legacy::labels::{MAX_NAME_LEN, check_label};
use crate::legacy::payload::EmployeeItem;
use crate::legacy::preview::{EmployeeChange, EmployeePreview, ScopePreview, Status};
use crate::legacy::problem::Reason;
use crate::legacy::targets::{Found, InstitutionTarget};
use crate::model::{City, Employee, Institution, PUNCTAJ, RANK, ULTIMA_MOD, is_fixed_column};

impl<'a> Planner<'a> {
    pub(super) fn plan_institution(&mut self, file: &InstitutionFile<'_>) {
        let read = match file.read {
            Err(reason) => return self.problem(file.path, reason.clone()),
            Ok(read) => read,
        };
        if !read.problems.is_empty() {
            for problem in &read.problems {
                self.problem(file.path, problem.clone().into());
            }
            return;
        }
        match self.draft_scope(file, &read.institution) {
            Ok(draft) => self.commit_scope(file.path, draft),
            Err(problems) => {
                for reason in problems {
                    self.problem(file.path, reason);
                }
            }
        }
    }

    /// Everything one institution file changes, computed without changing anything.
    fn draft_scope(
        &self,
        file: &InstitutionFile<'_>,
        legacy: &LegacyInstitution,
    ) -> Result<ScopeDraft<'a>, Vec<Reason>> {
        let mut problems = Vec::new();
        let named = |name: &str| {
            check_label(name, MAX_NAME_LEN).map_err(|problem| Reason::InvalidName {
                name: name.to_owned(),
                problem,
            })
        };
        let city = self.targets.find_city(&file.at.city);
        let city_name = match city {
            Found::Target(index) => self.targets.cities[index].name.clone(),
            Found::Cloud(cloud) => cloud.name.clone(),
            Found::Missing => named(&file.at.city).map_err(|reason| vec![reason])?,
        };
        let cloud = match self.targets.find_institution(city, &file.at.institution) {
            Found::Target(index) => {
                let first = self.targets.institutions[index]
                    .path
                    .clone()
                    .unwrap_or_default();
                return Err(vec![Reason::DuplicateInstitution { first }]);
            }
            Found::Cloud(institution) => Some(institution),
            Found::Missing => None,
        };
        let name = match cloud {
            Some(institution) => institution.name.clone(),
            None => named(&file.at.institution).map_err(|reason| vec![reason])?,
        };

        let ranks = planned_ranks(legacy, cloud);
        let columns = match cloud {
            Some(cloud) if cloud.columns == legacy.columns => None,
            _ => Some(legacy.columns.clone()),
        };
        let last_points_change_at = match legacy.last_points_change.map(|time| self.instant(time)) {
            None => None,
            Some(Err(reason)) => {
                problems.push(reason);
                None
            }
            Some(Ok(at)) => cloud
                .is_none_or(|cloud| cloud.last_points_change_at.is_none_or(|old| at > old))
                .then_some(at),
        };
        let final_columns = columns
            .as_ref()
            .or(cloud.map(|cloud| &cloud.columns))
            .cloned()
            .unwrap_or_default();
        let employees = self.draft_employees(legacy, cloud, &final_columns, &mut problems);
        if let (Some(ranks), Some(_)) = (&ranks, cloud)
            && let Some(rank) = employees
                .kept_ranks
                .iter()
                .copied()
                .filter(|rank| usize::try_from(*rank).is_ok_and(|rank| rank > ranks.len()))
                .max()
        {
            problems.push(Reason::LadderDropsRank { rank });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ScopeDraft {
            city,
            city_name,
            target: InstitutionTarget {
                // Known when committed: the city may still have to become a target.
                city: usize::MAX,
                cloud,
                name,
                path: Some(file.path.to_owned()),
                ranks,
                columns,
                last_points_change_at,
                referenced: false,
            },
            employees,
        })
    }

    fn draft_employees(
        &self,
        legacy: &LegacyInstitution,
        cloud: Option<&'a Institution>,
        final_columns: &[String],
        problems: &mut Vec<Reason>,
    ) -> EmployeesDraft {
        let key_column = legacy.key_column().unwrap_or_default();
        let cloud_employees: Vec<&Employee> = cloud
            .map(|institution| self.cloud.employees_of(institution.id).collect())
            .unwrap_or_default();
        let mut by_key: HashMap<String, Vec<&Employee>> = HashMap::new();
        for employee in &cloud_employees {
            if let Some(key) = employee
                .fields
                .get(key_column)
                .and_then(|value| employee_key(value))
            {
                by_key.entry(key).or_default().push(employee);
            }
        }
        let custom: Vec<&String> = final_columns
            .iter()
            .filter(|c| !is_fixed_column(c))
            .collect();
        let mut draft = EmployeesDraft::default();
        let mut matched: HashSet<&str> = HashSet::new();
        for row in &legacy.rows {
            let shown = row
                .fields
                .get(key_column)
                .map(|key| key.trim().to_owned())
                .unwrap_or_default();
            let ultima_mod = match row.ultima_mod.map(|time| self.instant(time)) {
                None => None,
                Some(Ok(at)) => Some(at),
                Some(Err(reason)) => {
                    problems.push(reason);
                    continue;
                }
            };
            let key = legacy.key_of(row).unwrap_or_default();
            let change = match by_key.get(&key).map(Vec::as_slice) {
                None | Some([]) => {
                    draft.items.push(EmployeeItem {
                        id: None,
                        institution: 0,
                        rank: row.rank,
                        punctaj: row.punctaj,
                        ultima_mod,
                        fields: row.fields.clone(),
                    });
                    EmployeeChange::New {
                        punctaj: row.punctaj,
                    }
                }
                Some([employee]) => {
                    matched.insert(&employee.id);
                    let (columns, item) = diff(row, ultima_mod, employee, &legacy.columns, &custom);
                    if columns.is_empty() {
                        EmployeeChange::Unchanged {
                            punctaj: row.punctaj,
                        }
                    } else {
                        draft.items.push(item);
                        EmployeeChange::Changed {
                            old_punctaj: employee.punctaj,
                            new_punctaj: row.punctaj,
                            columns,
                        }
                    }
                }
                Some(_) => {
                    problems.push(Reason::CloudDuplicateEmployee { key: shown });
                    continue;
                }
            };
            draft.previews.push(EmployeePreview { key: shown, change });
        }
        for employee in cloud_employees {
            if !matched.contains(employee.id.as_str()) {
                draft.kept_ranks.push(employee.rank);
                draft.only_in_cloud.push(
                    employee
                        .fields
                        .get(key_column)
                        .map_or_else(|| employee.id.clone(), |key| key.trim().to_owned()),
                );
            }
        }
        draft
    }

    fn commit_scope(&mut self, path: &str, draft: ScopeDraft<'a>) {
        let ScopeDraft {
            city,
            city_name,
            mut target,
            employees,
        } = draft;
        let city_is_new = matches!(city, Found::Missing)
            || matches!(city, Found::Target(index) if self.targets.cities[index].cloud.is_none());
        target.city = self.targets.city(city, &city_name);
        target.referenced = !employees.items.is_empty();
        let status = if target.cloud.is_none() {
            Status::New
        } else if target.ranks.is_some()
            || target.columns.is_some()
            || target.last_points_change_at.is_some()
            || !employees.items.is_empty()
        {
            Status::Changed
        } else {
            Status::Unchanged
        };
        let scope = ScopePreview {
            path: path.to_owned(),
            city: city_name,
            institution: target.name.clone(),
            city_is_new,
            status,
            ranks_change: target.cloud.is_some() && target.ranks.is_some(),
            columns_change: target.cloud.is_some() && target.columns.is_some(),
            employees: employees.previews,
            only_in_cloud: employees.only_in_cloud,
        };
        let index = self.targets.add_institution(target);
        self.employees
            .extend(employees.items.into_iter().map(|item| (index, item)));
        self.scopes.push(scope);
        self.files += 1;
    }
}

struct ScopeDraft<'a> {
    city: Found<'a, City>,
    city_name: String,
    target: InstitutionTarget<'a>,
    employees: EmployeesDraft,
}

#[derive(Default)]
struct EmployeesDraft {
    items: Vec<EmployeeItem>,
    previews: Vec<EmployeePreview>,
    only_in_cloud: Vec<String>,
    /// Ranks of the cloud employees the file does not have (they keep them).
    kept_ranks: Vec<i32>,
}

/// The ladder to set, `None` to leave the cloud's.
///
/// A ladder the file states replaces a different one. A ladder rebuilt from `ROLE` cells (or
/// numbered) is a reconstruction: it leaves an existing ladder alone when that ladder already
/// names every rank the rows use the same way, so a reconstruction never overwrites the real one.
fn planned_ranks(legacy: &LegacyInstitution, cloud: Option<&Institution>) -> Option<Vec<String>> {
    let Some(cloud) = cloud else {
        return Some(if legacy.ranks.is_empty() {
            // The database requires a ladder; the old app started institutions with one too.
            vec!["Rank 1".to_owned()]
        } else {
            legacy.ranks.clone()
        });
    };
    match legacy.ladder {
        LadderOrigin::File if legacy.ranks.is_empty() || legacy.ranks == cloud.ranks => None,
        LadderOrigin::File => Some(legacy.ranks.clone()),
        LadderOrigin::RebuiltFromRoles | LadderOrigin::Numbered => {
            let agrees = legacy.rows.iter().all(|row| match cloud.role(row.rank) {
                None => false,
                Some(role) => {
                    legacy.ladder == LadderOrigin::Numbered
                        || legacy
                            .ranks
                            .get(usize::try_from(row.rank - 1).unwrap_or(usize::MAX))
                            .is_some_and(|rebuilt| rebuilt == role)
                }
            });
            (!agrees).then(|| legacy.ranks.clone())
        }
    }
}

/// What changes from `cloud` to the file's `row`, and the employee as it will be: a blank
/// `ULTIMA_MOD` never erases the cloud's, and custom values the file lacks are kept.
fn diff(
    row: &LegacyRow,
    ultima_mod: Option<DateTime<Utc>>,
    cloud: &Employee,
    file_columns: &[String],
    custom: &[&String],
) -> (Vec<String>, EmployeeItem) {
    let mut changed = Vec::new();
    if row.rank != cloud.rank {
        changed.push(RANK.to_owned());
    }
    if row.punctaj != cloud.punctaj {
        changed.push(PUNCTAJ.to_owned());
    }
    let ultima_mod = ultima_mod.or(cloud.ultima_mod);
    if ultima_mod != cloud.ultima_mod {
        changed.push(ULTIMA_MOD.to_owned());
    }
    let mut fields: BTreeMap<String, String> = cloud
        .fields
        .iter()
        .filter(|(column, _)| custom.contains(column))
        .map(|(column, value)| (column.clone(), value.clone()))
        .collect();
    for column in file_columns {
        let Some(value) = row.fields.get(column) else {
            continue;
        };
        if cloud.fields.get(column).map_or("", String::as_str) != value {
            changed.push(column.clone());
        }
        fields.insert(column.clone(), value.clone());
    }
    let item = EmployeeItem {
        id: Some(cloud.id.clone()),
        institution: 0,
        rank: row.rank,
        punctaj: row.punctaj,
        ultima_mod,
        fields,
    };
    (changed, item)
}
