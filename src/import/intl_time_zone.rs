//! The old app wrote local wall-clock times (`2026-02-18 18:13:47`) without a zone. They become
//! UTC through the time zone the user states, computed by the browser's `Intl` — so the bundle
//! carries no time-zone tables.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

use super::picked_files::describe;

/// The old app's community: Romania.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Bucharest";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type ZoneFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<ZoneFormat, JsValue>;
    #[wasm_bindgen(method, js_name = formatToParts)]
    fn format_to_parts(this: &ZoneFormat, epoch_ms: f64) -> Array;

    #[wasm_bindgen(js_namespace = Intl, js_name = supportedValuesOf, catch)]
    fn supported_values_of(key: &str) -> Result<Array, JsValue>;
}

/// An IANA time zone, as the browser knows it.
pub struct IntlTimeZone {
    name: String,
    format: ZoneFormat,
}

impl IntlTimeZone {
    /// # Errors
    /// The browser's message when it does not know `name`.
    pub fn new(name: &str) -> Result<Self, String> {
        let options = Object::new();
        let set = |key: &str, value: &str| {
            let _ = Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
        };
        set("timeZone", name);
        set("hourCycle", "h23");
        for field in ["year", "month", "day", "hour", "minute", "second"] {
            set(field, "numeric");
        }
        let format = ZoneFormat::new("en-US", &options).map_err(|error| describe(&error))?;
        Ok(Self {
            name: name.to_owned(),
            format,
        })
    }

    /// The zone's wall clock at `instant`.
    fn wall_clock(&self, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        let mut fields = [0i64; 6];
        for part in self
            .format
            .format_to_parts(instant.timestamp_millis() as f64)
            .iter()
        {
            let kind = Reflect::get(&part, &JsValue::from_str("type"))
                .ok()?
                .as_string()?;
            let index = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[index] = Reflect::get(&part, &JsValue::from_str("value"))
                .ok()?
                .as_string()?
                .parse()
                .ok()?;
        }
        let [year, month, day, hour, minute, second] = fields;
        chrono::NaiveDate::from_ymd_opt(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )?
        .and_hms_opt(
            u32::try_from(hour).ok()?,
            u32::try_from(minute).ok()?,
            u32::try_from(second).ok()?,
        )
    }

    /// The instant whose wall clock in this zone reads `local`: `None` in the hour skipped when
    /// clocks go forward; in the hour repeated when they go back, the earlier (summer-time)
    /// reading, every time, so that a second import finds the same archive keys.
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let as_if_utc = local.and_utc();
        // The zone's offsets a day either side cover every offset `local` can have (zones
        // change their offset at most once a day).
        [-1, 0, 1]
            .into_iter()
            .filter_map(|days| {
                let near = as_if_utc + Duration::days(days);
                let offset = self.wall_clock(near)? - near.naive_utc();
                let candidate = as_if_utc - offset;
                (self.wall_clock(candidate)? == local).then_some(candidate)
            })
            .min()
    }
}

impl punctaj_core::legacy::time_zone::LocalTimeZone for IntlTimeZone {
    fn name(&self) -> &str {
        &self.name
    }

    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        IntlTimeZone::to_utc(self, local)
    }
}

/// The zones to offer: the browser's list, the default first.
pub fn known_time_zones() -> Vec<String> {
    let mut zones: Vec<String> = supported_values_of("timeZone")
        .map(|zones| zones.iter().filter_map(|zone| zone.as_string()).collect())
        .unwrap_or_default();
    for must in ["UTC", DEFAULT_TIME_ZONE] {
        if !zones.iter().any(|zone| zone == must) {
            zones.push(must.to_owned());
        }
    }
    zones.sort();
    zones
}
