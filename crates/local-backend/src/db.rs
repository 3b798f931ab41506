//! The connection pool and the per-request transaction.
//!
//! Every request runs in one transaction that first does what PostgREST does before a query
//! (`src/PostgREST/Query.hs`, `setPgLocals`): switch to the request's role and publish the JWT
//! claims, method, path and headers as transaction-local settings, which `auth.uid()` and the
//! RLS policies read. Everything is passed with `set_config(name, $n, true)` — the role too,
//! which is the parameterised form of `SET LOCAL ROLE` — so no value is ever written into SQL.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Transaction};

use crate::identity::Identity;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("invalid database URL: {0}")]
    Url(tokio_postgres::Error),
    #[error("cannot build the connection pool: {0}")]
    Build(String),
}

/// A pool of connections as the login role. Sessions use UTC so timestamps render as
/// PostgREST renders them on Supabase (whose databases run in UTC).
pub fn create_pool(database_url: &str, size: usize) -> Result<Pool, PoolError> {
    let mut pg_config = tokio_postgres::Config::from_str(database_url).map_err(PoolError::Url)?;
    pg_config.options("-c TimeZone=UTC -c client_encoding=UTF8");
    pg_config.application_name("punctaj-local-backend");
    pg_config.connect_timeout(std::time::Duration::from_secs(10));
    let manager = Manager::from_config(
        pg_config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(std::time::Duration::from_secs(30)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| PoolError::Build(e.to_string()))
}

/// What a request tells the database about itself.
pub struct RequestSettings<'a> {
    pub identity: &'a Identity,
    pub method: &'a str,
    pub path: &'a str,
    /// Request headers as a JSON object with lower-case names (PostgREST's `request.headers`).
    pub headers_json: String,
}

/// PostgREST's `db-extra-search-path` on Supabase is `public, extensions`.
const SEARCH_PATH: &str = "public, extensions";

/// Applies role and request settings to an open transaction.
pub async fn apply_request_settings(
    tx: &Transaction<'_>,
    settings: &RequestSettings<'_>,
) -> Result<(), tokio_postgres::Error> {
    let claims = settings.identity.claims_json();
    let role = settings.identity.role.as_str();
    tx.execute(
        "select set_config('search_path', $1, true), \
                set_config('role', $2, true), \
                set_config('request.jwt.claims', $3, true), \
                set_config('request.method', $4, true), \
                set_config('request.path', $5, true), \
                set_config('request.headers', $6, true)",
        &[
            &SEARCH_PATH,
            &role,
            &claims,
            &settings.method,
            &settings.path,
            &settings.headers_json,
        ],
    )
    .await?;
    Ok(())
}

/// Switches the transaction to one of the server's own roles (`supabase_auth_admin`,
/// `supabase_storage_admin`) or back to the request's role. Role names here are constants.
pub async fn set_role(tx: &Transaction<'_>, role: &str) -> Result<(), tokio_postgres::Error> {
    tx.execute("select set_config('role', $1, true)", &[&role])
        .await?;
    Ok(())
}

/// Request headers as `request.headers` wants them.
pub fn headers_json(headers: &axum::http::HeaderMap) -> String {
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        if let Ok(v) = value.to_str() {
            map.insert(
                name.as_str().to_string(),
                serde_json::Value::String(v.to_string()),
            );
        }
    }
    serde_json::Value::Object(map).to_string()
}

/// Parameters of a dynamically built statement: every value is text, cast in SQL.
pub fn as_params(values: &[Option<String>]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A dedicated connection that has run `LISTEN <channel>`: its notifications' payloads arrive on
/// `payloads` (delivered at commit); the channel ends when the connection is lost. Dropping it
/// closes the connection.
pub struct Listening {
    pub payloads: tokio::sync::mpsc::UnboundedReceiver<String>,
    _client: tokio_postgres::Client,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot connect: {0}")]
    Connect(tokio_postgres::Error),
    #[error("cannot LISTEN: {0}")]
    Listen(tokio_postgres::Error),
}

/// Connects to `database_url` and listens on `channel` (an identifier of ours, not user input).
pub async fn listen(database_url: &str, channel: &str) -> Result<Listening, ListenError> {
    use futures_util::StreamExt;
    let (client, mut connection) = tokio_postgres::connect(database_url, NoTls)
        .await
        .map_err(ListenError::Connect)?;
    let (tx, payloads) = tokio::sync::mpsc::unbounded_channel();
    // The connection's messages must be polled for notifications to arrive at all.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    let listening = Listening {
        payloads,
        _client: client,
        driver,
    };
    listening
        ._client
        .batch_execute(&format!("listen {channel}"))
        .await
        .map_err(ListenError::Listen)?;
    Ok(listening)
}
