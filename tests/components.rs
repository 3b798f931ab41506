//! Components mounted in a real browser (headless Chromium, wasm-bindgen-test): what the user
//! sees and can do, with no server involved.
#![cfg(target_arch = "wasm32")]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use punctaj::components::employee_table::EmployeeTable;
use punctaj::components::institution_editor::{InstitutionDraft, InstitutionEditor};
use punctaj::components::name_dialog::NameDialog;
use punctaj::components::points_dialog::{PointsChange, PointsDialog, PointsMode};
use punctaj::components::toast::provide_toasts;
use punctaj::i18n::provide_i18n;
use punctaj::pages::home::HomePage;
use punctaj::session::{AccessState, provide_session};
use punctaj::sync::{LocalCopy, provide_sync_engine};
use punctaj_core::model::{City, Employee, Institution, Snapshot};
use punctaj_core::permissions::{Access, GlobalRole, InstitutionGrant, InstitutionRole};
use punctaj_core::sync::VersionStamp;
use punctaj_supabase::SupabaseConfig;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

// Fixtures ---------------------------------------------------------------------------------------

fn institution() -> Institution {
    Institution {
        id: 2,
        city_id: 1,
        name: "Poliție".into(),
        ranks: vec!["Offiter".into(), "Caporal".into(), "Sergent".into()],
        columns: [
            "DISCORD",
            "NUME IC",
            "RANK",
            "ROLE",
            "PUNCTAJ",
            "ULTIMA_MOD",
        ]
        .map(String::from)
        .to_vec(),
        ..Institution::default()
    }
}

fn employee(id: &str, discord: &str, name: &str, rank: i32, punctaj: i32) -> Employee {
    Employee {
        id: id.into(),
        institution_id: 2,
        rank,
        punctaj,
        fields: BTreeMap::from([
            ("DISCORD".to_string(), discord.to_string()),
            ("NUME IC".to_string(), name.to_string()),
        ]),
        ..Employee::default()
    }
}

fn employees() -> Vec<Employee> {
    vec![
        employee("a", "Sintact", "Rocky Jay", 3, 44),
        employee("b", "Ștefan", "Țăranu", 1, 5),
        employee("c", "<script>alert(1)</script>", "O'Brien \"Bugsy\"", 2, 40),
    ]
}

fn snapshot() -> Snapshot {
    Snapshot {
        cities: vec![City {
            id: 1,
            name: "BlackWater".into(),
            ..City::default()
        }],
        institutions: vec![institution()],
        employees: employees(),
    }
}

/// An anon key for a config: only its payload's role is read before any request.
fn anon_config() -> SupabaseConfig {
    let payload = base64_url(br#"{"role":"anon","iss":"supabase"}"#);
    let key = format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.c2lnbmF0dXJl");
    SupabaseConfig::new("http://127.0.0.1:9", &key).expect("a valid test config")
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn access(global: Option<GlobalRole>, institution_role: Option<InstitutionRole>) -> Access {
    Access {
        user_id: "00000000-0000-0000-0000-000000000001".into(),
        email: Some("someone@punctaj.test".into()),
        display_name: Some("Someone".into()),
        discord_id: None,
        global_role: global,
        institutions: institution_role
            .map(|role| {
                vec![InstitutionGrant {
                    institution_id: 2,
                    role,
                }]
            })
            .unwrap_or_default(),
        pending: false,
    }
}

// DOM helpers ------------------------------------------------------------------------------------

fn container() -> HtmlElement {
    let document = document();
    let section = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&section).unwrap();
    section.unchecked_into()
}

fn all(root: &HtmlElement, testid: &str) -> Vec<HtmlElement> {
    let list = root
        .query_selector_all(&format!("[data-testid=\"{testid}\"]"))
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|node| node.unchecked_into())
        .collect()
}

fn one(root: &HtmlElement, testid: &str) -> HtmlElement {
    let mut found = all(root, testid);
    assert_eq!(found.len(), 1, "exactly one [data-testid={testid}]");
    found.remove(0)
}

fn texts(root: &HtmlElement, testid: &str) -> Vec<String> {
    all(root, testid)
        .iter()
        .map(|element| element.text_content().unwrap_or_default())
        .collect()
}

async fn type_into(input: &HtmlElement, value: &str) {
    let input: &HtmlInputElement = input.unchecked_ref();
    input.set_value(value);
    let event = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
    tick().await;
}

async fn click(element: &HtmlElement) {
    element.click();
    tick().await;
}

fn is_disabled(element: &HtmlElement) -> bool {
    element.has_attribute("disabled")
}

// The table --------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_table_ranks_by_points_and_sorts_by_a_clicked_column() {
    let root = container();
    let _dispose = mount_to(root.clone(), || {
        provide_i18n();
        view! { <EmployeeTable institution=Signal::stored(institution()) employees=Signal::stored(employees()) /> }
    });
    tick().await;
    assert_eq!(
        texts(&root, "employee-points"),
        ["44", "40", "5"],
        "highest first by default"
    );

    let rank_header = root
        .query_selector("th:nth-child(3) button")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>();
    click(&rank_header).await;
    assert_eq!(
        texts(&root, "employee-points"),
        ["5", "40", "44"],
        "RANK ascending: 1, 2, 3"
    );
    click(&rank_header).await;
    assert_eq!(
        texts(&root, "employee-points"),
        ["44", "40", "5"],
        "a second click reverses"
    );
}

#[wasm_bindgen_test]
async fn search_matches_any_column_ignoring_case_and_diacritics() {
    let root = container();
    let _dispose = mount_to(root.clone(), || {
        provide_i18n();
        view! { <EmployeeTable institution=Signal::stored(institution()) employees=Signal::stored(employees()) /> }
    });
    tick().await;
    let search = one(&root, "search-input");
    type_into(&search, "taranu").await;
    assert_eq!(
        texts(&root, "employee-points"),
        ["5"],
        "Țăranu found as taranu"
    );
    type_into(&search, "sergent").await;
    assert_eq!(
        texts(&root, "employee-points"),
        ["44"],
        "ROLE is searchable"
    );
    type_into(&search, "nobody").await;
    assert!(all(&root, "employee-row").is_empty());
    type_into(&search, "").await;
    assert_eq!(all(&root, "employee-row").len(), 3);
}

#[wasm_bindgen_test]
async fn hostile_names_are_shown_as_text() {
    let root = container();
    let _dispose = mount_to(root.clone(), || {
        provide_i18n();
        view! { <EmployeeTable institution=Signal::stored(institution()) employees=Signal::stored(employees()) /> }
    });
    tick().await;
    assert!(
        root.query_selector("script").unwrap().is_none(),
        "no script element created"
    );
    let text = root.text_content().unwrap();
    assert!(text.contains("<script>alert(1)</script>"));
    assert!(text.contains("O'Brien \"Bugsy\""));
}

// The points dialog ------------------------------------------------------------------------------

fn mount_points_dialog(
    root: &HtmlElement,
    mode: PointsMode,
) -> (RwSignal<Option<PointsChange>>, impl Drop) {
    let submitted = RwSignal::new(None::<PointsChange>);
    let dispose = mount_to(root.clone(), move || {
        provide_i18n();
        view! {
            <PointsDialog
                mode=mode
                institution=Signal::stored(institution())
                employees=Signal::stored(employees())
                on_submit=Callback::new(move |change| submitted.set(Some(change)))
                on_close=Callback::new(|()| {})
            />
        }
    });
    (submitted, dispose)
}

#[wasm_bindgen_test]
async fn the_points_dialog_refuses_zero_negatives_and_text() {
    let root = container();
    let (submitted, _dispose) = mount_points_dialog(&root, PointsMode::Add);
    tick().await;
    click(&one(&root, "points-select-all")).await;
    let amount = one(&root, "points-amount");
    let confirm = one(&root, "points-confirm");
    for refused in ["0", "-5", "abc", "2.5", ""] {
        type_into(&amount, refused).await;
        assert!(is_disabled(&confirm), "{refused:?} cannot be confirmed");
    }
    type_into(&amount, "-5").await;
    let explained = texts(&root, "points-amount-error");
    assert!(
        explained.iter().any(|text| !text.is_empty()),
        "the refusal is explained"
    );
    click(&confirm).await;
    assert_eq!(submitted.get_untracked(), None, "nothing is sent");

    type_into(&amount, "5").await;
    assert!(!is_disabled(&confirm));
    assert!(all(&root, "points-amount-error").is_empty());
}

#[wasm_bindgen_test]
async fn subtracting_previews_the_clamp_at_zero_and_sends_one_change() {
    let root = container();
    let (submitted, _dispose) = mount_points_dialog(&root, PointsMode::Subtract);
    tick().await;
    type_into(&one(&root, "points-amount"), "10").await;
    let members = all(&root, "points-member");
    assert_eq!(members.len(), 3);
    for member in &members {
        click(member).await;
    }
    let previews = texts(&root, "points-preview");
    assert!(previews.contains(&"44 → 34".to_string()), "{previews:?}");
    assert!(
        previews.contains(&"5 → 0".to_string()),
        "5 − 10 stops at 0: {previews:?}"
    );

    click(&one(&root, "points-confirm")).await;
    let change = submitted.get_untracked().expect("the change was sent");
    assert_eq!(change.delta, -10);
    assert_eq!(change.amount, 10);
    let ids: BTreeSet<String> = change.employee_ids.into_iter().collect();
    assert_eq!(ids, BTreeSet::from(["a".into(), "b".into(), "c".into()]));
}

#[wasm_bindgen_test]
async fn select_all_ticks_and_unticks_every_member() {
    let root = container();
    let (_submitted, _dispose) = mount_points_dialog(&root, PointsMode::Add);
    tick().await;
    let checked = |root: &HtmlElement| {
        all(root, "points-member")
            .iter()
            .filter(|m| m.unchecked_ref::<HtmlInputElement>().checked())
            .count()
    };
    assert_eq!(checked(&root), 0);
    click(&one(&root, "points-select-all")).await;
    assert_eq!(checked(&root), 3);
    click(&one(&root, "points-select-all")).await;
    assert_eq!(checked(&root), 0);
}

// Permission gating ------------------------------------------------------------------------------

/// The home page as an account with `access` sees it, over installed data.
async fn home_as(access: Access) -> (HtmlElement, impl Drop) {
    let root = container();
    let dispose = mount_to(root.clone(), move || {
        provide_i18n();
        provide_toasts();
        let session = provide_session(anon_config());
        session.access.set(AccessState::Ready(access));
        let sync = provide_sync_engine(session, Default::default());
        sync.local.set(Some(Arc::new(LocalCopy {
            stamp: VersionStamp {
                version: 1,
                data_hash: String::new(),
            },
            snapshot: snapshot(),
            archives: Vec::new(),
            installed_at_ms: 0.0,
            scopes: Vec::new(),
            selection: Default::default(),
        })));
        // Whatever URL the test runner serves, the home page is what is routed.
        view! {
            <Router>
                <Routes fallback=|| "no route">
                    <Route path=path!("/*any") view=HomePage />
                </Routes>
            </Router>
        }
    });
    tick().await;
    tick().await;
    (root, dispose)
}

fn present(root: &HtmlElement, testid: &str) -> bool {
    !all(root, testid).is_empty()
}

#[wasm_bindgen_test]
async fn a_viewer_gets_no_control_that_changes_data() {
    let (root, _dispose) = home_as(access(Some(GlobalRole::Viewer), None)).await;
    assert_eq!(
        all(&root, "employee-row").len(),
        3,
        "the viewer reads the table"
    );
    for control in [
        "points-add",
        "points-subtract",
        "employee-add",
        "employee-delete",
        "reset-punctaj",
        "city-add",
        "institution-add",
    ] {
        assert!(
            !present(&root, control),
            "{control} is not offered to a viewer"
        );
    }
}

#[wasm_bindgen_test]
async fn a_member_changes_points_but_cannot_reset_or_edit_members() {
    let (root, _dispose) = home_as(access(None, Some(InstitutionRole::Member))).await;
    assert!(present(&root, "points-add") && present(&root, "points-subtract"));
    assert!(!is_disabled(&one(&root, "points-add")));
    for control in ["employee-add", "reset-punctaj", "city-add"] {
        assert!(
            !present(&root, control),
            "{control} is not offered to a member"
        );
    }
}

#[wasm_bindgen_test]
async fn a_leader_may_reset_and_manage_members_but_not_the_structure() {
    let (root, _dispose) = home_as(access(None, Some(InstitutionRole::Leader))).await;
    for control in ["points-add", "employee-add", "reset-punctaj"] {
        assert!(present(&root, control), "{control} is offered to a leader");
    }
    assert!(
        !present(&root, "city-add"),
        "structure is for owners and admins"
    );
}

#[wasm_bindgen_test]
async fn an_admin_gets_the_structure_controls() {
    let (root, _dispose) = home_as(access(Some(GlobalRole::Admin), None)).await;
    for control in [
        "city-add",
        "institution-add",
        "institution-structure",
        "reset-punctaj",
    ] {
        assert!(present(&root, control), "{control} is offered to an admin");
    }
}

// The institution editor -------------------------------------------------------------------------

fn mount_editor(root: &HtmlElement) -> (RwSignal<Option<InstitutionDraft>>, impl Drop) {
    let submitted = RwSignal::new(None::<InstitutionDraft>);
    let dispose = mount_to(root.clone(), move || {
        provide_i18n();
        let institution = institution();
        view! {
            <InstitutionEditor
                title="Poliție"
                ranks=institution.ranks
                columns=institution.columns
                on_submit=Callback::new(move |draft| submitted.set(Some(draft)))
                on_close=Callback::new(|()| {})
            />
        }
    });
    (submitted, dispose)
}

/// The editor's column row whose input reads `name`.
fn column_row(root: &HtmlElement, name: &str) -> HtmlElement {
    all(root, "column-row")
        .into_iter()
        .find(|row| {
            let input: HtmlInputElement = one(row, "column-input").unchecked_into();
            input.value() == name
        })
        .unwrap_or_else(|| panic!("a column row for {name}"))
}

fn column_names(root: &HtmlElement) -> Vec<String> {
    all(root, "column-input")
        .into_iter()
        .map(|input| input.unchecked_into::<HtmlInputElement>().value())
        .collect()
}

#[wasm_bindgen_test]
async fn the_editor_renames_moves_adds_and_removes_columns() {
    let root = container();
    let (submitted, _dispose) = mount_editor(&root);
    tick().await;

    let fixed = column_row(&root, "RANK");
    assert!(one(&fixed, "column-input").has_attribute("readonly"));
    assert!(
        all(&fixed, "column-remove").is_empty(),
        "a fixed column stays"
    );

    type_into(&one(&column_row(&root, "NUME IC"), "column-input"), "NUME").await;
    click(&one(&column_row(&root, "DISCORD"), "column-remove")).await;
    type_into(&one(&root, "column-new"), "TELEFON").await;
    click(&one(&root, "column-add")).await;
    click(&one(&column_row(&root, "PUNCTAJ"), "column-up")).await;
    assert!(is_disabled(&one(&column_row(&root, "NUME"), "column-up")));
    assert!(is_disabled(&one(
        &column_row(&root, "TELEFON"),
        "column-down"
    )));
    click(&one(&root, "rank-add")).await;
    type_into(&all(&root, "rank-input")[3], "Sergent Major").await;
    assert_eq!(
        column_names(&root),
        ["NUME", "RANK", "PUNCTAJ", "ROLE", "ULTIMA_MOD", "TELEFON"]
    );

    click(&one(&root, "institution-save")).await;
    let draft = submitted.get_untracked().expect("the draft was submitted");
    assert_eq!(
        draft.ranks,
        ["Offiter", "Caporal", "Sergent", "Sergent Major"]
    );
    assert_eq!(draft.columns, column_names(&root));
    assert_eq!(
        draft.renames,
        BTreeMap::from([("NUME IC".to_string(), "NUME".to_string())]),
        "values follow the renamed column; a new column renames nothing"
    );
}

#[wasm_bindgen_test]
async fn the_editor_refuses_empty_rank_and_column_names() {
    let root = container();
    let (submitted, _dispose) = mount_editor(&root);
    tick().await;
    click(&one(&root, "rank-add")).await;
    click(&one(&root, "institution-save")).await;
    assert_eq!(submitted.get_untracked(), None);
    assert!(!texts(&root, "institution-editor-error")[0].is_empty());

    type_into(&all(&root, "rank-input")[3], "Plutonier").await;
    type_into(&one(&column_row(&root, "DISCORD"), "column-input"), " ").await;
    click(&one(&root, "institution-save")).await;
    assert_eq!(submitted.get_untracked(), None, "a column needs a name");

    type_into(&all(&root, "column-input")[0], "DISCORD").await;
    click(&one(&root, "institution-save")).await;
    assert!(submitted.get_untracked().is_some());
    assert!(all(&root, "institution-editor-error").is_empty());
}

// Dialogs ----------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn escape_closes_a_dialog_wherever_the_focus_is() {
    let root = container();
    let closed = RwSignal::new(false);
    let _dispose = mount_to(root.clone(), move || {
        provide_i18n();
        view! {
            <NameDialog
                title="Oraș"
                label="Nume"
                on_submit=Callback::new(|_| {})
                on_close=Callback::new(move |()| closed.set(true))
            />
        }
    });
    tick().await;
    // The focus left the dialog (e.g. its button turned busy, hence disabled).
    document().body().unwrap().focus().unwrap();
    js_sys::Function::new_no_args(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
    tick().await;
    assert!(closed.get_untracked());
}

// Icons ------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn icons_are_small_decorative_svgs_in_the_texts_colour() {
    use punctaj::components::icon::{Icon, IconName};
    let root = container();
    let _dispose = mount_to(root.clone(), || {
        IconName::ALL
            .into_iter()
            .map(|name| view! { <Icon name /> })
            .collect_view()
    });
    tick().await;
    let icons = root.query_selector_all("svg").unwrap();
    assert_eq!(icons.length() as usize, IconName::ALL.len());
    for i in 0..icons.length() {
        let icon: web_sys::Element = icons.item(i).unwrap().unchecked_into();
        assert_eq!(
            icon.namespace_uri().as_deref(),
            Some("http://www.w3.org/2000/svg")
        );
        for (attribute, value) in [
            ("class", "icon"),
            ("aria-hidden", "true"),
            ("width", "1em"),
            ("height", "1em"),
            ("stroke", "currentColor"),
            ("viewBox", "0 0 24 24"),
        ] {
            assert_eq!(
                icon.get_attribute(attribute).as_deref(),
                Some(value),
                "{attribute}"
            );
        }
        let path = icon.query_selector("path").unwrap().expect("a path");
        assert!(path.get_attribute("d").is_some_and(|d| !d.is_empty()));
    }
    // The whole set stays a few hundred bytes of drawing: compact paths, no icon font.
    let bytes: usize = IconName::ALL.iter().map(|name| name.path().len()).sum();
    assert!(bytes < 2048, "{bytes} bytes of path data");
}
