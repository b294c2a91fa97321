//! `ao notify test`.
use super::GlobalArgs;

/// Notification subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Send a test notification through the configured routes and report each result.
    Test {
        /// Only this notifier.
        #[arg(long)]
        notifier: Option<String>,
        /// Priority to route by.
        #[arg(long, default_value = "info")]
        priority: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a notify subcommand.
pub fn run(_g: &GlobalArgs, _c: &NotifyCommand) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
