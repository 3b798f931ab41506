//! Where the session survives a page reload: `localStorage` in the app
//! (`web::LocalStorageSessionStore`), memory in tests.

use std::cell::RefCell;

use crate::auth::Session;

/// Persistence of the current session. Best effort by design: if saving fails (storage full,
/// private mode), the only cost is signing in again after a reload.
pub trait SessionStore {
    /// The saved session; `None` when there is none or it cannot be read.
    fn load(&self) -> Option<Session>;
    fn save(&self, session: &Session);
    fn clear(&self);
}

/// A store that forgets everything with the page: tests, or a "don't remember me" choice.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    session: RefCell<Option<Session>>,
}

impl MemorySessionStore {
    pub fn new(session: Option<Session>) -> Self {
        Self {
            session: RefCell::new(session),
        }
    }
}

impl SessionStore for MemorySessionStore {
    fn load(&self) -> Option<Session> {
        self.session.borrow().clone()
    }

    fn save(&self, session: &Session) {
        *self.session.borrow_mut() = Some(session.clone());
    }

    fn clear(&self) {
        *self.session.borrow_mut() = None;
    }
}
