//! Toasts: short messages and errors in a corner, readable while the UI is locked (they sit
//! outside the locked part). Errors stay longer than confirmations and can be dismissed.

use leptos::prelude::*;
use std::time::Duration;

use crate::i18n::use_i18n;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Info,
    Error,
}

impl ToastKind {
    fn class(self) -> &'static str {
        match self {
            ToastKind::Success => "toast toast-success",
            ToastKind::Info => "toast toast-info",
            ToastKind::Error => "toast toast-error",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ToastKind::Success => "success",
            ToastKind::Info => "info",
            ToastKind::Error => "error",
        }
    }

    fn lifetime(self) -> Duration {
        match self {
            ToastKind::Error => Duration::from_secs(12),
            _ => Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// The toast queue, provided once by the app shell.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn success(&self, message: impl Into<String>) {
        self.push(ToastKind::Success, message.into());
    }

    pub fn info(&self, message: impl Into<String>) {
        self.push(ToastKind::Info, message.into());
    }

    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, message.into());
    }

    fn push(&self, kind: ToastKind, message: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            // The same message twice in a row says nothing new.
            if list.last().is_some_and(|last| last.message == message) {
                return;
            }
            list.push(Toast { id, kind, message });
            // A burst of errors must not cover the screen.
            if list.len() > 5 {
                list.remove(0);
            }
        });
        let this = *self;
        set_timeout(move || this.dismiss(id), kind.lifetime());
    }

    pub fn dismiss(&self, id: u64) {
        // The owner may be gone when a timer fires after navigation away.
        let _ = self
            .list
            .try_update(|list| list.retain(|toast| toast.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    let i18n = use_i18n();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|toast| toast.id let:toast>
                <div class=toast.kind.class() data-testid="toast" data-kind=toast.kind.name()>
                    <span class="toast-message">{toast.message.clone()}</span>
                    <button
                        class="toast-close"
                        aria-label=move || i18n.texts().close
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
