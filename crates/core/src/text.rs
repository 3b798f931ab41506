//! Folding names to a plain form: the transliteration table shared by archive key slugs
//! ([`crate::archive::slug`]) and the employee table's case- and diacritic-insensitive sorting
//! and search ([`crate::table`]).
//!
//! The table is a contract with SQL (`app.slug`) and with every archive key already in the
//! bucket, so it lives once, here, below both of its users.

/// Characters [`slug`](crate::archive::slug) transliterates, each to the character at the same
/// position in [`TRANSLITERATE_TO`]. Two strings rather than a map so that SQL can apply the
/// identical rule with `translate(name, TRANSLITERATE_FROM, TRANSLITERATE_TO)`. The table is a
/// contract with the SQL copy (`app.slug`) and with every key already in the bucket: change both
/// copies together or not at all.
pub const TRANSLITERATE_FROM: &str = "ăâàáäãåāĂÂÀÁÄÃÅĀîìíïīÎÌÍÏĪșşśšȘŞŚŠțţȚŢéèëêēěÉÈËÊĒĚóòöôõøőÓÒÖÔÕØŐúùüûűůÚÙÜÛŰŮçćčÇĆČñńÑŃýÿÝžźżŽŹŻďđĎĐłŁřŘğĞß";
/// See [`TRANSLITERATE_FROM`].
pub const TRANSLITERATE_TO: &str = "aaaaaaaaAAAAAAAAiiiiiIIIIIssssSSSSttTTeeeeeeEEEEEEoooooooOOOOOOOuuuuuuUUUUUUcccCCCnnNNyyYzzzZZZddDDlLrRgGs";

/// One character through the [`TRANSLITERATE_FROM`] → [`TRANSLITERATE_TO`] table; characters
/// outside the table are returned unchanged.
pub(crate) fn transliterate(character: char) -> char {
    if character.is_ascii() {
        return character;
    }
    TRANSLITERATE_FROM
        .chars()
        .zip(TRANSLITERATE_TO.chars())
        .find(|(from, _)| *from == character)
        .map_or(character, |(_, to)| to)
}

/// The form text is compared in: transliterated through the slug table, then lowercased.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(transliterate)
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn transliteration_table_pairs_every_character() {
        assert_eq!(
            TRANSLITERATE_FROM.chars().count(),
            TRANSLITERATE_TO.chars().count()
        );
        let mut seen = std::collections::HashSet::new();
        for from in TRANSLITERATE_FROM.chars() {
            assert!(!from.is_ascii(), "{from} needs no transliteration");
            assert!(seen.insert(from), "{from} appears twice");
        }
        assert!(TRANSLITERATE_TO.chars().all(|to| to.is_ascii_alphabetic()));
    }

    #[test]
    fn fold_removes_case_and_diacritics() {
        assert_eq!(fold("Ștefan ȚARĂ Îngâmfat"), "stefan tara ingamfat");
        assert_eq!(fold("ŞŢ"), "st");
        assert_eq!(fold("Straße"), "strase");
        assert_eq!(fold("ΑΒΓ"), "αβγ");
    }
}
