//! Moves a session's issue along in its tracker when the session's PR opens or merges
//! (`tracker.updateState` for Linear, `tracker.transitions` for Jira). Called by the tick
//! for each session after its observation; costs no request unless a PR reached a new
//! stage. The stage done is remembered in the record (`extra["tracker.stage"]`), so each
//! stage is sent once: a transient failure (rate-limit backoff, network) is retried on a
//! later tick; a permanent one (no such state, no access) is recorded and not repeated.

use jiff::Timestamp;

use crate::config::ProjectConfig;
use crate::context::Ctx;
use crate::model::{EventKind, PrState, SessionRecord};
use crate::plugins::PluginError;
use crate::plugins::tracker::{self, PrStage};
use crate::store::Event;

/// Key in `SessionRecord::extra`: the last PR stage the tracker was told about.
pub const STAGE_KEY: &str = "tracker.stage";

/// What a sync did, for the tick summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// `pr-opened` or `merged`.
    pub stage: &'static str,
    /// `updated: …`, `unchanged`, `retry: …` or `failed: …`.
    pub outcome: String,
}

/// The stage the session's PR is at, if the tracker should hear about it.
fn stage_of(rec: &SessionRecord) -> Option<PrStage> {
    let pr = rec.pr.as_ref()?;
    match pr.state {
        PrState::Merged => Some(PrStage::Merged),
        PrState::Open if !pr.draft => Some(PrStage::Opened),
        _ => None,
    }
}

fn done_stage(rec: &SessionRecord) -> Option<PrStage> {
    match rec.extra.get(STAGE_KEY).and_then(serde_json::Value::as_str) {
        Some("merged") => Some(PrStage::Merged),
        Some("pr-opened") => Some(PrStage::Opened),
        _ => None,
    }
}

/// The tracker call [`sync`] would make for `rec`: its issue, the PR stage not told yet
/// and the tracker. `None` when there is nothing to tell.
fn pending(
    ctx: &Ctx,
    project_id: &str,
    project: &ProjectConfig,
    rec: &SessionRecord,
) -> Option<(String, PrStage, Box<dyn tracker::Tracker>)> {
    let issue = rec.issue.clone()?;
    let stage = stage_of(rec)?;
    if done_stage(rec).is_some_and(|d| d >= stage) {
        return None;
    }
    // External trackers have no PR-stage call; do not start one per session per tick.
    let name = project.tracker_name();
    if !tracker::BUILTIN.contains(&name) {
        return None;
    }
    let repo = super::repo_path(ctx, project);
    let env =
        crate::plugins::PluginEnv::new(ctx.store.root()).with_project(project_id, project, &repo);
    let tr = tracker::create(name, &env).ok()?;
    tr.follows_prs().then_some((issue, stage, tr))
}

/// Whether [`sync`] would tell the tracker anything about `rec` (the tick leaves a
/// session with nothing to do unlocked and unread).
pub fn due(ctx: &Ctx, project_id: &str, project: &ProjectConfig, rec: &SessionRecord) -> bool {
    pending(ctx, project_id, project, rec).is_some()
}

/// Tells the tracker about a new PR stage of `rec`'s issue, updating `rec.extra` and
/// appending an event to `events`. `None` when there was nothing to do.
pub fn sync(
    ctx: &Ctx,
    project_id: &str,
    project: &ProjectConfig,
    rec: &mut SessionRecord,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> Option<Synced> {
    let (issue, stage, tr) = pending(ctx, project_id, project, rec)?;
    let about = |e: Event| e.about(&rec.project, Some(rec.id.as_str()));
    let (outcome, done) = match tr.on_pr(&issue, stage) {
        Ok(Some(what)) => {
            events.push(about(
                Event::new(now, EventKind::TrackerUpdated, what.clone())
                    .with(serde_json::json!({"issue": issue, "stage": stage.as_str()})),
            ));
            (format!("updated: {what}"), true)
        }
        Ok(None) => ("unchanged".to_owned(), true),
        Err(PluginError::Unavailable(why)) => (format!("retry: {why}"), false),
        Err(e) => {
            events.push(about(
                Event::new(
                    now,
                    EventKind::TrackerUpdateFailed,
                    format!("issue {issue}, {}: {e}", stage.as_str()),
                )
                .with(serde_json::json!({"issue": issue, "stage": stage.as_str()})),
            ));
            (format!("failed: {e}"), true)
        }
    };
    if done {
        rec.extra
            .insert(STAGE_KEY.to_owned(), stage.as_str().into());
    }
    Some(Synced {
        stage: stage.as_str(),
        outcome,
    })
}
