//! PostgREST requests (`/rest/v1`), built as supabase-js builds them: the same query
//! parameters in the same order, the same `prefer`, `accept` and profile headers.
//!
//! ```
//! use punctaj_supabase::{IsValue, PostgRest, SupabaseConfig};
//!
//! let config = SupabaseConfig::new("https://abc.supabase.co", "sb_publishable_x").unwrap();
//! let request = PostgRest::new(&config)
//!     .from("employees")
//!     .select("id,rank,punctaj")
//!     .eq("institution_id", 3)
//!     .is("deleted_at", IsValue::Null)
//!     .order("rank", true, None)
//!     .build();
//! assert_eq!(
//!     request.url,
//!     "https://abc.supabase.co/rest/v1/employees?select=id%2Crank%2Cpunctaj\
//!      &institution_id=eq.3&deleted_at=is.null&order=rank.asc"
//! );
//! ```

use std::fmt::Display;

use serde::Serialize;
use serde_json::Value;

use crate::config::SupabaseConfig;
use crate::encoding::{path_segment, url_with_query};
use crate::error::SupabaseError;
use crate::request::{Body, HttpRequest, Method, Service};

/// The entry point: tables and functions of one schema (`public` unless told otherwise).
#[derive(Clone, Debug)]
pub struct PostgRest {
    base_url: String,
    schema: String,
}

impl PostgRest {
    pub fn new(config: &SupabaseConfig) -> Self {
        Self {
            base_url: config.service_url("/rest/v1"),
            schema: "public".to_owned(),
        }
    }

    /// Another exposed schema (sent as `accept-profile` / `content-profile`).
    pub fn schema(mut self, schema: &str) -> Self {
        self.schema = schema.to_owned();
        self
    }

    pub fn from(&self, table: &str) -> Table {
        Table {
            url: format!("{}/{}", self.base_url, path_segment(table)),
            schema: self.schema.clone(),
        }
    }

    /// `POST /rpc/<function>` with named arguments as a JSON object.
    pub fn rpc(&self, function: &str, args: &impl Serialize) -> Result<Query, SupabaseError> {
        Query::new(self.rpc_url(function), &self.schema, Method::Post).with_body(args)
    }

    /// `GET /rpc/<function>?name=value…`, for functions that only read.
    pub fn rpc_get(&self, function: &str, args: &[(&str, &str)]) -> Query {
        let mut query = Query::new(self.rpc_url(function), &self.schema, Method::Get);
        for (name, value) in args {
            query.params.push(((*name).to_owned(), (*value).to_owned()));
        }
        query
    }

    fn rpc_url(&self, function: &str) -> String {
        format!("{}/rpc/{}", self.base_url, path_segment(function))
    }
}

/// One table or view, before the operation is chosen.
#[derive(Clone, Debug)]
pub struct Table {
    url: String,
    schema: String,
}

impl Table {
    /// `GET` of the given columns: `"*"`, `"id,name"`, `"alias:column"`, `"id,cities(name)"`.
    pub fn select(self, columns: &str) -> Query {
        Query::new(self.url, &self.schema, Method::Get)
            .with_param("select", &clean_columns(columns))
    }

    /// `POST` of one row (a JSON object) or several (an array). Nothing comes back unless
    /// `.select(…)` asks for it.
    pub fn insert(self, rows: &impl Serialize) -> Result<Query, SupabaseError> {
        let mut query = Query::new(self.url, &self.schema, Method::Post);
        query.set_columns_of(rows)?;
        query.with_body(rows)
    }

    /// `POST` that updates the rows that already exist (`merge-duplicates`) or leaves them
    /// alone (`ignore-duplicates`); `on_conflict` names the unique columns to match on when
    /// they are not the primary key.
    pub fn upsert(
        self,
        rows: &impl Serialize,
        on_conflict: Option<&str>,
        ignore_duplicates: bool,
    ) -> Result<Query, SupabaseError> {
        let resolution = if ignore_duplicates {
            "resolution=ignore-duplicates"
        } else {
            "resolution=merge-duplicates"
        };
        let mut query = Query::new(self.url, &self.schema, Method::Post).with_prefer(resolution);
        if let Some(columns) = on_conflict {
            query.set_param("on_conflict", columns);
        }
        query.set_columns_of(rows)?;
        query.with_body(rows)
    }

    /// `PATCH` of the rows the filters select.
    pub fn update(self, values: &impl Serialize) -> Result<Query, SupabaseError> {
        Query::new(self.url, &self.schema, Method::Patch).with_body(values)
    }

    /// `DELETE` of the rows the filters select.
    pub fn delete(self) -> Query {
        Query::new(self.url, &self.schema, Method::Delete)
    }
}

/// The operand of `is`: PostgREST accepts only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsValue {
    Null,
    True,
    False,
    Unknown,
}

impl IsValue {
    fn as_str(self) -> &'static str {
        match self {
            IsValue::Null => "null",
            IsValue::True => "true",
            IsValue::False => "false",
            IsValue::Unknown => "unknown",
        }
    }
}

/// A request being shaped by filters and modifiers; [`Query::build`] makes it an
/// [`HttpRequest`].
#[derive(Clone, Debug)]
#[must_use = "a query does nothing until it is built and executed"]
pub struct Query {
    url: String,
    schema: String,
    method: Method,
    /// In the order supabase-js writes them (servers don't care; the wire tests do).
    params: Vec<(String, String)>,
    prefer: Vec<String>,
    accept: &'static str,
    body: Option<String>,
}

impl Query {
    fn new(url: String, schema: &str, method: Method) -> Self {
        Self {
            url,
            schema: schema.to_owned(),
            method,
            params: Vec::new(),
            prefer: Vec::new(),
            accept: "*/*",
            body: None,
        }
    }

    pub fn eq(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "eq", value)
    }

    pub fn neq(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "neq", value)
    }

    pub fn gt(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "gt", value)
    }

    pub fn gte(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "gte", value)
    }

    pub fn lt(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "lt", value)
    }

    pub fn lte(self, column: &str, value: impl Display) -> Self {
        self.filter(column, "lte", value)
    }

    /// SQL `LIKE`; `%` matches any text (`*` works too and needs no escaping).
    pub fn like(self, column: &str, pattern: &str) -> Self {
        self.filter(column, "like", pattern)
    }

    /// Case-insensitive `LIKE`.
    pub fn ilike(self, column: &str, pattern: &str) -> Self {
        self.filter(column, "ilike", pattern)
    }

    pub fn is(self, column: &str, value: IsValue) -> Self {
        self.filter(column, "is", value.as_str())
    }

    /// `column=in.(a,b,"c,d")`: values holding PostgREST's reserved characters are quoted.
    pub fn in_<V: Display>(self, column: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list = values
            .into_iter()
            .map(|value| in_list_item(&value.to_string()))
            .collect::<Vec<_>>()
            .join(",");
        self.filter(column, "in", format!("({list})"))
    }

    /// The negation of another filter: `not("rank", "in", "(1,2)")`.
    pub fn not(self, column: &str, operator: &str, value: impl Display) -> Self {
        self.filter(column, &format!("not.{operator}"), value)
    }

    /// Any PostgREST operator: `column=<operator>.<value>`, the value sent as given.
    pub fn filter(mut self, column: &str, operator: &str, value: impl Display) -> Self {
        self.params
            .push((column.to_owned(), format!("{operator}.{value}")));
        self
    }

    /// Adds an ordering; several calls order by several columns, in call order.
    /// `nulls_first: None` keeps PostgreSQL's default for the direction.
    pub fn order(mut self, column: &str, ascending: bool, nulls_first: Option<bool>) -> Self {
        let direction = if ascending { "asc" } else { "desc" };
        let nulls = match nulls_first {
            None => "",
            Some(true) => ".nullsfirst",
            Some(false) => ".nullslast",
        };
        let term = format!("{column}.{direction}{nulls}");
        let order = match self.param("order") {
            Some(existing) => format!("{existing},{term}"),
            None => term,
        };
        self.set_param("order", &order);
        self
    }

    /// Rows `from..=to` (zero-based, inclusive), sent as `offset` and `limit`.
    pub fn range(mut self, from: u64, to: u64) -> Self {
        self.set_param("offset", &from.to_string());
        self.set_param("limit", &(to.saturating_sub(from) + 1).to_string());
        self
    }

    pub fn limit(mut self, count: u64) -> Self {
        self.set_param("limit", &count.to_string());
        self
    }

    /// Exactly one row, as a JSON object: PostgREST answers 406 `PGRST116` otherwise. For
    /// "zero or one", don't call this: decode with
    /// [`HttpResponse::maybe_single`](crate::HttpResponse::maybe_single), as supabase-js does.
    pub fn single(mut self) -> Self {
        self.accept = "application/vnd.pgrst.object+json";
        self
    }

    /// Ask for the total number of matching rows, read back with
    /// [`HttpResponse::count`](crate::HttpResponse::count).
    pub fn count_exact(self) -> Self {
        self.with_prefer("count=exact")
    }

    /// `HEAD` instead of `GET`: the count without the rows.
    pub fn head(mut self) -> Self {
        self.method = Method::Head;
        self
    }

    /// After `insert`, `upsert`, `update` or `delete`: return the affected rows with these
    /// columns.
    pub fn select(mut self, columns: &str) -> Self {
        self.set_param("select", &clean_columns(columns));
        if !self.method.is_read() {
            self = self.with_prefer("return=representation");
        }
        self
    }

    pub fn build(self) -> HttpRequest {
        let params = self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let mut request = HttpRequest::new(
            Service::Rest,
            self.method,
            url_with_query(&self.url, params),
        )
        .with_header("accept", self.accept);
        if !self.prefer.is_empty() {
            request = request.with_header("prefer", &self.prefer.join(", "));
        }
        request = if self.method.is_read() {
            request.with_header("accept-profile", &self.schema)
        } else {
            request
                .with_header("content-type", "application/json")
                .with_header("content-profile", &self.schema)
        };
        match self.body {
            Some(json) => request.with_body(Body::Json(json)),
            None => request,
        }
    }

    /// The body as the caller's `Serialize` writes it (struct fields in declaration order).
    fn with_body(mut self, body: &impl Serialize) -> Result<Self, SupabaseError> {
        self.body = Some(serde_json::to_string(body).map_err(not_json)?);
        Ok(self)
    }

    fn with_prefer(mut self, preference: &str) -> Self {
        if !self.prefer.iter().any(|p| p == preference) {
            self.prefer.push(preference.to_owned());
        }
        self
    }

    fn with_param(mut self, name: &str, value: &str) -> Self {
        self.set_param(name, value);
        self
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces a parameter in place, or appends it (`URLSearchParams.set`).
    fn set_param(&mut self, name: &str, value: &str) {
        match self.params.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = value.to_owned(),
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
    }

    /// For an array of rows, PostgREST needs `columns` to know which keys to read: rows may
    /// lack some keys, and a missing key must not drop the column for every row.
    fn set_columns_of(&mut self, rows: &impl Serialize) -> Result<(), SupabaseError> {
        let Value::Array(rows) = serde_json::to_value(rows).map_err(not_json)? else {
            return Ok(());
        };
        let mut columns: Vec<&str> = Vec::new();
        for key in rows
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|row| row.keys())
        {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
        if !columns.is_empty() {
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            self.set_param("columns", &quoted.join(","));
        }
        Ok(())
    }
}

fn not_json(error: serde_json::Error) -> SupabaseError {
    SupabaseError::InvalidRequest(format!("the body cannot be written as JSON: {error}"))
}

/// Whitespace outside double quotes is dropped, as supabase-js does (`"id, name"` → `id,name`).
fn clean_columns(columns: &str) -> String {
    let mut quoted = false;
    columns
        .chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            quoted || !c.is_whitespace()
        })
        .collect()
}

/// PostgREST splits an `in` list on commas and parentheses, so values containing those (or
/// quotes, backslashes, spaces, or nothing at all) go in double quotes, with `"` and `\`
/// escaped.
fn in_list_item(value: &str) -> String {
    let needs_quotes = value.is_empty()
        || value
            .chars()
            .any(|c| matches!(c, ',' | '(' | ')' | '"' | '\\') || c.is_whitespace());
    if needs_quotes {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest() -> PostgRest {
        let key = crate::jwt::tests::unsigned_jwt(&serde_json::json!({"role": "anon"}));
        PostgRest::new(&SupabaseConfig::new("https://abc.supabase.co", &key).unwrap())
    }

    fn query_of(request: &HttpRequest) -> &str {
        request.url.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    #[test]
    fn in_list_quotes_only_what_postgrest_would_split() {
        let request = rest()
            .from("cities")
            .select("*")
            .in_(
                "name",
                ["Valentine", "Saint Denis", "a,b", "x(y)", "say \"hi\"", ""],
            )
            .build();
        let decoded: Vec<(String, String)> = form_urlencoded::parse(query_of(&request).as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            decoded[1],
            (
                "name".to_owned(),
                r#"in.(Valentine,"Saint Denis","a,b","x(y)","say \"hi\"","")"#.to_owned()
            )
        );
    }

    #[test]
    fn filters_keep_their_order_and_operators() {
        let request = rest()
            .from("employees")
            .select("id")
            .neq("rank", 1)
            .gte("punctaj", 10)
            .lte("punctaj", 20)
            .lt("rank", 5)
            .like("fields->>DISCORD", "%ana%")
            .ilike("fields->>NUME IC", "*popescu*")
            .is("deleted_at", IsValue::Null)
            .not("rank", "in", "(1,2)")
            .build();
        let decoded: Vec<(String, String)> = form_urlencoded::parse(query_of(&request).as_bytes())
            .into_owned()
            .collect();
        let expected = [
            ("select", "id"),
            ("rank", "neq.1"),
            ("punctaj", "gte.10"),
            ("punctaj", "lte.20"),
            ("rank", "lt.5"),
            ("fields->>DISCORD", "like.%ana%"),
            ("fields->>NUME IC", "ilike.*popescu*"),
            ("deleted_at", "is.null"),
            ("rank", "not.in.(1,2)"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn orders_accumulate_and_limit_overrides_range() {
        let request = rest()
            .from("employees")
            .select("id")
            .order("rank", true, None)
            .order("punctaj", false, Some(false))
            .range(50, 99)
            .limit(10)
            .build();
        assert_eq!(
            query_of(&request),
            "select=id&order=rank.asc%2Cpunctaj.desc.nullslast&offset=50&limit=10"
        );
    }

    #[test]
    fn select_drops_whitespace_outside_quotes() {
        assert_eq!(
            clean_columns(" id, name ,\"NUME IC\" "),
            "id,name,\"NUME IC\""
        );
    }

    #[test]
    fn count_exact_on_get_keeps_the_rows() {
        let request = rest().from("cities").select("id").count_exact().build();
        assert_eq!(request.method, Method::Get);
        assert_eq!(request.header("prefer"), Some("count=exact"));
    }

    #[test]
    fn delete_returning_rows_asks_for_representation() {
        let request = rest()
            .from("employees")
            .delete()
            .eq("id", 5)
            .select("id")
            .build();
        assert_eq!(query_of(&request), "id=eq.5&select=id");
        assert_eq!(request.header("prefer"), Some("return=representation"));
    }

    #[test]
    fn rpc_get_passes_arguments_in_the_query() {
        let request = rest().rpc_get("my_access", &[("p_hint", "a b")]).build();
        assert_eq!(
            request.url,
            "https://abc.supabase.co/rest/v1/rpc/my_access?p_hint=a+b"
        );
    }
}
