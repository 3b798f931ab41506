//! The legacy audit history of the chosen source: each entry once, by its legacy id.

use std::collections::HashSet;

use super::Planner;
use crate::legacy::audit_file::AuditRead;
use crate::legacy::payload::AuditItem;
use crate::legacy::problem::Reason;

impl Planner<'_> {
    pub(super) fn plan_audit(&mut self, files: &[(&str, &AuditRead)]) {
        let mut seen: HashSet<i64> = HashSet::new();
        for &(path, read) in files {
            self.audit.without_id += read.without_id;
            self.audit.malformed += read.malformed.len();
            if let Some(first) = read.malformed.first() {
                self.warning(path, Reason::Audit(first.clone()));
            }
            for entry in &read.entries {
                if !seen.insert(entry.legacy_id) {
                    continue;
                }
                if self.is_other_server(entry.server_key.as_deref()) {
                    self.audit.other_server += 1;
                    continue;
                }
                if self.known.legacy_audit_ids.contains(&entry.legacy_id) {
                    self.audit.already_imported += 1;
                    continue;
                }
                let Ok(at) = self.instant(entry.at) else {
                    self.audit.malformed += 1;
                    continue;
                };
                self.audit_items.push(AuditItem {
                    legacy_id: entry.legacy_id,
                    at,
                    actor_name: entry.actor_name.clone(),
                    discord_id: entry.discord_id.clone(),
                    action: entry.action.clone(),
                    city: entry.city.clone(),
                    institution: entry.institution.clone(),
                    entity_name: entry.entity_name.clone(),
                    details: entry.details.clone(),
                });
            }
            self.files += 1;
        }
        self.audit.imported = self.audit_items.len();
    }
}
