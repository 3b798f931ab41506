//! One institution: when its points last changed, the actions the user may take (points,
//! members, reset), and its table.

use std::collections::BTreeSet;

use leptos::prelude::*;
use punctaj_core::archive::ArchiveAuthor;
use punctaj_core::model::{Employee, Institution};
use punctaj_core::permissions::Capability;

use crate::api;
use crate::browser;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::employee_form::{EmployeeDraft, EmployeeForm};
use crate::components::employee_table::EmployeeTable;
use crate::components::icon::{Icon, IconName};
use crate::components::points_dialog::{PointsChange, PointsDialog, PointsMode};
use crate::components::reset_dialog::ResetDialog;
use crate::components::toast::use_toasts;
use crate::components::undo_reset::{UndoResetButton, UndoScope, use_undo_states};
use crate::edit::{EditEnd, EditTarget, Editor, RowEdit, employee_values};
use crate::i18n::{Texts, error_message, use_i18n};
use crate::mutation::Mutation;
use crate::routes;
use crate::session::use_session;
use crate::sync::{ResetError, ResetStage, reset_institution, use_sync};

#[derive(Clone, Debug, PartialEq)]
enum PanelDialog {
    Points(PointsMode),
    AddEmployee,
    EditEmployee(Employee),
    DeleteEmployees,
    Reset,
}

fn reset_error_text(t: &Texts, error: &ResetError) -> String {
    match error {
        ResetError::NotInLocalData => t.err_not_found.to_string(),
        ResetError::Upload(error) => (t.reset_upload_failed)(&error_message(t, error)),
        ResetError::LostRace => t.reset_lost_race.to_string(),
        ResetError::Reset(error) => (t.reset_rpc_failed)(&error_message(t, error)),
    }
}

#[component]
pub fn InstitutionPanel(institution: Memo<Option<Institution>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let dialog = RwSignal::new(None::<PanelDialog>);
    let selection = RwSignal::new(BTreeSet::<String>::new());
    // A reset in progress outlives its dialog: reopened, it shows the progress, not a new reset.
    let reset_stage = RwSignal::new(None::<ResetStage>);

    // The panel is only shown with an institution; default values never render.
    let current = Signal::derive(move || institution.get().unwrap_or_default());
    let institution_id =
        Memo::new(move |_| institution.with(|i| i.as_ref().map(|i| i.id).unwrap_or_default()));
    let employees = Memo::new(move |_| {
        let id = institution_id.get();
        sync.local.with(|local| {
            local
                .as_ref()
                .map(|local| local.snapshot.employees_of(id).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    // A new institution, or rows that disappeared: the selection follows the data.
    Effect::new(move |_| {
        let live: BTreeSet<String> = employees.with(|e| e.iter().map(|e| e.id.clone()).collect());
        if selection.with_untracked(|s| s.iter().any(|id| !live.contains(id))) {
            selection.update(|s| s.retain(|id| live.contains(id)));
        }
    });
    // Installed data, no lock, but no answer from the server: read-only.
    let offline = Memo::new(move |_| {
        !sync.can_write() && !sync.locked.get() && sync.local.with(Option::is_some)
    });

    // What the installed copy holds: an institution it does not keep has no rows here to show.
    let kept = Memo::new(move |_| {
        sync.local.with(|local| {
            local
                .as_ref()
                .is_none_or(|local| current.with(|i| local.selection.keeps(i)))
        })
    });

    view! {
        <section class="institution-panel" aria-label=move || current.with(|i| i.name.clone())>
            <PanelHeader current />
            <Show when=move || offline.get()>
                <p class="notice" data-testid="read-only-offline">{move || i18n.texts().read_only_offline}</p>
            </Show>
            <Show
                when=move || kept.get()
                fallback=move || {
                    view! {
                        <div class="notice" data-testid="not-kept" role="note">
                            <h3>{move || i18n.texts().selective.not_kept_title}</h3>
                            <p>{move || i18n.texts().selective.not_kept_body}</p>
                            <a href=routes::settings()>{move || i18n.texts().selective.open_settings}</a>
                        </div>
                    }
                }
            >
                <PanelToolbar institution_id employees selection dialog />
                <EmployeeTable
                    institution=current
                    employees=employees
                    selection=selection
                    disabled=sync.locked
                />
            </Show>
        </section>
        <PanelDialogs current employees selection dialog reset_stage />
    }
}

#[component]
fn PanelHeader(current: Signal<Institution>) -> impl IntoView {
    let i18n = use_i18n();
    let last_change = move || {
        current
            .with(|i| i.last_points_change_at.map(browser::format_local))
            .unwrap_or_else(|| i18n.texts().never.to_string())
    };
    view! {
        <header class="panel-header">
            <h2>{move || current.with(|i| i.name.clone())}</h2>
            <p class="last-change">
                <Icon name=IconName::Clock /> {move || i18n.texts().last_points_change} " "
                <time data-testid="last-points-change">{last_change}</time>
            </p>
        </header>
    }
}

/// The actions the signed-in account may take here; disabled while nothing can be written
/// (offline, locked) or when there is nothing to act on.
#[component]
fn PanelToolbar(
    institution_id: Memo<i64>,
    employees: Memo<Vec<Employee>>,
    selection: RwSignal<BTreeSet<String>>,
    dialog: RwSignal<Option<PanelDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let can = move |capability| session.can(capability, Some(institution_id.get()));
    let blocked = move || !sync.can_write();
    let no_members = move || employees.with(Vec::is_empty);
    let selected = move || selection.with(BTreeSet::len);
    let open = move |which: PanelDialog| dialog.set(Some(which));
    let edit_selected = move |_| {
        let ids = selection.get_untracked();
        let chosen = (ids.len() == 1)
            .then(|| employees.with_untracked(|e| e.iter().find(|e| ids.contains(&e.id)).cloned()))
            .flatten();
        match chosen {
            Some(employee) => open(PanelDialog::EditEmployee(employee)),
            None => toasts.info(i18n.texts().select_one_to_edit),
        }
    };
    view! {
        <div class="toolbar">
            <Show when=move || can(Capability::Points)>
                <button class="button button-primary" data-testid="points-add"
                    disabled=move || blocked() || no_members()
                    on:click=move |_| open(PanelDialog::Points(PointsMode::Add))>
                    <Icon name=IconName::Plus />
                    {move || i18n.texts().points_add}
                </button>
                <button class="button" data-testid="points-subtract"
                    disabled=move || blocked() || no_members()
                    on:click=move |_| open(PanelDialog::Points(PointsMode::Subtract))>
                    <Icon name=IconName::Minus />
                    {move || i18n.texts().points_subtract}
                </button>
            </Show>
            <Show when=move || can(Capability::Employees)>
                <button class="button" data-testid="employee-add" disabled=blocked
                    on:click=move |_| open(PanelDialog::AddEmployee)>
                    <Icon name=IconName::UserPlus />
                    {move || i18n.texts().employee_add}
                </button>
                <button class="button" data-testid="employee-edit"
                    disabled=move || blocked() || selected() != 1
                    on:click=edit_selected>
                    <Icon name=IconName::Pencil />
                    {move || i18n.texts().employee_edit}
                </button>
                <button class="button button-danger-outline" data-testid="employee-delete"
                    disabled=move || blocked() || selected() == 0
                    on:click=move |_| open(PanelDialog::DeleteEmployees)>
                    <Icon name=IconName::Trash />
                    {move || i18n.texts().employee_delete_selected}
                </button>
            </Show>
            <Show when=move || can(Capability::Reset)>
                <button class="button button-danger" data-testid="reset-punctaj"
                    disabled=move || blocked() || no_members()
                    on:click=move |_| open(PanelDialog::Reset)>
                    <Icon name=IconName::Reset />
                    {move || i18n.texts().reset_button}
                </button>
                <UndoLastReset institution_id />
            </Show>
        </div>
    }
}

/// "Undo the reset" while this institution's last reset can be undone.
#[component]
fn UndoLastReset(institution_id: Memo<i64>) -> impl IntoView {
    let undoable = use_undo_states(UndoScope::Institution(institution_id));
    move || {
        let archive = undoable.with(|states| states.first().cloned())?;
        Some(view! { <UndoResetButton archive /> })
    }
}

/// The open dialog, if any, and what its confirmation does.
#[component]
fn PanelDialogs(
    current: Signal<Institution>,
    employees: Memo<Vec<Employee>>,
    selection: RwSignal<BTreeSet<String>>,
    dialog: RwSignal<Option<PanelDialog>>,
    reset_stage: RwSignal<Option<ResetStage>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let close = Callback::new(move |()| dialog.set(None));
    let institution_id = move || current.with_untracked(|i| i.id);

    let change_points = Callback::new(move |change: PointsChange| {
        let client = session.client();
        let id = institution_id();
        let PointsChange {
            amount,
            delta,
            employee_ids,
        } = change;
        let count = employee_ids.len();
        mutation.run(
            async move { api::change_points(&client, id, &employee_ids, delta).await },
            move |_| {
                let t = i18n.texts();
                toasts.success(if delta > 0 {
                    (t.points_added)(amount, count)
                } else {
                    (t.points_subtracted)(amount, count)
                });
                dialog.set(None);
            },
        );
    });
    let add_employee = Callback::new(move |draft: EmployeeDraft| {
        let client = session.client();
        let id = institution_id();
        mutation.run(
            async move {
                api::add_employee(&client, id, draft.rank, &draft.fields, draft.punctaj).await
            },
            move |_| {
                toasts.success(i18n.texts().employee_added);
                dialog.set(None);
            },
        );
    });
    // The edit remembers the employee as the form opened it: only what the user changed is sent,
    // and a change saved meanwhile by someone else (points added while the form was open) is
    // merged or put to the user, never overwritten.
    let editor = Editor::new(mutation);
    let edit_employee = move |employee: &Employee| {
        let before = employee.clone();
        Callback::new(move |draft: EmployeeDraft| {
            let edit = RowEdit {
                target: EditTarget::Employee {
                    id: before.id.clone(),
                },
                base: employee_values(before.rank, &before.fields, before.punctaj),
                base_version: before.row_version,
                mine: employee_values(draft.rank, &draft.fields, draft.punctaj),
            };
            editor.run(
                edit,
                Callback::new(move |end| {
                    match end {
                        EditEnd::Saved => toasts.success(i18n.texts().employee_saved),
                        EditEnd::KeptTheirs => toasts.success(i18n.texts().conflict.kept_theirs),
                        EditEnd::RowGone => {}
                    }
                    dialog.set(None);
                }),
            );
        })
    };
    let delete_employees = Callback::new(move |()| {
        let client = session.client();
        let ids: Vec<String> = selection.get_untracked().into_iter().collect();
        let count = ids.len();
        mutation.run(
            async move { api::delete_employees(&client, &ids).await },
            move |_| {
                toasts.success((i18n.texts().employees_deleted)(count));
                selection.set(BTreeSet::new());
                dialog.set(None);
            },
        );
    });

    move || {
        Some(match dialog.get()? {
            PanelDialog::Points(mode) => view! {
                <PointsDialog
                    mode=mode
                    institution=current
                    employees=employees
                    initially_selected=selection.get_untracked()
                    busy=mutation.busy
                    on_submit=change_points
                    on_close=close
                />
            }
            .into_any(),
            PanelDialog::AddEmployee => view! {
                <EmployeeForm institution=current busy=mutation.busy on_submit=add_employee on_close=close />
            }
            .into_any(),
            PanelDialog::EditEmployee(employee) => {
                let on_submit = edit_employee(&employee);
                view! {
                    <EmployeeForm institution=current employee=employee busy=mutation.busy on_submit on_close=close />
                }
                .into_any()
            }
            PanelDialog::DeleteEmployees => {
                let count = selection.with_untracked(BTreeSet::len);
                view! {
                    <ConfirmDialog
                        title=Signal::derive(move || i18n.texts().employee_delete_selected.to_string())
                        message=Signal::derive(move || (i18n.texts().employee_delete_confirm)(count))
                        confirm_label=|t| t.delete
                        danger=true
                        busy=mutation.busy
                        on_confirm=delete_employees
                        on_cancel=close
                        confirm_testid="employee-delete-confirm"
                    />
                }
                .into_any()
            }
            PanelDialog::Reset => {
                view! { <ResetFlow current employees stage=reset_stage dialog /> }.into_any()
            }
        })
    }
}

/// "RESET PUNCTAJ": the dialog, then the archive upload and the reset (see `sync::reset`).
#[component]
fn ResetFlow(
    current: Signal<Institution>,
    employees: Memo<Vec<Employee>>,
    stage: RwSignal<Option<ResetStage>>,
    /// Closed when the reset is done (a signal: the task may outlive this component).
    dialog: RwSignal<Option<PanelDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let reset = Callback::new(move |()| {
        if stage.get_untracked().is_some() {
            return;
        }
        let Some(access) = session.granted_access() else {
            return;
        };
        let author = ArchiveAuthor {
            name: access
                .display_name
                .clone()
                .or(access.email.clone())
                .unwrap_or_default(),
            discord_id: access.discord_id.clone(),
            user_id: access.user_id.clone(),
        };
        let id = current.with_untracked(|i| i.id);
        stage.set(Some(ResetStage::Uploading));
        leptos::task::spawn_local(async move {
            let result = reset_institution(sync, id, author, move |next| {
                let _ = stage.try_set(Some(next));
            })
            .await;
            let t = i18n.texts();
            match result {
                Ok(key) => {
                    toasts.success((t.reset_done)(&key));
                    dialog.set(None);
                }
                Err(error) => toasts.error(reset_error_text(t, &error)),
            }
            let _ = stage.try_set(None);
        });
    });
    let (count, total) = employees
        .with_untracked(|e| (e.len(), e.iter().map(|e| i64::from(e.punctaj)).sum::<i64>()));
    view! {
        <ResetDialog
            institution_name=current.with_untracked(|i| i.name.clone())
            employee_count=count
            total_points=total
            stage=stage
            on_confirm=reset
            on_close=Callback::new(move |()| dialog.set(None))
        />
    }
}
