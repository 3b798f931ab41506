//! Who is using the app: the Supabase client (one per app), the signed-in user, and what that
//! account was granted (`rpc/my_access`). The UI hides or disables what `can` refuses; the
//! database refuses it anyway.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::permissions::{self, Access, Capability};
use punctaj_supabase::auth::{code_challenge, code_from_query, session_from_url_fragment};
use punctaj_supabase::web::new_code_verifier;
use punctaj_supabase::{
    LocalStorageSessionStore, SendOptions, SessionEvent, SignUpOutcome, SupabaseClient,
    SupabaseConfig, SupabaseError,
};

use crate::browser::{self, SESSION_STORAGE};
use crate::i18n::{Texts, error_message};

const PKCE_VERIFIER_KEY: &str = "punctaj.pkce-verifier";
const SESSION_STORAGE_KEY: &str = "punctaj.auth.session";

#[derive(Clone, Debug, PartialEq)]
pub struct SignedInUser {
    pub id: String,
    pub email: Option<String>,
}

/// The signed-in account's grants, once known.
#[derive(Clone, Debug, PartialEq)]
pub enum AccessState {
    Loading,
    Ready(Access),
    Failed(SupabaseError),
}

/// Something to tell the user on the sign-in page (an expired session, a failed OAuth return).
#[derive(Clone, Debug, PartialEq)]
pub enum SignInNotice {
    SessionExpired,
    /// The provider or the redirect refused (`access_denied`…).
    OAuthRefused(String),
    /// Back with a code but without the PKCE verifier this tab should have kept.
    OAuthVerifierMissing,
    /// Trading the code for a session failed.
    OAuthExchangeFailed(SupabaseError),
}

#[derive(Clone, Copy)]
pub struct SessionContext {
    client: StoredValue<SupabaseClient, LocalStorage>,
    pub user: RwSignal<Option<SignedInUser>>,
    pub access: RwSignal<AccessState>,
    pub notice: RwSignal<Option<SignInNotice>>,
}

impl SessionContext {
    pub fn client(&self) -> SupabaseClient {
        self.client.get_value()
    }

    /// The grants, when loaded (reactive).
    pub fn granted_access(&self) -> Option<Access> {
        match self.access.get() {
            AccessState::Ready(access) => Some(access),
            _ => None,
        }
    }

    /// Signed in with at least one grant (reactive).
    pub fn is_granted(&self) -> bool {
        self.access
            .with(|state| matches!(state, AccessState::Ready(access) if access.is_granted()))
    }

    /// THE permission check of the UI: `punctaj_core::permissions::can`, the twin of the SQL
    /// `app.can` (reactive).
    pub fn can(&self, capability: Capability, institution_id: Option<i64>) -> bool {
        self.access.with(|state| match state {
            AccessState::Ready(access) => permissions::can(access, capability, institution_id),
            _ => false,
        })
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(), SupabaseError> {
        self.notice.set(None);
        self.client().sign_in_with_password(email, password).await?;
        Ok(())
    }

    /// Creates an account. `Ok(true)` when signed in at once, `Ok(false)` when the project asks
    /// for an email confirmation first.
    pub async fn sign_up(&self, email: &str, password: &str) -> Result<bool, SupabaseError> {
        let outcome = self
            .client()
            .sign_up(email, password, Some(&browser::app_root_url()))
            .await?;
        Ok(matches!(outcome, SignUpOutcome::SignedIn(_)))
    }

    /// Leaves for the provider's sign-in (PKCE: the tokens never appear in the URL).
    pub fn sign_in_with_discord(&self) -> Result<(), SupabaseError> {
        let verifier = new_code_verifier()?;
        SESSION_STORAGE.set(PKCE_VERIFIER_KEY, &verifier);
        let url = self.client().auth().authorize_url(
            "discord",
            &browser::app_root_url(),
            Some(&code_challenge(&verifier)),
        );
        browser::redirect_to(&url);
        Ok(())
    }

    pub async fn sign_out(&self) {
        // Signed out locally whatever the server says.
        let _ = self.client().sign_out().await;
    }

    pub fn reload_access(&self) {
        let this = *self;
        spawn_local(async move { this.load_access().await });
    }

    async fn load_access(&self) {
        if self.user.get_untracked().is_none() {
            return;
        }
        match crate::api::my_access(&self.client(), SendOptions::default()).await {
            Ok(access) => {
                if self.access.get_untracked() != AccessState::Ready(access.clone()) {
                    self.access.set(AccessState::Ready(access));
                }
            }
            // The session ended meanwhile: the sign-in page takes over.
            Err(_) if self.user.get_untracked().is_none() => {}
            Err(error) => self.access.set(AccessState::Failed(error)),
        }
    }

    /// A message for the sign-in page.
    pub fn notice_text(&self, t: &Texts) -> Option<String> {
        self.notice.get().map(|notice| match notice {
            SignInNotice::SessionExpired => t.login_session_expired.to_string(),
            SignInNotice::OAuthRefused(why) => (t.login_oauth_failed)(&why),
            SignInNotice::OAuthVerifierMissing => {
                (t.login_oauth_failed)(t.login_oauth_verifier_missing)
            }
            SignInNotice::OAuthExchangeFailed(error) => {
                (t.login_oauth_failed)(&error_message(t, &error))
            }
        })
    }
}

fn signed_in_user(client: &SupabaseClient) -> Option<SignedInUser> {
    client.session().map(|session| SignedInUser {
        id: session.user.id.clone(),
        email: session.user.email.clone(),
    })
}

pub fn provide_session(config: SupabaseConfig) -> SessionContext {
    let store = Rc::new(LocalStorageSessionStore::new(SESSION_STORAGE_KEY));
    let client = SupabaseClient::for_browser(config, store);
    let context = SessionContext {
        user: RwSignal::new(signed_in_user(&client)),
        access: RwSignal::new(AccessState::Loading),
        notice: RwSignal::new(None),
        client: StoredValue::new_local(client.clone()),
    };

    client.subscribe(move |event| {
        let user = event.session().map(|session| SignedInUser {
            id: session.user.id.clone(),
            email: session.user.email.clone(),
        });
        if matches!(event, SessionEvent::Expired) {
            context.notice.set(Some(SignInNotice::SessionExpired));
        }
        // A refresh keeps the same user: nothing to reload then.
        if context.user.get_untracked() != user {
            context.access.set(AccessState::Loading);
            context.user.set(user);
            context.reload_access();
        }
    });

    complete_oauth_return(context);
    if context.user.get_untracked().is_some() {
        context.reload_access();
    }
    provide_context(context);
    context
}

/// Back from Discord: a PKCE `?code=` (our flow) or tokens in the `#fragment` (implicit flow).
/// Either way the URL is cleaned so that no code or token stays in the history.
fn complete_oauth_return(context: SessionContext) {
    let client = context.client();
    let search = browser::location_search();
    let hash = browser::location_hash();
    if let Some(code) = code_from_query(&search) {
        browser::clear_url_query_and_fragment();
        let verifier = SESSION_STORAGE.get(PKCE_VERIFIER_KEY);
        SESSION_STORAGE.remove(PKCE_VERIFIER_KEY);
        match (code, verifier) {
            (Ok(code), Some(verifier)) => spawn_local(async move {
                if let Err(error) = client.exchange_code(&code, &verifier).await {
                    context
                        .notice
                        .set(Some(SignInNotice::OAuthExchangeFailed(error)));
                }
            }),
            (Ok(_), None) => context.notice.set(Some(SignInNotice::OAuthVerifierMissing)),
            (Err(error), _) => context
                .notice
                .set(Some(SignInNotice::OAuthRefused(error.to_string()))),
        }
        return;
    }
    let now = (browser::now_ms() / 1000.0) as i64;
    if let Some(result) = session_from_url_fragment(&hash, now) {
        browser::clear_url_query_and_fragment();
        match result {
            Ok(session) => {
                client.set_session(session);
                spawn_local(async move {
                    let _ = client.fetch_user().await;
                });
            }
            Err(error) => context
                .notice
                .set(Some(SignInNotice::OAuthRefused(error.to_string()))),
        }
    }
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}
