//! "Are you sure?" for destructive actions: a message, Cancel, and a confirm button that shows
//! the work in progress and cannot be pressed twice.

use leptos::prelude::*;

use crate::components::dialog_actions::{DialogActions, SubmitStyle};
use crate::components::modal::Modal;
use crate::i18n::Texts;

#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    confirm_label: fn(&Texts) -> &'static str,
    /// Runs the action; the dialog shows it as busy until the caller closes it.
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(into, optional)] busy: Signal<bool>,
    #[prop(optional)] danger: bool,
    #[prop(optional)] testid: Option<&'static str>,
    confirm_testid: &'static str,
) -> impl IntoView {
    let style = if danger {
        SubmitStyle::Danger
    } else {
        SubmitStyle::Primary
    };
    view! {
        <Modal title on_close=on_cancel testid=testid.unwrap_or("confirm-dialog")>
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    if !busy.get_untracked() {
                        on_confirm.run(());
                    }
                }
            >
                <p class="confirm-message">{move || message.get()}</p>
                <DialogActions
                    label=confirm_label
                    submit_testid=confirm_testid
                    busy
                    on_cancel
                    style
                />
            </form>
        </Modal>
    }
}
