//! Bringing in the old desktop app's folder: what the browser must do for it. The files are
//! recognised, checked and compared with the cloud by `punctaj_core::legacy`; this module gives
//! that code the user's files ([`picked_files`], zip entries through `crate::compression`), the stated
//! time zone ([`intl_time_zone`]), and writes the result ([`run`]). The page is
//! `pages::import`.

pub mod intl_time_zone;
pub mod picked_files;
pub mod read_folder;
pub mod run;
