//! Typed access to Punctaj's Supabase project: one function per query or RPC, returning domain
//! types. Pages and the sync engine call these; none of them builds a request itself.

mod access;
mod archives;
mod audit;
mod backups;
mod delta;
mod import;
mod members;
mod mutations;
mod reset_undo;
mod snapshot;
mod sync_log;

pub use access::my_access;
pub use archives::{
    ARCHIVE_BUCKET, download_signed_archive, list_archive_objects, remove_archive,
    sign_archive_downloads, upload_archive,
};
pub use audit::{
    AUDIT_PAGE_SIZE, AuditEntry, AuditFilter, AuditPage, audit_page, legacy_audit_ids,
};
pub use backups::{
    Backup, BackupCounts, BackupSettings, backup_document, backup_now, backup_settings,
    list_backups, restore_backup, set_backup_settings,
};
pub use delta::{sync_changes, sync_delta};
pub use import::{ImportCounts, ImportOutcome, import_legacy};
pub use members::{
    Account, AccountInstitutionRole, DiscordInvite, InvitedInstitutionRole, accounts,
    discord_invites, grant_global_role, grant_institution_role, revoke_global_role,
    revoke_institution_role,
};
pub use mutations::*;
pub use reset_undo::{ArchiveUndoState, undo_reset, undoable_archives, undone_archives};
pub use snapshot::{
    DeletedCity, DeletedInstitution, PAGE_SIZE, cloud_meta, deleted_cities, deleted_institutions,
    fetch_snapshot,
};
pub use sync_log::{DownloadMode, SyncLogEntry, log_download, recent_sync_log};

use leptos::prelude::on_cleanup;
use punctaj_supabase::{AbortHandle, SendOptions};

/// Options for a request that belongs to the current component: it is aborted when the
/// component goes away (navigation, closed dialog), like the Leptos hackernews example does.
pub fn scoped() -> SendOptions {
    let abort = AbortHandle::new();
    let on_drop = abort.clone();
    on_cleanup(move || on_drop.abort());
    SendOptions::abortable(&abort)
}
