//! `ao status`: sessions by attention, from local files only.
use super::GlobalArgs;

/// Show sessions grouped by attention.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Redraw in place every interval.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between redraws with --watch.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
}

/// Runs `ao status`.
pub fn run(_g: &GlobalArgs, _a: &StatusArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
