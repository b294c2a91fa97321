//! What the GitLab tracker and SCM share: the connection to one project's GitLab
//! (endpoints, project path, a token resolved once per process). The HTTP mechanism
//! itself is `sys::gitlab`; API errors become plugin errors in `plugins/mod.rs`.

use std::sync::OnceLock;

use jiff::Timestamp;

use crate::config::{PluginConfig, ProjectConfig};
use crate::plugins::PluginError;
use crate::plugins::github::{cached_token, project_repo};
use crate::sys::gitlab::{Api, Client, Token, find_token, parse_project};

/// Shared by the SCM and the tracker: endpoints, project path and the token (from the
/// plugin's `token:`, else the other GitLab plugin's, else `GITLAB_TOKEN`).
#[derive(Debug)]
pub(crate) struct Connection {
    project_id: String,
    api_url: Option<String>,
    token_cfg: Option<String>,
    repo: Option<String>,
    token: OnceLock<Result<Token, String>>,
}

impl Connection {
    /// For `own` (this slot's config) with `other` (the other slot's, used when it is
    /// GitLab too).
    pub(crate) fn new(
        project_id: &str,
        project: &ProjectConfig,
        own: Option<&PluginConfig>,
        other: Option<&PluginConfig>,
        other_is_gitlab: bool,
    ) -> Self {
        let other = other.filter(|_| other_is_gitlab);
        let pick = |f: fn(&PluginConfig) -> Option<&String>| {
            own.and_then(f).or_else(|| other.and_then(f)).cloned()
        };
        Self {
            project_id: project_id.to_owned(),
            api_url: pick(|c| c.api_url.as_ref()),
            token_cfg: pick(|c| c.token.as_ref()),
            repo: project.repo.clone(),
            token: OnceLock::new(),
        }
    }

    pub(crate) fn set_token(&self, token: Token) {
        let _ = self.token.set(Ok(token));
    }

    /// The project's full path.
    pub(crate) fn project(&self) -> Result<String, PluginError> {
        project_repo(
            &self.project_id,
            self.repo.as_deref(),
            (
                "GitLab",
                "group/project",
                "a GitLab project path (`group/project`)",
            ),
            parse_project,
        )
    }

    /// A client for this call.
    pub(crate) fn client(
        &self,
        data_dir: &std::path::Path,
        now: Option<Timestamp>,
    ) -> Result<Client, PluginError> {
        let api = Api::new(self.api_url.as_deref())?;
        let token = cached_token(&self.token, || find_token(&api, self.token_cfg.as_deref()))?;
        let c = Client::new(api, token, data_dir);
        Ok(match now {
            Some(t) => c.at(t),
            None => c,
        })
    }
}
