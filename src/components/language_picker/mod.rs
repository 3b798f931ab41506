//! Română / English.

use leptos::prelude::*;

use crate::i18n::{Lang, use_i18n};

#[component]
pub fn LanguagePicker(
    /// Several pickers may be on screen (header, settings).
    #[prop(default = "language")]
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="language-picker">
            <span class="visually-hidden">{move || i18n.texts().language}</span>
            <select
                data-testid=testid
                on:change:target=move |event| {
                    let code = event.target().value();
                    if let Some(lang) = Lang::ALL.into_iter().find(|lang| lang.code() == code) {
                        i18n.set(lang);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|lang| view! {
                        <option value=lang.code() selected=move || i18n.lang.get() == lang>
                            {lang.native_name()}
                        </option>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
