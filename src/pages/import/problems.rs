//! The problems and skipped files of a preview: a translated category first, then the detail in
//! the file's own terms (which row, which value), so nobody has to guess what to fix.

use leptos::prelude::*;
use punctaj_core::legacy::LegacyError;
use punctaj_core::legacy::problem::{Problem, Reason, Skipped};
use punctaj_core::legacy::zip::ZipProblem;

use crate::i18n::import::ProblemKind;
use crate::i18n::use_i18n;

/// The category a user reads first.
pub fn problem_kind(reason: &Reason) -> ProblemKind {
    match reason {
        Reason::FileTooLarge { .. } => ProblemKind::TooLarge,
        Reason::InvalidJson(_) => ProblemKind::InvalidJson,
        Reason::UnknownFormat | Reason::LooseInstitution => ProblemKind::UnknownFormat,
        Reason::NotText => ProblemKind::NotText,
        Reason::BadPath(_) | Reason::InvalidName { .. } => ProblemKind::BadPath,
        Reason::Zip(
            ZipProblem::Bomb | ZipProblem::EntryTooLarge(_) | ZipProblem::TooLargeInTotal,
        )
        | Reason::Zip(ZipProblem::OverlappingEntries) => ProblemKind::ZipBomb,
        Reason::Zip(ZipProblem::BadName(_)) => ProblemKind::BadPath,
        Reason::Zip(_) => ProblemKind::BadZip,
        Reason::Institution(error) => match error {
            LegacyError::Json(_) => ProblemKind::InvalidJson,
            LegacyError::Points { .. } => ProblemKind::BadPoints,
            LegacyError::Rank { .. }
            | LegacyError::RankOutOfLadder { .. }
            | LegacyError::RankTooHigh { .. } => ProblemKind::BadRank,
            LegacyError::RankWithoutRole { .. } => ProblemKind::RankWithoutRole,
            LegacyError::Timestamp { .. } => ProblemKind::BadTime,
            LegacyError::DuplicateEmployee { .. } => ProblemKind::DuplicateEmployee,
            LegacyError::NoKeyColumn | LegacyError::MissingKey { .. } => ProblemKind::NoEmployeeKey,
            _ => ProblemKind::UnknownFormat,
        },
        Reason::DuplicateInstitution { .. } | Reason::CloudDuplicateEmployee { .. } => {
            ProblemKind::DuplicateEmployee
        }
        Reason::Archive(_) | Reason::ArchiveDuplicate { .. } => ProblemKind::ArchiveMismatch,
        Reason::ArchiveConflict { .. } => ProblemKind::ArchiveConflict,
        Reason::TimeNotInZone { .. } => ProblemKind::BadTime,
        Reason::LadderDropsRank { .. } => ProblemKind::BadRank,
        _ => ProblemKind::Other,
    }
}

#[component]
pub fn ProblemList(problems: Vec<Problem>) -> impl IntoView {
    let i18n = use_i18n();
    if problems.is_empty() {
        return ().into_any();
    }
    view! {
        <h2>{move || i18n.texts().import.problems_title}</h2>
        <p class="hint">{move || i18n.texts().import.problems_hint}</p>
        <ul class="import-problems">
            {problems.into_iter().map(|problem| {
                let kind = problem_kind(&problem.reason);
                let detail = problem.reason.to_string();
                view! {
                    <li data-testid="import-problem" data-path=problem.path.clone()
                        data-left-out=problem.left_out.then_some("true")>
                        <span class="import-path">{problem.path.clone()}</span>
                        ": " <strong>{move || (i18n.texts().import.problem_kind)(kind)}</strong>
                        <span class="hint">" — " {detail}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn SkippedList(skipped: Vec<Skipped>) -> impl IntoView {
    let i18n = use_i18n();
    if skipped.is_empty() {
        return ().into_any();
    }
    let count = skipped.len();
    view! {
        <details class="import-skipped">
            <summary>{move || format!("{} ({count})", i18n.texts().import.skipped_title)}</summary>
            <ul>
                {skipped.iter().map(|file| view! {
                    <li data-testid="import-skipped" data-path=file.path.clone()>
                        <span class="import-path">{file.path.clone()}</span>
                        <span class="hint">" — " {file.why.to_string()}</span>
                    </li>
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}
