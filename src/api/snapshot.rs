//! Reading the synced data: the version row, and cities, institutions and employees page by page
//! (Supabase answers at most 1000 rows per request by default, so everything is paged).

use futures::StreamExt;

use punctaj_core::model::{City, Institution, Snapshot};
use punctaj_core::selection::Selection;
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

/// Every live city and institution, and the live employees of the institutions `keep` keeps,
/// reporting progress after each page. Returns the snapshot and the bytes received.
pub async fn fetch_snapshot(
    client: &SupabaseClient,
    options: &SendOptions,
    keep: &Selection,
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
    // Cities and institutions side by side: two round trips' latency become one.
    let (mut city_bytes, mut institution_bytes) = (0, 0);
    let (cities, institutions) = futures::join!(
        fetch_live_rows::<City>(
            client,
            options,
            "cities",
            CITY_COLUMNS,
            None,
            &mut city_bytes,
            |_, _, _| {},
        ),
        fetch_live_rows::<Institution>(
            client,
            options,
            "institutions",
            INSTITUTION_COLUMNS,
            None,
            &mut institution_bytes,
            |_, _, _| {},
        )
    );
    let (cities, institutions) = (cities?, institutions?);
    bytes += city_bytes + institution_bytes;
    on_progress(structure(2, bytes));
    let mut snapshot = Snapshot {
        cities,
        institutions,
        employees: Vec::new(),
    };
    // None: every institution's employees.
    let only = (!keep.is_everything()).then(|| keep.kept_institutions(&snapshot));
    if only.as_ref().is_some_and(|kept| kept.is_empty()) {
        return Ok((snapshot, bytes));
    }
    snapshot.employees = fetch_live_rows(
        client,
        options,
        "employees",
        EMPLOYEE_COLUMNS,
        only.as_ref()
            .map(|kept| ("institution_id", kept.iter().copied().collect::<Vec<_>>())),
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
    Ok((snapshot, bytes))
}

/// Pages read at the same time once the first page has told how many rows there are.
const PARALLEL_PAGES: usize = 4;

/// All live rows of `table` (those whose `column` is among the ids of `only`, if given), in id
/// order (stable paging); `on_page(done, total, bytes)` after each page. The first page asks for
/// the total; the others are then read a few at a time. Rows that change meanwhile are caught by
/// the hash check, like any change during a download.
async fn fetch_live_rows<T: DeserializeOwned>(
    client: &SupabaseClient,
    options: &SendOptions,
    table: &str,
    columns: &str,
    only: Option<(&str, Vec<i64>)>,
    bytes: &mut u64,
    mut on_page: impl FnMut(u64, u64, u64),
) -> Result<Vec<T>, SupabaseError> {
    let page = |from: u64, count: bool| {
        let mut query = client
            .rest()
            .from(table)
            .select(columns)
            .is("deleted_at", IsValue::Null)
            .order("id", true, None)
            .range(from, from + PAGE_SIZE - 1);
        if let Some((column, ids)) = &only {
            query = query.in_(column, ids.iter());
        }
        if count {
            query = query.count_exact();
        }
        client.execute_with(query.build(), options.clone())
    };
    let first = page(0, true).await?;
    *bytes += first.body.len() as u64;
    let total = first.count();
    let mut rows: Vec<T> = first.json()?;
    let Some(total) = total.filter(|_| rows.len() as u64 == PAGE_SIZE) else {
        on_page(rows.len() as u64, rows.len() as u64, *bytes);
        return Ok(rows);
    };
    on_page(rows.len() as u64, total.max(rows.len() as u64), *bytes);
    let starts = (1..total.div_ceil(PAGE_SIZE)).map(|n| n * PAGE_SIZE);
    let mut pages =
        futures::stream::iter(starts.map(|from| page(from, false))).buffered(PARALLEL_PAGES);
    while let Some(response) = pages.next().await {
        let response = response?;
        *bytes += response.body.len() as u64;
        let page: Vec<T> = response.json()?;
        rows.extend(page);
        on_page(rows.len() as u64, total.max(rows.len() as u64), *bytes);
    }
    Ok(rows)
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
