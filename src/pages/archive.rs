//! The archive of resets, per city and institution, newest first, from the archives this browser
//! downloaded (so it works offline). Opening one shows its table, with search; each can be saved
//! as its JSON file. Legacy AFTER_RESET snapshots are hidden unless asked for.

use leptos::prelude::*;
use punctaj_core::archive::{ArchiveDocument, parse_archive_key};
use punctaj_core::table::fold;

use crate::browser;
use crate::components::toast::use_toasts;
use crate::i18n::Texts;
use crate::i18n::use_i18n;
use crate::sync::{ArchiveProblem, ArchiveSummary, archive_text, use_sync};

/// Newest first: by the key's stamp, then by the recorded time.
fn newest_first(archives: &mut [ArchiveSummary]) {
    archives.sort_by(|a, b| {
        let stamp = |s: &ArchiveSummary| parse_archive_key(&s.object.name).map(|key| key.stamp);
        stamp(b)
            .cmp(&stamp(a))
            .then_with(|| b.archived_at.cmp(&a.archived_at))
            .then_with(|| a.object.name.cmp(&b.object.name))
    });
}

fn problem_text(t: &Texts, problem: &ArchiveProblem) -> String {
    match problem {
        ArchiveProblem::Unreadable(why) => (t.archive_unreadable)(why),
        ArchiveProblem::NamesDoNotMatchKey { city, institution } => {
            (t.archive_names_mismatch)(&format!("{city} / {institution}"))
        }
    }
}

fn file_name(key: &str) -> String {
    key.replace('/', "_")
}

#[component]
pub fn ArchivePage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let city = RwSignal::new(String::new());
    let institution = RwSignal::new(String::new());
    let show_after_reset = RwSignal::new(false);
    let opened = RwSignal::new(None::<ArchiveSummary>);

    let archives = Memo::new(move |_| {
        let mut all: Vec<ArchiveSummary> = sync.local.with(|local| {
            local
                .as_ref()
                .map(|l| l.archives.clone())
                .unwrap_or_default()
        });
        newest_first(&mut all);
        all
    });
    let cities = Memo::new(move |_| {
        let mut names: Vec<String> = archives.with(|a| a.iter().map(|a| a.city.clone()).collect());
        names.sort_by_cached_key(|name| fold(name));
        names.dedup();
        names
    });
    let institutions = Memo::new(move |_| {
        let chosen = city.get();
        let mut names: Vec<String> = archives.with(|a| {
            a.iter()
                .filter(|a| chosen.is_empty() || a.city == chosen)
                .map(|a| a.institution.clone())
                .collect()
        });
        names.sort_by_cached_key(|name| fold(name));
        names.dedup();
        names
    });
    let shown = Memo::new(move |_| {
        let (city, institution, after) = (city.get(), institution.get(), show_after_reset.get());
        archives.with(|archives| {
            archives
                .iter()
                .filter(|a| city.is_empty() || a.city == city)
                .filter(|a| institution.is_empty() || a.institution == institution)
                .filter(|a| after || !a.after_reset)
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section class="archive-page">
            <h1>{move || i18n.texts().archive_title}</h1>
            <Show
                when=move || opened.with(Option::is_none)
                fallback=move || view! {
                    <ArchiveDetail summary=opened.get().expect("shown only when opened") on_back=Callback::new(move |()| opened.set(None)) />
                }
            >
                <div class="filters">
                    <select data-testid="archive-city" on:change:target=move |e| {
                        city.set(e.target().value());
                        institution.set(String::new());
                    }>
                        <option value="">{move || i18n.texts().archive_all_cities}</option>
                        {move || cities.get().into_iter().map(|name| view! {
                            <option value=name.clone() selected=move || city.get() == name>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <select data-testid="archive-institution" on:change:target=move |e| institution.set(e.target().value())>
                        <option value="">{move || i18n.texts().archive_all_institutions}</option>
                        {move || institutions.get().into_iter().map(|name| view! {
                            <option value=name.clone() selected=move || institution.get() == name>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <label class="checkbox">
                        <input type="checkbox" data-testid="archive-show-after-reset"
                            prop:checked=move || show_after_reset.get()
                            on:change:target=move |e| show_after_reset.set(e.target().checked()) />
                        {move || i18n.texts().archive_show_after_reset}
                    </label>
                </div>
                <Show when=move || shown.with(Vec::is_empty)>
                    <p class="empty">{move || i18n.texts().archive_empty}</p>
                </Show>
                <table class="archive-list">
                    <thead>
                        <tr>
                            <th>{move || i18n.texts().archive_date}</th>
                            <th>{move || i18n.texts().audit_where}</th>
                            <th>{move || i18n.texts().archive_reset_by}</th>
                            <th class="numeric">{move || i18n.texts().archive_employee_count}</th>
                            <th class="numeric">{move || i18n.texts().archive_total_points}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || shown.get() key=|a| (a.object.name.clone(), a.object.etag.clone()) let:archive>
                            {
                                let summary = archive.clone();
                                let problem = archive.problem.clone();
                                view! {
                                    <tr data-testid="archive-item" data-path=archive.object.name.clone()>
                                        <td>
                                            {archive.archived_at.clone()}
                                            <Show when=move || archive.after_reset>
                                                " " <span class="badge">{move || i18n.texts().archive_after_reset_badge}</span>
                                            </Show>
                                        </td>
                                        <td>
                                            {format!("{} / {}", archive.city, archive.institution)}
                                            {problem.map(|problem| view! {
                                                " " <span class="badge badge-warning" data-testid="archive-problem">
                                                    {move || format!("⚠ {}", problem_text(i18n.texts(), &problem))}
                                                </span>
                                            })}
                                        </td>
                                        <td>{archive.reset_by.clone()}</td>
                                        <td class="numeric">{archive.employee_count}</td>
                                        <td class="numeric">{archive.total_points}</td>
                                        <td>
                                            <button class="button button-small" data-testid="archive-open"
                                                on:click=move |_| opened.set(Some(summary.clone()))>
                                                {move || i18n.texts().archive_open}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

/// One archive: its table with search, and the JSON file to save.
#[component]
fn ArchiveDetail(summary: ArchiveSummary, on_back: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let key = summary.object.name.clone();
    let text = LocalResource::new({
        let key = key.clone();
        move || {
            let key = key.clone();
            async move { archive_text(&key).await.ok().flatten() }
        }
    });
    let query = RwSignal::new(String::new());
    let title = format!(
        "{} / {} — {}",
        summary.city, summary.institution, summary.archived_at
    );

    view! {
        <div class="archive-detail" data-testid="archive-detail" data-path=summary.object.name.clone()>
            <button class="link-button" data-testid="archive-back" on:click=move |_| on_back.run(())>
                {move || i18n.texts().archive_back}
            </button>
            <h2>{title}</h2>
            <Suspense fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || {
                    let key = key.clone();
                    Suspend::new(async move {
                        let Some(text) = text.await else {
                            return view! { <p class="notice">{i18n.texts().archive_not_cached}</p> }.into_any();
                        };
                        let download = {
                            let text = text.clone();
                            let name = file_name(&key);
                            move |_| {
                                if browser::download_text_file(&name, &text, "application/json").is_err() {
                                    toasts.error(i18n.texts().err_aborted);
                                }
                            }
                        };
                        let document = match serde_json::from_str::<ArchiveDocument>(&text) {
                            Ok(document) => document,
                            Err(error) => {
                                return view! {
                                    <p class="field-error">{(i18n.texts().archive_unreadable)(&error.to_string())}</p>
                                    <button class="button" data-testid="archive-download" on:click=download>
                                        {i18n.texts().archive_download_json}
                                    </button>
                                }.into_any();
                            }
                        };
                        let columns = document.columns.clone();
                        let rows = document.rows.clone();
                        let header_columns = columns.clone();
                        let visible = move || {
                            let needle = fold(query.get().trim());
                            rows.iter()
                                .filter(|row| needle.is_empty() || columns.iter().any(|column| {
                                    row.text(column).is_some_and(|text| fold(&text).contains(&needle))
                                }))
                                .map(|row| columns.iter().map(|column| row.text(column).unwrap_or_default()).collect::<Vec<_>>())
                                .collect::<Vec<_>>()
                        };
                        view! {
                            <div class="table-tools">
                                <input type="search" data-testid="archive-search"
                                    placeholder=i18n.texts().search_placeholder
                                    prop:value=move || query.get()
                                    on:input:target=move |e| query.set(e.target().value()) />
                                <button class="button" data-testid="archive-download" on:click=download>
                                    {i18n.texts().archive_download_json}
                                </button>
                            </div>
                            <div class="table-scroll">
                                <table class="employee-table">
                                    <thead><tr>{header_columns.into_iter().map(|c| view! { <th>{c}</th> }).collect_view()}</tr></thead>
                                    <tbody>
                                        {move || visible().into_iter().map(|cells| view! {
                                            <tr data-testid="archive-row">{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    })
                }}
            </Suspense>
        </div>
    }
}
