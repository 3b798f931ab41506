//! A thin typed Supabase client: PostgREST (`/rest/v1`), Storage (`/storage/v1`), Auth
//! (`/auth/v1`) and Realtime (`/realtime/v1`), speaking exactly the wire format of the official
//! supabase-js client (`tests/fixtures/supabase-js-wire-format.txt`,
//! `tests/fixtures/realtime-js-frames.jsonl`).
//!
//! Two layers, kept apart so that everything but the browser's `fetch` is tested natively:
//! - **Pure** (compiles everywhere): configuration, request builders that return an
//!   [`HttpRequest`] ([`rest`], [`storage`], [`auth`]), response and error parsing
//!   ([`response`], [`error`]), the [`SupabaseClient`], which keeps the session fresh around
//!   any [`Transport`], and the [`realtime`] state machine ([`RealtimeSession`]): one private
//!   channel with broadcasts, presence, heartbeats and reconnects, fed frames and the time.
//! - **Web** (`wasm32` only, module `web`): the gloo-net transport with timeouts and aborts, the
//!   `localStorage` session store, the browser clock, and `RealtimeConnection`, which drives a
//!   [`RealtimeSession`] with a browser WebSocket.
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
pub mod realtime;
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
pub use realtime::{
    ConnectionState, DownReason, PresenceEntry, RealtimeEvent, RealtimeOptions, RealtimeSession,
    RealtimeStatus,
};
pub use request::{Body, HttpRequest, HttpResponse, Method, Service};
pub use response::ContentRange;
pub use rest::{IsValue, PostgRest, Query, Table};
pub use storage::{
    Bucket, FileObject, ListOptions, ObjectKeyProblem, ObjectMetadata, SignedUrl, SortBy,
    SortOrder, StorageApi, UploadOptions,
};
#[cfg(target_arch = "wasm32")]
pub use web::{FetchTransport, LocalStorageSessionStore, RealtimeConnection};

/// Sent as `x-client-info` with every request, as supabase-js sends its own name and version.
pub const CLIENT_INFO: &str = concat!("punctaj/", env!("CARGO_PKG_VERSION"));
