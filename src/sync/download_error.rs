//! Why a download failed: kept in [`DownloadState::Failed`](super::DownloadState::Failed) and
//! explained by the lock overlay.

use punctaj_supabase::SupabaseError;

/// Why a download did not install anything; the old local copy stays.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Request(#[from] SupabaseError),
    /// The data read does not hash to the cloud's `data_hash`: it is not installed.
    #[error("hash mismatch: cloud {expected}, received {actual}")]
    HashMismatch { expected: String, actual: String },
}
