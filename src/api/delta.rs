//! Delta sync: the scopes changed since a version (`rpc/sync_changes`) and the rows changed
//! since the versions this device holds (`rpc/sync_delta`), each read in one snapshot.

use std::collections::BTreeMap;

use punctaj_core::delta::{Delta, SyncChanges};
use punctaj_core::scope::ScopeId;
use punctaj_supabase::{SendOptions, SupabaseClient, SupabaseError};
use serde_json::{Map, Value, json};

/// The cloud's version, hash and delta floor, with every scope changed after `since` (0: every
/// scope). Returns the bytes received too.
pub async fn sync_changes(
    client: &SupabaseClient,
    since: i64,
    options: SendOptions,
) -> Result<(SyncChanges, u64), SupabaseError> {
    let request = client
        .rest()
        .rpc("sync_changes", &json!({ "p_since": since }))?
        .build();
    let response = client.execute_with(request, options).await?;
    Ok((response.json()?, response.body.len() as u64))
}

/// The answer to `rpc/sync_delta` for the versions held per scope, not yet parsed: a delta the
/// client cannot read is a reason to download everything, not a failed download.
pub async fn sync_delta(
    client: &SupabaseClient,
    since: &BTreeMap<ScopeId, i64>,
    options: SendOptions,
) -> Result<(Result<Delta, String>, u64), SupabaseError> {
    let held: Map<String, Value> = since
        .iter()
        .map(|(scope, version)| (scope.to_string(), json!(version)))
        .collect();
    let request = client
        .rest()
        .rpc("sync_delta", &json!({ "p_since": held }))?
        .build();
    let response = client.execute_with(request, options).await?;
    let bytes = response.body.len() as u64;
    let delta = serde_json::from_slice::<Delta>(&response.body)
        .map_err(|error| format!("the delta could not be read ({error})"));
    Ok((delta, bytes))
}
