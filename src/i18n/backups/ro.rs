//! Română.

use super::BackupTexts;

pub static RO: BackupTexts = BackupTexts {
    title: "Copii de siguranță",
    schedule: |zone, days| {
        format!(
            "Serverul face o copie a tuturor datelor în fiecare zi la 00:00 (ora {zone}) și le păstrează {days} zile."
        )
    },
    now: "Fă o copie acum",
    taken: "Copia de siguranță a fost făcută",
    empty: "Nicio copie încă.",
    when: "Când",
    kind: "Fel",
    contents: "Conținut",
    size: "Mărime",
    actions: "Acțiuni",
    kind_name: |kind| match kind {
        "scheduled" => "zilnică",
        "manual" => "manuală",
        "pre_restore" => "dinaintea unei restaurări",
        _ => "alta",
    },
    counts: |cities, institutions, employees, archives| {
        format!(
            "{cities} orașe, {institutions} instituții, {employees} angajați, {archives} arhive"
        )
    },
    restored_badge: |when, who| format!("restaurată la {when} de {who}"),
    download: "Descarcă JSON",
    restore: "Restaurează",
    restore_title: "Restaurează copia de siguranță",
    restore_explain: |day, time| {
        format!(
            "Toate orașele, instituțiile și angajații revin la starea din {day}, {time}. Starea de acum se păstrează întâi ca o copie, pe care o puteți restaura la loc. Fiecare browser deschis se blochează și descarcă datele restaurate."
        )
    },
    restore_type: |day| format!("Scrieți {day} pentru a confirma"),
    restore_confirm: "Restaurează",
    restored: |day| format!("Datele din {day} au fost restaurate"),
    settings: "Programare",
    time_zone: "Fusul orar al comunității",
    retention_days: "Păstrează copiile (zile)",
    max_mb: "Mărimea maximă a unei copii (MB)",
    save_settings: "Salvează programarea",
    settings_saved: "Programarea copiilor a fost salvată",
    bad_number: "Zilele și mărimea trebuie să fie numere întregi",
};
