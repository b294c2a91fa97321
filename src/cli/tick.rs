//! `ao tick`: one observe-and-react pass.
use super::GlobalArgs;

/// One observe-and-react pass.
#[derive(Debug, clap::Args)]
pub struct TickArgs {
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Print the actions that would be taken; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao tick`.
pub fn run(_g: &GlobalArgs, _a: &TickArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
