//! `ao status`: sessions grouped by attention (urgent → action → warning → working →
//! done), read from local files only — no network, no subprocess per session.

use std::io::Write as _;

use jiff::Timestamp;

use super::{Ctx, GlobalArgs};
use crate::model::{Attention, SessionRecord};
use crate::sys::text::strip_control;

/// Version of the `--json` output of status, session ls and spawn.
pub const SCHEMA_VERSION: u32 = 1;

/// Show sessions grouped by attention.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Redraw in place every interval.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between redraws with --watch.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
}

/// Runs `ao status`.
pub fn run(g: &GlobalArgs, a: &StatusArgs) -> anyhow::Result<()> {
    // With no config in reach: the whole fleet (every registered config).
    let (ctxs, errors) = Ctx::load_fleet(g.config.as_deref())?;
    for e in &errors {
        eprintln!("warning: {}", crate::error::render(e).trim_end());
    }
    if a.watch {
        use std::io::IsTerminal as _;
        let tty = std::io::stdout().is_terminal();
        let interval = std::time::Duration::from_secs(a.interval.max(1));
        loop {
            let text = render(&ctxs, a)?;
            let mut out = std::io::stdout().lock();
            if tty {
                // Clear the screen and home the cursor, then draw.
                write!(out, "\x1b[H\x1b[2J{text}")?;
            } else {
                // Piped: one plain snapshot after another, no escape sequences.
                writeln!(out, "{text}")?;
            }
            out.flush()?;
            drop(out);
            std::thread::sleep(interval);
        }
    }
    let text = render(&ctxs, a)?;
    print!("{text}");
    Ok(())
}

fn render(ctxs: &[Ctx], a: &StatusArgs) -> anyhow::Result<String> {
    let mut recs = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for ctx in ctxs {
        let (mine, p) = ctx.store.list(a.project.as_deref())?;
        problems.extend(p);
        // Configs sharing a data dir see the same records: show each once.
        recs.extend(
            mine.into_iter()
                .filter(|r| seen.insert((ctx.store.root().to_path_buf(), r.id.clone()))),
        );
    }
    for p in &problems {
        eprintln!("warning: {}", p.error);
    }
    let Some(ctx) = ctxs.first() else {
        anyhow::bail!("no config to show");
    };
    recs.sort_by_key(crate::model::SessionRecord::attention);
    let now = crate::clock::now();
    if a.json {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            schema_version: u32,
            generated_at: Timestamp,
            sessions: Vec<SessionView<'a>>,
            problems: Vec<serde_json::Value>,
            github_backoff: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            gitlab_backoff: Option<String>,
            /// Linear/Jira backoffs in force (`Linear backoff until …`).
            #[serde(skip_serializing_if = "Vec::is_empty")]
            tracker_backoff: Vec<String>,
        }
        let out = Out {
            schema_version: SCHEMA_VERSION,
            generated_at: now,
            sessions: recs.iter().map(session_view).collect(),
            problems: problems
                .iter()
                .map(|p| serde_json::json!({"path": p.path, "error": p.error.to_string()}))
                .collect(),
            github_backoff: crate::sys::github::backoff_notice(ctx.store.root(), now),
            gitlab_backoff: crate::sys::gitlab::backoff_notice(ctx.store.root(), now),
            tracker_backoff: crate::plugins::tracker::service::backoff_notices(
                ctx.store.root(),
                now,
            ),
        };
        let mut s = serde_json::to_string(&out)?;
        s.push('\n');
        return Ok(s);
    }
    if recs.is_empty() {
        return Ok("No sessions. Start one with `ao spawn <project> <issue>`.\n".into());
    }
    let mut out = String::new();
    if let Some(b) = crate::sys::github::backoff_notice(ctx.store.root(), now) {
        out.push_str(&format!(
            "{b} (GitHub data below is from the last successful tick)\n"
        ));
    }
    if let Some(b) = crate::sys::gitlab::backoff_notice(ctx.store.root(), now) {
        out.push_str(&format!(
            "{b} (GitLab data below is from the last successful tick)\n"
        ));
    }
    for b in crate::plugins::tracker::service::backoff_notices(ctx.store.root(), now) {
        out.push_str(&format!("{b}\n"));
    }
    let mut zone = None;
    for r in &recs {
        let z = r.attention();
        if zone != Some(z) {
            out.push_str(&format!("{}\n", zone_title(z)));
            zone = Some(z);
        }
        out.push_str(&line(r, now));
    }
    Ok(out)
}

fn zone_title(z: Attention) -> &'static str {
    match z {
        Attention::Urgent => "URGENT — needs you",
        Attention::Action => "ACTION — ready to merge",
        Attention::Warning => "WARNING — stuck or auto-fix failed",
        Attention::Working => "WORKING",
        Attention::Done => "DONE",
    }
}

fn line(r: &SessionRecord, now: Timestamp) -> String {
    let mut s = format!("  {:<16} {:<18}", r.id.as_str(), r.status.as_str());
    if let Some(h) = r.runtime.as_ref().and_then(|h| h.remote.as_ref()) {
        s.push_str(&format!(" @{}", h.host));
    }
    if let Some(u) = unreachable(r) {
        s.push_str(&format!(" UNREACHABLE since {} — {}", u.0, clip(&u.1, 100)));
    }
    if let Some(a) = &r.activity {
        s.push_str(&format!(
            " {} via {} {}",
            a.state.as_str(),
            match a.source {
                crate::model::ActivitySource::Hook => "hook",
                crate::model::ActivitySource::Transcript => "transcript",
                crate::model::ActivitySource::Terminal => "terminal",
                crate::model::ActivitySource::Process => "process",
            },
            age(now, a.since)
        ));
        if !a.evidence.is_empty() && !a.state.accepts_messages() {
            s.push_str(&format!(" — {}", clip(&a.evidence, 60)));
        }
    }
    if let Some(pr) = &r.pr {
        let num = if pr.number > 0 {
            format!("PR #{}", pr.number)
        } else {
            "branch".into()
        };
        s.push_str(&format!(" | {num} ci:{:?} review:{:?}", pr.ci, pr.review).to_lowercase());
    }
    if let Some(c) = &r.cost {
        s.push_str(&format!(" | {}", c.short()));
    }
    if let Some(t) = &r.issue_title {
        s.push_str(&format!(" | {}", clip(t, 50)));
    }
    if let Some(e) = &r.last_error {
        s.push_str(&format!(" | error: {}", clip(e, 80)));
    }
    s.push('\n');
    s
}

/// `(since, ssh error)` while the session's host is unreachable.
fn unreachable(r: &SessionRecord) -> Option<(String, String)> {
    if r.runtime_state != Some(crate::model::RuntimeState::Unreachable) {
        return None;
    }
    let v = r.extra.get(crate::lifecycle::UNREACHABLE_KEY)?;
    let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_owned();
    Some((get("since"), get("error")))
}

fn clip(s: &str, n: usize) -> String {
    crate::sys::text::truncate_chars(&strip_control(s).replace('\n', " "), n)
}

/// "3m ago" style age.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = (now.as_second() - then.as_second()).max(0);
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86400),
    }
}

/// The stable JSON form of a session (documented in docs/json.md).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView<'a> {
    id: &'a str,
    project: &'a str,
    status: crate::model::Status,
    status_since: Timestamp,
    attention: &'static str,
    issue: Option<&'a str>,
    issue_title: Option<&'a str>,
    branch: &'a str,
    workspace: &'a std::path::Path,
    agent: &'a str,
    runtime: Option<RuntimeView<'a>>,
    activity: Option<&'a crate::model::ActivityFact>,
    pr: Option<PrView<'a>>,
    created_at: Timestamp,
    last_error: Option<&'a str>,
    /// Tokens and estimated US dollars so far (Claude Code, Codex), from the agent's own
    /// transcript or rollout.
    cost: Option<&'a crate::model::CostEstimate>,
    attach: String,
}

/// Runtime part of `SessionView`.
#[derive(Debug, serde::Serialize)]
pub struct RuntimeView<'a> {
    plugin: &'a str,
    target: &'a str,
    /// Remote host (ssh runtime).
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    /// Runtime fact as last observed (`alive`, `exited`, `missing`, `probe_failed`,
    /// `unreachable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<crate::model::RuntimeState>,
    /// The ssh error while unreachable.
    #[serde(skip_serializing_if = "Option::is_none")]
    unreachable: Option<serde_json::Value>,
}

/// PR part of `SessionView`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrView<'a> {
    number: u64,
    url: &'a str,
    state: crate::model::PrState,
    head_sha: &'a str,
    ci: crate::model::CiState,
    review: crate::model::ReviewDecision,
    mergeable: crate::model::Mergeability,
    failing_checks: Vec<&'a str>,
    observed_at: Timestamp,
}

/// The JSON view of a record.
pub fn session_view(r: &SessionRecord) -> SessionView<'_> {
    SessionView {
        id: r.id.as_str(),
        project: &r.project,
        status: r.status,
        status_since: r.status_since,
        attention: r.attention().as_str(),
        issue: r.issue.as_deref(),
        issue_title: r.issue_title.as_deref(),
        branch: &r.branch,
        workspace: &r.workspace,
        agent: &r.agent,
        runtime: r.runtime.as_ref().map(|h| RuntimeView {
            plugin: &h.plugin,
            target: &h.target,
            host: h.remote.as_ref().map(|x| x.host.as_str()),
            state: r.runtime_state,
            unreachable: unreachable(r)
                .map(|(since, error)| serde_json::json!({"since": since, "error": error})),
        }),
        activity: r.activity.as_ref(),
        pr: r.pr.as_ref().map(|p| PrView {
            number: p.number,
            url: &p.url,
            state: p.state,
            head_sha: &p.head_sha,
            ci: p.ci,
            review: p.review,
            mergeable: p.mergeable,
            failing_checks: p.failing_checks.iter().map(|c| c.name.as_str()).collect(),
            observed_at: p.observed_at,
        }),
        created_at: r.created_at,
        last_error: r.last_error.as_deref(),
        cost: r.cost.as_ref(),
        attach: crate::ops::attach_hint(r.id.as_str()),
    }
}

/// The JSON value of a record (for single-record outputs).
pub fn session_json(r: &SessionRecord) -> serde_json::Value {
    serde_json::to_value(session_view(r)).unwrap_or(serde_json::Value::Null)
}
