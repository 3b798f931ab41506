//! The import of the legacy desktop app's folder, through the public API the app uses: real
//! files and variants made from them, whole folders planned against a small cloud, zips built
//! here, hostile input.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use punctaj_core::archive::same_name;
use punctaj_core::legacy::archive_file::{ArchiveProblem, read_archive};
use punctaj_core::legacy::path::{ArchivePath, MAX_JSON_SIZE, PathProblem};
use punctaj_core::legacy::plan::KnownInvite;
use punctaj_core::legacy::preview::{ArchiveStatus, EmployeeChange, Status};
use punctaj_core::legacy::zip::{self, Method, ZipEntry, ZipProblem};
use punctaj_core::legacy::{
    FileClass, FixedZone, ImportPayload, ImportPlan, KnownObjects, LadderOrigin, LegacyError,
    LegacyFolder, LegacyInstitution, LocalTimeZone, PlanChoices, Reason, SkipReason, SourceId,
    classify, plan,
};
use punctaj_core::model::{City, Employee, Institution, Snapshot};
use punctaj_core::permissions::{GlobalRole, InstitutionRole};
use punctaj_core::time::RecordedTime;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const LIVE: &[u8] = include_bytes!("fixtures/legacy/data_balcaniwest_BlackWater_Politie.json");
const V0: &[u8] = include_bytes!("fixtures/legacy/data_BlackWater_Politie_v0_at_68a7d9a.json");
const V1_EMPTY_RANKS: &[u8] =
    include_bytes!("fixtures/legacy/data_BlackWater_Politie_v1_empty_ranks_at_00d18f7.json");
const BARE_LIST: &[u8] = include_bytes!("fixtures/legacy/variant_bare_list_from_balcaniwest.json");
const PRE_RESET: &[u8] =
    include_bytes!("fixtures/legacy/arhiva_BlackWater_Politie_2026-02-18_18-13-47.json");
const AFTER_RESET: &[u8] = include_bytes!(
    "fixtures/legacy/arhiva_BlackWater_Politie_2026-02-18_18-13-47_AFTER_RESET.json"
);
const SERVER_ARCHIVE: &[u8] =
    include_bytes!("fixtures/legacy/variant_arhiva_balcaniwest_no_id_string_points.json");
const AUDIT: &[u8] = include_bytes!("fixtures/legacy/variant_audit_logs_balcaniwest.json");
const PERMISSIONS: &[u8] =
    include_bytes!("fixtures/legacy/variant_users_permissions_balcaniwest.json");

const LIVE_PATH: &str = "Punctaj/data/balcaniwest/BlackWater/Politie.json";
const PRE_PATH: &str = "Punctaj/arhiva/BlackWater/Politie_2026-02-18_18-13-47.json";
const AFTER_PATH: &str = "Punctaj/arhiva/BlackWater/Politie_2026-02-18_18-13-47_AFTER_RESET.json";
const PARJANU: &str = "703316932232872016";

/// February in Bucharest: UTC+2.
fn bucharest() -> FixedZone {
    FixedZone::new("Europe/Bucharest", FixedOffset::east_opt(2 * 3600).unwrap())
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn choices<'a>(zone: &'a dyn LocalTimeZone, server: Option<&str>) -> PlanChoices<'a> {
    PlanChoices {
        server: server.map(str::to_owned),
        source: None,
        time_zone: zone,
        excluded_paths: BTreeSet::new(),
        accepted_invites: BTreeSet::new(),
    }
}

/// Adds a file the way the app does: classify, read only what may be read, open zips.
fn add(folder: &mut LegacyFolder, path: &str, bytes: &[u8]) {
    match classify(path).ok().and_then(|class| class.read_limit()) {
        Some(limit) if bytes.len() as u64 <= limit => {
            let entries = folder.add_file(path, bytes);
            inflate_all(folder, &entries, bytes);
        }
        _ => folder.add_unread(path, bytes.len() as u64),
    }
}

fn inflate_all(folder: &mut LegacyFolder, entries: &[ZipEntry], zip: &[u8]) {
    for entry in entries.iter().filter(|entry| entry.should_inflate()) {
        let inflated = inflate(entry, zip);
        let nested = folder.add_zip_entry(entry, &inflated);
        inflate_all(folder, &nested, &inflated);
    }
}

/// What the browser's `DecompressionStream('deflate-raw')` does, stopping past the declared
/// size as the app must.
fn inflate(entry: &ZipEntry, zip: &[u8]) -> Vec<u8> {
    let compressed = entry.compressed(zip);
    match entry.method {
        Method::Stored => compressed.to_vec(),
        Method::Deflate => {
            let mut out = Vec::new();
            DeflateDecoder::new(compressed)
                .take(entry.declared_size + 1)
                .read_to_end(&mut out)
                .unwrap();
            out
        }
    }
}

fn folder_of(files: &[(&str, &[u8])]) -> LegacyFolder {
    let mut folder = LegacyFolder::new();
    for (path, bytes) in files {
        add(&mut folder, path, bytes);
    }
    folder
}

/// The folder of a typical community: the live table, a reset (pre and after), the server
/// layout's archive of the same reset, the history, the permissions and what must be skipped.
fn community() -> Vec<(&'static str, &'static [u8])> {
    vec![
        (LIVE_PATH, LIVE),
        (PRE_PATH, PRE_RESET),
        (AFTER_PATH, AFTER_RESET),
        (
            "Punctaj/arhiva/balcaniwest/BlackWater/Politie_2026-02-15_01-53-15.json",
            SERVER_ARCHIVE,
        ),
        ("Punctaj/data/balcaniwest/audit_logs.json", AUDIT),
        (
            "Punctaj/data/balcaniwest/users_permissions.json",
            PERMISSIONS,
        ),
        (
            "Punctaj/data/.encryption_key",
            b"c2VjcmV0LWtleS1zdGFuZC1pbi1mb3ItdGVzdHM9PQ==",
        ),
        (
            "Punctaj/logs/balcaniwest/BlackWater/Politie.enc",
            b"gAAAAAB...",
        ),
        (
            "Punctaj/arhiva/BlackWater/Politie.csv",
            b"DISCORD,PUNCTAJ\n",
        ),
        ("Punctaj/punctaj.py", b"print('old app')"),
    ]
}

fn problems_of(plan: &ImportPlan, path: &str) -> Vec<Reason> {
    plan.problems
        .iter()
        .filter(|problem| problem.path == path)
        .map(|problem| problem.reason.clone())
        .collect()
}

fn skipped_why(plan: &ImportPlan, path: &str) -> Option<SkipReason> {
    plan.skipped
        .iter()
        .find(|skipped| skipped.path == path)
        .map(|skipped| skipped.why)
}

/// What `public.import_legacy` does with a payload, on a snapshot: enough to plan again against
/// the result.
/// Applies `payload` as the RPC would; returns the ids of its institutions, in payload order.
fn apply(cloud: &mut Snapshot, payload: &ImportPayload) -> Vec<i64> {
    let mut city_ids = Vec::new();
    for city in &payload.cities {
        let id = city.id.unwrap_or_else(|| {
            let id = cloud.cities.iter().map(|c| c.id).max().unwrap_or(0) + 1;
            cloud.cities.push(City {
                id,
                name: city.name.clone(),
                ..City::default()
            });
            id
        });
        city_ids.push(id);
    }
    let mut institution_ids = Vec::new();
    for item in &payload.institutions {
        let id = match item.id {
            Some(id) => {
                let institution = cloud.institutions.iter_mut().find(|i| i.id == id).unwrap();
                assert_eq!(item.expected_revision, Some(institution.revision));
                if let Some(ranks) = &item.ranks {
                    institution.ranks = ranks.clone();
                }
                if let Some(columns) = &item.columns {
                    institution.columns = columns.clone();
                }
                if let Some(at) = item.last_points_change_at
                    && institution.last_points_change_at.is_none_or(|old| at > old)
                {
                    institution.last_points_change_at = Some(at);
                }
                institution.revision += 1;
                id
            }
            None => {
                let id = cloud.institutions.iter().map(|i| i.id).max().unwrap_or(0) + 1;
                cloud.institutions.push(Institution {
                    id,
                    city_id: city_ids[item.city],
                    name: item.name.clone(),
                    ranks: item.ranks.clone().unwrap(),
                    columns: item.columns.clone().unwrap(),
                    last_points_change_at: item.last_points_change_at,
                    revision: 1,
                    ..Institution::default()
                });
                id
            }
        };
        institution_ids.push(id);
    }
    for item in &payload.employees {
        let institution_id = institution_ids[item.institution];
        let rank = usize::try_from(item.rank).unwrap();
        let ladder = &cloud.institution(institution_id).unwrap().ranks;
        assert!(
            rank <= ladder.len(),
            "rank {rank} on a ladder of {}",
            ladder.len()
        );
        match &item.id {
            Some(id) => {
                let employee = cloud.employees.iter_mut().find(|e| &e.id == id).unwrap();
                assert_eq!(employee.institution_id, institution_id);
                employee.rank = item.rank;
                employee.punctaj = item.punctaj;
                employee.ultima_mod = item.ultima_mod;
                employee.fields = item.fields.clone();
            }
            None => {
                let n = cloud.employees.len() + 1;
                cloud.employees.push(Employee {
                    id: format!("00000000-0000-0000-0000-{n:012}"),
                    institution_id,
                    rank: item.rank,
                    punctaj: item.punctaj,
                    ultima_mod: item.ultima_mod,
                    fields: item.fields.clone(),
                    ..Employee::default()
                });
            }
        }
    }
    institution_ids
}

/// The invitations the cloud holds after `payload` (its institutions' ids as `apply` gave them).
fn remember_invites(known: &mut KnownObjects, payload: &ImportPayload, institution_ids: &[i64]) {
    for invite in &payload.invites {
        known.invites.insert(
            invite.discord_id.clone(),
            KnownInvite {
                accepted: false,
                global_role: invite.global_role,
                institutions: invite
                    .institutions
                    .iter()
                    .map(|grant| (institution_ids[grant.institution], grant.role))
                    .collect(),
            },
        );
    }
}

/// The bucket and the audit log after the import of `plan` (archives uploaded as they were).
fn remember(known: &mut KnownObjects, plan: &ImportPlan, folder: &LegacyFolder) {
    for archive in &plan.archives {
        if archive.status == ArchiveStatus::New {
            let text = String::from_utf8(folder.bytes(&archive.path).unwrap().to_vec()).unwrap();
            known.archives.insert(archive.object_path.clone(), text);
        }
    }
    known
        .legacy_audit_ids
        .extend(plan.payload.audit.iter().map(|entry| entry.legacy_id));
}

/// A cloud with Saint Denis / Poliție and BlackWater / Politie holding two members.
fn small_cloud() -> Snapshot {
    let city = |id, name: &str| City {
        id,
        name: name.to_owned(),
        ..City::default()
    };
    let institution = |id, city_id, name: &str, ranks: &[&str]| Institution {
        id,
        city_id,
        name: name.to_owned(),
        ranks: ranks.iter().map(|r| (*r).to_owned()).collect(),
        columns: [
            "DISCORD",
            "NUME IC",
            "SERIE DE BULETIN",
            "RANK",
            "ROLE",
            "PUNCTAJ",
            "ULTIMA_MOD",
        ]
        .map(str::to_owned)
        .to_vec(),
        revision: 4,
        ..Institution::default()
    };
    let member = |id: &str, discord: &str, name: &str, rank, punctaj| Employee {
        id: id.to_owned(),
        institution_id: 7,
        rank,
        punctaj,
        fields: BTreeMap::from([
            ("DISCORD".to_owned(), discord.to_owned()),
            ("NUME IC".to_owned(), name.to_owned()),
        ]),
        ..Employee::default()
    };
    let ladder = [
        "Offiter",
        "Caporal",
        "Sergent",
        "Plutonier",
        "Locotenent Instructor",
        "Sherif Adjunct",
        "Sherif",
    ];
    Snapshot {
        cities: vec![city(5, "BlackWater"), city(6, "Saint Denis")],
        institutions: vec![
            institution(7, 5, "Politie", &ladder),
            institution(8, 6, "Poliție", &ladder),
        ],
        employees: vec![
            // In another order than the file, with a stale name and another case.
            member(
                "00000000-0000-0000-0000-0000000000a2",
                "NIKOLAS",
                "old name",
                2,
                8,
            ),
            member(
                "00000000-0000-0000-0000-0000000000a1",
                "Sintact",
                "Rocky Jay",
                6,
                40,
            ),
            member(
                "00000000-0000-0000-0000-0000000000a3",
                "Plecat",
                "Left long ago",
                7,
                3,
            ),
        ],
    }
}

// --- Real files and variants ------------------------------------------------------------------

#[test]
fn the_real_empty_ladder_is_rebuilt_from_its_role_cells() {
    let v1 = LegacyInstitution::read(std::str::from_utf8(V1_EMPTY_RANKS).unwrap()).unwrap();
    assert_eq!(v1.problems, []);
    assert_eq!(v1.institution.ladder, LadderOrigin::RebuiltFromRoles);
    let live = LegacyInstitution::from_json(std::str::from_utf8(LIVE).unwrap()).unwrap();
    assert_eq!(
        v1.institution.ranks, live.ranks,
        "the ladder the same community wrote later"
    );
    assert_eq!(v1.institution.rows.len(), 9);
    assert_eq!(
        v1.institution.last_points_change,
        RecordedTime::parse("2026-02-15 02:01:43")
    );
}

#[test]
fn the_oldest_table_shape_reads_with_blank_times() {
    let v0 = LegacyInstitution::from_json(std::str::from_utf8(V0).unwrap()).unwrap();
    assert_eq!(v0.ladder, LadderOrigin::File);
    assert_eq!(v0.ranks.len(), 7);
    assert_eq!(v0.last_points_change, None);
    assert!(
        v0.rows.iter().all(|row| row.ultima_mod.is_none()),
        "\" \" is blank"
    );
    assert_eq!(v0.rows.iter().map(|row| row.punctaj).sum::<i32>(), 0);
    match classify("Punctaj/data/BlackWater/Politie.json") {
        Ok(FileClass::Institution(at)) => assert_eq!(at.place.server, None, "before servers"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_bare_list_variant_gets_a_numbered_ladder() {
    let bare = LegacyInstitution::from_json(std::str::from_utf8(BARE_LIST).unwrap()).unwrap();
    assert_eq!(bare.ladder, LadderOrigin::Numbered);
    assert_eq!(
        bare.ranks,
        (1..=7).map(|n| format!("Rank {n}")).collect::<Vec<_>>()
    );
    assert_eq!(bare.rows.len(), 11);
    assert_eq!(bare.rows.iter().map(|row| row.punctaj).sum::<i32>(), 213);
    assert_eq!(bare.key_column(), Some("DISCORD"));
}

#[test]
fn archives_in_every_variant_read_and_agree_with_their_names() {
    let archive_path = |path: &str| match classify(path) {
        Ok(FileClass::Archive(found)) => found,
        other => panic!("{path}: {other:?}"),
    };
    let text = |bytes: &[u8]| std::str::from_utf8(bytes).unwrap().to_owned();

    let pre = read_archive(&archive_path(PRE_PATH), &text(PRE_RESET)).unwrap();
    assert!(!pre.after_reset);
    assert_eq!((pre.employee_count, pre.total_points), (9, 38));
    assert!(
        pre.document
            .rows
            .iter()
            .all(|row| row.cells.contains_key("id"))
    );

    let after = read_archive(&archive_path(AFTER_PATH), &text(AFTER_RESET)).unwrap();
    assert!(after.after_reset);
    assert_eq!(after.total_points, 0);
    assert!(matches!(
        after.document.rows[0].ultima_mod,
        Some(RecordedTime::WallClock(_))
    ));

    let server = archive_path("arhiva/balcaniwest/BlackWater/Politie_2026-02-15_01-53-15.json");
    let scoped = read_archive(&server, &text(SERVER_ARCHIVE)).unwrap();
    assert_eq!(scoped.total_points, 38, "PUNCTAJ as strings");
    assert!(
        scoped
            .document
            .rows
            .iter()
            .all(|row| !row.cells.contains_key("id"))
    );

    // The pre-reset content under the AFTER_RESET name is refused, and the other way round.
    for (path, bytes) in [(AFTER_PATH, PRE_RESET), (PRE_PATH, AFTER_RESET)] {
        assert!(matches!(
            read_archive(&archive_path(path), &text(bytes)),
            Err(ArchiveProblem::NameContentDisagree(_))
        ));
    }
    let loose = ArchivePath {
        server: None,
        city: None,
        name: None,
    };
    assert_eq!(
        read_archive(&loose, &text(PRE_RESET)).unwrap().city,
        "BlackWater"
    );
}

// --- A whole folder into an empty cloud -------------------------------------------------------

#[test]
fn a_community_folder_imports_into_an_empty_cloud() {
    let zone = bucharest();
    let folder = folder_of(&community());
    assert_eq!(folder.servers(), ["balcaniwest"]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );

    assert_eq!(plan.source, SourceId::Live);
    let payload = &plan.payload;
    assert_eq!(payload.server.as_deref(), Some("balcaniwest"));
    assert_eq!(payload.time_zone, "Europe/Bucharest");
    assert_eq!(payload.cities.len(), 1);
    assert_eq!(
        (payload.cities[0].id, payload.cities[0].name.as_str()),
        (None, "BlackWater")
    );
    let politie = &payload.institutions[0];
    assert_eq!((politie.id, politie.name.as_str()), (None, "Politie"));
    assert_eq!(politie.ranks.as_ref().unwrap()[6], "Sherif");
    assert_eq!(
        politie.last_points_change_at,
        Some(utc(2026, 3, 7, 10, 28, 40)),
        "local time through the stated zone"
    );
    assert_eq!(payload.employees.len(), 11);
    let sintact = &payload.employees[0];
    assert_eq!(
        (sintact.id.as_deref(), sintact.rank, sintact.punctaj),
        (None, 6, 44)
    );
    assert_eq!(sintact.fields["NUME IC"], "Rocky Jay");
    assert!(
        !sintact.fields.contains_key("ROLE"),
        "ROLE is derived, never stored"
    );

    let keys: Vec<_> = payload
        .archives
        .iter()
        .map(|a| a.object_path.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "BlackWater/Politie_2026-02-18_16-13-47.json",
            "BlackWater/Politie_2026-02-18_16-13-47_AFTER_RESET.json",
            "BlackWater/Politie_2026-02-14_23-53-15.json",
        ],
        "UTC stamps; both layouts; in path order"
    );
    let pre = &payload.archives[0];
    assert_eq!(
        (pre.employee_count, pre.total_points, pre.after_reset),
        (9, 38, false)
    );
    assert_eq!(pre.reset_by_name.as_deref(), Some("parjanu"));
    assert_eq!(pre.archived_at, utc(2026, 2, 18, 16, 13, 47));
    assert!(payload.archives[1].after_reset);

    // History: the local-only entry through the zone, the other server's and the id-less skipped.
    let audit: Vec<_> = payload.audit.iter().map(|e| (e.legacy_id, e.at)).collect();
    assert_eq!(
        audit,
        [
            (
                812,
                utc(2026, 2, 14, 21, 28, 19) + chrono::Duration::microseconds(394_423)
            ),
            (813, utc(2026, 2, 18, 16, 13, 47)),
        ]
    );
    assert_eq!(plan.audit.other_server, 1);
    assert_eq!(plan.audit.without_id, 1);
    assert_eq!(plan.audit.malformed, 1);
    assert!(
        plan.problems
            .iter()
            .any(|p| p.path.ends_with("audit_logs.json") && !p.left_out)
    );

    // Invitations are offered, none accepted yet.
    assert!(payload.invites.is_empty());
    assert_eq!(plan.invites.len(), 4);

    for (path, why) in [
        ("Punctaj/data/.encryption_key", SkipReason::SecretKey),
        (
            "Punctaj/logs/balcaniwest/BlackWater/Politie.enc",
            SkipReason::EncryptedLog,
        ),
        (
            "Punctaj/arhiva/BlackWater/Politie.csv",
            SkipReason::MonthlyCsv,
        ),
        ("Punctaj/punctaj.py", SkipReason::NotJson),
    ] {
        assert_eq!(skipped_why(&plan, path), Some(why), "{path}");
    }
    assert_eq!(
        folder.bytes("Punctaj/data/.encryption_key"),
        None,
        "never kept"
    );
    assert_eq!(plan.scopes.len(), 1);
    assert_eq!(plan.scopes[0].status, Status::New);
    assert!(plan.scopes[0].city_is_new);
    assert_eq!(payload.files, 6);

    // The payload is the contract's JSON.
    let json = serde_json::to_value(payload).unwrap();
    assert_eq!(json["institutions"][0]["city"], 0);
    assert_eq!(json["employees"][0]["institution"], 0);
    assert_eq!(
        json["archives"][2]["archived_at"],
        "2026-02-14T23:53:15.000000Z"
    );
}

#[test]
fn importing_the_same_folder_again_changes_nothing() {
    let zone = bucharest();
    let folder = folder_of(&community());
    let mut chosen = choices(&zone, Some("balcaniwest"));
    let mut cloud = Snapshot::default();
    let mut known = KnownObjects::default();
    // Every account offered is accepted, those with roles in the imported institutions too.
    chosen.accepted_invites = plan(&folder, &chosen, &cloud, &known)
        .invites
        .into_iter()
        .map(|offer| offer.discord_id)
        .collect();
    let first = plan(&folder, &chosen, &cloud, &known);
    assert!(!first.payload.is_empty());
    assert!(
        first
            .payload
            .invites
            .iter()
            .any(|invite| !invite.institutions.is_empty()),
        "{:#?}",
        first.payload.invites
    );
    let institution_ids = apply(&mut cloud, &first.payload);
    remember(&mut known, &first, &folder);
    remember_invites(&mut known, &first.payload, &institution_ids);

    let second = plan(&folder, &chosen, &cloud, &known);
    assert!(second.payload.is_empty(), "{:#?}", second.payload);
    assert!(
        second
            .scopes
            .iter()
            .all(|scope| scope.status == Status::Unchanged)
    );
    assert!(
        second.scopes[0]
            .employees
            .iter()
            .all(|employee| matches!(employee.change, EmployeeChange::Unchanged { .. }))
    );
    assert!(
        second
            .archives
            .iter()
            .all(|a| a.status == ArchiveStatus::AlreadyPresent)
    );
    assert_eq!(second.audit.already_imported, 2);
    assert_eq!(second.problems.iter().filter(|p| p.left_out).count(), 0);
}

#[test]
fn a_newer_copy_of_the_folder_applies_only_the_differences() {
    let zone = bucharest();
    let folder = folder_of(&community());
    let mut cloud = Snapshot::default();
    let mut known = KnownObjects::default();
    let first = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &cloud,
        &known,
    );
    apply(&mut cloud, &first.payload);
    remember(&mut known, &first, &folder);

    // A week later: nikolas got 5 points, a recruit joined, the rows were reordered.
    let mut table: serde_json::Value = serde_json::from_slice(LIVE).unwrap();
    let rows = table["rows"].as_array_mut().unwrap();
    rows.reverse();
    let nikolas = rows
        .iter_mut()
        .find(|row| row["DISCORD"] == "nikolas")
        .unwrap();
    nikolas["PUNCTAJ"] = "13".into();
    nikolas["ULTIMA_MOD"] = "2026-03-14 20:00:00".into();
    rows.push(
        serde_json::json!({"DISCORD": "Recrut", "NUME IC": "Nou Venit", "SERIE DE BULETIN": "",
        "RANK": "1", "ROLE": "Offiter", "PUNCTAJ": 0, "ULTIMA_MOD": ""}),
    );
    table["last_punctaj_update"] = "2026-03-14 20:00:00".into();
    let newer = serde_json::to_vec(&table).unwrap();
    let mut files = community();
    files[0] = (LIVE_PATH, newer.as_slice());
    let folder = folder_of(&files);

    let second = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &cloud,
        &known,
    );
    let payload = &second.payload;
    assert_eq!(payload.institutions.len(), 1);
    assert!(payload.institutions[0].id.is_some());
    assert_eq!(payload.institutions[0].ranks, None);
    assert_eq!(payload.institutions[0].columns, None);
    assert_eq!(
        payload.institutions[0].last_points_change_at,
        Some(utc(2026, 3, 14, 18, 0, 0))
    );
    let changes: Vec<_> = payload
        .employees
        .iter()
        .map(|e| (e.id.is_some(), e.fields["DISCORD"].as_str(), e.punctaj))
        .collect();
    assert_eq!(
        changes,
        [(true, "nikolas", 13), (false, "Recrut", 0)],
        "only the changed and the new employee, in file order"
    );
    let scope = &second.scopes[0];
    assert_eq!(scope.status, Status::Changed);
    let nikolas = scope.employees.iter().find(|e| e.key == "nikolas").unwrap();
    assert_eq!(
        nikolas.change,
        EmployeeChange::Changed {
            old_punctaj: 8,
            new_punctaj: 13,
            columns: vec!["PUNCTAJ".to_owned(), "ULTIMA_MOD".to_owned()]
        }
    );
    assert_eq!(
        scope
            .employees
            .iter()
            .filter(|e| matches!(e.change, EmployeeChange::Unchanged { .. }))
            .count(),
        10
    );
    assert!(payload.archives.is_empty() && payload.audit.is_empty());
}

// --- Matching against the cloud ---------------------------------------------------------------

#[test]
fn folder_names_match_cloud_names_by_the_product_rule() {
    let zone = bucharest();
    let folder = folder_of(&[("data/balcaniwest/Saint_Denis/Politie.json", V1_EMPTY_RANKS)]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &small_cloud(),
        &KnownObjects::default(),
    );
    let payload = &plan.payload;
    assert_eq!(payload.cities.len(), 1);
    assert_eq!(
        (payload.cities[0].id, payload.cities[0].name.as_str()),
        (Some(6), "Saint Denis")
    );
    let institution = &payload.institutions[0];
    assert_eq!(
        (institution.id, institution.name.as_str()),
        (Some(8), "Poliție"),
        "never renamed"
    );
    assert_eq!(institution.expected_revision, Some(4));
    assert_eq!(
        institution.ranks, None,
        "the rebuilt ladder agrees with the cloud's"
    );
    assert_eq!(plan.scopes[0].city, "Saint Denis");
    assert!(!plan.scopes[0].city_is_new);
    assert!(same_name("Saint_Denis", "Saint Denis") && same_name("Politie", "Poliție"));
}

#[test]
fn employees_are_matched_by_discord_never_by_position() {
    let zone = bucharest();
    let folder = folder_of(&[(LIVE_PATH, LIVE)]);
    let cloud = small_cloud();
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &cloud,
        &KnownObjects::default(),
    );
    assert_eq!(plan.problems, []);
    let by_id: BTreeMap<_, _> = plan
        .payload
        .employees
        .iter()
        .filter_map(|e| e.id.as_deref().map(|id| (id, e)))
        .collect();
    // Sintact: 40 → 44; NIKOLAS (another case): only the name and the time change.
    let sintact = by_id["00000000-0000-0000-0000-0000000000a1"];
    assert_eq!((sintact.punctaj, sintact.rank), (44, 6));
    let nikolas = by_id["00000000-0000-0000-0000-0000000000a2"];
    assert_eq!(nikolas.punctaj, 8);
    assert_eq!(nikolas.fields["NUME IC"], "Ion Clanparu");
    assert_eq!(nikolas.fields["DISCORD"], "nikolas");
    assert_eq!(
        plan.payload
            .employees
            .iter()
            .filter(|e| e.id.is_none())
            .count(),
        9
    );
    let scope = &plan.scopes[0];
    assert_eq!(scope.only_in_cloud, ["Plecat"], "kept, never deleted");
    let preview = scope.employees.iter().find(|e| e.key == "nikolas").unwrap();
    assert_eq!(
        preview.change,
        EmployeeChange::Changed {
            old_punctaj: 8,
            new_punctaj: 8,
            columns: vec![
                "ULTIMA_MOD".to_owned(),
                "DISCORD".to_owned(),
                "NUME IC".to_owned(),
                "SERIE DE BULETIN".to_owned()
            ]
        }
    );
}

#[test]
fn a_file_ladder_shorter_than_a_kept_member_is_a_problem() {
    let zone = bucharest();
    let table = serde_json::json!({
        "columns": ["DISCORD", "RANK", "ROLE", "PUNCTAJ"],
        "ranks": {"1": "Offiter", "2": "Caporal"},
        "rows": [{"DISCORD": "Sintact", "RANK": "2", "PUNCTAJ": 1}]
    });
    let bytes = serde_json::to_vec(&table).unwrap();
    let folder = folder_of(&[("data/balcaniwest/BlackWater/Politie.json", &bytes)]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &small_cloud(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "data/balcaniwest/BlackWater/Politie.json"),
        [Reason::LadderDropsRank { rank: 7 }],
        "Plecat keeps rank 7"
    );
    assert!(plan.payload.is_empty());
}

// --- Sources and servers ----------------------------------------------------------------------

fn table_with_points(points: u32) -> Vec<u8> {
    let mut table: serde_json::Value = serde_json::from_slice(LIVE).unwrap();
    for row in table["rows"].as_array_mut().unwrap() {
        row["PUNCTAJ"] = points.to_string().into();
    }
    serde_json::to_vec(&table).unwrap()
}

#[test]
fn backups_are_alternative_sources_never_imported_twice() {
    let zone = bucharest();
    let folder_backup = table_with_points(1);
    let zipped_backup = build_zip(&[
        ("BlackWater/Politie.json", &table_with_points(2), true),
        (".encryption_key", b"stand-in", false),
        ("users_permissions.json", PERMISSIONS, true),
    ]);
    let folder = folder_of(&[
        (LIVE_PATH, LIVE),
        (
            "Punctaj/arhiva/backup_20260218_181000/BlackWater/Politie.json",
            &folder_backup,
        ),
        (
            "Punctaj/arhiva/backups/backup_20260218_182000.zip",
            &zipped_backup,
        ),
    ]);
    let stamp = |m| {
        NaiveDate::from_ymd_opt(2026, 2, 18)
            .unwrap()
            .and_hms_opt(18, m, 0)
            .unwrap()
    };
    let sources: Vec<_> = folder
        .sources(Some("balcaniwest"))
        .iter()
        .map(|s| (s.id, s.institution_files))
        .collect();
    assert_eq!(
        sources,
        [
            (SourceId::Live, 1),
            (SourceId::Backup(stamp(20)), 1),
            (SourceId::Backup(stamp(10)), 1)
        ]
    );
    assert_eq!(folder.default_source(Some("balcaniwest")), SourceId::Live);

    let live = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        live.payload.employees.len(),
        11,
        "one table's employees, once"
    );
    assert_eq!(live.payload.employees[0].punctaj, 44);
    for path in [
        "Punctaj/arhiva/backup_20260218_181000/BlackWater/Politie.json",
        "Punctaj/arhiva/backups/backup_20260218_182000.zip/BlackWater/Politie.json",
        "Punctaj/arhiva/backups/backup_20260218_182000.zip/users_permissions.json",
    ] {
        assert_eq!(
            skipped_why(&live, path),
            Some(SkipReason::OtherSource),
            "{path}"
        );
    }
    assert_eq!(
        skipped_why(
            &live,
            "Punctaj/arhiva/backups/backup_20260218_182000.zip/.encryption_key"
        ),
        Some(SkipReason::SecretKey)
    );
    assert!(
        live.invites.is_empty(),
        "the backup's permissions are another source's"
    );

    let mut chosen = choices(&zone, Some("balcaniwest"));
    chosen.source = Some(SourceId::Backup(stamp(20)));
    let backup = plan(
        &folder,
        &chosen,
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(backup.payload.employees.len(), 11);
    assert!(backup.payload.employees.iter().all(|e| e.punctaj == 2));
    assert_eq!(
        skipped_why(&backup, LIVE_PATH),
        Some(SkipReason::OtherSource)
    );
    assert_eq!(backup.invites.len(), 4, "the chosen source's permissions");
}

#[test]
fn without_live_data_the_newest_backup_is_the_default() {
    let folder = folder_of(&[
        (
            "arhiva/backup_20260218_181000/BlackWater/Politie.json",
            LIVE,
        ),
        (
            "arhiva/backup_20260218_182000/BlackWater/Politie.json",
            LIVE,
        ),
    ]);
    let newest = NaiveDate::from_ymd_opt(2026, 2, 18)
        .unwrap()
        .and_hms_opt(18, 20, 0)
        .unwrap();
    assert_eq!(folder.default_source(None), SourceId::Backup(newest));
    let zone = bucharest();
    let plan = plan(
        &folder,
        &choices(&zone, None),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(plan.scopes.len(), 1);
    assert_eq!(
        plan.scopes[0].path,
        "arhiva/backup_20260218_182000/BlackWater/Politie.json"
    );
}

#[test]
fn a_folder_of_several_servers_imports_the_chosen_one() {
    let zone = bucharest();
    let folder = folder_of(&[
        ("data/balcaniwest/BlackWater/Politie.json", LIVE),
        ("data/badlands/SaintDenis/Politie.json", V1_EMPTY_RANKS),
        (
            "arhiva/badlands/SaintDenis/Politie_2026-02-18_18-13-47.json",
            PRE_RESET,
        ),
        (
            "arhiva/BlackWater/Politie_2026-02-18_18-13-47.json",
            PRE_RESET,
        ),
        ("data/badlands/audit_logs.json", AUDIT),
    ]);
    assert_eq!(folder.servers(), ["badlands", "balcaniwest"]);
    assert_eq!(folder.default_server(), None, "the app asks");
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    for path in [
        "data/badlands/SaintDenis/Politie.json",
        "arhiva/badlands/SaintDenis/Politie_2026-02-18_18-13-47.json",
        "data/badlands/audit_logs.json",
    ] {
        assert_eq!(
            skipped_why(&plan, path),
            Some(SkipReason::OtherServer),
            "{path}"
        );
    }
    assert_eq!(plan.payload.cities.len(), 1);
    assert_eq!(plan.payload.cities[0].name, "BlackWater");
    assert_eq!(
        plan.payload.archives.len(),
        1,
        "the archive without a server level belongs to the chosen one"
    );
}

#[test]
fn the_server_layout_wins_over_the_older_one() {
    let zone = bucharest();
    let folder = folder_of(&[
        ("data/balcaniwest/BlackWater/Politie.json", LIVE),
        ("data/BlackWater/Politie.json", V0),
    ]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        skipped_why(&plan, "data/BlackWater/Politie.json"),
        Some(SkipReason::OlderLayout)
    );
    assert_eq!(plan.payload.employees.len(), 11);
}

// --- Audit and permissions --------------------------------------------------------------------

#[test]
fn accepted_invitations_carry_the_mapped_roles() {
    let zone = bucharest();
    let folder = folder_of(&[
        (LIVE_PATH, LIVE),
        (
            "Punctaj/data/balcaniwest/users_permissions.json",
            PERMISSIONS,
        ),
    ]);
    let mut chosen = choices(&zone, Some("balcaniwest"));
    chosen.accepted_invites = [
        PARJANU,
        "222222222222222222",
        "333333333333333333",
        "444444444444444444",
    ]
    .map(str::to_owned)
    .into();
    let plan = plan(
        &folder,
        &chosen,
        &Snapshot::default(),
        &KnownObjects::default(),
    );

    let offer = |id: &str| {
        plan.invites
            .iter()
            .find(|offer| offer.discord_id == id)
            .unwrap()
    };
    assert_eq!(offer(PARJANU).global_role, Some(GlobalRole::Admin));
    let sintact = offer("222222222222222222");
    assert_eq!(sintact.global_role, None);
    let grants: Vec<_> = sintact
        .institutions
        .iter()
        .map(|g| (g.institution.as_str(), g.role, g.known))
        .collect();
    assert_eq!(
        grants,
        [
            ("Politie", InstitutionRole::Leader, true),
            ("Medici", InstitutionRole::Member, false)
        ],
        "can_reset_scores makes a leader; Saint Denis/Medici is nowhere"
    );
    assert_eq!(
        offer("333333333333333333").institutions[0].role,
        InstitutionRole::Member
    );
    assert_eq!(
        offer("444444444444444444").global_role,
        Some(GlobalRole::Viewer)
    );
    assert!(
        plan.invites
            .iter()
            .all(|offer| offer.discord_id != "555555555555555555")
    );
    assert!(plan.problems.iter().any(|p| !p.left_out
        && matches!(&p.reason, Reason::Permissions(problem) if problem.to_string().contains("parjanu_local"))));

    let invites = &plan.payload.invites;
    assert_eq!(invites.len(), 4);
    let sintact = invites
        .iter()
        .find(|i| i.discord_id == "222222222222222222")
        .unwrap();
    assert_eq!(sintact.institutions.len(), 1);
    let institution = &plan.payload.institutions[sintact.institutions[0].institution];
    assert_eq!(institution.name, "Politie");
    assert_eq!(sintact.institutions[0].role, InstitutionRole::Leader);
    let parjanu = invites.iter().find(|i| i.discord_id == PARJANU).unwrap();
    assert!(
        parjanu.institutions.is_empty(),
        "an admin needs no institution role"
    );
    let json = serde_json::to_value(parjanu).unwrap();
    assert_eq!(json["global_role"], "admin");
}

#[test]
fn audit_entries_already_imported_are_not_sent_again() {
    let zone = bucharest();
    let folder = folder_of(&[("data/balcaniwest/audit_logs.json", AUDIT)]);
    let known = KnownObjects {
        legacy_audit_ids: [812].into(),
        ..KnownObjects::default()
    };
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &known,
    );
    let ids: Vec<_> = plan.payload.audit.iter().map(|e| e.legacy_id).collect();
    assert_eq!(ids, [813]);
    assert_eq!(plan.audit.already_imported, 1);
    let entry = &plan.payload.audit[0];
    assert_eq!(
        (entry.actor_name.as_str(), entry.action.as_str()),
        ("parjanu", "reset_punctaj_all")
    );
    assert_eq!(entry.details, "Resetare punctaj: 9 angajați");
    assert!(
        plan.payload.cities.is_empty(),
        "history references no structure"
    );
}

// --- Archives against the bucket --------------------------------------------------------------

#[test]
fn archives_already_in_the_bucket_are_skipped_and_different_ones_refused() {
    let zone = bucharest();
    let folder = folder_of(&[(PRE_PATH, PRE_RESET), (AFTER_PATH, AFTER_RESET)]);
    let mut known = KnownObjects::default();
    known.archives.insert(
        "BlackWater/Politie_2026-02-18_16-13-47.json".to_owned(),
        String::from_utf8(PRE_RESET.to_vec()).unwrap(),
    );
    known.archives.insert(
        "BlackWater/Politie_2026-02-18_16-13-47_AFTER_RESET.json".to_owned(),
        "{\"other\": true}".to_owned(),
    );
    let plan = plan(&folder, &choices(&zone, None), &small_cloud(), &known);
    let statuses: Vec<_> = plan.archives.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [ArchiveStatus::AlreadyPresent, ArchiveStatus::Conflicting]
    );
    assert_eq!(
        problems_of(&plan, AFTER_PATH),
        [Reason::ArchiveConflict {
            object_path: "BlackWater/Politie_2026-02-18_16-13-47_AFTER_RESET.json".to_owned()
        }]
    );
    assert!(plan.payload.is_empty());
}

#[test]
fn archive_keys_follow_the_stated_time_zone() {
    let folder = folder_of(&[(PRE_PATH, PRE_RESET)]);
    let keys = |zone: &FixedZone| {
        plan(
            &folder,
            &choices(zone, None),
            &small_cloud(),
            &KnownObjects::default(),
        )
        .payload
        .archives
        .iter()
        .map(|a| a.object_path.clone())
        .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(&FixedZone::utc()),
        ["BlackWater/Politie_2026-02-18_18-13-47.json"]
    );
    assert_eq!(
        keys(&bucharest()),
        ["BlackWater/Politie_2026-02-18_16-13-47.json"]
    );
    let payload = plan(
        &folder,
        &choices(&bucharest(), None),
        &small_cloud(),
        &KnownObjects::default(),
    )
    .payload;
    assert_eq!(
        payload.institutions[0].id,
        Some(7),
        "recorded against the live institution"
    );
    assert_eq!(payload.institutions[0].ranks, None);
}

#[test]
fn an_archive_of_an_unknown_institution_is_a_problem() {
    let zone = bucharest();
    let folder = folder_of(&[(PRE_PATH, PRE_RESET)]);
    let plan = plan(
        &folder,
        &choices(&zone, None),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert!(matches!(
        &problems_of(&plan, PRE_PATH)[..],
        [Reason::ArchiveWithoutInstitution { .. }]
    ));
}

#[test]
fn loose_files_are_recognised_by_content() {
    let zone = bucharest();
    let folder = folder_of(&[
        ("Politie_2026-02-18_18-13-47.json", PRE_RESET),
        ("renamed.json", AFTER_RESET),
        ("Politie.json", LIVE),
        ("mystery.json", b"{\"hello\": 1}"),
    ]);
    let plan = plan(
        &folder,
        &choices(&zone, None),
        &small_cloud(),
        &KnownObjects::default(),
    );
    let keys: Vec<_> = plan
        .payload
        .archives
        .iter()
        .map(|a| a.object_path.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "BlackWater/Politie_2026-02-18_16-13-47.json",
            "BlackWater/Politie_2026-02-18_16-13-47_AFTER_RESET.json"
        ],
        "the city comes from the content"
    );
    assert_eq!(
        problems_of(&plan, "Politie.json"),
        [Reason::LooseInstitution]
    );
    assert_eq!(problems_of(&plan, "mystery.json"), [Reason::UnknownFormat]);
}

// --- Problems and hostile input ---------------------------------------------------------------

#[test]
fn a_file_with_problems_is_left_out_and_the_rest_imported() {
    let zone = bucharest();
    let duplicate = serde_json::json!({
        "columns": ["DISCORD", "RANK", "ROLE", "PUNCTAJ"],
        "ranks": {},
        "rows": [
            {"DISCORD": "Sintact", "RANK": "1", "ROLE": "Cadet", "PUNCTAJ": "5"},
            {"DISCORD": "Aly", "RANK": "2", "ROLE": "", "PUNCTAJ": "x"},
            {"DISCORD": "sintact ", "RANK": "1", "ROLE": "Cadet", "PUNCTAJ": 1}
        ]
    });
    let duplicate = serde_json::to_vec(&duplicate).unwrap();
    let folder = folder_of(&[
        (LIVE_PATH, LIVE),
        ("Punctaj/data/balcaniwest/Valentine/Medici.json", &duplicate),
        (
            "Punctaj/data/balcaniwest/Valentine/Broken.json",
            b"{\"columns\": [\"DISCORD\"",
        ),
        (
            "Punctaj/arhiva/BlackWater/Politie_2026-02-18_18-13-48.json",
            PRE_RESET,
        ),
    ]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    let medici = problems_of(&plan, "Punctaj/data/balcaniwest/Valentine/Medici.json");
    assert_eq!(
        medici,
        [
            Reason::Institution(LegacyError::Points {
                at: "rows[1].PUNCTAJ".to_owned(),
                value: "x".to_owned()
            }),
            Reason::Institution(LegacyError::DuplicateEmployee {
                key: "sintact".to_owned(),
                first: "rows[0]".to_owned(),
                second: "rows[2]".to_owned()
            }),
        ]
    );
    assert!(matches!(
        &problems_of(&plan, "Punctaj/data/balcaniwest/Valentine/Broken.json")[..],
        [Reason::InvalidJson(_)]
    ));
    assert!(matches!(
        &problems_of(
            &plan,
            "Punctaj/arhiva/BlackWater/Politie_2026-02-18_18-13-48.json"
        )[..],
        [Reason::Archive(ArchiveProblem::NameContentDisagree(_))]
    ));
    assert!(plan.problems.iter().all(|p| p.left_out));
    // Valentine is created by no file: only BlackWater reaches the payload.
    let cities: Vec<_> = plan
        .payload
        .cities
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(cities, ["BlackWater"]);
    assert_eq!(plan.payload.employees.len(), 11);
}

#[test]
fn excluded_files_stay_out() {
    let zone = bucharest();
    let folder = folder_of(&community());
    let mut chosen = choices(&zone, Some("balcaniwest"));
    chosen.excluded_paths.insert(AFTER_PATH.to_owned());
    let plan = plan(
        &folder,
        &chosen,
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(skipped_why(&plan, AFTER_PATH), Some(SkipReason::Excluded));
    assert!(plan.payload.archives.iter().all(|a| !a.after_reset));
}

#[test]
fn hostile_names_are_kept_as_text() {
    let zone = bucharest();
    let folder = folder_of(&[("data/s/<script>alert(1)<_script>/\"Ș'ef\".json", LIVE)]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(plan.problems, []);
    assert_eq!(plan.payload.cities[0].name, "<script>alert(1)< script>");
    assert_eq!(plan.payload.institutions[0].name, "\"Ș'ef\"");
    let json = serde_json::to_string(&plan.payload).unwrap();
    let back: ImportPayload = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan.payload);
}

#[test]
fn oversized_and_deeply_nested_files_are_refused() {
    let zone = bucharest();
    let twenty_mb = vec![b' '; 20 * 1024 * 1024];
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let mut folder = LegacyFolder::new();
    folder.add_file("data/s/BlackWater/Huge.json", &twenty_mb);
    folder.add_unread("data/s/BlackWater/Unread.json", 20 * 1024 * 1024);
    folder.add_file("data/s/BlackWater/Deep.json", deep.as_bytes());
    folder.add_file("data/s/../../etc/passwd.json", b"{}");
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    for path in [
        "data/s/BlackWater/Huge.json",
        "data/s/BlackWater/Unread.json",
    ] {
        assert_eq!(
            problems_of(&plan, path),
            [Reason::FileTooLarge {
                size: 20 * 1024 * 1024,
                limit: MAX_JSON_SIZE
            }]
        );
    }
    assert!(matches!(
        &problems_of(&plan, "data/s/BlackWater/Deep.json")[..],
        [Reason::InvalidJson(message)] if message.contains("recursion")
    ));
    assert_eq!(
        problems_of(&plan, "data/s/../../etc/passwd.json"),
        [Reason::BadPath(PathProblem::Traversal)]
    );
    assert!(plan.payload.is_empty());
}

// --- Zips -------------------------------------------------------------------------------------

/// An entry of a zip built by hand: `name` raw, `data` as stored in the zip.
struct RawEntry {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    declared_size: u32,
}

fn deflated(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn entry(name: &str, bytes: &[u8], deflate: bool) -> RawEntry {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    RawEntry {
        name: name.as_bytes().to_vec(),
        flags: 0,
        method: if deflate { 8 } else { 0 },
        data: if deflate {
            deflated(bytes)
        } else {
            bytes.to_vec()
        },
        crc: crc.sum(),
        declared_size: u32::try_from(bytes.len()).unwrap(),
    }
}

fn build_zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
    raw_zip(
        files
            .iter()
            .map(|(name, bytes, deflate)| entry(name, bytes, *deflate))
            .collect(),
    )
}

fn raw_zip(entries: Vec<RawEntry>) -> Vec<u8> {
    let u16le = |out: &mut Vec<u8>, v: u16| out.extend(v.to_le_bytes());
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend(v.to_le_bytes());
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in &entries {
        let offset = u32::try_from(out.len()).unwrap();
        let name_len = u16::try_from(entry.name.len()).unwrap();
        let size = u32::try_from(entry.data.len()).unwrap();
        u32le(&mut out, 0x0403_4b50);
        for v in [20, entry.flags, entry.method, 0, 0] {
            u16le(&mut out, v);
        }
        for v in [entry.crc, size, entry.declared_size] {
            u32le(&mut out, v);
        }
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend(&entry.name);
        out.extend(&entry.data);

        u32le(&mut central, 0x0201_4b50);
        for v in [20, 20, entry.flags, entry.method, 0, 0] {
            u16le(&mut central, v);
        }
        for v in [entry.crc, size, entry.declared_size] {
            u32le(&mut central, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend(&entry.name);
    }
    let central_offset = u32::try_from(out.len()).unwrap();
    let central_size = u32::try_from(central.len()).unwrap();
    out.extend(central);
    let count = u16::try_from(entries.len()).unwrap();
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, count, count] {
        u16le(&mut out, v);
    }
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

#[test]
fn a_zip_of_the_whole_folder_imports_like_the_folder() {
    let zone = bucharest();
    let files: Vec<(String, &[u8], bool)> = community()
        .into_iter()
        .enumerate()
        .map(|(index, (path, bytes))| (path.to_owned(), bytes, index % 2 == 0))
        .collect();
    let borrowed: Vec<(&str, &[u8], bool)> =
        files.iter().map(|(p, b, d)| (p.as_str(), *b, *d)).collect();
    let zipped = build_zip(&borrowed);
    let listed = zip::entries("Punctaj.zip", &zipped).unwrap();
    assert_eq!(listed.len(), 10);
    assert!(
        listed.iter().any(|e| e.method == Method::Deflate)
            && listed.iter().any(|e| e.method == Method::Stored)
    );
    let key = listed
        .iter()
        .find(|e| e.name.ends_with(".encryption_key"))
        .unwrap();
    assert!(
        !key.should_inflate(),
        "a key inside a zip is not even inflated"
    );

    let from_zip = folder_of(&[("Punctaj.zip", &zipped)]);
    let from_folder = folder_of(&community());
    let plan_of = |folder: &LegacyFolder| {
        plan(
            folder,
            &choices(&zone, Some("balcaniwest")),
            &Snapshot::default(),
            &KnownObjects::default(),
        )
    };
    assert_eq!(plan_of(&from_zip).payload, plan_of(&from_folder).payload);
}

#[test]
fn core_crc32_agrees_with_an_independent_implementation() {
    for bytes in [&b""[..], b"a", PRE_RESET, LIVE] {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        assert_eq!(zip::crc32(bytes), crc.sum());
    }
}

#[test]
fn traversal_encryption_and_bombs_inside_a_zip_are_refused() {
    let bomb_source = vec![b'0'; 8 * 1024 * 1024];
    let mut encrypted = entry("data/s/BlackWater/Sealed.json", LIVE, true);
    encrypted.flags = 1;
    let mut unsupported = entry("data/s/BlackWater/Bzip.json", LIVE, false);
    unsupported.method = 12;
    let zipped = raw_zip(vec![
        entry("../../etc/passwd.json", b"{}", false),
        entry("data/s/BlackWater/..\\..\\x.json", b"{}", false),
        entry("data/s/BlackWater/Bomb.json", &bomb_source, true),
        encrypted,
        unsupported,
        entry("data/s/BlackWater/Politie.json", LIVE, true),
        entry("inner.zip", b"PK", false),
    ]);
    let listed = zip::entries("Punctaj.zip", &zipped).unwrap();
    let refused: Vec<_> = listed
        .iter()
        .map(|e| (e.name.as_str(), e.refused.clone()))
        .collect();
    assert_eq!(
        refused,
        [
            (
                "../../etc/passwd.json",
                Some(ZipProblem::BadName(PathProblem::Traversal))
            ),
            (
                "data/s/BlackWater/..\\..\\x.json",
                Some(ZipProblem::BadName(PathProblem::Backslash))
            ),
            ("data/s/BlackWater/Bomb.json", Some(ZipProblem::Bomb)),
            ("data/s/BlackWater/Sealed.json", Some(ZipProblem::Encrypted)),
            (
                "data/s/BlackWater/Bzip.json",
                Some(ZipProblem::UnsupportedMethod(12))
            ),
            ("data/s/BlackWater/Politie.json", None),
            ("inner.zip", None),
        ]
    );
    assert_eq!(listed[6].class, FileClass::Skipped(SkipReason::NestedZip));

    let zone = bucharest();
    let folder = folder_of(&[("Punctaj.zip", &zipped)]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Bomb.json"),
        [Reason::Zip(ZipProblem::Bomb)]
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Sealed.json"),
        [Reason::Zip(ZipProblem::Encrypted)]
    );
    assert_eq!(
        problems_of(&plan, "../../etc/passwd.json"),
        [Reason::Zip(ZipProblem::BadName(PathProblem::Traversal))]
    );
    assert_eq!(folder.bytes("../../etc/passwd.json"), None);
    assert_eq!(plan.scopes.len(), 1, "the sound entry is imported");
    assert_eq!(plan.payload.employees.len(), 11);
}

#[test]
fn whole_zip_problems_are_reported_on_the_zip() {
    // zip64: the end record's fields at their maximum.
    let mut zip64 = build_zip(&[("a.json", b"{}", false)]);
    let end = zip64.len() - 22;
    zip64[end + 16..end + 20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(zip::entries("x.zip", &zip64), Err(ZipProblem::Zip64));

    // Two directory entries pointing at the same bytes: the "overlapping" bomb.
    let mut overlapping = build_zip(&[("a.json", b"{}", false), ("b.json", b"{}", false)]);
    let end = overlapping.len() - 22;
    let central = usize::try_from(u32::from_le_bytes(
        overlapping[end + 16..end + 20].try_into().unwrap(),
    ))
    .unwrap();
    let second = central + 46 + "a.json".len();
    overlapping[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(
        zip::entries("x.zip", &overlapping),
        Err(ZipProblem::OverlappingEntries)
    );

    let zone = bucharest();
    let folder = folder_of(&[(
        "arhiva/backups/backup_20260218_181000.zip",
        &zip64[..zip64.len() - 5],
    )]);
    let plan = plan(
        &folder,
        &choices(&zone, None),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "arhiva/backups/backup_20260218_181000.zip"),
        [Reason::Zip(ZipProblem::NotAZip)]
    );
}

#[test]
fn inflated_bytes_that_do_not_match_the_zip_are_refused() {
    let zipped = build_zip(&[("data/s/BlackWater/Politie.json", LIVE, true)]);
    let listed = zip::entries("Punctaj.zip", &zipped).unwrap();
    let mut folder = LegacyFolder::new();
    assert_eq!(folder.add_file("Punctaj.zip", &zipped), listed);
    let mut tampered = LIVE.to_vec();
    tampered[10] ^= 1;
    folder.add_zip_entry(&listed[0], &tampered);
    folder.add_zip_entry(&listed[0], &LIVE[..100]);
    let zone = bucharest();
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Politie.json"),
        [Reason::Zip(ZipProblem::SizeMismatch {
            declared: LIVE.len() as u64,
            found: 100
        })]
    );
    assert_eq!(
        zip::check_inflated(&listed[0], &tampered),
        Err(ZipProblem::CrcMismatch)
    );
    assert_eq!(zip::check_inflated(&listed[0], LIVE), Ok(()));
}

#[test]
fn an_entry_never_inflated_is_reported() {
    let zipped = build_zip(&[("data/s/BlackWater/Politie.json", LIVE, true)]);
    let mut folder = LegacyFolder::new();
    folder.add_file("Punctaj.zip", &zipped);
    let zone = bucharest();
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Politie.json"),
        [Reason::NotRead]
    );
}

#[test]
fn a_rebuilt_ladder_replaces_a_cloud_ladder_it_disagrees_with() {
    let zone = bucharest();
    let mut cloud = small_cloud();
    cloud.institutions[1].ranks = vec!["Recrut".to_owned(); 7];
    let folder = folder_of(&[("data/balcaniwest/Saint_Denis/Politie.json", V1_EMPTY_RANKS)]);
    let plan = plan(
        &folder,
        &choices(&zone, Some("balcaniwest")),
        &cloud,
        &KnownObjects::default(),
    );
    let ranks = plan.payload.institutions[0].ranks.as_ref().unwrap();
    assert_eq!(ranks[0], "Offiter");
    assert_eq!(ranks.len(), 7);
    assert!(plan.scopes[0].ranks_change);
}

#[test]
fn invitations_to_two_institutions_of_one_city_reference_it_once() {
    let zone = bucharest();
    let mut cloud = small_cloud();
    let mut medici = cloud.institutions[0].clone();
    medici.id = 9;
    medici.name = "Medici".to_owned();
    cloud.institutions.push(medici);
    let permissions = format!(
        r#"{{"users": {{"{PARJANU}": {{"username": "parjanu", "permissions": {{"institutions":
            {{"BlackWater": {{"Politie": {{"can_add_score": true}}, "Medici": {{"can_edit": true}}}}}}}}}}}}}}"#
    );
    let folder = folder_of(&[("data/users_permissions.json", permissions.as_bytes())]);
    let mut chosen = choices(&zone, None);
    chosen.accepted_invites.insert(PARJANU.to_owned());
    let plan = plan(&folder, &chosen, &cloud, &KnownObjects::default());
    let payload = &plan.payload;
    assert_eq!(payload.cities.len(), 1, "{:?}", payload.cities);
    assert_eq!(payload.cities[0].id, Some(5));
    let roles: BTreeMap<_, _> = payload.invites[0]
        .institutions
        .iter()
        .map(|grant| (payload.institutions[grant.institution].id, grant.role))
        .collect();
    assert_eq!(
        roles,
        BTreeMap::from([
            (Some(7), InstitutionRole::Member),
            (Some(9), InstitutionRole::Leader)
        ])
    );
    assert!(
        payload
            .institutions
            .iter()
            .all(|i| i.ranks.is_none() && i.columns.is_none())
    );
    assert!(payload.employees.is_empty());
}

#[test]
fn entries_the_browser_could_not_inflate_are_problems() {
    let zipped = build_zip(&[
        ("data/s/BlackWater/Politie.json", LIVE, true),
        ("data/s/BlackWater/Medici.json", LIVE, true),
    ]);
    let mut folder = LegacyFolder::new();
    let listed = folder.add_file("Punctaj.zip", &zipped);
    folder.add_zip_problem(&listed[0], true);
    folder.add_zip_problem(&listed[1], false);
    let zone = bucharest();
    let plan = plan(
        &folder,
        &choices(&zone, Some("s")),
        &Snapshot::default(),
        &KnownObjects::default(),
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Politie.json"),
        [Reason::Zip(ZipProblem::InflatesPastDeclaredSize)]
    );
    assert_eq!(
        problems_of(&plan, "data/s/BlackWater/Medici.json"),
        [Reason::Zip(ZipProblem::CorruptData)]
    );
    assert!(plan.payload.is_empty());
}

#[test]
fn invite_ids_are_the_accounts_with_a_role_to_offer() {
    let folder = folder_of(&[
        ("data/balcaniwest/users_permissions.json", PERMISSIONS),
        (
            "arhiva/backup_20260218_181000/users_permissions.json",
            PERMISSIONS,
        ),
    ]);
    assert_eq!(
        folder.invite_ids(),
        [
            "222222222222222222",
            "333333333333333333",
            "444444444444444444",
            PARJANU
        ]
    );
}
