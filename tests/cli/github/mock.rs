//! A local HTTP server on 127.0.0.1 that plays GitHub for tests (tiny_http, one thread).
//!
//! REST payloads start from GitHub's own OpenAPI examples (`tests/fixtures/github/rest/`,
//! extracted from `@octokit/openapi`) with only the identifying fields changed; GraphQL
//! answers are computed from the query over a schema-shaped world (`gql.rs`). Every
//! request is recorded. Every response carries `x-ratelimit-*` headers; GET responses
//! carry an `ETag` and answer `If-None-Match` with 304. Scripted overrides answer the
//! next matching request with anything (403 rate-limited, 429, 502, truncated JSON).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::gql;
pub use crate::common::stand_in::{Canned, Recorded};
use crate::common::stand_in::{Overrides, Scripted, StandIn};

/// A JSON answer as GitHub sends it.
fn json(status: u16, body: Value) -> Canned {
    Canned::json_as(status, "application/json; charset=utf-8", &body)
}

/// Everything the mock knows and remembers.
#[derive(Debug, Default)]
pub struct State {
    /// GraphQL world.
    pub world: gql::World,
    /// REST issues by `owner/name` (full REST issue objects).
    pub issues: BTreeMap<String, Vec<Value>>,
    /// Actions job logs by job id.
    pub job_logs: BTreeMap<u64, String>,
    /// Scripted answers: (path prefix or any, response), consumed in order.
    pub overrides: Overrides,
    /// Schema violations and invalid documents seen (must stay empty).
    pub problems: Vec<String>,
    /// `x-ratelimit-remaining` to report.
    pub remaining: u64,
    /// `x-ratelimit-reset` to report (epoch seconds).
    pub reset: i64,
}

/// The running mock (`url`: the REST base for `apiUrl`).
pub type MockGitHub = StandIn<State>;

impl MockGitHub {
    /// Starts the server on an ephemeral loopback port.
    pub fn start() -> Self {
        let state = State {
            remaining: 4999,
            reset: jiff::Timestamp::now().as_second() + 3600,
            ..State::default()
        };
        StandIn::serve(state, respond)
    }
}

impl Scripted for State {
    const NAME: &'static str = "GitHub";

    fn overrides(&mut self) -> &mut Overrides {
        &mut self.overrides
    }

    fn problems(&self) -> &[String] {
        &self.problems
    }
}

fn rate_headers(st: &State, resource: &str, c: Canned) -> Canned {
    c.header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", &st.remaining.to_string())
        .header(
            "x-ratelimit-used",
            &(5000 - st.remaining.min(5000)).to_string(),
        )
        .header("x-ratelimit-reset", &st.reset.to_string())
        .header("x-ratelimit-resource", resource)
}

fn not_found() -> Canned {
    json(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

fn respond(st: &mut State, base: &str, rec: &Recorded) -> Canned {
    let path = rec.path().to_owned();
    if let Some(c) = st.overrides.take(&path) {
        return c;
    }
    let resource = if path == "/graphql" {
        "graphql"
    } else {
        "core"
    };
    let c = route(st, base, rec, &path);
    if c.status != 304 && !path.starts_with("/_logs/") {
        st.remaining = st.remaining.saturating_sub(1);
    }
    if path.starts_with("/_logs/") {
        return c;
    }
    rate_headers(st, resource, c)
}

fn etagged(rec: &Recorded, body: Value) -> Canned {
    let text = body.to_string();
    let tag = format!("W/\"{:016x}\"", fnv(text.as_bytes()));
    if rec.header("if-none-match") == Some(tag.as_str()) {
        return Canned {
            status: 304,
            headers: vec![("ETag".into(), tag)],
            body: String::new(),
        };
    }
    json(200, body)
        .header("ETag", &tag)
        .header("Cache-Control", "private, max-age=60, s-maxage=60")
}

fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in b {
        h ^= u64::from(*x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn route(st: &mut State, base: &str, rec: &Recorded, path: &str) -> Canned {
    if path == "/graphql" && rec.method == "POST" {
        return graphql(st, rec);
    }
    if let Some(id) = path.strip_prefix("/_logs/") {
        let id: u64 = id.parse().unwrap_or(0);
        return match st.job_logs.get(&id) {
            Some(log) => Canned {
                status: 200,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: log.clone(),
            },
            None => Canned {
                status: 404,
                headers: vec![],
                body: "<Error><Code>BlobNotFound</Code></Error>".into(),
            },
        };
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (rec.method.as_str(), parts.as_slice()) {
        ("GET", ["repos", o, r, "issues"]) => list_issues(st, base, rec, &format!("{o}/{r}")),
        ("POST", ["repos", o, r, "issues"]) => {
            let req: Value = serde_json::from_str(&rec.body).unwrap_or(Value::Null);
            let repo = format!("{o}/{r}");
            let list = st.issues.entry(repo.clone()).or_default();
            let n = list.len() as u64 + 1000;
            let issue = issue_json(
                &repo,
                n,
                req["title"].as_str().unwrap_or(""),
                req["body"].as_str().unwrap_or(""),
                &[],
                "open",
                &[],
                false,
            );
            list.push(issue.clone());
            json(201, issue)
        }
        ("GET", ["repos", o, r, "issues", n]) => {
            let repo = format!("{o}/{r}");
            let n: u64 = n.parse().unwrap_or(0);
            match st
                .issues
                .get(&repo)
                .and_then(|l| l.iter().find(|i| i["number"] == json!(n)))
            {
                Some(i) => etagged(rec, i.clone()),
                None => not_found(),
            }
        }
        ("POST", ["repos", o, r, "issues", n, what]) => {
            let repo = format!("{o}/{r}");
            let n: u64 = n.parse().unwrap_or(0);
            let req: Value = serde_json::from_str(&rec.body).unwrap_or(Value::Null);
            let Some(issue) = st
                .issues
                .get_mut(&repo)
                .and_then(|l| l.iter_mut().find(|i| i["number"] == json!(n)))
            else {
                return not_found();
            };
            match *what {
                "assignees" => {
                    let mut a = issue["assignees"].as_array().cloned().unwrap_or_default();
                    for l in req["assignees"].as_array().cloned().unwrap_or_default() {
                        a.push(user(l.as_str().unwrap_or("")));
                    }
                    issue["assignees"] = Value::Array(a);
                    json(201, issue.clone())
                }
                "labels" => {
                    let mut ls = issue["labels"].as_array().cloned().unwrap_or_default();
                    for l in req["labels"].as_array().cloned().unwrap_or_default() {
                        ls.push(label(l.as_str().unwrap_or("")));
                    }
                    issue["labels"] = Value::Array(ls.clone());
                    json(200, Value::Array(ls))
                }
                _ => not_found(),
            }
        }
        ("GET", ["repos", _o, _r, "actions", "jobs", id, "logs"]) => {
            let id: u64 = id.parse().unwrap_or(0);
            if !st.job_logs.contains_key(&id) {
                return not_found();
            }
            Canned {
                status: 302,
                headers: vec![(
                    "Location".into(),
                    format!("{base}/_logs/{id}?urlSigningMethod=HMACV1&urlSignature=SIGNED-SECRET"),
                )],
                body: String::new(),
            }
        }
        ("PUT", ["repos", o, r, "pulls", n, "merge"]) => merge(st, &format!("{o}/{r}"), n, rec),
        ("GET", ["repos", o, r, "pulls", n]) => {
            let repo = format!("{o}/{r}");
            let n: i64 = n.parse().unwrap_or(0);
            let Some(pr) = find_pr(st, &repo, n) else {
                return not_found();
            };
            let mut v: Value =
                serde_json::from_str(include_str!("../../fixtures/github/rest/pull-request.json"))
                    .unwrap();
            v["number"] = json!(n);
            let merged = pr["state"] == "MERGED";
            v["merged"] = json!(merged);
            v["state"] = json!(if pr["state"] == "OPEN" {
                "open"
            } else {
                "closed"
            });
            v["merge_commit_sha"] = pr["mergeCommit"]["oid"].clone();
            v["head"]["sha"] = pr["headRefOid"].clone();
            etagged(rec, v)
        }
        _ => not_found(),
    }
}

fn find_pr<'a>(st: &'a State, repo: &str, n: i64) -> Option<&'a Value> {
    st.world.repos.get(repo)?["pullRequests"]
        .as_array()?
        .iter()
        .find(|p| p["number"].as_i64() == Some(n))
}

fn merge(st: &mut State, repo: &str, n: &str, rec: &Recorded) -> Canned {
    let n: i64 = n.parse().unwrap_or(0);
    let req: Value = serde_json::from_str(&rec.body).unwrap_or(Value::Null);
    let Some(prs) = st
        .world
        .repos
        .get_mut(repo)
        .and_then(|r| r["pullRequests"].as_array_mut())
    else {
        return not_found();
    };
    let Some(pr) = prs.iter_mut().find(|p| p["number"].as_i64() == Some(n)) else {
        return not_found();
    };
    if pr["state"] != "OPEN" {
        return json(405, json!({"message": "Pull Request is not mergeable"}));
    }
    if !req["sha"].is_null() && req["sha"] != pr["headRefOid"] {
        return json(
            409,
            json!({"message": "Head branch was modified. Review and try the merge again."}),
        );
    }
    let mut result: Value = serde_json::from_str(include_str!(
        "../../fixtures/github/rest/pull-request-merge-result.json"
    ))
    .unwrap();
    let sha = format!("{:040x}", fnv(format!("merge{n}").as_bytes()));
    result["sha"] = json!(sha);
    pr["state"] = json!("MERGED");
    pr["mergeCommit"] = json!({"__typename": "Commit", "oid": sha});
    json(200, result)
}

fn list_issues(st: &State, base: &str, rec: &Recorded, repo: &str) -> Canned {
    let state = rec.query_param("state").unwrap_or_else(|| "open".into());
    let labels: Vec<String> = rec
        .query_param("labels")
        .map(|l| l.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let assignee = rec.query_param("assignee");
    let per_page: usize = rec
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30);
    let page: usize = rec
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let all: Vec<Value> = st
        .issues
        .get(repo)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| state == "all" || i["state"] == json!(state))
        .filter(|i| {
            labels.iter().all(|l| {
                i["labels"]
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|x| x["name"] == json!(l)))
            })
        })
        .filter(|i| {
            assignee.as_ref().is_none_or(|a| {
                i["assignees"]
                    .as_array()
                    .is_some_and(|xs| xs.iter().any(|x| x["login"] == json!(a)))
            })
        })
        .collect();
    let start = (page - 1) * per_page;
    let chunk: Vec<Value> = all.iter().skip(start).take(per_page).cloned().collect();
    let mut c = etagged(rec, Value::Array(chunk));
    if start + per_page < all.len() {
        let q = rec.url.split_once('?').map_or("", |x| x.1);
        let q: Vec<&str> = q.split('&').filter(|kv| !kv.starts_with("page=")).collect();
        let next = format!(
            "{base}/repos/{repo}/issues?{}&page={}",
            q.join("&"),
            page + 1
        );
        c = c.header("Link", &format!("<{next}>; rel=\"next\""));
    }
    c
}

fn graphql(st: &mut State, rec: &Recorded) -> Canned {
    let req: Value = match serde_json::from_str(&rec.body) {
        Ok(v) => v,
        Err(e) => {
            st.problems
                .push(format!("GraphQL request body is not JSON: {e}"));
            return json(400, json!({"message": "Problems parsing JSON"}));
        }
    };
    let query = req["query"].as_str().unwrap_or("");
    let vars = req.get("variables").cloned().unwrap_or(json!({}));
    let doc = match gql::SCHEMA.validate(query) {
        Ok(d) => d,
        Err(e) => {
            st.problems.push(format!(
                "invalid GraphQL document:\n{e}\n--- query\n{query}"
            ));
            return json(200, json!({"errors": [{"message": e}]}));
        }
    };
    let var_problems = gql::SCHEMA.check_variables(&doc, &vars);
    if !var_problems.is_empty() {
        st.problems.extend(var_problems.clone());
        return json(
            200,
            json!({"errors": [{"message": var_problems.join("; ")}]}),
        );
    }
    let (body, violations) = gql::execute(&doc, &vars, &st.world);
    st.problems.extend(violations);
    json(200, body)
}

/// A REST user object (shape of GitHub's `simple-user`).
pub fn user(login: &str) -> Value {
    let mut u: Value =
        serde_json::from_str(include_str!("../../fixtures/github/rest/issue.json")).unwrap();
    let mut u = u["user"].take();
    u["login"] = json!(login);
    u["url"] = json!(format!("https://api.github.com/users/{login}"));
    u["html_url"] = json!(format!("https://github.com/{login}"));
    u
}

/// A REST label object (shape of GitHub's `label`).
pub fn label(name: &str) -> Value {
    let v: Value =
        serde_json::from_str(include_str!("../../fixtures/github/rest/label-items.json")).unwrap();
    let mut l = v[0].clone();
    l["name"] = json!(name);
    l
}

/// A REST issue built from GitHub's OpenAPI `issue` example. The example is an issue that
/// is also a pull request (it has `pull_request`); plain issues drop that key.
#[allow(clippy::too_many_arguments)]
pub fn issue_json(
    repo: &str,
    n: u64,
    title: &str,
    body: &str,
    labels: &[&str],
    state: &str,
    assignees: &[&str],
    is_pr: bool,
) -> Value {
    let mut v: Value =
        serde_json::from_str(include_str!("../../fixtures/github/rest/issue.json")).unwrap();
    v["number"] = json!(n);
    v["title"] = json!(title);
    v["body"] = json!(body);
    v["state"] = json!(state);
    v["url"] = json!(format!("https://api.github.com/repos/{repo}/issues/{n}"));
    v["html_url"] = json!(format!("https://github.com/{repo}/issues/{n}"));
    v["labels"] = Value::Array(labels.iter().map(|l| label(l)).collect());
    v["assignees"] = Value::Array(assignees.iter().map(|a| user(a)).collect());
    v["assignee"] = assignees.first().map_or(Value::Null, |a| user(a));
    if !is_pr {
        v.as_object_mut().unwrap().remove("pull_request");
    }
    v
}
