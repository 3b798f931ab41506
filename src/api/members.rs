//! The members page: accounts with their roles, and granting/revoking them (owner and admin).

use punctaj_supabase::{SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AccountInstitutionRole {
    pub institution_id: i64,
    pub institution_name: Option<String>,
    pub city_name: Option<String>,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Account {
    pub user_id: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub discord_username: Option<String>,
    pub created_at: Option<String>,
    pub global_role: Option<String>,
    #[serde(default)]
    pub institutions: Vec<AccountInstitutionRole>,
    pub pending: bool,
}

impl Account {
    /// The name people know the account by.
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .or_else(|| self.discord_username.clone())
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| self.user_id.clone())
    }
}

pub async fn accounts(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<Account>, SupabaseError> {
    let request = client
        .rest()
        .from("account_overview")
        .select("user_id,email,display_name,discord_username,created_at,global_role,institutions,pending")
        .order("created_at", true, None)
        .build();
    client.execute_with(request, options).await?.json()
}

/// A Discord account invited by an import of the old desktop app's `users_permissions.json`:
/// its roles are granted when it first signs in with Discord.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DiscordInvite {
    pub discord_id: String,
    pub username: Option<String>,
    pub global_role: Option<String>,
    #[serde(default)]
    pub institution_roles: Vec<InvitedInstitutionRole>,
    pub invited_at: Option<String>,
    /// Set once the account signed in and got its roles.
    pub accepted_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InvitedInstitutionRole {
    pub institution_id: i64,
    pub role: String,
}

/// Every invitation, oldest first (owners and admins may read them).
pub async fn discord_invites(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<DiscordInvite>, SupabaseError> {
    let request = client
        .rest()
        .from("discord_invites")
        .select("discord_id,username,global_role,institution_roles,invited_at,accepted_at")
        .order("invited_at", true, None)
        .build();
    client.execute_with(request, options).await?.json()
}

async fn call(client: &SupabaseClient, function: &str, args: Value) -> Result<(), SupabaseError> {
    let request = client.rest().rpc(function, &args)?.build();
    client.execute(request).await.map(|_| ())
}

pub async fn grant_global_role(
    client: &SupabaseClient,
    user_id: &str,
    role: &str,
) -> Result<(), SupabaseError> {
    call(
        client,
        "grant_global_role",
        json!({ "p_user_id": user_id, "p_role": role }),
    )
    .await
}

pub async fn revoke_global_role(
    client: &SupabaseClient,
    user_id: &str,
) -> Result<(), SupabaseError> {
    call(
        client,
        "revoke_global_role",
        json!({ "p_user_id": user_id }),
    )
    .await
}

pub async fn grant_institution_role(
    client: &SupabaseClient,
    user_id: &str,
    institution_id: i64,
    role: &str,
) -> Result<(), SupabaseError> {
    let args = json!({ "p_user_id": user_id, "p_institution_id": institution_id, "p_role": role });
    call(client, "grant_institution_role", args).await
}

pub async fn revoke_institution_role(
    client: &SupabaseClient,
    user_id: &str,
    institution_id: i64,
) -> Result<(), SupabaseError> {
    let args = json!({ "p_user_id": user_id, "p_institution_id": institution_id });
    call(client, "revoke_institution_role", args).await
}
