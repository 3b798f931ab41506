//! The chime switch (kept in this browser) and the button that asks for notification permission
//! — the only place the app ever asks.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::alerts::{NotificationPermission, request_permission, use_alert_settings};
use crate::i18n::use_i18n;

#[component]
pub fn AlertSettings() -> impl IntoView {
    let i18n = use_i18n();
    let settings = use_alert_settings();
    let ask = move |_| {
        spawn_local(async move {
            let permission = request_permission().await;
            let _ = settings.notifications.try_set(permission);
        })
    };
    let permission_text = move || {
        let t = i18n.texts();
        match settings.notifications.get() {
            NotificationPermission::Default => t.notifications_explain,
            NotificationPermission::Granted => t.notifications_granted,
            NotificationPermission::Denied => t.notifications_denied,
            NotificationPermission::Unsupported => t.notifications_unsupported,
        }
    };
    view! {
        <section class="alert-settings">
            <h3>{move || i18n.texts().alerts_title}</h3>
            <label class="checkbox-label">
                <input
                    type="checkbox"
                    data-testid="chime-toggle"
                    prop:checked=move || !settings.chime_muted.get()
                    on:change=move |event| settings.set_chime_muted(!event_target_checked(&event))
                />
                <span>{move || i18n.texts().chime_toggle}</span>
            </label>
            <Show when=move || settings.notifications.get() == NotificationPermission::Default>
                <button class="button" data-testid="notifications-enable" on:click=ask>
                    {move || i18n.texts().notifications_enable}
                </button>
            </Show>
            <p class="hint" data-testid="notifications-state">{permission_text}</p>
        </section>
    }
}
