//! `ao batch-spawn`: spawn several issues as one batch.
use super::GlobalArgs;

/// Start sessions for several issues.
#[derive(Debug, clap::Args)]
pub struct BatchSpawnArgs {
    /// Project id.
    pub project: String,
    /// Issue identifiers.
    pub issues: Vec<String>,
    /// Also spawn every open issue carrying this label (trackers that can list).
    #[arg(long)]
    pub label: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao batch-spawn`.
pub fn run(_g: &GlobalArgs, _a: &BatchSpawnArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
