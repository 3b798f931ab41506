//! Signing in, up and out: the Auth calls that change who the client acts as.

use super::{SendOptions, SessionEvent, SupabaseClient};
use crate::auth::{Session, SignUpOutcome, User};
use crate::error::{ErrorKind, SupabaseError};

impl SupabaseClient {
    pub async fn sign_in_with_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Session, SupabaseError> {
        let request = self.auth().sign_in_with_password(email, password);
        let response = self.send_checked(request, SendOptions::default()).await?;
        let session = Session::from_token_response(&response, self.now())?;
        self.apply(SessionEvent::SignedIn(session.clone()));
        Ok(session)
    }

    /// Creates an account; signed in at once unless the project asks to confirm the address.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        email_redirect_to: Option<&str>,
    ) -> Result<SignUpOutcome, SupabaseError> {
        let request = self.auth().sign_up(email, password, email_redirect_to);
        let response = self.send_checked(request, SendOptions::default()).await?;
        let outcome = SignUpOutcome::from_response(&response, self.now())?;
        if let SignUpOutcome::SignedIn(session) = &outcome {
            self.apply(SessionEvent::SignedIn(session.clone()));
        }
        Ok(outcome)
    }

    /// Finishes a PKCE sign-in: trades the redirect's `code` for a session.
    pub async fn exchange_code(
        &self,
        auth_code: &str,
        code_verifier: &str,
    ) -> Result<Session, SupabaseError> {
        let request = self.auth().exchange_code(auth_code, code_verifier);
        let response = self.send_checked(request, SendOptions::default()).await?;
        let session = Session::from_token_response(&response, self.now())?;
        self.apply(SessionEvent::SignedIn(session.clone()));
        Ok(session)
    }

    /// Adopts a session obtained elsewhere: the URL fragment of an OAuth redirect
    /// ([`session_from_url_fragment`](crate::auth::session_from_url_fragment)).
    pub fn set_session(&self, session: Session) {
        self.apply(SessionEvent::SignedIn(session));
    }

    /// The full user record from `/user`, also kept in the session (a session from a redirect
    /// only knows what its token says).
    pub async fn fetch_user(&self) -> Result<User, SupabaseError> {
        let token = self
            .usable_access_token()
            .await?
            .ok_or(SupabaseError::NotSignedIn)?;
        let response = self
            .send_checked(self.auth().get_user(&token), SendOptions::default())
            .await?;
        let user: User = response.json()?;
        if let Some(mut session) = self.session().filter(|s| s.access_token == token) {
            session.user = user.clone();
            self.apply(SessionEvent::UserUpdated(session));
        }
        Ok(user)
    }

    /// Signs out on every device. This device is signed out whatever happens; an error means
    /// the server could not be told, so its refresh tokens may still work elsewhere.
    pub async fn sign_out(&self) -> Result<(), SupabaseError> {
        // A live token lets the server revoke the session; renew it first if need be.
        let token = match self.usable_access_token().await {
            Ok(Some(token)) => token,
            // Never signed in, or the session already expired (and was dropped).
            Ok(None) => return Ok(()),
            Err(error) if error.kind() == ErrorKind::SessionExpired => return Ok(()),
            Err(error) => {
                self.apply(SessionEvent::SignedOut);
                return Err(error);
            }
        };
        let result = self
            .send_checked(self.auth().sign_out(&token), SendOptions::default())
            .await;
        self.apply(SessionEvent::SignedOut);
        match result {
            // The server no longer knows the session: it is over there too.
            Ok(_)
            | Err(SupabaseError::Auth {
                status: 401 | 403 | 404,
                ..
            }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
