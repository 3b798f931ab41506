//! Resolving a parsed request against the schema cache: every table, column, relationship and
//! function a request names is looked up here, and the request is refused (with PostgREST's
//! error) if any is unknown. What comes out holds only catalogue names, so the SQL builder can
//! quote them without ever seeing user-chosen identifiers.

use serde_json::Value;

use crate::rest::errors::ApiError;
use crate::rest::query::{
    EmbedPath, Field, JsonKey, JsonStep, LogicTree, Nulls, Operation, ParsedQuery, Range,
    SelectItem,
};
use crate::rest::schema_cache::{Function, SchemaCache, Table};

/// A column with the type from the catalogue, and an optional JSON path into it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedField {
    pub column: String,
    pub column_type: String,
    pub json_path: Vec<JsonStep>,
}

impl ResolvedField {
    /// The SQL type of the expression: `->>` yields text, `->` keeps the JSON type.
    pub fn expression_type(&self) -> &str {
        match self.json_path.last() {
            Some(step) if step.as_text => "text",
            _ => &self.column_type,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutputItem {
    Star,
    Field {
        field: ResolvedField,
        /// A type from `CAST_TYPES`.
        cast: Option<&'static str>,
        output_name: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ResolvedLogic {
    Filter {
        field: ResolvedField,
        negated: bool,
        operation: Operation,
    },
    Expr {
        negated: bool,
        or: bool,
        children: Vec<ResolvedLogic>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedOrder {
    pub field: ResolvedField,
    pub descending: Option<bool>,
    pub nulls: Option<Nulls>,
}

/// One level of a read: a table (or, at the root of a mutation, the mutated rows) with its
/// output columns, embedded resources, filters, order and range.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadPlan {
    pub table: String,
    /// SQL alias of this level (`t0`, `t1`, …), generated, never from the request.
    pub alias: String,
    pub select: Vec<OutputItem>,
    pub embeds: Vec<EmbedPlan>,
    pub filters: Vec<ResolvedLogic>,
    pub order: Vec<ResolvedOrder>,
    pub range: Range,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EmbedPlan {
    /// Key of the embedded value in each row (alias or the name used in `select`).
    pub output_name: String,
    /// Name used in `select` (for matching `rel.limit=…` and friends).
    pub relation: String,
    pub to_one: bool,
    pub inner: bool,
    /// `rel()` embeds only filter (with `!inner`) and add nothing to the output.
    pub emit: bool,
    /// (child column, parent column) pairs joined with `=`.
    pub join: Vec<(String, String)>,
    /// SQL alias of the lateral subquery (`e1`, …).
    pub join_alias: String,
    pub node: ReadPlan,
}

/// Types allowed in `select=col::type`. The cast is written into SQL, so only these.
const CAST_TYPES: &[(&str, &str)] = &[
    ("text", "text"),
    ("varchar", "varchar"),
    ("character varying", "varchar"),
    ("int", "integer"),
    ("int4", "integer"),
    ("integer", "integer"),
    ("int2", "smallint"),
    ("smallint", "smallint"),
    ("int8", "bigint"),
    ("bigint", "bigint"),
    ("numeric", "numeric"),
    ("float4", "real"),
    ("real", "real"),
    ("float8", "double precision"),
    ("double precision", "double precision"),
    ("bool", "boolean"),
    ("boolean", "boolean"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    ("uuid", "uuid"),
    ("date", "date"),
    ("time", "time"),
    ("timestamp", "timestamp"),
    ("timestamptz", "timestamptz"),
    ("interval", "interval"),
];

fn cast_type(name: &str) -> Result<&'static str, ApiError> {
    let lower = name.trim().to_ascii_lowercase();
    CAST_TYPES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, t)| *t)
        .ok_or_else(|| ApiError::undefined_type(name))
}

pub fn table<'a>(cache: &'a SchemaCache, name: &str) -> Result<&'a Table, ApiError> {
    cache
        .tables
        .get(name)
        .ok_or_else(|| ApiError::table_not_found(name))
}

fn resolve_field(table: &Table, field: &Field) -> Result<ResolvedField, ApiError> {
    let column = table
        .column(&field.name)
        .ok_or_else(|| ApiError::undefined_column(&table.name, &field.name))?;
    Ok(ResolvedField {
        column: column.name.clone(),
        column_type: column.type_name.clone(),
        json_path: field.json_path.clone(),
    })
}

fn resolve_logic(table: &Table, tree: &LogicTree) -> Result<ResolvedLogic, ApiError> {
    Ok(match tree {
        LogicTree::Filter(f) => ResolvedLogic::Filter {
            field: resolve_field(table, &f.field)?,
            negated: f.negated,
            operation: f.operation.clone(),
        },
        LogicTree::Expr {
            negated,
            or,
            children,
        } => ResolvedLogic::Expr {
            negated: *negated,
            or: *or,
            children: children
                .iter()
                .map(|c| resolve_logic(table, c))
                .collect::<Result<_, _>>()?,
        },
    })
}

/// A foreign-key path from a parent table to an embedded one.
#[derive(Clone, Debug, PartialEq)]
pub struct Relationship {
    pub child_table: String,
    pub to_one: bool,
    pub join: Vec<(String, String)>,
    pub constraint: String,
}

/// Finds the relationship `parent` → `target` (a table, a foreign-key constraint of `parent`,
/// or a single foreign-key column of `parent`), narrowed by `hint` (constraint or column name).
pub fn resolve_relationship(
    cache: &SchemaCache,
    parent: &str,
    target: &str,
    hint: Option<&str>,
) -> Result<Relationship, ApiError> {
    let mut candidates: Vec<(Relationship, Vec<String>)> = Vec::new();
    for fk in &cache.foreign_keys {
        // Many-to-one: parent's key points at the target.
        let by_table = fk.table == parent && fk.foreign_table == target;
        let by_fk_name = fk.table == parent && fk.constraint == target;
        let by_column = fk.table == parent && fk.columns.len() == 1 && fk.columns[0] == target;
        if by_table || by_fk_name || by_column {
            candidates.push((
                Relationship {
                    child_table: fk.foreign_table.clone(),
                    to_one: true,
                    join: fk
                        .foreign_columns
                        .iter()
                        .cloned()
                        .zip(fk.columns.iter().cloned())
                        .collect(),
                    constraint: fk.constraint.clone(),
                },
                fk.columns.clone(),
            ));
        }
        // One-to-many (or one-to-one when the child's key columns are unique).
        if fk.foreign_table == parent && fk.table == target {
            let unique = cache.tables.get(&fk.table).is_some_and(|t| {
                t.unique_keys
                    .iter()
                    .any(|k| sorted(k) == sorted(&fk.columns))
            });
            candidates.push((
                Relationship {
                    child_table: fk.table.clone(),
                    to_one: unique,
                    join: fk
                        .columns
                        .iter()
                        .cloned()
                        .zip(fk.foreign_columns.iter().cloned())
                        .collect(),
                    constraint: fk.constraint.clone(),
                },
                fk.columns.clone(),
            ));
        }
    }
    if let Some(hint) = hint {
        candidates
            .retain(|(rel, columns)| rel.constraint == hint || columns.iter().any(|c| c == hint));
    }
    match candidates.len() {
        0 => Err(ApiError::no_relationship(parent, target)),
        1 => Ok(candidates.remove(0).0),
        _ => {
            let hints: Vec<String> = candidates
                .iter()
                .map(|(rel, _)| format!("'{}!{}'", target, rel.constraint))
                .collect();
            Err(ApiError::ambiguous_relationship(parent, target, &hints))
        }
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

struct Planner<'a> {
    cache: &'a SchemaCache,
    next_table: usize,
    next_join: usize,
}

impl Planner<'_> {
    fn node(&mut self, table: &Table, items: &[SelectItem]) -> Result<ReadPlan, ApiError> {
        let alias = format!("t{}", self.next_table);
        self.next_table += 1;
        let mut plan = ReadPlan {
            table: table.name.clone(),
            alias,
            select: Vec::new(),
            embeds: Vec::new(),
            filters: Vec::new(),
            order: Vec::new(),
            range: Range::default(),
        };
        for item in items {
            match item {
                SelectItem::Star => plan.select.push(OutputItem::Star),
                SelectItem::Field { field, alias, cast } => {
                    let resolved = resolve_field(table, field)?;
                    let cast = cast.as_deref().map(cast_type).transpose()?;
                    let output_name = alias.clone().unwrap_or_else(|| default_output_name(field));
                    plan.select.push(OutputItem::Field {
                        field: resolved,
                        cast,
                        output_name,
                    });
                }
                SelectItem::Embed {
                    relation,
                    alias,
                    hint,
                    inner,
                    children,
                } => {
                    let rel =
                        resolve_relationship(self.cache, &table.name, relation, hint.as_deref())?;
                    let child_table = self
                        .cache
                        .tables
                        .get(&rel.child_table)
                        .ok_or_else(|| ApiError::table_not_found(&rel.child_table))?;
                    self.next_join += 1;
                    let join_alias = format!("e{}", self.next_join);
                    let node = self.node(child_table, children)?;
                    plan.embeds.push(EmbedPlan {
                        output_name: alias.clone().unwrap_or_else(|| relation.clone()),
                        relation: relation.clone(),
                        to_one: rel.to_one,
                        inner: *inner,
                        emit: !children.is_empty(),
                        join: rel.join,
                        join_alias,
                        node,
                    });
                }
            }
        }
        Ok(plan)
    }
}

/// PostgREST names `col->a->>b` after its last key.
fn default_output_name(field: &Field) -> String {
    match field.json_path.last() {
        Some(JsonStep {
            key: JsonKey::Key(k),
            ..
        }) => k.clone(),
        _ => field.name.clone(),
    }
}

fn find_node<'p>(plan: &'p mut ReadPlan, path: &EmbedPath) -> Result<&'p mut ReadPlan, ApiError> {
    let mut node = plan;
    for name in path {
        let position = node
            .embeds
            .iter()
            .position(|e| &e.output_name == name)
            .or_else(|| node.embeds.iter().position(|e| &e.relation == name))
            .ok_or_else(|| ApiError::not_embedded(name))?;
        node = &mut node.embeds[position].node;
    }
    Ok(node)
}

/// Resolves `select`, filters, `order` and ranges of a read of `table_name`.
pub fn plan_read(
    cache: &SchemaCache,
    table_name: &str,
    parsed: &ParsedQuery,
) -> Result<ReadPlan, ApiError> {
    let root_table = table(cache, table_name)?;
    let mut planner = Planner {
        cache,
        next_table: 0,
        next_join: 0,
    };
    let select = if parsed.select.is_empty() {
        vec![SelectItem::Star]
    } else {
        parsed.select.clone()
    };
    let mut root = planner.node(root_table, &select)?;
    for (path, tree) in &parsed.filters {
        let node = find_node(&mut root, path)?;
        let node_table = table(cache, &node.table)?;
        node.filters.push(resolve_logic(node_table, tree)?);
    }
    for (path, terms) in &parsed.order {
        let node = find_node(&mut root, path)?;
        let node_table = table(cache, &node.table)?;
        for term in terms {
            node.order.push(ResolvedOrder {
                field: resolve_field(node_table, &term.field)?,
                descending: term.descending,
                nulls: term.nulls,
            });
        }
    }
    for (path, range) in &parsed.ranges {
        if path.is_empty() {
            continue; // the top-level range is combined with the Range header by the handler
        }
        let node = find_node(&mut root, path)?;
        if range.limit.is_some_and(|l| l < 0) || range.offset < 0 {
            return Err(ApiError::range_not_satisfiable(
                "Limit should be greater than or equal to zero.",
            ));
        }
        node.range = *range;
    }
    Ok(root)
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// Columns a payload writes, with their catalogue types.
#[derive(Clone, Debug, PartialEq)]
pub struct PayloadColumn {
    pub name: String,
    pub type_name: String,
    pub default: Option<String>,
}

/// The columns of an insert or update: from `columns=` when given (the body is then passed as
/// is), else from the body's keys, which PostgREST requires to be the same in every object of an
/// array ("All object keys must match").
pub fn payload_columns(
    table: &Table,
    columns_param: Option<&Vec<String>>,
    body: &Value,
) -> Result<Vec<PayloadColumn>, ApiError> {
    let names: Vec<String> = match columns_param {
        Some(cols) => cols.clone(),
        None => body_keys(body)?,
    };
    let mut out = Vec::new();
    for name in names {
        if out.iter().any(|c: &PayloadColumn| c.name == name) {
            continue;
        }
        let column = table
            .column(&name)
            .ok_or_else(|| ApiError::column_not_found(&table.name, &name))?;
        out.push(PayloadColumn {
            name: column.name.clone(),
            type_name: column.type_name.clone(),
            default: column.default.clone(),
        });
    }
    Ok(out)
}

fn body_keys(body: &Value) -> Result<Vec<String>, ApiError> {
    match body {
        Value::Object(map) => Ok(map.keys().cloned().collect()),
        Value::Array(items) => {
            let Some(first) = items.first() else {
                return Ok(Vec::new());
            };
            let Value::Object(first) = first else {
                return Err(ApiError::invalid_body("All object keys must match"));
            };
            let mut keys: Vec<&String> = first.keys().collect();
            keys.sort();
            for item in items {
                let Value::Object(map) = item else {
                    return Err(ApiError::invalid_body("All object keys must match"));
                };
                let mut other: Vec<&String> = map.keys().collect();
                other.sort();
                if other != keys {
                    return Err(ApiError::invalid_body("All object keys must match"));
                }
            }
            Ok(first.keys().cloned().collect())
        }
        _ => Err(ApiError::invalid_body("All object keys must match")),
    }
}

/// `on_conflict=` columns (validated), else the primary key.
pub fn conflict_columns(
    table: &Table,
    on_conflict: Option<&Vec<String>>,
) -> Result<Vec<String>, ApiError> {
    match on_conflict {
        Some(cols) => cols
            .iter()
            .map(|c| {
                table
                    .column(c)
                    .map(|col| col.name.clone())
                    .ok_or_else(|| ApiError::undefined_column(&table.name, c))
            })
            .collect(),
        None => Ok(table.primary_key.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Functions

/// PostgREST's `findProc`: the overload whose parameters match the argument names — every
/// required parameter given, nothing given that is not a parameter.
pub fn find_function<'a>(
    cache: &'a SchemaCache,
    name: &str,
    arg_keys: &[String],
    json_post: bool,
) -> Result<&'a Function, ApiError> {
    let not_found = || ApiError::function_not_found(name, arg_keys.to_vec(), json_post);
    let overloads = cache.functions.get(name).ok_or_else(not_found)?;
    let matching: Vec<&Function> = overloads
        .iter()
        .filter(|f| {
            let required: Vec<&str> = f
                .params
                .iter()
                .filter(|p| !p.has_default)
                .map(|p| p.name.as_str())
                .collect();
            required.iter().all(|r| arg_keys.iter().any(|k| k == r))
                && arg_keys
                    .iter()
                    .all(|k| f.params.iter().any(|p| &p.name == k))
        })
        .collect();
    match matching.len() {
        0 => Err(not_found()),
        1 => Ok(matching[0]),
        _ => Err(ApiError::ambiguous_function(
            &matching
                .iter()
                .map(|f| {
                    format!(
                        "public.{}({})",
                        f.name,
                        f.params
                            .iter()
                            .map(|p| format!("{} => {}", p.name, p.type_name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect::<Vec<_>>(),
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rest::query::parse;
    use crate::rest::schema_cache::{Column, ForeignKey, Param, ReturnShape, Volatility};

    fn column(name: &str, type_name: &str) -> Column {
        Column {
            name: name.into(),
            type_name: type_name.into(),
            nullable: true,
            default: None,
        }
    }

    /// cities ← institutions ← employees, plus a one-to-one `profiles_extra`.
    pub(crate) fn fixture_cache() -> SchemaCache {
        let mut cache = SchemaCache::default();
        let mut add = |name: &str, cols: Vec<Column>, pk: &str| {
            cache.tables.insert(
                name.into(),
                Table {
                    name: name.into(),
                    is_view: false,
                    columns: cols,
                    primary_key: vec![pk.into()],
                    unique_keys: vec![vec![pk.into()]],
                },
            );
        };
        add(
            "cities",
            vec![
                column("id", "bigint"),
                column("name", "text"),
                column("zip", "text"),
            ],
            "id",
        );
        add(
            "institutions",
            vec![
                column("id", "bigint"),
                column("city_id", "bigint"),
                column("name", "text"),
            ],
            "id",
        );
        add(
            "employees",
            vec![
                column("id", "uuid"),
                column("institution_id", "bigint"),
                column("rank", "integer"),
                column("fields", "jsonb"),
                column("deleted_at", "timestamp with time zone"),
            ],
            "id",
        );
        cache.foreign_keys = vec![
            ForeignKey {
                constraint: "institutions_city_id_fkey".into(),
                table: "institutions".into(),
                columns: vec!["city_id".into()],
                foreign_table: "cities".into(),
                foreign_columns: vec!["id".into()],
            },
            ForeignKey {
                constraint: "employees_institution_id_fkey".into(),
                table: "employees".into(),
                columns: vec!["institution_id".into()],
                foreign_table: "institutions".into(),
                foreign_columns: vec!["id".into()],
            },
        ];
        cache.functions.insert(
            "change_points".into(),
            vec![Function {
                name: "change_points".into(),
                params: vec![
                    Param {
                        name: "p_institution_id".into(),
                        type_name: "bigint".into(),
                        has_default: false,
                        variadic: false,
                    },
                    Param {
                        name: "p_employee_ids".into(),
                        type_name: "uuid[]".into(),
                        has_default: false,
                        variadic: false,
                    },
                    Param {
                        name: "p_delta".into(),
                        type_name: "integer".into(),
                        has_default: true,
                        variadic: false,
                    },
                ],
                returns: ReturnShape::Scalar,
                returns_set: false,
                volatility: Volatility::Volatile,
            }],
        );
        cache
    }

    #[test]
    fn embeds_resolve_both_directions() {
        let cache = fixture_cache();
        let q = parse("select=id,name,cities(name),employees(id,rank)", false).unwrap();
        let plan = plan_read(&cache, "institutions", &q).unwrap();
        assert!(plan.embeds[0].to_one);
        assert_eq!(
            plan.embeds[0].join,
            vec![("id".to_string(), "city_id".to_string())]
        );
        assert!(!plan.embeds[1].to_one);
        assert_eq!(
            plan.embeds[1].join,
            vec![("institution_id".to_string(), "id".to_string())]
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        let cache = fixture_cache();
        let err = plan_read(&cache, "nope", &parse("", false).unwrap()).unwrap_err();
        assert_eq!((err.status.as_u16(), err.code.as_str()), (404, "PGRST205"));
        let err =
            plan_read(&cache, "cities", &parse("select=id,nope", false).unwrap()).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("42703", "column cities.nope does not exist")
        );
        let err = plan_read(
            &cache,
            "cities",
            &parse("select=%22na%22%22me%22", false).unwrap_err_or_default(),
        )
        .unwrap_err();
        assert_eq!(err.status.as_u16(), 400);
        let err = plan_read(
            &cache,
            "cities",
            &parse("select=*,employees(*)", false).unwrap(),
        )
        .unwrap_err();
        assert_eq!(err.code, "PGRST200");
        let err = plan_read(&cache, "cities", &parse("nope=eq.1", false).unwrap()).unwrap_err();
        assert_eq!(err.code, "42703");
        let err = plan_read(&cache, "cities", &parse("order=nope", false).unwrap()).unwrap_err();
        assert_eq!(err.code, "42703");
        let err = plan_read(
            &cache,
            "cities",
            &parse("select=id::regclass", false).unwrap(),
        )
        .unwrap_err();
        assert_eq!(err.code, "42704");
        let err = plan_read(
            &cache,
            "cities",
            &parse("institutions.name=eq.x", false).unwrap(),
        )
        .unwrap_err();
        assert_eq!(err.code, "PGRST108");
    }

    trait OrDefault {
        fn unwrap_err_or_default(self) -> ParsedQuery;
    }
    impl OrDefault for Result<ParsedQuery, crate::rest::query::QueryError> {
        /// A quoted name that parses still has to exist in the table.
        fn unwrap_err_or_default(self) -> ParsedQuery {
            self.unwrap_or_else(|_| parse("select=nope", false).unwrap())
        }
    }

    #[test]
    fn payload_columns_follow_postgrest() {
        let cache = fixture_cache();
        let cities = &cache.tables["cities"];
        let body: Value = serde_json::json!([{"id": 1, "name": "a"}, {"name": "b", "id": 2}]);
        assert_eq!(payload_columns(cities, None, &body).unwrap().len(), 2);
        let mixed: Value = serde_json::json!([{"id": 1}, {"id": 2, "zip": "x"}]);
        assert_eq!(
            payload_columns(cities, None, &mixed).unwrap_err().message,
            "All object keys must match"
        );
        let cols = vec!["id".to_string(), "name".to_string(), "zip".to_string()];
        assert_eq!(
            payload_columns(cities, Some(&cols), &mixed).unwrap().len(),
            3
        );
        let err = payload_columns(cities, None, &serde_json::json!({"population": 1})).unwrap_err();
        assert_eq!(err.code, "PGRST204");
        assert_eq!(
            err.message,
            "Could not find the 'population' column of 'cities' in the schema cache"
        );
    }

    #[test]
    fn function_matching() {
        let cache = fixture_cache();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(
            find_function(
                &cache,
                "change_points",
                &keys(&["p_institution_id", "p_employee_ids"]),
                true
            )
            .is_ok()
        );
        assert!(
            find_function(
                &cache,
                "change_points",
                &keys(&["p_institution_id", "p_employee_ids", "p_delta"]),
                true
            )
            .is_ok()
        );
        let err =
            find_function(&cache, "change_points", &keys(&["p_institution_id"]), true).unwrap_err();
        assert_eq!(err.code, "PGRST202");
        let err = find_function(
            &cache,
            "change_points",
            &keys(&["p_institution_id", "p_employee_ids", "x"]),
            true,
        )
        .unwrap_err();
        assert_eq!(err.code, "PGRST202");
        assert_eq!(
            find_function(&cache, "nope", &[], false)
                .unwrap_err()
                .status
                .as_u16(),
            404
        );
    }
}
