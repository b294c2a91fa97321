//! A small GraphQL executor over GitHub's published schema (`@octokit/graphql-schema`,
//! vendored in `tests/fixtures/github/schema.graphql`), used by the mock GitHub.
//!
//! Every document ao sends is validated against the schema (apollo-compiler; the schema
//! has two duplicate-field definitions, so its partial form is assumed valid). The answer
//! is then *computed from the query* over a "world" of objects written in the schema's own
//! terms (`PullRequest.headRefOid`, `reviewThreads.nodes`, …): aliases, fragments, inline
//! fragments on unions, `first`/`last` slicing and `__typename` are honoured, and every
//! value produced is checked against the field's schema type (non-null, enum values,
//! scalar kinds). So the responses are shaped by GitHub's schema and ao's query, never by
//! what ao's parser expects.

use std::sync::OnceLock;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::ast::{Type, Value as GValue};
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

/// GitHub's schema, parsed once per test process.
pub fn schema() -> &'static Valid<Schema> {
    static S: OnceLock<Valid<Schema>> = OnceLock::new();
    S.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/github/schema.graphql"
        );
        let src = std::fs::read_to_string(path).expect("vendored schema.graphql");
        match Schema::parse_and_validate(src, path) {
            Ok(s) => s,
            // The published schema defines two fields twice
            // (EnterpriseOwnerInfo.repositoryDeployKeySetting*); everything else is sound.
            Err(e) => Valid::assume_valid(e.partial),
        }
    })
}

/// Validates `query` against the schema; `Err` carries apollo's diagnostics.
pub fn validate(query: &str) -> Result<Valid<ExecutableDocument>, String> {
    validate_in(schema(), query)
}

/// Validates `query` against `schema`; `Err` carries apollo's diagnostics.
pub fn validate_in(
    schema: &Valid<Schema>,
    query: &str,
) -> Result<Valid<ExecutableDocument>, String> {
    ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
        .map_err(|e| e.errors.to_string())
}

/// Checks that `variables` supplies every declared variable with a value of the right
/// kind. Returns the problems found.
pub fn check_variables(doc: &ExecutableDocument, variables: &Value) -> Vec<String> {
    check_variables_in(schema(), doc, variables)
}

/// [`check_variables`] against `schema`.
pub fn check_variables_in(
    schema: &Valid<Schema>,
    doc: &ExecutableDocument,
    variables: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(op) = doc.operations.get(None) else {
        return vec!["no single operation".into()];
    };
    for v in &op.variables {
        let given = variables.get(v.name.as_str()).unwrap_or(&Value::Null);
        if let Err(p) = check_value(schema, &v.ty, given, &format!("${}", v.name)) {
            problems.push(p);
        }
    }
    problems
}

/// GitHub-style cost estimate of a query (docs: "Calculating a rate limit score"): each
/// connection counts one request per parent object it may be asked for, assuming every
/// `first`/`last` is filled; the sum divided by 100, rounded, at least 1. Returns
/// `(requests, points)`.
pub fn estimate_cost(doc: &ExecutableDocument) -> (u64, u64) {
    fn walk(doc: &ExecutableDocument, set: &SelectionSet, mult: u64, sum: &mut u64) {
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => {
                    let size = f
                        .arguments
                        .iter()
                        .find(|a| a.name == "first" || a.name == "last")
                        .and_then(|a| match a.value.as_ref() {
                            GValue::Int(i) => i.try_to_i32().ok(),
                            _ => Some(100),
                        });
                    match size {
                        Some(n) => {
                            *sum += mult;
                            walk(doc, &f.selection_set, mult * n.max(1) as u64, sum);
                        }
                        None => walk(doc, &f.selection_set, mult, sum),
                    }
                }
                Selection::FragmentSpread(s) => {
                    if let Some(fr) = doc.fragments.get(&s.fragment_name) {
                        walk(doc, &fr.selection_set, mult, sum);
                    }
                }
                Selection::InlineFragment(i) => walk(doc, &i.selection_set, mult, sum),
            }
        }
    }
    let mut sum = 0;
    if let Ok(op) = doc.operations.get(None) {
        walk(doc, &op.selection_set, 1, &mut sum);
    }
    let points = ((sum as f64) / 100.0).round().max(1.0) as u64;
    (sum, points)
}

/// The data a query runs over: repositories by `owner/name` (each a `Repository`-like
/// object whose `pullRequests` key holds all its PRs) and the `rateLimit` object.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// `owner/name` → repository object.
    pub repos: Map<String, Value>,
    /// `rateLimit` object.
    pub rate_limit: Value,
}

/// Executes a validated `doc` over `world`. Returns the full response body
/// (`{"data": …, "errors": […]}`) and the schema violations found in the world data.
pub fn execute(doc: &ExecutableDocument, variables: &Value, world: &World) -> (Value, Vec<String>) {
    run(Exec {
        schema: schema(),
        doc,
        vars: variables,
        world,
        hook: None,
        errors: Vec::new(),
        violations: Vec::new(),
    })
}

/// A resolver for another API's root fields: `(parent type, field, arguments, parent
/// object)` → `None` to read the field from the object, `Some(Ok(value))` to answer it,
/// `Some(Err(message))` for a not-found error at that path.
pub type Hook<'a> = &'a dyn Fn(&str, &str, &Value, &Value) -> Option<Result<Value, String>>;

/// Executes `doc` against another `schema`, starting from `root` (the `Query` object),
/// with `hook` answering the fields that take arguments. Same checks as [`execute`].
pub fn execute_in(
    schema: &Valid<Schema>,
    doc: &ExecutableDocument,
    variables: &Value,
    hook: Hook<'_>,
) -> (Value, Vec<String>) {
    let world = World::default();
    run(Exec {
        schema,
        doc,
        vars: variables,
        world: &world,
        hook: Some(hook),
        errors: Vec::new(),
        violations: Vec::new(),
    })
}

fn run(mut ex: Exec<'_>) -> (Value, Vec<String>) {
    let doc = ex.doc;
    let Ok(op) = doc.operations.get(None) else {
        return (json!({"errors": [{"message": "no operation"}]}), vec![]);
    };
    let root = json!({"__typename": "Query"});
    let data = ex.select(&op.selection_set, &root, &[], "Query");
    let mut body = json!({ "data": data });
    if !ex.errors.is_empty() {
        body["errors"] = Value::Array(ex.errors);
    }
    (body, ex.violations)
}

struct Exec<'a> {
    schema: &'a Valid<Schema>,
    hook: Option<Hook<'a>>,
    doc: &'a ExecutableDocument,
    vars: &'a Value,
    world: &'a World,
    errors: Vec<Value>,
    violations: Vec<String>,
}

impl<'a> Exec<'a> {
    fn arg(&self, f: &Field, name: &str) -> Value {
        f.arguments
            .iter()
            .find(|a| a.name == name)
            .map(|a| self.value(&a.value))
            .unwrap_or(Value::Null)
    }

    fn value(&self, v: &GValue) -> Value {
        match v {
            GValue::Null => Value::Null,
            GValue::Enum(n) => json!(n.as_str()),
            GValue::Variable(n) => self.vars.get(n.as_str()).cloned().unwrap_or(Value::Null),
            GValue::String(s) => json!(s),
            GValue::Float(f) => json!(f.as_str().parse::<f64>().unwrap_or(0.0)),
            GValue::Int(i) => json!(i.try_to_i32().unwrap_or(0)),
            GValue::Boolean(b) => json!(b),
            GValue::List(l) => Value::Array(l.iter().map(|x| self.value(x)).collect()),
            GValue::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), self.value(v)))
                    .collect(),
            ),
        }
    }

    /// Fields of `set` that apply to an object of concrete type `typename`, in order,
    /// with fragments flattened.
    fn collect(&self, set: &'a SelectionSet, typename: &str, out: &mut Vec<&'a Field>) {
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => out.push(f),
                Selection::FragmentSpread(s) => {
                    let fr = self.doc.fragments.get(&s.fragment_name).expect("validated");
                    if applies(self.schema, fr.type_condition().as_str(), typename) {
                        self.collect(&fr.selection_set, typename, out);
                    }
                }
                Selection::InlineFragment(i) => {
                    let cond = i.type_condition.as_ref().map(|n| n.as_str());
                    if cond.is_none_or(|c| applies(self.schema, c, typename)) {
                        self.collect(&i.selection_set, typename, out);
                    }
                }
            }
        }
    }

    fn select(
        &mut self,
        set: &'a SelectionSet,
        obj: &Value,
        path: &[String],
        typename: &str,
    ) -> Value {
        let mut fields = Vec::new();
        self.collect(set, typename, &mut fields);
        let mut out = Map::new();
        for f in fields {
            let key = f.alias.as_ref().unwrap_or(&f.name).to_string();
            let mut p = path.to_vec();
            p.push(key.clone());
            let v = if f.name == "__typename" {
                json!(typename)
            } else {
                let raw = self.resolve(f, obj, typename, &p);
                self.complete(f, &f.definition.ty, raw, &p)
            };
            out.insert(key, v);
        }
        Value::Object(out)
    }

    /// Completes `raw` for field `f` of type `ty`: recurses into objects and lists and
    /// checks leaves against the schema.
    fn complete(&mut self, f: &'a Field, ty: &Type, raw: Value, path: &[String]) -> Value {
        if raw.is_null() {
            if ty.is_non_null() {
                self.violations.push(format!(
                    "{}: null for non-null field `{}: {ty}`",
                    path.join("."),
                    f.name
                ));
            }
            return Value::Null;
        }
        if ty.is_list() {
            let Value::Array(items) = raw else {
                self.violations
                    .push(format!("{}: expected a list for `{ty}`", path.join(".")));
                return Value::Null;
            };
            let item_ty = ty.item_type().clone();
            return Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let mut p = path.to_vec();
                        p.push(i.to_string());
                        self.complete(f, &item_ty, x, &p)
                    })
                    .collect(),
            );
        }
        let named = ty.inner_named_type().as_str();
        match self.schema.types.get(named) {
            Some(ExtendedType::Object(_))
            | Some(ExtendedType::Interface(_))
            | Some(ExtendedType::Union(_)) => {
                let concrete = raw
                    .get("__typename")
                    .and_then(Value::as_str)
                    .unwrap_or(named)
                    .to_owned();
                if !matches!(
                    self.schema.types.get(concrete.as_str()),
                    Some(ExtendedType::Object(_))
                ) {
                    self.violations.push(format!(
                        "{}: `{concrete}` is not an object type (for `{named}`)",
                        path.join(".")
                    ));
                } else if concrete != named && !self.schema.is_subtype(named, &concrete) {
                    self.violations.push(format!(
                        "{}: `{concrete}` is not a `{named}`",
                        path.join(".")
                    ));
                }
                self.select(&f.selection_set, &raw, path, &concrete)
            }
            Some(ExtendedType::Enum(e)) => {
                let ok = raw.as_str().is_some_and(|s| e.values.contains_key(s));
                if !ok {
                    self.violations.push(format!(
                        "{}: `{raw}` is not a value of enum {named}",
                        path.join(".")
                    ));
                }
                raw
            }
            _ => {
                let ok = match named {
                    "Int" => raw.is_i64(),
                    "Float" => raw.is_number(),
                    "Boolean" => raw.is_boolean(),
                    "BigInt" => raw.is_string() || raw.is_i64(),
                    _ => raw.is_string(),
                };
                if !ok {
                    self.violations.push(format!(
                        "{}: `{raw}` is not a valid {named}",
                        path.join(".")
                    ));
                }
                raw
            }
        }
    }

    /// The raw value of field `f` on `obj` (before completion).
    fn resolve(&mut self, f: &Field, obj: &Value, typename: &str, path: &[String]) -> Value {
        if let Some(hook) = self.hook {
            let args: Map<String, Value> = f
                .arguments
                .iter()
                .map(|a| (a.name.to_string(), self.value(&a.value)))
                .collect();
            match hook(typename, f.name.as_str(), &Value::Object(args), obj) {
                Some(Ok(v)) => return self.slice(f, v),
                Some(Err(m)) => {
                    self.not_found(path, &m);
                    return Value::Null;
                }
                None => {}
            }
        }
        match (typename, f.name.as_str()) {
            ("Query", "rateLimit") => self.world.rate_limit.clone(),
            ("Query", "repository") => {
                let key = format!(
                    "{}/{}",
                    self.arg(f, "owner").as_str().unwrap_or(""),
                    self.arg(f, "name").as_str().unwrap_or("")
                );
                match self.world.repos.get(&key) {
                    Some(r) => r.clone(),
                    None => {
                        self.not_found(
                            path,
                            &format!("Could not resolve to a Repository with the name '{key}'."),
                        );
                        Value::Null
                    }
                }
            }
            ("Repository", "pullRequest") => {
                let n = self.arg(f, "number").as_i64().unwrap_or(-1);
                let found = obj["pullRequests"]
                    .as_array()
                    .and_then(|prs| prs.iter().find(|p| p["number"].as_i64() == Some(n)))
                    .cloned();
                found.unwrap_or_else(|| {
                    self.not_found(
                        path,
                        &format!("Could not resolve to a PullRequest with the number of {n}."),
                    );
                    Value::Null
                })
            }
            ("Repository", "pullRequests") => {
                let head = self.arg(f, "headRefName");
                let states = self.arg(f, "states");
                let mut prs: Vec<Value> = obj["pullRequests"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| head.is_null() || p["headRefName"] == head)
                    .filter(|p| states.as_array().is_none_or(|s| s.contains(&p["state"])))
                    .collect();
                let order = self.arg(f, "orderBy");
                if order["field"] == "CREATED_AT" {
                    prs.sort_by(|a, b| {
                        a["createdAt"]
                            .as_str()
                            .unwrap_or("")
                            .cmp(b["createdAt"].as_str().unwrap_or(""))
                    });
                    if order["direction"] == "DESC" {
                        prs.reverse();
                    }
                }
                self.slice(f, json!({ "totalCount": prs.len(), "nodes": prs }))
            }
            _ => {
                let v = obj.get(f.name.as_str()).cloned().unwrap_or(Value::Null);
                let is_connection = f
                    .definition
                    .arguments
                    .iter()
                    .any(|a| a.name == "first" || a.name == "last");
                if is_connection && v.is_object() {
                    self.slice(f, v)
                } else {
                    v
                }
            }
        }
    }

    /// Applies `first`/`last` to a connection's `nodes`.
    fn slice(&self, f: &Field, mut conn: Value) -> Value {
        let first = self.arg(f, "first").as_u64();
        let last = self.arg(f, "last").as_u64();
        if let Some(nodes) = conn.get_mut("nodes").and_then(Value::as_array_mut) {
            if let Some(n) = first {
                nodes.truncate(n as usize);
            }
            if let Some(n) = last {
                let len = nodes.len();
                nodes.drain(..len.saturating_sub(n as usize));
            }
        }
        conn
    }

    fn not_found(&mut self, path: &[String], message: &str) {
        self.errors.push(json!({
            "type": "NOT_FOUND",
            "path": path,
            "locations": [{"line": 1, "column": 1}],
            "message": message,
        }));
    }
}

fn applies(schema: &Valid<Schema>, cond: &str, typename: &str) -> bool {
    cond == typename || schema.is_subtype(cond, typename)
}

fn check_value(schema: &Valid<Schema>, ty: &Type, v: &Value, at: &str) -> Result<(), String> {
    if v.is_null() {
        return if ty.is_non_null() {
            Err(format!("{at}: missing value for non-null `{ty}`"))
        } else {
            Ok(())
        };
    }
    if ty.is_list() {
        let Some(items) = v.as_array() else {
            return Err(format!("{at}: expected a list for `{ty}`"));
        };
        for (i, x) in items.iter().enumerate() {
            check_value(schema, ty.item_type(), x, &format!("{at}[{i}]"))?;
        }
        return Ok(());
    }
    let named = ty.inner_named_type().as_str();
    let ok = match named {
        "Int" => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Boolean" => v.is_boolean(),
        "Float" => v.is_number(),
        _ => match schema.types.get(named) {
            Some(ExtendedType::Enum(e)) => v.as_str().is_some_and(|s| e.values.contains_key(s)),
            Some(ExtendedType::InputObject(_)) => v.is_object(),
            _ => v.is_string(),
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{at}: `{v}` is not a valid `{ty}`"))
    }
}
