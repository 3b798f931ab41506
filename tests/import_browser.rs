//! The browser doors of the import, in headless Chromium: local wall-clock times of the old app
//! turned into UTC through `Intl`, and zip entries inflated by `DecompressionStream` with a limit
//! that stops a zip bomb.
#![cfg(target_arch = "wasm32")]

use chrono::NaiveDateTime;
use punctaj::compression::{CompressionError, Format, decompress, gzip};
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
    let inflated = decompress(Format::DeflateRaw, &DEFLATED, 1_000)
        .await
        .unwrap();
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
        decompress(Format::DeflateRaw, &DEFLATED, 10).await,
        Err(CompressionError::TooLarge { limit: 10 })
    );
    assert!(matches!(
        decompress(Format::DeflateRaw, &[0xff, 0xfe, 0x01, 0x02], 1_000).await,
        Err(CompressionError::Corrupt(_))
    ));
}

// gzip: large reset archives in the bucket ----------------------------------------------------------

#[wasm_bindgen_test]
async fn an_archive_round_trips_through_gzip_and_a_damaged_one_is_refused() {
    let text = r#"{"city": "Ștefan <script>", "rows": []}"#.repeat(500);
    let zipped = gzip(text.as_bytes()).await.unwrap();
    assert_eq!(&zipped[..2], &[0x1f, 0x8b], "a gzip member");
    assert!(
        zipped.len() * 10 < text.len(),
        "{} of {}",
        zipped.len(),
        text.len()
    );
    let back = decompress(Format::Gzip, &zipped, 1 << 20).await.unwrap();
    assert_eq!(String::from_utf8(back).unwrap(), text);

    let truncated = &zipped[..zipped.len() / 2];
    assert!(matches!(
        decompress(Format::Gzip, truncated, 1 << 20).await,
        Err(CompressionError::Corrupt(_))
    ));
    assert!(matches!(
        decompress(Format::Gzip, b"plain text, not gzip", 1 << 20).await,
        Err(CompressionError::Corrupt(_))
    ));
    assert_eq!(
        decompress(Format::Gzip, &zipped, 100).await,
        Err(CompressionError::TooLarge { limit: 100 })
    );
}
