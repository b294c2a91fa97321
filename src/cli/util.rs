//! `ao util man|completions`.

/// Utility subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum UtilCommand {
    /// Write man pages into a directory.
    Man {
        /// Output directory.
        dir: std::path::PathBuf,
    },
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
}

/// Runs a util subcommand.
pub fn run(_c: &UtilCommand) -> anyhow::Result<()> {
    anyhow::bail!("this command is not implemented yet")
}
