//! The city tabs, and for owners/admins: add, rename, delete a city and restore deleted ones.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use punctaj_core::model::City;
use punctaj_core::permissions::Capability;

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::name_dialog::NameDialog;
use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;
use crate::mutation::Mutation;
use crate::routes;
use crate::session::use_session;
use crate::sync::use_sync;

use super::deleted_items::DeletedItems;

#[derive(Clone, Copy, PartialEq, Eq)]
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
    let sync = use_sync();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let navigate = use_navigate();
    let dialog = RwSignal::new(None::<CityDialog>);
    let may_edit = move || session.can(Capability::Structure, None);
    let writable = move || sync.can_write();
    let close = Callback::new(move |()| dialog.set(None));
    let selected_name =
        move || selected.with(|city| city.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let selected_id = move || selected.with(|city| city.as_ref().map(|c| c.id));

    let add = {
        let navigate = navigate.clone();
        Callback::new(move |name: String| {
            let client = session.client();
            let navigate = navigate.clone();
            let shown = name.clone();
            mutation.run(
                async move { api::create_city(&client, &name).await },
                move |outcome| {
                    toasts.success((i18n.texts().city_added)(&shown));
                    if let Some(id) = outcome.extra.get("city_id").and_then(|v| v.as_i64()) {
                        navigate(&routes::city(id), Default::default());
                    }
                    dialog.set(None);
                },
            );
        })
    };
    let rename = Callback::new(move |name: String| {
        let Some(city_id) = selected_id() else { return };
        let client = session.client();
        let shown = name.clone();
        mutation.run(
            async move { api::rename_city(&client, city_id, &name).await },
            move |_| {
                toasts.success((i18n.texts().city_renamed)(&shown));
                dialog.set(None);
            },
        );
    });
    let delete = Callback::new(move |()| {
        let Some(city_id) = selected_id() else { return };
        let client = session.client();
        let name = selected_name();
        let navigate = navigate.clone();
        mutation.run(
            async move { api::delete_city(&client, city_id).await },
            move |_| {
                toasts.success((i18n.texts().city_deleted)(&name));
                navigate(&routes::home(), Default::default());
                dialog.set(None);
            },
        );
    });

    view! {
        <nav class="tabs city-tabs" aria-label=move || i18n.texts().nav_home>
            <For each=move || cities.get() key=|city| (city.id, city.name.clone()) let:city>
                {
                    let id = city.id;
                    let name = city.name.clone();
                    let current = move || selected_id() == Some(id);
                    view! {
                        <A
                            href=routes::city(id)
                            attr:class=move || if current() { "tab tab-current" } else { "tab" }
                            attr:data-testid="city-tab"
                            attr:data-name=name
                            attr:aria-current=move || current().then_some("page")
                        >
                            {city.name.clone()}
                        </A>
                    }
                }
            </For>
            <Show when=may_edit>
                <div class="tab-actions">
                    <button class="button button-small" data-testid="city-add" disabled=move || !writable()
                        on:click=move |_| dialog.set(Some(CityDialog::Add))>
                        {move || i18n.texts().city_add}
                    </button>
                    <Show when=move || selected_id().is_some()>
                        <button class="button button-small" data-testid="city-rename" disabled=move || !writable()
                            on:click=move |_| dialog.set(Some(CityDialog::Rename))>
                            {move || i18n.texts().city_rename}
                        </button>
                        <button class="button button-small button-danger-outline" data-testid="city-delete" disabled=move || !writable()
                            on:click=move |_| dialog.set(Some(CityDialog::Delete))>
                            {move || i18n.texts().city_delete}
                        </button>
                    </Show>
                    <button class="button button-small" data-testid="deleted-items" disabled=move || !writable()
                        on:click=move |_| dialog.set(Some(CityDialog::Deleted))>
                        {move || i18n.texts().deleted_items}
                    </button>
                </div>
            </Show>
        </nav>
        {move || match dialog.get() {
            Some(CityDialog::Add) => view! {
                <NameDialog
                    title=i18n.texts().city_add.to_string()
                    label=i18n.texts().city_name.to_string()
                    busy=mutation.busy
                    on_submit=add
                    on_close=close
                />
            }.into_any(),
            Some(CityDialog::Rename) => view! {
                <NameDialog
                    title=i18n.texts().city_rename.to_string()
                    label=i18n.texts().city_name.to_string()
                    initial=selected_name()
                    busy=mutation.busy
                    on_submit=rename
                    on_close=close
                />
            }.into_any(),
            Some(CityDialog::Delete) => view! {
                <ConfirmDialog
                    title=i18n.texts().city_delete.to_string()
                    message=(i18n.texts().city_delete_confirm)(&selected_name())
                    confirm_label=i18n.texts().delete.to_string()
                    danger=true
                    busy=mutation.busy
                    on_confirm=delete
                    on_cancel=close
                    confirm_testid="city-delete-confirm"
                />
            }.into_any(),
            Some(CityDialog::Deleted) => view! { <DeletedItems on_close=close /> }.into_any(),
            None => ().into_any(),
        }}
    }
}
