//! Undo of the last reset (issue [G] point 2) and the race between a reset and the deletion of its
//! archive object (issue [G] point 6), against `sql/migrations/0009_reset_undo.sql`.
//!
//! * `undo_reset` gives back exactly the scores the reset zeroed, on top of the points earned
//!   since, to the employees still there; once; only for the institution's last reset; one
//!   version bump, one broadcast, audited; the archive shows it was undone (`undoable`,
//!   `undone_at`, `undone_by_name`, read through the REST API as the app does).
//! * Everything refused (not the last reset, imported, already undone, unknown, no right) is a
//!   clear error that changes nothing.
//! * A reset and a delete of its archive object, in two real concurrent transactions: whichever
//!   commits first wins and the other sees it (the delete finds the object recorded; the reset
//!   finds the object gone). A control run shows the delete policy needs its VOLATILE function.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use punctaj_core::archive::archive_object_key;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const LEADER2: &str = "leader2@punctaj.test";
const MEMBER: &str = "member@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const PENDING: &str = "pending@punctaj.test";

/// Names a user could type; the city and institution still have ASCII archive folders.
const CITY: &str = "Tumbleweed \"<script>alert(1)</script>' ; --";
const INSTITUTION: &str = "Poliție & Șerif 🤠 \\ \"ăîâ\"";
const NAMES: [&str; 5] = [
    "Ion \"Ionuț\" <b>Popescu</b>",
    "'; drop table public.employees; --",
    "Ștefan 🤠 Țăranu",
    "Zoë \\N%s",
    "Ana-Maria O'Brien",
];

/// Upper bound of every wait in this file.
const WAIT: Duration = Duration::from_secs(20);

// Helpers ------------------------------------------------------------------------------------------

async fn scalar_i64(
    backend: &TestBackend,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> i64 {
    backend
        .admin
        .query_one(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

async fn version_and_hash(backend: &TestBackend) -> (i64, String, String) {
    let row = backend
        .admin
        .query_one(
            "select version, btrim(data_hash), app.compute_data_hash()
               from public.sync_metadata where sync_key = 'global_version'",
            &[],
        )
        .await
        .expect("version row");
    (row.get(0), row.get(1), row.get(2))
}

async fn revision(backend: &TestBackend, institution: i64) -> i64 {
    scalar_i64(
        backend,
        "select revision from public.institutions where id = $1",
        &[&institution],
    )
    .await
}

async fn points(backend: &TestBackend, id: &str) -> i32 {
    backend
        .admin
        .query_one(
            "select punctaj from public.employees where id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("employee")
        .get(0)
}

async fn ultima_mod(backend: &TestBackend, id: &str) -> Option<DateTime<Utc>> {
    backend
        .admin
        .query_one(
            "select ultima_mod from public.employees where id = $1::text::uuid",
            &[&id],
        )
        .await
        .expect("employee")
        .get(0)
}

async fn institution_id(backend: &TestBackend, city: &str, institution: &str) -> i64 {
    scalar_i64(
        backend,
        "select i.id from public.institutions i join public.cities c on c.id = i.city_id
          where c.name = $1 and i.name = $2 and i.deleted_at is null",
        &[&city, &institution],
    )
    .await
}

async fn archive_id(backend: &TestBackend, key: &str) -> i64 {
    scalar_i64(
        backend,
        "select id from public.archives where object_path = $1",
        &[&key],
    )
    .await
}

/// Everything a refused call must leave as it was, as one comparable text.
async fn fingerprint(backend: &TestBackend) -> String {
    backend
        .admin
        .query_one(
            "select concat_ws(E'\\n',
               (select version || ' ' || data_hash from public.sync_metadata where sync_key = 'global_version'),
               (select md5(string_agg(concat_ws(',', id, punctaj, ultima_mod, deleted_at), '|' order by id))
                  from public.employees),
               (select md5(string_agg(concat_ws(',', id, revision, last_points_change_at), '|' order by id))
                  from public.institutions),
               (select count(*) || ' audit entries' from public.audit_log),
               (select md5(string_agg(concat_ws(',', id, undoable, undone_at, undone_by, undone_by_name), '|' order by id))
                  from public.archives),
               (select count(*) || ' archive scores' from public.archive_scores),
               (select count(*) || ' messages' from realtime.messages))",
            &[],
        )
        .await
        .expect("fingerprint")
        .get(0)
}

/// The archive document the app uploads before a reset (legacy fields).
fn archive_document(city: &str, institution: &str, rows: Value) -> Value {
    json!({
        "archived_at": "2026-05-01 10:00:00",
        "institution": institution,
        "city": city,
        "reset_by": "Demo Leader",
        "discord_id": null,
        "columns": ["NUME IC", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"],
        "rows": rows,
        "employee_count": rows.as_array().map_or(0, Vec::len),
    })
}

fn stamp(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 10, minute, 0)
        .single()
        .expect("stamp")
}

/// Uploads a snapshot (as `token`) and resets from it at the current revision.
async fn upload_and_reset(
    backend: &TestBackend,
    token: &str,
    city: &str,
    institution_name: &str,
    institution: i64,
    minute: u32,
) -> (String, StatusCode, Value) {
    let key = archive_object_key(city, institution_name, stamp(minute));
    backend
        .upload_archive(
            token,
            &key,
            &archive_document(city, institution_name, json!([])),
        )
        .await;
    let (status, body) = reset(backend, token, institution, &key).await;
    (key, status, body)
}

async fn reset(
    backend: &TestBackend,
    token: &str,
    institution: i64,
    key: &str,
) -> (StatusCode, Value) {
    let expected = revision(backend, institution).await;
    backend
        .rpc(
            Some(token),
            "reset_punctaj",
            json!({"p_institution_id": institution, "p_archive_path": key,
                   "p_expected_revision": expected}),
        )
        .await
}

async fn undo(backend: &TestBackend, token: Option<&str>, archive: Value) -> (StatusCode, Value) {
    backend
        .rpc(token, "undo_reset", json!({"p_archive_id": archive}))
        .await
}

/// The institution's archives as the app reads them (`GET /rest/v1/archives`).
async fn archives_seen_by(backend: &TestBackend, token: &str, institution: i64) -> Vec<Value> {
    let (status, _, body) = backend
        .get(
            Some(token),
            &format!(
                "/rest/v1/archives?select=id,object_path,undoable,undone_at,undone_by,undone_by_name\
                 &institution_id=eq.{institution}&order=id.asc"
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().cloned().expect("archives list")
}

fn undoable_paths(archives: &[Value]) -> Vec<String> {
    archives
        .iter()
        .filter(|a| a["undoable"] == json!(true))
        .map(|a| a["object_path"].as_str().expect("path").to_string())
        .collect()
}

fn assert_error(
    answer: &(StatusCode, Value),
    status: StatusCode,
    code: &str,
    message: &str,
    what: &str,
) {
    let (got_status, body) = answer;
    assert_eq!(
        (*got_status, body["code"].as_str()),
        (status, Some(code)),
        "{what}: {body}"
    );
    let text = body["message"].as_str().unwrap_or_default();
    assert!(
        text.contains(message),
        "{what}: message {text:?} does not say {message:?} ({body})"
    );
}

async fn rpc_ok(backend: &TestBackend, token: &str, function: &str, args: Value) -> Value {
    let (status, body) = backend.rpc(Some(token), function, args).await;
    assert_eq!(status, StatusCode::OK, "{function}: {body}");
    body
}

/// A city and institution with hostile names, led by leader@, with five employees holding
/// 10, 0, 25, 7 and 40 points. Returns the institution id and the employee ids.
async fn hostile_institution(backend: &TestBackend) -> (i64, Vec<String>) {
    let owner = backend.token(OWNER).await;
    let city = rpc_ok(backend, &owner, "create_city", json!({"p_name": CITY})).await["city_id"]
        .as_i64()
        .expect("city_id");
    let institution = rpc_ok(
        backend,
        &owner,
        "create_institution",
        json!({"p_city_id": city, "p_name": INSTITUTION, "p_ranks": ["Cadet", "Șef <i>"],
               "p_columns": ["NUME IC"]}),
    )
    .await["institution_id"]
        .as_i64()
        .expect("institution_id");
    let leader = backend.user_id(LEADER).await;
    rpc_ok(
        backend,
        &owner,
        "grant_institution_role",
        json!({"p_user_id": leader, "p_institution_id": institution, "p_role": "leader"}),
    )
    .await;
    let mut ids = Vec::new();
    for (name, punctaj) in NAMES.iter().zip([10, 0, 25, 7, 40]) {
        let body = rpc_ok(
            backend,
            &owner,
            "add_employee",
            json!({"p_institution_id": institution, "p_rank": 1, "p_fields": {"NUME IC": name},
                   "p_punctaj": punctaj}),
        )
        .await;
        ids.push(
            body["employee_id"]
                .as_str()
                .expect("employee_id")
                .to_string(),
        );
    }
    (institution, ids)
}

/// The broadcasts stored for `action` since the last call (then removed).
async fn take_broadcasts(backend: &TestBackend, action: &str) -> Vec<Value> {
    backend
        .admin
        .query(
            "delete from realtime.messages where payload ->> 'action' = $1 returning payload",
            &[&action],
        )
        .await
        .expect("realtime.messages")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

// Undo ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn reset_then_undo_restores_the_exact_scores_plus_points_added_meanwhile_and_a_second_undo_is_refused()
 {
    let backend = TestBackend::start().await;
    let leader = backend.token(LEADER).await;
    let (institution, ids) = hostile_institution(&backend).await;
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|n| ids[n].clone());

    // Reset: everybody to 0, the archive is the undoable one.
    let (key, status, body) =
        upload_and_reset(&backend, &leader, CITY, INSTITUTION, institution, 0).await;
    assert_eq!(status, StatusCode::OK, "reset: {body}");
    assert_eq!(body["total_points"], json!(82), "{body}");
    for id in &ids {
        assert_eq!(points(&backend, id).await, 0, "reset zeroes {id}");
    }
    let archive = body["archive_id"].as_i64().expect("archive_id");
    let seen = archives_seen_by(&backend, &leader, institution).await;
    assert_eq!(undoable_paths(&seen), vec![key.clone()], "{seen:?}");
    assert_eq!(seen[0]["undone_at"], Value::Null);

    // Meanwhile: +3 to a and b, +2 to c, e left, d removed, a newcomer with 5.
    rpc_ok(
        &backend,
        &leader,
        "change_points",
        json!({"p_institution_id": institution, "p_employee_ids": [a, b], "p_delta": 3}),
    )
    .await;
    rpc_ok(
        &backend,
        &leader,
        "change_points",
        json!({"p_institution_id": institution, "p_employee_ids": [c], "p_delta": 2}),
    )
    .await;
    rpc_ok(
        &backend,
        &leader,
        "delete_employees",
        json!({"p_employee_ids": [d]}),
    )
    .await;
    let newcomer = rpc_ok(
        &backend,
        &leader,
        "add_employee",
        json!({"p_institution_id": institution, "p_rank": 2, "p_fields": {"NUME IC": "Nou <venit>"},
               "p_punctaj": 5}),
    )
    .await["employee_id"]
        .as_str()
        .expect("employee_id")
        .to_string();
    let b_mod = ultima_mod(&backend, &b).await;
    let newcomer_mod = ultima_mod(&backend, &newcomer).await;
    let (version_before, _, _) = version_and_hash(&backend).await;
    let revision_before = revision(&backend, institution).await;
    let audit_before = scalar_i64(&backend, "select count(*) from public.audit_log", &[]).await;
    take_broadcasts(&backend, "undo_reset").await;
    let started = Utc::now();

    // Undo.
    let (status, body) = undo(&backend, Some(&leader), json!(archive)).await;
    assert_eq!(status, StatusCode::OK, "undo: {body}");
    assert_eq!(
        body["restored"],
        json!(3),
        "a, c and e get points back: {body}"
    );
    assert_eq!(body["points"], json!(10 + 25 + 40), "{body}");
    assert_eq!(body["skipped"], json!(1), "d was removed: {body}");
    assert_eq!(body["archive_id"], json!(archive), "{body}");
    let (version, stored, recomputed) = version_and_hash(&backend).await;
    assert_eq!(version, version_before + 1, "one undo, one version bump");
    assert_eq!(body["version"], json!(version), "{body}");
    assert_eq!(body["data_hash"], json!(stored), "{body}");
    assert_eq!(stored, recomputed, "the stored hash describes the data");
    assert_eq!(
        revision(&backend, institution).await,
        revision_before + 1,
        "the reset precondition moves once"
    );

    assert_eq!(
        points(&backend, &a).await,
        10 + 3,
        "a: archived 10 + 3 earned since"
    );
    assert_eq!(
        points(&backend, &b).await,
        3,
        "b had 0 at the reset: keeps its 3"
    );
    assert_eq!(
        points(&backend, &c).await,
        25 + 2,
        "c: archived 25 + 2 earned since"
    );
    assert_eq!(
        points(&backend, &d).await,
        0,
        "a removed member gets nothing back"
    );
    assert_eq!(points(&backend, &e).await, 40, "e: archived 40");
    assert_eq!(
        points(&backend, &newcomer).await,
        5,
        "the newcomer keeps its 5"
    );
    for id in [&a, &c, &e] {
        let at = ultima_mod(&backend, id).await.expect("ultima_mod");
        assert!(
            at >= started - chrono::Duration::seconds(5),
            "ULTIMA_MOD of {id} set by the undo"
        );
    }
    assert_eq!(
        ultima_mod(&backend, &b).await,
        b_mod,
        "b's ULTIMA_MOD untouched"
    );
    assert_eq!(ultima_mod(&backend, &newcomer).await, newcomer_mod);

    // Audit: one entry per employee given points back, plus one for the institution.
    let rows = backend
        .admin
        .query(
            "select entity_type, entity_id, entity_name, old_value, new_value, details, institution_name,
                    city_name, actor_name
               from public.audit_log where action = 'undo_reset' order by id",
            &[],
        )
        .await
        .expect("audit");
    assert_eq!(
        scalar_i64(&backend, "select count(*) from public.audit_log", &[]).await,
        audit_before + 4
    );
    assert_eq!(rows.len(), 4, "three employees and one summary");
    let employee_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.get::<_, String>(0) == "employee")
        .collect();
    assert_eq!(employee_rows.len(), 3);
    let a_row = employee_rows
        .iter()
        .find(|r| r.get::<_, String>(1) == a)
        .expect("audit entry of a");
    assert_eq!(a_row.get::<_, String>(2), NAMES[0]);
    assert_eq!(a_row.get::<_, Value>(3), json!({"punctaj": 3}));
    assert_eq!(a_row.get::<_, Value>(4), json!({"punctaj": 13}));
    assert!(
        a_row.get::<_, String>(5).contains(&key),
        "details name the archive"
    );
    let summary = rows
        .iter()
        .find(|r| r.get::<_, String>(0) == "institution")
        .expect("summary");
    assert_eq!(summary.get::<_, String>(6), INSTITUTION);
    assert_eq!(summary.get::<_, String>(7), CITY);
    assert_eq!(summary.get::<_, String>(8), "Demo Leader");
    assert_eq!(
        summary.get::<_, Value>(4)["points"],
        json!(75),
        "{:?}",
        summary.get::<_, Value>(4)
    );

    // One broadcast, scoped to the institution only.
    let broadcasts = take_broadcasts(&backend, "undo_reset").await;
    assert_eq!(broadcasts.len(), 1, "{broadcasts:?}");
    assert_eq!(
        broadcasts[0]["scopes"],
        json!([format!("institution:{institution}")])
    );
    assert_eq!(broadcasts[0]["version"], json!(version));

    // The archive shows it was undone, and nothing is undoable now.
    let seen = archives_seen_by(&backend, &leader, institution).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["undoable"], json!(false), "{seen:?}");
    assert!(seen[0]["undone_at"].is_string(), "{seen:?}");
    assert_eq!(seen[0]["undone_by_name"], json!("Demo Leader"));
    assert_eq!(seen[0]["undone_by"], json!(backend.user_id(LEADER).await));

    // A second undo (by the same leader, or by the owner) is refused and changes nothing.
    let before = fingerprint(&backend).await;
    let owner = backend.token(OWNER).await;
    for token in [&leader, &owner] {
        let answer = undo(&backend, Some(token), json!(archive)).await;
        assert_error(
            &answer,
            StatusCode::CONFLICT,
            "PT409",
            "already undone at ",
            "second undo",
        );
        assert!(
            answer.1["message"]
                .as_str()
                .unwrap_or_default()
                .ends_with(" by Demo Leader"),
            "{}",
            answer.1
        );
        assert!(
            answer.1["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&key)
        );
    }
    assert_eq!(
        fingerprint(&backend).await,
        before,
        "a refused undo changed something"
    );

    // A reset after the undo works normally, and its archive is the last one: c near the maximum
    // shows the clamp of app.apply_points.
    let (key2, status, body) =
        upload_and_reset(&backend, &leader, CITY, INSTITUTION, institution, 1).await;
    assert_eq!(status, StatusCode::OK, "reset after undo: {body}");
    assert_eq!(body["total_points"], json!(13 + 3 + 27 + 40 + 5), "{body}");
    let archive2 = body["archive_id"].as_i64().expect("archive_id");
    let seen = archives_seen_by(&backend, &leader, institution).await;
    assert_eq!(undoable_paths(&seen), vec![key2.clone()], "{seen:?}");
    // (A direct edit: change_points cannot get that far in one call.)
    backend
        .admin
        .execute(
            "update public.employees set punctaj = 2147483640 where id = $1::text::uuid",
            &[&c],
        )
        .await
        .expect("direct edit");
    let (status, body) = undo(&backend, Some(&leader), json!(archive2)).await;
    assert_eq!(status, StatusCode::OK, "second cycle: {body}");
    assert_eq!(body["restored"], json!(5), "{body}");
    assert_eq!(
        body["points"],
        json!(13 + 3 + 7 + 40 + 5),
        "c is clamped at 2^31-1: {body}"
    );
    assert_eq!(points(&backend, &c).await, i32::MAX);
    assert_eq!(points(&backend, &a).await, 13);
    assert_eq!(points(&backend, &newcomer).await, 5);
    backend.stop().await;
}

#[tokio::test]
async fn an_undo_of_anything_but_the_last_reset_is_a_clear_error_that_changes_nothing() {
    let backend = TestBackend::start().await;
    let leader = backend.token(LEADER).await;
    let leader2 = backend.token(LEADER2).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let medici = institution_id(&backend, "Saint Denis", "Medici").await;
    let legacy = archive_id(&backend, "BlackWater/Politie_2026-02-18_18-13-47.json").await;
    let before_undo = archive_id(&backend, "Saint_Denis/Medici_2026-03-01_20-00-00.json").await;

    // The seed's archives: imported (no scores), and a reset recorded before undo existed.
    let before = fingerprint(&backend).await;
    let answer = undo(&backend, Some(&leader), json!(legacy)).await;
    assert_error(
        &answer,
        StatusCode::CONFLICT,
        "PT409",
        "archive BlackWater/Politie_2026-02-18_18-13-47.json is not the last reset of \"Politie\" (BlackWater): only the last reset can be undone",
        "imported archive",
    );
    assert!(
        answer.1["details"]
            .as_str()
            .unwrap_or_default()
            .contains("imported"),
        "{}",
        answer.1
    );
    let answer = undo(&backend, Some(&leader2), json!(before_undo)).await;
    assert_error(
        &answer,
        StatusCode::CONFLICT,
        "PT409",
        "archive Saint_Denis/Medici_2026-03-01_20-00-00.json cannot be undone: it records no scores to give back",
        "reset before 0009",
    );
    assert_eq!(fingerprint(&backend).await, before);

    // Two resets: only the second can be undone.
    let (key1, status, body) =
        upload_and_reset(&backend, &leader, "BlackWater", "Politie", politie, 10).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = body["archive_id"].as_i64().expect("archive_id");
    let ids: Vec<String> = backend
        .admin
        .query(
            "select id::text from public.employees where institution_id = $1 and deleted_at is null",
            &[&politie],
        )
        .await
        .expect("employees")
        .iter()
        .map(|r| r.get(0))
        .collect();
    rpc_ok(
        &backend,
        &leader,
        "change_points",
        json!({"p_institution_id": politie, "p_employee_ids": ids, "p_delta": 4}),
    )
    .await;
    let (key2, status, body) =
        upload_and_reset(&backend, &leader, "BlackWater", "Politie", politie, 11).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = body["archive_id"].as_i64().expect("archive_id");
    let seen = archives_seen_by(&backend, &leader, politie).await;
    assert_eq!(undoable_paths(&seen), vec![key2.clone()], "{seen:?}");

    let before = fingerprint(&backend).await;
    let answer = undo(&backend, Some(&leader), json!(first)).await;
    assert_error(
        &answer,
        StatusCode::CONFLICT,
        "PT409",
        &format!(
            "archive {key1} is not the last reset of \"Politie\" (BlackWater): only the last reset can be undone"
        ),
        "older reset",
    );
    assert!(
        answer.1["details"]
            .as_str()
            .unwrap_or_default()
            .contains(&key2),
        "the error names the last reset: {}",
        answer.1
    );

    // Unknown or missing archive ids.
    let answer = undo(&backend, Some(&leader), json!(987654321)).await;
    assert_error(
        &answer,
        StatusCode::NOT_FOUND,
        "PT404",
        "archive 987654321 not found or deleted",
        "unknown id",
    );
    let answer = undo(&backend, Some(&leader), Value::Null).await;
    assert_error(
        &answer,
        StatusCode::BAD_REQUEST,
        "22023",
        "p_archive_id is required",
        "null id",
    );
    let answer = undo(
        &backend,
        Some(&leader),
        json!("1; drop table public.archives"),
    )
    .await;
    assert!(answer.0.is_client_error(), "{answer:?}");

    // Who may not undo: a member, the leader of another institution, a viewer, a pending account,
    // anonymous.
    let denied = "permission denied: undo_reset requires the reset permission on institution";
    for (who, email, status, message) in [
        ("member", Some(MEMBER), StatusCode::FORBIDDEN, denied),
        (
            "leader of another institution",
            Some(LEADER2),
            StatusCode::FORBIDDEN,
            denied,
        ),
        ("viewer", Some(VIEWER), StatusCode::FORBIDDEN, denied),
        (
            "pending",
            Some(PENDING),
            StatusCode::FORBIDDEN,
            "permission denied: undo_reset — this account has no access yet",
        ),
        // anon may not even execute the function (as every RPC).
        (
            "anonymous",
            None,
            StatusCode::UNAUTHORIZED,
            "permission denied for function undo_reset",
        ),
    ] {
        let token = match email {
            Some(email) => Some(backend.token(email).await),
            None => None,
        };
        let answer = undo(&backend, token.as_deref(), json!(second)).await;
        assert_error(&answer, status, "42501", message, who);
    }
    assert_eq!(
        fingerprint(&backend).await,
        before,
        "a refused undo changed something"
    );

    // A reset that zeroed nothing (everything is 0 now) is the last reset but gives nothing back;
    // the one before it is no longer the last.
    let (_, status, body) =
        upload_and_reset(&backend, &leader, "BlackWater", "Politie", politie, 12).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total_points"], json!(0));
    let third = body["archive_id"].as_i64().expect("archive_id");
    assert!(undoable_paths(&archives_seen_by(&backend, &leader, politie).await).is_empty());
    let before = fingerprint(&backend).await;
    let answer = undo(&backend, Some(&leader), json!(third)).await;
    assert_error(
        &answer,
        StatusCode::CONFLICT,
        "PT409",
        "records no scores to give back",
        "empty reset",
    );
    let answer = undo(&backend, Some(&leader), json!(second)).await;
    assert_error(
        &answer,
        StatusCode::CONFLICT,
        "PT409",
        "is not the last reset of",
        "superseded reset",
    );
    assert_eq!(fingerprint(&backend).await, before);

    // An archive of a deleted institution: PT404 until it is restored; then the admin may undo.
    let medici_ids: Vec<String> = backend
        .admin
        .query(
            "select id::text from public.employees
              where institution_id = $1 and deleted_at is null order by id limit 2",
            &[&medici],
        )
        .await
        .expect("employees")
        .iter()
        .map(|r| r.get(0))
        .collect();
    rpc_ok(
        &backend,
        &leader2,
        "change_points",
        json!({"p_institution_id": medici, "p_employee_ids": medici_ids, "p_delta": 9}),
    )
    .await;
    let (_, status, body) =
        upload_and_reset(&backend, &leader2, "Saint Denis", "Medici", medici, 13).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["total_points"].as_i64().map(|p| p >= 18),
        Some(true),
        "{body}"
    );
    let medici_archive = body["archive_id"].as_i64().expect("archive_id");
    let owner = backend.token(OWNER).await;
    rpc_ok(
        &backend,
        &owner,
        "delete_institution",
        json!({"p_institution_id": medici}),
    )
    .await;
    let before = fingerprint(&backend).await;
    let answer = undo(&backend, Some(&leader2), json!(medici_archive)).await;
    assert_error(
        &answer,
        StatusCode::NOT_FOUND,
        "PT404",
        "was deleted; restore it before undoing its reset",
        "deleted institution",
    );
    assert_eq!(fingerprint(&backend).await, before);
    rpc_ok(
        &backend,
        &owner,
        "restore_institution",
        json!({"p_institution_id": medici}),
    )
    .await;
    let admin = backend.token(ADMIN).await;
    let (status, body) = undo(&backend, Some(&admin), json!(medici_archive)).await;
    assert_eq!(status, StatusCode::OK, "an admin may undo: {body}");
    backend.stop().await;
}

#[tokio::test]
async fn undo_and_points_changes_at_once_lose_nothing() {
    let backend = Arc::new(TestBackend::start().await);
    let leader = backend.token(LEADER).await;
    let member = backend.token(MEMBER).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let before: Vec<(String, i32)> = backend
        .admin
        .query(
            "select id::text, punctaj from public.employees
              where institution_id = $1 and deleted_at is null order by id",
            &[&politie],
        )
        .await
        .expect("employees")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let (_, status, body) =
        upload_and_reset(&backend, &leader, "BlackWater", "Politie", politie, 20).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let archive = body["archive_id"].as_i64().expect("archive_id");
    let ids: Vec<String> = before.iter().map(|(id, _)| id.clone()).collect();

    // The undo and ten +1 changes of the member, all at once; then a second undo races nothing.
    let mut tasks = Vec::new();
    {
        let backend = Arc::clone(&backend);
        let leader = leader.clone();
        tasks.push(tokio::spawn(async move {
            undo(&backend, Some(&leader), json!(archive)).await
        }));
    }
    for _ in 0..10 {
        let backend = Arc::clone(&backend);
        let member = member.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            backend
                .rpc(
                    Some(&member),
                    "change_points",
                    json!({"p_institution_id": politie, "p_employee_ids": ids, "p_delta": 1}),
                )
                .await
        }));
    }
    for task in tasks {
        let (status, body) = tokio::time::timeout(WAIT * 3, task)
            .await
            .expect("a concurrent call did not finish in time")
            .expect("task");
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for (id, old) in &before {
        assert_eq!(
            points(&backend, id).await,
            old + 10,
            "{id}: archived {old} + 10 earned"
        );
    }
    let (_, stored, recomputed) = version_and_hash(&backend).await;
    assert_eq!(stored, recomputed);
    let backend = Arc::try_unwrap(backend).unwrap_or_else(|_| panic!("backend still shared"));
    backend.stop().await;
}

// The race between a reset and a delete of its archive object -----------------------------------

/// A superuser connection to the test database, used as `email` inside explicit transactions
/// (role `authenticated`, `request.jwt.claims`, as the local backend and PostgREST do).
struct Session {
    client: tokio_postgres::Client,
}

impl Session {
    async fn begin_as(backend: &TestBackend, email: &str) -> Session {
        let mut url = url::Url::parse(&support::superuser_url()).expect("PUNCTAJ_TEST_PG");
        url.set_path(&format!("/{}", backend.db_name));
        let (client, connection) = tokio_postgres::connect(url.as_str(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let claims = json!({"sub": backend.user_id(email).await, "role": "authenticated",
                            "email": email, "aud": "authenticated"})
        .to_string();
        client
            .batch_execute("begin isolation level read committed; set local lock_timeout = '30s'")
            .await
            .expect("begin");
        client
            .execute(
                "select set_config('role', 'authenticated', true),
                        set_config('request.jwt.claims', $1, true)",
                &[&claims],
            )
            .await
            .expect("claims");
        Session { client }
    }

    async fn commit(self) {
        self.client.batch_execute("commit").await.expect("commit");
    }
}

/// Waits (bounded) until a session of the test database waits for an advisory lock, and returns
/// what it runs; `None` when `other` finished first (it did not wait at all).
async fn advisory_waiter<T>(
    backend: &TestBackend,
    other: &tokio::task::JoinHandle<T>,
) -> Option<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let row = backend
            .admin
            .query_opt(
                "select query from pg_stat_activity
                  where datname = $1 and wait_event_type = 'Lock' and wait_event = 'advisory'
                  limit 1",
                &[&backend.db_name],
            )
            .await
            .expect("pg_stat_activity");
        if let Some(row) = row {
            return Some(row.get(0));
        }
        if other.is_finished() {
            return None;
        }
        assert!(
            Instant::now() < deadline,
            "nobody waited for the archive object's lock within {WAIT:?}, and nothing finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Storage `remove([key])` as supabase-js sends it: the objects actually deleted.
async fn remove(backend: &TestBackend, token: &str, key: &str) -> (StatusCode, Value) {
    let response = backend
        .request(Method::DELETE, "/storage/v1/object/arhiva", Some(token))
        .json(&json!({"prefixes": [key]}))
        .send()
        .await
        .expect("remove");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn object_exists(backend: &TestBackend, key: &str) -> bool {
    backend
        .admin
        .query_opt(
            "select 1 from storage.objects where bucket_id = 'arhiva' and name = $1",
            &[&key],
        )
        .await
        .expect("storage.objects")
        .is_some()
}

async fn recorded(backend: &TestBackend, key: &str) -> bool {
    scalar_i64(
        backend,
        "select count(*) from public.archives where object_path = $1",
        &[&key],
    )
    .await
        == 1
}

async fn politie_points(backend: &TestBackend, institution: i64) -> i64 {
    scalar_i64(
        backend,
        "select coalesce(sum(punctaj), 0)::bigint from public.employees
          where institution_id = $1 and deleted_at is null",
        &[&institution],
    )
    .await
}

/// The reset is open (not committed) when the uploader deletes the object: the delete waits for
/// the reset, then sees its archives row and deletes nothing. Reads do not wait.
async fn reset_first_then_delete(
    backend: Arc<TestBackend>,
    deleter: &'static str,
    minute: u32,
) -> Race {
    let leader = backend.token(LEADER).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let key = archive_object_key("BlackWater", "Politie", stamp(minute));
    backend
        .upload_archive(
            &leader,
            &key,
            &archive_document("BlackWater", "Politie", json!([])),
        )
        .await;
    let expected = revision(&backend, politie).await;

    let session = Session::begin_as(&backend, LEADER).await;
    let answer: Value = session
        .client
        .query_one(
            "select public.reset_punctaj($1, $2, $3)",
            &[&politie, &key, &expected],
        )
        .await
        .expect("reset inside the open transaction")
        .get(0);
    assert!(answer["archive_id"].is_i64(), "{answer}");

    let token = backend.token(deleter).await;
    let delete = {
        let backend = Arc::clone(&backend);
        let key = key.clone();
        tokio::spawn(async move { remove(&backend, &token, &key).await })
    };
    let waiting = advisory_waiter(&backend, &delete).await;
    if waiting.is_some() {
        // Reads are not held up by the open reset.
        let (status, _, body) = tokio::time::timeout(
            WAIT,
            backend.get(
                Some(&leader),
                &format!("/storage/v1/object/authenticated/arhiva/{key}"),
            ),
        )
        .await
        .expect("a download waited for the reset");
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            !delete.is_finished(),
            "the delete stopped waiting for the reset"
        );
    }

    session.commit().await;
    let (status, deleted) = tokio::time::timeout(WAIT, delete)
        .await
        .expect("the delete did not finish after the reset committed")
        .expect("delete task");
    assert_eq!(status, StatusCode::OK, "{deleted}");
    Race {
        exists: object_exists(&backend, &key).await,
        recorded: recorded(&backend, &key).await,
        deleted,
        waiting,
        backend,
    }
}

/// What `reset_first_then_delete` saw.
struct Race {
    backend: Arc<TestBackend>,
    /// Storage's answer to the delete: the objects deleted.
    deleted: Value,
    exists: bool,
    recorded: bool,
    /// What waited for the archive object's lock (None: the delete did not wait).
    waiting: Option<String>,
}

impl Race {
    /// Checked after the outcome, so that a lost race reports what the user would see.
    fn assert_the_delete_waited(&self) {
        assert!(
            self.waiting
                .as_deref()
                .is_some_and(|q| q.contains("delete from storage.objects")),
            "the delete did not wait for the reset: {:?}",
            self.waiting
        );
    }

    async fn stop(self) {
        let backend =
            Arc::try_unwrap(self.backend).unwrap_or_else(|_| panic!("backend still shared"));
        backend.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delete_racing_the_reset_that_records_the_object_waits_and_deletes_nothing() {
    let backend = Arc::new(TestBackend::start().await);
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let race = reset_first_then_delete(backend, LEADER, 30).await;
    assert_eq!(
        race.deleted,
        json!([]),
        "the uploader deleted a recorded archive"
    );
    assert!(race.exists, "the archive of a committed reset is gone");
    assert!(race.recorded);
    assert_eq!(
        politie_points(&race.backend, politie).await,
        0,
        "the reset stands"
    );
    let (_, stored, recomputed) = version_and_hash(&race.backend).await;
    assert_eq!(stored, recomputed);
    race.assert_the_delete_waited();
    race.stop().await;
}

/// The control: with the delete policy's function STABLE (as in 0005), its query keeps the
/// snapshot of the DELETE statement, taken before the wait, so it misses the committed reset and
/// the object of a recorded archive is deleted. VOLATILE is what makes the lock work.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn control_a_stable_delete_policy_would_miss_the_committed_reset() {
    let backend = Arc::new(TestBackend::start().await);
    backend
        .admin
        .batch_execute("alter function app.can_delete_archive(text, uuid, text) stable")
        .await
        .expect("alter function");
    let race = reset_first_then_delete(backend, LEADER, 31).await;
    race.assert_the_delete_waited();
    assert_eq!(
        race.deleted.as_array().map(Vec::len),
        Some(1),
        "{}",
        race.deleted
    );
    assert!(
        !race.exists && race.recorded,
        "the race is lost without VOLATILE"
    );
    race.stop().await;
}

/// An admin may delete a recorded archive, but only once the reset committed (never under it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_delete_racing_a_reset_waits_for_it() {
    let backend = Arc::new(TestBackend::start().await);
    let race = reset_first_then_delete(backend, ADMIN, 32).await;
    assert_eq!(
        race.deleted.as_array().map(Vec::len),
        Some(1),
        "admins may delete archives: {}",
        race.deleted
    );
    assert!(!race.exists && race.recorded);
    race.assert_the_delete_waited();
    race.stop().await;
}

/// The delete is open (not committed) when the reset of that object starts: the reset waits for
/// the delete, then finds the object gone and changes nothing. For the uploader and an admin.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_racing_the_delete_of_its_archive_waits_and_then_refuses() {
    let backend = Arc::new(TestBackend::start().await);
    let leader = backend.token(LEADER).await;
    let politie = institution_id(&backend, "BlackWater", "Politie").await;
    let points_before = politie_points(&backend, politie).await;
    assert!(points_before > 0);
    for (minute, deleter) in [(40, LEADER), (41, ADMIN)] {
        let key = archive_object_key("BlackWater", "Politie", stamp(minute));
        backend
            .upload_archive(
                &leader,
                &key,
                &archive_document("BlackWater", "Politie", json!([])),
            )
            .await;
        let before = fingerprint(&backend).await;

        let session = Session::begin_as(&backend, deleter).await;
        let deleted = session
            .client
            .query(
                "delete from storage.objects where bucket_id = 'arhiva' and name = $1 returning name",
                &[&key],
            )
            .await
            .expect("delete inside the open transaction");
        assert_eq!(
            deleted.len(),
            1,
            "{deleter} may delete the unrecorded upload"
        );
        let held: i64 = session
            .client
            .query_one(
                "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()",
                &[],
            )
            .await
            .expect("pg_locks")
            .get(0);

        let reset_task = {
            let backend = Arc::clone(&backend);
            let leader = leader.clone();
            let key = key.clone();
            tokio::spawn(async move { reset(&backend, &leader, politie, &key).await })
        };
        let waiting = advisory_waiter(&backend, &reset_task).await;
        session.commit().await;

        let answer = tokio::time::timeout(WAIT, reset_task)
            .await
            .expect("the reset did not finish after the delete committed")
            .expect("reset task");
        assert_error(
            &answer,
            StatusCode::NOT_FOUND,
            "PT404",
            &format!("archive {key} not found in bucket arhiva; upload it first"),
            deleter,
        );
        assert!(!object_exists(&backend, &key).await);
        assert!(
            !recorded(&backend, &key).await,
            "a record without its archive"
        );
        assert_eq!(
            politie_points(&backend, politie).await,
            points_before,
            "scores zeroed without an archive"
        );
        assert_eq!(
            fingerprint(&backend).await,
            before,
            "the refused reset changed something"
        );
        assert!(
            waiting
                .as_deref()
                .is_some_and(|q| q.contains("reset_punctaj")),
            "{deleter}: the reset did not wait for the delete: {waiting:?}"
        );
        // The policy's lock is taken for the rows deleted only (the key filter runs first), not
        // for every object of the bucket an admin could delete.
        assert_eq!(held, 1, "{deleter}: advisory locks held by one delete");
    }
    let backend = Arc::try_unwrap(backend).unwrap_or_else(|_| panic!("backend still shared"));
    backend.stop().await;
}
