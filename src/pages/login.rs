//! Sign-in: email and password, or "Login with Discord". Also creating an account, which then
//! waits for an administrator to grant access.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::icon::{Icon, IconName};
use crate::i18n::{error_message, use_i18n};
use crate::session::use_session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let signing_up = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let info = RwSignal::new(None::<String>);

    let submit = move || {
        let t = i18n.texts();
        let (address, secret) = (
            email.get_untracked().trim().to_string(),
            password.get_untracked(),
        );
        if address.is_empty() || secret.is_empty() {
            error.set(Some(t.login_need_email_password.to_string()));
            return;
        }
        busy.set(true);
        error.set(None);
        info.set(None);
        let creating = signing_up.get_untracked();
        spawn_local(async move {
            let t = i18n.texts();
            let outcome = if creating {
                session.sign_up(&address, &secret).await.map(|signed_in| {
                    if !signed_in {
                        let _ = info.try_set(Some(t.login_signup_check_email.to_string()));
                    }
                })
            } else {
                session.sign_in(&address, &secret).await
            };
            if let Err(failure) = outcome {
                let _ = error.try_set(Some(error_message(t, &failure)));
            }
            let _ = busy.try_set(false);
        });
    };
    let discord = move |_| {
        if let Err(failure) = session.sign_in_with_discord() {
            error.set(Some(error_message(i18n.texts(), &failure)));
        }
    };
    let shown_error = move || error.get().or_else(|| session.notice_text(i18n.texts()));

    view! {
        <main class="login-page">
            <section class="login-card">
                <h1 class="brand"><Icon name=IconName::Star /> {move || i18n.texts().app_name}</h1>
                <p class="subtitle">{move || i18n.texts().login_subtitle}</p>
                <form
                    class="form-grid"
                    on:submit=move |event| {
                        event.prevent_default();
                        submit();
                    }
                >
                    <label class="field">
                        <span>{move || i18n.texts().login_email}</span>
                        <input
                            type="email"
                            autocomplete="username"
                            data-testid="login-email"
                            prop:value=move || email.get()
                            on:input:target=move |event| email.set(event.target().value())
                        />
                    </label>
                    <label class="field">
                        <span>{move || i18n.texts().login_password}</span>
                        <input
                            type="password"
                            autocomplete=move || if signing_up.get() { "new-password" } else { "current-password" }
                            data-testid="login-password"
                            prop:value=move || password.get()
                            on:input:target=move |event| password.set(event.target().value())
                        />
                    </label>
                    <Show when=move || shown_error().is_some()>
                        <p class="field-error" role="alert" data-testid="login-error">{shown_error}</p>
                    </Show>
                    <Show when=move || info.get().is_some()>
                        <p class="notice" role="status">{move || info.get()}</p>
                    </Show>
                    <button type="submit" class="button button-primary" data-testid="login-submit" disabled=move || busy.get()>
                        {move || {
                            let t = i18n.texts();
                            if busy.get() { t.working } else if signing_up.get() { t.login_signup_submit } else { t.login_submit }
                        }}
                    </button>
                </form>
                <p class="divider">{move || i18n.texts().login_or}</p>
                <button class="button button-discord" data-testid="login-discord" on:click=discord>
                    {move || i18n.texts().login_discord}
                </button>
                <button class="link-button" data-testid="login-toggle-signup" on:click=move |_| {
                    signing_up.update(|s| *s = !*s);
                    error.set(None);
                }>
                    {move || {
                        let t = i18n.texts();
                        if signing_up.get() { t.login_back_to_sign_in } else { t.login_signup_prompt }
                    }}
                </button>
                <crate::components::language_picker::LanguagePicker />
            </section>
        </main>
    }
}
