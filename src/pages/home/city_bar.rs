//! The city tabs, and for owners/admins: add, rename, delete a city and restore deleted ones.

use leptos::prelude::*;
use punctaj_core::model::City;
use punctaj_core::permissions::Capability;

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icon::{Icon, IconName};
use crate::components::name_dialog::NameDialog;
use crate::components::tab_link::TabLink;
use crate::components::toast::use_toasts;
use crate::edit::{EditEnd, EditTarget, Editor, RowEdit, name_values};
use crate::i18n::use_i18n;
use crate::mutation::Mutation;
use crate::routes;
use crate::session::use_session;
use crate::sync::use_sync;

use super::deleted_items::DeletedItems;
use super::go_to::use_go_to;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CityDialog {
    Add,
    Rename,
    Delete,
    Deleted,
}

#[component]
pub fn CityBar(cities: Memo<Vec<City>>, selected: Memo<Option<City>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let dialog = RwSignal::new(None::<CityDialog>);
    let selected_id = Memo::new(move |_| selected.with(|city| city.as_ref().map(|c| c.id)));
    view! {
        <nav class="tabs city-tabs" aria-label=move || i18n.texts().nav_home>
            <For each=move || cities.get() key=|city| (city.id, city.name.clone()) let:city>
                <CityTab city selected_id />
            </For>
            <Show when=move || session.can(Capability::Structure, None)>
                <CityActions selected_id dialog />
            </Show>
        </nav>
        <CityDialogs selected dialog />
    }
}

#[component]
fn CityTab(city: City, selected_id: Memo<Option<i64>>) -> impl IntoView {
    let City { id, name, .. } = city;
    let current = Signal::derive(move || selected_id.get() == Some(id));
    view! { <TabLink href=routes::city(id) name testid="city-tab" current /> }
}

#[component]
fn CityActions(
    selected_id: Memo<Option<i64>>,
    dialog: RwSignal<Option<CityDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let blocked = move || !sync.can_write();
    let open = move |which: CityDialog| move |_| dialog.set(Some(which));
    view! {
        <div class="tab-actions">
            <button class="button button-small" data-testid="city-add" disabled=blocked
                on:click=open(CityDialog::Add)>
                <Icon name=IconName::Plus />
                {move || i18n.texts().city_add}
            </button>
            <Show when=move || selected_id.get().is_some()>
                <button class="button button-small" data-testid="city-rename" disabled=blocked
                    on:click=open(CityDialog::Rename)>
                    <Icon name=IconName::Pencil />
                    {move || i18n.texts().city_rename}
                </button>
                <button class="button button-small button-danger-outline" data-testid="city-delete" disabled=blocked
                    on:click=open(CityDialog::Delete)>
                    <Icon name=IconName::Trash />
                    {move || i18n.texts().city_delete}
                </button>
            </Show>
            <button class="button button-small" data-testid="deleted-items" disabled=blocked
                on:click=open(CityDialog::Deleted)>
                <Icon name=IconName::Bin />
                {move || i18n.texts().deleted_items}
            </button>
        </div>
    }
}

/// The open dialog, if any, and what its confirmation does.
#[component]
fn CityDialogs(
    selected: Memo<Option<City>>,
    dialog: RwSignal<Option<CityDialog>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let go_to = use_go_to();
    let close = Callback::new(move |()| dialog.set(None));
    // The city the dialog was opened for (read once: the data may change while it is open).
    let chosen = move || selected.get_untracked();

    let add = {
        let go_to = go_to.clone();
        Callback::new(move |name: String| {
            let client = session.client();
            let go_to = go_to.clone();
            let shown = name.clone();
            mutation.run(
                async move { api::create_city(&client, &name).await },
                move |outcome| {
                    toasts.success((i18n.texts().city_added)(&shown));
                    dialog.set(None);
                    if let Some(id) = outcome.extra.get("city_id").and_then(|v| v.as_i64()) {
                        go_to(&routes::city(id));
                    }
                },
            );
        })
    };
    // The rename remembers the city as the dialog opened it: a change saved meanwhile by someone
    // else is merged or put to the user, never overwritten.
    let editor = Editor::new(mutation);
    let rename = move |city: City| {
        Callback::new(move |name: String| {
            let edit = RowEdit {
                target: EditTarget::CityName { id: city.id },
                base: name_values(&city.name),
                base_version: city.row_version,
                mine: name_values(&name),
            };
            let shown = name.clone();
            editor.run(
                edit,
                Callback::new(move |end| {
                    match end {
                        EditEnd::Saved => toasts.success((i18n.texts().city_renamed)(&shown)),
                        EditEnd::KeptTheirs => toasts.success(i18n.texts().conflict.kept_theirs),
                        EditEnd::RowGone => {}
                    }
                    dialog.set(None);
                }),
            );
        })
    };
    let delete = Callback::new(move |()| {
        let Some(city) = chosen() else { return };
        let client = session.client();
        let go_to = go_to.clone();
        mutation.run(
            async move { api::delete_city(&client, city.id).await },
            move |_| {
                toasts.success((i18n.texts().city_deleted)(&city.name));
                dialog.set(None);
                go_to(&routes::home());
            },
        );
    });

    let name_label = Signal::derive(move || i18n.texts().city_name.to_string());
    move || match dialog.get()? {
        CityDialog::Add => Some(
            view! {
                <NameDialog
                    title=Signal::derive(move || i18n.texts().city_add.to_string())
                    label=name_label
                    busy=mutation.busy
                    on_submit=add
                    on_close=close
                />
            }
            .into_any(),
        ),
        CityDialog::Rename => {
            let city = chosen()?;
            Some(
                view! {
                    <NameDialog
                        title=Signal::derive(move || i18n.texts().city_rename.to_string())
                        label=name_label
                        initial=city.name.clone()
                        busy=mutation.busy
                        on_submit=rename(city)
                        on_close=close
                    />
                }
                .into_any(),
            )
        }
        CityDialog::Delete => {
            let name = chosen().map(|city| city.name).unwrap_or_default();
            Some(
                view! {
                    <ConfirmDialog
                        title=Signal::derive(move || i18n.texts().city_delete.to_string())
                        message=Signal::derive(move || (i18n.texts().city_delete_confirm)(&name))
                        confirm_label=|t| t.delete
                        danger=true
                        busy=mutation.busy
                        on_confirm=delete
                        on_cancel=close
                        confirm_testid="city-delete-confirm"
                    />
                }
                .into_any(),
            )
        }
        CityDialog::Deleted => Some(view! { <DeletedItems on_close=close /> }.into_any()),
    }
}
