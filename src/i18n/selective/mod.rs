//! The texts of selective and delta sync: the chooser in settings, the notice on an institution
//! this device does not keep, the status after changes elsewhere, and the download modes in the
//! sync log. Same rule as [`super::Texts`]: both languages `static`.

mod en;
mod ro;

pub use en::EN;
pub use ro::RO;

pub struct SelectiveTexts {
    pub title: &'static str,
    pub explain: &'static str,
    pub everything: &'static str,
    /// (cities kept, institutions kept, institutions in all).
    pub summary: fn(usize, usize, usize) -> String,
    pub whole_city: &'static str,
    pub applied: &'static str,
    pub not_kept_title: &'static str,
    pub not_kept_body: &'static str,
    pub open_settings: &'static str,
    /// (changes not kept here): shown beside the status.
    pub elsewhere: fn(u32) -> String,
    /// `delta`, `full`.
    pub mode_name: fn(&str) -> &'static str,
}
