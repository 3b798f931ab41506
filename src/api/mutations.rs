//! Every change goes through one SQL function (RPC) that checks the caller's permission from the
//! session, changes the data atomically, writes the audit log and bumps the sync version. Each
//! answers the new version and hash, so the client can adopt its own change without locking.

use std::collections::BTreeMap;

use punctaj_core::sync::VersionStamp;
use punctaj_supabase::{SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What a data-changing RPC answers: the cloud version after the change, plus its own fields.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MutationOutcome {
    pub version: i64,
    pub data_hash: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MutationOutcome {
    pub fn stamp(&self) -> VersionStamp {
        VersionStamp {
            version: self.version,
            data_hash: self.data_hash.trim().to_string(),
        }
    }

    /// The edited row's new row version, for an edit that follows this one.
    pub fn row_version(&self) -> Option<i64> {
        self.extra.get("row_version").and_then(Value::as_i64)
    }
}

/// The cloud's refusal of an edit whose row changed since the form opened it (`PT412`): the row
/// as it is now, as the error's `details` carry it.
#[derive(Clone, Debug, PartialEq)]
pub struct RowConflict {
    pub row_version: i64,
    pub current: Map<String, Value>,
}

impl RowConflict {
    /// `Some` when `error` is such a refusal with a readable row.
    pub fn from_error(error: &SupabaseError) -> Option<RowConflict> {
        let SupabaseError::PostgRest {
            code: Some(code),
            details: Some(details),
            ..
        } = error
        else {
            return None;
        };
        if code != "PT412" {
            return None;
        }
        let current: Map<String, Value> = serde_json::from_str(details).ok()?;
        let row_version = current.get("row_version")?.as_i64()?;
        Some(RowConflict {
            row_version,
            current,
        })
    }

    /// The row is soft-deleted now.
    pub fn is_deleted(&self) -> bool {
        self.current
            .get("deleted_at")
            .is_some_and(|at| !at.is_null())
    }

    /// A text column of the current row ("" when absent).
    pub fn text(&self, column: &str) -> String {
        self.current
            .get(column)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

pub(super) async fn mutate(
    client: &SupabaseClient,
    function: &str,
    args: Value,
) -> Result<MutationOutcome, SupabaseError> {
    let request = client.rest().rpc(function, &args)?.build();
    client.execute(request).await?.json()
}

pub async fn change_points(
    client: &SupabaseClient,
    institution_id: i64,
    employee_ids: &[String],
    delta: i32,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_employee_ids": employee_ids,
        "p_delta": delta,
    });
    mutate(client, "change_points", args).await
}

pub async fn add_employee(
    client: &SupabaseClient,
    institution_id: i64,
    rank: i32,
    fields: &BTreeMap<String, String>,
    punctaj: i32,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_rank": rank,
        "p_fields": fields,
        "p_punctaj": punctaj,
    });
    mutate(client, "add_employee", args).await
}

/// `None` keeps the current value: send only what the user changed, so that a concurrent change
/// of the other values is never overwritten. `expected_version` is the row version the form
/// opened with: the cloud refuses the edit with a [`RowConflict`] when the row changed since.
pub async fn update_employee(
    client: &SupabaseClient,
    employee_id: &str,
    expected_version: i64,
    rank: Option<i32>,
    fields: Option<&BTreeMap<String, String>>,
    punctaj: Option<i32>,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_employee_id": employee_id,
        "p_expected_version": expected_version,
        "p_rank": rank,
        "p_fields": fields,
        "p_punctaj": punctaj,
    });
    mutate(client, "update_employee", args).await
}

pub async fn delete_employees(
    client: &SupabaseClient,
    employee_ids: &[String],
) -> Result<MutationOutcome, SupabaseError> {
    mutate(
        client,
        "delete_employees",
        json!({ "p_employee_ids": employee_ids }),
    )
    .await
}

pub async fn create_city(
    client: &SupabaseClient,
    name: &str,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(client, "create_city", json!({ "p_name": name })).await
}

pub async fn rename_city(
    client: &SupabaseClient,
    city_id: i64,
    expected_version: i64,
    name: &str,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_city_id": city_id,
        "p_expected_version": expected_version,
        "p_name": name,
    });
    mutate(client, "rename_city", args).await
}

pub async fn delete_city(
    client: &SupabaseClient,
    city_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(client, "delete_city", json!({ "p_city_id": city_id })).await
}

pub async fn restore_city(
    client: &SupabaseClient,
    city_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(client, "restore_city", json!({ "p_city_id": city_id })).await
}

pub async fn create_institution(
    client: &SupabaseClient,
    city_id: i64,
    name: &str,
    ranks: &[String],
    columns: &[String],
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_city_id": city_id,
        "p_name": name,
        "p_ranks": ranks,
        "p_columns": columns,
    });
    mutate(client, "create_institution", args).await
}

pub async fn rename_institution(
    client: &SupabaseClient,
    institution_id: i64,
    expected_version: i64,
    name: &str,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_expected_version": expected_version,
        "p_name": name,
    });
    mutate(client, "rename_institution", args).await
}

pub async fn set_institution_ranks(
    client: &SupabaseClient,
    institution_id: i64,
    expected_version: i64,
    ranks: &[String],
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_expected_version": expected_version,
        "p_ranks": ranks,
    });
    mutate(client, "set_institution_ranks", args).await
}

/// `renames` maps an existing custom column to its new name, so its values follow it.
pub async fn set_institution_columns(
    client: &SupabaseClient,
    institution_id: i64,
    expected_version: i64,
    columns: &[String],
    renames: &BTreeMap<String, String>,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_expected_version": expected_version,
        "p_columns": columns,
        "p_renames": renames,
    });
    mutate(client, "set_institution_columns", args).await
}

pub async fn delete_institution(
    client: &SupabaseClient,
    institution_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(
        client,
        "delete_institution",
        json!({ "p_institution_id": institution_id }),
    )
    .await
}

pub async fn restore_institution(
    client: &SupabaseClient,
    institution_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(
        client,
        "restore_institution",
        json!({ "p_institution_id": institution_id }),
    )
    .await
}

/// Zeroes the institution's points once the pre-reset archive is stored at `archive_path`, if
/// nobody changed the institution since `expected_revision` (the snapshot's revision).
pub async fn reset_punctaj(
    client: &SupabaseClient,
    institution_id: i64,
    archive_path: &str,
    expected_revision: i64,
) -> Result<MutationOutcome, SupabaseError> {
    let args = json!({
        "p_institution_id": institution_id,
        "p_archive_path": archive_path,
        "p_expected_revision": expected_revision,
    });
    mutate(client, "reset_punctaj", args).await
}

/// Bumps the cloud version so that every other connected client locks at its next check.
pub async fn force_sync(client: &SupabaseClient) -> Result<MutationOutcome, SupabaseError> {
    mutate(client, "force_sync", json!({})).await
}
