//! Server configuration, read from the environment (`PUNCTAJ_*`) by the binary and built directly
//! by tests.

use std::net::SocketAddr;

/// The Discord account that `/auth/v1/authorize?provider=discord` signs in as. There is no real
/// Discord here: see `auth::simulated_discord`.
#[derive(Clone, Debug)]
pub struct DemoDiscordUser {
    pub id: String,
    pub username: String,
    pub email: String,
}

impl Default for DemoDiscordUser {
    fn default() -> Self {
        DemoDiscordUser {
            id: "900000000000000001".into(),
            username: "demo.discord".into(),
            email: "discord-demo@punctaj.test".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Connection string of the login role (`authenticator`), which can do nothing until it
    /// switches to the role of the request.
    pub database_url: String,
    /// HS256 secret shared by every token (anon key, service key, user sessions).
    pub jwt_secret: String,
    /// Where `serve` listens when the binary starts it (tests bring their own listener).
    pub listen: SocketAddr,
    /// The app's URL: OAuth redirects go there unless `redirect_to` is allowed.
    pub site_url: String,
    /// Lifetime of the access tokens we issue.
    pub jwt_expiry_secs: u64,
    /// Clock skew tolerated when checking `exp`/`nbf`/`iat` of incoming tokens.
    pub jwt_leeway_secs: u64,
    pub pool_size: usize,
    /// Largest request body read (Kong's limit in front of a real Supabase; 413 beyond).
    pub max_body_bytes: usize,
    pub demo_discord: DemoDiscordUser,
    pub realtime: RealtimeLimits,
}

/// Bounds of the Realtime endpoint (`/realtime/v1/websocket`). Every queue and every wait of a
/// socket is bounded, so one misbehaving client can cost the server only a known amount.
#[derive(Clone, Debug)]
pub struct RealtimeLimits {
    /// Largest WebSocket message (and frame) read; a bigger one closes the socket.
    pub max_frame_bytes: usize,
    /// Largest broadcast payload a client may send (Supabase's default is 256 KiB on Free).
    pub max_broadcast_payload_bytes: usize,
    /// Largest presence payload a client may track.
    pub max_presence_payload_bytes: usize,
    /// Frames waiting to be written to one socket; a consumer that lets it fill is dropped.
    pub outbound_queue: usize,
    /// A socket that sends nothing (not even a heartbeat) for this long is closed, as Phoenix
    /// closes a silent transport after 60 s.
    pub heartbeat_timeout_secs: u64,
    pub max_channels_per_socket: usize,
    pub max_connections: usize,
    /// Broadcasts older than this are deleted from `realtime.messages` (Supabase keeps 3 days).
    pub message_retention_secs: u64,
    pub cleanup_interval_secs: u64,
}

impl Default for RealtimeLimits {
    fn default() -> Self {
        RealtimeLimits {
            max_frame_bytes: 1024 * 1024,
            max_broadcast_payload_bytes: 256 * 1024,
            max_presence_payload_bytes: 64 * 1024,
            outbound_queue: 1024,
            heartbeat_timeout_secs: 60,
            max_channels_per_socket: 100,
            max_connections: 10_000,
            message_retention_secs: 3 * 24 * 3600,
            cleanup_interval_secs: 3600,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

pub const DEFAULT_MAX_BODY_BYTES: usize = 50 * 1024 * 1024;

impl Config {
    /// A configuration with every optional setting at its default.
    pub fn new(database_url: impl Into<String>, jwt_secret: impl Into<String>) -> Config {
        Config {
            database_url: database_url.into(),
            jwt_secret: jwt_secret.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 54321)),
            site_url: "http://127.0.0.1:8080/".into(),
            jwt_expiry_secs: 3600,
            jwt_leeway_secs: 2,
            pool_size: 16,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            demo_discord: DemoDiscordUser::default(),
            realtime: RealtimeLimits::default(),
        }
    }

    /// Reads `PUNCTAJ_DATABASE_URL`, `PUNCTAJ_JWT_SECRET` (required) and the optional
    /// `PUNCTAJ_LISTEN`, `PUNCTAJ_SITE_URL`, `PUNCTAJ_JWT_EXPIRY_SECS`, `PUNCTAJ_POOL_SIZE`,
    /// `PUNCTAJ_DEMO_DISCORD_ID`, `PUNCTAJ_DEMO_DISCORD_USERNAME`, `PUNCTAJ_DEMO_DISCORD_EMAIL`,
    /// `PUNCTAJ_REALTIME_HEARTBEAT_TIMEOUT_SECS`, `PUNCTAJ_REALTIME_MAX_CONNECTIONS`.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut config = Config::new(required("PUNCTAJ_DATABASE_URL")?, jwt_secret_from_env()?);
        if let Some(listen) = optional("PUNCTAJ_LISTEN") {
            config.listen = parse("PUNCTAJ_LISTEN", &listen)?;
        }
        if let Some(site) = optional("PUNCTAJ_SITE_URL") {
            url::Url::parse(&site).map_err(|e| ConfigError::Invalid {
                name: "PUNCTAJ_SITE_URL",
                reason: e.to_string(),
            })?;
            config.site_url = site;
        }
        if let Some(expiry) = optional("PUNCTAJ_JWT_EXPIRY_SECS") {
            config.jwt_expiry_secs = parse("PUNCTAJ_JWT_EXPIRY_SECS", &expiry)?;
        }
        if let Some(size) = optional("PUNCTAJ_POOL_SIZE") {
            config.pool_size = parse("PUNCTAJ_POOL_SIZE", &size)?;
        }
        if let Some(id) = optional("PUNCTAJ_DEMO_DISCORD_ID") {
            config.demo_discord.id = id;
        }
        if let Some(name) = optional("PUNCTAJ_DEMO_DISCORD_USERNAME") {
            config.demo_discord.username = name;
        }
        if let Some(email) = optional("PUNCTAJ_DEMO_DISCORD_EMAIL") {
            config.demo_discord.email = email;
        }
        if let Some(secs) = optional("PUNCTAJ_REALTIME_HEARTBEAT_TIMEOUT_SECS") {
            config.realtime.heartbeat_timeout_secs =
                parse("PUNCTAJ_REALTIME_HEARTBEAT_TIMEOUT_SECS", &secs)?;
        }
        if let Some(n) = optional("PUNCTAJ_REALTIME_MAX_CONNECTIONS") {
            config.realtime.max_connections = parse("PUNCTAJ_REALTIME_MAX_CONNECTIONS", &n)?;
        }
        Ok(config)
    }
}

/// `PUNCTAJ_JWT_SECRET`, which must be long enough for HS256 (GoTrue requires 32 characters).
pub fn jwt_secret_from_env() -> Result<String, ConfigError> {
    let secret = required("PUNCTAJ_JWT_SECRET")?;
    if secret.len() < 32 {
        return Err(ConfigError::Invalid {
            name: "PUNCTAJ_JWT_SECRET",
            reason: "must be at least 32 characters".into(),
        });
    }
    Ok(secret)
}

fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    optional(name).ok_or(ConfigError::Missing(name))
}

fn parse<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        })
}
