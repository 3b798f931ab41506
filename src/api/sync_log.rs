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
    /// `delta` or `full` for a download recorded since delta sync exists.
    #[serde(default)]
    pub mode: Option<String>,
}

/// How a download got the data: only what changed, or everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownloadMode {
    Delta,
    Full,
}

impl DownloadMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadMode::Delta => "delta",
            DownloadMode::Full => "full",
        }
    }
}

/// Records one of this client's downloads in `sync_log` (through `rpc/log_sync`), with how it
/// got the data.
pub async fn log_download(
    client: &SupabaseClient,
    mode: DownloadMode,
    status: &str,
    items_synced: u64,
    error_message: Option<&str>,
) -> Result<(), SupabaseError> {
    let args = json!({
        "p_sync_type": "download",
        "p_status": status,
        "p_items_synced": items_synced,
        "p_error_message": error_message,
        "p_mode": mode.as_str(),
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
        .select("id,user_name,sync_type,status,items_synced,error_message,synced_at,mode")
        .order("synced_at", false, None)
        .order("id", false, None)
        .limit(100)
        .build();
    client.execute_with(request, options).await?.json()
}
