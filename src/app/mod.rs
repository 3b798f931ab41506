//! The app: language and toasts, then the run-time configuration, then the session, then —
//! once the account is known to have access — the signed-in shell with its routes.

mod header;
mod remembered_access;
mod shell;

use leptos::either::EitherOf5;
use leptos::prelude::*;
use leptos_router::components::Router;

use crate::components::toast::{Toaster, provide_toasts};
use crate::config::{self, LoadedConfig};
use crate::i18n::{error_message, provide_i18n, use_i18n};
use crate::pages::config_problem::ConfigProblemPage;
use crate::pages::login::LoginPage;
use crate::pages::pending::PendingPage;
use crate::routes;
use crate::session::{AccessState, provide_session, use_session};
use crate::sync::provide_sync_engine;

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    provide_toasts();
    let i18n = use_i18n();
    let loaded = LocalResource::new(config::load);
    view! {
        <Suspense fallback=move || view! { <p class="splash">{move || i18n.texts().loading}</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(loaded) => view! { <Configured loaded /> }.into_any(),
                    Err(problem) => view! { <ConfigProblemPage problem /> }.into_any(),
                }
            })}
        </Suspense>
        <Toaster />
    }
}

/// Which screen the account sees; a memo, so that the shell is not rebuilt when the grants are
/// re-read unchanged.
#[derive(Clone, Debug, PartialEq)]
enum Gate {
    SignedOut,
    Loading,
    AccessFailed(punctaj_supabase::SupabaseError),
    Pending,
    Granted,
}

#[component]
fn Configured(loaded: LoadedConfig) -> impl IntoView {
    provide_context(loaded.source);
    let session = provide_session(loaded.config);
    let sync = provide_sync_engine(session, loaded.schedule);
    remembered_access::use_remembered_access(session, sync);
    let gate = Memo::new(move |_| {
        let Some(user_id) = session
            .user
            .with(|user| user.as_ref().map(|u| u.id.clone()))
        else {
            return Gate::SignedOut;
        };
        match session.access.get() {
            AccessState::Loading => Gate::Loading,
            AccessState::Failed(error) if remembered_access::will_fall_back(&user_id, &error) => {
                Gate::Loading
            }
            AccessState::Failed(error) => Gate::AccessFailed(error),
            AccessState::Ready(access) if !access.is_granted() => Gate::Pending,
            AccessState::Ready(_) => Gate::Granted,
        }
    });
    view! {
        <Router base=routes::router_base()>
            {move || match gate.get() {
                Gate::SignedOut => EitherOf5::A(view! { <LoginPage /> }),
                Gate::Loading => EitherOf5::B(view! { <Splash /> }),
                Gate::AccessFailed(error) => EitherOf5::C(view! { <AccessFailed error /> }),
                Gate::Pending => EitherOf5::D(view! { <PendingPage /> }),
                Gate::Granted => EitherOf5::E(view! { <shell::SignedInShell /> }),
            }}
        </Router>
    }
}

#[component]
fn Splash() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="splash">{move || i18n.texts().loading}</p> }
}

#[component]
fn AccessFailed(error: punctaj_supabase::SupabaseError) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let message = move || error_message(i18n.texts(), &error);
    view! {
        <main class="login-page">
            <section class="login-card">
                <h1>{move || i18n.texts().access_load_failed}</h1>
                <p class="field-error" role="alert">{message}</p>
                <div class="dialog-actions">
                    <button class="button" on:click=move |_| leptos::task::spawn_local(async move { session.sign_out().await })>
                        {move || i18n.texts().sign_out}
                    </button>
                    <button class="button button-primary" on:click=move |_| session.reload_access()>
                        {move || i18n.texts().retry}
                    </button>
                </div>
            </section>
        </main>
    }
}
