//! `ao doctor`: installation and configuration checks.
use super::GlobalArgs;

/// Check the installation and configuration.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Also send a test notification through each notifier.
    #[arg(long)]
    pub notify: bool,
}

/// Runs `ao doctor`.
pub fn run(_g: &GlobalArgs, _a: &DoctorArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
