//! `plain` tracker: issues as Markdown files with YAML front matter in a folder (default
//! `<project path>/.ao/issues/`), named `<id>-<slug>.md`. No network, no account.
//!
//! ```markdown
//! ---
//! id: 3
//! title: Fix the login redirect
//! labels: [bug]
//! state: open
//! ---
//! The body, as Markdown.
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Issue, IssueFilter, Tracker};
use crate::config::{ProjectConfig, expand_tilde};
use crate::model::slugify;
use crate::plugins::PluginError;

/// Issues in a folder.
#[derive(Debug)]
pub struct PlainTracker {
    dir: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct FrontMatter {
    id: Option<serde_json::Value>,
    title: Option<String>,
    labels: Vec<String>,
    state: Option<String>,
    assignees: Vec<String>,
}

impl PlainTracker {
    /// For a project whose checkout is `repo`.
    pub fn new(project: &ProjectConfig, repo: &Path) -> Self {
        let dir = match project.tracker.as_ref().and_then(|t| t.path.as_ref()) {
            Some(p) => {
                let p = expand_tilde(p);
                if p.is_absolute() { p } else { repo.join(p) }
            }
            None => repo.join(".ao").join("issues"),
        };
        Self { dir }
    }

    /// The issues folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn files(&self) -> Result<Vec<PathBuf>, PluginError> {
        let mut v: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("md"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        v.sort();
        Ok(v)
    }

    fn read(&self, path: &Path) -> Result<Issue, PluginError> {
        let text = std::fs::read_to_string(path)?;
        parse_issue(path, &text)
    }

    fn all(&self) -> Result<Vec<Issue>, PluginError> {
        let mut out = Vec::new();
        for f in self.files()? {
            out.push(self.read(&f)?);
        }
        out.sort_by_key(|i| (i.id.parse::<u64>().unwrap_or(u64::MAX), i.id.clone()));
        Ok(out)
    }
}

/// Parses one issue file.
fn parse_issue(path: &Path, text: &str) -> Result<Issue, PluginError> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let (fm, body) = match text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---"))
    {
        Some((yaml, rest)) => {
            let fm: FrontMatter = yaml_serde::from_str(yaml).map_err(|e| {
                PluginError::Refused(format!("{}: invalid front matter: {e}", path.display()))
            })?;
            (
                fm,
                rest.trim_start_matches(['-'])
                    .trim_start_matches('\n')
                    .to_owned(),
            )
        }
        None => (FrontMatter::default(), text.to_owned()),
    };
    let id = match fm.id {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => stem.split('-').next().unwrap_or(stem).to_owned(),
    };
    let title = fm
        .title
        .or_else(|| {
            body.lines()
                .find_map(|l| l.strip_prefix("# ").map(str::to_owned))
        })
        .unwrap_or_else(|| stem.to_owned());
    Ok(Issue {
        id,
        title,
        body: body.trim().to_owned(),
        labels: fm.labels,
        state: fm.state.unwrap_or_else(|| "open".into()),
        assignees: fm.assignees,
        url: Some(format!("file://{}", path.display())),
        branch: None,
    })
}

impl Tracker for PlainTracker {
    fn name(&self) -> &'static str {
        "plain"
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        for f in self.files()? {
            let issue = self.read(&f)?;
            if issue.id == id {
                return Ok(issue);
            }
        }
        Err(PluginError::NotFound(format!(
            "no issue `{id}` in {} (create one with `ao issue new TITLE`)",
            self.dir.display()
        )))
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let state = filter.state.as_deref().unwrap_or("open");
        Ok(self
            .all()?
            .into_iter()
            .filter(|i| state == "all" || i.state == state)
            .filter(|i| filter.labels.iter().all(|l| i.labels.contains(l)))
            .filter(|i| {
                filter
                    .assignee
                    .as_ref()
                    .is_none_or(|a| i.assignees.contains(a))
            })
            .collect())
    }

    fn create_issue(&self, title: &str, body: &str) -> Result<Issue, PluginError> {
        self.create_with_labels(title, body, &[])
    }
}

impl PlainTracker {
    /// Creates `<n>-<slug>.md` with the next free number (exclusive create, so concurrent
    /// calls never share a number).
    pub fn create_with_labels(
        &self,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, PluginError> {
        let title = title.trim();
        if title.is_empty() || title.contains('\n') {
            return Err(PluginError::Refused(
                "an issue title must be one non-empty line".into(),
            ));
        }
        std::fs::create_dir_all(&self.dir)?;
        let mut n = self
            .all()?
            .iter()
            .filter_map(|i| i.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let mut fm = FrontMatter {
            id: None,
            title: Some(title.to_owned()),
            labels: labels.to_vec(),
            state: Some("open".into()),
            assignees: Vec::new(),
        };
        loop {
            fm.id = Some(serde_json::Value::from(n));
            let yaml = yaml_serde::to_string(&fm).map_err(|e| PluginError::Other(e.into()))?;
            let text = format!("---\n{yaml}---\n{}\n", body.trim_end());
            let path = self.dir.join(format!("{n}-{}.md", slugify(title, 40)));
            if crate::store::atomic::create_new(&path, text.as_bytes())? {
                return self.read(&path);
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_get_list() {
        let d = tempfile::tempdir().unwrap();
        let p = ProjectConfig {
            path: d.path().to_path_buf(),
            ..ProjectConfig::default()
        };
        let t = PlainTracker::new(&p, d.path());
        let a = t
            .create_with_labels("Fix: the `login` bug!", "Body\n", &["bug".into()])
            .unwrap();
        let b = t.create_issue("Second", "").unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("1", "2"));
        assert!(d.path().join(".ao/issues/1-fix-the-login-bug.md").exists());
        let got = t.get_issue("1").unwrap();
        assert_eq!(got.title, "Fix: the `login` bug!");
        assert_eq!(got.body, "Body");
        assert_eq!(got.labels, vec!["bug".to_owned()]);
        let f = IssueFilter {
            labels: vec!["bug".into()],
            ..IssueFilter::default()
        };
        assert_eq!(t.list_issues(&f).unwrap().len(), 1);
        assert!(matches!(t.get_issue("9"), Err(PluginError::NotFound(_))));
        assert_eq!(t.branch_name(&got, "ao"), "ao/1-fix-the-login-bug");
    }
}
