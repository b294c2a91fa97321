//! What the GitHub tracker and SCM share: the connection to one project's GitHub (API
//! endpoints, repository, a token resolved once per process), and the two steps every
//! API connection takes (GitLab's too): checking the project's `repo:` and resolving the
//! token once. The HTTP mechanism itself is `sys::github`; API errors become plugin
//! errors in `plugins/mod.rs`.

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
        project_repo(
            &self.project_id,
            self.repo.as_deref(),
            ("GitHub", "owner/name", "`owner/name`"),
            parse_repo,
        )
    }

    /// A client for this tick.
    pub(crate) fn client(
        &self,
        data_dir: &std::path::Path,
        now: Option<Timestamp>,
        read_only: bool,
    ) -> Result<Client, PluginError> {
        let api = Api::new(self.api_url.as_deref())?;
        let token = cached_token(&self.token, || find_token(&api))?;
        let c = Client::new(api, token, data_dir).read_only(read_only);
        Ok(match now {
            Some(t) => c.at(t),
            None => c,
        })
    }
}

/// The project's `repo:` as `parse` reads it, or an error naming the project: `what` is
/// (vendor, the shape to write, how a bad value is described).
pub(crate) fn project_repo<T>(
    project_id: &str,
    repo: Option<&str>,
    what: (&str, &str, &str),
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, PluginError> {
    let (vendor, shape, bad) = what;
    let raw = repo.ok_or_else(|| {
        PluginError::Other(anyhow::anyhow!(
            "project `{project_id}` uses {vendor} but has no `repo: {shape}`"
        ))
    })?;
    parse(raw).ok_or_else(|| {
        PluginError::Other(anyhow::anyhow!(
            "project `{project_id}`: `repo: {}` is not {bad}",
            raw.escape_default()
        ))
    })
}

/// The token in `cell`, found with `find` on first use (once per process; a failure is
/// remembered too, so a missing token is not looked up again on every call).
pub(crate) fn cached_token(
    cell: &OnceLock<Result<Token, String>>,
    find: impl FnOnce() -> Result<Token, crate::sys::http::ApiError>,
) -> Result<Token, PluginError> {
    cell.get_or_init(|| find().map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| PluginError::Other(anyhow::anyhow!(e)))
}
