//! Scoped sync on real PostgreSQL (`sql/migrations/0013_scoped_sync.sql`): a change recomputes its
//! own scope's hash and the global hash from the stored scope hashes, and these always equal a
//! fresh recomputation from the tables, also under 50 concurrent changes in different scopes;
//! `rpc/sync_delta` answers exactly the rows changed since a version, tombstones included, and
//! refuses what it cannot serve; `rpc/sync_changes` names the changed scopes.

mod support;

use std::sync::Arc;
use std::time::Duration;

use punctaj_core::delta::{Delta, SyncChanges};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;
use tokio::sync::Barrier;

const OWNER: &str = "owner@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const PENDING: &str = "pending@punctaj.test";
const RACE_TIMEOUT: Duration = Duration::from_secs(120);

/// Every stored scope hash, the stored data_hash, and what a fresh recomputation says.
async fn assert_scopes_fresh(backend: &TestBackend) {
    let stale: Value = backend
        .json_of(
            "select coalesce(jsonb_agg(s.scope), '[]') from public.sync_scopes s
              where s.hash is distinct from app.scope_hash(s.scope)::char(64)",
        )
        .await;
    assert_eq!(
        stale,
        json!([]),
        "stored scope hashes differ from a fresh recomputation"
    );
    let missing = backend
        .scalar_i64(
            "select count(*) from public.institutions i where i.deleted_at is null
               and not exists (select 1 from public.sync_scopes s
                                where s.institution_id = i.id and s.hash is not null)",
        )
        .await;
    assert_eq!(missing, 0, "a live institution has no live scope");
    let (_, stored) = backend.cloud_version().await;
    assert_eq!(
        stored.trim(),
        backend.scalar_text("app.compute_data_hash()").await,
        "data_hash is not the fresh global hash"
    );
}

async fn institution(backend: &TestBackend, city: &str, name: &str) -> i64 {
    backend
        .scalar_i64(&format!(
            "select i.id from public.institutions i join public.cities c on c.id = i.city_id
              where c.name = '{city}' and i.name = '{name}'"
        ))
        .await
}

async fn first_employee(backend: &TestBackend, institution: i64) -> String {
    backend
        .scalar_text(&format!(
            "select id::text from public.employees where institution_id = {institution}
              and deleted_at is null order by id limit 1"
        ))
        .await
}

async fn change_points(
    backend: &TestBackend,
    token: &str,
    institution: i64,
    employee: &str,
) -> Value {
    let (status, body) = backend
        .rpc(
            Some(token),
            "change_points",
            json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn delta(backend: &TestBackend, token: &str, since: Value) -> Delta {
    let (status, body) = backend
        .rpc(Some(token), "sync_delta", json!({ "p_since": since }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body.clone()).unwrap_or_else(|e| {
        panic!("the delta does not read as punctaj_core::delta::Delta ({e}): {body}")
    })
}

async fn scope_version(backend: &TestBackend, scope: &str) -> i64 {
    backend
        .scalar_i64(&format!(
            "select version from public.sync_scopes where scope = '{scope}'"
        ))
        .await
}

#[tokio::test]
async fn a_points_change_moves_only_its_scope_and_the_delta_carries_only_its_row() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let viewer = backend.token(VIEWER).await;
    assert_scopes_fresh(&backend).await;
    let politie = institution(&backend, "BlackWater", "Politie").await;
    let medici = institution(&backend, "Saint Denis", "Medici").await;
    let (before, _) = backend.cloud_version().await;
    let medici_version = scope_version(&backend, &format!("institution:{medici}")).await;
    let structure_version = scope_version(&backend, "structure").await;
    let employee = first_employee(&backend, politie).await;

    let answer = change_points(&backend, &owner, politie, &employee).await;
    let after = answer["version"].as_i64().expect("version");
    assert_eq!(after, before + 1);
    assert_scopes_fresh(&backend).await;
    assert_eq!(
        scope_version(&backend, &format!("institution:{politie}")).await,
        after
    );
    assert_eq!(
        scope_version(&backend, &format!("institution:{medici}")).await,
        medici_version
    );
    assert_eq!(
        scope_version(&backend, "structure").await,
        structure_version
    );

    // The viewer's delta since `before`: that one employee, no city, its institution row (its
    // points time), every live scope, and the answer's hash is the cloud's.
    let mut since = serde_json::Map::new();
    since.insert("structure".into(), json!(before));
    for id in [politie, medici] {
        since.insert(format!("institution:{id}"), json!(before));
    }
    let answer = delta(&backend, &viewer, Value::Object(since)).await;
    assert_eq!(answer.refusal(before), None);
    assert_eq!(answer.version, after);
    assert!(answer.cities.is_empty(), "{:?}", answer.cities);
    let ids: Vec<&str> = answer.employees.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [employee.as_str()]);
    assert_eq!(
        answer.institutions.iter().map(|i| i.id).collect::<Vec<_>>(),
        [politie]
    );
    let live_scopes = backend
        .scalar_i64("select count(*) from public.sync_scopes where hash is not null")
        .await;
    assert_eq!(answer.scopes.len() as i64, live_scopes);
    assert_eq!(answer.data_hash, backend.cloud_version().await.1.trim());

    // sync_changes names that scope alone.
    let (status, body) = backend
        .rpc(Some(&viewer), "sync_changes", json!({ "p_since": before }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changes: SyncChanges = serde_json::from_value(body).expect("sync_changes");
    let scopes: Vec<String> = changes.scopes.iter().map(|s| s.scope.to_string()).collect();
    assert_eq!(scopes, [format!("institution:{politie}")]);
}

#[tokio::test]
async fn a_soft_delete_travels_as_a_tombstone_and_a_city_delete_tombstones_its_scopes() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let politie = institution(&backend, "BlackWater", "Politie").await;
    let employee = first_employee(&backend, politie).await;
    let (before, _) = backend.cloud_version().await;
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "delete_employees",
            json!({ "p_employee_ids": [employee] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_scopes_fresh(&backend).await;
    let answer = delta(
        &backend,
        &owner,
        json!({"structure": before, format!("institution:{politie}"): before}),
    )
    .await;
    assert_eq!(answer.employees.len(), 1);
    assert!(answer.employees[0].deleted_at.is_some(), "a tombstone");

    let city = backend
        .scalar_i64("select id from public.cities where name = 'BlackWater'")
        .await;
    let (before, _) = backend.cloud_version().await;
    let (status, body) = backend
        .rpc(Some(&owner), "delete_city", json!({ "p_city_id": city }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_scopes_fresh(&backend).await;
    let gone = backend
        .scalar_i64(&format!(
            "select count(*) from public.sync_scopes s join public.institutions i on i.id = s.institution_id
              where i.city_id = {city} and s.hash is null and s.version > {before}"
        ))
        .await;
    let institutions = backend
        .scalar_i64(&format!(
            "select count(*) from public.institutions where city_id = {city}"
        ))
        .await;
    assert_eq!(
        gone, institutions,
        "every institution of the deleted city is a tombstoned scope"
    );
    let (status, body) = backend
        .rpc(Some(&owner), "restore_city", json!({ "p_city_id": city }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_scopes_fresh(&backend).await;
    let answer = delta(&backend, &owner, json!({"structure": before})).await;
    assert!(
        answer
            .cities
            .iter()
            .any(|c| c.id == city && c.deleted_at.is_none())
    );
}

#[tokio::test]
async fn fifty_concurrent_changes_in_different_scopes_leave_every_hash_fresh() {
    let backend = Arc::new(TestBackend::start().await);
    let owner = backend.token(OWNER).await;
    // 50 new institutions, one member each, made directly (the deferred trigger bumps once).
    backend
        .admin
        .batch_execute(
            "insert into public.institutions (city_id, name, ranks, columns)
             select (select min(id) from public.cities), 'Race ' || n, array['Agent'],
                    array['RANK','ROLE','PUNCTAJ','ULTIMA_MOD']
               from generate_series(1, 50) n;
             insert into public.employees (institution_id, rank, punctaj, fields)
             select i.id, 1, 0, '{}'::jsonb from public.institutions i where i.name like 'Race %';",
        )
        .await
        .expect("race institutions");
    assert_scopes_fresh(&backend).await;
    let (start, _) = backend.cloud_version().await;
    let targets: Vec<(i64, String)> = backend
        .admin
        .query(
            "select i.id, e.id::text from public.institutions i join public.employees e on e.institution_id = i.id
              where i.name like 'Race %' order by i.id",
            &[],
        )
        .await
        .expect("targets")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(targets.len(), 50);
    let barrier = Arc::new(Barrier::new(targets.len()));
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|(institution, employee)| {
            let (backend, barrier, owner) = (backend.clone(), barrier.clone(), owner.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                change_points(&backend, &owner, institution, &employee).await["version"]
                    .as_i64()
                    .expect("version")
            })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(
            tokio::time::timeout(RACE_TIMEOUT, task)
                .await
                .expect("in time")
                .expect("task"),
        );
    }
    versions.sort_unstable();
    assert_eq!(
        versions,
        ((start + 1)..=(start + 50)).collect::<Vec<_>>(),
        "50 consecutive bumps"
    );
    assert_scopes_fresh(&backend).await;
    let moved = backend
        .scalar_i64(&format!(
            "select count(*) from public.sync_scopes where version > {start}"
        ))
        .await;
    assert_eq!(moved, 50, "each change moved its own scope only");
}

#[tokio::test]
async fn a_restore_raises_the_floor_and_what_cannot_be_served_is_refused() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let (old, _) = backend.cloud_version().await;
    // A hard delete (what a restore does with rows its backup lacks) loses tombstones.
    backend
        .admin
        .batch_execute(
            "delete from public.employees where id = (select id from public.employees order by id limit 1)",
        )
        .await
        .expect("hard delete");
    let (now, _) = backend.cloud_version().await;
    assert_eq!(
        backend
            .scalar_i64(
                "select delta_floor from public.sync_metadata where sync_key = 'global_version'"
            )
            .await,
        now
    );
    assert_scopes_fresh(&backend).await;
    let refused = delta(&backend, &owner, json!({ "structure": old })).await;
    assert!(refused.full_required);
    assert!(
        refused
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("restored"),
        "{refused:?}"
    );
    let ahead = delta(&backend, &owner, json!({ "structure": now + 5 })).await;
    assert!(
        ahead
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("backwards"),
        "{ahead:?}"
    );
    let served = delta(&backend, &owner, json!({ "structure": now })).await;
    assert_eq!(served.refusal(now), None);

    for bad in [
        json!([1]),
        json!({"structure": -1}),
        json!({"structure": 1.5}),
        json!({"structure": "1"}),
        json!({"city:1": 1}),
        json!({"institution:01": 1}),
    ] {
        let (status, body) = backend
            .rpc(Some(&owner), "sync_delta", json!({ "p_since": bad }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["code"], "22023", "{bad}: {body}");
    }
    for who in [None, Some(backend.token(PENDING).await)] {
        let (status, body) = backend
            .rpc(who.as_deref(), "sync_changes", json!({ "p_since": 0 }))
            .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "{status}: {body}"
        );
    }
}

#[tokio::test]
async fn sync_log_records_the_download_mode() {
    let backend = TestBackend::start().await;
    let viewer = backend.token(VIEWER).await;
    for mode in ["delta", "full"] {
        let (status, body) = backend
            .rpc(
                Some(&viewer),
                "log_sync",
                json!({"p_sync_type": "download", "p_status": "success", "p_items_synced": 1, "p_mode": mode}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let (status, body) = backend
        .rpc(
            Some(&viewer),
            "log_sync",
            json!({"p_sync_type": "download", "p_status": "success", "p_items_synced": 1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "an old client's call still works: {body}"
    );
    let (status, body) = backend
        .rpc(
            Some(&viewer),
            "log_sync",
            json!({"p_sync_type": "download", "p_status": "success", "p_items_synced": 1, "p_mode": "half"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let modes: Value = backend
        .json_of(
            "select jsonb_agg(mode order by id) from public.sync_log where sync_type = 'download'",
        )
        .await;
    assert_eq!(modes, json!(["delta", "full", null]));
}
