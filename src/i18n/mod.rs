//! Every user-visible string, in Romanian (the users' language, the default) and English.
//!
//! One struct, [`Texts`], with one field per message; both languages are `static` values of it, so
//! a message missing in one language does not compile. Messages with values are plain `fn`s.

pub mod backups;
pub mod conflict;
mod en;
mod errors;
pub mod import;
mod ro;
pub mod selective;
pub mod undo_reset;

use crate::browser::LOCAL_STORAGE;
use leptos::prelude::*;

pub use errors::{config_problem, error_message, points_amount_error, schedule_problem};

/// "Who did what, when" of the cloud's last change: the lock overlay's line and the
/// notification's text.
pub fn change_summary(t: &Texts, cloud: &punctaj_core::sync::CloudMeta) -> String {
    let who = cloud
        .last_modified_by
        .clone()
        .unwrap_or_else(|| t.unknown_user.to_string());
    let when = cloud
        .last_modified_at
        .map(crate::browser::format_local)
        .unwrap_or_default();
    let what = (t.change_description)(
        cloud
            .last_change
            .as_ref()
            .unwrap_or(&serde_json::Value::Null),
    );
    (t.lock_changed_by)(&who, &what, &when)
}

/// A size as people read it (B, KB, MB: powers of 1024).
pub fn format_bytes(bytes: u64) -> String {
    match bytes {
        0..1_024 => format!("{bytes} B"),
        1_024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1_024.0),
        _ => format!("{:.2} MB", bytes as f64 / 1_048_576.0),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ro,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ro, Lang::En];
    const STORAGE_KEY: &'static str = "punctaj.lang";

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ro => "ro",
            Lang::En => "en",
        }
    }

    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ro => "Română",
            Lang::En => "English",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ro => &ro::RO,
            Lang::En => &en::EN,
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }
}

/// The chosen language (kept in the browser) and its texts.
#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// The texts of the current language; tracked inside views (so they follow a language
    /// change), untracked in event handlers and setup code.
    pub fn texts(&self) -> &'static Texts {
        if leptos::reactive::graph::Observer::get().is_some() {
            self.lang.get().texts()
        } else {
            self.lang.get_untracked().texts()
        }
    }

    pub fn set(&self, lang: Lang) {
        LOCAL_STORAGE.set(Lang::STORAGE_KEY, lang.code());
        set_document_lang(lang);
        self.lang.set(lang);
    }
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
}

pub fn provide_i18n() -> I18n {
    let lang = LOCAL_STORAGE
        .get(Lang::STORAGE_KEY)
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or(Lang::Ro);
    set_document_lang(lang);
    let i18n = I18n {
        lang: RwSignal::new(lang),
    };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The messages of one language.
pub struct Texts {
    /// The import page's texts.
    pub import: &'static import::ImportTexts,
    /// The conflict dialog's texts.
    pub conflict: &'static conflict::ConflictTexts,
    /// The backups card's texts.
    pub backups: &'static backups::BackupTexts,
    /// Selective and delta sync's texts.
    pub selective: &'static selective::SelectiveTexts,
    /// Undoing a reset.
    pub undo_reset: &'static undo_reset::UndoResetTexts,
    // Common
    pub app_name: &'static str,
    pub loading: &'static str,
    pub cancel: &'static str,
    pub close: &'static str,
    pub save: &'static str,
    pub confirm: &'static str,
    pub delete: &'static str,
    pub retry: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub none: &'static str,
    pub never: &'static str,
    pub unknown_user: &'static str,
    pub working: &'static str,
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub page_of: fn(u64, u64) -> String,

    // Navigation
    pub nav_home: &'static str,
    pub nav_archive: &'static str,
    pub nav_audit: &'static str,
    pub nav_settings: &'static str,
    pub nav_members: &'static str,
    /// The header's navigation landmark.
    pub nav_main: &'static str,
    /// The institution tabs' landmark.
    pub nav_institutions: &'static str,
    pub sign_out: &'static str,
    pub language: &'static str,
    pub not_found: &'static str,
    pub back_home: &'static str,

    // Configuration
    pub config_title: &'static str,
    pub config_missing: fn(&str) -> String,
    pub config_unreachable: fn(&str, &str) -> String,
    pub config_invalid_file: fn(&str, &str) -> String,
    pub config_invalid_override: fn(&str) -> String,
    pub config_how_to_fix: &'static str,
    pub config_example_heading: &'static str,
    pub config_url_label: &'static str,
    pub config_key_label: &'static str,
    pub config_key_hint: &'static str,
    pub config_save_override: &'static str,
    pub config_clear_override: &'static str,
    pub config_using_override: &'static str,
    pub config_using_file: &'static str,
    pub config_saved_reloading: &'static str,
    pub config_problem_malformed_json: fn(&str) -> String,
    pub config_problem_missing_field: fn(&str) -> String,
    pub config_problem_not_text: fn(&str) -> String,
    pub config_problem_bad_url: fn(&str) -> String,
    pub config_problem_key_empty: &'static str,
    pub config_problem_key_not_jwt: &'static str,
    pub config_problem_key_secret: &'static str,
    pub config_problem_key_role: fn(&str) -> String,

    // Sign-in
    pub login_title: &'static str,
    pub login_subtitle: &'static str,
    pub login_email: &'static str,
    pub login_password: &'static str,
    pub login_submit: &'static str,
    pub login_discord: &'static str,
    pub login_or: &'static str,
    pub login_signup_prompt: &'static str,
    pub login_signup_submit: &'static str,
    pub login_back_to_sign_in: &'static str,
    pub login_need_email_password: &'static str,
    pub login_signup_check_email: &'static str,
    pub login_session_expired: &'static str,
    pub login_oauth_failed: fn(&str) -> String,
    pub login_oauth_verifier_missing: &'static str,
    pub pending_title: &'static str,
    pub pending_body: fn(&str) -> String,
    pub pending_hint: &'static str,
    pub access_load_failed: &'static str,

    // Cities, institutions, table
    pub no_cities: &'static str,
    pub no_institutions: &'static str,
    pub no_employees: &'static str,
    pub no_search_results: &'static str,
    pub last_points_change: &'static str,
    pub search_placeholder: &'static str,
    pub search_label: &'static str,
    pub select_row: &'static str,
    pub select_all_rows: &'static str,
    pub sort_by: fn(&str) -> String,
    pub employees_count: fn(usize) -> String,
    pub selected_count: fn(usize) -> String,
    pub read_only_offline: &'static str,

    // Points
    pub points_add: &'static str,
    pub points_subtract: &'static str,
    pub points_dialog_add_title: &'static str,
    pub points_dialog_subtract_title: &'static str,
    pub points_amount: &'static str,
    pub points_members: &'static str,
    pub points_select_all: &'static str,
    pub points_preview_add: fn(u32, usize) -> String,
    pub points_preview_subtract: fn(u32, usize) -> String,
    pub points_choose_members: &'static str,
    pub points_added: fn(u32, usize) -> String,
    pub points_subtracted: fn(u32, usize) -> String,
    pub points_amount_empty: &'static str,
    pub points_amount_zero: &'static str,
    pub points_amount_negative: &'static str,
    pub points_amount_not_a_number: &'static str,
    pub points_amount_too_large: fn(u32) -> String,

    // Employees
    pub employee_add: &'static str,
    pub employee_edit: &'static str,
    pub employee_delete_selected: &'static str,
    pub employee_add_title: &'static str,
    pub employee_edit_title: &'static str,
    pub employee_rank: &'static str,
    pub employee_role: &'static str,
    pub employee_points: &'static str,
    pub employee_added: &'static str,
    pub employee_saved: &'static str,
    pub employee_delete_confirm: fn(usize) -> String,
    pub employees_deleted: fn(usize) -> String,
    pub employee_needs_a_value: &'static str,
    pub employee_points_invalid: &'static str,
    pub select_one_to_edit: &'static str,

    // Structure (cities, institutions, ranks, columns)
    pub city_add: &'static str,
    pub city_rename: &'static str,
    pub city_delete: &'static str,
    pub city_name: &'static str,
    pub city_added: fn(&str) -> String,
    pub city_renamed: fn(&str) -> String,
    pub city_deleted: fn(&str) -> String,
    pub city_delete_confirm: fn(&str) -> String,
    pub institution_add: &'static str,
    pub institution_rename: &'static str,
    pub institution_delete: &'static str,
    pub institution_structure: &'static str,
    pub institution_name: &'static str,
    pub institution_added: fn(&str) -> String,
    pub institution_renamed: fn(&str) -> String,
    pub institution_deleted: fn(&str) -> String,
    pub institution_delete_confirm: fn(&str) -> String,
    pub name_required: &'static str,
    pub rank_name_required: &'static str,
    pub column_name_required: &'static str,
    pub column_name: &'static str,
    pub ranks_heading: &'static str,
    pub rank_n: fn(usize) -> String,
    pub rank_add: &'static str,
    pub rank_remove_last: &'static str,
    pub columns_heading: &'static str,
    pub columns_hint: &'static str,
    pub column_add: &'static str,
    pub column_new_name: &'static str,
    pub column_move_up: &'static str,
    pub column_move_down: &'static str,
    pub column_remove: &'static str,
    pub column_fixed: &'static str,
    pub column_remove_warning: &'static str,
    pub structure_saved: &'static str,
    pub deleted_items: &'static str,
    pub restore: &'static str,
    pub restored: fn(&str) -> String,
    pub nothing_deleted: &'static str,

    // Sync
    pub sync_state_ok: &'static str,
    pub sync_state_checking: &'static str,
    pub sync_state_offline: &'static str,
    pub sync_state_error: &'static str,
    pub sync_state_locked: &'static str,
    pub sync_last_check: fn(u64) -> String,
    pub sync_never_checked: &'static str,
    pub sync_version_local: &'static str,
    pub sync_version_cloud: &'static str,
    pub lock_title: &'static str,
    pub lock_title_first: &'static str,
    pub lock_body: &'static str,
    pub lock_body_first: &'static str,
    /// Who changed what, and when: `(who, what, when)`.
    pub lock_changed_by: fn(&str, &str, &str) -> String,
    pub lock_download: &'static str,
    pub lock_download_again: &'static str,
    pub download_failed: fn(&str) -> String,
    pub download_hash_mismatch: &'static str,
    pub download_done: &'static str,
    pub step_structure: &'static str,
    pub step_employees: &'static str,
    pub step_archive_list: &'static str,
    pub step_archives: &'static str,
    pub step_verify: &'static str,
    pub step_complete: &'static str,
    pub progress_items: fn(u64, u64) -> String,
    pub change_description: fn(&serde_json::Value) -> String,
    pub force_sync: &'static str,
    pub force_sync_explain: &'static str,
    pub force_sync_confirm_title: &'static str,
    pub force_sync_confirm_body: &'static str,
    pub force_sync_done: &'static str,
    pub force_sync_rate_limited: fn(Option<u32>) -> String,
    pub sync_log_heading: &'static str,
    pub sync_log_empty: &'static str,
    pub sync_log_when: &'static str,
    pub sync_log_who: &'static str,
    pub sync_log_type: &'static str,
    pub sync_log_status: &'static str,
    pub sync_log_items: &'static str,
    pub sync_log_error: &'static str,
    /// `sync_log.sync_type`: upload, download, force_sync.
    pub sync_type_name: fn(&str) -> String,
    /// `sync_log.status`: pending, in_progress, success, failed.
    pub sync_status_name: fn(&str) -> String,
    pub local_copy_heading: &'static str,
    pub local_copy_summary: fn(i64, usize, usize) -> String,
    pub local_copy_hash: &'static str,
    pub local_copy_clear: &'static str,
    pub local_copy_cleared: &'static str,
    pub persist_failed: fn(&str) -> String,

    // Reset
    pub reset_button: &'static str,
    pub reset_title: &'static str,
    pub reset_explain: fn(&str, usize, i64) -> String,
    pub reset_type_name: fn(&str) -> String,
    pub reset_confirm: &'static str,
    pub reset_uploading: &'static str,
    pub reset_resetting: &'static str,
    pub reset_done: fn(&str) -> String,
    pub reset_upload_failed: fn(&str) -> String,
    pub reset_rpc_failed: fn(&str) -> String,
    pub reset_lost_race: &'static str,

    // Archive
    pub archive_title: &'static str,
    pub archive_empty: &'static str,
    pub archive_all_cities: &'static str,
    pub archive_all_institutions: &'static str,
    pub archive_show_after_reset: &'static str,
    pub archive_after_reset_badge: &'static str,
    pub archive_date: &'static str,
    pub archive_reset_by: &'static str,
    pub archive_employee_count: &'static str,
    pub archive_total_points: &'static str,
    /// The header of the archive list's column of buttons.
    pub archive_actions: &'static str,
    pub archive_download_json: &'static str,
    pub archive_unreadable: fn(&str) -> String,
    pub archive_names_mismatch: fn(&str) -> String,
    pub archive_open: &'static str,
    pub archive_back: &'static str,
    pub archive_not_cached: &'static str,
    pub archive_read_failed: fn(&str) -> String,
    pub archive_download_failed: fn(&str) -> String,

    // Audit
    pub audit_title: &'static str,
    pub audit_filter_city: &'static str,
    pub audit_filter_institution: &'static str,
    pub audit_filter_user: &'static str,
    pub audit_filter_action: &'static str,
    pub audit_all: &'static str,
    pub audit_when: &'static str,
    pub audit_who: &'static str,
    pub audit_action: &'static str,
    pub audit_where: &'static str,
    pub audit_what: &'static str,
    pub audit_change: &'static str,
    pub audit_empty: &'static str,
    pub audit_no_permission: &'static str,
    pub action_name: fn(&str) -> String,
    /// The badge of an audit entry imported from the old desktop app, and its tooltip.
    pub audit_legacy_badge: &'static str,
    pub audit_legacy_hint: &'static str,
    /// A field of an audit entry's old/new value (`rank`, `name`…); custom columns as they are.
    pub audit_field_name: fn(&str) -> String,

    // Members
    pub members_title: &'static str,
    pub members_pending: &'static str,
    pub members_all: &'static str,
    pub members_no_pending: &'static str,
    /// Discord accounts invited by an import of the old desktop app.
    pub members_invited: &'static str,
    pub members_invited_hint: &'static str,
    pub members_invited_badge: &'static str,
    pub members_account: &'static str,
    pub members_global_role: &'static str,
    pub members_institution_roles: &'static str,
    pub members_grant: &'static str,
    pub members_revoke: &'static str,
    pub members_role_none: &'static str,
    pub members_granted: &'static str,
    pub members_revoked: &'static str,
    pub members_no_permission: &'static str,
    pub members_choose_institution: &'static str,
    pub role_name: fn(&str) -> String,

    // Settings
    pub settings_title: &'static str,
    pub settings_connection: &'static str,
    pub settings_sync: &'static str,
    pub settings_account: &'static str,
    pub settings_signed_in_as: fn(&str) -> String,

    // Live sync
    pub config_problem_live_interval: &'static str,
    pub config_problem_realtime_switch: &'static str,
    pub live_on: &'static str,
    pub live_polling: &'static str,
    pub push_state_connecting: &'static str,
    pub push_state_joined: &'static str,
    pub push_state_down: &'static str,
    pub push_state_refused: &'static str,
    pub push_state_off: &'static str,
    pub health_title: &'static str,
    pub health_last_check: fn(u64) -> String,
    pub health_never_checked: &'static str,
    pub health_rtt: fn(f64) -> String,
    pub health_push: fn(&str) -> String,
    pub health_heartbeat: fn(u64) -> String,
    pub health_no_heartbeat: &'static str,
    pub health_chart: fn(f64, f64) -> String,
    pub health_chart_empty: &'static str,
    pub presence_title: &'static str,
    pub presence_synced: fn(usize, usize, i64) -> String,
    pub presence_locked: &'static str,
    pub presence_empty: &'static str,
    pub alerts_title: &'static str,
    pub chime_toggle: &'static str,
    pub notifications_enable: &'static str,
    pub notifications_explain: &'static str,
    pub notifications_granted: &'static str,
    pub notifications_denied: &'static str,
    pub notifications_unsupported: &'static str,

    // Errors
    pub err_network: &'static str,
    pub err_timeout: &'static str,
    pub err_session_expired: &'static str,
    pub err_unauthorized: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    /// An edit of a row someone else changed meanwhile (when no conflict dialog can ask).
    pub err_row_changed: &'static str,
    /// Larger than the configured maximum (a backup).
    pub err_too_large: &'static str,
    pub err_duplicate_name: &'static str,
    pub err_stale: &'static str,
    pub err_invalid: &'static str,
    pub err_server: &'static str,
    pub err_decode: &'static str,
    pub err_aborted: &'static str,
    pub err_invalid_credentials: &'static str,
    pub err_user_exists: &'static str,
    pub err_weak_password: &'static str,
    pub err_rate_limited: &'static str,
}
