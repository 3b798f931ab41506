//! "Undo the reset": for the institution's last reset while it can be undone, a button and its
//! confirmation. The scores the reset saved go back to each member still there, on top of what
//! they earned since; the server checks everything again (last reset, not undone yet, who may).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ArchiveUndoState};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icon::{Icon, IconName};
use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;
use crate::mutation::Mutation;
use crate::session::use_session;
use crate::sync::use_sync;

/// Which archives' undo states to follow.
#[derive(Clone, Copy)]
pub enum UndoScope {
    /// The undoable and the undone archives of every institution (the archive browser).
    All,
    /// The undoable archive of one institution, if any (its toolbar).
    Institution(Memo<i64>),
}

/// The undo states in `scope`, fetched again with every version this browser installs (a reset
/// or an undo anywhere changes them); empty while unknown or offline. A signal filled in the
/// background rather than a resource: reading a resource here would suspend the app's top-level
/// `<Suspense>` on every refetch, unmounting the page and any dialog open on it.
pub fn use_undo_states(scope: UndoScope) -> ReadSignal<Vec<ArchiveUndoState>> {
    let session = use_session();
    let sync = use_sync();
    let (states, set_states) = signal(Vec::new());
    Effect::new(move |_| {
        sync.local
            .with(|local| local.as_ref().map(|l| l.stamp.version));
        let institution = match scope {
            UndoScope::All => None,
            UndoScope::Institution(id) => Some(id.get()),
        };
        let client = session.client();
        // Aborted when the effect runs again or its component goes away.
        let (undoable_request, undone_request) = (api::scoped(), api::scoped());
        spawn_local(async move {
            let Ok(mut found) =
                api::undoable_archives(&client, undoable_request, institution).await
            else {
                return;
            };
            if institution.is_none() {
                match api::undone_archives(&client, undone_request).await {
                    Ok(undone) => found.extend(undone),
                    Err(_) => return,
                }
            }
            let _ = set_states.try_set(found);
        });
    });
    states
}

/// A time as the archive lists write it, else as stored.
fn shown_time(at: &str) -> String {
    punctaj_core::time::parse_timestamp(at)
        .map(crate::browser::format_local)
        .unwrap_or_else(|| at.to_string())
}

#[component]
pub fn UndoResetButton(archive: ArchiveUndoState) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let toasts = use_toasts();
    let mutation = Mutation::new();
    let confirming = RwSignal::new(false);
    let id = archive.id;
    let explain = {
        let date = shown_time(&archive.archived_at);
        let (count, points) = (archive.employee_count, archive.total_points);
        move || (i18n.texts().undo_reset.explain)(&date, count, points)
    };
    let undo = Callback::new(move |()| {
        let client = session.client();
        mutation.run(
            async move { api::undo_reset(&client, id).await },
            move |outcome| {
                let number = |key: &str| outcome.extra.get(key).and_then(|v| v.as_i64());
                let (restored, points) = (number("restored"), number("points"));
                toasts.success((i18n.texts().undo_reset.done)(
                    restored.unwrap_or_default(),
                    points.unwrap_or_default(),
                ));
                confirming.set(false);
            },
        );
    });
    view! {
        <button class="button button-small" data-testid="undo-reset" data-archive-id=id
            disabled=move || !sync.can_write()
            on:click=move |_| confirming.set(true)>
            <Icon name=IconName::Reset />
            {move || i18n.texts().undo_reset.button}
        </button>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                title=Signal::derive(move || i18n.texts().undo_reset.title.to_string())
                message=Signal::derive(explain.clone())
                confirm_label=|t| t.undo_reset.confirm
                busy=mutation.busy
                on_confirm=undo
                on_cancel=Callback::new(move |()| confirming.set(false))
                testid="undo-reset-dialog"
                confirm_testid="undo-reset-confirm"
            />
        </Show>
    }
}

/// "Reset undone on … by …", beside an archive whose reset was undone.
#[component]
pub fn UndoneBadge(archive: ArchiveUndoState) -> impl IntoView {
    let i18n = use_i18n();
    let when = archive
        .undone_at
        .as_deref()
        .map(shown_time)
        .unwrap_or_default();
    let who = archive.undone_by_name.clone().unwrap_or_default();
    view! {
        <span class="badge" data-testid="archive-undone">
            {move || (i18n.texts().undo_reset.undone_badge)(&when, &who)}
        </span>
    }
}
