//! `spawn`: reserve an id, create the workspace, write the prompt, start the runtime with
//! the agent, record everything. A failure part-way undoes what it created: no half
//! session is left behind.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};

use crate::context::Ctx;
use crate::error::usage;
use crate::model::{EventKind, RECORD_VERSION, SessionId, SessionRecord, Status, validate_branch};
use crate::plugins::agent;
use crate::plugins::runtime;
use crate::plugins::{tracker, workspace};
use crate::store::Event;

/// What to spawn.
#[derive(Debug, Clone, Default)]
pub struct SpawnRequest {
    /// Project id.
    pub project: String,
    /// Tracker issue id.
    pub issue: Option<String>,
    /// Agent override.
    pub agent: Option<String>,
    /// Runtime override.
    pub runtime: Option<String>,
    /// Extra (or sole) task prompt.
    pub prompt: Option<String>,
    /// Branch override.
    pub branch: Option<String>,
    /// Allow a second live session for the same issue.
    pub force: bool,
    /// Batch id (batch-spawn), for `all-complete`.
    pub batch: Option<String>,
    /// Host for the `ssh` runtime (default: the configured host with the fewest live
    /// sessions).
    pub host: Option<String>,
}

/// Spawns a session created at `now`; returns its record as saved.
pub fn spawn(ctx: &Ctx, req: &SpawnRequest, now: jiff::Timestamp) -> anyhow::Result<SessionRecord> {
    let project = ctx.config.project(&req.project)?;
    let repo = super::repo_path(ctx, project);
    if !repo.is_dir() {
        return Err(usage(
            format!(
                "project `{}`: path {} does not exist",
                req.project,
                repo.display()
            ),
            "fix `path:` in the config, or clone the repository there",
        ));
    }
    let base = super::default_branch(project, &repo);
    let agent_name = req
        .agent
        .as_deref()
        .unwrap_or(project.agent_name(&ctx.config))
        .to_owned();
    let runtime_name = req
        .runtime
        .as_deref()
        .unwrap_or(project.runtime_name(&ctx.config))
        .to_owned();
    let workspace_name = project.workspace_name(&ctx.config).to_owned();
    let socket = ctx.tmux_socket();
    let env = super::plugin_env(ctx)
        .with_tmux(socket.as_deref())
        .with_project(&req.project, project, &repo);
    let agent = agent::create(&agent_name, &env)?;
    // Before anything is created: a permission value the CLI would reject, or a program
    // that is not installed, must not leave a record, workspace, branch or tmux session.
    if runtime_name == "ssh" {
        // The program runs on the host, not here (`ao doctor` checks it there).
        agent::check_permissions(&agent_name, &project.agent_config).map_err(|m| {
            usage(
                m,
                "fix `agentConfig.permissions` in the project (see README, Agents)",
            )
        })?;
    } else {
        agent::preflight(&agent_name, &project.agent_config, &repo)?;
    }
    let rt = super::runtime_named(ctx, &req.project, &runtime_name)?;
    let ws = workspace::create(&workspace_name, &env)?;
    if let Some(b) = &req.branch {
        validate_branch(b).map_err(|e| usage(e.to_string(), "choose a branch of [a-z0-9-/._]"))?;
    }

    // Issue → title and prompt (before reserving: a missing issue costs nothing).
    let (issue, prompt_text) = match &req.issue {
        Some(id) => {
            let tr = tracker::create(project.tracker_name(), &env)?;
            let issue = tr.get_issue(id)?;
            let mut p = tr.prompt(&issue, project);
            if let Some(extra) = &req.prompt {
                p.push_str("\nAdditional instructions:\n");
                p.push_str(extra);
                p.push('\n');
            }
            let prefix = project
                .tracker
                .as_ref()
                .and_then(|t| t.branch_prefix.clone())
                .unwrap_or_else(|| "ao".into());
            let branch = tr.branch_name(&issue, &prefix);
            (Some((issue, branch)), p)
        }
        None => match &req.prompt {
            Some(p) => (None, format!("{p}\n")),
            None => {
                return Err(usage(
                    "nothing to work on: give an issue or --prompt TEXT",
                    format!(
                        "ao spawn {} <issue>   or   ao spawn {} --prompt \"...\"",
                        req.project, req.project
                    ),
                ));
            }
        },
    };

    super::check_text_size("prompt", prompt_text.len())?;

    // Reserve the id under the spawn lock, after the capacity and duplicate checks, so two
    // concurrent spawns cannot both pass them.
    let host;
    let rec = {
        let _spawn_lock = ctx.store.lock_named("spawn")?;
        let (live, _) = ctx.store.list(None)?;
        let live: Vec<&SessionRecord> = live.iter().filter(|r| !r.status.is_terminal()).collect();
        if let Some(max) = ctx.config.max_sessions
            && live.len() >= max as usize
        {
            bail!(crate::error::UsageError {
                message: format!(
                    "refusing to spawn: {} live sessions, maxSessions is {max}",
                    live.len()
                ),
                hint: Some(
                    "finish or kill a session first (`ao status`, `ao session kill ID`)".into()
                ),
            });
        }
        let in_project = live.iter().filter(|r| r.project == req.project).count();
        if let Some(max) = project.max_sessions
            && in_project >= max as usize
        {
            bail!(crate::error::UsageError {
                message: format!(
                    "refusing to spawn: project `{}` has {in_project} live sessions, its maxSessions is {max}",
                    req.project
                ),
                hint: Some("finish or kill a session of this project first".into()),
            });
        }
        // The tracker's own id (`ENG-123` for a Linear URL, `42` for `#42`).
        let issue_id = issue
            .as_ref()
            .map(|(i, _)| i.id.clone())
            .or_else(|| req.issue.clone());
        if let (Some(id), false) = (&issue_id, req.force)
            && let Some(dup) = live
                .iter()
                .find(|r| r.project == req.project && r.issue.as_deref() == Some(id))
        {
            bail!(crate::error::UsageError {
                message: format!("issue {id} already has a live session: {}", dup.id),
                hint: Some(format!(
                    "attach with `{}`, or pass --force to start another",
                    super::attach_hint(dup.id.as_str())
                )),
            });
        }
        host = choose_host(ctx, req, &runtime_name, &live)?;
        let placeholder = SessionId::parse("reserving").map_err(anyhow::Error::from)?;
        let initial = SessionRecord {
            version: RECORD_VERSION,
            id: placeholder,
            project: req.project.clone(),
            issue: issue_id.clone(),
            issue_title: issue.as_ref().map(|(i, _)| i.title.clone()),
            branch: String::new(),
            workspace: Default::default(),
            workspace_plugin: workspace_name.clone(),
            agent: agent_name.clone(),
            agent_session_id: None,
            runtime: None,
            prompt_file: None,
            created_at: now,
            status: Status::Spawning,
            status_since: now,
            runtime_state: None,
            runtime_observed_at: None,
            missing_count: 0,
            activity: None,
            pr: None,
            hook: None,
            capture: None,
            reactions: BTreeMap::new(),
            notifications: BTreeMap::new(),
            last_error: None,
            batch: req.batch.clone(),
            cost: None,
            extra: BTreeMap::new(),
        };
        ctx.store.reserve(project.prefix(&req.project), &initial)?
    };
    let _lock = ctx.store.lock_session(&rec.id)?;
    let mut created = Created::default();
    match build(
        ctx,
        req,
        rec,
        &mut created,
        &base,
        &repo,
        issue.map(|(_, b)| b),
        host.as_deref(),
        &prompt_text,
        agent.as_ref(),
        rt.as_ref(),
        ws.as_ref(),
    ) {
        Ok(rec) => Ok(rec),
        Err(e) => {
            created.undo(ctx, rt.as_ref(), ws.as_ref(), &repo, &base);
            Err(e)
        }
    }
}

/// The host of a new `ssh` session: `--host` (which must be configured), else the
/// configured host with the fewest live sessions (first listed on a tie). `None` for other
/// runtimes; `--host` with another runtime is refused.
fn choose_host(
    ctx: &Ctx,
    req: &SpawnRequest,
    runtime_name: &str,
    live: &[&SessionRecord],
) -> anyhow::Result<Option<String>> {
    if runtime_name != "ssh" {
        if req.host.is_some() {
            return Err(usage(
                format!(
                    "--host is for the ssh runtime; project `{}` uses `{runtime_name}`",
                    req.project
                ),
                "set `runtime: ssh` with `runtimeConfig: {hosts: [...]}`, or leave out --host",
            ));
        }
        return Ok(None);
    }
    let hosts = ctx
        .config
        .projects
        .get(&req.project)
        .and_then(|p| p.runtime_config.as_ref())
        .map(|r| r.hosts.clone())
        .unwrap_or_default();
    if let Some(h) = &req.host {
        if !hosts.contains(h) {
            return Err(usage(
                format!(
                    "host `{h}` is not in project `{}`'s runtimeConfig.hosts ({})",
                    req.project,
                    hosts.join(", ")
                ),
                "pick one of the configured hosts, or add it to runtimeConfig.hosts",
            ));
        }
        return Ok(Some(h.clone()));
    }
    let load = |h: &String| {
        live.iter()
            .filter(|r| {
                r.runtime
                    .as_ref()
                    .and_then(|x| x.remote.as_ref())
                    .is_some_and(|x| &x.host == h)
            })
            .count()
    };
    let best = hosts.iter().min_by_key(|h| load(h)).cloned();
    match best {
        Some(h) => Ok(Some(h)),
        None => Err(usage(
            format!(
                "project `{}` uses the ssh runtime but lists no hosts",
                req.project
            ),
            "add `runtimeConfig: {hosts: [build-1]}` to the project",
        )),
    }
}

/// The worktree of `repo` that has `branch` checked out, if any.
fn worktree_of_branch(repo: &std::path::Path, branch: &str) -> Option<std::path::PathBuf> {
    let list = crate::sys::git::Git::new(repo)
        .read(["worktree", "list", "--porcelain"])
        .ok()?;
    let want = format!("branch refs/heads/{branch}");
    let mut path = None;
    for line in list.lines() {
        if let Some(p) = line.strip_prefix("worktree ") {
            path = Some(std::path::PathBuf::from(p));
        } else if line == want {
            return path;
        }
    }
    None
}

/// What a spawn created so far, to undo on failure.
#[derive(Default)]
struct Created {
    record: Option<SessionRecord>,
    workspace: bool,
    runtime: Option<crate::model::RuntimeHandle>,
}

impl Created {
    fn undo(
        &self,
        ctx: &Ctx,
        rt: &dyn runtime::Runtime,
        ws: &dyn workspace::Workspace,
        repo: &std::path::Path,
        base: &str,
    ) {
        if let Some(h) = &self.runtime {
            let _ = rt.destroy(h);
            let _ = rt.remove_workspace(h, true);
        }
        if let Some(rec) = &self.record {
            if self.workspace {
                let project = ctx
                    .config
                    .projects
                    .get(&rec.project)
                    .cloned()
                    .unwrap_or_default();
                let wreq = super::workspace_request(&project, repo, rec, base);
                let _ws_lock = super::workspace_lock(ctx, &rec.project);
                let _ = ws.destroy(&wreq, true);
            }
            let _ = ctx.store.remove(rec);
            if let Ok(dir) = ctx.store.session_files(&rec.project, &rec.id) {
                let _ = std::fs::remove_dir_all(dir);
            }
            let _ = ctx.store.event(
                Event::new(
                    rec.created_at,
                    EventKind::SessionSpawnFailed,
                    "spawn failed; undone",
                )
                .about(&rec.project, Some(rec.id.as_str())),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    ctx: &Ctx,
    req: &SpawnRequest,
    mut rec: SessionRecord,
    created: &mut Created,
    base: &str,
    repo: &std::path::Path,
    issue_branch: Option<String>,
    host: Option<&str>,
    prompt_text: &str,
    agent: &dyn agent::Agent,
    rt: &dyn runtime::Runtime,
    ws: &dyn workspace::Workspace,
) -> anyhow::Result<SessionRecord> {
    created.record = Some(rec.clone());
    let project = ctx.config.project(&req.project)?;
    rec.branch = match (&req.branch, issue_branch) {
        (Some(b), _) => b.clone(),
        (None, Some(b)) => b,
        (None, None) => format!("ao/{}", rec.id),
    };
    if let Some(holder) = worktree_of_branch(repo, &rec.branch) {
        // Another worktree (usually a live session of the same issue) has the branch
        // checked out; git cannot check it out twice.
        if req.force && req.branch.is_none() {
            let n = rec.id.as_str().rsplit('-').next().unwrap_or("2").to_owned();
            rec.branch = format!("{}-{n}", rec.branch);
        } else {
            bail!(crate::error::UsageError {
                message: format!(
                    "branch `{}` is checked out in {}",
                    rec.branch,
                    holder.display()
                ),
                hint: Some(format!(
                    "kill the session using it first (`ao session kill <id>`; see `ao session ls`), or pass another --branch; `ao spawn {} {} --force` without --branch starts on `{}-<n>`",
                    req.project,
                    req.issue.as_deref().unwrap_or("<issue>"),
                    rec.branch
                )),
            });
        }
    }
    rec.workspace = ctx.worktree_dir().join(&rec.project).join(rec.id.as_str());
    created.record = Some(rec.clone());
    let wreq = super::workspace_request(project, repo, &rec, base);
    let ws_lock = super::workspace_lock(ctx, &rec.project)?;
    ws.create(&wreq)
        .with_context(|| format!("cannot create the {} workspace", ws.name()))?;
    drop(ws_lock);
    created.workspace = true;

    let files = ctx.store.session_files(&rec.project, &rec.id)?;
    let prompt_file = files.join("prompt.md");
    crate::sys::atomic::write(&prompt_file, prompt_text.as_bytes())
        .with_context(|| format!("cannot write {}", prompt_file.display()))?;
    rec.prompt_file = Some(prompt_file.clone());

    let (handle, agent_session_id) = super::start_agent(
        ctx,
        &rec,
        &project.agent_config,
        agent,
        rt,
        &files,
        &prompt_file,
        false,
        host,
        rec.created_at,
    )?;
    created.runtime = Some(handle.clone());
    rec.runtime = Some(handle);
    rec.agent_session_id = agent_session_id;
    ctx.store.save(&rec)?;
    ctx.store.event(
        Event::new(
            rec.created_at,
            EventKind::SessionSpawned,
            format!("spawned {} on {}", rec.id, rec.branch),
        )
        .about(&rec.project, Some(rec.id.as_str()))
        .with(serde_json::json!({
            "issue": rec.issue, "branch": rec.branch, "agent": rec.agent,
            "runtime": rt.name(), "workspace": rec.workspace, "batch": rec.batch,
        })),
    )?;
    Ok(rec)
}

/// The environment every agent gets: the plan's env plus the `AO_*` variables. ao's own
/// tokens are never passed on.
pub fn agent_env(
    ctx: &Ctx,
    rec: &SessionRecord,
    prompt_file: &std::path::Path,
    mut env: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    env.insert("AO_SESSION".into(), rec.id.to_string());
    env.insert("AO_PROJECT".into(), rec.project.clone());
    env.insert(
        crate::config::resolved::DATA_DIR_ENV.into(),
        ctx.store.root().display().to_string(),
    );
    env.insert("AO_CONFIG".into(), ctx.config_path.display().to_string());
    env.insert("AO_PROMPT_FILE".into(), prompt_file.display().to_string());
    if let Some(s) = ctx.tmux_socket() {
        env.insert(crate::config::resolved::TMUX_SOCKET_ENV.into(), s);
    }
    env
}
