//! The import of the old desktop app (`sql/migrations/0008_import.sql`), on real PostgreSQL,
//! through the HTTP API as the real demo accounts:
//!
//! * one `rpc/import_legacy` creates cities, institutions, employees and archive records, updates
//!   what differs, with one summary audit entry, exactly one version bump and one broadcast;
//!   importing the same again changes nothing and bumps nothing; a newer copy changes only what
//!   differs;
//! * preconditions (revision, live ids, names taken meanwhile, archives uploaded) and every
//!   malformed payload are refused with the documented code and a message naming the element,
//!   and nothing at all is written;
//! * only owners and admins import (42501 for everyone else, anon included);
//! * legacy audit history is imported once, marked legacy, visible to leaders of its institution;
//! * Discord invitations: saved, readable by owners and admins only, granted when the account
//!   first appears with that Discord id, never to an account that already has access;
//! * `app.same_name` agrees with `punctaj_core::archive::same_name` on hostile names.

mod support;

use chrono::{TimeZone, Utc};
use punctaj_core::archive::{archive_object_key, same_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;

const OWNER: &str = "owner@punctaj.test";
const ADMIN: &str = "admin@punctaj.test";
const LEADER: &str = "leader@punctaj.test";
const MEMBER: &str = "member@punctaj.test";
const VIEWER: &str = "viewer@punctaj.test";
const PENDING: &str = "pending@punctaj.test";
/// The seed's Discord account (viewer), Discord id 900000000000000001.
const DISCORD_DEMO: &str = "discord-demo@punctaj.test";

/// Markup, a quote and a Romanian letter: `slug` = `script_S`.
const HOSTILE: &str = "<script>\"Ș";
/// BlackWater/Politie of the seed (city 1, institution 1, seven ranks).
const POLITIE: i64 = 1;
/// Saint Denis/Medici of the seed (city 2, institution 4).
const SD_MEDICI: i64 = 4;

// Helpers --------------------------------------------------------------------------------------

async fn import(
    backend: &TestBackend,
    token: Option<&str>,
    payload: &Value,
) -> (StatusCode, Value) {
    backend
        .rpc(token, "import_legacy", json!({ "p_payload": payload }))
        .await
}

/// An import that must succeed; its answer.
async fn import_ok(backend: &TestBackend, token: &str, payload: &Value) -> Value {
    let (status, body) = import(backend, Some(token), payload).await;
    assert_eq!(status, StatusCode::OK, "import_legacy: {body}");
    body
}

/// Removes and returns the payloads of the broadcasts stored so far.
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

/// Everything an import could write, as one comparable value.
async fn snapshot(backend: &TestBackend) -> Value {
    backend.json_of("select jsonb_build_object(
           'version', (select to_jsonb(m) - 'updated_at' from public.sync_metadata m),
           'cities', (select jsonb_agg(to_jsonb(c) order by c.id) from public.cities c),
           'institutions', (select jsonb_agg(to_jsonb(i) order by i.id) from public.institutions i),
           'employees', (select md5(string_agg(to_jsonb(e)::text, '' order by e.id)) from public.employees e),
           'archives', (select coalesce(jsonb_agg(to_jsonb(a) order by a.id), '[]') from public.archives a),
           'audit', (select count(*) from public.audit_log),
           'invites', (select coalesce(jsonb_agg(to_jsonb(d) order by d.discord_id), '[]') from public.discord_invites d),
           'global_roles', (select jsonb_agg(to_jsonb(g) order by g.user_id) from public.global_roles g),
           'institution_roles', (select jsonb_agg(to_jsonb(r) order by r.user_id, r.institution_id)
                                   from public.institution_roles r),
           'messages', (select count(*) from realtime.messages))",
    )
    .await
}

async fn revision(backend: &TestBackend, institution: i64) -> i64 {
    backend
        .scalar_i64(&format!(
            "select revision from public.institutions where id = {institution}"
        ))
        .await
}

/// One live employee of the institution as the payload describes it.
async fn employee_item(backend: &TestBackend, id: &str, institution_index: usize) -> Value {
    backend.json_of(&format!(
            "select jsonb_build_object('id', e.id, 'institution', {institution_index}, 'rank', e.rank,
                      'punctaj', e.punctaj,
                      'ultima_mod', to_char(e.ultima_mod at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
                      'fields', e.fields)
               from public.employees e where e.id = '{id}'"
        ),
    )
    .await
}

async fn first_employee(backend: &TestBackend, institution: i64) -> String {
    backend
        .admin
        .query_one(
            "select id::text from public.employees
              where institution_id = $1 and deleted_at is null order by id limit 1",
            &[&institution],
        )
        .await
        .expect("an employee")
        .get(0)
}

/// Uploads a small archive document under `key`.
async fn upload(backend: &TestBackend, token: &str, key: &str) {
    let document = json!({
        "archived_at": "2026-02-18 18:13:47", "institution": "Poliție", "city": HOSTILE,
        "reset_by": "parjanu", "discord_id": "703316932232872016",
        "columns": ["DISCORD", "NUME IC", "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"],
        "rows": [], "employee_count": 2
    });
    backend.upload_archive(token, key, &document).await;
}

fn after_reset_key(key: &str) -> String {
    key.replace(".json", "_AFTER_RESET.json")
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

fn zero_counts() -> Value {
    json!({"cities_created": 0, "institutions_created": 0, "institutions_updated": 0,
           "employees_created": 0, "employees_updated": 0, "archives_recorded": 0,
           "audit_imported": 0, "invites_saved": 0})
}

fn counts(pairs: &[(&str, i64)]) -> Value {
    let mut all = zero_counts();
    for (key, value) in pairs {
        all[*key] = json!(value);
    }
    all
}

/// The smallest valid payload: BlackWater/Politie referenced, one member added.
fn small_payload(politie_revision: i64) -> Value {
    json!({
        "server": "balcaniwest", "time_zone": "Europe/Bucharest", "files": 1,
        "cities": [{"id": 1, "name": "BlackWater"}],
        "institutions": [{"id": POLITIE, "city": 0, "name": "Politie",
                          "expected_revision": politie_revision, "ranks": null, "columns": null,
                          "last_points_change_at": null}],
        "employees": [{"id": null, "institution": 0, "rank": 1, "punctaj": 1, "ultima_mod": null,
                       "fields": {"DISCORD": "nou.venit"}}],
        "archives": [], "audit": [], "invites": []
    })
}

async fn discord_account(backend: &TestBackend, email: &str, discord_id: &str) -> String {
    backend
        .admin
        .query_one(
            "insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data,
                                     raw_user_meta_data, created_at, updated_at)
             values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
                     'authenticated', $1,
                     jsonb_build_object('provider', 'discord', 'providers', jsonb_build_array('discord'),
                                        'discord_id', $2::text),
                     jsonb_build_object('full_name', 'Invited ' || $2::text, 'provider_id', $2::text),
                     now(), now())
             returning id::text",
            &[&email, &discord_id],
        )
        .await
        .expect("insert a Discord account")
        .get(0)
}

async fn roles_of(backend: &TestBackend, user_id: &str) -> Value {
    backend.json_of(&format!(
            "select jsonb_build_object(
               'global', (select jsonb_build_object('role', g.role, 'granted_by', g.granted_by)
                            from public.global_roles g where g.user_id = '{user_id}'),
               'institutions', (select coalesce(jsonb_agg(jsonb_build_object('institution_id', r.institution_id,
                                                  'role', r.role, 'granted_by', r.granted_by)
                                                order by r.institution_id), '[]')
                                  from public.institution_roles r where r.user_id = '{user_id}'))"
        ),
    )
    .await
}

// The whole import -----------------------------------------------------------------------------

#[tokio::test]
async fn owner_imports_in_one_bump_then_the_same_again_changes_nothing_and_a_newer_copy_only_the_difference()
 {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let owner_id = backend.user_id(OWNER).await;
    take_messages(&backend).await; // the seed's

    let at = Utc.with_ymd_and_hms(2026, 2, 18, 16, 13, 47).unwrap();
    let key = archive_object_key(HOSTILE, "Poliție", at);
    assert_eq!(key, "script_S/Politie_2026-02-18_16-13-47.json");
    let key_after = after_reset_key(&key);
    upload(&backend, &owner, &key).await;
    upload(&backend, &owner, &key_after).await;
    take_messages(&backend).await;

    let politie_revision = revision(&backend, POLITIE).await;
    let veteran = first_employee(&backend, POLITIE).await;
    let mut veteran_item = employee_item(&backend, &veteran, 0).await;
    let veteran_points = veteran_item["punctaj"].as_i64().unwrap();
    veteran_item["punctaj"] = json!(veteran_points + 5);
    veteran_item["ultima_mod"] = json!("2026-02-15T00:01:03Z");
    let (before, _) = backend.cloud_version().await;
    let audit_before = backend
        .scalar_i64("select count(*) from public.audit_log")
        .await;

    let ranks = json!(["Cadet", "Șef <b>"]);
    let columns = json!([
        "DISCORD",
        "NUME IC",
        "RANK",
        "ROLE",
        "PUNCTAJ",
        "ULTIMA_MOD"
    ]);
    let audit = json!([{"legacy_id": 812, "at": "2026-02-14T21:28:19Z", "actor_name": "parjanu",
                        "discord_id": "703316932232872016", "action": "edit_points",
                        "city": "BlackWater", "institution": "Politie", "entity_name": "nikolas",
                        "details": "nikolas: 7 → 8 (Adăugare 1 puncte)"}]);
    let archives = json!([
        {"object_path": key, "institution": 1, "archived_at": "2026-02-18T16:13:47Z",
         "reset_by_name": "parjanu", "employee_count": 2, "total_points": 38, "after_reset": false},
        {"object_path": key_after, "institution": 1, "archived_at": "2026-02-18T16:13:47Z",
         "reset_by_name": "parjanu", "employee_count": 2, "total_points": 0, "after_reset": true}
    ]);
    let first = json!({
        "server": "balcaniwest", "time_zone": "Europe/Bucharest", "files": 4,
        "cities": [{"id": 1, "name": "BlackWater"}, {"id": null, "name": HOSTILE}],
        "institutions": [
            {"id": POLITIE, "city": 0, "name": "Politie", "expected_revision": politie_revision,
             "ranks": null, "columns": null, "last_points_change_at": "2030-01-01T00:00:00Z"},
            {"id": null, "city": 1, "name": "Poliție", "expected_revision": null,
             "ranks": ranks, "columns": columns, "last_points_change_at": "2026-02-15T00:01:43Z"}
        ],
        "employees": [
            {"id": null, "institution": 1, "rank": 2, "punctaj": 20, "ultima_mod": "2026-02-15T00:01:03Z",
             "fields": {"DISCORD": "Sintact", "NUME IC": "Jay <script>\"Ș"}},
            {"id": null, "institution": 1, "rank": 1, "punctaj": 0, "ultima_mod": null,
             "fields": {"DISCORD": "nikolas"}},
            veteran_item
        ],
        "archives": archives,
        "audit": audit,
        "invites": []
    });

    let body = import_ok(&backend, &owner, &first).await;
    assert_eq!(body["changed"], json!(true), "{body}");
    assert_eq!(
        body["counts"],
        counts(&[
            ("cities_created", 1),
            ("institutions_created", 1),
            ("institutions_updated", 1),
            ("employees_created", 2),
            ("employees_updated", 1),
            ("archives_recorded", 2),
            ("audit_imported", 1),
        ]),
        "{body}"
    );
    let (after, hash) = backend.cloud_version().await;
    assert_eq!(after, before + 1, "exactly one version bump");
    assert_eq!(body["version"], json!(after));
    assert_eq!(body["data_hash"], json!(hash));
    let computed: String = backend
        .admin
        .query_one("select app.compute_data_hash()", &[])
        .await
        .expect("hash")
        .get(0);
    assert_eq!(hash, computed, "the stored hash is the hash of the data");
    let messages = take_messages(&backend).await;
    assert_eq!(messages.len(), 1, "one broadcast: {messages:#?}");
    assert_eq!(messages[0]["action"], json!("import_legacy"));
    assert_eq!(messages[0]["version"], json!(after));
    assert!(
        !messages[0].to_string().contains("script"),
        "no row data in the broadcast: {}",
        messages[0]
    );

    // The rows, names verbatim.
    let city: i64 = backend
        .admin
        .query_one(
            "select id from public.cities where name = $1 and deleted_at is null",
            &[&HOSTILE],
        )
        .await
        .expect("the new city")
        .get(0);
    let inst = backend
        .json_of(&format!(
            "select jsonb_build_object('id', id, 'name', name, 'ranks', ranks, 'columns', columns,
                      'lpca', last_points_change_at = '2026-02-15T00:01:43Z', 'revision', revision)
               from public.institutions where city_id = {city}"
        ))
        .await;
    assert_eq!(inst["name"], json!("Poliție"));
    assert_eq!(inst["ranks"], ranks);
    assert_eq!(inst["columns"], columns);
    assert_eq!(inst["lpca"], json!(true));
    let new_inst = inst["id"].as_i64().unwrap();
    let members = backend
        .json_of(&format!(
            "select jsonb_agg(jsonb_build_object('id', id, 'rank', rank, 'punctaj', punctaj,
                                'ultima_mod', ultima_mod, 'fields', fields) order by punctaj desc)
               from public.employees where institution_id = {new_inst} and deleted_at is null"
        ))
        .await;
    assert_eq!(members.as_array().unwrap().len(), 2, "{members}");
    assert_eq!(
        members[0]["fields"],
        json!({"DISCORD": "Sintact", "NUME IC": "Jay <script>\"Ș"})
    );
    assert_eq!(members[0]["punctaj"], json!(20));
    assert_eq!(members[1]["ultima_mod"], Value::Null);
    let points = backend
        .scalar_i64(&format!(
            "select punctaj from public.employees where id = '{veteran}'"
        ))
        .await;
    assert_eq!(points, veteran_points + 5);
    let politie_lpca = backend.json_of("select to_jsonb(last_points_change_at = '2030-01-01T00:00:00Z') from public.institutions where id = 1",
    )
    .await;
    assert_eq!(
        politie_lpca,
        json!(true),
        "a later last_points_change_at is applied"
    );
    let recorded = backend
        .json_of(&format!(
            "select jsonb_agg(jsonb_build_object('path', object_path, 'after_reset', after_reset,
                               'city', city_name, 'institution', institution_name,
                               'ids', city_id = {city} and institution_id = {new_inst},
                               'reset_by', reset_by, 'by', reset_by_name, 'count', employee_count,
                               'points', total_points) order by object_path)
               from public.archives where city_id = {city}"
        ))
        .await;
    assert_eq!(
        recorded,
        json!([
            {"path": key, "after_reset": false, "city": HOSTILE, "institution": "Poliție",
             "ids": true, "reset_by": null, "by": "parjanu", "count": 2, "points": 38},
            {"path": key_after, "after_reset": true, "city": HOSTILE, "institution": "Poliție",
             "ids": true, "reset_by": null, "by": "parjanu", "count": 2, "points": 0}
        ])
    );
    // One summary entry (plus the legacy one), by the owner.
    let summary = backend.json_of("select coalesce(jsonb_agg(jsonb_build_object('actor', actor_id, 'new', new_value, 'details', details,
                                                      'legacy', legacy)), '[]')
           from public.audit_log where action = 'import_legacy'",
    )
    .await;
    assert_eq!(summary.as_array().unwrap().len(), 1, "{summary}");
    assert_eq!(summary[0]["actor"], json!(owner_id));
    assert_eq!(summary[0]["legacy"], json!(false));
    assert_eq!(summary[0]["new"]["server"], json!("balcaniwest"));
    assert_eq!(summary[0]["new"]["time_zone"], json!("Europe/Bucharest"));
    assert_eq!(summary[0]["new"]["employees_created"], json!(2));
    assert!(
        summary[0]["details"]
            .as_str()
            .unwrap()
            .contains("2 employee(s) created"),
        "{summary}"
    );
    assert_eq!(
        backend
            .scalar_i64("select count(*) from public.audit_log")
            .await,
        audit_before + 2,
        "the summary and the legacy entry, nothing per row"
    );

    // The same folder again, in the form the client sends once it knows the ids: nothing changes.
    let created: Vec<String> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let mut second = first.clone();
    second["cities"][1]["id"] = json!(city);
    second["institutions"][0]["expected_revision"] = json!(revision(&backend, POLITIE).await);
    second["institutions"][1]["id"] = json!(new_inst);
    second["institutions"][1]["expected_revision"] = json!(revision(&backend, new_inst).await);
    second["employees"][0]["id"] = json!(created[0]);
    second["employees"][1]["id"] = json!(created[1]);
    let before_again = snapshot(&backend).await;
    let body = import_ok(&backend, &owner, &second).await;
    assert_eq!(body["changed"], json!(false), "{body}");
    assert_eq!(body["counts"], zero_counts(), "{body}");
    assert_eq!(body["version"], json!(after));
    assert_eq!(body["data_hash"], json!(hash));
    assert_eq!(
        snapshot(&backend).await,
        before_again,
        "an identical import writes nothing (no row, no audit entry, no bump, no broadcast)"
    );

    // The creating form again: the city exists now, the client decided from a stale copy.
    let (status, body) = import(&backend, Some(&owner), &first).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::CONFLICT,
            "PT409",
            "cities[1]: city \"<script>\"Ș\" already exists; download and preview again",
        ),
        "re-creating",
    );
    assert_eq!(snapshot(&backend).await, before_again);

    // A newer copy: one member's score differs; only that row (and its institution) moves.
    let other_revision = revision(&backend, POLITIE).await;
    let new_revision = revision(&backend, new_inst).await;
    let mut newer = second.clone();
    newer["employees"][0]["punctaj"] = json!(25);
    newer["employees"][0]["ultima_mod"] = json!("2026-03-01T10:00:00Z");
    let stamps = backend
        .json_of("select jsonb_object_agg(id, updated_at) from public.employees")
        .await;
    let body = import_ok(&backend, &owner, &newer).await;
    assert_eq!(body["changed"], json!(true), "{body}");
    assert_eq!(
        body["counts"],
        counts(&[("employees_updated", 1)]),
        "{body}"
    );
    assert_eq!(backend.cloud_version().await.0, after + 1);
    assert_eq!(take_messages(&backend).await.len(), 1);
    let moved = backend
        .json_of(&format!(
            "select coalesce(jsonb_agg(e.id), '[]') from public.employees e
              where e.updated_at is distinct from ('{stamps}'::jsonb ->> e.id::text)::timestamptz"
        ))
        .await;
    assert_eq!(moved, json!([created[0]]), "only the differing member");
    assert_eq!(revision(&backend, POLITIE).await, other_revision);
    assert_eq!(revision(&backend, new_inst).await, new_revision + 1);
    backend.stop().await;
}

#[tokio::test]
async fn ranks_and_columns_of_an_existing_institution_change_as_the_structure_functions_would() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    const BW_MEDICI: i64 = 2;
    // A deleted member keeps the columns consistent too (as set_institution_columns does).
    let gone = first_employee(&backend, BW_MEDICI).await;
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "delete_employees",
            json!({"p_employee_ids": [gone]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let promoted = first_employee(&backend, BW_MEDICI).await;
    let mut item = employee_item(&backend, &promoted, 0).await;
    item["rank"] = json!(7);
    item["fields"] = json!({"DISCORD": item["fields"]["DISCORD"], "NUME IC": item["fields"]["NUME IC"],
                            "NOU": "valoare <nouă>"});
    let stored_lpca = backend
        .json_of("select to_jsonb(last_points_change_at) from public.institutions where id = 2")
        .await;
    let rev = revision(&backend, BW_MEDICI).await;
    let ranks = json!([
        "Asistent",
        "Paramedic",
        "Medic",
        "Medic Specialist",
        "Medic Primar",
        "Director",
        "Șef de secție"
    ]);
    let payload = json!({
        "server": null, "time_zone": null, "files": null,
        "cities": [{"id": 1, "name": "BlackWater"}],
        "institutions": [{"id": BW_MEDICI, "city": 0, "name": "Medici", "expected_revision": rev,
                          "ranks": ranks, "columns": ["DISCORD", "NUME IC", "NOU"],
                          "last_points_change_at": "2000-01-01T00:00:00Z"}],
        "employees": [item],
        "archives": [], "audit": [], "invites": []
    });
    take_messages(&backend).await;
    let (before, _) = backend.cloud_version().await;
    let body = import_ok(&backend, &owner, &payload).await;
    assert_eq!(
        body["counts"],
        counts(&[("institutions_updated", 1), ("employees_updated", 1)]),
        "{body}"
    );
    assert_eq!(backend.cloud_version().await.0, before + 1);
    assert_eq!(take_messages(&backend).await.len(), 1);
    let inst = backend
        .json_of(
            "select jsonb_build_object('ranks', ranks, 'columns', columns, 'revision', revision,
                                   'lpca', to_jsonb(last_points_change_at))
           from public.institutions where id = 2",
        )
        .await;
    assert_eq!(inst["ranks"], ranks);
    assert_eq!(
        inst["columns"],
        json!([
            "DISCORD",
            "NUME IC",
            "NOU",
            "RANK",
            "ROLE",
            "PUNCTAJ",
            "ULTIMA_MOD"
        ]),
        "the fixed columns appended, as create_institution does"
    );
    assert_eq!(inst["revision"], json!(rev + 1), "one revision per import");
    assert_eq!(
        inst["lpca"], stored_lpca,
        "an older last_points_change_at is not applied"
    );
    let stale = backend.scalar_i64("select count(*) from public.employees where institution_id = 2 and fields ? 'SERIE DE BULETIN'",
    )
    .await;
    assert_eq!(
        stale, 0,
        "the dropped column's values are gone from every member, deleted ones too"
    );
    let promoted_row = employee_item(&backend, &promoted, 0).await;
    assert_eq!(promoted_row["rank"], json!(7));
    assert_eq!(promoted_row["fields"]["NOU"], json!("valoare <nouă>"));

    // The same again (the columns as the client sent them, normalised the same way): nothing.
    let mut again = payload.clone();
    again["institutions"][0]["expected_revision"] = json!(rev + 1);
    let before = snapshot(&backend).await;
    let body = import_ok(&backend, &owner, &again).await;
    assert_eq!(body["counts"], zero_counts(), "{body}");
    assert_eq!(snapshot(&backend).await, before);
    backend.stop().await;
}

#[tokio::test]
async fn a_stale_revision_or_a_vanished_id_refuses_the_whole_import() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let leader = backend.token(LEADER).await;
    let revision_seen = revision(&backend, POLITIE).await;
    let mut payload = small_payload(revision_seen);
    payload["cities"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": null, "name": "Oraș nou"}));

    // A leader changes points after the preview.
    let member = first_employee(&backend, POLITIE).await;
    let (status, body) = backend
        .rpc(
            Some(&leader),
            "change_points",
            json!({"p_institution_id": POLITIE, "p_employee_ids": [member], "p_delta": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    take_messages(&backend).await;
    let before = snapshot(&backend).await;

    let (status, body) = import(&backend, Some(&owner), &payload).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::CONFLICT,
            "PT409",
            "institutions[0]: institution \"Politie\" changed since the preview",
        ),
        "stale revision",
    );
    assert_eq!(
        body["details"],
        json!(format!(
            "expected revision {revision_seen}, current revision {}",
            revision_seen + 1
        ))
    );
    assert_eq!(
        snapshot(&backend).await,
        before,
        "nothing written: no city, no member"
    );

    // A member deleted since the preview.
    let current = revision(&backend, POLITIE).await;
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "delete_employees",
            json!({"p_employee_ids": [member]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut item = employee_item(&backend, &member, 0).await;
    item["punctaj"] = json!(99);
    let mut payload = small_payload(current + 1);
    payload["employees"] = json!([item]);
    take_messages(&backend).await;
    let before = snapshot(&backend).await;
    let (status, body) = import(&backend, Some(&owner), &payload).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::NOT_FOUND,
            "PT404",
            &format!("employees[0]: employee {member} is not a live member of \"Politie\""),
        ),
        "deleted member",
    );
    assert_eq!(snapshot(&backend).await, before);
    backend.stop().await;
}

// Who may import -------------------------------------------------------------------------------

#[tokio::test]
async fn only_owners_and_admins_may_import() {
    let backend = TestBackend::start().await;
    let payload = small_payload(revision(&backend, POLITIE).await);
    take_messages(&backend).await;
    let before = snapshot(&backend).await;

    for email in [LEADER, MEMBER, VIEWER, PENDING, DISCORD_DEMO] {
        let token = backend.token(email).await;
        let (status, body) = import(&backend, Some(&token), &payload).await;
        let expected = if email == PENDING {
            "permission denied: import_legacy — this account has no access yet"
        } else {
            "permission denied: import_legacy requires the structure permission"
        };
        expect_error(
            status,
            &body,
            (StatusCode::FORBIDDEN, "42501", expected),
            email,
        );
    }
    let (status, body) = import(&backend, None, &payload).await;
    expect_error(
        status,
        &body,
        (StatusCode::UNAUTHORIZED, "42501", "permission denied"),
        "anon",
    );
    // Even a malformed payload is refused for the permission first.
    let member = backend.token(MEMBER).await;
    let (status, body) = import(&backend, Some(&member), &json!("nonsense")).await;
    expect_error(
        status,
        &body,
        (StatusCode::FORBIDDEN, "42501", "import_legacy"),
        "member, nonsense",
    );
    assert_eq!(
        snapshot(&backend).await,
        before,
        "nothing written by a refused import"
    );

    // An admin imports, and invites viewers, but not admins (as grant_global_role).
    let admin = backend.token(ADMIN).await;
    let mut with_admin_invite = payload.clone();
    with_admin_invite["invites"] = json!([{"discord_id": "123456789012345678", "username": "x",
                                           "global_role": "admin", "institutions": []}]);
    let (status, body) = import(&backend, Some(&admin), &with_admin_invite).await;
    expect_error(
        status,
        &body,
        (
            StatusCode::FORBIDDEN,
            "42501",
            "only an owner can invite with the admin role (invites[0])",
        ),
        "admin inviting an admin",
    );
    assert_eq!(snapshot(&backend).await, before);
    let mut with_viewer_invite = with_admin_invite.clone();
    with_viewer_invite["invites"][0]["global_role"] = json!("viewer");
    let body = import_ok(&backend, &admin, &with_viewer_invite).await;
    assert_eq!(
        body["counts"],
        counts(&[("employees_created", 1), ("invites_saved", 1)]),
        "{body}"
    );
    let (after, _) = backend.cloud_version().await;
    assert_eq!(after, before["version"]["version"].as_i64().unwrap() + 1);
    backend.stop().await;
}

// Malformed payloads ----------------------------------------------------------------------------

#[tokio::test]
async fn malformed_payloads_are_refused_naming_the_element_and_write_nothing() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let rev = revision(&backend, POLITIE).await;
    let base = small_payload(rev);
    let member = first_employee(&backend, POLITIE).await;
    let stranger = "0b6f9a52-3d5e-4c1b-9a57-2f3a4b5c6d7e";
    let bad = StatusCode::BAD_REQUEST;
    let missing = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let archive = |path: &str, after_reset: bool| {
        json!([{"object_path": path, "institution": 0, "archived_at": "2026-02-18T16:13:47Z",
                "reset_by_name": "x", "employee_count": 1, "total_points": 1,
                "after_reset": after_reset}])
    };

    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, (StatusCode, &str, String))> = vec![
        (
            "not an object",
            Box::new(|p| *p = json!(["cities"])),
            (bad, "22023", "p_payload must be a JSON object".into()),
        ),
        (
            "missing list",
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("employees");
            }),
            (bad, "22023", "employees: is required (a list; [] when empty)".into()),
        ),
        (
            "list of the wrong type",
            Box::new(|p| p["cities"] = json!({})),
            (bad, "22023", "cities: must be a list, got {}".into()),
        ),
        (
            "too many employees",
            Box::new(|p| p["employees"] = json!(vec![json!(null); 50_001])),
            (bad, "22023", "employees: at most 50000 items in one import, got 50001".into()),
        ),
        (
            "city without id",
            Box::new(|p| {
                p["cities"][0].as_object_mut().unwrap().remove("id");
            }),
            (bad, "22023", "cities[0].id is required (null for a city to create)".into()),
        ),
        (
            "city name empty",
            Box::new(|p| p["cities"][0]["name"] = json!("  ")),
            (bad, "22023", "cities[0].name must not be empty".into()),
        ),
        (
            "city index out of range",
            Box::new(|p| p["institutions"][0]["city"] = json!(3)),
            (bad, "22023", "institutions[0].city: must be an index into cities (0..0), got 3".into()),
        ),
        (
            "expected revision missing",
            Box::new(|p| p["institutions"][0]["expected_revision"] = json!("x")),
            (bad, "22023", "institutions[0].expected_revision: required for an existing institution".into()),
        ),
        (
            "ranks not names",
            Box::new(|p| p["institutions"][0]["ranks"] = json!([1, 2])),
            (bad, "22023", "institutions[0].ranks: must be a list of names or null, got [1, 2]".into()),
        ),
        (
            "a rank without a name",
            Box::new(|p| p["institutions"][0]["ranks"] = json!(["A", " "])),
            (bad, "22023", "institutions[0].ranks: the role name of rank 2 must not be empty".into()),
        ),
        (
            "a column named ID",
            Box::new(|p| p["institutions"][0]["columns"] = json!(["DISCORD", "id"])),
            (bad, "22023", "institutions[0].columns: column name \"ID\" is reserved".into()),
        ),
        (
            "a ladder shorter than a member's rank",
            Box::new(|p| p["institutions"][0]["ranks"] = json!(["A", "B"])),
            (bad, "22023", "institutions[0].ranks: cannot shrink the ladder of \"Politie\" to 2 ranks".into()),
        ),
        (
            "new institution without ranks",
            Box::new(|p| {
                p["institutions"].as_array_mut().unwrap().push(json!({
                    "id": null, "city": 0, "name": "Nouă", "expected_revision": null,
                    "ranks": null, "columns": ["DISCORD"], "last_points_change_at": null}))
            }),
            (bad, "22023", "institutions[1].ranks: required for an institution to create".into()),
        ),
        (
            "negative points",
            Box::new(|p| p["employees"][0]["punctaj"] = json!(-1)),
            (bad, "22023", "employees[0].punctaj: must be an integer between 0 and 2147483647, got -1".into()),
        ),
        (
            "points as text",
            Box::new(|p| p["employees"][0]["punctaj"] = json!("5")),
            (bad, "22023", "employees[0].punctaj: must be an integer between 0 and 2147483647, got \"5\"".into()),
        ),
        (
            "rank off the ladder",
            Box::new(|p| p["employees"][0]["rank"] = json!(8)),
            (bad, "22023", "employees[0].rank: must be between 1 and 7 (the ranks of \"Politie\"), got 8".into()),
        ),
        (
            "institution index out of range",
            Box::new(|p| p["employees"][0]["institution"] = json!(1)),
            (bad, "22023", "employees[0].institution: must be an index into institutions (0..0), got 1".into()),
        ),
        (
            "employee without id",
            Box::new(|p| {
                p["employees"][0].as_object_mut().unwrap().remove("id");
            }),
            (bad, "22023", "employees[0].id is required (null for an employee to create)".into()),
        ),
        (
            "employee id not a uuid",
            Box::new(|p| p["employees"][0]["id"] = json!("7")),
            (bad, "22023", "employees[0].id: must be an employee id (UUID) or null, got \"7\"".into()),
        ),
        (
            "unknown column",
            Box::new(|p| p["employees"][0]["fields"] = json!({"NOPE": "x"})),
            (bad, "22023", "employees[0].fields: \"NOPE\" is not a custom column of \"Politie\" (custom columns: DISCORD, NUME IC, SERIE DE BULETIN)".into()),
        ),
        (
            "field not text",
            Box::new(|p| p["employees"][0]["fields"] = json!({"DISCORD": 5})),
            (bad, "22023", "employees[0].fields: the value of \"DISCORD\" must be a string, got 5".into()),
        ),
        (
            "ultima_mod without an offset",
            Box::new(|p| p["employees"][0]["ultima_mod"] = json!("2026-02-15 00:01:03")),
            (bad, "22023", "employees[0].ultima_mod: must be an ISO 8601 timestamp with an offset".into()),
        ),
        (
            "ultima_mod not a real date",
            Box::new(|p| p["employees"][0]["ultima_mod"] = json!("2026-02-30T00:01:03Z")),
            (bad, "22023", "employees[0].ultima_mod: must be an ISO 8601 timestamp with an offset (e.g. 2026-02-15T00:01:03Z) or null, got \"2026-02-30T00:01:03Z\"".into()),
        ),
        (
            "audit time not a real time",
            Box::new(|p| p["audit"] = json!([{"legacy_id": 1, "at": "2026-02-14T25:28:19Z", "action": "edit"}])),
            (bad, "22023", "audit[0].at: must be an ISO 8601 timestamp with an offset".into()),
        ),
        (
            "the same employee twice",
            Box::new(move |p| {
                p["employees"] = json!([
                    {"id": member, "institution": 0, "rank": 1, "punctaj": 1, "fields": {}},
                    {"id": member.to_uppercase(), "institution": 0, "rank": 1, "punctaj": 2, "fields": {}}])
            }),
            (bad, "22023", "employees[1]: employee".into()),
        ),
        (
            "an employee who is not there",
            Box::new(move |p| p["employees"][0]["id"] = json!(stranger)),
            (missing, "PT404", format!("employees[0]: employee {stranger} is not a live member of \"Politie\"")),
        ),
        (
            "archive of another institution",
            Box::new(move |p| p["archives"] = archive("BlackWater/Medici_2026-02-18_16-13-47.json", false)),
            (bad, "22023", "archives[0].object_path: must be BlackWater/Politie_YYYY-MM-DD_HH-MM-SS.json (a valid UTC date and time) for institutions[0], got \"BlackWater/Medici_2026-02-18_16-13-47.json\"".into()),
        ),
        (
            "archive stamp not a date",
            Box::new(move |p| p["archives"] = archive("BlackWater/Politie_2026-02-30_16-13-47.json", false)),
            (bad, "22023", "archives[0].object_path: must be BlackWater/Politie_YYYY-MM-DD_HH-MM-SS.json".into()),
        ),
        (
            "after_reset without its suffix",
            Box::new(move |p| p["archives"] = archive("BlackWater/Politie_2026-02-18_18-13-47.json", true)),
            (bad, "22023", "archives[0].object_path: must be BlackWater/Politie_YYYY-MM-DD_HH-MM-SS_AFTER_RESET.json".into()),
        ),
        (
            "path traversal",
            Box::new(move |p| p["archives"] = archive("BlackWater/Politie_../../x.json", false)),
            (bad, "22023", "archives[0].object_path: must be BlackWater/Politie_".into()),
        ),
        (
            "archive not uploaded",
            Box::new(move |p| p["archives"] = archive("BlackWater/Politie_2031-01-01_00-00-00.json", false)),
            (missing, "PT404", "archives[0]: archive BlackWater/Politie_2031-01-01_00-00-00.json not found in bucket arhiva; upload it first".into()),
        ),
        (
            "archive without archived_at",
            Box::new(move |p| {
                p["archives"] = archive("BlackWater/Politie_2026-02-18_18-13-47.json", false);
                p["archives"][0].as_object_mut().unwrap().remove("archived_at");
            }),
            (bad, "22023", "archives[0].archived_at: must be an ISO 8601 timestamp with an offset".into()),
        ),
        (
            "audit entry without id",
            Box::new(|p| p["audit"] = json!([{"legacy_id": "x", "at": "2026-02-14T21:28:19Z", "action": "edit"}])),
            (bad, "22023", "audit[0].legacy_id: must be the entry's id in audit_logs.json".into()),
        ),
        (
            "audit entry with an object as city",
            Box::new(|p| p["audit"] = json!([{"legacy_id": 1, "at": "2026-02-14T21:28:19Z", "action": "edit", "city": {}}])),
            (bad, "22023", "audit[0].city: must be text of at most 200 characters or null, got {}".into()),
        ),
        (
            "invite of a bad Discord id",
            Box::new(|p| p["invites"] = json!([{"discord_id": "abc", "global_role": null, "institutions": []}])),
            (bad, "22023", "invites[0].discord_id: must be a Discord id (5 to 25 digits), got \"abc\"".into()),
        ),
        (
            "invite as owner",
            Box::new(|p| p["invites"] = json!([{"discord_id": "123456789", "global_role": "owner", "institutions": []}])),
            (bad, "22023", "invites[0].global_role: an import never grants owner".into()),
        ),
        (
            "invite to an institution out of range",
            Box::new(|p| p["invites"] = json!([{"discord_id": "123456789", "global_role": null,
                                                "institutions": [{"institution": 4, "role": "leader"}]}])),
            (bad, "22023", "invites[0].institutions[0].institution: must be an index into institutions (0..0), got 4".into()),
        ),
        (
            "a city that vanished",
            Box::new(|p| p["cities"][0]["id"] = json!(999)),
            (missing, "PT404", "cities[0]: city 999 not found or deleted; download and preview again".into()),
        ),
        (
            "a city renamed meanwhile",
            Box::new(|p| p["cities"][0]["name"] = json!("Black Water City")),
            (conflict, "PT409", "cities[0]: city 1 is now named \"BlackWater\", not \"Black Water City\"".into()),
        ),
        (
            "a city to create that exists",
            Box::new(|p| p["cities"].as_array_mut().unwrap().push(json!({"id": null, "name": "blackwater"}))),
            (conflict, "PT409", "cities[1]: city \"blackwater\" already exists (as \"BlackWater\"); download and preview again".into()),
        ),
        (
            "an institution to create that exists",
            Box::new(|p| {
                p["institutions"].as_array_mut().unwrap().push(json!({
                    "id": null, "city": 0, "name": "Medici", "expected_revision": null,
                    "ranks": ["A"], "columns": [], "last_points_change_at": null}))
            }),
            (conflict, "PT409", "institutions[1]: institution \"Medici\" already exists in \"BlackWater\"".into()),
        ),
        (
            "an institution of another city",
            Box::new(|p| p["institutions"][0]["id"] = json!(3)),
            (bad, "22023", "institutions[0]: institution 3 (\"Politie\") is not in city 1 (cities[0])".into()),
        ),
        (
            "two new cities sharing a folder",
            Box::new(|p| {
                let list = p["cities"].as_array_mut().unwrap();
                list.push(json!({"id": null, "name": "Orașul Nou"}));
                list.push(json!({"id": null, "name": "Orasul_Nou"}));
            }),
            (bad, "22023", "cities[2]: the same name as cities[1] (or one sharing its archive folder)".into()),
        ),
        (
            "an unknown time zone",
            Box::new(|p| p["time_zone"] = json!("Europe/Atlantis")),
            (bad, "22023", "time_zone: unknown time zone \"Europe/Atlantis\"".into()),
        ),
    ];

    take_messages(&backend).await;
    let before = snapshot(&backend).await;
    for (what, edit, want) in cases {
        let mut payload = base.clone();
        edit(&mut payload);
        let (status, body) = import(&backend, Some(&owner), &payload).await;
        expect_error(status, &body, (want.0, want.1, &want.2), what);
    }
    assert_eq!(
        snapshot(&backend).await,
        before,
        "no refused import wrote anything"
    );

    // The base payload itself is fine (the cases failed for their own reason).
    let body = import_ok(&backend, &owner, &base).await;
    assert_eq!(
        body["counts"],
        counts(&[("employees_created", 1)]),
        "{body}"
    );
    backend.stop().await;
}

// Legacy audit history ---------------------------------------------------------------------------

#[tokio::test]
async fn legacy_audit_entries_are_imported_once_marked_legacy_and_never_bump() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let leader = backend.token(LEADER).await;
    take_messages(&backend).await;

    // Only the synced tables bump at commit.
    let bump_triggers = backend
        .json_of(
            "select jsonb_agg(tgrelid::regclass::text order by tgrelid::regclass::text)
           from pg_trigger where tgname = 'punctaj_bump_at_commit'",
        )
        .await;
    assert_eq!(
        bump_triggers,
        json!(["cities", "employees", "institutions"])
    );

    let payload = json!({
        "server": null, "time_zone": "Europe/Bucharest", "files": 1,
        "cities": [], "institutions": [], "employees": [], "archives": [], "invites": [],
        "audit": [
            {"legacy_id": 812, "at": "2026-02-14T21:28:19Z", "actor_name": "parjanu",
             "discord_id": "703316932232872016", "action": "edit_points", "city": "BlackWater",
             "institution": "Politie", "entity_name": "nikolas",
             "details": "nikolas: 7 → 8 (Adăugare 1 puncte)"},
            {"legacy_id": 813, "at": "2026-02-14T21:30:00+02:00", "actor_name": "parjanu",
             "discord_id": null, "action": "reset_punctaj_all", "city": "valentine",
             "institution": "Poliție", "entity_name": null, "details": "Reset punctaj pentru 9 angajați"},
            {"legacy_id": 814, "at": "2026-02-14T21:31:00Z", "actor_name": "<script>\"Ș",
             "discord_id": null, "action": "startup_test", "city": "Nowhere", "institution": "X",
             "entity_name": null, "details": null},
            {"legacy_id": 814, "at": "2026-02-14T21:31:00Z", "actor_name": "duplicate",
             "discord_id": null, "action": "startup_test", "city": null, "institution": null,
             "entity_name": null, "details": null}
        ]
    });
    let (version_before, _) = backend.cloud_version().await;
    let body = import_ok(&backend, &owner, &payload).await;
    assert_eq!(body["changed"], json!(false), "{body}");
    assert_eq!(body["counts"], counts(&[("audit_imported", 3)]), "{body}");
    assert_eq!(body["version"], json!(version_before));
    assert_eq!(
        backend.cloud_version().await.0,
        version_before,
        "history is not synced data: no bump, not even at commit"
    );
    assert!(take_messages(&backend).await.is_empty());

    let entries = backend.json_of("select jsonb_agg(jsonb_build_object('id', legacy_id, 'legacy', legacy, 'action', action,
                            'at', created_at = '2026-02-14T21:28:19Z' or legacy_id <> 812,
                            'city_id', city_id, 'institution_id', institution_id,
                            'city', city_name, 'institution', institution_name,
                            'actor', actor_name, 'actor_id', actor_id, 'details', details)
                          order by legacy_id)
           from public.audit_log where legacy_id is not null",
    )
    .await;
    assert_eq!(
        entries,
        json!([
            {"id": 812, "legacy": true, "action": "edit_points", "at": true, "city_id": 1,
             "institution_id": POLITIE, "city": "BlackWater", "institution": "Politie",
             "actor": "parjanu", "actor_id": null, "details": "nikolas: 7 → 8 (Adăugare 1 puncte)"},
            {"id": 813, "legacy": true, "action": "reset_punctaj_all", "at": true, "city_id": 3,
             "institution_id": 5, "city": "valentine", "institution": "Poliție",
             "actor": "parjanu", "actor_id": null, "details": "Reset punctaj pentru 9 angajați"},
            {"id": 814, "legacy": true, "action": "startup_test", "at": true, "city_id": null,
             "institution_id": null, "city": "Nowhere", "institution": "X",
             "actor": "<script>\"Ș", "actor_id": null, "details": null}
        ])
    );
    let summaries = backend
        .scalar_i64(
            "select count(*) from public.audit_log where action = 'import_legacy' and not legacy",
        )
        .await;
    assert_eq!(summaries, 1, "the import itself is recorded once");

    // Readers through the API: the owner sees all three; the leader of BlackWater/Politie only its own.
    let path = "/rest/v1/audit_log?legacy=is.true&select=legacy_id,legacy,action&order=legacy_id";
    let (status, _, body) = backend.get(Some(&owner), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 3, "{body}");
    let (status, _, body) = backend.get(Some(&leader), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!([{"legacy_id": 812, "legacy": true, "action": "edit_points"}])
    );
    // The app's own select (src/api/audit.rs) still works with the new columns.
    let (status, _, body) = backend
        .get(
            Some(&owner),
            "/rest/v1/audit_log?select=id,created_at,actor_id,actor_name,action,city_name,institution_name,entity_type,entity_name,old_value,new_value,details,legacy&order=created_at.desc,id.desc&limit=5",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Once only.
    let before = snapshot(&backend).await;
    let body = import_ok(&backend, &owner, &payload).await;
    assert_eq!(body["counts"], zero_counts(), "{body}");
    assert_eq!(snapshot(&backend).await, before);
    backend.stop().await;
}

// Discord invitations ---------------------------------------------------------------------------

#[tokio::test]
async fn invites_are_saved_shown_to_admins_and_granted_when_the_discord_account_first_appears() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let owner_id = backend.user_id(OWNER).await;
    let member = backend.token(MEMBER).await;
    let admin = backend.token(ADMIN).await;
    let discord_demo = backend.user_id(DISCORD_DEMO).await;
    let viewer_id = backend.user_id(VIEWER).await;
    take_messages(&backend).await;

    // An account with that Discord id exists already, without any grant: applied at once.
    let early = discord_account(&backend, "early@discord.test", "555555555555555555").await;
    let demo_roles = roles_of(&backend, &discord_demo).await;

    let payload = json!({
        "server": "balcaniwest", "time_zone": "Europe/Bucharest", "files": 1,
        "cities": [{"id": 1, "name": "BlackWater"}, {"id": 2, "name": "Saint Denis"}],
        "institutions": [
            {"id": POLITIE, "city": 0, "name": "Politie", "expected_revision": revision(&backend, POLITIE).await,
             "ranks": null, "columns": null, "last_points_change_at": null},
            {"id": SD_MEDICI, "city": 1, "name": "Medici", "expected_revision": revision(&backend, SD_MEDICI).await,
             "ranks": null, "columns": null, "last_points_change_at": null}
        ],
        "employees": [], "archives": [], "audit": [],
        "invites": [
            {"discord_id": "111111111111111111", "username": "parjanu", "global_role": "viewer",
             "institutions": [{"institution": 0, "role": "leader"}, {"institution": 1, "role": "member"}]},
            // discord-demo@ (a viewer already): never changed.
            {"discord_id": "900000000000000001", "username": "demo", "global_role": "admin",
             "institutions": [{"institution": 0, "role": "leader"}]},
            {"discord_id": "222222222222222222", "username": null, "global_role": null,
             "institutions": [{"institution": 0, "role": "member"}]},
            {"discord_id": "444444444444444444", "username": "<script>\"Ș", "global_role": null,
             "institutions": [{"institution": 0, "role": "leader"}]},
            {"discord_id": "555555555555555555", "username": "early", "global_role": null,
             "institutions": [{"institution": 1, "role": "leader"}]}
        ]
    });
    let (version_before, _) = backend.cloud_version().await;
    let body = import_ok(&backend, &owner, &payload).await;
    assert_eq!(body["changed"], json!(false), "{body}");
    assert_eq!(body["counts"], counts(&[("invites_saved", 4)]), "{body}");
    assert_eq!(
        backend.cloud_version().await.0,
        version_before,
        "roles are not synced data"
    );
    assert!(take_messages(&backend).await.is_empty());
    assert_eq!(
        roles_of(&backend, &discord_demo).await,
        demo_roles,
        "an account with access is not changed"
    );
    assert_eq!(
        roles_of(&backend, &early).await,
        json!({"global": null, "institutions": [
            {"institution_id": SD_MEDICI, "role": "leader", "granted_by": owner_id}]}),
        "an account without access that exists already gets the invitation at once"
    );

    // Pending invitations: owners and admins see them, nobody else.
    let path = "/rest/v1/discord_invites?select=discord_id,username,global_role,institution_roles,invited_at&accepted_at=is.null&order=discord_id";
    let (status, _, body) = backend.get(Some(&owner), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<Value> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            json!([
                i["discord_id"],
                i["username"],
                i["global_role"],
                i["institution_roles"]
            ])
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            json!(["111111111111111111", "parjanu", "viewer",
                   [{"institution_id": POLITIE, "role": "leader"}, {"institution_id": SD_MEDICI, "role": "member"}]]),
            json!(["222222222222222222", null, null, [{"institution_id": POLITIE, "role": "member"}]]),
            json!(["444444444444444444", "<script>\"Ș", null, [{"institution_id": POLITIE, "role": "leader"}]]),
        ]
    );
    let (status, _, body) = backend.get(Some(&admin), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 3);
    let (status, _, body) = backend.get(Some(&member), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!([]), "a member sees no invitation");
    let (status, _, body) = backend.get(None, path).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "anon: {body}");

    // The account appears (first Discord sign-in): its roles, granted by who invited.
    let newcomer = discord_account(&backend, "parjanu@discord.test", "111111111111111111").await;
    assert_eq!(
        roles_of(&backend, &newcomer).await,
        json!({"global": {"role": "viewer", "granted_by": owner_id}, "institutions": [
            {"institution_id": POLITIE, "role": "leader", "granted_by": owner_id},
            {"institution_id": SD_MEDICI, "role": "member", "granted_by": owner_id}]})
    );
    let accepted = backend
        .json_of(
            "select jsonb_build_object('by', accepted_by, 'at', accepted_at is not null)
           from public.discord_invites where discord_id = '111111111111111111'",
        )
        .await;
    assert_eq!(accepted, json!({"by": newcomer, "at": true}));
    let entry = backend
        .json_of(&format!(
            "select jsonb_build_object('actor', actor_id, 'new', new_value, 'entity', entity_id)
               from public.audit_log where action = 'invite_accepted' and entity_id = '{newcomer}'"
        ))
        .await;
    assert_eq!(entry["actor"], json!(owner_id));
    assert_eq!(entry["new"]["global_role"], json!("viewer"));
    assert_eq!(entry["new"]["discord_id"], json!("111111111111111111"));
    // As the app reads it.
    let token = backend.sign_jwt(json!({
        "role": "authenticated", "aud": "authenticated", "sub": newcomer,
        "exp": Utc::now().timestamp() + 600
    }));
    let (status, body) = backend.rpc(Some(&token), "my_access", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["global_role"], json!("viewer"));
    assert_eq!(body["pending"], json!(false));
    assert_eq!(body["institutions"].as_array().unwrap().len(), 2, "{body}");

    // An existing account without access links Discord later (update of its Discord id).
    backend
        .admin
        .execute(
            "update auth.users set raw_app_meta_data = '{\"provider\": \"discord\", \"providers\": [\"email\", \"discord\"],
                                                         \"discord_id\": \"222222222222222222\"}'
              where email = $1",
            &[&PENDING],
        )
        .await
        .expect("link Discord");
    let pending_token = backend.token(PENDING).await;
    let (status, body) = backend
        .rpc(Some(&pending_token), "my_access", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pending"], json!(false), "{body}");
    assert_eq!(
        body["institutions"],
        json!([{"institution_id": POLITIE, "role": "member"}])
    );

    // An account that already has access links the invited Discord id: nothing changes.
    let viewer_roles = roles_of(&backend, &viewer_id).await;
    backend
        .admin
        .execute(
            "update auth.users set raw_app_meta_data = '{\"provider\": \"discord\", \"providers\": [\"discord\"],
                                                         \"discord_id\": \"444444444444444444\"}'
              where email = $1",
            &[&VIEWER],
        )
        .await
        .expect("link Discord");
    assert_eq!(roles_of(&backend, &viewer_id).await, viewer_roles);
    let still_pending = backend
        .scalar_i64(
            "select count(*) from public.discord_invites
          where discord_id = '444444444444444444' and accepted_at is null",
        )
        .await;
    assert_eq!(still_pending, 1);

    // The same invitations again: accepted ones untouched, the pending one equal — nothing.
    let before = snapshot(&backend).await;
    let body = import_ok(&backend, &owner, &payload).await;
    assert_eq!(body["counts"], zero_counts(), "{body}");
    assert_eq!(snapshot(&backend).await, before);
    backend.stop().await;
}

// Shared rule -------------------------------------------------------------------------------------

/// `app.same_name` (SQL: every "already exists" check, the import's matching of legacy history)
/// and `punctaj_core::archive::same_name` (the preview's matching) answer alike.
#[tokio::test]
async fn same_name_is_the_same_rule_in_sql_and_rust() {
    let backend = TestBackend::start().await;
    let names = [
        "Politie",
        "Poliție",
        "POLIȚIE",
        "politie",
        "Poliţie",
        "Saint Denis",
        "Saint_Denis",
        "saint-denis",
        "Saint  Denis",
        " Saint Denis ",
        "<script>\"Ș",
        "<SCRIPT>\"ș",
        "script_S",
        "script S",
        "Ștefan Țăranu-Îonescu",
        "stefan taranu-ionescu",
        "Straße",
        "STRASSE",
        "İstanbul",
        "istanbul",
        "Ǆemal",
        "ǆemal",
        "Ωmega",
        "ωmega",
        "AΣ",
        "aσ",
        "___",
        "",
        "🙂",
        "🙃",
        "O'Brien \"Bugsy\"",
        "o_brien_bugsy",
        "s\u{0326}",
        "ș",
    ];
    let mut mismatches = Vec::new();
    for a in names {
        for b in names {
            let sql: bool = backend
                .admin
                .query_one("select app.same_name($1, $2)", &[&a, &b])
                .await
                .expect("app.same_name")
                .get(0);
            if sql != same_name(a, b) {
                mismatches.push(format!(
                    "{a:?} ~ {b:?}: SQL {sql}, Rust {}",
                    same_name(a, b)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    backend.stop().await;
}
