//! An institution's structure: its name (when creating), its rank ladder ("1".."N" → role name)
//! and its ordered columns. The fixed columns (RANK, ROLE, PUNCTAJ, ULTIMA_MOD) can move but not
//! be renamed or removed; renaming a custom column keeps its values (`renames`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use punctaj_core::model::is_fixed_column;

use crate::components::dialog_actions::DialogActions;
use crate::components::icon::{Icon, IconName};
use crate::components::modal::Modal;
use crate::i18n::use_i18n;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstitutionDraft {
    pub name: String,
    pub ranks: Vec<String>,
    pub columns: Vec<String>,
    /// Existing custom column → its new name.
    pub renames: BTreeMap<String, String>,
}

/// One line of the column list while it is edited.
#[derive(Clone, Copy, Debug)]
struct ColumnRow {
    /// Stable while the editor is open (the rows' key), whatever is typed or moved.
    key: usize,
    /// The name it had when the editor opened (`None` for a new column).
    original: Option<StoredValue<String>>,
    name: RwSignal<String>,
    fixed: bool,
}

/// A new institution starts like the legacy default.
pub fn default_ranks() -> Vec<String> {
    vec!["User".to_string(), "Admin".to_string()]
}

pub fn default_columns() -> Vec<String> {
    [
        "DISCORD",
        "NUME IC",
        "SERIE DE BULETIN",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD",
    ]
    .map(String::from)
    .to_vec()
}

/// Why the typed structure cannot be sent yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DraftProblem {
    NameMissing,
    RankEmpty,
    ColumnEmpty,
}

/// The draft the rows describe: trimmed names, and the renamed custom columns.
fn draft_of(
    name: String,
    ranks: &[RwSignal<String>],
    columns: &[ColumnRow],
    creating: bool,
) -> Result<InstitutionDraft, DraftProblem> {
    let name = name.trim().to_string();
    if creating && name.is_empty() {
        return Err(DraftProblem::NameMissing);
    }
    let ranks: Vec<String> = ranks
        .iter()
        .map(|rank| rank.get_untracked().trim().to_string())
        .collect();
    if ranks.is_empty() || ranks.iter().any(String::is_empty) {
        return Err(DraftProblem::RankEmpty);
    }
    let mut names = Vec::with_capacity(columns.len());
    let mut renames = BTreeMap::new();
    for row in columns {
        let column = row.name.get_untracked().trim().to_string();
        if column.is_empty() {
            return Err(DraftProblem::ColumnEmpty);
        }
        if let Some(original) = row.original.map(|original| original.get_value())
            && !row.fixed
            && original != column
        {
            renames.insert(original, column.clone());
        }
        names.push(column);
    }
    Ok(InstitutionDraft {
        name,
        ranks,
        columns: names,
        renames,
    })
}

#[component]
pub fn InstitutionEditor(
    #[prop(into)] title: Signal<String>,
    /// Shown (and editable) only when creating.
    #[prop(optional)]
    name: Option<String>,
    ranks: Vec<String>,
    columns: Vec<String>,
    #[prop(into, optional)] busy: Signal<bool>,
    on_submit: Callback<InstitutionDraft>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let creating = name.is_some();
    let name = RwSignal::new(name.unwrap_or_default());
    let ranks = RwSignal::new(ranks.into_iter().map(RwSignal::new).collect::<Vec<_>>());
    let next_key = StoredValue::new(columns.len());
    let columns = RwSignal::new(
        columns
            .into_iter()
            .enumerate()
            .map(|(key, column)| ColumnRow {
                key,
                fixed: is_fixed_column(&column),
                original: Some(StoredValue::new(column.clone())),
                name: RwSignal::new(column),
            })
            .collect::<Vec<_>>(),
    );
    let new_column = Callback::new(move |column: String| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        columns.update(|columns| {
            columns.push(ColumnRow {
                key,
                original: None,
                name: RwSignal::new(column),
                fixed: false,
            })
        });
    });
    let problem = RwSignal::new(None::<DraftProblem>);
    let problem_text = move || {
        let t = i18n.texts();
        problem.get().map(|problem| match problem {
            DraftProblem::NameMissing => t.name_required,
            DraftProblem::RankEmpty => t.rank_name_required,
            DraftProblem::ColumnEmpty => t.column_name_required,
        })
    };

    let submit = move || {
        let draft = ranks.with_untracked(|ranks| {
            columns
                .with_untracked(|columns| draft_of(name.get_untracked(), ranks, columns, creating))
        });
        match draft {
            Ok(draft) => {
                problem.set(None);
                on_submit.run(draft);
            }
            Err(why) => problem.set(Some(why)),
        }
    };

    view! {
        <Modal title on_close testid="institution-editor" wide=true>
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                <Show when=move || creating>
                    <label class="field">
                        <span>{move || i18n.texts().institution_name}</span>
                        <input
                            type="text"
                            maxlength="80"
                            data-testid="institution-name-input"
                            prop:value=move || name.get()
                            on:input:target=move |event| name.set(event.target().value())
                        />
                    </label>
                </Show>
                <RankLadder ranks />
                <ColumnList columns on_add=new_column creating />
                <Show when=move || problem.get().is_some()>
                    <p class="field-error" role="alert" data-testid="institution-editor-error">
                        {problem_text}
                    </p>
                </Show>
                <DialogActions label=|t| t.save submit_testid="institution-save" busy on_cancel=on_close />
            </form>
        </Modal>
    }
}

/// The ladder, lowest rank first: one role name per rank; ranks are added or removed at the top.
#[component]
fn RankLadder(ranks: RwSignal<Vec<RwSignal<String>>>) -> impl IntoView {
    let i18n = use_i18n();
    let single = move || ranks.with(|ranks| ranks.len() <= 1);
    view! {
        <fieldset class="editor-list">
            <legend>{move || i18n.texts().ranks_heading}</legend>
            <For
                each=move || ranks.get().into_iter().enumerate()
                key=|(index, _)| *index
                let((index, rank))
            >
                <label class="field inline">
                    <span>{move || (i18n.texts().rank_n)(index + 1)}</span>
                    <input
                        type="text"
                        maxlength="80"
                        data-testid="rank-input"
                        prop:value=move || rank.get()
                        on:input:target=move |event| rank.set(event.target().value())
                    />
                </label>
            </For>
            <div class="row-actions">
                <button
                    type="button"
                    class="button"
                    data-testid="rank-add"
                    on:click=move |_| ranks.update(|ranks| ranks.push(RwSignal::new(String::new())))
                >
                    <Icon name=IconName::Plus />
                    {move || i18n.texts().rank_add}
                </button>
                <button
                    type="button"
                    class="button"
                    data-testid="rank-remove-last"
                    disabled=single
                    on:click=move |_| ranks.update(|ranks| {
                        ranks.pop();
                    })
                >
                    {move || i18n.texts().rank_remove_last}
                </button>
            </div>
        </fieldset>
    }
}

/// The ordered columns, each movable; custom ones renamable and removable; new ones at the end.
#[component]
fn ColumnList(
    columns: RwSignal<Vec<ColumnRow>>,
    on_add: Callback<String>,
    creating: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let add = move || {
        let column = typed.get_untracked().trim().to_string();
        if !column.is_empty() {
            on_add.run(column);
            typed.set(String::new());
        }
    };
    view! {
        <fieldset class="editor-list">
            <legend>{move || i18n.texts().columns_heading}</legend>
            <p class="hint">{move || i18n.texts().columns_hint}</p>
            <For each=move || columns.get() key=|row| row.key let:row>
                <ColumnEditorRow row columns />
            </For>
            <div class="column-row">
                <input
                    type="text"
                    maxlength="60"
                    data-testid="column-new"
                    placeholder=move || i18n.texts().column_new_name
                    prop:value=move || typed.get()
                    on:input:target=move |event| typed.set(event.target().value())
                    on:keydown=move |event| {
                        if event.key() == "Enter" {
                            event.prevent_default();
                            add();
                        }
                    }
                />
                <button type="button" class="button" data-testid="column-add" on:click=move |_| add()>
                    <Icon name=IconName::Plus />
                    {move || i18n.texts().column_add}
                </button>
            </div>
            <Show when=move || !creating>
                <p class="hint">{move || i18n.texts().column_remove_warning}</p>
            </Show>
        </fieldset>
    }
}

#[component]
fn ColumnEditorRow(row: ColumnRow, columns: RwSignal<Vec<ColumnRow>>) -> impl IntoView {
    let i18n = use_i18n();
    let position = Memo::new(move |_| {
        columns.with(|columns| columns.iter().position(|other| other.key == row.key))
    });
    let is_first = move || position.get() == Some(0);
    let is_last = move || position.get().map(|index| index + 1) == Some(columns.with(Vec::len));
    let move_by = move |up: bool| {
        let Some(index) = position.get_untracked() else {
            return;
        };
        let other = if up {
            index.checked_sub(1)
        } else {
            Some(index + 1)
        };
        columns.update(|columns| {
            if let Some(other) = other.filter(|other| *other < columns.len()) {
                columns.swap(index, other);
            }
        });
    };
    let remove = move |_| columns.update(|columns| columns.retain(|other| other.key != row.key));
    view! {
        <div class="column-row" data-testid="column-row">
            <input
                type="text"
                maxlength="60"
                data-testid="column-input"
                aria-label=move || i18n.texts().column_name
                readonly=row.fixed
                prop:value=move || row.name.get()
                on:input:target=move |event| row.name.set(event.target().value())
            />
            <Show when=move || row.fixed>
                <span class="badge">{move || i18n.texts().column_fixed}</span>
            </Show>
            <button
                type="button"
                class="icon-button"
                data-testid="column-up"
                title=move || i18n.texts().column_move_up
                aria-label=move || i18n.texts().column_move_up
                disabled=is_first
                on:click=move |_| move_by(true)
            >
                "↑"
            </button>
            <button
                type="button"
                class="icon-button"
                data-testid="column-down"
                title=move || i18n.texts().column_move_down
                aria-label=move || i18n.texts().column_move_down
                disabled=is_last
                on:click=move |_| move_by(false)
            >
                "↓"
            </button>
            <Show when=move || !row.fixed>
                <button
                    type="button"
                    class="icon-button"
                    data-testid="column-remove"
                    title=move || i18n.texts().column_remove
                    aria-label=move || i18n.texts().column_remove
                    on:click=remove
                >
                    <Icon name=IconName::Close />
                </button>
            </Show>
        </div>
    }
}
