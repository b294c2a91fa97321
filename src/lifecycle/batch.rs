//! `all-complete` (seed "Two-Tier Event Handling"): one summary notification when every
//! session of a batch has reached a final state.

use jiff::Timestamp;

use super::reactions::config;
use super::{BatchSummary, Settings};
use crate::config::ReactionKind;
use crate::model::notification::{NOTIFICATION_SCHEMA_VERSION, Notification};
use crate::model::{PrState, Priority, SessionRecord, Status};

/// True when nothing more will happen to the session on its own.
fn is_final(r: &SessionRecord) -> bool {
    matches!(
        r.status,
        Status::Merged | Status::Cleanup | Status::Done | Status::Killed
    ) || pr_state(r) == Some(PrState::Merged)
}

fn pr_state(r: &SessionRecord) -> Option<PrState> {
    r.pr.as_ref().map(|p| p.state)
}

/// Sorts the batch into merged / awaiting review (PR still open) / failed.
fn summarize(records: &[&SessionRecord]) -> BatchSummary {
    let mut sum = BatchSummary::default();
    for r in records {
        let id = r.id.as_str().to_owned();
        match pr_state(r) {
            _ if r.status == Status::Merged => sum.merged.push(id),
            Some(PrState::Merged) => sum.merged.push(id),
            Some(PrState::Open) => sum.pending_review.push(id),
            _ => sum.failed.push(id),
        }
        if let Some(c) = &r.cost {
            let t = sum.cost.get_or_insert_with(Default::default);
            t.input_tokens += c.input_tokens;
            t.output_tokens += c.output_tokens;
            t.cache_write_tokens += c.cache_write_tokens;
            t.cache_read_tokens += c.cache_read_tokens;
            t.usd += c.usd;
        }
    }
    sum
}

/// "2 merged, 1 awaiting review (app-2), 1 failed (app-3)".
fn summary_text(sum: &BatchSummary) -> String {
    let mut parts = vec![format!("{} merged", sum.merged.len())];
    for (ids, what) in [
        (&sum.pending_review, "awaiting review"),
        (&sum.failed, "failed"),
    ] {
        if !ids.is_empty() {
            parts.push(format!("{} {what} ({})", ids.len(), ids.join(", ")));
        }
    }
    parts.join(", ")
}

/// The seed's counts: "18 PRs merged, 2 need review" (+ ", 1 failed (app-3)").
fn counts_text(sum: &BatchSummary) -> String {
    let merged = sum.merged.len();
    let review = sum.pending_review.len();
    let mut s = format!(
        "{merged} {} merged, {review} {} review",
        if merged == 1 { "PR" } else { "PRs" },
        if review == 1 { "needs" } else { "need" }
    );
    if !sum.pending_review.is_empty() {
        s.push_str(&format!(" ({})", sum.pending_review.join(", ")));
    }
    if !sum.failed.is_empty() {
        s.push_str(&format!(
            ", {} ended without a merge ({})",
            sum.failed.len(),
            sum.failed.join(", ")
        ));
    }
    s
}

/// The project summary once every record of the round is final; see
/// [`super::project_complete`].
pub(super) fn project_complete(
    project: &str,
    records: &[&SessionRecord],
    s: &Settings,
    now: Timestamp,
) -> Option<(BatchSummary, Notification)> {
    let round = records.iter().map(|r| r.created_at).max()?;
    if !records.iter().all(|r| is_final(r)) {
        return None;
    }
    let cfg = config(s, ReactionKind::AllComplete);
    let sum = summarize(records);
    let n = records.len();
    let sessions = if n == 1 { "session" } else { "sessions" };
    let message = if cfg.include_summary.unwrap_or(true) {
        // The title says how many sessions are done; the text says how they ended.
        format!("{}.", counts_text(&sum))
    } else {
        cfg.message
            .clone()
            .unwrap_or_else(|| "All sessions complete".to_owned())
    };
    let notification = Notification {
        version: NOTIFICATION_SCHEMA_VERSION,
        key: format!("project:{project}:all-complete:{}", round.as_second()),
        kind: ReactionKind::AllComplete.as_str().to_owned(),
        priority: cfg.priority.unwrap_or(Priority::Info),
        title: format!("{project}: all {n} {sessions} done"),
        message,
        session: None,
        project: Some(project.to_owned()),
        pr_url: None,
        attach: None,
        dashboard_url: s.dashboard_url.clone(),
        time: now,
    };
    Some((sum, notification))
}

/// The summary and notification once every record of `batch` is final; `None` while any
/// is in progress (or the batch is empty).
pub(super) fn all_complete(
    batch: &str,
    records: &[&SessionRecord],
    s: &Settings,
    now: Timestamp,
) -> Option<(BatchSummary, Notification)> {
    let first = records.first()?;
    if !records.iter().all(|r| is_final(r)) {
        return None;
    }
    let cfg = config(s, ReactionKind::AllComplete);
    let sum = summarize(records);
    let n = records.len();
    let sessions = if n == 1 { "session" } else { "sessions" };
    let message = if cfg.include_summary.unwrap_or(true) {
        let cost = sum
            .cost
            .as_ref()
            .map(|c| format!(" Estimated cost: {}.", c.short()))
            .unwrap_or_default();
        format!("{}.{cost}", summary_text(&sum))
    } else {
        cfg.message
            .clone()
            .unwrap_or_else(|| "All sessions complete".to_owned())
    };
    let notification = Notification {
        version: NOTIFICATION_SCHEMA_VERSION,
        key: format!("batch:{batch}:all-complete"),
        kind: ReactionKind::AllComplete.as_str().to_owned(),
        priority: cfg.priority.unwrap_or(Priority::Info),
        title: format!("Batch {batch}: all {n} {sessions} done"),
        message,
        session: None,
        project: Some(first.project.clone()),
        pr_url: None,
        attach: None,
        dashboard_url: s.dashboard_url.clone(),
        time: now,
    };
    Some((sum, notification))
}
