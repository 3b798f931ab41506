//! Test harness: a fresh database cloned from `punctaj_template` (bootstrap + migrations + demo
//! data) and the local backend serving it in-process on 127.0.0.1:0.
//!
//! ```ignore
//! mod support;
//! use support::TestBackend;
//!
//! #[tokio::test]
//! async fn example() {
//!     let backend = TestBackend::start().await;
//!     let token = backend.token("owner@punctaj.test").await;
//!     let (status, _headers, body) = backend.get(Some(&token), "/rest/v1/cities?select=id,name").await;
//!     assert_eq!(status, 200);
//!     backend.stop().await;
//! }
//! ```
//!
//! Paths given to `get`/`request` are relative to the server root (`/rest/v1/…`,
//! `/storage/v1/…`, `/auth/v1/…`). Every test gets its own database, dropped when the backend
//! stops (or, best effort, when it is dropped).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use punctaj_local_backend::rest::schema_cache;
use punctaj_local_backend::{AppState, Config, jwt};
use rand::Rng;
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

/// Password of every demo account of `sql/seed/demo.sql`.
pub const DEMO_PASSWORD: &str = "punctaj-demo";
pub const TEMPLATE: &str = "punctaj_template";

#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// Lifetime of issued access tokens (default 3600).
    pub jwt_expiry_secs: Option<u64>,
    /// Template database to clone (default `punctaj_template`).
    pub template: Option<&'static str>,
    /// Realtime closes a socket silent for this long (default 60).
    pub realtime_heartbeat_timeout_secs: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct TestSession {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: String,
}

pub struct TestBackend {
    pub base_url: String,
    pub anon_key: String,
    pub service_key: String,
    pub db_name: String,
    /// Superuser connection to the test database.
    pub admin: tokio_postgres::Client,
    pub http: reqwest::Client,
    pub jwt_secret: String,
    pub state: AppState,
    server: Option<tokio::task::JoinHandle<()>>,
    superuser_url: String,
    tokens: Mutex<HashMap<String, String>>,
    stopped: bool,
}

/// `PUNCTAJ_TEST_PG`, default `postgres://postgres@127.0.0.1:54322`.
pub fn superuser_url() -> String {
    std::env::var("PUNCTAJ_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:54322".into())
}

fn url_with(base: &str, user: Option<&str>, database: &str) -> String {
    let mut url = url::Url::parse(base).expect("PUNCTAJ_TEST_PG is a postgres:// URL");
    if let Some(user) = user {
        url.set_username(user).expect("username");
        url.set_password(None).expect("password");
    }
    url.set_path(&format!("/{database}"));
    url.to_string()
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

impl TestBackend {
    /// The auth id of a demo account.
    pub async fn user_id(&self, email: &str) -> String {
        self.admin
            .query_one(
                "select id::text from auth.users where email = $1",
                &[&email],
            )
            .await
            .expect("user id")
            .get(0)
    }

    pub async fn start() -> TestBackend {
        TestBackend::start_with(TestOptions::default()).await
    }

    pub async fn start_with(options: TestOptions) -> TestBackend {
        let superuser = superuser_url();
        // PUNCTAJ_TEST_TEMPLATE: a template built by `scripts/local-backend.sh template NAME`.
        let from_env = std::env::var("PUNCTAJ_TEST_TEMPLATE").ok();
        let template = options.template.or(from_env.as_deref()).unwrap_or(TEMPLATE);
        let maintenance = connect(&url_with(&superuser, None, "postgres")).await;
        let exists = maintenance
            .query_opt("select 1 from pg_database where datname = $1", &[&template])
            .await
            .expect("query pg_database")
            .is_some();
        if !exists {
            panic!(
                "template database {template} is missing: run `scripts/local-backend.sh template` (make test does it)"
            );
        }
        let suffix: String = {
            let mut rng = rand::rng();
            (0..12)
                .map(|_| format!("{:x}", rng.random_range(0..16u8)))
                .collect()
        };
        let db_name = format!("test_{suffix}");
        // Identifiers cannot be parameters; both names are ours (hex suffix, constant template).
        let mut attempts = 0;
        loop {
            match maintenance
                .batch_execute(&format!(
                    "create database \"{db_name}\" template \"{template}\""
                ))
                .await
            {
                Ok(()) => break,
                // Another session on the template (e.g. a parallel create) makes this fail briefly.
                Err(e)
                    if attempts < 20 && e.to_string().contains("being accessed by other users") =>
                {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("cannot create database {db_name}: {e}"),
            }
        }
        let admin = connect(&url_with(&superuser, None, &db_name)).await;

        let jwt_secret: String = {
            let mut rng = rand::rng();
            (0..48)
                .map(|_| format!("{:x}", rng.random_range(0..16u8)))
                .collect()
        };
        let mut config = Config::new(
            url_with(&superuser, Some("authenticator"), &db_name),
            jwt_secret.clone(),
        );
        config.pool_size = 8;
        if let Some(expiry) = options.jwt_expiry_secs {
            config.jwt_expiry_secs = expiry;
        }
        if let Some(secs) = options.realtime_heartbeat_timeout_secs {
            config.realtime.heartbeat_timeout_secs = secs;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        config.listen = address;
        config.site_url = format!("http://{address}/app/");
        let state = punctaj_local_backend::build_state(config)
            .await
            .unwrap_or_else(|e| panic!("backend did not start: {e}"));
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            if let Err(e) = punctaj_local_backend::serve_state(server_state, listener).await {
                eprintln!("test backend stopped: {e}");
            }
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base_url = format!("http://{address}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base_url}/health")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "backend not healthy within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        TestBackend {
            base_url,
            anon_key: jwt::api_key("anon", jwt_secret.as_bytes()),
            service_key: jwt::api_key("service_role", jwt_secret.as_bytes()),
            db_name,
            admin,
            http,
            jwt_secret,
            state,
            server: Some(server),
            superuser_url: superuser,
            tokens: Mutex::new(HashMap::new()),
            stopped: false,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    /// The Realtime WebSocket URL as realtime-js builds it (`apikey`, then `vsn`).
    pub fn realtime_url(&self, apikey: &str, vsn: &str) -> String {
        format!(
            "{}/realtime/v1/websocket?apikey={apikey}&vsn={vsn}",
            self.base_url.replacen("http://", "ws://", 1)
        )
    }

    /// A request as supabase-js sends it: `apikey` = anon key, `Authorization: Bearer` = the
    /// token, or the anon key when there is none.
    pub fn request(
        &self,
        method: Method,
        path_and_query: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path_and_query))
            .header("apikey", &self.anon_key)
            .header(
                "authorization",
                format!("Bearer {}", token.unwrap_or(&self.anon_key)),
            )
    }

    /// Stores `document` in the bucket `arhiva` under `key` as supabase-js uploads an archive
    /// (`upload(path, blob, {upsert: false})`); the upload must succeed.
    pub async fn upload_archive(&self, token: &str, key: &str, document: &Value) {
        let response = self
            .request(
                Method::POST,
                &format!("/storage/v1/object/arhiva/{key}"),
                Some(token),
            )
            .header("content-type", "application/json")
            .header("x-upsert", "false")
            .body(serde_json::to_vec(document).expect("json"))
            .send()
            .await
            .expect("upload");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "upload of {key}: {body}");
    }

    /// Signs any claims with the backend's secret (forged, expired or wrong-role tokens).
    pub fn sign_jwt(&self, claims: Value) -> String {
        jwt::sign(&claims, self.jwt_secret.as_bytes())
    }

    /// Password sign-in of a demo account (password `punctaj-demo`).
    pub async fn sign_in(&self, email: &str) -> TestSession {
        let response = self
            .request(Method::POST, "/auth/v1/token?grant_type=password", None)
            .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD, "gotrue_meta_security": {}}))
            .send()
            .await
            .expect("sign-in request");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::OK, "sign-in of {email} failed: {body}");
        TestSession {
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_string(),
            user_id: body["user"]["id"].as_str().expect("user.id").to_string(),
        }
    }

    /// An access token of a demo account, signed in once per backend and then reused.
    pub async fn token(&self, email: &str) -> String {
        if let Some(t) = self.tokens.lock().expect("token cache").get(email) {
            return t.clone();
        }
        let session = self.sign_in(email).await;
        self.tokens
            .lock()
            .expect("token cache")
            .insert(email.to_string(), session.access_token.clone());
        session.access_token
    }

    /// `POST /rest/v1/rpc/{function}` with named arguments; the body is `null` when empty.
    pub async fn rpc(
        &self,
        token: Option<&str>,
        function: &str,
        args: Value,
    ) -> (StatusCode, Value) {
        let response = self
            .request(Method::POST, &format!("/rest/v1/rpc/{function}"), token)
            .header("content-profile", "public")
            .json(&args)
            .send()
            .await
            .expect("rpc request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET with supabase-js's headers; the body parsed as JSON (`null` when empty or not JSON).
    pub async fn get(
        &self,
        token: Option<&str>,
        path_and_query: &str,
    ) -> (StatusCode, HeaderMap, Value) {
        let response = self
            .request(Method::GET, path_and_query, token)
            .header("accept-profile", "public")
            .send()
            .await
            .expect("GET request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// Reloads the schema cache now (after creating fixture tables through `admin`).
    pub async fn reload_schema(&self) {
        schema_cache::reload(&self.state.pool, &self.state.schema)
            .await
            .expect("schema reload");
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        self.shutdown_server();
        self.state.pool.close();
        drop_database(&self.superuser_url, &self.db_name).await;
        self.stopped = true;
    }

    fn shutdown_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

async fn drop_database(superuser: &str, db_name: &str) {
    if let Ok((client, connection)) = tokio_postgres::connect(
        &url_with(superuser, None, "postgres"),
        tokio_postgres::NoTls,
    )
    .await
    {
        let driver = tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!(
                "drop database if exists \"{db_name}\" with (force)"
            ))
            .await;
        drop(client);
        let _ = driver.await;
    }
}

impl Drop for TestBackend {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        self.shutdown_server();
        self.state.pool.close();
        // Best effort, off the test's runtime (which may be shutting down).
        let superuser = self.superuser_url.clone();
        let db_name = self.db_name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(drop_database(&superuser, &db_name));
            }
        })
        .join();
    }
}

/// A request's status, headers and body text.
pub async fn send(
    request: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The simulated Discord consent page's one-time state and the cookie it set.
pub fn simulated_discord_state_and_cookie(
    page: &str,
    headers: &reqwest::header::HeaderMap,
) -> (String, String) {
    let state = page
        .split("name=\"state\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no state in {page}"))
        .to_string();
    let cookie = headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (state, cookie)
}

impl TestBackend {
    /// The `row_version` of one row of `cities`, `institutions` or `employees` (0011_row_versions),
    /// read as the superuser: what a client loaded and sends back as `p_expected_version`.
    /// The one value of `sql` (an expression or a one-row, one-column query) as the superuser,
    /// cast by PostgreSQL to `bigint`.
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        self.one_value(sql, "bigint").await.get(0)
    }

    /// The one value of `sql`, cast to `text`.
    pub async fn scalar_text(&self, sql: &str) -> String {
        self.one_value(sql, "text").await.get(0)
    }

    /// The one value of `sql`, cast to `jsonb`.
    pub async fn json_of(&self, sql: &str) -> Value {
        self.one_value(sql, "jsonb").await.get(0)
    }

    async fn one_value(&self, sql: &str, cast: &str) -> tokio_postgres::Row {
        self.admin
            .query_one(&format!("select ({sql})::{cast}"), &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The cloud's version row: its version and data hash.
    pub async fn cloud_version(&self) -> (i64, String) {
        let row = self
            .admin
            .query_one(
                "select version, btrim(data_hash) from public.sync_metadata where sync_key = 'global_version'",
                &[],
            )
            .await
            .expect("version row");
        (row.get(0), row.get(1))
    }

    pub async fn row_version(&self, table: &str, id: impl std::fmt::Display) -> i64 {
        assert!(
            matches!(table, "cities" | "institutions" | "employees"),
            "no row_version on {table}"
        );
        self.admin
            .query_one(
                &format!("select row_version from public.{table} where id::text = $1"),
                &[&id.to_string()],
            )
            .await
            .unwrap_or_else(|e| panic!("row_version of {table} {id}: {e}"))
            .get(0)
    }
}
