//! The tick pass (DESIGN §5): lock → load → observe → decide → act → persist → unlock.
//!
//! Observation batches: one runtime probe per runtime plugin for all sessions (one
//! `tmux list-panes -a`), a terminal capture only for panes whose activity time changed
//! since the last capture, one SCM observe call per project. A failure for one session
//! never aborts the pass: it is recorded and the exit code says something failed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use jiff::Timestamp;
use serde::Serialize;

use crate::cli::Ctx;
use crate::config::{Config, Duration, ReactionKind};
use crate::delivery::{self, Storm};
use crate::lifecycle::{self, Action, Observation, PrObs, RuntimeObs, ScreenObs, Settings};
use crate::model::{Activity, CaptureCache, PrState, SessionId, SessionRecord};
use crate::ops;
use crate::plugins::agent::{self, AgentContext};
use crate::plugins::notifier::{self, Notification};
use crate::plugins::scm::{self, MergeOutcome, ScmContext};
use crate::store::Event;

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
            ctx.store
                .event(Event::new(now, "tick.skipped", "another tick is running"))?;
        }
        return Ok(sum);
    };
    if !opts.dry_run {
        // Leftovers of writers killed mid-write; an hour is far beyond any live write.
        ctx.store
            .sweep_temp_files(std::time::Duration::from_secs(3600));
    }
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
    let (runtime_obs, screens) = observe_runtimes(ctx, &recs, &mut sum);
    let pr_obs = observe_scm(ctx, &recs, now, opts.dry_run, &mut sum);
    let mut batches = BTreeSet::new();
    for listed in &recs {
        if let Some(b) = &listed.batch {
            batches.insert((listed.project.clone(), b.clone()));
        }
        let id = listed.id.clone();
        let observed = (&runtime_obs, &pr_obs, &screens);
        let result = tick_session(ctx, opts, &id, observed, now, &mut storm, &mut sum);
        if let Err(e) = result {
            sum.failures.push(Failure {
                session: Some(id.to_string()),
                error: format!("{e:#}"),
            });
            if !opts.dry_run {
                record_error(ctx, &id, &format!("{e:#}"));
            }
        }
    }
    if !opts.dry_run {
        let (events, errors) = delivery::flush_storm(&ctx.store, &ctx.config, storm, now);
        for e in &events {
            sum.actions.push(ActionReport {
                session: String::new(),
                action: "notify".into(),
                detail: e.message.clone(),
                outcome: if e.kind == "notification.sent" {
                    "sent"
                } else {
                    "failed"
                }
                .into(),
            });
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
        for (name, r) in notifier::flush_digests(&ctx.config.notifiers, ctx.store.root(), now) {
            let (kind, msg) = match r {
                Ok(n) => ("notification.sent", format!("digest of {n} via {name}")),
                Err(e) => ("notification.failed", format!("{name}: digest: {e}")),
            };
            let e = Event::new(now, kind, msg)
                .with(serde_json::json!({"notifier": name, "digest": true}));
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
        let e = Event::new(crate::clock::now(), "tick.done", format!(
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

fn record_error(ctx: &Ctx, id: &SessionId, error: &str) {
    if let Ok(Some(_l)) = ctx.store.try_lock_session(id)
        && let Ok(mut rec) = ctx.store.find(id)
    {
        rec.last_error = Some(error.to_owned());
        let _ = ctx.store.save(&rec);
        let _ = ctx.store.event(
            Event::new(crate::clock::now(), "tick.session_failed", error.to_owned())
                .about(&rec.project, Some(rec.id.as_str())),
        );
    }
}

/// Key in `SessionRecord::extra`: the transcript's size and modification time when the
/// cost was last read, so an unchanged transcript is not read again.
const COST_STAMP_KEY: &str = "cost.transcriptStamp";

/// The agent's cost estimate when its transcript (or rollout) changed since the last
/// reading: `(stamp, estimate)`. `None` when the agent keeps no transcript, it does not
/// exist yet, or it is unchanged.
fn read_cost(
    rec: &SessionRecord,
    agent: &dyn agent::Agent,
    actx: &AgentContext<'_>,
) -> Option<(String, Option<agent::CostEstimate>)> {
    let path = agent.transcript_path(actx)?;
    let meta = std::fs::metadata(&path).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let stamp = format!("{}:{mtime}", meta.len());
    if rec
        .extra
        .get(COST_STAMP_KEY)
        .and_then(serde_json::Value::as_str)
        == Some(stamp.as_str())
    {
        return None;
    }
    Some((stamp, agent.estimate_cost(actx)))
}

/// One session's probe: what the lifecycle sees, the runtime's last output time, and
/// `Some(exit status)` when the runtime itself reports the agent's process ended (a dead
/// pane, a gone process; not merely a shell in the foreground).
type Probed = (RuntimeObs, Option<i64>, Option<Option<i32>>);

/// What a dead pane said last: `n` non-empty lines (each at most 100 characters, tmux's
/// own "Pane is dead" line left out) joined with " / ", starting at the first line among
/// the last `2n` that reads like an error ("error", "unable", "failed", "invalid"), else
/// the last `n`. The cause comes first, so a shortened notification keeps it.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Pane is dead"))
        .map(|l| crate::sys::text::truncate_chars(l, 100))
        .collect();
    let window = lines.len().saturating_sub(2 * n);
    let start = lines[window..]
        .iter()
        .position(|l| {
            let l = l.to_lowercase();
            ["error", "unable", "failed", "invalid"]
                .iter()
                .any(|w| l.contains(w))
        })
        .map_or(lines.len().saturating_sub(n), |i| window + i);
    lines[start..lines.len().min(start + n)].join(" / ")
}

/// "agent process exited (status 1): <last lines>".
fn death_evidence(status: Option<i32>, tail: &str) -> String {
    let head = match status {
        Some(s) => format!("agent process exited (status {s})"),
        None => "agent process exited".to_owned(),
    };
    if tail.is_empty() {
        head
    } else {
        format!("{head}: {tail}")
    }
}

/// What the observe phase saw of the runtimes, by session: the probe result with the
/// pane's activity time, and a fresh capture (text, second taken) of each pane that changed.
type RuntimeSeen = (
    BTreeMap<SessionId, Probed>,
    BTreeMap<SessionId, (String, i64)>,
);

/// One observation per runtime (per project for `ssh`, whose hosts are per project): a
/// probe of all its sessions plus captures of the panes whose cached classification is
/// stale — one `tmux list-panes -a` locally, one remote command per host over ssh.
fn observe_runtimes(ctx: &Ctx, recs: &[SessionRecord], sum: &mut TickSummary) -> RuntimeSeen {
    let mut out = BTreeMap::new();
    let mut screens = BTreeMap::new();
    let mut groups: BTreeMap<(String, String), Vec<&SessionRecord>> = BTreeMap::new();
    for r in recs {
        match &r.runtime {
            Some(h) => {
                let scope = if h.plugin == "ssh" {
                    r.project.clone()
                } else {
                    String::new()
                };
                groups.entry((h.plugin.clone(), scope)).or_default().push(r);
            }
            None => {
                out.insert(
                    r.id.clone(),
                    (
                        RuntimeObs::Seen {
                            exists: false,
                            agent_exited: true,
                            activity_time: None,
                        },
                        None,
                        None,
                    ),
                );
            }
        }
    }
    for ((plugin, scope), group) in groups {
        let handles: Vec<&crate::model::RuntimeHandle> =
            group.iter().filter_map(|r| r.runtime.as_ref()).collect();
        // A capture taken after the pane's last activity (one-second resolution) is
        // still valid: no need to capture again while the activity time stays put.
        let fresh: BTreeMap<String, i64> = group
            .iter()
            .filter_map(|r| {
                let c = r
                    .capture
                    .as_ref()
                    .filter(|c| c.captured_at > c.activity_time)?;
                Some((r.runtime.as_ref()?.target.clone(), c.activity_time))
            })
            .collect();
        let rt = match ops::runtime_named(ctx, &scope_project(&group, &scope), &plugin) {
            Ok(rt) => rt,
            Err(e) => {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("{plugin} probe failed: {e:#}"),
                });
                for r in group {
                    out.insert(
                        r.id.clone(),
                        (RuntimeObs::ProbeFailed(format!("{e:#}")), None, None),
                    );
                }
                continue;
            }
        };
        let seen = rt.observe(&handles, &fresh, CAPTURE_LINES);
        let mut reported = BTreeSet::new();
        for r in group {
            let Some(h) = &r.runtime else { continue };
            let obs = match seen.get(&h.target) {
                Some(Ok(o)) => {
                    if let Some(sc) = &o.screen {
                        screens.insert(r.id.clone(), sc.clone());
                    }
                    let p = &o.probe;
                    (
                        RuntimeObs::Seen {
                            exists: p.exists,
                            agent_exited: p.agent_exited || shell_left(ctx, r, &p.command),
                            activity_time: p.activity_time,
                        },
                        p.activity_time,
                        (p.exists && p.agent_exited).then_some(p.exit_status),
                    )
                }
                Some(Err(crate::plugins::PluginError::Unavailable(e))) => {
                    (RuntimeObs::Unreachable(e.clone()), None, None)
                }
                Some(Err(e)) => {
                    if reported.insert(e.to_string()) {
                        sum.failures.push(Failure {
                            session: None,
                            error: format!("{plugin} probe failed: {e}"),
                        });
                    }
                    (RuntimeObs::ProbeFailed(e.to_string()), None, None)
                }
                None => (
                    RuntimeObs::ProbeFailed("not in probe result".into()),
                    None,
                    None,
                ),
            };
            out.insert(r.id.clone(), obs);
        }
    }
    (out, screens)
}

/// The project a runtime group belongs to (`scope`, or the first session's).
fn scope_project(group: &[&SessionRecord], scope: &str) -> String {
    if scope.is_empty() {
        group.first().map(|r| r.project.clone()).unwrap_or_default()
    } else {
        scope.to_owned()
    }
}

/// True when the pane's foreground command is a shell the agent itself is not: the agent
/// exited back to its shell.
fn shell_left(ctx: &Ctx, rec: &SessionRecord, command: &str) -> bool {
    if !crate::plugins::runtime::SHELLS.contains(&command) {
        return false;
    }
    let cfg = ctx
        .config
        .projects
        .get(&rec.project)
        .map(|p| p.agent_config.clone())
        .unwrap_or_default();
    agent::create(&rec.agent, &crate::plugins::agent_env(&cfg))
        .is_ok_and(|a| !a.process_names().iter().any(|n| n == command))
}

/// One SCM observe call per project.
fn observe_scm(
    ctx: &Ctx,
    recs: &[SessionRecord],
    now: Timestamp,
    dry_run: bool,
    sum: &mut TickSummary,
) -> BTreeMap<SessionId, PrObs> {
    let mut out = BTreeMap::new();
    let mut by_project: BTreeMap<&str, Vec<&SessionRecord>> = BTreeMap::new();
    for r in recs {
        by_project.entry(r.project.as_str()).or_default().push(r);
    }
    for (pid, group) in by_project {
        let Some(project) = ctx.config.projects.get(pid) else {
            sum.failures.push(Failure {
                session: None,
                error: format!("project `{pid}` has sessions but is not in the config"),
            });
            continue;
        };
        let repo = ops::repo_path(ctx, project);
        let base = ops::default_branch(project, &repo);
        let sctx = ScmContext {
            project_id: pid,
            project,
            repo: &repo,
            default_branch: &base,
            data_dir: ctx.store.root(),
            now,
            dry_run,
        };
        let env = ops::plugin_env(ctx).with_project(pid, project, &repo);
        let result = scm::create(project.scm_name(), &env).and_then(|s| s.observe(&sctx, &group));
        match result {
            Ok(map) => {
                for r in group {
                    let obs = match map.get(&r.id) {
                        Some(f) => PrObs::Pr(f.clone()),
                        None => PrObs::NoPr,
                    };
                    out.insert(r.id.clone(), obs);
                }
            }
            Err(e) => {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("project {pid}: SCM: {e}"),
                });
                for r in group {
                    out.insert(r.id.clone(), PrObs::Failed(e.to_string()));
                }
            }
        }
    }
    out
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
        ready_threshold: config.ready_threshold.unwrap_or(Duration::from_secs(120)),
        spawn_grace: config.spawn_grace.unwrap_or(Duration::from_secs(60)),
        missing_after: config.missing_after.unwrap_or(3),
        unreachable_after: config.unreachable_after(),
        reactions,
        attach_template: "ao open {session}".into(),
        dashboard_url,
        local_scm: project.is_some_and(|p| p.scm_name() == "local"),
        ready_when_quiet: false,
    }
}

/// What the observe phase saw, by session: runtimes (with pane activity time), PRs, and
/// fresh captures of the panes that changed (with the wall-clock second they were taken).
type Observed<'a> = (
    &'a BTreeMap<SessionId, Probed>,
    &'a BTreeMap<SessionId, PrObs>,
    &'a BTreeMap<SessionId, (String, i64)>,
);

/// Lines of a pane captured for classification.
const CAPTURE_LINES: u32 = 60;

/// True when the record's cached classification still describes the pane: taken after
/// the pane's last activity (tmux's activity time ticks in whole seconds).
fn capture_is_fresh(rec: &SessionRecord, activity_time: Option<i64>) -> bool {
    rec.capture
        .as_ref()
        .is_some_and(|c| activity_time.is_some_and(|t| t == c.activity_time && c.captured_at > t))
}

fn tick_session(
    ctx: &Ctx,
    opts: &TickOptions,
    id: &SessionId,
    (runtime_obs, pr_obs, screens): Observed<'_>,
    now: Timestamp,
    storm: &mut Storm,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    // A session busy with `ao send` / `ao hook` is left for the next tick.
    let Some(_lock) = ctx.store.try_lock_session(id)? else {
        return Ok(());
    };
    let mut rec = ctx.store.find(id)?;
    let loaded = rec.clone();
    let project = ctx.config.project(&rec.project)?.clone();
    let mut settings = settings(&ctx.config, Some(&project), ctx.store.root());
    let (runtime, activity_time, died) =
        runtime_obs
            .get(id)
            .cloned()
            .unwrap_or((RuntimeObs::NotProbed, None, None));
    let agent = agent::create(
        &rec.agent,
        &crate::plugins::agent_env(&project.agent_config),
    )?;
    settings.ready_when_quiet = agent.ready_when_quiet();

    // Terminal: capture only when the pane changed since the last capture.
    let mut screen = None;
    let alive = matches!(runtime, RuntimeObs::Seen { exists: true, .. });
    if alive && let Some(h) = &rec.runtime {
        let cached = rec
            .capture
            .as_ref()
            .filter(|_| capture_is_fresh(&rec, activity_time));
        let cache = match cached {
            Some(c) => c.clone(),
            None => {
                // Wall clock, like tmux's activity time (not a pinned AO_NOW).
                let (text, captured_at) = match screens.get(id) {
                    Some((text, at)) => (text.clone(), *at),
                    None => {
                        let rt = ops::runtime_for(ctx, &rec)?;
                        let text = rt.capture(h, CAPTURE_LINES).unwrap_or_default();
                        (text, jiff::Timestamp::now().as_second())
                    }
                };
                let m = agent.classify_screen(&text);
                CaptureCache {
                    activity_time: activity_time.unwrap_or(0),
                    captured_at,
                    activity: m.as_ref().map(|m| m.activity),
                    evidence: m.as_ref().map(|m| m.evidence.clone()).unwrap_or_default(),
                    resets: m.as_ref().and_then(|m| m.resets.clone()),
                    retrying: m.as_ref().is_some_and(|m| m.retrying),
                }
            }
        };
        if let Some(a) = cache.activity {
            screen = Some(ScreenObs {
                activity: a,
                evidence: cache.evidence.clone(),
                resets: cache.resets.clone(),
                retrying: cache.retrying,
                changed_at: Some(cache.activity_time).filter(|t| *t > 0),
            });
        }
        rec.capture = Some(cache);
    }
    let files = ctx.store.session_files(&rec.project, &rec.id)?;
    let prompt = rec
        .prompt_file
        .clone()
        .unwrap_or_else(|| files.join("prompt.md"));
    let ao_bin = std::env::current_exe().unwrap_or_else(|_| "ao".into());
    let actx = AgentContext {
        session: rec.id.as_str(),
        project: &rec.project,
        workspace: &rec.workspace,
        prompt_file: &prompt,
        session_dir: &files,
        agent_session_id: rec.agent_session_id.as_deref(),
        config: &project.agent_config,
        ao_bin: &ao_bin,
    };
    let transcript = agent.transcript_activity(&actx);
    let cost = read_cost(&rec, agent.as_ref(), &actx);
    let pr = pr_obs.get(id).cloned().unwrap_or(PrObs::NotChecked);
    // A process that ended is reported with the pane's last lines ("Unable to connect to
    // Anthropic services"), once: the cause must reach the human, not only "exited".
    let died = match (died, &rec.runtime) {
        (Some(status), Some(h))
            if rec
                .activity
                .as_ref()
                .is_none_or(|a| a.state != Activity::Exited) =>
        {
            let tail = ops::runtime_for(ctx, &rec)
                .and_then(|rt| Ok(rt.capture(h, CAPTURE_LINES)?))
                .map(|t| last_lines(&t, 4))
                .unwrap_or_default();
            Some(death_evidence(status, &tail))
        }
        _ => None,
    };
    let obs = Observation {
        runtime,
        screen,
        transcript,
        pr,
        died,
    };
    let before = rec.status;
    let d = lifecycle::decide(&rec, &obs, &settings, now);
    if d.record.status != before {
        sum.transitions.push(Transition {
            session: id.to_string(),
            from: before.to_string(),
            to: d.record.status.to_string(),
        });
    }
    if opts.dry_run {
        for a in &d.actions {
            sum.actions.push(report(id, a, "dry-run".into()));
        }
        return Ok(());
    }
    let mut rec = d.record;
    rec.last_error = None;
    if let Some((stamp, estimate)) = cost {
        rec.extra.insert(COST_STAMP_KEY.to_owned(), stamp.into());
        if estimate.is_some() && estimate != rec.cost {
            rec.cost = estimate;
        }
    }
    let mut events = d.events;
    if !d.actions.is_empty() {
        // The intent (attempt counted, "sending" / "merging", the episode key a
        // notification's delivery id derives from) is durable before any side effect: if
        // it cannot be written (disk full), nothing is done this tick; after a crash the
        // next tick repeats the same keys, so receivers can dedupe.
        let new: Vec<Notification> = d
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Notify(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        lifecycle::enqueue(&mut rec, &new, now);
        ctx.store.save(&rec)?;
        ctx.store.append(&std::mem::take(&mut events))?;
    }
    let mut notes: Vec<Notification> = Vec::new();
    let mut cleanup = None;
    let mut queue: std::collections::VecDeque<Action> = d.actions.into();
    while let Some(action) = queue.pop_front() {
        match action {
            Action::SendToAgent {
                key,
                reaction,
                message,
            } => {
                // No ready-wait: a starting agent is tried again next tick.
                let r = ops::deliver(ctx, &rec, &message, &key, ops::DeliverOptions::default());
                if let Ok(rep) = &r
                    && let Some(h) = &rep.runtime
                {
                    // A headless agent's next turn runs in a new process.
                    rec.runtime = Some(h.clone());
                }
                let outcome = match &r {
                    Ok(rep) => match &rep.reason {
                        Some(why) => format!("{}: {why}", rep.outcome),
                        None => rep.outcome.to_owned(),
                    },
                    Err(e) => format!("failed: {e:#}"),
                };
                sum.actions.push(ActionReport {
                    session: id.to_string(),
                    action: "send".into(),
                    detail: format!("{} ({key})", reaction.as_str()),
                    outcome,
                });
                let res = r.map(|rep| rep.delivery).map_err(|e| format!("{e:#}"));
                let d2 = lifecycle::on_send_result(&rec, &key, res, &settings, now);
                rec = d2.record;
                events.extend(d2.events);
                queue.extend(d2.actions);
            }
            Action::Notify(n) => notes.push(n),
            Action::Merge { key, sha, method } => {
                let repo = ops::repo_path(ctx, &project);
                let base = ops::default_branch(&project, &repo);
                let sctx = ScmContext {
                    project_id: &rec.project,
                    project: &project,
                    repo: &repo,
                    default_branch: &base,
                    data_dir: ctx.store.root(),
                    now,
                    dry_run: false,
                };
                let pr = rec.pr.clone();
                let res = match &pr {
                    Some(pr) if pr.head_sha == sha => scm::create(
                        project.scm_name(),
                        &ops::plugin_env(ctx).with_project(&rec.project, &project, &repo),
                    )
                    .and_then(|s| s.merge(&sctx, &rec, pr, &method))
                    .map_err(|e| e.to_string()),
                    _ => Ok(MergeOutcome::HeadMoved),
                };
                let outcome = match &res {
                    Ok(MergeOutcome::Merged(c)) => format!("merged as {}", &c[..c.len().min(12)]),
                    Ok(MergeOutcome::HeadMoved) => "head moved; not merged".into(),
                    Ok(MergeOutcome::Refused(m)) => format!("refused: {m}"),
                    Err(e) => format!("failed: {e}"),
                };
                sum.actions.push(ActionReport {
                    session: id.to_string(),
                    action: "merge".into(),
                    detail: format!("{} at {}", method, &sha[..sha.len().min(12)]),
                    outcome,
                });
                let d2 = lifecycle::on_merge_result(&rec, &key, res, &settings, now);
                rec = d2.record;
                events.extend(d2.events);
                queue.extend(d2.actions);
            }
            Action::Cleanup { reason } => cleanup = Some(reason),
        }
    }
    if let Some(s) = ops::sync_tracker(
        ctx,
        &rec.project.clone(),
        &project,
        &mut rec,
        now,
        &mut events,
    ) {
        sum.actions.push(ActionReport {
            session: id.to_string(),
            action: "tracker".into(),
            detail: s.stage.into(),
            outcome: s.outcome,
        });
    }
    for n in &notes {
        sum.actions.push(ActionReport {
            session: id.to_string(),
            action: "notify".into(),
            detail: n.title.clone(),
            outcome: "queued".into(),
        });
    }
    let delivered = delivery::deliver_notifications(
        &ctx.config,
        ctx.store.root(),
        &mut rec,
        &notes,
        now,
        storm,
    );
    for e in &delivered {
        if e.kind == "notification.failed" {
            sum.failures.push(Failure {
                session: Some(id.to_string()),
                error: e.message.clone(),
            });
        }
    }
    events.extend(delivered);
    if !observed_again(&loaded, &rec) {
        ctx.store.save(&rec)?;
    }
    ctx.store.append(&events)?;
    if let Some(reason) = cleanup {
        match ops::kill(ctx, &rec, false, &reason) {
            Ok(_) => sum.actions.push(ActionReport {
                session: id.to_string(),
                action: "cleanup".into(),
                detail: reason,
                outcome: "archived".into(),
            }),
            Err(e) => {
                sum.actions.push(ActionReport {
                    session: id.to_string(),
                    action: "cleanup".into(),
                    detail: reason,
                    outcome: format!("failed: {e:#}"),
                });
                rec.last_error = Some(format!("cleanup: {e:#}"));
                ctx.store.save(&rec)?;
            }
        }
    }
    Ok(())
}

/// True when `after` differs from `before` only in when its facts were last confirmed
/// (the activity's, the runtime's and the PR's `observedAt`): a steady tick does not
/// rewrite the record for that. On disk `observedAt` is then when a fact last changed or
/// was written; when ticks last ran is the tick heartbeat ([`Store::last_tick`]).
///
/// [`Store::last_tick`]: crate::store::Store::last_tick
fn observed_again(before: &SessionRecord, after: &SessionRecord) -> bool {
    let mut a = after.clone();
    a.runtime_observed_at = before.runtime_observed_at.or(a.runtime_observed_at);
    if let (Some(x), Some(y)) = (a.activity.as_mut(), before.activity.as_ref()) {
        x.observed_at = y.observed_at;
    }
    if let (Some(x), Some(y)) = (a.pr.as_mut(), before.pr.as_ref()) {
        x.observed_at = y.observed_at;
    }
    a == *before
}

fn report(id: &SessionId, a: &Action, outcome: String) -> ActionReport {
    let (action, detail) = match a {
        Action::SendToAgent { key, .. } => ("send", key.clone()),
        Action::Notify(n) => ("notify", n.title.clone()),
        Action::Merge { sha, method, .. } => ("merge", format!("{method} at {sha}")),
        Action::Cleanup { reason } => ("cleanup", reason.clone()),
    };
    ActionReport {
        session: id.to_string(),
        action: action.into(),
        detail,
        outcome,
    }
}

/// What `project_complete` remembers per project (`cache/all-complete/<project>.json`).
#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct RoundLedger {
    /// The project's records (live ids with status, archived ids) when last evaluated
    /// with nothing left to do; an unchanged project is not read again.
    fingerprint: u64,
    /// Sessions created up to this time were covered by an earlier summary.
    cutoff: Option<Timestamp>,
    /// Key of the round being delivered.
    round: String,
    /// Notifiers that got this round's summary.
    sent: BTreeMap<String, Timestamp>,
}

/// FNV-1a over strings, for the round fingerprint.
fn fnv(parts: impl IntoIterator<Item = String>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(b"\n") {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The project's `all-complete` summary, once, when its last session in progress ended —
/// whatever ended it (merge, `ao session kill`, cleanup) and however it was spawned. A
/// round is every session created since the previous summary; sessions of a batch are
/// summarised by their batch (and batches whose last session was archived are checked
/// here too).
fn project_complete(
    ctx: &Ctx,
    project: &str,
    now: Timestamp,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    if !ctx.store.sessions_dir(project)?.exists() && !ctx.store.archive_dir(project)?.exists() {
        return Ok(());
    }
    let (live, _) = ctx.store.list(Some(project))?;
    if live.iter().any(|r| !r.status.is_terminal()) {
        return Ok(());
    }
    let archive_ids: Vec<String> = match std::fs::read_dir(ctx.store.archive_dir(project)?) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut parts: Vec<String> = live
        .iter()
        .map(|r| format!("live {} {}", r.id, r.status))
        .chain(archive_ids.into_iter().map(|n| format!("archived {n}")))
        .collect();
    parts.sort();
    let fingerprint = fnv(parts);
    let file = ctx
        .store
        .cache_dir()
        .join("all-complete")
        .join(format!("{project}.json"));
    let mut ledger: RoundLedger = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if ledger.fingerprint == fingerprint {
        return Ok(());
    }
    let (archived, _) = ctx.store.list_archived(Some(project))?;
    let newer = |r: &&SessionRecord| ledger.cutoff.is_none_or(|c| r.created_at > c);
    let round: Vec<&SessionRecord> = live.iter().chain(archived.iter()).filter(newer).collect();
    let batches: BTreeSet<&str> = round.iter().filter_map(|r| r.batch.as_deref()).collect();
    for b in batches {
        if let Err(e) = batch_complete(ctx, project, b, now, sum) {
            sum.failures.push(Failure {
                session: None,
                error: format!("batch {b}: {e:#}"),
            });
        }
    }
    let members: Vec<&SessionRecord> = round.into_iter().filter(|r| r.batch.is_none()).collect();
    let pcfg = ctx.config.projects.get(project);
    let settings = settings(&ctx.config, pcfg, ctx.store.root());
    let done = match lifecycle::project_complete(project, &members, &settings, now) {
        None => true,
        Some((_, n)) => {
            if ledger.round != n.key {
                ledger.round = n.key.clone();
                ledger.sent.clear();
            }
            let routes = ctx.config.route(n.priority);
            let pending: Vec<&String> = routes
                .iter()
                .filter(|r| !ledger.sent.contains_key(*r))
                .collect();
            for name in pending {
                let data = serde_json::json!({"key": n.key, "notifier": name, "project": project});
                let (r, event) =
                    delivery::send_via(&ctx.config, ctx.store.root(), name, &n, now, data);
                let outcome = match &r {
                    Ok(()) => {
                        ledger.sent.insert(name.clone(), now);
                        "sent".to_owned()
                    }
                    Err(e) => format!("failed: {e}"),
                };
                ctx.store.event(event.about(project, None))?;
                sum.actions.push(ActionReport {
                    session: project.to_owned(),
                    action: "notify".into(),
                    detail: n.title.clone(),
                    outcome,
                });
            }
            let all_sent = routes.iter().all(|r| ledger.sent.contains_key(r));
            if all_sent {
                ledger.cutoff = members.iter().map(|r| r.created_at).max();
                ledger.sent.clear();
            }
            all_sent
        }
    };
    if done {
        ledger.fingerprint = fingerprint;
    }
    if let Some(d) = file.parent() {
        crate::store::atomic::ensure_private_dir(d)?;
    }
    crate::store::atomic::write(&file, &serde_json::to_vec(&ledger)?)?;
    Ok(())
}

/// Sends the `all-complete` notification of a batch once, when all its sessions ended.
fn batch_complete(
    ctx: &Ctx,
    project: &str,
    batch: &str,
    now: Timestamp,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    crate::model::validate_name(batch, "batch id")?;
    let (live, _) = ctx.store.list(Some(project))?;
    let live: Vec<SessionRecord> = live
        .into_iter()
        .filter(|r| r.batch.as_deref() == Some(batch))
        .collect();
    if live.iter().any(|r| !r.status.is_terminal()) {
        return Ok(());
    }
    let file = ctx
        .store
        .cache_dir()
        .join("batches")
        .join(format!("{batch}.json"));
    let mut ledger: BTreeMap<String, Timestamp> = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let (archived, _) = ctx.store.list_archived(Some(project))?;
    let mut members: Vec<&SessionRecord> = live.iter().collect();
    members.extend(
        archived
            .iter()
            .filter(|r| r.batch.as_deref() == Some(batch)),
    );
    let pcfg = ctx.config.projects.get(project);
    let settings = settings(&ctx.config, pcfg, ctx.store.root());
    let Some((_, n)) = lifecycle::all_complete(batch, &members, &settings, now) else {
        return Ok(());
    };
    let routes = ctx.config.route(n.priority);
    let mut changed = false;
    let pending: Vec<String> = routes
        .into_iter()
        .filter(|r| !ledger.contains_key(r))
        .collect();
    for name in &pending {
        let data = serde_json::json!({"key": n.key, "notifier": name, "batch": batch});
        let (r, event) = delivery::send_via(&ctx.config, ctx.store.root(), name, &n, now, data);
        let outcome = match &r {
            Ok(()) => {
                ledger.insert(name.clone(), now);
                changed = true;
                "sent".to_owned()
            }
            Err(e) => format!("failed: {e}"),
        };
        ctx.store.event(event.about(project, None))?;
        sum.actions.push(ActionReport {
            session: batch.to_owned(),
            action: "notify".into(),
            detail: n.title.clone(),
            outcome,
        });
    }
    if changed {
        if let Some(d) = file.parent() {
            crate::store::atomic::ensure_private_dir(d)?;
        }
        crate::store::atomic::write(&file, &serde_json::to_vec(&ledger)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Screens the real CLIs left when they died offline (Claude Code 2.1.328 with a
    /// fresh HOME; Codex 0.171 given an unknown option).
    #[test]
    fn a_dead_panes_words_start_at_the_cause() {
        let claude = "   ░░░░░░░░\n      ██▄█████▄██\n.......█ █   █ █.......\n Unable to connect to Anthropic services\n Failed to connect to api.anthropic.com: ENOTFOUND\n Check your internet connection and network settings.\n Claude Code might not be available in your country.\n\nPane is dead (status 1, Sat Dec  5 16:30:26 2026)\n";
        assert_eq!(
            last_lines(claude, 4),
            "Unable to connect to Anthropic services / Failed to connect to api.anthropic.com: ENOTFOUND / Check your internet connection and network settings. / Claude Code might not be available in your country."
        );
        let codex = "error: unexpected argument '--no-such-option' found\n\n  tip: to pass '--no-such-option' as a value, use '-- --no-such-option'\n\nUsage: codex [OPTIONS] [PROMPT]\n       codex [OPTIONS] <COMMAND> [ARGS]\n\nFor more information, try '--help'.\n";
        assert!(
            last_lines(codex, 4)
                .starts_with("error: unexpected argument '--no-such-option' found / tip:")
        );
        assert_eq!(last_lines("a\nb\nc\nd\ne\n", 2), "d / e");
        assert_eq!(last_lines("", 4), "");
        assert_eq!(
            death_evidence(Some(1), "boom"),
            "agent process exited (status 1): boom"
        );
        assert_eq!(death_evidence(None, ""), "agent process exited");
    }
}
