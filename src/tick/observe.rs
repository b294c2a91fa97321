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
pub(super) type Probed = (RuntimeObs, Option<i64>, Option<Option<String>>);

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

/// "agent process exited (status 1): <last lines>" (or "(signal 1 (SIGHUP))", see
/// [`crate::plugins::runtime::Probe::exit_description`]).
pub(super) fn death_evidence(how: Option<&str>, tail: &str) -> String {
    let head = match how {
        Some(h) => format!("agent process exited ({h})"),
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
pub(super) type RuntimeSeen = (
    BTreeMap<SessionId, Probed>,
    BTreeMap<SessionId, (String, i64)>,
);

/// The runtimes the ticked projects use (but `ssh`, whose hosts are per project), each
/// already started on the part of its probe that needs no records ([`Runtime::prepare`]):
/// the pane listing runs while the records are read. A project without sessions starts
/// nothing, so a tick over none makes no call; nor does `ao review-check`, which probes
/// only the sessions with an open PR, often none.
///
/// [`Runtime::prepare`]: crate::plugins::runtime::Runtime::prepare
pub(super) fn prepare_runtimes(ctx: &Ctx, opts: &TickOptions) -> Prepared {
    let mut out = Prepared::new();
    for (id, project) in &ctx.config.projects {
        let name = project.runtime_name(&ctx.config);
        if opts.project.as_ref().is_some_and(|p| p != id)
            || opts.only_prs
            || name == "ssh"
            || out.contains_key(name)
            || !ctx.store.has_sessions(id)
        {
            continue;
        }
        // One that cannot be made is reported by the probe that needs it.
        if let Ok(rt) = ops::runtime_named(ctx, id, name) {
            rt.prepare();
            out.insert(name.to_owned(), rt);
        }
    }
    out
}

/// Runtimes by plugin name, from [`prepare_runtimes`].
pub(super) type Prepared = BTreeMap<String, Box<dyn crate::plugins::runtime::Runtime>>;

/// One observation per runtime (per project for `ssh`, whose hosts are per project): a
/// probe of all its sessions plus captures of the panes whose cached classification is
/// stale — one `tmux list-panes -a` locally, one remote command per host over ssh.
/// `prepared` runtimes are used where they fit; the others are made here.
pub(super) fn observe_runtimes(
    ctx: &Ctx,
    recs: &[SessionRecord],
    mut prepared: Prepared,
    sum: &mut TickSummary,
) -> RuntimeSeen {
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
        let made = match prepared.remove(&plugin) {
            Some(rt) if scope.is_empty() => Ok(rt),
            _ => ops::runtime_named(ctx, &scope_project(&group, &scope), &plugin),
        };
        let rt = match made {
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
                        (p.exists && p.agent_exited).then(|| p.exit_description()),
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
pub(super) fn scope_project(group: &[&SessionRecord], scope: &str) -> String {
    if scope.is_empty() {
        group.first().map(|r| r.project.clone()).unwrap_or_default()
    } else {
        scope.to_owned()
    }
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
/// fresh captures of the panes that changed (with the wall-clock second they were taken);
/// and the lifecycle settings of each project, worked out once per pass.
pub(super) type Observed<'a> = (
    &'a BTreeMap<SessionId, Probed>,
    &'a BTreeMap<SessionId, PrObs>,
    &'a BTreeMap<SessionId, (String, i64)>,
    &'a BTreeMap<String, Settings>,
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
            death_evidence(Some("status 1"), "boom"),
            "agent process exited (status 1): boom"
        );
        assert_eq!(death_evidence(None, ""), "agent process exited");
    }
}
