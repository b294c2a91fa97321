//! The one GraphQL checker and executor of the stand-ins, parameterised by schema: GitHub's
//! (`@octokit/graphql-schema`), GitLab's and Linear's published SDLs, vendored under
//! `tests/fixtures/<vendor>/`.
//!
//! Every document ao sends is validated against the schema (apollo-compiler), and its
//! variables are checked recursively against the declared types (input object fields,
//! enums, scalars). The answer is then *computed from the query* over objects written in
//! the schema's own terms: aliases, fragments, inline fragments on unions, `first`/`last`
//! slicing and `__typename` are honoured, and every value produced is checked against the
//! field's schema type (non-null, enum values, scalar kinds). So the responses are shaped
//! by the vendor's schema and ao's query, never by what ao's parser expects. What a field
//! with arguments answers is the vendor stand-in's [`Resolver`].

#![allow(dead_code)]

use std::sync::OnceLock;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::ast::{Type, Value as GValue};
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

/// A vendored schema (`tests/fixtures/<path>`), parsed once per test process on first
/// use, and the checks against it.
pub struct Vendored {
    path: &'static str,
    partial_ok: bool,
    parsed: OnceLock<Valid<Schema>>,
}

impl Vendored {
    /// The schema at `tests/fixtures/<path>`. `partial_ok`: a schema with known defects
    /// (GitHub's defines two fields twice) is assumed valid in its parsed form; otherwise
    /// a schema that does not validate fails the test.
    pub const fn new(path: &'static str, partial_ok: bool) -> Self {
        Self {
            path,
            partial_ok,
            parsed: OnceLock::new(),
        }
    }

    /// The parsed schema.
    pub fn get(&self) -> &Valid<Schema> {
        self.parsed.get_or_init(|| {
            let path = format!(
                "{}/tests/fixtures/{}",
                env!("CARGO_MANIFEST_DIR"),
                self.path
            );
            let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            match Schema::parse_and_validate(src, &path) {
                Ok(s) => s,
                Err(e) if self.partial_ok => Valid::assume_valid(e.partial),
                Err(e) => panic!("{path} does not validate: {}", e.errors),
            }
        })
    }

    /// Validates `query`; `Err` carries apollo's diagnostics.
    pub fn validate(&self, query: &str) -> Result<Valid<ExecutableDocument>, String> {
        validate(self.get(), query)
    }

    /// [`check_variables`] against this schema.
    pub fn check_variables(&self, doc: &ExecutableDocument, variables: &Value) -> Vec<String> {
        check_variables(self.get(), doc, variables)
    }
}

/// Validates `query` against `schema`; `Err` carries apollo's diagnostics.
pub fn validate(schema: &Valid<Schema>, query: &str) -> Result<Valid<ExecutableDocument>, String> {
    ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
        .map_err(|e| e.errors.to_string())
}

/// Checks that `variables` supplies every declared variable with a value of the right
/// type (input objects field by field). Returns the problems found.
pub fn check_variables(
    schema: &Valid<Schema>,
    doc: &ExecutableDocument,
    variables: &Value,
) -> Vec<String> {
    let Ok(op) = doc.operations.get(None) else {
        return vec!["no single operation".into()];
    };
    op.variables
        .iter()
        .filter_map(|v| {
            let given = variables.get(v.name.as_str()).unwrap_or(&Value::Null);
            check_value(schema, &v.ty, given, &format!("${}", v.name)).err()
        })
        .collect()
}

/// What a vendor's stand-in answers for fields that take arguments.
pub trait Resolver {
    /// The raw value of `field` (with its evaluated `args`) on `obj`, an object of type
    /// `typename`: `None` to read the field from the object, `Some(Err(message))` for a
    /// field that fails (not found).
    fn resolve(
        &mut self,
        typename: &str,
        field: &str,
        args: &Value,
        obj: &Value,
    ) -> Option<Result<Value, String>>;

    /// The `errors` entry for a failed field at `path`; GitHub's shape by default.
    fn error(&self, path: &[String], message: &str) -> Value {
        json!({
            "type": "NOT_FOUND",
            "path": path,
            "locations": [{"line": 1, "column": 1}],
            "message": message,
        })
    }
}

/// Any closure `(typename, field, args, obj) -> answer` is a resolver with GitHub-shaped
/// errors.
impl<F> Resolver for F
where
    F: FnMut(&str, &str, &Value, &Value) -> Option<Result<Value, String>>,
{
    fn resolve(
        &mut self,
        typename: &str,
        field: &str,
        args: &Value,
        obj: &Value,
    ) -> Option<Result<Value, String>> {
        self(typename, field, args, obj)
    }
}

/// Executes a validated `doc` against `schema` from the root object (`Query`, or
/// `Mutation` for a mutation), with `resolver` answering fields. Returns the full
/// response body (`{"data": …, "errors": […]}`) and the schema violations found in the
/// answered values.
pub fn execute(
    schema: &Valid<Schema>,
    doc: &ExecutableDocument,
    variables: &Value,
    resolver: &mut dyn Resolver,
) -> (Value, Vec<String>) {
    let Ok(op) = doc.operations.get(None) else {
        return (json!({"errors": [{"message": "no operation"}]}), vec![]);
    };
    let mut ex = Exec {
        schema,
        resolver,
        doc,
        vars: variables,
        errors: Vec::new(),
        violations: Vec::new(),
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
    (body, ex.violations)
}

struct Exec<'a, 'r> {
    schema: &'a Valid<Schema>,
    resolver: &'r mut dyn Resolver,
    doc: &'a ExecutableDocument,
    vars: &'a Value,
    errors: Vec<Value>,
    violations: Vec<String>,
}

impl<'a> Exec<'a, '_> {
    fn arg(&self, f: &Field, name: &str) -> Value {
        f.arguments
            .iter()
            .find(|a| a.name == name)
            .map_or(Value::Null, |a| self.value(&a.value))
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
                    let cond = i.type_condition.as_ref().map(apollo_compiler::Name::as_str);
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
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
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

    /// The raw value of field `f` on `obj` (before completion): the resolver's answer,
    /// else the object's own value; connections are sliced by `first`/`last`.
    fn resolve(&mut self, f: &Field, obj: &Value, typename: &str, path: &[String]) -> Value {
        let args: Map<String, Value> = f
            .arguments
            .iter()
            .map(|a| (a.name.to_string(), self.value(&a.value)))
            .collect();
        match self
            .resolver
            .resolve(typename, f.name.as_str(), &Value::Object(args), obj)
        {
            Some(Ok(v)) => return self.slice(f, v),
            Some(Err(m)) => {
                let e = self.resolver.error(path, &m);
                self.errors.push(e);
                return Value::Null;
            }
            None => {}
        }
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
            Some(ExtendedType::InputObject(io)) => {
                let Some(obj) = v.as_object() else {
                    return Err(format!("{at}: `{v}` is not an object for `{ty}`"));
                };
                for (k, x) in obj {
                    let Some(field) = io.fields.get(k.as_str()) else {
                        return Err(format!("{at}: `{named}` has no field `{k}`"));
                    };
                    check_value(schema, &field.ty, x, &format!("{at}.{k}"))?;
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
