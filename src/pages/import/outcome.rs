//! Confirming an import, its progress, and what it did.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::legacy::LegacyFolder;
use punctaj_core::legacy::plan::ImportPlan;
use punctaj_core::legacy::preview::ArchiveStatus;

use crate::api::ImportOutcome;
use crate::components::progress_bar::ProgressBar;
use crate::i18n::{Texts, error_message, use_i18n};
use crate::import::run::{ArchiveUpload, ImportError, run_import};
use crate::sync::use_sync;

#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    Idle,
    /// Steps done of all: one per archive stored, one for the transaction.
    Running {
        done: u64,
        total: u64,
    },
    Done(Result<ImportOutcome, ImportError>),
}

impl RunState {
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running { .. })
    }
}

/// The archive files to store: the new ones, exactly as the old app wrote them.
fn uploads(plan: &ImportPlan, folder: &LegacyFolder) -> Vec<ArchiveUpload> {
    plan.archives
        .iter()
        .filter(|archive| archive.status == ArchiveStatus::New)
        .filter_map(|archive| {
            let bytes = folder.bytes(&archive.path)?;
            Some(ArchiveUpload {
                key: archive.object_path.clone(),
                text: String::from_utf8(bytes.to_vec()).ok()?,
            })
        })
        .collect()
}

fn error_text(t: &Texts, error: &ImportError) -> String {
    let it = t.import;
    match error {
        ImportError::Upload { key, error } => {
            format!("{} {}", (it.error_upload)(key), error_message(t, error))
        }
        ImportError::ArchiveTaken { key } => (it.error_archive_taken)(key),
        ImportError::Stale(_) => it.error_stale.to_owned(),
        ImportError::Import(error) => format!("{} {}", it.error_import, error_message(t, error)),
    }
}

#[component]
pub fn ImportActions(
    plan: Memo<Option<Arc<ImportPlan>>>,
    folder: RwSignal<Option<Arc<LegacyFolder>>>,
    run: RwSignal<RunState>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let nothing_to_do =
        move || plan.with(|plan| plan.as_ref().is_some_and(|plan| plan.payload.is_empty()));
    let left_out = move || {
        plan.with(|plan| {
            plan.as_ref().map_or(0, |plan| {
                plan.problems
                    .iter()
                    .filter(|problem| problem.left_out)
                    .count()
            })
        })
    };
    let label = move || {
        let t = i18n.texts().import;
        let files = plan.with(|plan| plan.as_ref().map_or(0, |plan| plan.payload.files));
        match left_out() {
            0 => (t.confirm)(files),
            problems => (t.confirm_without_problems)(files, problems),
        }
    };
    let disabled = move || {
        run.with(RunState::is_running)
            || plan.with(Option::is_none)
            || nothing_to_do()
            || !sync.can_write()
    };
    let confirm = move |_| {
        let (Some(plan), Some(folder)) = (plan.get_untracked(), folder.get_untracked()) else {
            return;
        };
        let uploads = uploads(&plan, &folder);
        run.set(RunState::Running {
            done: 0,
            total: uploads.len() as u64 + 1,
        });
        spawn_local(async move {
            let outcome = run_import(sync, uploads, &plan.payload, |done, total| {
                let _ = run.try_set(RunState::Running { done, total });
            })
            .await;
            let _ = run.try_set(RunState::Done(outcome));
        });
    };
    let progress = move || match run.get() {
        RunState::Running { done, total } => Some((done, total)),
        _ => None,
    };
    view! {
        <div class="import-actions">
            <button class="button button-primary" data-testid="import-confirm" disabled=disabled on:click=confirm>
                {label}
            </button>
            <Show when=move || nothing_to_do() && !matches!(run.get(), RunState::Done(Ok(_)))>
                <span class="hint" data-testid="import-nothing">{move || i18n.texts().import.nothing_to_import}</span>
            </Show>
        </div>
        <Show when=move || progress().is_some()>
            <ProgressBar
                percent=Signal::derive(move || {
                    progress().map_or(0, |(done, total)| u8::try_from(done * 100 / total.max(1)).unwrap_or(100))
                })
                label=Signal::derive(move || {
                    let t = i18n.texts().import;
                    match progress() {
                        Some((done, total)) if done + 1 < total => (t.uploading)(done, total - 1),
                        _ => t.importing.to_owned(),
                    }
                })
                testid="import-progress"
            />
        </Show>
        {move || match run.get() {
            RunState::Done(Ok(outcome)) => {
                let t = i18n.texts().import;
                view! {
                    <div class="notice" data-testid="import-result" data-changed=outcome.changed.to_string() role="status">
                        <strong>{if outcome.changed { t.result_changed } else { t.result_unchanged }}</strong>
                        " " {(t.result_counts)(&outcome.counts)}
                    </div>
                }.into_any()
            }
            RunState::Done(Err(error)) => view! {
                <p class="field-error" role="alert" data-testid="import-error">{error_text(i18n.texts(), &error)}</p>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}
