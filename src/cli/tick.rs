//! `ao tick`: one observe-and-react pass (run by cron, a systemd timer, git hooks).
//! An overlapping tick exits 0 at once with one line on stderr.

use super::{Ctx, GlobalArgs};
use crate::tick::{TickOptions, TickSummary};

/// One observe-and-react pass.
#[derive(Debug, clap::Args)]
pub struct TickArgs {
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Print the actions that would be taken; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao tick`.
pub fn run(g: &GlobalArgs, a: &TickArgs) -> anyhow::Result<()> {
    if a.json {
        crate::plugins::notifier::reserve_stdout();
    }
    let ctx = Ctx::load(g)?;
    if let Some(s) = &a.session {
        crate::model::SessionId::parse(s)?;
    }
    let opts = TickOptions {
        project: a.project.clone(),
        session: a.session.clone(),
        dry_run: a.dry_run,
        only_prs: false,
    };
    let summary = crate::tick::run(&ctx, &opts)?;
    report(&summary, a.json)
}

/// Prints a summary; exit 1 when anything failed.
pub fn report(s: &TickSummary, json: bool) -> anyhow::Result<()> {
    if s.skipped {
        eprintln!("ao tick: another tick is running; skipped");
        if json {
            println!("{}", serde_json::to_string(s)?);
        }
        return Ok(());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
    } else {
        for t in &s.transitions {
            println!("{}: {} -> {}", t.session, t.from, t.to);
        }
        for act in &s.actions {
            println!(
                "{}: {} {} — {}",
                act.session, act.action, act.detail, act.outcome
            );
        }
        for f in &s.failures {
            eprintln!(
                "warning: {}{}",
                f.session
                    .as_deref()
                    .map(|x| format!("{x}: "))
                    .unwrap_or_default(),
                f.error
            );
        }
    }
    if s.failures.is_empty() {
        Ok(())
    } else {
        Err(crate::error::SilentExit { code: 1 }.into())
    }
}
