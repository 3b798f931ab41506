//! The texts of conflict-safe edits: the dialog shown when an edit meets a change someone else
//! made to the same row meanwhile. Same rule as [`super::Texts`]: both languages `static`.

mod en;
mod ro;

pub use en::EN;
pub use ro::RO;

pub struct ConflictTexts {
    pub title: &'static str,
    pub intro: &'static str,
    /// The column headers: the field, what the form opened with, what the user typed, the cloud's.
    pub field: &'static str,
    pub base: &'static str,
    pub mine: &'static str,
    pub theirs: &'static str,
    pub keep_mine: &'static str,
    pub take_theirs: &'static str,
    /// Field names of cities and institutions (employee fields are their column names).
    pub name: &'static str,
    pub ranks: &'static str,
    pub columns: &'static str,
    /// An empty value.
    pub empty: &'static str,
    /// The toast after "take the cloud's" left nothing of the user's to save.
    pub kept_theirs: &'static str,
    /// The row was deleted meanwhile: nothing to save it into.
    pub row_deleted: &'static str,
}
