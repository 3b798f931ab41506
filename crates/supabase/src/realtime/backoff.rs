//! How long to wait before reconnecting or rejoining: 1 s, 2 s, 5 s, 10 s, then 30 s (the
//! steps of realtime-js, with a longer ceiling), each spread by ±25 %. The spread matters:
//! when the server restarts, every open tab loses its socket at the same instant, and without
//! it they would all come back at the same instant too.

/// The delays before jitter, in ms; the last one repeats.
const STEPS_MS: [f64; 5] = [1_000.0, 2_000.0, 5_000.0, 10_000.0, 30_000.0];
/// ±25 %.
const JITTER: f64 = 0.25;

/// Counts the failed attempts since the last success.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    attempts: u32,
}

impl Backoff {
    /// The delay before the next attempt, from `random` in `[0, 1)` (anything else is
    /// clamped, so a broken random source cannot make the delay negative or endless).
    pub fn next_delay_ms(&mut self, random: f64) -> f64 {
        let step = STEPS_MS[(self.attempts as usize).min(STEPS_MS.len() - 1)];
        self.attempts = self.attempts.saturating_add(1);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        step * (1.0 - JITTER + 2.0 * JITTER * random)
    }

    /// Joined again: the next failure starts from the first step.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_up_to_thirty_seconds_within_a_quarter() {
        for (random, factor) in [(0.0, 0.75), (0.5, 1.0), (0.999_999, 1.25)] {
            let mut backoff = Backoff::default();
            let delays: Vec<f64> = (0..7).map(|_| backoff.next_delay_ms(random)).collect();
            let expected = [
                1_000.0, 2_000.0, 5_000.0, 10_000.0, 30_000.0, 30_000.0, 30_000.0,
            ];
            for (delay, step) in delays.iter().zip(expected) {
                assert!(
                    (delay - step * factor).abs() < 0.1,
                    "{delays:?} for {random}"
                );
            }
        }
    }

    #[test]
    fn reset_starts_again_and_bad_randomness_is_tamed() {
        let mut backoff = Backoff::default();
        backoff.next_delay_ms(0.5);
        backoff.next_delay_ms(0.5);
        assert_eq!(backoff.attempts(), 2);
        backoff.reset();
        assert_eq!(backoff.next_delay_ms(f64::NAN), 1_000.0);
        assert_eq!(backoff.next_delay_ms(-3.0), 1_500.0);
        assert_eq!(backoff.next_delay_ms(7.0), 6_250.0);
    }
}
