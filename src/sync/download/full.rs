//! The full read: every live city and institution and the employees of every kept institution,
//! page by page, verified per scope against the scope stamps read with the version in one
//! snapshot (`rpc/sync_changes` from 0). If the data changed while it was read, it is read again
//! at the new version (a bounded number of times).

use punctaj_core::delta::verify;
use punctaj_core::selection::Selection;
use punctaj_core::sync::{DownloadProgress, VersionStamp};
use punctaj_supabase::{SendOptions, SupabaseClient};

use crate::api;

use super::super::download_error::DownloadError;
use super::{Progress, VerifiedTables, mismatch};

/// Times the table data may change under a download before it gives up.
const MAX_RESTARTS: u32 = 2;

/// `shown`: where to show progress (none for an own change, adopted in the background).
pub(in crate::sync) async fn read(
    client: &SupabaseClient,
    options: &SendOptions,
    wanted: &Selection,
    shown: Option<&Progress>,
) -> Result<VerifiedTables, DownloadError> {
    let mut restarts = 0;
    loop {
        let (cloud, meta_bytes) = api::sync_changes(client, 0, options.clone()).await?;
        let (snapshot, table_bytes) = api::fetch_snapshot(client, options, wanted, |p| {
            if let Some(shown) = shown {
                shown.report(DownloadProgress {
                    bytes: meta_bytes + p.bytes,
                    ..p
                })
            }
        })
        .await?;
        match verify(&snapshot, wanted, &cloud.scopes, &cloud.data_hash) {
            Ok(scopes) => {
                let rows = (snapshot.cities.len()
                    + snapshot.institutions.len()
                    + snapshot.employees.len()) as u64;
                return Ok(VerifiedTables {
                    stamp: VersionStamp {
                        version: cloud.version,
                        data_hash: cloud.data_hash,
                    },
                    snapshot,
                    scopes,
                    archives_of: None,
                    bytes: meta_bytes + table_bytes,
                    rows,
                });
            }
            Err(error) => {
                // Someone changed the data while we read it: read it again at the new version.
                let (now, _) = api::sync_changes(client, cloud.version, options.clone()).await?;
                if now.version != cloud.version && restarts < MAX_RESTARTS {
                    restarts += 1;
                    continue;
                }
                return Err(mismatch(error));
            }
        }
    }
}
