//! Parsing of PostgREST query strings: `select`, filters, `or`/`and`, `order`, `limit`/`offset`,
//! `columns`, `on_conflict`. Pure: no schema knowledge, no SQL.
//!
//! The grammar follows PostgREST's `src/PostgREST/ApiRequest/QueryParams.hs` (v12–v13): field
//! names are `[A-Za-z0-9_ $]` runs joined by `-`, or double-quoted; aliases use `alias:field`;
//! embeds `name[!hint][!inner](…)`; JSON paths `->`/`->>`. Errors are PGRST100 with PostgREST's
//! message form `"failed to parse <what> (<value>)" (line 1, column N)`. Anything that does not
//! parse is refused here, before any SQL exists, so `select=id;drop table x` never reaches the
//! database.

use std::collections::BTreeMap;

/// Path of embedded resources a parameter applies to (`employees.limit` → `["employees"]`).
pub type EmbedPath = Vec<String>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonKey {
    Key(String),
    Index(i64),
}

/// `->` (keeps JSON) or `->>` (text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonStep {
    pub as_text: bool,
    pub key: JsonKey,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub json_path: Vec<JsonStep>,
}

impl Field {
    pub fn plain(name: &str) -> Field {
        Field {
            name: name.to_string(),
            json_path: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectItem {
    Star,
    Field {
        field: Field,
        alias: Option<String>,
        cast: Option<String>,
    },
    Embed {
        relation: String,
        alias: Option<String>,
        hint: Option<String>,
        inner: bool,
        children: Vec<SelectItem>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    Ilike,
    Match,
    Imatch,
    /// Array/range containment (`@>`), contained (`<@`), overlap (`&&`).
    Contains,
    Contained,
    Overlap,
    IsDistinct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriValue {
    Null,
    True,
    False,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    Compare(CompareOp, String),
    In(Vec<String>),
    Is(TriValue),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub field: Field,
    pub negated: bool,
    pub operation: Operation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogicTree {
    Filter(Filter),
    Expr {
        negated: bool,
        or: bool,
        children: Vec<LogicTree>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nulls {
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTerm {
    pub field: Field,
    pub descending: Option<bool>,
    pub nulls: Option<Nulls>,
}

/// `limit`/`offset` of one level. `limit: None` means no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub offset: i64,
    pub limit: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedQuery {
    pub select: Vec<SelectItem>,
    /// Filters (each `key=value` and each `or`/`and`) with the embed level they apply to.
    pub filters: Vec<(EmbedPath, LogicTree)>,
    pub order: Vec<(EmbedPath, Vec<OrderTerm>)>,
    pub ranges: BTreeMap<EmbedPath, Range>,
    pub columns: Option<Vec<String>>,
    pub on_conflict: Option<Vec<String>>,
    /// For `GET /rpc/fn`: parameters without an operator are the function's arguments.
    pub rpc_args: Vec<(String, String)>,
    /// Parameters sorted by name, for `Content-Location`.
    pub canonical: String,
}

/// A PGRST100 error: `message` and `details` as PostgREST words them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub details: String,
}

/// Parses a raw (still percent-encoded) query string. `is_rpc_read` makes operator-less
/// parameters function arguments instead of errors.
pub fn parse(raw_query: &str, is_rpc_read: bool) -> Result<ParsedQuery, QueryError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut parsed = ParsedQuery {
        select: vec![SelectItem::Star],
        canonical: canonical(&pairs),
        ..ParsedQuery::default()
    };
    let mut limits: BTreeMap<EmbedPath, i64> = BTreeMap::new();
    let mut offsets: BTreeMap<EmbedPath, i64> = BTreeMap::new();
    for (key, value) in &pairs {
        let last_word = key.rsplit('.').next().unwrap_or(key);
        if key == "select" {
            parsed.select = parse_select(value)?;
        } else if key == "columns" {
            parsed.columns = Some(parse_columns(value, "columns")?);
        } else if key == "on_conflict" {
            parsed.on_conflict = Some(parse_columns(value, "on_conflict")?);
        } else if value.is_empty() {
            // PostgREST drops parameters without a value before classifying them.
            continue;
        } else if last_word == "order" {
            let path = parse_tree_path_prefix(key)?;
            parsed.order.push((path, parse_order(value)?));
        } else if last_word == "limit" || last_word == "offset" {
            let path = parse_tree_path_prefix(key)?;
            // Like PostgREST (`readMaybe`), a value that is not an integer is ignored.
            if let Ok(n) = value.trim().parse::<i64>() {
                if last_word == "limit" {
                    limits.insert(path, n);
                } else {
                    offsets.insert(path, n);
                }
            }
        } else if last_word == "and" || last_word == "or" {
            parsed.filters.push(parse_logic_param(key, value)?);
        } else {
            let (path, field) = parse_tree_path(key)?;
            match parse_operation_expr(value, false) {
                Ok((negated, operation)) => parsed.filters.push((
                    path,
                    LogicTree::Filter(Filter {
                        field,
                        negated,
                        operation,
                    }),
                )),
                Err(e) if is_rpc_read => {
                    let _ = e;
                    parsed.rpc_args.push((key.clone(), value.clone()));
                }
                Err(e) => return Err(e),
            }
        }
    }
    for (path, limit) in &limits {
        let range = parsed.ranges.entry(path.clone()).or_default();
        range.limit = Some(*limit);
    }
    for (path, offset) in &offsets {
        let range = parsed.ranges.entry(path.clone()).or_default();
        range.offset = *offset;
    }
    Ok(parsed)
}

fn canonical(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

// ---------------------------------------------------------------------------------------------
// A character cursor with PostgREST-style error reporting.

struct Cursor<'a> {
    chars: Vec<char>,
    pos: usize,
    /// e.g. `select parameter` — used in the error message.
    what: &'a str,
    source: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(source: &'a str, what: &'a str) -> Cursor<'a> {
        Cursor {
            chars: source.chars().collect(),
            pos: 0,
            what,
            source,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.pos += s.chars().count();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ') | Some('\t')) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> String {
        self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .collect()
    }

    fn error(&self, expecting: &str) -> QueryError {
        let unexpected = match self.peek() {
            Some(c) => format!("unexpected {c:?}"),
            None => "unexpected end of input".to_string(),
        };
        QueryError {
            message: format!(
                "\"failed to parse {} ({})\" (line 1, column {})",
                self.what,
                self.source,
                self.pos + 1
            ),
            details: format!("{unexpected} expecting {expecting}"),
        }
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ' ' || c == '$'
}

/// `"quoted"` (backslash escapes) or identifier runs joined by `-` (a `-` before `>` starts a
/// JSON arrow instead). Spaces around identifier parts are stripped.
fn field_name(cur: &mut Cursor) -> Result<String, QueryError> {
    if cur.peek() == Some('"') {
        return quoted_value(cur);
    }
    let mut parts = Vec::new();
    loop {
        let start = cur.pos;
        while cur.peek().is_some_and(is_identifier_char) {
            cur.pos += 1;
        }
        if cur.pos == start {
            return Err(cur.error("field name (* or [a..z0..9_$])"));
        }
        let part: String = cur.chars[start..cur.pos].iter().collect();
        parts.push(part.trim().to_string());
        if cur.peek() == Some('-') && cur.peek_at(1) != Some('>') {
            cur.pos += 1;
            continue;
        }
        break;
    }
    Ok(parts.join("-"))
}

fn quoted_value(cur: &mut Cursor) -> Result<String, QueryError> {
    if !cur.eat("\"") {
        return Err(cur.error("\"\\\"\""));
    }
    let mut out = String::new();
    loop {
        match cur.peek() {
            None => return Err(cur.error("\"\\\"\"")),
            Some('"') => {
                cur.pos += 1;
                return Ok(out);
            }
            Some('\\') => {
                cur.pos += 1;
                match cur.peek() {
                    Some(c) => {
                        out.push(c);
                        cur.pos += 1;
                    }
                    None => return Err(cur.error("any character")),
                }
            }
            Some(c) => {
                out.push(c);
                cur.pos += 1;
            }
        }
    }
}

fn json_path(cur: &mut Cursor) -> Result<Vec<JsonStep>, QueryError> {
    let mut steps = Vec::new();
    loop {
        let as_text = if cur.starts_with("->>") {
            cur.pos += 3;
            true
        } else if cur.starts_with("->") {
            cur.pos += 2;
            false
        } else {
            return Ok(steps);
        };
        steps.push(JsonStep {
            as_text,
            key: json_operand(cur)?,
        });
    }
}

fn json_operand(cur: &mut Cursor) -> Result<JsonKey, QueryError> {
    // An index: optional '-', digits, then a terminator (`->`, `::`, `.`, `,`, end).
    let start = cur.pos;
    let mut i = cur.pos;
    if cur.chars.get(i) == Some(&'-') {
        i += 1;
    }
    let digits_start = i;
    while cur.chars.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    if i > digits_start {
        let save = cur.pos;
        cur.pos = i;
        let ends = cur.at_end()
            || cur.starts_with("->")
            || cur.starts_with("::")
            || cur.starts_with(".")
            || cur.starts_with(",");
        if ends {
            let text: String = cur.chars[start..i].iter().collect();
            if let Ok(n) = text.parse::<i64>() {
                return Ok(JsonKey::Index(n));
            }
        }
        cur.pos = save;
    }
    if cur.peek() == Some('"') {
        return Ok(JsonKey::Key(quoted_value(cur)?));
    }
    let mut parts = Vec::new();
    loop {
        let begin = cur.pos;
        while cur.peek().is_some_and(|c| !"(-:.,>)".contains(c)) {
            cur.pos += 1;
        }
        if cur.pos == begin {
            return Err(cur.error("any non reserved character different from: .,>()"));
        }
        let part: String = cur.chars[begin..cur.pos].iter().collect();
        parts.push(part.trim().to_string());
        if cur.peek() == Some('-') && cur.peek_at(1) != Some('>') {
            cur.pos += 1;
            continue;
        }
        break;
    }
    Ok(JsonKey::Key(parts.join("-")))
}

fn field(cur: &mut Cursor) -> Result<Field, QueryError> {
    cur.skip_ws();
    let name = field_name(cur)?;
    let json_path = json_path(cur)?;
    cur.skip_ws();
    Ok(Field { name, json_path })
}

/// `:` that is not the start of `::`.
fn at_alias_separator(cur: &Cursor) -> bool {
    cur.peek() == Some(':') && cur.peek_at(1) != Some(':')
}

fn cast_identifier(cur: &mut Cursor) -> Result<String, QueryError> {
    let start = cur.pos;
    while cur.peek().is_some_and(is_identifier_char) {
        cur.pos += 1;
    }
    if cur.pos == start {
        return Err(cur.error("letter or digit"));
    }
    Ok(cur.chars[start..cur.pos]
        .iter()
        .collect::<String>()
        .trim()
        .to_string())
}

// ---------------------------------------------------------------------------------------------
// select

pub fn parse_select(value: &str) -> Result<Vec<SelectItem>, QueryError> {
    let mut cur = Cursor::new(value, "select parameter");
    let items = select_forest(&mut cur, 0)?;
    if !cur.at_end() {
        return Err(cur.error("\",\" or end of input"));
    }
    Ok(items)
}

fn select_forest(cur: &mut Cursor, depth: usize) -> Result<Vec<SelectItem>, QueryError> {
    let mut items = Vec::new();
    cur.skip_ws();
    // `sepBy`: an empty forest is allowed (`select=` or `rel()`).
    if cur.at_end() || cur.peek() == Some(')') {
        return Ok(items);
    }
    loop {
        items.push(select_item(cur, depth)?);
        cur.skip_ws();
        if cur.eat(",") {
            cur.skip_ws();
            continue;
        }
        return Ok(items);
    }
}

fn at_item_end(cur: &Cursor) -> bool {
    cur.at_end() || cur.peek() == Some(',') || cur.peek() == Some(')')
}

fn select_item(cur: &mut Cursor, depth: usize) -> Result<SelectItem, QueryError> {
    cur.skip_ws();
    if cur.peek() == Some('*') {
        cur.pos += 1;
        cur.skip_ws();
        if !at_item_end(cur) {
            return Err(cur.error("\")\", \",\" or end of input"));
        }
        return Ok(SelectItem::Star);
    }
    if cur.starts_with("...") {
        return Err(QueryError {
            message: format!(
                "\"failed to parse select parameter ({})\" (line 1, column {})",
                cur.source,
                cur.pos + 1
            ),
            details: "spread embeds (...) are not supported by the local backend".into(),
        });
    }
    // Optional `alias:` — try a field name followed by a single ':'.
    let save = cur.pos;
    let mut alias = None;
    if let Ok(name) = field_name(cur) {
        if at_alias_separator(cur) {
            cur.pos += 1;
            alias = Some(name);
        } else {
            cur.pos = save;
        }
    } else {
        cur.pos = save;
    }
    cur.skip_ws();
    let name = field_name(cur)?;
    // An embed: name, embed parameters, then '('.
    if cur.peek() == Some('!') || cur.peek() == Some('(') {
        let (hint, inner) = embed_params(cur)?;
        if !cur.eat("(") {
            return Err(cur.error("\"(\""));
        }
        if depth > 16 {
            return Err(cur.error("a shallower embedding"));
        }
        let children = select_forest(cur, depth + 1)?;
        if !cur.eat(")") {
            return Err(cur.error("\")\" or \",\""));
        }
        cur.skip_ws();
        return Ok(SelectItem::Embed {
            relation: name,
            alias,
            hint,
            inner,
            children,
        });
    }
    let json_path = json_path(cur)?;
    let mut cast = None;
    if cur.eat("::") {
        cast = Some(cast_identifier(cur)?);
    }
    cur.skip_ws();
    if !at_item_end(cur) {
        return Err(cur.error(
            "letter, digit, \"-\", \"->>\", \"->\", \"::\", \".\", \")\", \",\" or end of input",
        ));
    }
    Ok(SelectItem::Field {
        field: Field { name, json_path },
        alias,
        cast,
    })
}

/// `!hint`, `!inner`, `!left`, at most two of them.
fn embed_params(cur: &mut Cursor) -> Result<(Option<String>, bool), QueryError> {
    let mut hint = None;
    let mut inner = false;
    for _ in 0..2 {
        if !cur.eat("!") {
            break;
        }
        if cur.starts_with("inner") && !cur.peek_at(5).is_some_and(is_identifier_char) {
            cur.pos += 5;
            inner = true;
        } else if cur.starts_with("left") && !cur.peek_at(4).is_some_and(is_identifier_char) {
            cur.pos += 4;
        } else {
            hint = Some(field_name(cur)?);
        }
    }
    Ok((hint, inner))
}

// ---------------------------------------------------------------------------------------------
// columns, on_conflict

fn parse_columns(value: &str, param: &str) -> Result<Vec<String>, QueryError> {
    let what = format!("{param} parameter");
    let mut cur = Cursor::new(value, &what);
    let mut names = Vec::new();
    loop {
        cur.skip_ws();
        names.push(field_name(&mut cur)?);
        cur.skip_ws();
        if cur.eat(",") {
            continue;
        }
        break;
    }
    if !cur.at_end() {
        return Err(cur.error("\",\" or end of input"));
    }
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// filters

/// `a.b.c` → (`["a","b"]`, field `c` with an optional JSON path).
fn parse_tree_path(key: &str) -> Result<(EmbedPath, Field), QueryError> {
    let what = "tree path";
    let mut cur = Cursor::new(key, what);
    let mut names = vec![field_name(&mut cur)?];
    while cur.peek() == Some('.') {
        cur.pos += 1;
        names.push(field_name(&mut cur)?);
    }
    let json_path = json_path(&mut cur)?;
    if !cur.at_end() {
        return Err(cur.error("\"->\", \"->>\", delimiter (.) or end of input"));
    }
    let name = names.pop().expect("at least one name");
    Ok((names, Field { name, json_path }))
}

/// The embed path before a reserved last word (`employees.limit` → `["employees"]`).
fn parse_tree_path_prefix(key: &str) -> Result<EmbedPath, QueryError> {
    let (mut path, field) = parse_tree_path(key)?;
    // The last element is the reserved word itself.
    let _ = field;
    path.retain(|p| !p.is_empty());
    Ok(path)
}

fn operator_error(cur: &Cursor) -> QueryError {
    cur.error("\"not\" or operator (eq, gt, ...)")
}

/// `[not.]op.value`, `[not.]in.(…)`, `[not.]is.null`.
pub fn parse_operation_expr(value: &str, in_logic: bool) -> Result<(bool, Operation), QueryError> {
    let what = "filter";
    let mut cur = Cursor::new(value, what);
    let (negated, operation) = operation_expr(&mut cur, in_logic)?;
    Ok((negated, operation))
}

fn operation_expr(cur: &mut Cursor, in_logic: bool) -> Result<(bool, Operation), QueryError> {
    let negated = cur.eat("not.");
    let start = cur.pos;
    while cur.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
        cur.pos += 1;
    }
    let op: String = cur.chars[start..cur.pos].iter().collect();
    let compare = |op: &str| -> Option<CompareOp> {
        Some(match op {
            "eq" => CompareOp::Eq,
            "neq" => CompareOp::Neq,
            "gt" => CompareOp::Gt,
            "gte" => CompareOp::Gte,
            "lt" => CompareOp::Lt,
            "lte" => CompareOp::Lte,
            "like" => CompareOp::Like,
            "ilike" => CompareOp::Ilike,
            "match" => CompareOp::Match,
            "imatch" => CompareOp::Imatch,
            "cs" => CompareOp::Contains,
            "cd" => CompareOp::Contained,
            "ov" => CompareOp::Overlap,
            "isdistinct" => CompareOp::IsDistinct,
            _ => return None,
        })
    };
    match op.as_str() {
        "in" => {
            if !cur.eat(".") {
                return Err(cur.error("delimiter (.)"));
            }
            Ok((negated, Operation::In(list_value(cur)?)))
        }
        "is" => {
            if !cur.eat(".") {
                return Err(cur.error("delimiter (.)"));
            }
            let word: String = cur.rest().to_ascii_lowercase();
            let (tri, len) = if word.starts_with("null") {
                (TriValue::Null, 4)
            } else if word.starts_with("unknown") {
                (TriValue::Unknown, 7)
            } else if word.starts_with("true") {
                (TriValue::True, 4)
            } else if word.starts_with("false") {
                (TriValue::False, 5)
            } else {
                return Err(cur.error("null or trilean value (unknown, true, false)"));
            };
            cur.pos += len;
            Ok((negated, Operation::Is(tri)))
        }
        other => {
            let Some(op) = compare(other) else {
                cur.pos = start;
                return Err(operator_error(cur));
            };
            // `eq(any)` / `eq(all)` quantifiers are not supported.
            if !cur.eat(".") {
                return Err(cur.error("delimiter (.)"));
            }
            let value = if in_logic {
                logic_single_value(cur)?
            } else {
                cur.rest()
            };
            if !in_logic {
                cur.pos = cur.chars.len();
            }
            Ok((negated, Operation::Compare(op, value)))
        }
    }
}

/// `(a,"b,c",d)`
fn list_value(cur: &mut Cursor) -> Result<Vec<String>, QueryError> {
    cur.skip_ws();
    if !cur.eat("(") {
        return Err(cur.error("\"(\""));
    }
    cur.skip_ws();
    let mut values = Vec::new();
    loop {
        values.push(list_element(cur)?);
        if cur.eat(",") {
            continue;
        }
        break;
    }
    cur.skip_ws();
    if !cur.eat(")") {
        return Err(cur.error("\",\" or \")\""));
    }
    cur.skip_ws();
    Ok(values)
}

fn list_element(cur: &mut Cursor) -> Result<String, QueryError> {
    if cur.peek() == Some('"') {
        let save = cur.pos;
        if let Ok(v) = quoted_value(cur)
            && matches!(cur.peek(), Some(',') | Some(')'))
        {
            return Ok(v);
        }
        cur.pos = save;
    }
    let start = cur.pos;
    while cur.peek().is_some_and(|c| c != ',' && c != ')') {
        cur.pos += 1;
    }
    Ok(cur.chars[start..cur.pos].iter().collect())
}

/// A value inside `or=(…)`: quoted, a `{…}` array literal, or up to the next `,`/`)`.
fn logic_single_value(cur: &mut Cursor) -> Result<String, QueryError> {
    if cur.peek() == Some('"') {
        let save = cur.pos;
        if let Ok(v) = quoted_value(cur)
            && matches!(cur.peek(), Some(',') | Some(')') | None)
        {
            return Ok(v);
        }
        cur.pos = save;
    }
    if cur.peek() == Some('{') {
        let start = cur.pos;
        let mut i = cur.pos + 1;
        while cur.chars.get(i).is_some_and(|c| *c != '{' && *c != '}') {
            i += 1;
        }
        if cur.chars.get(i) == Some(&'}') {
            cur.pos = i + 1;
            return Ok(cur.chars[start..cur.pos].iter().collect());
        }
    }
    let start = cur.pos;
    while cur.peek().is_some_and(|c| c != ',' && c != ')') {
        cur.pos += 1;
    }
    Ok(cur.chars[start..cur.pos].iter().collect())
}

// ---------------------------------------------------------------------------------------------
// or / and

fn parse_logic_param(key: &str, value: &str) -> Result<(EmbedPath, LogicTree), QueryError> {
    let what = format!("logic path ({key})");
    let mut cur = Cursor::new(key, &what);
    let mut names = vec![field_name(&mut cur)?];
    while cur.eat(".") {
        names.push(field_name(&mut cur)?);
    }
    let op = names.pop().expect("a name");
    let negated = names.last().is_some_and(|n| n == "not");
    let path: EmbedPath = names.into_iter().filter(|n| n != "not").collect();
    let what = "logic tree";
    let prefixed = format!("{}{}{}", if negated { "not." } else { "" }, op, value);
    let mut cur = Cursor::new(&prefixed, what);
    let tree = logic_tree(&mut cur, 0)?;
    cur.skip_ws();
    if !cur.at_end() {
        return Err(cur.error("end of input"));
    }
    Ok((path, tree))
}

fn logic_tree(cur: &mut Cursor, depth: usize) -> Result<LogicTree, QueryError> {
    if depth > 32 {
        return Err(cur.error("a shallower logic tree"));
    }
    cur.skip_ws();
    // A filter first (`field.op.value`), else a nested `[not.]and(…)`/`[not.]or(…)`.
    let save = cur.pos;
    if let Ok(filter) = logic_filter(cur) {
        return Ok(LogicTree::Filter(filter));
    }
    cur.pos = save;
    let negated = cur.eat("not.");
    let or = if cur.eat("and") {
        false
    } else if cur.eat("or") {
        true
    } else {
        return Err(cur.error(
            "field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)",
        ));
    };
    cur.skip_ws();
    if !cur.eat("(") {
        return Err(cur.error("\"(\""));
    }
    let mut children = Vec::new();
    loop {
        children.push(logic_tree(cur, depth + 1)?);
        cur.skip_ws();
        if cur.eat(",") {
            continue;
        }
        break;
    }
    cur.skip_ws();
    if !cur.eat(")") {
        return Err(cur.error("\",\" or \")\""));
    }
    Ok(LogicTree::Expr {
        negated,
        or,
        children,
    })
}

fn logic_filter(cur: &mut Cursor) -> Result<Filter, QueryError> {
    let field = field(cur)?;
    if !cur.eat(".") {
        return Err(cur.error("delimiter (.)"));
    }
    let (negated, operation) = operation_expr(cur, true)?;
    Ok(Filter {
        field,
        negated,
        operation,
    })
}

// ---------------------------------------------------------------------------------------------
// order

pub fn parse_order(value: &str) -> Result<Vec<OrderTerm>, QueryError> {
    let mut cur = Cursor::new(value, "order");
    let mut terms = Vec::new();
    loop {
        cur.skip_ws();
        let field = field(&mut cur)?;
        if cur.peek() == Some('(') {
            return Err(QueryError {
                message: format!(
                    "\"failed to parse order ({value})\" (line 1, column {})",
                    cur.pos + 1
                ),
                details: "ordering by a related resource is not supported by the local backend"
                    .into(),
            });
        }
        let mut descending = None;
        let mut nulls = None;
        if cur.starts_with(".asc") && !cur.peek_at(4).is_some_and(char::is_alphanumeric) {
            cur.pos += 4;
            descending = Some(false);
        } else if cur.starts_with(".desc") && !cur.peek_at(5).is_some_and(char::is_alphanumeric) {
            cur.pos += 5;
            descending = Some(true);
        }
        if cur.starts_with(".nullsfirst") {
            cur.pos += 11;
            nulls = Some(Nulls::First);
        } else if cur.starts_with(".nullslast") {
            cur.pos += 10;
            nulls = Some(Nulls::Last);
        }
        cur.skip_ws();
        terms.push(OrderTerm {
            field,
            descending,
            nulls,
        });
        if cur.eat(",") {
            continue;
        }
        if !cur.at_end() {
            return Err(if cur.peek() == Some('.') {
                cur.error("\"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"")
            } else {
                cur.error(
                    "letter, digit, \"-\", \"->>\", \"->\", delimiter (.), \",\" or end of input",
                )
            });
        }
        return Ok(terms);
    }
}

// ---------------------------------------------------------------------------------------------

/// PostgREST's `in.(…)` list as a PostgreSQL array literal (`pgBuildArrayLiteral`): every
/// element double-quoted with `\` and `"` escaped. It is bound as a parameter, never inlined.
pub fn array_literal(values: &[String]) -> String {
    let escaped: Vec<String> = values
        .iter()
        .map(|v| {
            let v = v.replace('\0', "");
            format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
        })
        .collect();
    format!("{{{}}}", escaped.join(","))
}

/// `like`/`ilike` use `*` as the wildcard in URLs (PostgREST maps it to `%`).
pub fn like_pattern(value: &str) -> String {
    value.replace('*', "%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_item(name: &str) -> SelectItem {
        SelectItem::Field {
            field: Field::plain(name),
            alias: None,
            cast: None,
        }
    }

    #[test]
    fn select_columns_aliases_casts_and_embeds() {
        let items =
            parse_select("id, name,label:name::text,cities!inner(name,country:countries(*))")
                .unwrap();
        assert_eq!(items[0], field_item("id"));
        assert_eq!(items[1], field_item("name"));
        assert_eq!(
            items[2],
            SelectItem::Field {
                field: Field::plain("name"),
                alias: Some("label".into()),
                cast: Some("text".into())
            }
        );
        let SelectItem::Embed {
            relation,
            inner,
            children,
            ..
        } = &items[3]
        else {
            panic!("embed expected")
        };
        assert_eq!(relation, "cities");
        assert!(inner);
        assert_eq!(children[0], field_item("name"));
        assert_eq!(
            children[1],
            SelectItem::Embed {
                relation: "countries".into(),
                alias: Some("country".into()),
                hint: None,
                inner: false,
                children: vec![SelectItem::Star]
            }
        );
    }

    #[test]
    fn select_json_path_and_quoted_names() {
        let items = parse_select("fields->>DISCORD,\"NUME IC\",data->0->x").unwrap();
        assert_eq!(
            items[0],
            SelectItem::Field {
                field: Field {
                    name: "fields".into(),
                    json_path: vec![JsonStep {
                        as_text: true,
                        key: JsonKey::Key("DISCORD".into())
                    }]
                },
                alias: None,
                cast: None
            }
        );
        assert_eq!(items[1], field_item("NUME IC"));
        let SelectItem::Field { field, .. } = &items[2] else {
            panic!()
        };
        assert_eq!(field.json_path[0].key, JsonKey::Index(0));
        assert_eq!(field.json_path[1].key, JsonKey::Key("x".into()));
    }

    #[test]
    fn hostile_select_is_refused() {
        for bad in [
            "id;drop table x",
            "id)",
            "*,pg_sleep(1)x",
            "id'--",
            "(select 1)",
            "id::text;",
        ] {
            let err = parse_select(bad).unwrap_err();
            assert!(
                err.message
                    .starts_with("\"failed to parse select parameter ("),
                "{bad}: {err:?}"
            );
        }
        // Spaces are identifier characters: this parses as the column "name from cities",
        // which the planner then refuses (42703).
        assert_eq!(
            parse_select("name from cities").unwrap()[0],
            field_item("name from cities")
        );
        let err = parse_select("id;drop table x").unwrap_err();
        assert_eq!(
            err.message,
            "\"failed to parse select parameter (id;drop table x)\" (line 1, column 3)"
        );
        assert!(err.details.starts_with("unexpected ';' expecting"));
    }

    #[test]
    fn filters_and_values() {
        let q = parse(
            "select=*&device_id=eq.dev-1&seq=gt.10&order=created_at.asc&limit=100",
            false,
        )
        .unwrap();
        assert_eq!(q.filters.len(), 2);
        assert_eq!(
            q.filters[0].1,
            LogicTree::Filter(Filter {
                field: Field::plain("device_id"),
                negated: false,
                operation: Operation::Compare(CompareOp::Eq, "dev-1".into())
            })
        );
        assert_eq!(
            q.ranges[&vec![]],
            Range {
                offset: 0,
                limit: Some(100)
            }
        );
        assert_eq!(q.order[0].1[0].descending, Some(false));
    }

    #[test]
    fn in_is_not_and_like() {
        let q = parse(
            "institution_id=in.%281%2C2%2C3%29&deleted_at=is.null&name=not.ilike.*ana*&tag=in.(\"a,b\",c)&x=is.TRUE",
            false,
        )
        .unwrap();
        let ops: Vec<_> = q
            .filters
            .iter()
            .map(|(_, t)| match t {
                LogicTree::Filter(f) => (f.negated, f.operation.clone()),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            ops[0],
            (
                false,
                Operation::In(vec!["1".into(), "2".into(), "3".into()])
            )
        );
        assert_eq!(ops[1], (false, Operation::Is(TriValue::Null)));
        assert_eq!(
            ops[2],
            (true, Operation::Compare(CompareOp::Ilike, "*ana*".into()))
        );
        assert_eq!(
            ops[3],
            (false, Operation::In(vec!["a,b".into(), "c".into()]))
        );
        assert_eq!(ops[4], (false, Operation::Is(TriValue::True)));
        assert_eq!(like_pattern("*ana*"), "%ana%");
    }

    #[test]
    fn injection_in_values_stays_a_value() {
        let q = parse("name=eq.x%27%29%3B%20drop%20table%20cities%3B--", false).unwrap();
        assert_eq!(
            q.filters[0].1,
            LogicTree::Filter(Filter {
                field: Field::plain("name"),
                negated: false,
                operation: Operation::Compare(CompareOp::Eq, "x'); drop table cities;--".into())
            })
        );
    }

    #[test]
    fn bad_filters() {
        let err = parse("id=noop.1", false).unwrap_err();
        assert_eq!(
            err.message,
            "\"failed to parse filter (noop.1)\" (line 1, column 1)"
        );
        assert!(parse("id=5", false).is_err());
        assert!(parse("id=is.maybe", false).is_err());
        assert!(parse("id=in.1,2", false).is_err());
        assert!(parse("na;me=eq.1", false).is_err());
        // Operator-less parameters are function arguments on GET /rpc.
        let q = parse("p_id=5&p_name=ana", true).unwrap();
        assert_eq!(
            q.rpc_args,
            vec![("p_id".into(), "5".into()), ("p_name".into(), "ana".into())]
        );
    }

    #[test]
    fn order_terms() {
        let terms = parse_order("last_name.desc.nullsfirst,id").unwrap();
        assert_eq!(terms[0].field, Field::plain("last_name"));
        assert_eq!(terms[0].descending, Some(true));
        assert_eq!(terms[0].nulls, Some(Nulls::First));
        assert_eq!(terms[1].descending, None);
        // Spaces belong to identifiers in PostgREST's grammar: `name desc` is one (unknown)
        // column, refused later against the schema cache.
        assert_eq!(parse_order("name desc").unwrap()[0].field.name, "name desc");
        for bad in [
            "name;delete",
            "name.sideways",
            "name.asc.nullsmiddle",
            "id)",
            "name,",
        ] {
            assert!(parse_order(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logic_trees() {
        let q = parse("or=(id.eq.1,and(name.like.a*,id.in.(2,3)))&not.and=(a.is.null)&employees.or=(rank.gt.2)", false).unwrap();
        let LogicTree::Expr {
            or,
            children,
            negated,
        } = &q.filters[0].1
        else {
            panic!()
        };
        assert!(or);
        assert!(!negated);
        assert_eq!(children.len(), 2);
        let LogicTree::Expr {
            or: inner_or,
            children: inner,
            ..
        } = &children[1]
        else {
            panic!()
        };
        assert!(!inner_or);
        assert_eq!(
            inner[1],
            LogicTree::Filter(Filter {
                field: Field::plain("id"),
                negated: false,
                operation: Operation::In(vec!["2".into(), "3".into()])
            })
        );
        let LogicTree::Expr { negated, .. } = &q.filters[1].1 else {
            panic!()
        };
        assert!(negated);
        assert_eq!(q.filters[2].0, vec!["employees".to_string()]);
        assert!(parse("or=(id.eq.1", false).is_err());
        assert!(parse("or=(id.eq.1))", false).is_err());
    }

    #[test]
    fn ranges_and_columns() {
        let q = parse(
            "offset=10&limit=5&employees.limit=2&columns=%22id%22%2C%22name%22&on_conflict=key&limit2=eq.1",
            false,
        )
        .unwrap();
        assert_eq!(
            q.ranges[&vec![]],
            Range {
                offset: 10,
                limit: Some(5)
            }
        );
        assert_eq!(
            q.ranges[&vec!["employees".to_string()]],
            Range {
                offset: 0,
                limit: Some(2)
            }
        );
        assert_eq!(q.columns, Some(vec!["id".to_string(), "name".to_string()]));
        assert_eq!(q.on_conflict, Some(vec!["key".to_string()]));
        assert!(parse("columns=id;x", false).is_err());
        // Non-numeric limits are ignored, as PostgREST does.
        assert_eq!(parse("limit=abc", false).unwrap().ranges.len(), 0);
    }

    #[test]
    fn array_literals_escape_quotes_and_backslashes() {
        assert_eq!(
            array_literal(&["a".into(), "b\"c".into(), "d\\e".into(), "".into()]),
            r#"{"a","b\"c","d\\e",""}"#
        );
    }

    #[test]
    fn canonical_query_is_sorted() {
        let q = parse("select=*&key=eq.last_sync", false).unwrap();
        assert_eq!(q.canonical, "key=eq.last_sync&select=%2A");
    }
}
