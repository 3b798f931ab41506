//! An accessible progress bar (role=progressbar, aria-valuenow 0–100).

use leptos::prelude::*;

#[component]
pub fn ProgressBar(
    /// 0–100.
    #[prop(into)]
    percent: Signal<u8>,
    /// What is progressing, for screen readers and under the bar.
    #[prop(into)]
    label: Signal<String>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let clamped = move || percent.get().min(100);
    view! {
        <div class="progress">
            <div
                class="progress-track"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || clamped().to_string()
                aria-valuetext=move || label.get()
                data-testid=testid
            >
                <div class="progress-fill" style:width=move || format!("{}%", clamped())></div>
            </div>
            <div class="progress-label">
                <span>{move || label.get()}</span>
                <span class="progress-percent">{move || format!("{}%", clamped())}</span>
            </div>
        </div>
    }
}
