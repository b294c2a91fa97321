//! `ao util man|completions`: man pages (clap_mangen, one page per subcommand) and shell
//! completions (clap_complete), both generated from the clap definitions so the help text
//! is their single source. The committed `man/` and `completions/` are compared with
//! freshly generated ones by `tests/cli/generated.rs`; regenerate them with
//! `AO_UPDATE_GENERATED=1 cargo test --test cli generated`.

use std::path::Path;

use anyhow::Context as _;
use clap::CommandFactory as _;

/// Utility subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum UtilCommand {
    /// Write man pages into a directory: ao.1 plus one page per subcommand (ao-tick.1, ...).
    ///
    /// Example: `ao util man ~/.local/share/man/man1`, then `man ao-tick`.
    Man {
        /// Output directory (created if missing).
        dir: std::path::PathBuf,
    },
    /// Print shell completions to stdout.
    ///
    /// Examples: `ao util completions bash > ~/.local/share/bash-completion/completions/ao`;
    /// `ao util completions zsh > ~/.zfunc/_ao`; `ao util completions fish >
    /// ~/.config/fish/completions/ao.fish`.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Internal (the tmux runtime's launcher): read the environment from FILE (a JSON
    /// object written 0600 by ao), delete FILE, and exec the program with it. Keeps
    /// `agentConfig.env` values (API keys) off every command line.
    #[command(hide = true)]
    ExecEnv {
        /// The environment file.
        file: std::path::PathBuf,
        /// The program and its arguments, after `--`.
        #[arg(last = true, required = true)]
        argv: Vec<String>,
    },
}

/// Runs a util subcommand.
pub fn run(c: &UtilCommand) -> anyhow::Result<()> {
    match c {
        UtilCommand::Man { dir } => {
            let n = write_man_pages(dir)?;
            eprintln!("Wrote {n} man pages to {}", dir.display());
            Ok(())
        }
        UtilCommand::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut super::Cli::command(), "ao", &mut out);
            Ok(())
        }
        UtilCommand::ExecEnv { file, argv } => exec_env(file, argv),
    }
}

/// `ao util exec-env FILE -- PROGRAM ARGS…`: see [`UtilCommand::ExecEnv`].
fn exec_env(file: &Path, argv: &[String]) -> anyhow::Result<()> {
    crate::store::atomic::ensure_regular_or_missing(file)
        .with_context(|| format!("refusing the environment file {}", file.display()))?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the environment file {}", file.display()))?;
    let env: std::collections::BTreeMap<String, String> = serde_json::from_str(&text)
        .with_context(|| {
            format!(
                "the environment file {} is not a JSON object of strings",
                file.display()
            )
        })?;
    // The values are in this process's memory now; the file need not outlive the launch.
    let _ = std::fs::remove_file(file);
    let (program, args) = argv.split_first().context("no program given after `--`")?;
    let mut cmd = crate::sys::cmd::Cmd::new(program).args(args);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let e = cmd.exec();
    Err(anyhow::Error::new(e).context(format!("cannot start `{program}`")))
}

/// Writes `ao.1` and one page per (non-hidden) subcommand into `dir`; returns how many.
fn write_man_pages(dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(super::Cli::command(), dir)
        .with_context(|| format!("cannot write man pages to {}", dir.display()))?;
    Ok(count_pages(&super::Cli::command()))
}

/// Pages `clap_mangen::generate_to` writes for `cmd`: itself plus every visible
/// subcommand, recursively (the `help` subcommand is left out).
fn count_pages(cmd: &clap::Command) -> usize {
    1 + cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(count_pages)
        .sum::<usize>()
}
