//! `ao events`: read the event log.
use super::GlobalArgs;

/// Read the event log.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// Only this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only events newer than this (e.g. 30m, 2h).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Print JSON Lines.
    #[arg(long)]
    pub json: bool,
    /// Keep printing new events.
    #[arg(long)]
    pub follow: bool,
}

/// Runs `ao events`.
pub fn run(_g: &GlobalArgs, _a: &EventsArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
