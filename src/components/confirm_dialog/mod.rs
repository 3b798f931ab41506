//! "Are you sure?" for destructive actions: a message, Cancel, and a confirm button that shows
//! the work in progress and cannot be pressed twice.

use leptos::prelude::*;

use crate::components::modal::Modal;
use crate::i18n::use_i18n;

#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    /// Runs the action; the dialog shows it as busy until the caller closes it.
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(into, optional)] busy: Signal<bool>,
    #[prop(optional)] danger: bool,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] confirm_testid: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Modal title on_close=on_cancel testid=testid.unwrap_or("confirm-dialog")>
            <p class="confirm-message">{move || message.get()}</p>
            <div class="dialog-actions">
                <button class="button" on:click=move |_| on_cancel.run(()) disabled=move || busy.get()>
                    {move || i18n.texts().cancel}
                </button>
                <button
                    class=if danger { "button button-danger" } else { "button button-primary" }
                    data-testid=confirm_testid
                    disabled=move || busy.get()
                    on:click=move |_| on_confirm.run(())
                >
                    {move || if busy.get() { i18n.texts().working.to_string() } else { confirm_label.get() }}
                </button>
            </div>
        </Modal>
    }
}
