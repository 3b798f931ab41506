use punctaj_supabase::{IsValue, SendOptions, SupabaseClient, SupabaseError};
use serde::Deserialize;
use serde_json::Value;

pub const AUDIT_PAGE_SIZE: u64 = 50;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub created_at: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub city_name: Option<String>,
    pub institution_name: Option<String>,
    pub entity_type: Option<String>,
    pub entity_name: Option<String>,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub details: Option<String>,
    /// Imported from the old desktop app's `audit_logs.json`: history, read-only.
    #[serde(default)]
    pub legacy: bool,
}

/// What the audit page filters on; `None` means "all".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub city_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries matching the filter, over all pages.
    pub total: u64,
}

/// One page (newest first) of the audit entries the caller may read (row-level security).
pub async fn audit_page(
    client: &SupabaseClient,
    filter: &AuditFilter,
    page: u64,
    options: SendOptions,
) -> Result<AuditPage, SupabaseError> {
    let from = page * AUDIT_PAGE_SIZE;
    let mut query = client
        .rest()
        .from("audit_log")
        .select("id,created_at,actor_id,actor_name,action,city_name,institution_name,entity_type,entity_name,old_value,new_value,details,legacy")
        .order("created_at", false, None)
        .order("id", false, None)
        .range(from, from + AUDIT_PAGE_SIZE - 1)
        .count_exact();
    if let Some(city_id) = filter.city_id {
        query = query.eq("city_id", city_id);
    }
    if let Some(institution_id) = filter.institution_id {
        query = query.eq("institution_id", institution_id);
    }
    if let Some(actor_id) = &filter.actor_id {
        query = query.eq("actor_id", actor_id);
    }
    if let Some(action) = &filter.action {
        query = query.eq("action", action);
    }
    let response = client.execute_with(query.build(), options).await?;
    let entries: Vec<AuditEntry> = response.json()?;
    let total = response.count().unwrap_or(entries.len() as u64);
    Ok(AuditPage { entries, total })
}

/// Rows read per request by [`legacy_audit_ids`].
const LEGACY_ID_PAGE: u64 = 1000;

/// The legacy ids of the old desktop app's audit entries already imported, so that a preview
/// can say they are (the import skips them anyway).
pub async fn legacy_audit_ids(
    client: &SupabaseClient,
) -> Result<std::collections::BTreeSet<i64>, SupabaseError> {
    #[derive(Deserialize)]
    struct Row {
        legacy_id: i64,
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut from = 0;
    loop {
        let request = client
            .rest()
            .from("audit_log")
            .select("legacy_id")
            .is("legacy", IsValue::True)
            .order("legacy_id", true, None)
            .range(from, from + LEGACY_ID_PAGE - 1)
            .build();
        let rows: Vec<Row> = client.execute(request).await?.json()?;
        let received = rows.len() as u64;
        ids.extend(rows.into_iter().map(|row| row.legacy_id));
        if received < LEGACY_ID_PAGE {
            return Ok(ids);
        }
        from += LEGACY_ID_PAGE;
    }
}
