//! Keeping the access token valid: renewing it shortly before it expires, or once the server
//! refuses it, with at most one renewal in flight.

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};

use super::{SendOptions, SessionEvent, SupabaseClient};
use crate::auth::Session;
use crate::error::{ErrorKind, SupabaseError};

/// Renew this long before the access token expires, so that no request leaves with a token
/// that dies on the way.
pub(super) const REFRESH_MARGIN_SECS: i64 = 60;

/// The renewal every concurrent caller awaits.
pub(super) type RefreshInFlight = Shared<LocalBoxFuture<'static, Result<Session, SupabaseError>>>;

impl SupabaseClient {
    /// Renews the session now. Concurrent calls share one request: refresh tokens are
    /// single-use, so a second refresh with the same token would be refused and sign the user
    /// out. When the server refuses the refresh token, the session is dropped
    /// ([`SessionEvent::Expired`]) and the error is `SessionExpired`.
    pub async fn refresh_session(&self) -> Result<Session, SupabaseError> {
        let in_flight = self.inner.refresh_in_flight.borrow().clone();
        let refresh = match in_flight {
            Some(refresh) => refresh,
            None => {
                let refresh = self.clone().refresh_then_release().boxed_local().shared();
                *self.inner.refresh_in_flight.borrow_mut() = Some(refresh.clone());
                refresh
            }
        };
        refresh.await
    }

    /// The access token to send now: the session's, renewed first when it is about to expire.
    /// `None` when signed out.
    pub(super) async fn usable_access_token(&self) -> Result<Option<String>, SupabaseError> {
        let Some(session) = self.session() else {
            return Ok(None);
        };
        let now = self.now();
        if !session.expires_within(now, REFRESH_MARGIN_SECS) {
            return Ok(Some(session.access_token));
        }
        match self.refresh_session().await {
            Ok(renewed) => Ok(Some(renewed.access_token)),
            // Auth is unreachable for now, but the token has not expired yet: use it.
            Err(error) if is_transient(&error) && now < session.expires_at => {
                Ok(Some(session.access_token))
            }
            Err(error) => Err(error),
        }
    }

    /// A token to retry with after the server refused `rejected` as expired.
    pub(super) async fn renew_rejected_token(
        &self,
        rejected: &str,
    ) -> Result<String, SupabaseError> {
        match self.session() {
            // Another request renewed the session while this one was on its way.
            Some(session) if session.access_token != rejected => Ok(session.access_token),
            Some(_) => Ok(self.refresh_session().await?.access_token),
            None => Err(SupabaseError::NotSignedIn),
        }
    }

    async fn refresh_then_release(self) -> Result<Session, SupabaseError> {
        let result = self.refresh_once().await;
        self.inner.refresh_in_flight.borrow_mut().take();
        result
    }

    async fn refresh_once(&self) -> Result<Session, SupabaseError> {
        let current = self.session().ok_or(SupabaseError::NotSignedIn)?;
        if let Some(stored) = self.renewed_by_another_tab(&current) {
            self.apply(SessionEvent::Refreshed(stored.clone()));
            return Ok(stored);
        }
        let request = self.auth().refresh(&current.refresh_token);
        let outcome = match self.send_checked(request, SendOptions::default()).await {
            Ok(response) => Session::from_token_response(&response, self.now()),
            Err(error) => Err(error),
        };
        let still_current = self
            .session()
            .is_some_and(|session| session.refresh_token == current.refresh_token);
        match outcome {
            Ok(renewed) if still_current => {
                self.apply(SessionEvent::Refreshed(renewed.clone()));
                Ok(renewed)
            }
            // Signed out, or in as someone else, meanwhile: the newer state wins.
            Ok(_) => self.session().ok_or(SupabaseError::NotSignedIn),
            Err(error) if is_refusal(&error) => {
                if still_current {
                    self.apply(SessionEvent::Expired);
                }
                Err(SupabaseError::SessionExpired(error.to_string()))
            }
            Err(error) => Err(error),
        }
    }

    /// Tabs of the app share the store: another tab may have renewed this session already,
    /// spending the refresh token this tab holds. Its result is as good as ours.
    fn renewed_by_another_tab(&self, current: &Session) -> Option<Session> {
        self.inner.store.load().filter(|stored| {
            stored.user.id == current.user.id
                && stored.refresh_token != current.refresh_token
                && !stored.expires_within(self.now(), REFRESH_MARGIN_SECS)
        })
    }
}

/// GoTrue refused the refresh token itself (spent, revoked, user deleted): trying again cannot
/// help, unlike a network failure, a server error or a rate limit.
fn is_refusal(error: &SupabaseError) -> bool {
    matches!(
        error,
        SupabaseError::Auth {
            status: 400..=499,
            ..
        }
    ) && !matches!(error.kind(), ErrorKind::RateLimited { .. })
}

/// Failures that say nothing about the session, only that Auth could not answer just now.
fn is_transient(error: &SupabaseError) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::RateLimited { .. }
    )
}
