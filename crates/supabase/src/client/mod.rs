//! [`SupabaseClient`]: sends built requests as the signed-in user and keeps the session alive.
//! It works over any [`Transport`], so its session logic is tested natively; the app gives it
//! the browser's (`SupabaseClient::for_browser`).

mod abort;
mod account;
mod events;
mod refresh;
mod session_store;
mod transport;

#[cfg(test)]
mod tests;

pub use abort::{AbortHandle, WhenAborted};
pub use events::{SessionEvent, SubscriptionId};
pub use session_store::{MemorySessionStore, SessionStore};
pub use transport::{SendOptions, Transport, TransportFuture};

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::auth::{AuthApi, Session};
use crate::config::SupabaseConfig;
use crate::error::SupabaseError;
use crate::request::{HttpRequest, HttpResponse};
use crate::response::check_status;
use crate::rest::PostgRest;
use crate::storage::StorageApi;
use events::Listeners;
use refresh::RefreshInFlight;

/// The current time in unix seconds; injected so that expiry decisions can be tested.
pub type Clock = Rc<dyn Fn() -> i64>;

/// Cheap to clone: clones share the session, its store and its listeners. Not `Send` (like
/// every browser type); share it in Leptos with `StoredValue::new_local` or a `SendWrapper`.
#[derive(Clone)]
pub struct SupabaseClient {
    inner: Rc<Inner>,
}

struct Inner {
    config: SupabaseConfig,
    transport: Rc<dyn Transport>,
    store: Rc<dyn SessionStore>,
    clock: Clock,
    session: RefCell<Option<Session>>,
    refresh_in_flight: RefCell<Option<RefreshInFlight>>,
    listeners: Listeners,
}

impl SupabaseClient {
    /// A client that resumes the session saved in `store`, if any (renewed on first use when
    /// it has expired meanwhile).
    pub fn new(
        config: SupabaseConfig,
        transport: Rc<dyn Transport>,
        store: Rc<dyn SessionStore>,
        clock: Clock,
    ) -> Self {
        let session = store.load();
        Self {
            inner: Rc::new(Inner {
                config,
                transport,
                store,
                clock,
                session: RefCell::new(session),
                refresh_in_flight: RefCell::new(None),
                listeners: Listeners::default(),
            }),
        }
    }

    pub fn config(&self) -> &SupabaseConfig {
        &self.inner.config
    }

    /// Tables and functions of the `public` schema.
    pub fn rest(&self) -> PostgRest {
        PostgRest::new(&self.inner.config)
    }

    pub fn storage(&self) -> StorageApi {
        StorageApi::new(&self.inner.config)
    }

    pub fn auth(&self) -> AuthApi {
        AuthApi::new(&self.inner.config)
    }

    /// The current session; `None` when signed out.
    pub fn session(&self) -> Option<Session> {
        self.inner.session.borrow().clone()
    }

    /// Calls `listener` after every change of the session (sign-in, refresh, sign-out, expiry).
    pub fn subscribe(&self, listener: impl Fn(&SessionEvent) + 'static) -> SubscriptionId {
        self.inner.listeners.add(listener)
    }

    pub fn unsubscribe(&self, id: SubscriptionId) {
        self.inner.listeners.remove(id);
    }

    /// [`execute_with`](Self::execute_with) with the default timeout and no abort.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, SupabaseError> {
        self.execute_with(request, SendOptions::default()).await
    }

    /// Sends `request` as the current user (as the anonymous role when signed out) and returns
    /// the 2xx response, or the service's error.
    ///
    /// A token about to expire is renewed before sending; a token the server refuses as expired
    /// is renewed once and the request retried once. Requests that already carry an
    /// `authorization` (the Auth endpoints) are sent exactly as built.
    pub async fn execute_with(
        &self,
        request: HttpRequest,
        options: SendOptions,
    ) -> Result<HttpResponse, SupabaseError> {
        if request.header("authorization").is_some() {
            return self.send_checked(request, options).await;
        }
        let Some(token) = self.usable_access_token().await? else {
            let anon_key = self.inner.config.anon_key();
            return self
                .send_checked(request.authorized(anon_key, anon_key), options)
                .await;
        };
        match self.send_as(&request, &token, options.clone()).await {
            Err(error) if error.is_jwt_expired() => {
                let renewed = self.renew_rejected_token(&token).await?;
                self.send_as(&request, &renewed, options).await
            }
            result => result,
        }
    }

    async fn send_as(
        &self,
        request: &HttpRequest,
        access_token: &str,
        options: SendOptions,
    ) -> Result<HttpResponse, SupabaseError> {
        let request = request.authorized(self.inner.config.anon_key(), access_token);
        self.send_checked(request, options).await
    }

    async fn send_checked(
        &self,
        request: HttpRequest,
        options: SendOptions,
    ) -> Result<HttpResponse, SupabaseError> {
        let service = request.service;
        let response = self.inner.transport.send(request, options).await?;
        check_status(service, response)
    }

    /// Makes the change the event describes: the new session is kept, persisted and announced.
    fn apply(&self, event: SessionEvent) {
        let session = event.session().cloned();
        match &session {
            Some(session) => self.inner.store.save(session),
            None => self.inner.store.clear(),
        }
        *self.inner.session.borrow_mut() = session;
        self.inner.listeners.notify(&event);
    }

    fn now(&self) -> i64 {
        (self.inner.clock)()
    }
}

impl fmt::Debug for SupabaseClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupabaseClient")
            .field("url", &self.inner.config.url())
            .field("signed_in", &self.inner.session.borrow().is_some())
            .finish()
    }
}
