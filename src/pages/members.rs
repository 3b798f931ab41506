//! Members and permissions (owners and admins): accounts waiting for access first, then every
//! account with its global role and institution roles, granted and revoked through RPCs that
//! the database checks (an admin cannot make admins or owners; nobody removes the last owner).

use std::future::Future;

use leptos::prelude::*;
use punctaj_core::permissions::{self, Capability, GlobalRole, InstitutionRole, Role};
use punctaj_core::table::fold;
use punctaj_supabase::SupabaseError;

use crate::api::{self, Account, AccountInstitutionRole};
use crate::components::icon::{Icon, IconName};
use crate::components::toast::{Toasts, use_toasts};
use crate::i18n::{I18n, Texts, error_message, use_i18n};
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

    view! {
        <section class="members-page">
            <h1><Icon name=IconName::Lock /> {move || i18n.texts().members_title}</h1>
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
                                    <AccountList accounts=pending reload testid="members-pending" />
                                    <h2>{t.members_all}</h2>
                                    <AccountList accounts=granted reload testid="members-granted" />
                                    <InvitedList />
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
fn AccountList(
    accounts: Vec<Account>,
    reload: RwSignal<u32>,
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="members-table" data-testid=testid>
            <thead>
                <tr>
                    <th>{move || i18n.texts().members_account}</th>
                    <th>{move || i18n.texts().members_global_role}</th>
                    <th>{move || i18n.texts().members_institution_roles}</th>
                </tr>
            </thead>
            <tbody>
                {accounts.into_iter().map(|account| view! { <AccountRow account reload /> }).collect_view()}
            </tbody>
        </table>
    }
}

/// One grant or revocation for an account's row: grants do not touch the synced data, so this is
/// one RPC with its refusal in a toast; the list is read again whatever the answer, so that it
/// always shows what the database holds (a refused choice does not stay on screen).
#[derive(Clone, Copy)]
struct RoleChange {
    mutation: Mutation,
    toasts: Toasts,
    i18n: I18n,
    /// Bumped to read the list again (a signal: the change may end after the page is gone).
    reload: RwSignal<u32>,
}

impl RoleChange {
    fn run(
        self,
        change: impl Future<Output = Result<(), SupabaseError>> + 'static,
        done: fn(&Texts) -> &'static str,
    ) {
        let Self {
            toasts,
            i18n,
            reload,
            ..
        } = self;
        self.mutation.run_plain(
            async move {
                let result = change.await;
                reload.update(|n| *n += 1);
                result
            },
            move || toasts.success(done(i18n.texts())),
        );
    }

    fn busy(self) -> bool {
        self.mutation.busy.get()
    }
}

#[component]
fn AccountRow(account: Account, reload: RwSignal<u32>) -> impl IntoView {
    let role_change = RoleChange {
        mutation: Mutation::new(),
        toasts: use_toasts(),
        i18n: use_i18n(),
        reload,
    };
    let label = account.label();
    let email = account.email.clone().unwrap_or_default();
    let shown_email = email.clone();
    view! {
        <tr data-testid="member-row" data-email=email>
            <td>
                <strong>{label}</strong>
                <br />
                <small>{shown_email}</small>
            </td>
            <td>
                <GlobalRoleSelect
                    user_id=account.user_id.clone()
                    current=account.global_role.clone()
                    role_change
                />
            </td>
            <td>
                <InstitutionRoles user_id=account.user_id.clone() grants=account.institutions role_change />
                <GrantInstitutionRole user_id=account.user_id role_change />
            </td>
        </tr>
    }
}

/// May the signed-in account grant (or take away) `role`? (reactive)
fn may_grant(role: Role) -> bool {
    use_session()
        .granted_access()
        .is_some_and(|access| permissions::can_grant(&access, role))
}

/// The account's global role: none, viewer, admin or owner. Only what the signed-in account may
/// grant can be chosen; a role it may not take away cannot be changed at all.
#[component]
fn GlobalRoleSelect(
    user_id: String,
    current: Option<String>,
    role_change: RoleChange,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let current_role = current.as_deref().and_then(|name| {
        GlobalRole::ALL
            .into_iter()
            .find(|role| role.as_sql_name() == name)
    });
    let locked_role = move || {
        session.granted_access().is_some_and(|access| {
            current_role.is_some_and(|role| !permissions::can_grant(&access, Role::Global(role)))
        })
    };
    let current = current.unwrap_or_default();
    let set = move |role: String| {
        let client = session.client();
        let user_id = user_id.clone();
        if role.is_empty() {
            role_change.run(
                async move { api::revoke_global_role(&client, &user_id).await },
                |t| t.members_revoked,
            );
        } else {
            role_change.run(
                async move { api::grant_global_role(&client, &user_id, &role).await },
                |t| t.members_granted,
            );
        }
    };
    view! {
        <select
            data-testid="member-global-role"
            aria-label=move || i18n.texts().members_global_role
            disabled=move || role_change.busy() || !sync.can_write() || locked_role()
            on:change:target=move |e| set(e.target().value())
        >
            <option value="" selected=current.is_empty()>
                {move || i18n.texts().members_role_none}
            </option>
            {GlobalRole::ALL.into_iter().map(|role| {
                let name = role.as_sql_name();
                let selected = current == name;
                view! {
                    <option value=name selected=selected disabled=move || !selected && !may_grant(Role::Global(role))>
                        {move || (i18n.texts().role_name)(name)}
                    </option>
                }
            }).collect_view()}
        </select>
    }
}

/// The account's roles in institutions, each revocable.
#[component]
fn InstitutionRoles(
    user_id: String,
    grants: Vec<AccountInstitutionRole>,
    role_change: RoleChange,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let revoke = move |institution_id: i64| {
        let client = session.client();
        let user_id = user_id.clone();
        role_change.run(
            async move { api::revoke_institution_role(&client, &user_id, institution_id).await },
            |t| t.members_revoked,
        );
    };
    view! {
        <ul class="plain-list">
            {grants.into_iter().map(|grant| {
                let institution_id = grant.institution_id;
                let revoke = revoke.clone();
                let place = format!(
                    "{} / {}",
                    grant.city_name.unwrap_or_default(),
                    grant.institution_name.unwrap_or_default()
                );
                let role = grant.role;
                view! {
                    <li data-testid="member-institution-grant" data-institution-id=institution_id>
                        <span>{place} " — " {move || (i18n.texts().role_name)(&role)}</span>
                        <button class="button button-small" data-testid="member-revoke"
                            disabled=move || role_change.busy() || !sync.can_write()
                            on:click=move |_| revoke(institution_id)>
                            {move || i18n.texts().members_revoke}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Grants a role in one institution (chosen among the live ones of the local copy).
#[component]
fn GrantInstitutionRole(user_id: String, role_change: RoleChange) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let institution = RwSignal::new(None::<i64>);
    let role = RwSignal::new(InstitutionRole::Member);
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
    let grant = move |_| {
        let Some(institution_id) = institution.get_untracked() else {
            toasts.info(i18n.texts().members_choose_institution);
            return;
        };
        let client = session.client();
        let user_id = user_id.clone();
        let role = role.get_untracked().as_sql_name();
        role_change.run(
            async move { api::grant_institution_role(&client, &user_id, institution_id, role).await },
            |t| t.members_granted,
        );
    };
    view! {
        <div class="grant-row">
            <select
                data-testid="member-institution"
                aria-label=move || i18n.texts().members_choose_institution
                on:change:target=move |e| institution.set(e.target().value().parse().ok())
            >
                <option value="">{move || i18n.texts().members_choose_institution}</option>
                <For each=move || institutions.get() key=|i| i.clone() let((id, name))>
                    <option value=id.to_string() selected=move || institution.get() == Some(id)>{name}</option>
                </For>
            </select>
            <select
                data-testid="member-institution-role"
                aria-label=move || i18n.texts().members_institution_roles
                on:change:target=move |e| {
                    if let Some(chosen) = InstitutionRole::ALL
                        .into_iter()
                        .find(|role| role.as_sql_name() == e.target().value())
                    {
                        role.set(chosen);
                    }
                }
            >
                {InstitutionRole::ALL.into_iter().map(|option| {
                    let name = option.as_sql_name();
                    view! {
                        <option value=name selected=move || role.get() == option>
                            {move || (i18n.texts().role_name)(name)}
                        </option>
                    }
                }).collect_view()}
            </select>
            <button class="button button-small" data-testid="member-grant"
                disabled=move || role_change.busy() || !sync.can_write()
                on:click=grant>
                {move || i18n.texts().members_grant}
            </button>
        </div>
    }
}

/// Discord accounts invited by an import of the old desktop app, until they first sign in.
#[component]
fn InvitedList() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let invites = LocalResource::new(move || {
        let client = session.client();
        let options = api::scoped();
        async move { api::discord_invites(&client, options).await }
    });
    let institution_label = move |institution_id: i64| {
        sync.local
            .with(|local| {
                let snapshot = &local.as_ref()?.snapshot;
                let institution = snapshot.institution(institution_id)?;
                let city = snapshot.city(institution.city_id)?;
                Some(format!("{} / {}", city.name, institution.name))
            })
            .unwrap_or_else(|| format!("#{institution_id}"))
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let t = i18n.texts();
                match invites.await {
                    Err(error) => view! { <p class="field-error" role="alert">{error_message(t, &error)}</p> }.into_any(),
                    Ok(invites) if invites.iter().all(|invite| invite.accepted_at.is_some()) => ().into_any(),
                    Ok(invites) => view! {
                        <h2>{t.members_invited}</h2>
                        <p class="hint">{t.members_invited_hint}</p>
                        <table class="members-table" data-testid="members-invited">
                            <thead>
                                <tr>
                                    <th>{t.members_account}</th>
                                    <th>{t.members_global_role}</th>
                                    <th>{t.members_institution_roles}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {invites.into_iter().filter(|invite| invite.accepted_at.is_none()).map(|invite| {
                                    let roles = invite.institution_roles.iter()
                                        .map(|grant| format!("{} ({})", institution_label(grant.institution_id), (t.role_name)(&grant.role)))
                                        .collect::<Vec<_>>()
                                        .join(", ");
                                    view! {
                                        <tr data-testid="member-invite" data-discord-id=invite.discord_id.clone()>
                                            <td>
                                                {invite.username.clone().unwrap_or_default()}
                                                " " <span class="badge">{t.members_invited_badge}</span>
                                                <div class="hint">{format!("Discord {}", invite.discord_id)}</div>
                                            </td>
                                            <td>{invite.global_role.as_deref().map(t.role_name).unwrap_or_default()}</td>
                                            <td>{roles}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
