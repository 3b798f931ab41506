//! The conflict dialog: an edit met a change someone else saved to the same fields meanwhile.
//! Per field it shows the value the form opened with, the user's value and the cloud's, and the
//! user keeps theirs (saved again, against the cloud's new version) or takes the cloud's. One for
//! the whole signed-in app, shown while [`EditConflicts`] holds a conflict; inside the part the
//! lock makes inert, like every dialog.

use leptos::prelude::*;
use punctaj_core::conflict::{FieldConflict, Resolution};

use crate::components::modal::Modal;
use crate::edit::{COLUMNS, EditConflicts, NAME, RANKS};
use crate::i18n::{Texts, use_i18n};

fn field_label(texts: &Texts, field: &str) -> String {
    match field {
        NAME => texts.conflict.name.to_string(),
        RANKS => texts.conflict.ranks.to_string(),
        COLUMNS => texts.conflict.columns.to_string(),
        // Employee fields are shown under their column's name, as in the table.
        column => column.to_string(),
    }
}

/// A value as one line: a list's entries separated by commas.
fn shown(texts: &Texts, value: &str) -> String {
    if value.is_empty() {
        texts.conflict.empty.to_string()
    } else {
        value.lines().collect::<Vec<_>>().join(", ")
    }
}

#[component]
fn ConflictRow(conflict: FieldConflict) -> impl IntoView {
    let i18n = use_i18n();
    let FieldConflict {
        field,
        base,
        mine,
        theirs,
    } = conflict;
    let label = field.clone();
    // data-value: the exact value, whatever the cell shows for it.
    let cell = move |class: &'static str, value: String| {
        let text = value.clone();
        view! { <td class=class data-value=value>{move || shown(i18n.texts(), &text)}</td> }
    };
    view! {
        <tr data-testid="conflict-field" data-field=field>
            <th scope="row">{move || field_label(i18n.texts(), &label)}</th>
            {cell("conflict-base", base)}
            {cell("conflict-mine", mine)}
            {cell("conflict-theirs", theirs)}
        </tr>
    }
}

#[component]
pub fn ConflictDialog() -> impl IntoView {
    let i18n = use_i18n();
    let conflicts = expect_context::<EditConflicts>();
    let close = Callback::new(move |()| conflicts.dismiss());
    move || {
        let prompt = conflicts.prompt.get()?;
        let busy = prompt.busy();
        let rows = prompt.merge.conflicts.clone();
        Some(view! {
            <Modal
                title=Signal::derive(move || i18n.texts().conflict.title.to_string())
                on_close=close
                testid="conflict-dialog"
                wide=true
            >
                <p>{move || i18n.texts().conflict.intro}</p>
                <div class="table-scroll">
                    <table class="conflict-table">
                        <thead>
                            <tr>
                                <th scope="col">{move || i18n.texts().conflict.field}</th>
                                <th scope="col">{move || i18n.texts().conflict.base}</th>
                                <th scope="col">{move || i18n.texts().conflict.mine}</th>
                                <th scope="col">{move || i18n.texts().conflict.theirs}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|conflict| view! { <ConflictRow conflict /> }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="button"
                        data-testid="conflict-take-theirs"
                        disabled=move || busy.get()
                        on:click=move |_| conflicts.resolve(Resolution::TakeTheirs)
                    >
                        {move || i18n.texts().conflict.take_theirs}
                    </button>
                    <button
                        type="button"
                        class="button button-primary"
                        data-testid="conflict-keep-mine"
                        disabled=move || busy.get()
                        on:click=move |_| conflicts.resolve(Resolution::KeepMine)
                    >
                        {move || if busy.get() { i18n.texts().working } else { i18n.texts().conflict.keep_mine }}
                    </button>
                </div>
            </Modal>
        })
    }
}
