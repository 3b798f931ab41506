//! The old app's `users_permissions.json`: each Discord account's old permissions, mapped to the
//! product's roles and offered to the admin as invitations (applied when that account first
//! signs in with Discord).
//!
//! The file is `{users: {<discord_id>: {discord_id, username, is_superuser, is_admin,
//! permissions: {global: {…}, institutions: {City: {Inst: {can_view, can_edit, …}}},
//! cities: {…}}}}, last_sync, sync_status, user_count}`.
//!
//! The mapping (the product's roles are in [`crate::permissions`]); it never offers more than
//! the old app granted, and never `owner`:
//!
//! | old permission | offered role |
//! |---|---|
//! | `is_superuser` or `is_admin` | global `admin` (institution roles are then implied, not listed) |
//! | in an institution: any of `can_edit`, `can_delete`, `can_add_employee`, `can_delete_employee`, `can_reset_scores` | `leader` of that institution |
//! | in an institution: otherwise `can_add_score` or `can_deduct_scores` | `member` of that institution |
//! | no role above, but `can_view` anywhere (global, user-level or in an institution) | global `viewer` |
//! | nothing of the above | not offered |
//!
//! City-level permissions (`cities: {City: {can_add_institutions, …}}`) and the global UI
//! switches (`can_see_admin_button`, …) map to nothing: in the product, structure belongs to
//! admins, and those are offered only from `is_admin`/`is_superuser`.
//!
//! Discord ids must be numeric, 17 to 20 digits; an account whose id is not is a problem and is
//! not offered. A malformed account does not sink the file.

use serde_json::{Map, Value};
use thiserror::Error;

use crate::permissions::{GlobalRole, InstitutionRole};

/// Longest username the invitations table keeps.
const MAX_USERNAME_LEN: usize = 100;
/// What makes an institution permission a leader's.
const LEADER_PERMISSIONS: [&str; 5] = [
    "can_edit",
    "can_delete",
    "can_add_employee",
    "can_delete_employee",
    "can_reset_scores",
];
/// What makes it a member's.
const MEMBER_PERMISSIONS: [&str; 2] = ["can_add_score", "can_deduct_scores"];

/// One account and the roles its old permissions map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAccount {
    pub discord_id: String,
    pub username: String,
    /// `admin` or `viewer`, never `owner`.
    pub global_role: Option<GlobalRole>,
    /// Empty when `global_role` is `admin`.
    pub institutions: Vec<LegacyGrant>,
}

/// A role in one institution, by the names the old file uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyGrant {
    pub city: String,
    pub institution: String,
    pub role: InstitutionRole,
}

/// A permissions file as far as it could be read: the accounts to offer (those with a role).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermissionsRead {
    pub accounts: Vec<LegacyAccount>,
    pub problems: Vec<PermissionsProblem>,
}

/// What is wrong with a permissions file or one of its accounts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PermissionsProblem {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a permissions file (expected {{\"users\": {{…}}}})")]
    NotAPermissionsFile,
    #[error("users.{key}: {discord_id:?} is not a Discord id (17 to 20 digits)")]
    BadDiscordId { key: String, discord_id: String },
    #[error("users.{key}: {what}")]
    MalformedAccount { key: String, what: &'static str },
}

/// Reads a `users_permissions.json` text.
///
/// # Errors
///
/// [`PermissionsProblem::Json`] or [`PermissionsProblem::NotAPermissionsFile`] when nothing can
/// be read; a bad account is only listed in [`PermissionsRead::problems`].
pub fn read_permissions(text: &str) -> Result<PermissionsRead, PermissionsProblem> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| PermissionsProblem::Json(error.to_string()))?;
    let users = value
        .get("users")
        .and_then(Value::as_object)
        .ok_or(PermissionsProblem::NotAPermissionsFile)?;
    let mut read = PermissionsRead::default();
    for (key, user) in users {
        match read_account(key, user) {
            Ok(Some(account)) => read.accounts.push(account),
            Ok(None) => {}
            Err(problem) => read.problems.push(problem),
        }
    }
    Ok(read)
}

/// Whether `discord_id` is a Discord id: 17 to 20 ASCII digits.
pub fn is_discord_id(discord_id: &str) -> bool {
    (17..=20).contains(&discord_id.len()) && discord_id.bytes().all(|byte| byte.is_ascii_digit())
}

/// `Ok(None)`: an account with nothing to offer.
fn read_account(key: &str, user: &Value) -> Result<Option<LegacyAccount>, PermissionsProblem> {
    let malformed = |what| PermissionsProblem::MalformedAccount {
        key: key.to_owned(),
        what,
    };
    let user = user.as_object().ok_or_else(|| malformed("not an object"))?;
    let discord_id = match user.get("discord_id") {
        None | Some(Value::Null) => key.trim().to_owned(),
        Some(Value::String(id)) => id.trim().to_owned(),
        Some(Value::Number(id)) => id.to_string(),
        Some(_) => return Err(malformed("discord_id is not text")),
    };
    if !is_discord_id(&discord_id) {
        return Err(PermissionsProblem::BadDiscordId {
            key: key.to_owned(),
            discord_id,
        });
    }
    if !key.trim().is_empty() && key.trim() != discord_id {
        return Err(malformed("the key and discord_id name different accounts"));
    }
    let username = match user.get("username") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(name)) => name.trim().to_owned(),
        Some(_) => return Err(malformed("username is not text")),
    };
    if username.chars().count() > MAX_USERNAME_LEN {
        return Err(malformed("username is too long"));
    }
    let permissions = match user.get("permissions") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(permissions)) => permissions.clone(),
        Some(_) => return Err(malformed("permissions is not an object")),
    };

    let admin = flag(user, "is_superuser") || flag(user, "is_admin");
    let institutions = if admin {
        Vec::new()
    } else {
        institution_grants(&permissions).map_err(malformed)?
    };
    let can_view = flag(user, "can_view")
        || permissions
            .get("global")
            .and_then(Value::as_object)
            .is_some_and(|global| flag(global, "can_view"))
        || any_institution_can_view(&permissions);
    let global_role = if admin {
        Some(GlobalRole::Admin)
    } else if institutions.is_empty() && can_view {
        Some(GlobalRole::Viewer)
    } else {
        None
    };
    if global_role.is_none() && institutions.is_empty() {
        return Ok(None);
    }
    Ok(Some(LegacyAccount {
        discord_id,
        username,
        global_role,
        institutions,
    }))
}

/// `permissions.institutions.City.Inst` → a role, where the permissions give one.
fn institution_grants(permissions: &Map<String, Value>) -> Result<Vec<LegacyGrant>, &'static str> {
    let mut grants = Vec::new();
    for (city, institutions, flags) in institution_entries(permissions)? {
        let role = if LEADER_PERMISSIONS.iter().any(|name| flag(flags, name)) {
            InstitutionRole::Leader
        } else if MEMBER_PERMISSIONS.iter().any(|name| flag(flags, name)) {
            InstitutionRole::Member
        } else {
            continue;
        };
        grants.push(LegacyGrant {
            city: city.trim().to_owned(),
            institution: institutions.trim().to_owned(),
            role,
        });
    }
    // Whatever order the JSON object had (serde_json may keep or sort it).
    grants.sort_by(|a, b| (&a.city, &a.institution).cmp(&(&b.city, &b.institution)));
    Ok(grants)
}

fn any_institution_can_view(permissions: &Map<String, Value>) -> bool {
    institution_entries(permissions)
        .is_ok_and(|entries| entries.iter().any(|(_, _, flags)| flag(flags, "can_view")))
}

type InstitutionEntry<'a> = (&'a str, &'a str, &'a Map<String, Value>);

fn institution_entries(
    permissions: &Map<String, Value>,
) -> Result<Vec<InstitutionEntry<'_>>, &'static str> {
    let Some(cities) = permissions.get("institutions") else {
        return Ok(Vec::new());
    };
    let cities = match cities {
        Value::Null => return Ok(Vec::new()),
        Value::Object(cities) => cities,
        _ => return Err("permissions.institutions is not an object"),
    };
    let mut entries = Vec::new();
    for (city, institutions) in cities {
        let institutions = institutions
            .as_object()
            .ok_or("a city of permissions.institutions is not an object")?;
        for (institution, flags) in institutions {
            let flags = flags
                .as_object()
                .ok_or("an institution's permissions are not an object")?;
            entries.push((city.as_str(), institution.as_str(), flags));
        }
    }
    Ok(entries)
}

/// A permission that is set: `true` (or `1`, as some copies wrote it).
fn flag(object: &Map<String, Value>, name: &str) -> bool {
    match object.get(name) {
        Some(Value::Bool(set)) => *set,
        Some(Value::Number(number)) => number.as_i64() == Some(1),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ID: &str = "703316932232872016";

    fn account(user: &str) -> Result<Option<LegacyAccount>, PermissionsProblem> {
        let read = read_permissions(&format!(
            r#"{{"users": {{"{ID}": {user}}}, "user_count": 1}}"#
        ))
        .unwrap();
        match read.problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(read.accounts.into_iter().next()),
        }
    }

    fn grants(institutions: &str) -> Option<LegacyAccount> {
        account(&format!(
            r#"{{"username": "parjanu", "permissions": {{"institutions": {institutions}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn superusers_and_admins_become_admins_never_owners() {
        for user in [
            r#"{"is_superuser": true}"#,
            r#"{"is_admin": 1, "username": "x"}"#,
        ] {
            let account = account(user).unwrap().unwrap();
            assert_eq!(account.global_role, Some(GlobalRole::Admin));
            assert_eq!(account.discord_id, ID);
        }
    }

    #[test]
    fn institution_permissions_map_to_leader_or_member() {
        let account = grants(
            r#"{"BlackWater": {"Politie": {"can_view": true, "can_reset_scores": true},
                               "Medici": {"can_view": true, "can_add_score": true}},
                "Saint Denis": {"Politie": {"can_view": true, "can_deduct_scores": true, "can_edit": false},
                                "Medici": {"can_view": true}}}"#,
        )
        .unwrap();
        assert_eq!(
            account.global_role, None,
            "a role somewhere is more than viewing"
        );
        let roles: Vec<_> = account
            .institutions
            .iter()
            .map(|grant| (grant.city.as_str(), grant.institution.as_str(), grant.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("BlackWater", "Medici", InstitutionRole::Member),
                ("BlackWater", "Politie", InstitutionRole::Leader),
                ("Saint Denis", "Politie", InstitutionRole::Member),
            ]
        );
        for leader in [
            "can_edit",
            "can_delete",
            "can_add_employee",
            "can_delete_employee",
        ] {
            let account = grants(&format!(r#"{{"C": {{"I": {{"{leader}": true}}}}}}"#)).unwrap();
            assert_eq!(
                account.institutions[0].role,
                InstitutionRole::Leader,
                "{leader}"
            );
        }
    }

    #[test]
    fn viewing_alone_makes_a_viewer_and_nothing_is_not_offered() {
        let viewer = grants(r#"{"C": {"I": {"can_view": true}}}"#).unwrap();
        assert_eq!(viewer.global_role, Some(GlobalRole::Viewer));
        assert!(viewer.institutions.is_empty());
        let global = account(r#"{"permissions": {"global": {"can_view": true}}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(global.global_role, Some(GlobalRole::Viewer));
        assert_eq!(grants(r#"{"C": {"I": {"can_view": false}}}"#), None);
        assert_eq!(
            account(r#"{"permissions": {"cities": {"C": {"can_add_institutions": true}}}}"#)
                .unwrap(),
            None
        );
    }

    #[test]
    fn discord_ids_must_be_numeric() {
        for bad in [
            "parjanu",
            "12345",
            "7033169322328720161234",
            "70331693223287201x",
        ] {
            let text = format!(r#"{{"users": {{"{bad}": {{"is_admin": true}}}}}}"#);
            let read = read_permissions(&text).unwrap();
            assert!(read.accounts.is_empty(), "{bad}");
            assert!(
                matches!(
                    &read.problems[..],
                    [PermissionsProblem::BadDiscordId { .. }]
                ),
                "{bad}: {:?}",
                read.problems
            );
        }
        let mismatch = account(r#"{"discord_id": "111111111111111111", "is_admin": true}"#);
        assert!(matches!(
            mismatch,
            Err(PermissionsProblem::MalformedAccount { .. })
        ));
    }

    #[test]
    fn a_malformed_account_does_not_sink_the_others() {
        let text = format!(
            r#"{{"users": {{"{ID}": {{"is_admin": true}}, "111111111111111111": 5,
                          "222222222222222222": {{"permissions": {{"institutions": []}}}}}}}}"#
        );
        let read = read_permissions(&text).unwrap();
        assert_eq!(read.accounts.len(), 1);
        assert_eq!(read.problems.len(), 2);
        assert_eq!(
            read_permissions("[]"),
            Err(PermissionsProblem::NotAPermissionsFile)
        );
    }
}
