//! Reusable UI pieces, one folder per component.

pub mod alert_settings;
pub mod confirm_dialog;
pub mod conflict_dialog;
pub mod dialog_actions;
pub mod employee_form;
pub mod employee_table;
pub mod health_panel;
pub mod icon;
pub mod institution_editor;
pub mod language_picker;
pub mod lock_overlay;
pub mod modal;
pub mod name_dialog;
pub mod points_dialog;
pub mod presence_list;
pub mod progress_bar;
pub mod reset_dialog;
pub mod selective_sync;
pub mod sync_status;
pub mod tab_link;
pub mod toast;
pub mod undo_reset;
