//! One lifecycle step (DESIGN §5 "decide"): update the facts from the observation, derive
//! the status, run the reactions, and record the outcomes of the actions the tick
//! performed (`on_send_result`, `on_merge_result`).
//!
//! Pure: the record, the observation and `now` go in; the next record, actions and events
//! come out.

use jiff::Timestamp;

use super::facts::{
    apply_activity, in_grace, mark_busy, read_activity, update_pr, update_retrying, update_runtime,
};
use super::reactions::{self, Ctx, Why, config, kind_named, new_ledger, react, stuck_reason};
use super::{Action, Decision, Observation, RuntimeObs, Settings};
use crate::model::MergeOutcome;
use crate::model::{
    Activity, ActivitySource, CiState, Delivery, Mergeability, PrFacts, PrState, ReviewDecision,
    SessionRecord, Status,
};
use crate::model::{Event, EventKind};

/// Actions and events collected during a step, about one session.
pub(super) struct Out {
    project: String,
    session: String,
    /// Actions, in order.
    pub actions: Vec<Action>,
    /// Events, in order.
    pub events: Vec<Event>,
}

impl Out {
    fn new(rec: &SessionRecord) -> Self {
        Self {
            project: rec.project.clone(),
            session: rec.id.as_str().to_owned(),
            actions: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Appends an event about the session.
    pub fn event(&mut self, now: Timestamp, kind: EventKind, msg: String, data: serde_json::Value) {
        self.events.push(
            Event::new(now, kind, msg)
                .about(&self.project, Some(&self.session))
                .with(data),
        );
    }

    fn into_decision(self, record: SessionRecord) -> Decision {
        Decision {
            record,
            actions: self.actions,
            events: self.events,
        }
    }
}

/// The status a PR's facts imply (the seed's PR branch of the state machine).
pub(super) fn pr_status(pr: &PrFacts) -> Status {
    let green = matches!(pr.ci, CiState::Passing | CiState::None);
    match pr.review {
        _ if pr.ci == CiState::Failing => Status::CiFailed,
        ReviewDecision::ChangesRequested => Status::ChangesRequested,
        // Unresolved trusted comments are outstanding work: not mergeable yet.
        ReviewDecision::Approved
            if green
                && pr.mergeable == Mergeability::Clean
                && !pr.draft
                && pr.comments.is_empty() =>
        {
            Status::Mergeable
        }
        ReviewDecision::Approved => Status::Approved,
        ReviewDecision::ReviewRequired if green => Status::ReviewPending,
        _ => Status::PrOpen,
    }
}

/// Derives the status from the record's facts. Precedence: killed > merged / done (PR
/// merged / closed) > needs_input > errored (exited after the grace) > stuck > the PR's
/// status > working > spawning (never seen running). `cleanup` is kept while the tick
/// cleans up a merged or closed session.
pub fn derive_status(rec: &SessionRecord, s: &Settings, now: Timestamp) -> Status {
    if rec.missing_count >= s.missing_after.max(1) {
        return Status::Killed;
    }
    let pr = rec.pr.as_ref();
    match pr.map(|p| p.state) {
        Some(PrState::Merged | PrState::Closed) if rec.status == Status::Cleanup => {
            return Status::Cleanup;
        }
        Some(PrState::Merged) => return Status::Merged,
        Some(PrState::Closed) => return Status::Done,
        _ => {}
    }
    let Some(activity) = rec.activity.as_ref() else {
        return pr.map_or(Status::Spawning, pr_status);
    };
    if activity.state == Activity::WaitingInput {
        return Status::NeedsInput;
    }
    // Within the grace only a definitive process death (see `Observation::died`) or an
    // exit the screen explained (an exit rule on the dead pane, source: terminal) reads as
    // exited; other exits wait for the grace to end.
    if activity.state == Activity::Exited
        && (!in_grace(rec, s, now)
            || matches!(
                activity.source,
                ActivitySource::Process | ActivitySource::Terminal
            ))
    {
        return Status::Errored;
    }
    if stuck_reason(rec, s, now).is_some() {
        return Status::Stuck;
    }
    pr.map_or(Status::Working, pr_status)
}

/// One lifecycle step: updates facts from `obs`, derives the status (event
/// `session.status` on change), runs the reactions and asks for cleanup once the PR is
/// merged or closed.
pub fn decide(rec: &SessionRecord, obs: &Observation, s: &Settings, now: Timestamp) -> Decision {
    if let RuntimeObs::Unreachable(error) = &obs.runtime {
        return unreachable(rec, error, s, now);
    }
    let mut r = rec.clone();
    let mut out = Out::new(&r);
    if let Some(was) = r.extra.remove(UNREACHABLE_KEY) {
        let since = was
            .get("since")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_owned();
        out.event(
            now,
            EventKind::SessionReachable,
            format!("{}: host reachable again (unreachable since {since})", r.id),
            serde_json::json!({"since": since}),
        );
    }
    update_retrying(&mut r, obs, now);
    let reading = read_activity(&r, obs, s, now);
    update_runtime(&mut r, &obs.runtime, s, now);
    apply_activity(&mut r, reading, s, now);
    let pr_fresh = update_pr(&mut r, &obs.pr);

    let status = derive_status(&r, s, now);
    if status != r.status {
        let msg = format!("{}: {} → {}", r.id, r.status, status);
        let data = serde_json::json!({"from": r.status.as_str(), "to": status.as_str()});
        out.event(now, EventKind::SessionStatus, msg, data);
        r.status = status;
        r.status_since = now;
    }

    react(&mut r, pr_fresh, s, now, &mut out);

    let reason = match r.pr.as_ref().map(|p| p.state) {
        Some(PrState::Merged) => Some("merged"),
        Some(PrState::Closed) => Some("closed"),
        _ => None,
    };
    if let Some(reason) = reason {
        out.actions.push(Action::Cleanup {
            reason: reason.to_owned(),
        });
    }
    out.into_decision(r)
}

/// Key in `SessionRecord::extra` while the session's host is unreachable:
/// `{since, error, warned}`.
pub const UNREACHABLE_KEY: &str = "runtime.unreachable";

/// A step for a session whose host could not be reached: the runtime fact becomes
/// `unreachable` (with the ssh error), nothing else changes (no status change, no
/// reaction, never killed or cleaned up), and once the host has been unreachable for
/// `unreachable_after` the human is warned, once per outage.
fn unreachable(rec: &SessionRecord, error: &str, s: &Settings, now: Timestamp) -> Decision {
    let mut r = rec.clone();
    let mut out = Out::new(&r);
    let mut info = r
        .extra
        .get(UNREACHABLE_KEY)
        .cloned()
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| {
            out.event(
                now,
                EventKind::SessionUnreachable,
                format!("{}: host unreachable: {error}", r.id),
                serde_json::json!({"error": error}),
            );
            serde_json::json!({"since": now.to_string(), "warned": false})
        });
    info["error"] = error.into();
    let since: Timestamp = info
        .get("since")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(now);
    let warned = info.get("warned").and_then(serde_json::Value::as_bool) == Some(true);
    if !warned && super::facts::secs_since(now, since) >= s.unreachable_after.as_secs() {
        info["warned"] = true.into();
        let id = r.id.as_str();
        let note = super::messages::Note {
            key: format!("host-unreachable:{}", since.as_second()),
            kind: "host-unreachable".into(),
            priority: crate::model::Priority::Warning,
            title: format!("{id}: its host is unreachable"),
            message: format!(
                "ao cannot reach the host of {id} since {since}: {error}. The session is left alone (not killed, no reactions) and carries on when the host answers again."
            ),
        };
        out.actions.push(Action::Notify(note.build(&r, s, now)));
    }
    r.extra.insert(UNREACHABLE_KEY.to_owned(), info);
    r.runtime_state = Some(crate::model::RuntimeState::Unreachable);
    r.runtime_observed_at = Some(now);
    out.into_decision(r)
}

/// Runs `f` on the ledger entry `key` (if it still exists) with its reaction context.
fn with_ledger(
    rec: &SessionRecord,
    key: &str,
    s: &Settings,
    now: Timestamp,
    f: impl FnOnce(&Ctx<'_>, &mut crate::model::ReactionLedger, &mut Out),
) -> Decision {
    let mut r = rec.clone();
    let mut out = Out::new(&r);
    let kind = rec
        .reactions
        .get(key)
        .and_then(|l| kind_named(&l.reaction))
        .or_else(|| kind_named(key.split(':').next().unwrap_or("")));
    if let Some(kind) = kind {
        let mut l = r
            .reactions
            .remove(key)
            .unwrap_or_else(|| new_ledger(kind, key, now));
        let c = Ctx {
            rec: &r,
            s,
            now,
            kind,
            key,
            cfg: config(s, kind),
        };
        f(&c, &mut l, &mut out);
        r.reactions.insert(key.to_owned(), l);
    }
    out.into_decision(r)
}

fn outcome_data(key: &str, l: &crate::model::ReactionLedger) -> serde_json::Value {
    serde_json::json!({"key": key, "reaction": l.reaction, "attempts": l.attempts, "outcome": l.last_outcome})
}

/// Records the outcome of a `SendToAgent` action for `key`. Delivered / unconfirmed are
/// stored (a delivered message also marks the agent busy, so its next turn end is seen).
/// Refused (nothing was typed) and
/// undelivered (typed, never taken) do not use up the key's budget: the message stays
/// pending, with since-when and why in the ledger, and is sent again on a later tick;
/// after [`UNDELIVERED_LIMIT`] undelivered sends in a row, or once it waited longer than
/// its escalate-after (15 min by default), the human is told why. A failure of ao itself
/// always escalates (#614).
pub fn on_send_result(
    rec: &SessionRecord,
    key: &str,
    result: Result<Delivery, String>,
    s: &Settings,
    now: Timestamp,
) -> Decision {
    let delivered = matches!(result, Ok(Delivery::Delivered));
    let mut d = with_ledger(rec, key, s, now, |c, l, out| {
        let kind = match &result {
            Ok(Delivery::Delivered) => EventKind::ReactionDelivered,
            Ok(Delivery::Unconfirmed) => EventKind::ReactionUnconfirmed,
            Ok(Delivery::Undelivered(_)) => EventKind::ReactionUndelivered,
            Ok(Delivery::Refused(_)) => EventKind::ReactionRefused,
            Err(_) => EventKind::ReactionFailed,
        };
        l.last_outcome = match &result {
            Ok(d) => match d.reason() {
                Some(why) => format!("{}: {why}", d.as_str()),
                None => d.as_str().to_owned(),
            },
            Err(e) => format!("failed: {e}"),
        };
        match &result {
            Ok(d) if d.sent() => {
                l.pending_since = None;
                l.pending_why = None;
                l.undelivered = 0;
            }
            Ok(d) => {
                // Not taken: it does not count as a send; it is still due.
                l.attempts = l.attempts.saturating_sub(1);
                l.pending_since.get_or_insert(now);
                l.pending_why = d.reason().map(str::to_owned);
                if matches!(d, Delivery::Undelivered(_)) {
                    l.undelivered = l.undelivered.saturating_add(1);
                }
            }
            Err(_) => {}
        }
        out.event(
            now,
            kind,
            format!("{key}: {}", l.last_outcome),
            outcome_data(key, l),
        );
        match &result {
            Err(e) => reactions::escalate(c, l, Why::SendFailed(e.clone()), out),
            Ok(Delivery::Undelivered(why)) if l.undelivered >= UNDELIVERED_LIMIT => {
                let e = format!(
                    "the agent never took the message ({} tries): {why}",
                    l.undelivered
                );
                reactions::escalate(c, l, Why::SendFailed(e), out);
            }
            Ok(Delivery::Refused(_)) => reactions::escalate_if_waited_too_long(c, l, out),
            _ => {}
        }
    });
    if delivered {
        mark_busy(&mut d.record, now);
    }
    d
}

/// Undelivered sends of one key in a row before the human is told.
pub const UNDELIVERED_LIMIT: u32 = 3;

/// Records the outcome of a `Merge` action for `key`: merged → `merge.done`; head moved →
/// the key is dropped so the next tick re-evaluates on fresh facts; refused or failed →
/// the human is notified with the reason.
pub fn on_merge_result(
    rec: &SessionRecord,
    key: &str,
    result: Result<MergeOutcome, String>,
    s: &Settings,
    now: Timestamp,
) -> Decision {
    let mut d = with_ledger(rec, key, s, now, |c, l, out| match &result {
        Ok(MergeOutcome::Merged(sha)) => {
            l.last_outcome = "merged".to_owned();
            let mut data = outcome_data(key, l);
            data["sha"] = sha.clone().into();
            out.event(
                now,
                EventKind::MergeDone,
                format!("{key}: merged as {sha}"),
                data,
            );
        }
        Ok(MergeOutcome::HeadMoved) => {
            l.last_outcome = "head moved".to_owned();
            let msg = format!("{key}: the head moved since approval; re-evaluating");
            out.event(now, EventKind::MergeHeadMoved, msg, outcome_data(key, l));
        }
        Ok(MergeOutcome::Refused(e)) | Err(e) => {
            let kind = if result.is_err() {
                EventKind::MergeFailed
            } else {
                EventKind::MergeRefused
            };
            l.last_outcome = format!("refused: {e}");
            out.event(now, kind, format!("{key}: {e}"), outcome_data(key, l));
            reactions::escalate(c, l, Why::MergeFailed(e.clone()), out);
        }
    });
    if matches!(result, Ok(MergeOutcome::HeadMoved)) {
        d.record.reactions.remove(key);
    }
    d
}
