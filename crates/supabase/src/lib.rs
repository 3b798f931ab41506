//! A thin typed Supabase client: PostgREST (`/rest/v1`), Storage (`/storage/v1`) and Auth
//! (`/auth/v1`), speaking exactly the wire format of the official supabase-js client
//! (`tests/fixtures/supabase-js-wire-format.txt`).
//!
//! Two layers, kept apart so that everything but the browser's `fetch` is tested natively:
//! - **Pure** (compiles everywhere): configuration, request builders that return an
//!   [`HttpRequest`] ([`rest`], [`storage`], [`auth`]), response and error parsing
//!   ([`response`], [`error`]), and the [`SupabaseClient`], which keeps the session fresh around
//!   any [`Transport`].
//! - **Web** (`wasm32` only, module `web`): the gloo-net transport with timeouts and aborts, the
//!   `localStorage` session store and the browser clock.
//!
//! ```ignore
//! let client = SupabaseClient::for_browser(config, Rc::new(LocalStorageSessionStore::default()));
//! let request = client.rest().from("sync_metadata").select("version,data_hash")
//!     .eq("sync_key", "global_version").single().build();
//! let meta: SyncMetadata = client.execute(request).await?.json()?;
//! ```

pub mod auth;
pub mod client;
pub mod config;
mod encoding;
pub mod error;
pub mod jwt;
pub mod request;
pub mod response;
pub mod rest;
pub mod storage;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use auth::{AuthApi, AuthRedirectError, Session, SignUpOutcome, User};
pub use client::{
    AbortHandle, Clock, MemorySessionStore, SendOptions, SessionEvent, SessionStore,
    SubscriptionId, SupabaseClient, Transport, TransportFuture,
};
pub use config::{ConfigError, KeyProblem, SupabaseConfig, UrlProblem};
pub use error::{ErrorKind, SupabaseError};
pub use request::{Body, HttpRequest, HttpResponse, Method, Service};
pub use response::ContentRange;
pub use rest::{IsValue, PostgRest, Query, Table};
pub use storage::{
    Bucket, FileObject, ListOptions, ObjectKeyProblem, ObjectMetadata, SignedUrl, SortBy,
    SortOrder, StorageApi, UploadOptions,
};
#[cfg(target_arch = "wasm32")]
pub use web::{FetchTransport, LocalStorageSessionStore};

/// Sent as `x-client-info` with every request, as supabase-js sends its own name and version.
pub const CLIENT_INFO: &str = concat!("punctaj/", env!("CARGO_PKG_VERSION"));
