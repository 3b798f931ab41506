//! The delta read: only the rows changed since the installed version (`rpc/sync_delta`), applied
//! to a copy of the local data and verified per scope against the cloud's stamps of the same
//! snapshot. An answer that cannot be served, read or verified is a reason for a full read, never
//! installed; a failed request fails the download like any other.

use std::collections::{BTreeMap, BTreeSet};

use punctaj_core::delta::{
    apply_delta, changed_kept_institutions, delta_request, missing_scopes, verify,
};
use punctaj_core::scope::ScopeId;
use punctaj_core::selection::Selection;
use punctaj_core::sync::{DownloadProgress, DownloadStep, VersionStamp};
use punctaj_supabase::{SendOptions, SupabaseClient};

use crate::api;

use super::super::download_error::DownloadError;
use super::super::local_copy::LocalCopy;
use super::{Progress, VerifiedTables};

/// Rounds of a delta read: the second asks for kept institutions the first revealed (created
/// since, or in a newly kept city), the third for those revealed by a change meanwhile.
const MAX_ROUNDS: usize = 3;

/// `Ok(Err(why))`: no delta this time, read everything. `shown`: where to show progress (none
/// for an own change, adopted in the background).
pub(in crate::sync) async fn read(
    client: &SupabaseClient,
    options: &SendOptions,
    previous: &LocalCopy,
    wanted: &Selection,
    shown: Option<&Progress>,
) -> Result<Result<VerifiedTables, String>, DownloadError> {
    let report = |progress: DownloadProgress| {
        if let Some(shown) = shown {
            shown.report(progress);
        }
    };
    let installed = previous.stamp.version;
    let mut snapshot = previous.snapshot.clone();
    let mut request = delta_request(installed, &snapshot, &previous.selection, wanted);
    // Institutions asked for from 0: all their archives are new to this copy.
    let mut from_zero: BTreeSet<i64> = scope_ids_from_zero(&request);
    let mut held = installed;
    let mut bytes = 0;
    let mut rows = 0;
    for round in 1..=MAX_ROUNDS {
        report(DownloadProgress {
            step: DownloadStep::Structure,
            done: 0,
            total: 1,
            bytes,
        });
        let (answer, received) = api::sync_delta(client, &request, options.clone()).await?;
        bytes += received;
        let delta = match answer {
            Ok(delta) => delta,
            Err(why) => return Ok(Err(why)),
        };
        if let Some(why) = delta.refusal(held) {
            return Ok(Err(why));
        }
        rows += delta.row_count() as u64;
        apply_delta(&mut snapshot, &delta, wanted);
        report(DownloadProgress {
            step: DownloadStep::Employees,
            done: 1,
            total: 1,
            bytes,
        });
        let missing = missing_scopes(&snapshot, wanted, &request);
        if !missing.is_empty() && round < MAX_ROUNDS {
            held = delta.version;
            request = request
                .keys()
                .map(|scope| (*scope, delta.version))
                .chain(missing.iter().map(|scope| (*scope, 0)))
                .collect();
            from_zero.extend(scope_ids_from_zero(&request));
            continue;
        }
        let scopes = match verify(&snapshot, wanted, &delta.scopes, &delta.data_hash) {
            Ok(scopes) => scopes,
            Err(error) => return Ok(Err(format!("the delta does not verify: {error}"))),
        };
        let structure_changed = scopes
            .iter()
            .any(|stamp| stamp.scope == ScopeId::Structure && stamp.version > installed);
        let archives_of = (!structure_changed).then(|| {
            let mut changed = changed_kept_institutions(installed, &scopes, &snapshot, wanted);
            changed.extend(from_zero.iter().copied());
            changed
        });
        return Ok(Ok(VerifiedTables {
            stamp: VersionStamp {
                version: delta.version,
                data_hash: delta.data_hash,
            },
            snapshot,
            scopes,
            archives_of,
            bytes,
            rows,
        }));
    }
    Ok(Err("the delta kept revealing new institutions".to_owned()))
}

fn scope_ids_from_zero(request: &BTreeMap<ScopeId, i64>) -> BTreeSet<i64> {
    request
        .iter()
        .filter(|(_, since)| **since == 0)
        .filter_map(|(scope, _)| match scope {
            ScopeId::Institution(id) => Some(*id),
            ScopeId::Structure => None,
        })
        .collect()
}
