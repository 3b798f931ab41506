//! A modal dialog. It is rendered inside the part of the page that the sync lock makes inert, so
//! an open dialog keeps what was typed in it but cannot be used while the UI is locked.

use leptos::{ev, html, prelude::*};

#[component]
pub fn Modal(
    #[prop(into)] title: Signal<String>,
    /// Escape and the close button call it.
    on_close: Callback<()>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Div>::new();
    // Focus moves into the dialog so that keyboard users land in it.
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.focus();
        }
    });
    let on_keydown = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.stop_propagation();
            on_close.run(());
        }
    };
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
                on:keydown=on_keydown
            >
                <header class="modal-header">
                    <h2>{move || title.get()}</h2>
                    <button class="icon-button" aria-label="×" on:click=move |_| on_close.run(())>
                        "×"
                    </button>
                </header>
                <div class="modal-body">{children()}</div>
            </div>
        </div>
    }
}
