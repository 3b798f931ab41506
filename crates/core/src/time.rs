//! Reading the timestamps Punctaj meets, which come in more shapes than chrono's serde accepts.
//!
//! PostgREST writes `timestamptz` as `2026-03-07T12:28:40.123456+00:00`, but a `psql` paste, a
//! changed `DateStyle` or an older proxy gives `2026-03-07 12:28:40.123456+00`. The legacy desktop
//! app wrote wall-clock times with no zone at all (`2026-03-07 12:28:40`), which can never be turned
//! into an instant honestly, so they get their own variant instead of a guessed offset.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The one textual form Punctaj writes instants in: UTC, microseconds (PostgreSQL's precision).
pub(crate) const UTC_MICROS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The legacy app's wall-clock format, also used for `archived_at`.
pub(crate) const WALL_CLOCK_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Parses an instant written with an explicit offset (`Z`, `+00:00`, `+0000` or `+00`), with `T`
/// or a space between date and time and any number of fractional digits.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%#z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .ok()
        .map(|instant| instant.with_timezone(&Utc))
}

/// A time recorded by the legacy app or in an archive row: either an exact instant or a wall-clock
/// time in a zone nobody wrote down (the legacy app used the local time of whoever clicked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordedTime {
    /// An instant, recorded with an offset.
    Utc(DateTime<Utc>),
    /// A wall-clock time whose zone is unknown.
    WallClock(NaiveDateTime),
}

impl RecordedTime {
    /// Reads either shape; `None` when the text is neither.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(instant) = parse_timestamp(text) {
            return Some(Self::Utc(instant));
        }
        let text = text.trim();
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .ok()
            .map(Self::WallClock)
    }

    /// The instant, when one was recorded.
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Utc(instant) => Some(*instant),
            Self::WallClock(_) => None,
        }
    }
}

/// Writes the same shapes [`RecordedTime::parse`] reads: an instant as `…T…Z` with microseconds,
/// a wall-clock time as the legacy `YYYY-MM-DD HH:MM:SS`.
impl fmt::Display for RecordedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Utc(instant) => write!(f, "{}", instant.format(UTC_MICROS_FORMAT)),
            Self::WallClock(local) => write!(f, "{}", local.format(WALL_CLOCK_FORMAT)),
        }
    }
}

impl Serialize for RecordedTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordedTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {text:?}")))
    }
}

/// `#[serde(with = "crate::time::optional_instant")]` for nullable `timestamptz` columns.
pub(crate) mod optional_instant {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(instant) => serializer.collect_str(&instant.format(super::UTC_MICROS_FORMAT)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => super::parse_timestamp(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {text:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
            + chrono::Duration::microseconds(i64::from(micro))
    }

    #[test]
    fn reads_every_offset_shape_postgres_can_emit() {
        let expected = utc(2026, 3, 7, 12, 28, 40, 123_456);
        for text in [
            "2026-03-07T12:28:40.123456+00:00",
            "2026-03-07 12:28:40.123456+00",
            "2026-03-07 12:28:40.123456+0000",
            "2026-03-07T12:28:40.123456Z",
            "2026-03-07T14:28:40.123456+02:00",
            "2026-03-07T17:58:40.123456+05:30",
            " 2026-03-07T12:28:40.123456+00:00 ",
        ] {
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_timestamp("2026-03-07T12:28:40+00:00"),
            Some(utc(2026, 3, 7, 12, 28, 40, 0))
        );
        // PostgreSQL drops trailing zeros of the fraction.
        assert_eq!(
            parse_timestamp("2026-03-07T12:28:40.1+00:00"),
            Some(utc(2026, 3, 7, 12, 28, 40, 100_000))
        );
    }

    #[test]
    fn refuses_text_without_an_offset_as_an_instant() {
        assert_eq!(parse_timestamp("2026-03-07 12:28:40"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn recorded_time_keeps_wall_clock_times_unzoned() {
        let wall = NaiveDate::from_ymd_opt(2026, 3, 7)
            .unwrap()
            .and_hms_opt(12, 28, 40)
            .unwrap();
        assert_eq!(
            RecordedTime::parse("2026-03-07 12:28:40"),
            Some(RecordedTime::WallClock(wall))
        );
        assert_eq!(
            RecordedTime::parse("2026-02-14T23:28:19.394423+00:00"),
            Some(RecordedTime::Utc(utc(2026, 2, 14, 23, 28, 19, 394_423)))
        );
        assert_eq!(RecordedTime::parse("44"), None);
    }

    #[test]
    fn recorded_time_round_trips_through_its_text() {
        for text in ["2026-03-07 12:28:40", "2026-02-14T23:28:19.394423Z"] {
            let parsed = RecordedTime::parse(text).unwrap();
            assert_eq!(parsed.to_string(), text);
        }
    }
}
