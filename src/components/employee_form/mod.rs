//! Adding or editing a member: one field per custom column, the rank from the institution's
//! ladder (ROLE follows it and is never typed), and the points.

use std::collections::BTreeMap;

use leptos::prelude::*;
use punctaj_core::model::{Employee, Institution, is_fixed_column};

use crate::components::dialog_actions::DialogActions;
use crate::components::modal::Modal;
use crate::i18n::use_i18n;

/// What the form produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeDraft {
    pub rank: i32,
    pub fields: BTreeMap<String, String>,
    pub punctaj: i32,
}

#[component]
pub fn EmployeeForm(
    #[prop(into)] institution: Signal<Institution>,
    /// The member being edited; a new member when absent.
    #[prop(optional)]
    employee: Option<Employee>,
    #[prop(into, optional)] busy: Signal<bool>,
    on_submit: Callback<EmployeeDraft>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = employee.is_some();
    let custom_columns: Vec<String> = institution.with_untracked(|institution| {
        institution
            .columns
            .iter()
            .filter(|column| !is_fixed_column(column))
            .cloned()
            .collect()
    });
    let values: Vec<(String, RwSignal<String>)> = custom_columns
        .iter()
        .map(|column| {
            let initial = employee
                .as_ref()
                .and_then(|employee| employee.fields.get(column).cloned())
                .unwrap_or_default();
            (column.clone(), RwSignal::new(initial))
        })
        .collect();
    let rank = RwSignal::new(employee.as_ref().map(|e| e.rank).unwrap_or(1));
    let points = RwSignal::new(
        employee
            .as_ref()
            .map(|e| e.punctaj)
            .unwrap_or(0)
            .to_string(),
    );
    let error = RwSignal::new(None::<&'static str>);

    let role = move || {
        institution.with(|institution| institution.role(rank.get()).unwrap_or("").to_string())
    };
    let ranks = move || {
        institution.with(|institution| {
            institution
                .ranks
                .iter()
                .enumerate()
                .map(|(index, role)| (index as i32 + 1, role.clone()))
                .collect::<Vec<_>>()
        })
    };

    let field_values = values.clone();
    let submit = move || {
        let t = i18n.texts();
        let fields: BTreeMap<String, String> = field_values
            .iter()
            .map(|(column, value)| (column.clone(), value.get_untracked().trim().to_string()))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        if fields.is_empty() && !field_values.is_empty() {
            error.set(Some(t.employee_needs_a_value));
            return;
        }
        let Some(punctaj) = points
            .get_untracked()
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|points| *points >= 0)
        else {
            error.set(Some(t.employee_points_invalid));
            return;
        };
        error.set(None);
        on_submit.run(EmployeeDraft {
            rank: rank.get_untracked(),
            fields,
            punctaj,
        });
    };

    let title = Signal::derive(move || {
        let t = i18n.texts();
        if editing {
            t.employee_edit_title
        } else {
            t.employee_add_title
        }
        .to_string()
    });

    view! {
        <Modal title on_close testid="employee-form">
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                {values
                    .into_iter()
                    .map(|(column, value)| {
                        view! {
                            <label class="field">
                                <span>{column.clone()}</span>
                                <input
                                    type="text"
                                    maxlength="200"
                                    data-testid="employee-field"
                                    data-column=column
                                    prop:value=move || value.get()
                                    on:input:target=move |event| value.set(event.target().value())
                                />
                            </label>
                        }
                    })
                    .collect_view()}
                <label class="field">
                    <span>{move || i18n.texts().employee_rank}</span>
                    <select
                        data-testid="employee-rank"
                        on:change:target=move |event| {
                            if let Ok(value) = event.target().value().parse() {
                                rank.set(value);
                            }
                        }
                    >
                        {move || {
                            ranks()
                                .into_iter()
                                .map(|(number, role)| {
                                    view! {
                                        <option
                                            value=number.to_string()
                                            selected=move || rank.get() == number
                                        >
                                            {format!("{number} — {role}")}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.texts().employee_role}</span>
                    <input type="text" readonly=true data-testid="employee-role" prop:value=role tabindex="-1" />
                </label>
                <label class="field">
                    <span>{move || i18n.texts().employee_points}</span>
                    <input
                        type="number"
                        min="0"
                        step="1"
                        data-testid="employee-points-input"
                        prop:value=move || points.get()
                        on:input:target=move |event| points.set(event.target().value())
                    />
                </label>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                </Show>
                <DialogActions label=|t| t.save submit_testid="employee-save" busy on_cancel=on_close />
            </form>
        </Modal>
    }
}
