//! `ao review` and `ao review-check` (local SCM reviews).
use super::GlobalArgs;

/// Review verdicts.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Verdict {
    /// Approve.
    Approve,
    /// Request changes (needs -m).
    RequestChanges,
    /// Comment (needs -m).
    Comment,
}

/// Review a session's local PR.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// Session id.
    pub session: String,
    /// Verdict.
    pub verdict: Verdict,
    /// Review text (file:line: prefixes are kept as locations).
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
}

/// Run the review reactions now.
#[derive(Debug, clap::Args)]
pub struct ReviewCheckArgs {
    /// Only this project.
    pub project: Option<String>,
}

/// Runs `ao review`.
pub fn run(_g: &GlobalArgs, _a: &ReviewArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}

/// Runs `ao review-check`.
pub fn run_check(_g: &GlobalArgs, _a: &ReviewCheckArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
