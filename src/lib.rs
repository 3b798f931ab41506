//! Punctaj, the browser app: a Leptos (CSR) client of Supabase with forced synchronisation.
//!
//! Where things are (dependencies point downwards only):
//! - [`app`], [`pages`], [`components`]: what the user sees;
//! - [`import`]: reading the old desktop app's folder and writing it to the cloud;
//! - [`edit`], [`mutation`]: sending a change and adopting it; edits of a row that someone else
//!   changed meanwhile merged or put to the user;
//! - [`sync`]: the version checks, live push and presence, the lock, the verified download,
//!   the local copy; [`alerts`]: the chime and notifications when it locks;
//! - [`api`]: one typed function per query or RPC, over the Supabase client
//!   (`punctaj_supabase`, crates/supabase);
//! - `punctaj_core` (crates/core): the pure domain — model, canonical hash, rules;
//! - [`session`], [`config`], [`i18n`], [`browser`], [`compression`]: the account, the run-time
//!   configuration, every user-visible string, and small typed doors to browser APIs.
#![cfg(target_arch = "wasm32")]

pub mod alerts;
pub mod api;
pub mod app;
pub mod browser;
pub mod components;
pub mod compression;
pub mod config;
pub mod edit;
pub mod i18n;
pub mod import;
pub mod mutation;
pub mod pages;
pub mod routes;
pub mod session;
pub mod sync;

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
