//! The app cannot reach its Supabase project: say exactly what is wrong and how to fix it, and
//! let the user enter the project here. Never a blank page.

use leptos::prelude::*;

use crate::browser;
use crate::components::icon::{Icon, IconName};
use crate::components::language_picker::LanguagePicker;
use crate::config::{self, ConfigProblem};
use crate::i18n::{Texts, config_problem, error_message, schedule_problem, use_i18n};

fn describe(t: &Texts, problem: &ConfigProblem) -> String {
    match problem {
        ConfigProblem::FileMissing { url } => (t.config_missing)(url),
        ConfigProblem::FileUnreachable { url, error } => {
            (t.config_unreachable)(url, &error_message(t, error))
        }
        ConfigProblem::FileInvalid { url, error } => {
            (t.config_invalid_file)(url, &config_problem(t, error))
        }
        ConfigProblem::OverrideInvalid { error } => {
            (t.config_invalid_override)(&config_problem(t, error))
        }
        ConfigProblem::ScheduleInvalid { url, error } => {
            (t.config_invalid_file)(url, &schedule_problem(t, error))
        }
    }
}

#[component]
pub fn ConfigProblemPage(problem: ConfigProblem) -> impl IntoView {
    let i18n = use_i18n();
    let is_override = matches!(problem, ConfigProblem::OverrideInvalid { .. });
    let text = move || describe(i18n.texts(), &problem);
    view! {
        <main class="login-page">
            <section class="login-card config-card" data-testid="config-problem">
                <h1><Icon name=IconName::Settings /> {move || i18n.texts().config_title}</h1>
                <p class="field-error" role="alert" data-testid="config-error">{text}</p>
                <p>{move || i18n.texts().config_how_to_fix}</p>
                <h2>{move || i18n.texts().config_example_heading}</h2>
                <pre class="code">
                    "{\n  \"supabaseUrl\": \"https://<project>.supabase.co\",\n  \"supabaseAnonKey\": \"<anon key>\"\n}"
                </pre>
                <ConfigForm />
                <Show when=move || is_override>
                    <button class="button" data-testid="config-clear" on:click=move |_| {
                        config::clear_override();
                        browser::reload();
                    }>
                        {move || i18n.texts().config_clear_override}
                    </button>
                </Show>
                <LanguagePicker />
            </section>
        </main>
    }
}

/// The Supabase URL and anon key, validated (a service_role key is refused) and kept in this
/// browser; the app reloads to use them.
#[component]
pub fn ConfigForm(
    #[prop(optional, into)] url: String,
    #[prop(optional, into)] key: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let url = RwSignal::new(url);
    let key = RwSignal::new(key);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let save = move || match config::save_override(&url.get_untracked(), &key.get_untracked()) {
        Ok(()) => {
            error.set(None);
            saved.set(true);
            browser::reload();
        }
        Err(problem) => error.set(Some(config_problem(i18n.texts(), &problem))),
    };
    view! {
        // Our validation explains more than the browser's: `novalidate`.
        <form class="form-grid" novalidate=true on:submit=move |event| {
            event.prevent_default();
            save();
        }>
            <label class="field">
                <span>{move || i18n.texts().config_url_label}</span>
                <input type="url" data-testid="config-url" placeholder="https://<project>.supabase.co"
                    prop:value=move || url.get()
                    on:input:target=move |event| url.set(event.target().value()) />
            </label>
            <label class="field">
                <span>{move || i18n.texts().config_key_label}</span>
                <input type="text" data-testid="config-key" autocomplete="off" spellcheck="false"
                    prop:value=move || key.get()
                    on:input:target=move |event| key.set(event.target().value()) />
                <small class="hint">{move || i18n.texts().config_key_hint}</small>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert" data-testid="config-form-error">{move || error.get()}</p>
            </Show>
            <Show when=move || saved.get()>
                <p class="notice">{move || i18n.texts().config_saved_reloading}</p>
            </Show>
            <button type="submit" class="button button-primary" data-testid="config-save">
                {move || i18n.texts().config_save_override}
            </button>
        </form>
    }
}
