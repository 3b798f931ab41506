//! The decisions of live sync (Realtime push beside the 1-second check), free of timers and
//! sockets: how often to check while the push connection is healthy, what a client announces in
//! presence and how many clients are on a version, and the round-trip history drawn in settings.
//!
//! A broadcast never decides anything by itself: it only makes the client check the version at
//! once. So nothing here reads a broadcast's version to lock or unlock.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The normal pace of the version check, and what the product promises.
pub const DEFAULT_CHECK_INTERVAL_MS: u32 = 1_000;
/// A relaxed interval is never longer than this: the check is the backstop for lost pushes
/// (`realtime.send` only logs a warning when it cannot deliver).
pub const MAX_LIVE_CHECK_INTERVAL_MS: u32 = 60_000;

/// How often to check the version (`config.json`: `liveCheckIntervalMs`, `realtime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckSchedule {
    /// While the push connection is joined and its heartbeats answered.
    pub live_interval_ms: u32,
    /// Whether to open the push connection at all (a project without Realtime says `false`).
    pub push_enabled: bool,
}

impl Default for CheckSchedule {
    fn default() -> Self {
        CheckSchedule {
            live_interval_ms: DEFAULT_CHECK_INTERVAL_MS,
            push_enabled: true,
        }
    }
}

/// A `liveCheckIntervalMs` or `realtime` value in `config.json` that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "\"liveCheckIntervalMs\" must be a whole number of milliseconds between 1000 and 60000"
    )]
    BadInterval,
    #[error("\"realtime\" must be true or false")]
    BadSwitch,
}

impl CheckSchedule {
    /// Reads the optional live-sync settings of a `config.json` object; absent fields keep their
    /// defaults, other fields are not this function's business.
    pub fn from_config(config: &Value) -> Result<CheckSchedule, ScheduleError> {
        let mut schedule = CheckSchedule::default();
        match config.get("liveCheckIntervalMs") {
            None | Some(Value::Null) => {}
            Some(value) => {
                schedule.live_interval_ms = value
                    .as_u64()
                    .and_then(|ms| u32::try_from(ms).ok())
                    .filter(|ms| {
                        (DEFAULT_CHECK_INTERVAL_MS..=MAX_LIVE_CHECK_INTERVAL_MS).contains(ms)
                    })
                    .ok_or(ScheduleError::BadInterval)?;
            }
        }
        match config.get("realtime") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(enabled)) => schedule.push_enabled = *enabled,
            Some(_) => return Err(ScheduleError::BadSwitch),
        }
        Ok(schedule)
    }

    /// The delay before the next check after a successful one: relaxed only while push is
    /// healthy; the moment it is not, back to every second.
    pub fn interval_ms(self, push_healthy: bool) -> u32 {
        if push_healthy && self.push_enabled {
            self.live_interval_ms
        } else {
            DEFAULT_CHECK_INTERVAL_MS
        }
    }
}

/// What one open client announces on the channel (Realtime Presence).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientPresence {
    /// The account's display name (or e-mail).
    pub name: String,
    /// The installed local version (0 before the first download).
    pub version: i64,
    pub locked: bool,
}

impl ClientPresence {
    /// The presence payload of a client. Only a name and two numbers: presence is visible to
    /// every member on the channel.
    pub fn to_meta(&self) -> Value {
        serde_json::json!({ "name": self.name, "version": self.version, "locked": self.locked })
    }

    /// Reads another client's announcement; one that does not have this shape (an older app, a
    /// hostile client) is left out rather than shown wrong.
    pub fn from_meta(meta: &Value) -> Option<ClientPresence> {
        let name = meta.get("name")?.as_str()?.chars().take(120).collect();
        let version = meta.get("version")?.as_i64()?;
        let locked = meta.get("locked")?.as_bool()?;
        Some(ClientPresence {
            name,
            version,
            locked,
        })
    }
}

/// "n of m clients on version v": how far a change (a force sync) has reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    pub on_version: usize,
    pub total: usize,
}

pub fn reach(clients: &[ClientPresence], version: i64) -> Reach {
    Reach {
        on_version: clients
            .iter()
            .filter(|client| client.version == version && !client.locked)
            .count(),
        total: clients.len(),
    }
}

/// The version checks' round-trip times over the last minutes, for the sparkline in settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RttHistory {
    /// (browser clock ms, round trip ms), oldest first.
    samples: VecDeque<(f64, f64)>,
}

/// How far back the chart goes.
pub const RTT_WINDOW_MS: f64 = 5.0 * 60_000.0;
/// The chart spans at least this much time.
const RTT_MIN_SPAN_MS: f64 = 60_000.0;
/// A bound whatever the clock does (5 minutes of 1-second checks, with room).
const RTT_MAX_SAMPLES: usize = 400;

impl RttHistory {
    pub fn record(&mut self, at_ms: f64, rtt_ms: f64) {
        if !rtt_ms.is_finite() || rtt_ms < 0.0 {
            return;
        }
        self.samples.push_back((at_ms, rtt_ms));
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| *at < at_ms - RTT_WINDOW_MS)
            || self.samples.len() > RTT_MAX_SAMPLES
        {
            self.samples.pop_front();
        }
    }

    pub fn last(&self) -> Option<f64> {
        self.samples.back().map(|(_, rtt)| *rtt)
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The median and the largest round trip of the window.
    pub fn median_and_max(&self) -> Option<(f64, f64)> {
        let mut values: Vec<f64> = self.samples.iter().map(|(_, rtt)| *rtt).collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some((values[values.len() / 2], values[values.len() - 1]))
    }

    /// The SVG `points` of a polyline `width` × `height`: time left to right, ending at the
    /// newest sample and spanning what was measured (at least a minute, at most the window, so
    /// a fresh page does not squeeze its few checks into the right edge); round trip bottom to
    /// top on a scale from 0 to the largest value, so a spike stands out at a glance.
    pub fn sparkline_points(&self, width: f64, height: f64) -> String {
        let Some((_, max)) = self.median_and_max() else {
            return String::new();
        };
        let newest = self.samples.back().map_or(0.0, |(at, _)| *at);
        let oldest = self.samples.front().map_or(0.0, |(at, _)| *at);
        let span = (newest - oldest).clamp(RTT_MIN_SPAN_MS, RTT_WINDOW_MS);
        let scale = if max > 0.0 { max } else { 1.0 };
        let mut points = String::new();
        for (at, rtt) in &self.samples {
            let x = width - (newest - at) / span * width;
            let y = height - rtt / scale * height;
            if !points.is_empty() {
                points.push(' ');
            }
            points.push_str(&format!(
                "{:.1},{:.1}",
                x.clamp(0.0, width),
                y.clamp(0.0, height)
            ));
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_check_relaxes_only_while_push_is_healthy() {
        let schedule =
            CheckSchedule::from_config(&json!({ "liveCheckIntervalMs": 30000 })).unwrap();
        assert_eq!(schedule.interval_ms(true), 30_000);
        assert_eq!(schedule.interval_ms(false), 1_000);
        let default = CheckSchedule::from_config(&json!({ "supabaseUrl": "x" })).unwrap();
        assert_eq!(default.interval_ms(true), 1_000);
        let off =
            CheckSchedule::from_config(&json!({ "realtime": false, "liveCheckIntervalMs": 5000 }))
                .unwrap();
        assert!(!off.push_enabled);
        assert_eq!(off.interval_ms(true), 1_000, "no push, no relaxing");
    }

    #[test]
    fn unusable_schedule_settings_are_refused_with_a_reason() {
        for bad in [
            json!(500),
            json!(60001),
            json!("30000"),
            json!(1.5),
            json!(-1),
        ] {
            assert_eq!(
                CheckSchedule::from_config(&json!({ "liveCheckIntervalMs": bad })),
                Err(ScheduleError::BadInterval),
                "{bad}"
            );
        }
        assert_eq!(
            CheckSchedule::from_config(&json!({ "realtime": "yes" })),
            Err(ScheduleError::BadSwitch)
        );
    }

    #[test]
    fn presence_round_trips_and_strange_metas_are_left_out() {
        let me = ClientPresence {
            name: "Ana <script>\"Ș".into(),
            version: 12,
            locked: true,
        };
        assert_eq!(ClientPresence::from_meta(&me.to_meta()), Some(me));
        assert_eq!(
            ClientPresence::from_meta(&json!({ "name": "x", "version": "12", "locked": false })),
            None
        );
        assert_eq!(ClientPresence::from_meta(&json!({ "phx_ref": "F1" })), None);
        let long = ClientPresence::from_meta(
            &json!({ "name": "a".repeat(1000), "version": 1, "locked": false }),
        )
        .unwrap();
        assert_eq!(long.name.len(), 120);
    }

    #[test]
    fn reach_counts_unlocked_clients_on_the_version() {
        let client = |version, locked| ClientPresence {
            name: "c".into(),
            version,
            locked,
        };
        let clients = [
            client(5, false),
            client(5, false),
            client(4, true),
            client(5, true),
        ];
        assert_eq!(
            reach(&clients, 5),
            Reach {
                on_version: 2,
                total: 4
            }
        );
        assert_eq!(
            reach(&[], 5),
            Reach {
                on_version: 0,
                total: 0
            }
        );
    }

    #[test]
    fn rtt_history_keeps_the_last_five_minutes_and_draws_them() {
        let mut history = RttHistory::default();
        assert_eq!(history.sparkline_points(100.0, 20.0), "");
        for second in 0..600 {
            history.record(f64::from(second) * 1000.0, 10.0);
        }
        assert!(history.len() <= 301, "{}", history.len());
        history.record(600_000.0, 50.0);
        assert_eq!(history.last(), Some(50.0));
        assert_eq!(history.median_and_max(), Some((10.0, 50.0)));
        let points = history.sparkline_points(100.0, 20.0);
        assert!(
            points.ends_with("100.0,0.0"),
            "the spike is the newest point, at the top: {points}"
        );
        assert!(
            points.starts_with("0.0,16.0"),
            "the oldest kept sample is at the left: {points}"
        );
        history.record(601_000.0, f64::NAN);
        assert_eq!(history.last(), Some(50.0), "a non-number is not a sample");

        // A fresh page: two checks 10 s apart sit on a one-minute axis, not at the right edge.
        let mut fresh = RttHistory::default();
        fresh.record(0.0, 20.0);
        fresh.record(10_000.0, 40.0);
        assert_eq!(fresh.sparkline_points(60.0, 10.0), "50.0,5.0 60.0,0.0");
    }
}
