//! A local HTTP server on 127.0.0.1 that plays GitLab for tests (tiny_http, one thread).
//!
//! GraphQL documents are validated against GitLab's schema (`tests/fixtures/gitlab/`, a
//! 2023 SDL, see its README) and answered by the shared executor (`github/gql.rs`), which
//! computes the answer from the query over a world of objects in the schema's own terms
//! (`MergeRequest.diffHeadSha`, `headPipeline.jobs.nodes`, …) and checks every value
//! against the field's type. REST answers follow GitLab's v4 documentation (issues, job
//! trace, merge). Every response carries `RateLimit-*` headers; every request is
//! recorded and must carry the token in the header GitLab expects. Scripted overrides
//! answer the next matching request with anything (429, 502, truncated JSON).

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::gql;
pub use crate::common::stand_in::{Canned, Recorded};
use crate::common::stand_in::{Overrides, Scripted, StandIn, percent_decode};

/// The token every test hands to `ao`.
pub const TOKEN: &str = "glpat-TESTtokenVALUE0123456789";

/// GitLab's schema (a 2023 SDL whose parsed form is assumed valid).
pub static SCHEMA: gql::Vendored = gql::Vendored::new("gitlab/schema.graphql", true);

/// Everything the stand-in knows and remembers.
#[derive(Debug, Default)]
pub struct State {
    /// Projects by full path (`Project` objects; `mergeRequests` holds all MRs as a list,
    /// `projectMembers` a connection).
    pub projects: BTreeMap<String, Value>,
    /// REST issues by project full path.
    pub issues: BTreeMap<String, Vec<Value>>,
    /// Job traces by job id.
    pub traces: BTreeMap<u64, String>,
    /// Scripted answers: (path prefix or any, response), consumed in order.
    pub overrides: Overrides,
    /// Invalid documents, schema violations, missing tokens (must stay empty).
    pub problems: Vec<String>,
    /// `RateLimit-Remaining` to report.
    pub remaining: u64,
    /// `RateLimit-Reset` to report (epoch seconds).
    pub reset: i64,
}

/// The running stand-in (`url`: the instance URL for `apiUrl`).
pub type MockGitLab = StandIn<State>;

impl MockGitLab {
    /// Starts the server on an ephemeral loopback port.
    pub fn start() -> Self {
        let state = State {
            remaining: 1999,
            reset: jiff::Timestamp::now().as_second() + 60,
            ..State::default()
        };
        StandIn::serve(state, respond)
    }
}

impl Scripted for State {
    const NAME: &'static str = "GitLab";

    fn overrides(&mut self) -> &mut Overrides {
        &mut self.overrides
    }

    fn problems(&self) -> &[String] {
        &self.problems
    }
}

fn not_found(what: &str) -> Canned {
    Canned::json(404, json!({"message": format!("404 {what} Not Found")}))
}

fn respond(st: &mut State, base: &str, rec: &Recorded) -> Canned {
    let path = rec.path().to_owned();
    if let Some(c) = st.overrides.take(&path) {
        return c;
    }
    let graphql = path == "/api/graphql";
    let authed = if graphql {
        rec.header("authorization") == Some(&format!("Bearer {TOKEN}"))
    } else {
        rec.header("private-token") == Some(TOKEN)
    };
    let c = if authed {
        route(st, base, rec, &path)
    } else {
        st.problems
            .push(format!("{} {} without the token", rec.method, rec.url));
        Canned::json(401, json!({"message": "401 Unauthorized"}))
    };
    st.remaining = st.remaining.saturating_sub(1);
    c.header("RateLimit-Limit", "2000")
        .header(
            "RateLimit-Observed",
            &(2000 - st.remaining.min(2000)).to_string(),
        )
        .header("RateLimit-Remaining", &st.remaining.to_string())
        .header("RateLimit-Reset", &st.reset.to_string())
}

/// A 429 as GitLab.com sends it: `Retry-After` and the `RateLimit-*` headers.
pub fn too_many(reset: i64, retry_after: Option<i64>) -> Canned {
    let mut c = Canned {
        status: 429,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: "Retry later\n".into(),
    }
    .header("RateLimit-Limit", "2000")
    .header("RateLimit-Observed", "2000")
    .header("RateLimit-Remaining", "0")
    .header("RateLimit-Reset", &reset.to_string());
    if let Some(s) = retry_after {
        c = c.header("Retry-After", &s.to_string());
    }
    c
}

fn route(st: &mut State, base: &str, rec: &Recorded, path: &str) -> Canned {
    if path == "/api/graphql" && rec.method == "POST" {
        return graphql(st, rec);
    }
    let Some(rest) = path.strip_prefix("/api/v4/") else {
        return not_found("Page");
    };
    if rest == "user" {
        return Canned::json(
            200,
            json!({"id": 7, "username": "ao-bot", "state": "active"}),
        );
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let ["projects", id, tail @ ..] = parts.as_slice() else {
        return not_found("Page");
    };
    let project = percent_decode(id);
    if !st.projects.contains_key(&project) && !st.issues.contains_key(&project) {
        return not_found("Project");
    }
    match (rec.method.as_str(), tail) {
        ("GET", ["jobs", job, "trace"]) => match st.traces.get(&job.parse::<u64>().unwrap_or(0)) {
            Some(t) => Canned {
                status: 200,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: t.clone(),
            },
            None => not_found("Job"),
        },
        ("PUT", ["merge_requests", iid, "merge"]) => merge(st, &project, iid, rec),
        ("GET", ["merge_requests", iid]) => match find_mr(st, &project, iid) {
            Some(mr) => Canned::json(200, rest_mr(mr)),
            None => not_found("Merge Request"),
        },
        ("GET", ["issues"]) => list_issues(st, base, rec, &project),
        ("GET", ["issues", iid]) => match st.issues.get(&project).and_then(|l| {
            l.iter()
                .find(|i| i["iid"].as_u64().map(|n| n.to_string()).as_deref() == Some(*iid))
        }) {
            Some(i) => Canned::json(200, i.clone()),
            None => not_found("Issue"),
        },
        ("POST", ["issues"]) => {
            let req: Value = serde_json::from_str(&rec.body).unwrap_or(Value::Null);
            let list = st.issues.entry(project.clone()).or_default();
            let iid = list.len() as u64 + 1000;
            let i = issue_json(
                &project,
                iid,
                req["title"].as_str().unwrap_or(""),
                req["description"].as_str().unwrap_or(""),
                &[],
                "opened",
            );
            list.push(i.clone());
            Canned::json(201, i)
        }
        _ => not_found("Page"),
    }
}

fn find_mr<'a>(st: &'a State, project: &str, iid: &str) -> Option<&'a Value> {
    st.projects.get(project)?["mergeRequests"]
        .as_array()?
        .iter()
        .find(|m| m["iid"] == json!(iid))
}

/// The REST shape of an MR (the fields ao reads).
fn rest_mr(mr: &Value) -> Value {
    json!({
        "iid": mr["iid"].as_str().unwrap_or("0").parse::<u64>().unwrap_or(0),
        "state": mr["state"],
        "sha": mr["diffHeadSha"],
        "merge_commit_sha": mr["mergeCommitSha"],
        "squash_commit_sha": null,
        "web_url": mr["webUrl"],
        "detailed_merge_status": "not_open",
    })
}

fn merge(st: &mut State, project: &str, iid: &str, rec: &Recorded) -> Canned {
    let req: Value = serde_json::from_str(&rec.body).unwrap_or(Value::Null);
    let Some(mr) = st
        .projects
        .get_mut(project)
        .and_then(|p| p["mergeRequests"].as_array_mut())
        .and_then(|l| l.iter_mut().find(|m| m["iid"] == json!(iid)))
    else {
        return not_found("Merge Request");
    };
    if mr["state"] != "opened" {
        return Canned::json(405, json!({"message": "405 Method Not Allowed"}));
    }
    if req.get("sha").is_some_and(|s| *s != mr["diffHeadSha"]) {
        return Canned::json(
            409,
            json!({"message": "SHA does not match HEAD of source branch: 0000"}),
        );
    }
    let sha = super::sha(&format!("merge{project}{iid}"));
    mr["state"] = json!("merged");
    mr["mergeCommitSha"] = json!(sha);
    mr["detailedMergeStatus"] = json!("NOT_OPEN");
    Canned::json(200, rest_mr(mr))
}

/// A REST issue in GitLab's v4 shape.
pub fn issue_json(
    project: &str,
    iid: u64,
    title: &str,
    body: &str,
    labels: &[&str],
    state: &str,
) -> Value {
    json!({
        "id": 90000 + iid,
        "iid": iid,
        "project_id": 1,
        "title": title,
        "description": body,
        "state": state,
        "labels": labels,
        "assignees": [],
        "author": {"id": 1, "username": "alice"},
        "web_url": format!("https://gitlab.example/{project}/-/issues/{iid}"),
        "created_at": format!("2024-05-01T10:{:02}:00.000Z", iid % 60),
    })
}

fn list_issues(st: &State, base: &str, rec: &Recorded, project: &str) -> Canned {
    let state = rec.query_param("state").unwrap_or_else(|| "all".into());
    let labels: Vec<String> = rec
        .query_param("labels")
        .map(|l| l.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let assignee = rec.query_param("assignee_username");
    let per_page: usize = rec
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let page: usize = rec
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let all: Vec<Value> = st
        .issues
        .get(project)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| state == "all" || i["state"] == json!(state))
        .filter(|i| {
            labels.iter().all(|l| {
                i["labels"]
                    .as_array()
                    .is_some_and(|ls| ls.contains(&json!(l)))
            })
        })
        .filter(|i| {
            assignee.as_ref().is_none_or(|a| {
                i["assignees"]
                    .as_array()
                    .is_some_and(|xs| xs.iter().any(|x| x["username"] == json!(a)))
            })
        })
        .collect();
    let start = (page - 1) * per_page;
    let chunk: Vec<Value> = all.iter().skip(start).take(per_page).cloned().collect();
    let mut c = Canned::json(200, Value::Array(chunk));
    if start + per_page < all.len() {
        let q = rec.url.split_once('?').map(|x| x.1).unwrap_or("");
        let q: Vec<&str> = q.split('&').filter(|kv| !kv.starts_with("page=")).collect();
        let next = format!(
            "{base}{}?{}&page={}",
            rec.url.split('?').next().unwrap_or(""),
            q.join("&"),
            page + 1
        );
        c = c
            .header("Link", &format!("<{next}>; rel=\"next\""))
            .header("X-Next-Page", &(page + 1).to_string());
    }
    c
}

fn graphql(st: &mut State, rec: &Recorded) -> Canned {
    let req: Value = match serde_json::from_str(&rec.body) {
        Ok(v) => v,
        Err(e) => {
            st.problems.push(format!("GraphQL body is not JSON: {e}"));
            return Canned::json(400, json!({"message": "bad request"}));
        }
    };
    let query = req["query"].as_str().unwrap_or("");
    let vars = req.get("variables").cloned().unwrap_or(json!({}));
    let doc = match SCHEMA.validate(query) {
        Ok(d) => d,
        Err(e) => {
            st.problems
                .push(format!("invalid GraphQL document: {e}\n{query}"));
            return Canned::json(200, json!({"errors": [{"message": e}]}));
        }
    };
    let vp = SCHEMA.check_variables(&doc, &vars);
    if !vp.is_empty() {
        st.problems.extend(vp);
    }
    let projects = &st.projects;
    let mut hook = |ty: &str,
                    field: &str,
                    args: &Value,
                    obj: &Value|
     -> Option<Result<Value, String>> {
        match (ty, field) {
            ("Query", "project") => Some(Ok(args["fullPath"]
                .as_str()
                .and_then(|p| projects.get(p))
                .cloned()
                .unwrap_or(Value::Null))),
            ("Project", "mergeRequests") => {
                let branches = args["sourceBranches"].as_array().cloned();
                let mut mrs: Vec<Value> = obj["mergeRequests"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|m| {
                        branches
                            .as_ref()
                            .is_none_or(|b| b.contains(&m["sourceBranch"]))
                    })
                    .filter(|m| args["state"].is_null() || m["state"] == args["state"])
                    .collect();
                // created_desc by default: newest (highest iid) first.
                mrs.sort_by_key(|m| {
                    std::cmp::Reverse(m["iid"].as_str().unwrap_or("0").parse::<u64>().unwrap_or(0))
                });
                let after: usize = args["after"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(0);
                let first = args["first"].as_u64().unwrap_or(100) as usize;
                let page: Vec<Value> = mrs.iter().skip(after).take(first).cloned().collect();
                let more = after + first < mrs.len();
                Some(Ok(json!({
                    "__typename": "MergeRequestConnection",
                    "nodes": page,
                    "pageInfo": {"__typename": "PageInfo", "hasNextPage": more,
                                  "hasPreviousPage": after > 0,
                                  "endCursor": (after + first).to_string(), "startCursor": after.to_string()},
                })))
            }
            ("Project", "mergeRequest") => Some(Ok(obj["mergeRequests"]
                .as_array()
                .and_then(|l| l.iter().find(|m| m["iid"] == args["iid"]))
                .cloned()
                .unwrap_or(Value::Null))),
            ("Pipeline", "jobs") => {
                let statuses = args["statuses"].as_array().cloned();
                let nodes: Vec<Value> = obj["jobs"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|j| statuses.as_ref().is_none_or(|s| s.contains(&j["status"])))
                    .collect();
                Some(Ok(json!({"__typename": "CiJobConnection", "nodes": nodes})))
            }
            _ => None,
        }
    };
    let (body, violations) = gql::execute(SCHEMA.get(), &doc, &vars, &mut hook);
    st.problems.extend(violations);
    Canned::json(200, body)
}
