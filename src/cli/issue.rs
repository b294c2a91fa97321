//! `ao issue new` (plain tracker).
use super::GlobalArgs;

/// Issue subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IssueCommand {
    /// Create an issue file in the plain tracker's folder.
    New {
        /// Issue title.
        title: String,
        /// Project id (default: the only project).
        #[arg(long)]
        project: Option<String>,
        /// Issue body.
        #[arg(long)]
        body: Option<String>,
        /// Labels.
        #[arg(long)]
        label: Vec<String>,
    },
    /// List issues.
    Ls {
        /// Project id (default: the only project).
        #[arg(long)]
        project: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an issue subcommand.
pub fn run(_g: &GlobalArgs, _c: &IssueCommand) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
