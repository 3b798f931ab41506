//! Scopes: the parts the synced data is split into, each with its own version and hash
//! (`docs/canonical-hash.md`). `structure` is the cities and institutions with their names, ranks
//! and columns; `institution:<id>` is one institution's employees, its points time and its
//! archives. The same ids travel in the Realtime broadcast, in `sync_scopes` and in the delta.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One scope. Ordered as the global hash lists them: `structure` first, then institutions by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeId {
    Structure,
    Institution(i64),
}

const STRUCTURE: &str = "structure";
const INSTITUTION_PREFIX: &str = "institution:";

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeId::Structure => f.write_str(STRUCTURE),
            ScopeId::Institution(id) => write!(f, "{INSTITUTION_PREFIX}{id}"),
        }
    }
}

/// A scope id that is not `structure` or `institution:<decimal id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadScopeId(pub String);

impl fmt::Display for BadScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a scope id: {:?}", self.0)
    }
}

impl std::error::Error for BadScopeId {}

impl FromStr for ScopeId {
    type Err = BadScopeId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == STRUCTURE {
            return Ok(ScopeId::Structure);
        }
        text.strip_prefix(INSTITUTION_PREFIX)
            // Only the canonical decimal form, so that one scope has one spelling.
            .filter(|digits| {
                !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && (digits.len() == 1 || !digits.starts_with('0'))
            })
            .and_then(|digits| digits.parse::<i64>().ok())
            .map(ScopeId::Institution)
            .ok_or_else(|| BadScopeId(text.to_owned()))
    }
}

impl Serialize for ScopeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScopeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn scope_ids_round_trip_and_order_structure_first_then_by_number() {
        let mut ids = [
            ScopeId::Institution(10),
            ScopeId::Institution(9),
            ScopeId::Structure,
        ];
        ids.sort();
        let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["structure", "institution:9", "institution:10"]);
        for (id, text) in ids.iter().zip(&texts) {
            assert_eq!(text.parse::<ScopeId>().as_ref(), Ok(id));
            assert_eq!(serde_json::to_value(id).unwrap(), text.as_str());
        }
    }

    #[test]
    fn only_the_canonical_spelling_is_a_scope_id() {
        for bad in [
            "",
            "Structure",
            "institution:",
            "institution:07",
            "institution:-1",
            "institution:+1",
            "institution: 1",
            "institution:1x",
            "institution:99999999999999999999",
            "city:1",
        ] {
            assert!(bad.parse::<ScopeId>().is_err(), "{bad:?}");
        }
        assert_eq!("institution:0".parse(), Ok(ScopeId::Institution(0)));
    }
}
