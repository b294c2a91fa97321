//! A small GraphQL executor over Linear's published schema (`tests/fixtures/linear/
//! schema.graphql`, the SDL `@linear/sdk` is generated from), used by the Linear stand-in.
//! Adapted from the GitHub one (`github/gql.rs`).
//!
//! Every document ao sends is validated against the schema (apollo-compiler), and its
//! variables are checked recursively against the declared types (input object fields,
//! enums, scalars). The answer is *computed from the query* over a world of objects in
//! the schema's own terms (`Issue.branchName`, `WorkflowState.type`, …), and every value
//! produced is checked against the field's schema type.

#![allow(dead_code)]

use std::sync::OnceLock;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::ast::{Type, Value as GValue};
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

/// Linear's schema, parsed once per test process.
pub fn schema() -> &'static Valid<Schema> {
    static S: OnceLock<Valid<Schema>> = OnceLock::new();
    S.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/linear/schema.graphql"
        );
        let src = std::fs::read_to_string(path).expect("vendored Linear schema.graphql");
        match Schema::parse_and_validate(src, path) {
            Ok(s) => s,
            Err(e) => panic!("Linear's schema does not validate: {}", e.errors),
        }
    })
}

/// Validates `query` against the schema; `Err` carries apollo's diagnostics.
pub fn validate(query: &str) -> Result<Valid<ExecutableDocument>, String> {
    ExecutableDocument::parse_and_validate(schema(), query, "query.graphql")
        .map_err(|e| e.errors.to_string())
}

/// Checks that `variables` supplies every declared variable with a value of the right
/// kind. Returns the problems found.
pub fn check_variables(doc: &ExecutableDocument, variables: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(op) = doc.operations.get(None) else {
        return vec!["no single operation".into()];
    };
    for v in &op.variables {
        let given = variables.get(v.name.as_str()).unwrap_or(&Value::Null);
        if let Err(p) = check_value(&v.ty, given, &format!("${}", v.name)) {
            problems.push(p);
        }
    }
    problems
}

/// The data a query runs over: issues (schema `Issue` objects whose `team` holds its
/// `states`), the viewer, and the state changes the mutations asked for.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Issues.
    pub issues: Vec<Value>,
    /// `viewer`.
    pub viewer: Value,
}

/// Executes a validated `doc` over `world`. Returns the full response body
/// (`{"data": …, "errors": […]}`) and the schema violations found in the world data.
/// Returns the body, the schema violations and the `(issue id, state id)` updates asked for.
pub fn execute(
    doc: &ExecutableDocument,
    variables: &Value,
    world: &World,
) -> (Value, Vec<String>, Vec<(String, String)>) {
    let mut ex = Exec {
        doc,
        vars: variables,
        world,
        errors: Vec::new(),
        violations: Vec::new(),
        updates: Vec::new(),
    };
    let Ok(op) = doc.operations.get(None) else {
        return (
            json!({"errors": [{"message": "no operation"}]}),
            vec![],
            vec![],
        );
    };
    let root_type = if op.operation_type.is_mutation() {
        "Mutation"
    } else {
        "Query"
    };
    let root = json!({ "__typename": root_type });
    let data = ex.select(&op.selection_set, &root, &[], root_type);
    let mut body = json!({ "data": data });
    if !ex.errors.is_empty() {
        body["errors"] = Value::Array(ex.errors);
    }
    (body, ex.violations, ex.updates)
}

struct Exec<'a> {
    doc: &'a ExecutableDocument,
    vars: &'a Value,
    world: &'a World,
    errors: Vec<Value>,
    violations: Vec<String>,
    updates: Vec<(String, String)>,
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
                    if applies(fr.type_condition().as_str(), typename) {
                        self.collect(&fr.selection_set, typename, out);
                    }
                }
                Selection::InlineFragment(i) => {
                    let cond = i.type_condition.as_ref().map(|n| n.as_str());
                    if cond.is_none_or(|c| applies(c, typename)) {
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
        match schema().types.get(named) {
            Some(ExtendedType::Object(_))
            | Some(ExtendedType::Interface(_))
            | Some(ExtendedType::Union(_)) => {
                let concrete = raw
                    .get("__typename")
                    .and_then(Value::as_str)
                    .unwrap_or(named)
                    .to_owned();
                if !matches!(
                    schema().types.get(concrete.as_str()),
                    Some(ExtendedType::Object(_))
                ) {
                    self.violations.push(format!(
                        "{}: `{concrete}` is not an object type (for `{named}`)",
                        path.join(".")
                    ));
                } else if concrete != named && !schema().is_subtype(named, &concrete) {
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
        match (typename, f.name.as_str()) {
            ("Query", "viewer") => self.world.viewer.clone(),
            ("Query", "issue") => {
                let id = self.arg(f, "id");
                let id = id.as_str().unwrap_or("");
                match self.find(id) {
                    Some(i) => i,
                    None => {
                        self.not_found(path, "Entity not found: Issue");
                        Value::Null
                    }
                }
            }
            ("Query", "issues") => {
                let filter = self.arg(f, "filter");
                let mut all: Vec<Value> = self
                    .world
                    .issues
                    .iter()
                    .filter(|i| matches_filter(i, &filter))
                    .cloned()
                    .collect();
                all.sort_by(|a, b| {
                    a["createdAt"]
                        .as_str()
                        .unwrap_or("")
                        .cmp(b["createdAt"].as_str().unwrap_or(""))
                });
                // Linear pages by cursor: the cursor is the index of the next node.
                let start = self
                    .arg(f, "after")
                    .as_str()
                    .and_then(|c| c.parse::<usize>().ok())
                    .unwrap_or(0);
                let first = self.arg(f, "first").as_u64().unwrap_or(50) as usize;
                let end = (start + first).min(all.len());
                let nodes: Vec<Value> = all[start.min(end)..end].to_vec();
                json!({
                    "nodes": nodes,
                    "pageInfo": {
                        "hasNextPage": end < all.len(),
                        "hasPreviousPage": start > 0,
                        "startCursor": start.to_string(),
                        "endCursor": end.to_string()
                    }
                })
            }
            ("Mutation", "issueUpdate") => {
                let id = self.arg(f, "id");
                let input = self.arg(f, "input");
                let Some(mut issue) = self.find(id.as_str().unwrap_or("")) else {
                    self.not_found(path, "Entity not found: Issue");
                    return Value::Null;
                };
                if let Some(sid) = input["stateId"].as_str() {
                    let state = issue["team"]["states"]["nodes"]
                        .as_array()
                        .and_then(|s| s.iter().find(|s| s["id"] == sid))
                        .cloned();
                    match state {
                        Some(s) => {
                            issue["state"] = s;
                            self.updates.push((
                                issue["id"].as_str().unwrap_or("").to_owned(),
                                sid.to_owned(),
                            ));
                        }
                        None => {
                            self.not_found(path, "Entity not found: WorkflowState");
                            return Value::Null;
                        }
                    }
                }
                json!({"success": true, "lastSyncId": 1.0, "issue": issue})
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

    fn find(&self, id: &str) -> Option<Value> {
        self.world
            .issues
            .iter()
            .find(|i| i["id"] == id || i["identifier"] == id)
            .cloned()
    }

    /// Linear's answer for a missing entity (`extensions.code`, as the API sends it).
    fn not_found(&mut self, path: &[String], message: &str) {
        self.errors.push(json!({
            "message": message,
            "path": path,
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"code": "ENTITY_NOT_FOUND", "type": "invalid input", "userPresentableMessage": "Could not find referenced Issue."}
        }));
    }
}

fn applies(cond: &str, typename: &str) -> bool {
    cond == typename || schema().is_subtype(cond, typename)
}

fn check_value(ty: &Type, v: &Value, at: &str) -> Result<(), String> {
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
            check_value(ty.item_type(), x, &format!("{at}[{i}]"))?;
        }
        return Ok(());
    }
    let named = ty.inner_named_type().as_str();
    let ok = match named {
        "Int" => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Boolean" => v.is_boolean(),
        "Float" => v.is_number(),
        _ => match schema().types.get(named) {
            Some(ExtendedType::Enum(e)) => v.as_str().is_some_and(|s| e.values.contains_key(s)),
            Some(ExtendedType::InputObject(io)) => {
                let Some(obj) = v.as_object() else {
                    return Err(format!("{at}: `{v}` is not an object for `{ty}`"));
                };
                for (k, x) in obj {
                    let Some(field) = io.fields.get(k.as_str()) else {
                        return Err(format!("{at}: `{named}` has no field `{k}`"));
                    };
                    check_value(&field.ty, x, &format!("{at}.{k}"))?;
                }
                for (name, field) in &io.fields {
                    if field.ty.is_non_null()
                        && field.default_value.is_none()
                        && !obj.contains_key(name.as_str())
                    {
                        return Err(format!("{at}: `{named}.{name}` is required"));
                    }
                }
                true
            }
            _ => v.is_string(),
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{at}: `{v}` is not a valid `{ty}`"))
    }
}

/// A small evaluator of Linear's `IssueFilter` for the stand-in: `and`, `or`, `team`
/// (`key`/`id`), `labels.some.name`, `state.type`, `assignee` names; comparators `eq`,
/// `eqIgnoreCase`, `in`, `nin`. Anything else fails the match loudly in tests.
pub fn matches_filter(issue: &Value, filter: &Value) -> bool {
    let Some(obj) = filter.as_object() else {
        return true;
    };
    obj.iter().all(|(k, v)| match k.as_str() {
        "and" => v
            .as_array()
            .is_none_or(|a| a.iter().all(|f| matches_filter(issue, f))),
        "or" => v
            .as_array()
            .is_none_or(|a| a.iter().any(|f| matches_filter(issue, f))),
        "team" => nested(&issue["team"], v),
        "state" => nested(&issue["state"], v),
        "assignee" => nested(&issue["assignee"], v),
        "labels" => {
            let labels = issue["labels"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            match v.get("some") {
                Some(f) => labels.iter().any(|l| nested(l, f)),
                None => panic!("stand-in: unsupported labels filter {v}"),
            }
        }
        other => panic!("stand-in: unsupported IssueFilter field `{other}`"),
    })
}

fn nested(obj: &Value, filter: &Value) -> bool {
    let Some(f) = filter.as_object() else {
        return true;
    };
    f.iter().all(|(k, c)| match k.as_str() {
        "and" => c
            .as_array()
            .is_none_or(|a| a.iter().all(|x| nested(obj, x))),
        "or" => c
            .as_array()
            .is_none_or(|a| a.iter().any(|x| nested(obj, x))),
        field => compare(&obj[field], c),
    })
}

fn compare(v: &Value, c: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    c.as_object().is_none_or(|o| {
        o.iter().all(|(op, want)| match op.as_str() {
            "eq" => v == want,
            "eqIgnoreCase" => want.as_str().is_some_and(|w| w.eq_ignore_ascii_case(s)),
            "in" => want.as_array().is_some_and(|a| a.contains(v)),
            "nin" => want.as_array().is_some_and(|a| !a.contains(v)),
            other => panic!("stand-in: unsupported comparator `{other}`"),
        })
    })
}
