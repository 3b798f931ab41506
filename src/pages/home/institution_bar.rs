//! The selected city's institution tabs, and for owners/admins: add, rename, delete an
//! institution and edit its ranks and columns.

use leptos::prelude::*;
use punctaj_core::model::{City, Institution};
use punctaj_core::permissions::Capability;

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icon::{Icon, IconName};
use crate::components::institution_editor::{
    InstitutionDraft, InstitutionEditor, default_columns, default_ranks,
};
use crate::components::name_dialog::NameDialog;
use crate::components::tab_link::TabLink;
use crate::components::toast::use_toasts;
use crate::edit::{EditEnd, EditTarget, Editor, RowEdit, name_values, structure_values};
use crate::i18n::use_i18n;
use crate::mutation::Mutation;
use crate::routes;
use crate::session::use_session;
use crate::sync::use_sync;

use super::go_to::use_go_to;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InstitutionDialog {
    Add,
    Rename,
    Structure,
    Delete,
}

#[component]
pub fn InstitutionBar(
    city: Memo<Option<City>>,
    institutions: Memo<Vec<Institution>>,
    selected: Memo<Option<Institution>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let dialog = RwSignal::new(None::<InstitutionDialog>);
    let selected_id = Memo::new(move |_| selected.with(|i| i.as_ref().map(|i| i.id)));
    view! {
        <nav class="tabs institution-tabs" aria-label=move || i18n.texts().nav_institutions>
            <For
                each=move || institutions.get()
                key=|institution| (institution.id, institution.name.clone())
                let:institution
            >
                <InstitutionTab institution selected_id />
            </For>
            <Show when=move || session.can(Capability::Structure, None)>
                <InstitutionActions selected_id dialog />
            </Show>
        </nav>
        <InstitutionDialogs city selected dialog />
    }
}

#[component]
fn InstitutionTab(institution: Institution, selected_id: Memo<Option<i64>>) -> impl IntoView {
    let Institution {
        id, city_id, name, ..
    } = institution;
    let current = Signal::derive(move || selected_id.get() == Some(id));
    view! { <TabLink href=routes::institution(city_id, id) name testid="institution-tab" current /> }
}

#[component]
fn InstitutionActions(
    selected_id: Memo<Option<i64>>,
    dialog: RwSignal<Option<InstitutionDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let blocked = move || !sync.can_write();
    let open = move |which: InstitutionDialog| move |_| dialog.set(Some(which));
    view! {
        <div class="tab-actions">
            <button class="button button-small" data-testid="institution-add" disabled=blocked
                on:click=open(InstitutionDialog::Add)>
                <Icon name=IconName::Plus />
                {move || i18n.texts().institution_add}
            </button>
            <Show when=move || selected_id.get().is_some()>
                <button class="button button-small" data-testid="institution-rename" disabled=blocked
                    on:click=open(InstitutionDialog::Rename)>
                    <Icon name=IconName::Pencil />
                    {move || i18n.texts().institution_rename}
                </button>
                <button class="button button-small" data-testid="institution-structure" disabled=blocked
                    on:click=open(InstitutionDialog::Structure)>
                    <Icon name=IconName::Table />
                    {move || i18n.texts().institution_structure}
                </button>
                <button class="button button-small button-danger-outline" data-testid="institution-delete" disabled=blocked
                    on:click=open(InstitutionDialog::Delete)>
                    <Icon name=IconName::Trash />
                    {move || i18n.texts().institution_delete}
                </button>
            </Show>
        </div>
    }
}

/// The open dialog, if any, and what its confirmation does.
#[component]
fn InstitutionDialogs(
    city: Memo<Option<City>>,
    selected: Memo<Option<Institution>>,
    dialog: RwSignal<Option<InstitutionDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let go_to = use_go_to();
    let close = Callback::new(move |()| dialog.set(None));
    // What the dialog was opened for (read once: the data may change while it is open).
    let chosen = move || selected.get_untracked();

    let add = {
        let go_to = go_to.clone();
        Callback::new(move |draft: InstitutionDraft| {
            let Some(city_id) = city.with_untracked(|city| city.as_ref().map(|c| c.id)) else {
                return;
            };
            let client = session.client();
            let go_to = go_to.clone();
            let shown = draft.name.clone();
            mutation.run(
                async move {
                    api::create_institution(
                        &client,
                        city_id,
                        &draft.name,
                        &draft.ranks,
                        &draft.columns,
                    )
                    .await
                },
                move |outcome| {
                    toasts.success((i18n.texts().institution_added)(&shown));
                    dialog.set(None);
                    if let Some(id) = outcome.extra.get("institution_id").and_then(|v| v.as_i64()) {
                        go_to(&routes::institution(city_id, id));
                    }
                },
            );
        })
    };
    // Both edits remember the institution as the dialog opened it: a change saved meanwhile by
    // someone else is merged or put to the user, never overwritten.
    let editor = Editor::new(mutation);
    let finish = move |saved: String| {
        Callback::new(move |end| {
            match end {
                EditEnd::Saved => toasts.success(saved.clone()),
                EditEnd::KeptTheirs => toasts.success(i18n.texts().conflict.kept_theirs),
                EditEnd::RowGone => {}
            }
            dialog.set(None);
        })
    };
    let rename = move |institution: Institution| {
        Callback::new(move |name: String| {
            let edit = RowEdit {
                target: EditTarget::InstitutionName { id: institution.id },
                base: name_values(&institution.name),
                base_version: institution.row_version,
                mine: name_values(&name),
            };
            editor.run(edit, finish((i18n.texts().institution_renamed)(&name)));
        })
    };
    let structure = move |institution: Institution| {
        Callback::new(move |draft: InstitutionDraft| {
            let edit = RowEdit {
                target: EditTarget::InstitutionStructure {
                    id: institution.id,
                    renames: draft.renames,
                },
                base: structure_values(&institution.ranks, &institution.columns),
                base_version: institution.row_version,
                mine: structure_values(&draft.ranks, &draft.columns),
            };
            editor.run(edit, finish(i18n.texts().structure_saved.to_string()));
        })
    };
    let delete = Callback::new(move |()| {
        let Some(institution) = chosen() else { return };
        let client = session.client();
        let go_to = go_to.clone();
        mutation.run(
            async move { api::delete_institution(&client, institution.id).await },
            move |_| {
                toasts.success((i18n.texts().institution_deleted)(&institution.name));
                dialog.set(None);
                go_to(&routes::city(institution.city_id));
            },
        );
    });

    move || {
        let which = dialog.get()?;
        let current = chosen().unwrap_or_default();
        Some(match which {
            InstitutionDialog::Add => view! {
                <InstitutionEditor
                    title=Signal::derive(move || i18n.texts().institution_add.to_string())
                    name=String::new()
                    ranks=default_ranks()
                    columns=default_columns()
                    busy=mutation.busy
                    on_submit=add
                    on_close=close
                />
            }
            .into_any(),
            InstitutionDialog::Rename => view! {
                <NameDialog
                    title=Signal::derive(move || i18n.texts().institution_rename.to_string())
                    label=Signal::derive(move || i18n.texts().institution_name.to_string())
                    initial=current.name.clone()
                    busy=mutation.busy
                    on_submit=rename(current)
                    on_close=close
                />
            }
            .into_any(),
            InstitutionDialog::Structure => view! {
                <InstitutionEditor
                    title=Signal::derive(move || i18n.texts().institution_structure.to_string())
                    ranks=current.ranks.clone()
                    columns=current.columns.clone()
                    busy=mutation.busy
                    on_submit=structure(current)
                    on_close=close
                />
            }
            .into_any(),
            InstitutionDialog::Delete => {
                let name = current.name;
                view! {
                    <ConfirmDialog
                        title=Signal::derive(move || i18n.texts().institution_delete.to_string())
                        message=Signal::derive(move || (i18n.texts().institution_delete_confirm)(&name))
                        confirm_label=|t| t.delete
                        danger=true
                        busy=mutation.busy
                        on_confirm=delete
                        on_cancel=close
                        confirm_testid="institution-delete-confirm"
                    />
                }
                .into_any()
            }
        })
    }
}
