//! Plugin slots (DESIGN §6): one sync, object-safe trait per slot with a registry that maps
//! a name to a constructor. Built-ins are listed in each slot's `BUILTIN`; an unknown name
//! resolves to an executable `ao-<slot>-<name>` on PATH (see `external`), else fails with
//! the list of available names.

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
