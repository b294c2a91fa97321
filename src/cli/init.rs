//! `ao init`: writes a minimal config for the git repository in the current directory.
use super::GlobalArgs;

/// Write a config for the git repository in the current directory.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Network-free variant: `plain` tracker and `local` SCM.
    #[arg(long)]
    pub local: bool,
    /// Output file (default: ./agent-orchestrator.yaml).
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// Runs `ao init`.
pub fn run(_g: &GlobalArgs, _a: &InitArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
