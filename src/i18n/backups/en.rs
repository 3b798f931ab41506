//! English.

use super::BackupTexts;

pub static EN: BackupTexts = BackupTexts {
    title: "Backups",
    schedule: |zone, days| {
        format!(
            "The server backs up all the data every day at 00:00 ({zone} time) and keeps each backup for {days} days."
        )
    },
    now: "Back up now",
    taken: "The backup was taken",
    empty: "No backups yet.",
    when: "When",
    kind: "Kind",
    contents: "Contents",
    size: "Size",
    actions: "Actions",
    kind_name: |kind| match kind {
        "scheduled" => "daily",
        "manual" => "manual",
        "pre_restore" => "before a restore",
        _ => "other",
    },
    counts: |cities, institutions, employees, archives| {
        format!(
            "{cities} cities, {institutions} institutions, {employees} employees, {archives} archives"
        )
    },
    restored_badge: |when, who| format!("restored on {when} by {who}"),
    download: "Download JSON",
    restore: "Restore",
    restore_title: "Restore the backup",
    restore_explain: |day, time| {
        format!(
            "Every city, institution and employee goes back to how it was on {day}, {time}. The current state is kept first as a backup of its own, which you can restore in turn. Every open browser locks and downloads the restored data."
        )
    },
    restore_type: |day| format!("Type {day} to confirm"),
    restore_confirm: "Restore",
    restored: |day| format!("The data of {day} was restored"),
    settings: "Schedule",
    time_zone: "The community's time zone",
    retention_days: "Keep backups for (days)",
    max_mb: "Largest backup (MB)",
    save_settings: "Save the schedule",
    settings_saved: "The backup schedule was saved",
    bad_number: "The days and the size must be whole numbers",
};
