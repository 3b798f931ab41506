//! Conflict-safe edits (sql/migrations/0011_row_versions.sql), through the HTTP API as the app
//! calls them: every edit RPC takes the `row_version` the user started from; a stale or forged one
//! is refused with `PT412` (HTTP 412), the current values in `details`, and nothing changes.

mod support;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestBackend;

const OWNER: &str = "owner@punctaj.test";
const LEADER: &str = "leader@punctaj.test";

/// BlackWater (city 1), its Politie (led by leader@) and that institution's first live member.
struct Demo {
    city: i64,
    institution: i64,
    employee: String,
}

async fn demo(backend: &TestBackend) -> Demo {
    let row = backend
        .admin
        .query_one(
            "select c.id, i.id,
                    (select e.id::text from public.employees e
                      where e.institution_id = i.id and e.deleted_at is null order by e.id limit 1)
               from public.cities c join public.institutions i on i.city_id = c.id
              where c.name = 'BlackWater' and i.name = 'Politie'",
            &[],
        )
        .await
        .expect("BlackWater/Politie");
    Demo {
        city: row.get(0),
        institution: row.get(1),
        employee: row.get(2),
    }
}

/// Everything a refused call must leave as it was: the synced rows (row_version included), the
/// version row and the audit log.
async fn fingerprint(backend: &TestBackend) -> Vec<String> {
    backend
        .admin
        .query(
            "select x from (
               select 'cities ' || coalesce(jsonb_agg(to_jsonb(c) order by c.id)::text, '') as x from public.cities c
               union all
               select 'institutions ' || coalesce(jsonb_agg(to_jsonb(i) order by i.id)::text, '') from public.institutions i
               union all
               select 'employees ' || coalesce(jsonb_agg(to_jsonb(e) order by e.id)::text, '') from public.employees e
               union all
               select 'sync ' || m.version::text || ' ' || m.data_hash from public.sync_metadata m
               union all
               select 'audit ' || count(*)::text from public.audit_log) q",
            &[],
        )
        .await
        .expect("fingerprint")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

async fn sync_version(backend: &TestBackend) -> i64 {
    backend
        .admin
        .query_one(
            "select version from public.sync_metadata where sync_key = 'global_version'",
            &[],
        )
        .await
        .expect("version")
        .get(0)
}

/// The five edit RPCs, each with a first edit and a different second one.
#[derive(Clone, Copy, Debug)]
enum Edit {
    RenameCity,
    RenameInstitution,
    SetRanks,
    SetColumns,
    UpdateEmployee,
}

const EDITS: [Edit; 5] = [
    Edit::RenameCity,
    Edit::RenameInstitution,
    Edit::SetRanks,
    Edit::SetColumns,
    Edit::UpdateEmployee,
];

impl Edit {
    fn function(self) -> &'static str {
        match self {
            Edit::RenameCity => "rename_city",
            Edit::RenameInstitution => "rename_institution",
            Edit::SetRanks => "set_institution_ranks",
            Edit::SetColumns => "set_institution_columns",
            Edit::UpdateEmployee => "update_employee",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Edit::RenameCity => "cities",
            Edit::UpdateEmployee => "employees",
            _ => "institutions",
        }
    }

    fn id(self, demo: &Demo) -> String {
        match self {
            Edit::RenameCity => demo.city.to_string(),
            Edit::UpdateEmployee => demo.employee.clone(),
            _ => demo.institution.to_string(),
        }
    }

    /// The arguments of edit number `n` (0 or 1, different values) from `version`.
    fn args(self, demo: &Demo, n: usize, version: Value) -> Value {
        let pick = |a: Value, b: Value| if n == 0 { a } else { b };
        match self {
            Edit::RenameCity => json!({"p_city_id": demo.city,
                                       "p_name": pick(json!("BlackWater Nouă"), json!("Black Water Veche")),
                                       "p_expected_version": version}),
            Edit::RenameInstitution => json!({"p_institution_id": demo.institution,
                                              "p_name": pick(json!("Poliția"), json!("Jandarmeria")),
                                              "p_expected_version": version}),
            Edit::SetRanks => json!({"p_institution_id": demo.institution,
                                     "p_ranks": pick(json!(["A", "B", "C", "D", "E", "F", "G", "H"]),
                                                     json!(["1", "2", "3", "4", "5", "6", "7", "Șef"])),
                                     "p_expected_version": version}),
            Edit::SetColumns => json!({"p_institution_id": demo.institution,
                                       "p_columns": pick(json!(["DISCORD", "NUME IC", "SERIE DE BULETIN", "NOTE"]),
                                                         json!(["DISCORD", "NUME IC", "SERIE DE BULETIN", "ALTA"])),
                                       "p_renames": {},
                                       "p_expected_version": version}),
            Edit::UpdateEmployee => json!({"p_employee_id": demo.employee,
                                           "p_rank": pick(json!(2), json!(3)),
                                           "p_fields": pick(json!({"DISCORD": "primul"}), json!({"DISCORD": "al doilea"})),
                                           "p_punctaj": pick(json!(40), json!(50)),
                                           "p_expected_version": version}),
        }
    }

    /// What the conflict dialog needs of the current row, read as the superuser.
    async fn current(self, backend: &TestBackend, demo: &Demo) -> Value {
        let sql = match self {
            Edit::RenameCity => {
                "select jsonb_build_object('name', name, 'row_version', row_version)::text
                   from public.cities where id::text = $1"
            }
            Edit::UpdateEmployee => {
                "select jsonb_build_object('rank', rank, 'fields', fields, 'punctaj', punctaj,
                          'ultima_mod', ultima_mod, 'deleted_at', deleted_at,
                          'row_version', row_version)::text
                   from public.employees where id::text = $1"
            }
            _ => {
                "select jsonb_build_object('name', name, 'ranks', ranks, 'columns', columns,
                          'row_version', row_version)::text
                   from public.institutions where id::text = $1"
            }
        };
        let text: String = backend
            .admin
            .query_one(sql, &[&self.id(demo)])
            .await
            .expect("current row")
            .get(0);
        serde_json::from_str(&text).expect("row as JSON")
    }
}

/// A refusal with PT412 as PostgREST sends it: HTTP 412, `code`, a message naming both versions,
/// `details` the current row as JSON, a hint. Returns the parsed details.
fn assert_conflict(label: &str, status: StatusCode, body: &Value, yours: i64, now: i64) -> Value {
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{label}: {body}");
    assert_eq!(body["code"], "PT412", "{label}: {body}");
    let message = body["message"].as_str().expect("message");
    assert!(
        message.ends_with(&format!(
            "changed since you opened it (your version {yours}, now {now})"
        )),
        "{label}: {message}"
    );
    assert!(
        body["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "{label}: a hint for the user: {body}"
    );
    let details: Value = serde_json::from_str(body["details"].as_str().expect("details text"))
        .unwrap_or_else(|e| panic!("{label}: details are not JSON ({e}): {body}"));
    assert_eq!(details["row_version"], json!(now), "{label}: {details}");
    details
}

#[tokio::test]
async fn each_edit_passes_with_the_current_version_and_the_previous_one_is_refused_with_412() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let demo = demo(&backend).await;

    for edit in EDITS {
        let label = edit.function();
        let version = backend.row_version(edit.table(), edit.id(&demo)).await;
        let sync_before = sync_version(&backend).await;
        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 0, json!(version)))
            .await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(body["changed"], json!(true), "{label}: {body}");
        assert_eq!(body["row_version"], json!(version + 1), "{label}: {body}");
        assert_eq!(
            backend.row_version(edit.table(), edit.id(&demo)).await,
            version + 1,
            "{label}: the stored row_version"
        );
        assert_eq!(body["version"], json!(sync_before + 1), "{label}: {body}");

        // A second edit started from the same (now previous) version: refused, nothing changes.
        let after_first = edit.current(&backend, &demo).await;
        let before = fingerprint(&backend).await;
        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 1, json!(version)))
            .await;
        let details = assert_conflict(label, status, &body, version, version + 1);
        assert_eq!(
            details, after_first,
            "{label}: details are the current values"
        );
        assert_eq!(
            fingerprint(&backend).await,
            before,
            "{label}: nothing changed"
        );

        // Chained from the returned row_version: the same second edit passes.
        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 1, json!(version + 1)))
            .await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(body["row_version"], json!(version + 2), "{label}: {body}");

        // The same values again: nothing to do, the row_version stays.
        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 1, json!(version + 2)))
            .await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(body["changed"], json!(false), "{label}: {body}");
        assert_eq!(body["row_version"], json!(version + 2), "{label}: {body}");
    }

    // What the details said is what the user sees in the cloud: spot checks per table.
    let city = Edit::RenameCity.current(&backend, &demo).await;
    assert_eq!(city["name"], "Black Water Veche");
    let employee = Edit::UpdateEmployee.current(&backend, &demo).await;
    assert_eq!(employee["fields"], json!({"DISCORD": "al doilea"}));
    assert_eq!(employee["punctaj"], json!(50));
    assert_eq!(employee["rank"], json!(3));
    backend.stop().await;
}

#[tokio::test]
async fn forged_or_missing_versions_are_refused_and_change_nothing() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let demo = demo(&backend).await;
    let before = fingerprint(&backend).await;

    for edit in EDITS {
        let label = edit.function();
        let current = backend.row_version(edit.table(), edit.id(&demo)).await;
        for forged in [0, -1, current + 1, 1_i64 << 62, i64::MIN, i64::MAX] {
            let (status, body) = backend
                .rpc(Some(&owner), label, edit.args(&demo, 0, json!(forged)))
                .await;
            let details = assert_conflict(
                &format!("{label} with version {forged}"),
                status,
                &body,
                forged,
                current,
            );
            assert_eq!(details, edit.current(&backend, &demo).await, "{label}");
        }

        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 0, Value::Null))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{label} null: {body}");
        assert_eq!(body["code"], "22023", "{label} null: {body}");
        assert_eq!(body["message"], "p_expected_version is required");

        // Without the argument there is no such function any more (the old signature is gone).
        let mut args = edit.args(&demo, 0, Value::Null);
        args.as_object_mut().unwrap().remove("p_expected_version");
        let (status, body) = backend.rpc(Some(&owner), label, args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label} missing: {body}");
        assert_eq!(body["code"], "PGRST202", "{label} missing: {body}");

        // Not a number: refused before anything runs.
        let (status, body) = backend
            .rpc(Some(&owner), label, edit.args(&demo, 0, json!("1; drop")))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{label} text: {body}");
    }
    assert_eq!(fingerprint(&backend).await, before, "nothing changed");
    backend.stop().await;
}

#[tokio::test]
async fn a_points_change_moves_the_member_version_not_the_institution_version() {
    let backend = TestBackend::start().await;
    let leader = backend.token(LEADER).await;
    let demo = demo(&backend).await;
    let employee_version = backend.row_version("employees", &demo.employee).await;
    let institution_version = backend.row_version("institutions", demo.institution).await;

    // The edit dialog opens (version read), then someone adds points meanwhile.
    let (status, body) = backend
        .rpc(
            Some(&leader),
            "change_points",
            json!({"p_institution_id": demo.institution, "p_employee_ids": [demo.employee],
                   "p_delta": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let points = body["changed"][0]["new"].clone();
    assert_eq!(
        backend.row_version("employees", &demo.employee).await,
        employee_version + 1
    );
    assert_eq!(
        backend.row_version("institutions", demo.institution).await,
        institution_version,
        "points move the institution's revision, not its row_version"
    );

    // The stale dialog's save is refused and shows the new score; an institution edit from the
    // version read before the points change still passes.
    let before = fingerprint(&backend).await;
    let (status, body) = backend
        .rpc(
            Some(&leader),
            "update_employee",
            json!({"p_employee_id": demo.employee, "p_rank": null,
                   "p_fields": {"DISCORD": "vechi"}, "p_expected_version": employee_version}),
        )
        .await;
    let details = assert_conflict(
        "update_employee after points",
        status,
        &body,
        employee_version,
        employee_version + 1,
    );
    assert_eq!(details["punctaj"], points);
    assert!(
        details["ultima_mod"].is_string(),
        "the points change set ULTIMA_MOD: {details}"
    );
    assert_eq!(details["deleted_at"], Value::Null);
    assert_eq!(fingerprint(&backend).await, before, "nothing changed");

    let owner = backend.token(OWNER).await;
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "rename_institution",
            json!({"p_institution_id": demo.institution, "p_name": "Poliția",
                   "p_expected_version": institution_version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A direct edit (SQL editor) moves it too; touching nothing visible does not.
    let version = backend.row_version("employees", &demo.employee).await;
    backend
        .admin
        .execute(
            "update public.employees set updated_at = now() where id::text = $1",
            &[&demo.employee],
        )
        .await
        .expect("touch");
    assert_eq!(
        backend.row_version("employees", &demo.employee).await,
        version
    );
    backend
        .admin
        .execute(
            "update public.employees set rank = 1 where id::text = $1 and rank <> 1",
            &[&demo.employee],
        )
        .await
        .expect("direct edit");
    backend
        .admin
        .execute(
            "update public.employees set rank = 2 where id::text = $1",
            &[&demo.employee],
        )
        .await
        .expect("direct edit");
    let raised = backend.row_version("employees", &demo.employee).await;
    assert!(raised > version);
    // Never backwards: a version once given out does not come back (e.g. a restored snapshot).
    backend
        .admin
        .execute(
            "update public.employees set row_version = 1 where id::text = $1",
            &[&demo.employee],
        )
        .await
        .expect("direct edit");
    assert_eq!(
        backend.row_version("employees", &demo.employee).await,
        raised
    );

    // Deleting a member moves its version; a deleted member keeps the not-found error.
    let version = backend.row_version("employees", &demo.employee).await;
    let (status, body) = backend
        .rpc(
            Some(&leader),
            "delete_employees",
            json!({"p_employee_ids": [demo.employee]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deleted_version = backend.row_version("employees", &demo.employee).await;
    assert_eq!(deleted_version, version + 1);
    let (status, body) = backend
        .rpc(
            Some(&leader),
            "update_employee",
            json!({"p_employee_id": demo.employee, "p_rank": 1, "p_fields": null,
                   "p_expected_version": deleted_version}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "PT404", "{body}");
    backend.stop().await;
}

#[tokio::test]
async fn a_column_swap_moves_the_institution_version() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let demo = demo(&backend).await;
    let columns: Vec<String> = backend
        .admin
        .query_one(
            "select columns from public.institutions where id = $1",
            &[&demo.institution],
        )
        .await
        .expect("columns")
        .get(0);
    let version = backend.row_version("institutions", demo.institution).await;
    // Same list, DISCORD ↔ NUME IC values swapped: the columns mean something else now.
    let (status, body) = backend
        .rpc(
            Some(&owner),
            "set_institution_columns",
            json!({"p_institution_id": demo.institution, "p_columns": columns,
                   "p_renames": {"DISCORD": "NUME IC", "NUME IC": "DISCORD"},
                   "p_expected_version": version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], json!(true), "{body}");
    assert_eq!(body["row_version"], json!(version + 1), "{body}");
    assert_eq!(
        backend.row_version("institutions", demo.institution).await,
        version + 1
    );
    backend.stop().await;
}

/// `app.compute_data_hash()` now and the stored `data_hash`.
async fn hash(backend: &TestBackend) -> (String, String) {
    let row = backend
        .admin
        .query_one(
            "select app.compute_data_hash(), data_hash::text
               from public.sync_metadata where sync_key = 'global_version'",
            &[],
        )
        .await
        .expect("hash");
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn the_data_hash_does_not_depend_on_row_version() {
    let backend = TestBackend::start().await;
    let (computed, stored) = hash(&backend).await;
    assert_eq!(computed, stored);
    backend
        .admin
        .batch_execute(
            "update public.cities set row_version = row_version + 1000;
             update public.institutions set row_version = 7 * id + 40;
             update public.employees set row_version = 123456789;",
        )
        .await
        .expect("direct row_version edit");
    let moved: i64 = backend
        .admin
        .query_one(
            "select count(*) from public.employees where row_version = 123456789",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert!(moved > 0, "the direct edit set the versions");
    let (computed_after, stored_after) = hash(&backend).await;
    assert_eq!(
        computed_after, computed,
        "row_version is not in the canonical document"
    );
    assert_eq!(
        stored_after, stored,
        "the bump at commit stored the same hash"
    );
    backend.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_saves_from_the_same_version_at_once_exactly_one_wins() {
    let backend = Arc::new(TestBackend::start().await);
    let owner = backend.token(OWNER).await;
    let leader = backend.token(LEADER).await;
    let demo = demo(&backend).await;

    for round in 0..10 {
        let version = backend.row_version("employees", &demo.employee).await;
        let sync_before = sync_version(&backend).await;
        let mine = json!({"DISCORD": format!("owner {round}")});
        let theirs = json!({"DISCORD": format!("leader {round}")});
        let call = |token: String, fields: Value| {
            let backend = Arc::clone(&backend);
            let employee = demo.employee.clone();
            async move {
                backend
                    .rpc(
                        Some(&token),
                        "update_employee",
                        json!({"p_employee_id": employee, "p_rank": null, "p_fields": fields,
                               "p_expected_version": version}),
                    )
                    .await
            }
        };
        let ((a_status, a_body), (b_status, b_body)) =
            tokio::time::timeout(Duration::from_secs(60), async {
                tokio::join!(
                    call(owner.clone(), mine.clone()),
                    call(leader.clone(), theirs.clone())
                )
            })
            .await
            .expect("both saves answered");

        let (winner, loser_body, loser_status) = match (a_status, b_status) {
            (StatusCode::OK, _) => (&mine, &b_body, b_status),
            (_, StatusCode::OK) => (&theirs, &a_body, a_status),
            _ => panic!("round {round}: nobody won: {a_body} / {b_body}"),
        };
        let details = assert_conflict(
            &format!("round {round}"),
            loser_status,
            loser_body,
            version,
            version + 1,
        );
        assert_eq!(
            &details["fields"], winner,
            "round {round}: the loser sees the winner's values"
        );
        let stored = Edit::UpdateEmployee.current(&backend, &demo).await;
        assert_eq!(&stored["fields"], winner, "round {round}");
        assert_eq!(stored["row_version"], json!(version + 1), "round {round}");
        assert_eq!(
            sync_version(&backend).await,
            sync_before + 1,
            "round {round}: one change, one bump"
        );
    }
    match Arc::try_unwrap(backend) {
        Ok(backend) => backend.stop().await,
        Err(_) => panic!("a request still holds the backend"),
    }
}

#[tokio::test]
async fn hostile_text_round_trips_exactly_in_the_conflict_details() {
    let backend = TestBackend::start().await;
    let owner = backend.token(OWNER).await;
    let demo = demo(&backend).await;
    let city_name = "<script>alert(\"x\")</script> O'Brien \\ Ținutul 日本 🤠";
    let inst_name = "Poliția \"Rutieră\" <b>&amp;</b> \\n";
    let ranks = json!([
        "Începător",
        "Căpitan \"Șef\"",
        "O'Brien \\ boss",
        "<i>4</i>",
        "5",
        "6",
        "7"
    ]);
    let columns = json!([
        "DISCORD",
        "NUME IC",
        "SERIE DE BULETIN",
        "Notă \"x\" <y> 'z' ✨"
    ]);
    let fields =
        json!({"DISCORD": "tab\there\nline \\ \"dq\" 'sq' </script>", "NUME IC": "Ștefan Țăranu"});

    let city_version = backend.row_version("cities", demo.city).await;
    let inst_version = backend.row_version("institutions", demo.institution).await;
    let emp_version = backend.row_version("employees", &demo.employee).await;
    for (function, args) in [
        (
            "rename_city",
            json!({"p_city_id": demo.city, "p_name": city_name, "p_expected_version": city_version}),
        ),
        (
            "rename_institution",
            json!({"p_institution_id": demo.institution, "p_name": inst_name,
                   "p_expected_version": inst_version}),
        ),
        (
            "set_institution_ranks",
            json!({"p_institution_id": demo.institution, "p_ranks": ranks,
                   "p_expected_version": inst_version + 1}),
        ),
        (
            "set_institution_columns",
            json!({"p_institution_id": demo.institution, "p_columns": columns,
                   "p_expected_version": inst_version + 2}),
        ),
        (
            "update_employee",
            json!({"p_employee_id": demo.employee, "p_rank": 1, "p_fields": fields,
                   "p_expected_version": emp_version}),
        ),
    ] {
        let (status, body) = backend.rpc(Some(&owner), function, args).await;
        assert_eq!(status, StatusCode::OK, "{function}: {body}");
    }

    let (status, body) = backend
        .rpc(
            Some(&owner),
            "rename_city",
            json!({"p_city_id": demo.city, "p_name": "X", "p_expected_version": city_version}),
        )
        .await;
    let details = assert_conflict("city", status, &body, city_version, city_version + 1);
    assert_eq!(
        details,
        json!({"name": city_name, "row_version": city_version + 1})
    );

    let (status, body) = backend
        .rpc(
            Some(&owner),
            "rename_institution",
            json!({"p_institution_id": demo.institution, "p_name": "X",
                   "p_expected_version": inst_version}),
        )
        .await;
    let details = assert_conflict("institution", status, &body, inst_version, inst_version + 3);
    assert_eq!(
        details,
        json!({"name": inst_name, "ranks": ranks,
               "columns": ["DISCORD", "NUME IC", "SERIE DE BULETIN", "Notă \"x\" <y> 'z' ✨",
                           "RANK", "ROLE", "PUNCTAJ", "ULTIMA_MOD"],
               "row_version": inst_version + 3})
    );

    let (status, body) = backend
        .rpc(
            Some(&owner),
            "update_employee",
            json!({"p_employee_id": demo.employee, "p_rank": 2, "p_fields": null,
                   "p_expected_version": emp_version}),
        )
        .await;
    let details = assert_conflict("employee", status, &body, emp_version, emp_version + 1);
    assert_eq!(details["fields"], fields);
    assert_eq!(details["rank"], json!(1));
    backend.stop().await;
}
