//! The browser doors of the import, in headless Chromium: local wall-clock times of the old app
//! turned into UTC through `Intl`, and zip entries inflated by `DecompressionStream` with a limit
//! that stops a zip bomb.
#![cfg(target_arch = "wasm32")]

use chrono::NaiveDateTime;
use punctaj::import::inflate::{InflateError, inflate_raw};
use punctaj::import::intl_time_zone::{DEFAULT_TIME_ZONE, IntlTimeZone, known_time_zones};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

#[wasm_bindgen_test]
fn bucharest_local_times_become_utc_in_winter_and_summer() {
    let zone = IntlTimeZone::new(DEFAULT_TIME_ZONE).unwrap();
    // The real pre-reset archive's stamp (EET, UTC+2) and a summer time (EEST, UTC+3).
    assert_eq!(
        zone.to_utc(local("2026-02-18 18:13:47"))
            .unwrap()
            .to_rfc3339(),
        "2026-02-18T16:13:47+00:00"
    );
    assert_eq!(
        zone.to_utc(local("2026-07-01 12:00:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-07-01T09:00:00+00:00"
    );
    let utc = IntlTimeZone::new("UTC").unwrap();
    assert_eq!(
        utc.to_utc(local("2026-07-01 12:00:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-07-01T12:00:00+00:00"
    );
}

#[wasm_bindgen_test]
fn the_hours_around_daylight_saving_changes() {
    let zone = IntlTimeZone::new(DEFAULT_TIME_ZONE).unwrap();
    // 2026-03-29: 03:00 → 04:00 (03:30 never happened); 2026-10-25: 04:00 → 03:00 (03:30 twice:
    // the summer-time one, UTC+3, is taken).
    assert_eq!(zone.to_utc(local("2026-03-29 03:30:00")), None);
    assert_eq!(
        zone.to_utc(local("2026-10-25 03:30:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-10-25T00:30:00+00:00"
    );
}

#[wasm_bindgen_test]
fn an_unknown_time_zone_is_an_error_not_a_crash() {
    assert!(IntlTimeZone::new("Mars/Olympus_Mons").is_err());
    assert!(IntlTimeZone::new("<script>").is_err());
    let zones = known_time_zones();
    assert!(zones.iter().any(|zone| zone == DEFAULT_TIME_ZONE));
    assert!(zones.iter().any(|zone| zone == "UTC"));
}

/// `{"city": "Saint Denis"}` three times, raw deflate (Python's zlib, wbits -15).
const DEFLATED: [u8; 28] = [
    171, 86, 74, 206, 44, 169, 84, 178, 82, 80, 10, 78, 204, 204, 43, 81, 112, 73, 205, 203, 44,
    86, 170, 173, 38, 73, 24, 0,
];

#[wasm_bindgen_test]
async fn deflate_raw_entries_inflate_within_their_limit() {
    let inflated = inflate_raw(&DEFLATED, 1_000).await.unwrap();
    assert_eq!(
        String::from_utf8(inflated).unwrap(),
        r#"{"city": "Saint Denis"}"#.repeat(3)
    );
}

#[wasm_bindgen_test]
async fn output_past_the_limit_is_stopped_and_garbage_is_corrupt() {
    // 69 bytes of output against a limit of 10: refused, whatever the input's size claimed.
    // (A real bomb — 2 KiB inflating to hundreds of MiB — is in the end-to-end import test.)
    assert_eq!(
        inflate_raw(&DEFLATED, 10).await,
        Err(InflateError::TooLarge { limit: 10 })
    );
    assert!(matches!(
        inflate_raw(&[0xff, 0xfe, 0x01, 0x02], 1_000).await,
        Err(InflateError::Corrupt(_))
    ));
}
