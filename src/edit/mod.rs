//! Conflict-safe edits of one row (an employee, a city's name, an institution's name or its
//! ladder and columns).
//!
//! A form remembers the row as it opened it (values and row version). Saving names that version;
//! when the cloud refuses because the row changed meanwhile, the user's changes are merged with
//! the cloud's row (`punctaj_core::conflict`): changes of different fields are saved without
//! asking, and only a field both sides changed differently is put to the user in the conflict
//! dialog ([`EditConflicts`], shown by `components::conflict_dialog`). Nothing typed is lost and
//! nothing saved by someone else is overwritten unseen.

mod target;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::conflict::{self, FieldValues, Merge, Resolution};

use crate::api::RowConflict;
use crate::mutation::Mutation;
use crate::sync::adopt_own_change;

pub use target::{
    COLUMNS, EditTarget, NAME, PUNCTAJ, RANK, RANKS, employee_values, name_values, structure_values,
};

/// Merges without asking at most this many times in a row (the row keeps changing under us).
const AUTOMATIC_MERGES: u8 = 3;

/// One edit of one row, as its form produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct RowEdit {
    pub target: EditTarget,
    /// The values the form opened with, and the row version they had.
    pub base: FieldValues,
    pub base_version: i64,
    /// What the user typed.
    pub mine: FieldValues,
}

/// How an edit ended, for the form that started it (its toast, closing it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditEnd {
    Saved,
    /// The user took the cloud's values and had nothing else to save.
    KeptTheirs,
    /// The row is gone (deleted meanwhile): there is nothing to save into.
    RowGone,
}

/// A conflict waiting for the user's choice.
#[derive(Clone)]
pub struct ConflictPrompt {
    edit: RowEdit,
    pub merge: Merge,
    theirs: FieldValues,
    row_version: i64,
    editor: Editor,
    on_done: Callback<EditEnd>,
}

impl ConflictPrompt {
    /// The running edit's busy flag (the dialog's buttons wait on it).
    pub fn busy(&self) -> RwSignal<bool> {
        self.editor.mutation.busy
    }
}

/// The conflict put to the user, if any: one at a time for the whole app.
#[derive(Clone, Copy)]
pub struct EditConflicts {
    pub prompt: RwSignal<Option<ConflictPrompt>>,
}

impl EditConflicts {
    pub fn provide() -> EditConflicts {
        let conflicts = EditConflicts {
            prompt: RwSignal::new(None),
        };
        provide_context(conflicts);
        conflicts
    }

    /// Settles the waiting conflict: saves the user's values (or what is left of them) against
    /// the cloud's current row version.
    pub fn resolve(&self, resolution: Resolution) {
        let Some(prompt) = self.prompt.get_untracked() else {
            return;
        };
        let values = prompt.merge.resolve(resolution);
        if conflict::changed_fields(&values, &prompt.theirs).is_empty() {
            self.prompt.set(None);
            prompt.on_done.run(EditEnd::KeptTheirs);
            return;
        }
        prompt.editor.attempt(
            prompt.edit,
            values,
            Some(prompt.theirs),
            prompt.row_version,
            prompt.on_done,
            AUTOMATIC_MERGES,
        );
    }

    /// The user closed the dialog without choosing: the form stays open with what they typed.
    pub fn dismiss(&self) {
        self.prompt.set(None);
    }
}

/// Runs the edits of one form: a [`Mutation`] (busy flag, adoption, errors in a toast) that
/// knows where to ask about conflicts.
#[derive(Clone, Copy)]
pub struct Editor {
    pub mutation: Mutation,
    /// Absent outside the signed-in shell: a conflict is then reported as an error.
    conflicts: Option<EditConflicts>,
}

impl Editor {
    pub fn new(mutation: Mutation) -> Editor {
        Editor {
            mutation,
            conflicts: use_context::<EditConflicts>(),
        }
    }

    /// Saves `edit` against the row version its form opened with, merging with or asking about
    /// what changed meanwhile; `on_done` tells the form how it ended.
    pub fn run(&self, edit: RowEdit, on_done: Callback<EditEnd>) {
        let values = edit.mine.clone();
        let expected = edit.base_version;
        self.attempt(edit, values, None, expected, on_done, AUTOMATIC_MERGES);
    }

    /// Sends `values` (the fields that differ from `theirs`, or from the base on a first
    /// attempt) against `expected`.
    fn attempt(
        &self,
        edit: RowEdit,
        values: FieldValues,
        theirs: Option<FieldValues>,
        expected: i64,
        on_done: Callback<EditEnd>,
        merges_left: u8,
    ) {
        let mutation = self.mutation;
        if mutation.busy.get_untracked() {
            return;
        }
        let changed = conflict::changed_fields(&values, theirs.as_ref().unwrap_or(&edit.base));
        if theirs.is_some() && changed.is_empty() {
            // The cloud already holds everything the user typed.
            self.close_prompt();
            on_done.run(EditEnd::Saved);
            return;
        }
        mutation.busy.set(true);
        let this = *self;
        spawn_local(async move {
            let result = edit
                .target
                .send(mutation.sync, &values, &changed, expected)
                .await;
            let _ = mutation.busy.try_set(false);
            match result {
                Ok(outcome) => {
                    adopt_own_change(mutation.sync, &outcome, Vec::new()).await;
                    this.close_prompt();
                    on_done.run(EditEnd::Saved);
                }
                Err(error) => match RowConflict::from_error(&error) {
                    Some(found) if found.is_deleted() => {
                        this.close_prompt();
                        mutation
                            .toasts
                            .error(mutation.i18n.texts().conflict.row_deleted);
                        on_done.run(EditEnd::RowGone);
                    }
                    Some(found) => {
                        let theirs = edit.target.theirs(&found);
                        let merge = conflict::merge(&edit.base, &edit.mine, &theirs);
                        if merge.conflicts.is_empty() && merges_left > 0 {
                            let values = merge.merged.clone();
                            this.attempt(
                                edit,
                                values,
                                Some(theirs),
                                found.row_version,
                                on_done,
                                merges_left - 1,
                            );
                        } else if let Some(conflicts) = this.conflicts {
                            conflicts.prompt.set(Some(ConflictPrompt {
                                edit,
                                merge,
                                theirs,
                                row_version: found.row_version,
                                editor: this,
                                on_done,
                            }));
                        } else {
                            mutation.report(&error);
                        }
                    }
                    None => mutation.report(&error),
                },
            }
        });
    }

    fn close_prompt(&self) {
        if let Some(conflicts) = self.conflicts {
            let _ = conflicts.prompt.try_set(None);
        }
    }
}
