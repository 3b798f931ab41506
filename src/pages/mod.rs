//! The app's screens, one module per route (and the screens before sign-in).

pub mod archive;
pub mod audit;
pub mod config_problem;
pub mod home;
pub mod import;
pub mod login;
pub mod members;
pub mod pending;
pub mod settings;
