//! Settings: the account and language, the synchronisation (the local copy, "FORȚEAZĂ
//! SINCRONIZARE CLOUD", who is online on which version, the last 100 entries of the sync log),
//! the connection's health and alerts, the owner's backups, and the Supabase connection.

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::permissions::Capability;
use punctaj_supabase::ErrorKind;

use crate::api::{self, SyncLogEntry};
use crate::browser;
use crate::components::alert_settings::AlertSettings;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::health_panel::HealthPanel;
use crate::components::icon::{Icon, IconName};
use crate::components::language_picker::LanguagePicker;
use crate::components::presence_list::PresenceList;
use crate::components::selective_sync::SelectiveSync;
use crate::components::toast::use_toasts;
use crate::config::{self, ConfigSource};
use crate::i18n::{error_message, use_i18n};
use crate::pages::config_problem::ConfigForm;
use crate::session::use_session;
use crate::sync::{adopt_own_change, forget_local_copy, start_download, use_sync};

mod backups;

use backups::BackupsCard;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let who = move || {
        session
            .granted_access()
            .and_then(|a| a.email.clone().or(a.display_name.clone()))
            .unwrap_or_default()
    };
    // The log is read again after this browser's downloads and force syncs.
    let log_version = RwSignal::new(0u32);
    view! {
        <section class="settings-page">
            <h1><Icon name=IconName::Settings /> {move || i18n.texts().settings_title}</h1>
            <section class="card">
                <h2>{move || i18n.texts().settings_account}</h2>
                <p>{move || (i18n.texts().settings_signed_in_as)(&who())}</p>
                <LanguagePicker testid="settings-language" />
            </section>
            <section class="card">
                <h2>{move || i18n.texts().settings_sync}</h2>
                <LocalCopyCard />
                <SelectiveSync />
                <ForceSync log_version />
                <PresenceList />
                <SyncLog log_version />
            </section>
            <section class="card">
                <h2>{move || i18n.texts().health_title}</h2>
                <HealthPanel />
                <AlertSettings />
            </section>
            <Show when=move || session.can(Capability::Backups, None)>
                <BackupsCard />
            </Show>
            <ConnectionSettings />
        </section>
    }
}

/// The installed copy (version, size, hash), downloading it again, or forgetting it.
#[component]
fn LocalCopyCard() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let toasts = use_toasts();
    let summary = move || {
        let t = i18n.texts();
        sync.local.with(|local| {
            local.as_ref().map(|l| {
                (t.local_copy_summary)(
                    l.stamp.version,
                    l.snapshot.employees.len(),
                    l.archives.len(),
                )
            })
        })
    };
    let hash = move || {
        sync.local.with(|l| {
            l.as_ref()
                .map(|l| l.stamp.data_hash.clone())
                .unwrap_or_default()
        })
    };
    // Forgotten, the copy is downloaded again at once (the sync engine sees nothing installed);
    // so not while offline, when nothing would be left to show.
    let clear_copy = move |_| {
        spawn_local(async move {
            let t = i18n.texts();
            match forget_local_copy(sync).await {
                Ok(()) => toasts.info(t.local_copy_cleared),
                Err(error) => toasts.error((t.persist_failed)(&error.to_string())),
            }
        });
    };
    view! {
        <h3>{move || i18n.texts().local_copy_heading}</h3>
        <p data-testid="local-copy-summary">{summary}</p>
        <p class="hash">{move || i18n.texts().local_copy_hash} ": " <code data-testid="local-hash">{hash}</code></p>
        <div class="row-actions">
            <button class="button" data-testid="download-now" disabled=move || sync.is_downloading() || sync.locked.get()
                on:click=move |_| start_download(sync)>
                <Icon name=IconName::Inbox />
                {move || i18n.texts().lock_download}
            </button>
            <button class="button" data-testid="clear-local-copy"
                disabled=move || sync.is_downloading() || !sync.can_write()
                on:click=clear_copy>
                {move || i18n.texts().local_copy_clear}
            </button>
        </div>
    }
}

/// "FORȚEAZĂ SINCRONIZARE CLOUD", after a confirmation.
#[component]
fn ForceSync(log_version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let confirming = RwSignal::new(false);
    let forcing = RwSignal::new(false);
    let force = Callback::new(move |()| {
        forcing.set(true);
        let client = session.client();
        spawn_local(async move {
            let t = i18n.texts();
            match api::force_sync(&client).await {
                Ok(outcome) => {
                    // The forcing client adopts its own bump: it does not lock itself.
                    adopt_own_change(sync, &outcome, Vec::new()).await;
                    toasts.success(t.force_sync_done);
                    let _ = log_version.try_update(|v| *v += 1);
                }
                Err(error) => match error.kind() {
                    ErrorKind::RateLimited { retry_after_secs } => {
                        toasts.error((t.force_sync_rate_limited)(retry_after_secs))
                    }
                    _ => toasts.error(error_message(t, &error)),
                },
            }
            let _ = forcing.try_set(false);
            let _ = confirming.try_set(false);
        });
    });
    view! {
        <Show when=move || session.can(Capability::ForceSync, None)>
            <div class="force-sync">
                <p class="hint">{move || i18n.texts().force_sync_explain}</p>
                <button class="button button-warning button-large" data-testid="force-sync"
                    disabled=move || !sync.can_write() || forcing.get()
                    on:click=move |_| confirming.set(true)>
                    <Icon name=IconName::Bolt />
                    {move || i18n.texts().force_sync}
                </button>
            </div>
        </Show>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                title=Signal::derive(move || i18n.texts().force_sync_confirm_title.to_string())
                message=Signal::derive(move || i18n.texts().force_sync_confirm_body.to_string())
                confirm_label=|t| t.confirm
                busy=forcing
                on_confirm=force
                on_cancel=Callback::new(move |()| confirming.set(false))
                confirm_testid="force-sync-confirm"
            />
        </Show>
    }
}

/// The last 100 entries of `sync_log`, newest first.
#[component]
fn SyncLog(log_version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let log = LocalResource::new(move || {
        log_version.track();
        // Read again once a download of this client is recorded.
        sync.logged_downloads.track();
        let client = session.client();
        let options = api::scoped();
        async move { api::recent_sync_log(&client, options).await }
    });
    view! {
        <h3>{move || i18n.texts().sync_log_heading}</h3>
        <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Err(error) => view! {
                        <p class="field-error" role="alert">{move || error_message(i18n.texts(), &error)}</p>
                    }
                    .into_any(),
                    Ok(entries) => view! { <SyncLogTable entries /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SyncLogTable(entries: Vec<SyncLogEntry>) -> impl IntoView {
    let i18n = use_i18n();
    if entries.is_empty() {
        return view! { <p class="empty">{move || i18n.texts().sync_log_empty}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="sync-log" data-testid="sync-log">
                <thead>
                    <tr>
                        <th>{move || i18n.texts().sync_log_when}</th>
                        <th>{move || i18n.texts().sync_log_who}</th>
                        <th>{move || i18n.texts().sync_log_type}</th>
                        <th>{move || i18n.texts().sync_log_status}</th>
                        <th class="numeric">{move || i18n.texts().sync_log_items}</th>
                        <th>{move || i18n.texts().sync_log_error}</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|entry| view! { <SyncLogRow entry /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn SyncLogRow(entry: SyncLogEntry) -> impl IntoView {
    let i18n = use_i18n();
    let when = punctaj_core::time::parse_timestamp(&entry.synced_at)
        .map(browser::format_local)
        .unwrap_or(entry.synced_at.clone());
    let (sync_type, status) = (entry.sync_type.clone(), entry.status.clone());
    let mode = entry.mode.clone().unwrap_or_default();
    let type_text = move || {
        let t = i18n.texts();
        let name = (t.sync_type_name)(&sync_type);
        match (t.selective.mode_name)(&mode) {
            "" => name,
            mode => format!("{name} ({mode})"),
        }
    };
    view! {
        <tr
            data-testid="sync-log-row"
            data-type=entry.sync_type.clone()
            data-status=entry.status.clone()
            data-mode=entry.mode.clone().unwrap_or_default()
        >
            <td>{when}</td>
            <td>{entry.user_name.clone().unwrap_or_default()}</td>
            <td>{type_text}</td>
            <td>{move || (i18n.texts().sync_status_name)(&status)}</td>
            <td class="numeric">{entry.items_synced}</td>
            <td>{entry.error_message.clone().unwrap_or_default()}</td>
        </tr>
    }
}

#[component]
fn ConnectionSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let source = use_context::<ConfigSource>().unwrap_or(ConfigSource::File);
    let client = session.client();
    let url = client.config().url().to_string();
    let key = client.config().anon_key().to_string();
    view! {
        <section class="card">
            <h2>{move || i18n.texts().settings_connection}</h2>
            <p>{move || match source {
                ConfigSource::File => i18n.texts().config_using_file,
                ConfigSource::BrowserOverride => i18n.texts().config_using_override,
            }}</p>
            <ConfigForm url key />
            <Show when=move || source == ConfigSource::BrowserOverride>
                <button class="button" data-testid="config-clear" on:click=move |_| {
                    config::clear_override();
                    browser::reload();
                }>
                    {move || i18n.texts().config_clear_override}
                </button>
            </Show>
        </section>
    }
}
