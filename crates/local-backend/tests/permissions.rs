//! The permission table of `docs/database.md`, enforced by the database behind the real HTTP
//! APIs (PostgREST, Storage): one row = actor × action × expected outcome.
//!
//! Actors: anon (no sign-in), pending@ (no grant), viewer@, member@ (member of
//! BlackWater/Politie), leader@ (leader of BlackWater/Politie), leader2@ (leader of another
//! institution, Saint Denis/Medici), admin@, owner@.
//!
//! A refused mutation must answer SQLSTATE 42501 (401 anonymous, 403 signed in) — or the
//! documented code — AND change nothing at all: points, version, hash, audit log, roles,
//! archives, stored objects. An allowed one must have its effect and, for synced data, bump the
//! version exactly once. The whole matrix is printed (eprintln) so a failure is easy to read.

mod support;

use std::collections::HashMap;
use std::fmt;

use chrono::{Duration, TimeZone, Utc};
use punctaj_core::archive::archive_object_key;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestBackend;

const OWN_CITY: &str = "BlackWater";
const OWN_INSTITUTION: &str = "Politie";
const OTHER_CITY: &str = "Saint Denis";
const OTHER_INSTITUTION: &str = "Medici";
/// An archive of the seed (uploaded by the owner, recorded in `archives`).
const SEED_ARCHIVE: &str = "BlackWater/Politie_2026-02-18_18-13-47.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Actor {
    Anon,
    Pending,
    Viewer,
    Member,
    Leader,
    Leader2,
    Admin,
    Owner,
}

const EVERYONE: [Actor; 8] = [
    Actor::Anon,
    Actor::Pending,
    Actor::Viewer,
    Actor::Member,
    Actor::Leader,
    Actor::Leader2,
    Actor::Admin,
    Actor::Owner,
];

impl Actor {
    fn email(self) -> Option<&'static str> {
        match self {
            Actor::Anon => None,
            Actor::Pending => Some("pending@punctaj.test"),
            Actor::Viewer => Some("viewer@punctaj.test"),
            Actor::Member => Some("member@punctaj.test"),
            Actor::Leader => Some("leader@punctaj.test"),
            Actor::Leader2 => Some("leader2@punctaj.test"),
            Actor::Admin => Some("admin@punctaj.test"),
            Actor::Owner => Some("owner@punctaj.test"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Actor::Anon => "anon",
            Actor::Pending => "pending",
            Actor::Viewer => "viewer",
            Actor::Member => "member",
            Actor::Leader => "leader",
            Actor::Leader2 => "leader2",
            Actor::Admin => "admin",
            Actor::Owner => "owner",
        }
    }
}

/// Which institution (or freshly created entity) an action is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// BlackWater/Politie: leader@ leads it, member@ is a member.
    Own,
    /// Saint Denis/Medici: leader2@ leads it.
    Other,
    /// Created by the owner for this row only (so an allowed change disturbs no other row).
    Fresh,
}

/// Direct table writes through REST, which the grants refuse to everyone.
#[derive(Clone, Copy, Debug)]
enum DirectWrite {
    PatchEmployee,
    DeleteEmployee,
    InsertCity,
    PatchSyncMetadata,
    InsertInstitutionRole,
    PatchGlobalRole,
    InsertArchive,
    DeleteSyncLog,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    /// `GET /rest/v1/<table>?select=*`.
    Read(&'static str),
    ChangePoints(Target),
    AddEmployee(Target),
    UpdateEmployee(Target),
    DeleteEmployee(Target),
    RestoreEmployee(Target),
    CreateCity,
    RenameCity,
    DeleteCity,
    RestoreCity,
    CreateInstitution,
    RenameInstitution(Target),
    SetRanks(Target),
    SetColumns(Target),
    DeleteInstitution(Target),
    RestoreInstitution,
    /// Upload the pre-reset archive (the actor itself when it may, else the owner), then reset.
    Reset(Target),
    /// Reset naming an archive that was never uploaded.
    ResetWithoutArchive(Target),
    /// Reset with the revision before the current one (the data changed since the snapshot).
    ResetStale(Target),
    ForceSync,
    AuditInsert,
    AuditUpdate,
    AuditDelete,
    Direct(DirectWrite),
    /// `grant_global_role(<fresh account>, role)`.
    GrantGlobal(&'static str),
    /// `grant_institution_role(<fresh account>, own institution, role)`.
    GrantInstitution(&'static str),
    /// `revoke_global_role(owner@)`.
    RevokeOwner,
    /// `grant_global_role(owner@, 'admin')`: demoting the only owner.
    DemoteOwner,
    /// `grant_global_role(admin@, 'viewer')`.
    DemoteAdmin,
    /// Upload a new archive under `slug(city)/slug(institution)_<stamp>.json`.
    Upload(&'static str, &'static str),
    /// Upload under a literal key.
    UploadKey(&'static str),
    /// Upload over the seed archive with `x-upsert: false`.
    Overwrite,
    /// Upload over the seed archive with `x-upsert: true`.
    Upsert,
    /// `PUT` over the seed archive (Storage's update).
    Put,
    /// Storage `remove([seed archive])`.
    RemoveRecordedArchive,
    /// Storage `list('BlackWater')`.
    ListArchives,
    /// Download the seed archive.
    DownloadArchive,
}

impl Action {
    fn is_mutation(self) -> bool {
        !matches!(
            self,
            Action::Read(_) | Action::ListArchives | Action::DownloadArchive
        )
    }

    /// Whether an allowed call changes synced data (and so bumps the version once).
    fn bumps_version(self) -> bool {
        matches!(
            self,
            Action::ChangePoints(_)
                | Action::AddEmployee(_)
                | Action::UpdateEmployee(_)
                | Action::DeleteEmployee(_)
                | Action::RestoreEmployee(_)
                | Action::CreateCity
                | Action::RenameCity
                | Action::DeleteCity
                | Action::RestoreCity
                | Action::CreateInstitution
                | Action::RenameInstitution(_)
                | Action::SetRanks(_)
                | Action::SetColumns(_)
                | Action::DeleteInstitution(_)
                | Action::RestoreInstitution
                | Action::Reset(_)
                | Action::ForceSync
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = |t: &Target| match t {
            Target::Own => "own",
            Target::Other => "other",
            Target::Fresh => "fresh",
        };
        match self {
            Action::Read(table) => write!(f, "GET {table}"),
            Action::ChangePoints(t) => write!(f, "change_points({})", target(t)),
            Action::AddEmployee(t) => write!(f, "add_employee({})", target(t)),
            Action::UpdateEmployee(t) => write!(f, "update_employee({})", target(t)),
            Action::DeleteEmployee(t) => write!(f, "delete_employees({})", target(t)),
            Action::RestoreEmployee(t) => write!(f, "restore_employees({})", target(t)),
            Action::CreateCity => f.write_str("create_city"),
            Action::RenameCity => f.write_str("rename_city"),
            Action::DeleteCity => f.write_str("delete_city"),
            Action::RestoreCity => f.write_str("restore_city"),
            Action::CreateInstitution => f.write_str("create_institution"),
            Action::RenameInstitution(t) => write!(f, "rename_institution({})", target(t)),
            Action::SetRanks(t) => write!(f, "set_institution_ranks({})", target(t)),
            Action::SetColumns(t) => write!(f, "set_institution_columns({})", target(t)),
            Action::DeleteInstitution(t) => write!(f, "delete_institution({})", target(t)),
            Action::RestoreInstitution => f.write_str("restore_institution"),
            Action::Reset(t) => write!(f, "upload+reset_punctaj({})", target(t)),
            Action::ResetWithoutArchive(t) => {
                write!(f, "reset_punctaj({}, no archive)", target(t))
            }
            Action::ResetStale(t) => write!(f, "reset_punctaj({}, stale rev)", target(t)),
            Action::ForceSync => f.write_str("force_sync"),
            Action::AuditInsert => f.write_str("POST audit_log"),
            Action::AuditUpdate => f.write_str("PATCH audit_log"),
            Action::AuditDelete => f.write_str("DELETE audit_log"),
            Action::Direct(direct) => f.write_str(match direct {
                DirectWrite::PatchEmployee => "PATCH employees",
                DirectWrite::DeleteEmployee => "DELETE employees",
                DirectWrite::InsertCity => "POST cities",
                DirectWrite::PatchSyncMetadata => "PATCH sync_metadata",
                DirectWrite::InsertInstitutionRole => "POST institution_roles",
                DirectWrite::PatchGlobalRole => "PATCH global_roles",
                DirectWrite::InsertArchive => "POST archives",
                DirectWrite::DeleteSyncLog => "DELETE sync_log",
            }),
            Action::GrantGlobal(role) => write!(f, "grant_global_role({role})"),
            Action::GrantInstitution(role) => write!(f, "grant_institution_role({role})"),
            Action::RevokeOwner => f.write_str("revoke_global_role(owner)"),
            Action::DemoteOwner => f.write_str("grant_global_role(owner→admin)"),
            Action::DemoteAdmin => f.write_str("grant_global_role(admin→viewer)"),
            Action::Upload(city, institution) => write!(f, "upload {city}/{institution}_…"),
            Action::UploadKey(key) => write!(f, "upload {key}"),
            Action::Overwrite => f.write_str("upload over archive, x-upsert false"),
            Action::Upsert => f.write_str("upload over archive, x-upsert true"),
            Action::Put => f.write_str("PUT over archive"),
            Action::RemoveRecordedArchive => f.write_str("remove recorded archive"),
            Action::ListArchives => f.write_str("list arhiva"),
            Action::DownloadArchive => f.write_str("download archive"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 2xx and the effect happened.
    Allowed,
    /// 42501: 401 for anon, 403 signed in.
    Denied,
    /// 200 with no rows (RLS hides everything).
    SeesNothing,
    /// 200 with exactly the rows of that institution.
    SeesOnly(Target),
    /// Another PostgREST error: HTTP status and SQLSTATE.
    Fails(u16, &'static str),
    /// Storage refusal: HTTP 400, `statusCode` "403" (Storage's shape).
    StorageDenied,
    /// Storage: the key exists (HTTP 400, `statusCode` "409").
    StorageDuplicate,
    /// Storage: no such object visible (HTTP 400, `statusCode` "404").
    StorageNotFound,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Allowed => f.write_str("allowed"),
            Expect::Denied => f.write_str("denied 42501"),
            Expect::SeesNothing => f.write_str("sees nothing"),
            Expect::SeesOnly(Target::Own) => f.write_str("sees own only"),
            Expect::SeesOnly(_) => f.write_str("sees other only"),
            Expect::Fails(status, code) => write!(f, "{status} {code}"),
            Expect::StorageDenied => f.write_str("storage 403"),
            Expect::StorageDuplicate => f.write_str("storage 409"),
            Expect::StorageNotFound => f.write_str("storage 404"),
        }
    }
}

struct Row {
    actor: Actor,
    action: Action,
    expect: Expect,
}

fn row(actor: Actor, action: Action, expect: Expect) -> Row {
    Row {
        actor,
        action,
        expect,
    }
}

/// What a row's preparation created or looked up.
#[derive(Debug, Default)]
struct Prep {
    /// A unique name for what the row creates.
    name: String,
    employee: Option<String>,
    points: Option<i32>,
    city: Option<i64>,
    institution: Option<i64>,
    /// Storage key or archive path.
    key: Option<String>,
    content: Vec<u8>,
    revision: Option<i64>,
    /// Target account of a role change.
    user: Option<String>,
    audit_id: Option<i64>,
    sync_log_count: i64,
}

struct Reply {
    status: StatusCode,
    body: Value,
    bytes: Vec<u8>,
}

impl Reply {
    fn code(&self) -> String {
        match (&self.body["code"], &self.body["statusCode"]) {
            (Value::String(code), _) if !self.body["statusCode"].is_string() => code.clone(),
            (_, Value::String(storage_status)) => format!("storage {storage_status}"),
            _ => String::new(),
        }
    }
}

/// Everything a refused mutation must leave exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint(Vec<(&'static str, String)>);

impl Fingerprint {
    fn version(&self) -> i64 {
        self.0[0].1.parse().expect("version")
    }

    fn hash(&self) -> &str {
        &self.0[1].1
    }

    fn differences(&self, after: &Fingerprint) -> String {
        self.0
            .iter()
            .zip(&after.0)
            .filter(|(before, after)| before.1 != after.1)
            .map(|(before, after)| format!("{}: {} → {}", before.0, before.1, after.1))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

struct Ctx {
    backend: TestBackend,
    own: i64,
    other: i64,
    own_city: i64,
    users: HashMap<Actor, String>,
}

impl Ctx {
    async fn new() -> Ctx {
        let backend = TestBackend::start().await;
        let own = institution_id(&backend, OWN_CITY, OWN_INSTITUTION).await;
        let other = institution_id(&backend, OTHER_CITY, OTHER_INSTITUTION).await;
        let own_city: i64 = backend
            .admin
            .query_one(
                "select city_id from public.institutions where id = $1",
                &[&own],
            )
            .await
            .expect("own city")
            .get(0);
        let mut users = HashMap::new();
        for actor in EVERYONE {
            if let Some(email) = actor.email() {
                let id: String = backend
                    .admin
                    .query_one(
                        "select id::text from auth.users where email = $1",
                        &[&email],
                    )
                    .await
                    .expect("demo account")
                    .get(0);
                users.insert(actor, id);
            }
        }
        Ctx {
            backend,
            own,
            other,
            own_city,
            users,
        }
    }

    async fn token(&self, actor: Actor) -> Option<String> {
        match actor.email() {
            Some(email) => Some(self.backend.token(email).await),
            None => None,
        }
    }

    async fn rpc(&self, actor: Actor, function: &str, args: Value) -> Reply {
        let token = self.token(actor).await;
        let (status, body) = self.backend.rpc(token.as_deref(), function, args).await;
        Reply {
            status,
            body,
            bytes: Vec::new(),
        }
    }

    /// An RPC as the owner that must succeed (preparation).
    async fn owner_rpc(&self, function: &str, args: Value) -> Value {
        let reply = self.rpc(Actor::Owner, function, args.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "preparation {function}({args}) failed: {}",
            reply.body
        );
        reply.body
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request");
        let status = response.status();
        let bytes = response.bytes().await.expect("body").to_vec();
        Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    async fn rest(&self, actor: Actor, method: Method, path: &str, body: Option<Value>) -> Reply {
        let token = self.token(actor).await;
        let profile = if method == Method::GET {
            "accept-profile"
        } else {
            "content-profile"
        };
        let mut request = self
            .backend
            .request(method, path, token.as_deref())
            .header(profile, "public")
            .header("prefer", "return=representation");
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// A Storage upload as supabase-js sends it.
    async fn upload(
        &self,
        actor: Actor,
        method: Method,
        key: &str,
        upsert: bool,
        content: &[u8],
    ) -> Reply {
        let token = self.token(actor).await;
        let request = self
            .backend
            .request(
                method,
                &format!("/storage/v1/object/arhiva/{key}"),
                token.as_deref(),
            )
            .header("content-type", "application/json")
            .header("cache-control", "max-age=3600")
            .header("x-upsert", if upsert { "true" } else { "false" })
            .body(content.to_vec());
        self.send(request).await
    }

    /// The row_version a client would send back (0011_row_versions); null without a row.
    async fn row_version(&self, table: &str, id: Option<impl std::fmt::Display>) -> Option<i64> {
        match id {
            Some(id) => Some(self.backend.row_version(table, id).await),
            None => None,
        }
    }

    fn institution(&self, target: Target, prep: &Prep) -> i64 {
        match target {
            Target::Own => self.own,
            Target::Other => self.other,
            Target::Fresh => prep.institution.expect("a fresh institution"),
        }
    }

    async fn scalar_i64(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> i64 {
        self.backend
            .admin
            .query_one(sql, params)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }

    async fn fingerprint(&self) -> Fingerprint {
        let row = self
            .backend
            .admin
            .query_one(
                r#"
                select
                  (select version::text from public.sync_metadata where sync_key = 'global_version'),
                  (select data_hash::text from public.sync_metadata where sync_key = 'global_version'),
                  (select coalesce(sum(punctaj), 0)::text from public.employees where institution_id = $1 and deleted_at is null),
                  (select coalesce(sum(punctaj), 0)::text from public.employees where institution_id = $2 and deleted_at is null),
                  (select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) from public.employees t),
                  (select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) from public.institutions t),
                  (select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) from public.cities t),
                  (select count(*)::text || ' rows, ' || md5(coalesce(string_agg(t::text, '|' order by t.id), ''))
                     from public.audit_log t),
                  (select md5(coalesce(string_agg(t::text, '|' order by t.user_id), '')) from public.global_roles t),
                  (select md5(coalesce(string_agg(t::text, '|' order by t.user_id, t.institution_id), ''))
                     from public.institution_roles t),
                  (select count(*)::text from public.archives),
                  (select count(*)::text from public.sync_log),
                  (select count(*)::text || ' objects, '
                          || md5(coalesce(string_agg(o.name || ':' || coalesce(o.version, '') || ':'
                                                     || coalesce(md5(b.content), 'no bytes'), '|' order by o.name), ''))
                     from storage.objects o left join local_backend.object_blobs b on b.object_id = o.id)
                "#,
                &[&self.own, &self.other],
            )
            .await
            .expect("fingerprint");
        let names = [
            "version",
            "data_hash",
            "points of own institution",
            "points of other institution",
            "employees",
            "institutions",
            "cities",
            "audit_log",
            "global_roles",
            "institution_roles",
            "archives",
            "sync_log",
            "storage",
        ];
        Fingerprint(
            names
                .iter()
                .enumerate()
                .map(|(index, name)| (*name, row.get::<_, String>(index)))
                .collect(),
        )
    }

    async fn first_employee(&self, institution: i64) -> (String, i32) {
        let row = self
            .backend
            .admin
            .query_one(
                "select id::text, punctaj from public.employees
                  where institution_id = $1 and deleted_at is null order by id limit 1",
                &[&institution],
            )
            .await
            .expect("an employee");
        (row.get(0), row.get(1))
    }

    async fn fresh_employee(&self, institution: i64, name: &str) -> String {
        let body = self
            .owner_rpc(
                "add_employee",
                json!({"p_institution_id": institution, "p_rank": 1,
                       "p_fields": {"DISCORD": name}, "p_punctaj": 5}),
            )
            .await;
        body["employee_id"]
            .as_str()
            .expect("employee_id")
            .to_owned()
    }

    async fn fresh_city(&self, name: &str) -> i64 {
        let body = self.owner_rpc("create_city", json!({"p_name": name})).await;
        body["city_id"].as_i64().expect("city_id")
    }

    async fn fresh_institution(&self, name: &str) -> i64 {
        let body = self
            .owner_rpc(
                "create_institution",
                json!({"p_city_id": self.own_city, "p_name": name,
                       "p_ranks": ["Rank 1", "Rank 2"], "p_columns": ["DISCORD"]}),
            )
            .await;
        body["institution_id"].as_i64().expect("institution_id")
    }

    async fn fresh_account(&self, name: &str) -> String {
        self.backend
            .admin
            .query_one(
                "insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data,
                                         raw_user_meta_data, created_at, updated_at)
                 values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
                         'authenticated', $1, '{\"provider\": \"email\", \"providers\": [\"email\"]}',
                         '{}', now(), now())
                 returning id::text",
                &[&format!("{name}@punctaj.test")],
            )
            .await
            .expect("fresh account")
            .get(0)
    }

    fn institution_names(&self, target: Target) -> (&'static str, &'static str) {
        match target {
            Target::Other => (OTHER_CITY, OTHER_INSTITUTION),
            _ => (OWN_CITY, OWN_INSTITUTION),
        }
    }

    /// What the row needs before the fingerprint is taken.
    async fn prepare(&self, index: usize, actor: Actor, action: Action) -> Prep {
        let mut prep = Prep {
            name: format!("Matrix row {index}"),
            ..Prep::default()
        };
        // A distinct UTC stamp per row, so every archive key is new.
        let stamp = Utc
            .with_ymd_and_hms(2026, 4, 1, 10, 0, 0)
            .single()
            .expect("stamp")
            + Duration::seconds(index as i64);
        let archive = serde_json::to_vec(&json!({
            "archived_at": stamp.format("%Y-%m-%d %H:%M:%S").to_string(),
            "institution": "x", "city": "x", "reset_by": actor.name(), "discord_id": null,
            "columns": [], "rows": [], "employee_count": 0
        }))
        .expect("archive json");
        match action {
            Action::ChangePoints(t) | Action::UpdateEmployee(t) => {
                let (employee, points) = self.first_employee(self.institution(t, &prep)).await;
                prep.employee = Some(employee);
                prep.points = Some(points);
            }
            Action::DeleteEmployee(t) => {
                let institution = self.institution(t, &prep);
                prep.employee = Some(self.fresh_employee(institution, &prep.name).await);
            }
            Action::RestoreEmployee(t) => {
                let institution = self.institution(t, &prep);
                let employee = self.fresh_employee(institution, &prep.name).await;
                self.owner_rpc("delete_employees", json!({"p_employee_ids": [employee]}))
                    .await;
                prep.employee = Some(employee);
            }
            Action::RenameCity | Action::DeleteCity => {
                prep.city = Some(self.fresh_city(&prep.name).await);
            }
            Action::RestoreCity => {
                let city = self.fresh_city(&prep.name).await;
                self.owner_rpc("delete_city", json!({"p_city_id": city}))
                    .await;
                prep.city = Some(city);
            }
            Action::RenameInstitution(Target::Fresh)
            | Action::SetRanks(Target::Fresh)
            | Action::SetColumns(Target::Fresh)
            | Action::DeleteInstitution(Target::Fresh) => {
                prep.institution = Some(self.fresh_institution(&prep.name).await);
            }
            Action::RestoreInstitution => {
                let institution = self.fresh_institution(&prep.name).await;
                self.owner_rpc(
                    "delete_institution",
                    json!({"p_institution_id": institution}),
                )
                .await;
                prep.institution = Some(institution);
            }
            Action::Reset(t) | Action::ResetWithoutArchive(t) | Action::ResetStale(t) => {
                let institution = self.institution(t, &prep);
                let (city, name) = self.institution_names(t);
                let key = archive_object_key(city, name, stamp);
                if !matches!(action, Action::ResetWithoutArchive(_)) {
                    // The leader of the institution uploads its own snapshot, as the app does;
                    // anyone else is handed one the owner uploaded.
                    let uploader = match (actor, t) {
                        (Actor::Leader, Target::Own) | (Actor::Leader2, Target::Other) => actor,
                        _ => Actor::Owner,
                    };
                    let reply = self
                        .upload(uploader, Method::POST, &key, false, &archive)
                        .await;
                    assert_eq!(
                        reply.status,
                        StatusCode::OK,
                        "{} could not upload the archive {key}: {}",
                        uploader.name(),
                        reply.body
                    );
                }
                let revision = self
                    .scalar_i64(
                        "select revision from public.institutions where id = $1",
                        &[&institution],
                    )
                    .await;
                prep.revision = Some(if matches!(action, Action::ResetStale(_)) {
                    revision - 1
                } else {
                    revision
                });
                prep.key = Some(key);
            }
            Action::AuditUpdate | Action::AuditDelete => {
                prep.audit_id = Some(
                    self.scalar_i64("select min(id) from public.audit_log", &[])
                        .await,
                );
            }
            Action::Direct(DirectWrite::PatchEmployee | DirectWrite::DeleteEmployee) => {
                prep.employee = Some(self.first_employee(self.own).await.0);
            }
            Action::GrantGlobal(_) | Action::GrantInstitution(_) => {
                prep.user = Some(self.fresh_account(&format!("matrix-{index}")).await);
            }
            Action::RevokeOwner | Action::DemoteOwner => {
                prep.user = Some(self.users[&Actor::Owner].clone());
            }
            Action::DemoteAdmin => prep.user = Some(self.users[&Actor::Admin].clone()),
            Action::Upload(city, institution) => {
                prep.key = Some(archive_object_key(city, institution, stamp));
                prep.content = archive;
            }
            Action::UploadKey(key) => {
                prep.key = Some(key.to_owned());
                prep.content = archive;
            }
            Action::Overwrite | Action::Upsert | Action::Put | Action::RemoveRecordedArchive => {
                prep.key = Some(SEED_ARCHIVE.to_owned());
                prep.content = archive;
            }
            Action::ForceSync => {
                prep.sync_log_count = self
                    .scalar_i64("select count(*) from public.sync_log", &[])
                    .await;
            }
            _ => {}
        }
        prep
    }

    async fn perform(&self, actor: Actor, action: Action, prep: &Prep) -> Reply {
        let name = &prep.name;
        match action {
            Action::Read(table) => {
                // sync_log.discord_id is not readable by clients (0007_hardening.sql): its other
                // columns are read by name, as the app does.
                let columns = match table {
                    "sync_log" => {
                        "id,user_id,user_name,sync_type,status,items_synced,error_message,synced_at,created_at"
                    }
                    _ => "*",
                };
                self.rest(
                    actor,
                    Method::GET,
                    &format!("/rest/v1/{table}?select={columns}"),
                    None,
                )
                .await
            }
            Action::ChangePoints(t) => {
                self.rpc(
                    actor,
                    "change_points",
                    json!({"p_institution_id": self.institution(t, prep),
                           "p_employee_ids": [prep.employee], "p_delta": 1}),
                )
                .await
            }
            Action::AddEmployee(t) => {
                self.rpc(
                    actor,
                    "add_employee",
                    json!({"p_institution_id": self.institution(t, prep), "p_rank": 1,
                           "p_fields": {"DISCORD": name}, "p_punctaj": 3}),
                )
                .await
            }
            Action::UpdateEmployee(_) => {
                self.rpc(
                    actor,
                    "update_employee",
                    json!({"p_employee_id": prep.employee, "p_rank": null,
                           "p_fields": {"DISCORD": name, "NUME IC": name},
                           "p_expected_version": self.row_version("employees", prep.employee.as_deref()).await}),
                )
                .await
            }
            Action::DeleteEmployee(_) => {
                self.rpc(
                    actor,
                    "delete_employees",
                    json!({"p_employee_ids": [prep.employee]}),
                )
                .await
            }
            Action::RestoreEmployee(_) => {
                self.rpc(
                    actor,
                    "restore_employees",
                    json!({"p_employee_ids": [prep.employee]}),
                )
                .await
            }
            Action::CreateCity => {
                self.rpc(actor, "create_city", json!({"p_name": name}))
                    .await
            }
            Action::RenameCity => {
                self.rpc(
                    actor,
                    "rename_city",
                    json!({"p_city_id": prep.city, "p_name": format!("{name} renamed"),
                           "p_expected_version": self.row_version("cities", prep.city).await}),
                )
                .await
            }
            Action::DeleteCity => {
                self.rpc(actor, "delete_city", json!({"p_city_id": prep.city}))
                    .await
            }
            Action::RestoreCity => {
                self.rpc(actor, "restore_city", json!({"p_city_id": prep.city}))
                    .await
            }
            Action::CreateInstitution => {
                self.rpc(
                    actor,
                    "create_institution",
                    json!({"p_city_id": self.own_city, "p_name": name,
                           "p_ranks": ["Rank 1"], "p_columns": []}),
                )
                .await
            }
            Action::RenameInstitution(t) => {
                self.rpc(
                    actor,
                    "rename_institution",
                    json!({"p_institution_id": self.institution(t, prep),
                           "p_name": format!("{name} renamed"),
                           "p_expected_version": self.row_version("institutions", Some(self.institution(t, prep))).await}),
                )
                .await
            }
            Action::SetRanks(t) => {
                self.rpc(
                    actor,
                    "set_institution_ranks",
                    json!({"p_institution_id": self.institution(t, prep),
                           "p_ranks": ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"],
                           "p_expected_version": self.row_version("institutions", Some(self.institution(t, prep))).await}),
                )
                .await
            }
            Action::SetColumns(t) => {
                self.rpc(
                    actor,
                    "set_institution_columns",
                    json!({"p_institution_id": self.institution(t, prep),
                           "p_columns": ["DISCORD", "NUME IC", "SERIE DE BULETIN", "EXTRA"],
                           "p_renames": {},
                           "p_expected_version": self.row_version("institutions", Some(self.institution(t, prep))).await}),
                )
                .await
            }
            Action::DeleteInstitution(t) => {
                self.rpc(
                    actor,
                    "delete_institution",
                    json!({"p_institution_id": self.institution(t, prep)}),
                )
                .await
            }
            Action::RestoreInstitution => {
                self.rpc(
                    actor,
                    "restore_institution",
                    json!({"p_institution_id": prep.institution}),
                )
                .await
            }
            Action::Reset(t) | Action::ResetWithoutArchive(t) | Action::ResetStale(t) => {
                self.rpc(
                    actor,
                    "reset_punctaj",
                    json!({"p_institution_id": self.institution(t, prep),
                           "p_archive_path": prep.key, "p_expected_revision": prep.revision}),
                )
                .await
            }
            Action::ForceSync => {
                self.rpc(actor, "force_sync", json!({"p_reason": name}))
                    .await
            }
            Action::AuditInsert => {
                self.rest(
                    actor,
                    Method::POST,
                    "/rest/v1/audit_log",
                    Some(json!({"action": "forged", "details": "nothing happened"})),
                )
                .await
            }
            Action::AuditUpdate => {
                self.rest(
                    actor,
                    Method::PATCH,
                    &format!("/rest/v1/audit_log?id=eq.{}", prep.audit_id.expect("id")),
                    Some(json!({"details": "rewritten history", "actor_name": "someone else"})),
                )
                .await
            }
            Action::AuditDelete => {
                self.rest(
                    actor,
                    Method::DELETE,
                    &format!("/rest/v1/audit_log?id=gte.{}", prep.audit_id.expect("id")),
                    None,
                )
                .await
            }
            Action::Direct(direct) => {
                let employee = prep.employee.clone().unwrap_or_default();
                let (method, path, body) = match direct {
                    DirectWrite::PatchEmployee => (
                        Method::PATCH,
                        format!("/rest/v1/employees?id=eq.{employee}"),
                        Some(json!({"punctaj": 999_999})),
                    ),
                    DirectWrite::DeleteEmployee => (
                        Method::DELETE,
                        format!("/rest/v1/employees?id=eq.{employee}"),
                        None,
                    ),
                    DirectWrite::InsertCity => (
                        Method::POST,
                        "/rest/v1/cities".to_owned(),
                        Some(json!({"name": name})),
                    ),
                    DirectWrite::PatchSyncMetadata => (
                        Method::PATCH,
                        "/rest/v1/sync_metadata?sync_key=eq.global_version".to_owned(),
                        Some(json!({"version": 1, "data_hash": "0".repeat(64)})),
                    ),
                    DirectWrite::InsertInstitutionRole => (
                        Method::POST,
                        "/rest/v1/institution_roles".to_owned(),
                        Some(
                            json!({"user_id": self.users.get(&actor), "institution_id": self.other,
                                    "role": "leader"}),
                        ),
                    ),
                    DirectWrite::PatchGlobalRole => (
                        Method::PATCH,
                        format!(
                            "/rest/v1/global_roles?user_id=eq.{}",
                            self.users.get(&actor).cloned().unwrap_or_default()
                        ),
                        Some(json!({"role": "owner"})),
                    ),
                    DirectWrite::InsertArchive => (
                        Method::POST,
                        "/rest/v1/archives".to_owned(),
                        Some(
                            json!({"object_path": "BlackWater/Politie_2026-01-01_00-00-00.json",
                                    "city_name": "BlackWater", "institution_name": "Politie",
                                    "archived_at": "2026-01-01T00:00:00Z"}),
                        ),
                    ),
                    DirectWrite::DeleteSyncLog => (
                        Method::DELETE,
                        "/rest/v1/sync_log?id=gte.0".to_owned(),
                        None,
                    ),
                };
                self.rest(actor, method, &path, body).await
            }
            Action::GrantGlobal(role) => {
                self.rpc(
                    actor,
                    "grant_global_role",
                    json!({"p_user_id": prep.user, "p_role": role}),
                )
                .await
            }
            Action::GrantInstitution(role) => {
                self.rpc(
                    actor,
                    "grant_institution_role",
                    json!({"p_user_id": prep.user, "p_institution_id": self.own, "p_role": role}),
                )
                .await
            }
            Action::RevokeOwner => {
                self.rpc(actor, "revoke_global_role", json!({"p_user_id": prep.user}))
                    .await
            }
            Action::DemoteOwner => {
                self.rpc(
                    actor,
                    "grant_global_role",
                    json!({"p_user_id": prep.user, "p_role": "admin"}),
                )
                .await
            }
            Action::DemoteAdmin => {
                self.rpc(
                    actor,
                    "grant_global_role",
                    json!({"p_user_id": prep.user, "p_role": "viewer"}),
                )
                .await
            }
            Action::Upload(..) | Action::UploadKey(_) | Action::Overwrite => {
                let key = prep.key.as_deref().expect("key");
                self.upload(actor, Method::POST, key, false, &prep.content)
                    .await
            }
            Action::Upsert => {
                let key = prep.key.as_deref().expect("key");
                self.upload(actor, Method::POST, key, true, &prep.content)
                    .await
            }
            Action::Put => {
                let key = prep.key.as_deref().expect("key");
                self.upload(actor, Method::PUT, key, false, &prep.content)
                    .await
            }
            Action::RemoveRecordedArchive => {
                let token = self.token(actor).await;
                let request = self
                    .backend
                    .request(
                        Method::DELETE,
                        "/storage/v1/object/arhiva",
                        token.as_deref(),
                    )
                    .json(&json!({"prefixes": [prep.key]}));
                self.send(request).await
            }
            Action::ListArchives => {
                let token = self.token(actor).await;
                let request = self
                    .backend
                    .request(
                        Method::POST,
                        "/storage/v1/object/list/arhiva",
                        token.as_deref(),
                    )
                    .json(&json!({"prefix": OWN_CITY, "limit": 100, "offset": 0,
                                  "sortBy": {"column": "name", "order": "asc"}}));
                self.send(request).await
            }
            Action::DownloadArchive => {
                let token = self.token(actor).await;
                let request = self.backend.request(
                    Method::GET,
                    &format!("/storage/v1/object/arhiva/{SEED_ARCHIVE}"),
                    token.as_deref(),
                );
                self.send(request).await
            }
        }
    }

    /// The effect of an allowed call. `Err` says what the user would see broken.
    async fn check_allowed(
        &self,
        actor: Actor,
        action: Action,
        prep: &Prep,
        before: &Fingerprint,
        after: &Fingerprint,
        reply: &Reply,
    ) -> Result<(), String> {
        let body = &reply.body;
        if action.bumps_version() {
            if after.version() != before.version() + 1 {
                return Err(format!(
                    "version moved {} → {} (expected exactly one bump)",
                    before.version(),
                    after.version()
                ));
            }
            if body["version"] != json!(after.version()) || body["data_hash"] != json!(after.hash())
            {
                return Err(format!(
                    "returned version/hash are not the new ones: {body}"
                ));
            }
        } else if action.is_mutation() && after.version() != before.version() {
            return Err(format!(
                "version moved {} → {} although no synced data changed",
                before.version(),
                after.version()
            ));
        }
        let admin = &self.backend.admin;
        let live = |table: &'static str| {
            format!("select count(*) from public.{table} where id = $1 and deleted_at is null")
        };
        let ok = |condition: bool, what: &str| {
            if condition {
                Ok(())
            } else {
                Err(what.to_owned())
            }
        };
        match action {
            Action::Read(table) => {
                let visible = body.as_array().map_or(0, Vec::len) as i64;
                let total = self
                    .scalar_i64(&format!("select count(*) from public.{table}"), &[])
                    .await;
                ok(
                    visible == total && total > 0,
                    &format!("sees {visible} of the {total} rows"),
                )
            }
            Action::ChangePoints(_) => {
                let points: i32 = admin
                    .query_one(
                        "select punctaj from public.employees where id = $1::text::uuid",
                        &[&prep.employee],
                    )
                    .await
                    .expect("points")
                    .get(0);
                ok(
                    points == prep.points.expect("points") + 1,
                    &format!("points {:?} → {points}, expected +1", prep.points),
                )
            }
            Action::AddEmployee(_) => {
                let id = body["employee_id"].as_str().unwrap_or_default().to_owned();
                let count = self
                    .scalar_i64(
                        "select count(*) from public.employees where id::text = $1 and deleted_at is null",
                        &[&id],
                    )
                    .await;
                ok(count == 1, "the new employee is not there")
            }
            Action::UpdateEmployee(_) => {
                let fields: Value = admin
                    .query_one(
                        "select fields from public.employees where id = $1::text::uuid",
                        &[&prep.employee],
                    )
                    .await
                    .expect("fields")
                    .get(0);
                ok(
                    fields["NUME IC"] == json!(prep.name),
                    &format!("fields not updated: {fields}"),
                )
            }
            Action::DeleteEmployee(_) | Action::RestoreEmployee(_) => {
                let id = prep.employee.clone().expect("employee");
                let count = self
                    .scalar_i64(
                        "select count(*) from public.employees where id::text = $1 and deleted_at is null",
                        &[&id],
                    )
                    .await;
                let expected = i64::from(matches!(action, Action::RestoreEmployee(_)));
                ok(
                    count == expected,
                    "the employee's deleted state did not change",
                )
            }
            Action::CreateCity => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.cities where name = $1 and deleted_at is null",
                        &[&prep.name],
                    )
                    .await;
                ok(count == 1, "the city is not there")
            }
            Action::RenameCity => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.cities where id = $1 and name = $2",
                        &[&prep.city, &format!("{} renamed", prep.name)],
                    )
                    .await;
                ok(count == 1, "the city keeps its old name")
            }
            Action::DeleteCity | Action::RestoreCity => {
                let count = self.scalar_i64(&live("cities"), &[&prep.city]).await;
                ok(
                    count == i64::from(matches!(action, Action::RestoreCity)),
                    "the city's deleted state did not change",
                )
            }
            Action::CreateInstitution => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.institutions where name = $1 and city_id = $2",
                        &[&prep.name, &self.own_city],
                    )
                    .await;
                ok(count == 1, "the institution is not there")
            }
            Action::RenameInstitution(t) => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.institutions where id = $1 and name = $2",
                        &[
                            &self.institution(t, prep),
                            &format!("{} renamed", prep.name),
                        ],
                    )
                    .await;
                ok(count == 1, "the institution keeps its old name")
            }
            Action::SetRanks(t) => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.institutions where id = $1 and cardinality(ranks) = 8",
                        &[&self.institution(t, prep)],
                    )
                    .await;
                ok(count == 1, "the ladder did not change")
            }
            Action::SetColumns(t) => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.institutions where id = $1 and 'EXTRA' = any(columns)",
                        &[&self.institution(t, prep)],
                    )
                    .await;
                ok(count == 1, "the columns did not change")
            }
            Action::DeleteInstitution(t) => {
                let count = self
                    .scalar_i64(&live("institutions"), &[&self.institution(t, prep)])
                    .await;
                ok(count == 0, "the institution is still live")
            }
            Action::RestoreInstitution => {
                let count = self
                    .scalar_i64(&live("institutions"), &[&prep.institution])
                    .await;
                ok(count == 1, "the institution is still deleted")
            }
            Action::Reset(t) => {
                let institution = self.institution(t, prep);
                let nonzero = self
                    .scalar_i64(
                        "select count(*) from public.employees
                          where institution_id = $1 and deleted_at is null and punctaj <> 0",
                        &[&institution],
                    )
                    .await;
                let archived = self
                    .scalar_i64(
                        "select count(*) from public.archives where object_path = $1 and institution_id = $2",
                        &[&prep.key, &institution],
                    )
                    .await;
                ok(
                    nonzero == 0 && archived == 1,
                    &format!("{nonzero} scores not zeroed, {archived} archive rows"),
                )
            }
            Action::ForceSync => {
                let user = self.users.get(&actor).cloned().unwrap_or_default();
                let count = self
                    .scalar_i64(
                        "select count(*) from public.sync_log
                          where user_id::text = $1 and sync_type = 'force_sync' and status = 'success'",
                        &[&user],
                    )
                    .await;
                let all = self
                    .scalar_i64("select count(*) from public.sync_log", &[])
                    .await;
                ok(
                    count == 1 && all == prep.sync_log_count + 1,
                    "the force sync is not in sync_log",
                )
            }
            Action::GrantGlobal(role) => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.global_roles where user_id::text = $1 and role = $2",
                        &[&prep.user, &role],
                    )
                    .await;
                ok(count == 1, "the role was not granted")
            }
            Action::GrantInstitution(role) => {
                let count = self
                    .scalar_i64(
                        "select count(*) from public.institution_roles
                          where user_id::text = $1 and institution_id = $2 and role = $3",
                        &[&prep.user, &self.own, &role],
                    )
                    .await;
                ok(count == 1, "the role was not granted")
            }
            Action::Upload(..) | Action::UploadKey(_) => {
                let stored: Option<Vec<u8>> = admin
                    .query_opt(
                        "select b.content from storage.objects o
                           join local_backend.object_blobs b on b.object_id = o.id
                          where o.bucket_id = 'arhiva' and o.name = $1",
                        &[&prep.key],
                    )
                    .await
                    .expect("object")
                    .map(|row| row.get(0));
                ok(
                    stored.as_deref() == Some(prep.content.as_slice()),
                    "the uploaded archive is not stored byte for byte",
                )
            }
            Action::ListArchives => {
                let names: Vec<&str> = body
                    .as_array()
                    .map(|items| items.iter().filter_map(|i| i["name"].as_str()).collect())
                    .unwrap_or_default();
                ok(
                    names.contains(&"Politie_2026-02-18_18-13-47.json"),
                    &format!("the seed archive is not listed: {body}"),
                )
            }
            Action::DownloadArchive => {
                let stored: Vec<u8> = admin
                    .query_one(
                        "select b.content from storage.objects o
                           join local_backend.object_blobs b on b.object_id = o.id
                          where o.name = $1",
                        &[&SEED_ARCHIVE],
                    )
                    .await
                    .expect("seed archive")
                    .get(0);
                ok(reply.bytes == stored, "the downloaded archive differs")
            }
            _ => Err(format!("no check written for allowed {action}")),
        }
    }
}

async fn institution_id(backend: &TestBackend, city: &str, institution: &str) -> i64 {
    backend
        .admin
        .query_one(
            "select i.id from public.institutions i join public.cities c on c.id = i.city_id
              where c.name = $1 and i.name = $2",
            &[&city, &institution],
        )
        .await
        .expect("institution")
        .get(0)
}

/// The matrix. Rows run in order on one database; an allowed change only touches what its own
/// preparation created, except where noted.
fn matrix() -> Vec<Row> {
    use Action::*;
    use Actor::*;
    use Expect::*;
    use Target::*;
    let mut rows = Vec::new();

    // Reads: anon is refused outright, pending sees nothing, every granted account sees all the
    // synced data; the audit log only to owners/admins (all) and leaders (their institution).
    for table in [
        "cities",
        "employees",
        "sync_log",
        "sync_metadata",
        "archives",
    ] {
        rows.push(row(Anon, Read(table), Denied));
        rows.push(row(Pending, Read(table), SeesNothing));
        for actor in [Viewer, Member, Leader, Leader2, Admin, Owner] {
            rows.push(row(actor, Read(table), Allowed));
        }
    }
    rows.extend([
        row(Anon, Read("audit_log"), Denied),
        row(Pending, Read("audit_log"), SeesNothing),
        row(Viewer, Read("audit_log"), SeesNothing),
        row(Member, Read("audit_log"), SeesNothing),
        row(Leader, Read("audit_log"), SeesOnly(Own)),
        row(Leader2, Read("audit_log"), SeesOnly(Other)),
        row(Admin, Read("audit_log"), Allowed),
        row(Owner, Read("audit_log"), Allowed),
        row(Anon, Read("global_roles"), Denied),
        row(Pending, Read("institution_roles"), SeesNothing),
    ]);

    // Points: members and leaders of the institution, owners and admins.
    rows.extend([
        row(Anon, ChangePoints(Own), Denied),
        row(Pending, ChangePoints(Own), Denied),
        row(Viewer, ChangePoints(Own), Denied),
        row(Member, ChangePoints(Own), Allowed),
        row(Leader, ChangePoints(Own), Allowed),
        row(Leader2, ChangePoints(Own), Denied),
        row(Admin, ChangePoints(Own), Allowed),
        row(Owner, ChangePoints(Own), Allowed),
        row(Member, ChangePoints(Other), Denied),
        row(Leader, ChangePoints(Other), Denied),
        row(Leader2, ChangePoints(Other), Allowed),
    ]);

    // Employees: leaders of the institution, owners and admins.
    rows.extend([
        row(Anon, AddEmployee(Own), Denied),
        row(Pending, AddEmployee(Own), Denied),
        row(Viewer, AddEmployee(Own), Denied),
        row(Member, AddEmployee(Own), Denied),
        row(Leader2, AddEmployee(Own), Denied),
        row(Leader, AddEmployee(Own), Allowed),
        row(Leader, AddEmployee(Other), Denied),
        row(Leader2, AddEmployee(Other), Allowed),
        row(Admin, AddEmployee(Other), Allowed),
        row(Member, UpdateEmployee(Own), Denied),
        row(Leader2, UpdateEmployee(Own), Denied),
        row(Leader, UpdateEmployee(Own), Allowed),
        row(Owner, UpdateEmployee(Other), Allowed),
        row(Viewer, DeleteEmployee(Own), Denied),
        row(Member, DeleteEmployee(Own), Denied),
        row(Leader2, DeleteEmployee(Own), Denied),
        row(Leader, DeleteEmployee(Own), Allowed),
        row(Leader, DeleteEmployee(Other), Denied),
        row(Admin, DeleteEmployee(Other), Allowed),
        // Restoring is a structure edit: not even the leader of the institution.
        row(Leader, RestoreEmployee(Own), Denied),
        row(Owner, RestoreEmployee(Own), Allowed),
    ]);

    // Structure: owners and admins only — a leader cannot touch even its own institution.
    for actor in [Anon, Pending, Viewer, Member, Leader, Leader2] {
        rows.push(row(actor, CreateCity, Denied));
    }
    rows.extend([
        row(Admin, CreateCity, Allowed),
        row(Owner, CreateCity, Allowed),
        row(Leader, RenameCity, Denied),
        row(Admin, RenameCity, Allowed),
        row(Leader, DeleteCity, Denied),
        row(Owner, DeleteCity, Allowed),
        row(Leader, RestoreCity, Denied),
        row(Admin, RestoreCity, Allowed),
        row(Leader, CreateInstitution, Denied),
        row(Owner, CreateInstitution, Allowed),
        row(Leader, RenameInstitution(Own), Denied),
        row(Member, RenameInstitution(Own), Denied),
        row(Admin, RenameInstitution(Fresh), Allowed),
        row(Leader, SetRanks(Own), Denied),
        row(Owner, SetRanks(Fresh), Allowed),
        row(Leader, SetColumns(Own), Denied),
        row(Admin, SetColumns(Fresh), Allowed),
        row(Leader, DeleteInstitution(Own), Denied),
        row(Leader2, DeleteInstitution(Other), Denied),
        row(Owner, DeleteInstitution(Fresh), Allowed),
        row(Leader, RestoreInstitution, Denied),
        row(Owner, RestoreInstitution, Allowed),
    ]);

    // Reset: leaders of the institution (after the archive is stored), owners and admins.
    rows.extend([
        row(Anon, Reset(Own), Denied),
        row(Pending, Reset(Own), Denied),
        row(Viewer, Reset(Own), Denied),
        row(Member, Reset(Own), Denied),
        row(Leader2, Reset(Own), Denied),
        row(Leader, Reset(Other), Denied),
        row(Leader, ResetWithoutArchive(Own), Fails(404, "PT404")),
        row(Leader, ResetStale(Own), Fails(409, "PT409")),
        row(Leader, Reset(Own), Allowed),
        row(Leader2, Reset(Other), Allowed),
        row(Admin, Reset(Own), Allowed),
    ]);

    // Force sync: any granted account, once (rate limit) — each actor appears once.
    rows.extend([
        row(Anon, ForceSync, Denied),
        row(Pending, ForceSync, Denied),
    ]);
    for actor in [Viewer, Member, Leader, Leader2, Admin, Owner] {
        rows.push(row(actor, ForceSync, Allowed));
    }

    // The audit log is append-only for everyone, the owner included.
    for actor in [Anon, Member, Leader, Admin, Owner] {
        rows.push(row(actor, AuditInsert, Denied));
    }
    for actor in [Anon, Leader, Admin, Owner] {
        rows.push(row(actor, AuditUpdate, Denied));
        rows.push(row(actor, AuditDelete, Denied));
    }

    // Direct table writes are refused: every change goes through an audited RPC.
    rows.extend([
        row(Anon, Direct(DirectWrite::PatchEmployee), Denied),
        row(Owner, Direct(DirectWrite::PatchEmployee), Denied),
        row(Leader, Direct(DirectWrite::PatchEmployee), Denied),
        row(Leader, Direct(DirectWrite::DeleteEmployee), Denied),
        row(Admin, Direct(DirectWrite::InsertCity), Denied),
        row(Owner, Direct(DirectWrite::PatchSyncMetadata), Denied),
        row(Leader, Direct(DirectWrite::InsertInstitutionRole), Denied),
        row(Admin, Direct(DirectWrite::PatchGlobalRole), Denied),
        row(Leader, Direct(DirectWrite::InsertArchive), Denied),
        row(Owner, Direct(DirectWrite::DeleteSyncLog), Denied),
    ]);

    // Roles: owners grant anything, admins only viewer and institution roles; nobody removes
    // the last owner (22023, not a permission question).
    rows.extend([
        row(Anon, GrantGlobal("viewer"), Denied),
        row(Pending, GrantGlobal("viewer"), Denied),
        row(Viewer, GrantGlobal("viewer"), Denied),
        row(Leader, GrantGlobal("viewer"), Denied),
        row(Admin, GrantGlobal("admin"), Denied),
        row(Admin, GrantGlobal("owner"), Denied),
        row(Admin, GrantGlobal("viewer"), Allowed),
        row(Owner, GrantGlobal("admin"), Allowed),
        row(Leader, GrantInstitution("member"), Denied),
        row(Member, GrantInstitution("leader"), Denied),
        row(Admin, GrantInstitution("leader"), Allowed),
        row(Admin, RevokeOwner, Denied),
        row(Admin, DemoteOwner, Denied),
        row(Admin, DemoteAdmin, Denied),
        row(Owner, RevokeOwner, Fails(400, "22023")),
        row(Owner, DemoteOwner, Fails(400, "22023")),
        // Last: afterwards there are two owners.
        row(Owner, GrantGlobal("owner"), Allowed),
    ]);

    // Storage: leaders only under their own institution's slug prefix; nothing is ever
    // overwritten or updated; pending and anon can neither list nor download.
    rows.extend([
        row(Leader, Upload(OWN_CITY, OWN_INSTITUTION), Allowed),
        row(Leader, Upload(OTHER_CITY, OTHER_INSTITUTION), StorageDenied),
        row(Leader, Upload(OWN_CITY, "Medici"), StorageDenied),
        row(
            Leader,
            UploadKey("BlackWater/Politie_nested/2026-04-01_10-00-00.json"),
            StorageDenied,
        ),
        row(
            Leader,
            UploadKey("blackwater/politie_2026-04-01_10-00-00.json"),
            StorageDenied,
        ),
        row(Leader2, Upload(OTHER_CITY, OTHER_INSTITUTION), Allowed),
        row(Leader2, Upload(OWN_CITY, OWN_INSTITUTION), StorageDenied),
        row(Member, Upload(OWN_CITY, OWN_INSTITUTION), StorageDenied),
        row(Viewer, Upload(OWN_CITY, OWN_INSTITUTION), StorageDenied),
        row(Pending, Upload(OWN_CITY, OWN_INSTITUTION), StorageDenied),
        row(Anon, Upload(OWN_CITY, OWN_INSTITUTION), StorageDenied),
        row(Admin, Upload("Valentine", "Politie"), Allowed),
        row(Owner, Upload(OTHER_CITY, OTHER_INSTITUTION), Allowed),
        row(Leader, Overwrite, StorageDuplicate),
        row(Owner, Overwrite, StorageDuplicate),
        row(Leader, Upsert, StorageDenied),
        row(Owner, Upsert, StorageDenied),
        row(Admin, Put, StorageDenied),
        row(Leader, Put, StorageDenied),
        row(Leader, RemoveRecordedArchive, SeesNothing),
        row(Viewer, RemoveRecordedArchive, SeesNothing),
        row(Anon, ListArchives, SeesNothing),
        row(Pending, ListArchives, SeesNothing),
        row(Viewer, ListArchives, Allowed),
        row(Member, ListArchives, Allowed),
        row(Anon, DownloadArchive, StorageNotFound),
        row(Pending, DownloadArchive, StorageNotFound),
        row(Viewer, DownloadArchive, Allowed),
        row(Leader2, DownloadArchive, Allowed),
    ]);
    rows
}

/// Checks one row's reply against its expectation (the nothing-changed check is separate).
async fn verdict(
    ctx: &Ctx,
    row: &Row,
    prep: &Prep,
    before: &Fingerprint,
    after: &Fingerprint,
    reply: &Reply,
) -> Result<(), String> {
    let status = reply.status.as_u16();
    let code = reply.body["code"].as_str().unwrap_or_default();
    let storage_status = reply.body["statusCode"].as_str().unwrap_or_default();
    let unexpected = || format!("got HTTP {status}: {}", reply.body);
    match row.expect {
        Expect::Allowed => {
            if !reply.status.is_success() {
                return Err(unexpected());
            }
            ctx.check_allowed(row.actor, row.action, prep, before, after, reply)
                .await
        }
        Expect::Denied => {
            let expected = if row.actor == Actor::Anon { 401 } else { 403 };
            if status == expected && code == "42501" {
                Ok(())
            } else {
                Err(unexpected())
            }
        }
        Expect::Fails(expected, expected_code) => {
            if status == expected && code == expected_code {
                Ok(())
            } else {
                Err(unexpected())
            }
        }
        Expect::SeesNothing => {
            if status == 200 && reply.body == json!([]) {
                Ok(())
            } else {
                Err(unexpected())
            }
        }
        Expect::SeesOnly(target) => {
            let institution = ctx.institution(target, prep);
            let rows = reply.body.as_array().cloned().unwrap_or_default();
            let total = ctx
                .scalar_i64(
                    "select count(*) from public.audit_log where institution_id = $1",
                    &[&institution],
                )
                .await;
            let foreign = rows
                .iter()
                .filter(|r| r["institution_id"] != json!(institution))
                .count();
            if status == 200 && total > 0 && rows.len() as i64 == total && foreign == 0 {
                Ok(())
            } else {
                Err(format!(
                    "sees {} rows ({foreign} of other institutions), expected the {total} of institution {institution}",
                    rows.len()
                ))
            }
        }
        Expect::StorageDenied | Expect::StorageDuplicate | Expect::StorageNotFound => {
            let expected = match row.expect {
                Expect::StorageDenied => "403",
                Expect::StorageDuplicate => "409",
                _ => "404",
            };
            if status == 400 && storage_status == expected {
                Ok(())
            } else {
                Err(unexpected())
            }
        }
    }
}

#[tokio::test]
async fn permission_matrix() {
    let ctx = Ctx::new().await;
    // Something in the audit log and sync log of both institutions (a third account's force sync:
    // every actor of the matrix still has its own force sync left).
    let (own_employee, _) = ctx.first_employee(ctx.own).await;
    let (other_employee, _) = ctx.first_employee(ctx.other).await;
    for (institution, employee) in [(ctx.own, own_employee), (ctx.other, other_employee)] {
        ctx.owner_rpc(
            "change_points",
            json!({"p_institution_id": institution, "p_employee_ids": [employee], "p_delta": 2}),
        )
        .await;
    }
    let discord = ctx.backend.token("discord-demo@punctaj.test").await;
    let (status, body) = ctx
        .backend
        .rpc(Some(&discord), "force_sync", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let rows = matrix();
    assert!(rows.len() >= 40);
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let prep = ctx.prepare(index, row.actor, row.action).await;
        let before = ctx.fingerprint().await;
        let reply = ctx.perform(row.actor, row.action, &prep).await;
        let after = ctx.fingerprint().await;
        let mut result = verdict(&ctx, row, &prep, &before, &after, &reply).await;
        if result.is_ok() && row.expect != Expect::Allowed && row.action.is_mutation() {
            let changed = before.differences(&after);
            if !changed.is_empty() {
                result = Err(format!("refused, but it changed: {changed}"));
            }
        }
        let got = format!("{} {}", reply.status.as_u16(), reply.code());
        if let Err(problem) = &result {
            failures.push(format!(
                "#{index} {} × {} expected {}: {problem}",
                row.actor.name(),
                row.action,
                row.expect
            ));
        }
        report.push((index, row, got, result.is_ok()));
    }

    let mut table = format!(
        "\n{:>3}  {:<8} {:<58} {:<17} {:<19}\n",
        "#", "actor", "action", "expected", "got"
    );
    for (index, row, got, passed) in &report {
        table.push_str(&format!(
            "{index:>3}  {:<8} {:<58} {:<17} {:<19} {}\n",
            row.actor.name(),
            row.action.to_string(),
            row.expect.to_string(),
            got,
            if *passed { "ok" } else { "FAIL" }
        ));
    }
    eprintln!("{table}");
    eprintln!(
        "{} rows, {} allowed, {} refused/hidden, {} failed",
        rows.len(),
        rows.iter().filter(|r| r.expect == Expect::Allowed).count(),
        rows.iter().filter(|r| r.expect != Expect::Allowed).count(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} permission rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    ctx.backend.stop().await;
}

/// Grants are read from the tables on every request: a revoked leader loses its rights at once,
/// with the token it already holds; a newly granted account gains them without signing in again.
#[tokio::test]
async fn grants_and_revocations_take_effect_on_the_next_request() {
    let ctx = Ctx::new().await;
    let (employee, _) = ctx.first_employee(ctx.own).await;
    let change = json!({"p_institution_id": ctx.own, "p_employee_ids": [employee], "p_delta": 1});

    let reply = ctx
        .rpc(Actor::Leader, "change_points", change.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    ctx.owner_rpc(
        "revoke_institution_role",
        json!({"p_user_id": ctx.users[&Actor::Leader], "p_institution_id": ctx.own}),
    )
    .await;
    let before = ctx.fingerprint().await;
    let reply = ctx
        .rpc(Actor::Leader, "change_points", change.clone())
        .await;
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("42501")),
        "a revoked leader still changes points: {}",
        reply.body
    );
    assert_eq!(
        before,
        ctx.fingerprint().await,
        "the refused change changed data"
    );
    let (status, _, body) = ctx
        .backend
        .get(
            ctx.token(Actor::Leader).await.as_deref(),
            "/rest/v1/employees?select=id",
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!([])),
        "a revoked account (now pending) still reads the data"
    );

    ctx.owner_rpc(
        "grant_institution_role",
        json!({"p_user_id": ctx.users[&Actor::Pending], "p_institution_id": ctx.own, "p_role": "member"}),
    )
    .await;
    let reply = ctx.rpc(Actor::Pending, "change_points", change).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a newly granted member cannot change points: {}",
        reply.body
    );
    let reply = ctx.rpc(Actor::Pending, "my_access", json!({})).await;
    assert_eq!(reply.body["pending"], json!(false), "{}", reply.body);
    ctx.backend.stop().await;
}

/// The bucket policy lets a leader write keys starting with `slug(city)/slug(institution)_`. When a
/// sibling's slug extends that prefix — "Politie" and "Politie Rutieră" in one city give
/// `BlackWater/Politie_` and `BlackWater/Politie_Rutiera_` — the leader of "Politie" must still not
/// be able to write the sibling's archive keys (which `reset_punctaj` of the sibling accepts and the
/// archive browser lists as the sibling's history).
#[tokio::test]
async fn leader_cannot_upload_into_the_archive_keys_of_a_sibling_whose_slug_extends_its_own() {
    let ctx = Ctx::new().await;
    let sibling = ctx.fresh_institution("Politie Rutieră").await;
    let stamp = Utc
        .with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("stamp");
    let content = serde_json::to_vec(&json!({
        "archived_at": "2026-06-01 10:00:00", "institution": "Politie Rutieră", "city": OWN_CITY,
        "reset_by": "not the leader of this institution", "discord_id": null,
        "columns": [], "rows": [], "employee_count": 0
    }))
    .expect("archive json");

    // Positive control: the leader's own key is accepted.
    let own_key = archive_object_key(OWN_CITY, OWN_INSTITUTION, stamp);
    let reply = ctx
        .upload(Actor::Leader, Method::POST, &own_key, false, &content)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let sibling_key = archive_object_key(OWN_CITY, "Politie Rutieră", stamp);
    assert_eq!(
        sibling_key,
        "BlackWater/Politie_Rutiera_2026-06-01_10-00-00.json"
    );
    let before = ctx.fingerprint().await;
    let reply = ctx
        .upload(Actor::Leader, Method::POST, &sibling_key, false, &content)
        .await;
    assert_eq!(
        (reply.status, reply.body["statusCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("403")),
        "the leader of BlackWater/Politie wrote {sibling_key}, an archive key of institution {sibling} \
         (BlackWater/Politie Rutieră) which it does not lead: {}",
        reply.body
    );
    assert_eq!(before, ctx.fingerprint().await);
    ctx.backend.stop().await;
}
