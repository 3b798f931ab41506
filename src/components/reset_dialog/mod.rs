//! "RESET PUNCTAJ": says what will happen and asks for the institution's name to be typed,
//! so that a reset is never one careless click (the legacy app saw eight in 26 minutes).

use leptos::prelude::*;

use crate::components::dialog_actions::{DialogActions, SubmitStyle};
use crate::components::modal::Modal;
use crate::i18n::use_i18n;
use crate::sync::ResetStage;

#[component]
pub fn ResetDialog(
    #[prop(into)] institution_name: String,
    employee_count: usize,
    total_points: i64,
    /// The reset's progress, once confirmed.
    #[prop(into)]
    stage: Signal<Option<ResetStage>>,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let expected = StoredValue::new(institution_name.clone());
    let matches = move || typed.with(|typed| expected.with_value(|name| typed.trim() == name));
    let busy = move || stage.get().is_some();
    let explain = {
        let name = institution_name.clone();
        move || (i18n.texts().reset_explain)(&name, employee_count, total_points)
    };
    let prompt = {
        let name = institution_name.clone();
        move || (i18n.texts().reset_type_name)(&name)
    };
    let title = Signal::derive(move || i18n.texts().reset_title.to_string());
    // Once confirmed, the reset runs to its end: no Escape, no Cancel.
    let close = Callback::new(move |()| {
        if !busy() {
            on_close.run(());
        }
    });
    view! {
        <Modal title on_close=close testid="reset-dialog">
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    if matches() && !busy() {
                        on_confirm.run(());
                    }
                }
            >
                <p class="danger-text">{explain}</p>
                <label class="field">
                    <span>{prompt}</span>
                    <input
                        type="text"
                        autocomplete="off"
                        data-testid="reset-confirm-input"
                        prop:value=move || typed.get()
                        on:input:target=move |event| typed.set(event.target().value())
                        disabled=busy
                    />
                </label>
                <Show when=busy>
                    <p class="progress-text" aria-live="polite">
                        {move || {
                            let t = i18n.texts();
                            match stage.get() {
                                Some(ResetStage::Uploading) => t.reset_uploading,
                                Some(ResetStage::Resetting) => t.reset_resetting,
                                None => "",
                            }
                        }}
                    </p>
                </Show>
                <DialogActions
                    label=|t| t.reset_confirm
                    submit_testid="reset-confirm"
                    busy=Signal::derive(busy)
                    blocked=Signal::derive(move || !matches())
                    on_cancel=on_close
                    style=SubmitStyle::Danger
                />
            </form>
        </Modal>
    }
}
