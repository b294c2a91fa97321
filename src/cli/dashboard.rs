//! `ao dashboard`: static HTML dashboard.
use super::GlobalArgs;

/// Render the static HTML dashboard.
#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    /// Output file (default: dashboard.path or <dataDir>/dashboard.html).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Open it in a browser.
    #[arg(long)]
    pub open: bool,
}

/// Runs `ao dashboard`.
pub fn run(_g: &GlobalArgs, _a: &DashboardArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
