//! `ao hook <agent> <event>`: push signals from agent hooks.
use super::GlobalArgs;

/// Receive a hook call from an agent.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// Agent plugin name.
    pub agent: String,
    /// Hook event name.
    pub event: String,
    /// Payload as an argument (Codex passes JSON as the last argument).
    pub payload: Option<String>,
}

/// Runs `ao hook`.
pub fn run(_g: &GlobalArgs, _a: &HookArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
