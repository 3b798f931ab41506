//! Navigation from the home page's tab bars.

use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// Goes to one of the absolute in-app paths of [`crate::routes`]. They already start with the
/// router's base, so the router must not resolve them (it would add the base a second time).
pub(super) fn use_go_to() -> impl Fn(&str) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    move |path: &str| {
        navigate(
            path,
            NavigateOptions {
                resolve: false,
                ..NavigateOptions::default()
            },
        )
    }
}
