//! The data this browser has installed: a verified snapshot at one cloud version, plus the
//! archives it has cached. Persisted in IndexedDB so a reload is instant and works offline.

use punctaj_core::archive::{ArchiveDocument, parse_archive_key, slug};
use punctaj_core::delta::ScopeStamp;
use punctaj_core::model::Snapshot;
use punctaj_core::selection::Selection;
use punctaj_core::sync::{RemoteObject, VersionStamp};
use serde::{Deserialize, Serialize};

use super::persist::{self, PersistError};

const COPY_KEY: &str = "copy";
const ARCHIVE_KEY_PREFIX: &str = "archive:";

/// What the archive browser lists about one cached archive, read once when it was downloaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchiveSummary {
    /// Key in the bucket, etag and time, as listed by Storage.
    pub object: RemoteObject,
    pub city: String,
    pub institution: String,
    /// As written in the archive (`YYYY-MM-DD HH:MM:SS`), else from the key.
    pub archived_at: String,
    pub reset_by: String,
    pub employee_count: usize,
    pub total_points: i64,
    pub after_reset: bool,
    /// Set when the file is not what its key says (it is still cached and downloadable).
    pub problem: Option<ArchiveProblem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ArchiveProblem {
    /// Not an archive document.
    Unreadable(String),
    /// The city or institution inside is not the one its folder and name say: it is listed
    /// under its key (whoever could store it there), never under the names it claims.
    NamesDoNotMatchKey { city: String, institution: String },
}

impl ArchiveSummary {
    /// An archive whose file cannot be read (not JSON, corrupt gzip…): listed under its key,
    /// with why, so that the user sees which one.
    pub fn unreadable(object: RemoteObject, why: String) -> Self {
        let key = parse_archive_key(&object.name);
        ArchiveSummary {
            city: key
                .as_ref()
                .map(|k| k.city_slug.clone())
                .unwrap_or_default(),
            institution: key
                .as_ref()
                .map(|k| k.institution_slug.clone())
                .unwrap_or_else(|| object.name.clone()),
            archived_at: key
                .as_ref()
                .map(|key| key.stamp.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            reset_by: String::new(),
            employee_count: 0,
            total_points: 0,
            after_reset: key.as_ref().is_some_and(|key| key.after_reset),
            problem: Some(ArchiveProblem::Unreadable(why)),
            object,
        }
    }

    pub fn read(object: RemoteObject, text: &str) -> Self {
        let key = parse_archive_key(&object.name);
        let key_after_reset = key.as_ref().is_some_and(|key| key.after_reset);
        let key_names = key
            .as_ref()
            .map(|key| (key.city_slug.clone(), key.institution_slug.clone()));
        match serde_json::from_str::<ArchiveDocument>(text) {
            Ok(document)
                if key_names.as_ref().is_some_and(|(city, institution)| {
                    slug(&document.city) != *city || slug(&document.institution) != *institution
                }) =>
            {
                let (city, institution) = key_names.unwrap_or_default();
                ArchiveSummary {
                    after_reset: document.is_after_reset() || key_after_reset,
                    total_points: document.total_points(),
                    employee_count: document.employee_count,
                    problem: Some(ArchiveProblem::NamesDoNotMatchKey {
                        city: document.city,
                        institution: document.institution,
                    }),
                    city,
                    institution,
                    archived_at: document.archived_at,
                    reset_by: document.reset_by,
                    object,
                }
            }
            Ok(document) => ArchiveSummary {
                after_reset: document.is_after_reset() || key_after_reset,
                total_points: document.total_points(),
                employee_count: document.employee_count,
                city: document.city,
                institution: document.institution,
                archived_at: document.archived_at,
                reset_by: document.reset_by,
                problem: None,
                object,
            },
            Err(error) => Self::unreadable(object, error.to_string()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalCopy {
    /// The cloud version and hash this data was verified against.
    pub stamp: VersionStamp,
    pub snapshot: Snapshot,
    pub archives: Vec<ArchiveSummary>,
    /// When it was installed (browser clock, ms).
    pub installed_at_ms: f64,
    /// Every live scope's stamp at `stamp.version`, as the cloud gave them (empty in a copy saved
    /// before scopes existed: its next download is a full one).
    #[serde(default)]
    pub scopes: Vec<ScopeStamp>,
    /// What the copy holds: the structure and the scopes this selection keeps.
    #[serde(default)]
    pub selection: Selection,
}

impl LocalCopy {
    pub fn cached_objects(&self) -> Vec<RemoteObject> {
        self.archives
            .iter()
            .map(|archive| archive.object.clone())
            .collect()
    }
}

pub async fn load() -> Result<Option<LocalCopy>, PersistError> {
    let Some(json) = persist::get(COPY_KEY).await? else {
        return Ok(None);
    };
    // A copy written by an older version of the app that no longer reads is simply
    // downloaded again.
    Ok(serde_json::from_str(&json).ok())
}

/// Installs `copy` with the archive texts it newly downloaded, dropping `removed` archives, in
/// one transaction.
pub async fn store(
    copy: &LocalCopy,
    new_archives: &[(String, String)],
    removed: &[String],
) -> Result<(), PersistError> {
    let json = serde_json::to_string(copy).map_err(|error| PersistError::new(error.to_string()))?;
    let mut puts = vec![(COPY_KEY.to_string(), json)];
    puts.extend(
        new_archives
            .iter()
            .map(|(key, text)| (archive_storage_key(key), text.clone())),
    );
    let deletes: Vec<String> = removed.iter().map(|key| archive_storage_key(key)).collect();
    persist::write(&puts, &deletes).await
}

/// The text of a cached archive.
pub async fn archive_text(object_key: &str) -> Result<Option<String>, PersistError> {
    persist::get(&archive_storage_key(object_key)).await
}

pub async fn clear() -> Result<(), PersistError> {
    persist::clear().await
}

fn archive_storage_key(object_key: &str) -> String {
    format!("{ARCHIVE_KEY_PREFIX}{object_key}")
}
