//! The preview of an import: the figures, then per city and institution what is new, what
//! changes (old → new score) and what stays; the archives; the accounts offered as invitations.

use std::collections::BTreeSet;

use leptos::prelude::*;
use punctaj_core::legacy::plan::ImportPlan;
use punctaj_core::legacy::preview::{
    ArchiveStatus, EmployeeChange, InviteOffer, ScopePreview, Status,
};

use punctaj_core::permissions::GlobalRole;

use crate::i18n::use_i18n;

/// Counts of a preview, also written on the preview as data attributes (tests and people read
/// the same figures).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub new_employees: usize,
    pub changed_employees: usize,
    pub unchanged_employees: usize,
    pub new_archives: usize,
    pub present_archives: usize,
}

impl Figures {
    pub fn of(plan: &ImportPlan) -> Self {
        let mut figures = Self::default();
        for employee in plan.scopes.iter().flat_map(|scope| &scope.employees) {
            match employee.change {
                EmployeeChange::New { .. } => figures.new_employees += 1,
                EmployeeChange::Changed { .. } => figures.changed_employees += 1,
                EmployeeChange::Unchanged { .. } => figures.unchanged_employees += 1,
            }
        }
        for archive in &plan.archives {
            match archive.status {
                ArchiveStatus::New => figures.new_archives += 1,
                ArchiveStatus::AlreadyPresent => figures.present_archives += 1,
                ArchiveStatus::Conflicting => {}
            }
        }
        figures
    }
}

fn status_code(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::Changed => "changed",
        Status::Unchanged => "unchanged",
    }
}

#[component]
pub fn ImportPreview(
    plan: std::sync::Arc<ImportPlan>,
    /// Discord ids of the offered accounts the admin unticked.
    declined: RwSignal<BTreeSet<String>>,
    /// Only owners may invite administrators.
    #[prop(into)]
    may_invite_admins: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let figures = Figures::of(&plan);
    let summary = move || {
        (i18n.texts().import.preview_summary)(
            figures.new_employees,
            figures.changed_employees,
            figures.unchanged_employees,
            figures.new_archives,
            figures.present_archives,
        )
    };
    view! {
        <section
            class="import-preview"
            data-testid="import-preview"
            data-new-employees=figures.new_employees
            data-changed-employees=figures.changed_employees
            data-unchanged-employees=figures.unchanged_employees
            data-new-archives=figures.new_archives
            data-present-archives=figures.present_archives
            data-problems=plan.problems.len()
            data-skipped=plan.skipped.len()
        >
            <h2>{move || i18n.texts().import.preview_title}</h2>
            <p data-testid="import-summary">{summary}</p>
            <ScopeTable scopes=plan.scopes.clone() />
            <ArchiveTable plan=plan.clone() />
            <InviteList offers=plan.invites.clone() declined may_invite_admins />
            <super::problems::ProblemList problems=plan.problems.clone() />
            <super::problems::SkippedList skipped=plan.skipped.clone() />
        </section>
    }
}

#[component]
fn ScopeTable(scopes: Vec<ScopePreview>) -> impl IntoView {
    let i18n = use_i18n();
    if scopes.is_empty() {
        return ().into_any();
    }
    view! {
        <table class="import-table">
            <thead>
                <tr>
                    <th scope="col">{move || i18n.texts().import.column_city}</th>
                    <th scope="col">{move || i18n.texts().import.column_institution}</th>
                    <th scope="col">{move || i18n.texts().import.column_status}</th>
                    <th scope="col">{move || i18n.texts().import.column_new}</th>
                    <th scope="col">{move || i18n.texts().import.column_changed}</th>
                    <th scope="col">{move || i18n.texts().import.column_unchanged}</th>
                </tr>
            </thead>
            <tbody>
                {scopes.into_iter().map(|scope| view! { <ScopeRow scope /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ScopeRow(scope: ScopePreview) -> impl IntoView {
    let i18n = use_i18n();
    let count = |wanted: fn(&EmployeeChange) -> bool| {
        scope
            .employees
            .iter()
            .filter(|employee| wanted(&employee.change))
            .count()
    };
    let new = count(|change| matches!(change, EmployeeChange::New { .. }));
    let changed = count(|change| matches!(change, EmployeeChange::Changed { .. }));
    let unchanged = count(|change| matches!(change, EmployeeChange::Unchanged { .. }));
    let status = scope.status;
    let status_text = move || {
        let t = i18n.texts().import;
        match status {
            Status::New => t.status_new,
            Status::Changed => t.status_changed,
            Status::Unchanged => t.status_unchanged,
        }
    };
    let changes: Vec<_> = scope
        .employees
        .iter()
        .filter(|employee| !matches!(employee.change, EmployeeChange::Unchanged { .. }))
        .cloned()
        .collect();
    view! {
        <tr
            data-testid="import-scope"
            data-city=scope.city.clone()
            data-institution=scope.institution.clone()
            data-status=status_code(status)
            data-new=new
            data-changed=changed
            data-unchanged=unchanged
        >
            <td>{scope.city.clone()}</td>
            <td>
                {scope.institution.clone()}
                <div class="hint import-path">{scope.path.clone()}</div>
            </td>
            <td class=format!("import-status-{}", status_code(status))>{status_text}</td>
            <td class="number">{new}</td>
            <td class="number">
                {changed}
                <Show when={
                    let any = !changes.is_empty();
                    move || any
                }>
                    <ul class="import-changes">
                        {changes.iter().map(|employee| {
                            let key = employee.key.clone();
                            let change = employee.change.clone();
                            view! {
                                <li data-testid="import-change" data-key=employee.key.clone()>
                                    {move || {
                                        let t = i18n.texts().import;
                                        match &change {
                                            EmployeeChange::New { punctaj } => (t.new_employee)(&key, i64::from(*punctaj)),
                                            EmployeeChange::Changed { old_punctaj, new_punctaj, .. } if old_punctaj != new_punctaj => {
                                                (t.score_change)(&key, i64::from(*old_punctaj), i64::from(*new_punctaj))
                                            }
                                            _ => (t.fields_change)(&key),
                                        }
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </Show>
            </td>
            <td class="number">{unchanged}</td>
        </tr>
    }
}

#[component]
fn ArchiveTable(plan: std::sync::Arc<ImportPlan>) -> impl IntoView {
    let i18n = use_i18n();
    if plan.archives.is_empty() {
        return ().into_any();
    }
    let archives = plan.archives.clone();
    view! {
        <details class="import-archives">
            <summary>{move || format!("{} ({})", i18n.texts().import.archives_title, archives.len())}</summary>
            <table class="import-table">
                <tbody>
                    {plan.archives.iter().map(|archive| {
                        let status = archive.status;
                        let after_reset = archive.after_reset;
                        view! {
                            <tr data-testid="import-archive" data-object=archive.object_path.clone()
                                data-status=match status {
                                    ArchiveStatus::New => "new",
                                    ArchiveStatus::AlreadyPresent => "present",
                                    ArchiveStatus::Conflicting => "conflicting",
                                }>
                                <td>{format!("{} / {}", archive.city, archive.institution)}</td>
                                <td>{crate::browser::format_local(archive.archived_at)}</td>
                                <td class="number">{archive.employee_count}</td>
                                <td>
                                    {move || match status {
                                        ArchiveStatus::New => i18n.texts().import.archive_new,
                                        _ => i18n.texts().import.archive_present,
                                    }}
                                    <Show when=move || after_reset>
                                        " " <span class="badge">{move || i18n.texts().import.archive_after_reset}</span>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
    .into_any()
}

#[component]
fn InviteList(
    offers: Vec<InviteOffer>,
    declined: RwSignal<BTreeSet<String>>,
    may_invite_admins: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    if offers.is_empty() {
        return ().into_any();
    }
    view! {
        <h2>{move || i18n.texts().import.invites_title}</h2>
        <p class="hint">{move || i18n.texts().import.invites_hint}</p>
        <ul class="import-invites">
            {offers.into_iter().map(|offer| {
                let id = offer.discord_id.clone();
                let refused = {
                    let admin = offer.global_role == Some(GlobalRole::Admin);
                    move || admin && !may_invite_admins.get()
                };
                let checked = {
                    let id = id.clone();
                    move || !refused() && !declined.with(|declined| declined.contains(&id))
                };
                let toggle = {
                    let id = id.clone();
                    move |event: leptos::ev::Event| {
                        let accept = event_target_checked(&event);
                        declined.update(|declined| {
                            if accept {
                                declined.remove(&id);
                            } else {
                                declined.insert(id.clone());
                            }
                        });
                    }
                };
                let roles = move || {
                    let t = i18n.texts();
                    let mut parts: Vec<String> = offer
                        .global_role
                        .iter()
                        .map(|role| (t.import.invite_global)(&(t.role_name)(role.as_sql_name())))
                        .collect();
                    parts.extend(offer.institutions.iter().filter(|grant| grant.known).map(|grant| {
                        format!("{} / {}: {}", grant.city, grant.institution, (t.role_name)(grant.role.as_sql_name()))
                    }));
                    parts.join("; ")
                };
                view! {
                    <li data-testid="import-invite" data-discord-id=id.clone()>
                        <label>
                            <input type="checkbox" prop:checked=checked on:change=toggle disabled=refused />
                            " " <strong>{offer.username.clone()}</strong>
                            <span class="hint">{format!(" (Discord {id}) — ")} {roles}</span>
                        </label>
                        <Show when=refused>
                            <span class="hint">" — " {move || i18n.texts().import.invite_admin_owner_only}</span>
                        </Show>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
