//! Linear's side of the GraphQL stand-in: its published schema (`tests/fixtures/linear/
//! schema.graphql`, the SDL `@linear/sdk` is generated from), a world of issues in the
//! schema's own terms (`Issue.branchName`, `WorkflowState.type`, …), the resolver for the
//! fields that take arguments (with Linear's error shape and cursor paging), and an
//! evaluator of the `IssueFilter`s ao writes. Checking and executing documents is the
//! shared `common::gql`.

#![allow(dead_code)]

use apollo_compiler::ExecutableDocument;
use serde_json::{Value, json};

use crate::common::gql::{self as shared, Resolver, Vendored};

/// Linear's schema (it must validate).
pub static SCHEMA: Vendored = Vendored::new("linear/schema.graphql", false);

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
/// (`{"data": …, "errors": […]}`), the schema violations found in the world data and the
/// `(issue id, state id)` updates the mutations asked for.
pub fn execute(
    doc: &ExecutableDocument,
    variables: &Value,
    world: &World,
) -> (Value, Vec<String>, Vec<(String, String)>) {
    let mut fields = Fields {
        world,
        updates: Vec::new(),
    };
    let (body, violations) = shared::execute(SCHEMA.get(), doc, variables, &mut fields);
    (body, violations, fields.updates)
}

/// Linear's answers for the fields that take arguments.
struct Fields<'a> {
    world: &'a World,
    updates: Vec<(String, String)>,
}

impl Fields<'_> {
    fn find(&self, id: &str) -> Result<Value, String> {
        self.world
            .issues
            .iter()
            .find(|i| i["id"] == id || i["identifier"] == id)
            .cloned()
            .ok_or_else(|| "Entity not found: Issue".to_owned())
    }
}

impl Resolver for Fields<'_> {
    fn resolve(
        &mut self,
        typename: &str,
        field: &str,
        args: &Value,
        _obj: &Value,
    ) -> Option<Result<Value, String>> {
        Some(match (typename, field) {
            ("Query", "viewer") => Ok(self.world.viewer.clone()),
            ("Query", "issue") => self.find(args["id"].as_str().unwrap_or("")),
            ("Query", "issues") => {
                let mut all: Vec<Value> = self
                    .world
                    .issues
                    .iter()
                    .filter(|i| matches_filter(i, &args["filter"]))
                    .cloned()
                    .collect();
                all.sort_by(|a, b| {
                    a["createdAt"]
                        .as_str()
                        .unwrap_or("")
                        .cmp(b["createdAt"].as_str().unwrap_or(""))
                });
                // Linear pages by cursor: the cursor is the index of the next node.
                let start = args["after"]
                    .as_str()
                    .and_then(|c| c.parse::<usize>().ok())
                    .unwrap_or(0);
                let first = args["first"].as_u64().unwrap_or(50) as usize;
                let end = (start + first).min(all.len());
                let nodes: Vec<Value> = all[start.min(end)..end].to_vec();
                Ok(json!({
                    "nodes": nodes,
                    "pageInfo": {
                        "hasNextPage": end < all.len(),
                        "hasPreviousPage": start > 0,
                        "startCursor": start.to_string(),
                        "endCursor": end.to_string()
                    }
                }))
            }
            ("Mutation", "issueUpdate") => {
                self.find(args["id"].as_str().unwrap_or(""))
                    .and_then(|mut issue| {
                        if let Some(sid) = args["input"]["stateId"].as_str() {
                            let state = issue["team"]["states"]["nodes"]
                                .as_array()
                                .and_then(|s| s.iter().find(|s| s["id"] == sid))
                                .cloned()
                                .ok_or_else(|| "Entity not found: WorkflowState".to_owned())?;
                            issue["state"] = state;
                            self.updates.push((
                                issue["id"].as_str().unwrap_or("").to_owned(),
                                sid.to_owned(),
                            ));
                        }
                        Ok(json!({"success": true, "lastSyncId": 1.0, "issue": issue}))
                    })
            }
            _ => return None,
        })
    }

    /// Linear's answer for a missing entity (`extensions.code`, as the API sends it).
    fn error(&self, path: &[String], message: &str) -> Value {
        json!({
            "message": message,
            "path": path,
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"code": "ENTITY_NOT_FOUND", "type": "invalid input", "userPresentableMessage": "Could not find referenced Issue."}
        })
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
