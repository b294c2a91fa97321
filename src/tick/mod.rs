//! The tick pass (DESIGN §5): lock → load → observe → decide → act → persist → unlock.
//!
//! Observation batches: one runtime probe per runtime plugin for all sessions (one
//! `tmux list-panes -a`), a terminal capture only for panes whose activity time changed
//! since the last capture, one SCM observe call per project. The pane listing starts
//! while the records are read, and the SCM reads run beside it. A failure for one session
//! never aborts the pass: it is recorded and the exit code says something failed.
//!
//! Each session is first decided on its record as listed; one with nothing to write or
//! do (most of a steady pass) is left without taking its lock. Anything else takes the
//! session's lock, reads the record again and, if it changed meanwhile, decides again:
//! every write is made under the lock over the record as it is then.
//!
//! Layout: this file runs the pass and holds the summary types; `observe` gathers the
//! facts, `act` decides (the pure `lifecycle`) and acts per session, `summary` sends the
//! project and batch completion notices.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::{Config, ProjectConfig, ReactionKind};
use crate::context::Ctx;
use crate::lifecycle::{self, Action, Observation, PrObs, RuntimeObs, ScreenObs, Settings};
use crate::model::EventKind;
use crate::model::{Activity, CaptureCache, Notification, PrState, SessionId, SessionRecord};
use crate::notify::{Dispatcher, Outcome, Storm};
use crate::ops;
use crate::plugins::agent::{self, AgentContext};
use crate::plugins::scm::{self, MergeOutcome, ScmContext};
use crate::store::Event;

mod act;
mod observe;
mod summary;

#[allow(clippy::wildcard_imports)]
use act::*;
#[allow(clippy::wildcard_imports)]
use observe::*;
#[allow(clippy::wildcard_imports)]
use summary::*;

/// Version of the `ao tick --json` summary.
pub const SUMMARY_VERSION: u32 = 1;

/// What to tick.
#[derive(Debug, Clone, Default)]
pub struct TickOptions {
    /// Only this project.
    pub project: Option<String>,
    /// Only this session.
    pub session: Option<String>,
    /// Decide and report, change nothing.
    pub dry_run: bool,
    /// Only sessions with an open PR (`ao review-check`).
    pub only_prs: bool,
}

/// A status change.
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    /// Session id.
    pub session: String,
    /// Old status.
    pub from: String,
    /// New status.
    pub to: String,
}

/// An action taken (or, with --dry-run, that would be taken).
#[derive(Debug, Clone, Serialize)]
pub struct ActionReport {
    /// Session id (or batch id).
    pub session: String,
    /// `send`, `notify`, `merge`, `cleanup`.
    pub action: String,
    /// Details (reaction key, notification title, merge sha).
    pub detail: String,
    /// `delivered`, `unconfirmed`, `sent`, `failed: …`, `merged`, `dry-run`, …
    pub outcome: String,
}

/// A failure met during the pass.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// Session id, when about one session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// What went wrong.
    pub error: String,
}

/// The result of one pass (`ao tick --json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TickSummary {
    /// Format version.
    pub schema_version: u32,
    /// Another tick held the lock; nothing was done.
    pub skipped: bool,
    /// Dry run.
    pub dry_run: bool,
    /// Sessions looked at.
    pub sessions_seen: usize,
    /// Status changes.
    pub transitions: Vec<Transition>,
    /// Actions.
    pub actions: Vec<ActionReport>,
    /// Failures.
    pub failures: Vec<Failure>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

impl TickSummary {
    /// A summary of a pass that looked at nothing.
    pub fn empty(dry_run: bool) -> Self {
        Self {
            schema_version: SUMMARY_VERSION,
            skipped: false,
            dry_run,
            sessions_seen: 0,
            transitions: Vec::new(),
            actions: Vec::new(),
            failures: Vec::new(),
            duration_ms: 0,
        }
    }
}

/// Runs one pass.
pub fn run(ctx: &Ctx, opts: &TickOptions) -> anyhow::Result<TickSummary> {
    let started = Instant::now();
    let now = crate::clock::now();
    let mut sum = TickSummary::empty(opts.dry_run);
    let Some(tick_lock) = ctx.store.try_lock_tick(&ctx.config_path)? else {
        sum.skipped = true;
        if !opts.dry_run {
            ctx.store.event(Event::new(
                now,
                EventKind::TickSkipped,
                "another tick is running",
            ))?;
        }
        return Ok(sum);
    };
    if !opts.dry_run {
        // Leftovers of writers killed mid-write; an hour is far beyond any live write.
        ctx.store
            .sweep_temp_files(std::time::Duration::from_secs(3600));
    }
    let prepared = prepare_runtimes(ctx, opts);
    let (mut recs, problems) = ctx.store.list(opts.project.as_deref())?;
    for p in problems {
        sum.failures.push(Failure {
            session: None,
            error: p.error.to_string(),
        });
    }
    // Sessions of projects another config owns (two repos sharing one data dir) are that
    // config's business: skipped, not a failure.
    recs.retain(|r| ctx.owns(r));
    if let Some(s) = &opts.session {
        recs.retain(|r| r.id.as_str() == s);
    }
    if opts.only_prs {
        recs.retain(|r| r.pr.as_ref().is_some_and(|p| p.state == PrState::Open));
    }
    sum.sessions_seen = recs.len();

    let mut storm = Storm::of(&ctx.config);
    // The runtimes' probe and the SCM's reading do not depend on each other (a tmux
    // listing, git or HTTP calls): both run at once.
    let mut scm_failures = TickSummary::empty(opts.dry_run);
    let ((runtime_obs, screens), pr_obs) = std::thread::scope(|s| {
        let scm = s.spawn(|| observe_scm(ctx, &recs, now, opts.dry_run, &mut scm_failures));
        let runtimes = observe_runtimes(ctx, &recs, prepared, &mut sum);
        let pr_obs = scm.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (runtimes, pr_obs)
    });
    sum.failures.append(&mut scm_failures.failures);
    let project_settings: BTreeMap<String, Settings> = ctx
        .config
        .projects
        .iter()
        .map(|(id, p)| (id.clone(), settings(&ctx.config, Some(p), ctx.store.root())))
        .collect();
    let mut batches = BTreeSet::new();
    for listed in &recs {
        if let Some(b) = &listed.batch {
            batches.insert((listed.project.clone(), b.clone()));
        }
        let id = listed.id.clone();
        let observed = (&runtime_obs, &pr_obs, &screens, &project_settings);
        let result = tick_session(ctx, opts, listed, observed, now, &mut storm, &mut sum);
        if let Err(e) = result {
            sum.failures.push(Failure {
                session: Some(id.to_string()),
                error: format!("{e:#}"),
            });
            if !opts.dry_run {
                record_error(ctx, &id, &format!("{e:#}"), now);
            }
        }
    }
    if !opts.dry_run {
        let notify = Dispatcher::new(&ctx.config, ctx.store.root(), now);
        let (grouped, errors) = notify.flush_storm(&ctx.store, storm);
        let mut events = Vec::new();
        for d in grouped {
            if let Outcome::Failed(e) = &d.outcome {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("{}: grouped notification: {e}", d.notifier),
                });
            }
            sum.actions.push(ActionReport {
                session: String::new(),
                action: "notify".into(),
                detail: d.line(),
                outcome: d.outcome.as_str().into(),
            });
            events.extend(d.event);
        }
        if let Err(e) = ctx.store.append(&events) {
            sum.failures.push(Failure {
                session: None,
                error: format!("{e:#}"),
            });
        }
        for error in errors {
            sum.failures.push(Failure {
                session: None,
                error,
            });
        }
        for (project, batch) in batches {
            if let Err(e) = batch_complete(ctx, &project, &batch, now, &mut sum) {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("batch {batch}: {e:#}"),
                });
            }
        }
        // A project with a session that was in progress before this pass and did not
        // end in it is still busy: no need to read its records again.
        let ended: BTreeSet<&str> = sum
            .transitions
            .iter()
            .filter(|t| matches!(t.to.as_str(), "merged" | "cleanup" | "killed" | "done"))
            .map(|t| t.session.as_str())
            .collect();
        let busy: BTreeSet<&str> = recs
            .iter()
            .filter(|r| !r.status.is_terminal() && !ended.contains(r.id.as_str()))
            .map(|r| r.project.as_str())
            .collect();
        let mut complete = Vec::new();
        for project in ctx.config.projects.keys() {
            if opts.project.as_ref().is_some_and(|p| p != project)
                || busy.contains(project.as_str())
            {
                continue;
            }
            complete.push(project.clone());
        }
        for project in &complete {
            if let Err(e) = project_complete(ctx, project, now, &mut sum) {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("project {project}: all-complete: {e:#}"),
                });
            }
        }
    }
    if !opts.dry_run {
        for e in Dispatcher::new(&ctx.config, ctx.store.root(), now).flush_digests() {
            log_or_report(ctx, e, &mut sum);
        }
    }
    if !opts.dry_run && ctx.config.dashboard.enabled {
        let socket = ctx.tmux_socket();
        if let Err(e) =
            crate::dashboard::regenerate(&ctx.store, &ctx.config, socket.as_deref(), now)
        {
            sum.failures.push(Failure {
                session: None,
                error: format!("dashboard: {e}"),
            });
        }
    }
    sum.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if !opts.dry_run {
        // The heartbeat (`ao doctor`, the dashboard): the lock file's mtime, in place.
        if let Err(e) = tick_lock.touch() {
            sum.failures.push(Failure {
                session: None,
                error: format!("tick heartbeat {}: {e}", tick_lock.path().display()),
            });
        }
    }
    // A steady pass (nothing changed, nothing done) writes nothing, not even its summary.
    let steady = sum.transitions.is_empty() && sum.actions.is_empty() && sum.failures.is_empty();
    if !opts.dry_run && !steady {
        let e = Event::new(now, EventKind::TickDone, format!(
            "{} sessions, {} transitions, {} actions, {} failures",
            sum.sessions_seen, sum.transitions.len(), sum.actions.len(), sum.failures.len()
        ))
        .with(serde_json::json!({
            "sessions": sum.sessions_seen, "transitions": sum.transitions.len(),
            "actions": sum.actions.len(), "failures": sum.failures.len(), "durationMs": sum.duration_ms,
        }));
        log_or_report(ctx, e, &mut sum);
    }
    Ok(sum)
}

/// Appends `e`; a log that cannot be written (disk full) becomes a failure of the pass,
/// so the summary of what was done is still reported.
fn log_or_report(ctx: &Ctx, e: Event, sum: &mut TickSummary) {
    if let Err(err) = ctx.store.event(e) {
        sum.failures.push(Failure {
            session: None,
            error: format!("{err:#}"),
        });
    }
}

fn record_error(ctx: &Ctx, id: &SessionId, error: &str, now: Timestamp) {
    if let Ok(Some(_l)) = ctx.store.try_lock_session(id)
        && let Ok(mut rec) = ctx.store.find(id)
    {
        rec.last_error = Some(error.to_owned());
        let _ = ctx.store.save(&rec);
        let _ = ctx.store.event(
            Event::new(now, EventKind::TickSessionFailed, error.to_owned())
                .about(&rec.project, Some(rec.id.as_str())),
        );
    }
}

/// Lifecycle settings for a project.
pub fn settings(
    config: &Config,
    project: Option<&crate::config::ProjectConfig>,
    data_dir: &std::path::Path,
) -> Settings {
    let reactions = ReactionKind::ALL
        .iter()
        .map(|k| (*k, config.reaction(project, *k)))
        .collect();
    let dashboard_url = config
        .dashboard
        .enabled
        .then(|| crate::dashboard::file_url(&crate::dashboard::output_path(config, data_dir)));
    Settings {
        ready_threshold: config.ready_threshold(),
        spawn_grace: config.spawn_grace(),
        missing_after: config.missing_after(),
        unreachable_after: config.unreachable_after(),
        reactions,
        attach_template: ops::attach_hint("{session}"),
        dashboard_url,
        local_scm: project.is_some_and(|p| p.scm_name() == "local"),
        ready_when_quiet: false,
    }
}
