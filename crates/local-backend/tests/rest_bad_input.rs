//! Bad input to the PostgREST subset: each case gets PostgREST's status and error body, and
//! nothing changes in the database (a fingerprint of the data is compared before and after).

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

/// A digest of everything a request could have changed.
async fn fingerprint(backend: &TestBackend) -> String {
    backend
        .admin
        .query_one(
            "select md5(concat_ws('|',
               (select string_agg(t::text, ',' order by t.id) from public.cities t),
               (select string_agg(t::text, ',' order by t.id) from public.institutions t),
               (select string_agg(t::text, ',' order by t.id) from public.employees t),
               (select string_agg(t::text, ',' order by t.id) from public.sync_metadata t),
               (select count(*) from public.audit_log)::text,
               (select count(*) from public.sync_log)::text,
               (select string_agg(t.name, ',' order by t.name) from storage.objects t),
               (select count(*) from auth.users)::text,
               (select string_agg(c.relname, ',' order by c.relname) from pg_class c
                  join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public')))",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn error(code: &str, message: &str, details: Value, hint: Value) -> Value {
    json!({"code": code, "details": details, "hint": hint, "message": message})
}

#[tokio::test]
async fn bad_tokens_are_refused_with_postgrest_jwt_errors() {
    let backend = TestBackend::start().await;
    let before = fingerprint(&backend).await;
    let now = chrono::Utc::now().timestamp();
    let forged = punctaj_local_backend::jwt::sign(
        &json!({"role": "service_role"}),
        b"not-the-secret-not-the-secret-xx",
    );
    let expired = backend.sign_jwt(json!({"role": "authenticated", "sub": "00000000-0000-0000-0000-000000000001", "exp": now - 60}));
    let wrong_role = backend.sign_jwt(json!({"role": "postgres", "exp": now + 60}));
    let ghost_role = backend.sign_jwt(json!({"role": "hacker", "exp": now + 60}));
    let auth_admin = backend.sign_jwt(json!({"role": "supabase_auth_admin", "exp": now + 60}));
    let cases: Vec<(String, &str, &str)> = vec![
        ("abc".into(), "PGRST301", "Expected 3 parts in JWT; got 1"),
        (
            "a.b.c.d".into(),
            "PGRST301",
            "Expected 3 parts in JWT; got 4",
        ),
        (forged, "PGRST301", "JWT cryptographic operation failed"),
        (expired, "PGRST303", "JWT expired"),
    ];
    for (token, code, message) in cases {
        let (status, headers, body) = send(
            backend
                .request(Method::POST, "/rest/v1/rpc/create_city", Some(&token))
                .json(&json!({"p_name": "Injected"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}: {body}");
        assert_eq!(body, error(code, message, Value::Null, Value::Null));
        assert_eq!(
            headers["www-authenticate"],
            format!("Bearer error=\"invalid_token\", error_description=\"{message}\"").as_str()
        );
    }
    for (token, code, message) in [
        (
            wrong_role,
            "42501",
            "permission denied to set role \"postgres\"",
        ),
        (
            auth_admin,
            "42501",
            "permission denied to set role \"supabase_auth_admin\"",
        ),
        (ghost_role, "22023", "role \"hacker\" does not exist"),
    ] {
        let (status, _, body) =
            send(backend.request(Method::GET, "/rest/v1/cities?select=id", Some(&token))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body, error(code, message, Value::Null, Value::Null));
    }
    // `Bearer` without a token.
    let (status, _, body) = send(
        backend
            .http
            .get(backend.url("/rest/v1/cities"))
            .header("authorization", "Bearer "),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "PGRST301");
    assert_eq!(fingerprint(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn unknown_tables_columns_and_functions() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    let before = fingerprint(&backend).await;
    let (status, _, body) = backend.get(Some(&owner), "/rest/v1/nope?select=*").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        error(
            "PGRST205",
            "Could not find the table 'public.nope' in the schema cache",
            Value::Null,
            Value::Null
        )
    );
    for query in [
        "select=id,nope",
        "nope=eq.1",
        "order=nope.desc",
        "or=(nope.eq.1,id.eq.2)",
    ] {
        let (status, _, body) = backend
            .get(Some(&owner), &format!("/rest/v1/cities?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(
            body,
            error(
                "42703",
                "column cities.nope does not exist",
                Value::Null,
                Value::Null
            ),
            "{query}"
        );
    }
    // A quoted column name with a quote inside is just a name that does not exist.
    let (status, _, body) = backend
        .get(Some(&owner), "/rest/v1/cities?select=%22na%5C%22me%22")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "column cities.na\"me does not exist");
    // Unknown embed, unknown function, unknown payload column.
    let (status, _, body) = backend
        .get(Some(&owner), "/rest/v1/cities?select=*,nope(*)")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "PGRST200");
    let (status, body) = backend.rpc(Some(&owner), "nope", json!({"a": 1})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        error(
            "PGRST202",
            "Could not find the function public.nope(a) in the schema cache",
            json!(
                "Searched for the function public.nope with parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache."
            ),
            Value::Null
        )
    );
    let (status, body) = backend
        .rpc(Some(&owner), "create_city", json!({"p_nom": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "PGRST202");
    let (status, _, body) = send(
        backend
            .request(Method::POST, "/rest/v1/sync_log", Some(&owner))
            .json(&json!({"user_id": null, "population": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        error(
            "PGRST204",
            "Could not find the 'population' column of 'sync_log' in the schema cache",
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(fingerprint(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn malformed_queries_and_injection_attempts_run_nothing() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    let before = fingerprint(&backend).await;
    for (query, message_start) in [
        (
            "select=id;drop%20table%20cities",
            "\"failed to parse select parameter (id;drop table cities)\"",
        ),
        ("select=id)", "\"failed to parse select parameter (id))\""),
        (
            "order=name;delete",
            "\"failed to parse order (name;delete)\"",
        ),
        (
            "order=name.sideways",
            "\"failed to parse order (name.sideways)\"",
        ),
        ("id=noop.1", "\"failed to parse filter (noop.1)\""),
        ("id=5", "\"failed to parse filter (5)\""),
        ("id=in.1,2", "\"failed to parse filter (in.1,2)\""),
        (
            "deleted_at=is.maybe",
            "\"failed to parse filter (is.maybe)\"",
        ),
        ("or=(id.eq.1", "\"failed to parse logic tree (or(id.eq.1)\""),
        ("na;me=eq.1", "\"failed to parse tree path (na;me)\""),
    ] {
        let (status, _, body) = backend
            .get(Some(&owner), &format!("/rest/v1/cities?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "PGRST100", "{query}");
        assert!(
            body["message"].as_str().unwrap().starts_with(message_start),
            "{query}: {body}"
        );
        assert!(
            body["details"].as_str().unwrap().starts_with("unexpected"),
            "{query}: {body}"
        );
    }
    // Values are parameters: an injection attempt is a value that matches nothing.
    let (status, _, body) = backend
        .get(
            Some(&owner),
            "/rest/v1/cities?name=eq.x%27%29%3B%20drop%20table%20public.cities%3B--&select=id",
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (status, _, body) = backend
        .get(
            Some(&owner),
            "/rest/v1/cities?name=in.(%22a%22%22,x%27)%20or%201=1--)&select=id",
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (status, _, body) = backend
        .get(Some(&owner), "/rest/v1/cities?id=eq.1%20or%201=1")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "22P02");
    assert_eq!(
        body["message"],
        "invalid input syntax for type bigint: \"1 or 1=1\""
    );
    // Identifiers go through the schema cache: unknown (or hostile) names never reach SQL.
    let (status, _, body) = backend
        .get(
            Some(&owner),
            "/rest/v1/cities%22%3B%20drop%20table%20cities%3B--",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "PGRST205");
    let (status, _, body) = backend
        .get(Some(&owner), "/rest/v1/cities?select=id::regclass")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "42704");
    assert_eq!(fingerprint(&backend).await, before);
    let cities: i64 = backend
        .admin
        .query_one("select count(*) from public.cities", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(cities, 3);
    backend.stop().await;
}

#[tokio::test]
async fn bad_bodies_methods_and_media_types() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    let before = fingerprint(&backend).await;
    let post = |path: &str, body: &'static str| {
        backend
            .request(Method::POST, path, Some(&owner))
            .header("content-type", "application/json")
            .body(body)
    };
    for body in ["{not json", "", "[1, 2]"] {
        let (status, _, response) = send(post("/rest/v1/sync_log", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}: {response}");
        assert_eq!(response["code"], "PGRST102", "{body:?}");
    }
    let (status, _, response) = send(post(
        "/rest/v1/sync_log",
        r#"[{"sync_type": "upload"}, {"status": "failed"}]"#,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response,
        error(
            "PGRST102",
            "All object keys must match",
            Value::Null,
            Value::Null
        )
    );
    let (status, _, response) = send(post("/rest/v1/rpc/create_city", "[1]")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(response["code"], "PGRST102");
    let (status, _, response) = send(
        backend
            .request(Method::PUT, "/rest/v1/cities?id=eq.1", Some(&owner))
            .json(&json!({"id": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response["code"], "PGRST117");
    let (status, _, response) = send(
        backend
            .request(Method::PATCH, "/rest/v1/rpc/create_city", Some(&owner))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response,
        error(
            "PGRST101",
            "Cannot use the PATCH method on RPC",
            Value::Null,
            Value::Null
        )
    );
    let (status, _, response) = send(
        backend
            .request(Method::GET, "/rest/v1/cities", Some(&owner))
            .header("accept", "text/csv"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(response["code"], "PGRST107");
    let (status, _, response) = send(
        backend
            .request(Method::POST, "/rest/v1/cities", Some(&owner))
            .header("content-profile", "api")
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(response["code"], "PGRST106");
    let (status, _, response) =
        send(backend.request(Method::GET, "/rest/v1/cities?limit=-1", Some(&owner))).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response["code"], "PGRST103");
    assert_eq!(fingerprint(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn database_errors_map_to_postgrest_statuses() {
    let backend = TestBackend::start().await;
    backend
        .admin
        .batch_execute(
            r#"
            create table public.fx_parent (id int primary key);
            create table public.fx_child (id int primary key, parent_id int not null references public.fx_parent (id),
                                          qty int check (qty > 0));
            insert into public.fx_parent values (1);
            insert into public.fx_child values (1, 1, 1);
            grant select, insert, update, delete on public.fx_parent, public.fx_child to anon, authenticated;
            create function public.fx_raise(p_code text) returns void language plpgsql as $$
              begin raise exception using errcode = p_code, message = 'raised ' || p_code, detail = 'd', hint = 'h'; end $$;
            grant execute on function public.fx_raise(text) to anon, authenticated;
            create function public.fx_serial() returns void language plpgsql as $$
              begin raise exception using errcode = '40001', message = 'could not serialize access'; end $$;
            grant execute on function public.fx_serial() to anon, authenticated;
            "#,
        )
        .await
        .unwrap();
    backend.reload_schema().await;
    let member = backend.token("member@punctaj.test").await;
    let insert = |path: &str, body: Value| {
        backend
            .request(Method::POST, path, Some(&member))
            .json(&body)
    };
    let (status, _, body) = send(insert(
        "/rest/v1/fx_child",
        json!({"id": 1, "parent_id": 1, "qty": 1}),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("23505"))
    );
    assert_eq!(body["details"], "Key (id)=(1) already exists.");
    let (status, _, body) = send(insert(
        "/rest/v1/fx_child",
        json!({"id": 2, "parent_id": 9, "qty": 1}),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("23503"))
    );
    let (status, _, body) = send(insert(
        "/rest/v1/fx_child",
        json!({"id": 2, "parent_id": null, "qty": 1}),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("23502"))
    );
    let (status, _, body) = send(insert(
        "/rest/v1/fx_child",
        json!({"id": 2, "parent_id": 1, "qty": 0}),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("23514"))
    );
    let (status, _, body) = send(insert(
        "/rest/v1/fx_child",
        json!({"id": "two", "parent_id": 1}),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("22P02"))
    );
    for (code, expected) in [
        ("P0001", StatusCode::BAD_REQUEST),
        ("PT404", StatusCode::NOT_FOUND),
        ("PT409", StatusCode::CONFLICT),
        ("PT429", StatusCode::TOO_MANY_REQUESTS),
        ("22023", StatusCode::BAD_REQUEST),
        ("P0002", StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let (status, body) = backend
            .rpc(Some(&member), "fx_raise", json!({"p_code": code}))
            .await;
        assert_eq!(status, expected, "{code}: {body}");
        assert_eq!(
            body,
            error(code, &format!("raised {code}"), json!("d"), json!("h"))
        );
    }
    // PostgREST maps serialization failures (class 40) to 500, not 409.
    let (status, body) = backend.rpc(Some(&member), "fx_serial", json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("40001"))
    );
    let rows: i64 = backend
        .admin
        .query_one("select count(*) from public.fx_child", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    backend.stop().await;
}

#[tokio::test]
async fn permission_errors_from_the_real_functions() {
    let backend = TestBackend::start().await;
    let before = fingerprint(&backend).await;
    // Anonymous: 401; signed in without the capability: 403; bad argument: 400; duplicate: 409.
    let (status, body) = backend
        .rpc(None, "create_city", json!({"p_name": "Nou"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "42501");
    let member = backend.token("member@punctaj.test").await;
    let (status, body) = backend
        .rpc(Some(&member), "create_city", json!({"p_name": "Nou"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "42501");
    let owner = backend.token("owner@punctaj.test").await;
    let (status, body) = backend
        .rpc(Some(&owner), "create_city", json!({"p_name": "  "}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "22023");
    let (status, body) = backend
        .rpc(Some(&owner), "create_city", json!({"p_name": "BlackWater"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "23505");
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "rename_city",
            json!({"p_city_id": 999, "p_name": "X", "p_expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "PT404");
    assert_eq!(fingerprint(&backend).await, before);
    // Rate limit: the second force sync within 10 s is PT429 with the seconds in `details`.
    let (status, body) = backend.rpc(Some(&member), "force_sync", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = backend
        .rpc(Some(&member), "force_sync", json!({"p_reason": "again"}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "PT429");
    assert!(body["details"].as_str().unwrap().parse::<i64>().unwrap() >= 1);
    backend.stop().await;
}
