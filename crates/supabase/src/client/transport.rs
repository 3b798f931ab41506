//! The seam between the client and the network: the browser's `fetch` in the app
//! (`web::FetchTransport`), a scripted one in tests.

use std::future::Future;
use std::pin::Pin;

use super::abort::AbortHandle;
use crate::error::SupabaseError;
use crate::request::{HttpRequest, HttpResponse};

/// What a transport's `send` returns. Not `Send`: browser futures never are.
pub type TransportFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, SupabaseError>>>>;

/// Sends one request and hands back whatever the server answered, error statuses included;
/// fails only when no answer came (`Network`, `Timeout`, `Aborted`).
pub trait Transport {
    fn send(&self, request: HttpRequest, options: SendOptions) -> TransportFuture;
}

/// How long to wait, and what may cancel the wait.
#[derive(Clone, Debug)]
pub struct SendOptions {
    /// Give up (and cancel the request) after this long; `None` waits as long as the browser
    /// does.
    pub timeout_ms: Option<u32>,
    pub abort: Option<AbortHandle>,
}

impl SendOptions {
    /// Long enough for an archive upload on a slow connection, short enough that a dead
    /// connection is reported while the user is still looking.
    pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

    /// The default timeout, cancelled also by `abort`.
    pub fn abortable(abort: &AbortHandle) -> Self {
        Self {
            abort: Some(abort.clone()),
            ..Self::default()
        }
    }

    pub fn timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = Some(timeout_ms);
        self
    }
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            timeout_ms: Some(Self::DEFAULT_TIMEOUT_MS),
            abort: None,
        }
    }
}
