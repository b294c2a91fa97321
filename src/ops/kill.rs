//! `kill`: stop a session's runtime, remove its workspace (never one with unsaved work
//! unless forced), archive the record.

use super::workspace_lock;
use crate::context::Ctx;
use crate::model::{EventKind, SessionRecord, Status};
use crate::plugins::{PluginError, workspace};
use crate::store::Event;

/// What kill did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KillOutcome {
    /// Session id.
    pub id: String,
    /// The runtime was stopped.
    pub runtime_stopped: bool,
    /// The workspace was removed.
    pub workspace_removed: bool,
}

/// Kills `rec` (the caller holds the session lock) at `now`. Refuses — changing nothing —
/// when the workspace has unsaved work and `force` is false.
pub fn kill(
    ctx: &Ctx,
    rec: &SessionRecord,
    force: bool,
    reason: &str,
    now: jiff::Timestamp,
) -> anyhow::Result<KillOutcome> {
    // A spawn interrupted before the record got its workspace path: the workspace, if
    // any, is at the path spawn would have recorded.
    let mut fixed = rec.clone();
    if fixed.workspace.as_os_str().is_empty() {
        fixed.workspace = ctx.worktree_dir().join(&rec.project).join(rec.id.as_str());
    }
    let rec = &fixed;
    super::check_workspace(ctx, rec)?;
    let project = ctx
        .config
        .projects
        .get(&rec.project)
        .cloned()
        .unwrap_or_default();
    let repo = super::repo_path(ctx, &project);
    let base = super::default_branch(&project, &repo);
    let ws = workspace::create(&rec.workspace_plugin, &super::plugin_env(ctx))?;
    let wreq = super::workspace_request(&project, &repo, rec, &base);
    if !force && let Some(why) = ws.unsaved_work(&wreq)? {
        anyhow::bail!(crate::error::UsageError {
            message: format!(
                "refusing to kill {}: its workspace {} has {why}",
                rec.id,
                rec.workspace.display()
            ),
            hint: Some(format!(
                "commit and push the work, or run `ao session kill {} --force` to discard it",
                rec.id
            )),
        });
    }
    let rt_owned = match &rec.runtime {
        Some(_) => Some(super::runtime_for(ctx, rec)?),
        None => None,
    };
    if !force
        && let (Some(rt), Some(h)) = (&rt_owned, &rec.runtime)
        && let Some(why) = rt
            .unsaved_work(h)
            .map_err(|e| anyhow::anyhow!("cannot check for unsaved work: {e}"))?
    {
        anyhow::bail!(crate::error::UsageError {
            message: format!("refusing to kill {}: its workspace has {why}", rec.id),
            hint: Some(format!(
                "commit and push the work, or run `ao session kill {} --force` to discard it",
                rec.id
            )),
        });
    }
    let mut runtime_stopped = false;
    // With --force, a remote host that cannot be reached does not keep the record alive:
    // its tmux session and workspace are left there, and the event says so.
    let mut left_remote = None;
    if let (Some(rt), Some(h)) = (&rt_owned, &rec.runtime) {
        match rt.destroy(h).and_then(|()| rt.remove_workspace(h, force)) {
            Ok(()) => runtime_stopped = true,
            Err(PluginError::Unavailable(e)) if force => left_remote = Some(e),
            Err(e) => return Err(e.into()),
        }
    } else if project.runtime_name(&ctx.config) == "tmux" {
        // A spawn interrupted after starting tmux but before saving the handle: the tmux
        // session carries the session id as its name.
        let orphan = crate::model::RuntimeHandle {
            plugin: "tmux".into(),
            target: rec.id.to_string(),
            pid: None,
            pid_start: None,
            log: None,
            remote: None,
        };
        let socket = ctx.tmux_socket();
        let rt = crate::plugins::runtime::create(
            "tmux",
            &super::plugin_env(ctx).with_tmux(socket.as_deref()),
        )?;
        rt.destroy(&orphan)?;
    }
    let _ws_lock = workspace_lock(ctx, &rec.project)?;
    let workspace_removed = match ws.destroy(&wreq, force) {
        Ok(()) => true,
        Err(PluginError::Refused(m)) => anyhow::bail!(m),
        Err(e) => return Err(e.into()),
    };
    let mut done = rec.clone();
    if !done.status.is_terminal() {
        done.status = Status::Killed;
        done.status_since = now;
    }
    ctx.store.archive(&done)?;
    ctx.store.event(
        Event::new(
            now,
            EventKind::SessionKilled,
            format!("{} stopped and archived ({reason})", rec.id),
        )
        .about(&rec.project, Some(rec.id.as_str()))
        .with(serde_json::json!({"force": force, "reason": reason, "remoteLeft": left_remote})),
    )?;
    Ok(KillOutcome {
        id: rec.id.to_string(),
        runtime_stopped,
        workspace_removed,
    })
}
