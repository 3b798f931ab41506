//! Object keys as Storage accepts them, checked before anything is sent.

use crate::encoding::path_segment;
use crate::error::{ObjectKeyProblem, SupabaseError};

/// The key checked and percent-encoded segment by segment, `/` kept between segments.
pub(crate) fn encode_object_key(key: &str) -> Result<String, SupabaseError> {
    check_object_key(key).map_err(|problem| SupabaseError::InvalidObjectKey {
        key: key.to_owned(),
        problem,
    })?;
    Ok(key
        .split('/')
        .map(path_segment)
        .collect::<Vec<_>>()
        .join("/"))
}

fn check_object_key(key: &str) -> Result<(), ObjectKeyProblem> {
    if key.is_empty() {
        return Err(ObjectKeyProblem::Empty);
    }
    if key.starts_with('/') {
        return Err(ObjectKeyProblem::LeadingSlash);
    }
    if !key.is_ascii() {
        return Err(ObjectKeyProblem::NonAscii);
    }
    if key.chars().any(|c| c.is_ascii_control()) {
        return Err(ObjectKeyProblem::ControlCharacter);
    }
    for segment in key.split('/') {
        match segment {
            "" => return Err(ObjectKeyProblem::EmptySegment),
            "." | ".." => return Err(ObjectKeyProblem::DotSegment),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_each_segment_and_keeps_slashes() {
        assert_eq!(
            encode_object_key("Saint-Denis/Politie_2026-01-05_10-00-00.json"),
            Ok("Saint-Denis/Politie_2026-01-05_10-00-00.json".to_owned())
        );
        assert_eq!(
            encode_object_key("a b/c#d?e%.json"),
            Ok("a%20b/c%23d%3Fe%25.json".to_owned())
        );
    }

    #[test]
    fn refuses_keys_storage_or_url_normalisation_would_mangle() {
        for (key, problem) in [
            ("", ObjectKeyProblem::Empty),
            ("/a.json", ObjectKeyProblem::LeadingSlash),
            ("a//b.json", ObjectKeyProblem::EmptySegment),
            ("a/", ObjectKeyProblem::EmptySegment),
            ("a/../b.json", ObjectKeyProblem::DotSegment),
            ("./b.json", ObjectKeyProblem::DotSegment),
            ("..", ObjectKeyProblem::DotSegment),
            ("Brașov/a.json", ObjectKeyProblem::NonAscii),
            ("a\nb", ObjectKeyProblem::ControlCharacter),
        ] {
            assert_eq!(
                encode_object_key(key),
                Err(SupabaseError::InvalidObjectKey {
                    key: key.to_owned(),
                    problem
                }),
                "{key:?}"
            );
        }
    }

    #[test]
    fn dots_inside_names_are_fine() {
        assert!(encode_object_key("a/..b/c..json").is_ok());
    }
}
