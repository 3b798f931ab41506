//! An institution's table: its columns in order, sorted by PUNCTAJ (highest first) unless a
//! header is clicked, filtered live by the search box over every column, ULTIMA_MOD in local
//! time. Sorting and search are `punctaj_core::table` (tested natively); this only renders.

use std::collections::BTreeSet;

use leptos::prelude::*;
use punctaj_core::model::{Cell, Employee, Institution, PUNCTAJ};
use punctaj_core::table::{Direction, SortOrder, search_employees, sort_employees};

use crate::browser;
use crate::i18n::use_i18n;

/// One rendered row: cell texts computed once per change of the data.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: String,
    cells: Vec<(String, String)>,
    /// Changes whenever anything shown in the row changes (the `<For>` key).
    revision: String,
}

fn row_of(employee: &Employee, institution: &Institution) -> Row {
    let cells: Vec<(String, String)> = institution
        .columns
        .iter()
        .map(|column| {
            let text = match employee.cell(institution, column) {
                Cell::Timestamp(Some(instant)) => browser::format_local(instant),
                cell => cell.to_string(),
            };
            (column.clone(), text)
        })
        .collect();
    let revision = cells
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\u{1f}");
    Row {
        id: employee.id.clone(),
        cells,
        revision,
    }
}

#[component]
pub fn EmployeeTable(
    #[prop(into)] institution: Signal<Institution>,
    /// The institution's live employees, in any order.
    #[prop(into)]
    employees: Signal<Vec<Employee>>,
    /// The ticked rows (by employee id); no checkboxes when absent.
    #[prop(optional)]
    selection: Option<RwSignal<BTreeSet<String>>>,
    /// The whole table is read-only (locked UI).
    #[prop(into, optional)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let order = RwSignal::new(SortOrder::default());

    let rows = Memo::new(move |_| {
        institution.with(|institution| {
            employees.with(|employees| {
                let mut found = search_employees(employees, institution, &query.get());
                order.with(|order| sort_employees(&mut found, institution, order));
                found
                    .into_iter()
                    .map(|employee| row_of(employee, institution))
                    .collect::<Vec<_>>()
            })
        })
    });
    let columns = Memo::new(move |_| institution.with(|institution| institution.columns.clone()));
    let total = move || employees.with(Vec::len);

    let header = move |column: String| {
        let label = column.clone();
        let sort_column = column.clone();
        let aria_sort = move || {
            order.with(|order| {
                if order.column != column {
                    "none"
                } else if order.direction == Direction::Ascending {
                    "ascending"
                } else {
                    "descending"
                }
            })
        };
        let arrow_column = sort_column.clone();
        let arrow = move || {
            order.with(
                |order| match (order.column == arrow_column, order.direction) {
                    (false, _) => "",
                    (true, Direction::Ascending) => " ▲",
                    (true, Direction::Descending) => " ▼",
                },
            )
        };
        let title = (i18n.texts().sort_by)(&label);
        let numeric = label == PUNCTAJ;
        view! {
            <th aria-sort=aria_sort class:numeric=numeric data-column=label.clone()>
                <button
                    class="th-button"
                    title=title
                    disabled=move || disabled.get()
                    on:click=move |_| order.update(|order| *order = order.clicked(&sort_column))
                >
                    {label.clone()}
                    {arrow}
                </button>
            </th>
        }
    };

    let visible_ids =
        move || rows.with(|rows| rows.iter().map(|row| row.id.clone()).collect::<Vec<_>>());
    let all_visible_selected = move || {
        selection.is_some_and(|selection| {
            let ids = visible_ids();
            !ids.is_empty() && selection.with(|selected| ids.iter().all(|id| selected.contains(id)))
        })
    };
    let toggle_all = move |_| {
        if let Some(selection) = selection {
            let ids = visible_ids();
            let select = !all_visible_selected();
            selection.update(|selected| {
                for id in ids {
                    if select {
                        selected.insert(id);
                    } else {
                        selected.remove(&id);
                    }
                }
            });
        }
    };

    view! {
        <div class="table-tools">
            <label class="search">
                <span class="visually-hidden">{move || i18n.texts().search_label}</span>
                <input
                    type="search"
                    data-testid="search-input"
                    placeholder=move || i18n.texts().search_placeholder
                    prop:value=move || query.get()
                    on:input:target=move |event| query.set(event.target().value())
                    disabled=move || disabled.get()
                />
            </label>
            <span class="table-count">{move || (i18n.texts().employees_count)(total())}</span>
            {move || {
                selection
                    .map(|selection| {
                        let count = selection.with(BTreeSet::len);
                        (count > 0).then(|| view! {
                            <span class="table-count">{(i18n.texts().selected_count)(count)}</span>
                        })
                    })
            }}
        </div>
        <div class="table-scroll">
            <table class="employee-table">
                <thead>
                    <tr>
                        {selection.map(|_| view! {
                            <th class="select-cell">
                                <input
                                    type="checkbox"
                                    data-testid="employee-select-all"
                                    aria-label=move || i18n.texts().select_all_rows
                                    prop:checked=all_visible_selected
                                    on:change=toggle_all
                                    disabled=move || disabled.get()
                                />
                            </th>
                        })}
                        {move || columns.get().into_iter().map(header).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|row| (row.id.clone(), row.revision.clone())
                        let:row
                    >
                        {
                            let id = row.id.clone();
                            let checkbox = selection.map(|selection| {
                                let id_for_check = id.clone();
                                let id_for_toggle = id.clone();
                                view! {
                                    <td class="select-cell">
                                        <input
                                            type="checkbox"
                                            data-testid="employee-select"
                                            aria-label=move || i18n.texts().select_row
                                            prop:checked=move || selection.with(|s| s.contains(&id_for_check))
                                            on:change=move |_| selection.update(|s| {
                                                if !s.remove(&id_for_toggle) {
                                                    s.insert(id_for_toggle.clone());
                                                }
                                            })
                                            disabled=move || disabled.get()
                                        />
                                    </td>
                                }
                            });
                            view! {
                                <tr data-testid="employee-row" data-employee-id=id.clone()>
                                    {checkbox}
                                    {row.cells.into_iter().map(|(column, text)| {
                                        let is_points = column == PUNCTAJ;
                                        view! {
                                            <td
                                                class:numeric=is_points
                                                data-testid=is_points.then_some("employee-points")
                                                data-column=column
                                            >
                                                {text}
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">
                    {move || {
                        let t = i18n.texts();
                        if total() == 0 { t.no_employees } else { t.no_search_results }
                    }}
                </p>
            </Show>
        </div>
    }
}
