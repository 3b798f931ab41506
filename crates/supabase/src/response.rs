//! Turning an [`HttpResponse`] into typed results: the service's error for a non-2xx status,
//! JSON decoded into the caller's type, PostgREST's row count.

use std::any::type_name;

use serde::de::DeserializeOwned;

use crate::error::SupabaseError;
use crate::request::{HttpResponse, Service};

/// The response itself when its status is 2xx, else the error the service described.
pub fn check_status(
    service: Service,
    response: HttpResponse,
) -> Result<HttpResponse, SupabaseError> {
    if response.is_success() {
        Ok(response)
    } else {
        Err(SupabaseError::from_response(service, &response))
    }
}

impl HttpResponse {
    /// The body decoded as `T`. An empty body (204 No Content, a `void` function) reads as JSON
    /// `null`, so `()` and `Option<_>` accept it.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SupabaseError> {
        let json: &[u8] = if self.body.is_empty() {
            b"null"
        } else {
            &self.body
        };
        serde_json::from_slice(json).map_err(|e| {
            SupabaseError::Decode(format!(
                "expected JSON for {}: {e}; the body starts with: {}",
                type_name::<T>(),
                self.body_preview()
            ))
        })
    }

    /// Zero or one row from a PostgREST array (what supabase-js's `maybeSingle()` does on the
    /// client side for GET): several rows are an error, as PostgREST would answer `single()`.
    pub fn maybe_single<T: DeserializeOwned>(&self) -> Result<Option<T>, SupabaseError> {
        let mut rows: Vec<T> = self.json()?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.pop()),
            n => Err(SupabaseError::PostgRest {
                status: 406,
                code: Some("PGRST116".to_owned()),
                message: "JSON object requested, multiple (or no) rows returned".to_owned(),
                details: Some(format!(
                    "Results contain {n} rows, application/vnd.pgrst.object+json requires 1 row"
                )),
                hint: None,
            }),
        }
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String, SupabaseError> {
        String::from_utf8(self.body.clone())
            .map_err(|e| SupabaseError::Decode(format!("expected UTF-8 text: {e}")))
    }

    /// PostgREST's `Content-Range`, present on reads.
    pub fn content_range(&self) -> Option<ContentRange> {
        self.header("content-range").and_then(ContentRange::parse)
    }

    /// The total row count of a query sent with `count_exact()`; `None` when the server did not
    /// count.
    pub fn count(&self) -> Option<u64> {
        self.content_range().and_then(|range| range.total)
    }

    fn body_preview(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(120)
            .collect()
    }
}

/// `Content-Range: 0-49/123`, `*/0` (no rows), `0-9/*` (not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentRange {
    /// Indexes of the first and last row returned, when any was.
    pub rows: Option<(u64, u64)>,
    pub total: Option<u64>,
}

impl ContentRange {
    pub fn parse(value: &str) -> Option<ContentRange> {
        let (rows, total) = value.trim().split_once('/')?;
        let rows = match rows {
            "*" => None,
            rows => {
                let (first, last) = rows.split_once('-')?;
                Some((first.parse().ok()?, last.parse().ok()?))
            }
        };
        let total = match total {
            "*" => None,
            total => Some(total.parse().ok()?),
        };
        Some(ContentRange { rows, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde::Deserialize;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Version {
        version: i64,
    }

    #[test]
    fn parses_content_ranges() {
        assert_eq!(
            ContentRange::parse("0-49/123"),
            Some(ContentRange {
                rows: Some((0, 49)),
                total: Some(123)
            })
        );
        assert_eq!(
            ContentRange::parse("*/0"),
            Some(ContentRange {
                rows: None,
                total: Some(0)
            })
        );
        assert_eq!(
            ContentRange::parse("0-9/*"),
            Some(ContentRange {
                rows: Some((0, 9)),
                total: None
            })
        );
        assert_eq!(ContentRange::parse("bytes"), None);
        assert_eq!(ContentRange::parse("a-b/3"), None);
    }

    #[test]
    fn count_comes_from_the_content_range_header() {
        let counted = response(200, &[("Content-Range", "0-49/123")], "");
        assert_eq!(counted.count(), Some(123));
        let uncounted = response(200, &[("content-range", "0-9/*")], "[]");
        assert_eq!(uncounted.count(), None);
        assert_eq!(response(200, &[], "[]").count(), None);
    }

    #[test]
    fn decodes_json_into_the_callers_type() {
        let ok = response(200, &[], r#"{"version": 42}"#);
        assert_eq!(ok.json::<Version>(), Ok(Version { version: 42 }));
    }

    #[test]
    fn decode_errors_say_what_was_expected() {
        let wrong = response(200, &[], r#"{"version": "x"}"#);
        let Err(SupabaseError::Decode(message)) = wrong.json::<Version>() else {
            panic!("expected a decode error");
        };
        assert!(message.contains("Version"), "{message}");
        assert!(message.contains(r#"{"version": "x"}"#), "{message}");
        assert_eq!(
            wrong.json::<Version>().unwrap_err().kind(),
            ErrorKind::Decode
        );
    }

    #[test]
    fn empty_body_reads_as_null() {
        let no_content = response(204, &[], "");
        assert_eq!(no_content.json::<()>(), Ok(()));
        assert_eq!(no_content.json::<Option<Version>>(), Ok(None));
        assert!(no_content.json::<Version>().is_err());
    }

    #[test]
    fn maybe_single_takes_zero_or_one_row() {
        assert_eq!(response(200, &[], "[]").maybe_single::<Version>(), Ok(None));
        assert_eq!(
            response(200, &[], r#"[{"version":1}]"#).maybe_single::<Version>(),
            Ok(Some(Version { version: 1 }))
        );
        let several = response(200, &[], r#"[{"version":1},{"version":2}]"#)
            .maybe_single::<Version>()
            .unwrap_err();
        assert_eq!(several.code(), Some("PGRST116"));
        assert_eq!(several.status(), Some(406));
    }

    #[test]
    fn check_status_turns_failures_into_service_errors() {
        let ok = response(201, &[], "");
        assert_eq!(check_status(Service::Rest, ok.clone()), Ok(ok));
        let not_single = response(
            406,
            &[],
            r#"{"code":"PGRST116","details":"The result contains 0 rows","hint":null,"message":"Cannot coerce the result to a single JSON object"}"#,
        );
        let error = check_status(Service::Rest, not_single).unwrap_err();
        assert_eq!(
            error,
            SupabaseError::PostgRest {
                status: 406,
                code: Some("PGRST116".into()),
                message: "Cannot coerce the result to a single JSON object".into(),
                details: Some("The result contains 0 rows".into()),
                hint: None,
            }
        );
    }

    #[test]
    fn text_requires_utf8() {
        assert_eq!(response(200, &[], "Niș").text(), Ok("Niș".to_owned()));
        let invalid = HttpResponse {
            status: 200,
            headers: vec![],
            body: vec![0xff],
        };
        assert!(matches!(invalid.text(), Err(SupabaseError::Decode(_))));
    }
}
