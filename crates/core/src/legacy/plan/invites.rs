//! Invitations: the accounts of `users_permissions.json`, their mapped roles matched to the
//! cloud's (or imported) institutions, in the payload when the admin accepted them.

use std::collections::{BTreeSet, HashSet};

use super::Planner;
use crate::archive::same_name;
use crate::legacy::payload::InviteItem;
use crate::legacy::permissions_file::{LegacyAccount, PermissionsRead};
use crate::legacy::preview::{InviteOffer, OfferedGrant};
use crate::legacy::problem::Reason;
use crate::legacy::targets::Found;
use crate::model::{City, Institution};
use crate::permissions::InstitutionRole;

impl<'a> Planner<'a> {
    pub(super) fn plan_invites(
        &mut self,
        files: &[(&str, &PermissionsRead)],
        accepted: &BTreeSet<String>,
    ) {
        let mut seen: HashSet<&str> = HashSet::new();
        for &(path, read) in files {
            for problem in &read.problems {
                self.warning(path, Reason::Permissions(problem.clone()));
            }
            for account in &read.accounts {
                if seen.insert(&account.discord_id) {
                    self.offer(account, accepted.contains(&account.discord_id));
                }
            }
            self.files += 1;
        }
    }

    fn offer(&mut self, account: &LegacyAccount, accepted: bool) {
        let mut grants: Vec<OfferedGrant> = Vec::new();
        // Known grants: where they were found, and their index in `grants`.
        let mut found_grants: Vec<(Found<'a, City>, Found<'a, Institution>, usize)> = Vec::new();
        for grant in &account.institutions {
            let city = self.targets.find_city(&grant.city);
            let institution = self.targets.find_institution(city, &grant.institution);
            let names = match institution {
                Found::Target(index) => {
                    let target = &self.targets.institutions[index];
                    Some((
                        self.targets.cities[target.city].name.clone(),
                        target.name.clone(),
                    ))
                }
                Found::Cloud(cloud) => {
                    let city_name = match city {
                        Found::Target(index) => self.targets.cities[index].name.clone(),
                        Found::Cloud(city) => city.name.clone(),
                        Found::Missing => String::new(),
                    };
                    Some((city_name, cloud.name.clone()))
                }
                Found::Missing => None,
            };
            let (city_name, institution_name, known) = match names {
                Some((city, institution)) => (city, institution, true),
                None => (grant.city.clone(), grant.institution.clone(), false),
            };
            // Two spellings of one institution: one grant, the stronger role.
            if let Some(same) = grants.iter_mut().find(|offered| {
                offered.known == known
                    && same_name(&offered.city, &city_name)
                    && same_name(&offered.institution, &institution_name)
            }) {
                if grant.role == InstitutionRole::Leader {
                    same.role = InstitutionRole::Leader;
                }
                continue;
            }
            if known {
                found_grants.push((city, institution, grants.len()));
            }
            grants.push(OfferedGrant {
                city: city_name,
                institution: institution_name,
                role: grant.role,
                known,
            });
        }
        let has_role = account.global_role.is_some() || grants.iter().any(|grant| grant.known);
        // Checked before any institution is referenced: a reference alone would make the
        // payload non-empty.
        let already_invited = self
            .known
            .invites
            .get(&account.discord_id)
            .is_some_and(|known| {
                known.accepted
                    || (known.global_role == account.global_role && {
                        let mut wanted = BTreeSet::new();
                        found_grants.iter().all(|(_, institution, grant)| {
                            // An institution this import also plans for is still the cloud's.
                            let cloud = match *institution {
                                Found::Cloud(cloud) => Some(cloud),
                                Found::Target(index) => self.targets.institutions[index].cloud,
                                Found::Missing => None,
                            };
                            cloud.is_some_and(|cloud| {
                                wanted.insert((cloud.id, grants[*grant].role));
                                true
                            })
                        }) && wanted == known.institutions
                    })
            });
        if accepted && has_role && !already_invited {
            let mut roles = Vec::new();
            for (city, institution, grant) in found_grants {
                let target = self.targets.reference(city, institution).expect("found");
                roles.push((target, grants[grant].role));
            }
            self.invite_items.push((
                InviteItem {
                    discord_id: account.discord_id.clone(),
                    username: account.username.clone(),
                    global_role: account.global_role,
                    institutions: Vec::new(),
                },
                roles,
            ));
        }
        self.invites.push(InviteOffer {
            discord_id: account.discord_id.clone(),
            username: account.username.clone(),
            global_role: account.global_role,
            institutions: grants,
            accepted: accepted && has_role,
        });
    }
}
