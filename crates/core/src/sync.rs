//! The decisions of forced synchronisation, free of timers and I/O so they can be tested here:
//! whether a client must lock and download, whether it may adopt its own change, how often it
//! checks, which archives it fetches, and how far a download has come.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::time::optional_instant;

/// A version of the synced data and the hash of its canonical document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionStamp {
    pub version: i64,
    #[serde(deserialize_with = "deserialize_hash")]
    pub data_hash: String,
}

/// The `global_version` row of `sync_metadata`, as the 1-second check reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudMeta {
    pub version: i64,
    #[serde(default, deserialize_with = "deserialize_hash")]
    pub data_hash: String,
    #[serde(default)]
    pub last_modified_by: Option<String>,
    #[serde(default, with = "optional_instant")]
    pub last_modified_at: Option<DateTime<Utc>>,
    /// `{"action", "city", "institution", "count", "delta"}`, shown in the lock overlay.
    #[serde(default)]
    pub last_change: Option<serde_json::Value>,
}

impl CloudMeta {
    /// The version and hash a client records once it has installed this cloud state.
    pub fn stamp(&self) -> VersionStamp {
        VersionStamp {
            version: self.version,
            data_hash: self.data_hash.clone(),
        }
    }
}

/// `data_hash` is `char(64)`: PostgreSQL pads a shorter value (the empty seed) with spaces, and
/// may return null before the first bump.
pub(crate) fn deserialize_hash<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    let hash = Option::<String>::deserialize(deserializer)?;
    Ok(hash.map(|hash| hash.trim().to_owned()).unwrap_or_default())
}

/// What a version check concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncVerdict {
    UpToDate,
    /// The UI locks until the cloud data has been downloaded and verified.
    NeedsDownload {
        reason: DownloadReason,
    },
}

impl SyncVerdict {
    /// Whether the UI must be locked.
    pub fn is_locked(self) -> bool {
        matches!(self, Self::NeedsDownload { .. })
    }
}

/// Why a download is needed, for the lock overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DownloadReason {
    /// Someone changed the data since this client's copy.
    CloudNewer,
    /// The cloud data is not this client's copy although the version does not say it is newer:
    /// same version with another hash, or an older version.
    HashDiffers,
    /// This client has no copy yet.
    NothingCached,
}

/// Compares this client's copy with the cloud.
///
/// A cloud version *older* than the local one also locks, as [`DownloadReason::HashDiffers`]:
/// it means the cloud was restored or recreated, so the local copy belongs to a history that no
/// longer exists, and the only safe copy is the cloud's. Never keeping a copy the cloud does not
/// have is the rule, whichever way the numbers differ.
pub fn compare(local: Option<&VersionStamp>, cloud: &CloudMeta) -> SyncVerdict {
    let Some(local) = local else {
        return SyncVerdict::NeedsDownload {
            reason: DownloadReason::NothingCached,
        };
    };
    if cloud.version > local.version {
        SyncVerdict::NeedsDownload {
            reason: DownloadReason::CloudNewer,
        }
    } else if cloud.version < local.version
        || !cloud.data_hash.eq_ignore_ascii_case(&local.data_hash)
    {
        SyncVerdict::NeedsDownload {
            reason: DownloadReason::HashDiffers,
        }
    } else {
        SyncVerdict::UpToDate
    }
}

/// Whether a client may adopt the stamp its own mutation returned instead of downloading:
/// only when the mutation was the very next version, i.e. nobody else changed anything in
/// between. Otherwise the next check locks it like everyone else, which is what keeps every
/// client on the same data.
pub fn accept_own_change(local: &VersionStamp, returned: &VersionStamp) -> bool {
    local.version.checked_add(1) == Some(returned.version)
}

/// The delay before the next version check: 1 s while checks succeed; after consecutive
/// failures 1 s, 2 s, 4 s, then 5 s, so an outage is noticed quickly without hammering the
/// server that is having it.
pub fn next_delay_ms(consecutive_failures: u32) -> u32 {
    match consecutive_failures {
        0 | 1 => 1_000,
        2 => 2_000,
        3 => 4_000,
        _ => 5_000,
    }
}

/// The failure count behind [`next_delay_ms`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckBackoff {
    consecutive_failures: u32,
}

impl CheckBackoff {
    /// A check succeeded: back to the normal pace.
    pub fn record_success(&mut self) {
        self.consecutive_failures = 0;
    }

    /// A check failed: wait longer before the next one.
    pub fn record_failure(&mut self) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
    }

    pub fn consecutive_failures(self) -> u32 {
        self.consecutive_failures
    }

    /// Delay before the next check.
    pub fn delay_ms(self) -> u32 {
        next_delay_ms(self.consecutive_failures)
    }
}

/// One object of the `arhiva` bucket, as listed remotely or as remembered in the local cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteObject {
    /// The full object key, e.g. `BlackWater/Politie_2026-02-18_18-13-47.json`.
    pub name: String,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
}

/// Which archives a download must fetch, and which cached ones are gone from the bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveCachePlan {
    /// New or changed `.json` objects, by key.
    pub download: Vec<RemoteObject>,
    /// Cached keys no longer listed remotely, by key.
    pub removed: Vec<String>,
}

/// An archive's file, plain or compressed (`crate::archive::GZIP_SUFFIX`).
fn is_archive_file(name: &str) -> bool {
    crate::archive::plain_key(name).ends_with(".json")
}

impl ArchiveCachePlan {
    /// Plans from the remote listing and the cache.
    ///
    /// Only `.json` and `.json.gz` keys are archives (Storage also lists
    /// `.emptyFolderPlaceholder` objects). A
    /// cached copy is reused only when it can be shown to be the same object: etag or
    /// `updated_at` known on both sides, and none of etag, `updated_at` or size differing.
    pub fn new(remote: &[RemoteObject], cached: &[RemoteObject]) -> Self {
        let cached: BTreeMap<&str, &RemoteObject> = cached
            .iter()
            .map(|object| (object.name.as_str(), object))
            .collect();
        let remote: BTreeMap<&str, &RemoteObject> = remote
            .iter()
            .map(|object| (object.name.as_str(), object))
            .collect();
        let download = remote
            .values()
            .filter(|object| is_archive_file(&object.name))
            .filter(|object| {
                cached
                    .get(object.name.as_str())
                    .is_none_or(|copy| !is_same_object(object, copy))
            })
            .map(|object| (*object).clone())
            .collect();
        let removed = cached
            .keys()
            .filter(|name| !remote.contains_key(*name))
            .map(|name| (*name).to_owned())
            .collect();
        Self { download, removed }
    }

    /// Bytes to fetch, as far as the listing tells.
    pub fn download_bytes(&self) -> u64 {
        self.download.iter().filter_map(|object| object.size).sum()
    }
}

fn is_same_object(remote: &RemoteObject, cached: &RemoteObject) -> bool {
    /// `None` when either side does not know the value.
    fn agree<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<bool> {
        Some(a? == b?)
    }
    let identity = [
        agree(remote.etag.as_ref(), cached.etag.as_ref()),
        agree(remote.updated_at.as_ref(), cached.updated_at.as_ref()),
    ];
    let size = agree(remote.size, cached.size);
    identity.iter().any(Option::is_some)
        && identity
            .iter()
            .chain([&size])
            .all(|same| *same != Some(false))
}

/// The stages of a download, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DownloadStep {
    /// Cities and institutions.
    Structure,
    /// Employees and their scores.
    Employees,
    /// Listing the `arhiva` bucket.
    ArchiveList,
    /// Fetching the archives not cached yet.
    Archives,
    /// Checking the hash and installing the new copy.
    Verify,
    /// Installed.
    Complete,
}

impl DownloadStep {
    /// The share of the progress bar each step covers, as `[start, end)` percent. Archives get
    /// the most because they are most of the bytes.
    fn band(self) -> (u64, u64) {
        match self {
            Self::Structure => (0, 10),
            Self::Employees => (10, 40),
            Self::ArchiveList => (40, 45),
            Self::Archives => (45, 95),
            Self::Verify => (95, 99),
            Self::Complete => (100, 100),
        }
    }
}

/// Progress of a download, reported as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadProgress {
    pub step: DownloadStep,
    /// Items done in this step.
    pub done: u64,
    /// Items this step has, known when it starts.
    pub total: u64,
    /// Bytes received so far in the whole download.
    pub bytes: u64,
}

impl DownloadProgress {
    /// Overall percent. Never decreases while steps advance in order and `done` grows within a
    /// step, and reaches 100 only at [`DownloadStep::Complete`], so a bar at 100 % means
    /// installed.
    pub fn percent(&self) -> u8 {
        let (start, end) = self.step.band();
        let within = if self.total == 0 {
            0
        } else {
            // In u128 so that no `done` can overflow the product.
            u128::from(end - start) * u128::from(self.done.min(self.total)) / u128::from(self.total)
        };
        u8::try_from(u128::from(start) + within).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn stamp(version: i64, hash: &str) -> VersionStamp {
        VersionStamp {
            version,
            data_hash: hash.to_owned(),
        }
    }

    fn cloud(version: i64, hash: &str) -> CloudMeta {
        CloudMeta {
            version,
            data_hash: hash.to_owned(),
            last_modified_by: None,
            last_modified_at: None,
            last_change: None,
        }
    }

    fn needs(reason: DownloadReason) -> SyncVerdict {
        SyncVerdict::NeedsDownload { reason }
    }

    #[test]
    fn compare_covers_every_relation_of_versions_and_hashes() {
        let local = stamp(5, "aa");
        assert_eq!(
            compare(Some(&local), &cloud(5, "aa")),
            SyncVerdict::UpToDate
        );
        assert_eq!(
            compare(Some(&local), &cloud(5, "AA")),
            SyncVerdict::UpToDate
        );
        assert_eq!(
            compare(Some(&local), &cloud(5, "bb")),
            needs(DownloadReason::HashDiffers)
        );
        assert_eq!(
            compare(Some(&local), &cloud(6, "aa")),
            needs(DownloadReason::CloudNewer)
        );
        assert_eq!(
            compare(Some(&local), &cloud(6, "bb")),
            needs(DownloadReason::CloudNewer)
        );
        assert_eq!(
            compare(Some(&local), &cloud(4, "aa")),
            needs(DownloadReason::HashDiffers)
        );
        assert_eq!(
            compare(Some(&local), &cloud(1, "bb")),
            needs(DownloadReason::HashDiffers)
        );
        assert_eq!(
            compare(None, &cloud(5, "aa")),
            needs(DownloadReason::NothingCached)
        );
    }

    #[test]
    fn only_up_to_date_is_unlocked() {
        for local_version in 0..4 {
            for cloud_version in 0..4 {
                for (local_hash, cloud_hash) in [("a", "a"), ("a", "b")] {
                    let verdict = compare(
                        Some(&stamp(local_version, local_hash)),
                        &cloud(cloud_version, cloud_hash),
                    );
                    let same = local_version == cloud_version && local_hash == cloud_hash;
                    assert_eq!(verdict.is_locked(), !same, "{verdict:?}");
                }
            }
        }
        assert!(compare(None, &cloud(0, "")).is_locked());
    }

    #[test]
    fn own_change_is_adopted_only_as_the_very_next_version() {
        let local = stamp(10, "aa");
        assert!(accept_own_change(&local, &stamp(11, "bb")));
        assert!(
            !accept_own_change(&local, &stamp(12, "bb")),
            "someone else changed too"
        );
        assert!(!accept_own_change(&local, &stamp(10, "bb")));
        assert!(!accept_own_change(&local, &stamp(9, "bb")));
        assert!(!accept_own_change(
            &stamp(i64::MAX, "aa"),
            &stamp(i64::MIN, "bb")
        ));
    }

    #[test]
    fn reads_the_sync_metadata_row() {
        let row = r#"{
            "id": 1, "sync_key": "global_version", "version": 42,
            "data_hash": "3e188bdbc63959db90d79fc6f3a4acff42b00e77388ebcc88400cb820948ed4c",
            "last_modified_by": "parjanu", "last_modified_by_id": null,
            "last_modified_at": "2026-03-07T12:28:40.123456+00:00",
            "last_change": {"action": "change_points", "count": 3, "delta": 5},
            "updated_at": "2026-03-07T12:28:40.123456+00:00"
        }"#;
        let meta: CloudMeta = serde_json::from_str(row).unwrap();
        assert_eq!(meta.version, 42);
        assert_eq!(meta.stamp().data_hash.len(), 64);
        assert_eq!(meta.last_modified_by.as_deref(), Some("parjanu"));
        assert!(meta.last_modified_at.is_some());
        assert_eq!(meta.last_change.unwrap()["delta"], 5);
    }

    #[test]
    fn a_padded_or_null_hash_reads_as_empty() {
        let padded = format!(r#"{{"version": 1, "data_hash": "{}"}}"#, " ".repeat(64));
        let meta: CloudMeta = serde_json::from_str(&padded).unwrap();
        assert_eq!(meta.data_hash, "");
        let null: CloudMeta = serde_json::from_str(r#"{"version": 1, "data_hash": null}"#).unwrap();
        assert_eq!(null.data_hash, "");
        let returned: VersionStamp =
            serde_json::from_str(r#"{"version": 2, "data_hash": "ab ", "city_id": 3}"#).unwrap();
        assert_eq!(returned, stamp(2, "ab"));
    }

    #[test]
    fn check_delay_backs_off_to_five_seconds_and_resets() {
        let delays: Vec<u32> = (0..8).map(next_delay_ms).collect();
        assert_eq!(
            delays,
            [1_000, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000]
        );
        assert_eq!(next_delay_ms(u32::MAX), 5_000);

        let mut backoff = CheckBackoff::default();
        assert_eq!(backoff.delay_ms(), 1_000);
        let mut seen = Vec::new();
        for _ in 0..5 {
            backoff.record_failure();
            seen.push(backoff.delay_ms());
        }
        assert_eq!(seen, [1_000, 2_000, 4_000, 5_000, 5_000]);
        backoff.record_success();
        assert_eq!(backoff.consecutive_failures(), 0);
        assert_eq!(backoff.delay_ms(), 1_000);
    }

    #[test]
    fn backoff_never_overflows() {
        let mut backoff = CheckBackoff {
            consecutive_failures: u32::MAX,
        };
        backoff.record_failure();
        assert_eq!(backoff.consecutive_failures(), u32::MAX);
        assert_eq!(backoff.delay_ms(), 5_000);
    }

    fn object(
        name: &str,
        etag: Option<&str>,
        updated_at: Option<&str>,
        size: Option<u64>,
    ) -> RemoteObject {
        RemoteObject {
            name: name.to_owned(),
            etag: etag.map(str::to_owned),
            updated_at: updated_at.map(str::to_owned),
            size,
        }
    }

    fn names(objects: &[RemoteObject]) -> Vec<&str> {
        objects.iter().map(|object| object.name.as_str()).collect()
    }

    #[test]
    fn plan_downloads_new_and_changed_archives_and_reports_removed_ones() {
        let t1 = Some("2026-02-18T18:13:48Z");
        let t2 = Some("2026-02-19T10:00:00Z");
        let remote = [
            object("B/kept.json", Some("e1"), t1, Some(10)),
            object("B/new.json", Some("e2"), t1, Some(20)),
            object("B/etag_changed.json", Some("e3b"), t1, Some(30)),
            object("B/time_changed.json", None, t2, Some(40)),
            object("B/size_changed.json", Some("e5"), t1, Some(51)),
            object("B/only_size_known.json", None, None, Some(60)),
            object("B/.emptyFolderPlaceholder", Some("e7"), t1, Some(0)),
            object("B/compressed.json.gz", Some("e8"), t1, Some(8)),
            object("B/notes.gz", Some("e9"), t1, Some(9)),
        ];
        let cached = [
            object("B/kept.json", Some("e1"), t1, Some(10)),
            object("B/etag_changed.json", Some("e3a"), t1, Some(30)),
            object("B/time_changed.json", None, t1, Some(40)),
            object("B/size_changed.json", Some("e5"), t1, Some(50)),
            object("B/only_size_known.json", None, None, Some(60)),
            object("A/deleted.json", Some("e0"), t1, Some(5)),
        ];
        let plan = ArchiveCachePlan::new(&remote, &cached);
        assert_eq!(
            names(&plan.download),
            [
                "B/compressed.json.gz",
                "B/etag_changed.json",
                "B/new.json",
                "B/only_size_known.json",
                "B/size_changed.json",
                "B/time_changed.json",
            ]
        );
        assert_eq!(plan.removed, ["A/deleted.json"]);
        assert_eq!(plan.download_bytes(), 8 + 30 + 20 + 60 + 51 + 40);
    }

    #[test]
    fn plan_trusts_a_known_etag_even_without_updated_at() {
        let remote = [object("B/a.json", Some("e"), Some("t"), None)];
        let cached = [object("B/a.json", Some("e"), None, None)];
        assert_eq!(
            ArchiveCachePlan::new(&remote, &cached),
            ArchiveCachePlan::default()
        );
    }

    #[test]
    fn plan_with_an_empty_cache_downloads_every_archive() {
        let remote = [
            object("B/b.json", None, None, None),
            object("B/a.json", None, None, Some(3)),
        ];
        let plan = ArchiveCachePlan::new(&remote, &[]);
        assert_eq!(names(&plan.download), ["B/a.json", "B/b.json"]);
        assert!(plan.removed.is_empty());
        assert_eq!(plan.download_bytes(), 3);
    }

    #[test]
    fn percent_is_monotone_and_reaches_100_only_when_complete() {
        let steps = [
            (DownloadStep::Structure, 2),
            (DownloadStep::Employees, 137),
            (DownloadStep::ArchiveList, 1),
            (DownloadStep::Archives, 0),
            (DownloadStep::Archives, 53),
            (DownloadStep::Verify, 1),
        ];
        let mut last = 0;
        for (step, total) in steps {
            for done in 0..=total {
                let percent = DownloadProgress {
                    step,
                    done,
                    total,
                    bytes: 0,
                }
                .percent();
                assert!(
                    percent >= last,
                    "{step:?} {done}/{total}: {percent} < {last}"
                );
                assert!(percent < 100, "{step:?} {done}/{total}");
                last = percent;
            }
        }
        let complete = DownloadProgress {
            step: DownloadStep::Complete,
            done: 0,
            total: 0,
            bytes: 0,
        };
        assert_eq!(complete.percent(), 100);
    }

    #[test]
    fn percent_clamps_overcounting_and_handles_huge_totals() {
        let progress = |done, total| DownloadProgress {
            step: DownloadStep::Archives,
            done,
            total,
            bytes: 0,
        };
        assert_eq!(progress(7, 5).percent(), 95);
        assert_eq!(progress(u64::MAX, u64::MAX).percent(), 95);
        assert_eq!(progress(u64::MAX - 1, u64::MAX).percent(), 94);
        assert_eq!(progress(0, u64::MAX).percent(), 45);
    }
}
