//! Where the user gives the old app's folder: a folder picker, a picker for loose files and
//! zips, and a drop zone for either.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::use_i18n;
use crate::import::picked_files::{self, PickedFile};

#[component]
pub fn FolderPicker(
    /// Called with everything given at once (a new pick replaces the previous one).
    on_pick: Callback<Vec<PickedFile>>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let dragging = RwSignal::new(false);
    // `webkitdirectory` (folder picking, in every current browser) has no typed attribute.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            let _ = input.set_attribute("webkitdirectory", "");
        }
    });
    let from_input = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        let files = picked_files::from_input(&input);
        // Picking the same folder again must fire `change` again.
        input.set_value("");
        if !files.is_empty() {
            on_pick.run(files);
        }
    };
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        if disabled.get_untracked() {
            return;
        }
        let Some(transfer) = event.data_transfer() else {
            return;
        };
        // The entries must be taken inside the event handler; walking them may take a while.
        spawn_local(async move {
            let files = picked_files::from_drop(&transfer).await;
            if !files.is_empty() {
                on_pick.run(files);
            }
        });
    };
    view! {
        <div
            class="import-drop"
            class:dragging=move || dragging.get()
            data-testid="import-drop"
            on:dragover=move |event: leptos::ev::DragEvent| {
                event.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <p>{move || i18n.texts().import.drop_hint}</p>
            <div class="import-pickers">
                <label class="button">
                    {move || i18n.texts().import.pick_folder}
                    <input
                        type="file"
                        class="visually-hidden"
                        data-testid="import-files"
                        node_ref=folder_input
                        multiple=true
                        disabled=move || disabled.get()
                        on:change=from_input
                    />
                </label>
                <label class="button">
                    {move || i18n.texts().import.pick_files}
                    <input
                        type="file"
                        class="visually-hidden"
                        data-testid="import-loose-files"
                        accept=".json,.zip,application/json,application/zip"
                        multiple=true
                        disabled=move || disabled.get()
                        on:change=from_input
                    />
                </label>
            </div>
        </div>
    }
}
