//! `ao demo`: the whole lifecycle offline.
use super::GlobalArgs;

/// Run the whole lifecycle on a throwaway repo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the temporary directory.
    #[arg(long)]
    pub keep: bool,
    /// Print a JSON summary at the end.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao demo`.
pub fn run(_g: &GlobalArgs, _a: &DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
