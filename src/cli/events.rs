//! `ao events`: read the event log.
use std::io::Write;

use super::{Ctx, GlobalArgs};
use crate::config::Duration;
use crate::store::{Event, events};
use crate::sys::text::strip_control;

/// Read the event log.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// Only this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only events newer than this (e.g. 30m, 2h).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Print JSON Lines.
    #[arg(long)]
    pub json: bool,
    /// Keep printing new events.
    #[arg(long)]
    pub follow: bool,
}

/// Runs `ao events`.
pub fn run(g: &GlobalArgs, a: &EventsArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g.config.as_deref())?;
    let since = match &a.since {
        Some(s) => {
            let d = Duration::parse(s)
                .map_err(|e| crate::error::usage(e, "use e.g. --since 30m or --since 2h"))?;
            Some(crate::clock::now() - d.to_signed())
        }
        None => None,
    };
    let keep = |e: &Event| {
        a.session
            .as_deref()
            .is_none_or(|s| e.session.as_deref() == Some(s))
            && a.project
                .as_deref()
                .is_none_or(|p| e.project.as_deref() == Some(p))
            && since.is_none_or(|t| e.ts >= t)
    };
    let path = ctx.store.events_path();
    let log = events::read_all(&path)?;
    let mut out = std::io::stdout().lock();
    for e in log.events.iter().filter(|e| keep(e)) {
        print_event(&mut out, e, a.json)?;
    }
    if !log.skipped.is_empty() {
        eprintln!(
            "warning: skipped {} unreadable line(s) in the event log (torn or corrupt), e.g. {} line {}",
            log.skipped.len(),
            log.skipped[0].0.display(),
            log.skipped[0].1
        );
    }
    if !a.follow {
        return Ok(());
    }
    out.flush()?;
    let mut offset = log.offset;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len < offset {
            offset = 0; // rotated
        }
        let mut more = events::ReadLog::default();
        offset = events::read_from(&path, offset, &mut more)?;
        for e in more.events.iter().filter(|e| keep(e)) {
            print_event(&mut out, e, a.json)?;
        }
        out.flush()?;
    }
}

fn print_event(out: &mut impl Write, e: &Event, json: bool) -> std::io::Result<()> {
    if json {
        let line = serde_json::to_string(e).map_err(std::io::Error::other)?;
        return writeln!(out, "{line}");
    }
    let who = e.session.as_deref().or(e.project.as_deref()).unwrap_or("-");
    let ts = e.ts.round(jiff::Unit::Second).unwrap_or(e.ts);
    writeln!(
        out,
        "{ts}  {who:<14} {:<22} {}",
        e.kind,
        strip_control(&e.message).replace('\n', " ")
    )
}
