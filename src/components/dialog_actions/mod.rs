//! The footer of every form dialog: Cancel, and the submit button that shows the work in
//! progress and cannot be pressed twice.

use leptos::prelude::*;

use crate::i18n::{Texts, use_i18n};

/// How the submit button looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubmitStyle {
    #[default]
    Primary,
    Danger,
}

#[component]
pub fn DialogActions(
    /// The submit button's label (from the texts).
    label: fn(&Texts) -> &'static str,
    submit_testid: &'static str,
    /// A submission is on its way: both buttons wait.
    #[prop(into, optional)]
    busy: Signal<bool>,
    /// The form is not ready to submit.
    #[prop(into, optional)]
    blocked: Signal<bool>,
    on_cancel: Callback<()>,
    #[prop(optional)] style: SubmitStyle,
) -> impl IntoView {
    let i18n = use_i18n();
    let class = match style {
        SubmitStyle::Primary => "button button-primary",
        SubmitStyle::Danger => "button button-danger",
    };
    view! {
        <div class="dialog-actions">
            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| on_cancel.run(())>
                {move || i18n.texts().cancel}
            </button>
            <button
                type="submit"
                class=class
                data-testid=submit_testid
                disabled=move || busy.get() || blocked.get()
            >
                {move || {
                    let t = i18n.texts();
                    if busy.get() { t.working } else { label(t) }
                }}
            </button>
        </div>
    }
}
