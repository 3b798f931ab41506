//! The harness itself: start, sign in, query, stop.

mod support;

use reqwest::StatusCode;
use support::TestBackend;

#[tokio::test]
async fn harness_starts_signs_in_and_cleans_up() {
    let backend = TestBackend::start().await;
    let token = backend.token("owner@punctaj.test").await;
    assert_eq!(
        token,
        backend.token("owner@punctaj.test").await,
        "cached per email"
    );
    let (status, headers, body) = backend
        .get(Some(&token), "/rest/v1/cities?select=id,name&order=id")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-range"], "0-2/*");
    assert_eq!(body[0]["name"], "BlackWater");
    let (status, body) = backend
        .rpc(Some(&token), "my_access", serde_json::json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let db_name = backend.db_name.clone();
    backend.stop().await;
    let admin = support::TestBackend::start().await;
    let gone = admin
        .admin
        .query_opt("select 1 from pg_database where datname = $1", &[&db_name])
        .await
        .unwrap();
    assert!(gone.is_none(), "database {db_name} dropped");
    admin.stop().await;
}

/// DDL sends `NOTIFY pgrst, 'reload schema'` (bootstrap's event triggers); the server listens.
#[tokio::test]
async fn schema_cache_reloads_after_ddl() {
    let backend = TestBackend::start().await;
    let (status, _, _) = backend
        .get(Some(&backend.service_key), "/rest/v1/fx_later?select=id")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    backend
        .admin
        .batch_execute("create table public.fx_later (id int primary key); grant select on public.fx_later to service_role;")
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, _, body) = backend
            .get(Some(&backend.service_key), "/rest/v1/fx_later?select=id")
            .await;
        if status == StatusCode::OK {
            assert_eq!(body, serde_json::json!([]));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no reload within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // And after a drop.
    backend
        .admin
        .batch_execute("drop table public.fx_later")
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while backend
        .get(Some(&backend.service_key), "/rest/v1/fx_later")
        .await
        .0
        != StatusCode::NOT_FOUND
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no reload within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    backend.stop().await;
}
