//! `jira` tracker: Jira Cloud (REST v3) and Jira Data Center (REST v2) issues, on the
//! shared tracker client (`service.rs`: persisted backoff, redacted token).
//!
//! * `tracker.baseUrl` is the site (`https://acme.atlassian.net`). With `tracker.email` the
//!   token is a Cloud API token sent as HTTP basic auth and ao speaks REST v3 (descriptions
//!   in Atlassian Document Format, rendered to Markdown for the prompt); without it the
//!   token is a Data Center personal access token sent as `Bearer` and ao speaks REST v2
//!   (descriptions are wiki-markup strings, passed as they are). The token comes from
//!   `tracker.token` (`${VAR}`) or `JIRA_API_TOKEN`.
//! * An issue is named by its key (`PROJ-123`) or its `…/browse/PROJ-123` URL; one GET
//!   reads it with only the fields ao uses. Completed means status category `done`.
//! * Listing (`ao batch-spawn`) runs `tracker.jql` (plus `labels = …` per `--label` and an
//!   open/closed status-category clause), 100 issues a request: Cloud's
//!   `POST /rest/api/3/search/jql` (token-paged), Data Center's `POST /rest/api/2/search`.
//! * `tracker.transitions: {prOpened: …, merged: …}` transitions the issue when its PR
//!   opens / merges: the transition whose name (or target status name) matches,
//!   case-insensitively. One GET of the available transitions, one POST.
//! * Rate limits: a 429 starts the persisted backoff until `Retry-After` (or
//!   `X-RateLimit-Reset`).
//!
//! Request and response shapes are checked in the tests against Atlassian's published
//! OpenAPI document (`tests/fixtures/jira/`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::service::{self, Client, RateHeaders, Secret, ServiceError, encode};
use super::{Issue, IssueFilter, PrStage, Tracker};
use crate::config::{PluginConfig, ProjectConfig};
use crate::plugins::PluginError;
use crate::sys::http::Vendor;
use crate::sys::text::strip_control;

/// Environment variable read when `tracker.token` is not set.
pub const TOKEN_VAR: &str = "JIRA_API_TOKEN";
/// Jira in the shared HTTP layer's messages and policy (early backoff under 2 % of
/// the budget, at least 5 calls, left).
pub const JIRA: Vendor = Vendor {
    name: "Jira",
    auth_hint: "check the Jira token and its access",
    token_hint: "set JIRA_API_TOKEN, or `token: ${VAR}` in the tracker block",
    graphql_transient: false,
    early_floor: 5,
};
/// Budget headers Jira sends (reset as an ISO time).
pub const HEADERS: RateHeaders = RateHeaders {
    limit: "x-ratelimit-limit",
    remaining: "x-ratelimit-remaining",
    reset: "x-ratelimit-reset",
    reset_millis: false,
    resource: None,
};
/// Fields read for every issue.
pub const FIELDS: &[&str] = &[
    "summary",
    "description",
    "status",
    "labels",
    "assignee",
    "created",
];
/// Pages read when listing (100 issues a page).
const MAX_PAGES: usize = 10;

/// The Jira tracker for one project.
#[derive(Debug)]
pub struct JiraTracker {
    base: String,
    host: String,
    email: Option<String>,
    token: Option<service::TokenSource>,
    jql: Option<String>,
    on_open: Option<String>,
    on_merge: Option<String>,
    data_dir: PathBuf,
}

impl JiraTracker {
    /// For a project's `tracker:` block; fails without a usable `baseUrl`.
    pub fn new(project: &ProjectConfig, data_dir: &Path) -> Result<Self, PluginError> {
        Self::from_config(&project.tracker.clone().unwrap_or_default(), data_dir)
    }

    /// From a `tracker:` block.
    pub fn from_config(pc: &PluginConfig, data_dir: &Path) -> Result<Self, PluginError> {
        let raw = pc.base_url.as_deref().ok_or_else(|| {
            PluginError::Unsupported(
                "the `jira` tracker needs `baseUrl` (like https://acme.atlassian.net)".into(),
            )
        })?;
        let (base, host) = service::check_url(raw, "tracker.baseUrl")
            .map_err(|e| PluginError::Unsupported(e.to_string()))?;
        let t = pc.transitions.clone().unwrap_or_default();
        Ok(Self {
            base,
            host,
            email: pc.email.clone().filter(|e| !e.trim().is_empty()),
            token: service::find_token(pc.token.as_deref(), &[TOKEN_VAR]),
            jql: pc.jql.clone().filter(|j| !j.trim().is_empty()),
            on_open: t.pr_opened,
            on_merge: t.merged,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// True for Jira Cloud (basic auth with an email, REST v3).
    pub fn is_cloud(&self) -> bool {
        self.email.is_some()
    }

    /// Where the token comes from, if any.
    pub fn token_source(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.from.as_str())
    }

    /// `<baseUrl>/rest/api/3` (Cloud) or `/rest/api/2` (Data Center).
    pub fn api(&self) -> String {
        format!(
            "{}/rest/api/{}",
            self.base,
            if self.is_cloud() { 3 } else { 2 }
        )
    }

    /// The client, or a clear error when no token is set.
    pub fn client(&self) -> Result<Client, ServiceError> {
        let t = self.token.as_ref().ok_or_else(|| {
            ServiceError::Config(format!(
                "no Jira token: set {TOKEN_VAR}, or `token: ${{VAR}}` in the tracker block"
            ))
        })?;
        let auth = match &self.email {
            Some(email) => Secret::new(format!(
                "Basic {}",
                base64(format!("{}:{}", email.trim(), t.secret.expose()).as_bytes())
            )),
            None => Secret::new(format!("Bearer {}", t.secret.expose())),
        };
        Ok(Client::new(
            &JIRA,
            &self.host,
            auth,
            HEADERS,
            &self.data_dir,
        ))
    }

    /// One authenticated call (`GET …/myself`) for `ao doctor`: whose token it is and the
    /// budget left. Makes no call while a backoff is in force.
    pub fn check_access(&self) -> Result<(String, Option<service::Budget>), ServiceError> {
        let client = self.client()?;
        client.check_backoff()?;
        let v = client
            .send("GET", &format!("{}/myself", self.api()), None)?
            .into_result()?;
        let who = v
            .get("displayName")
            .or_else(|| v.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        Ok((strip_control(who), client.last_budget()))
    }

    fn key_of(&self, id: &str) -> Result<String, PluginError> {
        parse_key(id).ok_or_else(|| {
            PluginError::NotFound(format!(
                "`{}` is not a Jira issue key (use one like PROJ-123)",
                id.escape_default()
            ))
        })
    }

    fn fetch(&self, id: &str) -> Result<JiraIssue, PluginError> {
        let key = self.key_of(id)?;
        let client = self.client()?;
        let url = format!(
            "{}/issue/{}?fields={}",
            self.api(),
            encode(&key),
            FIELDS.join(",")
        );
        let v = match client.send("GET", &url, None)?.into_result() {
            Err(ServiceError::NotFound { .. }) => {
                return Err(PluginError::NotFound(format!(
                    "no Jira issue {key} (or the token cannot see it)"
                )));
            }
            other => other?,
        };
        serde_json::from_value(v)
            .map_err(|e| PluginError::Unavailable(format!("unreadable Jira answer for {key}: {e}")))
    }

    fn to_issue(&self, i: JiraIssue) -> Issue {
        let f = i.fields;
        let done = f
            .status
            .as_ref()
            .and_then(|s| s.status_category.as_ref())
            .is_some_and(|c| c.key == "done");
        Issue {
            url: Some(format!("{}/browse/{}", self.base, i.key)),
            id: strip_control(&i.key),
            title: strip_control(f.summary.as_deref().unwrap_or("")).replace('\n', " "),
            body: strip_control(&super::adf::render(&f.description)),
            labels: f.labels.iter().map(|l| strip_control(l)).collect(),
            state: if done { "closed" } else { "open" }.into(),
            assignees: f
                .assignee
                .and_then(|a| a.display_name)
                .map(|n| strip_control(&n))
                .into_iter()
                .collect(),
            branch: None,
        }
    }

    /// The JQL for a listing: `tracker.jql`, the label and state clauses, oldest first.
    pub fn listing_jql(&self, filter: &IssueFilter) -> Result<String, PluginError> {
        let mut clauses: Vec<String> = Vec::new();
        if let Some(j) = &self.jql {
            // An ORDER BY in the configured JQL would end up in the middle: drop it.
            let lower = j.to_ascii_lowercase();
            let base = match lower.find(" order by ") {
                Some(i) => &j[..i],
                None => j.as_str(),
            };
            clauses.push(format!("({})", base.trim()));
        }
        for l in &filter.labels {
            clauses.push(format!("labels = {}", jql_string(l)));
        }
        if let Some(a) = &filter.assignee {
            clauses.push(format!("assignee = {}", jql_string(a)));
        }
        match filter.state.as_deref().unwrap_or("open") {
            "open" => clauses.push("statusCategory != Done".into()),
            "closed" => clauses.push("statusCategory = Done".into()),
            "all" => {}
            other => {
                return Err(PluginError::Unsupported(format!(
                    "issue state `{}` (use open, closed or all)",
                    other.escape_default()
                )));
            }
        }
        if self.jql.is_none() && filter.labels.is_empty() && filter.assignee.is_none() {
            return Err(PluginError::Unsupported(
                "listing Jira issues needs `jql` in the tracker block (like `project = PROJ`) or --label".into(),
            ));
        }
        Ok(format!("{} ORDER BY created ASC", clauses.join(" AND ")))
    }

    fn transition(&self, id: &str, stage: PrStage) -> Result<Option<String>, PluginError> {
        let wanted = match stage {
            PrStage::Opened => self.on_open.as_deref(),
            PrStage::Merged => self.on_merge.as_deref(),
        };
        let Some(wanted) = wanted else {
            return Ok(None);
        };
        let key = self.key_of(id)?;
        let client = self.client()?;
        let url = format!("{}/issue/{}/transitions", self.api(), encode(&key));
        let v = client.send("GET", &url, None)?.into_result()?;
        let list: Transitions = serde_json::from_value(v).map_err(|e| {
            PluginError::Unavailable(format!("unreadable Jira transitions for {key}: {e}"))
        })?;
        let found = list.transitions.iter().find(|t| {
            t.name.eq_ignore_ascii_case(wanted)
                || t.to
                    .as_ref()
                    .is_some_and(|s| s.name.eq_ignore_ascii_case(wanted))
        });
        let Some(t) = found else {
            let names: Vec<String> = list
                .transitions
                .iter()
                .map(|t| strip_control(&t.name))
                .collect();
            return Err(PluginError::Unsupported(format!(
                "Jira issue {key} has no transition `{wanted}` now (available: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        };
        client
            .send("POST", &url, Some(&json!({ "transition": { "id": t.id } })))?
            .into_result()?;
        Ok(Some(format!(
            "Jira issue {key}: transition `{}`",
            strip_control(&t.name)
        )))
    }
}

/// A JQL string literal.
fn jql_string(s: &str) -> String {
    let escaped: String = s
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// The issue key in `PROJ-123` or a `…/browse/PROJ-123` URL (upper-cased).
pub fn parse_key(s: &str) -> Option<String> {
    let s = s.trim();
    let s = match s.rfind("/browse/") {
        Some(i) if s.starts_with("https://") || s.starts_with("http://") => {
            s[i + "/browse/".len()..].split(['/', '?', '#']).next()?
        }
        _ => s,
    };
    let (project, n) = s.split_once('-')?;
    let ok = !project.is_empty()
        && project.len() <= 255
        && project.starts_with(|c: char| c.is_ascii_alphabetic())
        && project
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !n.is_empty()
        && n.len() <= 12
        && n.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.to_ascii_uppercase())
}

/// Standard base64 (RFC 4648, padded) for the basic-auth header.
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Debug, Deserialize)]
struct Category {
    #[serde(default)]
    key: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    #[serde(default)]
    name: String,
    #[serde(default)]
    status_category: Option<Category>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Fields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    description: Value,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignee: Option<User>,
}

#[derive(Debug, Deserialize)]
struct JiraIssue {
    key: String,
    fields: Fields,
}

#[derive(Debug, Deserialize)]
struct Transition {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    to: Option<Status>,
}

#[derive(Debug, Deserialize)]
struct Transitions {
    #[serde(default)]
    transitions: Vec<Transition>,
}

impl Tracker for JiraTracker {
    fn name(&self) -> &'static str {
        "jira"
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        let i = self.fetch(id)?;
        Ok(self.to_issue(i))
    }

    fn is_completed(&self, id: &str) -> Result<bool, PluginError> {
        Ok(self.get_issue(id)?.state == "closed")
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let jql = self.listing_jql(filter)?;
        let client = self.client()?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for page in 0..MAX_PAGES {
            let (url, body) = if self.is_cloud() {
                let mut b = json!({ "jql": jql, "fields": FIELDS, "maxResults": 100 });
                if let Some(t) = &token {
                    b["nextPageToken"] = json!(t);
                }
                (format!("{}/search/jql", self.api()), b)
            } else {
                (
                    format!("{}/search", self.api()),
                    json!({ "jql": jql, "fields": FIELDS, "maxResults": 100, "startAt": page * 100 }),
                )
            };
            let v = client.send("POST", &url, Some(&body))?.into_result()?;
            let issues: Vec<JiraIssue> = serde_json::from_value(v["issues"].clone())
                .map_err(|e| PluginError::Unavailable(format!("unreadable Jira search: {e}")))?;
            let n = issues.len();
            out.extend(issues.into_iter().map(|i| self.to_issue(i)));
            if self.is_cloud() {
                match v.get("nextPageToken").and_then(Value::as_str) {
                    Some(t) if v.get("isLast") != Some(&Value::Bool(true)) => {
                        token = Some(t.to_owned());
                    }
                    _ => break,
                }
            } else {
                let total = v.get("total").and_then(Value::as_u64).unwrap_or(0);
                if n == 0 || ((page + 1) * 100) as u64 >= total {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn follows_prs(&self) -> bool {
        self.on_open.is_some() || self.on_merge.is_some()
    }

    fn on_pr(&self, id: &str, stage: PrStage) -> Result<Option<String>, PluginError> {
        self.transition(id, stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(email: Option<&str>, jql: Option<&str>) -> JiraTracker {
        let pc = PluginConfig {
            base_url: Some("https://acme.atlassian.net/".into()),
            email: email.map(str::to_owned),
            jql: jql.map(str::to_owned),
            ..PluginConfig::default()
        };
        JiraTracker::from_config(&pc, Path::new("/tmp")).unwrap()
    }

    #[test]
    fn keys() {
        assert_eq!(parse_key("proj-12").as_deref(), Some("PROJ-12"));
        assert_eq!(
            parse_key("https://acme.atlassian.net/browse/PROJ-7?x=1").as_deref(),
            Some("PROJ-7")
        );
        assert_eq!(parse_key("PROJ"), None);
        assert_eq!(parse_key("../PROJ-1"), None);
        assert_eq!(parse_key("PROJ-1/../x"), None);
    }

    #[test]
    fn cloud_or_data_center() {
        assert_eq!(
            tracker(Some("a@b.c"), None).api(),
            "https://acme.atlassian.net/rest/api/3"
        );
        assert_eq!(
            tracker(None, None).api(),
            "https://acme.atlassian.net/rest/api/2"
        );
        assert!(JiraTracker::from_config(&PluginConfig::default(), Path::new("/tmp")).is_err());
    }

    #[test]
    fn listing_jql() {
        let t = tracker(None, Some("project = PROJ ORDER BY rank"));
        let f = IssueFilter {
            labels: vec!["ao\" OR 1=1".into()],
            ..IssueFilter::default()
        };
        assert_eq!(
            t.listing_jql(&f).unwrap(),
            "(project = PROJ) AND labels = \"ao\\\" OR 1=1\" AND statusCategory != Done ORDER BY created ASC"
        );
        assert!(
            tracker(None, None)
                .listing_jql(&IssueFilter::default())
                .is_err()
        );
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"a@b.c:tok"), "YUBiLmM6dG9r");
    }
}
