//! `linear` tracker: Linear issues over its GraphQL API (`POST https://api.linear.app/graphql`,
//! `tracker.apiUrl` overrides), on the shared tracker client (`service.rs`: persisted
//! backoff, redacted token).
//!
//! * Auth: a personal API key (`lin_api_…`) is sent as `Authorization: <key>`; an OAuth
//!   token (`lin_oauth_…`) as `Bearer <token>`. From `tracker.token` (`${VAR}`) or
//!   `LINEAR_API_KEY`.
//! * An issue is named by its identifier (`ENG-123`), its URL
//!   (`https://linear.app/<workspace>/issue/ENG-123/<slug>`) or its UUID; one query reads
//!   it. Completed means a workflow state of type `completed` or `canceled`.
//! * The branch is Linear's own `branchName` when it is a valid branch name, else
//!   `<prefix>/<identifier>-<slug of title>`.
//! * Listing (`ao batch-spawn --label`) is one query per 100 issues of the team
//!   (`tracker.teamId`, a key like `ENG` or a team UUID), filtered by labels, assignee and
//!   state type on Linear's side.
//! * `tracker.updateState: true` moves the issue when its PR opens (to the team's state
//!   named `transitions.prOpened`, default `In Review`, if the team has one) and when it
//!   merges (`transitions.merged`, default the team's first `completed` state): one query
//!   for the issue and its team's states, one `issueUpdate` mutation. An issue already
//!   done, or already in the target state, is left alone.
//! * Rate limits: a `RATELIMITED` error (any status) or a 429 starts the persisted backoff
//!   until `X-RateLimit-Requests-Reset` (epoch ms) or `Retry-After`.
//!
//! Every query and mutation here is validated in the tests against Linear's published
//! schema (`tests/fixtures/linear/schema.graphql`).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::service::{self, Client, RateHeaders, Secret, ServiceError};
use super::{Issue, IssueFilter, PrStage, Tracker};
use crate::config::{PluginConfig, ProjectConfig};
use crate::model::validate_branch;
use crate::plugins::PluginError;
use crate::sys::http::Vendor;
use crate::sys::text::strip_control;

/// Linear's public GraphQL endpoint.
pub const DEFAULT_API_URL: &str = "https://api.linear.app/graphql";
/// Environment variable read when `tracker.token` is not set.
pub const TOKEN_VAR: &str = "LINEAR_API_KEY";
/// Linear in the shared HTTP layer's messages and policy (early backoff under 2 % of
/// the budget, at least 5 calls, left).
pub const LINEAR: Vendor = Vendor {
    name: "Linear",
    auth_hint: "check the Linear token and its access",
    token_hint: "set LINEAR_API_KEY, or `token: ${VAR}` in the tracker block",
    graphql_transient: false,
    early_floor: 5,
};
/// Budget headers (reset in epoch milliseconds).
pub const HEADERS: RateHeaders = RateHeaders {
    limit: "x-ratelimit-requests-limit",
    remaining: "x-ratelimit-requests-remaining",
    reset: "x-ratelimit-requests-reset",
    reset_millis: true,
    resource: None,
};
/// Pages read when listing (100 issues a page).
const MAX_PAGES: usize = 10;
/// State moved to when a PR opens, unless `transitions.prOpened` says otherwise.
const DEFAULT_REVIEW_STATE: &str = "In Review";

/// Fields read for every issue.
const ISSUE_FIELDS: &str = "id identifier title description url branchName createdAt \
     state { name type } labels(first: 50) { nodes { name } } \
     assignee { name displayName email } team { id key }";

/// One issue by identifier, URL slug or UUID.
pub fn issue_query() -> String {
    format!("query AoIssue($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}")
}

/// A page of issues matching a filter, oldest first.
pub fn issues_query() -> String {
    format!(
        "query AoIssues($filter: IssueFilter, $after: String) {{ issues(filter: $filter, first: 100, after: $after, orderBy: createdAt) {{ nodes {{ {ISSUE_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

/// An issue's state and its team's workflow states (for a state change).
pub const STATES_QUERY: &str = "query AoIssueStates($id: String!) { issue(id: $id) { id identifier state { id name type } team { states(first: 100) { nodes { id name type position } } } } }";

/// Moves an issue to a workflow state.
pub const UPDATE_MUTATION: &str = "mutation AoIssueState($id: String!, $stateId: String!) { issueUpdate(id: $id, input: { stateId: $stateId }) { success issue { identifier state { name type } } } }";

/// The authenticated user (`ao doctor`).
pub const VIEWER_QUERY: &str = "query AoViewer { viewer { id name } }";

/// The Linear tracker for one project.
#[derive(Debug)]
pub struct LinearTracker {
    url: String,
    host: String,
    team: Option<String>,
    token: Option<service::TokenSource>,
    update_state: bool,
    review_state: String,
    done_state: Option<String>,
    data_dir: std::path::PathBuf,
}

impl LinearTracker {
    /// For a project's `tracker:` block; fails on an unusable `apiUrl`. A missing token
    /// is reported when the first call is made.
    pub fn new(project: &ProjectConfig, data_dir: &Path) -> Result<Self, PluginError> {
        let pc = project.tracker.clone().unwrap_or_default();
        Self::from_config(&pc, data_dir)
    }

    /// From a `tracker:` block.
    pub fn from_config(pc: &PluginConfig, data_dir: &Path) -> Result<Self, PluginError> {
        let (url, host) = service::check_url(
            pc.api_url.as_deref().unwrap_or(DEFAULT_API_URL),
            "tracker.apiUrl",
        )
        .map_err(|e| PluginError::Unsupported(e.to_string()))?;
        let t = pc.transitions.clone().unwrap_or_default();
        Ok(Self {
            url,
            host,
            team: pc.team_id.clone().filter(|t| !t.trim().is_empty()),
            token: service::find_token(pc.token.as_deref(), &[TOKEN_VAR]),
            update_state: pc.update_state.unwrap_or(false),
            review_state: t
                .pr_opened
                .unwrap_or_else(|| DEFAULT_REVIEW_STATE.to_owned()),
            done_state: t.merged,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Where the token comes from (`$LINEAR_API_KEY`, `tracker.token`), if any.
    pub fn token_source(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.from.as_str())
    }

    /// The client, or a clear error when no token is set.
    pub fn client(&self) -> Result<Client, ServiceError> {
        let t = self.token.as_ref().ok_or_else(|| {
            ServiceError::Config(format!(
                "no Linear API key: set {TOKEN_VAR}, or `token: ${{VAR}}` in the tracker block"
            ))
        })?;
        let key = t.secret.expose();
        let auth = if key.starts_with("lin_oauth_") {
            Secret::new(format!("Bearer {key}"))
        } else {
            t.secret.clone()
        };
        Ok(Client::new(
            &LINEAR,
            &self.host,
            auth,
            HEADERS,
            &self.data_dir,
        ))
    }

    /// Runs one GraphQL document. A `RATELIMITED` error starts the backoff; other
    /// errors without data are errors; `NotFound`-like errors become `ServiceError::NotFound`.
    pub fn graphql(
        &self,
        client: &Client,
        query: &str,
        vars: Value,
    ) -> Result<Value, ServiceError> {
        let body = json!({ "query": query, "variables": vars });
        let reply = client.send("POST", &self.url, Some(&body))?;
        let errors = reply.body.get("errors").and_then(Value::as_array).cloned();
        let errors = errors.unwrap_or_default();
        let code = |e: &Value| {
            e.pointer("/extensions/code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_uppercase()
        };
        if errors.iter().any(|e| code(e) == "RATELIMITED") {
            let reset = client.last_budget().and_then(|b| b.reset);
            return Err(client.back_off(
                reset,
                format!("POST {} answered RATELIMITED: {}", self.url, reply.message),
            ));
        }
        let data = reply.body.get("data").cloned().unwrap_or(Value::Null);
        let not_found = errors.iter().any(|e| {
            let m = e.get("message").and_then(Value::as_str).unwrap_or("");
            code(e) == "ENTITY_NOT_FOUND"
                || code(e) == "INVALID_INPUT" && m.to_ascii_lowercase().contains("not found")
                || m.to_ascii_lowercase().contains("entity not found")
        });
        if not_found {
            return Err(ServiceError::NotFound {
                method: "POST".into(),
                url: self.url.clone(),
                status: reply.status,
                message: reply.message,
            });
        }
        if !(200..300).contains(&reply.status) {
            let status = reply.status;
            return Err(reply.into_result().err().unwrap_or(ServiceError::Http {
                method: "POST".into(),
                url: self.url.clone(),
                status,
                message: "unexpected status".into(),
            }));
        }
        if data.is_null() {
            return Err(ServiceError::Http {
                method: "POST".into(),
                url: self.url.clone(),
                status: reply.status,
                message: format!("no data in the response: {}", reply.message),
            });
        }
        Ok(data)
    }

    /// One authenticated call (`viewer`) for `ao doctor`: whose key it is and the budget
    /// left. Makes no call while a backoff is in force.
    pub fn check_access(&self) -> Result<(String, Option<service::Budget>), ServiceError> {
        let client = self.client()?;
        client.check_backoff()?;
        let data = self.graphql(&client, VIEWER_QUERY, json!({}))?;
        let who = data
            .pointer("/viewer/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        Ok((strip_control(who), client.last_budget()))
    }

    /// The team filter from `teamId`: a UUID matches the id, anything else the key.
    fn team_filter(&self) -> Option<Value> {
        self.team.as_ref().map(|t| {
            if looks_like_uuid(t) {
                json!({ "id": { "eq": t } })
            } else {
                json!({ "key": { "eqIgnoreCase": t } })
            }
        })
    }

    /// The identifier, URL or UUID the user gave, as `issue(id:)` takes it.
    fn lookup_id(&self, id: &str) -> Result<String, PluginError> {
        parse_ref(id).ok_or_else(|| {
            PluginError::NotFound(format!(
                "`{}` is not a Linear issue (use an identifier like ENG-123, or its URL)",
                id.escape_default()
            ))
        })
    }

    fn fetch(&self, id: &str) -> Result<LinearIssue, PluginError> {
        let key = self.lookup_id(id)?;
        let client = self.client()?;
        let data = match self.graphql(&client, &issue_query(), json!({ "id": key })) {
            Err(ServiceError::NotFound { .. }) => {
                return Err(PluginError::NotFound(format!("no Linear issue {key}")));
            }
            other => other?,
        };
        match data.get("issue") {
            Some(v) if !v.is_null() => decode(v.clone(), &key),
            _ => Err(PluginError::NotFound(format!("no Linear issue {key}"))),
        }
    }

    fn move_to(&self, id: &str, stage: PrStage) -> Result<Option<String>, PluginError> {
        let key = self.lookup_id(id)?;
        let client = self.client()?;
        let data = self.graphql(&client, STATES_QUERY, json!({ "id": key }))?;
        let issue: StatesIssue = serde_json::from_value(data["issue"].clone()).map_err(|e| {
            PluginError::Unavailable(format!("unreadable Linear answer for {key}: {e}"))
        })?;
        if matches!(issue.state.kind.as_str(), "completed" | "canceled") {
            return Ok(None);
        }
        let mut states = issue.team.states.nodes;
        states.sort_by(|a, b| a.position.total_cmp(&b.position));
        let target = match stage {
            PrStage::Opened => states
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(&self.review_state)),
            PrStage::Merged => match &self.done_state {
                Some(n) => states.iter().find(|s| s.name.eq_ignore_ascii_case(n)),
                None => states.iter().find(|s| s.kind == "completed"),
            },
        };
        let Some(target) = target else {
            let wanted = match stage {
                PrStage::Opened => self.review_state.clone(),
                PrStage::Merged => self
                    .done_state
                    .clone()
                    .unwrap_or_else(|| "a completed state".into()),
            };
            return Err(PluginError::Unsupported(format!(
                "the team of Linear issue {} has no workflow state `{wanted}` (set tracker.transitions)",
                issue.identifier
            )));
        };
        if target.id == issue.state.id {
            return Ok(None);
        }
        let data = self.graphql(
            &client,
            UPDATE_MUTATION,
            json!({ "id": issue.id, "stateId": target.id }),
        )?;
        if data.pointer("/issueUpdate/success") != Some(&Value::Bool(true)) {
            return Err(PluginError::Unavailable(format!(
                "Linear did not update issue {}",
                issue.identifier
            )));
        }
        Ok(Some(format!(
            "Linear issue {}: {} → {}",
            issue.identifier,
            strip_control(&issue.state.name),
            strip_control(&target.name)
        )))
    }
}

/// True for a UUID (`8-4-4-4-12` hex).
fn looks_like_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// True for an identifier `TEAM-123` (team keys are letters and digits, starting with a
/// letter).
fn is_identifier(s: &str) -> bool {
    let Some((team, n)) = s.split_once('-') else {
        return false;
    };
    !team.is_empty()
        && team.len() <= 10
        && team.starts_with(|c: char| c.is_ascii_alphabetic())
        && team.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !n.is_empty()
        && n.len() <= 9
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// The issue reference in what the user typed: `ENG-123` (upper-cased), a Linear issue
/// URL, or a UUID. `None` when it is none of these.
pub fn parse_ref(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(rest) = s
        .strip_prefix("https://linear.app/")
        .or_else(|| s.strip_prefix("http://linear.app/"))
    {
        let mut parts = rest.split(['/', '?', '#']);
        let _workspace = parts.next()?;
        if parts.next()? != "issue" {
            return None;
        }
        let id = parts.next()?;
        return is_identifier(id).then(|| id.to_ascii_uppercase());
    }
    if is_identifier(s) {
        return Some(s.to_ascii_uppercase());
    }
    looks_like_uuid(s).then(|| s.to_ascii_lowercase())
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Nodes<T> {
    #[serde(default = "Vec::new")]
    nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct StateRef {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    position: f64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinearIssue {
    identifier: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    branch_name: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    state: Option<StateRef>,
    #[serde(default)]
    labels: Option<Nodes<Named>>,
    #[serde(default)]
    assignee: Option<Named>,
}

#[derive(Debug, Deserialize)]
struct TeamStates {
    states: Nodes<StateRef>,
}

#[derive(Debug, Deserialize)]
struct StatesIssue {
    id: String,
    identifier: String,
    state: StateRef,
    team: TeamStates,
}

fn decode(v: Value, what: &str) -> Result<LinearIssue, PluginError> {
    serde_json::from_value(v)
        .map_err(|e| PluginError::Unavailable(format!("unreadable Linear answer for {what}: {e}")))
}

impl LinearIssue {
    fn is_done(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| matches!(s.kind.as_str(), "completed" | "canceled"))
    }

    fn into_issue(self) -> Issue {
        let state = if self.is_done() { "closed" } else { "open" };
        Issue {
            id: strip_control(&self.identifier),
            title: strip_control(&self.title).replace('\n', " "),
            body: strip_control(self.description.as_deref().unwrap_or("")),
            labels: self
                .labels
                .map(|l| l.nodes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|l| l.name)
                .map(|n| strip_control(&n))
                .collect(),
            state: state.into(),
            assignees: self
                .assignee
                .and_then(|a| a.display_name.or(a.name))
                .map(|n| strip_control(&n))
                .into_iter()
                .collect(),
            url: self.url,
            branch: self.branch_name.filter(|b| validate_branch(b).is_ok()),
        }
    }
}

impl Tracker for LinearTracker {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        Ok(self.fetch(id)?.into_issue())
    }

    fn is_completed(&self, id: &str) -> Result<bool, PluginError> {
        Ok(self.fetch(id)?.is_done())
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let Some(team) = self.team_filter() else {
            return Err(PluginError::Unsupported(
                "listing Linear issues needs `teamId` (a team key like ENG, or its id) in the tracker block".into(),
            ));
        };
        let mut and = vec![json!({ "team": team })];
        for l in &filter.labels {
            and.push(json!({ "labels": { "some": { "name": { "eqIgnoreCase": l } } } }));
        }
        if let Some(a) = &filter.assignee {
            and.push(json!({ "assignee": { "or": [
                { "email": { "eqIgnoreCase": a } },
                { "displayName": { "eqIgnoreCase": a } },
                { "name": { "eqIgnoreCase": a } }
            ] } }));
        }
        let done = json!(["completed", "canceled"]);
        match filter.state.as_deref().unwrap_or("open") {
            "open" => and.push(json!({ "state": { "type": { "nin": done } } })),
            "closed" => and.push(json!({ "state": { "type": { "in": done } } })),
            "all" => {}
            other => {
                return Err(PluginError::Unsupported(format!(
                    "issue state `{}` (use open, closed or all)",
                    other.escape_default()
                )));
            }
        }
        let client = self.client()?;
        let mut out: Vec<LinearIssue> = Vec::new();
        let mut after = Value::Null;
        for _ in 0..MAX_PAGES {
            let data = self.graphql(
                &client,
                &issues_query(),
                json!({ "filter": { "and": and }, "after": after }),
            )?;
            let page = &data["issues"];
            let nodes: Vec<LinearIssue> =
                serde_json::from_value(page["nodes"].clone()).map_err(|e| {
                    PluginError::Unavailable(format!("unreadable Linear issue list: {e}"))
                })?;
            out.extend(nodes);
            match (
                page.pointer("/pageInfo/hasNextPage"),
                page.pointer("/pageInfo/endCursor"),
            ) {
                (Some(Value::Bool(true)), Some(Value::String(c))) => after = json!(c),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(out.into_iter().map(LinearIssue::into_issue).collect())
    }

    fn follows_prs(&self) -> bool {
        self.update_state
    }

    fn on_pr(&self, id: &str, stage: PrStage) -> Result<Option<String>, PluginError> {
        if !self.update_state {
            return Ok(None);
        }
        self.move_to(id, stage)
    }

    fn branch_name(&self, issue: &Issue, prefix: &str) -> String {
        // Linear's own suggested branch name (kept only when it is a valid branch).
        match &issue.branch {
            Some(b) => b.clone(),
            None => super::branch_for(issue, prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_ref("ENG-123").as_deref(), Some("ENG-123"));
        assert_eq!(parse_ref("eng-7").as_deref(), Some("ENG-7"));
        assert_eq!(
            parse_ref("https://linear.app/acme/issue/ENG-123/fix-the-login").as_deref(),
            Some("ENG-123")
        );
        assert_eq!(
            parse_ref("9c0f1e6a-3b5d-4c1e-8f2a-0b1c2d3e4f5a").as_deref(),
            Some("9c0f1e6a-3b5d-4c1e-8f2a-0b1c2d3e4f5a")
        );
        assert_eq!(parse_ref("https://evil.example/issue/ENG-1"), None);
        assert_eq!(parse_ref("../ENG-1"), None);
        assert_eq!(parse_ref("42"), None);
        assert_eq!(parse_ref("ENG-12a"), None);
    }

    #[test]
    fn branch_from_linear_or_slug() {
        let t = LinearTracker::from_config(&PluginConfig::default(), Path::new("/tmp")).unwrap();
        let mut i = Issue {
            id: "ENG-123".into(),
            title: "Fix `login`; $(rm -rf /)".into(),
            body: String::new(),
            labels: vec![],
            state: "open".into(),
            assignees: vec![],
            url: None,
            branch: Some("ann/eng-123-fix-login".into()),
        };
        assert_eq!(t.branch_name(&i, "ao"), "ann/eng-123-fix-login");
        i.branch = None;
        let b = t.branch_name(&i, "ao");
        assert_eq!(b, "ao/eng-123-fix-login-rm-rf");
        assert!(validate_branch(&b).is_ok());
    }

    #[test]
    fn unsafe_branch_names_from_linear_are_dropped() {
        let v = json!({"identifier": "ENG-1", "title": "t", "branchName": "../../etc; rm -rf"});
        let i = decode(v, "x").unwrap().into_issue();
        assert_eq!(i.branch, None);
    }
}
