use punctaj_supabase::{SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SyncLogEntry {
    pub id: i64,
    pub user_name: Option<String>,
    pub sync_type: String,
    pub status: String,
    pub items_synced: i64,
    pub error_message: Option<String>,
    pub synced_at: String,
}

/// Records one of this client's downloads in `sync_log` (through `rpc/log_sync`).
pub async fn log_sync(
    client: &SupabaseClient,
    sync_type: &str,
    status: &str,
    items_synced: u64,
    error_message: Option<&str>,
) -> Result<(), SupabaseError> {
    let args = json!({
        "p_sync_type": sync_type,
        "p_status": status,
        "p_items_synced": items_synced,
        "p_error_message": error_message,
    });
    let request = client.rest().rpc("log_sync", &args)?.build();
    client.execute(request).await.map(|_| ())
}

pub async fn recent_sync_log(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<SyncLogEntry>, SupabaseError> {
    let request = client
        .rest()
        .from("sync_log")
        .select("id,user_name,sync_type,status,items_synced,error_message,synced_at")
        .order("synced_at", false, None)
        .order("id", false, None)
        .limit(100)
        .build();
    client.execute_with(request, options).await?.json()
}
