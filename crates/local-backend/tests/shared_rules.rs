//! The rules implemented twice — once in SQL (what the database enforces), once in
//! `punctaj-core` (what the browser shows and previews) — give the same answers on real
//! PostgreSQL:
//!
//! * `app.can(capability, institution)` ↔ `punctaj_core::permissions::can` — otherwise the UI
//!   offers buttons the server refuses, or hides ones it would allow;
//! * `app.slug(name)` ↔ `punctaj_core::archive::slug` — otherwise a leader's archive upload is
//!   refused by the bucket policy, or `reset_punctaj` rejects the key the client built;
//! * `app.apply_points(current, delta)` ↔ `punctaj_core::points::apply_delta` — otherwise the
//!   points preview differs from the score the server stores;
//! * `app.is_archive_key(key, city, institution)` ↔ `punctaj_core::archive::archive_object_key`
//!   and `parse_archive_key` — otherwise a reset's archive is refused, or a leader can write
//!   another institution's archives.

mod support;

use chrono::{TimeZone, Utc};
use punctaj_core::archive::{
    TRANSLITERATE_FROM, TRANSLITERATE_TO, archive_object_key, compressed_key, parse_archive_key,
    slug,
};
use punctaj_core::permissions::{Access, Capability, can};
use punctaj_core::points::apply_delta;
use reqwest::StatusCode;
use serde_json::json;
use support::TestBackend;

/// Every demo account of `sql/seed/demo.sql`.
const DEMO_ACCOUNTS: [&str; 8] = [
    "owner@punctaj.test",
    "admin@punctaj.test",
    "leader@punctaj.test",
    "leader2@punctaj.test",
    "member@punctaj.test",
    "viewer@punctaj.test",
    "pending@punctaj.test",
    "discord-demo@punctaj.test",
];

/// The account's grants as the app reads them: `rpc/my_access` over HTTP.
async fn access_of(backend: &TestBackend, email: &str) -> Access {
    let token = backend.token(email).await;
    let (status, body) = backend.rpc(Some(&token), "my_access", json!({})).await;
    assert_eq!(status, StatusCode::OK, "my_access of {email}: {body}");
    serde_json::from_value(body.clone()).unwrap_or_else(|e| {
        panic!("my_access of {email} does not deserialize into Access ({e}): {body}")
    })
}

/// All institution ids, soft-deleted ones included.
async fn institution_ids(backend: &TestBackend) -> Vec<i64> {
    backend
        .admin
        .query("select id from public.institutions order by id", &[])
        .await
        .expect("institution ids")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// `app.can(capability, institution)` for every pair, evaluated as PostgREST would for `user_id`:
/// role `authenticated` and the JWT claims set for the transaction. The claims are set by a
/// statement of their own before `app.can` runs (it is STABLE, so it must not share a statement
/// with the `set_config`).
async fn sql_can_all(
    backend: &mut TestBackend,
    user_id: &str,
    institutions: &[Option<i64>],
) -> Vec<(Capability, Option<i64>, bool)> {
    let capabilities: Vec<&str> = Capability::ALL.iter().map(|c| c.as_sql_name()).collect();
    let claims = json!({"sub": user_id, "role": "authenticated"}).to_string();
    let tx = backend.admin.transaction().await.expect("begin");
    tx.batch_execute("set local role authenticated")
        .await
        .expect("set role");
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .await
    .expect("set claims");
    let mut answers = Vec::new();
    for institution in institutions {
        let rows = tx
            .query(
                "select c.name, app.can(c.name, $2::bigint) \
                   from unnest($1::text[]) with ordinality as c(name, n) order by c.n",
                &[&capabilities, institution],
            )
            .await
            .expect("app.can");
        for (capability, row) in Capability::ALL.iter().zip(rows) {
            let name: String = row.get(0);
            assert_eq!(name, capability.as_sql_name());
            answers.push((*capability, *institution, row.get::<_, bool>(1)));
        }
    }
    tx.rollback().await.expect("rollback");
    answers
}

/// Compares both implementations for every account of `emails` × capability × institution (none
/// and each one). Returns how many combinations were compared.
async fn compare_can(backend: &mut TestBackend, emails: &[&str]) -> usize {
    let mut institutions: Vec<Option<i64>> = vec![None];
    institutions.extend(institution_ids(backend).await.into_iter().map(Some));
    // An institution that does not exist: nobody but owners and admins may act there.
    institutions.push(Some(999_999));
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for email in emails {
        let access = access_of(backend, email).await;
        let answers = sql_can_all(backend, &access.user_id, &institutions).await;
        for (capability, institution, sql) in answers {
            compared += 1;
            let rust = can(&access, capability, institution);
            if rust != sql {
                mismatches.push(format!(
                    "{email} {capability:?} on {institution:?}: app.can = {sql}, punctaj_core = {rust}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "the UI would offer/hide actions the database refuses/allows ({} of {compared}):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    compared
}

#[tokio::test]
async fn app_can_equals_core_can_for_every_demo_account_capability_and_institution() {
    let mut backend = TestBackend::start().await;
    let compared = compare_can(&mut backend, &DEMO_ACCOUNTS).await;
    // 8 accounts × every capability × (none + 6 institutions + 1 unknown).
    assert_eq!(compared, 8 * Capability::ALL.len() * 8);

    // Sanity: the comparison is not vacuous — the demo grants give both answers.
    let leader = access_of(&backend, "leader@punctaj.test").await;
    let politie = institution_ids(&backend).await[0];
    assert!(can(&leader, Capability::Reset, Some(politie)));
    assert!(!can(&leader, Capability::Structure, None));
    let pending = access_of(&backend, "pending@punctaj.test").await;
    assert!(pending.pending && !can(&pending, Capability::Read, None));
    backend.stop().await;
}

#[tokio::test]
async fn app_can_equals_core_can_for_combined_and_unusual_grants() {
    let mut backend = TestBackend::start().await;
    // Grants add up (a viewer who also leads), several institution roles, a role in a deleted
    // institution, an admin who is also a member somewhere.
    backend
        .admin
        .batch_execute(
            "insert into public.institution_roles (user_id, institution_id, role)
             select u.id, x.institution_id, x.role
               from (values ('viewer@punctaj.test', 5, 'leader'),
                            ('viewer@punctaj.test', 6, 'member'),
                            ('member@punctaj.test', 3, 'leader'),
                            ('member@punctaj.test', 6, 'member'),
                            ('admin@punctaj.test', 2, 'member'),
                            ('pending@punctaj.test', 6, 'member')) as x(email, institution_id, role)
               join auth.users u on u.email = x.email;
             update public.institutions set deleted_at = now() where id = 6;",
        )
        .await
        .expect("extra grants");
    let compared = compare_can(
        &mut backend,
        &[
            "viewer@punctaj.test",
            "member@punctaj.test",
            "admin@punctaj.test",
            "pending@punctaj.test",
        ],
    )
    .await;
    assert_eq!(compared, 4 * Capability::ALL.len() * 8);
    let formerly_pending = access_of(&backend, "pending@punctaj.test").await;
    assert!(
        !formerly_pending.pending,
        "a member of a deleted institution is still granted"
    );
    backend.stop().await;
}

// Slugs -------------------------------------------------------------------------------------------

/// SplitMix64: a tiny fixed-seed generator, so the "random" strings are the same on every run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Code point ranges the generator draws from: ASCII, Latin with diacritics, combining marks,
/// Greek, Cyrillic, other scripts' digits, odd spaces and separators, full-width forms, CJK, emoji.
const RANGES: [(u32, u32); 16] = [
    (0x20, 0x7e),
    (0x01, 0x1f),
    (0xa0, 0xff),
    (0x100, 0x17f),
    (0x180, 0x24f),
    (0x300, 0x36f),
    (0x370, 0x3ff),
    (0x400, 0x4ff),
    (0x660, 0x669),
    (0x2000, 0x202f),
    (0x2100, 0x214f),
    (0xfb00, 0xfb06),
    (0xff01, 0xff5e),
    (0x4e00, 0x4e80),
    (0x1f300, 0x1f64f),
    (0xe000, 0xe010),
];

fn random_name(rng: &mut SplitMix64) -> String {
    let length = 1 + rng.below(24);
    (0..length)
        .map(|_| {
            // Draw table characters often, so transliteration inside runs is exercised.
            if rng.below(4) == 0 {
                let table: Vec<char> = TRANSLITERATE_FROM.chars().collect();
                return table[rng.below(table.len() as u64) as usize];
            }
            let (low, high) = RANGES[rng.below(RANGES.len() as u64) as usize];
            // PostgreSQL text cannot hold NUL; every range above excludes it and surrogates.
            char::from_u32(low + rng.below(u64::from(high - low + 1)) as u32).expect("valid scalar")
        })
        .collect()
}

fn slug_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = Vec::new();
    // Every character of the transliteration table, alone, inside a word and between separators.
    for (from, to) in TRANSLITERATE_FROM.chars().zip(TRANSLITERATE_TO.chars()) {
        inputs.push(from.to_string());
        inputs.push(format!("x{from}y"));
        inputs.push(format!(" _{from}{to}- "));
    }
    // Names met in real servers and hostile ones.
    for name in [
        "BlackWater",
        "Saint Denis",
        "Valentine",
        "Poliție Rutieră",
        "Ștefan Țăranu-Îonescu",
        "ȘȚĂÂÎ șțăâî",
        "Şcoala Ţării (cedilla forms)",
        "<script>alert(1)</script>",
        "'; drop table employees; --",
        "O'Brien \"Bugsy\"",
        "Ana & Co, 100%_real",
        "a/b\\c",
        "../../etc/passwd",
        "___",
        "---",
        "-a-",
        "_a_",
        "",
        " ",
        "\t\n\r",
        "🚓 Poliția 🚑",
        "e\u{301}cole (decomposed é)",
        "s\u{326}i (decomposed ș)",
        "ﬁnal ligature",
        "Kelvin \u{212a} sign",
        "long ſ and dotless ı and İ",
        "١٢٣ Arabic-Indic digits",
        "１２３ full-width digits ＡＢＣ",
        "non\u{a0}breaking\u{2028}separator",
        "ß straße",
        "Æsir Øresund Œuvre",
        "日本語の名前",
        "Ελληνικά",
        "Кириллица",
        "x",
        "0",
        "A-Za-z0-9",
    ] {
        inputs.push(name.to_owned());
    }
    inputs.push("Ă".repeat(300));
    inputs.push("a_".repeat(200));
    let mut rng = SplitMix64(0x5eed_f00d);
    for _ in 0..300 {
        inputs.push(random_name(&mut rng));
    }
    inputs
}

#[tokio::test]
async fn app_slug_equals_core_slug_for_table_characters_hostile_names_and_random_unicode() {
    let backend = TestBackend::start().await;
    let inputs = slug_inputs();
    assert!(inputs.len() > 600, "{} inputs", inputs.len());
    let rows = backend
        .admin
        .query(
            "select x.name, app.slug(x.name) from unnest($1::text[]) with ordinality as x(name, n) order by x.n",
            &[&inputs],
        )
        .await
        .expect("app.slug");
    assert_eq!(rows.len(), inputs.len());
    let mut mismatches = Vec::new();
    for (input, row) in inputs.iter().zip(&rows) {
        let echoed: String = row.get(0);
        assert_eq!(&echoed, input, "PostgreSQL changed the input text");
        let sql: String = row.get(1);
        let rust = slug(input);
        if sql != rust {
            mismatches.push(format!(
                "{input:?} ({}): app.slug = {sql:?}, punctaj_core = {rust:?}",
                input
                    .chars()
                    .map(|c| format!("U+{:04X}", c as u32))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        // Whatever the input, the slug is a non-empty storage-safe segment.
        assert!(
            !rust.is_empty()
                && rust
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "slug of {input:?} is {rust:?}: Storage would reject or misplace the archive key"
        );
    }
    assert!(
        mismatches.is_empty(),
        "a leader's archive key would be refused by the bucket policy or reset_punctaj ({} of {}):\n{}",
        mismatches.len(),
        inputs.len(),
        mismatches.join("\n")
    );
    backend.stop().await;
}

// Archive keys -------------------------------------------------------------------------------------

#[tokio::test]
async fn app_is_archive_key_accepts_exactly_the_keys_core_builds() {
    let backend = TestBackend::start().await;
    let at = Utc.with_ymd_and_hms(2026, 2, 18, 18, 13, 47).unwrap();
    let names = [
        ("BlackWater", "Politie"),
        ("Saint Denis", "Poliție Rutieră"),
        ("<script>", "O'Brien \"Bugsy\""),
        ("Ștefan Țăranu", "Ana & Co, 100%_real"),
    ];
    for (city, institution) in names {
        let key = archive_object_key(city, institution, at);
        let parsed = parse_archive_key(&key).expect("core reads back the key it builds");
        assert_eq!(
            (parsed.city_slug.as_str(), parsed.institution_slug.as_str()),
            (slug(city).as_str(), slug(institution).as_str())
        );
        let stored = compressed_key(&key);
        let compressed = parse_archive_key(&stored).expect("core reads back the compressed key");
        assert!(compressed.compressed);
        let others = [
            key.clone(),
            stored.clone(),
            key.replace(".json", "_AFTER_RESET.json"),
            key.replace("_2026-02-18_", "_extra_2026-02-18_"),
            key.replace(".json", ".json.bak"),
            format!("x/{key}"),
            key.replace("18-13-47", "18-13-4"),
            format!("{stored}.gz"),
            key.replace(".json", ".gz"),
        ];
        let expectations = [true, true, false, false, false, false, false, false, false];
        for (candidate, expected) in others.iter().zip(expectations) {
            // Core and SQL agree on every candidate.
            let core_accepts = parse_archive_key(candidate).is_some_and(|parsed| {
                !parsed.after_reset
                    && parsed.city_slug == slug(city)
                    && parsed.institution_slug == slug(institution)
            });
            assert_eq!(core_accepts, expected, "core on {candidate:?}");
            let row = backend
                .admin
                .query_one(
                    "select app.is_archive_key($1, $2, $3)",
                    &[candidate, &city, &institution],
                )
                .await
                .expect("app.is_archive_key");
            let accepted: bool = row.get(0);
            assert_eq!(
                accepted, expected,
                "{candidate:?} as an archive of {city} / {institution}: the database says {accepted}"
            );
        }
    }
    backend.stop().await;
}

#[tokio::test]
async fn names_that_would_share_an_archive_folder_are_refused_as_duplicates() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    // "Saint Denis" exists: "Saint_Denis" would write into the same folder.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_city",
            json!({ "p_name": "Saint_Denis" }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("23505")),
        "{body}"
    );
    let blackwater: i64 = backend
        .admin
        .query_one("select id from cities where name = 'BlackWater'", &[])
        .await
        .unwrap()
        .get(0);
    // "Politie" exists in BlackWater: "Poliție" has the same slug.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_institution",
            json!({ "p_city_id": blackwater, "p_name": "Poliție", "p_ranks": ["A"], "p_columns": [] }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("23505")),
        "{body}"
    );
    // A genuinely different name is fine.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "create_institution",
            json!({ "p_city_id": blackwater, "p_name": "Poliție Rutieră", "p_ranks": ["A"], "p_columns": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    backend.stop().await;
}

// Points ------------------------------------------------------------------------------------------

fn points_values() -> Vec<i32> {
    let mut values = vec![
        i32::MIN,
        i32::MIN + 1,
        -2_147_483_000,
        -1_000_001,
        -1_000_000,
        -999_999,
        -47,
        -2,
        -1,
        0,
        1,
        2,
        46,
        999_999,
        1_000_000,
        1_000_001,
        i32::MAX - 1_000_000,
        i32::MAX - 1_000_001,
        i32::MAX - 2,
        i32::MAX - 1,
        i32::MAX,
    ];
    let mut rng = SplitMix64(42);
    for _ in 0..9 {
        values.push(rng.next() as u32 as i32);
    }
    values
}

#[tokio::test]
async fn app_apply_points_equals_core_apply_delta_over_a_grid_with_i32_extremes() {
    let backend = TestBackend::start().await;
    let values = points_values();
    let rows = backend
        .admin
        .query(
            "select c.v, d.v, app.apply_points(c.v, d.v)
               from unnest($1::int[]) as c(v) cross join unnest($1::int[]) as d(v)",
            &[&values],
        )
        .await
        .expect("app.apply_points");
    assert_eq!(rows.len(), values.len() * values.len());
    let mut mismatches = Vec::new();
    for row in &rows {
        let (current, delta, sql): (i32, i32, i32) = (row.get(0), row.get(1), row.get(2));
        let rust = apply_delta(current, delta);
        if sql != rust {
            mismatches.push(format!(
                "{current} {delta:+}: app.apply_points = {sql}, punctaj_core = {rust}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "the points preview would differ from the stored score ({} of {}):\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
    backend.stop().await;
}

/// The same rule through the real RPC: scores set near the limits, then `change_points` applied.
#[tokio::test]
async fn change_points_stores_what_core_apply_delta_predicts_at_the_limits() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    let employee: String = backend
        .admin
        .query_one(
            "select e.id::text from public.employees e
              where e.institution_id = 1 and e.deleted_at is null order by e.id limit 1",
            &[],
        )
        .await
        .expect("an employee of BlackWater/Politie")
        .get(0);
    for (start, delta) in [
        (0, -1),
        (3, -10),
        (3, -3),
        (5, 1_000_000),
        (i32::MAX - 5, 1_000_000),
        (i32::MAX, 1),
        (i32::MAX, -1_000_000),
        (1_000_000, -1_000_000),
    ] {
        let (status, body) = backend
            .rpc(
                Some(&owner),
                "update_employee",
                json!({"p_employee_id": employee, "p_rank": null, "p_fields": null, "p_punctaj": start,
                       "p_expected_version": backend.row_version("employees", &employee).await}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "set score {start}: {body}");
        let (status, body) = backend
            .rpc(
                Some(&owner),
                "change_points",
                json!({"p_institution_id": 1, "p_employee_ids": [employee], "p_delta": delta}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "change_points {start} {delta:+}: {body}"
        );
        let expected = apply_delta(start, delta);
        assert_eq!(
            body["changed"][0]["new"],
            json!(expected),
            "{start} {delta:+}: the server reports another score than the preview"
        );
        let stored: i32 = backend
            .admin
            .query_one(
                "select punctaj from public.employees where id = $1::text::uuid",
                &[&employee],
            )
            .await
            .expect("stored score")
            .get(0);
        assert_eq!(stored, expected, "{start} {delta:+}: stored score");
    }
    backend.stop().await;
}
