//! Soft-deleted cities and institutions, restorable by owners and admins.

use leptos::prelude::*;

use crate::api::{self, DeletedCity, DeletedInstitution};
use crate::components::icon::{Icon, IconName};
use crate::components::modal::Modal;
use crate::components::toast::use_toasts;
use crate::i18n::{error_message, use_i18n};
use crate::mutation::Mutation;
use crate::session::use_session;
use crate::sync::use_sync;

/// What the dialog lists: each deleted city, and each deleted institution with its city's name
/// (there is a "Politie" in every city).
#[derive(Clone, Debug, PartialEq)]
struct Deleted {
    cities: Vec<DeletedCity>,
    institutions: Vec<(DeletedInstitution, String)>,
}

impl Deleted {
    fn is_empty(&self) -> bool {
        self.cities.is_empty() && self.institutions.is_empty()
    }
}

/// One thing to restore.
#[derive(Clone, Debug, PartialEq)]
enum Restorable {
    City(DeletedCity),
    Institution(DeletedInstitution),
}

#[component]
pub fn DeletedItems(on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let reload = RwSignal::new(0u32);
    let items = LocalResource::new(move || {
        reload.track();
        let client = session.client();
        let options = api::scoped();
        async move {
            let cities = api::deleted_cities(&client, options.clone()).await?;
            let institutions = api::deleted_institutions(&client, options).await?;
            Ok::<_, punctaj_supabase::SupabaseError>((cities, institutions))
        }
    });
    // The city of a deleted institution: deleted too, or still in the local copy.
    let city_name = move |cities: &[DeletedCity], city_id: i64| {
        cities
            .iter()
            .find(|city| city.id == city_id)
            .map(|city| city.name.clone())
            .or_else(|| {
                sync.local.with_untracked(|local| {
                    local
                        .as_ref()
                        .and_then(|local| local.snapshot.city(city_id))
                        .map(|city| city.name.clone())
                })
            })
            .unwrap_or_default()
    };

    let restored = move |name: String| {
        move |_: &api::MutationOutcome| {
            toasts.success((i18n.texts().restored)(&name));
            reload.update(|n| *n += 1);
        }
    };
    let restore = Callback::new(move |item: Restorable| {
        let client = session.client();
        match item {
            Restorable::City(DeletedCity { id, name, .. }) => mutation.run(
                async move { api::restore_city(&client, id).await },
                restored(name),
            ),
            Restorable::Institution(DeletedInstitution { id, name, .. }) => mutation.run(
                async move { api::restore_institution(&client, id).await },
                restored(name),
            ),
        }
    });

    let title = Signal::derive(move || i18n.texts().deleted_items.to_string());
    view! {
        <Modal title on_close testid="deleted-items-dialog">
            <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Err(error) => view! {
                            <p class="field-error" role="alert">{move || error_message(i18n.texts(), &error)}</p>
                        }.into_any(),
                        Ok((cities, institutions)) => {
                            let institutions = institutions
                                .into_iter()
                                .map(|institution| {
                                    let city = city_name(&cities, institution.city_id);
                                    (institution, city)
                                })
                                .collect();
                            let deleted = Deleted { cities, institutions };
                            view! { <DeletedList deleted restore busy=mutation.busy /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </Modal>
    }
}

#[component]
fn DeletedList(
    deleted: Deleted,
    restore: Callback<Restorable>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    if deleted.is_empty() {
        return view! { <p class="empty" data-testid="nothing-deleted">{move || i18n.texts().nothing_deleted}</p> }
            .into_any();
    }
    let cities = deleted.cities.into_iter().map(|city| {
        let label = city.name.clone();
        view! {
            <RestoreItem icon=IconName::City label name=city.name.clone() testid="restore-city" busy
                on_restore=Callback::new(move |()| restore.run(Restorable::City(city.clone()))) />
        }
    });
    let institutions = deleted.institutions.into_iter().map(|(institution, city)| {
        let label = format!("{city} / {}", institution.name);
        view! {
            <RestoreItem icon=IconName::Institution label name=institution.name.clone() testid="restore-institution" busy
                on_restore=Callback::new(move |()| restore.run(Restorable::Institution(institution.clone()))) />
        }
    });
    view! {
        <ul class="plain-list">
            {cities.collect_view()}
            {institutions.collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn RestoreItem(
    icon: IconName,
    label: String,
    name: String,
    testid: &'static str,
    #[prop(into)] busy: Signal<bool>,
    on_restore: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <li>
            <span><Icon name=icon /> {label}</span>
            <button class="button button-small" data-testid=testid data-name=name
                disabled=move || busy.get()
                on:click=move |_| on_restore.run(())>
                {move || i18n.texts().restore}
            </button>
        </li>
    }
}
