//! Decide and act for one session: the lifecycle's pure decision over what was observed,
//! then the actions (messages, notifications, merges, cleanup), persisted with their
//! events.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn tick_session(
    ctx: &Ctx,
    opts: &TickOptions,
    (project, id): (&str, &SessionId),
    (runtime_obs, pr_obs, screens): Observed<'_>,
    now: Timestamp,
    storm: &mut Storm,
    sum: &mut TickSummary,
) -> anyhow::Result<()> {
    // A session busy with `ao send` / `ao hook` is left for the next tick.
    let Some(_lock) = ctx.store.try_lock_session(id)? else {
        return Ok(());
    };
    // The listing named its project: read that record directly, no search.
    let mut rec = ctx.store.load(project, id)?;
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
    let paths = ops::AgentPaths::of(ctx, &rec)?;
    let actx = paths.context(&rec, &project.agent_config);
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
    if !observed_again(&loaded, &rec) {
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
pub(super) fn observed_again(before: &SessionRecord, after: &SessionRecord) -> bool {
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
