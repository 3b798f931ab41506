//! The product's rules for names (cities, institutions, roles, columns) and cell values, mirrored
//! from SQL `app.check_label`, `app.check_columns` and `app.check_fields`
//! (`sql/migrations/0004_functions.sql`).
//!
//! The import RPC applies them and refuses the whole import on the first violation; checking them
//! here first makes such a file one problem in the preview, left out, while the rest imports. The
//! normalised form matters as much: the cloud stores what these functions return, so the next
//! import must compare against the same form or it would see changes that are not there.

use thiserror::Error;

use crate::model::FIXED_COLUMNS;

/// Longest city, institution, role or column name (`app.check_label`'s default).
pub const MAX_NAME_LEN: usize = 80;
/// Longest custom cell value (`app.check_fields`).
pub const MAX_FIELD_LEN: usize = 200;

/// Why a name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum LabelProblem {
    #[error("empty")]
    Empty,
    #[error("contains a control character (tab, line break…)")]
    ControlCharacter,
    #[error("{length} characters, at most {max}")]
    TooLong { length: usize, max: usize },
    #[error("the column name ID is reserved")]
    ReservedColumn,
}

/// A name as the database stores it: spaces trimmed (only spaces, like `btrim(v, ' ')`), not
/// empty, no control character, at most `max` characters.
///
/// # Errors
///
/// The [`LabelProblem`] that `app.check_label` would raise.
pub fn check_label(text: &str, max: usize) -> Result<String, LabelProblem> {
    let trimmed = text.trim_matches(' ');
    if trimmed.is_empty() {
        return Err(LabelProblem::Empty);
    }
    if trimmed.chars().any(is_refused_control) {
        return Err(LabelProblem::ControlCharacter);
    }
    let length = trimmed.chars().count();
    if length > max {
        return Err(LabelProblem::TooLong { length, max });
    }
    Ok(trimmed.to_owned())
}

/// A column name as `app.check_columns` stores it: a checked label, the fixed columns in upper
/// case whatever case they were written in, `ID` refused.
///
/// # Errors
///
/// The [`LabelProblem`] `app.check_columns` would raise for this column alone (duplicates are the
/// caller's to find, comparing upper case).
pub fn check_column(text: &str) -> Result<String, LabelProblem> {
    let label = check_label(text, MAX_NAME_LEN)?;
    let upper = label.to_uppercase();
    if FIXED_COLUMNS.contains(&upper.as_str()) {
        Ok(upper)
    } else if upper == "ID" {
        Err(LabelProblem::ReservedColumn)
    } else {
        Ok(label)
    }
}

/// The characters of SQL's `[\u0001-\u001f\u007f-\u009f\u2028\u2029]`, plus NUL (which
/// PostgreSQL text cannot hold at all).
fn is_refused_control(character: char) -> bool {
    matches!(character, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn labels_are_trimmed_of_spaces_and_checked() {
        assert_eq!(
            check_label("  Saint Denis ", 80).as_deref(),
            Ok("Saint Denis")
        );
        assert_eq!(check_label("   ", 80), Err(LabelProblem::Empty));
        assert_eq!(check_label("a\tb", 80), Err(LabelProblem::ControlCharacter));
        assert_eq!(
            check_label("a\u{2028}", 80),
            Err(LabelProblem::ControlCharacter)
        );
        assert_eq!(
            check_label("\u{85}", 80),
            Err(LabelProblem::ControlCharacter)
        );
        assert_eq!(
            check_label(&"Ș".repeat(80), 80).map(|l| l.chars().count()),
            Ok(80)
        );
        assert_eq!(
            check_label(&"Ș".repeat(81), 80),
            Err(LabelProblem::TooLong {
                length: 81,
                max: 80
            })
        );
        assert_eq!(
            check_label("<script>\"x\"</script>", 80).as_deref(),
            Ok("<script>\"x\"</script>")
        );
    }

    #[test]
    fn fixed_columns_are_upper_cased_and_id_is_reserved() {
        assert_eq!(check_column(" ultima_mod ").as_deref(), Ok("ULTIMA_MOD"));
        assert_eq!(check_column("Nume IC").as_deref(), Ok("Nume IC"));
        assert_eq!(check_column("id"), Err(LabelProblem::ReservedColumn));
    }
}
