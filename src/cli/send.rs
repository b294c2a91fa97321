//! `ao send`: the single delivery routine (DESIGN §7).
use super::GlobalArgs;

/// Send a message to a session's agent.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Session id.
    pub session: String,
    /// The message (or use -f FILE, or - for stdin).
    pub message: Option<String>,
    /// Read the message from a file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// Wait (bounded) until the agent finished its turn before sending.
    #[arg(long)]
    pub wait_idle: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao send`.
pub fn run(_g: &GlobalArgs, _a: &SendArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
