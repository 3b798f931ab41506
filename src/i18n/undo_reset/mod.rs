//! The texts of undoing a reset (from the archive browser or the institution). Same rule as
//! [`super::Texts`]: both languages `static`.

mod en;
mod ro;

pub use en::EN;
pub use ro::RO;

pub struct UndoResetTexts {
    pub button: &'static str,
    pub title: &'static str,
    /// (the reset's archive date, members in it, their points).
    pub explain: fn(&str, i64, i64) -> String,
    pub confirm: &'static str,
    /// (members given points back, points given back).
    pub done: fn(i64, i64) -> String,
    /// An archive whose reset was undone: (when, by whom).
    pub undone_badge: fn(&str, &str) -> String,
}
