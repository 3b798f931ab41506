//! Every in-app URL. The app may be served under a sub-path (`/punctaj/`); Leptos' router applies
//! its base only to relative links, so the absolute ones are built here, in one place.

use std::sync::OnceLock;

use crate::browser;

fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(browser::base_path)
}

/// The router's base (`""` at the root, `"/punctaj"` under a sub-path).
pub fn router_base() -> String {
    base().to_string()
}

pub fn home() -> String {
    format!("{}/", base())
}

pub fn city(city_id: i64) -> String {
    format!("{}/city/{city_id}", base())
}

pub fn institution(city_id: i64, institution_id: i64) -> String {
    format!("{}/city/{city_id}/institution/{institution_id}", base())
}

pub fn archive() -> String {
    format!("{}/archive", base())
}

pub fn audit() -> String {
    format!("{}/audit", base())
}

pub fn settings() -> String {
    format!("{}/settings", base())
}

pub fn members() -> String {
    format!("{}/members", base())
}

pub fn import() -> String {
    format!("{}/import", base())
}
