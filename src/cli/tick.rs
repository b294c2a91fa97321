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
    if let Some(s) = &a.session {
        crate::model::SessionId::parse(s)?;
    }
    // With no config in reach (cron in $HOME), every registered config is ticked, each
    // under its own lock; one that fails to load is reported and the others still tick.
    let (ctxs, errors) = Ctx::load_fleet(g.config.as_deref())?;
    if let Some(p) = &a.project
        && !ctxs.iter().any(|c| c.config.projects.contains_key(p))
    {
        let known: Vec<&str> = ctxs
            .iter()
            .flat_map(|c| c.config.projects.keys().map(String::as_str))
            .collect();
        return Err(crate::config::ConfigError::UnknownProject {
            name: p.clone(),
            available: known.join(", "),
        }
        .into());
    }
    let opts = TickOptions {
        project: a.project.clone(),
        session: a.session.clone(),
        dry_run: a.dry_run,
        only_prs: false,
    };
    let mut total: Option<TickSummary> = None;
    for ctx in &ctxs {
        if a.project
            .as_ref()
            .is_some_and(|p| !ctx.config.projects.contains_key(p))
        {
            continue;
        }
        let s = crate::tick::run(ctx, &opts)?;
        total = Some(match total {
            None => s,
            Some(t) => merge(t, s),
        });
    }
    let mut summary = total.unwrap_or_else(|| TickSummary::empty(a.dry_run));
    for e in errors {
        summary.failures.push(crate::tick::Failure {
            session: None,
            error: crate::error::render(&e).trim_end().to_owned(),
        });
    }
    report(&summary, a.json)
}

/// Two configs' passes as one summary.
fn merge(mut a: TickSummary, b: TickSummary) -> TickSummary {
    a.skipped &= b.skipped;
    a.sessions_seen += b.sessions_seen;
    a.transitions.extend(b.transitions);
    a.actions.extend(b.actions);
    a.failures.extend(b.failures);
    a.duration_ms += b.duration_ms;
    a
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
