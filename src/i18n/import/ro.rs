//! Română.

use super::{ImportTexts, ProblemKind};
use crate::api::ImportCounts;

fn problem_kind(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::InvalidJson => "JSON invalid",
        ProblemKind::UnknownFormat => "format necunoscut",
        ProblemKind::BadPoints => "un PUNCTAJ care nu este număr",
        ProblemKind::BadRank => "un RANK care nu este număr de rank",
        ProblemKind::BadTime => "o dată care nu poate fi citită",
        ProblemKind::DuplicateEmployee => "un angajat duplicat",
        ProblemKind::RankWithoutRole => "un rank fără rol",
        ProblemKind::NoEmployeeKey => "angajați care nu pot fi deosebiți",
        ProblemKind::ArchiveMismatch => "o arhivă al cărei nume nu se potrivește cu conținutul",
        ProblemKind::ArchiveConflict => "o arhivă care există deja în cloud cu alt conținut",
        ProblemKind::TooLarge => "fișier prea mare",
        ProblemKind::BadZip => "un zip care nu poate fi citit",
        ProblemKind::ZipBomb => "un zip care se dezarhivează mult peste mărimea lui (zip bomb)",
        ProblemKind::BadPath => "un nume de fișier refuzat",
        ProblemKind::NotText => "nu este text UTF-8",
        ProblemKind::Other => "nu poate fi importat",
    }
}

fn result_counts(counts: &ImportCounts) -> String {
    format!(
        "{} orașe, {} instituții și {} angajați adăugați; {} angajați și {} instituții actualizate; {} arhive, {} intrări de istoric, {} invitații.",
        counts.cities_created,
        counts.institutions_created,
        counts.employees_created,
        counts.employees_updated,
        counts.institutions_updated,
        counts.archives_recorded,
        counts.audit_imported,
        counts.invites_saved,
    )
}

pub static RO: ImportTexts = ImportTexts {
    nav: "Import",
    title: "Import din aplicația desktop",
    intro: "Alege folderul vechiului Punctaj Manager (cel cu data/ și arhiva/), sau trage-l aici, ori un .zip al lui. Nimic nu se scrie până nu confirmi previzualizarea; importul aceluiași folder a doua oară nu schimbă nimic.",
    refused: "Doar proprietarii și administratorii pot importa.",
    drop_hint: "Trage aici folderul, fișierele lui sau un .zip",
    pick_folder: "Alege folderul…",
    pick_files: "Alege fișiere sau un .zip…",
    reading: |done, total| format!("Se citesc fișierele: {done} din {total}"),
    read_summary: |read, skipped| format!("{read} fișiere citite, {skipped} sărite"),
    server_label: "Server",
    server_choose: "Alege serverul acestei comunități…",
    server_hint: "Folderul are datele mai multor servere. Care este această comunitate? Fișierele din foldere fără server aparțin celui ales.",
    source_label: "Sursa tabelelor",
    source_live: "data/ (tabelele curente)",
    source_backup: |stamp| format!("backup din {stamp}"),
    time_zone_label: "Fusul orar al vechii aplicații",
    time_zone_hint: "Vechea aplicație scria ore locale fără fus; sunt convertite în UTC din acesta.",
    time_zone_unknown: |zone| format!("Acest browser nu cunoaște fusul orar {zone}."),
    no_local_copy: "Se așteaptă descărcarea datelor din cloud, pentru comparație…",
    preview_title: "Previzualizare",
    preview_summary: |new, changed, unchanged, archives_new, archives_present| {
        format!(
            "Angajați: {new} noi, {changed} modificați, {unchanged} neschimbați. Arhive: {archives_new} noi, {archives_present} deja în cloud."
        )
    },
    column_city: "Oraș",
    column_institution: "Instituție",
    column_status: "Stare",
    column_new: "Noi",
    column_changed: "Modificați",
    column_unchanged: "Neschimbați",
    status_new: "nou",
    status_changed: "modificări",
    status_unchanged: "neschimbat",
    score_change: |who, old, new| format!("{who}: {old} → {new}"),
    fields_change: |who| format!("{who}: detalii modificate"),
    new_employee: |who, points| format!("{who}: nou, {points} puncte"),
    archives_title: "Arhive",
    archive_new: "nouă",
    archive_present: "deja în cloud",
    archive_after_reset: "după reset",
    problems_title: "Probleme",
    problems_hint: "Aceste fișiere sunt lăsate deoparte; restul poate fi importat.",
    problem_kind,
    skipped_title: "Sărite",
    invites_title: "Conturi din users_permissions.json",
    invites_hint: "Conturile bifate primesc aceste roluri la prima conectare cu Discord; până atunci apar ca invitate în Membri.",
    invite_global: |role| format!("rol global: {role}"),
    invite_admin_owner_only: "doar un proprietar poate invita un administrator",
    confirm: |files| format!("Importă ({files} fișiere)"),
    confirm_without_problems: |files, problems| {
        format!("Importă {files} fișiere, fără cele {problems} cu probleme")
    },
    nothing_to_import: "Nimic de importat: cloud-ul are deja tot.",
    uploading: |done, total| format!("Se salvează arhivele: {done} din {total}"),
    importing: "Se scriu datele într-o singură tranzacție…",
    result_changed: "Importat.",
    result_unchanged: "Nimic schimbat: cloud-ul avea deja tot.",
    result_counts,
    error_upload: |key| format!("Arhiva {key} nu a putut fi salvată; nu s-a importat nimic."),
    error_archive_taken: |key| {
        format!("Cloud-ul are deja alt fișier cu numele {key}; nu s-a importat nimic.")
    },
    error_stale: "Cineva a modificat datele după previzualizare; nu s-a importat nimic. Previzualizarea a fost actualizată: verific-o și importă din nou.",
    error_import: "Importul a eșuat; nu s-a importat nimic.",
    start_again: "Importă alt folder",
};
