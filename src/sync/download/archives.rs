//! The archives of a download: listed where they may have changed (the whole bucket, the kept
//! cities' folders, or only the folders of the institutions a delta changed), fetched when the
//! browser does not have them, a few at a time, and merged into the new archive index. Archives
//! of institutions the device does not keep are dropped from it.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use punctaj_core::archive::{parse_archive_key, slug};
use punctaj_core::model::Snapshot;
use punctaj_core::selection::Selection;
use punctaj_core::sync::{ArchiveCachePlan, DownloadStep, RemoteObject};
use punctaj_supabase::{SendOptions, SupabaseClient};

use crate::api;

use super::super::archive_file;
use super::super::download_error::DownloadError;
use super::super::local_copy::ArchiveSummary;
use super::{Progress, progress};

/// Archives fetched at the same time: as many as a browser opens to one HTTP/1.1 host.
const PARALLEL_ARCHIVES: usize = 6;

pub(super) struct FetchedArchives {
    /// The new archive index, by key.
    pub index: Vec<ArchiveSummary>,
    /// Texts to cache, by key.
    pub texts: Vec<(String, String)>,
    /// Cached keys to forget.
    pub removed: Vec<String>,
    /// Bytes received by the whole download so far.
    pub bytes: u64,
}

/// Which archive keys a listing covers: `None` every key, else those of these
/// (city slug, institution slug) pairs.
struct Domain(Option<BTreeSet<(String, String)>>);

impl Domain {
    fn contains(&self, key: &str) -> bool {
        match &self.0 {
            None => true,
            Some(pairs) => parse_archive_key(key).is_some_and(|key| {
                pairs.contains(&(key.city_slug.clone(), key.institution_slug.clone()))
            }),
        }
    }

    /// The folders to list (empty: the whole bucket).
    fn folders(&self) -> Vec<String> {
        match &self.0 {
            None => Vec::new(),
            Some(pairs) => pairs
                .iter()
                .map(|(city, _)| city.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

/// The (city slug, institution slug) pairs of `institutions` in `snapshot`.
fn pairs_of(snapshot: &Snapshot, institutions: &BTreeSet<i64>) -> BTreeSet<(String, String)> {
    institutions
        .iter()
        .filter_map(|id| {
            let institution = snapshot.institution(*id)?;
            let city = snapshot.city(institution.city_id)?;
            Some((slug(&city.name), slug(&institution.name)))
        })
        .collect()
}

/// `only`: list just these institutions' archives (a delta that changed them), else every kept
/// one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn fetch(
    client: &SupabaseClient,
    options: &SendOptions,
    snapshot: &Snapshot,
    wanted: &Selection,
    only: Option<&BTreeSet<i64>>,
    cached: Vec<ArchiveSummary>,
    mut bytes: u64,
    shown: &Progress,
) -> Result<FetchedArchives, DownloadError> {
    let kept = wanted.kept_institutions(snapshot);
    let kept_domain = Domain((!wanted.is_everything()).then(|| pairs_of(snapshot, &kept)));
    let listed = match only {
        Some(changed) => Domain(Some(pairs_of(
            snapshot,
            &changed.intersection(&kept).copied().collect(),
        ))),
        None => Domain(kept_domain.0.clone()),
    };
    let folders = listed.folders();
    // A delta that changed no kept institution's archives lists nothing.
    let remote = if listed.0.as_ref().is_some_and(BTreeSet::is_empty) {
        Vec::new()
    } else {
        let (remote, list_bytes) =
            api::list_archive_objects(client, options, &folders, |done, total, listed| {
                shown.report(progress(
                    DownloadStep::ArchiveList,
                    done,
                    total,
                    bytes + listed,
                ))
            })
            .await?;
        bytes += list_bytes;
        remote
    };
    let remote: Vec<RemoteObject> = remote
        .into_iter()
        .filter(|object| listed.contains(&object.name))
        .collect();
    // Cached archives outside the listing are left as they are; those of scopes no longer kept
    // are forgotten.
    let (in_listing, outside): (Vec<ArchiveSummary>, Vec<ArchiveSummary>) = cached
        .into_iter()
        .partition(|archive| listed.contains(&archive.object.name));
    let (outside_kept, dropped): (Vec<ArchiveSummary>, Vec<ArchiveSummary>) = outside
        .into_iter()
        .partition(|archive| kept_domain.contains(&archive.object.name));
    let cached_objects: Vec<RemoteObject> = in_listing.iter().map(|a| a.object.clone()).collect();
    let plan = ArchiveCachePlan::new(&remote, &cached_objects);
    let total = plan.download.len() as u64;
    shown.report(progress(DownloadStep::Archives, 0, total, bytes));

    let keys: Vec<&str> = plan
        .download
        .iter()
        .map(|object| object.name.as_str())
        .collect();
    let signed = if keys.is_empty() {
        Default::default()
    } else {
        api::sign_archive_downloads(client, &keys, options).await?
    };
    // Texts to cache, and the summaries of objects that could not be read (listed by key).
    let mut fetched: Vec<(RemoteObject, String)> = Vec::with_capacity(plan.download.len());
    let mut unreadable: Vec<ArchiveSummary> = Vec::new();
    let mut results = futures::stream::iter(
        plan.download
            .iter()
            // An archive deleted since the listing has no URL: the next listing drops it too.
            .filter_map(|object| Some((object.clone(), signed.get(&object.name)?.clone()))),
    )
    .map(|(object, url)| {
        let client = client.clone();
        let options = options.clone();
        async move {
            let body = api::download_signed_archive(&client, &url, &options).await;
            (object, body)
        }
    })
    .buffer_unordered(PARALLEL_ARCHIVES);
    while let Some((object, body)) = results.next().await {
        // A failed request fails the download (retried as a whole); a file that cannot be read
        // is one archive's problem, shown under its key, and the rest goes on.
        let body = body?;
        bytes += body.len() as u64;
        match archive_file::decode(&object.name, body).await {
            Ok(text) => fetched.push((object, text)),
            Err(why) => unreadable.push(ArchiveSummary::unreadable(object, why)),
        }
        shown.report(progress(
            DownloadStep::Archives,
            (fetched.len() + unreadable.len()) as u64,
            total,
            bytes,
        ));
    }
    drop(results);

    // The new index: what is still listed, from the cache or just fetched, and what lies
    // outside the listing and is still kept.
    let mut index: BTreeMap<String, ArchiveSummary> = in_listing
        .into_iter()
        .filter(|archive| !plan.removed.contains(&archive.object.name))
        .chain(outside_kept)
        .map(|archive| (archive.object.name.clone(), archive))
        .collect();
    for (object, text) in &fetched {
        index.insert(
            object.name.clone(),
            ArchiveSummary::read(object.clone(), text),
        );
    }
    for summary in unreadable {
        index.insert(summary.object.name.clone(), summary);
    }
    let mut removed = plan.removed;
    removed.extend(dropped.into_iter().map(|archive| archive.object.name));
    Ok(FetchedArchives {
        index: index.into_values().collect(),
        texts: fetched
            .into_iter()
            .map(|(object, text)| (object.name, text))
            .collect(),
        removed,
        bytes,
    })
}
