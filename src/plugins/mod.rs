//! Plugin slots (DESIGN §6): one sync, object-safe trait per slot with a registry that maps
//! a name to a constructor. Every slot's registry is `create(name, &PluginEnv)`. Built-in
//! names are owned by `config::plugin_names` (each slot's `BUILTIN` re-exports its list),
//! so validation and the registries agree; any other name resolves, in every slot, to an
//! executable `ao-<slot>-<name>` on PATH speaking the JSON protocol of `external`
//! (docs/plugins.md), else fails with the list of available names.

pub mod agent;
pub mod external;
pub mod github;
pub mod gitlab;
pub mod notifier;
pub mod runtime;
pub mod scm;
pub mod terminal;
pub mod tracker;
pub mod workspace;

use std::path::Path;
use std::sync::LazyLock;

use crate::config::{AgentConfig, NotifierConfig, ProjectConfig};

/// What a plugin constructor may use; the one argument of every slot's `create` besides
/// the name. Built with [`PluginEnv::new`] and the `with_*` methods; a constructor that
/// needs a part the caller did not give fails with a clear error.
#[derive(Debug, Clone, Copy)]
pub struct PluginEnv<'a> {
    /// ao's data dir (caches, queues, check results).
    pub data_dir: &'a Path,
    /// The private tmux server (`-L`), for the tmux runtime.
    pub tmux_socket: Option<&'a str>,
    /// The project the plugin serves, when it serves one (trackers and SCMs need it).
    pub project: Option<ProjectEnv<'a>>,
    /// Agent settings (the project's `agentConfig`; empty when there is no project).
    pub agent_config: &'a AgentConfig,
    /// A notifier's own settings block (`notifiers.<name>`), for notifiers.
    pub notifier: Option<&'a NotifierConfig>,
}

/// The project part of a [`PluginEnv`].
#[derive(Debug, Clone, Copy)]
pub struct ProjectEnv<'a> {
    /// Project id (the key under `projects:`).
    pub id: &'a str,
    /// Its config.
    pub config: &'a ProjectConfig,
    /// Its checkout.
    pub repo: &'a Path,
}

static NO_AGENT_CONFIG: LazyLock<AgentConfig> = LazyLock::new(AgentConfig::default);

impl<'a> PluginEnv<'a> {
    /// An environment with only the data dir.
    pub fn new(data_dir: &'a Path) -> Self {
        Self {
            data_dir,
            tmux_socket: None,
            project: None,
            agent_config: &NO_AGENT_CONFIG,
            notifier: None,
        }
    }

    /// With the private tmux server.
    #[must_use]
    pub fn with_tmux(mut self, socket: Option<&'a str>) -> Self {
        self.tmux_socket = socket;
        self
    }

    /// With the project (and its `agentConfig`).
    #[must_use]
    pub fn with_project(mut self, id: &'a str, config: &'a ProjectConfig, repo: &'a Path) -> Self {
        self.project = Some(ProjectEnv { id, config, repo });
        self.agent_config = &config.agent_config;
        self
    }

    /// With agent settings.
    #[must_use]
    pub fn with_agent(mut self, cfg: &'a AgentConfig) -> Self {
        self.agent_config = cfg;
        self
    }

    /// With a notifier's settings block.
    #[must_use]
    pub fn with_notifier(mut self, cfg: Option<&'a NotifierConfig>) -> Self {
        self.notifier = cfg;
        self
    }

    /// The project, or an error naming the `slot` that needs one.
    pub fn project(&self, slot: &str) -> Result<ProjectEnv<'a>, PluginError> {
        self.project.ok_or_else(|| {
            PluginError::Other(anyhow::anyhow!(
                "a {slot} plugin serves one project, and none was given"
            ))
        })
    }
}

/// An agent-only environment (for code that just needs an agent's rules: tests, fuzzing,
/// `ao hook`).
pub fn agent_env(cfg: &AgentConfig) -> PluginEnv<'_> {
    PluginEnv::new(Path::new("")).with_agent(cfg)
}

/// Error of a plugin operation. Callers branch on the variant: `NotFound` (the thing is
/// gone), `Unsupported` (the plugin cannot do this), `Unavailable` (transient: retry later,
/// e.g. rate limit or no D-Bus), `Other`.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The target (session, issue, PR, workspace) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The plugin does not support this operation.
    #[error("{0}")]
    Unsupported(String),
    /// Temporarily unavailable; retry on a later tick.
    #[error("{0}")]
    Unavailable(String),
    /// Refused because of user data at risk or bad input (e.g. dirty workspace).
    #[error("{0}")]
    Refused(String),
    /// Any other failure, with its cause chain.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::sys::cmd::CmdError> for PluginError {
    fn from(e: crate::sys::cmd::CmdError) -> Self {
        PluginError::Other(e.into())
    }
}

/// A failed API call (GitHub, GitLab, Linear, Jira): `NotFound` stays not-found,
/// transient failures (rate limits, network, 5xx) are `Unavailable`, the rest `Other`.
impl From<crate::sys::http::ApiError> for PluginError {
    fn from(e: crate::sys::http::ApiError) -> Self {
        match e {
            crate::sys::http::ApiError::NotFound { .. } => PluginError::NotFound(e.to_string()),
            e if e.is_transient() => PluginError::Unavailable(e.to_string()),
            e => PluginError::Other(anyhow::Error::new(e)),
        }
    }
}

impl From<std::io::Error> for PluginError {
    fn from(e: std::io::Error) -> Self {
        PluginError::Other(e.into())
    }
}

/// Error for a plugin name no slot knows.
pub fn unknown(slot: &str, name: &str, builtin: &[&str]) -> PluginError {
    PluginError::NotFound(format!(
        "unknown {slot} plugin `{name}` (available: {}; or put an executable `ao-{slot}-{name}` on PATH)",
        builtin.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::PluginError;
    use crate::config::{ProjectConfig, plugin_names};

    /// True when `r` is the registry's "unknown plugin" error.
    fn unknown<T>(r: Result<T, PluginError>) -> bool {
        matches!(r, Err(PluginError::NotFound(m)) if m.starts_with("unknown "))
    }

    /// Accepts every name in `names`, refuses one that is not there (and that no
    /// `ao-<slot>-<name>` on PATH can answer for).
    fn accepts_exactly<T>(names: &[&str], create: impl Fn(&str) -> Result<T, PluginError>) {
        for n in names {
            assert!(
                !unknown(create(n)),
                "the registry refuses its own name `{n}`"
            );
        }
        assert!(unknown(create("no-such-plugin-xyzzy")));
    }

    #[test]
    fn each_registry_accepts_exactly_the_names_in_plugin_names() {
        let dir = Path::new("/nonexistent");
        let project = ProjectConfig {
            path: dir.into(),
            ..ProjectConfig::default()
        };
        let env = super::PluginEnv::new(dir).with_project("p", &project, dir);
        accepts_exactly(plugin_names::RUNTIME, |n| super::runtime::create(n, &env));
        accepts_exactly(plugin_names::AGENT, |n| super::agent::create(n, &env));
        accepts_exactly(plugin_names::WORKSPACE, |n| {
            super::workspace::create(n, &env)
        });
        accepts_exactly(plugin_names::TERMINAL, |n| super::terminal::create(n, &env));
        accepts_exactly(plugin_names::TRACKER, |n| super::tracker::create(n, &env));
        accepts_exactly(plugin_names::SCM, |n| super::scm::create(n, &env));
        accepts_exactly(plugin_names::NOTIFIER, |n| super::notifier::create(n, &env));
    }
}
