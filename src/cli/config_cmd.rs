//! `ao config check|show`.
use super::GlobalArgs;

/// Config subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the config and report problems.
    Check {
        /// Print a JSON report.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective config with defaults filled in and secrets redacted.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a config subcommand.
pub fn run(_g: &GlobalArgs, _c: &ConfigCommand) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
