//! A local HTTP server on 127.0.0.1 that plays Jira (Cloud REST v3, and the Data Center
//! REST v2 paths ao uses) for tests (tiny_http, one thread). Every v3 request is checked
//! against Atlassian's published OpenAPI document (`openapi.rs`): the operation exists,
//! its query parameters are declared, its JSON body fits the request schema; every v3
//! answer fits the response schema. Issues are `IssueBean`s whose fields use the
//! document's `StatusDetails`/`User` shapes and ADF descriptions; JQL of the forms ao
//! writes is evaluated. Scripted overrides answer the next request with anything (429).

#![allow(dead_code)]

use serde_json::{Value, json};

use super::openapi;

pub use crate::common::stand_in::{Canned, Recorded};
use crate::common::stand_in::{Overrides, Scripted, StandIn as Server};

/// A JSON answer as Jira sends it.
fn json(status: u16, body: Value) -> Canned {
    Canned::json_as(status, "application/json;charset=UTF-8", &body)
}

/// What the stand-in knows and remembers.
#[derive(Debug, Default)]
pub struct State {
    /// Issues (`IssueBean`s with all fields).
    pub issues: Vec<Value>,
    /// Scripted answers, consumed in order.
    pub overrides: Overrides,
    /// Schema violations and unexpected requests (must stay empty).
    pub problems: Vec<String>,
    /// `X-RateLimit-Remaining` to report.
    pub remaining: u64,
}

/// The running stand-in (`url`: the `baseUrl`).
pub type StandIn = Server<State>;

impl StandIn {
    /// Starts on an ephemeral loopback port.
    pub fn start() -> Self {
        let state = State {
            remaining: 990,
            ..State::default()
        };
        Server::serve(state, |st, base, rec| match st.overrides.take(rec.path()) {
            Some(c) => c,
            None => {
                st.remaining = st.remaining.saturating_sub(1);
                let remaining = st.remaining.to_string();
                route(st, base, rec)
                    .header("X-RateLimit-Limit", "1000")
                    .header("X-RateLimit-Remaining", &remaining)
                    .header("X-RateLimit-Reset", "2030-01-01T00:00Z")
            }
        })
    }

    /// `METHOD path` of each request so far.
    pub fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.split('?').next().unwrap_or("")))
            .collect()
    }

    /// Adds an issue.
    pub fn put(&self, issue: Value) {
        self.with(|s| s.issues.push(issue));
    }

    /// The status name of issue `key`.
    pub fn status(&self, key: &str) -> String {
        self.with(|s| {
            s.issues
                .iter()
                .find(|i| i["key"] == key)
                .and_then(|i| i["fields"]["status"]["name"].as_str().map(str::to_owned))
                .expect("issue")
        })
    }
}

impl Scripted for State {
    const NAME: &'static str = "Jira";

    fn overrides(&mut self) -> &mut Overrides {
        &mut self.overrides
    }

    fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// A status in the document's `StatusDetails` shape.
pub fn status(name: &str) -> Value {
    let (id, key, cat) = match name {
        "To Do" => ("10000", "new", "To Do"),
        "In Progress" => ("3", "indeterminate", "In Progress"),
        "In Review" => ("10001", "indeterminate", "In Progress"),
        "Done" => ("10002", "done", "Done"),
        other => panic!("unknown status {other}"),
    };
    json!({
        "self": format!("https://acme.atlassian.net/rest/api/3/status/{id}"),
        "description": "",
        "iconUrl": "https://acme.atlassian.net/images/icons/statuses/generic.png",
        "name": name,
        "id": id,
        "statusCategory": {
            "self": format!("https://acme.atlassian.net/rest/api/3/statuscategory/{key}"),
            "id": 2, "key": key, "colorName": "blue-gray", "name": cat
        }
    })
}

/// An `IssueBean` of project `PROJ` with an ADF description.
pub fn issue(
    n: u32,
    summary: &str,
    paragraphs: &[&str],
    status_name: &str,
    labels: &[&str],
) -> Value {
    let content: Vec<Value> = paragraphs
        .iter()
        .map(|p| json!({"type": "paragraph", "content": [{"type": "text", "text": p}]}))
        .collect();
    json!({
        "id": format!("{}", 10000 + n),
        "key": format!("PROJ-{n}"),
        "self": format!("https://acme.atlassian.net/rest/api/3/issue/{}", 10000 + n),
        "fields": {
            "summary": summary,
            "description": {"type": "doc", "version": 1, "content": content},
            "status": status(status_name),
            "labels": labels,
            "assignee": {
                "self": "https://acme.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g",
                "accountId": "5b10a2844c20165700ede21g",
                "displayName": "Mia Krystof",
                "active": true
            },
            "created": format!("2026-01-01T00:{:02}:{:02}.000+0000", n / 60 % 60, n % 60)
        }
    })
}

/// The workflow: from any status, a transition to each other one.
fn transitions_for(current: &str) -> Vec<Value> {
    [
        ("11", "Back to To Do", "To Do"),
        ("21", "Start Progress", "In Progress"),
        ("31", "Start Review", "In Review"),
        ("41", "Done", "Done"),
    ]
    .iter()
    .filter(|(_, _, to)| *to != current)
    .map(|(id, name, to)| {
        json!({
            "id": id, "name": name, "to": status(to),
            "hasScreen": false, "isGlobal": true, "isInitial": false,
            "isAvailable": true, "isConditional": false, "isLooped": false
        })
    })
    .collect()
}

/// `(api version, template path, key)` for a request path.
fn template(path: &str) -> Option<(u8, String, Option<String>)> {
    let (v, rest) = if let Some(r) = path.strip_prefix("/rest/api/3/") {
        (3, r)
    } else if let Some(r) = path.strip_prefix("/rest/api/2/") {
        (2, r)
    } else {
        return None;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let (t, key) = match parts.as_slice() {
        ["issue", key] => ("issue/{issueIdOrKey}", Some(*key)),
        ["issue", key, "transitions"] => ("issue/{issueIdOrKey}/transitions", Some(*key)),
        ["search", "jql"] => ("search/jql", None),
        ["search"] => ("search", None),
        ["myself"] => ("myself", None),
        _ => return None,
    };
    Some((v, format!("/rest/api/3/{t}"), key.map(str::to_owned)))
}

fn route(st: &mut State, _base: &str, rec: &Recorded) -> Canned {
    let (path, query) = rec.url.split_once('?').unwrap_or((&rec.url, ""));
    let Some((version, tpl, key)) = template(path) else {
        st.problems
            .push(format!("unexpected {} {}", rec.method, rec.url));
        return json(
            404,
            json!({"errorMessages": ["no such resource"], "errors": {}}),
        );
    };
    // The published document describes v3; the Data Center v2 paths ao uses have the
    // same request shapes except the search, checked by hand below.
    let documented = version == 3 || !tpl.ends_with("/search");
    if documented && openapi::operation(&tpl, &rec.method).is_none() {
        st.problems
            .push(format!("{} {tpl} is not in Jira's document", rec.method));
    }
    let declared = openapi::query_params(&tpl, &rec.method);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or("");
        if !declared.iter().any(|d| d == name) {
            st.problems.push(format!(
                "{} {tpl}: undeclared query parameter `{name}`",
                rec.method
            ));
        }
    }
    let body: Value = if rec.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&rec.body).unwrap_or_else(|e| {
            st.problems.push(format!("body is not JSON: {e}"));
            Value::Null
        })
    };
    if rec.method == "POST" {
        if rec.header("content-type") != Some("application/json") {
            st.problems
                .push("POST without Content-Type: application/json".into());
        }
        if documented && let Some(schema) = openapi::request_schema(&tpl, "POST") {
            let p = openapi::check(schema, &body, &format!("request {tpl}"));
            st.problems.extend(p);
        }
    }
    let (status, answer) = answer(st, version, &tpl, key.as_deref(), &rec.method, query, &body);
    if version == 3
        && let Some(schema) = openapi::response_schema(&tpl, &rec.method, status)
    {
        let p = openapi::check(schema, &answer, &format!("response {tpl}"));
        st.problems.extend(p);
    }
    if status == 204 {
        return Canned {
            status,
            headers: vec![],
            body: String::new(),
        };
    }
    json(status, answer)
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
    )
}

/// The issue with only `fields` (comma-separated) kept; v2 descriptions become text.
fn shaped(issue: &Value, fields: Option<&str>, version: u8) -> Value {
    let mut out = issue.clone();
    if let Some(list) = fields {
        let keep: Vec<&str> = list.split(',').collect();
        if let Some(f) = out["fields"].as_object_mut() {
            f.retain(|k, _| keep.contains(&k.as_str()));
        }
    }
    if version == 2 && out["fields"].get("description").is_some() {
        let text: Vec<String> = issue["fields"]["description"]["content"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        p["content"]
                            .as_array()
                            .map(|t| t.iter().filter_map(|x| x["text"].as_str()).collect())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        out["fields"]["description"] = json!(text.join("\n\n"));
    }
    out
}

fn answer(
    st: &mut State,
    version: u8,
    tpl: &str,
    key: Option<&str>,
    method: &str,
    query: &str,
    body: &Value,
) -> (u16, Value) {
    let idx = key.and_then(|k| st.issues.iter().position(|i| i["key"] == k || i["id"] == k));
    match (tpl, method) {
        ("/rest/api/3/issue/{issueIdOrKey}", "GET") => {
            let Some(i) = idx else { return not_found() };
            let fields = query
                .split('&')
                .find_map(|p| p.strip_prefix("fields="))
                .map(|f| f.replace("%2C", ","));
            (200, shaped(&st.issues[i], fields.as_deref(), version))
        }
        ("/rest/api/3/issue/{issueIdOrKey}/transitions", "GET") => {
            let Some(i) = idx else { return not_found() };
            let current = st.issues[i]["fields"]["status"]["name"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            (200, json!({"transitions": transitions_for(&current)}))
        }
        ("/rest/api/3/issue/{issueIdOrKey}/transitions", "POST") => {
            let Some(i) = idx else { return not_found() };
            let current = st.issues[i]["fields"]["status"]["name"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let want = body["transition"]["id"].as_str().unwrap_or("");
            match transitions_for(&current)
                .into_iter()
                .find(|t| t["id"] == want)
            {
                Some(t) => {
                    st.issues[i]["fields"]["status"] = t["to"].clone();
                    (204, Value::Null)
                }
                None => (
                    400,
                    json!({"errorMessages": [], "errors": {"transition": "Transition id is not valid for this issue."}}),
                ),
            }
        }
        ("/rest/api/3/search/jql", "POST") => {
            let matching = search(st, body["jql"].as_str().unwrap_or(""));
            let start = body["nextPageToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("page-"))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            let max = body["maxResults"].as_u64().unwrap_or(50).min(5000) as usize;
            let end = (start + max).min(matching.len());
            let fields = body["fields"].as_array().map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let issues: Vec<Value> = matching[start.min(end)..end]
                .iter()
                .map(|i| shaped(i, fields.as_deref(), version))
                .collect();
            let mut out = json!({"issues": issues, "isLast": end >= matching.len()});
            if end < matching.len() {
                out["nextPageToken"] = json!(format!("page-{end}"));
            }
            (200, out)
        }
        ("/rest/api/3/search", "POST") if version == 2 => {
            for k in body
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                if ![
                    "jql",
                    "startAt",
                    "maxResults",
                    "fields",
                    "expand",
                    "validateQuery",
                ]
                .contains(&k.as_str())
                {
                    st.problems
                        .push(format!("v2 search: unknown body key `{k}`"));
                }
            }
            let matching = search(st, body["jql"].as_str().unwrap_or(""));
            let start = body["startAt"].as_u64().unwrap_or(0) as usize;
            let max = body["maxResults"].as_u64().unwrap_or(50) as usize;
            let end = (start + max).min(matching.len());
            let fields = body["fields"].as_array().map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let issues: Vec<Value> = matching[start.min(end)..end]
                .iter()
                .map(|i| shaped(i, fields.as_deref(), version))
                .collect();
            (
                200,
                json!({"startAt": start, "maxResults": max, "total": matching.len(), "issues": issues}),
            )
        }
        ("/rest/api/3/myself", "GET") => (
            200,
            json!({
                "self": "https://acme.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g",
                "accountId": "5b10a2844c20165700ede21g", "accountType": "atlassian",
                "displayName": "Mia Krystof", "active": true, "timeZone": "UTC", "locale": "en_US"
            }),
        ),
        _ => {
            st.problems.push(format!("unhandled {method} {tpl}"));
            (404, json!({"errorMessages": ["not handled"], "errors": {}}))
        }
    }
}

/// Evaluates JQL of the forms ao writes: clauses joined by ` AND ` (`(project = P)`,
/// `labels = "x"`, `assignee = "x"`, `statusCategory != Done`, `statusCategory = Done`),
/// then `ORDER BY created ASC`.
fn search(st: &mut State, jql: &str) -> Vec<Value> {
    let (cond, order) = jql.split_once(" ORDER BY ").unwrap_or((jql, ""));
    if order != "created ASC" {
        st.problems
            .push(format!("JQL without `ORDER BY created ASC`: {jql}"));
    }
    let clauses: Vec<String> = cond.split(" AND ").map(str::to_owned).collect();
    let mut out: Vec<Value> = st
        .issues
        .iter()
        .filter(|i| {
            clauses.iter().all(|c| {
                let c = c.trim().trim_start_matches('(').trim_end_matches(')');
                let cat = i["fields"]["status"]["statusCategory"]["key"]
                    .as_str()
                    .unwrap_or("");
                if let Some(p) = c.strip_prefix("project = ") {
                    i["key"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(&format!("{p}-"))
                } else if let Some(l) = c.strip_prefix("labels = ") {
                    let l = l.trim_matches('"').replace("\\\"", "\"");
                    i["fields"]["labels"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == l.as_str()))
                } else if c == "statusCategory != Done" {
                    cat != "done"
                } else if c == "statusCategory = Done" {
                    cat == "done"
                } else {
                    panic!("stand-in: unsupported JQL clause `{c}` in {jql}")
                }
            })
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        a["fields"]["created"]
            .as_str()
            .unwrap_or("")
            .cmp(b["fields"]["created"].as_str().unwrap_or(""))
    });
    out
}
