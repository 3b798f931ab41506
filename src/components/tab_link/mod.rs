//! One tab of a tab strip (cities, institutions): a link that says whether it is the current one.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn TabLink(
    href: String,
    /// The displayed name, also in `data-name` for automation.
    name: String,
    testid: &'static str,
    #[prop(into)] current: Signal<bool>,
) -> impl IntoView {
    let label = name.clone();
    view! {
        <A
            href=href
            attr:class=move || if current.get() { "tab tab-current" } else { "tab" }
            attr:data-testid=testid
            attr:data-name=name
            attr:aria-current=move || current.get().then_some("page")
        >
            {label}
        </A>
    }
}
