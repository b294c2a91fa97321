//! `plain` tracker (placeholder until implemented in this session).
use super::{Issue, IssueFilter, Tracker};
use crate::config::ProjectConfig;
use crate::plugins::PluginError;

/// Issues as Markdown files.
#[derive(Debug)]
pub struct PlainTracker;

impl PlainTracker {
    /// For a project.
    pub fn new(_id: &str, _p: &ProjectConfig) -> Self {
        Self
    }
}

impl Tracker for PlainTracker {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        Err(PluginError::NotFound(id.into()))
    }
    fn list_issues(&self, _f: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        Ok(Vec::new())
    }
}
