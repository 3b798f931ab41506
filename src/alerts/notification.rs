//! Browser notifications (the Notification API), asked for only from a button in settings.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationPermission {
    /// Not asked yet.
    Default,
    Granted,
    Denied,
    Unsupported,
}

fn supported() -> bool {
    web_sys::window().is_some_and(|window| {
        js_sys::Reflect::has(&window, &"Notification".into()).unwrap_or(false)
    })
}

pub fn permission() -> NotificationPermission {
    if !supported() {
        return NotificationPermission::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => NotificationPermission::Granted,
        web_sys::NotificationPermission::Denied => NotificationPermission::Denied,
        _ => NotificationPermission::Default,
    }
}

/// Asks the user (must run from a click); answers the permission as it then is.
pub async fn request_permission() -> NotificationPermission {
    if !supported() {
        return NotificationPermission::Unsupported;
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = JsFuture::from(promise).await;
    }
    permission()
}

/// One notification; a newer one replaces an older one still on screen (same tag).
pub fn show(title: &str, body: &str) {
    if permission() != NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    options.set_tag("punctaj-lock");
    if let Ok(notification) = web_sys::Notification::new_with_options(title, &options) {
        let focus = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.focus();
            }
        });
        notification.set_onclick(Some(focus.unchecked_ref()));
    }
}
