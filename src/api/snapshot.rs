//! Reading the synced data: the version row, and cities, institutions and employees page by page
//! (Supabase answers at most 1000 rows per request by default, so everything is paged).

use punctaj_core::model::{City, Employee, Institution, Snapshot};
use punctaj_core::sync::{CloudMeta, DownloadProgress, DownloadStep};
use punctaj_supabase::{IsValue, SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Rows per request: Supabase's default `max_rows`.
pub const PAGE_SIZE: u64 = 1000;

const CITY_COLUMNS: &str = "id,name,row_version,created_at,updated_at,deleted_at";
const INSTITUTION_COLUMNS: &str = "id,city_id,name,ranks,columns,last_points_change_at,revision,row_version,created_at,updated_at,deleted_at";
const EMPLOYEE_COLUMNS: &str =
    "id,institution_id,rank,punctaj,ultima_mod,fields,row_version,created_at,updated_at,deleted_at";

/// The cloud's version row: the one small request every client makes each second.
pub async fn cloud_meta(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<(CloudMeta, u64), SupabaseError> {
    let request = client
        .rest()
        .from("sync_metadata")
        .select("version,data_hash,last_modified_by,last_modified_at,last_change")
        .eq("sync_key", "global_version")
        .single()
        .build();
    let response = client.execute_with(request, options).await?;
    Ok((response.json()?, response.body.len() as u64))
}

/// Every live city, institution and employee, reporting progress after each page. Returns the
/// snapshot and the bytes received.
pub async fn fetch_snapshot(
    client: &SupabaseClient,
    options: &SendOptions,
    mut on_progress: impl FnMut(DownloadProgress),
) -> Result<(Snapshot, u64), SupabaseError> {
    let mut bytes = 0;
    let structure = |done, bytes| DownloadProgress {
        step: DownloadStep::Structure,
        done,
        total: 2,
        bytes,
    };
    on_progress(structure(0, bytes));
    let cities: Vec<City> = fetch_live_rows(
        client,
        options,
        "cities",
        CITY_COLUMNS,
        &mut bytes,
        |_, _, _| {},
    )
    .await?;
    on_progress(structure(1, bytes));
    let institutions: Vec<Institution> = fetch_live_rows(
        client,
        options,
        "institutions",
        INSTITUTION_COLUMNS,
        &mut bytes,
        |_, _, _| {},
    )
    .await?;
    on_progress(structure(2, bytes));
    let employees: Vec<Employee> = fetch_live_rows(
        client,
        options,
        "employees",
        EMPLOYEE_COLUMNS,
        &mut bytes,
        |done, total, bytes| {
            on_progress(DownloadProgress {
                step: DownloadStep::Employees,
                done,
                total,
                bytes,
            })
        },
    )
    .await?;
    let snapshot = Snapshot {
        cities,
        institutions,
        employees,
    };
    Ok((snapshot, bytes))
}

/// All live rows of `table`, in id order (stable paging); `on_page(done, total, bytes)` after
/// each page.
async fn fetch_live_rows<T: DeserializeOwned>(
    client: &SupabaseClient,
    options: &SendOptions,
    table: &str,
    columns: &str,
    bytes: &mut u64,
    mut on_page: impl FnMut(u64, u64, u64),
) -> Result<Vec<T>, SupabaseError> {
    let mut rows: Vec<T> = Vec::new();
    let mut total: Option<u64> = None;
    loop {
        let from = rows.len() as u64;
        let mut query = client
            .rest()
            .from(table)
            .select(columns)
            .is("deleted_at", IsValue::Null)
            .order("id", true, None)
            .range(from, from + PAGE_SIZE - 1);
        if total.is_none() {
            query = query.count_exact();
        }
        let response = client.execute_with(query.build(), options.clone()).await?;
        *bytes += response.body.len() as u64;
        if total.is_none() {
            total = response.count();
        }
        let page: Vec<T> = response.json()?;
        let received = page.len() as u64;
        rows.extend(page);
        let known_total = total.unwrap_or(rows.len() as u64).max(rows.len() as u64);
        on_page(rows.len() as u64, known_total, *bytes);
        if received < PAGE_SIZE || rows.len() as u64 >= known_total {
            return Ok(rows);
        }
    }
}

/// A soft-deleted city, for the restore list.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DeletedCity {
    pub id: i64,
    pub name: String,
    pub deleted_at: Option<String>,
}

/// A soft-deleted institution (its city may be deleted too), for the restore list.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DeletedInstitution {
    pub id: i64,
    pub city_id: i64,
    pub name: String,
    pub deleted_at: Option<String>,
}

pub async fn deleted_cities(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<DeletedCity>, SupabaseError> {
    let request = client
        .rest()
        .from("cities")
        .select("id,name,deleted_at")
        .not("deleted_at", "is", "null")
        .order("deleted_at", false, None)
        .limit(200)
        .build();
    client.execute_with(request, options).await?.json()
}

pub async fn deleted_institutions(
    client: &SupabaseClient,
    options: SendOptions,
) -> Result<Vec<DeletedInstitution>, SupabaseError> {
    let request = client
        .rest()
        .from("institutions")
        .select("id,city_id,name,deleted_at")
        .not("deleted_at", "is", "null")
        .order("deleted_at", false, None)
        .limit(200)
        .build();
    client.execute_with(request, options).await?.json()
}
