//! Live sync through Supabase Realtime, on real PostgreSQL (`sql/migrations/0006_realtime.sql`):
//!
//! * every version bump — each RPC of `0004_functions.sql`, the deferred bump at commit of a direct
//!   edit, a truncate — stores exactly one broadcast in `realtime.messages` (topic `punctaj:sync`,
//!   event `version`, private), whose payload is exactly `{version, data_hash, by, by_id, at,
//!   action, scopes}` of that bump and never row data; a rolled-back transaction stores and
//!   notifies nothing;
//! * the channel's row-level security, exercised the way Supabase Realtime checks a join (probe
//!   rows, then `role`, `request.jwt.claims` and `realtime.topic` set as the client): accounts
//!   with access read, pending accounts and anon do not; nobody inserts a broadcast; presence
//!   only with access;
//! * the migrations apply twice without changing anything, and apply and work on a database
//!   without Realtime (no `realtime` schema): bumps succeed, no warning, nothing sent.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use futures_util::{StreamExt, stream};
use punctaj_core::archive::archive_object_key;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;
use tokio::sync::mpsc;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, GenericClient, NoTls};

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const MEMBER: &str = "member@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const PENDING: &str = "pending@punctaj.test";

const TOPIC: &str = "punctaj:sync";
const PAYLOAD_KEYS: [&str; 7] = [
    "action",
    "at",
    "by",
    "by_id",
    "data_hash",
    "scopes",
    "version",
];
/// A name no payload may carry (markup, a quote, a Romanian letter).
const HOSTILE: &str = "<script>\"Ș";

// Helpers --------------------------------------------------------------------------------------

/// One row of `realtime.messages`.
#[derive(Debug)]
struct Message {
    topic: String,
    extension: String,
    event: Option<String>,
    private: Option<bool>,
    payload: Value,
}

/// Removes and returns every message stored so far, oldest version first.
async fn take_messages(db: &impl GenericClient) -> Vec<Message> {
    let mut messages: Vec<Message> = db
        .query(
            "delete from realtime.messages
             returning topic, extension, event, private, coalesce(payload, 'null'::jsonb)",
            &[],
        )
        .await
        .expect("take realtime.messages")
        .iter()
        .map(|row| Message {
            topic: row.get(0),
            extension: row.get(1),
            event: row.get(2),
            private: row.get(3),
            payload: row.get(4),
        })
        .collect();
    messages.sort_by_key(|m| m.payload["version"].as_i64());
    messages
}

async fn message_count(db: &impl GenericClient) -> i64 {
    db.query_one("select count(*) from realtime.messages", &[])
        .await
        .expect("count realtime.messages")
        .get(0)
}

/// The version row as the payload must describe it.
#[derive(Debug)]
struct VersionRow {
    version: i64,
    data_hash: String,
    by: String,
    by_id: Option<String>,
    at: String,
    at_instant: DateTime<Utc>,
}

async fn version_row(db: &impl GenericClient) -> VersionRow {
    let row = db
        .query_one(
            "select version, btrim(data_hash), last_modified_by, last_modified_by_id::text,
                    to_char(last_modified_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
                    last_modified_at
               from public.sync_metadata where sync_key = 'global_version'",
            &[],
        )
        .await
        .expect("version row");
    VersionRow {
        version: row.get(0),
        data_hash: row.get(1),
        by: row.get(2),
        by_id: row.get(3),
        at: row.get(4),
        at_instant: row.get(5),
    }
}

async fn institution_id(backend: &TestBackend, city: &str, institution: &str) -> i64 {
    backend
        .admin
        .query_one(
            "select i.id from public.institutions i join public.cities c on c.id = i.city_id
              where c.name = $1 and i.name = $2 and i.deleted_at is null",
            &[&city, &institution],
        )
        .await
        .expect("institution")
        .get(0)
}

async fn live_employee_ids(backend: &TestBackend, institution: i64) -> Vec<String> {
    backend
        .admin
        .query(
            "select id::text from public.employees
              where institution_id = $1 and deleted_at is null order by id",
            &[&institution],
        )
        .await
        .expect("employees")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn inst(id: i64) -> String {
    format!("institution:{id}")
}

/// Checks one stored broadcast against the version row and what is expected of it.
fn check_message(
    message: &Message,
    row: &VersionRow,
    action: &str,
    expected_scopes: &[String],
    by_id: Option<&str>,
    forbidden: &[String],
) {
    let context = format!("{action}: {message:?}");
    assert_eq!(message.topic, TOPIC, "{context}");
    assert_eq!(message.extension, "broadcast", "{context}");
    assert_eq!(message.event.as_deref(), Some("version"), "{context}");
    assert_eq!(message.private, Some(true), "{context}");
    let payload = message.payload.as_object().expect("payload is an object");
    // realtime.send adds the message's own `id` (as Supabase's does); ours are the other seven.
    let keys: BTreeSet<&str> = payload
        .keys()
        .map(String::as_str)
        .filter(|key| *key != "id")
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(PAYLOAD_KEYS),
        "payload keys of {context}"
    );

    assert_eq!(
        payload["version"],
        json!(row.version),
        "version of {context}"
    );
    assert_eq!(
        payload["data_hash"],
        json!(row.data_hash),
        "data_hash of {context}"
    );
    let hash = payload["data_hash"].as_str().unwrap_or_default();
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{context}"
    );
    assert_eq!(payload["by"], json!(row.by), "by of {context}");
    assert_eq!(payload["by_id"], json!(by_id), "by_id of {context}");
    assert_eq!(payload["by_id"], json!(row.by_id), "by_id of {context}");
    assert_eq!(payload["at"], json!(row.at), "at of {context}");
    let at = DateTime::parse_from_rfc3339(payload["at"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("at of {context} is not RFC 3339: {e}"));
    assert_eq!(at.with_timezone(&Utc), row.at_instant, "at of {context}");
    assert_eq!(payload["action"], json!(action), "action of {context}");
    assert_eq!(
        payload["scopes"],
        json!(expected_scopes),
        "scopes of {context}"
    );

    let text = message.payload.to_string();
    for word in forbidden {
        assert!(
            !text.contains(word.as_str()),
            "payload of {action} carries row data {word:?}: {text}"
        );
    }
    for word in ["<script>", "Ș", "\\\""] {
        assert!(
            !text.contains(word),
            "payload of {action} carries {word:?}: {text}"
        );
    }
}

/// Exactly one new broadcast, describing the current version row.
async fn expect_one(
    backend: &TestBackend,
    action: &str,
    expected_scopes: &[String],
    by_id: Option<&str>,
    forbidden: &[String],
) -> VersionRow {
    let messages = take_messages(&backend.admin).await;
    assert_eq!(
        messages.len(),
        1,
        "{action}: exactly one broadcast per bump, got {messages:#?}"
    );
    let row = version_row(&backend.admin).await;
    check_message(
        &messages[0],
        &row,
        action,
        expected_scopes,
        by_id,
        forbidden,
    );
    row
}

async fn expect_none(backend: &TestBackend, what: &str) {
    let messages = take_messages(&backend.admin).await;
    assert!(
        messages.is_empty(),
        "{what}: no broadcast expected, got {messages:#?}"
    );
}

/// An RPC that must succeed (200, or 204 for a void one); its answer.
async fn call(backend: &TestBackend, token: &str, function: &str, args: Value) -> Value {
    let (status, body) = backend.rpc(Some(token), function, args).await;
    assert!(status.is_success(), "{function}: {status} {body}");
    body
}

/// Uploads a small archive document under `key`.
async fn upload(backend: &TestBackend, token: &str, key: &str) {
    let document = json!({
        "archived_at": "2026-05-02 10:00:00", "institution": "Politie",
        "city": "BlackWater", "reset_by": "Demo Leader", "discord_id": null,
        "columns": ["RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"], "rows": [],
        "employee_count": 0
    });
    backend.upload_archive(token, key, &document).await;
}

/// A connection of our own that hands over its notices and notifications.
async fn connect_listening(url: &str) -> (Client, mpsc::UnboundedReceiver<AsyncMessage>) {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            let _ = sender.send(message);
        }
    });
    (client, receiver)
}

fn database_url(database: &str) -> String {
    let mut url = url::Url::parse(&support::superuser_url()).expect("superuser URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// The notifications received within `wait` (payloads).
async fn notifications(
    receiver: &mut mpsc::UnboundedReceiver<AsyncMessage>,
    wait: Duration,
) -> Vec<Value> {
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, receiver.recv()).await {
        if let AsyncMessage::Notification(n) = message {
            assert_eq!(n.channel(), "punctaj_realtime");
            found.push(serde_json::from_str(n.payload()).expect("notification is JSON"));
        }
    }
    found
}

/// The warnings among the messages received so far.
fn warnings(receiver: &mut mpsc::UnboundedReceiver<AsyncMessage>) -> Vec<String> {
    let mut found = Vec::new();
    while let Ok(message) = receiver.try_recv() {
        if let AsyncMessage::Notice(notice) = message
            && notice.severity() != "NOTICE"
            && notice.severity() != "INFO"
            && notice.severity() != "LOG"
            && notice.severity() != "DEBUG"
        {
            found.push(format!("{}: {}", notice.severity(), notice.message()));
        }
    }
    found
}

/// Runs one query returning jsonb as `user` (role and claims as PostgREST sets them), committed.
async fn as_user_sql(db: &mut Client, user: &str, sql: &str) -> Value {
    let tx = db.transaction().await.expect("begin");
    tx.batch_execute("set local role authenticated")
        .await
        .expect("role");
    let claims = json!({"sub": user, "role": "authenticated"}).to_string();
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .await
    .expect("claims");
    let answer: Value = tx.query_one(sql, &[]).await.expect(sql).get(0);
    tx.commit().await.expect("commit");
    answer
}

// Every RPC --------------------------------------------------------------------------------------

#[tokio::test]
async fn every_rpc_bump_broadcasts_once_with_its_scopes_and_no_row_data() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let leader = backend.token(LEADER).await;
    let member = backend.token(MEMBER).await;
    let viewer = backend.token(VIEWER).await;
    let owner_id = backend.user_id(OWNER).await;
    let leader_id = backend.user_id(LEADER).await;
    let member_id = backend.user_id(MEMBER).await;
    let viewer_id = backend.user_id(VIEWER).await;
    let own = Some(owner_id.as_str());
    take_messages(&backend.admin).await; // the demo seed's broadcast

    let city_name = format!("Orașul {HOSTILE}");
    let inst_name = format!("Poliția {HOSTILE}");
    let employee_name = format!("Ionuț {HOSTILE} Popescu");
    let mut forbidden = vec![
        city_name.clone(),
        inst_name.clone(),
        employee_name.clone(),
        "BlackWater".to_string(),
        "Politie".to_string(),
        "Medici".to_string(),
    ];
    // Every live member's name.
    for row in backend
        .admin
        .query(
            "select distinct fields ->> 'NUME IC' from public.employees where fields ? 'NUME IC'",
            &[],
        )
        .await
        .expect("names")
    {
        let name: String = row.get(0);
        if name.chars().count() >= 6 {
            forbidden.push(name);
        }
    }

    // Cities and institutions.
    let body = call(
        &backend,
        &owner,
        "create_city",
        json!({"p_name": city_name}),
    )
    .await;
    let city = body["city_id"].as_i64().expect("city_id");
    let row = expect_one(
        &backend,
        "create_city",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;
    assert_eq!(
        body["version"],
        json!(row.version),
        "the RPC answers the broadcast version"
    );

    let city_name = format!("{city_name} 2");
    forbidden.push(city_name.clone());
    call(
        &backend,
        &owner,
        "rename_city",
        json!({"p_city_id": city, "p_name": city_name,
               "p_expected_version": backend.row_version("cities", city).await}),
    )
    .await;
    expect_one(
        &backend,
        "rename_city",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;

    let body = call(
        &backend,
        &owner,
        "rename_city",
        json!({"p_city_id": city, "p_name": city_name,
               "p_expected_version": backend.row_version("cities", city).await}),
    )
    .await;
    assert_eq!(body["changed"], json!(false));
    expect_none(&backend, "rename_city to the same name (no bump)").await;

    let body = call(
        &backend,
        &owner,
        "create_institution",
        json!({"p_city_id": city, "p_name": inst_name, "p_ranks": ["Cadet", "Șef"],
               "p_columns": ["NUME IC"]}),
    )
    .await;
    let institution = body["institution_id"].as_i64().expect("institution_id");
    expect_one(
        &backend,
        "create_institution",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;

    let inst_name = format!("{inst_name} 2");
    forbidden.push(inst_name.clone());
    call(
        &backend,
        &owner,
        "rename_institution",
        json!({"p_institution_id": institution, "p_name": inst_name,
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    expect_one(
        &backend,
        "rename_institution",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;

    call(
        &backend,
        &owner,
        "set_institution_ranks",
        json!({"p_institution_id": institution, "p_ranks": ["Cadet", "Agent", "Șef"],
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    expect_one(
        &backend,
        "set_institution_ranks",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;

    call(
        &backend,
        &owner,
        "set_institution_columns",
        json!({"p_institution_id": institution, "p_columns": ["NUME IC", "DISCORD"],
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    expect_one(
        &backend,
        "set_institution_columns",
        &scopes(&["structure"]),
        own,
        &forbidden,
    )
    .await;

    // Employees and points.
    let body = call(
        &backend,
        &owner,
        "add_employee",
        json!({"p_institution_id": institution, "p_rank": 1,
               "p_fields": {"NUME IC": employee_name, "DISCORD": "ionut.hostil"}, "p_punctaj": 5}),
    )
    .await;
    let employee = body["employee_id"]
        .as_str()
        .expect("employee_id")
        .to_string();
    forbidden.push("ionut.hostil".into());
    forbidden.push(employee.clone());
    let mine = vec![inst(institution)];
    expect_one(&backend, "add_employee", &mine, own, &forbidden).await;

    call(
        &backend,
        &owner,
        "update_employee",
        json!({"p_employee_id": employee, "p_rank": 2, "p_fields": null, "p_punctaj": 7,
               "p_expected_version": backend.row_version("employees", &employee).await}),
    )
    .await;
    expect_one(&backend, "update_employee", &mine, own, &forbidden).await;

    // Renaming a column rewrites the members' fields: structure and the institution.
    call(
        &backend,
        &owner,
        "set_institution_columns",
        json!({"p_institution_id": institution, "p_columns": ["NUME", "DISCORD"],
               "p_renames": {"NUME IC": "NUME"},
               "p_expected_version": backend.row_version("institutions", institution).await}),
    )
    .await;
    let both = vec!["structure".to_string(), inst(institution)];
    expect_one(&backend, "set_institution_columns", &both, own, &forbidden).await;

    call(
        &backend,
        &owner,
        "change_points",
        json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": -3}),
    )
    .await;
    expect_one(&backend, "change_points", &mine, own, &forbidden).await;

    call(
        &backend,
        &owner,
        "delete_employees",
        json!({"p_employee_ids": [employee]}),
    )
    .await;
    expect_one(&backend, "delete_employees", &mine, own, &forbidden).await;
    call(
        &backend,
        &owner,
        "restore_employees",
        json!({"p_employee_ids": [employee]}),
    )
    .await;
    expect_one(&backend, "restore_employees", &mine, own, &forbidden).await;

    call(
        &backend,
        &owner,
        "delete_institution",
        json!({"p_institution_id": institution}),
    )
    .await;
    expect_one(&backend, "delete_institution", &both, own, &forbidden).await;
    call(
        &backend,
        &owner,
        "restore_institution",
        json!({"p_institution_id": institution}),
    )
    .await;
    expect_one(&backend, "restore_institution", &both, own, &forbidden).await;

    call(&backend, &owner, "delete_city", json!({"p_city_id": city})).await;
    expect_one(&backend, "delete_city", &both, own, &forbidden).await;
    call(&backend, &owner, "restore_city", json!({"p_city_id": city})).await;
    expect_one(&backend, "restore_city", &both, own, &forbidden).await;

    // Members of two institutions at once: both scopes, in id order.
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let medici = institution_id(&backend, "BlackWater", "Medici").await;
    let politie_members = live_employee_ids(&backend, politie).await;
    let medici_members = live_employee_ids(&backend, medici).await;
    let pair = json!([politie_members[0], medici_members[0]]);
    call(
        &backend,
        &owner,
        "delete_employees",
        json!({"p_employee_ids": pair}),
    )
    .await;
    let two = {
        let mut ids = [politie, medici];
        ids.sort();
        vec![inst(ids[0]), inst(ids[1])]
    };
    expect_one(&backend, "delete_employees", &two, own, &forbidden).await;
    call(
        &backend,
        &owner,
        "restore_employees",
        json!({"p_employee_ids": pair}),
    )
    .await;
    expect_one(&backend, "restore_employees", &two, own, &forbidden).await;

    // A member adds points; a leader resets (archive first).
    call(
        &backend,
        &member,
        "change_points",
        json!({"p_institution_id": politie, "p_employee_ids": &politie_members[..3], "p_delta": 4}),
    )
    .await;
    expect_one(
        &backend,
        "change_points",
        &[inst(politie)],
        Some(member_id.as_str()),
        &forbidden,
    )
    .await;

    let revision: i64 = backend
        .admin
        .query_one(
            "select revision from public.institutions where id = $1",
            &[&politie],
        )
        .await
        .expect("revision")
        .get(0);
    let at = Utc
        .with_ymd_and_hms(2026, 5, 2, 10, 0, 0)
        .single()
        .expect("stamp");
    let key = archive_object_key("BlackWater", "Politie", at);
    upload(&backend, &leader, &key).await;
    expect_none(&backend, "an archive upload (no bump)").await;
    call(
        &backend,
        &leader,
        "reset_punctaj",
        json!({"p_institution_id": politie, "p_archive_path": key, "p_expected_revision": revision}),
    )
    .await;
    forbidden.push(key.clone());
    expect_one(
        &backend,
        "reset_punctaj",
        &[inst(politie)],
        Some(leader_id.as_str()),
        &forbidden,
    )
    .await;

    // Force sync: no rows changed, no scope (check everything).
    call(
        &backend,
        &viewer,
        "force_sync",
        json!({"p_reason": format!("motiv {HOSTILE}")}),
    )
    .await;
    forbidden.push("motiv".into());
    expect_one(
        &backend,
        "force_sync",
        &[],
        Some(viewer_id.as_str()),
        &forbidden,
    )
    .await;

    // What does not bump sends nothing: refusals, bad input, grants, logs.
    let (status, _) = backend
        .rpc(
            Some(&viewer),
            "change_points",
            json!({"p_institution_id": politie, "p_employee_ids": &politie_members[..1], "p_delta": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = backend
        .rpc(
            Some(&member),
            "change_points",
            json!({"p_institution_id": politie, "p_employee_ids": &politie_members[..1], "p_delta": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = backend.rpc(Some(&viewer), "force_sync", json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _) = backend.rpc(None, "force_sync", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    call(
        &backend,
        &viewer,
        "log_sync",
        json!({"p_sync_type": "download", "p_status": "success", "p_items_synced": 3}),
    )
    .await;
    let pending_id = backend.user_id(PENDING).await;
    call(
        &backend,
        &owner,
        "grant_global_role",
        json!({"p_user_id": pending_id, "p_role": "viewer"}),
    )
    .await;
    expect_none(&backend, "refused, invalid and non-synced calls").await;

    backend.stop().await;
}

// Commit, rollback, the deferred bump ------------------------------------------------------------

#[tokio::test]
async fn a_rolled_back_bump_stores_and_notifies_nothing() {
    let mut backend = TestBackend::start().await;
    let leader = backend.token(LEADER).await;
    let leader_id = backend.user_id(LEADER).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let members = live_employee_ids(&backend, politie).await;
    take_messages(&backend.admin).await;

    let (listener, mut received) = connect_listening(&database_url(&backend.db_name)).await;
    listener
        .batch_execute("listen punctaj_realtime")
        .await
        .expect("listen");

    // Committed: one row, one notification carrying it.
    call(
        &backend,
        &leader,
        "change_points",
        json!({"p_institution_id": politie, "p_employee_ids": &members[..2], "p_delta": 2}),
    )
    .await;
    let row = expect_one(
        &backend,
        "change_points",
        &[inst(politie)],
        Some(leader_id.as_str()),
        &[],
    )
    .await;
    let notified = notifications(&mut received, Duration::from_secs(3)).await;
    assert_eq!(
        notified.len(),
        1,
        "one notification per committed bump: {notified:?}"
    );
    assert_eq!(notified[0]["topic"], json!(TOPIC));
    assert_eq!(notified[0]["event"], json!("version"));
    assert_eq!(notified[0]["private"], json!(true));
    assert_eq!(notified[0]["payload"]["version"], json!(row.version));

    // Rolled back after the bump: the message existed inside the transaction only.
    let claims = json!({"sub": leader_id, "role": "authenticated"}).to_string();
    let tx = backend.admin.transaction().await.expect("begin");
    tx.batch_execute("set local role authenticated")
        .await
        .expect("role");
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .await
    .expect("claims");
    tx.query_one(
        "select public.change_points($1, $2::text[]::uuid[], 5)",
        &[&politie, &members[..2].to_vec()],
    )
    .await
    .expect("change_points");
    assert_eq!(message_count(&tx).await, 1, "stored in the transaction");
    tx.rollback().await.expect("rollback");

    // Failed after the bump (an error later in the same transaction).
    let error = backend
        .admin
        .batch_execute(&format!(
            "begin;
             set local role authenticated;
             select set_config('request.jwt.claims', '{claims}', true);
             select public.change_points({politie}, array['{}']::uuid[], 5);
             select 1 / 0;
             commit;",
            members[0]
        ))
        .await
        .expect_err("division by zero");
    assert_eq!(error.code(), Some(&SqlState::DIVISION_BY_ZERO));
    backend
        .admin
        .batch_execute("rollback")
        .await
        .expect("rollback");

    expect_none(&backend, "rolled-back transactions").await;
    assert_eq!(version_row(&backend.admin).await.version, row.version);
    let notified = notifications(&mut received, Duration::from_millis(700)).await;
    assert!(
        notified.is_empty(),
        "no notification after a rollback: {notified:?}"
    );

    backend.stop().await;
}

#[tokio::test]
async fn direct_edits_broadcast_once_at_commit_with_their_own_scopes() {
    let mut backend = TestBackend::start().await;
    let owner_id = backend.user_id(OWNER).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let medici = institution_id(&backend, "BlackWater", "Medici").await;
    let members = live_employee_ids(&backend, politie).await;
    take_messages(&backend.admin).await;
    let forbidden = vec!["BlackWater".to_string(), "Politie".to_string()];

    // A superuser edit in the SQL editor: bumped at commit, by "system".
    backend
        .admin
        .execute(
            "update public.employees set punctaj = punctaj + 1 where institution_id = $1",
            &[&medici],
        )
        .await
        .expect("direct edit");
    expect_one(&backend, "direct_edit", &[inst(medici)], None, &forbidden).await;

    // Only what points move on an institution: its own scope; anything else: structure.
    backend
        .admin
        .execute(
            "update public.institutions set last_points_change_at = now() where id = $1",
            &[&politie],
        )
        .await
        .expect("direct edit");
    expect_one(&backend, "direct_edit", &[inst(politie)], None, &forbidden).await;
    backend
        .admin
        .execute(
            "update public.institutions set ranks = ranks || array['Extra'] where id = $1",
            &[&politie],
        )
        .await
        .expect("direct edit");
    expect_one(
        &backend,
        "direct_edit",
        &scopes(&["structure"]),
        None,
        &forbidden,
    )
    .await;

    // Statements that change no row note nothing.
    backend
        .admin
        .batch_execute(&format!(
            "begin;
             update public.cities set name = name || 'x' where false;
             delete from public.institutions where false;
             update public.employees set punctaj = punctaj + 1 where institution_id = {medici};
             commit;"
        ))
        .await
        .expect("direct edit");
    expect_one(&backend, "direct_edit", &[inst(medici)], None, &forbidden).await;
    backend
        .admin
        .batch_execute("update public.employees set punctaj = punctaj where false")
        .await
        .expect("empty edit");
    expect_none(&backend, "an edit of no row").await;

    // An RPC, then a direct edit in the same transaction: two bumps, each with its own scopes.
    let before = version_row(&backend.admin).await.version;
    let tx = backend.admin.transaction().await.expect("begin");
    let claims = json!({"sub": owner_id, "role": "authenticated"}).to_string();
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .await
    .expect("claims");
    tx.query_one(
        "select public.change_points($1, $2::text[]::uuid[], 1)",
        &[&politie, &members[..1].to_vec()],
    )
    .await
    .expect("change_points");
    let first = version_row(&tx).await;
    tx.execute(
        "update public.cities set name = name || ' Nou' where name = 'Valentine'",
        &[],
    )
    .await
    .expect("direct edit");
    tx.commit().await.expect("commit");
    let messages = take_messages(&backend.admin).await;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    check_message(
        &messages[0],
        &first,
        "change_points",
        &[inst(politie)],
        Some(owner_id.as_str()),
        &forbidden,
    );
    let second = version_row(&backend.admin).await;
    assert_eq!((first.version, second.version), (before + 1, before + 2));
    check_message(
        &messages[1],
        &second,
        "direct_edit",
        &scopes(&["structure"]),
        Some(owner_id.as_str()),
        &forbidden,
    );

    // The service key (role service_role, no user): allowed, bumped once.
    backend
        .admin
        .batch_execute(&format!(
            "begin;
             set local role service_role;
             update public.employees set punctaj = punctaj + 2 where institution_id = {politie};
             update public.employees set rank = 1 where institution_id = {medici};
             commit;"
        ))
        .await
        .expect("service_role edit");
    let mut both = vec![inst(politie), inst(medici)];
    both.sort_by_key(|s| s[12..].parse::<i64>().expect("id"));
    expect_one(&backend, "direct_edit", &both, None, &forbidden).await;

    // A truncate bumps at once, naming no scope (everything changed); nothing more at commit.
    backend
        .admin
        .batch_execute(
            "begin;
             update public.cities set name = name || ' Vechi' where name = 'Saint Denis';
             truncate public.employees;
             commit;",
        )
        .await
        .expect("truncate");
    expect_one(&backend, "truncate", &[], None, &forbidden).await;

    backend.stop().await;
}

// The channel's row-level security -------------------------------------------------------------

/// What Realtime learns at join for this client: (read broadcast, read presence, write
/// broadcast, write presence).
async fn join_check(
    db: &mut Client,
    role: &str,
    user: Option<&str>,
    topic: &str,
) -> (bool, bool, bool, bool) {
    let mut tx = db.transaction().await.expect("begin");
    // As Realtime does: probe rows inserted with its own (privileged) role first …
    let mut probes = Vec::new();
    for extension in ["broadcast", "presence"] {
        let id: String = tx
            .query_one(
                "insert into realtime.messages (topic, extension) values ($1, $2) returning id::text",
                &[&topic, &extension],
            )
            .await
            .expect("probe")
            .get(0);
        probes.push(id);
    }
    // … then the client's role, claims and the topic, and a select of the probes.
    let claims = match user {
        Some(sub) => json!({"sub": sub, "role": role}),
        None => json!({"role": role}),
    }
    .to_string();
    tx.batch_execute(&format!("set local role {role}"))
        .await
        .expect("role");
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true), set_config('realtime.topic', $2, true)",
        &[&claims, &topic],
    )
    .await
    .expect("config");
    let visible: BTreeSet<String> = tx
        .query(
            "select id::text from realtime.messages where id = any ($1::text[]::uuid[])",
            &[&probes],
        )
        .await
        .expect("read check")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let read_broadcast = visible.contains(&probes[0]);
    let read_presence = visible.contains(&probes[1]);

    let mut writes = Vec::new();
    for extension in ["broadcast", "presence"] {
        let savepoint = tx.savepoint("write_check").await.expect("savepoint");
        let result = savepoint
            .execute(
                "insert into realtime.messages (topic, extension) values ($1, $2)",
                &[&topic, &extension],
            )
            .await;
        let allowed = match result {
            Ok(n) => n == 1,
            Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => false,
            Err(e) => panic!("write check of {role}/{extension}: {e}"),
        };
        savepoint.rollback().await.expect("rollback to savepoint");
        writes.push(allowed);
    }
    tx.rollback().await.expect("rollback");
    (read_broadcast, read_presence, writes[0], writes[1])
}

#[tokio::test]
async fn channel_policies_let_only_granted_accounts_join_and_nobody_broadcast() {
    let mut backend = TestBackend::start().await;
    let mut accounts = Vec::new();
    for (email, granted) in [
        (OWNER, true),
        (ADMIN, true),
        (LEADER, true),
        (MEMBER, true),
        (VIEWER, true),
        (PENDING, false),
    ] {
        accounts.push((email, backend.user_id(email).await, granted));
    }
    let before = message_count(&backend.admin).await;

    for (email, id, granted) in &accounts {
        let answer = join_check(&mut backend.admin, "authenticated", Some(id), TOPIC).await;
        assert_eq!(
            answer,
            (*granted, *granted, false, *granted),
            "{email} on {TOPIC}: (read broadcast, read presence, send broadcast, track presence)"
        );
        let answer = join_check(
            &mut backend.admin,
            "authenticated",
            Some(id),
            "punctaj:other",
        )
        .await;
        assert_eq!(
            answer,
            (false, false, false, false),
            "{email} on another topic"
        );
    }
    // Anonymous (the anon key alone) and a token of no known account.
    let answer = join_check(&mut backend.admin, "anon", None, TOPIC).await;
    assert_eq!(answer, (false, false, false, false), "anon");
    let stranger = "00000000-0000-4000-8000-000000000001";
    let answer = join_check(&mut backend.admin, "authenticated", Some(stranger), TOPIC).await;
    assert_eq!(answer, (false, false, false, false), "unknown account");

    // Once granted, a pending account may join.
    let (_, pending_id, _) = &accounts[5];
    backend
        .admin
        .execute(
            "insert into public.global_roles (user_id, role) values ($1::text::uuid, 'viewer')",
            &[pending_id],
        )
        .await
        .expect("grant");
    let answer = join_check(&mut backend.admin, "authenticated", Some(pending_id), TOPIC).await;
    assert_eq!(answer, (true, true, false, true), "pending, once granted");

    // A client never sees the stored broadcasts of another topic either (as a member).
    let (_, member_id, _) = &accounts[3];
    let tx = backend.admin.transaction().await.expect("begin");
    tx.batch_execute(
        "insert into realtime.messages (topic, extension, event, payload, private)
         values ('punctaj:other', 'broadcast', 'x', '{}', true)",
    )
    .await
    .expect("other message");
    tx.batch_execute("set local role authenticated")
        .await
        .expect("role");
    let claims = json!({"sub": member_id, "role": "authenticated"}).to_string();
    tx.query_one(
        "select set_config('request.jwt.claims', $1, true), set_config('realtime.topic', $2, true)",
        &[&claims, &"punctaj:other"],
    )
    .await
    .expect("config");
    assert_eq!(message_count(&tx).await, 0);
    tx.rollback().await.expect("rollback");

    // Probes and attempts left nothing behind.
    assert_eq!(message_count(&backend.admin).await, before);
    backend.stop().await;
}

// Migrations: twice, and without Realtime ------------------------------------------------------

fn sql_file(relative: &str) -> String {
    let path = format!("{}/../../sql/{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn migrations() -> Vec<(String, String)> {
    let dir = format!("{}/../../sql/migrations", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("sql/migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "0006_realtime.sql"), "{names:?}");
    names
        .into_iter()
        .map(|name| {
            let text = sql_file(&format!("migrations/{name}"));
            (name, text)
        })
        .collect()
}

async fn apply_migrations(db: &Client) {
    for (name, text) in migrations() {
        db.batch_execute(&text)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// What the migrations define (triggers, policies, functions and their grants, table grants), and
/// the version row and message count, as one comparable text.
async fn fingerprint(db: &Client) -> String {
    let definitions: String = db
        .query_one(
            "select string_agg(x, E'\\n' order by x) from (
           select 'trigger ' || t.tgrelid::regclass::text || ' ' || pg_get_triggerdef(t.oid)
             from pg_trigger t where not t.tgisinternal
           union all
           select format('policy %s.%s %s %s %s %s %s', p.schemaname, p.tablename, p.policyname,
                         p.cmd, p.roles, p.qual, p.with_check)
             from pg_policies p
           union all
           select format('function %s %s %s', f.oid::regprocedure, md5(pg_get_functiondef(f.oid)),
                         f.proacl)
             from pg_proc f join pg_namespace n on n.oid = f.pronamespace
            where n.nspname in ('app', 'public', 'realtime', 'auth', 'storage') and f.prokind = 'f'
           union all
           select format('table %s %s %s', c.oid::regclass, c.relacl, c.relrowsecurity)
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname in ('app', 'public', 'realtime') and c.relkind in ('r', 'v', 'p')
           union all
           select format('version %s %s', m.version, m.data_hash) from public.sync_metadata m
         ) s(x)",
            &[],
        )
        .await
        .expect("fingerprint")
        .get(0);
    let has_messages: bool = db
        .query_one("select to_regclass('realtime.messages') is not null", &[])
        .await
        .expect("realtime.messages?")
        .get(0);
    if has_messages {
        let count = message_count(db).await;
        format!("{definitions}\nmessages {count}")
    } else {
        definitions
    }
}

/// A fresh database (dropped by `drop_database`).
async fn create_database(maintenance: &Client, prefix: &str) -> String {
    let suffix: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..12)
            .map(|_| format!("{:x}", rng.random_range(0..16u8)))
            .collect()
    };
    let name = format!("{prefix}_{suffix}");
    maintenance
        .batch_execute(&format!("create database \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
    name
}

async fn drop_database(maintenance: &Client, name: &str) {
    maintenance
        .batch_execute(&format!("drop database if exists \"{name}\" with (force)"))
        .await
        .unwrap_or_else(|e| panic!("drop database {name}: {e}"));
}

/// A leader's change of points, as PostgREST runs it.
async fn leader_changes_points(db: &mut Client) -> Value {
    let row = db
        .query_one(
            "select u.id::text, i.id, (select array_agg(e.id::text order by e.id) from public.employees e
                                          where e.institution_id = i.id and e.deleted_at is null)
               from auth.users u, public.institutions i join public.cities c on c.id = i.city_id
              where u.email = 'leader@punctaj.test' and c.name = 'BlackWater' and i.name = 'Politie'",
            &[],
        )
        .await
        .expect("leader and Politie");
    let (leader, politie, members): (String, i64, Vec<String>) =
        (row.get(0), row.get(1), row.get(2));
    as_user_sql(
        db,
        &leader,
        &format!(
            "select public.change_points({politie}, array['{}', '{}']::uuid[], 3)",
            members[0], members[1]
        ),
    )
    .await
}

#[tokio::test]
async fn migrations_apply_twice_on_one_fresh_database_and_change_nothing() {
    let maintenance = connect_listening(&database_url("postgres")).await.0;
    let name = create_database(&maintenance, "rt_twice").await;
    let (mut db, _messages) = connect_listening(&database_url(&name)).await;

    db.batch_execute(&sql_file("local/bootstrap.sql"))
        .await
        .expect("bootstrap");
    apply_migrations(&db).await;
    let first = fingerprint(&db).await;
    apply_migrations(&db).await;
    let second = fingerprint(&db).await;
    assert_eq!(first, second, "a second application changed the database");
    for trigger in [
        "punctaj_broadcast_version",
        "punctaj_scopes_insert",
        "punctaj_scopes_update",
        "punctaj_scopes_delete",
    ] {
        assert!(first.contains(trigger), "{trigger} missing");
    }
    assert!(first.contains("punctaj_sync_receive") && first.contains("punctaj_sync_presence"));

    // With data: the seed bumps once, applying everything again sends nothing, a change one.
    db.batch_execute(&sql_file("seed/demo.sql"))
        .await
        .expect("seed");
    let seeded = take_messages(&db).await;
    assert_eq!(seeded.len(), 1, "{seeded:#?}");
    assert_eq!(seeded[0].payload["action"], json!("seed"));
    let before = fingerprint(&db).await;
    apply_migrations(&db).await;
    assert_eq!(
        before,
        fingerprint(&db).await,
        "a third application changed the database"
    );
    let answer = leader_changes_points(&mut db).await;
    let messages = take_messages(&db).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let row = version_row(&db).await;
    assert_eq!(answer["version"], json!(row.version));
    let politie: i64 = db
        .query_one(
            "select (last_change ->> 'institution_id')::bigint from public.sync_metadata",
            &[],
        )
        .await
        .expect("institution")
        .get(0);
    assert_eq!(row.by, "Demo Leader");
    check_message(
        &messages[0],
        &row,
        "change_points",
        &[inst(politie)],
        row.by_id.as_deref(),
        &[],
    );

    drop(db);
    drop_database(&maintenance, &name).await;
}

#[tokio::test]
async fn without_realtime_the_migrations_apply_and_bumps_work_silently() {
    let maintenance = connect_listening(&database_url("postgres")).await.0;
    let name = create_database(&maintenance, "rt_plain").await;
    let (mut db, mut notices) = connect_listening(&database_url(&name)).await;

    db.batch_execute(&sql_file("local/bootstrap.sql"))
        .await
        .expect("bootstrap");
    db.batch_execute("drop schema realtime cascade")
        .await
        .expect("drop realtime");
    db.query_one("select 1", &[]).await.expect("ping");
    warnings(&mut notices); // the bootstrap's own are not the subject here
    apply_migrations(&db).await;
    let first = fingerprint(&db).await;
    apply_migrations(&db).await;
    assert_eq!(
        first,
        fingerprint(&db).await,
        "a second application changed the database"
    );
    assert!(
        first.contains("punctaj_broadcast_version"),
        "the broadcast trigger exists"
    );
    assert!(
        !first.contains("punctaj_sync_receive"),
        "no policy without realtime.messages"
    );
    db.batch_execute(&sql_file("seed/demo.sql"))
        .await
        .expect("seed");
    let before = version_row(&db).await.version;
    let early = warnings(&mut notices);
    assert!(
        early.is_empty(),
        "warnings while migrating without Realtime: {early:?}"
    );

    let answer = leader_changes_points(&mut db).await;
    assert_eq!(answer["version"], json!(before + 1));
    db.execute(
        "update public.cities set name = name || ' 2' where name = 'Valentine'",
        &[],
    )
    .await
    .expect("direct edit");
    assert_eq!(version_row(&db).await.version, before + 2);
    // Let the notices of the last statements arrive.
    db.query_one("select 1", &[]).await.expect("ping");
    let late = warnings(&mut notices);
    assert!(
        late.is_empty(),
        "warnings from a bump without Realtime: {late:?}"
    );
    let realtime: Option<String> = db
        .query_one("select to_regnamespace('realtime')::text", &[])
        .await
        .expect("schema")
        .get(0);
    assert_eq!(realtime, None, "nothing recreated the realtime schema");

    drop(db);
    drop_database(&maintenance, &name).await;
}
