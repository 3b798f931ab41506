//! The cloud's daily backups (table `backups`, RPCs `backup_now`, `backup_document`,
//! `restore_backup`, `set_backup_settings`): snapshots of every synced row that the server takes
//! at midnight in the community's time zone (pg_cron) and on the owner's request. The client
//! never runs a scheduled or destructive job itself: it lists, asks and downloads.

use punctaj_supabase::{SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::json;

use super::mutations::{MutationOutcome, mutate};

/// What a backup holds, counted when it was taken.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BackupCounts {
    pub cities: i64,
    pub institutions: i64,
    pub employees: i64,
    pub archives: i64,
}

/// One backup, without its snapshot (which only [`backup_document`] returns).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Backup {
    pub id: i64,
    pub taken_at: String,
    /// The day in the community's time zone.
    pub local_date: String,
    /// `scheduled`, `manual` or `pre_restore` (taken by a restore just before it).
    pub kind: String,
    pub taken_by_name: Option<String>,
    pub version: i64,
    pub counts: BackupCounts,
    pub size_bytes: i64,
    pub restored_at: Option<String>,
    pub restored_by_name: Option<String>,
}

/// When and for how long backups are kept.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct BackupSettings {
    pub time_zone: String,
    pub retention_days: i64,
    pub max_bytes: i64,
}

/// Backups shown at most (a month of daily ones and the manual ones beside them).
const LISTED: u64 = 200;

pub async fn list_backups(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<Backup>, SupabaseError> {
    let request = client
        .rest()
        .from("backups")
        .select("id,taken_at,local_date,kind,taken_by_name,version,counts,size_bytes,restored_at,restored_by_name")
        .order("taken_at", false, None)
        .order("id", false, None)
        .limit(LISTED)
        .build();
    client.execute_with(request, options).await?.json()
}

pub async fn backup_settings(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Option<BackupSettings>, SupabaseError> {
    let request = client
        .rest()
        .from("backup_settings")
        .select("time_zone,retention_days,max_bytes")
        .build();
    let rows: Vec<BackupSettings> = client.execute_with(request, options).await?.json()?;
    Ok(rows.into_iter().next())
}

pub async fn set_backup_settings(
    client: &SupabaseClient,
    settings: &BackupSettings,
) -> Result<(), SupabaseError> {
    let args = json!({
        "p_time_zone": settings.time_zone,
        "p_retention_days": settings.retention_days,
        "p_max_bytes": settings.max_bytes,
    });
    let request = client.rest().rpc("set_backup_settings", &args)?.build();
    client.execute(request).await.map(|_| ())
}

/// Takes a backup now.
pub async fn backup_now(client: &SupabaseClient) -> Result<(), SupabaseError> {
    let request = client.rest().rpc("backup_now", &json!({}))?.build();
    client.execute(request).await.map(|_| ())
}

/// One backup's snapshot, as the JSON text the server sent (saved as the owner's file).
pub async fn backup_document(
    client: &SupabaseClient,
    backup_id: i64,
) -> Result<String, SupabaseError> {
    let args = json!({ "p_backup_id": backup_id });
    let request = client.rest().rpc("backup_document", &args)?.build();
    let response = client.execute(request).await?;
    String::from_utf8(response.body)
        .map_err(|_| SupabaseError::Decode("the backup is not UTF-8 text".into()))
}

/// Brings every synced row back to the backup's state (after keeping the current state as a
/// backup of its own): one change, which every other client locks on and downloads.
pub async fn restore_backup(
    client: &SupabaseClient,
    backup_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(
        client,
        "restore_backup",
        json!({ "p_backup_id": backup_id }),
    )
    .await
}
