//! An account that exists but was granted nothing sees this, not data; it turns into the app by
//! itself once an administrator grants access.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::icon::{Icon, IconName};
use crate::i18n::use_i18n;
use crate::session::use_session;

const RECHECK_MS: u32 = 10_000;

#[component]
pub fn PendingPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let recheck = StoredValue::new_local(Some(Interval::new(RECHECK_MS, move || {
        session.reload_access()
    })));
    on_cleanup(move || recheck.update_value(|interval| drop(interval.take())));
    let email = move || {
        session
            .user
            .with(|user| user.as_ref().and_then(|u| u.email.clone()))
            .unwrap_or_default()
    };
    view! {
        <main class="login-page">
            <section class="login-card" data-testid="pending-access">
                <h1><Icon name=IconName::Hourglass /> {move || i18n.texts().pending_title}</h1>
                <p>{move || (i18n.texts().pending_body)(&email())}</p>
                <p class="hint">{move || i18n.texts().pending_hint}</p>
                <button class="button" data-testid="sign-out" on:click=move |_| spawn_local(async move { session.sign_out().await })>
                    {move || i18n.texts().sign_out}
                </button>
            </section>
        </main>
    }
}
