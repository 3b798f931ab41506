//! An institution's structure: its name (when creating), its rank ladder ("1".."N" → role name)
//! and its ordered columns. The fixed columns (RANK, ROLE, PUNCTAJ, ULTIMA_MOD) can move but not
//! be renamed or removed; renaming a custom column keeps its values (`renames`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use punctaj_core::model::is_fixed_column;

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

#[derive(Clone, Copy, Debug)]
struct ColumnRow {
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
    let columns = RwSignal::new(
        columns
            .iter()
            .map(|column| ColumnRow {
                original: Some(StoredValue::new(column.clone())),
                name: RwSignal::new(column.clone()),
                fixed: is_fixed_column(column),
            })
            .collect::<Vec<_>>(),
    );
    let new_column = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let move_column = move |index: usize, up: bool| {
        columns.update(|columns| {
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(other) = other.filter(|other| *other < columns.len()) {
                columns.swap(index, other);
            }
        })
    };
    let add_column = move || {
        let value = new_column.get_untracked().trim().to_string();
        if !value.is_empty() {
            columns.update(|columns| {
                columns.push(ColumnRow {
                    original: None,
                    name: RwSignal::new(value),
                    fixed: false,
                })
            });
            new_column.set(String::new());
        }
    };

    let submit = move || {
        let t = i18n.texts();
        let draft_name = name.get_untracked().trim().to_string();
        if creating && draft_name.is_empty() {
            error.set(Some(t.name_required.to_string()));
            return;
        }
        let draft_ranks: Vec<String> = ranks
            .get_untracked()
            .iter()
            .map(|rank| rank.get_untracked().trim().to_string())
            .collect();
        if draft_ranks.is_empty() || draft_ranks.iter().any(String::is_empty) {
            error.set(Some(t.name_required.to_string()));
            return;
        }
        let rows = columns.get_untracked();
        let mut draft_columns = Vec::new();
        let mut renames = BTreeMap::new();
        for row in rows {
            let column = row.name.get_untracked().trim().to_string();
            if column.is_empty() {
                error.set(Some(t.name_required.to_string()));
                return;
            }
            if let Some(original) = row.original.map(|original| original.get_value())
                && !row.fixed
                && original != column
            {
                renames.insert(original, column.clone());
            }
            draft_columns.push(column);
        }
        error.set(None);
        on_submit.run(InstitutionDraft {
            name: draft_name,
            ranks: draft_ranks,
            columns: draft_columns,
            renames,
        });
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
                <fieldset class="editor-list">
                    <legend>{move || i18n.texts().ranks_heading}</legend>
                    {move || {
                        ranks
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(index, rank)| {
                                view! {
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
                                }
                            })
                            .collect_view()
                    }}
                    <div class="row-actions">
                        <button
                            type="button"
                            class="button"
                            on:click=move |_| ranks.update(|ranks| ranks.push(RwSignal::new(String::new())))
                        >
                            {move || i18n.texts().rank_add}
                        </button>
                        <button
                            type="button"
                            class="button"
                            disabled=move || ranks.with(|ranks| ranks.len() <= 1)
                            on:click=move |_| ranks.update(|ranks| { ranks.pop(); })
                        >
                            {move || i18n.texts().rank_remove_last}
                        </button>
                    </div>
                </fieldset>
                <fieldset class="editor-list">
                    <legend>{move || i18n.texts().columns_heading}</legend>
                    <p class="hint">{move || i18n.texts().columns_hint}</p>
                    {move || {
                        let count = columns.with(Vec::len);
                        columns
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(index, row)| {
                                view! {
                                    <div class="column-row">
                                        <input
                                            type="text"
                                            maxlength="60"
                                            data-testid="column-input"
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
                                            title=move || i18n.texts().column_move_up
                                            disabled=index == 0
                                            on:click=move |_| move_column(index, true)
                                        >
                                            "↑"
                                        </button>
                                        <button
                                            type="button"
                                            class="icon-button"
                                            title=move || i18n.texts().column_move_down
                                            disabled=index + 1 == count
                                            on:click=move |_| move_column(index, false)
                                        >
                                            "↓"
                                        </button>
                                        <Show when=move || !row.fixed>
                                            <button
                                                type="button"
                                                class="icon-button"
                                                title=move || i18n.texts().column_remove
                                                on:click=move |_| columns.update(|columns| { columns.remove(index); })
                                            >
                                                "✕"
                                            </button>
                                        </Show>
                                    </div>
                                }
                            })
                            .collect_view()
                    }}
                    <div class="column-row">
                        <input
                            type="text"
                            maxlength="60"
                            data-testid="column-new"
                            placeholder=move || i18n.texts().column_new_name
                            prop:value=move || new_column.get()
                            on:input:target=move |event| new_column.set(event.target().value())
                            on:keydown=move |event| {
                                if event.key() == "Enter" {
                                    event.prevent_default();
                                    add_column();
                                }
                            }
                        />
                        <button type="button" class="button" on:click=move |_| add_column()>
                            {move || i18n.texts().column_add}
                        </button>
                    </div>
                    <Show when=move || !creating>
                        <p class="hint">{move || i18n.texts().column_remove_warning}</p>
                    </Show>
                </fieldset>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                </Show>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>
                        {move || i18n.texts().cancel}
                    </button>
                    <button
                        type="submit"
                        class="button button-primary"
                        data-testid="institution-save"
                        disabled=move || busy.get()
                    >
                        {move || if busy.get() { i18n.texts().working } else { i18n.texts().save }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
