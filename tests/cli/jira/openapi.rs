//! Checks JSON values against schemas of Atlassian's published Jira Cloud OpenAPI document
//! (the operations ao uses, extracted with every schema they reference:
//! `tests/fixtures/jira/openapi-subset.json`, see its README). Supports what that document
//! uses: `$ref`, `allOf`/`oneOf`/`anyOf`, `type`, `properties`, `required`,
//! `additionalProperties` (false or a schema), `items`, `enum`, `nullable`.

#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::Value;

/// The extracted document, parsed once.
pub fn spec() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/jira/openapi-subset.json"
        );
        serde_json::from_str(&std::fs::read_to_string(p).expect("openapi subset")).unwrap()
    })
}

/// The operation object for `method` on the templated `path`, if the document has it.
pub fn operation(path: &str, method: &str) -> Option<&'static Value> {
    spec()["paths"].get(path)?.get(method.to_ascii_lowercase())
}

/// The JSON schema of an operation's request body.
pub fn request_schema(path: &str, method: &str) -> Option<&'static Value> {
    operation(path, method)?.pointer("/requestBody/content/application~1json/schema")
}

/// The JSON schema of an operation's response with `status`.
pub fn response_schema(path: &str, method: &str, status: u16) -> Option<&'static Value> {
    operation(path, method)?.pointer(&format!(
        "/responses/{status}/content/application~1json/schema"
    ))
}

/// The declared query parameter names of an operation.
pub fn query_params(path: &str, method: &str) -> Vec<String> {
    operation(path, method)
        .and_then(|o| o["parameters"].as_array())
        .map(|ps| {
            ps.iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A named component schema.
pub fn component(name: &str) -> &'static Value {
    spec()["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("no schema {name} in the subset"))
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => component(r.rsplit('/').next().unwrap_or("")),
        None => schema,
    }
}

/// The problems found checking `v` against `schema` (empty: valid).
pub fn check(schema: &Value, v: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, v, at, &mut out);
    out
}

fn walk(schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let s = resolve(schema);
    if v.is_null() {
        if s["nullable"] != Value::Bool(true) && s.get("type").is_some() {
            out.push(format!("{at}: null where the schema does not allow it"));
        }
        return;
    }
    if let Some(all) = s["allOf"].as_array() {
        for sub in all {
            walk(sub, v, at, out);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = s[key].as_array()
            && !any.iter().any(|sub| check(sub, v, at).is_empty())
        {
            out.push(format!("{at}: matches none of the {key} alternatives"));
        }
    }
    if let Some(e) = s["enum"].as_array()
        && !e.contains(v)
    {
        out.push(format!(
            "{at}: `{v}` is not one of {}",
            Value::Array(e.clone())
        ));
    }
    let ty = s["type"].as_str().unwrap_or("");
    let ok = match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => true,
    };
    if !ok {
        out.push(format!("{at}: `{v}` is not of type {ty}"));
        return;
    }
    if let Some(obj) = v.as_object() {
        let props = s["properties"].as_object();
        if let Some(req) = s["required"].as_array() {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    out.push(format!("{at}: required property `{r}` missing"));
                }
            }
        }
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => walk(ps, x, &format!("{at}.{k}"), out),
                None => match &s["additionalProperties"] {
                    Value::Bool(false) => {
                        out.push(format!("{at}: property `{k}` is not in the schema"))
                    }
                    extra @ Value::Object(_) => walk(extra, x, &format!("{at}.{k}"), out),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            walk(items, x, &format!("{at}[{i}]"), out);
        }
    }
}
