//! Română — the users' language and the default.

use super::Texts;
use serde_json::Value;

fn change_description(change: &Value) -> String {
    let text = |key: &str| change.get(key).and_then(Value::as_str).unwrap_or("");
    let number = |key: &str| change.get(key).and_then(Value::as_i64).unwrap_or(0);
    let place = match (text("city"), text("institution")) {
        ("", "") => String::new(),
        (city, "") => format!(" în {city}"),
        (city, institution) => format!(" în {city} / {institution}"),
    };
    match text("action") {
        "change_points" if number("delta") >= 0 => format!(
            "a adăugat {} puncte la {} membri{place}",
            number("delta"),
            number("count")
        ),
        "change_points" => format!(
            "a scăzut {} puncte la {} membri{place}",
            -number("delta"),
            number("count")
        ),
        "reset_punctaj" => format!("a resetat punctajul{place}"),
        "force_sync" => "a forțat sincronizarea".to_string(),
        "add_employee" => format!("a adăugat un membru{place}"),
        "update_employee" => format!("a modificat un membru{place}"),
        "delete_employees" => format!("a șters {} membri{place}", number("count")),
        "restore_employees" => format!("a restaurat {} membri{place}", number("count")),
        "" => "a modificat datele".to_string(),
        other => format!("{}{place}", action_name(other)),
    }
}

fn action_name(action: &str) -> String {
    match action {
        "change_points" => "puncte modificate",
        "reset_punctaj" => "reset punctaj",
        "force_sync" => "sincronizare forțată",
        "add_employee" => "membru adăugat",
        "update_employee" => "membru modificat",
        "delete_employees" => "membri șterși",
        "restore_employees" => "membri restaurați",
        "create_city" => "oraș adăugat",
        "rename_city" => "oraș redenumit",
        "delete_city" => "oraș șters",
        "restore_city" => "oraș restaurat",
        "create_institution" => "instituție adăugată",
        "rename_institution" => "instituție redenumită",
        "delete_institution" => "instituție ștearsă",
        "restore_institution" => "instituție restaurată",
        "set_institution_ranks" => "rankuri modificate",
        "set_institution_columns" => "coloane modificate",
        "import_legacy" => "import din aplicația desktop",
        "permission_change" => "permisiuni modificate",
        other => return other.replace('_', " "),
    }
    .to_string()
}

fn audit_field_name(field: &str) -> String {
    match field {
        "rank" => "RANK",
        "punctaj" => "PUNCTAJ",
        "fields" => "câmpuri",
        "name" => "nume",
        "deleted" => "șters",
        "ranks" => "rankuri",
        "columns" => "coloane",
        "renames" => "redenumiri",
        "employees" => "membri",
        "institutions" => "instituții",
        "global_role" => "rol global",
        "institution_role" => "rol în instituție",
        other => return other.to_string(),
    }
    .to_string()
}

fn sync_type_name(sync_type: &str) -> String {
    match sync_type {
        "upload" => "încărcare",
        "download" => "descărcare",
        "force_sync" => "sincronizare forțată",
        other => return other.to_string(),
    }
    .to_string()
}

fn sync_status_name(status: &str) -> String {
    match status {
        "pending" => "în așteptare",
        "in_progress" => "în curs",
        "success" => "reușită",
        "failed" => "eșuată",
        other => return other.to_string(),
    }
    .to_string()
}

fn role_name(role: &str) -> String {
    match role {
        "owner" => "proprietar",
        "admin" => "administrator",
        "viewer" => "vizitator",
        "leader" => "lider",
        "member" => "membru",
        other => return other.to_string(),
    }
    .to_string()
}

pub static RO: Texts = Texts {
    import: &super::import::RO,
    conflict: &super::conflict::RO,
    backups: &super::backups::RO,
    selective: &super::selective::RO,
    undo_reset: &super::undo_reset::RO,
    app_name: "Punctaj",
    loading: "Se încarcă…",
    cancel: "Anulează",
    close: "Închide",
    save: "Salvează",
    confirm: "Confirmă",
    delete: "Șterge",
    retry: "Încearcă din nou",
    yes: "Da",
    no: "Nu",
    none: "—",
    never: "niciodată",
    unknown_user: "necunoscut",
    working: "Se lucrează…",
    previous_page: "‹ Înapoi",
    next_page: "Înainte ›",
    page_of: |page, pages| format!("Pagina {page} din {pages}"),

    nav_home: "Orașe",
    nav_archive: "Arhivă",
    nav_audit: "Jurnal",
    nav_settings: "Setări",
    nav_members: "Membri",
    nav_main: "Meniu principal",
    nav_institutions: "Instituții",
    sign_out: "Ieșire",
    language: "Limba",
    not_found: "Pagina nu există.",
    back_home: "Înapoi la orașe",

    config_title: "Configurare Supabase",
    config_missing: |url| {
        format!(
            "Nu am găsit fișierul de configurare {url}. Aplicația nu știe la ce proiect Supabase să se conecteze."
        )
    },
    config_unreachable: |url, why| format!("Nu am putut citi {url}: {why}"),
    config_invalid_file: |url, why| format!("Fișierul {url} este greșit: {why}"),
    config_invalid_override: |why| {
        format!("Configurarea salvată în acest browser este greșită: {why}")
    },
    config_how_to_fix: "Pune lângă index.html un fișier config.json cu adresa proiectului și cheia publică (anon), sau completează-le mai jos (se păstrează doar în acest browser).",
    config_example_heading: "Exemplu de config.json",
    config_url_label: "Adresa Supabase (URL)",
    config_key_label: "Cheia publică (anon key)",
    config_key_hint: "Doar cheia anon. Nu pune niciodată cheia service_role într-un browser.",
    config_save_override: "Salvează în acest browser",
    config_clear_override: "Revino la config.json",
    config_using_override: "Se folosește configurarea salvată în acest browser.",
    config_using_file: "Se folosește config.json de lângă aplicație.",
    config_saved_reloading: "Configurare salvată. Aplicația se reîncarcă…",
    config_problem_malformed_json: |why| format!("nu este JSON valid ({why})"),
    config_problem_missing_field: |field| format!("lipsește câmpul „{field}”"),
    config_problem_not_text: |field| format!("câmpul „{field}” trebuie să fie text"),
    config_problem_bad_url: |url| format!("„{url}” nu este o adresă http(s) validă"),
    config_problem_key_empty: "cheia este goală",
    config_problem_key_not_jwt: "cheia nu arată ca o cheie Supabase",
    config_problem_key_secret: "aceasta este o cheie secretă (service_role): nu are ce căuta într-un browser; folosește cheia anon",
    config_problem_key_role: |role| format!("cheia are rolul „{role}”, nu „anon”"),

    login_title: "Autentificare",
    login_subtitle: "Punctajul facțiunilor tale, sincronizat pentru toată lumea.",
    login_email: "Email",
    login_password: "Parolă",
    login_submit: "Intră în cont",
    login_discord: "Intră cu Discord",
    login_or: "sau",
    login_signup_prompt: "Nu ai cont? Creează unul",
    login_signup_submit: "Creează contul",
    login_back_to_sign_in: "Am deja cont",
    login_need_email_password: "Scrie emailul și parola.",
    login_signup_check_email: "Cont creat. Confirmă adresa de email, apoi intră în cont.",
    login_session_expired: "Sesiunea a expirat. Intră din nou în cont.",
    login_oauth_verifier_missing: "autentificarea a început în alt tab sau browser; încearcă din nou de aici",
    login_oauth_failed: |why| format!("Autentificarea cu Discord nu a reușit: {why}"),
    pending_title: "Aștepți acces",
    pending_body: |email| {
        format!(
            "Contul {email} a fost creat, dar nu are încă acces la date. Un administrator trebuie să ți-l acorde."
        )
    },
    pending_hint: "Pagina se actualizează singură când primești acces.",
    access_load_failed: "Nu am putut afla drepturile contului tău.",

    no_cities: "Nu există încă niciun oraș.",
    no_institutions: "Orașul nu are încă nicio instituție.",
    no_employees: "Instituția nu are încă membri.",
    no_search_results: "Niciun membru nu se potrivește căutării.",
    last_points_change: "Ultima modificare:",
    search_placeholder: "Caută în orice coloană…",
    search_label: "Caută",
    select_row: "Selectează rândul",
    select_all_rows: "Selectează toate rândurile",
    sort_by: |column| format!("Sortează după {column}"),
    employees_count: |n| format!("{n} membri"),
    selected_count: |n| format!("{n} selectați"),
    read_only_offline: "Fără conexiune: datele sunt doar pentru citire.",

    points_add: "Adaugă punctaj",
    points_subtract: "Scade punctaj",
    points_dialog_add_title: "Adaugă punctaj",
    points_dialog_subtract_title: "Scade punctaj",
    points_amount: "Câte puncte?",
    points_members: "Membri",
    points_select_all: "Selectează toți",
    points_preview_add: |n, count| format!("Se adaugă {n} puncte la {count} membri."),
    points_preview_subtract: |n, count| {
        format!("Se scad {n} puncte de la {count} membri (nimeni nu coboară sub 0).")
    },
    points_choose_members: "Alege cel puțin un membru.",
    points_added: |n, count| format!("Am adăugat {n} puncte la {count} membri."),
    points_subtracted: |n, count| format!("Am scăzut {n} puncte de la {count} membri."),
    points_amount_empty: "Scrie numărul de puncte.",
    points_amount_zero: "Numărul de puncte trebuie să fie mai mare decât 0.",
    points_amount_negative: "Scrie un număr pozitiv: alege „Scade punctaj” pentru a scădea.",
    points_amount_not_a_number: "Scrie un număr întreg (de exemplu 5).",
    points_amount_too_large: |max| format!("Cel mult {max} puncte odată."),

    employee_add: "Adaugă membru",
    employee_edit: "Editează",
    employee_delete_selected: "Șterge selectați",
    employee_add_title: "Membru nou",
    employee_edit_title: "Editează membrul",
    employee_rank: "RANK",
    employee_role: "ROLE",
    employee_points: "PUNCTAJ",
    employee_added: "Membru adăugat.",
    employee_saved: "Membru salvat.",
    employee_delete_confirm: |n| {
        format!("Ștergi {n} membri? Pot fi restaurați de un administrator.")
    },
    employees_deleted: |n| format!("Am șters {n} membri."),
    employee_needs_a_value: "Completează cel puțin un câmp.",
    employee_points_invalid: "Punctajul trebuie să fie un număr întreg, cel puțin 0.",
    select_one_to_edit: "Selectează exact un membru pentru editare.",

    city_add: "Oraș",
    city_rename: "Redenumește orașul",
    city_delete: "Șterge orașul",
    city_name: "Numele orașului",
    city_added: |name| format!("Orașul {name} a fost adăugat."),
    city_renamed: |name| format!("Orașul se numește acum {name}."),
    city_deleted: |name| format!("Orașul {name} a fost șters (poate fi restaurat)."),
    city_delete_confirm: |name| {
        format!(
            "Ștergi orașul {name}, cu toate instituțiile și membrii lui? Un administrator îl poate restaura."
        )
    },
    institution_add: "Instituție",
    institution_rename: "Redenumește",
    institution_delete: "Șterge instituția",
    institution_structure: "Rankuri și coloane",
    institution_name: "Numele instituției",
    institution_added: |name| format!("Instituția {name} a fost adăugată."),
    institution_renamed: |name| format!("Instituția se numește acum {name}."),
    institution_deleted: |name| format!("Instituția {name} a fost ștearsă (poate fi restaurată)."),
    institution_delete_confirm: |name| {
        format!("Ștergi instituția {name}, cu toți membrii ei? Un administrator o poate restaura.")
    },
    name_required: "Scrie un nume.",
    rank_name_required: "Fiecare rank are nevoie de un nume.",
    column_name_required: "Fiecare coloană are nevoie de un nume.",
    column_name: "Numele coloanei",
    ranks_heading: "Rankuri (de la cel mai mic)",
    rank_n: |n| format!("Rank {n}"),
    rank_add: "Rank",
    rank_remove_last: "Elimină ultimul rank",
    columns_heading: "Coloane",
    columns_hint: "RANK, ROLE, PUNCTAJ și ULTIMA_MOD sunt fixe; celelalte sunt ale voastre.",
    column_add: "Coloană",
    column_new_name: "Numele coloanei noi",
    column_move_up: "Mută în sus",
    column_move_down: "Mută în jos",
    column_remove: "Elimină coloana",
    column_fixed: "fixă",
    column_remove_warning: "Valorile coloanelor eliminate se șterg (rămân în jurnal).",
    structure_saved: "Structura instituției a fost salvată.",
    deleted_items: "Șterse",
    restore: "Restaurează",
    restored: |name| format!("{name} a fost restaurat."),
    nothing_deleted: "Nimic șters.",

    sync_state_ok: "Sincronizat",
    sync_state_checking: "Se verifică…",
    sync_state_offline: "Fără conexiune",
    sync_state_error: "Eroare de sincronizare",
    sync_state_locked: "Blocat: descarcă modificările",
    sync_last_check: |seconds| format!("verificat acum {seconds} s"),
    sync_never_checked: "neverificat încă",
    sync_version_local: "local",
    sync_version_cloud: "cloud",
    lock_title: "Au apărut modificări în cloud!",
    lock_title_first: "Prima sincronizare",
    lock_body: "Aplicația este blocată până descarci datele noi, ca toată lumea să vadă aceleași date.",
    lock_body_first: "Acest browser nu are încă datele. Le descărcăm acum.",
    lock_changed_by: |who, what, when| format!("{who} {what}, la {when}."),
    lock_download: "DESCARCĂ SINCRONIZARE",
    lock_download_again: "DESCARCĂ DIN NOU",
    download_failed: |why| {
        format!("Descărcarea nu a reușit: {why}. Datele vechi au rămas neatinse.")
    },
    download_hash_mismatch: "datele primite nu corespund amprentei din cloud (data_hash), așa că nu le-am instalat",
    download_done: "Descărcare completă.",
    step_structure: "Orașe și instituții",
    step_employees: "Membri și punctaje",
    step_archive_list: "Lista arhivelor",
    step_archives: "Arhive",
    step_verify: "Verificare",
    step_complete: "Gata",
    progress_items: |done, total| format!("{done} din {total}"),
    change_description,
    force_sync: "FORȚEAZĂ SINCRONIZARE CLOUD",
    force_sync_explain: "Toți utilizatorii conectați vor fi blocați (în aproximativ o secundă) până descarcă datele din cloud.",
    force_sync_confirm_title: "Forțezi sincronizarea?",
    force_sync_confirm_body: "Toți utilizatorii conectați vor fi notificați și blocați până descarcă datele. Continui?",
    force_sync_done: "Sincronizare forțată: toți ceilalți vor descărca datele.",
    force_sync_rate_limited: |seconds| match seconds {
        Some(seconds) => format!("Ai forțat sincronizarea de curând. Mai așteaptă {seconds} s."),
        None => "Ai forțat sincronizarea de curând. Mai așteaptă puțin.".to_string(),
    },
    sync_log_heading: "Jurnal de sincronizare (ultimele 100)",
    sync_log_empty: "Nicio sincronizare înregistrată.",
    sync_log_when: "Când",
    sync_log_who: "Cine",
    sync_log_type: "Tip",
    sync_log_status: "Stare",
    sync_log_items: "Elemente",
    sync_log_error: "Eroare",
    sync_type_name,
    sync_status_name,
    local_copy_heading: "Copia locală",
    local_copy_summary: |version, employees, archives| {
        format!("Versiunea {version}: {employees} membri, {archives} arhive.")
    },
    local_copy_hash: "Amprentă (data_hash)",
    local_copy_clear: "Șterge copia locală",
    local_copy_cleared: "Copia locală a fost ștearsă; datele se descarcă din nou.",
    persist_failed: |why| format!("Datele nu au putut fi păstrate în browser: {why}"),

    reset_button: "RESET PUNCTAJ",
    reset_title: "Reset punctaj",
    reset_explain: |institution, count, total| {
        format!(
            "Punctajul celor {count} membri din {institution} (în total {total} puncte) devine 0. Tabelul de acum se arhivează întâi în cloud."
        )
    },
    reset_type_name: |name| format!("Scrie „{name}” pentru a confirma:"),
    reset_confirm: "Arhivează și resetează",
    reset_uploading: "Se încarcă arhiva…",
    reset_resetting: "Se resetează punctajul…",
    reset_done: |path| format!("Punctaj resetat. Arhiva: {path}"),
    reset_upload_failed: |why| {
        format!("Arhiva nu a putut fi salvată, deci nu am resetat nimic: {why}")
    },
    reset_rpc_failed: |why| format!("Resetarea nu a reușit; punctajele au rămas neatinse: {why}"),
    reset_lost_race: "Altcineva a modificat sau a resetat instituția între timp. Nimic nu a fost resetat; descarcă datele și încearcă din nou.",

    archive_title: "Arhivă",
    archive_empty: "Nicio arhivă.",
    archive_all_cities: "Toate orașele",
    archive_all_institutions: "Toate instituțiile",
    archive_show_after_reset: "Arată și instantaneele de după reset (AFTER_RESET)",
    archive_after_reset_badge: "după reset",
    archive_date: "Data",
    archive_reset_by: "Resetat de",
    archive_employee_count: "Membri",
    archive_total_points: "Total puncte",
    archive_actions: "Acțiuni",
    archive_download_json: "Descarcă JSON",
    archive_unreadable: |why| format!("Fișierul nu poate fi citit: {why}"),
    archive_names_mismatch: |names| {
        format!("fișierul spune că este arhiva „{names}”, dar nu se află în dosarul ei")
    },
    archive_open: "Deschide",
    archive_back: "‹ Înapoi la listă",
    archive_not_cached: "Arhiva nu este în copia locală; descarcă sincronizarea.",
    archive_read_failed: |why| format!("Arhiva nu a putut fi citită din acest browser: {why}"),
    archive_download_failed: |why| format!("Fișierul nu a putut fi salvat: {why}"),

    audit_title: "Jurnal de activitate",
    audit_filter_city: "Oraș",
    audit_filter_institution: "Instituție",
    audit_filter_user: "Utilizator",
    audit_filter_action: "Acțiune",
    audit_all: "Toate",
    audit_when: "Când",
    audit_who: "Cine",
    audit_action: "Acțiune",
    audit_where: "Unde",
    audit_what: "Ce",
    audit_change: "Vechi → Nou",
    audit_empty: "Nicio intrare.",
    audit_no_permission: "Jurnalul este vizibil liderilor și administratorilor.",
    action_name,
    audit_legacy_badge: "aplicația desktop",
    audit_legacy_hint: "Istoric importat din vechea aplicație desktop (audit_logs.json): păstrat cum era, doar citire",
    audit_field_name,

    members_title: "Membri și permisiuni",
    members_pending: "Conturi care așteaptă acces",
    members_all: "Toate conturile",
    members_no_pending: "Niciun cont nu așteaptă.",
    members_invited: "Invitați din aplicația desktop",
    members_invited_hint: "Rolurile lor vin din users_permissions.json al vechii aplicații și se acordă la prima conectare cu Discord.",
    members_invited_badge: "invitat",
    members_account: "Cont",
    members_global_role: "Rol global",
    members_institution_roles: "Roluri pe instituții",
    members_grant: "Acordă",
    members_revoke: "Retrage",
    members_role_none: "fără rol global",
    members_granted: "Acces acordat.",
    members_revoked: "Acces retras.",
    members_no_permission: "Doar proprietarii și administratorii gestionează membrii.",
    members_choose_institution: "Alege instituția",
    role_name,

    settings_title: "Setări",
    settings_connection: "Conexiune",
    settings_sync: "Sincronizare",
    settings_account: "Cont",
    settings_signed_in_as: |who| format!("Conectat ca {who}"),
    config_problem_live_interval: "„liveCheckIntervalMs” trebuie să fie un număr întreg de milisecunde, între 1000 și 60000",
    config_problem_realtime_switch: "„realtime” trebuie să fie true sau false",
    live_on: "live",
    live_polling: "doar verificări",
    push_state_connecting: "se conectează…",
    push_state_joined: "conectat (push)",
    push_state_down: "deconectat, se reîncearcă",
    push_state_refused: "refuzat de server",
    push_state_off: "oprit (verificare în fiecare secundă)",
    health_title: "Starea conexiunii",
    health_last_check: |seconds| format!("ultima verificare: acum {seconds} s"),
    health_never_checked: "ultima verificare: încă niciuna",
    health_rtt: |ms| format!("durata verificării: {ms:.0} ms"),
    health_push: |state| format!("push: {state}"),
    health_heartbeat: |seconds| format!("ultimul semnal: acum {seconds} s"),
    health_no_heartbeat: "ultimul semnal: încă niciunul",
    health_chart: |median, max| {
        format!("Durata verificărilor, ultimele 5 minute: median {median:.0} ms, maxim {max:.0} ms")
    },
    health_chart_empty: "Nicio verificare măsurată încă.",
    presence_title: "Clienți conectați",
    presence_synced: |n, m, v| format!("{n} din {m} clienți pe versiunea {v}"),
    presence_locked: "blocat",
    presence_empty: "Nimeni nu este conectat prin push (sau push-ul este oprit).",
    alerts_title: "Alerte",
    chime_toggle: "Sunet când se schimbă datele",
    notifications_enable: "Permite notificările browserului",
    notifications_explain: "Apar când fila este în fundal și alt utilizator schimbă datele.",
    notifications_granted: "Notificările sunt pornite.",
    notifications_denied: "Notificările sunt blocate din setările site-ului în browser.",
    notifications_unsupported: "Acest browser nu poate afișa notificări.",
    err_network: "Serverul nu poate fi contactat. Verifică conexiunea la internet.",
    err_timeout: "Serverul nu a răspuns la timp.",
    err_session_expired: "Sesiunea a expirat. Intră din nou în cont.",
    err_unauthorized: "Trebuie să intri în cont.",
    err_forbidden: "Nu ai permisiunea pentru această acțiune.",
    err_not_found: "Nu există (sau a fost șters).",
    err_conflict: "Există deja sau s-a schimbat între timp.",
    err_row_changed: "Altcineva a modificat rândul între timp.",
    err_too_large: "Prea mare pentru limita configurată.",
    err_duplicate_name: "Numele există deja (sau ar folosi același dosar de arhivă ca un nume existent). Alege alt nume.",
    err_stale: "Datele s-au schimbat între timp. Descarcă sincronizarea și încearcă din nou.",
    err_invalid: "Datele trimise nu sunt valide.",
    err_server: "Eroare pe server. Încearcă din nou.",
    err_decode: "Răspuns neașteptat de la server.",
    err_aborted: "Cererea a fost anulată.",
    err_invalid_credentials: "Email sau parolă greșite.",
    err_user_exists: "Există deja un cont cu acest email.",
    err_weak_password: "Parola este prea slabă (cel puțin 6 caractere).",
    err_rate_limited: "Prea multe cereri. Mai așteaptă puțin.",
};
