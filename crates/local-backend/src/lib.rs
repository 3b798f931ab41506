//! A small Supabase-compatible server for development, tests and the demo — never production.
//!
//! It answers the requests of the official Supabase client the way PostgREST (`/rest/v1`),
//! Storage (`/storage/v1`), GoTrue (`/auth/v1`) and Realtime (`/realtime/v1`) would, on a real
//! PostgreSQL database where `sql/local/bootstrap.sql` and the project's migrations have run.
//! Each request runs in one transaction as the role of its verified JWT, with the claims
//! published the way PostgREST publishes them, so the project's row-level security and SQL
//! functions are what decide; Realtime authorises channels through the same policies.

pub mod auth;
pub mod config;
pub mod cors;
pub mod db;
pub mod http_util;
pub mod identity;
pub mod jwt;
pub mod realtime;
pub mod rest;
pub mod state;
pub mod storage;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::routing::{any, get};

pub use config::Config;
use rest::schema_cache::{self, SchemaCacheHandle};
pub use state::AppState;

/// Connects the pool and loads the schema cache (failing if the database is unreachable).
pub async fn build_state(config: Config) -> Result<AppState, String> {
    let pool =
        db::create_pool(&config.database_url, config.pool_size).map_err(|e| e.to_string())?;
    let schema = SchemaCacheHandle::default();
    schema_cache::reload(&pool, &schema).await?;
    Ok(AppState {
        config: Arc::new(config),
        pool,
        schema,
        realtime: realtime::Realtime::default(),
        simulated_discord: auth::simulated_discord::PendingSignIns::default(),
    })
}

/// All routes, with CORS around them.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/rest/v1", any(rest::handler::root))
        .route("/rest/v1/", any(rest::handler::root))
        .nest("/rest/v1", rest::routes())
        .nest("/storage/v1", storage::routes())
        .nest("/auth/v1", auth::routes())
        .nest("/realtime/v1", realtime::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(cors::cors))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// One log line per request (method, path, status, duration); query strings are left out, as
/// they may carry tokens.
async fn log_request(
    request: axum::http::Request<Body>,
    next: axum::middleware::Next,
) -> Response<Body> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        "{method} {path} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

async fn health() -> &'static str {
    "ok"
}

async fn not_found() -> Response<Body> {
    let mut response = Response::new(Body::from(
        r#"{"message":"no Route matched with those values"}"#,
    ));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        "content-type",
        "application/json; charset=utf-8".parse().expect("static"),
    );
    response
}

/// Serves until the process ends: loads the schema cache, listens for `NOTIFY pgrst`, answers on
/// `listener`. Tests run it in-process on `127.0.0.1:0`.
pub async fn serve(config: Config, listener: tokio::net::TcpListener) -> Result<(), String> {
    let state = build_state(config).await?;
    serve_state(state, listener).await
}

/// Like `serve`, with a state built by the caller (tests keep a handle on it).
pub async fn serve_state(state: AppState, listener: tokio::net::TcpListener) -> Result<(), String> {
    serve_until(state, listener, std::future::pending()).await
}

/// Serves until `shutdown` completes, then finishes the requests in flight and closes the
/// Realtime sockets (their clients reconnect to the next server).
pub async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let mut tasks = vec![tokio::spawn(schema_cache::listen_for_reloads(
        state.config.database_url.clone(),
        state.pool.clone(),
        state.schema.clone(),
    ))];
    tasks.extend(realtime::spawn_tasks(&state).await);
    let realtime = state.realtime.clone();
    let closing = realtime.clone();
    let shutdown = async move {
        shutdown.await;
        // Upgraded connections are not waited for by axum: close them ourselves.
        closing.close_all();
    };
    let app = router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| e.to_string());
    realtime
        .wait_closed(std::time::Duration::from_secs(2))
        .await;
    for task in tasks {
        task.abort();
    }
    result
}
