//! English.

use super::UndoResetTexts;

pub static EN: UndoResetTexts = UndoResetTexts {
    button: "Undo the reset",
    title: "Undo the last reset",
    explain: |date, count, points| {
        format!(
            "The scores saved in the archive of {date} ({count} members, {points} points) are added back to each member who still exists; points earned since the reset are kept. A reset can be undone once."
        )
    },
    confirm: "Undo the reset",
    done: |count, points| {
        format!("The reset was undone: {points} points given back to {count} members")
    },
    undone_badge: |when, who| format!("reset undone on {when} by {who}"),
};
