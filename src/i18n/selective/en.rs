//! English.

use super::SelectiveTexts;

pub static EN: SelectiveTexts = SelectiveTexts {
    title: "What this device keeps",
    explain: "Choose the cities and institutions this browser downloads. The others are not downloaded, and changes made there do not lock this device. The structure (cities, institutions, ranks, columns) is always kept.",
    everything: "Everything (every city and institution)",
    summary: |cities, institutions, all| {
        format!("Keeping {cities} cities and {institutions} of {all} institutions on this device.")
    },
    whole_city: "whole city",
    applied: "Saved for this browser. Downloading what it keeps…",
    not_kept_title: "Not kept on this device",
    not_kept_body: "This institution's members and archives are not downloaded in this browser, so they cannot be shown or changed here.",
    open_settings: "Choose what this device keeps",
    elsewhere: |count| {
        if count == 1 {
            "1 change elsewhere, not kept here".to_owned()
        } else {
            format!("{count} changes elsewhere, not kept here")
        }
    },
    mode_name: |mode| match mode {
        "delta" => "changes only",
        "full" => "everything",
        _ => "",
    },
};
