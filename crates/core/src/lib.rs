//! Punctaj's pure domain: the rules every other part of the project must agree on.
//!
//! Everything here is plain data and pure functions — no I/O, no clock (callers pass `now`), no
//! browser APIs — so it compiles both natively and for `wasm32-unknown-unknown` and is tested
//! with a plain `cargo test -p punctaj-core`.
//!
//! Direction of dependence: the app's pages and components → its sync layer → the Supabase
//! client (`punctaj-supabase`) → this crate. The local backend uses this crate at most. This crate
//! depends on nothing of ours and nothing web, so a rule lives here once and the browser, the
//! tests and the local backend all use the same copy.
//!
//! Several rules are implemented a second time in SQL and tested against this crate: the
//! canonical data hash ([`canonical`], `docs/canonical-hash.md`), the archive key slug
//! ([`archive::slug`]) and the permission rule ([`permissions::can`], `docs/database.md`).
//!
//! - [`model`]: the synced rows as PostgREST returns them, and table cells.
//! - [`scope`]: the scopes the synced data is split into (structure, one per institution).
//! - [`canonical`]: the canonical documents, the per-scope hashes and `data_hash`.
//! - [`archive`]: archive object keys and archive documents, legacy ones included.
//! - [`legacy`]: importing the legacy desktop app's folder: classifying, reading, planning the RPC payload.
//! - [`points`]: how points change and which amounts may be typed.
//! - [`permissions`]: who may do what.
//! - [`table`]: sorting and searching the employee table.
//! - [`text`]: folding names to a plain form, shared by archive key slugs and the table.
//! - [`sync`]: the forced-synchronisation decisions.
//! - [`delta`]: delta sync: what to ask for, applying it, verifying it per scope.
//! - [`selection`]: selective sync: which cities and institutions a device keeps.
//! - [`conflict`]: merging an edit with a change someone else made to the same row meanwhile.
//! - [`live`]: live sync: the check schedule beside push, presence, round-trip history.
//! - [`time`]: reading the timestamp formats met in the cloud and in legacy files.

pub mod archive;
pub mod canonical;
pub mod conflict;
pub mod delta;
pub mod legacy;
pub mod live;
pub mod model;
pub mod permissions;
pub mod points;
pub mod scope;
pub mod selection;
pub mod sync;
pub mod table;
pub mod text;
pub mod time;
