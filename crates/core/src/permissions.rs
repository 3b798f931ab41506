//! The permission rule, mirrored from the SQL function `app.can(capability, institution_id)`
//! (`docs/database.md`, "Permissions").
//!
//! The database enforces it; this copy only decides what the UI offers, so a button is never
//! shown for an action the server would refuse. A test in the local backend compares the two for
//! every combination, which is why capabilities expose their SQL names.

use serde::{Deserialize, Serialize};

/// A role over the whole deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GlobalRole {
    Owner,
    Admin,
    Viewer,
}

impl GlobalRole {
    pub const ALL: [Self; 3] = [Self::Owner, Self::Admin, Self::Viewer];

    /// The value of `global_roles.role`.
    pub fn as_sql_name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Viewer => "viewer",
        }
    }
}

/// A role in one institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstitutionRole {
    Leader,
    Member,
}

impl InstitutionRole {
    pub const ALL: [Self; 2] = [Self::Leader, Self::Member];

    /// The value of `institution_roles.role`.
    pub fn as_sql_name(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::Member => "member",
        }
    }
}

/// Any role the members page can grant or revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Global(GlobalRole),
    Institution(InstitutionRole),
}

/// One institution role of the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionGrant {
    pub institution_id: i64,
    pub role: InstitutionRole,
}

/// The signed-in account and its grants, as returned by RPC `my_access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub discord_id: Option<String>,
    #[serde(default)]
    pub global_role: Option<GlobalRole>,
    #[serde(default)]
    pub institutions: Vec<InstitutionGrant>,
    /// The server's "no grant yet" flag, shown on the waiting page. [`can`] decides from the
    /// grants themselves, as `app.can` does from the role tables.
    #[serde(default)]
    pub pending: bool,
}

impl Access {
    /// The account's role in `institution_id`, if any.
    pub fn institution_role(&self, institution_id: i64) -> Option<InstitutionRole> {
        self.institutions
            .iter()
            .find(|grant| grant.institution_id == institution_id)
            .map(|grant| grant.role)
    }

    /// A global role or at least one institution role.
    pub fn is_granted(&self) -> bool {
        self.global_role.is_some() || !self.institutions.is_empty()
    }
}

/// What an account may do; each is one row of the permissions table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// See the synced data and archives.
    Read,
    /// Add or subtract points in an institution.
    Points,
    /// Add, edit and delete an institution's employees.
    Employees,
    /// Reset an institution's scores.
    Reset,
    /// Read the audit log (of one institution, or all of it without one).
    Audit,
    /// Cities, institutions, ranks, columns, restoring deleted rows.
    Structure,
    /// Grant and revoke roles.
    Members,
    /// Force every client to download again.
    ForceSync,
    /// Take, download and restore the server's backups, and set when they are taken: the
    /// owner's alone (a restore replaces everything everyone synced).
    Backups,
}

impl Capability {
    pub const ALL: [Self; 9] = [
        Self::Read,
        Self::Points,
        Self::Employees,
        Self::Reset,
        Self::Audit,
        Self::Structure,
        Self::Members,
        Self::ForceSync,
        Self::Backups,
    ];

    /// The first argument of `app.can`.
    pub fn as_sql_name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Points => "points",
            Self::Employees => "employees",
            Self::Reset => "reset",
            Self::Audit => "audit",
            Self::Structure => "structure",
            Self::Members => "members",
            Self::ForceSync => "force_sync",
            Self::Backups => "backups",
        }
    }
}

/// Whether `access` may use `capability`, in `institution_id` for the per-institution ones.
///
/// Owners may do everything, admins everything but the backups. Without an institution, an
/// institution role grants none of the per-institution capabilities.
pub fn can(access: &Access, capability: Capability, institution_id: Option<i64>) -> bool {
    if !access.is_granted() {
        return false;
    }
    if capability == Capability::Backups {
        return access.global_role == Some(GlobalRole::Owner);
    }
    if matches!(
        access.global_role,
        Some(GlobalRole::Owner | GlobalRole::Admin)
    ) {
        return true;
    }
    let role_here = institution_id.and_then(|id| access.institution_role(id));
    match capability {
        Capability::Read | Capability::ForceSync => true,
        Capability::Points => role_here.is_some(),
        Capability::Employees | Capability::Reset | Capability::Audit => {
            role_here == Some(InstitutionRole::Leader)
        }
        Capability::Structure | Capability::Members | Capability::Backups => false,
    }
}

/// Whether `access` may grant (or revoke) `role`: owners any role, admins the viewer role and
/// institution roles, nobody else anything.
///
/// Replacing someone's global role revokes the old one, so check both: an admin may not demote
/// another admin to viewer, just as the server refuses it.
pub fn can_grant(access: &Access, role: Role) -> bool {
    match access.global_role {
        Some(GlobalRole::Owner) => true,
        Some(GlobalRole::Admin) => matches!(
            role,
            Role::Global(GlobalRole::Viewer) | Role::Institution(_)
        ),
        Some(GlobalRole::Viewer) | None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HERE: i64 = 7;
    const ELSEWHERE: i64 = 8;

    /// The columns of the table in `docs/database.md`.
    #[derive(Debug, Clone, Copy)]
    enum Who {
        Owner,
        Admin,
        Viewer,
        LeaderHere,
        MemberHere,
        GrantedElsewhere,
        NoGrant,
    }

    const EVERYONE: [Who; 7] = [
        Who::Owner,
        Who::Admin,
        Who::Viewer,
        Who::LeaderHere,
        Who::MemberHere,
        Who::GrantedElsewhere,
        Who::NoGrant,
    ];

    fn access(who: Who) -> Access {
        let mut access = Access {
            user_id: "u".to_owned(),
            email: None,
            display_name: None,
            discord_id: None,
            global_role: None,
            institutions: vec![],
            pending: false,
        };
        let grant = |institution_id, role| InstitutionGrant {
            institution_id,
            role,
        };
        match who {
            Who::Owner => access.global_role = Some(GlobalRole::Owner),
            Who::Admin => access.global_role = Some(GlobalRole::Admin),
            Who::Viewer => access.global_role = Some(GlobalRole::Viewer),
            Who::LeaderHere => access.institutions = vec![grant(HERE, InstitutionRole::Leader)],
            Who::MemberHere => access.institutions = vec![grant(HERE, InstitutionRole::Member)],
            Who::GrantedElsewhere => {
                access.institutions = vec![grant(ELSEWHERE, InstitutionRole::Leader)];
            }
            Who::NoGrant => access.pending = true,
        }
        access
    }

    /// One row of the table: the expected answer for each column, in [`EVERYONE`] order.
    fn expect(capability: Capability, institution: Option<i64>, row: [bool; 7]) {
        for (who, expected) in EVERYONE.into_iter().zip(row) {
            assert_eq!(
                can(&access(who), capability, institution),
                expected,
                "{capability:?} {institution:?} for {who:?}"
            );
        }
    }

    const Y: bool = true;
    const N: bool = false;

    #[test]
    fn the_documented_table() {
        //                                         owner admin viewer leader member other none
        expect(Capability::Read, None, [Y, Y, Y, Y, Y, Y, N]);
        expect(Capability::Read, Some(HERE), [Y, Y, Y, Y, Y, Y, N]);
        expect(Capability::Points, Some(HERE), [Y, Y, N, Y, Y, N, N]);
        expect(Capability::Employees, Some(HERE), [Y, Y, N, Y, N, N, N]);
        expect(Capability::Reset, Some(HERE), [Y, Y, N, Y, N, N, N]);
        expect(Capability::Audit, Some(HERE), [Y, Y, N, Y, N, N, N]);
        expect(Capability::Audit, None, [Y, Y, N, N, N, N, N]);
        expect(Capability::Structure, None, [Y, Y, N, N, N, N, N]);
        expect(Capability::Structure, Some(HERE), [Y, Y, N, N, N, N, N]);
        expect(Capability::Members, None, [Y, Y, N, N, N, N, N]);
        expect(Capability::ForceSync, None, [Y, Y, Y, Y, Y, Y, N]);
        expect(Capability::Backups, None, [Y, N, N, N, N, N, N]);
        expect(Capability::Backups, Some(HERE), [Y, N, N, N, N, N, N]);
    }

    #[test]
    fn institution_capabilities_need_the_institution() {
        for capability in [Capability::Points, Capability::Employees, Capability::Reset] {
            expect(capability, None, [Y, Y, N, N, N, N, N]);
            expect(capability, Some(ELSEWHERE), [Y, Y, N, N, N, Y, N]);
        }
    }

    #[test]
    fn no_grant_means_nothing_whatever_the_pending_flag_says() {
        let mut nobody = access(Who::NoGrant);
        nobody.pending = false;
        for capability in Capability::ALL {
            for institution in [None, Some(HERE)] {
                assert!(!can(&nobody, capability, institution), "{capability:?}");
            }
        }
    }

    #[test]
    fn sql_names_are_distinct_snake_case() {
        let names: Vec<_> = Capability::ALL.iter().map(|c| c.as_sql_name()).collect();
        assert_eq!(
            names,
            [
                "read",
                "points",
                "employees",
                "reset",
                "audit",
                "structure",
                "members",
                "force_sync",
                "backups"
            ]
        );
        for role in GlobalRole::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_sql_name()));
        }
        for role in InstitutionRole::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_sql_name()));
        }
    }

    #[test]
    fn grants_follow_the_members_row() {
        let all_roles: Vec<Role> = GlobalRole::ALL
            .map(Role::Global)
            .into_iter()
            .chain(InstitutionRole::ALL.map(Role::Institution))
            .collect();
        for role in &all_roles {
            assert!(
                can_grant(&access(Who::Owner), *role),
                "owner grants {role:?}"
            );
            let admin_may = !matches!(role, Role::Global(GlobalRole::Owner | GlobalRole::Admin));
            assert_eq!(
                can_grant(&access(Who::Admin), *role),
                admin_may,
                "admin {role:?}"
            );
            for who in [
                Who::Viewer,
                Who::LeaderHere,
                Who::MemberHere,
                Who::GrantedElsewhere,
                Who::NoGrant,
            ] {
                assert!(!can_grant(&access(who), *role), "{who:?} grants {role:?}");
            }
        }
    }

    #[test]
    fn reads_my_access() {
        let json = r#"{
            "user_id": "9f0e0000-0000-0000-0000-000000000000",
            "email": "lider@example.com",
            "display_name": "parjanu",
            "discord_id": "703316932232872016",
            "global_role": null,
            "institutions": [{"institution_id": 7, "role": "leader"},
                             {"institution_id": 9, "role": "member"}],
            "pending": false
        }"#;
        let access: Access = serde_json::from_str(json).unwrap();
        assert_eq!(access.global_role, None);
        assert_eq!(access.institution_role(7), Some(InstitutionRole::Leader));
        assert_eq!(access.institution_role(9), Some(InstitutionRole::Member));
        assert_eq!(access.institution_role(8), None);
        assert!(can(&access, Capability::Reset, Some(7)));
        assert!(!can(&access, Capability::Reset, Some(9)));

        let owner: Access = serde_json::from_str(
            r#"{"user_id": "u", "email": null, "display_name": null, "discord_id": null,
                "global_role": "owner", "institutions": [], "pending": false}"#,
        )
        .unwrap();
        assert_eq!(owner.global_role, Some(GlobalRole::Owner));

        let unknown_role = r#"{"user_id": "u", "global_role": "superuser", "institutions": []}"#;
        assert!(serde_json::from_str::<Access>(unknown_role).is_err());
    }
}
