//! `ao run-checks` (hidden): the detached check runner of the local SCM. Runs the
//! configured check commands in a workspace and writes the result file atomically.

use std::path::PathBuf;

/// Run local-SCM checks (internal; started by the tick).
#[derive(Debug, clap::Args)]
pub struct RunChecksArgs {
    /// Result file to write.
    #[arg(long)]
    pub result: PathBuf,
    /// Head sha being checked.
    #[arg(long)]
    pub sha: String,
    /// Workspace to run in.
    #[arg(long)]
    pub cwd: PathBuf,
    /// Check commands.
    #[arg(last = true)]
    pub checks: Vec<String>,
}

/// Runs the checks; exit 1 when any failed.
pub fn run(a: &RunChecksArgs) -> anyhow::Result<()> {
    let ok = crate::plugins::scm::run_checks(&a.result, &a.sha, &a.cwd, &a.checks)?;
    if ok {
        Ok(())
    } else {
        Err(crate::error::SilentExit { code: 1 }.into())
    }
}
