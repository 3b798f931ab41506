//! The payload of the RPC `public.import_legacy(p_payload jsonb)`: exactly the JSON of the
//! contract in `docs/database.md` ("Import from the desktop app"), serialised with serde.
//!
//! Core decides every match against the client's verified copy of the cloud and sends ids; the
//! SQL re-checks and applies exactly what it is sent. Items reference each other by index:
//! an institution's `city` indexes `cities`, an employee's, archive's or invite grant's
//! `institution` indexes `institutions`. Instants are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::permissions::{GlobalRole, InstitutionRole};
use crate::time::optional_instant;

/// One confirmed import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPayload {
    /// The chosen server, or `None` when the folder has none.
    pub server: Option<String>,
    /// The stated time zone of the legacy local times (recorded in the audit entry).
    pub time_zone: String,
    /// Files the import took into account (for the audit summary).
    pub files: usize,
    /// Every city the import touches or references.
    pub cities: Vec<CityItem>,
    /// Every institution the import touches or references.
    pub institutions: Vec<InstitutionItem>,
    /// Only employees to create or to change.
    pub employees: Vec<EmployeeItem>,
    /// Archive objects uploaded to the bucket `arhiva` before the RPC.
    pub archives: Vec<ArchiveItem>,
    /// Legacy `audit_logs.json` entries.
    pub audit: Vec<AuditItem>,
    /// `users_permissions.json` accounts the admin accepted.
    pub invites: Vec<InviteItem>,
}

impl ImportPayload {
    /// Nothing to send: the folder holds nothing the cloud lacks (as far as the client knows).
    pub fn is_empty(&self) -> bool {
        self.cities.is_empty()
            && self.institutions.is_empty()
            && self.employees.is_empty()
            && self.archives.is_empty()
            && self.audit.is_empty()
            && self.invites.is_empty()
    }
}

/// A city: an existing live one (`id`, its name unchanged, never renamed) or one to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityItem {
    pub id: Option<i64>,
    pub name: String,
}

/// An institution: an existing live one (`id`, `expected_revision`) or one to create (`ranks`
/// and `columns` then required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionItem {
    pub id: Option<i64>,
    /// Index into [`ImportPayload::cities`].
    pub city: usize,
    pub name: String,
    /// The revision the preview saw; `None` for an institution to create.
    pub expected_revision: Option<i64>,
    /// `None`: leave as is; a list: set to exactly this.
    pub ranks: Option<Vec<String>>,
    /// `None`: leave as is; a list: set to exactly this.
    pub columns: Option<Vec<String>>,
    /// Applied only when newer than the cloud's, or the cloud has none.
    #[serde(with = "optional_instant")]
    pub last_points_change_at: Option<DateTime<Utc>>,
}

/// An employee to create (`id` `None`) or to change (every value as it will be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployeeItem {
    pub id: Option<String>,
    /// Index into [`ImportPayload::institutions`].
    pub institution: usize,
    pub rank: i32,
    pub punctaj: i32,
    #[serde(with = "optional_instant")]
    pub ultima_mod: Option<DateTime<Utc>>,
    /// Custom columns only, text values.
    pub fields: BTreeMap<String, String>,
}

/// An archive object to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveItem {
    /// Its key in the bucket `arhiva`.
    pub object_path: String,
    /// Index into [`ImportPayload::institutions`].
    pub institution: usize,
    #[serde(with = "instant")]
    pub archived_at: DateTime<Utc>,
    pub reset_by_name: Option<String>,
    pub employee_count: usize,
    pub total_points: i64,
    pub after_reset: bool,
}

/// A legacy audit entry, imported read-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    pub legacy_id: i64,
    #[serde(with = "instant")]
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub discord_id: String,
    pub action: String,
    pub city: String,
    pub institution: String,
    pub entity_name: String,
    pub details: String,
}

/// An accepted invitation: roles applied when the Discord account first signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteItem {
    pub discord_id: String,
    pub username: String,
    /// `admin` or `viewer`, never `owner`.
    pub global_role: Option<GlobalRole>,
    pub institutions: Vec<InviteGrant>,
}

/// One institution role of an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteGrant {
    /// Index into [`ImportPayload::institutions`].
    pub institution: usize,
    pub role: InstitutionRole,
}

/// `#[serde(with = "instant")]` for required instants, in the product's one textual form.
mod instant {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};
    use crate::time::{UTC_MICROS_FORMAT, parse_timestamp};

    pub(super) fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.format(UTC_MICROS_FORMAT))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_timestamp(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn serialises_exactly_the_contract_shape() {
        let at = Utc.with_ymd_and_hms(2026, 2, 18, 16, 13, 47).unwrap();
        let payload = ImportPayload {
            server: Some("balcaniwest".to_owned()),
            time_zone: "Europe/Bucharest".to_owned(),
            files: 2,
            cities: vec![CityItem {
                id: None,
                name: "Saint Denis".to_owned(),
            }],
            institutions: vec![InstitutionItem {
                id: Some(7),
                city: 0,
                name: "Politie".to_owned(),
                expected_revision: Some(12),
                ranks: None,
                columns: Some(vec!["DISCORD".to_owned()]),
                last_points_change_at: Some(at),
            }],
            employees: vec![EmployeeItem {
                id: None,
                institution: 0,
                rank: 5,
                punctaj: 20,
                ultima_mod: None,
                fields: BTreeMap::from([("DISCORD".to_owned(), "Sintact".to_owned())]),
            }],
            archives: vec![ArchiveItem {
                object_path: "BlackWater/Politie_2026-02-18_16-13-47.json".to_owned(),
                institution: 0,
                archived_at: at,
                reset_by_name: Some("parjanu".to_owned()),
                employee_count: 9,
                total_points: 38,
                after_reset: false,
            }],
            audit: vec![],
            invites: vec![InviteItem {
                discord_id: "703316932232872016".to_owned(),
                username: "parjanu".to_owned(),
                global_role: Some(GlobalRole::Viewer),
                institutions: vec![InviteGrant {
                    institution: 0,
                    role: InstitutionRole::Leader,
                }],
            }],
        };
        let json = serde_json::to_value(&payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "server": "balcaniwest", "time_zone": "Europe/Bucharest", "files": 2,
                "cities": [{"id": null, "name": "Saint Denis"}],
                "institutions": [{"id": 7, "city": 0, "name": "Politie", "expected_revision": 12,
                    "ranks": null, "columns": ["DISCORD"],
                    "last_points_change_at": "2026-02-18T16:13:47.000000Z"}],
                "employees": [{"id": null, "institution": 0, "rank": 5, "punctaj": 20,
                    "ultima_mod": null, "fields": {"DISCORD": "Sintact"}}],
                "archives": [{"object_path": "BlackWater/Politie_2026-02-18_16-13-47.json",
                    "institution": 0, "archived_at": "2026-02-18T16:13:47.000000Z",
                    "reset_by_name": "parjanu", "employee_count": 9, "total_points": 38,
                    "after_reset": false}],
                "audit": [],
                "invites": [{"discord_id": "703316932232872016", "username": "parjanu",
                    "global_role": "viewer", "institutions": [{"institution": 0, "role": "leader"}]}]
            })
        );
        assert!(!payload.is_empty());
        let back: ImportPayload = serde_json::from_value(json).unwrap();
        assert_eq!(back, payload);
    }
}
