//! What the GitHub tracker and SCM share: the connection to one project's GitHub (API
//! endpoints, repository, a token resolved once per process) and how the client's errors
//! become plugin errors. The HTTP mechanism itself is `sys::github`.

use std::sync::OnceLock;

use jiff::Timestamp;

use crate::plugins::PluginError;
use crate::sys::github::{Api, Client, Token, find_token, parse_repo};

/// The GitHub API base for a project: `own.apiUrl`, else the other GitHub plugin's
/// (`tracker:` and `scm:` of one project normally talk to the same GitHub).
pub(crate) fn api_url_for<'a>(
    own: Option<&'a crate::config::PluginConfig>,
    other: Option<&'a crate::config::PluginConfig>,
    other_is_github: bool,
) -> Option<&'a str> {
    own.and_then(|c| c.api_url.as_deref()).or_else(|| {
        other
            .filter(|_| other_is_github)
            .and_then(|c| c.api_url.as_deref())
    })
}

/// Shared by the SCM and the tracker: the API endpoints, the repository and a lazily
/// resolved token (environment or `gh auth token`, looked up once per process).
#[derive(Debug)]
pub(crate) struct Connection {
    project_id: String,
    api_url: Option<String>,
    repo: Option<String>,
    token: OnceLock<Result<Token, String>>,
}

impl Connection {
    pub(crate) fn new(project_id: &str, api_url: Option<&str>, repo: Option<&str>) -> Self {
        Self {
            project_id: project_id.to_owned(),
            api_url: api_url.map(str::to_owned),
            repo: repo.map(str::to_owned),
            token: OnceLock::new(),
        }
    }

    pub(crate) fn set_token(&self, token: Token) {
        let _ = self.token.set(Ok(token));
    }

    /// `(owner, name)` of the project's repository.
    pub(crate) fn repo(&self) -> Result<(String, String), PluginError> {
        let raw = self.repo.as_deref().ok_or_else(|| {
            PluginError::Other(anyhow::anyhow!(
                "project `{}` uses GitHub but has no `repo: owner/name`",
                self.project_id
            ))
        })?;
        parse_repo(raw).ok_or_else(|| {
            PluginError::Other(anyhow::anyhow!(
                "project `{}`: `repo: {}` is not `owner/name`",
                self.project_id,
                raw.escape_default()
            ))
        })
    }

    /// A client for this tick.
    pub(crate) fn client(
        &self,
        data_dir: &std::path::Path,
        now: Option<Timestamp>,
        read_only: bool,
    ) -> Result<Client, PluginError> {
        let api = Api::new(self.api_url.as_deref())?;
        let token = self
            .token
            .get_or_init(|| find_token(&api).map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| PluginError::Other(anyhow::anyhow!(e)))?;
        let c = Client::new(api, token, data_dir).read_only(read_only);
        Ok(match now {
            Some(t) => c.at(t),
            None => c,
        })
    }
}
