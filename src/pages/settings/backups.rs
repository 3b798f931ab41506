//! The owner's backups card: the server's daily backups (taken at midnight in the community's
//! time zone by pg_cron, kept for the configured days) and the ones taken on request, each
//! downloadable as its JSON file and restorable after typing its day. Every scheduled or
//! destructive step runs on the server; this card only asks.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Backup, BackupSettings};
use crate::browser;
use crate::components::dialog_actions::{DialogActions, SubmitStyle};
use crate::components::modal::Modal;
use crate::components::toast::use_toasts;
use crate::i18n::{error_message, format_bytes, use_i18n};
use crate::mutation::Mutation;
use crate::session::use_session;
use crate::sync::use_sync;

/// A backup's time as this browser shows times.
fn taken_at(backup: &Backup) -> String {
    punctaj_core::time::parse_timestamp(&backup.taken_at)
        .map(browser::format_local)
        .unwrap_or_else(|| backup.taken_at.clone())
}

/// The file a backup is saved as.
fn file_name(backup: &Backup) -> String {
    format!("punctaj-backup-{}-{}.json", backup.local_date, backup.id)
}

#[component]
pub fn BackupsCard() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    // Read again after each backup or restore of this card, and after every installed version
    // (someone else's restore, a backup that bumped nothing still shows on the next one).
    let refresh = RwSignal::new(0u32);
    let backups = LocalResource::new(move || {
        refresh.track();
        sync.local
            .with(|local| local.as_ref().map(|l| l.stamp.version));
        let client = session.client();
        let options = api::scoped();
        async move { api::list_backups(&client, options).await }
    });
    let settings = LocalResource::new(move || {
        refresh.track();
        let client = session.client();
        let options = api::scoped();
        async move { api::backup_settings(&client, options).await }
    });
    let taking = RwSignal::new(false);
    let take_now = move |_| {
        if taking.get_untracked() {
            return;
        }
        taking.set(true);
        let client = session.client();
        spawn_local(async move {
            let t = i18n.texts();
            match api::backup_now(&client).await {
                Ok(()) => {
                    toasts.success(t.backups.taken);
                    refresh.update(|n| *n += 1);
                }
                Err(error) => toasts.error(error_message(t, &error)),
            }
            let _ = taking.try_set(false);
        });
    };
    let restoring = RwSignal::new(None::<Backup>);
    view! {
        <section class="card" data-testid="backups">
            <h2>{move || i18n.texts().backups.title}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    settings.await.ok().flatten().map(|current| {
                        let (zone, days) = (current.time_zone, current.retention_days);
                        view! {
                            <p data-testid="backup-schedule">
                                {move || (i18n.texts().backups.schedule)(&zone, days)}
                            </p>
                        }
                    })
                })}
            </Transition>
            <div class="row-actions">
                <button class="button" data-testid="backup-now" disabled=move || taking.get() || !sync.can_write()
                    on:click=take_now>
                    {move || if taking.get() { i18n.texts().working } else { i18n.texts().backups.now }}
                </button>
            </div>
            <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || Suspend::new(async move {
                    match backups.await {
                        Err(error) => view! {
                            <p class="field-error" role="alert">{move || error_message(i18n.texts(), &error)}</p>
                        }
                        .into_any(),
                        Ok(list) => view! { <BackupList list restoring /> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(Some(current)) => view! { <ScheduleForm current refresh /> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Transition>
            {move || restoring.get().map(|backup| view! { <RestoreDialog backup restoring refresh /> })}
        </section>
    }
}

#[component]
fn BackupList(list: Vec<Backup>, restoring: RwSignal<Option<Backup>>) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return view! { <p class="empty" data-testid="backup-list">{move || i18n.texts().backups.empty}</p> }
            .into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="backup-list" data-testid="backup-list">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.texts().backups.when}</th>
                        <th scope="col">{move || i18n.texts().backups.kind}</th>
                        <th scope="col">{move || i18n.texts().backups.contents}</th>
                        <th scope="col" class="numeric">{move || i18n.texts().backups.size}</th>
                        <th scope="col">{move || i18n.texts().backups.actions}</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|backup| view! { <BackupRow backup restoring /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn BackupRow(backup: Backup, restoring: RwSignal<Option<Backup>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let sync = use_sync();
    let when = taken_at(&backup);
    let kind = backup.kind.clone();
    let counts = backup.counts.clone();
    let restored = backup.restored_at.as_ref().map(|at| {
        let at = punctaj_core::time::parse_timestamp(at)
            .map(browser::format_local)
            .unwrap_or_else(|| at.clone());
        (at, backup.restored_by_name.clone().unwrap_or_default())
    });
    let downloading = RwSignal::new(false);
    let download = {
        let backup = backup.clone();
        move |_| {
            if downloading.get_untracked() {
                return;
            }
            downloading.set(true);
            let client = session.client();
            let backup = backup.clone();
            spawn_local(async move {
                let t = i18n.texts();
                match api::backup_document(&client, backup.id).await {
                    Ok(text) => {
                        if let Err(error) = browser::download_text_file(
                            &file_name(&backup),
                            &text,
                            "application/json",
                        ) {
                            toasts.error(format!("{error:?}"));
                        }
                    }
                    Err(error) => toasts.error(error_message(t, &error)),
                }
                let _ = downloading.try_set(false);
            });
        }
    };
    let open_restore = {
        let backup = backup.clone();
        move |_| restoring.set(Some(backup.clone()))
    };
    view! {
        <tr data-testid="backup-item" data-backup-id=backup.id data-kind=backup.kind.clone()
            data-local-date=backup.local_date.clone()>
            <td>
                {when}
                {restored.map(|(at, who)| view! {
                    <span class="badge" data-testid="backup-restored">
                        {move || (i18n.texts().backups.restored_badge)(&at, &who)}
                    </span>
                })}
            </td>
            <td>{move || (i18n.texts().backups.kind_name)(&kind)}</td>
            <td>{move || (i18n.texts().backups.counts)(counts.cities, counts.institutions, counts.employees, counts.archives)}</td>
            <td class="numeric">{format_bytes(backup.size_bytes.max(0) as u64)}</td>
            <td class="row-actions">
                <button class="button button-small" data-testid="backup-download"
                    disabled=move || downloading.get() on:click=download>
                    {move || i18n.texts().backups.download}
                </button>
                <button class="button button-small button-danger-outline" data-testid="backup-restore"
                    disabled=move || !sync.can_write() on:click=open_restore>
                    {move || i18n.texts().backups.restore}
                </button>
            </td>
        </tr>
    }
}

/// Restoring asks for the backup's day to be typed: it replaces everything everyone synced.
#[component]
fn RestoreDialog(
    backup: Backup,
    restoring: RwSignal<Option<Backup>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let typed = RwSignal::new(String::new());
    let day = StoredValue::new(backup.local_date.clone());
    let matches = move || typed.with(|typed| day.with_value(|day| typed.trim() == day));
    let close = Callback::new(move |()| {
        if !mutation.busy.get_untracked() {
            restoring.set(None);
        }
    });
    let restore = move || {
        let client = session.client();
        let id = backup.id;
        mutation.run(
            async move { api::restore_backup(&client, id).await },
            move |_| {
                toasts.success(day.with_value(|day| (i18n.texts().backups.restored)(day)));
                restoring.set(None);
                refresh.update(|n| *n += 1);
            },
        );
    };
    let when = taken_at(&backup);
    let explain = move || day.with_value(|day| (i18n.texts().backups.restore_explain)(day, &when));
    view! {
        <Modal
            title=Signal::derive(move || i18n.texts().backups.restore_title.to_string())
            on_close=close
            testid="backup-restore-dialog"
        >
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    if matches() && !mutation.busy.get_untracked() {
                        restore();
                    }
                }
            >
                <p class="danger-text">{explain}</p>
                <label class="field">
                    <span>{move || day.with_value(|day| (i18n.texts().backups.restore_type)(day))}</span>
                    <input
                        type="text"
                        autocomplete="off"
                        data-testid="backup-restore-input"
                        prop:value=move || typed.get()
                        on:input:target=move |event| typed.set(event.target().value())
                        disabled=move || mutation.busy.get()
                    />
                </label>
                <DialogActions
                    label=|t| t.backups.restore_confirm
                    submit_testid="backup-restore-confirm"
                    busy=mutation.busy
                    blocked=Signal::derive(move || !matches())
                    on_cancel=close
                    style=SubmitStyle::Danger
                />
            </form>
        </Modal>
    }
}

/// When backups are taken and how long they are kept (the owner's to set).
#[component]
fn ScheduleForm(current: BackupSettings, refresh: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let zone = RwSignal::new(current.time_zone.clone());
    let days = RwSignal::new(current.retention_days.to_string());
    let max_mb = RwSignal::new((current.max_bytes / 1_048_576).max(1).to_string());
    let saving = RwSignal::new(false);
    let save = move || {
        let (Ok(retention_days), Ok(mb)) = (
            days.get_untracked().trim().parse::<i64>(),
            max_mb.get_untracked().trim().parse::<i64>(),
        ) else {
            toasts.error(i18n.texts().backups.bad_number);
            return;
        };
        let settings = BackupSettings {
            time_zone: zone.get_untracked().trim().to_string(),
            retention_days,
            max_bytes: mb.saturating_mul(1_048_576),
        };
        saving.set(true);
        let client = session.client();
        spawn_local(async move {
            let t = i18n.texts();
            match api::set_backup_settings(&client, &settings).await {
                Ok(()) => {
                    toasts.success(t.backups.settings_saved);
                    refresh.update(|n| *n += 1);
                }
                Err(error) => toasts.error(error_message(t, &error)),
            }
            let _ = saving.try_set(false);
        });
    };
    view! {
        <h3>{move || i18n.texts().backups.settings}</h3>
        <form
            class="form-grid backup-schedule"
            data-testid="backup-settings"
            on:submit=move |event| {
                event.prevent_default();
                if !saving.get_untracked() {
                    save();
                }
            }
        >
            <label class="field">
                <span>{move || i18n.texts().backups.time_zone}</span>
                <input type="text" data-testid="backup-time-zone" autocomplete="off"
                    prop:value=move || zone.get() on:input:target=move |e| zone.set(e.target().value()) />
            </label>
            <label class="field">
                <span>{move || i18n.texts().backups.retention_days}</span>
                <input type="number" min="1" max="3650" data-testid="backup-retention"
                    prop:value=move || days.get() on:input:target=move |e| days.set(e.target().value()) />
            </label>
            <label class="field">
                <span>{move || i18n.texts().backups.max_mb}</span>
                <input type="number" min="1" max="1024" data-testid="backup-max-mb"
                    prop:value=move || max_mb.get() on:input:target=move |e| max_mb.set(e.target().value()) />
            </label>
            <div class="dialog-actions">
                <button type="submit" class="button" data-testid="backup-settings-save" disabled=move || saving.get()>
                    {move || if saving.get() { i18n.texts().working } else { i18n.texts().backups.save_settings }}
                </button>
            </div>
        </form>
    }
}
