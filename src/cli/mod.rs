//! Command-line interface: clap types and dispatch only. One file per subcommand (args
//! struct + `run`), groups as folders. Human output on stdout, diagnostics on stderr.

mod batch_spawn;
mod config_cmd;
mod dashboard;
mod demo;
mod doctor;
mod events;
pub mod exit;
mod hook;
mod init;
mod issue;
mod notify;
mod open;
mod review;
mod run_checks;
mod send;
mod session;
mod spawn;
mod status;
mod tick;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::context::Ctx;

/// Options accepted by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent
    /// directory, then ~/.agent-orchestrator/config.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

/// ao — run fleets of AI coding agents and hear about them only when they need you.
#[derive(Debug, Parser)]
#[command(name = "ao", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a config for the git repository in the current directory.
    Init(init::InitArgs),
    /// Check or show the configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Start an agent session on an issue (or a free-form prompt).
    Spawn(spawn::SpawnArgs),
    /// Start sessions for several issues (skips issues that already have one).
    BatchSpawn(batch_spawn::BatchSpawnArgs),
    /// List, kill, clean up and restore sessions.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Send a message to a session's agent.
    Send(send::SendArgs),
    /// Show sessions grouped by what needs attention (local files only).
    Status(status::StatusArgs),
    /// Attach to a session's terminal.
    Open(open::OpenArgs),
    /// Read the event log.
    Events(events::EventsArgs),
    /// One observe-and-react pass over all sessions (run by cron or a timer).
    Tick(tick::TickArgs),
    /// Review a session's local PR (local SCM).
    Review(review::ReviewArgs),
    /// Run the review reactions now.
    ReviewCheck(review::ReviewCheckArgs),
    /// Manage issues of the plain tracker.
    #[command(subcommand)]
    Issue(issue::IssueCommand),
    /// Receive a hook call from an agent (JSON on stdin). Prints nothing.
    Hook(hook::HookArgs),
    /// Notification tools.
    #[command(subcommand)]
    Notify(notify::NotifyCommand),
    /// Render the static HTML dashboard.
    Dashboard(dashboard::DashboardArgs),
    /// Check the installation and configuration.
    Doctor(doctor::DoctorArgs),
    /// Run the whole lifecycle on a throwaway repo, offline, in under a minute.
    Demo(demo::DemoArgs),
    /// Generate man pages and shell completions.
    #[command(subcommand)]
    Util(util::UtilCommand),
    /// Internal: the local SCM's detached check runner.
    #[command(hide = true)]
    RunChecks(run_checks::RunChecksArgs),
}

/// Parses arguments, runs the command, maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let code = exit::exit_code(&e);
            if e.downcast_ref::<crate::error::SilentExit>().is_none() {
                eprint!("{}", crate::error::render(&e));
            }
            ExitCode::from(code)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Init(a) => init::run(g, &a),
        Command::Config(c) => config_cmd::run(g, &c),
        Command::Spawn(a) => spawn::run(g, &a),
        Command::BatchSpawn(a) => batch_spawn::run(g, &a),
        Command::Session(c) => session::run(g, &c),
        Command::Send(a) => send::run(g, &a),
        Command::Status(a) => status::run(g, &a),
        Command::Open(a) => open::run(g, &a),
        Command::Events(a) => events::run(g, &a),
        Command::Tick(a) => tick::run(g, &a),
        Command::Review(a) => review::run(g, &a),
        Command::ReviewCheck(a) => review::run_check(g, &a),
        Command::Issue(c) => issue::run(g, &c),
        Command::Hook(a) => hook::run(g, &a),
        Command::Notify(c) => notify::run(g, &c),
        Command::Dashboard(a) => dashboard::run(g, &a),
        Command::Doctor(a) => doctor::run(g, &a),
        Command::Demo(a) => demo::run(g, &a),
        Command::Util(c) => util::run(&c),
        Command::RunChecks(a) => run_checks::run(&a),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
