//! English.

use super::ConflictTexts;

pub static EN: ConflictTexts = ConflictTexts {
    title: "Someone else changed this meanwhile",
    intro: "While you were editing, someone else saved other values for the same fields. Nothing was overwritten: choose what stays.",
    field: "Field",
    base: "You started from",
    mine: "Your value",
    theirs: "In the cloud now",
    keep_mine: "Keep my values",
    take_theirs: "Take the cloud's values",
    name: "Name",
    ranks: "Ranks",
    columns: "Columns",
    empty: "(empty)",
    kept_theirs: "The cloud's values were kept",
    row_deleted: "The row was deleted meanwhile: the change was not saved",
};
