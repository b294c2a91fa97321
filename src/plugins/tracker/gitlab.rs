//! `gitlab` tracker: issues of the project (`repo: group/project`) over REST v4,
//! honouring the shared GitLab backoff (`sys::gitlab`).
//!
//! Issue ids are issue iids (`42`, `#42`) or issue URLs (`…/-/issues/42`). GitLab's
//! `opened` state is reported as `open`. Branch names are `<prefix>/<iid>-<slug of
//! title>` and always pass `model::validate_branch`. Issue text is untrusted: control
//! bytes are stripped here and the prompt fences it as data.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Issue, IssueFilter, Tracker};
use crate::config::ProjectConfig;
use crate::plugins::PluginError;
use crate::plugins::gitlab::Connection;
use crate::sys::github::encode_query;
use crate::sys::gitlab::{Client, GitLabError, Token, project_path};
use crate::sys::text::strip_control;

/// Pages read when listing issues (100 issues a page).
const MAX_PAGES: usize = 10;
/// The GitLab tracker for one project.
#[derive(Debug)]
pub struct GitLabTracker {
    conn: Connection,
    data_dir: PathBuf,
}

impl GitLabTracker {
    /// For a project: `repo`, `tracker.apiUrl`/`tracker.token` (else the SCM's when it is
    /// GitLab too); backoff under `data_dir`.
    pub fn new(project_id: &str, project: &ProjectConfig, data_dir: &Path) -> Self {
        Self {
            conn: Connection::new(
                project_id,
                project,
                project.tracker.as_ref(),
                project.scm.as_ref(),
                project.scm_name() == "gitlab",
            ),
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Uses `token` instead of looking one up (tests, embedding).
    pub fn with_token(self, token: Token) -> Self {
        self.conn.set_token(token);
        self
    }

    fn client(&self) -> Result<(Client, String, String), PluginError> {
        let project = self.conn.project()?;
        let client = self.conn.client(&self.data_dir, None)?;
        Ok((client, project_path(&project), project))
    }
}

/// The issue iid in `id` (`42`, `#42`, `https://gitlab.com/g/p/-/issues/42`).
fn iid(id: &str) -> Result<u64, PluginError> {
    let t = id.trim();
    let t = match t.split_once("/-/issues/") {
        Some((_, rest)) => rest.split(['/', '?', '#']).next().unwrap_or(""),
        None => t.trim_start_matches('#'),
    };
    t.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        PluginError::NotFound(format!(
            "`{}` is not a GitLab issue number or URL",
            id.escape_default()
        ))
    })
}

#[derive(Debug, Deserialize)]
struct Username {
    #[serde(default)]
    username: String,
}

#[derive(Debug, Deserialize)]
struct RestIssue {
    iid: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignees: Option<Vec<Username>>,
    #[serde(default)]
    web_url: Option<String>,
}

impl RestIssue {
    fn into_issue(self) -> Issue {
        let clean = |s: &str| strip_control(s);
        Issue {
            id: self.iid.to_string(),
            title: clean(self.title.as_deref().unwrap_or("")).replace('\n', " "),
            body: clean(self.description.as_deref().unwrap_or("")),
            labels: self.labels.iter().map(|l| clean(l)).collect(),
            state: match self.state.as_deref() {
                Some("closed") => "closed".into(),
                _ => "open".into(),
            },
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|a| clean(&a.username))
                .collect(),
            url: self.web_url,
            branch: None,
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> Result<T, PluginError> {
    serde_json::from_value(v)
        .map_err(|e| PluginError::Unavailable(format!("unreadable GitLab answer for {what}: {e}")))
}

impl Tracker for GitLabTracker {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        let n = iid(id)?;
        let (client, path, shown) = self.client()?;
        let (body, _) = match client.get_json(&format!("{path}/issues/{n}")) {
            Err(GitLabError::NotFound { .. }) => {
                return Err(PluginError::NotFound(format!("no issue #{n} in {shown}")));
            }
            other => other?,
        };
        Ok(decode::<RestIssue>(body, &format!("issue #{n}"))?.into_issue())
    }

    fn is_completed(&self, id: &str) -> Result<bool, PluginError> {
        Ok(self.get_issue(id)?.state == "closed")
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let (client, path, _) = self.client()?;
        let state = match filter.state.as_deref().unwrap_or("open") {
            "open" => "opened",
            s @ ("closed" | "all") => s,
            other => {
                return Err(PluginError::Unsupported(format!(
                    "issue state `{}` (use open, closed or all)",
                    other.escape_default()
                )));
            }
        };
        let mut url =
            format!("{path}/issues?state={state}&order_by=created_at&sort=asc&per_page=100");
        if !filter.labels.is_empty() {
            url.push_str(&format!(
                "&labels={}",
                encode_query(&filter.labels.join(","))
            ));
        }
        if let Some(a) = &filter.assignee {
            url.push_str(&format!("&assignee_username={}", encode_query(a)));
        }
        let mut out = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(p) = next.take() {
            pages += 1;
            let (body, link) = client.get_json(&p)?;
            let items: Vec<RestIssue> = decode(body, "the issue list")?;
            out.extend(items.into_iter().map(RestIssue::into_issue));
            if pages < MAX_PAGES {
                next = link;
            }
        }
        Ok(out)
    }

    fn create_issue(&self, title: &str, body: &str) -> Result<Issue, PluginError> {
        let (client, path, _) = self.client()?;
        let v = client
            .send_json(
                "POST",
                &format!("{path}/issues"),
                &json!({ "title": title, "description": body }),
            )?
            .into_result()?;
        Ok(decode::<RestIssue>(v, "the new issue")?.into_issue())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iids_from_numbers_and_urls() {
        assert_eq!(iid("42").unwrap(), 42);
        assert_eq!(iid("#42").unwrap(), 42);
        assert_eq!(
            iid("https://gitlab.com/g/sub/p/-/issues/17#note_1").unwrap(),
            17
        );
        assert!(iid("0").is_err());
        assert!(iid("ENG-1").is_err());
    }

    #[test]
    fn decodes_the_documented_issue_shape() {
        // From GitLab's REST docs (GET /projects/:id/issues/:issue_iid), trimmed.
        let v = json!({
            "id": 76, "iid": 6, "project_id": 8, "state": "opened",
            "title": "Consequatur\u{1b}[2J vero maxime",
            "description": "Ratione dolores corrupti mollitia soluta quia.",
            "labels": ["foo", "bar"],
            "assignees": [{"id": 1, "username": "pipin", "name": "Pip"}],
            "web_url": "http://gitlab.example.com/my-group/my-project/issues/6"
        });
        let i = decode::<RestIssue>(v, "x").unwrap().into_issue();
        assert_eq!(i.id, "6");
        assert_eq!(i.title, "Consequatur vero maxime");
        assert_eq!(i.state, "open");
        assert_eq!(i.labels, ["foo", "bar"]);
        assert_eq!(i.assignees, ["pipin"]);
    }
}
