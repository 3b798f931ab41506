//! Telling the user that the data changed when they may not be looking: a short chime when the
//! app locks (unless muted in this browser) and, while the tab is hidden, a browser notification
//! saying who changed what (only once the user allowed it from settings; never asked on load).
//!
//! Both follow the lock, not the push message: a client never locks for its own change, so
//! nothing plays or pops for it, and a forged broadcast cannot ring anyone.

mod chime;
mod notification;

pub use notification::{NotificationPermission, request_permission};

use leptos::prelude::*;

use crate::browser::{self, LOCAL_STORAGE};
use crate::i18n::{change_summary, use_i18n};
use crate::sync::SyncEngine;

const CHIME_KEY: &str = "punctaj.chime";

/// This browser's alert settings (reactive).
#[derive(Clone, Copy)]
pub struct AlertSettings {
    pub chime_muted: RwSignal<bool>,
    pub notifications: RwSignal<NotificationPermission>,
}

impl AlertSettings {
    pub fn set_chime_muted(&self, muted: bool) {
        if muted {
            LOCAL_STORAGE.set(CHIME_KEY, "off");
        } else {
            LOCAL_STORAGE.remove(CHIME_KEY);
        }
        self.chime_muted.set(muted);
    }
}

pub fn use_alert_settings() -> AlertSettings {
    expect_context::<AlertSettings>()
}

/// Provides the settings and alerts on every lock while the calling component (the signed-in
/// shell) lives.
pub fn run_alerts(engine: SyncEngine) {
    let settings = AlertSettings {
        chime_muted: RwSignal::new(LOCAL_STORAGE.get(CHIME_KEY).as_deref() == Some("off")),
        notifications: RwSignal::new(notification::permission()),
    };
    provide_context(settings);
    let i18n = use_i18n();
    // Rings on the moment the app locks over data it had: not for the very first download of a
    // browser that has nothing yet.
    Effect::new(move |was_locked: Option<bool>| {
        let locked = engine.locked.get();
        let has_data = engine.local.with_untracked(Option::is_some);
        if locked && was_locked == Some(false) && has_data {
            if settings.chime_muted.get_untracked() {
                browser::performance_mark("punctaj:chime-muted");
            } else {
                chime::play();
            }
            if !browser::document_visible()
                && settings.notifications.get_untracked() == NotificationPermission::Granted
            {
                let t = i18n.texts();
                let body = engine
                    .cloud
                    .with_untracked(|cloud| cloud.as_ref().map(|cloud| change_summary(t, cloud)));
                notification::show(t.lock_title, &body.unwrap_or_default());
            }
        }
        locked
    });
}
