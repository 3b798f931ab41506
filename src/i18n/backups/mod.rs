//! The texts of the backups card in settings (the owner's): the server's daily backups, taking
//! one now, downloading and restoring one. Same rule as [`super::Texts`]: both languages `static`.

mod en;
mod ro;

pub use en::EN;
pub use ro::RO;

pub struct BackupTexts {
    pub title: &'static str,
    /// (time zone, retention in days).
    pub schedule: fn(&str, i64) -> String,
    pub now: &'static str,
    pub taken: &'static str,
    pub empty: &'static str,
    pub when: &'static str,
    pub kind: &'static str,
    pub contents: &'static str,
    pub size: &'static str,
    pub actions: &'static str,
    /// `scheduled`, `manual`, `pre_restore`.
    pub kind_name: fn(&str) -> &'static str,
    /// (cities, institutions, employees, archives).
    pub counts: fn(i64, i64, i64, i64) -> String,
    /// (when, by whom).
    pub restored_badge: fn(&str, &str) -> String,
    pub download: &'static str,
    pub restore: &'static str,
    pub restore_title: &'static str,
    /// (the backup's day, its time).
    pub restore_explain: fn(&str, &str) -> String,
    /// What to type: the backup's day.
    pub restore_type: fn(&str) -> String,
    pub restore_confirm: &'static str,
    /// (the backup's day).
    pub restored: fn(&str) -> String,
    pub settings: &'static str,
    pub time_zone: &'static str,
    pub retention_days: &'static str,
    pub max_mb: &'static str,
    pub save_settings: &'static str,
    pub settings_saved: &'static str,
    /// The retention or the size is not a whole number.
    pub bad_number: &'static str,
}
