//! `ao spawn`: reserve an id, create the workspace, start the agent, record everything.
use super::GlobalArgs;

/// Start an agent session.
#[derive(Debug, clap::Args)]
pub struct SpawnArgs {
    /// Project id (a key under `projects:`).
    pub project: String,
    /// Issue identifier in the project's tracker.
    pub issue: Option<String>,
    /// Agent plugin (overrides config).
    #[arg(long)]
    pub agent: Option<String>,
    /// Runtime plugin (overrides config).
    #[arg(long)]
    pub runtime: Option<String>,
    /// Task prompt (instead of, or in addition to, the issue).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Branch name (default: derived from the issue).
    #[arg(long)]
    pub branch: Option<String>,
    /// Attach to the session after starting it.
    #[arg(long)]
    pub open: bool,
    /// Start even if the issue already has a live session.
    #[arg(long)]
    pub force: bool,
    /// Print the new session as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao spawn`.
pub fn run(_g: &GlobalArgs, _a: &SpawnArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
