//! The audit log: every change, who made it, old → new; filtered by city, institution, user and
//! action, 50 per page. The database decides which entries the caller may read.

use leptos::prelude::*;
use punctaj_core::table::fold;
use serde_json::Value;

use crate::api::{self, AUDIT_PAGE_SIZE, AuditFilter};
use crate::browser;
use crate::i18n::{error_message, use_i18n};
use crate::session::use_session;
use crate::sync::use_sync;

const ACTIONS: [&str; 18] = [
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
];

/// A JSON value as a short, readable text.
fn brief(value: &Option<Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(map)) if map.len() == 1 => map
            .values()
            .next()
            .map(|v| brief(&Some(v.clone())))
            .unwrap_or_default(),
        Some(other) => other.to_string(),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let filter = RwSignal::new(AuditFilter::default());
    let page = RwSignal::new(0u64);

    let cities = Memo::new(move |_| {
        sync.local.with(|local| {
            let mut cities: Vec<(i64, String)> = local
                .as_ref()
                .map(|l| {
                    l.snapshot
                        .live_cities()
                        .map(|c| (c.id, c.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            cities.sort_by_cached_key(|(_, name)| fold(name));
            cities
        })
    });
    let institutions = Memo::new(move |_| {
        let city_id = filter.with(|f| f.city_id);
        sync.local.with(|local| {
            let mut list: Vec<(i64, String)> = local
                .as_ref()
                .map(|l| {
                    l.snapshot
                        .institutions
                        .iter()
                        .filter(|i| i.is_live() && city_id.is_none_or(|c| i.city_id == c))
                        .map(|i| (i.id, i.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            list.sort_by_cached_key(|(_, name)| fold(name));
            list
        })
    });
    let users = LocalResource::new(move || {
        let client = session.client();
        let options = api::scoped();
        async move { api::accounts(&client, options).await.unwrap_or_default() }
    });
    let entries = LocalResource::new(move || {
        let (filter, page) = (filter.get(), page.get());
        let client = session.client();
        let options = api::scoped();
        async move { api::audit_page(&client, &filter, page, options).await }
    });
    let set_filter = move |change: Box<dyn FnOnce(&mut AuditFilter)>| {
        filter.update(|f| change(f));
        page.set(0);
    };
    let parse_id = |value: String| value.parse::<i64>().ok();

    view! {
        <section class="audit-page">
            <h1>{move || i18n.texts().audit_title}</h1>
            <div class="filters">
                <label>
                    <span>{move || i18n.texts().audit_filter_city}</span>
                    <select data-testid="audit-city" on:change:target=move |e| {
                        let id = parse_id(e.target().value());
                        set_filter(Box::new(move |f| { f.city_id = id; f.institution_id = None; }));
                    }>
                        <option value="">{move || i18n.texts().audit_all}</option>
                        {move || cities.get().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{move || i18n.texts().audit_filter_institution}</span>
                    <select data-testid="audit-institution" on:change:target=move |e| {
                        let id = parse_id(e.target().value());
                        set_filter(Box::new(move |f| f.institution_id = id));
                    }>
                        <option value="">{move || i18n.texts().audit_all}</option>
                        {move || institutions.get().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{move || i18n.texts().audit_filter_user}</span>
                    <select data-testid="audit-user" on:change:target=move |e| {
                        let value = e.target().value();
                        set_filter(Box::new(move |f| f.actor_id = (!value.is_empty()).then_some(value)));
                    }>
                        <option value="">{move || i18n.texts().audit_all}</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                users.await.into_iter().map(|account| {
                                    let label = account.label();
                                    view! { <option value=account.user_id>{label}</option> }
                                }).collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <label>
                    <span>{move || i18n.texts().audit_filter_action}</span>
                    <select data-testid="audit-action" on:change:target=move |e| {
                        let value = e.target().value();
                        set_filter(Box::new(move |f| f.action = (!value.is_empty()).then_some(value)));
                    }>
                        <option value="">{move || i18n.texts().audit_all}</option>
                        {ACTIONS.into_iter().map(|action| view! {
                            <option value=action>{move || (i18n.texts().action_name)(action)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <Transition fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || Suspend::new(async move {
                    let t = i18n.texts();
                    match entries.await {
                        Err(error) => view! { <p class="field-error" role="alert">{error_message(t, &error)}</p> }.into_any(),
                        Ok(result) => {
                            let pages = result.total.div_ceil(AUDIT_PAGE_SIZE).max(1);
                            let empty = result.entries.is_empty();
                            view! {
                                <Show when=move || empty>
                                    <p class="empty">{t.audit_empty}</p>
                                </Show>
                                <div class="table-scroll">
                                    <table class="audit-table">
                                        <thead>
                                            <tr>
                                                <th>{t.audit_when}</th>
                                                <th>{t.audit_who}</th>
                                                <th>{t.audit_action}</th>
                                                <th>{t.audit_where}</th>
                                                <th>{t.audit_what}</th>
                                                <th>{t.audit_change}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {result.entries.into_iter().map(|entry| {
                                                let when = punctaj_core::time::parse_timestamp(&entry.created_at)
                                                    .map(browser::format_local)
                                                    .unwrap_or(entry.created_at.clone());
                                                let place = [entry.city_name.clone(), entry.institution_name.clone()]
                                                    .into_iter().flatten().collect::<Vec<_>>().join(" / ");
                                                let change = match (brief(&entry.old_value), brief(&entry.new_value)) {
                                                    (old, new) if old.is_empty() && new.is_empty() => entry.details.clone().unwrap_or_default(),
                                                    (old, new) => format!("{old} → {new}"),
                                                };
                                                view! {
                                                    <tr data-testid="audit-row" data-action=entry.action.clone()>
                                                        <td>{when}</td>
                                                        <td>{entry.actor_name.clone().unwrap_or_default()}</td>
                                                        <td>{(t.action_name)(&entry.action)}</td>
                                                        <td>{place}</td>
                                                        <td>{entry.entity_name.clone().unwrap_or_default()}</td>
                                                        <td>{change}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <div class="pager">
                                    <button class="button button-small" data-testid="audit-previous"
                                        disabled=move || page.get() == 0
                                        on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                                        {t.previous_page}
                                    </button>
                                    <span>{move || (t.page_of)(page.get() + 1, pages)}</span>
                                    <button class="button button-small" data-testid="audit-next"
                                        disabled=move || page.get() + 1 >= pages
                                        on:click=move |_| page.update(|p| *p += 1)>
                                        {t.next_page}
                                    </button>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
