//! Soft-deleted cities and institutions, restorable by owners and admins.

use leptos::prelude::*;

use crate::api::{self, DeletedCity, DeletedInstitution};
use crate::components::modal::Modal;
use crate::components::toast::use_toasts;
use crate::i18n::{error_message, use_i18n};
use crate::mutation::Mutation;
use crate::session::use_session;

#[component]
pub fn DeletedItems(on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
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
            Ok::<(Vec<DeletedCity>, Vec<DeletedInstitution>), punctaj_supabase::SupabaseError>((
                cities,
                institutions,
            ))
        }
    });

    let restore_city = move |city: DeletedCity| {
        let client = session.client();
        mutation.run(
            async move { api::restore_city(&client, city.id).await },
            move |_| {
                toasts.success((i18n.texts().restored)(&city.name));
                reload.update(|n| *n += 1);
            },
        );
    };
    let restore_institution = move |institution: DeletedInstitution| {
        let client = session.client();
        mutation.run(
            async move { api::restore_institution(&client, institution.id).await },
            move |_| {
                toasts.success((i18n.texts().restored)(&institution.name));
                reload.update(|n| *n += 1);
            },
        );
    };

    let title = Signal::derive(move || i18n.texts().deleted_items.to_string());
    view! {
        <Modal title on_close testid="deleted-items-dialog">
            <Suspense fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Err(error) => view! {
                            <p class="field-error" role="alert">{error_message(i18n.texts(), &error)}</p>
                        }.into_any(),
                        Ok((cities, institutions)) if cities.is_empty() && institutions.is_empty() => view! {
                            <p class="empty">{i18n.texts().nothing_deleted}</p>
                        }.into_any(),
                        Ok((cities, institutions)) => view! {
                            <ul class="plain-list">
                                {cities.into_iter().map(|city| {
                                    let name = city.name.clone();
                                    view! {
                                        <li>
                                            <span>"🏙️ " {name}</span>
                                            <button class="button button-small" data-testid="restore-city"
                                                disabled=move || mutation.busy.get()
                                                on:click=move |_| restore_city(city.clone())>
                                                {i18n.texts().restore}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                                {institutions.into_iter().map(|institution| {
                                    let name = institution.name.clone();
                                    view! {
                                        <li>
                                            <span>"🏛️ " {name}</span>
                                            <button class="button button-small" data-testid="restore-institution"
                                                disabled=move || mutation.busy.get()
                                                on:click=move |_| restore_institution(institution.clone())>
                                                {i18n.texts().restore}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Modal>
    }
}
