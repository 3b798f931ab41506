//! The Storage subset: uploads (raw, multipart, upsert, PUT), list (folders, pagination, search,
//! sort), downloads (both routes), removal, signed URLs, invalid keys, bucket limits, and the
//! project's row-level security on `storage.objects` (bucket `arhiva`).
//!
//! Bucket `wire` is a test fixture that any signed-in user may use, to exercise the request
//! shapes of the capture; `arhiva` is the real bucket with the real policies.

mod support;

use md5::Digest;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

const CLIENT_INFO: &str = "supabase-js/2.119.0; runtime=node; runtime-version=20.20.2";
const SNAP: &str = "/storage/v1/object/wire/backups/2026/snap-1.json";

async fn with_wire_bucket() -> TestBackend {
    let backend = TestBackend::start().await;
    backend
        .admin
        .batch_execute(
            r#"
            insert into storage.buckets (id, name, public) values ('wire', 'wire', false);
            create policy "wire all" on storage.objects for all to authenticated
              using (bucket_id = 'wire') with check (bucket_id = 'wire');
            "#,
        )
        .await
        .unwrap();
    backend
}

async fn send(
    request: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

fn storage_error(status_code: &str, error: &str, message: &str, code: &str) -> Value {
    json!({"statusCode": status_code, "error": error, "message": message, "code": code})
}

fn upload_json(
    backend: &TestBackend,
    token: &str,
    path: &str,
    body: &'static str,
    upsert: bool,
) -> reqwest::RequestBuilder {
    backend
        .request(Method::POST, path, Some(token))
        .header("content-type", "application/json")
        .header("accept", "*/*")
        .header("x-upsert", if upsert { "true" } else { "false" })
        .header("cache-control", "max-age=3600")
        .header("x-client-info", CLIENT_INFO)
        .body(body)
}

async fn object_count(backend: &TestBackend) -> i64 {
    backend
        .admin
        .query_one("select count(*) from storage.objects", &[])
        .await
        .unwrap()
        .get(0)
}

async fn blob_of(backend: &TestBackend, bucket: &str, name: &str) -> Option<Vec<u8>> {
    backend
        .admin
        .query_opt(
            "select b.content from storage.objects o join local_backend.object_blobs b on b.object_id = o.id \
             where o.bucket_id = $1 and o.name = $2",
            &[&bucket, &name],
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
}

#[tokio::test]
async fn upload_duplicate_upsert_update_download_remove() {
    let backend = with_wire_bucket().await;
    let owner = backend.sign_in("owner@punctaj.test").await;
    let token = owner.access_token.as_str();

    // Raw upload.
    let (status, headers, body) = send(upload_json(
        &backend,
        token,
        SNAP,
        r#"{"hello":"w"}"#,
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    let created = json_of(&body);
    assert_eq!(created["Key"], "wire/backups/2026/snap-1.json");
    let id = created["Id"].as_str().unwrap().to_string();
    assert!(String::from_utf8_lossy(&body).starts_with(r#"{"Id":""#));
    let row = backend
        .admin
        .query_one("select id::text, owner::text, owner_id, metadata from storage.objects where bucket_id = 'wire'", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), id);
    assert_eq!(row.get::<_, String>(1), owner.user_id);
    assert_eq!(row.get::<_, String>(2), owner.user_id);
    let metadata: Value = row.get(3);
    let md5 = format!("\"{:x}\"", md5::Md5::digest(br#"{"hello":"w"}"#));
    assert_eq!(metadata["eTag"], md5);
    assert_eq!(metadata["size"], 13);
    assert_eq!(metadata["contentLength"], 13);
    assert_eq!(metadata["mimetype"], "application/json");
    assert_eq!(metadata["cacheControl"], "max-age=3600");
    assert_eq!(metadata["httpStatusCode"], 200);
    assert!(metadata["lastModified"].as_str().unwrap().ends_with('Z'));

    // The same key without upsert: refused, nothing overwritten.
    let (status, _, body) = send(upload_json(
        &backend,
        token,
        SNAP,
        r#"{"hello":"x"}"#,
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "409",
            "Duplicate",
            "The resource already exists",
            "KeyAlreadyExists"
        )
    );
    assert_eq!(
        blob_of(&backend, "wire", "backups/2026/snap-1.json")
            .await
            .unwrap(),
        br#"{"hello":"w"}"#
    );

    // Multipart with x-upsert: true, exactly as the capture.
    let boundary = "----formdata-undici-090266928787";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n60\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"\"; filename=\"blob\"\r\nContent-Type: application/json\r\n\r\n{{\"hello\":\"m\"}}\r\n--{boundary}--\r\n"
    );
    let (status, _, body) = send(
        backend
            .request(Method::POST, SNAP, Some(token))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("x-upsert", "true")
            .body(multipart),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        json_of(&body)["Id"],
        id.as_str(),
        "an upsert keeps the object"
    );
    assert_eq!(
        blob_of(&backend, "wire", "backups/2026/snap-1.json")
            .await
            .unwrap(),
        br#"{"hello":"m"}"#
    );
    let cache: String = backend
        .admin
        .query_one(
            "select metadata->>'cacheControl' from storage.objects where bucket_id = 'wire'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(cache, "max-age=60");

    // PUT replaces.
    let (status, _, body) = send(
        backend
            .request(Method::PUT, SNAP, Some(token))
            .header("content-type", "application/json")
            .header("cache-control", "max-age=3600")
            .body(r#"{"hello":2}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    // Download, both routes, with the renderer's headers.
    for path in [
        SNAP.to_string(),
        SNAP.replace("/object/wire/", "/object/authenticated/wire/"),
    ] {
        let (status, headers, body) = send(backend.request(Method::GET, &path, Some(token))).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, br#"{"hello":2}"#);
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["content-length"], "11");
        assert_eq!(headers["cache-control"], "max-age=3600");
        assert_eq!(
            headers["etag"],
            format!("\"{:x}\"", md5::Md5::digest(br#"{"hello":2}"#)).as_str()
        );
        assert!(headers["last-modified"].to_str().unwrap().ends_with(" GMT"));
        assert_eq!(headers["accept-ranges"], "bytes");
    }
    let etag = format!("\"{:x}\"", md5::Md5::digest(br#"{"hello":2}"#));
    let (status, _, body) = send(
        backend
            .request(Method::GET, SNAP, Some(token))
            .header("if-none-match", &etag),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    // Remove returns the removed objects; the bytes go with them.
    let (status, _, body) = send(
        backend
            .request(Method::DELETE, "/storage/v1/object/wire", Some(token))
            .header("content-type", "application/json")
            .json(&json!({"prefixes": ["backups/2026/snap-1.json", "not/there.json"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let removed = json_of(&body);
    assert_eq!(removed.as_array().unwrap().len(), 1);
    assert_eq!(removed[0]["name"], "backups/2026/snap-1.json");
    assert_eq!(removed[0]["bucket_id"], "wire");
    assert_eq!(removed[0]["id"], id.as_str());
    assert_eq!(removed[0]["owner"], owner.user_id.as_str());
    let blobs: i64 = backend
        .admin
        .query_one("select count(*) from local_backend.object_blobs b where not exists (select 1 from storage.objects o where o.id = b.object_id)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(blobs, 0);
    let (status, _, body) = send(backend.request(Method::GET, SNAP, Some(token))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error("404", "not_found", "Object not found", "NoSuchKey")
    );
    backend.stop().await;
}

#[tokio::test]
async fn list_folders_pagination_search_and_sort() {
    let backend = with_wire_bucket().await;
    let token = backend.token("owner@punctaj.test").await;
    for name in [
        "backups/2026/snap-1.json",
        "backups/2026/snap-2.json",
        "backups/2025/old.json",
        "backups/readme.json",
    ] {
        let (status, _, body) = send(upload_json(
            &backend,
            &token,
            &format!("/storage/v1/object/wire/{name}"),
            "{}",
            false,
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    }
    for i in 0..120 {
        let (status, _, _) = send(upload_json(
            &backend,
            &token,
            &format!("/storage/v1/object/wire/many/f{i:03}.json"),
            "{}",
            false,
        ))
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let list = |body: Value| {
        backend
            .request(Method::POST, "/storage/v1/object/list/wire", Some(&token))
            .header("content-type", "application/json")
            .json(&body)
    };
    // The capture: prefix without the trailing slash.
    let (status, headers, body) = send(list(json!({"limit": 100, "offset": 0, "sortBy": {"column": "name", "order": "asc"}, "prefix": "backups/2026"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    let entries = json_of(&body);
    let names: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["snap-1.json", "snap-2.json"]);
    let first = entries[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert!(entries[0]["id"].as_str().is_some());
    assert!(entries[0]["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(entries[0]["metadata"]["size"], 2);
    // Folders are entries with id null.
    let (_, _, body) = send(list(json!({"prefix": "backups"}))).await;
    let entries = json_of(&body);
    assert_eq!(
        entries,
        json!([
            {"name": "2025", "id": null, "updated_at": null, "created_at": null, "last_accessed_at": null, "metadata": null},
            {"name": "2026", "id": null, "updated_at": null, "created_at": null, "last_accessed_at": null, "metadata": null},
            entries[2].clone()
        ])
    );
    assert_eq!(entries[2]["name"], "readme.json");
    let (_, _, body) = send(list(json!({"prefix": ""}))).await;
    let names: Vec<String> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["backups", "many"]);
    // Search (the capture's shape), pagination past 100, sort descending.
    let (_, _, body) = send(list(json!({"limit": 100, "offset": 0, "sortBy": {"column": "name", "order": "asc"}, "search": "snap", "prefix": "backups/2026"}))).await;
    assert_eq!(json_of(&body).as_array().unwrap().len(), 2);
    let (_, _, body) = send(list(json!({"limit": 100, "offset": 0, "sortBy": {"column": "name", "order": "asc"}, "search": "snap", "prefix": "backups"}))).await;
    assert_eq!(json_of(&body), json!([]));
    let (_, _, body) = send(list(json!({"prefix": "many", "limit": 100, "offset": 0}))).await;
    let page1 = json_of(&body);
    assert_eq!(page1.as_array().unwrap().len(), 100);
    assert_eq!(page1[0]["name"], "f000.json");
    let (_, _, body) = send(list(
        json!({"prefix": "many/", "limit": 100, "offset": 100}),
    ))
    .await;
    let page2 = json_of(&body);
    assert_eq!(page2.as_array().unwrap().len(), 20);
    assert_eq!(page2[19]["name"], "f119.json");
    let (_, _, body) = send(list(
        json!({"prefix": "many", "limit": 3, "sortBy": {"column": "name", "order": "desc"}}),
    ))
    .await;
    let names: Vec<String> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["f119.json", "f118.json", "f117.json"]);
    let (_, _, body) = send(list(json!({"prefix": "many", "search": "f11"}))).await;
    assert_eq!(json_of(&body).as_array().unwrap().len(), 10);
    // Schema validation of the body.
    let (status, _, body) = send(list(json!({"limit": 10}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body)["message"],
        "body must have required property 'prefix'"
    );
    let (status, _, body) = send(list(json!({"prefix": "", "sortBy": {"column": "size"}}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["statusCode"], "400");
    backend.stop().await;
}

/// A request written by hand: HTTP clients normalise `..` and `//` away before sending.
async fn raw_request(
    backend: &TestBackend,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = backend.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\napikey: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        backend.anon_key,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("response within 10 s")
    .unwrap();
    let response = String::from_utf8_lossy(&response).to_string();
    let status: u16 = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[tokio::test]
async fn invalid_keys_and_buckets_store_nothing() {
    let backend = with_wire_bucket().await;
    let token = backend.token("owner@punctaj.test").await;
    let before = object_count(&backend).await;
    for (raw_path, key) in [
        ("/storage/v1/object/wire/a/../b.json", "a/../b.json"),
        ("/storage/v1/object/wire/..", ".."),
        ("/storage/v1/object/wire//abs.json", "/abs.json"),
        ("/storage/v1/object/wire/a//b.json", "a//b.json"),
        (
            "/storage/v1/object/wire/Bra%C8%99ov/x.json",
            "Brașov/x.json",
        ),
        ("/storage/v1/object/wire/new%0Aline.json", "new\nline.json"),
        ("/storage/v1/object/wire/tab%09.json", "tab\t.json"),
        ("/storage/v1/object/wire/quote%22.json", "quote\".json"),
    ] {
        let (status, body) = raw_request(&backend, "POST", raw_path, &token, "{}").await;
        assert_eq!(status, 400, "{raw_path}: {body}");
        let body: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{raw_path}: {body}"));
        assert_eq!(
            body,
            storage_error(
                "400",
                "InvalidKey",
                &format!("Invalid key: {key}"),
                "InvalidKey"
            ),
            "{raw_path}"
        );
    }
    // No credentials at all: Storage's JWT plugin refuses; the download route then serves
    // public buckets only.
    let (status, _, body) = send(
        backend
            .http
            .post(backend.url("/storage/v1/object/list/wire"))
            .json(&json!({"prefix": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error("403", "Unauthorized", "Invalid Compact JWS", "AccessDenied")
    );
    let (status, _, body) = send(backend.http.get(backend.url(SNAP))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["code"], "NoSuchBucket");
    // Bytes that are not UTF-8 once percent-decoded.
    let (status, body) = raw_request(
        &backend,
        "POST",
        "/storage/v1/object/wire/bad%FF.json",
        &token,
        "{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "InvalidKey"
    );
    let (status, _, body) = send(upload_json(
        &backend,
        &token,
        "/storage/v1/object/nope/x.json",
        "{}",
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "404",
            "Bucket not found",
            "Bucket not found",
            "NoSuchBucket"
        )
    );
    // Bucket rules: arhiva takes JSON only; a size limit is enforced.
    let (status, _, body) = send(
        backend
            .request(
                Method::POST,
                "/storage/v1/object/arhiva/BlackWater/Politie_x.txt",
                Some(&token),
            )
            .header("content-type", "text/plain")
            .body("hello"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "415",
            "invalid_mime_type",
            "mime type text/plain is not supported",
            "InvalidMimeType"
        )
    );
    backend
        .admin
        .batch_execute("update storage.buckets set file_size_limit = 10 where id = 'wire'")
        .await
        .unwrap();
    let (status, _, body) = send(upload_json(
        &backend,
        &token,
        "/storage/v1/object/wire/big.json",
        r#"{"eleven":1}"#,
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "413",
            "Payload too large",
            "The object exceeded the maximum allowed size",
            "EntityTooLarge"
        )
    );
    // A bad token.
    let expired = backend
        .sign_jwt(json!({"role": "authenticated", "exp": chrono::Utc::now().timestamp() - 60}));
    let (status, _, body) = send(upload_json(
        &backend,
        &expired,
        "/storage/v1/object/wire/x.json",
        "{}",
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "403",
            "Unauthorized",
            "\"exp\" claim timestamp check failed",
            "AccessDenied"
        )
    );
    assert_eq!(object_count(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn arhiva_row_level_security_is_enforced() {
    let backend = TestBackend::start().await;
    let archive = "BlackWater/Politie_2026-02-18_18-13-47.json";
    let list = |token: Option<&str>| {
        let body = json!({"prefix": "BlackWater", "limit": 100, "offset": 0, "sortBy": {"column": "name", "order": "asc"}});
        backend
            .request(Method::POST, "/storage/v1/object/list/arhiva", token)
            .json(&body)
    };
    // A pending account and the anonymous role see nothing and read nothing.
    let pending = backend.token("pending@punctaj.test").await;
    for token in [Some(pending.as_str()), None] {
        let (status, _, body) = send(list(token)).await;
        assert_eq!((status, json_of(&body)), (StatusCode::OK, json!([])));
        let (status, _, body) = send(backend.request(
            Method::GET,
            &format!("/storage/v1/object/arhiva/{archive}"),
            token,
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json_of(&body)["code"], "NoSuchKey");
    }
    // A member reads.
    let member = backend.token("member@punctaj.test").await;
    let (_, _, body) = send(list(Some(&member))).await;
    let names: Vec<String> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"Politie_2026-02-18_18-13-47.json".to_string()),
        "{names:?}"
    );
    let (status, headers, body) = send(backend.request(
        Method::GET,
        &format!("/storage/v1/object/authenticated/arhiva/{archive}"),
        Some(&member),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(json_of(&body)["institution"], "Politie");
    // A member may not write; a leader may, under their institution's prefix only.
    let before = object_count(&backend).await;
    let (status, _, body) = send(upload_json(
        &backend,
        &member,
        "/storage/v1/object/arhiva/BlackWater/Politie_2026-03-01_00-00-00.json",
        "{}",
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error(
            "403",
            "Unauthorized",
            "new row violates row-level security policy",
            "AccessDenied"
        )
    );
    let leader = backend.token("leader@punctaj.test").await;
    let (status, _, body) = send(upload_json(
        &backend,
        &leader,
        "/storage/v1/object/arhiva/Saint_Denis/Medici_2026-03-01_00-00-00.json",
        "{}",
        false,
    ))
    .await;
    assert_eq!(
        (status, json_of(&body)["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("AccessDenied"))
    );
    assert_eq!(object_count(&backend).await, before);
    let (status, _, body) = send(upload_json(
        &backend,
        &leader,
        "/storage/v1/object/arhiva/BlackWater/Politie_2026-03-01_00-00-00.json",
        "{}",
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    // Never overwritten, not even by the owner with x-upsert.
    let owner = backend.token("owner@punctaj.test").await;
    let (status, _, body) = send(upload_json(
        &backend,
        &owner,
        &format!("/storage/v1/object/arhiva/{archive}"),
        r#"{"tampered":true}"#,
        true,
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["code"], "AccessDenied");
    assert_ne!(
        blob_of(&backend, "arhiva", archive).await.unwrap(),
        br#"{"tampered":true}"#
    );
    // A member cannot delete (nothing is removed); the owner can.
    let remove = |token: &str| {
        backend
            .request(Method::DELETE, "/storage/v1/object/arhiva", Some(token))
            .json(&json!({"prefixes": [archive]}))
    };
    let (status, _, body) = send(remove(&member)).await;
    assert_eq!((status, json_of(&body)), (StatusCode::OK, json!([])));
    assert!(blob_of(&backend, "arhiva", archive).await.is_some());
    let (status, _, body) = send(remove(&owner)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)[0]["name"], archive);
    assert!(blob_of(&backend, "arhiva", archive).await.is_none());
    backend.stop().await;
}

#[tokio::test]
async fn signed_urls() {
    let backend = with_wire_bucket().await;
    let token = backend.token("admin@punctaj.test").await;
    let (status, _, _) = send(upload_json(
        &backend,
        &token,
        SNAP,
        r#"{"hello":"w"}"#,
        false,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(
        backend
            .request(
                Method::POST,
                "/storage/v1/object/sign/wire/backups/2026/snap-1.json",
                Some(&token),
            )
            .json(&json!({"expiresIn": 60})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let signed = json_of(&body)["signedURL"].as_str().unwrap().to_string();
    assert!(
        signed.starts_with("/object/sign/wire/backups/2026/snap-1.json?token="),
        "{signed}"
    );
    // Anyone holding the URL can download, no credentials needed.
    let (status, _, body) = send(
        backend
            .http
            .get(backend.url(&format!("/storage/v1{signed}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, br#"{"hello":"w"}"#);
    let tampered = signed.replace("snap-1.json?", "snap-2.json?");
    let (status, _, body) = send(
        backend
            .http
            .get(backend.url(&format!("/storage/v1{tampered}"))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["code"], "InvalidSignature");
    // A token that does not verify, and a valid JWT that is not a download token.
    let (status, _, body) =
        send(backend.http.get(
            backend.url("/storage/v1/object/sign/wire/backups/2026/snap-1.json?token=garbage"),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body),
        storage_error("400", "InvalidJWT", "Invalid Compact JWS", "InvalidJWT")
    );
    let unscoped = backend.sign_jwt(
        json!({"url": "wire/backups/2026/snap-1.json", "exp": chrono::Utc::now().timestamp() + 60}),
    );
    let (status, _, body) = send(backend.http.get(backend.url(&format!(
        "/storage/v1/object/sign/wire/backups/2026/snap-1.json?token={unscoped}"
    ))))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&body)["message"],
        "Token is not scoped for download"
    );
    let (status, _, body) = send(
        backend
            .request(
                Method::POST,
                "/storage/v1/object/sign/wire/missing.json",
                Some(&token),
            )
            .json(&json!({"expiresIn": 60})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["code"], "NoSuchKey");
    backend.stop().await;
}
