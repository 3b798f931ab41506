//! Hardening (issue [G] point 6), over HTTP as the users, with superuser checks that a refusal
//! changed nothing: the `log_sync` rate limit, Unicode spaces and invisible characters in names,
//! Discord ids hidden in `sync_log`, exact MIME types and `nosniff` in Storage, and the simulated
//! Discord sign-in that waits for a click and redirects only to the app's origin.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{TestBackend, send, simulated_discord_state_and_cookie as state_and_cookie};

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const MEMBER: &str = "member@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const PENDING: &str = "pending@punctaj.test";
const DISCORD: &str = "discord-demo@punctaj.test";
/// `md5('punctaj-demo-user-discord')::uuid`, the seed's Discord account.
const DISCORD_USER: &str = "fd42e2fd-d034-4117-b8e7-e6ea5b4c0653";
const DISCORD_ID: &str = "900000000000000001";
/// The columns of `sync_log` the app reads (src/api/sync_log.rs), unchanged.
const APP_SYNC_LOG_QUERY: &str = "/rest/v1/sync_log?select=id,user_name,sync_type,status,items_synced,error_message,synced_at&order=synced_at.desc&order=id.desc&limit=100";

async fn version(backend: &TestBackend) -> i64 {
    backend
        .scalar_i64("select version from public.sync_metadata where sync_key = 'global_version'")
        .await
}

async fn log_download(backend: &TestBackend, token: &str) -> (StatusCode, Value) {
    backend
        .rpc(
            Some(token),
            "log_sync",
            json!({"p_sync_type": "download", "p_status": "success", "p_items_synced": 3}),
        )
        .await
}

async fn sync_log_rows_of(backend: &TestBackend, email: &str) -> i64 {
    backend
        .scalar_i64(&format!(
            "select count(*) from public.sync_log l join auth.users u on u.id = l.user_id \
             where u.email = '{email}'"
        ))
        .await
}

// 1. log_sync ---------------------------------------------------------------------------------

#[tokio::test]
async fn log_sync_takes_30_entries_per_account_per_minute_then_answers_429() {
    let backend = TestBackend::start().await;
    let viewer = backend.token(VIEWER).await;
    let before = sync_log_rows_of(&backend, VIEWER).await;
    for n in 1..=30 {
        let (status, body) = log_download(&backend, &viewer).await;
        assert!(status.is_success(), "entry {n}: {status} {body}");
    }
    let (status, body) = log_download(&backend, &viewer).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "PT429");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at most 30 entries per account per minute"),
        "{body}"
    );
    let wait: i64 = body["details"].as_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{body}");
    assert!(body["hint"].as_str().unwrap().contains("try again in"));
    assert_eq!(
        sync_log_rows_of(&backend, VIEWER).await,
        before + 30,
        "the refused entry was not written"
    );
    // Another account has its own allowance.
    let member = backend.token(MEMBER).await;
    let (status, body) = log_download(&backend, &member).await;
    assert!(status.is_success(), "{body}");
    // Entries older than a minute no longer count.
    backend
        .admin
        .batch_execute(
            "update public.sync_log l set synced_at = l.synced_at - interval '61 seconds' \
              from auth.users u where u.id = l.user_id and u.email = 'viewer@punctaj.test'",
        )
        .await
        .unwrap();
    let (status, body) = log_download(&backend, &viewer).await;
    assert!(status.is_success(), "{body}");
    // force_sync keeps its own limit and does not use up log_sync's.
    let (status, body) = backend.rpc(Some(&viewer), "force_sync", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    backend.stop().await;
}

#[tokio::test]
async fn parallel_log_sync_calls_of_one_account_cannot_pass_the_limit() {
    let backend = TestBackend::start().await;
    let leader = backend.token(LEADER).await;
    let before = sync_log_rows_of(&backend, LEADER).await;
    let calls = (0..40).map(|_| log_download(&backend, &leader));
    let results = futures_util::future::join_all(calls).await;
    let passed = results.iter().filter(|(s, _)| s.is_success()).count();
    let limited = results
        .iter()
        .filter(|(s, b)| *s == StatusCode::TOO_MANY_REQUESTS && b["code"] == "PT429")
        .count();
    assert_eq!((passed, limited), (30, 10), "{results:?}");
    assert_eq!(sync_log_rows_of(&backend, LEADER).await, before + 30);
    backend.stop().await;
}

// 2. Names --------------------------------------------------------------------------------------

async fn city_id(backend: &TestBackend, name: &str) -> i64 {
    backend
        .scalar_i64(&format!(
            "select id from public.cities where name = '{name}' and deleted_at is null"
        ))
        .await
}

/// Names, cities and institutions as the superuser sees them, and the version.
async fn names_snapshot(backend: &TestBackend) -> (String, i64) {
    let names = backend.scalar_text("select (select string_agg(format('%s:%s:%s', id, name, deleted_at is null), '|' order by id) from public.cities) \
             || '#' || \
                (select string_agg(format('%s:%s:%s', id, name, deleted_at is null), '|' order by id) from public.institutions)",
    )
    .await;
    (names, version(backend).await)
}

#[tokio::test]
async fn unicode_spaces_in_names_are_trimmed_like_ascii_spaces() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;

    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_city",
            json!({"p_name": "\u{a0}Nbsp\u{2003}City\u{3000}\u{202f}"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let city = body["city_id"].as_i64().unwrap();
    assert_eq!(
        backend
            .scalar_text(&format!("select name from public.cities where id = {city}"))
            .await,
        "Nbsp City"
    );
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_institution",
            json!({"p_city_id": city, "p_name": "\u{2007}Poliție\u{a0}Nouă\u{205f}", "p_ranks": ["Cadet"], "p_columns": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let institution = body["institution_id"].as_i64().unwrap();
    assert_eq!(
        backend
            .scalar_text(&format!(
                "select name from public.institutions where id = {institution}"
            ))
            .await,
        "Poliție Nouă"
    );
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "rename_institution",
            json!({"p_institution_id": institution, "p_name": "Medici\u{a0}",
                   "p_expected_version": backend.row_version("institutions", institution).await}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        backend
            .scalar_text(&format!(
                "select name from public.institutions where id = {institution}"
            ))
            .await,
        "Medici"
    );

    // Only Unicode spaces: blank, refused as blank ASCII names are.
    let before = names_snapshot(&backend).await;
    let blackwater = city_id(&backend, "BlackWater").await;
    for (function, args) in [
        ("create_city", json!({"p_name": "\u{a0}\u{a0}"})),
        (
            "rename_city",
            json!({"p_city_id": blackwater, "p_name": "\u{2002}\u{3000}",
                   "p_expected_version": backend.row_version("cities", blackwater).await}),
        ),
        (
            "create_institution",
            json!({"p_city_id": blackwater, "p_name": "\u{a0}", "p_ranks": ["A"], "p_columns": []}),
        ),
        (
            "rename_institution",
            json!({"p_institution_id": institution, "p_name": "\u{202f}\u{a0} ",
                   "p_expected_version": backend.row_version("institutions", institution).await}),
        ),
    ] {
        let (status, body) = backend.rpc(Some(&owner), function, args).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{function}: {body}");
        assert_eq!(body["code"], "22023", "{function}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .ends_with("must not be empty"),
            "{function}: {body}"
        );
    }
    assert_eq!(names_snapshot(&backend).await, before, "nothing changed");
    // The same city once more, spelled with a no-break space: a duplicate.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_city",
            json!({"p_name": "Nbsp\u{a0}City"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(names_snapshot(&backend).await, before, "nothing changed");
    backend.stop().await;
}

#[tokio::test]
async fn invisible_and_bidi_control_characters_are_refused_in_names() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let blackwater = city_id(&backend, "BlackWater").await;
    let politie = backend
        .scalar_i64(
            "select i.id from public.institutions i join public.cities c on c.id = i.city_id \
         where c.name = 'BlackWater' and i.name = 'Politie'",
        )
        .await;
    let before = names_snapshot(&backend).await;
    let refused: Vec<char> = [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
        .into_iter()
        .chain(0x202A..=0x202E)
        .chain(0x2066..=0x2069)
        .map(|c| char::from_u32(c).unwrap())
        .collect();
    for c in refused {
        let code = format!("U+{:04X}", c as u32);
        let name = format!("Saint{c}Denis 2");
        for (function, args) in [
            ("create_city", json!({"p_name": name})),
            ("create_city", json!({"p_name": c.to_string()})),
            (
                "rename_city",
                json!({"p_city_id": blackwater, "p_name": format!("{c}BlackWater"),
                       "p_expected_version": backend.row_version("cities", blackwater).await}),
            ),
            (
                "create_institution",
                json!({"p_city_id": blackwater, "p_name": name, "p_ranks": ["A"], "p_columns": []}),
            ),
            (
                "rename_institution",
                json!({"p_institution_id": politie, "p_name": format!("Politie{c}"),
                       "p_expected_version": backend.row_version("institutions", politie).await}),
            ),
        ] {
            let (status, body) = backend.rpc(Some(&owner), function, args).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{function} {code}: {body}");
            assert_eq!(body["code"], "22023", "{function} {code}: {body}");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains("must not contain invisible or text-direction characters")
                    && message.contains(&code),
                "{function} {code}: {body}"
            );
        }
    }
    assert_eq!(names_snapshot(&backend).await, before, "nothing changed");
    // Visible Unicode (diacritics, emoji) stays accepted.
    let (status, body) = backend
        .rpc(Some(&owner), "create_city", json!({"p_name": "Țara 🤠"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    backend.stop().await;
}

// 3. Discord ids in sync_log ----------------------------------------------------------------------

#[tokio::test]
async fn sync_log_shows_discord_ids_only_to_who_may_see_the_profile() {
    let backend = TestBackend::start().await;
    let discord = backend.token(DISCORD).await;
    let (status, body) = log_download(&backend, &discord).await;
    assert!(status.is_success(), "{body}");
    let row = backend
        .scalar_i64(&format!(
            "select max(id) from public.sync_log where user_id = '{DISCORD_USER}' \
             and discord_id = '{DISCORD_ID}'"
        ))
        .await;

    let viewer = backend.token(VIEWER).await;
    let owner = backend.token(OWNER).await;
    for token in [&viewer, &discord, &owner] {
        // The app's query works unchanged and sees every row, the Discord user's included.
        let (status, _, body) = backend.get(Some(token), APP_SYNC_LOG_QUERY).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == json!(row) && r["user_name"].is_string()),
            "{body}"
        );
        // The column itself is not readable through the table, nor through `*`.
        for path in [
            "/rest/v1/sync_log?select=id,discord_id",
            "/rest/v1/sync_log?select=*",
            "/rest/v1/sync_log?discord_id=eq.900000000000000001&select=id",
        ] {
            let (status, _, body) = backend.get(Some(token), path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            assert_eq!(body["code"], "42501", "{path}: {body}");
        }
    }

    // rpc/sync_log_discord_ids: like profiles, their own to everyone, all to owners and admins.
    let discord_ids = |body: &Value| -> Vec<(i64, String)> {
        body.as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter(|r| r["discord_id"].is_string())
            .map(|r| {
                (
                    r["id"].as_i64().unwrap(),
                    r["discord_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (status, body) = backend
        .rpc(Some(&viewer), "sync_log_discord_ids", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|r| r["user_id"] != json!(DISCORD_USER)),
        "{body}"
    );
    for token in [&discord, &owner, &backend.token(ADMIN).await] {
        let (status, body) = backend
            .rpc(Some(token), "sync_log_discord_ids", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            discord_ids(&body).contains(&(row, DISCORD_ID.to_string())),
            "{body}"
        );
    }
    let pending = backend.token(PENDING).await;
    let (status, body) = backend
        .rpc(Some(&pending), "sync_log_discord_ids", json!({}))
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (status, body) = backend.rpc(None, "sync_log_discord_ids", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // The value is still stored (the service key and the SQL editor read it).
    assert_eq!(
        backend
            .scalar_text(&format!(
                "select discord_id from public.sync_log where id = {row}"
            ))
            .await,
        DISCORD_ID
    );
    backend.stop().await;
}

// 4. Storage ------------------------------------------------------------------------------------

async fn upload(
    backend: &TestBackend,
    token: &str,
    key: &str,
    content_type: &str,
) -> (StatusCode, Value) {
    let response = backend
        .request(
            Method::POST,
            &format!("/storage/v1/object/arhiva/{key}"),
            Some(token),
        )
        .header("content-type", content_type)
        .header("x-upsert", "false")
        .body(r#"{"rows":[]}"#)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn storage_matches_mime_types_exactly_and_serves_objects_with_nosniff() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let objects = || backend.scalar_i64("select count(*) from storage.objects");
    let before = objects().await;
    for (n, mime) in [
        "application/json/x",
        "application/json/",
        "application/jsonp",
        "application/json x",
        "application/",
        "/json",
        "application/*",
    ]
    .into_iter()
    .enumerate()
    {
        let (status, body) = upload(
            &backend,
            &owner,
            &format!("BlackWater/Politie_2026-01-0{}_00-00-00.json", n + 1),
            mime,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{mime}: {body}");
        assert_eq!(body["error"], "invalid_mime_type", "{mime}: {body}");
    }
    assert_eq!(objects().await, before, "nothing stored");

    for (key, mime) in [
        (
            "BlackWater/Politie_2026-02-01_00-00-00.json",
            "application/json",
        ),
        (
            "BlackWater/Politie_2026-02-02_00-00-00.json",
            "application/json; charset=utf-8",
        ),
        (
            "BlackWater/Politie_2026-02-03_00-00-00.json",
            "Application/JSON",
        ),
    ] {
        let (status, body) = upload(&backend, &owner, key, mime).await;
        assert_eq!(status, StatusCode::OK, "{mime}: {body}");
    }
    assert_eq!(objects().await, before + 3);

    let viewer = backend.token(VIEWER).await;
    for path in [
        "/storage/v1/object/authenticated/arhiva/BlackWater/Politie_2026-02-02_00-00-00.json",
        "/storage/v1/object/arhiva/BlackWater/Politie_2026-02-01_00-00-00.json",
    ] {
        let response = backend
            .request(Method::GET, path, Some(&viewer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
    // Signed URLs serve the same headers.
    let response = backend
        .request(
            Method::POST,
            "/storage/v1/object/sign/arhiva/BlackWater/Politie_2026-02-01_00-00-00.json",
            Some(&viewer),
        )
        .json(&json!({"expiresIn": 60}))
        .send()
        .await
        .unwrap();
    let signed: Value = response.json().await.unwrap();
    let signed = signed["signedURL"].as_str().unwrap();
    let response = backend
        .http
        .get(backend.url(&format!("/storage/v1{signed}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    backend.stop().await;
}

// 5. Simulated Discord sign-in ------------------------------------------------------------------

/// Sessions and the last sign-in of the Discord demo account: what a sign-in changes.
async fn discord_sign_ins(backend: &TestBackend) -> String {
    backend.scalar_text(&format!(
            "select format('%s|%s|%s', (select count(*) from auth.sessions where user_id = '{DISCORD_USER}'), \
                    (select count(*) from auth.flow_state where user_id = '{DISCORD_USER}'), \
                    (select last_sign_in_at from auth.users where id = '{DISCORD_USER}'))"
        ),
    )
    .await
}

fn click(
    backend: &TestBackend,
    state: &str,
    cookie: Option<&str>,
    fetch_site: &str,
) -> reqwest::RequestBuilder {
    let mut request = backend
        .http
        .post(backend.url("/auth/v1/authorize"))
        .header("sec-fetch-site", fetch_site)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("state={state}"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request
}

fn encoded(url: &str) -> String {
    url::form_urlencoded::byte_serialize(url.as_bytes()).collect()
}

#[tokio::test]
async fn simulated_discord_waits_for_a_click_on_its_own_page() {
    let backend = TestBackend::start().await;
    let app = format!("{}/app/", backend.base_url);
    let authorize = format!(
        "/auth/v1/authorize?provider=discord&redirect_to={}",
        encoded(&app)
    );
    let untouched = discord_sign_ins(&backend).await;

    // Opening the page signs nobody in: it shows a form with one button.
    let (status, headers, page) = send(
        backend
            .http
            .get(backend.url(&authorize))
            .header("sec-fetch-mode", "navigate"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(headers.get("location").is_none());
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        page.contains("SIMULATED") && page.contains(r#"<form method="post" action="authorize">"#)
    );
    assert!(page.contains(r#"data-testid="simulated-discord-authorize""#));
    let (state, cookie) = state_and_cookie(&page, &headers);
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    assert_eq!(
        discord_sign_ins(&backend).await,
        untouched,
        "nobody signed in yet"
    );

    // Another page may not read it with fetch().
    let (status, _, body) = send(
        backend
            .http
            .get(backend.url(&authorize))
            .header("sec-fetch-mode", "cors"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Refused confirmations: no state, a wrong one, no cookie, another site's form.
    for (what, request) in [
        (
            "no state",
            click(&backend, "", Some(&cookie), "same-origin"),
        ),
        (
            "a wrong state",
            click(
                &backend,
                "guessed",
                Some("punctaj_simulated_discord_state=guessed"),
                "same-origin",
            ),
        ),
        ("no cookie", click(&backend, &state, None, "same-origin")),
        (
            "another cookie",
            click(
                &backend,
                &state,
                Some("punctaj_simulated_discord_state=other"),
                "same-origin",
            ),
        ),
        (
            "another site",
            click(&backend, &state, Some(&cookie), "cross-site"),
        ),
        (
            "a same-site page",
            click(&backend, &state, Some(&cookie), "same-site"),
        ),
    ] {
        let (status, _, body) = send(request).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN,
            "{what}: {status} {body}"
        );
        assert!(body.contains("bad_oauth_state"), "{what}: {body}");
        assert_eq!(
            discord_sign_ins(&backend).await,
            untouched,
            "{what}: nobody signed in"
        );
    }

    // The click: signed in, redirected to the app; the state is good once.
    let (status, headers, body) = send(click(&backend, &state, Some(&cookie), "same-origin")).await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{app}#access_token=")),
        "{location}"
    );
    assert_ne!(discord_sign_ins(&backend).await, untouched);
    let signed_in = discord_sign_ins(&backend).await;
    let (status, _, body) = send(click(&backend, &state, Some(&cookie), "same-origin")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("bad_oauth_state"), "{body}");
    assert_eq!(
        discord_sign_ins(&backend).await,
        signed_in,
        "replay refused"
    );
    backend.stop().await;
}

#[tokio::test]
async fn simulated_discord_redirects_only_to_the_app_origin() {
    let backend = TestBackend::start().await;
    let site = format!("{}/app/", backend.base_url);
    let port = backend.base_url.rsplit(':').next().unwrap().to_string();
    let other_port = if port == "9" { "10" } else { "9" };
    let here = &backend.base_url;
    for (redirect_to, expected) in [
        (format!("{here}/app/#/settings"), format!("{here}/app/")),
        (
            format!("{here}/elsewhere?x=1"),
            format!("{here}/elsewhere?x=1"),
        ),
        (format!("http://localhost:{port}/app/"), site.clone()),
        (format!("http://127.0.0.1:{other_port}/app/"), site.clone()),
        ("http://localhost:8080/".to_string(), site.clone()),
        ("https://evil.example/".to_string(), site.clone()),
    ] {
        let (status, headers, page) = send(backend.http.get(backend.url(&format!(
            "/auth/v1/authorize?provider=discord&redirect_to={}",
            encoded(&redirect_to)
        ))))
        .await;
        assert_eq!(status, StatusCode::OK, "{redirect_to}: {page}");
        let (state, cookie) = state_and_cookie(&page, &headers);
        let (status, headers, body) =
            send(click(&backend, &state, Some(&cookie), "same-origin")).await;
        assert_eq!(status, StatusCode::FOUND, "{redirect_to}: {body}");
        let location = headers["location"].to_str().unwrap();
        assert_eq!(
            location.split_once("#access_token=").map(|(base, _)| base),
            Some(expected.as_str()),
            "{redirect_to} → {location}"
        );
    }
    backend.stop().await;
}
