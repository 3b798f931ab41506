//! Every request shape captured from supabase-js (`fixtures/supabase-js-wire-format.txt`),
//! rebuilt with our builders and compared field by field: method, path, query (encoded and
//! decoded), headers and body. `content-length` is the browser's business; `x-client-info`
//! must be present but names our client instead of supabase-js.

use punctaj_supabase::{
    HttpRequest, IsValue, ListOptions, PostgRest, StorageApi, SupabaseConfig, UploadOptions,
    auth::AuthApi,
};
use serde_json::json;

const CAPTURE: &str = include_str!("fixtures/supabase-js-wire-format.txt");
const BASE: &str = "https://abc.supabase.co";
/// An unsigned JWT with role `anon` (the client reads the claims, never the signature).
const ANON_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiYyIsInJvbGUiOiJhbm9uIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjIwMDAwMDAwMDB9.c2lnbmF0dXJl";
const USER_JWT: &str = "user.access.token";
const OBJECT: &str = "backups/2026/snap-1.json";

/// One request of the capture.
#[derive(Debug)]
struct Captured {
    title: String,
    method: String,
    path: String,
    query: Option<String>,
    decoded_query: Option<Vec<(String, String)>>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// The sections of the capture that show a request (`### title` then `METHOD /path?query`).
fn captured_requests() -> Vec<Captured> {
    CAPTURE
        .split("\n### ")
        .skip(1)
        .filter_map(|section| {
            let mut lines = section.lines();
            let title = lines.next()?.to_owned();
            let (method, target) = lines.next()?.split_once(' ')?;
            if !method.chars().all(|c| c.is_ascii_uppercase()) {
                return None;
            }
            let (path, query) = match target.split_once('?') {
                Some((path, query)) => (path, Some(query.to_owned())),
                None => (target, None),
            };
            let mut captured = Captured {
                title,
                method: method.to_owned(),
                path: path.to_owned(),
                query,
                decoded_query: None,
                headers: Vec::new(),
                body: None,
            };
            for line in lines.map_while(|line| line.strip_prefix("  ")) {
                let (name, value) = line
                    .split_once(": ")
                    .unwrap_or((line.trim_end_matches(':'), ""));
                match name {
                    "query(decoded)" => {
                        captured.decoded_query = Some(
                            value
                                .split(" & ")
                                .map(|pair| {
                                    let (n, v) = pair.split_once('=').unwrap();
                                    (n.to_owned(), v.to_owned())
                                })
                                .collect(),
                        );
                    }
                    // A multi-line (multipart) body continues unindented; only its first line
                    // is kept, and such a body is not compared.
                    "body" => {
                        captured.body = Some(value.to_owned());
                        break;
                    }
                    _ => {
                        let value = value
                            .replace("<ANON_KEY>", ANON_KEY)
                            .replace("<USER_JWT>", USER_JWT);
                        captured.headers.push((name.to_owned(), value));
                    }
                }
            }
            Some(captured)
        })
        .collect()
}

fn config() -> SupabaseConfig {
    SupabaseConfig::new(BASE, ANON_KEY).unwrap()
}

fn as_anon(request: HttpRequest) -> HttpRequest {
    request.authorized(ANON_KEY, ANON_KEY)
}

fn as_user(request: HttpRequest) -> HttpRequest {
    request.authorized(ANON_KEY, USER_JWT)
}

/// Our way of making the request of each captured section.
fn our_request(title: &str) -> HttpRequest {
    let rest = PostgRest::new(&config());
    let bucket = StorageApi::new(&config()).from("arhiva");
    let auth = AuthApi::new(&config());
    let hello = br#"{"hello":"w"}"#.to_vec();
    match title {
        "select * eq order (anon)" => as_anon(
            rest.from("sync_log")
                .select("*")
                .eq("device_id", "dev-1")
                .gt("seq", 10)
                .order("created_at", true, None)
                .limit(100)
                .build(),
        ),
        "select columns, in(), is null, order desc nullsfirst, range" => as_anon(
            rest.from("employees")
                .select("id,first_name,institution_id")
                .in_("institution_id", [1, 2, 3])
                .is("deleted_at", IsValue::Null)
                .order("last_name", false, Some(true))
                .range(0, 49)
                .build(),
        ),
        "select embedded resource" => as_anon(
            rest.from("institutions")
                .select("id,name,cities(name)")
                .eq("city_id", 7)
                .build(),
        ),
        "select single()" => as_anon(
            rest.from("sync_metadata")
                .select("*")
                .eq("key", "last_sync")
                .single()
                .build(),
        ),
        // maybeSingle() changes nothing on the wire for a GET: the response is an array, read
        // with HttpResponse::maybe_single.
        "select maybeSingle()" => as_anon(
            rest.from("sync_metadata")
                .select("value")
                .eq("key", "x")
                .build(),
        ),
        "count exact head" => as_anon(rest.from("cities").select("*").count_exact().head().build()),
        "insert (returning minimal)" => as_anon(
            rest.from("sync_log")
                .insert(&json!({"device_id": "dev-1", "op": "upsert", "payload": {"a": 1}}))
                .unwrap()
                .build(),
        ),
        "insert + select() (return=representation), 2 rows w/ different keys" => as_anon(
            rest.from("cities")
                .insert(&json!([{"id": 1, "name": "Beograd"}, {"id": 2, "name": "Niš", "zip": "18000"}]))
                .unwrap()
                .select("*")
                .build(),
        ),
        "upsert onConflict (merge-duplicates)" => as_anon(
            rest.from("cities")
                .upsert(
                    &json!([{"id": 1, "name": "Beograd"}, {"id": 2, "name": "Niš"}]),
                    Some("id"),
                    false,
                )
                .unwrap()
                .build(),
        ),
        "upsert ignoreDuplicates + select" => as_anon(
            rest.from("sync_metadata")
                .upsert(&json!({"key": "last_sync", "value": "2026-01-01"}), Some("key"), true)
                .unwrap()
                .select("*")
                .build(),
        ),
        "update (PATCH) eq" => as_anon(
            rest.from("employees")
                .update(&json!({"first_name": "Ana"}))
                .unwrap()
                .eq("id", 5)
                .build(),
        ),
        "delete eq" => as_anon(rest.from("employees").delete().eq("id", 5).build()),
        "rpc POST" => as_anon(
            rest.rpc("apply_sync_batch", &json!({"p_device": "dev-1", "p_rows": [{"id": 1}]}))
                .unwrap()
                .build(),
        ),
        "rpc GET (get:true) no args" => as_anon(rest.rpc_get("server_time", &[]).build()),
        "schema(other)" => as_anon(rest.schema("api").from("cities").select("id").build()),
        "auth signInWithPassword" => auth.sign_in_with_password("demo@example.com", "secret123"),
        "select after sign-in (user JWT)" => {
            as_user(rest.from("employees").select("id").eq("id", 1).build())
        }
        "auth getUser" => auth.get_user(USER_JWT),
        "storage upload JSON string" => {
            as_user(bucket.upload(OBJECT, hello, &UploadOptions::json()).unwrap())
        }
        // supabase-js sends a Blob as multipart/form-data; we always send the raw bytes with
        // their own content type (Storage accepts both), so only the rest is compared.
        "storage upload Blob upsert" => as_user(
            bucket
                .upload(OBJECT, hello, &UploadOptions::json().upsert(true))
                .unwrap(),
        ),
        "storage update (PUT)" => as_user(
            bucket
                .update(OBJECT, br#"{"hello":2}"#.to_vec(), &UploadOptions::json())
                .unwrap(),
        ),
        "storage list" => as_user(bucket.list("backups/2026", &ListOptions::default())),
        "storage list with search" => as_user(bucket.list(
            "backups",
            &ListOptions {
                search: Some("snap".into()),
                ..ListOptions::default()
            },
        )),
        "storage download" => as_user(bucket.download(OBJECT).unwrap()),
        "storage remove" => as_user(bucket.remove(&[OBJECT]).unwrap()),
        "storage createSignedUrl" => as_user(bucket.create_signed_url(OBJECT, 60).unwrap()),
        "auth signOut" => auth.sign_out(USER_JWT),
        other => panic!("the capture has a request this test does not build: {other:?}"),
    }
}

fn is_multipart(captured: &Captured) -> bool {
    captured
        .headers
        .iter()
        .any(|(name, value)| name == "content-type" && value.starts_with("multipart/"))
}

/// Headers that must match exactly, sorted by name. A multipart upload carries its content
/// type and cache control inside the form instead, so those are left out for it.
fn comparable_headers(headers: &[(String, String)], multipart: bool) -> Vec<(String, String)> {
    let in_the_form = |name: &str| multipart && matches!(name, "content-type" | "cache-control");
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name != "content-length" && !in_the_form(name))
        .map(|(name, value)| {
            let value = if name == "x-client-info" {
                "<client>"
            } else {
                value
            };
            (name.to_ascii_lowercase(), value.to_owned())
        })
        .collect();
    headers.sort();
    headers
}

#[test]
fn the_capture_is_parsed() {
    let captured = captured_requests();
    assert_eq!(
        captured.len(),
        27,
        "{:#?}",
        captured.iter().map(|c| &c.title).collect::<Vec<_>>()
    );
    assert!(
        captured
            .iter()
            .all(|c| c.headers.iter().any(|(n, _)| n == "apikey"))
    );
}

#[test]
fn every_captured_request_is_built_identically() {
    for captured in captured_requests() {
        let title = &captured.title;
        let ours = our_request(title);
        let (path, query) = ours
            .url
            .strip_prefix(BASE)
            .map(|rest| match rest.split_once('?') {
                Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
                None => (rest.to_owned(), None),
            })
            .unwrap_or_else(|| panic!("{title}: {} is not under {BASE}", ours.url));

        assert_eq!(ours.method.as_str(), captured.method, "{title}: method");
        assert_eq!(path, captured.path, "{title}: path");
        assert_eq!(query, captured.query, "{title}: encoded query");
        if let Some(decoded) = &captured.decoded_query {
            let ours_decoded: Vec<(String, String)> =
                form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
                    .into_owned()
                    .collect();
            assert_eq!(&ours_decoded, decoded, "{title}: decoded query");
        }

        let multipart = is_multipart(&captured);
        assert_eq!(
            comparable_headers(&ours.headers, multipart),
            comparable_headers(&captured.headers, multipart),
            "{title}: headers"
        );

        if !multipart {
            let ours_body = ours
                .body
                .as_ref()
                .map(|body| String::from_utf8(body.as_bytes().to_vec()).unwrap());
            assert_eq!(ours_body, captured.body, "{title}: body");
        }
    }
}

#[test]
fn public_url_matches_get_public_url() {
    let expected = "<BASE>/storage/v1/object/public/arhiva/backups/a.json";
    assert!(CAPTURE.contains(expected));
    let bucket = StorageApi::new(&config()).from("arhiva");
    assert_eq!(
        bucket.public_url("backups/a.json").unwrap(),
        expected.replace("<BASE>", BASE)
    );
}
