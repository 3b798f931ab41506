//! English.

use super::Texts;
use serde_json::Value;

fn change_description(change: &Value) -> String {
    let text = |key: &str| change.get(key).and_then(Value::as_str).unwrap_or("");
    let number = |key: &str| change.get(key).and_then(Value::as_i64).unwrap_or(0);
    let place = match (text("city"), text("institution")) {
        ("", "") => String::new(),
        (city, "") => format!(" in {city}"),
        (city, institution) => format!(" in {city} / {institution}"),
    };
    match text("action") {
        "change_points" if number("delta") >= 0 => format!(
            "added {} points to {} members{place}",
            number("delta"),
            number("count")
        ),
        "change_points" => format!(
            "subtracted {} points from {} members{place}",
            -number("delta"),
            number("count")
        ),
        "reset_punctaj" => format!("reset the points{place}"),
        "force_sync" => "forced a synchronisation".to_string(),
        "add_employee" => format!("added a member{place}"),
        "update_employee" => format!("edited a member{place}"),
        "delete_employees" => format!("deleted {} members{place}", number("count")),
        "restore_employees" => format!("restored {} members{place}", number("count")),
        "" => "changed the data".to_string(),
        other => format!("{}{place}", action_name(other)),
    }
}

fn action_name(action: &str) -> String {
    match action {
        "change_points" => "points changed",
        "reset_punctaj" => "points reset",
        "force_sync" => "forced sync",
        "add_employee" => "member added",
        "update_employee" => "member edited",
        "delete_employees" => "members deleted",
        "restore_employees" => "members restored",
        "create_city" => "city added",
        "rename_city" => "city renamed",
        "delete_city" => "city deleted",
        "restore_city" => "city restored",
        "create_institution" => "institution added",
        "rename_institution" => "institution renamed",
        "delete_institution" => "institution deleted",
        "restore_institution" => "institution restored",
        "set_institution_ranks" => "ranks changed",
        "set_institution_columns" => "columns changed",
        "import_legacy" => "imported from the desktop app",
        "permission_change" => "permissions changed",
        other => return other.replace('_', " "),
    }
    .to_string()
}

fn audit_field_name(field: &str) -> String {
    match field {
        "rank" => "RANK",
        "punctaj" => "PUNCTAJ",
        "fields" => "fields",
        "name" => "name",
        "deleted" => "deleted",
        "ranks" => "ranks",
        "columns" => "columns",
        "renames" => "renamed",
        "employees" => "members",
        "institutions" => "institutions",
        "global_role" => "global role",
        "institution_role" => "institution role",
        other => return other.to_string(),
    }
    .to_string()
}

fn sync_type_name(sync_type: &str) -> String {
    match sync_type {
        "upload" => "upload",
        "download" => "download",
        "force_sync" => "forced sync",
        other => return other.to_string(),
    }
    .to_string()
}

fn sync_status_name(status: &str) -> String {
    match status {
        "pending" => "pending",
        "in_progress" => "in progress",
        "success" => "succeeded",
        "failed" => "failed",
        other => return other.to_string(),
    }
    .to_string()
}

fn role_name(role: &str) -> String {
    match role {
        "owner" => "owner",
        "admin" => "admin",
        "viewer" => "viewer",
        "leader" => "leader",
        "member" => "member",
        other => other,
    }
    .to_string()
}

pub static EN: Texts = Texts {
    import: &super::import::EN,
    app_name: "Punctaj",
    loading: "Loading…",
    cancel: "Cancel",
    close: "Close",
    save: "Save",
    confirm: "Confirm",
    delete: "Delete",
    retry: "Try again",
    yes: "Yes",
    no: "No",
    none: "—",
    never: "never",
    unknown_user: "unknown",
    working: "Working…",
    previous_page: "‹ Previous",
    next_page: "Next ›",
    page_of: |page, pages| format!("Page {page} of {pages}"),

    nav_home: "Cities",
    nav_archive: "Archive",
    nav_audit: "Audit log",
    nav_settings: "Settings",
    nav_members: "Members",
    nav_main: "Main menu",
    nav_institutions: "Institutions",
    sign_out: "Sign out",
    language: "Language",
    not_found: "This page does not exist.",
    back_home: "Back to the cities",

    config_title: "Supabase configuration",
    config_missing: |url| {
        format!(
            "The configuration file {url} was not found. The app does not know which Supabase project to use."
        )
    },
    config_unreachable: |url, why| format!("Could not read {url}: {why}"),
    config_invalid_file: |url, why| format!("The file {url} is wrong: {why}"),
    config_invalid_override: |why| {
        format!("The configuration saved in this browser is wrong: {why}")
    },
    config_how_to_fix: "Put a config.json beside index.html with the project URL and its public (anon) key, or enter them below (kept in this browser only).",
    config_example_heading: "Example config.json",
    config_url_label: "Supabase URL",
    config_key_label: "Public key (anon key)",
    config_key_hint: "The anon key only. Never put the service_role key in a browser.",
    config_save_override: "Save in this browser",
    config_clear_override: "Back to config.json",
    config_using_override: "Using the configuration saved in this browser.",
    config_using_file: "Using config.json beside the app.",
    config_saved_reloading: "Configuration saved. Reloading…",
    config_problem_malformed_json: |why| format!("it is not valid JSON ({why})"),
    config_problem_missing_field: |field| format!("the field \"{field}\" is missing"),
    config_problem_not_text: |field| format!("the field \"{field}\" must be text"),
    config_problem_bad_url: |url| format!("\"{url}\" is not a valid http(s) URL"),
    config_problem_key_empty: "the key is empty",
    config_problem_key_not_jwt: "the key does not look like a Supabase key",
    config_problem_key_secret: "this is a secret (service_role) key: it must never be in a browser; use the anon key",
    config_problem_key_role: |role| format!("the key has the role \"{role}\", not \"anon\""),

    login_title: "Sign in",
    login_subtitle: "Your factions' points, in sync for everyone.",
    login_email: "Email",
    login_password: "Password",
    login_submit: "Sign in",
    login_discord: "Login with Discord",
    login_or: "or",
    login_signup_prompt: "No account? Create one",
    login_signup_submit: "Create the account",
    login_back_to_sign_in: "I already have an account",
    login_need_email_password: "Enter your email and password.",
    login_signup_check_email: "Account created. Confirm your email address, then sign in.",
    login_session_expired: "Your session expired. Please sign in again.",
    login_oauth_verifier_missing: "the sign-in started in another tab or browser; try again from here",
    login_oauth_failed: |why| format!("Signing in with Discord failed: {why}"),
    pending_title: "Waiting for access",
    pending_body: |email| {
        format!(
            "The account {email} exists but has no access to the data yet. An administrator must grant it."
        )
    },
    pending_hint: "This page updates by itself when you get access.",
    access_load_failed: "Could not load your account's permissions.",

    no_cities: "There are no cities yet.",
    no_institutions: "This city has no institutions yet.",
    no_employees: "This institution has no members yet.",
    no_search_results: "No member matches the search.",
    last_points_change: "Last change:",
    search_placeholder: "Search any column…",
    search_label: "Search",
    select_row: "Select the row",
    select_all_rows: "Select all rows",
    sort_by: |column| format!("Sort by {column}"),
    employees_count: |n| format!("{n} members"),
    selected_count: |n| format!("{n} selected"),
    read_only_offline: "Offline: the data is read-only.",

    points_add: "Add points",
    points_subtract: "Subtract points",
    points_dialog_add_title: "Add points",
    points_dialog_subtract_title: "Subtract points",
    points_amount: "How many points?",
    points_members: "Members",
    points_select_all: "Select all",
    points_preview_add: |n, count| format!("Adds {n} points to {count} members."),
    points_preview_subtract: |n, count| {
        format!("Subtracts {n} points from {count} members (nobody goes below 0).")
    },
    points_choose_members: "Choose at least one member.",
    points_added: |n, count| format!("Added {n} points to {count} members."),
    points_subtracted: |n, count| format!("Subtracted {n} points from {count} members."),
    points_amount_empty: "Enter the number of points.",
    points_amount_zero: "The number of points must be greater than 0.",
    points_amount_negative: "Enter a positive number: use \"Subtract points\" to subtract.",
    points_amount_not_a_number: "Enter a whole number (for example 5).",
    points_amount_too_large: |max| format!("At most {max} points at once."),

    employee_add: "Add member",
    employee_edit: "Edit",
    employee_delete_selected: "Delete selected",
    employee_add_title: "New member",
    employee_edit_title: "Edit member",
    employee_rank: "RANK",
    employee_role: "ROLE",
    employee_points: "PUNCTAJ",
    employee_added: "Member added.",
    employee_saved: "Member saved.",
    employee_delete_confirm: |n| format!("Delete {n} members? An administrator can restore them."),
    employees_deleted: |n| format!("Deleted {n} members."),
    employee_needs_a_value: "Fill in at least one field.",
    employee_points_invalid: "Points must be a whole number, at least 0.",
    select_one_to_edit: "Select exactly one member to edit.",

    city_add: "City",
    city_rename: "Rename city",
    city_delete: "Delete city",
    city_name: "City name",
    city_added: |name| format!("City {name} added."),
    city_renamed: |name| format!("The city is now called {name}."),
    city_deleted: |name| format!("City {name} deleted (it can be restored)."),
    city_delete_confirm: |name| {
        format!(
            "Delete the city {name}, with all its institutions and members? An administrator can restore it."
        )
    },
    institution_add: "Institution",
    institution_rename: "Rename",
    institution_delete: "Delete institution",
    institution_structure: "Ranks and columns",
    institution_name: "Institution name",
    institution_added: |name| format!("Institution {name} added."),
    institution_renamed: |name| format!("The institution is now called {name}."),
    institution_deleted: |name| format!("Institution {name} deleted (it can be restored)."),
    institution_delete_confirm: |name| {
        format!(
            "Delete the institution {name}, with all its members? An administrator can restore it."
        )
    },
    name_required: "Enter a name.",
    rank_name_required: "Every rank needs a name.",
    column_name_required: "Every column needs a name.",
    column_name: "Column name",
    ranks_heading: "Ranks (lowest first)",
    rank_n: |n| format!("Rank {n}"),
    rank_add: "Rank",
    rank_remove_last: "Remove the last rank",
    columns_heading: "Columns",
    columns_hint: "RANK, ROLE, PUNCTAJ and ULTIMA_MOD are fixed; the others are yours.",
    column_add: "Column",
    column_new_name: "New column name",
    column_move_up: "Move up",
    column_move_down: "Move down",
    column_remove: "Remove the column",
    column_fixed: "fixed",
    column_remove_warning: "Values of removed columns are deleted (they stay in the audit log).",
    structure_saved: "The institution's structure was saved.",
    deleted_items: "Deleted",
    restore: "Restore",
    restored: |name| format!("{name} restored."),
    nothing_deleted: "Nothing deleted.",

    sync_state_ok: "In sync",
    sync_state_checking: "Checking…",
    sync_state_offline: "Offline",
    sync_state_error: "Sync error",
    sync_state_locked: "Locked: download the changes",
    sync_last_check: |seconds| format!("checked {seconds} s ago"),
    sync_never_checked: "not checked yet",
    sync_version_local: "local",
    sync_version_cloud: "cloud",
    lock_title: "The cloud data changed!",
    lock_title_first: "First synchronisation",
    lock_body: "The app is locked until you download the new data, so that everyone looks at the same data.",
    lock_body_first: "This browser has no data yet. Downloading it now.",
    lock_changed_by: |who, what, when| format!("{who} {what} at {when}."),
    lock_download: "DOWNLOAD SYNC",
    lock_download_again: "DOWNLOAD AGAIN",
    download_failed: |why| format!("The download failed: {why}. The old data is untouched."),
    download_hash_mismatch: "the data received does not match the cloud fingerprint (data_hash), so it was not installed",
    download_done: "Download complete.",
    step_structure: "Cities and institutions",
    step_employees: "Members and points",
    step_archive_list: "Archive list",
    step_archives: "Archives",
    step_verify: "Verifying",
    step_complete: "Done",
    progress_items: |done, total| format!("{done} of {total}"),
    change_description,
    force_sync: "FORCE CLOUD SYNC",
    force_sync_explain: "Every connected user will be locked (within about a second) until they download the cloud data.",
    force_sync_confirm_title: "Force a synchronisation?",
    force_sync_confirm_body: "Every connected user will be notified and locked until they download the data. Continue?",
    force_sync_done: "Sync forced: everyone else will download the data.",
    force_sync_rate_limited: |seconds| match seconds {
        Some(seconds) => format!("You forced a sync recently. Wait {seconds} s."),
        None => "You forced a sync recently. Wait a little.".to_string(),
    },
    sync_log_heading: "Sync log (last 100)",
    sync_log_empty: "No synchronisation recorded.",
    sync_log_when: "When",
    sync_log_who: "Who",
    sync_log_type: "Type",
    sync_log_status: "Status",
    sync_log_items: "Items",
    sync_log_error: "Error",
    sync_type_name,
    sync_status_name,
    local_copy_heading: "Local copy",
    local_copy_summary: |version, employees, archives| {
        format!("Version {version}: {employees} members, {archives} archives.")
    },
    local_copy_hash: "Fingerprint (data_hash)",
    local_copy_clear: "Delete the local copy",
    local_copy_cleared: "The local copy was deleted; the data is downloaded again.",
    persist_failed: |why| format!("The data could not be kept in the browser: {why}"),

    reset_button: "RESET POINTS",
    reset_title: "Reset points",
    reset_explain: |institution, count, total| {
        format!(
            "The points of the {count} members of {institution} ({total} points in total) become 0. The current table is archived in the cloud first."
        )
    },
    reset_type_name: |name| format!("Type \"{name}\" to confirm:"),
    reset_confirm: "Archive and reset",
    reset_uploading: "Uploading the archive…",
    reset_resetting: "Resetting the points…",
    reset_done: |path| format!("Points reset. Archive: {path}"),
    reset_upload_failed: |why| {
        format!("The archive could not be stored, so nothing was reset: {why}")
    },
    reset_rpc_failed: |why| format!("The reset failed; the points are untouched: {why}"),
    reset_lost_race: "Someone else changed or reset this institution meanwhile. Nothing was reset; download the data and try again.",

    archive_title: "Archive",
    archive_empty: "No archives.",
    archive_all_cities: "All cities",
    archive_all_institutions: "All institutions",
    archive_show_after_reset: "Also show the after-reset snapshots (AFTER_RESET)",
    archive_after_reset_badge: "after reset",
    archive_date: "Date",
    archive_reset_by: "Reset by",
    archive_employee_count: "Members",
    archive_total_points: "Total points",
    archive_actions: "Actions",
    archive_download_json: "Download JSON",
    archive_unreadable: |why| format!("The file cannot be read: {why}"),
    archive_names_mismatch: |names| {
        format!("the file claims to be the archive of \"{names}\" but is not stored in its folder")
    },
    archive_open: "Open",
    archive_back: "‹ Back to the list",
    archive_not_cached: "This archive is not in the local copy; download the sync.",
    archive_read_failed: |why| format!("The archive could not be read from this browser: {why}"),
    archive_download_failed: |why| format!("The file could not be saved: {why}"),

    audit_title: "Audit log",
    audit_filter_city: "City",
    audit_filter_institution: "Institution",
    audit_filter_user: "User",
    audit_filter_action: "Action",
    audit_all: "All",
    audit_when: "When",
    audit_who: "Who",
    audit_action: "Action",
    audit_where: "Where",
    audit_what: "What",
    audit_change: "Old → New",
    audit_empty: "No entries.",
    audit_no_permission: "The audit log is visible to leaders and administrators.",
    action_name,
    audit_legacy_badge: "desktop app",
    audit_legacy_hint: "History imported from the old desktop app (audit_logs.json): kept as it was, read-only",
    audit_field_name,

    members_title: "Members and permissions",
    members_pending: "Accounts waiting for access",
    members_all: "All accounts",
    members_no_pending: "No account is waiting.",
    members_invited: "Invited from the desktop app",
    members_invited_hint: "Their roles come from the old app's users_permissions.json and are granted when they first sign in with Discord.",
    members_invited_badge: "invited",
    members_account: "Account",
    members_global_role: "Global role",
    members_institution_roles: "Institution roles",
    members_grant: "Grant",
    members_revoke: "Revoke",
    members_role_none: "no global role",
    members_granted: "Access granted.",
    members_revoked: "Access revoked.",
    members_no_permission: "Only owners and administrators manage members.",
    members_choose_institution: "Choose the institution",
    role_name,

    settings_title: "Settings",
    settings_connection: "Connection",
    settings_sync: "Synchronisation",
    settings_account: "Account",
    settings_signed_in_as: |who| format!("Signed in as {who}"),
    config_problem_live_interval: "\"liveCheckIntervalMs\" must be a whole number of milliseconds from 1000 to 60000",
    config_problem_realtime_switch: "\"realtime\" must be true or false",
    live_on: "live",
    live_polling: "checks only",
    push_state_connecting: "connecting…",
    push_state_joined: "connected (push)",
    push_state_down: "disconnected, retrying",
    push_state_refused: "refused by the server",
    push_state_off: "off (checks every second)",
    health_title: "Connection health",
    health_last_check: |seconds| format!("last check: {seconds} s ago"),
    health_never_checked: "last check: none yet",
    health_rtt: |ms| format!("round trip: {ms:.0} ms"),
    health_push: |state| format!("push: {state}"),
    health_heartbeat: |seconds| format!("last heartbeat: {seconds} s ago"),
    health_no_heartbeat: "last heartbeat: none yet",
    health_chart: |median, max| {
        format!("Check round trips, last 5 minutes: median {median:.0} ms, highest {max:.0} ms")
    },
    health_chart_empty: "No checks measured yet.",
    presence_title: "Connected clients",
    presence_synced: |n, m, v| format!("{n} of {m} clients on version {v}"),
    presence_locked: "locked",
    presence_empty: "Nobody is connected through push (or push is off).",
    alerts_title: "Alerts",
    chime_toggle: "Play a chime when the data changes",
    notifications_enable: "Allow browser notifications",
    notifications_explain: "Shown when this tab is in the background and another user changes the data.",
    notifications_granted: "Notifications are on.",
    notifications_denied: "Notifications are blocked in this browser's site settings.",
    notifications_unsupported: "This browser cannot show notifications.",
    err_network: "The server cannot be reached. Check the internet connection.",
    err_timeout: "The server did not answer in time.",
    err_session_expired: "Your session expired. Please sign in again.",
    err_unauthorized: "You need to sign in.",
    err_forbidden: "You are not allowed to do this.",
    err_not_found: "It does not exist (or was deleted).",
    err_conflict: "It already exists or changed meanwhile.",
    err_duplicate_name: "That name is already taken (or would share an archive folder with an existing name). Choose another name.",
    err_stale: "The data changed meanwhile. Download the synchronisation and try again.",
    err_invalid: "The data sent is not valid.",
    err_server: "Server error. Please try again.",
    err_decode: "Unexpected answer from the server.",
    err_aborted: "The request was cancelled.",
    err_invalid_credentials: "Wrong email or password.",
    err_user_exists: "An account with this email already exists.",
    err_weak_password: "The password is too weak (at least 6 characters).",
    err_rate_limited: "Too many requests. Wait a little.",
};
