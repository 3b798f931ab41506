//! The lock: when the cloud changed, this overlay covers the app (whose content is `inert`) and
//! offers the one thing left to do, "DESCARCĂ SINCRONIZARE", with what changed, the download's
//! progress, and its error and a retry when it failed.

use leptos::html;
use leptos::prelude::*;
use punctaj_core::sync::DownloadStep;

use crate::components::icon::{Icon, IconName};
use crate::components::progress_bar::ProgressBar;
use crate::i18n::{Texts, change_summary, error_message, format_bytes, use_i18n};
use crate::sync::{DownloadError, DownloadState, start_download, use_sync};

fn step_label(t: &Texts, step: DownloadStep) -> &'static str {
    match step {
        DownloadStep::Structure => t.step_structure,
        DownloadStep::Employees => t.step_employees,
        DownloadStep::ArchiveList => t.step_archive_list,
        DownloadStep::Archives => t.step_archives,
        DownloadStep::Verify => t.step_verify,
        DownloadStep::Complete => t.step_complete,
    }
}

fn download_error_text(t: &Texts, error: &DownloadError) -> String {
    let why = match error {
        DownloadError::Request(error) => error_message(t, error),
        DownloadError::HashMismatch { .. } => t.download_hash_mismatch.to_string(),
    };
    (t.download_failed)(&why)
}

#[component]
pub fn LockOverlay() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let first_download = move || sync.local.with(Option::is_none);
    let running = move || sync.is_downloading();
    // Keyboard users land on the one thing they can do.
    let download_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = download_button.get() {
            let _ = button.focus();
        }
    });

    let what_changed = move || {
        let t = i18n.texts();
        sync.cloud
            .with(|cloud| cloud.as_ref().map(|cloud| change_summary(t, cloud)))
    };
    let versions = move || {
        let t = i18n.texts();
        let local = sync
            .local
            .with(|local| local.as_ref().map(|l| format!("v{}", l.stamp.version)))
            .unwrap_or_else(|| t.none.to_string());
        let cloud = sync
            .cloud
            .with(|cloud| cloud.as_ref().map(|c| format!("v{}", c.version)))
            .unwrap_or_else(|| t.none.to_string());
        format!(
            "{} {local} · {} {cloud}",
            t.sync_version_local, t.sync_version_cloud
        )
    };
    let progress = move || match sync.download.get() {
        DownloadState::Running(progress) | DownloadState::Completed(progress) => Some(progress),
        _ => None,
    };
    let completed = move || {
        sync.download
            .with(|state| matches!(state, DownloadState::Completed(_)))
    };
    let percent = Signal::derive(move || progress().map(|p| p.percent()).unwrap_or(0));
    let progress_label = Signal::derive(move || {
        let t = i18n.texts();
        if completed() {
            return t.download_done.to_string();
        }
        progress()
            .map(|p| {
                format!(
                    "{}: {} · {}",
                    step_label(t, p.step),
                    (t.progress_items)(p.done, p.total),
                    format_bytes(p.bytes)
                )
            })
            .unwrap_or_default()
    });
    let failure = move || match sync.download.get() {
        DownloadState::Failed(error) => Some(download_error_text(i18n.texts(), &error)),
        _ => None,
    };

    view! {
        <div class="lock-backdrop">
            <section
                class="lock-overlay"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="lock-title"
                data-testid="lock-overlay"
            >
                <h2 id="lock-title">
                    {move || {
                        let name = if first_download() { IconName::Inbox } else { IconName::Bell };
                        view! { <Icon name /> }
                    }}
                    {move || {
                        let t = i18n.texts();
                        if first_download() { t.lock_title_first } else { t.lock_title }
                    }}
                </h2>
                <p>
                    {move || {
                        let t = i18n.texts();
                        if first_download() { t.lock_body_first } else { t.lock_body }
                    }}
                </p>
                <p class="lock-versions">{versions}</p>
                <Show when=move || !first_download()>
                    <p class="lock-change">{what_changed}</p>
                </Show>
                <Show when=move || progress().is_some()>
                    <ProgressBar percent label=progress_label testid="sync-progress" />
                </Show>
                <Show when=move || failure().is_some()>
                    <p class="lock-error" role="alert" data-testid="sync-error">
                        {failure}
                    </p>
                </Show>
                <button
                    class="button button-primary button-large"
                    data-testid="download-sync"
                    node_ref=download_button
                    disabled=move || running() || completed()
                    on:click=move |_| start_download(sync)
                >
                    <Icon name=IconName::Inbox />
                    {move || {
                        let t = i18n.texts();
                        if failure().is_some() { t.lock_download_again } else { t.lock_download }
                    }}
                </button>
            </section>
        </div>
    }
}
