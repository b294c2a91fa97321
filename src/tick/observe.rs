//! Observe: one runtime probe per runtime plugin, captures of the panes that changed,
//! one SCM call per project, and the agent's cost when its transcript changed.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Key in `SessionRecord::extra`: the transcript's size and modification time when the
/// cost was last read, so an unchanged transcript is not read again.
pub(super) const COST_STAMP_KEY: &str = "cost.transcriptStamp";

/// The agent's cost estimate when its transcript (or rollout) changed since the last
/// reading: `(stamp, estimate)`. `None` when the agent keeps no transcript, it does not
/// exist yet, or it is unchanged.
pub(super) fn read_cost(
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
pub(super) type Probed = (RuntimeObs, Option<i64>, Option<Option<i32>>);

/// What a dead pane said last: `n` non-empty lines (each at most 100 characters, tmux's
/// own "Pane is dead" line left out) joined with " / ", starting at the first line among
/// the last `2n` that reads like an error ("error", "unable", "failed", "invalid"), else
/// the last `n`. The cause comes first, so a shortened notification keeps it.
pub(super) fn last_lines(text: &str, n: usize) -> String {
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
pub(super) fn death_evidence(status: Option<i32>, tail: &str) -> String {
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

/// One probe per runtime plugin for all sessions.
pub(super) fn observe_runtimes(
    ctx: &Ctx,
    recs: &[SessionRecord],
    sum: &mut TickSummary,
) -> BTreeMap<SessionId, Probed> {
    let mut out = BTreeMap::new();
    let mut by_plugin: BTreeMap<String, Vec<&SessionRecord>> = BTreeMap::new();
    for r in recs {
        match &r.runtime {
            Some(h) => by_plugin.entry(h.plugin.clone()).or_default().push(r),
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
    for (plugin, group) in by_plugin {
        let handles: Vec<&crate::model::RuntimeHandle> =
            group.iter().filter_map(|r| r.runtime.as_ref()).collect();
        let socket = ctx.tmux_socket();
        let env = ops::plugin_env(ctx).with_tmux(socket.as_deref());
        let probed =
            crate::plugins::runtime::create(&plugin, &env).and_then(|rt| rt.probe(&handles));
        match probed {
            Ok(map) => {
                for r in group {
                    let Some(h) = &r.runtime else { continue };
                    let obs = match map.get(&h.target) {
                        Some(p) => (
                            RuntimeObs::Seen {
                                exists: p.exists,
                                agent_exited: p.agent_exited || shell_left(ctx, r, &p.command),
                                activity_time: p.activity_time,
                            },
                            p.activity_time,
                            (p.exists && p.agent_exited).then_some(p.exit_status),
                        ),
                        None => (
                            RuntimeObs::ProbeFailed("not in probe result".into()),
                            None,
                            None,
                        ),
                    };
                    out.insert(r.id.clone(), obs);
                }
            }
            Err(e) => {
                sum.failures.push(Failure {
                    session: None,
                    error: format!("{plugin} probe failed: {e}"),
                });
                for r in group {
                    out.insert(
                        r.id.clone(),
                        (RuntimeObs::ProbeFailed(e.to_string()), None, None),
                    );
                }
            }
        }
    }
    out
}

/// True when the pane's foreground command is a shell the agent itself is not: the agent
/// exited back to its shell.
pub(super) fn shell_left(ctx: &Ctx, rec: &SessionRecord, command: &str) -> bool {
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
pub(super) fn observe_scm(
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

/// What the observe phase saw, by session: runtimes (with pane activity time), PRs, and
/// fresh captures of the panes that changed (with the wall-clock second they were taken).
pub(super) type Observed<'a> = (
    &'a BTreeMap<SessionId, Probed>,
    &'a BTreeMap<SessionId, PrObs>,
    &'a BTreeMap<SessionId, (String, i64)>,
);

/// Lines of a pane captured for classification.
pub(super) const CAPTURE_LINES: u32 = 60;

/// True when the record's cached classification still describes the pane: taken after
/// the pane's last activity (tmux's activity time ticks in whole seconds).
pub(super) fn capture_is_fresh(rec: &SessionRecord, activity_time: Option<i64>) -> bool {
    rec.capture
        .as_ref()
        .is_some_and(|c| activity_time.is_some_and(|t| t == c.activity_time && c.captured_at > t))
}

/// Captures, in one call per runtime plugin, every live pane whose cached classification
/// is stale. A pane that cannot be captured here is left to `tick_session`.
pub(super) fn capture_changed(
    ctx: &Ctx,
    recs: &[SessionRecord],
    runtime_obs: &BTreeMap<SessionId, Probed>,
) -> BTreeMap<SessionId, (String, i64)> {
    let mut by_plugin: BTreeMap<&str, Vec<&SessionRecord>> = BTreeMap::new();
    for r in recs {
        let Some((obs, activity_time, _)) = runtime_obs.get(&r.id) else {
            continue;
        };
        let alive = matches!(obs, RuntimeObs::Seen { exists: true, .. });
        if let Some(h) = &r.runtime
            && alive
            && !capture_is_fresh(r, *activity_time)
        {
            by_plugin.entry(h.plugin.as_str()).or_default().push(r);
        }
    }
    let mut out = BTreeMap::new();
    for (plugin, group) in by_plugin {
        let socket = ctx.tmux_socket();
        let env = ops::plugin_env(ctx).with_tmux(socket.as_deref());
        let Ok(rt) = crate::plugins::runtime::create(plugin, &env) else {
            continue;
        };
        let handles: Vec<&crate::model::RuntimeHandle> =
            group.iter().filter_map(|r| r.runtime.as_ref()).collect();
        let taken = jiff::Timestamp::now().as_second();
        for (r, text) in group.iter().zip(rt.capture_many(&handles, CAPTURE_LINES)) {
            if let Ok(text) = text {
                out.insert(r.id.clone(), (text, taken));
            }
        }
    }
    out
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
