//! Object keys. Storage accepts only S3-safe characters (`isValidKey`:
//! `^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$`, which also excludes non-ASCII and control characters);
//! this backend additionally refuses path tricks — a leading `/`, empty segments and `..` —
//! so a key always names one file under its folders.

use crate::storage::errors::StorageError;

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_/!.*'() &$=@;:+,?-".contains(c)
}

pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let ok = !key.is_empty()
        && key.chars().all(allowed)
        && !key.starts_with('/')
        && !key.ends_with('/')
        && !key.contains("//")
        && !key.contains("..");
    if ok {
        Ok(())
    } else {
        Err(StorageError::invalid_key(key))
    }
}

/// Bucket names: Storage's `isValidBucketName` (no `/`, at most 100 characters).
pub fn valid_bucket_name(bucket: &str) -> bool {
    !bucket.is_empty() && bucket.len() < 101 && bucket.chars().all(|c| c != '/' && allowed(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for good in [
            "backups/2026/snap-1.json",
            "BlackWater/Politie_2026-02-18_18-13-47.json",
            "Saint_Denis/Medici (copy) 1.json",
            "a",
        ] {
            assert!(validate_key(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/abs.json",
            "a//b.json",
            "a/../b.json",
            "..",
            "a/..",
            "folder/",
            "Brașov/x.json",
            "tab\there",
            "nul\0",
            "new\nline",
            "back\\slash",
            "q\"uote",
            "percent%20",
        ] {
            let err = validate_key(bad).unwrap_err();
            assert_eq!(err.code, "InvalidKey", "{bad:?}");
            assert_eq!(err.message, format!("Invalid key: {bad}"));
        }
    }

    #[test]
    fn buckets() {
        assert!(valid_bucket_name("arhiva"));
        assert!(!valid_bucket_name("a/b"));
        assert!(!valid_bucket_name(""));
    }
}
