//! The external tracker `ao-tracker-<name>`: [`Tracker`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Issue, IssueFilter, Tracker};
use crate::plugins::PluginError;
use crate::plugins::external::Plugin;

/// A tracker implemented by `ao-tracker-<name>`.
#[derive(Debug)]
pub struct ExternalTracker(pub Plugin);

/// An issue as a tracker plugin writes it.
#[derive(Deserialize)]
struct IssueWire {
    id: Value,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default = "open")]
    state: String,
    #[serde(default)]
    assignees: Vec<String>,
    #[serde(default)]
    url: Option<String>,
}

fn open() -> String {
    "open".to_owned()
}

impl From<IssueWire> for Issue {
    fn from(w: IssueWire) -> Self {
        Issue {
            id: match w.id {
                Value::String(s) => s,
                other => other.to_string(),
            },
            title: w.title,
            body: w.body,
            labels: w.labels,
            state: w.state,
            assignees: w.assignees,
            url: w.url,
            branch: None,
        }
    }
}

impl Tracker for ExternalTracker {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        let w: IssueWire = self.0.call_as("get_issue", json!({"id": id}))?;
        Ok(w.into())
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let w: Vec<IssueWire> = self.0.call_as(
            "list_issues",
            json!({"labels": filter.labels, "assignee": filter.assignee,
                   "state": filter.state.as_deref().unwrap_or("open")}),
        )?;
        Ok(w.into_iter().map(Issue::from).collect())
    }

    fn create_issue(&self, title: &str, body: &str) -> Result<Issue, PluginError> {
        let w: IssueWire = self
            .0
            .call_as("create_issue", json!({"title": title, "body": body}))?;
        Ok(w.into())
    }
}
