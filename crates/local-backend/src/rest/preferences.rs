//! The `Prefer` header, as PostgREST reads it (`src/PostgREST/ApiRequest/Preferences.hs`):
//! comma-separated values over any number of `Prefer` headers, the first valid value of each
//! kind wins, unknown values are ignored unless `handling=strict`.

use axum::http::HeaderMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Return {
    Minimal,
    HeadersOnly,
    Representation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    MergeDuplicates,
    IgnoreDuplicates,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preferences {
    pub resolution: Option<Resolution>,
    pub return_: Option<Return>,
    /// `count=exact` (also `planned`/`estimated`, which we answer exactly).
    pub count: Option<&'static str>,
    pub missing_default: Option<bool>,
    pub strict: Option<bool>,
    pub invalid: Vec<String>,
}

impl Preferences {
    pub fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut prefs = Preferences::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for pref in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match pref {
                    "resolution=merge-duplicates" => {
                        prefs.resolution.get_or_insert(Resolution::MergeDuplicates);
                    }
                    "resolution=ignore-duplicates" => {
                        prefs.resolution.get_or_insert(Resolution::IgnoreDuplicates);
                    }
                    "return=minimal" => {
                        prefs.return_.get_or_insert(Return::Minimal);
                    }
                    "return=headers-only" => {
                        prefs.return_.get_or_insert(Return::HeadersOnly);
                    }
                    "return=representation" => {
                        prefs.return_.get_or_insert(Return::Representation);
                    }
                    "count=exact" => {
                        prefs.count.get_or_insert("count=exact");
                    }
                    "count=planned" => {
                        prefs.count.get_or_insert("count=planned");
                    }
                    "count=estimated" => {
                        prefs.count.get_or_insert("count=estimated");
                    }
                    "missing=default" => {
                        prefs.missing_default.get_or_insert(true);
                    }
                    "missing=null" => {
                        prefs.missing_default.get_or_insert(false);
                    }
                    "handling=strict" => {
                        prefs.strict.get_or_insert(true);
                    }
                    "handling=lenient" => {
                        prefs.strict.get_or_insert(false);
                    }
                    "tx=commit" | "tx=rollback" => {}
                    other
                        if other.starts_with("timezone=") || other.starts_with("max-affected=") => {
                    }
                    other => prefs.invalid.push(other.to_string()),
                }
            }
        }
        prefs
    }

    pub fn wants_count(&self) -> bool {
        self.count.is_some()
    }

    /// `Preference-Applied`, listing what was honoured, in PostgREST's order.
    pub fn applied(&self, resolution: bool, return_: bool, missing: bool) -> Option<String> {
        let mut values: Vec<&str> = Vec::new();
        if resolution {
            match self.resolution {
                Some(Resolution::MergeDuplicates) => values.push("resolution=merge-duplicates"),
                Some(Resolution::IgnoreDuplicates) => values.push("resolution=ignore-duplicates"),
                None => {}
            }
        }
        if missing {
            match self.missing_default {
                Some(true) => values.push("missing=default"),
                Some(false) => values.push("missing=null"),
                None => {}
            }
        }
        if return_ {
            match self.return_ {
                Some(Return::Minimal) => values.push("return=minimal"),
                Some(Return::HeadersOnly) => values.push("return=headers-only"),
                Some(Return::Representation) => values.push("return=representation"),
                None => {}
            }
        }
        if let Some(count) = self.count {
            values.push(count);
        }
        match self.strict {
            Some(true) => values.push("handling=strict"),
            Some(false) => values.push("handling=lenient"),
            None => {}
        }
        (!values.is_empty()).then(|| values.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn first_value_wins_and_lists_are_split() {
        let mut headers = HeaderMap::new();
        headers.append(
            "prefer",
            HeaderValue::from_static("resolution=ignore-duplicates, return=representation"),
        );
        headers.append(
            "prefer",
            HeaderValue::from_static("return=minimal, count=exact, bogus"),
        );
        let p = Preferences::from_headers(&headers);
        assert_eq!(p.resolution, Some(Resolution::IgnoreDuplicates));
        assert_eq!(p.return_, Some(Return::Representation));
        assert!(p.wants_count());
        assert_eq!(p.invalid, vec!["bogus".to_string()]);
        assert_eq!(
            p.applied(true, true, true).unwrap(),
            "resolution=ignore-duplicates, return=representation, count=exact"
        );
    }
}
