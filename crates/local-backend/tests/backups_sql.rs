//! Daily server-side backups (`sql/migrations/0010_backups.sql`, issue [G] point 3), on real
//! PostgreSQL with pg_cron, through the HTTP API as the demo accounts:
//!
//! * the pg_cron job of a database is scheduled by `sql/local/schedule_backups.sql` with the
//!   schedule and command of `app.backup_job()`, and that command writes a snapshot;
//! * the owner backs up hostile data, changes it, restores it: the data comes back exactly (every
//!   column but `updated_at` and the forward-moving `institutions.revision`; canonical hash equal),
//!   in one transaction with one version bump, one audit entry, a broadcast naming everything, and
//!   a pre-restore backup that undoes the restore;
//! * archives: current rows are kept, missing ones come back only when their object is stored;
//! * retention deletes only backups older than the setting (never the newest);
//! * the scheduled backup is taken once, in the first hour after local midnight (Bucharest in
//!   winter and summer, Kolkata's +05:30);
//! * refusals change nothing: non-owners (42501), a missing backup (PT404), a backup larger than
//!   the maximum (PT413), invalid settings (22023), a second manual backup within 10 s (PT429).

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const PENDING: &str = "pending@punctaj.test";

/// Quotes, markup, Romanian letters, an emoji and a backslash.
const HOSTILE_CITY: &str = "Orașul \"<script>alert('x')</script>\" 🐎";
const HOSTILE_INSTITUTION: &str = "Poliție & Co \\ 'ȘȚ' <b>";
/// BlackWater/Politie of the seed.
const POLITIE: i64 = 1;

/// The listing columns (everything but `snapshot`).
const LIST_QUERY: &str = "/rest/v1/backups?select=id,taken_at,local_date,kind,taken_by,taken_by_name,version,data_hash,counts,size_bytes,restored_at,restored_by,restored_by_name&order=id.asc";

// Helpers --------------------------------------------------------------------------------------

async fn computed_hash(backend: &TestBackend) -> String {
    backend.scalar_text("app.compute_data_hash()").await
}

/// The synced tables as a client would compare them: every column but `updated_at` (and the
/// institutions' `revision`, which a restore moves forward).
async fn synced_data(backend: &TestBackend) -> Value {
    backend.json_of("jsonb_build_object(
           'cities', (select jsonb_agg(to_jsonb(c) - array['updated_at', 'row_version', 'sync_version'] order by c.id)
                        from public.cities c),
           'institutions', (select jsonb_agg(to_jsonb(i) - array['updated_at', 'revision', 'row_version', 'sync_version']
                                             order by i.id)
                              from public.institutions i),
           'employees', (select jsonb_agg(to_jsonb(e) - array['updated_at', 'row_version', 'sync_version'] order by e.id)
                           from public.employees e))",
    )
    .await
}

async fn archives(backend: &TestBackend) -> Value {
    backend
        .json_of(
            // sync_version (0013_scoped_sync) is the version of the last write, not data.
            "(select coalesce(jsonb_agg(to_jsonb(a) - 'sync_version' order by a.id), '[]') from public.archives a)",
        )
        .await
}

/// Everything a refused call must leave as it was.
async fn everything(backend: &TestBackend) -> Value {
    backend.json_of("jsonb_build_object(
           'version', (select to_jsonb(m) from public.sync_metadata m),
           'cities', (select jsonb_agg(to_jsonb(c) order by c.id) from public.cities c),
           'institutions', (select jsonb_agg(to_jsonb(i) order by i.id) from public.institutions i),
           'employees', (select jsonb_agg(to_jsonb(e) order by e.id) from public.employees e),
           'archives', (select coalesce(jsonb_agg(to_jsonb(a) order by a.id), '[]') from public.archives a),
           'backups', (select coalesce(jsonb_agg(to_jsonb(b) - 'snapshot' order by b.id), '[]') from public.backups b),
           'settings', (select to_jsonb(s) from public.backup_settings s),
           'audit', (select count(*) from public.audit_log),
           'messages', (select count(*) from realtime.messages))",
    )
    .await
}

async fn take_messages(backend: &TestBackend) -> Vec<Value> {
    backend
        .admin
        .query(
            "delete from realtime.messages returning coalesce(payload, 'null'::jsonb)",
            &[],
        )
        .await
        .expect("take realtime.messages")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A refusal: its status, SQLSTATE and a piece of its message.
fn expect_error(status: StatusCode, body: &Value, want: (StatusCode, &str, &str), what: &str) {
    let (want_status, want_code, want_message) = want;
    let message = body["message"].as_str().unwrap_or_default();
    assert_eq!(status, want_status, "{what}: {body}");
    assert_eq!(body["code"], json!(want_code), "{what}: {body}");
    assert!(
        message.contains(want_message),
        "{what}: the message should contain {want_message:?}, got {body}"
    );
}

async fn rpc_ok(backend: &TestBackend, token: &str, function: &str, args: Value) -> Value {
    let (status, body) = backend.rpc(Some(token), function, args.clone()).await;
    assert_eq!(status, StatusCode::OK, "{function}({args}): {body}");
    body
}

/// A backup taken directly (as pg_cron or a restore would), bypassing the 10 s limit of
/// `backup_now`.
async fn take_backup(backend: &TestBackend, kind: &str) -> i64 {
    backend
        .scalar_i64(&format!("app.take_backup('{kind}', null)"))
        .await
}

async fn scheduled(backend: &TestBackend, at: &str) -> Value {
    backend
        .json_of(&format!("app.scheduled_backup(timestamptz '{at}')"))
        .await
}

/// A city with a hostile name, an institution with hostile ranks/columns and two members with
/// hostile fields, created as the owner through the RPCs; returns (city, institution).
async fn hostile_data(backend: &TestBackend, owner: &str) -> (i64, i64) {
    let city = rpc_ok(
        backend,
        owner,
        "create_city",
        json!({"p_name": HOSTILE_CITY}),
    )
    .await;
    let city = city["city_id"].as_i64().expect("city_id");
    let institution = rpc_ok(
        backend,
        owner,
        "create_institution",
        json!({"p_city_id": city, "p_name": HOSTILE_INSTITUTION,
               "p_ranks": ["Cadet \"1\"", "Șef <i>🚓</i>"],
               "p_columns": ["DISCORD", "NUME IC", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"]}),
    )
    .await;
    let institution = institution["institution_id"]
        .as_i64()
        .expect("institution_id");
    for (rank, discord, name, points) in [
        (1, "jay#0001", "Jay \"<script>\" Ștefan", 7),
        (2, "\\back\\slash", "Ana 🌙 'Măria'", 40),
    ] {
        rpc_ok(
            backend,
            owner,
            "add_employee",
            json!({"p_institution_id": institution, "p_rank": rank,
                   "p_fields": {"DISCORD": discord, "NUME IC": name}, "p_punctaj": points}),
        )
        .await;
    }
    (city, institution)
}

async fn employee_ids(backend: &TestBackend, institution: i64) -> Vec<String> {
    backend
        .admin
        .query(
            "select id::text from public.employees where institution_id = $1 and deleted_at is null order by id",
            &[&institution],
        )
        .await
        .expect("employees")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

// pg_cron --------------------------------------------------------------------------------------

fn repo_file(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

fn postgres_url() -> String {
    let mut url = url::Url::parse(&support::superuser_url()).expect("PUNCTAJ_TEST_PG URL");
    url.set_path("/postgres");
    url.to_string()
}

/// Runs `sql/local/schedule_backups.sql` with psql in the database `postgres`, as
/// `scripts/local-backend.sh` does.
fn schedule_file(db: &str, unschedule: bool) -> std::process::Output {
    let mut command = std::process::Command::new("psql");
    command
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .env("PGCONNECT_TIMEOUT", "5")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v"])
        .arg(format!("db={db}"));
    if unschedule {
        command.args(["-v", "unschedule=1"]);
    }
    command
        .arg("-f")
        .arg(repo_file("sql/local/schedule_backups.sql"))
        .arg(postgres_url());
    command.output().expect("run psql")
}

/// Unschedules the test database's job when the test ends, even when it fails.
struct CronJobGuard(String);

impl Drop for CronJobGuard {
    fn drop(&mut self) {
        let _ = schedule_file(&self.0, true);
    }
}

async fn connect_postgres() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&postgres_url(), tokio_postgres::NoTls)
        .await
        .expect("connect to the database postgres");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// (schedule, command, database, active) of the job named `name`.
async fn cron_job(
    cron: &tokio_postgres::Client,
    name: &str,
) -> Option<(String, String, String, bool)> {
    cron.query_opt(
        "select schedule, command, database, active from cron.job where jobname = $1",
        &[&name],
    )
    .await
    .expect("read cron.job")
    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
}

#[tokio::test]
async fn the_cron_job_of_a_database_runs_the_command_of_app_backup_job_which_writes_a_snapshot() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let db = backend.db_name.clone();
    let job_name = format!("punctaj-daily-backup:{db}");
    let cron = connect_postgres().await;
    assert!(
        cron_job(&cron, &job_name).await.is_none(),
        "a fresh clone has no job"
    );

    let guard = CronJobGuard(db.clone());
    for _ in 0..2 {
        // Idempotent: the second run updates the same job.
        let out = schedule_file(&db, false);
        assert!(
            out.status.success(),
            "schedule: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let jobs = scalar_i64_on(
        &cron,
        &format!("select count(*) from cron.job where jobname = '{job_name}'"),
    )
    .await;
    assert_eq!(jobs, 1, "one job per database");
    let (schedule, command, database, active) = cron_job(&cron, &job_name)
        .await
        .expect("the job is scheduled");
    let row = backend
        .admin
        .query_one(
            "select job_name, schedule, command from app.backup_job()",
            &[],
        )
        .await
        .expect("app.backup_job()");
    let (want_name, want_schedule, want_command): (String, String, String) =
        (row.get(0), row.get(1), row.get(2));
    assert_eq!(job_name, format!("{want_name}:{db}"));
    assert_eq!(schedule, want_schedule);
    assert_eq!(schedule, "*/15 * * * *");
    assert_eq!(command, want_command);
    assert_eq!(database, db, "the job runs in the app's database");
    assert!(active);
    // pg_cron reads the schedule in UTC; the function decides the local midnight.
    let tz: String = cron
        .query_one("select current_setting('cron.timezone')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tz, "UTC");

    // A template is never scheduled (a connection would stop it from being cloned).
    let template =
        std::env::var("PUNCTAJ_TEST_TEMPLATE").unwrap_or_else(|_| support::TEMPLATE.into());
    let out = schedule_file(&template, false);
    assert!(!out.status.success(), "a template must be refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a template"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        cron_job(&cron, &format!("punctaj-daily-backup:{template}"))
            .await
            .is_none()
    );

    // The job's command, run now in the app's database, takes the day's backup in a zone where it
    // is between 00:00 and 00:59 right now (there is always one), once.
    let zone = backend
        .scalar_text(
            "(select name from pg_timezone_names
           where extract(hour from now() at time zone name) = 0 and name like '%/%'
             and name !~ '^(posix|right)/'
           order by name limit 1)",
        )
        .await;
    rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_time_zone": zone}),
    )
    .await;
    let run: Value = backend
        .admin
        .query_one(&format!("select to_jsonb(({command}))"), &[])
        .await
        .expect("the job's command")
        .get(0);
    let taken = run["taken"]
        .as_i64()
        .unwrap_or_else(|| panic!("a scheduled backup in {zone}: {run}"));
    let row = backend
        .json_of(&format!(
            "(select to_jsonb(b) from public.backups b where b.id = {taken})"
        ))
        .await;
    assert_eq!(row["kind"], json!("scheduled"), "{row}");
    assert_eq!(row["snapshot"]["format"], json!("punctaj-backup"));
    assert_eq!(
        row["snapshot"]["data_hash"],
        json!(backend.cloud_version().await.1)
    );
    assert_eq!(row["taken_by_name"], json!("system"));
    assert!(
        row["size_bytes"].as_i64().unwrap() > 1000,
        "{}",
        row["size_bytes"]
    );
    let again: Value = backend
        .admin
        .query_one(&format!("select to_jsonb(({command}))"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(again["taken"], Value::Null, "once per local date: {again}");

    drop(guard);
    assert!(
        cron_job(&cron, &job_name).await.is_none(),
        "unscheduled at the end"
    );
    // Unscheduling a database without a job is fine (drop_db does it for every database).
    let out = schedule_file(&db, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    backend.stop().await;
}

async fn scalar_i64_on(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client
        .query_one(&format!("select ({sql})::bigint"), &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

// Backup and restore ---------------------------------------------------------------------------

#[tokio::test]
async fn owner_restores_hostile_data_exactly_in_one_bump_and_the_pre_restore_backup_undoes_it() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let owner_id = backend.user_id(OWNER).await;
    let (city, institution) = hostile_data(&backend, &owner).await;
    // A soft-deleted member is part of the snapshot too.
    let members = employee_ids(&backend, institution).await;
    rpc_ok(
        &backend,
        &owner,
        "delete_employees",
        json!({"p_employee_ids": [members[0]]}),
    )
    .await;

    let data_before = synced_data(&backend).await;
    let archives_before = archives(&backend).await;
    let (version_at_backup, hash_at_backup) = backend.cloud_version().await;
    assert_eq!(hash_at_backup, computed_hash(&backend).await);
    let audit_before = backend
        .scalar_i64("select count(*) from public.audit_log")
        .await;

    let body = rpc_ok(&backend, &owner, "backup_now", json!({})).await;
    let backup_id = body["backup_id"].as_i64().expect("backup_id");
    let employees = backend
        .scalar_i64("select count(*) from public.employees")
        .await;
    assert_eq!(body["counts"]["employees"], json!(employees), "{body}");
    assert_eq!(body["counts"]["deleted"]["employees"], json!(1), "{body}");
    assert_eq!(
        body["counts"]["cities"],
        json!(
            backend
                .scalar_i64("select count(*) from public.cities")
                .await
        )
    );
    assert_eq!(
        body["counts"]["archives"],
        json!(2),
        "the seed's two archive rows: {body}"
    );
    assert_eq!(
        backend.cloud_version().await.0,
        version_at_backup,
        "a backup is not a change"
    );
    assert_eq!(
        backend.scalar_i64(&format!("select count(*) from public.audit_log where action = 'backup_now' and entity_id = '{backup_id}'")
        )
        .await,
        1
    );
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.audit_log")
            .await,
        audit_before + 1
    );

    // The owner lists it (not the snapshot column) and downloads it.
    let (status, _, list) = backend.get(Some(&owner), LIST_QUERY).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["id"], json!(backup_id));
    assert_eq!(list[0]["kind"], json!("manual"));
    assert_eq!(list[0]["taken_by"], json!(owner_id));
    assert_eq!(list[0]["version"], json!(version_at_backup));
    assert_eq!(list[0]["data_hash"], json!(hash_at_backup));
    assert_eq!(list[0]["size_bytes"], body["size_bytes"]);
    let (status, document) = backend
        .rpc(
            Some(&owner),
            "backup_document",
            json!({"p_backup_id": backup_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{document}");
    assert_eq!(document["format"], json!("punctaj-backup"));
    assert_eq!(document["format_version"], json!(1));
    assert_eq!(document["data_hash"], json!(hash_at_backup));
    assert_eq!(document["version"], json!(version_at_backup));
    let hostile = document["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(city))
        .expect("the hostile city in the document");
    assert_eq!(
        hostile["name"],
        json!(HOSTILE_CITY),
        "non-ASCII and markup kept verbatim"
    );
    assert_eq!(
        document["employees"].as_array().map(Vec::len),
        Some(employees as usize)
    );
    let ids: Vec<&str> = document["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "rows ordered by id");
    // size_bytes is the size of the stored document's text.
    let size = body["size_bytes"].as_i64().unwrap();
    let text_size = backend
        .scalar_i64(&format!(
            "select octet_length(snapshot::text) from public.backups where id = {backup_id}"
        ))
        .await;
    assert_eq!(size, text_size);
    assert!(size > 1000, "{size}");

    // Everything changes after the backup: renames, points, deletions, a new city, a member added
    // and a soft-deleted institution.
    rpc_ok(
        &backend,
        &owner,
        "rename_city",
        json!({"p_city_id": city, "p_name": "Redenumit",
               "p_expected_version": backend.row_version("cities", city).await}),
    )
    .await;
    rpc_ok(
        &backend,
        &owner,
        "change_points",
        json!({"p_institution_id": POLITIE, "p_employee_ids": employee_ids(&backend, POLITIE).await, "p_delta": 5}),
    )
    .await;
    let politie_first = employee_ids(&backend, POLITIE).await[0].clone();
    rpc_ok(
        &backend,
        &owner,
        "delete_employees",
        json!({"p_employee_ids": [politie_first]}),
    )
    .await;
    let new_city = rpc_ok(
        &backend,
        &owner,
        "create_city",
        json!({"p_name": "Armadillo"}),
    )
    .await;
    let new_city = new_city["city_id"].as_i64().unwrap();
    rpc_ok(
        &backend,
        &owner,
        "add_employee",
        json!({"p_institution_id": institution, "p_rank": 1, "p_fields": {"DISCORD": "nou"}}),
    )
    .await;
    rpc_ok(
        &backend,
        &owner,
        "delete_institution",
        json!({"p_institution_id": 4}),
    )
    .await;
    // BlackWater and the hostile city swap names: the restore must swap them back.
    rpc_ok(
        &backend,
        &owner,
        "rename_city",
        json!({"p_city_id": 1, "p_name": HOSTILE_CITY,
               "p_expected_version": backend.row_version("cities", 1).await}),
    )
    .await;
    rpc_ok(
        &backend,
        &owner,
        "rename_city",
        json!({"p_city_id": city, "p_name": "BlackWater",
               "p_expected_version": backend.row_version("cities", city).await}),
    )
    .await;
    let data_changed = synced_data(&backend).await;
    assert_ne!(data_changed, data_before);
    let (version_changed, hash_changed) = backend.cloud_version().await;
    let revisions_changed = backend
        .json_of("(select jsonb_object_agg(id::text, revision) from public.institutions)")
        .await;
    take_messages(&backend).await;
    let audit_changed = backend
        .scalar_i64("select count(*) from public.audit_log")
        .await;
    // A sequence left behind (as in a copied database): the restore must move it past its ids.
    backend
        .admin
        .batch_execute("select setval(pg_get_serial_sequence('public.cities', 'id'), 1)")
        .await
        .unwrap();

    let body = rpc_ok(
        &backend,
        &owner,
        "restore_backup",
        json!({"p_backup_id": backup_id}),
    )
    .await;
    let (version_after, hash_after) = backend.cloud_version().await;
    assert_eq!(
        version_after,
        version_changed + 1,
        "exactly one version bump: {body}"
    );
    assert_eq!(body["version"], json!(version_after));
    assert_eq!(body["data_hash"], json!(hash_after));
    assert_eq!(
        hash_after,
        computed_hash(&backend).await,
        "the stored hash is the data's"
    );
    assert_eq!(
        hash_after, hash_at_backup,
        "canonical hash of the backup's data"
    );
    assert_eq!(
        synced_data(&backend).await,
        data_before,
        "every row as it was"
    );
    assert_eq!(archives(&backend).await, archives_before);
    assert_eq!(
        backend
            .scalar_i64(&format!(
                "select count(*) from public.cities where id = {new_city}"
            ))
            .await,
        0,
        "a city created after the backup is gone (the pre-restore backup keeps it)"
    );
    // Revisions only move forward (a reset prepared before the restore must not match).
    let revisions_after = backend
        .json_of("(select jsonb_object_agg(id::text, revision) from public.institutions)")
        .await;
    for (id, before) in revisions_changed.as_object().unwrap() {
        if let Some(after) = revisions_after.get(id) {
            assert!(
                after.as_i64() >= before.as_i64(),
                "institution {id}: revision {before} → {after}"
            );
        }
    }
    assert!(
        revisions_after[institution.to_string()].as_i64()
            > revisions_changed[institution.to_string()].as_i64(),
        "a restored institution's revision moves: {revisions_after}"
    );
    // The sequences are past the restored ids: a new city gets a fresh id.
    let next = rpc_ok(
        &backend,
        &owner,
        "create_city",
        json!({"p_name": "După restaurare"}),
    )
    .await;
    let max_restored = data_before["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(next["city_id"].as_i64().unwrap() > max_restored, "{next}");
    let (version_next, _) = backend.cloud_version().await;

    // One broadcast, action restore_backup, naming the structure and every institution.
    let messages = take_messages(&backend).await;
    let restore_messages: Vec<&Value> = messages
        .iter()
        .filter(|m| m["action"] == json!("restore_backup"))
        .collect();
    assert_eq!(restore_messages.len(), 1, "{messages:?}");
    let scopes = restore_messages[0]["scopes"].as_array().unwrap();
    assert_eq!(scopes[0], json!("structure"), "{scopes:?}");
    for id in backend
        .scalar_text("(select string_agg(id::text, ',' order by id) from public.institutions)")
        .await
        .split(',')
    {
        assert!(
            scopes.contains(&json!(format!("institution:{id}"))),
            "{id} in {scopes:?}"
        );
    }
    assert_eq!(restore_messages[0]["version"], json!(version_after));

    // One audit entry with the backup, its date and counts.
    let entry = backend
        .json_of("(select to_jsonb(a) from public.audit_log a where a.action = 'restore_backup')")
        .await;
    assert_eq!(entry["actor_id"], json!(owner_id));
    assert_eq!(entry["entity_id"], json!(backup_id.to_string()));
    assert_eq!(entry["new_value"]["backup_id"], json!(backup_id));
    assert_eq!(
        entry["new_value"]["backup_counts"]["employees"],
        json!(employees)
    );
    assert!(entry["new_value"]["local_date"].is_string(), "{entry}");
    assert!(
        entry["details"]
            .as_str()
            .unwrap()
            .contains(&format!("restored backup {backup_id}"))
    );
    // restore + pre-restore are one audit entry (the pre-restore backup is part of the restore),
    // then create_city's.
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.audit_log")
            .await,
        audit_changed + 2
    );

    // The backup row says who restored it; a pre_restore backup holds the data before.
    let (status, _, list) = backend.get(Some(&owner), LIST_QUERY).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["restored_by"], json!(owner_id), "{list}");
    assert!(list[0]["restored_at"].is_string());
    let pre = body["pre_restore_backup_id"]
        .as_i64()
        .expect("pre_restore_backup_id");
    assert_eq!(list[1]["id"], json!(pre));
    assert_eq!(list[1]["kind"], json!("pre_restore"));
    assert_eq!(list[1]["data_hash"], json!(hash_changed));
    assert_eq!(list[1]["version"], json!(version_changed));

    // Undo: restoring the pre-restore backup brings the changed data back (without the city
    // created after the restore, which it did not hold).
    let undo = rpc_ok(
        &backend,
        &owner,
        "restore_backup",
        json!({"p_backup_id": pre}),
    )
    .await;
    assert_eq!(backend.cloud_version().await.0, version_next + 1, "{undo}");
    assert_eq!(backend.cloud_version().await.1, hash_changed);
    assert_eq!(computed_hash(&backend).await, hash_changed);
    assert_eq!(synced_data(&backend).await, data_changed);
    backend.stop().await;
}

#[tokio::test]
async fn archives_are_kept_and_missing_ones_come_back_only_while_their_object_is_stored() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let backup = take_backup(&backend, "manual").await;
    let before = archives(&backend).await;
    assert_eq!(before.as_array().unwrap().len(), 2, "{before}");
    let politie_path = "BlackWater/Politie_2026-02-18_18-13-47.json";
    let medici_path = "Saint_Denis/Medici_2026-03-01_20-00-00.json";

    // After the backup: both rows vanish (as by the SQL editor), one object too, and a new
    // archive row appears (its object uploaded, as a reset does).
    backend
        .admin
        .batch_execute(&format!(
            "delete from public.archives;
             delete from storage.objects where bucket_id = 'arhiva' and name = '{medici_path}';"
        ))
        .await
        .unwrap();
    let new_path = "BlackWater/Politie_2026-12-01_10-00-00.json";
    backend
        .upload_archive(&owner, new_path, &json!({"rows": [], "employee_count": 0}))
        .await;
    backend
        .admin
        .batch_execute(&format!(
            "insert into public.archives (object_path, city_id, institution_id, city_name, institution_name, archived_at)
             values ('{new_path}', 1, 1, 'BlackWater', 'Politie', '2026-12-01 10:00:00+00')"
        ))
        .await
        .unwrap();

    let body = rpc_ok(
        &backend,
        &owner,
        "restore_backup",
        json!({"p_backup_id": backup}),
    )
    .await;
    assert_eq!(
        body["counts"]["archives"],
        json!({"restored": 1, "object_missing": 1}),
        "{body}"
    );
    let after = archives(&backend).await;
    let paths: Vec<&str> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["object_path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![politie_path, new_path], "{after}");
    let restored = after
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object_path"] == json!(politie_path))
        .unwrap();
    let original = before
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object_path"] == json!(politie_path))
        .unwrap();
    assert_eq!(restored, original, "the same row, id included");
    // A later archive row gets an id past the restored ones.
    let max_id = backend
        .scalar_i64("select max(id) from public.archives")
        .await;
    let next: i64 = backend
        .admin
        .query_one(
            "insert into public.archives (object_path, city_name, institution_name, archived_at)
             values ('x/y_2026-12-02_00-00-00.json', 'x', 'y', now()) returning id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(next > max_id);
    backend.stop().await;
}

// Refusals ------------------------------------------------------------------------------------

#[tokio::test]
async fn only_the_owner_backs_up_lists_downloads_restores_or_changes_the_settings() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let backup = take_backup(&backend, "manual").await;
    let before = everything(&backend).await;

    let mut callers: Vec<(String, Option<String>, StatusCode, &str)> = Vec::new();
    for (email, want) in [
        (ADMIN, "requires the owner role"),
        (LEADER, "requires the owner role"),
        (VIEWER, "requires the owner role"),
        (PENDING, "has no access yet"),
    ] {
        callers.push((
            email.into(),
            Some(backend.token(email).await),
            StatusCode::FORBIDDEN,
            want,
        ));
    }
    callers.push((
        "anon".into(),
        None,
        StatusCode::UNAUTHORIZED,
        "requires a signed-in account",
    ));

    for (who, token, status, want) in &callers {
        for (function, args) in [
            ("backup_now", json!({})),
            ("backup_document", json!({"p_backup_id": backup})),
            ("restore_backup", json!({"p_backup_id": backup})),
            ("set_backup_settings", json!({"p_retention_days": 1})),
        ] {
            let (got, body) = backend.rpc(token.as_deref(), function, args).await;
            if who == "anon" {
                // anon may not even execute the functions (PostgREST: 401).
                assert_eq!(got, StatusCode::UNAUTHORIZED, "{who} {function}: {body}");
                continue;
            }
            expect_error(
                got,
                &body,
                (*status, "42501", want),
                &format!("{who} {function}"),
            );
            assert!(
                body["message"].as_str().unwrap().contains(function),
                "the message names what was refused: {body}"
            );
        }
        // Listing: nothing for anyone but the owner.
        let (got, _, list) = backend.get(token.as_deref(), LIST_QUERY).await;
        if who == "anon" {
            assert!(
                got == StatusCode::UNAUTHORIZED || list == json!([]),
                "{who}: {got} {list}"
            );
        } else {
            assert_eq!(got, StatusCode::OK, "{who}: {list}");
            assert_eq!(list, json!([]), "{who} lists no backup");
            let (got, _, settings) = backend
                .get(token.as_deref(), "/rest/v1/backup_settings?select=*")
                .await;
            assert_eq!(
                (got, settings.clone()),
                (StatusCode::OK, json!([])),
                "{who}: {settings}"
            );
        }
    }
    assert_eq!(everything(&backend).await, before, "nothing changed");

    // The owner reads the list and the settings, never the snapshot column through REST.
    let (status, _, list) = backend.get(Some(&owner), LIST_QUERY).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (status, _, body) = backend
        .get(Some(&owner), "/rest/v1/backups?select=id,snapshot")
        .await;
    assert_ne!(
        status,
        StatusCode::OK,
        "the snapshot column is not readable: {body}"
    );
    let (status, _, body) = backend.get(Some(&owner), "/rest/v1/backups?select=*").await;
    assert_ne!(status, StatusCode::OK, "select=* is refused: {body}");
    let (status, _, settings) = backend
        .get(
            Some(&owner),
            "/rest/v1/backup_settings?select=time_zone,retention_days,max_bytes",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings,
        json!([{"time_zone": "Europe/Bucharest", "retention_days": 30, "max_bytes": 52428800}])
    );
    // No client writes the tables directly.
    let response = backend
        .request(Method::DELETE, "/rest/v1/backups?id=gt.0", Some(&owner))
        .send()
        .await
        .unwrap();
    assert!(!response.status().is_success(), "{}", response.status());
    assert_eq!(everything(&backend).await, before, "nothing changed");
    backend.stop().await;
}

#[tokio::test]
async fn restoring_a_backup_that_does_not_exist_is_404_and_changes_nothing() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    take_backup(&backend, "manual").await;
    // A snapshot that is not a punctaj-backup document (edited by hand) is refused.
    let broken = take_backup(&backend, "pre_restore").await;
    backend
        .admin
        .batch_execute(&format!(
            "update public.backups set snapshot = snapshot || '{{\"format_version\": 2}}' where id = {broken}"
        ))
        .await
        .unwrap();
    let before = everything(&backend).await;
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "restore_backup",
            json!({"p_backup_id": broken}),
        )
        .await;
    expect_error(
        status,
        &body,
        (
            StatusCode::BAD_REQUEST,
            "22023",
            "is not a punctaj-backup format 1 snapshot",
        ),
        "a broken snapshot",
    );
    for function in ["restore_backup", "backup_document"] {
        let (status, body) = backend
            .rpc(Some(&owner), function, json!({"p_backup_id": 123456}))
            .await;
        expect_error(
            status,
            &body,
            (StatusCode::NOT_FOUND, "PT404", "backup 123456 not found"),
            function,
        );
    }
    assert_eq!(everything(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn a_backup_larger_than_the_maximum_is_refused_and_writes_nothing() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    // (not `manual`: that would make backup_now wait 10 s)
    let backup = take_backup(&backend, "pre_restore").await;
    let body = rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_max_bytes": 1024}),
    )
    .await;
    assert_eq!(body["max_bytes"], json!(1024));
    assert_eq!(body["changed"], json!(true));
    let before = everything(&backend).await;
    let size = backend
        .scalar_i64(&format!(
            "select size_bytes from public.backups where id = {backup}"
        ))
        .await;

    let (status, body) = backend.rpc(Some(&owner), "backup_now", json!({})).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "PT413",
            "more than the configured maximum of 1 KB (1024 bytes)",
        ),
        "backup_now",
    );
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("the backup would be "), "{message}");
    assert!(message.contains(" KB ("), "a size people read: {message}");
    let detail: Value = serde_json::from_str(body["details"].as_str().unwrap()).unwrap();
    assert_eq!(detail["max_bytes"], json!(1024));
    assert!(detail["size_bytes"].as_i64().unwrap() > 1024);
    assert!(
        (detail["size_bytes"].as_i64().unwrap() - size).abs() < 200,
        "{detail} vs {size}"
    );

    // A restore needs its pre-restore backup first: refused the same way, nothing restored.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "restore_backup",
            json!({"p_backup_id": backup}),
        )
        .await;
    expect_error(
        status,
        &body,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "PT413",
            "more than the configured maximum",
        ),
        "restore_backup",
    );
    // The scheduled job fails visibly (pg_cron records the error) and deletes nothing.
    let failed = backend
        .admin
        .query_one(
            "select app.scheduled_backup(timestamptz '2026-01-14 22:05:00+00')",
            &[],
        )
        .await
        .expect_err("too large");
    let failed = failed.as_db_error().expect("a database error");
    assert_eq!(failed.code().code(), "PT413");
    assert!(
        failed
            .message()
            .contains("more than the configured maximum"),
        "{failed}"
    );
    assert_eq!(everything(&backend).await, before, "nothing written");
    backend.stop().await;
}

#[tokio::test]
async fn invalid_settings_are_refused_naming_the_argument_and_valid_ones_are_audited() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let before = everything(&backend).await;
    for (args, want) in [
        (
            json!({"p_time_zone": "Europe/Bucuresti"}),
            "p_time_zone must be a time zone name",
        ),
        (
            json!({"p_time_zone": "<script>"}),
            "p_time_zone must be a time zone name",
        ),
        (
            json!({"p_retention_days": 0}),
            "p_retention_days must be between 1 and 3650",
        ),
        (
            json!({"p_retention_days": 3651}),
            "p_retention_days must be between 1 and 3650",
        ),
        (
            json!({"p_max_bytes": 1023}),
            "p_max_bytes must be between 1024",
        ),
        (
            json!({"p_max_bytes": 1073741825_i64}),
            "p_max_bytes must be between 1024",
        ),
        (
            json!({"p_time_zone": "Europe/Paris", "p_max_bytes": 5}),
            "p_max_bytes",
        ),
    ] {
        let (status, body) = backend
            .rpc(Some(&owner), "set_backup_settings", args.clone())
            .await;
        expect_error(
            status,
            &body,
            (StatusCode::BAD_REQUEST, "22023", want),
            &args.to_string(),
        );
    }
    assert_eq!(everything(&backend).await, before, "nothing changed");

    let body = rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_time_zone": "America/New_York", "p_retention_days": 7, "p_max_bytes": 1048576}),
    )
    .await;
    assert_eq!(
        body,
        json!({"time_zone": "America/New_York", "retention_days": 7, "max_bytes": 1048576, "changed": true})
    );
    let entry = backend
        .json_of(
            "(select to_jsonb(a) from public.audit_log a where a.action = 'set_backup_settings')",
        )
        .await;
    assert_eq!(
        entry["old_value"]["time_zone"],
        json!("Europe/Bucharest"),
        "{entry}"
    );
    assert_eq!(entry["new_value"]["retention_days"], json!(7), "{entry}");
    assert_eq!(
        backend.cloud_version().await,
        (
            before["version"]["version"].as_i64().unwrap(),
            before["version"]["data_hash"].as_str().unwrap().to_string()
        ),
        "settings are not synced data"
    );
    // The same again changes nothing and writes no audit entry.
    let audit = backend
        .scalar_i64("select count(*) from public.audit_log")
        .await;
    let body = rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_retention_days": 7}),
    )
    .await;
    assert_eq!(body["changed"], json!(false));
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.audit_log")
            .await,
        audit
    );
    backend.stop().await;
}

#[tokio::test]
async fn a_second_manual_backup_within_ten_seconds_is_rate_limited() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    rpc_ok(&backend, &owner, "backup_now", json!({})).await;
    let before = everything(&backend).await;
    let (status, body) = backend.rpc(Some(&owner), "backup_now", json!({})).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::TOO_MANY_REQUESTS,
            "PT429",
            "at most one manual backup every 10 seconds",
        ),
        "second backup_now",
    );
    let wait: i64 = body["details"].as_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{body}");
    assert_eq!(everything(&backend).await, before);
    // Once the last one is older than 10 s, the next is taken.
    backend
        .admin
        .batch_execute("update public.backups set taken_at = taken_at - interval '11 seconds'")
        .await
        .unwrap();
    rpc_ok(&backend, &owner, "backup_now", json!({})).await;
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.backups")
            .await,
        2
    );
    backend.stop().await;
}

// Schedule and retention -----------------------------------------------------------------------

#[tokio::test]
async fn retention_deletes_only_backups_older_than_the_setting_and_never_the_newest() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let now = "2026-06-15 12:00:00+00"; // 15:00 in Bucharest: no backup due
    let mut ids = Vec::new();
    for days in [40, 31, 29, 1] {
        let id = take_backup(&backend, if days == 31 { "pre_restore" } else { "manual" }).await;
        backend
            .admin
            .batch_execute(&format!(
                "update public.backups set taken_at = timestamptz '{now}' - make_interval(days => {days}) where id = {id}"
            ))
            .await
            .unwrap();
        ids.push(id);
    }
    let remaining = async |backend: &TestBackend| -> Vec<i64> {
        backend
            .admin
            .query("select id from public.backups order by id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };

    let run = scheduled(&backend, now).await;
    assert_eq!(run["taken"], Value::Null, "{run}");
    assert_eq!(
        run["deleted"],
        json!(2),
        "the 40- and 31-day-old ones: {run}"
    );
    assert_eq!(remaining(&backend).await, ids[2..].to_vec());
    let run = scheduled(&backend, now).await;
    assert_eq!(run["deleted"], json!(0), "{run}");

    rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_retention_days": 7}),
    )
    .await;
    let run = scheduled(&backend, now).await;
    assert_eq!(run["deleted"], json!(1), "{run}");
    assert_eq!(remaining(&backend).await, ids[3..].to_vec());

    // All old: the newest stays, so there is always one to restore.
    backend
        .admin
        .batch_execute("update public.backups set taken_at = taken_at - interval '100 days'")
        .await
        .unwrap();
    let older = take_backup(&backend, "manual").await;
    backend
        .admin
        .batch_execute(&format!(
            "update public.backups set taken_at = timestamptz '{now}' - interval '200 days' where id = {older}"
        ))
        .await
        .unwrap();
    let run = scheduled(&backend, now).await;
    assert_eq!(run["deleted"], json!(1), "{run}");
    assert_eq!(remaining(&backend).await, vec![ids[3]]);
    backend.stop().await;
}

#[tokio::test]
async fn the_scheduled_backup_is_taken_once_in_the_first_hour_after_local_midnight() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_retention_days": 3650}),
    )
    .await;

    let local_date = async |backend: &TestBackend, id: &Value| -> String {
        backend
            .scalar_text(&format!(
                "select local_date from public.backups where id = {id} and kind = 'scheduled'"
            ))
            .await
    };

    // Europe/Bucharest in winter (UTC+2): 22:05 UTC is 00:05 on the next day.
    for at in ["2026-01-14 21:55:00+00", "2026-01-14 23:00:00+00"] {
        let run = scheduled(&backend, at).await;
        assert_eq!(
            run["taken"],
            Value::Null,
            "{at} is not in the first hour: {run}"
        );
    }
    let run = scheduled(&backend, "2026-01-14 22:05:00+00").await;
    assert_eq!(run["local_time"], json!("2026-01-15T00:05:00"), "{run}");
    assert_eq!(local_date(&backend, &run["taken"]).await, "2026-01-15");
    let taken_at = backend.scalar_text(&format!("select taken_at = timestamptz '2026-01-14 22:05:00+00' from public.backups where id = {}", run["taken"]),
    )
    .await;
    assert_eq!(taken_at, "true");
    for at in ["2026-01-14 22:20:00+00", "2026-01-14 22:59:59+00"] {
        let again = scheduled(&backend, at).await;
        assert_eq!(again["taken"], Value::Null, "once per local date: {again}");
    }

    // Summer (UTC+3): 21:05 UTC is 00:05; 22:05 UTC is already 01:05.
    let run = scheduled(&backend, "2026-07-14 22:05:00+00").await;
    assert_eq!(run["taken"], Value::Null, "{run}");
    let run = scheduled(&backend, "2026-07-14 21:05:00+00").await;
    assert_eq!(
        local_date(&backend, &run["taken"]).await,
        "2026-07-15",
        "{run}"
    );

    // A zone with a :30 offset: Asia/Kolkata (UTC+05:30), midnight at 18:30 UTC.
    rpc_ok(
        &backend,
        &owner,
        "set_backup_settings",
        json!({"p_time_zone": "Asia/Kolkata"}),
    )
    .await;
    let run = scheduled(&backend, "2026-03-09 18:25:00+00").await;
    assert_eq!(run["taken"], Value::Null, "23:55 in Kolkata: {run}");
    let run = scheduled(&backend, "2026-03-09 18:30:00+00").await;
    assert_eq!(run["local_time"], json!("2026-03-10T00:00:00"), "{run}");
    assert_eq!(local_date(&backend, &run["taken"]).await, "2026-03-10");
    let run = scheduled(&backend, "2026-03-09 19:29:00+00").await;
    assert_eq!(run["taken"], Value::Null, "{run}");
    let run = scheduled(&backend, "2026-03-09 19:30:00+00").await;
    assert_eq!(run["taken"], Value::Null, "01:00 in Kolkata: {run}");

    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.backups where kind = 'scheduled'")
            .await,
        3
    );
    // A scheduled backup is not a change of the data.
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.audit_log where action = 'restore_backup'")
            .await,
        0
    );
    backend.stop().await;
}
