//! Undoing a reset (`rpc/undo_reset`) and which archives can be, or were, undone (`archives`:
//! `undoable`, `undone_at`, `undone_by_name`). Only the institution's last reset recorded by this
//! version of the app is undoable, once; the server keeps that rule, the client only shows it.

use punctaj_supabase::{IsValue, SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::json;

use super::mutations::{MutationOutcome, mutate};

/// An archive's undo state.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ArchiveUndoState {
    pub id: i64,
    /// Its key in the bucket: how the archive browser finds it.
    pub object_path: String,
    pub institution_id: Option<i64>,
    pub archived_at: String,
    pub employee_count: i64,
    pub total_points: i64,
    pub undoable: bool,
    pub undone_at: Option<String>,
    pub undone_by_name: Option<String>,
}

const COLUMNS: &str = "id,object_path,institution_id,archived_at,employee_count,total_points,undoable,undone_at,undone_by_name";

/// The archives that can be undone now (at most one per institution), of one institution or of
/// all.
pub async fn undoable_archives(
    client: &SupabaseClient,
    options: SendOptions,
    institution_id: Option<i64>,
) -> Result<Vec<ArchiveUndoState>, SupabaseError> {
    let mut query = client
        .rest()
        .from("archives")
        .select(COLUMNS)
        .is("undoable", IsValue::True);
    if let Some(id) = institution_id {
        query = query.eq("institution_id", id);
    }
    client.execute_with(query.build(), options).await?.json()
}

/// The archives whose reset was undone, newest undo first.
pub async fn undone_archives(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<ArchiveUndoState>, SupabaseError> {
    let request = client
        .rest()
        .from("archives")
        .select(COLUMNS)
        .not("undone_at", "is", "null")
        .order("undone_at", false, None)
        .build();
    client.execute_with(request, options).await?.json()
}

/// Gives the scores saved by the reset of `archive_id` back to every member still there.
pub async fn undo_reset(
    client: &SupabaseClient,
    archive_id: i64,
) -> Result<MutationOutcome, SupabaseError> {
    mutate(client, "undo_reset", json!({ "p_archive_id": archive_id })).await
}
