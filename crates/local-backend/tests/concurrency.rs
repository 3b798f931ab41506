//! What users do at the same time: two leaders adding points to the same member, several
//! people pressing "⚡ FORȚEAZĂ SINCRONIZARE CLOUD", two leaders resetting the same institution.
//! Nothing may be lost, counted twice, or zeroed without exactly one archive.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use punctaj_core::archive::archive_object_key;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;
use tokio::sync::Barrier;

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const LEADER2: &str = "leader2@punctaj.test";
const MEMBER: &str = "member@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";

/// Upper bound for any batch of concurrent requests.
const RACE_TIMEOUT: Duration = Duration::from_secs(120);

/// BlackWater/Politie, led by leader@, where member@ is a member.
async fn politie(backend: &TestBackend) -> i64 {
    backend
        .admin
        .query_one(
            "select i.id from public.institutions i join public.cities c on c.id = i.city_id
              where c.name = 'BlackWater' and i.name = 'Politie'",
            &[],
        )
        .await
        .expect("BlackWater/Politie")
        .get(0)
}

async fn version_and_hash(backend: &TestBackend) -> (i64, String, String) {
    let row = backend
        .admin
        .query_one(
            "select version, data_hash::text, app.compute_data_hash()
               from public.sync_metadata where sync_key = 'global_version'",
            &[],
        )
        .await
        .expect("version row");
    (row.get(0), row.get(1), row.get(2))
}

async fn live_employees(backend: &TestBackend, institution: i64) -> Vec<(String, i32)> {
    backend
        .admin
        .query(
            "select id::text, punctaj from public.employees
              where institution_id = $1 and deleted_at is null order by id",
            &[&institution],
        )
        .await
        .expect("employees")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

async fn revision(backend: &TestBackend, institution: i64) -> i64 {
    backend
        .admin
        .query_one(
            "select revision from public.institutions where id = $1",
            &[&institution],
        )
        .await
        .expect("revision")
        .get(0)
}

/// Runs `calls` (token, function, args) at the same moment (a barrier releases them together) and
/// returns the answers in call order.
async fn rpc_race(
    backend: &Arc<TestBackend>,
    calls: Vec<(String, &'static str, Value)>,
) -> Vec<(StatusCode, Value)> {
    let barrier = Arc::new(Barrier::new(calls.len()));
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(token, function, args)| {
            let backend = Arc::clone(backend);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                backend.rpc(Some(&token), function, args).await
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        let answer = tokio::time::timeout(RACE_TIMEOUT, task)
            .await
            .expect("a concurrent request did not finish within the time bound")
            .expect("request task panicked");
        answers.push(answer);
    }
    answers
}

async fn stop(backend: Arc<TestBackend>) {
    match Arc::try_unwrap(backend) {
        Ok(backend) => backend.stop().await,
        Err(_) => panic!("a request task still holds the backend"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_point_changes_by_a_leader_and_a_member_lose_no_update() {
    let backend = Arc::new(TestBackend::start().await);
    let institution = politie(&backend).await;
    let (employee, start_points) = live_employees(&backend, institution).await[0].clone();
    let (start_version, _, _) = version_and_hash(&backend).await;
    let start_revision = revision(&backend, institution).await;
    let tokens = [backend.token(LEADER).await, backend.token(MEMBER).await];

    let calls = (0..50)
        .map(|n| {
            (
                tokens[n % 2].clone(),
                "change_points",
                json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": 1}),
            )
        })
        .collect();
    let answers = rpc_race(&backend, calls).await;

    let mut versions = BTreeSet::new();
    let mut new_scores = BTreeSet::new();
    for (n, (status, body)) in answers.iter().enumerate() {
        assert_eq!(*status, StatusCode::OK, "call {n} failed: {body}");
        versions.insert(body["version"].as_i64().expect("version"));
        let changed = &body["changed"][0];
        let (old, new) = (
            changed["old"].as_i64().expect("old"),
            changed["new"].as_i64().expect("new"),
        );
        assert_eq!(
            new,
            old + 1,
            "call {n}: +1 applied to a stale score: {body}"
        );
        new_scores.insert(new);
    }
    let expected_versions: BTreeSet<i64> = (start_version + 1..=start_version + 50).collect();
    assert_eq!(
        versions, expected_versions,
        "50 changes must produce 50 distinct consecutive versions"
    );
    let expected_scores: BTreeSet<i64> =
        (i64::from(start_points) + 1..=i64::from(start_points) + 50).collect();
    assert_eq!(
        new_scores, expected_scores,
        "each change must see the previous one (no lost update)"
    );

    let final_points = live_employees(&backend, institution)
        .await
        .into_iter()
        .find(|(id, _)| *id == employee)
        .expect("employee still live")
        .1;
    assert_eq!(
        final_points,
        start_points + 50,
        "two leaders adding points at once lost an update"
    );
    let (version, stored, recomputed) = version_and_hash(&backend).await;
    assert_eq!(
        version,
        start_version + 50,
        "the version moved once per change"
    );
    assert_eq!(
        stored, recomputed,
        "the stored hash is not the hash of the final data"
    );
    assert_eq!(
        revision(&backend, institution).await,
        start_revision + 50,
        "the institution revision (reset precondition) moved once per change"
    );
    let audited: i64 = backend
        .admin
        .query_one(
            "select count(*) from public.audit_log where action = 'change_points' and entity_id = $1",
            &[&employee],
        )
        .await
        .expect("audit entries")
        .get(0);
    assert_eq!(audited, 50, "one audit entry per change");
    stop(backend).await;
}

async fn force_syncs_of(backend: &TestBackend, email: &str) -> i64 {
    let id = backend.user_id(email).await;
    backend
        .admin
        .query_one(
            "select count(*) from public.sync_log
              where user_id = $1::text::uuid and sync_type = 'force_sync' and status = 'success'",
            &[&id],
        )
        .await
        .expect("sync_log")
        .get(0)
}

fn assert_rate_limited(status: StatusCode, body: &Value, who: &str) {
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("PT429")),
        "{who}: a second force sync within 10 s must be rate limited: {body}"
    );
    let seconds: u64 = body["details"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("{who}: details must be the seconds to wait: {body}"));
    assert!(
        (1..=10).contains(&seconds),
        "{who}: wait {seconds} s is outside 1..=10"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn force_sync_two_users_at_once_both_succeed_and_a_repeat_within_10s_is_rate_limited() {
    let backend = Arc::new(TestBackend::start().await);
    let (start_version, _, _) = version_and_hash(&backend).await;
    let viewer = backend.token(VIEWER).await;
    let member = backend.token(MEMBER).await;

    let answers = rpc_race(
        &backend,
        vec![
            (viewer.clone(), "force_sync", json!({"p_reason": "viewer"})),
            (member.clone(), "force_sync", json!({})),
        ],
    )
    .await;
    let mut versions = BTreeSet::new();
    for ((status, body), who) in answers.iter().zip([VIEWER, MEMBER]) {
        assert_eq!(*status, StatusCode::OK, "{who}: force sync refused: {body}");
        versions.insert(body["version"].as_i64().expect("version"));
    }
    assert_eq!(
        versions,
        BTreeSet::from([start_version + 1, start_version + 2]),
        "each force sync bumps the version once"
    );
    assert_eq!(
        force_syncs_of(&backend, VIEWER).await,
        1,
        "viewer in sync_log"
    );
    assert_eq!(
        force_syncs_of(&backend, MEMBER).await,
        1,
        "member in sync_log"
    );
    // Both entries are visible to the users too, as the settings page reads them.
    let (status, _, rows) = backend
        .get(
            Some(&viewer),
            "/rest/v1/sync_log?select=user_id,sync_type,status&sync_type=eq.force_sync",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{rows}");

    // The same account again at once: refused, nothing changes.
    let (status, body) = backend
        .rpc(Some(&viewer), "force_sync", json!({"p_reason": "again"}))
        .await;
    assert_rate_limited(status, &body, VIEWER);
    assert_eq!(version_and_hash(&backend).await.0, start_version + 2);
    assert_eq!(force_syncs_of(&backend, VIEWER).await, 1, "no second entry");

    // A double click: the same account twice at the same moment passes once.
    let leader = backend.token(LEADER).await;
    let answers = rpc_race(
        &backend,
        vec![
            (leader.clone(), "force_sync", json!({})),
            (leader.clone(), "force_sync", json!({})),
        ],
    )
    .await;
    let passed: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .collect();
    assert_eq!(
        passed.len(),
        1,
        "a double click must force exactly one sync: {answers:?}"
    );
    let (status, body) = answers
        .iter()
        .find(|(status, _)| *status != StatusCode::OK)
        .expect("one refused");
    assert_rate_limited(*status, body, "double click");
    assert_eq!(force_syncs_of(&backend, LEADER).await, 1);
    assert_eq!(version_and_hash(&backend).await.0, start_version + 3);

    // The limit is per account: someone else is not affected.
    let leader2 = backend.token(LEADER2).await;
    let (status, body) = backend.rpc(Some(&leader2), "force_sync", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    stop(backend).await;
}

fn archive_json(round: u32, uploader: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "archived_at": format!("2026-05-01 10:{round:02}:00"),
        "institution": "Politie",
        "city": "BlackWater",
        "reset_by": uploader,
        "discord_id": null,
        "columns": ["DISCORD", "NUME IC", "SERIE DE BULETIN", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"],
        "rows": [],
        "employee_count": 0,
    }))
    .expect("archive json")
}

/// Uploads as supabase-js does (`upload(path, blob, {upsert: false})`).
async fn upload(backend: &TestBackend, token: &str, key: &str, content: Vec<u8>) {
    let response = backend
        .request(
            Method::POST,
            &format!("/storage/v1/object/arhiva/{key}"),
            Some(token),
        )
        .header("content-type", "application/json")
        .header("cache-control", "max-age=3600")
        .header("x-upsert", "false")
        .body(content)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "upload of {key} refused: {body}");
}

/// Storage `remove([key])`: the objects actually deleted.
async fn remove(backend: &TestBackend, token: &str, key: &str) -> Vec<Value> {
    let response = backend
        .request(Method::DELETE, "/storage/v1/object/arhiva", Some(token))
        .json(&json!({"prefixes": [key]}))
        .send()
        .await
        .expect("remove");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "remove {key}: {body}");
    body.as_array().cloned().unwrap_or_default()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_leaders_resetting_the_same_snapshot_at_once_exactly_one_wins() {
    let backend = Arc::new(TestBackend::start().await);
    let institution = politie(&backend).await;
    let owner = backend.token(OWNER).await;
    let racers = [
        (LEADER, backend.token(LEADER).await),
        (ADMIN, backend.token(ADMIN).await),
    ];

    for round in 0..3u32 {
        // Give everyone points, as between two resets.
        let ids: Vec<String> = live_employees(&backend, institution)
            .await
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let (status, body) = backend
            .rpc(
                Some(&owner),
                "change_points",
                json!({"p_institution_id": institution, "p_employee_ids": ids, "p_delta": 5 + round}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let before: Vec<(String, i32)> = live_employees(&backend, institution).await;
        let total_before: i64 = before.iter().map(|(_, p)| i64::from(*p)).sum();
        assert!(total_before > 0);
        let snapshot_revision = revision(&backend, institution).await;
        let (start_version, _, _) = version_and_hash(&backend).await;

        // Each leader uploads its own snapshot first, then both reset with the same revision.
        let mut keys = Vec::new();
        for (n, (email, token)) in racers.iter().enumerate() {
            let at = Utc
                .with_ymd_and_hms(2026, 5, 1, 10, round, n as u32)
                .single()
                .expect("stamp");
            let key = archive_object_key("BlackWater", "Politie", at);
            upload(&backend, token, &key, archive_json(round, email)).await;
            keys.push(key);
        }
        let calls = racers
            .iter()
            .zip(&keys)
            .map(|((_, token), key)| {
                (
                    token.clone(),
                    "reset_punctaj",
                    json!({"p_institution_id": institution, "p_archive_path": key,
                           "p_expected_revision": snapshot_revision}),
                )
            })
            .collect();
        let answers = rpc_race(&backend, calls).await;

        let winners: Vec<usize> = (0..2).filter(|&n| answers[n].0 == StatusCode::OK).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one reset must pass: {answers:?}"
        );
        let (winner, loser) = (winners[0], 1 - winners[0]);
        let (status, body) = &answers[loser];
        assert_eq!(
            (*status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("PT409")),
            "round {round}: the second reset must be told the data changed: {body}"
        );
        let won = &answers[winner].1;
        assert_eq!(won["employee_count"], json!(before.len()), "{won}");
        assert_eq!(won["total_points"], json!(total_before), "{won}");

        let after = live_employees(&backend, institution).await;
        assert!(
            after.iter().all(|(_, points)| *points == 0),
            "round {round}: scores not zeroed: {after:?}"
        );
        let archived: Vec<String> = backend
            .admin
            .query(
                "select object_path from public.archives where object_path = any($1)",
                &[&keys],
            )
            .await
            .expect("archives")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(
            archived,
            vec![keys[winner].clone()],
            "round {round}: exactly one archive row, the winner's"
        );
        let resets: i64 = backend
            .admin
            .query_one(
                "select count(*) from public.audit_log
                  where action = 'reset_punctaj' and entity_type = 'institution'
                    and (details like '%' || $1 || '%' or details like '%' || $2 || '%')",
                &[&keys[0], &keys[1]],
            )
            .await
            .expect("audit")
            .get(0);
        assert_eq!(resets, 1, "round {round}: the reset is audited once");
        let (version, stored, recomputed) = version_and_hash(&backend).await;
        assert_eq!(
            version,
            start_version + 1,
            "round {round}: one reset, one version bump"
        );
        assert_eq!(stored, recomputed);

        // The loser's upload is still there, and its uploader may clean it up; the winner's
        // archive is recorded, so a leader can no longer delete it.
        let (loser_email, loser_token) = &racers[loser];
        assert!(object_exists(&backend, &keys[loser]).await);
        let deleted = remove(&backend, loser_token, &keys[loser]).await;
        assert_eq!(
            deleted.len(),
            1,
            "{loser_email} cannot clean up its unused upload: {deleted:?}"
        );
        assert!(!object_exists(&backend, &keys[loser]).await);
        if racers[winner].0 == LEADER {
            let deleted = remove(&backend, &racers[winner].1, &keys[winner]).await;
            assert!(deleted.is_empty(), "a leader deleted a recorded archive");
        }
        assert!(
            object_exists(&backend, &keys[winner]).await,
            "round {round}: the archive of the reset is gone"
        );
    }
    stop(backend).await;
}

/// A member adds points while the leader resets from a snapshot. Either the reset wins (and the
/// points land on the zeroed score) or the points win (and the reset is refused with PT409): a
/// change must never be zeroed by a reset whose archive does not contain it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_points_change_racing_a_reset_is_never_silently_zeroed() {
    let backend = Arc::new(TestBackend::start().await);
    let institution = politie(&backend).await;
    let owner = backend.token(OWNER).await;
    let leader = backend.token(LEADER).await;
    let member = backend.token(MEMBER).await;
    let mut outcomes = BTreeSet::new();

    for round in 0..8u32 {
        let employees = live_employees(&backend, institution).await;
        let ids: Vec<&String> = employees.iter().map(|(id, _)| id).collect();
        let (status, body) = backend
            .rpc(
                Some(&owner),
                "change_points",
                json!({"p_institution_id": institution, "p_employee_ids": ids, "p_delta": 4}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (employee, points_before) = live_employees(&backend, institution).await[0].clone();
        let snapshot_revision = revision(&backend, institution).await;
        let at = Utc
            .with_ymd_and_hms(2026, 5, 2, 10, round, 0)
            .single()
            .expect("stamp");
        let key = archive_object_key("BlackWater", "Politie", at);
        upload(&backend, &leader, &key, archive_json(round, LEADER)).await;

        let answers = rpc_race(
            &backend,
            vec![
                (
                    leader.clone(),
                    "reset_punctaj",
                    json!({"p_institution_id": institution, "p_archive_path": key,
                           "p_expected_revision": snapshot_revision}),
                ),
                (
                    member.clone(),
                    "change_points",
                    json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": 3}),
                ),
            ],
        )
        .await;
        let (reset, change) = (&answers[0], &answers[1]);
        assert_eq!(
            change.0,
            StatusCode::OK,
            "round {round}: points change refused: {change:?}"
        );
        let final_points = live_employees(&backend, institution)
            .await
            .into_iter()
            .find(|(id, _)| *id == employee)
            .expect("employee")
            .1;
        let archived = backend
            .admin
            .query_opt(
                "select 1 from public.archives where object_path = $1",
                &[&key],
            )
            .await
            .expect("archives")
            .is_some();
        if reset.0 == StatusCode::OK {
            assert_eq!(
                change.1["changed"][0]["old"],
                json!(0),
                "round {round}: the reset passed although the points change it did not archive came first"
            );
            assert_eq!(
                final_points, 3,
                "round {round}: points added after the reset were lost"
            );
            assert!(archived, "round {round}: reset without archive row");
            outcomes.insert("reset first");
        } else {
            assert_eq!(
                (reset.0, reset.1["code"].as_str()),
                (StatusCode::CONFLICT, Some("PT409")),
                "round {round}: {reset:?}"
            );
            assert_eq!(final_points, points_before + 3, "round {round}");
            assert!(
                !archived,
                "round {round}: a refused reset recorded an archive"
            );
            outcomes.insert("points first");
        }
        let (_, stored, recomputed) = version_and_hash(&backend).await;
        assert_eq!(stored, recomputed, "round {round}: stale hash");
    }
    eprintln!("race outcomes seen: {outcomes:?}");
    stop(backend).await;
}

/// Many kinds of changes in all institutions at once: every call gets its own version, and the
/// hash stored with the last one is the hash of the final data (each bump hashed the data
/// committed before it plus its own change, never a stale snapshot).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_across_all_institutions_keep_version_and_hash_consistent() {
    let backend = Arc::new(TestBackend::start().await);
    let (start_version, _, _) = version_and_hash(&backend).await;
    let owner = backend.token(OWNER).await;
    let admin = backend.token(ADMIN).await;
    // Points go to the first member, the edit to the last one: an edit of a member whose points
    // change meanwhile is refused (PT412, 0011_row_versions), which is not what this test races.
    let institutions: Vec<(i64, String, String, i64, i32)> = backend
        .admin
        .query(
            "select i.id, f.id::text, l.id::text, l.row_version, l.rank
               from public.institutions i
               cross join lateral (select e.id from public.employees e
                                    where e.institution_id = i.id and e.deleted_at is null
                                    order by e.id limit 1) f
               cross join lateral (select e.id, e.row_version, e.rank from public.employees e
                                    where e.institution_id = i.id and e.deleted_at is null
                                    order by e.id desc limit 1) l
              order by i.id",
            &[],
        )
        .await
        .expect("institutions")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4)))
        .collect();
    let mut calls: Vec<(String, &'static str, Value)> = Vec::new();
    for (n, (institution, employee, edited, edited_version, edited_rank)) in
        institutions.iter().enumerate()
    {
        let token = if n % 2 == 0 { &owner } else { &admin };
        for delta in [1, 2, -1] {
            calls.push((
                token.clone(),
                "change_points",
                json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": delta}),
            ));
        }
        calls.push((
            token.clone(),
            "add_employee",
            json!({"p_institution_id": institution, "p_rank": 1,
                   "p_fields": {"DISCORD": format!("concurrent-{n}")}, "p_punctaj": n}),
        ));
        let other_rank = if *edited_rank == 1 { 2 } else { 1 };
        calls.push((
            token.clone(),
            "update_employee",
            json!({"p_employee_id": edited, "p_rank": other_rank, "p_fields": null,
                   "p_expected_version": edited_version}),
        ));
    }
    calls.push((owner.clone(), "create_city", json!({"p_name": "Armadillo"})));
    calls.push((
        admin.clone(),
        "rename_city",
        json!({"p_city_id": 3, "p_name": "Valentine Nouă",
               "p_expected_version": backend.row_version("cities", 3).await}),
    ));
    for email in [VIEWER, MEMBER, LEADER, LEADER2] {
        calls.push((backend.token(email).await, "force_sync", json!({})));
    }
    let count = calls.len() as i64;
    let answers = rpc_race(&backend, calls).await;

    let mut by_version = std::collections::BTreeMap::new();
    for (n, (status, body)) in answers.iter().enumerate() {
        assert_eq!(*status, StatusCode::OK, "call {n} failed: {body}");
        let version = body["version"].as_i64().expect("version");
        let hash = body["data_hash"].as_str().expect("data_hash").to_owned();
        assert!(
            by_version.insert(version, hash).is_none(),
            "two changes were given version {version}"
        );
    }
    let expected: Vec<i64> = (start_version + 1..=start_version + count).collect();
    assert_eq!(
        by_version.keys().copied().collect::<Vec<_>>(),
        expected,
        "{count} changes must produce {count} consecutive versions"
    );
    let (version, stored, recomputed) = version_and_hash(&backend).await;
    assert_eq!(version, start_version + count);
    assert_eq!(
        stored, recomputed,
        "the stored hash is not the hash of the final data"
    );
    assert_eq!(
        by_version.last_key_value().map(|(_, hash)| hash.as_str()),
        Some(stored.as_str()),
        "the last change returned another hash than the one stored"
    );
    stop(backend).await;
}

/// Two owners removing each other at the same moment: one wins, the other is refused, and the
/// deployment is never left without an owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_revoking_each_other_at_once_never_leave_zero_owners() {
    let backend = Arc::new(TestBackend::start().await);
    let owner = backend.token(OWNER).await;
    let admin = backend.token(ADMIN).await;
    let owner_id = backend.user_id(OWNER).await;
    let admin_id = backend.user_id(ADMIN).await;

    for round in 0..5 {
        // admin@ becomes a second owner (again, if it lost the previous round).
        let (status, body) = backend
            .rpc(
                Some(&owner),
                "grant_global_role",
                json!({"p_user_id": admin_id, "p_role": "owner"}),
            )
            .await;
        if status != StatusCode::OK {
            // owner@ lost the previous round: admin@ is the owner and promotes owner@ back.
            let (status, body) = backend
                .rpc(
                    Some(&admin),
                    "grant_global_role",
                    json!({"p_user_id": owner_id, "p_role": "owner"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "round {round}: {body}");
        } else {
            assert_eq!(body["global_role"], json!("owner"), "{body}");
        }
        let owners = |backend: Arc<TestBackend>| async move {
            backend
                .admin
                .query_one(
                    "select count(*) from public.global_roles where role = 'owner'",
                    &[],
                )
                .await
                .expect("owners")
                .get::<_, i64>(0)
        };
        assert_eq!(owners(Arc::clone(&backend)).await, 2, "round {round}");

        let answers = rpc_race(
            &backend,
            vec![
                (
                    owner.clone(),
                    "revoke_global_role",
                    json!({"p_user_id": admin_id}),
                ),
                (
                    admin.clone(),
                    "revoke_global_role",
                    json!({"p_user_id": owner_id}),
                ),
            ],
        )
        .await;
        let passed = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::OK)
            .count();
        assert_eq!(passed, 1, "round {round}: {answers:?}");
        let (status, body) = answers
            .iter()
            .find(|(status, _)| *status != StatusCode::OK)
            .expect("one refused");
        assert!(
            matches!(
                (status.as_u16(), body["code"].as_str()),
                (403, Some("42501")) | (400, Some("22023"))
            ),
            "round {round}: unexpected refusal {status} {body}"
        );
        assert_eq!(
            owners(Arc::clone(&backend)).await,
            1,
            "round {round}: the deployment must keep exactly one owner"
        );
    }
    stop(backend).await;
}
