//! The percent-encodings the Supabase services receive, each named after where it is used.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What stays unescaped in one URL path segment: the RFC 3986 "unreserved" characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What JavaScript's `encodeURIComponent` leaves unescaped.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `base?name=value&…`, form-encoded exactly as the browser's `URLSearchParams` does it
/// (space as `+`, only `*-._` and alphanumerics kept), which is what supabase-js sends.
pub(crate) fn url_with_query<'a>(
    base: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params);
    let query = query.finish();
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

/// One path segment (a table, a bucket, one part of an object key), with `/` escaped too.
pub(crate) fn path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// A query value encoded as supabase-js encodes the ones it writes by hand (`authorize` URL).
pub(crate) fn uri_component(value: &str) -> String {
    utf8_percent_encode(value, URI_COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_encoded_like_url_search_params() {
        let url = url_with_query(
            "https://x/rest/v1/t",
            [
                ("select", "id,name"),
                ("name", "eq.Saint Denis"),
                ("c", "\"a\":*"),
            ],
        );
        assert_eq!(
            url,
            "https://x/rest/v1/t?select=id%2Cname&name=eq.Saint+Denis&c=%22a%22%3A*"
        );
    }

    #[test]
    fn empty_query_leaves_the_url_bare() {
        assert_eq!(url_with_query("https://x/a", []), "https://x/a");
    }

    #[test]
    fn path_segment_escapes_slash_and_spaces() {
        assert_eq!(path_segment("a b/c~d.e"), "a%20b%2Fc~d.e");
    }

    #[test]
    fn uri_component_matches_encode_uri_component() {
        assert_eq!(
            uri_component("https://app.example/punctaj/?x=1 (a)*"),
            "https%3A%2F%2Fapp.example%2Fpunctaj%2F%3Fx%3D1%20(a)*"
        );
    }
}
