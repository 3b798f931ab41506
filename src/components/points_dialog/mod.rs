//! "Adaugă punctaj" / "Scade punctaj": an amount (a whole number above 0, validated by
//! `punctaj_core::points`), a checklist of members with "select all", a preview of each new
//! score (subtraction stops at 0), and one confirm that sends everything as ONE atomic change.

use std::collections::BTreeSet;

use leptos::prelude::*;
use punctaj_core::model::{Employee, FIXED_COLUMNS, Institution};
use punctaj_core::points::{apply_delta, parse_points_amount};
use punctaj_core::table::{SortOrder, sort_employees};

use crate::components::dialog_actions::DialogActions;
use crate::components::modal::Modal;
use crate::i18n::{points_amount_error, use_i18n};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointsMode {
    Add,
    Subtract,
}

impl PointsMode {
    /// The signed change for an amount.
    pub fn delta(self, amount: u32) -> i32 {
        let amount = i32::try_from(amount).unwrap_or(i32::MAX);
        match self {
            PointsMode::Add => amount,
            PointsMode::Subtract => -amount,
        }
    }
}

/// What the user confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointsChange {
    pub amount: u32,
    pub delta: i32,
    pub employee_ids: Vec<String>,
}

/// How a member is named in the checklist: the first custom columns (DISCORD, NUME IC…).
fn member_label(employee: &Employee, institution: &Institution) -> String {
    let parts: Vec<&str> = institution
        .columns
        .iter()
        .filter(|column| !FIXED_COLUMNS.contains(&column.as_str()))
        .filter_map(|column| employee.fields.get(column).map(String::as_str))
        .filter(|value| !value.trim().is_empty())
        .take(2)
        .collect();
    if parts.is_empty() {
        employee.id.chars().take(8).collect()
    } else {
        parts.join(" · ")
    }
}

#[component]
pub fn PointsDialog(
    mode: PointsMode,
    #[prop(into)] institution: Signal<Institution>,
    #[prop(into)] employees: Signal<Vec<Employee>>,
    /// Ticked when the dialog opens (the table's selection).
    #[prop(optional)]
    initially_selected: BTreeSet<String>,
    #[prop(into, optional)] busy: Signal<bool>,
    on_submit: Callback<PointsChange>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let amount_text = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let selected = RwSignal::new(initially_selected);

    let amount = Memo::new(move |_| parse_points_amount(&amount_text.get()));
    let members = Memo::new(move |_| {
        institution.with(|institution| {
            employees.with(|employees| {
                let mut sorted: Vec<&Employee> = employees.iter().collect();
                sort_employees(&mut sorted, institution, &SortOrder::default());
                sorted
                    .into_iter()
                    .map(|employee| {
                        (
                            employee.id.clone(),
                            member_label(employee, institution),
                            employee.punctaj,
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let all_selected = move || {
        members.with(|members| {
            !members.is_empty()
                && selected.with(|selected| members.iter().all(|(id, _, _)| selected.contains(id)))
        })
    };
    let toggle_all = move |_| {
        let select = !all_selected();
        let ids: Vec<String> =
            members.with(|members| members.iter().map(|m| m.0.clone()).collect());
        selected.update(|selected| {
            if select {
                selected.extend(ids);
            } else {
                selected.clear();
            }
        });
    };
    let amount_error = move || {
        let t = i18n.texts();
        match amount.get() {
            Err(error) if touched.get() => Some(points_amount_error(t, &error)),
            _ => None,
        }
    };
    // What a score becomes with the typed amount (subtraction stops at 0).
    let after_change = Signal::derive(move || amount.get().ok().map(|amount| mode.delta(amount)));
    let count = move || selected.with(BTreeSet::len);
    let ready = move || amount.with(Result::is_ok) && count() > 0 && !busy.get();
    let preview = move || {
        let t = i18n.texts();
        match amount.get() {
            Ok(amount) if count() > 0 => Some(match mode {
                PointsMode::Add => (t.points_preview_add)(amount, count()),
                PointsMode::Subtract => (t.points_preview_subtract)(amount, count()),
            }),
            Ok(_) => Some(t.points_choose_members.to_string()),
            Err(_) => None,
        }
    };
    let submit = move || {
        touched.set(true);
        if let Ok(amount) = amount.get_untracked()
            && ready()
        {
            let ids: Vec<String> = members.with_untracked(|members| {
                selected.with_untracked(|selected| {
                    members
                        .iter()
                        .filter(|(id, _, _)| selected.contains(id))
                        .map(|(id, _, _)| id.clone())
                        .collect()
                })
            });
            on_submit.run(PointsChange {
                amount,
                delta: mode.delta(amount),
                employee_ids: ids,
            });
        }
    };
    let title = Signal::derive(move || {
        let t = i18n.texts();
        match mode {
            PointsMode::Add => t.points_dialog_add_title.to_string(),
            PointsMode::Subtract => t.points_dialog_subtract_title.to_string(),
        }
    });

    view! {
        <Modal title on_close testid="points-dialog" wide=true>
            <form
                class="points-form"
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                <label class="field">
                    <span>{move || i18n.texts().points_amount}</span>
                    <input
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        data-testid="points-amount"
                        aria-invalid=move || amount_error().is_some().to_string()
                        prop:value=move || amount_text.get()
                        on:input:target=move |event| {
                            amount_text.set(event.target().value());
                            touched.set(true);
                        }
                        on:blur=move |_| touched.set(true)
                    />
                </label>
                <Show when=move || amount_error().is_some()>
                    <p class="field-error" role="alert" data-testid="points-amount-error">
                        {amount_error}
                    </p>
                </Show>
                <fieldset class="member-list">
                    <legend>{move || i18n.texts().points_members}</legend>
                    <label class="member select-all">
                        <input
                            type="checkbox"
                            data-testid="points-select-all"
                            prop:checked=all_selected
                            on:change=toggle_all
                        />
                        <span>{move || i18n.texts().points_select_all}</span>
                    </label>
                    <For each=move || members.get() key=|member| member.clone() let((id, label, points))>
                        <MemberChoice id label points selected after=after_change />
                    </For>
                </fieldset>
                <p class="points-preview" aria-live="polite">{preview}</p>
                <DialogActions
                    label=|t| t.confirm
                    submit_testid="points-confirm"
                    busy
                    blocked=Signal::derive(move || !ready())
                    on_cancel=on_close
                />
            </form>
        </Modal>
    }
}

/// One member in the checklist: ticked or not, and the score before → after when ticked.
#[component]
fn MemberChoice(
    id: String,
    label: String,
    points: i32,
    selected: RwSignal<BTreeSet<String>>,
    /// The signed change the typed amount makes, if it is valid.
    #[prop(into)]
    after: Signal<Option<i32>>,
) -> impl IntoView {
    let key = StoredValue::new(id.clone());
    let is_selected = move || selected.with(|s| key.with_value(|id| s.contains(id)));
    let toggle = move |_| {
        let id = key.get_value();
        selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        })
    };
    let preview = move || {
        after
            .get()
            .filter(|_| is_selected())
            .map(|delta| format!(" → {}", apply_delta(points, delta)))
    };
    view! {
        <label class="member" class:selected=is_selected>
            <input
                type="checkbox"
                data-testid="points-member"
                data-employee-id=id
                prop:checked=is_selected
                on:change=toggle
            />
            <span class="member-name">{label}</span>
            <span class="member-points" data-testid="points-preview">
                {points}
                {preview}
            </span>
        </label>
    }
}
