//! HTTP endpoints of the Storage subset. Object metadata goes through `storage.objects` as the
//! request's role, so the project's policies decide who may upload, list, download and delete;
//! the bytes live in `local_backend.object_blobs`, written and read as `supabase_storage_admin`
//! in the same transaction (so an upload is all or nothing).

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri, header};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{self, RequestSettings};
use crate::http_util::{BodyError, header_str, json_response, ordered_object, read_body, to_json};
use crate::identity::{Identity, identify};
use crate::jwt;
use crate::state::AppState;
use crate::storage::errors::StorageError;
use crate::storage::keys::validate_key;
use crate::storage::upload::{self, mime_allowed};

const JSON: &str = "application/json; charset=utf-8";
const STORAGE_ADMIN: &str = "supabase_storage_admin";

type StorageResult = Result<Response<Body>, StorageError>;

fn finish(result: StorageResult) -> Response<Body> {
    result.unwrap_or_else(StorageError::into_response)
}

/// `{bucket}/{path}` of the URL. A path that does not decode (invalid UTF-8 after
/// percent-decoding) cannot be a valid key.
fn object_path(
    path: Result<Path<(String, String)>, PathRejection>,
    uri: &Uri,
) -> Result<(String, String), StorageError> {
    path.map(|Path(p)| p).map_err(|_| {
        let raw = uri.path();
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        StorageError::invalid_key(decoded.rsplit_once("/object/").map_or("", |(_, k)| k))
    })
}

/// The caller, from `Authorization: Bearer` (or `apikey`). Storage's JWT plugin refuses a
/// request without a token ("Invalid Compact JWS"), except on the download route, which then
/// serves public buckets only (`required = false`).
fn identify_caller(
    state: &AppState,
    headers: &HeaderMap,
    required: bool,
) -> Result<Identity, StorageError> {
    let identity = identify(headers, state.jwt_secret(), state.leeway())
        .map_err(|e| StorageError::identity(&e))?;
    if required && identity.token.is_none() {
        return Err(StorageError::access_denied("Invalid Compact JWS"));
    }
    Ok(identity)
}

fn pool_error(e: deadpool_postgres::PoolError) -> StorageError {
    tracing::warn!("storage pool error: {e}");
    StorageError::internal("Internal server error")
}

fn db_error(e: tokio_postgres::Error) -> StorageError {
    StorageError::from_db(&e)
}

async fn as_caller(
    tx: &tokio_postgres::Transaction<'_>,
    identity: &Identity,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), StorageError> {
    db::apply_request_settings(
        tx,
        &RequestSettings {
            identity,
            method: method.as_str(),
            path: uri.path(),
            headers_json: db::headers_json(headers),
        },
    )
    .await
    .map_err(db_error)
}

struct Bucket {
    public: bool,
    file_size_limit: Option<i64>,
    allowed_mime_types: Vec<String>,
}

/// Bucket settings, read as the storage admin (as Storage's `asSuperUser().findBucket`).
async fn find_bucket(
    tx: &tokio_postgres::Transaction<'_>,
    bucket: &str,
) -> Result<Bucket, StorageError> {
    db::set_role(tx, STORAGE_ADMIN).await.map_err(db_error)?;
    let row = tx
        .query_opt(
            "select coalesce(public, false), file_size_limit, coalesce(allowed_mime_types, '{}') \
             from storage.buckets where id = $1",
            &[&bucket],
        )
        .await
        .map_err(db_error)?
        .ok_or_else(StorageError::no_such_bucket)?;
    Ok(Bucket {
        public: row.get(0),
        file_size_limit: row.get(1),
        allowed_mime_types: row.get(2),
    })
}

/// `POST /object/{bucket}/{path}` (create; `x-upsert: true` replaces) and `PUT` (replace).
pub async fn upload(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let (bucket, key) = match object_path(path, &uri) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    finish(upload_object(&state, &bucket, &key, &method, &uri, &headers, body).await)
}

fn js_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

async fn upload_object(
    state: &AppState,
    bucket: &str,
    key: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> StorageResult {
    let identity = identify_caller(state, headers, true)?;
    validate_key(key)?;
    let max = state.config.max_body_bytes;
    let bytes = read_body(body, max).await.map_err(|e| match e {
        BodyError::TooLarge => StorageError::body_too_large(),
        BodyError::Read(m) => StorageError::invalid_request(m),
    })?;
    let file = upload::from_request(headers, bytes).await?;
    let upsert = *method == Method::PUT || header_str(headers, "x-upsert") == Some("true");

    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(db_error)?;
    let settings = find_bucket(&tx, bucket).await?;
    if !settings.allowed_mime_types.is_empty()
        && !mime_allowed(&file.mime_type, &settings.allowed_mime_types)
    {
        return Err(StorageError::invalid_mime_type(&file.mime_type));
    }
    let limit = settings
        .file_size_limit
        .filter(|l| *l > 0)
        .map(|l| (l as usize).min(max))
        .unwrap_or(max);
    if file.content.len() > limit {
        return Err(StorageError::entity_too_large());
    }
    let size = file.content.len();
    let etag = format!("\"{:x}\"", Md5::digest(&file.content));
    let metadata = ordered_object(&[
        ("eTag", to_json(&etag)),
        ("size", size.to_string()),
        ("mimetype", to_json(&file.mime_type)),
        ("cacheControl", to_json(&file.cache_control)),
        ("lastModified", to_json(&js_date(chrono::Utc::now()))),
        ("contentLength", size.to_string()),
        ("httpStatusCode", "200".into()),
    ]);
    let user_metadata = file.user_metadata.as_ref().map(Value::to_string);
    let owner_id = identity.subject().map(str::to_string);
    let owner: Option<Uuid> = owner_id.as_deref().and_then(|s| s.parse().ok());
    let version = Uuid::new_v4().to_string();

    as_caller(&tx, &identity, method, uri, headers).await?;
    let object_id: Uuid = if upsert {
        tx.query_one(
            "insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version) \
             values ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8) \
             on conflict (name, bucket_id) do update set \
               metadata = excluded.metadata, user_metadata = excluded.user_metadata, version = excluded.version, \
               owner = excluded.owner, owner_id = excluded.owner_id, updated_at = now(), last_accessed_at = now() \
             returning id",
            &[&Uuid::new_v4(), &bucket, &key, &owner, &owner_id, &metadata, &user_metadata, &version],
        )
        .await
        .map_err(db_error)?
        .get(0)
    } else {
        // Like Storage's `createObject`: a plain insert (no RETURNING, so no SELECT policy needed).
        let id = Uuid::new_v4();
        tx.execute(
            "insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version) \
             values ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8)",
            &[&id, &bucket, &key, &owner, &owner_id, &metadata, &user_metadata, &version],
        )
        .await
        .map_err(|e| match StorageError::from_db(&e) {
            dup if dup.code == "ResourceAlreadyExists" => StorageError::key_already_exists(),
            other => other,
        })?;
        id
    };
    db::set_role(&tx, STORAGE_ADMIN).await.map_err(db_error)?;
    let content: &[u8] = &file.content;
    tx.execute(
        "insert into local_backend.object_blobs (object_id, content) values ($1, $2) \
         on conflict (object_id) do update set content = excluded.content",
        &[&object_id, &content],
    )
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(json_response(
        StatusCode::OK,
        ordered_object(&[
            ("Id", to_json(&object_id.to_string())),
            ("Key", to_json(&format!("{bucket}/{key}"))),
        ]),
        JSON,
    ))
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    download: Option<String>,
}

/// `GET /object/{bucket}/{path}` and `GET /object/authenticated/{bucket}/{path}`.
pub async fn download(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    Query(query): Query<DownloadQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let (bucket, key) = match object_path(path, &uri) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    finish(
        download_object(
            &state,
            &bucket,
            &key,
            query.download,
            &method,
            &uri,
            &headers,
        )
        .await,
    )
}

async fn download_object(
    state: &AppState,
    bucket: &str,
    key: &str,
    download: Option<String>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> StorageResult {
    let identity = identify_caller(state, headers, false)?;
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(db_error)?;
    let settings = find_bucket(&tx, bucket).await?;
    if identity.token.is_none() && !settings.public {
        return Err(StorageError::no_such_bucket());
    }
    // Public buckets are read as the admin; private ones through the caller's policies.
    if !settings.public {
        as_caller(&tx, &identity, method, uri, headers).await?;
    }
    let row = tx
        .query_opt(
            "select id, metadata::text, updated_at from storage.objects where bucket_id = $1 and name = $2",
            &[&bucket, &key],
        )
        .await
        .map_err(db_error)?
        .ok_or_else(StorageError::no_such_key)?;
    let object_id: Uuid = row.get(0);
    let metadata: Option<String> = row.get(1);
    let updated_at: Option<chrono::DateTime<chrono::Utc>> = row.get(2);
    db::set_role(&tx, STORAGE_ADMIN).await.map_err(db_error)?;
    let content: Option<Vec<u8>> = tx
        .query_opt(
            "select content from local_backend.object_blobs where object_id = $1",
            &[&object_id],
        )
        .await
        .map_err(db_error)?
        .map(|r| r.get(0));
    tx.commit().await.map_err(db_error)?;
    let Some(content) = content else {
        let mut response = StorageError::resource_not_found().into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    };
    Ok(serve_object(
        content,
        metadata.as_deref(),
        updated_at,
        headers,
        download,
    ))
}

/// The object's bytes with Storage's renderer headers (`renderer.ts` `setHeaders`).
fn serve_object(
    content: Vec<u8>,
    metadata: Option<&str>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
    request_headers: &HeaderMap,
    download: Option<String>,
) -> Response<Body> {
    let metadata: Value = metadata
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(json!({}));
    let text = |k: &str| metadata.get(k).and_then(Value::as_str).map(str::to_string);
    let etag = text("eTag").unwrap_or_else(|| format!("\"{:x}\"", Md5::digest(&content)));
    let mut mime = text("mimetype").unwrap_or_else(|| "application/octet-stream".into());
    if mime.contains("text/html") {
        mime = "text/plain".into();
    }
    let cache_control = text("cacheControl").unwrap_or_else(|| "no-cache".into());
    let last_modified = text("lastModified")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .or(updated_at);
    let not_modified = header_str(request_headers, "if-none-match") == Some(etag.as_str());
    let length = content.len();
    let mut response = if not_modified {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(Body::from(content))
    };
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("accept-ranges", "bytes");
    set("content-type", &mime);
    set("etag", &etag);
    set("x-robots-tag", "none");
    // The stored MIME type is the uploader's word: browsers must not guess another one.
    set("x-content-type-options", "nosniff");
    set("cache-control", &cache_control);
    if let Some(t) = last_modified {
        set(
            "last-modified",
            &t.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        );
    }
    if !not_modified {
        set("content-length", &length.to_string());
    }
    if let Some(name) = download {
        if name.is_empty() {
            set("content-disposition", "attachment;");
        } else {
            let encoded: String =
                percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            set(
                "content-disposition",
                &format!("attachment; filename={encoded}; filename*=UTF-8''{encoded}"),
            );
        }
    }
    response
}

const LIST_SORT_COLUMNS: [&str; 4] = ["name", "updated_at", "created_at", "last_accessed_at"];

/// Timestamps as Storage returns them (node-postgres `Date` → JSON: ISO with milliseconds).
const TS: &str = "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"";

/// `POST /object/list/{bucket}` with `{prefix, limit, offset, sortBy, search}`.
pub async fn list(
    State(state): State<AppState>,
    Path(bucket): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    finish(list_objects(&state, &bucket, &method, &uri, &headers, body).await)
}

async fn json_body(state: &AppState, body: Body) -> Result<Value, StorageError> {
    let bytes = read_body(body, state.config.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => StorageError::body_too_large(),
            BodyError::Read(m) => StorageError::invalid_request(m),
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StorageError::validation("body must be object"));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| StorageError::validation(format!("Body is not valid JSON: {e}")))
}

fn integer_field(
    body: &Value,
    name: &str,
    minimum: i64,
    default: i64,
) -> Result<i64, StorageError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => {
            let n = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| StorageError::validation(format!("body/{name} must be integer")))?;
            if n < minimum {
                return Err(StorageError::validation(format!(
                    "body/{name} must be >= {minimum}"
                )));
            }
            Ok(n)
        }
    }
}

async fn list_objects(
    state: &AppState,
    bucket: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> StorageResult {
    let identity = identify_caller(state, headers, true)?;
    let body = json_body(state, body).await?;
    let Some(prefix) = body.get("prefix") else {
        return Err(StorageError::validation(
            "body must have required property 'prefix'",
        ));
    };
    let mut prefix = prefix
        .as_str()
        .ok_or_else(|| StorageError::validation("body/prefix must be string"))?
        .to_string();
    let limit = integer_field(&body, "limit", 1, 100)?;
    let offset = integer_field(&body, "offset", 0, 0)?;
    let search = match body.get("search") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(StorageError::validation("body/search must be string")),
    };
    let (column, order) = match body.get("sortBy") {
        None | Some(Value::Null) => ("name".to_string(), "asc".to_string()),
        Some(sort) => {
            let column = sort.get("column").and_then(Value::as_str).ok_or_else(|| {
                StorageError::validation("body/sortBy must have required property 'column'")
            })?;
            if !LIST_SORT_COLUMNS.contains(&column) {
                return Err(StorageError::validation(
                    "body/sortBy/column must be equal to one of the allowed values",
                ));
            }
            let order = match sort.get("order") {
                None | Some(Value::Null) => "asc",
                Some(Value::String(o)) if o == "asc" || o == "desc" => o.as_str(),
                Some(_) => {
                    return Err(StorageError::validation(
                        "body/sortBy/order must be equal to one of the allowed values",
                    ));
                }
            };
            (column.to_string(), order.to_string())
        }
    };
    // Storage treats the prefix as a folder (`searchObjects`).
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    let levels = format!("{prefix}{search}").split('/').count() as i32;
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(db_error)?;
    as_caller(&tx, &identity, method, uri, headers).await?;
    let sql = format!(
        "select coalesce(json_agg(json_build_object( \
            'name', s.name, 'id', s.id, \
            'updated_at', to_char(s.updated_at at time zone 'UTC', '{TS}'), \
            'created_at', to_char(s.created_at at time zone 'UTC', '{TS}'), \
            'last_accessed_at', to_char(s.last_accessed_at at time zone 'UTC', '{TS}'), \
            'metadata', s.metadata) order by s.n), '[]')::text \
         from storage.search($1::text, $2::text, $3::int, $4::int, $5::int, $6::text, $7::text, $8::text) \
              with ordinality as s(name, id, updated_at, created_at, last_accessed_at, metadata, n)"
    );
    let row = tx
        .query_one(
            &sql,
            &[
                &prefix,
                &bucket,
                &(limit.min(i32::MAX as i64) as i32),
                &levels,
                &(offset.min(i32::MAX as i64) as i32),
                &search,
                &column,
                &order,
            ],
        )
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(json_response(StatusCode::OK, row.get(0), JSON))
}

/// `DELETE /object/{bucket}` with `{"prefixes": [names…]}`: deletes what the caller's policies
/// allow and returns the deleted objects.
pub async fn remove(
    State(state): State<AppState>,
    Path(bucket): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    finish(remove_objects(&state, &bucket, &method, &uri, &headers, body).await)
}

async fn remove_objects(
    state: &AppState,
    bucket: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> StorageResult {
    let identity = identify_caller(state, headers, true)?;
    let body = json_body(state, body).await?;
    let Some(prefixes) = body.get("prefixes") else {
        return Err(StorageError::validation(
            "body must have required property 'prefixes'",
        ));
    };
    let prefixes = prefixes
        .as_array()
        .ok_or_else(|| StorageError::validation("body/prefixes must be array"))?;
    if prefixes.is_empty() {
        return Err(StorageError::validation(
            "body/prefixes must NOT have fewer than 1 items",
        ));
    }
    if prefixes.len() > 1000 {
        return Err(StorageError::validation(
            "body/prefixes must NOT have more than 1000 items",
        ));
    }
    let names: Vec<String> = prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.as_str().map(str::to_string).ok_or_else(|| {
                StorageError::validation(format!("body/prefixes/{i} must be string"))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(db_error)?;
    as_caller(&tx, &identity, method, uri, headers).await?;
    // The blobs go with their rows (`on delete cascade`, run as the blob table's owner).
    let sql = format!(
        "with d as (delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning *) \
         select coalesce(json_agg(json_build_object( \
            'name', coalesce(d.name, ''), 'bucket_id', coalesce(d.bucket_id, ''), \
            'owner', coalesce(d.owner::text, ''), 'owner_id', coalesce(d.owner_id, ''), \
            'version', coalesce(d.version, ''), 'id', d.id, \
            'updated_at', to_char(d.updated_at at time zone 'UTC', '{TS}'), \
            'created_at', to_char(d.created_at at time zone 'UTC', '{TS}'), \
            'last_accessed_at', to_char(d.last_accessed_at at time zone 'UTC', '{TS}'), \
            'metadata', d.metadata, 'user_metadata', d.user_metadata)), '[]')::text from d"
    );
    let row = tx
        .query_one(&sql, &[&bucket, &names])
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(json_response(StatusCode::OK, row.get(0), JSON))
}

/// `POST /object/sign/{bucket}/{path}` with `{"expiresIn": seconds}`: a URL anyone may use to
/// download the object until it expires (checked against the caller's policies when signing).
pub async fn sign(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let (bucket, key) = match object_path(path, &uri) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    finish(sign_object(&state, &bucket, &key, &method, &uri, &headers, body).await)
}

async fn sign_object(
    state: &AppState,
    bucket: &str,
    key: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> StorageResult {
    let identity = identify_caller(state, headers, true)?;
    let body = json_body(state, body).await?;
    let expires_in = match body.get("expiresIn") {
        Some(v) => v.as_i64().filter(|n| *n >= 1).ok_or_else(|| {
            StorageError::invalid_request("Invalid expiresIn: expected a positive integer")
        })?,
        None => {
            return Err(StorageError::validation(
                "body must have required property 'expiresIn'",
            ));
        }
    };
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(db_error)?;
    as_caller(&tx, &identity, method, uri, headers).await?;
    tx.query_opt(
        "select 1 from storage.objects where bucket_id = $1 and name = $2",
        &[&bucket, &key],
    )
    .await
    .map_err(db_error)?
    .ok_or_else(StorageError::no_such_key)?;
    tx.commit().await.map_err(db_error)?;
    Ok(json_response(
        StatusCode::OK,
        ordered_object(&[(
            "signedURL",
            to_json(&signed_url(state, bucket, key, expires_in)),
        )]),
        JSON,
    ))
}

/// A signed download URL for `{bucket}/{key}`, valid `expires_in` seconds.
fn signed_url(state: &AppState, bucket: &str, key: &str, expires_in: i64) -> String {
    let url = format!("{bucket}/{key}");
    let now = jwt::now();
    let token = jwt::sign(
        &json!({"url": url, "scope": "download", "iat": now, "exp": now + expires_in}),
        state.jwt_secret(),
    );
    format!("/object/sign/{url}?token={token}")
}

/// At most this many paths per `createSignedUrls` request.
const MAX_SIGNED_PATHS: usize = 1000;

/// `POST /object/sign/{bucket}` with `{"expiresIn", "paths": [...]}` (supabase-js
/// `createSignedUrls`): one signed URL per path the caller may read, in the order asked; the
/// others get Storage's per-path error and `signedURL: null`.
pub async fn sign_many(
    State(state): State<AppState>,
    Path(bucket): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    finish(sign_objects(&state, &bucket, &method, &uri, &headers, body).await)
}

async fn sign_objects(
    state: &AppState,
    bucket: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> StorageResult {
    let identity = identify_caller(state, headers, true)?;
    let body = json_body(state, body).await?;
    let expires_in = body
        .get("expiresIn")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 1)
        .ok_or_else(|| StorageError::validation("body must have required property 'expiresIn'"))?;
    let paths: Vec<String> = body
        .get("paths")
        .and_then(Value::as_array)
        .filter(|paths| !paths.is_empty() && paths.len() <= MAX_SIGNED_PATHS)
        .and_then(|paths| {
            paths
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| {
            StorageError::validation(format!(
                "body/paths must be an array of 1 to {MAX_SIGNED_PATHS} strings"
            ))
        })?;
    for path in &paths {
        validate_key(path)?;
    }
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(db_error)?;
    as_caller(&tx, &identity, method, uri, headers).await?;
    let visible: std::collections::HashSet<String> = tx
        .query(
            "select name from storage.objects where bucket_id = $1 and name = any($2)",
            &[&bucket, &paths],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| row.get(0))
        .collect();
    tx.commit().await.map_err(db_error)?;
    let entries: Vec<String> = paths
        .iter()
        .map(|path| {
            let (error, url) = if visible.contains(path) {
                (
                    "null".to_owned(),
                    to_json(&signed_url(state, bucket, path, expires_in)),
                )
            } else {
                (
                    to_json(&"Either the object does not exist or you do not have access to it"),
                    "null".to_owned(),
                )
            };
            ordered_object(&[
                ("error", error),
                ("path", to_json(path)),
                ("signedURL", url),
            ])
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        format!("[{}]", entries.join(",")),
        JSON,
    ))
}

#[derive(Deserialize)]
pub struct SignedQuery {
    token: Option<String>,
    download: Option<String>,
}

/// `GET /object/sign/{bucket}/{path}?token=…`
pub async fn signed_download(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    Query(query): Query<SignedQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let (bucket, key) = match object_path(path, &uri) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    finish(signed_download_object(&state, &bucket, &key, query, &headers).await)
}

async fn signed_download_object(
    state: &AppState,
    bucket: &str,
    key: &str,
    query: SignedQuery,
    headers: &HeaderMap,
) -> StorageResult {
    let token = query.token.ok_or_else(|| {
        StorageError::validation("querystring must have required property 'token'")
    })?;
    // `verifyObjectSignature`: the token must verify, be scoped for download and name this object.
    let claims = jwt::verify(&token, state.jwt_secret(), jwt::now(), 0)
        .map_err(|e| StorageError::invalid_jwt(&e))?;
    if claims.get("scope").and_then(Value::as_str) != Some("download") {
        return Err(StorageError::invalid_signature(
            "Token is not scoped for download",
        ));
    }
    if claims.get("url").and_then(Value::as_str) != Some(format!("{bucket}/{key}").as_str()) {
        return Err(StorageError::invalid_signature("Invalid signature"));
    }
    let mut client = state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(db_error)?;
    db::set_role(&tx, STORAGE_ADMIN).await.map_err(db_error)?;
    let row = tx
        .query_opt(
            "select o.metadata::text, o.updated_at, b.content from storage.objects o \
             join local_backend.object_blobs b on b.object_id = o.id \
             where o.bucket_id = $1 and o.name = $2",
            &[&bucket, &key],
        )
        .await
        .map_err(db_error)?
        .ok_or_else(StorageError::no_such_key)?;
    tx.commit().await.map_err(db_error)?;
    let metadata: Option<String> = row.get(0);
    Ok(serve_object(
        row.get(2),
        metadata.as_deref(),
        row.get(1),
        headers,
        query.download,
    ))
}
