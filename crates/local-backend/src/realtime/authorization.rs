//! Private-channel authorisation as Supabase Realtime does it (`Realtime.Tenants.Authorization`):
//! row-level security on `realtime.messages` decides, evaluated in one transaction that is always
//! rolled back.
//!
//! 1. As `supabase_realtime_admin` (bypasses RLS) insert one probe row per extension (broadcast,
//!    presence) for the topic.
//! 2. Switch to the token's role with `request.jwt.claims`, `request.jwt.claim.sub/role`,
//!    `request.headers` and `realtime.topic` set, as Realtime's `set_conn_config`.
//! 3. Read permission = the probe row of that extension is visible.
//! 4. Write permission = inserting a row of that extension passes the policies (each attempt
//!    under its own savepoint, so a refusal does not abort the transaction).
//! 5. Replay, when asked, is read in the same transaction as the user: RLS filters it.
//!
//! Supabase evaluates write permission lazily on the first client broadcast; doing it at join
//! keeps every permission check to this one short transaction per join.

use deadpool_postgres::Pool;
use serde_json::Value;
use uuid::Uuid;

use super::replay::{ReplayRequest, StoredMessage};
use crate::db;
use crate::identity::Identity;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policies {
    pub broadcast_read: bool,
    pub broadcast_write: bool,
    pub presence_read: bool,
    pub presence_write: bool,
}

impl Policies {
    /// Public channels are not authorised: everyone who joined may do everything.
    pub fn public() -> Policies {
        Policies {
            broadcast_read: true,
            broadcast_write: true,
            presence_read: true,
            presence_write: true,
        }
    }

    pub fn can_read(&self) -> bool {
        self.broadcast_read || self.presence_read
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("authorization query failed: {0}")]
    Query(String),
    #[error("authorization timed out")]
    Timeout,
}

pub struct Authorized {
    pub policies: Policies,
    /// Oldest first.
    pub replay: Vec<StoredMessage>,
}

const ADMIN_ROLE: &str = "supabase_realtime_admin";
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn authorize(
    pool: &Pool,
    identity: &Identity,
    sub_topic: &str,
    headers_json: &str,
    replay: Option<ReplayRequest>,
) -> Result<Authorized, AuthorizationError> {
    match tokio::time::timeout(
        TIMEOUT,
        authorize_in_transaction(pool, identity, sub_topic, headers_json, replay),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(AuthorizationError::Timeout),
    }
}

async fn authorize_in_transaction(
    pool: &Pool,
    identity: &Identity,
    sub_topic: &str,
    headers_json: &str,
    replay: Option<ReplayRequest>,
) -> Result<Authorized, AuthorizationError> {
    let query = |e: tokio_postgres::Error| AuthorizationError::Query(e.to_string());
    let mut client = pool
        .get()
        .await
        .map_err(|e| AuthorizationError::Unavailable(e.to_string()))?;
    let tx = client.transaction().await.map_err(query)?;

    db::set_role(&tx, ADMIN_ROLE).await.map_err(query)?;
    let broadcast_probe = Uuid::new_v4();
    let presence_probe = Uuid::new_v4();
    tx.execute(
        "insert into realtime.messages (id, topic, extension, private) \
         values ($1, $3, 'broadcast', true), ($2, $3, 'presence', true)",
        &[&broadcast_probe, &presence_probe, &sub_topic],
    )
    .await
    .map_err(query)?;

    let role = identity.role.as_str();
    let claims = identity.claims_json();
    let sub = identity.subject().unwrap_or("");
    tx.execute(
        "select set_config('role', $1, true), \
                set_config('realtime.topic', $2, true), \
                set_config('request.jwt.claims', $3, true), \
                set_config('request.jwt.claim.sub', $4, true), \
                set_config('request.jwt.claim.role', $5, true), \
                set_config('request.headers', $6, true)",
        &[&role, &sub_topic, &claims, &sub, &role, &headers_json],
    )
    .await
    .map_err(query)?;

    let probes = vec![broadcast_probe, presence_probe];
    let visible = tx
        .query(
            "select extension from realtime.messages where id = any($1) and topic = $2",
            &[&probes, &sub_topic],
        )
        .await
        .map_err(query)?;
    let mut policies = Policies::default();
    for row in &visible {
        match row.get::<_, &str>(0) {
            "broadcast" => policies.broadcast_read = true,
            "presence" => policies.presence_read = true,
            _ => {}
        }
    }
    policies.broadcast_write = may_insert(&tx, sub_topic, "broadcast").await?;
    policies.presence_write = may_insert(&tx, sub_topic, "presence").await?;

    let mut replayed = Vec::new();
    if let Some(replay) = replay
        && policies.broadcast_read
    {
        let rows = tx
            .query(
                "select id::text, event, payload from realtime.messages \
                 where topic = $1 and private and extension = 'broadcast' \
                   and inserted_at >= (to_timestamp($2::float8 / 1000) at time zone 'UTC') \
                   and inserted_at < (now() at time zone 'UTC') + interval '1 minute' \
                   and id <> all($3) \
                 order by inserted_at desc limit $4",
                &[
                    &sub_topic,
                    &(replay.since_ms as f64),
                    &probes,
                    &replay.limit,
                ],
            )
            .await
            .map_err(query)?;
        replayed = rows
            .iter()
            .rev()
            .map(|row| StoredMessage {
                id: row.get(0),
                event: row.get(1),
                payload: row.get::<_, Option<Value>>(2).unwrap_or(Value::Null),
            })
            .collect();
    }
    tx.rollback().await.map_err(query)?;
    Ok(Authorized {
        policies,
        replay: replayed,
    })
}

/// Whether the current role may insert a row of `extension` for the topic (a policy refusal is
/// an answer, not an error).
async fn may_insert(
    tx: &tokio_postgres::Transaction<'_>,
    sub_topic: &str,
    extension: &str,
) -> Result<bool, AuthorizationError> {
    let query = |e: tokio_postgres::Error| AuthorizationError::Query(e.to_string());
    tx.batch_execute("savepoint realtime_write_check")
        .await
        .map_err(query)?;
    let allowed = match tx
        .execute(
            "insert into realtime.messages (topic, extension, private) values ($1, $2, true)",
            &[&sub_topic, &extension],
        )
        .await
    {
        Ok(_) => true,
        Err(e) => {
            if e.code() != Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
                tracing::debug!("realtime write check for {extension} failed: {e}");
            }
            false
        }
    };
    tx.batch_execute("rollback to savepoint realtime_write_check")
        .await
        .map_err(query)?;
    Ok(allowed)
}
