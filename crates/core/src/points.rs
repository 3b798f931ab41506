//! The points rules: how a change applies to a score and which amounts a leader may type.
//!
//! The server's `change_points` applies the same rule in SQL; this copy lets the UI preview the
//! result and refuse bad input before any request is sent.

use thiserror::Error;

/// The largest amount one change may add or subtract.
pub const MAX_POINTS_AMOUNT: u32 = 1_000_000;

/// The score after adding `delta` (negative to subtract): never below 0, and never wrapping.
pub fn apply_delta(current: i32, delta: i32) -> i32 {
    current.saturating_add(delta).max(0)
}

/// Why the amount typed in the "add/subtract points" dialog was refused. The dialog has separate
/// add and subtract buttons, so the amount itself is always positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PointsAmountError {
    #[error("enter an amount of points")]
    Empty,
    #[error("the amount must be at least 1")]
    Zero,
    #[error("enter the amount without a sign; use the subtract button to take points away")]
    Negative,
    #[error("the amount must be a whole number")]
    NotANumber,
    #[error("the amount may be at most {MAX_POINTS_AMOUNT}")]
    TooLarge,
}

/// Reads the amount: surrounding whitespace ignored, an optional leading `+`, then ASCII digits
/// forming a number in `1..=MAX_POINTS_AMOUNT`.
///
/// # Errors
///
/// One [`PointsAmountError`] variant per reason, so the dialog can say what to fix.
pub fn parse_points_amount(input: &str) -> Result<u32, PointsAmountError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(PointsAmountError::Empty);
    }
    let (negative, digits) = match input.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, input.strip_prefix('+').unwrap_or(input)),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(PointsAmountError::NotANumber);
    }
    // Leading zeros do not make a number large; anything still longer than u32 is too large.
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Err(PointsAmountError::Zero);
    }
    if negative {
        return Err(PointsAmountError::Negative);
    }
    match significant.parse::<u32>() {
        Ok(amount) if amount <= MAX_POINTS_AMOUNT => Ok(amount),
        _ => Err(PointsAmountError::TooLarge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A spread of scores and deltas including every boundary.
    fn interesting_values() -> Vec<i32> {
        let mut values = vec![
            i32::MIN,
            i32::MIN + 1,
            -1_000_001,
            -1,
            0,
            1,
            1_000_000,
            i32::MAX - 1,
            i32::MAX,
        ];
        values.extend((-300..=300).step_by(7));
        values
    }

    #[test]
    fn apply_delta_is_never_negative_and_adds_exactly_when_in_range() {
        for current in interesting_values() {
            for delta in interesting_values() {
                let result = apply_delta(current, delta);
                assert!(result >= 0, "{current} {delta:+}");
                let exact = i64::from(current) + i64::from(delta);
                let expected = exact.clamp(0, i64::from(i32::MAX));
                assert_eq!(i64::from(result), expected, "{current} {delta:+}");
            }
        }
    }

    #[test]
    fn subtracting_more_than_the_score_clamps_at_zero() {
        assert_eq!(apply_delta(5, -3), 2);
        assert_eq!(apply_delta(5, -5), 0);
        assert_eq!(apply_delta(5, -6), 0);
        assert_eq!(apply_delta(0, -1_000_000), 0);
        assert_eq!(apply_delta(i32::MAX, 1), i32::MAX);
    }

    #[test]
    fn accepts_every_amount_in_range_in_its_usual_spellings() {
        for amount in (1..=MAX_POINTS_AMOUNT)
            .step_by(997)
            .chain([1, 2, 10, MAX_POINTS_AMOUNT])
        {
            for text in [
                amount.to_string(),
                format!("  {amount}\t"),
                format!("+{amount}"),
                format!("00{amount}"),
            ] {
                assert_eq!(parse_points_amount(&text), Ok(amount), "{text:?}");
            }
        }
    }

    #[test]
    fn each_kind_of_bad_input_has_its_own_error() {
        use PointsAmountError::*;
        for (input, expected) in [
            ("", Empty),
            ("   ", Empty),
            ("\n", Empty),
            ("0", Zero),
            ("000", Zero),
            ("+0", Zero),
            ("-0", Zero),
            ("-1", Negative),
            ("-5", Negative),
            (" -1000000 ", Negative),
            ("-99999999999999999999", Negative),
            ("abc", NotANumber),
            ("1.5", NotANumber),
            ("1,5", NotANumber),
            ("1 000", NotANumber),
            ("1e3", NotANumber),
            ("+", NotANumber),
            ("-", NotANumber),
            ("--1", NotANumber),
            ("+-1", NotANumber),
            ("١٢", NotANumber),
            ("0x10", NotANumber),
            ("1000001", TooLarge),
            ("4294967295", TooLarge),
            ("4294967296", TooLarge),
            ("99999999999999999999999", TooLarge),
        ] {
            assert_eq!(parse_points_amount(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn every_number_just_past_the_limit_is_too_large() {
        for amount in (MAX_POINTS_AMOUNT + 1..MAX_POINTS_AMOUNT + 5_000).step_by(13) {
            assert_eq!(
                parse_points_amount(&amount.to_string()),
                Err(PointsAmountError::TooLarge)
            );
        }
    }

    #[test]
    fn errors_explain_themselves() {
        assert!(PointsAmountError::TooLarge.to_string().contains("1000000"));
    }
}
