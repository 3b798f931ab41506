//! Messages from the database: one `LISTEN punctaj_realtime` connection for the whole server.
//!
//! Supabase's Realtime reads new `realtime.messages` rows by logical replication; here the insert
//! trigger of `sql/local/bootstrap.sql` sends each broadcast row as the JSON payload of a NOTIFY,
//! which PostgreSQL delivers at commit (a rolled-back `realtime.send` is never seen, as with
//! replication). The NOTIFY holds the whole message, so delivering it costs no query — except for
//! a message too large for a notification, which arrives as `{"id", "topic", "truncated": true}`
//! and is read back by id.
//!
//! After a lost connection it reconnects with a pause; notifications sent meanwhile are lost (the
//! clients' periodic version check is the backstop), which is logged.

use std::time::Duration;

use deadpool_postgres::Pool;
use serde::Deserialize;
use serde_json::Value;

use super::channels::{Broadcast, TopicKey};
use super::hub::Realtime;
use super::replay;

pub const CHANNEL: &str = "punctaj_realtime";

#[derive(Debug, Deserialize, PartialEq)]
struct Notice {
    id: String,
    topic: String,
    #[serde(default)]
    extension: Option<String>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    private: Option<bool>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    truncated: bool,
}

/// Starts the listener and waits (at most `wait`) until its LISTEN is in place, so that a server
/// that answers requests also hears every broadcast committed from then on.
pub async fn start(
    database_url: String,
    pool: Pool,
    realtime: Realtime,
    wait: Duration,
) -> tokio::task::JoinHandle<()> {
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(listen(database_url, pool, realtime, Some(ready_tx)));
    if tokio::time::timeout(wait, ready_rx).await.is_err() {
        tracing::warn!("realtime listener not ready yet: broadcasts wait for the database");
    }
    task
}

pub async fn listen(
    database_url: String,
    pool: Pool,
    realtime: Realtime,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut first = true;
    loop {
        match crate::db::listen(&database_url, CHANNEL).await {
            Ok(mut listening) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                if !first {
                    tracing::warn!(
                        "realtime listener reconnected: broadcasts committed meanwhile were not delivered"
                    );
                }
                first = false;
                while let Some(payload) = listening.payloads.recv().await {
                    deliver(&pool, &realtime, &payload).await;
                }
            }
            Err(e) => tracing::warn!("realtime listener: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn deliver(pool: &Pool, realtime: &Realtime, payload: &str) {
    let mut notice: Notice = match serde_json::from_str(payload) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("realtime: unreadable notification ignored: {e}");
            return;
        }
    };
    if notice.truncated {
        match read_message(pool, &notice.id).await {
            Ok(Some(full)) => notice = full,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("realtime: message {} not read back: {e}", notice.id);
                return;
            }
        }
    }
    if notice.extension.as_deref().unwrap_or("broadcast") != "broadcast" {
        return;
    }
    let key = TopicKey {
        sub_topic: notice.topic,
        private: notice.private.unwrap_or(false),
    };
    let message = Broadcast::Stored {
        payload_json: replay::broadcast_json(
            &notice.id,
            notice.event.as_deref(),
            &notice.payload,
            false,
        ),
        id: notice.id,
    };
    let n = realtime.registry().broadcast(&key, None, &message);
    tracing::debug!("realtime: broadcast on {} to {n} channels", key.sub_topic);
}

/// A message too large for its notification, read as `supabase_realtime_admin`.
async fn read_message(pool: &Pool, id: &str) -> Result<Option<Notice>, String> {
    let mut client = pool.get().await.map_err(|e| e.to_string())?;
    let tx = client.transaction().await.map_err(|e| e.to_string())?;
    crate::db::set_role(&tx, "supabase_realtime_admin")
        .await
        .map_err(|e| e.to_string())?;
    let row = tx
        .query_opt(
            "select id::text, topic, extension, event, private, payload \
             from realtime.messages where id = $1::text::uuid",
            &[&id],
        )
        .await
        .map_err(|e| e.to_string())?;
    tx.rollback().await.map_err(|e| e.to_string())?;
    Ok(row.map(|r| Notice {
        id: r.get(0),
        topic: r.get(1),
        extension: r.get(2),
        event: r.get(3),
        private: r.get(4),
        payload: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
        truncated: false,
    }))
}

/// Deletes broadcasts older than the retention (Supabase keeps three days), at start and then
/// every `interval`.
pub async fn clean_old_messages(pool: Pool, retention: Duration, interval: Duration) {
    loop {
        match delete_older_than(&pool, retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("realtime: {n} old messages deleted"),
            Err(e) => tracing::warn!("realtime: old messages not deleted: {e}"),
        }
        tokio::time::sleep(interval).await;
    }
}

pub async fn delete_older_than(pool: &Pool, retention: Duration) -> Result<u64, String> {
    let mut client = pool.get().await.map_err(|e| e.to_string())?;
    let tx = client.transaction().await.map_err(|e| e.to_string())?;
    crate::db::set_role(&tx, "supabase_realtime_admin")
        .await
        .map_err(|e| e.to_string())?;
    let n = tx
        .execute(
            "delete from realtime.messages \
             where inserted_at < (now() at time zone 'UTC') - make_interval(secs => $1)",
            &[&retention.as_secs_f64()],
        )
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_both_notification_shapes() {
        let full: Notice = serde_json::from_value(json!({
            "id": "6f1c", "topic": "punctaj:sync", "extension": "broadcast", "event": "version",
            "private": true, "payload": {"version": 3}, "inserted_at": "2026-01-01T00:00:00"
        }))
        .unwrap();
        assert_eq!(full.payload, json!({"version": 3}));
        assert!(!full.truncated);
        let truncated: Notice = serde_json::from_value(
            json!({"id": "6f1c", "topic": "punctaj:sync", "truncated": true}),
        )
        .unwrap();
        assert!(truncated.truncated);
        assert_eq!(truncated.payload, Value::Null);
    }
}
