//! The import of the old desktop app's folder: one RPC, `import_legacy`, that writes everything
//! the preview showed in one transaction (sql/migrations/0008_import.sql).

use punctaj_supabase::{SupabaseClient, SupabaseError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::mutations::MutationOutcome;

/// What the import created or changed, as the database counted it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ImportCounts {
    pub cities_created: u64,
    pub institutions_created: u64,
    pub institutions_updated: u64,
    pub employees_created: u64,
    pub employees_updated: u64,
    pub archives_recorded: u64,
    pub audit_imported: u64,
    pub invites_saved: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportOutcome {
    /// Whether any synced row changed (then the version was bumped once).
    pub changed: bool,
    pub counts: ImportCounts,
    /// The version after the import (the current one when nothing changed).
    pub mutation: MutationOutcome,
}

/// Runs the import described by `payload` (the archives it names must already be stored).
pub async fn import_legacy(
    client: &SupabaseClient,
    payload: &impl Serialize,
) -> Result<ImportOutcome, SupabaseError> {
    let request = client
        .rest()
        .rpc("import_legacy", &json!({ "p_payload": payload }))?
        .build();
    let mutation: MutationOutcome = client.execute(request).await?.json()?;
    let changed = mutation
        .extra
        .get("changed")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let counts = mutation
        .extra
        .get("counts")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|error| SupabaseError::Decode(error.to_string()))?
        .unwrap_or_default();
    Ok(ImportOutcome {
        changed,
        counts,
        mutation,
    })
}
