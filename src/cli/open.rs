//! `ao open`: attach to a session.
use super::GlobalArgs;

/// Attach to a session's terminal.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Session id.
    pub session: String,
    /// Only print the attach command.
    #[arg(long)]
    pub print: bool,
}

/// Runs `ao open`.
pub fn run(_g: &GlobalArgs, _a: &OpenArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
