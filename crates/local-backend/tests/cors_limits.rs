//! Browser rules (CORS preflight and exposed headers) and body size limits: a 10 MiB body is
//! accepted, more than the 50 MiB limit is refused with 413 in each service's error shape.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

const ORIGIN: &str = "http://127.0.0.1:8080";
const REQUESTED_HEADERS: &str = "authorization,apikey,content-type,prefer,x-client-info,accept-profile,content-profile,range,x-upsert,cache-control";

#[tokio::test]
async fn preflight_answers_for_every_service() {
    let backend = TestBackend::start().await;
    for (path, method) in [
        ("/rest/v1/cities?select=id", "GET"),
        ("/rest/v1/rpc/change_points", "POST"),
        ("/rest/v1/employees?id=eq.1", "PATCH"),
        ("/storage/v1/object/arhiva/BlackWater/x.json", "POST"),
        ("/storage/v1/object/arhiva", "DELETE"),
        ("/auth/v1/token?grant_type=password", "POST"),
        ("/auth/v1/user", "PUT"),
    ] {
        let response = backend
            .http
            .request(Method::OPTIONS, backend.url(path))
            .header("origin", ORIGIN)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", REQUESTED_HEADERS)
            .send()
            .await
            .unwrap();
        assert!(
            response.status() == StatusCode::OK || response.status() == StatusCode::NO_CONTENT,
            "{path}"
        );
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], ORIGIN, "{path}");
        let methods = headers["access-control-allow-methods"].to_str().unwrap();
        for m in ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"] {
            assert!(methods.contains(m), "{path}: {methods}");
        }
        assert_eq!(
            headers["access-control-allow-headers"], REQUESTED_HEADERS,
            "{path}"
        );
        assert_eq!(headers["access-control-max-age"], "86400");
    }
    // Without an Origin, any origin is allowed.
    let response = backend
        .http
        .request(Method::OPTIONS, backend.url("/rest/v1/cities"))
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    backend.stop().await;
}

#[tokio::test]
async fn responses_expose_the_headers_the_app_reads() {
    let backend = TestBackend::start().await;
    let token = backend.token("viewer@punctaj.test").await;
    for (path, expected) in [
        ("/rest/v1/cities?select=id", StatusCode::OK),
        ("/rest/v1/nope", StatusCode::NOT_FOUND),
        ("/auth/v1/user", StatusCode::OK),
        (
            "/storage/v1/object/arhiva/none.json",
            StatusCode::BAD_REQUEST,
        ),
        ("/nowhere", StatusCode::NOT_FOUND),
    ] {
        let response = backend
            .request(Method::GET, path, Some(&token))
            .header("origin", ORIGIN)
            .header("prefer", "count=exact")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path}");
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], ORIGIN, "{path}");
        let exposed = headers["access-control-expose-headers"].to_str().unwrap();
        for h in [
            "Content-Range",
            "Location",
            "Content-Location",
            "Content-Type",
        ] {
            assert!(exposed.contains(h), "{path}: {exposed}");
        }
    }
    backend.stop().await;
}

#[tokio::test]
async fn ten_mebibytes_are_accepted() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    // Exactly the bucket's 10 MiB limit: a JSON string padded to size.
    let limit = 10 * 1024 * 1024;
    let body = format!("\"{}\"", "a".repeat(limit - 2));
    let response = backend
        .request(
            Method::POST,
            "/storage/v1/object/arhiva/BlackWater/Politie_2026-04-01_00-00-00.json",
            Some(&owner),
        )
        .header("content-type", "application/json")
        .header("x-upsert", "false")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let response = backend
        .request(
            Method::GET,
            "/storage/v1/object/arhiva/BlackWater/Politie_2026-04-01_00-00-00.json",
            Some(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-length"],
        limit.to_string().as_str()
    );
    assert_eq!(response.bytes().await.unwrap().len(), limit);
    // One byte over the bucket limit: Storage's EntityTooLarge (HTTP 400, statusCode 413).
    let over = format!("\"{}\"", "a".repeat(limit - 1));
    let response = backend
        .request(
            Method::POST,
            "/storage/v1/object/arhiva/BlackWater/Politie_2026-04-02_00-00-00.json",
            Some(&owner),
        )
        .header("content-type", "application/json")
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["statusCode"], "413");
    // A 10 MiB PostgREST body.
    backend
        .admin
        .batch_execute("create table public.fx_big (id int primary key, data text); grant all on public.fx_big to authenticated;")
        .await
        .unwrap();
    backend.reload_schema().await;
    let response = backend
        .request(Method::POST, "/rest/v1/fx_big", Some(&owner))
        .json(&json!({"id": 1, "data": "b".repeat(limit)}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let length: i32 = backend
        .admin
        .query_one("select length(data) from public.fx_big", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(length as usize, limit);
    backend.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let backend = TestBackend::start().await;
    let owner = backend.token("owner@punctaj.test").await;
    let huge = vec![b'x'; 50 * 1024 * 1024 + 1];
    let objects_before: i64 = backend
        .admin
        .query_one("select count(*) from storage.objects", &[])
        .await
        .unwrap()
        .get(0);

    let response = backend
        .request(Method::POST, "/rest/v1/sync_log", Some(&owner))
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "PGRST413");
    assert_eq!(body["message"], "Request size limit exceeded");

    let response = backend
        .request(
            Method::POST,
            "/storage/v1/object/arhiva/BlackWater/Politie_huge.json",
            Some(&owner),
        )
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"statusCode": "413", "error": "Payload too large", "message": "The object exceeded the maximum allowed size", "code": "EntityTooLarge"})
    );

    let response = backend
        .request(Method::POST, "/auth/v1/signup", None)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error_code"],
        "request_too_large"
    );

    let objects_after: i64 = backend
        .admin
        .query_one("select count(*) from storage.objects", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(objects_after, objects_before);
    backend.stop().await;
}
