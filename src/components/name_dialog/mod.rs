//! Asks for one name (a new or renamed city or institution).

use leptos::prelude::*;

use crate::components::dialog_actions::DialogActions;
use crate::components::modal::Modal;
use crate::i18n::use_i18n;

#[component]
pub fn NameDialog(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] initial: String,
    #[prop(into, optional)] busy: Signal<bool>,
    on_submit: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(initial);
    let error = RwSignal::new(false);
    let submit = move || {
        let value = name.get_untracked().trim().to_string();
        if value.is_empty() {
            error.set(true);
        } else {
            error.set(false);
            on_submit.run(value);
        }
    };
    view! {
        <Modal title on_close testid="name-dialog">
            <form
                class="form-grid"
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                <label class="field">
                    <span>{move || label.get()}</span>
                    <input
                        type="text"
                        maxlength="80"
                        data-testid="name-input"
                        prop:value=move || name.get()
                        on:input:target=move |event| name.set(event.target().value())
                    />
                </label>
                <Show when=move || error.get()>
                    <p class="field-error" role="alert">{move || i18n.texts().name_required}</p>
                </Show>
                <DialogActions label=|t| t.save submit_testid="name-save" busy on_cancel=on_close />
            </form>
        </Modal>
    }
}
