//! The audit log: every change, who made it, old → new; filtered by city, institution, user and
//! action, 50 per page. The database decides which entries the caller may read.

mod change;

use leptos::prelude::*;
use punctaj_core::table::fold;
use punctaj_supabase::ErrorKind;

use crate::api::{self, AUDIT_PAGE_SIZE, AuditEntry, AuditFilter};
use crate::browser;
use crate::components::icon::{Icon, IconName};
use crate::components::toast::use_toasts;
use crate::i18n::{error_message, use_i18n};
use crate::session::use_session;
use crate::sync::use_sync;

use change::describe_change;

const ACTIONS: [&str; 19] = [
    "change_points",
    "reset_punctaj",
    "add_employee",
    "update_employee",
    "delete_employees",
    "restore_employees",
    "create_city",
    "rename_city",
    "delete_city",
    "restore_city",
    "create_institution",
    "rename_institution",
    "delete_institution",
    "restore_institution",
    "set_institution_ranks",
    "set_institution_columns",
    "permission_change",
    "force_sync",
    "import_legacy",
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let filter = RwSignal::new(AuditFilter::default());
    let page = RwSignal::new(0u64);
    // A new filter starts again on the first page.
    let set_filter = Callback::new(move |change: AuditFilter| {
        page.set(0);
        filter.set(change);
    });
    let entries = LocalResource::new(move || {
        let (filter, page) = (filter.get(), page.get());
        let client = session.client();
        let options = api::scoped();
        async move { api::audit_page(&client, &filter, page, options).await }
    });

    view! {
        <section class="audit-page">
            <h1><Icon name=IconName::Journal /> {move || i18n.texts().audit_title}</h1>
            <AuditFilters filter set_filter />
            <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Err(error) => view! {
                            <p class="field-error" role="alert">{move || error_message(i18n.texts(), &error)}</p>
                        }
                        .into_any(),
                        Ok(result) => {
                            let pages = result.total.div_ceil(AUDIT_PAGE_SIZE).max(1);
                            view! {
                                <AuditTable entries=result.entries />
                                <Pager page pages />
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// `(id, name)` pairs sorted as people read them.
fn sorted_by_name(mut items: Vec<(i64, String)>) -> Vec<(i64, String)> {
    items.sort_by_cached_key(|(_, name)| fold(name));
    items
}

#[component]
fn AuditFilters(filter: RwSignal<AuditFilter>, set_filter: Callback<AuditFilter>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let city_id = Memo::new(move |_| filter.with(|f| f.city_id));
    let cities = Memo::new(move |_| {
        sorted_by_name(sync.local.with(|local| {
            local
                .as_ref()
                .map(|l| {
                    l.snapshot
                        .live_cities()
                        .map(|c| (c.id, c.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        }))
    });
    let institutions = Memo::new(move |_| {
        let city_id = city_id.get();
        sorted_by_name(sync.local.with(|local| {
            local
                .as_ref()
                .map(|l| {
                    l.snapshot
                        .institutions
                        .iter()
                        .filter(|i| i.is_live() && city_id.is_none_or(|c| i.city_id == c))
                        .map(|i| (i.id, i.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        }))
    });
    // Owners and admins read every account; a leader only their own.
    let accounts = LocalResource::new(move || {
        let client = session.client();
        let options = api::scoped();
        async move { api::accounts(&client, options).await }
    });
    // Without the list the filter still works ("all"), but the user is told why it is empty.
    Effect::new(move |_| {
        if let Some(Err(error)) = accounts.get()
            && error.kind() != ErrorKind::Aborted
        {
            toasts.error(error_message(i18n.texts(), &error));
        }
    });
    let users = Memo::new(move |_| {
        accounts
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|account| (account.user_id.clone(), account.label()))
            .collect::<Vec<_>>()
    });
    let change = move |update: Box<dyn FnOnce(&mut AuditFilter)>| {
        let mut next = filter.get_untracked();
        update(&mut next);
        set_filter.run(next);
    };
    let id_of = |value: String| value.parse::<i64>().ok();
    let text_of = |value: String| (!value.is_empty()).then_some(value);

    view! {
        <div class="filters">
            <label>
                <span>{move || i18n.texts().audit_filter_city}</span>
                <select data-testid="audit-city" on:change:target=move |e| {
                    let id = id_of(e.target().value());
                    change(Box::new(move |f| {
                        f.city_id = id;
                        f.institution_id = None;
                    }));
                }>
                    <option value="">{move || i18n.texts().audit_all}</option>
                    <For each=move || cities.get() key=|c| c.clone() let((id, name))>
                        <option value=id.to_string() selected=move || city_id.get() == Some(id)>{name}</option>
                    </For>
                </select>
            </label>
            <label>
                <span>{move || i18n.texts().audit_filter_institution}</span>
                <select data-testid="audit-institution" on:change:target=move |e| {
                    let id = id_of(e.target().value());
                    change(Box::new(move |f| f.institution_id = id));
                }>
                    <option value="">{move || i18n.texts().audit_all}</option>
                    <For each=move || institutions.get() key=|i| i.clone() let((id, name))>
                        <option value=id.to_string()
                            selected=move || filter.with(|f| f.institution_id == Some(id))>
                            {name}
                        </option>
                    </For>
                </select>
            </label>
            <label>
                <span>{move || i18n.texts().audit_filter_user}</span>
                <select data-testid="audit-user" on:change:target=move |e| {
                    let actor = text_of(e.target().value());
                    change(Box::new(move |f| f.actor_id = actor));
                }>
                    <option value="">{move || i18n.texts().audit_all}</option>
                    <For each=move || users.get() key=|u| u.clone() let((id, label))>
                        {
                            let selected = {
                                let id = id.clone();
                                move || filter.with(|f| f.actor_id.as_deref() == Some(id.as_str()))
                            };
                            view! { <option value=id selected=selected>{label}</option> }
                        }
                    </For>
                </select>
            </label>
            <label>
                <span>{move || i18n.texts().audit_filter_action}</span>
                <select data-testid="audit-action" on:change:target=move |e| {
                    let action = text_of(e.target().value());
                    change(Box::new(move |f| f.action = action));
                }>
                    <option value="">{move || i18n.texts().audit_all}</option>
                    {ACTIONS.into_iter().map(|action| view! {
                        <option value=action>{move || (i18n.texts().action_name)(action)}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let i18n = use_i18n();
    if entries.is_empty() {
        return view! { <p class="empty" data-testid="audit-empty">{move || i18n.texts().audit_empty}</p> }
            .into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="audit-table">
                <thead>
                    <tr>
                        <th>{move || i18n.texts().audit_when}</th>
                        <th>{move || i18n.texts().audit_who}</th>
                        <th>{move || i18n.texts().audit_action}</th>
                        <th>{move || i18n.texts().audit_where}</th>
                        <th>{move || i18n.texts().audit_what}</th>
                        <th>{move || i18n.texts().audit_change}</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|entry| view! { <AuditRow entry /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let i18n = use_i18n();
    let when = punctaj_core::time::parse_timestamp(&entry.created_at)
        .map(browser::format_local)
        .unwrap_or(entry.created_at.clone());
    let place = [entry.city_name.clone(), entry.institution_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    let action = entry.action.clone();
    let legacy = entry.legacy;
    let change = move || {
        describe_change(
            i18n.texts(),
            entry.old_value.as_ref(),
            entry.new_value.as_ref(),
            entry.details.as_deref(),
        )
    };
    view! {
        <tr data-testid="audit-row" data-action=entry.action.clone() data-legacy=legacy.then_some("true")>
            <td>{when}</td>
            <td>{entry.actor_name.clone().unwrap_or_default()}</td>
            <td>
                {move || (i18n.texts().action_name)(&action)}
                <Show when=move || legacy>
                    " " <span class="badge" data-testid="audit-legacy" title=move || i18n.texts().audit_legacy_hint>
                        {move || i18n.texts().audit_legacy_badge}
                    </span>
                </Show>
            </td>
            <td>{place}</td>
            <td>{entry.entity_name.clone().unwrap_or_default()}</td>
            <td>{change}</td>
        </tr>
    }
}

#[component]
fn Pager(page: RwSignal<u64>, pages: u64) -> impl IntoView {
    let i18n = use_i18n();
    let is_first = move || page.get() == 0;
    let is_last = move || page.get() + 1 >= pages;
    view! {
        <div class="pager">
            <button class="button button-small" data-testid="audit-previous" disabled=is_first
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                {move || i18n.texts().previous_page}
            </button>
            <span data-testid="audit-page">{move || (i18n.texts().page_of)(page.get() + 1, pages)}</span>
            <button class="button button-small" data-testid="audit-next" disabled=is_last
                on:click=move |_| page.update(|p| *p += 1)>
                {move || i18n.texts().next_page}
            </button>
        </div>
    }
}
