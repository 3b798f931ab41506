//! Members and permissions (owners and admins): accounts waiting for access first, then every
//! account with its global role and institution roles, granted and revoked through RPCs that
//! the database checks (an admin cannot make admins or owners; nobody removes the last owner).

use leptos::prelude::*;
use punctaj_core::permissions::{self, Capability, GlobalRole, InstitutionRole, Role};
use punctaj_core::table::fold;

use crate::api::{self, Account};
use crate::components::toast::use_toasts;
use crate::i18n::{error_message, use_i18n};
use crate::mutation::Mutation;
use crate::session::use_session;
use crate::sync::use_sync;

#[component]
pub fn MembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let reload = RwSignal::new(0u32);
    let accounts = LocalResource::new(move || {
        reload.track();
        let client = session.client();
        let options = api::scoped();
        async move { api::accounts(&client, options).await }
    });
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));

    view! {
        <section class="members-page">
            <h1>{move || i18n.texts().members_title}</h1>
            <Show
                when=move || session.can(Capability::Members, None)
                fallback=move || view! { <p class="notice">{move || i18n.texts().members_no_permission}</p> }
            >
                <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                    {move || Suspend::new(async move {
                        let t = i18n.texts();
                        match accounts.await {
                            Err(error) => view! { <p class="field-error" role="alert">{error_message(t, &error)}</p> }.into_any(),
                            Ok(mut all) => {
                                all.sort_by_cached_key(|account| fold(&account.label()));
                                let (pending, granted): (Vec<Account>, Vec<Account>) =
                                    all.into_iter().partition(|account| account.pending);
                                let no_pending = pending.is_empty();
                                view! {
                                    <h2>{t.members_pending}</h2>
                                    <Show when=move || no_pending>
                                        <p class="empty">{t.members_no_pending}</p>
                                    </Show>
                                    <AccountList accounts=pending changed />
                                    <h2>{t.members_all}</h2>
                                    <AccountList accounts=granted changed />
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </Show>
        </section>
    }
}

#[component]
fn AccountList(accounts: Vec<Account>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="members-table">
            <thead>
                <tr>
                    <th>{move || i18n.texts().members_account}</th>
                    <th>{move || i18n.texts().members_global_role}</th>
                    <th>{move || i18n.texts().members_institution_roles}</th>
                </tr>
            </thead>
            <tbody>
                {accounts.into_iter().map(|account| view! { <AccountRow account changed /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AccountRow(account: Account, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let user_id = account.user_id.clone();
    let current_global = account.global_role.clone().unwrap_or_default();

    let may = move |role: Role| {
        session
            .granted_access()
            .is_some_and(|access| permissions::can_grant(&access, role))
    };
    let institutions = Memo::new(move |_| {
        sync.local.with(|local| {
            let Some(local) = local else {
                return Vec::new();
            };
            let mut list: Vec<(i64, String)> = local
                .snapshot
                .institutions
                .iter()
                .filter(|i| i.is_live())
                .map(|i| {
                    let city = local
                        .snapshot
                        .city(i.city_id)
                        .map(|c| c.name.as_str())
                        .unwrap_or("");
                    (i.id, format!("{city} / {}", i.name))
                })
                .collect();
            list.sort_by_cached_key(|(_, name)| fold(name));
            list
        })
    });

    let set_global = {
        let user_id = user_id.clone();
        move |role: String| {
            let client = session.client();
            let user_id = user_id.clone();
            mutation.run_plain(
                async move {
                    if role.is_empty() {
                        api::revoke_global_role(&client, &user_id).await
                    } else {
                        api::grant_global_role(&client, &user_id, &role).await
                    }
                },
                move || {
                    toasts.success(i18n.texts().members_granted);
                    changed.run(());
                },
            );
        }
    };
    let new_institution = RwSignal::new(String::new());
    let new_role = RwSignal::new("member".to_string());
    let grant_institution = {
        let user_id = user_id.clone();
        move |_| {
            let Ok(institution_id) = new_institution.get_untracked().parse::<i64>() else {
                toasts.info(i18n.texts().members_choose_institution);
                return;
            };
            let client = session.client();
            let user_id = user_id.clone();
            let role = new_role.get_untracked();
            mutation.run_plain(
                async move {
                    api::grant_institution_role(&client, &user_id, institution_id, &role).await
                },
                move || {
                    toasts.success(i18n.texts().members_granted);
                    changed.run(());
                },
            );
        }
    };
    let revoke_institution = {
        let user_id = user_id.clone();
        move |institution_id: i64| {
            let client = session.client();
            let user_id = user_id.clone();
            mutation.run_plain(
                async move { api::revoke_institution_role(&client, &user_id, institution_id).await },
                move || {
                    toasts.success(i18n.texts().members_revoked);
                    changed.run(());
                },
            );
        }
    };

    let label = account.label();
    let email = account.email.clone().unwrap_or_default();
    view! {
        <tr data-testid="member-row" data-email=account.email.clone().unwrap_or_default()>
            <td>
                <strong>{label}</strong>
                <br />
                <small>{email}</small>
            </td>
            <td>
                <select
                    data-testid="member-global-role"
                    disabled=move || mutation.busy.get() || !sync.can_write()
                    on:change:target=move |e| set_global(e.target().value())
                >
                    <option value="" selected=current_global.is_empty()>
                        {move || i18n.texts().members_role_none}
                    </option>
                    {GlobalRole::ALL.into_iter().map(|role| {
                        let name = role.as_sql_name();
                        let selected = current_global == name;
                        view! {
                            <option value=name selected=selected disabled=move || !may(Role::Global(role)) && !selected>
                                {move || (i18n.texts().role_name)(name)}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </td>
            <td>
                <ul class="plain-list">
                    {account.institutions.iter().map(|grant| {
                        let institution_id = grant.institution_id;
                        let revoke = revoke_institution.clone();
                        let place = format!(
                            "{} / {}",
                            grant.city_name.clone().unwrap_or_default(),
                            grant.institution_name.clone().unwrap_or_default()
                        );
                        let role = grant.role.clone();
                        view! {
                            <li>
                                <span>{place} " — " {move || (i18n.texts().role_name)(&role)}</span>
                                <button class="button button-small" data-testid="member-revoke"
                                    disabled=move || mutation.busy.get() || !sync.can_write()
                                    on:click=move |_| revoke(institution_id)>
                                    {move || i18n.texts().members_revoke}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="grant-row">
                    <select data-testid="member-institution" on:change:target=move |e| new_institution.set(e.target().value())>
                        <option value="">{move || i18n.texts().members_choose_institution}</option>
                        {move || institutions.get().into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                    <select data-testid="member-institution-role" on:change:target=move |e| new_role.set(e.target().value())>
                        {InstitutionRole::ALL.into_iter().map(|role| {
                            let name = role.as_sql_name();
                            view! {
                                <option value=name selected=move || new_role.get() == name>
                                    {move || (i18n.texts().role_name)(name)}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    <button class="button button-small" data-testid="member-grant"
                        disabled=move || mutation.busy.get() || !sync.can_write()
                        on:click=grant_institution>
                        {move || i18n.texts().members_grant}
                    </button>
                </div>
            </td>
        </tr>
    }
}
