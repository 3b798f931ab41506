//! "RESET PUNCTAJ": the pre-reset table is stored in the bucket `arhiva` first (never
//! overwriting anything), and only then does one RPC zero the scores — which the database refuses
//! unless that archive exists and nobody changed the institution since the snapshot. So scores
//! are never zeroed without their archive, and two leaders resetting at once reset once.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use punctaj_core::archive::{ArchiveAuthor, ArchiveDocument, archive_object_key};
use punctaj_supabase::{ErrorKind, SupabaseError};

use crate::api;
use crate::browser;

use super::archive_file;
use super::engine::SyncEngine;
use super::own_change::{OwnArchive, adopt_own_change};

/// Keys carry a one-second stamp: a key taken in the same second as another upload is retried
/// with the next second.
const UPLOAD_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetStage {
    Uploading,
    Resetting,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ResetError {
    /// The institution is not in the installed data (deleted meanwhile).
    #[error("the institution is no longer in the local data")]
    NotInLocalData,
    /// The archive could not be stored: nothing was reset.
    #[error("archive upload failed: {0}")]
    Upload(SupabaseError),
    /// Someone changed or reset the institution since the snapshot: nothing was reset.
    #[error("the institution changed since the snapshot")]
    LostRace,
    /// The reset itself failed: the scores are untouched.
    #[error("reset failed: {0}")]
    Reset(SupabaseError),
}

/// Archives and resets one institution; returns the archive's key.
pub async fn reset_institution(
    engine: SyncEngine,
    institution_id: i64,
    author: ArchiveAuthor,
    on_stage: impl Fn(ResetStage),
) -> Result<String, ResetError> {
    let local = engine
        .local
        .get_untracked()
        .ok_or(ResetError::NotInLocalData)?;
    let snapshot = &local.snapshot;
    let institution = snapshot
        .institution(institution_id)
        .ok_or(ResetError::NotInLocalData)?;
    let city = snapshot
        .city(institution.city_id)
        .ok_or(ResetError::NotInLocalData)?;
    let client = engine.session.client();

    on_stage(ResetStage::Uploading);
    let mut attempt = 0;
    let (key, text) = loop {
        attempt += 1;
        let at = browser::now_utc();
        let key = archive_object_key(&city.name, &institution.name, at);
        let document = ArchiveDocument::from_snapshot(snapshot, institution_id, &author, at)
            .ok_or(ResetError::NotInLocalData)?;
        let text = serde_json::to_string_pretty(&document)
            .map_err(|error| ResetError::Upload(SupabaseError::Decode(error.to_string())))?;
        // Large archives are stored gzip-compressed, under `….json.gz` (sync::archive_file).
        let stored = archive_file::encode(&key, &text).await.map_err(|error| {
            ResetError::Upload(SupabaseError::InvalidRequest(error.to_string()))
        })?;
        match api::upload_archive(&client, &stored.key, stored.body, stored.content_type).await {
            Ok(()) => break (stored.key, text),
            Err(error) if error.kind() == ErrorKind::Conflict && attempt < UPLOAD_ATTEMPTS => {
                TimeoutFuture::new(1_100).await;
            }
            Err(error) => return Err(ResetError::Upload(error)),
        }
    };

    on_stage(ResetStage::Resetting);
    match api::reset_punctaj(&client, institution_id, &key, institution.revision).await {
        Ok(outcome) => {
            adopt_own_change(
                engine,
                &outcome,
                vec![OwnArchive {
                    key: key.clone(),
                    text,
                }],
            )
            .await;
            Ok(key)
        }
        Err(error) => {
            // Nothing was reset: take the unused archive back. (Should the answer have been
            // lost after a successful reset, the database refuses this removal, because a
            // recorded archive can no longer be deleted by its uploader.)
            let _ = api::remove_archive(&client, &key).await;
            if error.code() == Some("PT409") {
                Err(ResetError::LostRace)
            } else {
                Err(ResetError::Reset(error))
            }
        }
    }
}
