//! The time zone of the legacy app's wall-clock times.
//!
//! The desktop app wrote `YYYY-MM-DD HH:MM:SS` in the local time of whoever clicked, with no zone.
//! The importer states which zone that was (Europe/Bucharest by default, changeable on the import
//! page) and converts every such time to UTC through a [`LocalTimeZone`]. Core ships no time-zone
//! tables (they would weigh on the wasm bundle): the app implements the trait with the browser's
//! `Intl`, and tests use a [`FixedZone`].

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

use crate::time::RecordedTime;

/// The zone the legacy app most likely ran in; the import page starts with it.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Bucharest";

/// A named time zone able to turn a local wall-clock time into an instant.
pub trait LocalTimeZone {
    /// The IANA name stated in the import's audit entry, e.g. `Europe/Bucharest`.
    fn name(&self) -> &str;

    /// The instant `local` denotes in this zone; `None` when it does not exist there (the hour
    /// skipped when clocks go forward). For an hour that happens twice the implementation
    /// chooses, and must choose the same way every time, so a second import finds the same keys.
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>>;
}

/// A zone at a fixed offset from UTC: UTC itself, or a stand-in for a real zone in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedZone {
    name: String,
    offset: FixedOffset,
}

impl FixedZone {
    /// `name` is what [`LocalTimeZone::name`] reports.
    pub fn new(name: &str, offset: FixedOffset) -> Self {
        Self {
            name: name.to_owned(),
            offset,
        }
    }

    /// UTC, named `UTC`.
    pub fn utc() -> Self {
        Self::new(
            "UTC",
            FixedOffset::east_opt(0).expect("zero is a valid offset"),
        )
    }
}

impl LocalTimeZone for FixedZone {
    fn name(&self) -> &str {
        &self.name
    }

    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.offset
            .from_local_datetime(&local)
            .single()
            .map(|instant| instant.with_timezone(&Utc))
    }
}

/// Any recorded legacy time as an instant: ISO times with an offset already are one, wall-clock
/// times go through `zone`.
pub(crate) fn to_instant(time: RecordedTime, zone: &dyn LocalTimeZone) -> Option<DateTime<Utc>> {
    match time {
        RecordedTime::Utc(instant) => Some(instant),
        RecordedTime::WallClock(local) => zone.to_utc(local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn local(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 2, 18)
            .unwrap()
            .and_hms_opt(h, 13, 47)
            .unwrap()
    }

    #[test]
    fn a_fixed_zone_shifts_local_times_by_its_offset() {
        let bucharest_winter =
            FixedZone::new("Europe/Bucharest", FixedOffset::east_opt(7200).unwrap());
        assert_eq!(bucharest_winter.name(), "Europe/Bucharest");
        assert_eq!(
            bucharest_winter.to_utc(local(18)),
            Some(Utc.with_ymd_and_hms(2026, 2, 18, 16, 13, 47).unwrap())
        );
        assert_eq!(
            FixedZone::utc().to_utc(local(18)),
            Some(Utc.with_ymd_and_hms(2026, 2, 18, 18, 13, 47).unwrap())
        );
    }

    #[test]
    fn instants_ignore_the_zone_and_wall_clock_times_use_it() {
        let zone = FixedZone::new("X", FixedOffset::east_opt(3600).unwrap());
        let instant = Utc.with_ymd_and_hms(2026, 2, 14, 23, 28, 19).unwrap();
        assert_eq!(to_instant(RecordedTime::Utc(instant), &zone), Some(instant));
        assert_eq!(
            to_instant(RecordedTime::WallClock(local(18)), &zone),
            Some(Utc.with_ymd_and_hms(2026, 2, 18, 17, 13, 47).unwrap())
        );
    }
}
