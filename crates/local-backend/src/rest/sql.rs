//! SQL text for a resolved plan, shaped after PostgREST's `QueryBuilder.hs`, `SqlFragment.hs` and
//! `Statements.hs`:
//!
//! * reads: `WITH pgrst_source AS (SELECT … FROM t LEFT JOIN LATERAL (…) …) SELECT count,
//!   json_agg(_postgrest_t) …`, to-one embeds as `row_to_json(…)::jsonb`, to-many as
//!   `COALESCE(json_agg(…)::jsonb, '[]')`, so PostgreSQL renders every value (timestamps, bigints,
//!   jsonb) exactly as PostgREST returns it;
//! * writes: the body is one parameter turned into rows with `json_to_recordset(…) AS _(col type,
//!   …)` using the catalogue's column types;
//! * calls: `json_to_record(…)` with the function's parameter types, `fn(p := pgrst_body.p)`.
//!
//! What goes into the text: quoted catalogue identifiers, catalogue type names (and default
//! expressions for `missing=default`), constant fragments, and `$n` placeholders. Every value —
//! filter operands, JSON keys, limits, the body — is a text parameter cast in SQL.

use crate::rest::plan::{
    EmbedPlan, OutputItem, PayloadColumn, ReadPlan, ResolvedField, ResolvedLogic, ResolvedOrder,
};
use crate::rest::query::{
    CompareOp, JsonKey, Nulls, Operation, Range, TriValue, array_literal, like_pattern,
};
use crate::rest::schema_cache::{EXPOSED_SCHEMA, Function, Param, ReturnShape};

/// A statement and its (text) parameters. Every statement returns one row:
/// `total_result_set bigint, page_total bigint, body text, inserted bigint, location text`.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Option<String>>,
}

#[derive(Default)]
struct Params(Vec<Option<String>>);

impl Params {
    /// Binds a value and returns its placeholder, typed text.
    fn bind(&mut self, value: impl Into<String>) -> String {
        self.0.push(Some(value.into()));
        format!("${}::text", self.0.len())
    }
}

/// `"name"` with embedded quotes doubled. Only ever applied to catalogue names.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn qualified(table: &str) -> String {
    format!("{}.{}", quote_ident(EXPOSED_SCHEMA), quote_ident(table))
}

const TARGET_ALIAS: &str = "pgrst_target";

fn field_expr(alias: &str, field: &ResolvedField, params: &mut Params) -> String {
    let mut expr = format!("{}.{}", quote_ident(alias), quote_ident(&field.column));
    for step in &field.json_path {
        let operator = if step.as_text { "->>" } else { "->" };
        let key = match &step.key {
            JsonKey::Key(k) => params.bind(k.clone()),
            JsonKey::Index(i) => format!("{}::integer", params.bind(i.to_string())),
        };
        expr = format!("({expr} {operator} {key})");
    }
    expr
}

fn filter_sql(
    alias: &str,
    field: &ResolvedField,
    negated: bool,
    operation: &Operation,
    params: &mut Params,
) -> String {
    let expr = field_expr(alias, field, params);
    let ty = field.expression_type().to_string();
    let body = match operation {
        Operation::Compare(op, value) => {
            let typed = |params: &mut Params, v: &str| format!("{}::{}", params.bind(v), ty);
            match op {
                CompareOp::Eq => format!("{expr} = {}", typed(params, value)),
                CompareOp::Neq => format!("{expr} <> {}", typed(params, value)),
                CompareOp::Gt => format!("{expr} > {}", typed(params, value)),
                CompareOp::Gte => format!("{expr} >= {}", typed(params, value)),
                CompareOp::Lt => format!("{expr} < {}", typed(params, value)),
                CompareOp::Lte => format!("{expr} <= {}", typed(params, value)),
                CompareOp::Like => format!("{expr} LIKE {}", params.bind(like_pattern(value))),
                CompareOp::Ilike => format!("{expr} ILIKE {}", params.bind(like_pattern(value))),
                CompareOp::Match => format!("{expr} ~ {}", params.bind(value.clone())),
                CompareOp::Imatch => format!("{expr} ~* {}", params.bind(value.clone())),
                CompareOp::Contains => format!("{expr} @> {}", typed(params, value)),
                CompareOp::Contained => format!("{expr} <@ {}", typed(params, value)),
                CompareOp::Overlap => format!("{expr} && {}", typed(params, value)),
                CompareOp::IsDistinct => {
                    format!("{expr} IS DISTINCT FROM {}", typed(params, value))
                }
            }
        }
        Operation::In(values) => {
            // PostgREST: `in.()` is an empty list.
            let values: &[String] = if values.len() == 1 && values[0].is_empty() {
                &[]
            } else {
                values
            };
            format!(
                "{expr} = ANY ({}::{ty}[])",
                params.bind(array_literal(values))
            )
        }
        Operation::Is(value) => {
            let keyword = match value {
                TriValue::Null => "NULL",
                TriValue::True => "TRUE",
                TriValue::False => "FALSE",
                TriValue::Unknown => "UNKNOWN",
            };
            format!("{expr} IS {keyword}")
        }
    };
    if negated {
        format!("NOT ({body})")
    } else {
        body
    }
}

fn logic_sql(alias: &str, tree: &ResolvedLogic, params: &mut Params) -> String {
    match tree {
        ResolvedLogic::Filter {
            field,
            negated,
            operation,
        } => filter_sql(alias, field, *negated, operation, params),
        ResolvedLogic::Expr {
            negated,
            or,
            children,
        } => {
            let joiner = if *or { " OR " } else { " AND " };
            let inner = children
                .iter()
                .map(|c| logic_sql(alias, c, params))
                .collect::<Vec<_>>()
                .join(joiner);
            if *negated {
                format!("NOT ({inner})")
            } else {
                format!("({inner})")
            }
        }
    }
}

fn order_sql(alias: &str, order: &[ResolvedOrder], params: &mut Params) -> String {
    if order.is_empty() {
        return String::new();
    }
    let terms: Vec<String> = order
        .iter()
        .map(|o| {
            let mut term = field_expr(alias, &o.field, params);
            match o.descending {
                Some(true) => term.push_str(" DESC"),
                Some(false) => term.push_str(" ASC"),
                None => {}
            }
            match o.nulls {
                Some(Nulls::First) => term.push_str(" NULLS FIRST"),
                Some(Nulls::Last) => term.push_str(" NULLS LAST"),
                None => {}
            }
            term
        })
        .collect();
    format!(" ORDER BY {}", terms.join(", "))
}

fn range_sql(range: Range, params: &mut Params) -> String {
    let mut out = String::new();
    if let Some(limit) = range.limit {
        out.push_str(&format!(
            " LIMIT {}::bigint",
            params.bind(limit.max(0).to_string())
        ));
    }
    if range.offset > 0 {
        out.push_str(&format!(
            " OFFSET {}::bigint",
            params.bind(range.offset.to_string())
        ));
    }
    out
}

fn where_sql(
    alias: &str,
    filters: &[ResolvedLogic],
    extra: &[String],
    params: &mut Params,
) -> String {
    let mut conditions: Vec<String> = filters
        .iter()
        .map(|f| logic_sql(alias, f, params))
        .collect();
    conditions.extend(extra.iter().cloned());
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

/// Where the rows of the top level come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Table,
    /// The rows returned by the mutation CTE.
    MutationResult,
}

fn read_query(
    plan: &ReadPlan,
    source: Source,
    parent: Option<(&str, &[(String, String)])>,
    range: Range,
    params: &mut Params,
) -> String {
    let alias = quote_ident(&plan.alias);
    let mut items: Vec<String> = Vec::new();
    for item in &plan.select {
        match item {
            OutputItem::Star => items.push(format!("{alias}.*")),
            OutputItem::Field {
                field,
                cast,
                output_name,
            } => {
                let mut expr = field_expr(&plan.alias, field, params);
                if let Some(cast) = cast {
                    expr = format!("({expr})::{cast}");
                }
                items.push(format!("{expr} AS {}", quote_ident(output_name)));
            }
        }
    }
    let mut joins = String::new();
    for embed in &plan.embeds {
        let (item, join) = embed_sql(&plan.alias, embed, params);
        if let Some(item) = item {
            items.push(item);
        }
        joins.push_str(&join);
    }
    let from = match source {
        Source::Table => qualified(&plan.table),
        Source::MutationResult => "pgrst_source".to_string(),
    };
    let join_conditions: Vec<String> = match parent {
        Some((parent_alias, pairs)) => pairs
            .iter()
            .map(|(child, parent_col)| {
                format!(
                    "{alias}.{} = {}.{}",
                    quote_ident(child),
                    quote_ident(parent_alias),
                    quote_ident(parent_col)
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let filters = if source == Source::MutationResult {
        &[][..]
    } else {
        &plan.filters[..]
    };
    let where_clause = where_sql(&plan.alias, filters, &join_conditions, params);
    let order = order_sql(&plan.alias, &plan.order, params);
    let limits = range_sql(range, params);
    format!(
        "SELECT {} FROM {from} AS {alias}{joins}{where_clause}{order}{limits}",
        items.join(", ")
    )
}

/// The output column and the lateral join of one embedded resource.
fn embed_sql(
    parent_alias: &str,
    embed: &EmbedPlan,
    params: &mut Params,
) -> (Option<String>, String) {
    let join_alias = quote_ident(&embed.join_alias);
    let subquery = read_query(
        &embed.node,
        Source::Table,
        Some((parent_alias, &embed.join)),
        embed.node.range,
        params,
    );
    let kind = if embed.inner { "INNER" } else { "LEFT" };
    let output = quote_ident(&embed.output_name);
    if embed.to_one {
        let item = embed
            .emit
            .then(|| format!("row_to_json({join_alias}.*)::jsonb AS {output}"));
        (
            item,
            format!(" {kind} JOIN LATERAL ({subquery}) AS {join_alias} ON TRUE"),
        )
    } else {
        let item = embed
            .emit
            .then(|| format!("COALESCE({join_alias}.{join_alias}, '[]') AS {output}"));
        let condition = if embed.inner {
            format!("{join_alias}.{join_alias} IS NOT NULL")
        } else {
            "TRUE".to_string()
        };
        (
            item,
            format!(
                " {kind} JOIN LATERAL (SELECT json_agg({join_alias})::jsonb AS {join_alias} FROM ({subquery}) AS {join_alias}) AS {join_alias} ON {condition}"
            ),
        )
    }
}

const BODY_ARRAY: &str = "coalesce(json_agg(_postgrest_t), '[]')::text";
const BODY_FIRST: &str = "coalesce((json_agg(_postgrest_t)->0)::text, 'null')";

/// GET/HEAD of a table or view.
pub fn read_statement(plan: &ReadPlan, range: Range, count: bool, singular: bool) -> Statement {
    let mut params = Params::default();
    let main = read_query(plan, Source::Table, None, range, &mut params);
    let (count_cte, count_expr) = if count {
        let count_query = read_query(plan, Source::Table, None, Range::default(), &mut params);
        (
            format!(", pgrst_source_count AS ({count_query})"),
            "(SELECT pg_catalog.count(*) FROM pgrst_source_count)",
        )
    } else {
        (String::new(), "null::bigint")
    };
    let body = if singular { BODY_FIRST } else { BODY_ARRAY };
    Statement {
        sql: format!(
            "WITH pgrst_source AS ({main}){count_cte} SELECT {count_expr} AS total_result_set, \
             pg_catalog.count(_postgrest_t) AS page_total, {body} AS body, null::bigint AS inserted, \
             null::text AS location FROM (SELECT * FROM pgrst_source) _postgrest_t"
        ),
        params: params.0,
    }
}

/// What a mutation returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Representation {
    /// `return=minimal` (PostgREST's `RETURNING 1`, which needs no SELECT privilege).
    Minimal,
    /// `return=headers-only`: the primary key, for `Location`.
    HeadersOnly(Vec<String>),
    /// `return=representation`: rows shaped by `select` (embeds included).
    Full(ReadPlan),
}

fn returning_sql(representation: &Representation) -> String {
    let target = quote_ident(TARGET_ALIAS);
    match representation {
        Representation::Minimal => "RETURNING 1".into(),
        Representation::HeadersOnly(pk) if pk.is_empty() => "RETURNING 1".into(),
        Representation::HeadersOnly(pk) => format!(
            "RETURNING {}",
            pk.iter()
                .map(|c| format!("{target}.{}", quote_ident(c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Representation::Full(_) => format!("RETURNING {target}.*"),
    }
}

/// The body as rows: `pgrst_payload` (the parameter), `pgrst_uniform_json` (always an array),
/// optionally `pgrst_json_defs` (column defaults merged in), then `pgrst_body`.
fn payload_sql(
    columns: &[PayloadColumn],
    apply_defaults: bool,
    limit_one: bool,
    params: &mut Params,
) -> String {
    // The body is always `$1` (see `params_with_body`).
    let mut out = String::from(
        "(SELECT $1::text::json AS json_data) pgrst_payload, \
         LATERAL (SELECT CASE WHEN json_typeof(pgrst_payload.json_data) = 'array' THEN pgrst_payload.json_data \
         ELSE json_build_array(pgrst_payload.json_data) END AS val) pgrst_uniform_json",
    );
    let mut source = "pgrst_uniform_json.val".to_string();
    let defaults: Vec<&PayloadColumn> = columns.iter().filter(|c| c.default.is_some()).collect();
    if apply_defaults && !defaults.is_empty() {
        // Default expressions come from the catalogue (`pg_get_expr`); the keys are bound.
        let pairs: Vec<String> = defaults
            .iter()
            .map(|c| {
                format!(
                    "{}, ({})",
                    params.bind(c.name.clone()),
                    c.default.as_deref().unwrap_or("NULL")
                )
            })
            .collect();
        out.push_str(&format!(
            ", LATERAL (SELECT json_agg(jsonb_build_object({}) || elem::jsonb) AS val \
             FROM json_array_elements(pgrst_uniform_json.val) elem) pgrst_json_defs",
            pairs.join(", ")
        ));
        source = "pgrst_json_defs.val".to_string();
    }
    if columns.is_empty() {
        out.push_str(&format!(
            ", LATERAL (SELECT FROM json_array_elements({source}) _{}) pgrst_body",
            if limit_one { " LIMIT 1" } else { "" }
        ));
    } else {
        let typed: Vec<String> = columns
            .iter()
            .map(|c| format!("{} {}", quote_ident(&c.name), c.type_name))
            .collect();
        out.push_str(&format!(
            ", LATERAL (SELECT * FROM json_to_recordset({source}) AS _({}){}) pgrst_body",
            typed.join(", "),
            if limit_one { " LIMIT 1" } else { "" }
        ));
    }
    out
}

/// The statement around a mutation: the mutated rows as `pgrst_source`, then the one result
/// row (count, body, rows really inserted by an upsert, `Location` data).
fn mutation_statement(
    mutation: String,
    representation: &Representation,
    singular: bool,
    inserted_expr: &str,
    mut params: Params,
) -> Statement {
    let (rows, body, location) = match representation {
        Representation::Full(plan) => (
            read_query(
                plan,
                Source::MutationResult,
                None,
                Range::default(),
                &mut params,
            ),
            if singular { BODY_FIRST } else { BODY_ARRAY },
            "null::text",
        ),
        Representation::HeadersOnly(pk) if !pk.is_empty() => (
            "SELECT 1 FROM pgrst_source".to_string(),
            "''",
            "(SELECT row_to_json(_)::text FROM pgrst_source _ LIMIT 1)",
        ),
        _ => ("SELECT 1 FROM pgrst_source".to_string(), "''", "null::text"),
    };
    Statement {
        sql: format!(
            "WITH pgrst_source AS ({mutation}) SELECT null::bigint AS total_result_set, \
             pg_catalog.count(_postgrest_t) AS page_total, {body} AS body, {inserted_expr} AS inserted, \
             {location} AS location FROM ({rows}) _postgrest_t"
        ),
        params: params.0,
    }
}

/// Parameters with the request body as `$1`.
fn params_with_body(body: String) -> Params {
    Params(vec![Some(body)])
}

pub struct InsertSpec<'a> {
    pub table: &'a str,
    pub columns: &'a [PayloadColumn],
    pub body: String,
    /// Conflict columns and whether to merge (`resolution=merge-duplicates`) or skip.
    pub on_conflict: Option<(Vec<String>, bool)>,
    pub apply_defaults: bool,
    pub representation: &'a Representation,
    pub singular: bool,
}

/// PostgREST's counter of rows really inserted by an upsert (`addConfigPgrstInserted`).
const INSERTED_PLUS: &str = "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'";
const INSERTED_MINUS: &str = "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'";

pub fn insert_statement(spec: InsertSpec) -> Statement {
    let mut params = params_with_body(spec.body);
    let payload = payload_sql(spec.columns, spec.apply_defaults, false, &mut params);
    let merge = matches!(&spec.on_conflict, Some((cols, true)) if !cols.is_empty());
    let column_list = if spec.columns.is_empty() {
        String::new()
    } else {
        format!(
            "({})",
            spec.columns
                .iter()
                .map(|c| quote_ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let selected = spec
        .columns
        .iter()
        .map(|c| format!("pgrst_body.{}", quote_ident(&c.name)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "INSERT INTO {} AS {}{} SELECT {selected} FROM {payload}",
        qualified(spec.table),
        quote_ident(TARGET_ALIAS),
        column_list
    );
    if merge {
        sql.push_str(&format!(" WHERE {INSERTED_PLUS}"));
    }
    if let Some((cols, merge_duplicates)) = &spec.on_conflict
        && !cols.is_empty()
    {
        sql.push_str(&format!(
            " ON CONFLICT ({})",
            cols.iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if *merge_duplicates && !spec.columns.is_empty() {
            let sets: Vec<String> = spec
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "{} = EXCLUDED.{}",
                        quote_ident(&c.name),
                        quote_ident(&c.name)
                    )
                })
                .collect();
            sql.push_str(&format!(
                " DO UPDATE SET {} WHERE {INSERTED_MINUS}",
                sets.join(", ")
            ));
        } else {
            sql.push_str(" DO NOTHING");
        }
    }
    sql.push(' ');
    sql.push_str(&returning_sql(spec.representation));
    let inserted = if merge {
        "nullif(current_setting('pgrst.inserted', true), '')::bigint"
    } else {
        "null::bigint"
    };
    mutation_statement(sql, spec.representation, spec.singular, inserted, params)
}

pub struct UpdateSpec<'a> {
    pub table: &'a str,
    pub columns: &'a [PayloadColumn],
    pub body: String,
    pub filters: &'a [ResolvedLogic],
    pub representation: &'a Representation,
    pub singular: bool,
}

pub fn update_statement(spec: UpdateSpec) -> Statement {
    let mut params = params_with_body(spec.body);
    let target = quote_ident(TARGET_ALIAS);
    let sql = if spec.columns.is_empty() {
        // Nothing to set: PostgREST selects no rows (keeping the column names for `select`).
        let returning = returning_sql(spec.representation).replacen("RETURNING", "SELECT", 1);
        format!(
            "{returning} FROM {} AS {target} WHERE false",
            qualified(spec.table)
        )
    } else {
        let payload = payload_sql(spec.columns, false, true, &mut params);
        let sets: Vec<String> = spec
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{} = pgrst_body.{}",
                    quote_ident(&c.name),
                    quote_ident(&c.name)
                )
            })
            .collect();
        let where_clause = where_sql(TARGET_ALIAS, spec.filters, &[], &mut params);
        format!(
            "UPDATE {} AS {target} SET {} FROM {payload}{where_clause} {}",
            qualified(spec.table),
            sets.join(", "),
            returning_sql(spec.representation)
        )
    };
    mutation_statement(
        sql,
        spec.representation,
        spec.singular,
        "null::bigint",
        params,
    )
}

pub fn delete_statement(
    table: &str,
    filters: &[ResolvedLogic],
    representation: &Representation,
    singular: bool,
) -> Statement {
    let mut params = Params::default();
    let where_clause = where_sql(TARGET_ALIAS, filters, &[], &mut params);
    let sql = format!(
        "DELETE FROM {} AS {}{where_clause} {}",
        qualified(table),
        quote_ident(TARGET_ALIAS),
        returning_sql(representation)
    );
    mutation_statement(sql, representation, singular, "null::bigint", params)
}

/// The arguments of a call.
#[derive(Clone, Debug)]
pub enum CallArgs {
    /// `POST`: the JSON object body, turned into typed values by `json_to_record`.
    Json(String),
    /// `GET`: one text value per given parameter, cast to the parameter's type (PostgREST 13's
    /// `DirectArgs`), so `?p_ids={a,b}` reaches a `uuid[]` parameter as an array.
    Direct(Vec<String>),
}

/// `POST/GET /rpc/fn`: calls `function` with the parameters in `given` (the others keep their
/// defaults).
pub fn call_statement(
    function: &Function,
    given: &[&Param],
    args: CallArgs,
    range: Range,
    singular: bool,
    count: bool,
) -> Statement {
    let json_args = match (&args, given.is_empty()) {
        (CallArgs::Json(body), false) => Some(body.clone()),
        _ => None,
    };
    let mut params = match &json_args {
        Some(body) => params_with_body(body.clone()),
        None => Params::default(),
    };
    let name = qualified(&function.name);
    let args: Vec<String> = match &args {
        CallArgs::Direct(values) => given
            .iter()
            .zip(values)
            .map(|(p, v)| {
                format!(
                    "{}{} := {}::{}",
                    if p.variadic { "VARIADIC " } else { "" },
                    quote_ident(&p.name),
                    params.bind(v.clone()),
                    p.type_name
                )
            })
            .collect(),
        CallArgs::Json(_) => given
            .iter()
            .map(|p| {
                format!(
                    "{}{} := pgrst_body.{}",
                    if p.variadic { "VARIADIC " } else { "" },
                    quote_ident(&p.name),
                    quote_ident(&p.name)
                )
            })
            .collect(),
    };
    let scalar = function.returns != ReturnShape::Composite;
    let call = if scalar {
        format!(
            "(SELECT {name}({}) pgrst_scalar) pgrst_call",
            args.join(", ")
        )
    } else {
        format!("{name}({}) pgrst_call", args.join(", "))
    };
    let from = if json_args.is_none() {
        call
    } else {
        let typed: Vec<String> = given
            .iter()
            .map(|p| format!("{} {}", quote_ident(&p.name), p.type_name))
            .collect();
        format!(
            "(SELECT $1::text::json AS json_data) pgrst_payload, \
             LATERAL (SELECT * FROM json_to_record(pgrst_payload.json_data) AS _({}) LIMIT 1) pgrst_body, \
             LATERAL {call}",
            typed.join(", ")
        )
    };
    let columns = if scalar {
        "pgrst_call.pgrst_scalar"
    } else {
        "pgrst_call.*"
    };
    let limits = range_sql(range, &mut params);
    let source = format!("SELECT {columns} FROM {from}{limits}");
    let single = !function.returns_set;
    let (body, page_total) = match (function.returns, single || singular) {
        (ReturnShape::Void, _) => ("''".to_string(), "pg_catalog.count(_postgrest_t)"),
        (ReturnShape::Scalar, true) => (
            "coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')".to_string(),
            if single {
                "1::bigint"
            } else {
                "pg_catalog.count(_postgrest_t)"
            },
        ),
        (ReturnShape::Scalar, false) => (
            "coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text".to_string(),
            "pg_catalog.count(_postgrest_t)",
        ),
        (ReturnShape::Composite, true) => (
            BODY_FIRST.to_string(),
            if single {
                "1::bigint"
            } else {
                "pg_catalog.count(_postgrest_t)"
            },
        ),
        (ReturnShape::Composite, false) => {
            (BODY_ARRAY.to_string(), "pg_catalog.count(_postgrest_t)")
        }
    };
    let total = if count {
        "pg_catalog.count(_postgrest_t)"
    } else {
        "null::bigint"
    };
    Statement {
        sql: format!(
            "WITH pgrst_source AS ({source}) SELECT {total} AS total_result_set, {page_total} AS page_total, \
             {body} AS body, null::bigint AS inserted, null::text AS location \
             FROM (SELECT * FROM pgrst_source) _postgrest_t"
        ),
        params: params.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::plan::tests::fixture_cache;
    use crate::rest::plan::{find_function, payload_columns, plan_read};
    use crate::rest::query::parse;

    fn read(table: &str, query: &str) -> Statement {
        let cache = fixture_cache();
        let parsed = parse(query, false).unwrap();
        let plan = plan_read(&cache, table, &parsed).unwrap();
        read_statement(
            &plan,
            parsed.ranges.get(&vec![]).copied().unwrap_or_default(),
            false,
            false,
        )
    }

    #[test]
    fn values_are_parameters_never_text() {
        let hostile = "x'); drop table cities; --";
        let encoded: String = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        let st = read(
            "cities",
            &format!("name=eq.{encoded}&zip=in.(\"a\",b)&id=gt.5&limit=3&offset=1"),
        );
        assert!(!st.sql.contains("drop table"));
        assert!(!st.sql.contains(hostile));
        assert_eq!(
            st.params,
            vec![
                Some(hostile.to_string()),
                Some("{\"a\",\"b\"}".to_string()),
                Some("5".to_string()),
                Some("3".to_string()),
                Some("1".to_string())
            ]
        );
        assert!(
            st.sql.contains(r#""t0"."name" = $1::text::text"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql.contains(r#""t0"."zip" = ANY ($2::text::text[])"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql.contains(r#""t0"."id" > $3::text::bigint"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains("LIMIT $4::text::bigint OFFSET $5::text::bigint"),
            "{}",
            st.sql
        );
    }

    #[test]
    fn embeds_are_lateral_joins() {
        let st = read(
            "institutions",
            "select=id,name,cities(name),employees!inner(id)&employees.rank=gte.2",
        );
        assert!(
            st.sql.contains(r#"row_to_json("e1".*)::jsonb AS "cities""#),
            "{}",
            st.sql
        );
        assert!(st.sql.contains(r#"LEFT JOIN LATERAL (SELECT "t1"."name" AS "name" FROM "public"."cities" AS "t1" WHERE "t1"."id" = "t0"."city_id") AS "e1" ON TRUE"#), "{}", st.sql);
        assert!(
            st.sql
                .contains(r#"COALESCE("e2"."e2", '[]') AS "employees""#),
            "{}",
            st.sql
        );
        assert!(st.sql.contains(r#"INNER JOIN LATERAL (SELECT json_agg("e2")::jsonb AS "e2" FROM (SELECT "t2"."id" AS "id" FROM "public"."employees" AS "t2" WHERE "t2"."rank" >= $1::text::integer AND "t2"."institution_id" = "t0"."id") AS "e2") AS "e2" ON "e2"."e2" IS NOT NULL"#), "{}", st.sql);
    }

    #[test]
    fn json_paths_bind_keys() {
        let st = read(
            "employees",
            "select=discord:fields->>DISCORD&fields->>DISCORD=eq.abc&order=fields->rank.desc",
        );
        assert!(
            st.sql
                .contains(r#"("t0"."fields" ->> $1::text) AS "discord""#),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains(r#"("t0"."fields" ->> $2::text) = $3::text::text"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains(r#"ORDER BY ("t0"."fields" -> $4::text) DESC"#),
            "{}",
            st.sql
        );
        assert_eq!(st.params[0].as_deref(), Some("DISCORD"));
    }

    #[test]
    fn logic_trees_and_negation() {
        let st = read(
            "cities",
            "or=(id.eq.1,and(name.like.B*,zip.not.is.null))&name=not.in.(a,b)",
        );
        assert!(
            st.sql.contains(r#"("t0"."id" = $1::text::bigint OR ("t0"."name" LIKE $2::text AND NOT ("t0"."zip" IS NULL)))"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains(r#"NOT ("t0"."name" = ANY ($3::text::text[]))"#),
            "{}",
            st.sql
        );
        assert_eq!(st.params[1].as_deref(), Some("B%"));
    }

    #[test]
    fn count_query_has_no_range() {
        let cache = fixture_cache();
        let parsed = parse("select=*&limit=2", false).unwrap();
        let plan = plan_read(&cache, "cities", &parsed).unwrap();
        let st = read_statement(
            &plan,
            Range {
                offset: 0,
                limit: Some(2),
            },
            true,
            false,
        );
        assert!(
            st.sql.contains(
                r#"pgrst_source_count AS (SELECT "t0".* FROM "public"."cities" AS "t0")"#
            ),
            "{}",
            st.sql
        );
    }

    #[test]
    fn insert_upsert_and_representation() {
        let cache = fixture_cache();
        let cities = &cache.tables["cities"];
        let body = r#"[{"id":1,"name":"Beograd"}]"#.to_string();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let columns = payload_columns(cities, None, &value).unwrap();
        let plan = plan_read(&cache, "cities", &parse("select=*", false).unwrap()).unwrap();
        let rep = Representation::Full(plan);
        let st = insert_statement(InsertSpec {
            table: "cities",
            columns: &columns,
            body: body.clone(),
            on_conflict: Some((vec!["id".into()], true)),
            apply_defaults: false,
            representation: &rep,
            singular: false,
        });
        assert_eq!(st.params[0].as_deref(), Some(body.as_str()));
        assert!(st.sql.contains(r#"INSERT INTO "public"."cities" AS "pgrst_target"("id", "name") SELECT pgrst_body."id", pgrst_body."name" FROM (SELECT $1::text::json AS json_data)"#), "{}", st.sql);
        assert!(
            st.sql.contains(
                r#"json_to_recordset(pgrst_uniform_json.val) AS _("id" bigint, "name" text)"#
            ),
            "{}",
            st.sql
        );
        assert!(st.sql.contains(r#"ON CONFLICT ("id") DO UPDATE SET "id" = EXCLUDED."id", "name" = EXCLUDED."name" WHERE set_config"#), "{}", st.sql);
        assert!(
            st.sql.contains(r#"RETURNING "pgrst_target".*"#),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains(r#"FROM (SELECT "t0".* FROM pgrst_source AS "t0") _postgrest_t"#),
            "{}",
            st.sql
        );
    }

    #[test]
    fn update_and_delete_filter_the_target() {
        let cache = fixture_cache();
        let parsed = parse("id=eq.5", false).unwrap();
        let plan = plan_read(&cache, "cities", &parsed).unwrap();
        let columns = payload_columns(
            &cache.tables["cities"],
            None,
            &serde_json::json!({"name": "Ana"}),
        )
        .unwrap();
        let st = update_statement(UpdateSpec {
            table: "cities",
            columns: &columns,
            body: r#"{"name":"Ana"}"#.into(),
            filters: &plan.filters,
            representation: &Representation::Minimal,
            singular: false,
        });
        assert!(
            st.sql.contains(
                r#"UPDATE "public"."cities" AS "pgrst_target" SET "name" = pgrst_body."name" FROM"#
            ),
            "{}",
            st.sql
        );
        assert!(
            st.sql
                .contains(r#"WHERE "pgrst_target"."id" = $2::text::bigint RETURNING 1"#),
            "{}",
            st.sql
        );
        let st = delete_statement("cities", &plan.filters, &Representation::Minimal, false);
        assert!(st.sql.contains(r#"DELETE FROM "public"."cities" AS "pgrst_target" WHERE "pgrst_target"."id" = $1::text::bigint RETURNING 1"#), "{}", st.sql);
    }

    #[test]
    fn calls_pass_only_given_arguments() {
        let cache = fixture_cache();
        let keys = vec!["p_institution_id".to_string(), "p_employee_ids".to_string()];
        let f = find_function(&cache, "change_points", &keys, true).unwrap();
        let given: Vec<&Param> = f.params.iter().filter(|p| keys.contains(&p.name)).collect();
        let st = call_statement(
            f,
            &given,
            CallArgs::Json("{}".into()),
            Range::default(),
            false,
            false,
        );
        let direct = call_statement(
            f,
            &given,
            CallArgs::Direct(vec!["1".into(), "{a}".into()]),
            Range::default(),
            false,
            false,
        );
        assert!(
            direct.sql.contains(
                r#""p_institution_id" := $1::text::bigint, "p_employee_ids" := $2::text::uuid[]"#
            ),
            "{}",
            direct.sql
        );
        assert!(st.sql.contains(r#"json_to_record(pgrst_payload.json_data) AS _("p_institution_id" bigint, "p_employee_ids" uuid[])"#), "{}", st.sql);
        assert!(st.sql.contains(r#"(SELECT "public"."change_points"("p_institution_id" := pgrst_body."p_institution_id", "p_employee_ids" := pgrst_body."p_employee_ids") pgrst_scalar) pgrst_call"#), "{}", st.sql);
        assert!(!st.sql.contains("p_delta"));
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident(r#"we"ird"#), r#""we""ird""#);
    }
}
