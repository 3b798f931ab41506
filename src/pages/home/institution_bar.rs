//! The selected city's institution tabs, and for owners/admins: add, rename, delete an
//! institution and edit its ranks and columns.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use punctaj_core::model::{City, Institution};
use punctaj_core::permissions::Capability;

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::institution_editor::{
    InstitutionDraft, InstitutionEditor, default_columns, default_ranks,
};
use crate::components::name_dialog::NameDialog;
use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;
use crate::mutation::Mutation;
use crate::routes;
use crate::session::use_session;
use crate::sync::use_sync;

#[derive(Clone, Copy, PartialEq, Eq)]
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
    let sync = use_sync();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let navigate = use_navigate();
    let dialog = RwSignal::new(None::<InstitutionDialog>);
    let close = Callback::new(move |()| dialog.set(None));
    let may_edit = move || session.can(Capability::Structure, None);
    let writable = move || sync.can_write();
    let city_id = move || city.with(|city| city.as_ref().map(|c| c.id));
    let selected_id = move || selected.with(|i| i.as_ref().map(|i| i.id));
    let selected_name =
        move || selected.with(|i| i.as_ref().map(|i| i.name.clone()).unwrap_or_default());

    let add = {
        let navigate = navigate.clone();
        Callback::new(move |draft: InstitutionDraft| {
            let Some(city_id) = city_id() else { return };
            let client = session.client();
            let navigate = navigate.clone();
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
                    if let Some(id) = outcome.extra.get("institution_id").and_then(|v| v.as_i64()) {
                        navigate(&routes::institution(city_id, id), Default::default());
                    }
                    dialog.set(None);
                },
            );
        })
    };
    let rename = Callback::new(move |name: String| {
        let Some(id) = selected_id() else { return };
        let client = session.client();
        let shown = name.clone();
        mutation.run(
            async move { api::rename_institution(&client, id, &name).await },
            move |_| {
                toasts.success((i18n.texts().institution_renamed)(&shown));
                dialog.set(None);
            },
        );
    });
    let save_structure = Callback::new(move |draft: InstitutionDraft| {
        let Some(current) = selected.get_untracked() else {
            return;
        };
        let client = session.client();
        let engine = sync;
        let ranks_changed = draft.ranks != current.ranks;
        let columns_changed = draft.columns != current.columns || !draft.renames.is_empty();
        mutation.run(
            async move {
                // Two changes, each adopted in turn so this client never locks itself.
                let mut last = None;
                if ranks_changed {
                    let outcome =
                        api::set_institution_ranks(&client, current.id, &draft.ranks).await?;
                    crate::sync::adopt_own_change(engine, &outcome, None).await;
                    last = Some(outcome);
                }
                if columns_changed || last.is_none() {
                    last = Some(
                        api::set_institution_columns(
                            &client,
                            current.id,
                            &draft.columns,
                            &draft.renames,
                        )
                        .await?,
                    );
                }
                Ok(last.expect("one of the two changes ran"))
            },
            move |_| {
                toasts.success(i18n.texts().structure_saved);
                dialog.set(None);
            },
        );
    });
    let delete = Callback::new(move |()| {
        let (Some(id), Some(city_id)) = (selected_id(), city_id()) else {
            return;
        };
        let client = session.client();
        let name = selected_name();
        let navigate = navigate.clone();
        mutation.run(
            async move { api::delete_institution(&client, id).await },
            move |_| {
                toasts.success((i18n.texts().institution_deleted)(&name));
                navigate(&routes::city(city_id), Default::default());
                dialog.set(None);
            },
        );
    });

    view! {
        <nav class="tabs institution-tabs">
            <For
                each=move || institutions.get()
                key=|institution| (institution.id, institution.name.clone())
                let:institution
            >
                {
                    let id = institution.id;
                    let name = institution.name.clone();
                    let href = routes::institution(institution.city_id, id);
                    let current = move || selected_id() == Some(id);
                    view! {
                        <A
                            href=href
                            attr:class=move || if current() { "tab tab-current" } else { "tab" }
                            attr:data-testid="institution-tab"
                            attr:data-name=name
                            attr:aria-current=move || current().then_some("page")
                        >
                            {institution.name.clone()}
                        </A>
                    }
                }
            </For>
            <Show when=may_edit>
                <div class="tab-actions">
                    <button class="button button-small" data-testid="institution-add" disabled=move || !writable()
                        on:click=move |_| dialog.set(Some(InstitutionDialog::Add))>
                        {move || i18n.texts().institution_add}
                    </button>
                    <Show when=move || selected_id().is_some()>
                        <button class="button button-small" data-testid="institution-rename" disabled=move || !writable()
                            on:click=move |_| dialog.set(Some(InstitutionDialog::Rename))>
                            {move || i18n.texts().institution_rename}
                        </button>
                        <button class="button button-small" data-testid="institution-structure" disabled=move || !writable()
                            on:click=move |_| dialog.set(Some(InstitutionDialog::Structure))>
                            {move || i18n.texts().institution_structure}
                        </button>
                        <button class="button button-small button-danger-outline" data-testid="institution-delete" disabled=move || !writable()
                            on:click=move |_| dialog.set(Some(InstitutionDialog::Delete))>
                            {move || i18n.texts().institution_delete}
                        </button>
                    </Show>
                </div>
            </Show>
        </nav>
        {move || {
            let t = i18n.texts();
            match dialog.get() {
                Some(InstitutionDialog::Add) => view! {
                    <InstitutionEditor
                        title=t.institution_add.to_string()
                        name=String::new()
                        ranks=default_ranks()
                        columns=default_columns()
                        busy=mutation.busy
                        on_submit=add
                        on_close=close
                    />
                }.into_any(),
                Some(InstitutionDialog::Rename) => view! {
                    <NameDialog
                        title=t.institution_rename.to_string()
                        label=t.institution_name.to_string()
                        initial=selected_name()
                        busy=mutation.busy
                        on_submit=rename
                        on_close=close
                    />
                }.into_any(),
                Some(InstitutionDialog::Structure) => {
                    let current = selected.get_untracked();
                    view! {
                        <InstitutionEditor
                            title=t.institution_structure.to_string()
                            ranks=current.as_ref().map(|i| i.ranks.clone()).unwrap_or_default()
                            columns=current.as_ref().map(|i| i.columns.clone()).unwrap_or_default()
                            busy=mutation.busy
                            on_submit=save_structure
                            on_close=close
                        />
                    }.into_any()
                }
                Some(InstitutionDialog::Delete) => view! {
                    <ConfirmDialog
                        title=t.institution_delete.to_string()
                        message=(t.institution_delete_confirm)(&selected_name())
                        confirm_label=t.delete.to_string()
                        danger=true
                        busy=mutation.busy
                        on_confirm=delete
                        on_cancel=close
                        confirm_testid="institution-delete-confirm"
                    />
                }.into_any(),
                None => ().into_any(),
            }
        }}
    }
}
