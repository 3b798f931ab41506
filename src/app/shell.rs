//! The signed-in app: header, pages and dialogs inside a container that becomes `inert` while
//! the UI is locked, and the lock overlay above it. Runs the sync engine while it lives.

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

use crate::alerts::run_alerts;
use crate::components::conflict_dialog::ConflictDialog;
use crate::components::lock_overlay::LockOverlay;
use crate::edit::EditConflicts;
use crate::i18n::use_i18n;
use crate::pages::archive::ArchivePage;
use crate::pages::audit::AuditPage;
use crate::pages::home::HomePage;
use crate::pages::import::ImportPage;
use crate::pages::members::MembersPage;
use crate::pages::settings::SettingsPage;
use crate::sync::{run_sync, use_sync};

use super::header::Header;

fn is_typing_target(event: &ev::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        })
}

#[component]
pub fn SignedInShell() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    run_sync(sync);
    run_alerts(sync);
    EditConflicts::provide();
    let overlay = sync.overlay_visible;

    // Keyboard: "/" jumps to the search box. While locked there is no shortcut, and the inert
    // content cannot take focus: Tab only reaches the overlay's download button.
    let keys = window_event_listener(ev::keydown, move |event| {
        if overlay.get_untracked() {
            return;
        }
        if event.key() == "/"
            && !is_typing_target(&event)
            && let Some(search) = document()
                .query_selector("[data-testid=search-input]")
                .ok()
                .flatten()
                .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            event.prevent_default();
            let _ = search.focus();
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <div class="app-main" inert=move || overlay.get() aria-hidden=move || overlay.get().then_some("true")>
            <Header />
            <main class="content">
                <Routes fallback=move || view! { <p class="empty">{move || i18n.texts().not_found}</p> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/city/:city") view=HomePage />
                    <Route path=path!("/city/:city/institution/:institution") view=HomePage />
                    <Route path=path!("/archive") view=ArchivePage />
                    <Route path=path!("/audit") view=AuditPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/members") view=MembersPage />
                    <Route path=path!("/import") view=ImportPage />
                </Routes>
            </main>
            <ConflictDialog />
        </div>
        <Show when=move || overlay.get()>
            <LockOverlay />
        </Show>
    }
}
