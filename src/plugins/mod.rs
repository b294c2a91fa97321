//! Plugin slots (DESIGN §6): one sync, object-safe trait per slot with a registry that maps
//! a name to a constructor. Built-in names are owned by `config::plugin_names` (each
//! slot's `BUILTIN` re-exports its list), so validation and the registries agree; an
//! unknown name resolves to an executable `ao-<slot>-<name>` on PATH (see `external`),
//! else fails with the list of available names.

pub mod agent;
pub mod external;
pub mod notifier;
pub mod runtime;
pub mod scm;
pub mod terminal;
pub mod tracker;
pub mod workspace;

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
    use crate::config::{AgentConfig, PluginConfig, ProjectConfig, plugin_names};

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

    fn project(tracker: Option<&str>, scm: Option<&str>) -> ProjectConfig {
        let plugin = |p: Option<&str>| {
            p.map(|p| PluginConfig {
                plugin: Some(p.to_owned()),
                ..PluginConfig::default()
            })
        };
        ProjectConfig {
            path: "/nonexistent".into(),
            tracker: plugin(tracker),
            scm: plugin(scm),
            ..ProjectConfig::default()
        }
    }

    #[test]
    fn each_registry_accepts_exactly_the_names_in_plugin_names() {
        let dir = Path::new("/nonexistent");
        accepts_exactly(plugin_names::RUNTIME, |n| super::runtime::create(n, None));
        accepts_exactly(plugin_names::AGENT, |n| {
            super::agent::create(n, &AgentConfig::default())
        });
        accepts_exactly(plugin_names::WORKSPACE, super::workspace::create);
        accepts_exactly(plugin_names::TERMINAL, super::terminal::create);
        accepts_exactly(plugin_names::TRACKER, |n| {
            super::tracker::create("p", &project(Some(n), None), dir, dir)
        });
        accepts_exactly(plugin_names::SCM, |n| {
            super::scm::create("p", &project(None, Some(n)))
        });
        accepts_exactly(plugin_names::NOTIFIER, |n| {
            super::notifier::create_in(n, None, dir)
        });
    }
}
