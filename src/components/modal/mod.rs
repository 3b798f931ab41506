//! A modal dialog. It is rendered inside the part of the page that the sync lock makes inert, so
//! an open dialog keeps what was typed in it but cannot be used while the UI is locked.

use leptos::{ev, html, prelude::*};

use crate::i18n::use_i18n;

#[component]
pub fn Modal(
    #[prop(into)] title: Signal<String>,
    /// Escape and the close button call it.
    on_close: Callback<()>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<html::Div>::new();
    // Focus moves into the dialog so that keyboard users land in it.
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.focus();
        }
    });
    // Escape closes the dialog wherever the focus is: a button that turns busy (disabled) drops
    // the focus to <body>. Not while the app is locked (inert): then nothing behind the lock acts.
    let escape = window_event_listener(ev::keydown, move |event| {
        let usable = dialog
            .get_untracked()
            .is_some_and(|dialog| dialog.closest("[inert]").ok().flatten().is_none());
        if event.key() == "Escape" && usable && !event.default_prevented() {
            event.prevent_default();
            on_close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="modal-backdrop">
            <div
                class=if wide { "modal modal-wide" } else { "modal" }
                role="dialog"
                aria-modal="true"
                aria-label=move || title.get()
                tabindex="-1"
                data-testid=testid
                node_ref=dialog
            >
                <header class="modal-header">
                    <h2>{move || title.get()}</h2>
                    <button
                        class="icon-button"
                        data-testid="modal-close"
                        aria-label=move || i18n.texts().close
                        title=move || i18n.texts().close
                        on:click=move |_| on_close.run(())
                    >
                        "×"
                    </button>
                </header>
                <div class="modal-body">{children()}</div>
            </div>
        </div>
    }
}
