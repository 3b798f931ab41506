//! Running a data change from the UI: one RPC, then the adoption of the client's own change
//! (so it does not lock itself), with a busy flag for the dialog and the server's refusal shown
//! in a toast — never swallowed.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_supabase::SupabaseError;

use crate::api::MutationOutcome;
use crate::components::toast::{Toasts, use_toasts};
use crate::i18n::{I18n, error_message, use_i18n};
use crate::sync::{SyncEngine, adopt_own_change, use_sync};

#[derive(Clone, Copy)]
pub struct Mutation {
    pub(crate) sync: SyncEngine,
    pub(crate) toasts: Toasts,
    pub(crate) i18n: I18n,

    /// A change is on its way (dialogs disable their confirm button).
    pub busy: RwSignal<bool>,
}

impl Mutation {
    pub fn new() -> Self {
        Mutation {
            sync: use_sync(),
            toasts: use_toasts(),
            i18n: use_i18n(),
            busy: RwSignal::new(false),
        }
    }

    /// Sends `change` unless one is already on its way; on success adopts it and calls
    /// `on_success`, on failure shows why.
    pub fn run<F>(&self, change: F, on_success: impl FnOnce(&MutationOutcome) + 'static)
    where
        F: Future<Output = Result<MutationOutcome, SupabaseError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        let this = *self;
        spawn_local(async move {
            match change.await {
                Ok(outcome) => {
                    adopt_own_change(this.sync, &outcome, Vec::new()).await;
                    on_success(&outcome);
                }
                Err(error) => this.report(&error),
            }
            let _ = this.busy.try_set(false);
        });
    }

    /// Sends a change that does not touch the synced data (e.g. role grants).
    pub fn run_plain<F>(&self, change: F, on_success: impl FnOnce() + 'static)
    where
        F: Future<Output = Result<(), SupabaseError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        let this = *self;
        spawn_local(async move {
            match change.await {
                Ok(()) => on_success(),
                Err(error) => this.report(&error),
            }
            let _ = this.busy.try_set(false);
        });
    }

    pub fn report(&self, error: &SupabaseError) {
        self.toasts.error(error_message(self.i18n.texts(), error));
    }
}

impl Default for Mutation {
    fn default() -> Self {
        Self::new()
    }
}
