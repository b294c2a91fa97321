//! Decide and act for one session: the lifecycle's pure decision over what was observed,
//! then the actions (messages, notifications, merges, cleanup), persisted with their
//! events.

use std::borrow::Cow;

#[allow(clippy::wildcard_imports)]
use super::*;

/// One session's decision, made before anything is done: the record it was made on, the
/// lifecycle's decision, the agent's cost reading and the settings it used.
pub(super) struct Planned<'a> {
    /// The record decided on, as it was read.
    loaded: &'a SessionRecord,
    /// What the lifecycle decided.
    decision: lifecycle::Decision,
    /// The agent's cost reading, when its transcript changed.
    cost: Option<(String, Option<agent::CostEstimate>)>,
    /// The lifecycle settings of the session's project and agent.
    settings: Cow<'a, Settings>,
}

impl Planned<'_> {
    /// The record to persist: the decision's, the last error cleared, the cost applied.
    fn settled(&self) -> SessionRecord {
        let mut rec = self.decision.record.clone();
        rec.last_error = None;
        if let Some((stamp, estimate)) = &self.cost {
            rec.extra
                .insert(COST_STAMP_KEY.to_owned(), stamp.clone().into());
            if estimate.is_some() && *estimate != rec.cost {
                rec.cost.clone_from(estimate);
            }
        }
        rec
    }

    /// True when acting on this decision would do nothing at all: no action, no event, a
    /// record that changes only in when its facts were last confirmed, no PR stage for
    /// the tracker and no notification due. Such a session (most of a steady pass) needs
    /// neither its lock nor a fresh read of its record.
    fn quiet(&mut self, ctx: &Ctx, project: &ProjectConfig, now: Timestamp) -> bool {
        let d = &mut self.decision;
        // A cost reading or an error to clear changes the record (see `settled`).
        if !d.actions.is_empty()
            || !d.events.is_empty()
            || self.cost.is_some()
            || d.record.last_error.is_some()
            || !observed_again(self.loaded, &mut d.record)
        {
            return false;
        }
        // Nothing new is enqueued: this only asks which deliveries are due.
        let route = |p| crate::notify::route(&ctx.config, p);
        !ops::tracker_sync_due(ctx, &d.record.project, project, &d.record)
            && lifecycle::plan_deliveries(&mut d.record, &[], &route, now).is_empty()
    }
}

/// Observes what is particular to one session (its screen when the pane changed, its
/// transcript, its cost, a dead pane's last lines) and asks the lifecycle. Reads only.
fn plan<'a>(
    ctx: &Ctx,
    rec: &'a SessionRecord,
    project: &ProjectConfig,
    (runtime_obs, pr_obs, screens, project_settings): Observed<'a>,
    now: Timestamp,
) -> anyhow::Result<Planned<'a>> {
    let id = &rec.id;
    let loaded = rec;
    // Copied only when its cached screen classification changes.
    let mut rec = Cow::Borrowed(rec);
    let (runtime, activity_time, died) =
        runtime_obs
            .get(id)
            .cloned()
            .unwrap_or((RuntimeObs::NotProbed, None, None));
    let agent = agent::create(
        &rec.agent,
        &crate::plugins::agent_env(&project.agent_config),
    )?;
    let mut settings = match project_settings.get(&rec.project) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(settings(&ctx.config, Some(project), ctx.store.root())),
    };
    if agent.ready_when_quiet() != settings.ready_when_quiet {
        settings.to_mut().ready_when_quiet = agent.ready_when_quiet();
    }

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
        if rec.capture.as_ref() != Some(&cache) {
            rec.to_mut().capture = Some(cache);
        }
    }
    let paths = ops::AgentPaths::of(ctx, &rec)?;
    let actx = paths.context(&rec, &project.agent_config, now);
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
            let rt = ops::runtime_for(ctx, &rec).ok();
            let tail = rt
                .as_ref()
                .and_then(|rt| rt.capture(h, CAPTURE_LINES).ok())
                .map(|t| last_lines(&t, 4))
                .unwrap_or_default();
            // tmux marks a pane dead at its pty's end of file and learns the exit status
            // when it reaps the process, a moment later (an unreaped zombie is read from
            // /proc by the runtime): a pane seen in between is asked again briefly, once
            // per death and for at most 0.3 s, so a pass with many deaths stays short.
            let status = status.or_else(|| {
                let rt = rt.as_ref()?;
                (0..3).find_map(|_| {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    rt.probe(&[h]).ok()?.remove(&h.target)?.exit_description()
                })
            });
            Some(death_evidence(status.as_deref(), &tail))
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
    let decision = lifecycle::decide(&rec, &obs, &settings, now);
    Ok(Planned {
        loaded,
        decision,
        cost,
        settings,
    })
}

pub(super) fn tick_session(
    ctx: &Ctx,
    opts: &TickOptions,
    listed: &SessionRecord,
    observed: Observed<'_>,
    now: Timestamp,
    storm: &mut Storm,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    let id = &listed.id;
    let project = ctx.config.project(&listed.project)?;
    // Decide on the record as listed first: nothing to do means no lock and no new read.
    let mut planned = plan(ctx, listed, project, observed, now);
    if let Ok(p) = &mut planned
        && p.quiet(ctx, project, now)
    {
        return Ok(());
    }
    // A session busy with `ao send` / `ao hook` is left for the next tick.
    let Some(_lock) = ctx.store.try_lock_session(id)? else {
        return Ok(());
    };
    // Anything written is written under the lock over the record as it is now: read it
    // again (the listing named its project, no search); decide again if it changed.
    let fresh = ctx.store.load(&listed.project, id)?;
    let planned = match planned {
        Ok(p) if *p.loaded == fresh => p,
        _ => plan(ctx, &fresh, project, observed, now)?,
    };
    let mut rec = planned.settled();
    let Planned {
        loaded,
        decision: d,
        settings,
        ..
    } = planned;
    let before = loaded.status;
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
                let r = ops::deliver(
                    ctx,
                    &rec,
                    &message,
                    &key,
                    ops::DeliverOptions::default(),
                    now,
                );
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
                let repo = ops::repo_path(ctx, project);
                let base = ops::default_branch(project, &repo);
                let sctx = ScmContext {
                    project_id: &rec.project,
                    project,
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
                        &ops::plugin_env(ctx).with_project(&rec.project, project, &repo),
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
        project,
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
    let notify = Dispatcher::new(&ctx.config, ctx.store.root(), now);
    let dispatched = notify.deliver(&mut rec, &notes, storm);
    // A new notification no notifier took in this pass (none routed, or every one waiting
    // out a retry) stays in the record's ledger for the next pass.
    for n in notes
        .iter()
        .filter(|n| !dispatched.iter().any(|d| d.title == n.title))
    {
        sum.actions.push(ActionReport {
            session: id.to_string(),
            action: "notify".into(),
            detail: n.title.clone(),
            outcome: "queued".into(),
        });
    }
    for d in dispatched {
        if let Outcome::Failed(e) = &d.outcome {
            sum.failures.push(Failure {
                session: Some(id.to_string()),
                error: format!("{}: {e}", d.notifier),
            });
        }
        sum.actions.push(ActionReport {
            session: id.to_string(),
            action: "notify".into(),
            detail: format!("{} via {}", d.title, d.notifier),
            outcome: d.outcome.as_str().into(),
        });
        events.extend(d.event);
    }
    if !observed_again(loaded, &mut rec) {
        ctx.store.save(&rec)?;
    }
    ctx.store.append(&events)?;
    if let Some(reason) = cleanup {
        match ops::kill(ctx, &rec, false, &reason, now) {
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
pub(super) fn observed_again(before: &SessionRecord, after: &mut SessionRecord) -> bool {
    // `after` is compared with `before`'s confirmation times, then given its own back
    // (no copy of the record, once per session per tick).
    let own = stamps(after);
    let theirs = stamps(before);
    set_stamps(after, (theirs.0.or(own.0), theirs.1, theirs.2));
    let same = *after == *before;
    set_stamps(after, own);
    same
}

/// When a record's runtime, activity and PR were last confirmed.
type Stamps = (Option<Timestamp>, Option<Timestamp>, Option<Timestamp>);

fn stamps(r: &SessionRecord) -> Stamps {
    (
        r.runtime_observed_at,
        r.activity.as_ref().map(|a| a.observed_at),
        r.pr.as_ref().map(|p| p.observed_at),
    )
}

/// Sets the runtime's confirmation time, and the activity's and the PR's where both the
/// record and `stamps` have one.
fn set_stamps(r: &mut SessionRecord, (runtime, activity, pr): Stamps) {
    r.runtime_observed_at = runtime;
    if let (Some(a), Some(t)) = (r.activity.as_mut(), activity) {
        a.observed_at = t;
    }
    if let (Some(p), Some(t)) = (r.pr.as_mut(), pr) {
        p.observed_at = t;
    }
}

pub(super) fn report(id: &SessionId, a: &Action, outcome: String) -> ActionReport {
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
