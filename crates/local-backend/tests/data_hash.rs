//! The cloud's scope hashes (`sync_scopes`, SQL `app.scope_hash`) and `sync_metadata.data_hash`
//! (SQL `app.compute_data_hash()`, canonical hash v2) equal the hashes the browser computes with
//! `punctaj_core::canonical::{scope_hashes, data_hash}` over the rows it downloaded through REST —
//! otherwise every client refuses every download and stays locked forever.
//!
//! The rows are fetched exactly as the app fetches them (`src/api/snapshot.rs`: the same column
//! lists, `deleted_at=is.null`, `order=id.asc`, pages of 1000), deserialized into
//! `punctaj_core::model`, and for every scope the stored hash, a fresh SQL hash and the Rust hash
//! are compared; on a mismatch the two documents are compared line by line, so the differing
//! line shows. Every RPC must bump the version exactly once.

mod support;

use std::collections::BTreeMap;

use punctaj_core::canonical::{
    data_hash, global_hash, institution_document, scope_hashes, structure_document,
};
use punctaj_core::model::{City, Employee, Institution, Snapshot};
use punctaj_core::scope::ScopeId;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::TestBackend;

const OWNER: &str = "owner@punctaj.test";
/// Downloads are made by any granted account; the viewer is the least privileged one.
const READER: &str = "viewer@punctaj.test";

/// The app's page size and column lists (`src/api/snapshot.rs`).
const PAGE_SIZE: usize = 1000;
const CITY_COLUMNS: &str = "id,name,row_version,created_at,updated_at,deleted_at";
const INSTITUTION_COLUMNS: &str = "id,city_id,name,ranks,columns,last_points_change_at,revision,row_version,created_at,updated_at,deleted_at";
const EMPLOYEE_COLUMNS: &str =
    "id,institution_id,rank,punctaj,ultima_mod,fields,row_version,created_at,updated_at,deleted_at";

/// Every live row of `table`, page by page, in id order.
async fn fetch_live_rows<T: DeserializeOwned>(
    backend: &TestBackend,
    token: &str,
    table: &str,
    columns: &str,
) -> Vec<T> {
    let mut rows: Vec<T> = Vec::new();
    // Bounded: far more pages than any test creates.
    for _ in 0..100 {
        let path = format!(
            "/rest/v1/{table}?select={columns}&deleted_at=is.null&order=id.asc&offset={}&limit={PAGE_SIZE}",
            rows.len()
        );
        let (status, _headers, body) = backend.get(Some(token), &path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        let page: Vec<T> = serde_json::from_value(body.clone()).unwrap_or_else(|e| {
            panic!("a {table} page does not deserialize into punctaj_core::model ({e})")
        });
        let received = page.len();
        rows.extend(page);
        if received < PAGE_SIZE {
            return rows;
        }
    }
    panic!("{table}: more than 100 pages");
}

/// What the client downloads.
async fn download(backend: &TestBackend, token: &str) -> Snapshot {
    Snapshot {
        cities: fetch_live_rows::<City>(backend, token, "cities", CITY_COLUMNS).await,
        institutions: fetch_live_rows::<Institution>(
            backend,
            token,
            "institutions",
            INSTITUTION_COLUMNS,
        )
        .await,
        employees: fetch_live_rows::<Employee>(backend, token, "employees", EMPLOYEE_COLUMNS).await,
    }
}

/// The version row as the client polls it.
async fn cloud_version(backend: &TestBackend, token: &str) -> (i64, String) {
    let (status, _headers, body) = backend
        .get(
            Some(token),
            "/rest/v1/sync_metadata?select=version,data_hash&sync_key=eq.global_version",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "version row: {body}");
    let row = &body[0];
    (
        row["version"].as_i64().expect("version"),
        row["data_hash"].as_str().expect("data_hash").to_owned(),
    )
}

/// Where two documents first differ, line by line.
fn first_difference(sql: &str, rust: &str) -> String {
    let (sql_lines, rust_lines): (Vec<&str>, Vec<&str>) =
        (sql.split('\n').collect(), rust.split('\n').collect());
    for index in 0..sql_lines.len().max(rust_lines.len()) {
        let (s, r) = (sql_lines.get(index), rust_lines.get(index));
        if s != r {
            return format!(
                "first difference at line {}:\n  SQL : {:?}\n  Rust: {:?}",
                index + 1,
                s.copied().unwrap_or("<missing>"),
                r.copied().unwrap_or("<missing>")
            );
        }
    }
    "the documents differ only in ways split('\\n') does not show".to_owned()
}

/// The SQL document of one scope (`app.structure_document()` / `app.institution_document(id)`).
async fn sql_document(backend: &TestBackend, scope: ScopeId) -> Option<String> {
    let row = match scope {
        ScopeId::Structure => {
            backend
                .admin
                .query_one("select app.structure_document()", &[])
                .await
        }
        ScopeId::Institution(id) => {
            backend
                .admin
                .query_one("select app.institution_document($1)", &[&id])
                .await
        }
    };
    row.expect("scope document").get(0)
}

/// The stored scope hashes and data hash, their fresh SQL recomputations and the client's hashes
/// of its download all agree. Returns the cloud version and hash.
async fn assert_hashes_agree(backend: &TestBackend, step: &str) -> (i64, String) {
    let token = backend.token(READER).await;
    let (version, stored_hash) = cloud_version(backend, &token).await;
    let snapshot = download(backend, &token).await;
    let live_employees = backend
        .scalar_i64("select count(*) from public.employees where deleted_at is null")
        .await;
    assert_eq!(
        snapshot.employees.len() as i64,
        live_employees,
        "{step}: the download missed live employees (paging?)"
    );

    // The scope rows as a client reads them (REST, row-level security applies).
    let (status, _headers, body) = backend
        .get(
            Some(&token),
            "/rest/v1/sync_scopes?select=scope,version,hash&order=scope.asc",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{step}: sync_scopes: {body}");
    let mut stored: BTreeMap<ScopeId, String> = BTreeMap::new();
    for row in body.as_array().expect("sync_scopes rows") {
        let scope: ScopeId = serde_json::from_value(row["scope"].clone()).expect("scope id");
        assert!(
            row["version"].as_i64().expect("version") <= version,
            "{step}: {scope} has a version above the cloud's"
        );
        if let Some(hash) = row["hash"].as_str() {
            stored.insert(scope, hash.to_owned());
        }
    }

    let rust = scope_hashes(&snapshot);
    assert_eq!(
        rust.keys().collect::<Vec<_>>(),
        stored.keys().collect::<Vec<_>>(),
        "{step}: the live scopes of sync_scopes are not the download's"
    );
    for (scope, rust_hash) in &rust {
        let fresh = backend
            .admin
            .query_one("select app.scope_hash($1)", &[&scope.to_string()])
            .await
            .expect("app.scope_hash")
            .get::<_, Option<String>>(0)
            .unwrap_or_default();
        if &fresh != rust_hash {
            let sql = sql_document(backend, *scope).await.unwrap_or_default();
            let rust_doc = match scope {
                ScopeId::Structure => structure_document(&snapshot),
                ScopeId::Institution(id) => {
                    institution_document(&snapshot, *id).unwrap_or_default()
                }
            };
            panic!(
                "{step}: the documents of {scope} differ; every client would refuse the download.\n{}",
                first_difference(&sql, &rust_doc)
            );
        }
        assert_eq!(
            stored.get(scope),
            Some(rust_hash),
            "{step}: the stored hash of {scope} is stale (not the hash of the committed data)"
        );
    }

    let row = backend
        .admin
        .query_one(
            "select app.compute_data_hash(), app.global_hash_from_scopes()",
            &[],
        )
        .await
        .expect("data hash");
    let (fresh_hash, from_scopes): (String, String) = (row.get(0), row.get(1));
    assert_eq!(
        stored_hash, fresh_hash,
        "{step}: sync_metadata.data_hash is stale (not the hash of the committed data)"
    );
    assert_eq!(
        stored_hash, from_scopes,
        "{step}: data_hash is not the hash of sync_scopes"
    );
    assert_eq!(
        data_hash(&snapshot),
        stored_hash,
        "{step}: the client's hash of its download differs from the cloud's data_hash"
    );
    assert_eq!(
        global_hash(stored.iter().map(|(scope, hash)| (*scope, hash.as_str()))),
        stored_hash,
        "{step}: the global hash of the stored scopes differs from data_hash"
    );
    (version, stored_hash)
}

/// Runs one RPC as the owner and checks it bumped the version exactly once and returned the new
/// version and hash, then that both hashes agree.
async fn step(backend: &TestBackend, label: &str, function: &str, args: Value) -> Value {
    let owner = backend.token(OWNER).await;
    let reader = backend.token(READER).await;
    let (before, _) = cloud_version(backend, &reader).await;
    let (status, body) = backend.rpc(Some(&owner), function, args).await;
    assert_eq!(status, StatusCode::OK, "{label}: {function} failed: {body}");
    let (after, hash) = assert_hashes_agree(backend, label).await;
    assert_eq!(
        after,
        before + 1,
        "{label}: {function} must bump the version exactly once"
    );
    assert_eq!(body["version"], json!(after), "{label}: returned version");
    assert_eq!(body["data_hash"], json!(hash), "{label}: returned hash");
    body
}

/// An RPC that must be refused with `code` and change nothing.
async fn refused(backend: &TestBackend, label: &str, function: &str, args: Value, code: &str) {
    let owner = backend.token(OWNER).await;
    let reader = backend.token(READER).await;
    let before = cloud_version(backend, &reader).await;
    let (status, body) = backend.rpc(Some(&owner), function, args).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some(code)),
        "{label}: {function} must be refused with {code}: {body}"
    );
    assert_eq!(
        cloud_version(backend, &reader).await,
        before,
        "{label}: a refused call changed the version"
    );
}

#[tokio::test]
async fn sql_hash_equals_rust_hash_on_the_demo_data() {
    let backend = TestBackend::start().await;
    let (version, _) = assert_hashes_agree(&backend, "demo data").await;
    assert_eq!(version, 2, "the seed bumps the version once");
    let snapshot = download(&backend, &backend.token(READER).await).await;
    assert_eq!(
        (
            snapshot.cities.len(),
            snapshot.institutions.len(),
            snapshot.employees.len()
        ),
        (3, 6, 61),
        "the demo data"
    );
    backend.stop().await;
}

/// City, institution and employees with every kind of awkward text, then each kind of change.
#[tokio::test]
async fn sql_hash_equals_rust_hash_through_hostile_text_deletes_restores_and_points() {
    let backend = TestBackend::start().await;
    assert_hashes_agree(&backend, "demo data").await;

    let city_name = "Orașul „Ștefan” 'Țăranu' \"Q\" \\ <script>alert(1)</script> 🚓 ĂÂÎȘȚ";
    assert!(city_name.chars().count() <= 80);
    let created = step(
        &backend,
        "create a city with diacritics, quotes, a backslash, markup and emoji",
        "create_city",
        json!({"p_name": city_name}),
    )
    .await;
    let city_id = created["city_id"].as_i64().expect("city_id");

    let columns = [
        "NUME IC",
        "Poreclă ✨",
        "Note \\ \"x\" 'y'",
        "ÎNCEPUT",
        "a lower",
        "Z upper",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD",
        "<script>alert(1)</script>",
    ];
    let created = step(
        &backend,
        "create an institution with awkward ranks and columns",
        "create_institution",
        json!({
            "p_city_id": city_id,
            "p_name": "Poliția \\ \"Rutieră\" 'ăâîșț' 🚑",
            "p_ranks": ["Începător", "Căpitan \"Șef\"", "O'Brien \\ boss", "<b>Șerif</b> 🤠"],
            "p_columns": columns,
        }),
    )
    .await;
    let institution = created["institution_id"].as_i64().expect("institution_id");

    // Custom field values may hold anything but control characters are kept verbatim there.
    let hostile = step(
        &backend,
        "an employee whose values hold tabs, newlines, CR, backslashes, quotes, markup, emoji and an empty value",
        "add_employee",
        json!({
            "p_institution_id": institution,
            "p_rank": 4,
            "p_fields": {
                "NUME IC": "Ion\tPopescu\nline two\r\nend \\ backslash \"dq\" 'sq'",
                "Poreclă ✨": "<script>alert(1)</script>",
                "Note \\ \"x\" 'y'": "🚓🚑 ăâîșț ĂÂÎȘȚ",
                "ÎNCEPUT": "",
                "a lower": "\\t is not a tab, \\n is not a newline",
                "Z upper": "\\\\",
                "<script>alert(1)</script>": "\u{2028}\u{85}\u{7f}",
            },
            "p_punctaj": 0,
        }),
    )
    .await;
    let hostile = hostile["employee_id"]
        .as_str()
        .expect("employee_id")
        .to_owned();
    let ultima_mod: Option<String> = backend
        .admin
        .query_one(
            "select ultima_mod::text from public.employees where id = $1::text::uuid",
            &[&hostile],
        )
        .await
        .expect("ultima_mod")
        .get(0);
    assert_eq!(ultima_mod, None, "no points yet: ULTIMA_MOD stays empty");

    let plain = step(
        &backend,
        "an employee with no custom fields and points",
        "add_employee",
        json!({"p_institution_id": institution, "p_rank": 1, "p_fields": {}, "p_punctaj": 12}),
    )
    .await;
    let plain = plain["employee_id"]
        .as_str()
        .expect("employee_id")
        .to_owned();
    let partial = step(
        &backend,
        "an employee with only some custom fields, all empty",
        "add_employee",
        json!({"p_institution_id": institution, "p_rank": 2,
               "p_fields": {"a lower": "", "Z upper": ""}}),
    )
    .await;
    let partial = partial["employee_id"]
        .as_str()
        .expect("employee_id")
        .to_owned();

    // Names (cities, institutions, ranks, columns) refuse control characters.
    for (label, function, args) in [
        (
            "a city name with a tab",
            "create_city",
            json!({"p_name": "Bad\tcity"}),
        ),
        (
            "a city name with a newline",
            "rename_city",
            json!({"p_city_id": city_id, "p_name": "Line\nbreak",
                   "p_expected_version": backend.row_version("cities", city_id).await}),
        ),
        (
            "an institution name with a CR",
            "rename_institution",
            json!({"p_institution_id": institution, "p_name": "Carriage\rreturn",
                   "p_expected_version": backend.row_version("institutions", institution).await}),
        ),
        (
            "a rank with a line separator",
            "set_institution_ranks",
            json!({"p_institution_id": institution, "p_ranks": ["A", "B\u{2028}C"],
                   "p_expected_version": backend.row_version("institutions", institution).await}),
        ),
        (
            "a rank with a C1 control",
            "create_institution",
            json!({"p_city_id": city_id, "p_name": "Medici", "p_ranks": ["A\u{85}"], "p_columns": []}),
        ),
        (
            "a column with a tab",
            "set_institution_columns",
            json!({"p_institution_id": institution, "p_columns": ["A\tB"], "p_renames": {},
                   "p_expected_version": backend.row_version("institutions", institution).await}),
        ),
    ] {
        refused(&backend, label, function, args, "22023").await;
    }
    assert_hashes_agree(&backend, "after the refused names").await;

    step(
        &backend,
        "a points change",
        "change_points",
        json!({"p_institution_id": institution, "p_employee_ids": [hostile, plain], "p_delta": 7}),
    )
    .await;
    step(
        &backend,
        "a points change on demo data",
        "change_points",
        json!({"p_institution_id": 1,
               "p_employee_ids": demo_employees(&backend, 1, 5).await, "p_delta": -20}),
    )
    .await;
    step(
        &backend,
        "an edit of the fields",
        "update_employee",
        json!({"p_employee_id": plain, "p_rank": 3,
               "p_fields": {"NUME IC": "Țuțu \"Nou\"", "ÎNCEPUT": "2026\\03"},
               "p_expected_version": backend.row_version("employees", &plain).await}),
    )
    .await;
    step(
        &backend,
        "a soft delete of one employee",
        "delete_employees",
        json!({"p_employee_ids": [partial]}),
    )
    .await;
    step(
        &backend,
        "renaming a custom column (values move)",
        "set_institution_columns",
        json!({"p_institution_id": institution,
               "p_columns": ["NUME IC", "Poreclă ✨", "a renamed ă", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD", "ÎNCEPUT"],
               "p_renames": {"a lower": "a renamed ă"},
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    step(
        &backend,
        "the ladder grows",
        "set_institution_ranks",
        json!({"p_institution_id": institution,
               "p_ranks": ["Începător", "Căpitan \"Șef\"", "O'Brien \\ boss", "<b>Șerif</b> 🤠", "Al 5-lea"],
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    step(
        &backend,
        "a soft delete of the institution",
        "delete_institution",
        json!({"p_institution_id": institution}),
    )
    .await;
    step(
        &backend,
        "restoring the institution",
        "restore_institution",
        json!({"p_institution_id": institution}),
    )
    .await;
    step(
        &backend,
        "a soft delete of the city (and everything in it)",
        "delete_city",
        json!({"p_city_id": city_id}),
    )
    .await;
    step(
        &backend,
        "restoring the city",
        "restore_city",
        json!({"p_city_id": city_id}),
    )
    .await;
    step(
        &backend,
        "restoring the deleted employee",
        "restore_employees",
        json!({"p_employee_ids": [partial]}),
    )
    .await;
    step(
        &backend,
        "renaming the city to another non-ASCII name",
        "rename_city",
        json!({"p_city_id": city_id, "p_name": "Ñandú Œuvre ß 日本 \\\\",
               "p_expected_version": backend.row_version("cities", city_id).await}),
    )
    .await;
    step(
        &backend,
        "a force sync (no data change, still one bump)",
        "force_sync",
        json!({"p_reason": "test"}),
    )
    .await;
    backend.stop().await;
}

/// `count` live employee ids of an institution.
async fn demo_employees(backend: &TestBackend, institution: i64, count: i64) -> Vec<String> {
    backend
        .admin
        .query(
            "select id::text from public.employees
              where institution_id = $1 and deleted_at is null order by id limit $2",
            &[&institution, &count],
        )
        .await
        .expect("demo employees")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// An edit made outside the RPCs (SQL editor, service key) is bumped at commit by the deferred
/// trigger: more than one page of employees, keys outside the institution's columns (the general
/// path of `app.institution_documents`), keys that sort differently bytewise and by collation, odd
/// timestamps.
#[tokio::test]
async fn sql_hash_equals_rust_hash_after_a_bulk_direct_edit_paged_over_1000_rows() {
    let backend = TestBackend::start().await;
    let reader = backend.token(READER).await;
    let (before, _) = cloud_version(&backend, &reader).await;
    backend
        .admin
        .batch_execute(
            r#"
            begin;
            insert into public.employees (institution_id, rank, punctaj, ultima_mod, fields)
            select 1 + (n % 6), 1 + (n % 5), (n * 7919) % 2147483647,
                   case n % 4
                     when 0 then null
                     when 1 then timestamptz '2026-03-07 12:28:40.000001+00' + n * interval '1 microsecond'
                     when 2 then timestamptz '1999-12-31 23:59:59.999999-05'
                     else timestamptz '1970-01-01 00:00:00+00' end,
                   case n % 5
                     when 0 then '{}'::jsonb
                     when 1 then jsonb_build_object('DISCORD', 'd' || n, 'NUME IC', 'Nume ' || n)
                     when 2 then jsonb_build_object('é', 'e-acute', 'e' || chr(769), 'e+combining',
                                                    'E', 'upper', 'e', 'lower', 'Ă', 'A-breve')
                     when 3 then jsonb_build_object(E'key\twith tab', E'value\nwith newline\r',
                                                    'back\slash', '\\', '', 'empty key')
                     else jsonb_build_object('DISCORD', 'only discord ' || n, 'ZZ extra', 'x') end
              from generate_series(1, 1500) as n;
            update public.employees set punctaj = 2147483647
             where id = (select id from public.employees order by id limit 1);
            commit;
            "#,
        )
        .await
        .expect("bulk direct edit");
    let (after, _) = assert_hashes_agree(&backend, "after a bulk direct edit").await;
    assert_eq!(
        after,
        before + 1,
        "a direct edit must be bumped exactly once, at commit"
    );
    let snapshot = download(&backend, &reader).await;
    assert!(
        snapshot.employees.len() > 1500,
        "paging fetched {} employees",
        snapshot.employees.len()
    );
    backend.stop().await;
}
