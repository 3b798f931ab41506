//! What PostgREST calls the schema cache: the tables, views, columns, keys, foreign keys and
//! functions of the exposed schema, read from the catalogue at start and again whenever someone
//! runs `NOTIFY pgrst, 'reload schema'` (the bootstrap installs event triggers that do so after
//! DDL, like Supabase's `pgrst_ddl_watch`).
//!
//! Every identifier that ends up in SQL comes from here; names from the request are only used
//! to look things up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Deserialize;

pub const EXPOSED_SCHEMA: &str = "public";

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// `format_type(atttypid, atttypmod)`, e.g. `bigint`, `character(64)`, `text[]`.
    pub type_name: String,
    pub nullable: bool,
    /// `pg_get_expr` of the default, used for `Prefer: missing=default`.
    pub default: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub is_view: bool,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Primary key and unique constraints, to tell one-to-one from one-to-many.
    pub unique_keys: Vec<Vec<String>>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub constraint: String,
    pub table: String,
    pub columns: Vec<String>,
    pub foreign_table: String,
    pub foreign_columns: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub type_name: String,
    pub has_default: bool,
    pub variadic: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volatility {
    Volatile,
    Stable,
    Immutable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnShape {
    Void,
    /// A base, domain, enum, array or pseudo type other than record: rendered as a JSON value.
    Scalar,
    /// A row type (table, composite type, `returns table (…)`, OUT parameters).
    Composite,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    pub returns: ReturnShape,
    pub returns_set: bool,
    pub volatility: Volatility,
}

#[derive(Clone, Debug, Default)]
pub struct SchemaCache {
    pub tables: HashMap<String, Table>,
    pub foreign_keys: Vec<ForeignKey>,
    pub functions: HashMap<String, Vec<Function>>,
    /// Database roles, to word the refusal of a token naming a role it may not assume.
    pub roles: std::collections::HashSet<String>,
}

/// The current cache, swapped whole on reload.
///
/// Reloads can overlap (the listener's reload on connecting, one per notification, a caller's
/// own): each takes a ticket before it reads the catalogue, and a cache is installed only if no
/// reload that started later was installed first. Otherwise a slow reload that read the
/// catalogue before a `create table` could overwrite a fast one that read it after, and the new
/// table would vanish from the API until the next reload.
#[derive(Clone, Default)]
pub struct SchemaCacheHandle(Arc<RwLock<Installed>>, Arc<AtomicU64>);

#[derive(Default)]
struct Installed {
    cache: Arc<SchemaCache>,
    ticket: u64,
}

impl SchemaCacheHandle {
    pub fn get(&self) -> Arc<SchemaCache> {
        self.0.read().expect("schema cache lock").cache.clone()
    }

    /// Taken by a reload before it reads the catalogue (the first is 1).
    pub fn ticket(&self) -> u64 {
        self.1.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Installs `cache`, read under `ticket`, unless a later reload's cache is already in.
    pub fn set(&self, ticket: u64, cache: SchemaCache) -> bool {
        let mut installed = self.0.write().expect("schema cache lock");
        if ticket < installed.ticket {
            return false;
        }
        *installed = Installed {
            cache: Arc::new(cache),
            ticket,
        };
        true
    }
}

// The catalogue queries. Constant text; the schema name is a parameter.

const TABLES_SQL: &str = r#"
select c.relname::text,
       c.relkind in ('v', 'm') as is_view,
       coalesce((
         select json_agg(json_build_object(
                  'name', a.attname::text,
                  'type_name', format_type(a.atttypid, a.atttypmod),
                  'nullable', not a.attnotnull,
                  'default', pg_get_expr(d.adbin, d.adrelid))
                order by a.attnum)
         from pg_attribute a
         left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       ), '[]')::text as columns,
       coalesce((
         select json_agg(json_build_object(
                  'primary', con.contype = 'p',
                  'columns', (select json_agg(a.attname::text order by k.ord)
                              from unnest(con.conkey) with ordinality k(attnum, ord)
                              join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum)))
         from pg_constraint con
         where con.conrelid = c.oid and con.contype in ('p', 'u')
       ), '[]')::text as keys
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'f', 'p')
"#;

const FOREIGN_KEYS_SQL: &str = r#"
select con.conname::text,
       c.relname::text,
       (select json_agg(a.attname::text order by k.ord)
          from unnest(con.conkey) with ordinality k(attnum, ord)
          join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum)::text,
       fc.relname::text,
       (select json_agg(a.attname::text order by k.ord)
          from unnest(con.confkey) with ordinality k(attnum, ord)
          join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum)::text
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_class fc on fc.oid = con.confrelid
join pg_namespace fn on fn.oid = fc.relnamespace
where con.contype = 'f' and n.nspname = $1 and fn.nspname = $1
order by con.conname
"#;

const FUNCTIONS_SQL: &str = r#"
select p.proname::text,
       coalesce((
         select json_agg(json_build_object(
                  'name', coalesce(p.proargnames[i], ''),
                  'type_name', format_type(coalesce(p.proallargtypes[i], p.proargtypes[i - 1]), null),
                  'mode', coalesce(p.proargmodes[i]::text, 'i'))
                order by i)
         from generate_series(1, coalesce(array_length(p.proallargtypes, 1), p.pronargs)) i
       ), '[]')::text as args,
       p.pronargdefaults::int,
       p.proretset,
       p.prorettype = 'void'::regtype as returns_void,
       (t.typtype = 'c' or p.prorettype = 'record'::regtype) as returns_composite,
       p.provolatile::text
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = $1 and p.prokind = 'f'
"#;

#[derive(Deserialize)]
struct RawColumn {
    name: String,
    type_name: String,
    nullable: bool,
    default: Option<String>,
}

#[derive(Deserialize)]
struct RawKey {
    primary: bool,
    columns: Vec<String>,
}

#[derive(Deserialize)]
struct RawArg {
    name: String,
    type_name: String,
    mode: String,
}

/// Reads the cache from the database (as the login role: the catalogue is readable by anyone).
pub async fn load(client: &tokio_postgres::Client) -> Result<SchemaCache, tokio_postgres::Error> {
    let mut cache = SchemaCache::default();
    for row in client.query(TABLES_SQL, &[&EXPOSED_SCHEMA]).await? {
        let name: String = row.get(0);
        let columns: Vec<RawColumn> =
            serde_json::from_str(row.get::<_, &str>(2)).unwrap_or_default();
        let keys: Vec<RawKey> = serde_json::from_str(row.get::<_, &str>(3)).unwrap_or_default();
        let table = Table {
            name: name.clone(),
            is_view: row.get(1),
            columns: columns
                .into_iter()
                .map(|c| Column {
                    name: c.name,
                    type_name: c.type_name,
                    nullable: c.nullable,
                    default: c.default,
                })
                .collect(),
            primary_key: keys
                .iter()
                .find(|k| k.primary)
                .map(|k| k.columns.clone())
                .unwrap_or_default(),
            unique_keys: keys.into_iter().map(|k| k.columns).collect(),
        };
        cache.tables.insert(name, table);
    }
    for row in client.query(FOREIGN_KEYS_SQL, &[&EXPOSED_SCHEMA]).await? {
        cache.foreign_keys.push(ForeignKey {
            constraint: row.get(0),
            table: row.get(1),
            columns: serde_json::from_str(row.get::<_, &str>(2)).unwrap_or_default(),
            foreign_table: row.get(3),
            foreign_columns: serde_json::from_str(row.get::<_, &str>(4)).unwrap_or_default(),
        });
    }
    for row in client
        .query("select rolname::text from pg_roles", &[])
        .await?
    {
        cache.roles.insert(row.get(0));
    }
    for row in client.query(FUNCTIONS_SQL, &[&EXPOSED_SCHEMA]).await? {
        let name: String = row.get(0);
        let args: Vec<RawArg> = serde_json::from_str(row.get::<_, &str>(1)).unwrap_or_default();
        let n_defaults: i32 = row.get(2);
        let inputs: Vec<&RawArg> = args
            .iter()
            .filter(|a| matches!(a.mode.as_str(), "i" | "b" | "v"))
            .collect();
        // PostgREST ignores functions with unnamed parameters (other than the single-JSON form).
        if inputs.iter().any(|a| a.name.is_empty()) {
            continue;
        }
        let first_default = inputs.len().saturating_sub(n_defaults.max(0) as usize);
        let params = inputs
            .iter()
            .enumerate()
            .map(|(i, a)| Param {
                name: a.name.clone(),
                type_name: a.type_name.clone(),
                has_default: i >= first_default,
                variadic: a.mode == "v",
            })
            .collect();
        let has_out_params = args
            .iter()
            .any(|a| matches!(a.mode.as_str(), "o" | "b" | "t"));
        let returns = if row.get::<_, bool>(4) {
            ReturnShape::Void
        } else if row.get::<_, bool>(5) || has_out_params {
            ReturnShape::Composite
        } else {
            ReturnShape::Scalar
        };
        let volatility = match row.get::<_, &str>(6) {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        };
        cache
            .functions
            .entry(name.clone())
            .or_default()
            .push(Function {
                name,
                params,
                returns,
                returns_set: row.get(3),
                volatility,
            });
    }
    Ok(cache)
}

/// Reloads the cache into `handle` from a pooled connection.
pub async fn reload(
    pool: &deadpool_postgres::Pool,
    handle: &SchemaCacheHandle,
) -> Result<(), String> {
    let client = pool.get().await.map_err(|e| e.to_string())?;
    let ticket = handle.ticket();
    let cache = load(&client).await.map_err(|e| e.to_string())?;
    tracing::info!(
        tables = cache.tables.len(),
        functions = cache.functions.len(),
        "schema cache loaded"
    );
    if !handle.set(ticket, cache) {
        tracing::debug!("schema cache: a later reload was installed first; this one is dropped");
    }
    Ok(())
}

/// Listens on channel `pgrst` (on its own connection, outside the pool) and reloads the cache
/// on `reload schema` (or an empty payload), as PostgREST does. Reconnects with a pause after a
/// lost connection, reloading then too since notifications may have been missed.
pub async fn listen_for_reloads(
    database_url: String,
    pool: deadpool_postgres::Pool,
    handle: SchemaCacheHandle,
) {
    loop {
        match crate::db::listen(&database_url, "pgrst").await {
            Ok(mut listening) => {
                let _ = reload(&pool, &handle).await;
                while let Some(payload) = listening.payloads.recv().await {
                    if (payload.is_empty() || payload == "reload schema")
                        && let Err(e) = reload(&pool, &handle).await
                    {
                        tracing::warn!("schema cache reload failed: {e}");
                    }
                }
            }
            Err(e) => tracing::warn!("schema listener: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: the listener's reload on connecting, started before a test's `create table`,
    // finished after the test's own reload and put the table-less cache back (rest_wire flaked
    // with PGRST205 "Could not find the table … in the schema cache").
    #[test]
    fn a_reload_that_started_earlier_never_replaces_one_that_started_later() {
        let handle = SchemaCacheHandle::default();
        let (early, late) = (handle.ticket(), handle.ticket());
        let newer = SchemaCache {
            roles: ["after_create_table".to_string()].into(),
            ..SchemaCache::default()
        };
        assert!(handle.set(late, newer));
        assert!(!handle.set(early, SchemaCache::default()));
        assert!(handle.get().roles.contains("after_create_table"));
    }
}
