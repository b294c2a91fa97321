//! GitHub's side of the GraphQL stand-in: its published schema (`@octokit/graphql-schema`,
//! vendored in `tests/fixtures/github/schema.graphql`), a world of repositories and pull
//! requests in the schema's own terms (`PullRequest.headRefOid`, `reviewThreads.nodes`, …),
//! the resolver for the fields that take arguments, and GitHub's cost estimate. Checking
//! and executing documents is the shared `common::gql`.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::Value as GValue;
use apollo_compiler::executable::{Selection, SelectionSet};
use serde_json::{Map, Value, json};

use crate::common::gql::{self as shared, Resolver, Vendored};

/// GitHub's schema. The published schema defines two fields twice
/// (`EnterpriseOwnerInfo.repositoryDeployKeySetting*`); everything else is sound, so its
/// parsed form is assumed valid.
pub static SCHEMA: Vendored = Vendored::new("github/schema.graphql", true);

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
    shared::execute(SCHEMA.get(), doc, variables, &mut Fields(world))
}

/// GitHub's answers for the fields that take arguments.
struct Fields<'a>(&'a World);

impl Resolver for Fields<'_> {
    fn resolve(
        &mut self,
        typename: &str,
        field: &str,
        args: &Value,
        obj: &Value,
    ) -> Option<Result<Value, String>> {
        let world = self.0;
        Some(match (typename, field) {
            ("Query", "rateLimit") => Ok(world.rate_limit.clone()),
            ("Query", "repository") => {
                let key = format!(
                    "{}/{}",
                    args["owner"].as_str().unwrap_or(""),
                    args["name"].as_str().unwrap_or("")
                );
                world.repos.get(&key).cloned().ok_or_else(|| {
                    format!("Could not resolve to a Repository with the name '{key}'.")
                })
            }
            ("Repository", "pullRequest") => {
                let n = args["number"].as_i64().unwrap_or(-1);
                obj["pullRequests"]
                    .as_array()
                    .and_then(|prs| prs.iter().find(|p| p["number"].as_i64() == Some(n)))
                    .cloned()
                    .ok_or_else(|| {
                        format!("Could not resolve to a PullRequest with the number of {n}.")
                    })
            }
            ("Repository", "pullRequests") => {
                let head = &args["headRefName"];
                let states = &args["states"];
                let mut prs: Vec<Value> = obj["pullRequests"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| head.is_null() || p["headRefName"] == *head)
                    .filter(|p| states.as_array().is_none_or(|s| s.contains(&p["state"])))
                    .collect();
                let order = &args["orderBy"];
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
                Ok(json!({ "totalCount": prs.len(), "nodes": prs }))
            }
            _ => return None,
        })
    }
}
