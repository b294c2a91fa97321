//! `ao session ls|kill|cleanup|restore`.
use super::GlobalArgs;

/// Session subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SessionCommand {
    /// List sessions.
    Ls {
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
        /// Include archived sessions.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a session, remove its workspace and archive it.
    Kill {
        /// Session id.
        id: String,
        /// Remove the workspace even with uncommitted or unpushed work.
        #[arg(long)]
        force: bool,
    },
    /// Clean up sessions whose work is merged or closed.
    Cleanup {
        /// Show what would be cleaned up.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-create a session's runtime (and workspace if gone) and resume the agent.
    Restore {
        /// Session id.
        id: String,
    },
}

/// Runs a session subcommand.
pub fn run(_g: &GlobalArgs, _c: &SessionCommand) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
