//! Telling the app when the session changes, so its reactive state follows.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::auth::Session;

#[derive(Clone, Debug, PartialEq)]
pub enum SessionEvent {
    SignedIn(Session),
    /// New tokens for the same user (the old refresh token is spent).
    Refreshed(Session),
    /// The same tokens with a freshly fetched user record.
    UserUpdated(Session),
    /// The user signed out.
    SignedOut,
    /// The session could not be renewed and was dropped: the user must sign in again.
    Expired,
}

impl SessionEvent {
    /// The session after this change.
    pub fn session(&self) -> Option<&Session> {
        match self {
            SessionEvent::SignedIn(session)
            | SessionEvent::Refreshed(session)
            | SessionEvent::UserUpdated(session) => Some(session),
            SessionEvent::SignedOut | SessionEvent::Expired => None,
        }
    }
}

/// Identifies a listener, to remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionId(u64);

type Listener = Rc<dyn Fn(&SessionEvent)>;

#[derive(Default)]
pub(super) struct Listeners {
    next_id: Cell<u64>,
    entries: RefCell<Vec<(SubscriptionId, Listener)>>,
}

impl Listeners {
    pub(super) fn add(&self, listener: impl Fn(&SessionEvent) + 'static) -> SubscriptionId {
        let id = SubscriptionId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        self.entries.borrow_mut().push((id, Rc::new(listener)));
        id
    }

    pub(super) fn remove(&self, id: SubscriptionId) {
        self.entries.borrow_mut().retain(|(entry, _)| *entry != id);
    }

    pub(super) fn notify(&self, event: &SessionEvent) {
        // A listener may subscribe, unsubscribe or read the client: call them with no borrow
        // held.
        let listeners: Vec<Listener> = self
            .entries
            .borrow()
            .iter()
            .map(|(_, listener)| listener.clone())
            .collect();
        for listener in listeners {
            listener(event);
        }
    }
}
