//! `restore`: re-create a session's workspace (from its branch, if gone) and runtime, and
//! resume the agent (its own resume when it has one, else a fresh launch with the prompt).

use anyhow::Context as _;

use crate::context::Ctx;
use crate::model::{EventKind, SessionRecord, Status};
use crate::plugins::agent;
use crate::plugins::workspace;
use crate::store::Event;

/// Restores `rec` (the caller holds the session lock) at `now`; returns the saved record.
pub fn restore(
    ctx: &Ctx,
    rec: &SessionRecord,
    now: jiff::Timestamp,
) -> anyhow::Result<SessionRecord> {
    super::check_workspace(ctx, rec)?;
    let project = ctx.config.project(&rec.project)?.clone();
    let repo = super::repo_path(ctx, &project);
    let base = super::default_branch(&project, &repo);
    let ws = workspace::create(&rec.workspace_plugin, &super::plugin_env(ctx))?;
    let wreq = super::workspace_request(&project, &repo, rec, &base);
    let ws_lock = super::workspace_lock(ctx, &rec.project)?;
    ws.restore(&wreq)
        .with_context(|| format!("cannot restore the workspace of {}", rec.id))?;
    drop(ws_lock);
    let rt = super::runtime_for(ctx, rec)?;
    if let Some(h) = &rec.runtime {
        // A dead pane or a leftover process: remove it before starting again.
        rt.destroy(h)?;
    }
    let files = ctx.store.session_files(&rec.project, &rec.id)?;
    let prompt_file = rec
        .prompt_file
        .clone()
        .unwrap_or_else(|| files.join("prompt.md"));
    let agent = agent::create(
        &rec.agent,
        &super::plugin_env(ctx).with_project(&rec.project, &project, &repo),
    )?;
    let (handle, agent_session_id) = super::start_agent(
        ctx,
        rec,
        &project.agent_config,
        agent.as_ref(),
        rt.as_ref(),
        &files,
        &prompt_file,
        true,
        rec.runtime
            .as_ref()
            .and_then(|h| h.remote.as_ref())
            .map(|r| r.host.as_str()),
        now,
    )?;
    let mut next = rec.clone();
    next.runtime = Some(handle);
    if agent_session_id.is_some() {
        next.agent_session_id = agent_session_id;
    }
    next.missing_count = 0;
    next.activity = None;
    next.hook = None;
    next.capture = None;
    next.runtime_state = None;
    if matches!(
        next.status,
        Status::Errored | Status::Killed | Status::Stuck | Status::NeedsInput
    ) {
        next.status = Status::Spawning;
        next.status_since = now;
    }
    ctx.store.save(&next)?;
    ctx.store.event(
        Event::new(
            now,
            EventKind::SessionRestored,
            format!("{} restored", rec.id),
        )
        .about(&rec.project, Some(rec.id.as_str()))
        .with(serde_json::json!({"resumed": rec.agent_session_id.is_some()})),
    )?;
    Ok(next)
}
