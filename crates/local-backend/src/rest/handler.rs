//! HTTP glue of the PostgREST subset: checks (JWT, profile, `Accept`, `Prefer`, query), plan,
//! one statement in one transaction as the request's role, and PostgREST's status codes and
//! headers (`src/PostgREST/Response.hs`, `RangeQuery.hs`).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri, header};
use serde_json::Value;

use crate::db;
use crate::http_util::{BodyError, header_str, read_body, set_header};
use crate::identity::{ApiRole, Identity, identify};
use crate::rest::errors::ApiError;
use crate::rest::plan::{self, ReadPlan, ResolvedLogic};
use crate::rest::preferences::{Preferences, Resolution, Return};
use crate::rest::query::{self, ParsedQuery, Range, SelectItem};
use crate::rest::schema_cache::{Param, ReturnShape, SchemaCache, Volatility};
use crate::rest::sql::{self, CallArgs, InsertSpec, Representation, Statement, UpdateSpec};
use crate::state::AppState;

const JSON: &str = "application/json; charset=utf-8";
const OBJECT_JSON: &str = "application/vnd.pgrst.object+json; charset=utf-8";

/// `/rest/v1/{table}`
pub async fn table(
    State(state): State<AppState>,
    table: Result<Path<String>, PathRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    async {
        let table = path_segment(table, &uri);
        let ctx = Ctx::negotiate(&state, &method, &uri, &headers)?;
        let parsed = query::parse(uri.query().unwrap_or(""), false).map_err(ApiError::query)?;
        match method {
            Method::GET | Method::HEAD => read(&ctx, &table, &parsed).await,
            Method::POST => {
                insert(&ctx, &table, &parsed, read_json_body(&state, body).await?).await
            }
            Method::PATCH => {
                update(&ctx, &table, &parsed, read_json_body(&state, body).await?).await
            }
            Method::DELETE => delete(&ctx, &table, &parsed).await,
            _ => Err(ApiError::unsupported_method(method.as_str())),
        }
    }
    .await
    .unwrap_or_else(ApiError::into_response)
}

/// `/rest/v1/rpc/{function}`
pub async fn rpc(
    State(state): State<AppState>,
    function: Result<Path<String>, PathRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    async {
        let function = path_segment(function, &uri);
        let ctx = Ctx::negotiate(&state, &method, &uri, &headers)?;
        call(&ctx, &function, body).await
    }
    .await
    .unwrap_or_else(ApiError::into_response)
}

/// The table or function name of the URL; one that does not decode to UTF-8 is kept lossily
/// (and then matches nothing in the schema cache).
fn path_segment(segment: Result<Path<String>, PathRejection>, uri: &Uri) -> String {
    segment.map(|Path(s)| s).unwrap_or_else(|_| {
        let last = uri.path().rsplit('/').next().unwrap_or("");
        percent_encoding::percent_decode_str(last)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// `/rest/v1/`: PostgREST serves its OpenAPI description there; this backend has none, and
/// answers as PostgREST does with `openapi-mode = disabled` (PGRST126).
pub async fn root() -> Response<Body> {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "PGRST126",
        "Root endpoint metadata is disabled",
    )
    .into_response()
}

/// Anything else under `/rest/v1/` (PostgREST's PGRST125).
pub async fn not_found() -> Response<Body> {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "PGRST125",
        "Invalid path specified in request URL",
    )
    .into_response()
}

/// One request: where it goes, who sent it, and what it negotiated before the database is
/// touched.
struct Ctx<'a> {
    state: &'a AppState,
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    identity: Identity,
    /// The request named the schema (Accept-Profile/Content-Profile): echo `Content-Profile`.
    profile_given: bool,
    singular: bool,
    prefs: Preferences,
}

impl<'a> Ctx<'a> {
    /// JWT first (as PostgREST authenticates before parsing the request), then the schema
    /// profile, the media type and the preferences.
    fn negotiate(
        state: &'a AppState,
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
    ) -> Result<Ctx<'a>, ApiError> {
        let identity = identify(headers, state.jwt_secret(), state.leeway()).map_err(|e| {
            let cache = state.schema.get();
            ApiError::identity(&e, |role| cache.roles.contains(role))
        })?;
        // GET/HEAD name the schema with Accept-Profile, writes with Content-Profile.
        let profile_header = match *method {
            Method::GET | Method::HEAD => "accept-profile",
            _ => "content-profile",
        };
        let profile_given = match header_str(headers, profile_header) {
            Some("public") => true,
            Some(other) => return Err(ApiError::schema_not_exposed(other)),
            None => false,
        };
        let singular = accepts_singular(headers)?;
        let prefs = Preferences::from_headers(headers);
        if prefs.strict == Some(true) && !prefs.invalid.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "PGRST122",
                "Invalid preferences given with handling=strict",
            )
            .with_details(format!("Invalid preferences: {}", prefs.invalid.join(", "))));
        }
        Ok(Ctx {
            state,
            method,
            uri,
            headers,
            identity,
            profile_given,
            singular,
            prefs,
        })
    }

    /// The response media type.
    fn media(&self) -> &'static str {
        if self.singular { OBJECT_JSON } else { JSON }
    }

    fn respond(&self, parts: ResponseParts) -> Response<Body> {
        let mut response = Response::new(parts.body.map(Body::from).unwrap_or_else(Body::empty));
        *response.status_mut() = parts.status;
        let headers = response.headers_mut();
        if let Some(content_type) = parts.content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if self.profile_given {
                headers.insert("content-profile", HeaderValue::from_static("public"));
            }
        }
        for (name, value) in parts.headers {
            set_header(headers, name, &value);
        }
        response
    }
}

/// `Accept`: JSON (default) or the singular object media type; anything else is PGRST107.
fn accepts_singular(headers: &HeaderMap) -> Result<bool, ApiError> {
    let values: Vec<&str> = headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(false);
    }
    let accept = values.join(", ");
    let mut acceptable = false;
    for media in accept.split(',') {
        let media = media
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => {
                return Ok(true);
            }
            "" | "*/*" | "application/*" | "application/json" => acceptable = true,
            _ => {}
        }
    }
    if acceptable {
        Ok(false)
    } else {
        Err(ApiError::media_type(&accept))
    }
}

/// The body as JSON text (validated) and value.
async fn read_json_body(state: &AppState, body: Body) -> Result<(String, Value), ApiError> {
    let text = read_text_body(state, body).await?;
    let value: Value =
        serde_json::from_str(&text).map_err(|_| ApiError::invalid_body("Empty or invalid json"))?;
    Ok((text, value))
}

async fn read_text_body(state: &AppState, body: Body) -> Result<String, ApiError> {
    let bytes = read_body(body, state.config.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => ApiError::payload_too_large(state.config.max_body_bytes),
            BodyError::Read(m) => ApiError::invalid_body(&m),
        })?;
    String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::invalid_body("Empty or invalid json"))
}

/// Result row of every statement (see `sql::Statement`).
struct Outcome {
    total: Option<i64>,
    page_total: i64,
    body: String,
    inserted: Option<i64>,
    location: Option<String>,
}

/// Runs one statement in a transaction as the request's role; refuses (and rolls back) a
/// singular request whose result is not exactly one row, as PostgREST does.
async fn execute(
    ctx: &Ctx<'_>,
    read_only: bool,
    statement: &Statement,
) -> Result<Outcome, ApiError> {
    let anonymous = ctx.identity.role == ApiRole::Anon;
    let db_error = |e: tokio_postgres::Error| ApiError::from_db(&e, anonymous);
    let mut client = ctx.state.pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .read_only(read_only)
        .start()
        .await
        .map_err(db_error)?;
    let settings = db::RequestSettings {
        identity: &ctx.identity,
        method: ctx.method.as_str(),
        path: ctx.uri.path(),
        headers_json: db::headers_json(ctx.headers),
    };
    db::apply_request_settings(&tx, &settings)
        .await
        .map_err(db_error)?;
    let row = tx
        .query_one(&statement.sql, &db::as_params(&statement.params))
        .await
        .map_err(db_error)?;
    let outcome = Outcome {
        total: row.get(0),
        page_total: row.get(1),
        body: row.get(2),
        inserted: row.get(3),
        location: row.get(4),
    };
    if ctx.singular && outcome.page_total != 1 {
        let _ = tx.rollback().await;
        return Err(ApiError::singular(outcome.page_total));
    }
    tx.commit().await.map_err(db_error)?;
    Ok(outcome)
}

pub fn pool_error(e: deadpool_postgres::PoolError) -> ApiError {
    match e {
        deadpool_postgres::PoolError::Timeout(_) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "PGRST003",
            "Timed out acquiring connection from connection pool.",
        ),
        other => ApiError::connection(other.to_string()),
    }
}

/// The top-level range: `limit`/`offset` intersected with the `Range` header (GET only), as
/// PostgREST's `getRanges`. `limit=0` is allowed; any other empty range is PGRST103.
fn top_level_range(
    method: &Method,
    headers: &HeaderMap,
    parsed: &ParsedQuery,
) -> Result<Range, ApiError> {
    let params = parsed.ranges.get(&Vec::new()).copied().unwrap_or_default();
    let limit_zero = params.limit == Some(0);
    let (mut lower, mut upper): (i64, Option<i64>) = (
        params.offset.max(0),
        params.limit.map(|l| params.offset.max(0) + l - 1),
    );
    if params.limit.is_some_and(|l| l < 0) {
        return Err(ApiError::range_not_satisfiable(
            "Limit should be greater than or equal to zero.",
        ));
    }
    if *method == Method::GET
        && let Some((from, to)) = header_str(headers, "range").and_then(parse_range_header)
    {
        if to.is_some_and(|t| t < from) {
            return Err(ApiError::range_not_satisfiable(
                "The lower boundary must be lower than or equal to the upper boundary in the Range header.",
            ));
        }
        if !limit_zero {
            lower = lower.max(from);
            upper = match (upper, to) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    if limit_zero {
        return Ok(Range {
            offset: params.offset.max(0),
            limit: Some(0),
        });
    }
    if upper.is_some_and(|u| u < lower) {
        return Err(ApiError::range_not_satisfiable(
            "Limit should be greater than or equal to zero.",
        ));
    }
    Ok(Range {
        offset: lower,
        limit: upper.map(|u| u - lower + 1),
    })
}

/// `Range: 0-49` or `Range: 10-` (an optional `items=` unit is accepted).
fn parse_range_header(value: &str) -> Option<(i64, Option<i64>)> {
    let value = value.trim().trim_start_matches("items=");
    let (from, to) = value.split_once('-')?;
    let from: i64 = from.trim().parse().ok()?;
    let to = to.trim();
    let to = if to.is_empty() {
        None
    } else {
        Some(to.parse().ok()?)
    };
    Some((from, to))
}

/// `Content-Range` as PostgREST's `contentRangeH`.
fn content_range(lower: i64, upper: i64, total: Option<i64>) -> String {
    let range = if total != Some(0) && lower <= upper {
        format!("{lower}-{upper}")
    } else {
        "*".into()
    };
    let total = total.map(|t| t.to_string()).unwrap_or_else(|| "*".into());
    format!("{range}/{total}")
}

struct ResponseParts {
    status: StatusCode,
    body: Option<String>,
    content_type: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
}

/// 200, or 206 when the count shows the page is partial (PostgREST's `rangeStatusHeader`).
fn range_status(lower: i64, upper: i64, total: Option<i64>) -> StatusCode {
    match total {
        Some(total) if (1 + upper - lower) < total => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    }
}

async fn read(
    ctx: &Ctx<'_>,
    table: &str,
    parsed: &ParsedQuery,
) -> Result<Response<Body>, ApiError> {
    let cache = ctx.state.schema.get();
    let plan = plan::plan_read(&cache, table, parsed)?;
    let range = top_level_range(ctx.method, ctx.headers, parsed)?;
    let count = ctx.prefs.wants_count();
    let statement = sql::read_statement(&plan, range, count, ctx.singular);
    let outcome = execute(ctx, true, &statement).await?;
    let lower = range.offset;
    let upper = lower + outcome.page_total - 1;
    let total = if count { outcome.total } else { None };
    let range_header = content_range(lower, upper, total);
    if let Some(total) = total
        && lower > total
    {
        let mut error = ApiError::range_not_satisfiable(format!(
            "An offset of {lower} was requested, but there are only {total} rows."
        ));
        error
            .extra_headers
            .push((header::CONTENT_RANGE, range_header));
        return Err(error);
    }
    let canonical = &parsed.canonical;
    let mut extra = vec![
        ("content-range", range_header),
        (
            "content-location",
            if canonical.is_empty() {
                format!("/{table}")
            } else {
                format!("/{table}?{canonical}")
            },
        ),
    ];
    if let Some(applied) = ctx.prefs.applied(false, false, false) {
        extra.push(("preference-applied", applied));
    }
    Ok(ctx.respond(ResponseParts {
        status: range_status(lower, upper, total),
        body: (*ctx.method != Method::HEAD).then_some(outcome.body),
        content_type: Some(ctx.media()),
        headers: extra,
    }))
}

/// The rows a write returns (per `Prefer: return=…`) and the write's filters. The request is
/// planned once: root filters become the write's WHERE, the rest (select, embeds and their
/// filters) shapes the returned rows.
fn representation(
    ctx: &Ctx<'_>,
    cache: &SchemaCache,
    table: &str,
    parsed: &ParsedQuery,
) -> Result<(Representation, Vec<ResolvedLogic>), ApiError> {
    let mut plan: ReadPlan = plan::plan_read(cache, table, parsed)?;
    let filters = std::mem::take(&mut plan.filters);
    let rep = match ctx.prefs.return_ {
        Some(Return::Representation) => Representation::Full(plan),
        Some(Return::HeadersOnly) => {
            Representation::HeadersOnly(plan::table(cache, table)?.primary_key.clone())
        }
        _ => Representation::Minimal,
    };
    Ok((rep, filters))
}

async fn insert(
    ctx: &Ctx<'_>,
    table_name: &str,
    parsed: &ParsedQuery,
    (body_text, body): (String, Value),
) -> Result<Response<Body>, ApiError> {
    let cache = ctx.state.schema.get();
    let table = plan::table(&cache, table_name)?;
    let columns = plan::payload_columns(table, parsed.columns.as_ref(), &body)?;
    let (rep, _filters) = representation(ctx, &cache, table_name, parsed)?;
    let on_conflict = match ctx.prefs.resolution {
        Some(resolution) => {
            let cols = plan::conflict_columns(table, parsed.on_conflict.as_ref())?;
            (!cols.is_empty()).then_some((cols, resolution == Resolution::MergeDuplicates))
        }
        None => None,
    };
    let merge = matches!(on_conflict, Some((_, true)));
    let statement = sql::insert_statement(InsertSpec {
        table: table_name,
        columns: &columns,
        body: body_text,
        on_conflict,
        apply_defaults: ctx.prefs.missing_default == Some(true),
        representation: &rep,
        singular: ctx.singular,
    });
    let outcome = execute(ctx, false, &statement).await?;
    // 201, except an upsert that only updated rows (PostgREST: 200).
    let status = if merge && outcome.inserted.unwrap_or(0) <= 0 {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let count = ctx.prefs.wants_count().then_some(outcome.page_total);
    let mut extra = Vec::new();
    if let (Representation::HeadersOnly(pk), Some(location)) = (&rep, &outcome.location)
        && outcome.page_total == 1
    {
        extra.push(("location", location_header(table_name, pk, location)));
    }
    extra.push(("content-range", content_range(1, 0, count)));
    let resolution_applies = !table.primary_key.is_empty() || parsed.on_conflict.is_some();
    if let Some(applied) = ctx.prefs.applied(resolution_applies, true, true) {
        extra.push(("preference-applied", applied));
    }
    let full = matches!(rep, Representation::Full(_));
    Ok(ctx.respond(ResponseParts {
        status,
        body: full.then_some(outcome.body),
        content_type: full.then(|| ctx.media()),
        headers: extra,
    }))
}

/// `/table?pk=eq.value` from the first returned row (PostgREST's `locationF`).
fn location_header(table: &str, pk: &[String], row_json: &str) -> String {
    let row: serde_json::Map<String, Value> = serde_json::from_str(row_json).unwrap_or_default();
    let pairs: Vec<String> = pk
        .iter()
        .map(|col| {
            let value = match row.get(col) {
                None | Some(Value::Null) => "is.null".to_string(),
                Some(Value::String(s)) => format!("eq.{s}"),
                Some(other) => format!("eq.{other}"),
            };
            let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            format!("{col}={encoded}")
        })
        .collect();
    format!("/{table}?{}", pairs.join("&"))
}

async fn update(
    ctx: &Ctx<'_>,
    table_name: &str,
    parsed: &ParsedQuery,
    (body_text, body): (String, Value),
) -> Result<Response<Body>, ApiError> {
    let cache = ctx.state.schema.get();
    let table = plan::table(&cache, table_name)?;
    if !(body.is_object() || body.is_array()) {
        return Err(ApiError::invalid_body("Empty or invalid json"));
    }
    let columns = plan::payload_columns(table, parsed.columns.as_ref(), &body)?;
    let (rep, filters) = representation(ctx, &cache, table_name, parsed)?;
    let statement = sql::update_statement(UpdateSpec {
        table: table_name,
        columns: &columns,
        body: body_text,
        filters: &filters,
        representation: &rep,
        singular: ctx.singular,
    });
    let outcome = execute(ctx, false, &statement).await?;
    let count = ctx.prefs.wants_count().then_some(outcome.page_total);
    let mut extra = vec![(
        "content-range",
        content_range(0, outcome.page_total - 1, count),
    )];
    if let Some(applied) = ctx.prefs.applied(false, true, true) {
        extra.push(("preference-applied", applied));
    }
    Ok(write_response(ctx, rep, outcome, extra))
}

async fn delete(
    ctx: &Ctx<'_>,
    table_name: &str,
    parsed: &ParsedQuery,
) -> Result<Response<Body>, ApiError> {
    let cache = ctx.state.schema.get();
    plan::table(&cache, table_name)?;
    let (rep, filters) = representation(ctx, &cache, table_name, parsed)?;
    let statement = sql::delete_statement(table_name, &filters, &rep, ctx.singular);
    let outcome = execute(ctx, false, &statement).await?;
    let count = ctx.prefs.wants_count().then_some(outcome.page_total);
    let mut extra = vec![("content-range", content_range(1, 0, count))];
    if let Some(applied) = ctx.prefs.applied(false, true, false) {
        extra.push(("preference-applied", applied));
    }
    Ok(write_response(ctx, rep, outcome, extra))
}

/// PATCH/DELETE: 200 with the rows for `return=representation`, else 204.
fn write_response(
    ctx: &Ctx<'_>,
    rep: Representation,
    outcome: Outcome,
    headers: Vec<(&'static str, String)>,
) -> Response<Body> {
    let full = matches!(rep, Representation::Full(_));
    ctx.respond(ResponseParts {
        status: if full {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        },
        body: full.then_some(outcome.body),
        content_type: full.then(|| ctx.media()),
        headers,
    })
}

/// The arguments of a call as received: the JSON body (POST) or the query string (GET).
enum ReceivedArgs {
    Body(String),
    Query(BTreeMap<String, String>),
}

async fn call(ctx: &Ctx<'_>, function_name: &str, body: Body) -> Result<Response<Body>, ApiError> {
    let is_read = matches!(*ctx.method, Method::GET | Method::HEAD);
    if !is_read && *ctx.method != Method::POST {
        return Err(ApiError::invalid_rpc_method(ctx.method.as_str()));
    }
    let parsed = query::parse(ctx.uri.query().unwrap_or(""), is_read).map_err(ApiError::query)?;
    if !parsed.filters.is_empty()
        || !parsed.order.is_empty()
        || parsed.select != vec![SelectItem::Star]
        || parsed.ranges.keys().any(|k| !k.is_empty())
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "PGRST100",
            "select, filters and order on function results are not supported by the local backend",
        ));
    }
    let (received, arg_keys) = if is_read {
        // Repeated arguments: the last one wins.
        let map: BTreeMap<String, String> = parsed.rpc_args.iter().cloned().collect();
        let keys = map.keys().cloned().collect::<Vec<_>>();
        (ReceivedArgs::Query(map), keys)
    } else {
        let text = read_text_body(ctx.state, body).await?;
        if text.trim().is_empty() {
            (ReceivedArgs::Body("{}".to_string()), Vec::new())
        } else {
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => {
                    let keys = map.keys().cloned().collect();
                    (ReceivedArgs::Body(text), keys)
                }
                _ => return Err(ApiError::invalid_body("Empty or invalid json")),
            }
        }
    };
    let cache = ctx.state.schema.get();
    let function = plan::find_function(&cache, function_name, &arg_keys, !is_read)?;
    let given: Vec<&Param> = function
        .params
        .iter()
        .filter(|p| arg_keys.contains(&p.name))
        .collect();
    let args = match received {
        ReceivedArgs::Body(text) => CallArgs::Json(text),
        ReceivedArgs::Query(map) => {
            CallArgs::Direct(given.iter().map(|p| map[&p.name].clone()).collect())
        }
    };
    let range = top_level_range(ctx.method, ctx.headers, &parsed)?;
    let count = ctx.prefs.wants_count();
    let statement = sql::call_statement(function, &given, args, range, ctx.singular, count);
    // PostgREST runs GET calls, and calls of stable or immutable functions, read-only.
    let read_only = is_read || function.volatility != Volatility::Volatile;
    let outcome = execute(ctx, read_only, &statement).await?;
    let lower = range.offset;
    let upper = lower + outcome.page_total - 1;
    let total = if count { outcome.total } else { None };
    let mut extra = vec![("content-range", content_range(lower, upper, total))];
    if let Some(applied) = ctx.prefs.applied(false, false, false) {
        extra.push(("preference-applied", applied));
    }
    if function.returns == ReturnShape::Void {
        // PostgREST ≥ 11: 204 without Content-Type for functions returning void.
        return Ok(ctx.respond(ResponseParts {
            status: StatusCode::NO_CONTENT,
            body: None,
            content_type: None,
            headers: extra,
        }));
    }
    Ok(ctx.respond(ResponseParts {
        status: range_status(lower, upper, total),
        body: (*ctx.method != Method::HEAD).then_some(outcome.body),
        content_type: Some(ctx.media()),
        headers: extra,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range(0, 49, Some(123)), "0-49/123");
        assert_eq!(content_range(0, -1, Some(0)), "*/0");
        assert_eq!(content_range(0, -1, None), "*/*");
        assert_eq!(content_range(0, 2, None), "0-2/*");
        assert_eq!(content_range(1, 0, None), "*/*");
        assert_eq!(content_range(1, 0, Some(2)), "*/2");
    }

    #[test]
    fn range_header_and_limit() {
        let mut headers = HeaderMap::new();
        headers.insert("range", HeaderValue::from_static("0-9"));
        let parsed = query::parse("offset=5&limit=20", false).unwrap();
        let r = top_level_range(&Method::GET, &headers, &parsed).unwrap();
        assert_eq!(
            r,
            Range {
                offset: 5,
                limit: Some(5)
            }
        );
        // The Range header is ignored for other methods.
        let r = top_level_range(&Method::POST, &headers, &parsed).unwrap();
        assert_eq!(
            r,
            Range {
                offset: 5,
                limit: Some(20)
            }
        );
        let parsed = query::parse("limit=0", false).unwrap();
        assert_eq!(
            top_level_range(&Method::GET, &headers, &parsed)
                .unwrap()
                .limit,
            Some(0)
        );
        let parsed = query::parse("limit=-1", false).unwrap();
        assert_eq!(
            top_level_range(&Method::GET, &HeaderMap::new(), &parsed)
                .unwrap_err()
                .status
                .as_u16(),
            416
        );
    }

    #[test]
    fn singular_media_type() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_singular(&headers).unwrap());
        headers.insert(
            "accept",
            HeaderValue::from_static("application/vnd.pgrst.object+json"),
        );
        assert!(accepts_singular(&headers).unwrap());
        headers.insert("accept", HeaderValue::from_static("text/csv"));
        assert_eq!(accepts_singular(&headers).unwrap_err().code, "PGRST107");
    }

    #[test]
    fn location_from_primary_key() {
        assert_eq!(
            location_header("cities", &["id".into()], r#"{"id":1}"#),
            "/cities?id=eq.1"
        );
        assert_eq!(
            location_header("kv", &["key".into()], r#"{"key":"a b"}"#),
            "/kv?key=eq.a+b"
        );
    }
}
