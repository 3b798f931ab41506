//! The archive of resets, per city and institution, newest first, from the archives this browser
//! downloaded (so it works offline). Opening one shows its table, with search; each can be saved
//! as its JSON file. Legacy AFTER_RESET snapshots are hidden unless asked for.

use std::collections::HashMap;

use leptos::prelude::*;
use punctaj_core::archive::{ArchiveDocument, parse_archive_key, plain_key};
use punctaj_core::permissions::Capability;
use punctaj_core::table::fold;

use crate::api::ArchiveUndoState;
use crate::browser;
use crate::components::icon::{Icon, IconName};
use crate::components::toast::use_toasts;
use crate::components::undo_reset::{UndoResetButton, UndoScope, UndoneBadge, use_undo_states};
use crate::i18n::{Texts, use_i18n};
use crate::session::use_session;
use crate::sync::{ArchiveProblem, ArchiveSummary, archive_text, use_sync};

/// The archives that can be undone or were, by key (online only: offline, the list shows none).
type UndoStates = Memo<HashMap<String, ArchiveUndoState>>;

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

/// The saved file's name: the plain JSON key (a compressed archive is saved decompressed) with
/// its folder flattened (`BlackWater_Politie_….json`).
fn file_name(key: &str) -> String {
    plain_key(key).replace('/', "_")
}

/// Distinct names, sorted as people read them.
fn distinct_sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort_by_cached_key(|name| fold(name));
    names.dedup();
    names
}

/// Which archives are listed.
#[derive(Clone, Debug, Default, PartialEq)]
struct ArchiveFilter {
    city: String,
    institution: String,
    show_after_reset: bool,
}

impl ArchiveFilter {
    fn accepts(&self, archive: &ArchiveSummary) -> bool {
        (self.city.is_empty() || archive.city == self.city)
            && (self.institution.is_empty() || archive.institution == self.institution)
            && (self.show_after_reset || !archive.after_reset)
    }
}

#[component]
pub fn ArchivePage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let filter = RwSignal::new(ArchiveFilter::default());
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
    let shown = Memo::new(move |_| {
        filter.with(|filter| {
            archives.with(|archives| {
                archives
                    .iter()
                    .filter(|archive| filter.accepts(archive))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let back = Callback::new(move |()| opened.set(None));
    let open = Callback::new(move |archive: ArchiveSummary| opened.set(Some(archive)));
    let undo = undo_states();

    view! {
        <section class="archive-page">
            <h1><Icon name=IconName::Archive /> {move || i18n.texts().archive_title}</h1>
            {move || match opened.get() {
                Some(summary) => view! { <ArchiveDetail summary on_back=back /> }.into_any(),
                None => view! {
                    <ArchiveFilters archives filter />
                    <ArchiveList shown open undo />
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn ArchiveFilters(
    archives: Memo<Vec<ArchiveSummary>>,
    filter: RwSignal<ArchiveFilter>,
) -> impl IntoView {
    let i18n = use_i18n();
    let city = Memo::new(move |_| filter.with(|f| f.city.clone()));
    let cities = Memo::new(move |_| {
        distinct_sorted(archives.with(|a| a.iter().map(|a| a.city.clone()).collect()))
    });
    let institutions = Memo::new(move |_| {
        let chosen = city.get();
        distinct_sorted(archives.with(|a| {
            a.iter()
                .filter(|a| chosen.is_empty() || a.city == chosen)
                .map(|a| a.institution.clone())
                .collect()
        }))
    });
    view! {
        <div class="filters">
            <select
                data-testid="archive-city"
                aria-label=move || i18n.texts().audit_filter_city
                on:change:target=move |e| {
                    let city = e.target().value();
                    filter.update(|f| {
                        f.city = city;
                        f.institution.clear();
                    });
                }
            >
                <option value="">{move || i18n.texts().archive_all_cities}</option>
                <For each=move || cities.get() key=|name| name.clone() let(name)>
                    {
                        let (value, label) = (name.clone(), name.clone());
                        view! { <option value=value selected=move || city.get() == name>{label}</option> }
                    }
                </For>
            </select>
            <select
                data-testid="archive-institution"
                aria-label=move || i18n.texts().audit_filter_institution
                on:change:target=move |e| {
                    let institution = e.target().value();
                    filter.update(|f| f.institution = institution);
                }
            >
                <option value="">{move || i18n.texts().archive_all_institutions}</option>
                <For each=move || institutions.get() key=|name| name.clone() let(name)>
                    {
                        let (value, label) = (name.clone(), name.clone());
                        let selected = move || filter.with(|f| f.institution == name);
                        view! { <option value=value selected=selected>{label}</option> }
                    }
                </For>
            </select>
            <label class="checkbox">
                <input type="checkbox" data-testid="archive-show-after-reset"
                    prop:checked=move || filter.with(|f| f.show_after_reset)
                    on:change:target=move |e| {
                        let show = e.target().checked();
                        filter.update(|f| f.show_after_reset = show);
                    } />
                {move || i18n.texts().archive_show_after_reset}
            </label>
        </div>
    }
}

fn undo_states() -> UndoStates {
    let states = use_undo_states(UndoScope::All);
    Memo::new(move |_| {
        states.with(|states| {
            states
                .iter()
                .map(|state| (state.object_path.clone(), state.clone()))
                .collect()
        })
    })
}

#[component]
fn ArchiveList(
    shown: Memo<Vec<ArchiveSummary>>,
    open: Callback<ArchiveSummary>,
    undo: UndoStates,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || shown.with(Vec::is_empty)>
            <p class="empty" data-testid="archive-empty">{move || i18n.texts().archive_empty}</p>
        </Show>
        <table class="archive-list">
            <thead>
                <tr>
                    <th>{move || i18n.texts().archive_date}</th>
                    <th>{move || i18n.texts().audit_where}</th>
                    <th>{move || i18n.texts().archive_reset_by}</th>
                    <th class="numeric">{move || i18n.texts().archive_employee_count}</th>
                    <th class="numeric">{move || i18n.texts().archive_total_points}</th>
                    <th><span class="visually-hidden">{move || i18n.texts().archive_actions}</span></th>
                </tr>
            </thead>
            <tbody>
                <For each=move || shown.get() key=|a| (a.object.name.clone(), a.object.etag.clone()) let(archive)>
                    <ArchiveItem archive open undo />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn ArchiveItem(
    archive: ArchiveSummary,
    open: Callback<ArchiveSummary>,
    undo: UndoStates,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let state = {
        let key = archive.object.name.clone();
        Memo::new(move |_| undo.with(|states| states.get(&key).cloned()))
    };
    let undo_button = move || {
        state.get().filter(|s| s.undoable).and_then(|s| {
            session
                .can(Capability::Reset, s.institution_id)
                .then(|| view! { <UndoResetButton archive=s /> })
        })
    };
    let undone = move || {
        state
            .get()
            .filter(|s| s.undone_at.is_some())
            .map(|s| view! { " " <UndoneBadge archive=s /> })
    };
    let after_reset = archive.after_reset;
    let problem = archive.problem.clone().map(|problem| {
        view! {
            " " <span class="badge badge-warning" data-testid="archive-problem">
                <Icon name=IconName::Warning /> {move || problem_text(i18n.texts(), &problem)}
            </span>
        }
    });
    let place = format!("{} / {}", archive.city, archive.institution);
    let (path, archived_at, reset_by) = (
        archive.object.name.clone(),
        archive.archived_at.clone(),
        archive.reset_by.clone(),
    );
    let (count, total) = (archive.employee_count, archive.total_points);
    view! {
        <tr data-testid="archive-item" data-path=path>
            <td>
                {archived_at}
                <Show when=move || after_reset>
                    " " <span class="badge">{move || i18n.texts().archive_after_reset_badge}</span>
                </Show>
                {undone}
            </td>
            <td>{place} {problem}</td>
            <td>{reset_by}</td>
            <td class="numeric">{count}</td>
            <td class="numeric">{total}</td>
            <td class="row-actions">
                <button class="button button-small" data-testid="archive-open"
                    on:click=move |_| open.run(archive.clone())>
                    {move || i18n.texts().archive_open}
                </button>
                {undo_button}
            </td>
        </tr>
    }
}

/// One archive: its table with search, and the JSON file to save.
#[component]
fn ArchiveDetail(summary: ArchiveSummary, on_back: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let key = summary.object.name.clone();
    let text = LocalResource::new({
        let key = key.clone();
        move || {
            let key = key.clone();
            async move { archive_text(&key).await }
        }
    });
    let title = format!(
        "{} / {} — {}",
        summary.city, summary.institution, summary.archived_at
    );
    let path = key.clone();

    view! {
        <div class="archive-detail" data-testid="archive-detail" data-path=path>
            <button class="link-button" data-testid="archive-back" on:click=move |_| on_back.run(())>
                {move || i18n.texts().archive_back}
            </button>
            <h2>{title}</h2>
            <Suspense fallback=move || view! { <p>{move || i18n.texts().loading}</p> }>
                {move || {
                    let key = key.clone();
                    Suspend::new(async move {
                        match text.await {
                            Ok(Some(text)) => view! { <ArchiveContent key text /> }.into_any(),
                            Ok(None) => view! {
                                <p class="notice">{move || i18n.texts().archive_not_cached}</p>
                            }
                            .into_any(),
                            Err(error) => {
                                let why = error.to_string();
                                view! {
                                    <p class="field-error" role="alert">
                                        {move || (i18n.texts().archive_read_failed)(&why)}
                                    </p>
                                }
                                .into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// The archive's file, offered for download exactly as it is stored.
#[component]
fn DownloadJson(key: String, text: String) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toasts();
    let name = file_name(&key);
    let download = move |_| {
        if let Err(error) = browser::download_text_file(&name, &text, "application/json") {
            let why = error.as_string().unwrap_or_else(|| format!("{error:?}"));
            toasts.error((i18n.texts().archive_download_failed)(&why));
        }
    };
    view! {
        <button class="button" data-testid="archive-download" on:click=download>
            <Icon name=IconName::Download />
            {move || i18n.texts().archive_download_json}
        </button>
    }
}

/// The archived table, searchable over every column (case and diacritics ignored).
#[component]
fn ArchiveContent(key: String, text: String) -> impl IntoView {
    let i18n = use_i18n();
    let document = match serde_json::from_str::<ArchiveDocument>(&text) {
        Ok(document) => document,
        Err(error) => {
            let why = error.to_string();
            return view! {
                <p class="field-error" role="alert">{move || (i18n.texts().archive_unreadable)(&why)}</p>
                <DownloadJson key text />
            }
            .into_any();
        }
    };
    let query = RwSignal::new(String::new());
    let columns = StoredValue::new(document.columns);
    let rows: Vec<Vec<String>> = columns.with_value(|columns| {
        document
            .rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|column| row.text(column).unwrap_or_default())
                    .collect()
            })
            .collect()
    });
    let folded: Vec<Vec<String>> = rows
        .iter()
        .map(|cells| cells.iter().map(|cell| fold(cell)).collect())
        .collect();
    let visible = Memo::new(move |_| {
        let needle = fold(query.get().trim());
        rows.iter()
            .zip(&folded)
            .filter(|(_, folded)| {
                needle.is_empty() || folded.iter().any(|cell| cell.contains(&needle))
            })
            .map(|(cells, _)| cells.clone())
            .collect::<Vec<_>>()
    });
    view! {
        <div class="table-tools">
            <input type="search" data-testid="archive-search"
                aria-label=move || i18n.texts().search_label
                placeholder=move || i18n.texts().search_placeholder
                prop:value=move || query.get()
                on:input:target=move |e| query.set(e.target().value()) />
            <DownloadJson key text />
        </div>
        <div class="table-scroll">
            <table class="employee-table">
                <thead>
                    <tr>{columns.get_value().into_iter().map(|c| view! { <th>{c}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {move || visible.get().into_iter().map(|cells| view! {
                        <tr data-testid="archive-row">{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Show when=move || visible.with(Vec::is_empty)>
            <p class="empty">{move || i18n.texts().no_search_results}</p>
        </Show>
    }
    .into_any()
}
