//! Reactions (DESIGN §5; reliability checklist §3): level-triggered, fingerprinted, with a
//! ledger entry per reaction key persisted in the record.
//!
//! Each tick every condition that holds names a key (`ci-failed:<head>:<checks>`, ...).
//! A key's ledger entry keeps its budget (attempts, first seen, escalated) for as long as
//! the condition holds, survives a one-tick flap (#1409) and is dropped only after two
//! consecutive ticks on which the condition was seen resolved. A new fingerprint is a new
//! key with a fresh budget. Conditions without a natural fingerprint (needs input, stuck,
//! exited) get an episode key `<reaction>:<first seen epoch>`, so a new episode after a
//! stable resolution notifies again and a flap does not.
//!
//! Sends are at-most-once per attempt: the attempt is counted before the action is
//! emitted. A send happens only when the agent accepts messages, and a repeat only after
//! the agent took a turn since the last one. Escalation notifies the human once per key;
//! a failed send always escalates (#614).

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::decide::{Out, pr_status};
use super::facts::{last_output, secs_since};
use super::messages::{
    Note, check_names, ci_specifics, comment_ids, comments_specifics, conflict_specifics,
    human_secs, next_step, pr_name, short, times, wording,
};
use super::{Action, Settings};
use crate::config::{EscalateAfter, ReactionAction, ReactionConfig, ReactionKind};
use crate::model::{
    Activity, CiState, EventKind, Mergeability, PrFacts, PrState, Priority, ReactionLedger,
    ReviewDecision, SessionRecord, Status,
};

/// Sends per key when `retries` is not set and `escalate-after` is not a count.
const DEFAULT_MAX_SENDS: u32 = 3;

/// Ledger outcome while a send waits for the agent to accept messages.
const PENDING: &str = "pending";

/// How long a due message may wait undelivered when no `escalate-after` duration is
/// set (15 minutes).
const DEFAULT_PENDING_SECS: i64 = 15 * 60;

/// The effective settings for `kind` (built-in defaults when absent from `s`).
pub(super) fn config(s: &Settings, kind: ReactionKind) -> ReactionConfig {
    s.reactions
        .get(&kind)
        .cloned()
        .unwrap_or_else(|| kind.builtin())
}

/// The reaction kind named `name` (ledger entries store the name).
pub(super) fn kind_named(name: &str) -> Option<ReactionKind> {
    ReactionKind::ALL.into_iter().find(|k| k.as_str() == name)
}

/// Reactions that need fresh PR facts to fire or resolve ("unknown is not failing").
fn needs_fresh_pr(kind: ReactionKind) -> bool {
    matches!(
        kind,
        ReactionKind::CiFailed
            | ReactionKind::ChangesRequested
            | ReactionKind::BugbotComments
            | ReactionKind::MergeConflicts
            | ReactionKind::ApprovedAndGreen
            | ReactionKind::AgentIdleNoPr
    )
}

/// The open PR, if any.
fn open_pr(r: &SessionRecord) -> Option<&PrFacts> {
    r.pr.as_ref().filter(|p| p.state == PrState::Open)
}

/// True when the next move is the agent's: no PR yet, or the PR needs its work.
fn agents_court(r: &SessionRecord) -> bool {
    match &r.pr {
        None => true,
        Some(p) => {
            p.state == PrState::Open
                && (p.ci == CiState::Failing
                    || p.review == ReviewDecision::ChangesRequested
                    || p.mergeable == Mergeability::Conflicting
                    || !p.comments.is_empty())
        }
    }
}

/// Why the agent counts as stuck, if it does: blocked (usage limit) at once; idle, or
/// working without output, for `agent-stuck.threshold` while the ball is in its court.
pub(super) fn stuck_reason(r: &SessionRecord, s: &Settings, now: Timestamp) -> Option<String> {
    let a = r.activity.as_ref()?;
    if a.state == Activity::Blocked {
        return Some(match &a.resets {
            Some(when) => format!("blocked: usage limit, resets {when}"),
            None if a.evidence.is_empty() => "blocked".to_owned(),
            None => format!("blocked: {}", a.evidence),
        });
    }
    let threshold = config(s, ReactionKind::AgentStuck)
        .threshold
        .map_or(600, crate::config::Duration::as_secs);
    let (quiet, what) = match a.state {
        Activity::Ready | Activity::Idle => (secs_since(now, a.since), "idle"),
        Activity::Working => (
            now.as_second().saturating_sub(last_output(r)?),
            "no output while working",
        ),
        _ => return None,
    };
    (quiet >= threshold && agents_court(r)).then(|| {
        let court = match open_pr(r) {
            None => "no PR yet".to_owned(),
            Some(_) => format!("{} needs its work", pr_name(r.pr.as_ref())),
        };
        format!("{what} for {}, {court}", human_secs(quiet))
    })
}

/// What a reaction does this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Send,
    Notify,
    Merge,
}

fn mode(kind: ReactionKind, cfg: &ReactionConfig) -> Mode {
    match kind {
        // Never typed into a dialog or a dead pane: these always go to the human.
        ReactionKind::AgentNeedsInput | ReactionKind::AgentExited | ReactionKind::AllComplete => {
            Mode::Notify
        }
        // The seed's Full Config enables auto-merge with `auto: true` alone.
        ReactionKind::ApprovedAndGreen
            if cfg.auto == Some(true) || cfg.action == Some(ReactionAction::AutoMerge) =>
        {
            Mode::Merge
        }
        ReactionKind::ApprovedAndGreen => Mode::Notify,
        _ if cfg.action == Some(ReactionAction::SendToAgent) && cfg.auto != Some(false) => {
            Mode::Send
        }
        _ => Mode::Notify,
    }
}

/// A reaction whose condition holds this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Firing {
    /// Reaction.
    pub kind: ReactionKind,
    /// Ledger key.
    pub key: String,
}

/// The key of the current episode of `kind`: the existing entry's, else a new one. A
/// needs-input episode is one question: a different question on screen (the trust dialog
/// answered, the API-key question next) is a new episode, so the human hears of each once.
fn episode(r: &SessionRecord, kind: ReactionKind, now: Timestamp) -> Firing {
    let question = (kind == ReactionKind::AgentNeedsInput).then(|| {
        let evidence = r.activity.as_ref().map_or("", |a| a.evidence.as_str());
        crate::model::short_hash(evidence)
    });
    let key = r
        .reactions
        .iter()
        .find(|(k, l)| {
            l.reaction == kind.as_str() && question.as_ref().is_none_or(|q| k.ends_with(q))
        })
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| match &question {
            Some(q) => format!("{}:{}:{q}", kind.as_str(), now.as_second()),
            None => format!("{}:{}", kind.as_str(), now.as_second()),
        });
    Firing { kind, key }
}

/// Every reaction whose condition holds, given the record's updated facts and status.
fn conditions(r: &SessionRecord, pr_fresh: bool, s: &Settings, now: Timestamp) -> Vec<Firing> {
    let mut out = Vec::new();
    let mut add = |kind: ReactionKind, fp: String| {
        out.push(Firing {
            kind,
            key: format!("{}:{fp}", kind.as_str()),
        });
    };
    match r.status {
        Status::Merged | Status::Done | Status::Cleanup => return out,
        // A dead session silences everything else (inhibition, checklist §3.2); once its
        // PR is merged or closed, the runtime going away is just cleanup.
        Status::Killed if open_pr(r).is_some() || r.pr.is_none() => {
            return vec![episode(r, ReactionKind::AgentExited, now)];
        }
        Status::Killed => return out,
        _ => {}
    }
    if pr_fresh {
        if let Some(pr) = open_pr(r) {
            let head = &pr.head_sha;
            if pr.ci == CiState::Failing {
                add(
                    ReactionKind::CiFailed,
                    format!("{head}:{}", check_names(&pr.failing_checks).join(",")),
                );
            }
            if pr.review == ReviewDecision::ChangesRequested || !pr.comments.is_empty() {
                let ids = comment_ids(&pr.comments);
                add(
                    ReactionKind::ChangesRequested,
                    if ids.is_empty() { head.clone() } else { ids },
                );
            }
            if !pr.bot_comments.is_empty() {
                add(ReactionKind::BugbotComments, comment_ids(&pr.bot_comments));
            }
            if pr.mergeable == Mergeability::Conflicting {
                let base = pr.base_sha.as_deref().unwrap_or("");
                add(ReactionKind::MergeConflicts, format!("{head}:{base}"));
            }
            // From the PR alone: a blocked or asking agent does not hide a mergeable PR.
            if pr_status(pr) == Status::Mergeable {
                add(ReactionKind::ApprovedAndGreen, head.clone());
            }
        } else if r.pr.is_none() {
            let threshold = config(s, ReactionKind::AgentIdleNoPr)
                .threshold
                .map_or(1800, crate::config::Duration::as_secs);
            if secs_since(now, r.created_at) >= threshold {
                out.push(Firing {
                    kind: ReactionKind::AgentIdleNoPr,
                    key: ReactionKind::AgentIdleNoPr.as_str().to_owned(),
                });
            }
        }
    }
    let episodic = match r.status {
        Status::NeedsInput => Some(ReactionKind::AgentNeedsInput),
        Status::Errored => Some(ReactionKind::AgentExited),
        Status::Stuck => Some(ReactionKind::AgentStuck),
        _ => None,
    };
    out.extend(episodic.map(|k| episode(r, k, now)));
    out
}

/// Short facts for people: what holds (`checks: test, lint`) and where (` on abc1234`).
fn summary(
    kind: ReactionKind,
    r: &SessionRecord,
    s: &Settings,
    now: Timestamp,
) -> (String, String) {
    let pr = r.pr.as_ref();
    let on_pr = format!(" on {}", pr_name(pr));
    let evidence = || {
        r.activity
            .as_ref()
            .map(|a| super::messages::truncate(&a.evidence, 200))
            .filter(|e| !e.is_empty())
    };
    match (kind, pr) {
        (ReactionKind::CiFailed, Some(p)) => (
            format!("checks: {}", check_names(&p.failing_checks).join(", ")),
            format!(" on {}", short(&p.head_sha)),
        ),
        (ReactionKind::ChangesRequested, Some(p)) if !p.comments.is_empty() => {
            (format!("{} review comments", p.comments.len()), on_pr)
        }
        (ReactionKind::ChangesRequested, _) => ("changes requested".to_owned(), on_pr),
        (ReactionKind::BugbotComments, Some(p)) => {
            (format!("{} bot comments", p.bot_comments.len()), on_pr)
        }
        (ReactionKind::MergeConflicts, Some(p)) if !p.conflict_files.is_empty() => {
            (format!("files: {}", p.conflict_files.join(", ")), on_pr)
        }
        (ReactionKind::ApprovedAndGreen, Some(p)) => (
            format!(
                "approved, CI green, merges cleanly at {}",
                short(&p.head_sha)
            ),
            String::new(),
        ),
        (ReactionKind::AgentStuck, _) => (
            stuck_reason(r, s, now).unwrap_or_else(|| "no progress".to_owned()),
            String::new(),
        ),
        (ReactionKind::AgentNeedsInput, _) => (
            evidence().unwrap_or_else(|| "a prompt is waiting".to_owned()),
            String::new(),
        ),
        (ReactionKind::AgentExited, _) if r.status == Status::Killed => (
            format!(
                "the runtime is gone (missing on {} consecutive checks)",
                r.missing_count
            ),
            String::new(),
        ),
        (ReactionKind::AgentExited, _) => (
            evidence().unwrap_or_else(|| "the agent process is gone".to_owned()),
            String::new(),
        ),
        (ReactionKind::AgentIdleNoPr, _) => (
            format!(
                "running for {} without a PR (threshold {})",
                human_secs(secs_since(now, r.created_at)),
                human_secs(
                    config(s, ReactionKind::AgentIdleNoPr)
                        .threshold
                        .map_or(1800, crate::config::Duration::as_secs)
                )
            ),
            String::new(),
        ),
        _ => (kind.as_str().to_owned(), on_pr),
    }
}

/// The message sent to the agent: the configured message plus the specifics it needs.
/// The built-in messages name GitHub's `gh`; for the local SCM (no `gh`, no GitHub PR)
/// the unchanged built-in text is replaced by one that says where to look instead.
fn agent_message(
    kind: ReactionKind,
    cfg: &ReactionConfig,
    r: &SessionRecord,
    local_scm: bool,
) -> String {
    let builtin = kind.builtin().message;
    let local = match kind {
        ReactionKind::CiFailed => Some(
            "CI is failing: the project's checks failed on your latest commit. Fix the failures below and commit; ao runs the checks again on every new commit.",
        ),
        ReactionKind::ChangesRequested => Some(
            "Review comments on your branch (a local review). Address each one below and commit.",
        ),
        _ => None,
    };
    let base = match (local_scm, local) {
        (true, Some(text)) if cfg.message == builtin => text.to_owned(),
        _ => cfg
            .message
            .clone()
            .unwrap_or_else(|| format!("ao reaction `{}` fired.", kind.as_str())),
    };
    let specifics = match (kind, r.pr.as_ref()) {
        (ReactionKind::CiFailed, Some(p)) => ci_specifics(p, local_scm),
        (ReactionKind::ChangesRequested, Some(p)) if !p.comments.is_empty() => {
            comments_specifics(&p.comments)
        }
        (ReactionKind::BugbotComments, Some(p)) => comments_specifics(&p.bot_comments),
        (ReactionKind::MergeConflicts, Some(p)) => conflict_specifics(p),
        _ => String::new(),
    };
    if specifics.is_empty() {
        base
    } else {
        format!("{base}\n\n{specifics}")
    }
}

/// Everything a reaction step needs about its key.
pub(super) struct Ctx<'a> {
    /// The record (facts and status already updated this tick).
    pub rec: &'a SessionRecord,
    /// Settings.
    pub s: &'a Settings,
    /// Now.
    pub now: Timestamp,
    /// Reaction.
    pub kind: ReactionKind,
    /// Ledger key.
    pub key: &'a str,
    /// Effective reaction settings.
    pub cfg: ReactionConfig,
}

impl Ctx<'_> {
    fn data(&self, l: &ReactionLedger, action: &str) -> serde_json::Value {
        serde_json::json!({
            "key": self.key,
            "reaction": self.kind.as_str(),
            "attempts": l.attempts,
            "action": action,
        })
    }

    fn priority(&self, default: Priority) -> Priority {
        self.cfg.priority.unwrap_or(default)
    }

    fn event(&self, out: &mut Out, l: &ReactionLedger, kind: EventKind, action: &str, msg: String) {
        out.event(self.now, kind, msg, self.data(l, action));
    }
}

/// Why a reaction escalates.
pub(super) enum Why {
    /// Attempts or retries used up and the condition persists after the agent's turn.
    Budget,
    /// `escalate-after` duration passed since first seen.
    Duration(i64),
    /// The message waited undelivered longer than allowed (the agent did not accept
    /// messages, or the screen showed a dialog); the ledger says since when and why.
    Waited,
    /// The send itself failed.
    SendFailed(String),
    /// Auto-merge was refused or failed.
    MergeFailed(String),
}

/// Notifies the human that automatic handling of the key did not work, once per key
/// (sets `escalated`). A failed send or merge always notifies.
pub(super) fn escalate(c: &Ctx<'_>, l: &mut ReactionLedger, why: Why, out: &mut Out) {
    let already = l.escalated;
    l.escalated = true;
    if already && matches!(why, Why::Budget | Why::Duration(_) | Why::Waited) {
        return;
    }
    let id = c.rec.id.as_str();
    let w = wording(c.kind);
    let (facts, subject) = summary(c.kind, c.rec, c.s, c.now);
    let take_over = next_step(c.rec, c.s, "Take over");
    let (title, message, priority) = match &why {
        Why::SendFailed(e) => (
            format!("{id}: couldn't send {} to the agent", w.what),
            format!("Delivery failed: {e}. {facts}{subject}. {take_over}"),
            c.priority(Priority::Warning),
        ),
        Why::MergeFailed(e) => (
            format!("{id}: auto-merge of {} failed", pr_name(c.rec.pr.as_ref())),
            format!(
                "{e}. Merge it by hand{}.",
                c.rec
                    .pr
                    .as_ref()
                    .filter(|p| !p.url.is_empty())
                    .map(|p| format!(": {}", p.url))
                    .unwrap_or_default()
            ),
            c.priority(Priority::Action),
        ),
        Why::Budget | Why::Duration(_) | Why::Waited => {
            let after = match why {
                Why::Duration(secs) => format!(" after {}", human_secs(secs)),
                _ => String::new(),
            };
            let waited = l
                .pending_since
                .map(|t| human_secs(secs_since(c.now, t)))
                .unwrap_or_default();
            let why_waited = l
                .pending_why
                .clone()
                .unwrap_or_else(|| "the agent did not accept messages".to_owned());
            let tried = if l.pending_since.is_some() && l.attempts == 0 {
                format!(
                    "Never sent {}: it waited {waited} undelivered because {why_waited}",
                    w.what
                )
            } else if l.pending_since.is_some() {
                format!(
                    "Sent {} {}; the next one waited {waited} undelivered because {why_waited}",
                    w.what,
                    times(l.attempts)
                )
            } else if l.attempts == 0 {
                format!("Never sent {}: {why_waited}", w.what)
            } else {
                format!("Sent {} {} ({facts})", w.what, times(l.attempts))
            };
            (
                format!("{id} {}", w.failed),
                format!("{tried}; {}{subject}{after}. {take_over}", w.still),
                c.priority(Priority::Warning),
            )
        }
    };
    let note = Note {
        key: format!("{id}:{}:escalated", c.key),
        kind: c.kind.as_str().to_owned(),
        priority,
        title,
        message,
    };
    out.actions
        .push(Action::Notify(note.build(c.rec, c.s, c.now)));
    c.event(
        out,
        l,
        EventKind::ReactionEscalated,
        "notify",
        format!("{}: escalated to the human", c.key),
    );
}

/// The total sends allowed for one key: `retries` + 1, else an attempt-count
/// `escalate-after`, else `DEFAULT_MAX_SENDS`. Every key is bounded: an agent is never
/// sent the same thing without limit.
fn max_sends(cfg: &ReactionConfig) -> u32 {
    match (cfg.retries, cfg.escalate_after) {
        (Some(r), _) => r.saturating_add(1),
        (None, Some(EscalateAfter::Attempts(n))) => n.max(1),
        (None, _) => DEFAULT_MAX_SENDS,
    }
}

/// `max_sends` for unit tests.
#[cfg(test)]
pub(super) fn max_sends_for_test(cfg: &ReactionConfig) -> u32 {
    max_sends(cfg)
}

/// True when the agent finished a turn after `t` (it is ready again, since later).
fn took_turn(r: &SessionRecord, t: Timestamp) -> bool {
    r.activity
        .as_ref()
        .is_some_and(|a| a.state.accepts_messages() && a.since > t)
}

/// Whether the key must escalate now.
fn escalation_due(c: &Ctx<'_>, l: &ReactionLedger, turn: bool) -> Option<Why> {
    match c.cfg.escalate_after {
        Some(EscalateAfter::After(d)) if secs_since(c.now, l.first_seen) >= d.as_secs() => {
            return Some(Why::Duration(d.as_secs()));
        }
        Some(EscalateAfter::Attempts(n)) if turn && l.attempts >= n => return Some(Why::Budget),
        _ => {}
    }
    // With only a duration configured, the implicit send cap stops the sends but the
    // human is brought in when the duration is up, as configured.
    let budget_escalates =
        c.cfg.retries.is_some() || !matches!(c.cfg.escalate_after, Some(EscalateAfter::After(_)));
    (budget_escalates && turn && l.attempts >= max_sends(&c.cfg)).then_some(Why::Budget)
}

/// How long a due message may wait undelivered before the human is told: the
/// reaction's `escalate-after` duration, else 15 minutes.
fn pending_limit(cfg: &ReactionConfig) -> i64 {
    match cfg.escalate_after {
        Some(EscalateAfter::After(d)) => d.as_secs(),
        _ => DEFAULT_PENDING_SECS,
    }
}

/// Escalates once when the key's message has waited undelivered longer than its
/// [`pending_limit`], naming why it waited.
pub(super) fn escalate_if_waited_too_long(c: &Ctx<'_>, l: &mut ReactionLedger, out: &mut Out) {
    let Some(since) = l.pending_since else { return };
    let waited = secs_since(c.now, since);
    if waited >= pending_limit(&c.cfg) {
        escalate(c, l, Why::Waited, out);
    }
}

/// `s` shortened for a ledger or a message.
fn short_text(s: &str) -> String {
    super::messages::truncate(s, 120)
}

fn send(c: &Ctx<'_>, l: &mut ReactionLedger, out: &mut Out) {
    if l.escalated {
        return;
    }
    // A review stays "changes requested" until someone re-reviews (GitHub semantics).
    // Once the agent pushed after the last send it acted on the comments: wait for the
    // reviewer instead of re-sending them (a duration escalation still comes).
    let head = c.rec.pr.as_ref().map(|p| p.head_sha.as_str());
    if c.kind == ReactionKind::ChangesRequested
        && l.attempts > 0
        && l.sent_at_head.is_some()
        && head.is_some()
        && head != l.sent_at_head.as_deref()
    {
        if let Some(why @ Why::Duration(_)) = escalation_due(c, l, true) {
            escalate(c, l, why, out);
        }
        return;
    }
    // A message still due (refused or never taken) needs no new turn to be sent again.
    let turn = l.pending_since.is_some() || l.last_attempt.is_none_or(|t| took_turn(c.rec, t));
    if let Some(why) = escalation_due(c, l, turn) {
        escalate(c, l, why, out);
        return;
    }
    if !turn {
        // The agent has not finished its turn on the last message yet. A message whose
        // delivery was never confirmed, with no sign of the agent at work since, may
        // never have been taken: it counts as waiting undelivered.
        if l.last_outcome == "unconfirmed"
            && let Some(at) = l.last_attempt
        {
            let since_turn = c.rec.activity.as_ref().is_none_or(|a| a.since <= at);
            if since_turn {
                l.pending_since.get_or_insert(at);
                l.pending_why = Some(
                    "it was submitted but never confirmed, and the agent has shown no turn since"
                        .to_owned(),
                );
                escalate_if_waited_too_long(c, l, out);
                l.pending_since = None;
            }
        }
        return;
    }
    if l.attempts >= max_sends(&c.cfg) {
        return; // budget used: wait for the escalation (a duration) without resending
    }
    let activity = c.rec.activity.as_ref().map(|a| a.state);
    // One message per tick: after it the agent is mid-turn.
    let busy = out
        .actions
        .iter()
        .any(|a| matches!(a, Action::SendToAgent { .. }));
    if busy || !activity.is_some_and(Activity::accepts_messages) {
        let state = match activity {
            _ if busy => "another message was just sent".to_owned(),
            Some(a) => match c.rec.activity.as_ref().map(|a| a.evidence.as_str()) {
                Some(e) if !e.is_empty() => format!("{} (\"{}\")", a.as_str(), short_text(e)),
                _ => a.as_str().to_owned(),
            },
            None => "its state is unknown: nothing on its screen says it is ready".to_owned(),
        };
        if !busy {
            l.pending_since.get_or_insert(c.now);
            l.pending_why = Some(format!("the agent did not accept messages: {state}"));
        }
        if l.last_outcome != PENDING {
            l.last_outcome = PENDING.to_owned();
            let msg = format!(
                "{}: waiting for the agent to accept messages ({state})",
                c.key
            );
            c.event(out, l, EventKind::ReactionPending, "send", msg);
        }
        escalate_if_waited_too_long(c, l, out);
        return;
    }
    // Counted before the send: a crash after this point never sends twice (§3.3).
    l.attempts = l.attempts.saturating_add(1);
    l.last_attempt = Some(c.now);
    l.last_outcome = "sending".to_owned();
    l.sent_at_head = head.map(str::to_owned);
    out.actions.push(Action::SendToAgent {
        key: c.key.to_owned(),
        reaction: c.kind,
        message: agent_message(c.kind, &c.cfg, c.rec, c.s.local_scm),
    });
    let msg = format!("{}: sending to the agent (attempt {})", c.key, l.attempts);
    c.event(out, l, EventKind::ReactionTriggered, "send", msg);
}

fn merge(c: &Ctx<'_>, l: &mut ReactionLedger, out: &mut Out) {
    let Some(pr) = open_pr(c.rec) else { return };
    // "merging" still recorded: the tick that started the merge died before recording
    // its result. The call is pinned to the sha, so one retry is safe (an already
    // merged or moved PR is refused); a second interruption goes to the human.
    let interrupted = l.last_outcome == "merging";
    if l.escalated || (l.attempts > 0 && !interrupted) {
        return;
    }
    if interrupted && l.attempts >= 2 {
        let why = "ao stopped twice between starting the merge and recording its result";
        escalate(c, l, Why::MergeFailed(why.to_owned()), out);
        return;
    }
    l.attempts += 1;
    l.last_attempt = Some(c.now);
    l.last_outcome = "merging".to_owned();
    let method = c
        .cfg
        .merge_method
        .clone()
        .unwrap_or_else(|| "squash".to_owned());
    out.actions.push(Action::Merge {
        key: c.key.to_owned(),
        sha: pr.head_sha.clone(),
        method,
    });
    let msg = format!(
        "{}: merging {} at {}",
        c.key,
        pr_name(Some(pr)),
        short(&pr.head_sha)
    );
    c.event(out, l, EventKind::ReactionTriggered, "merge", msg);
}

/// Title, message and default priority of a direct notification.
fn direct(c: &Ctx<'_>) -> (String, String, Priority) {
    let id = c.rec.id.as_str();
    let (facts, subject) = summary(c.kind, c.rec, c.s, c.now);
    // A `message:` of the user's own leads the text; the built-in one only repeats the
    // title ("app-1: agent exited: Agent exited: …"), so the facts lead instead.
    let own = c
        .cfg
        .message
        .clone()
        .filter(|m| Some(m) != c.kind.builtin().message.as_ref());
    let lead = |facts: &str| match &own {
        Some(m) => format!("{m}: {facts}"),
        None => capitalised(facts),
    };
    let pr = pr_name(c.rec.pr.as_ref());
    let check = next_step(c.rec, c.s, "Check on it");
    match c.kind {
        ReactionKind::AgentNeedsInput => (
            format!("{id} needs your input"),
            format!("{}. {}", lead(&facts), next_step(c.rec, c.s, "Answer it")),
            Priority::Urgent,
        ),
        ReactionKind::AgentExited => (
            if c.rec.status == Status::Killed {
                format!("{id}: runtime is gone")
            } else {
                format!("{id}: agent exited")
            },
            format!(
                "{}. The session is restorable with `ao session restore {id}`.",
                lead(&facts)
            ),
            Priority::Urgent,
        ),
        ReactionKind::AgentStuck
            if c.rec.activity.as_ref().map(|a| a.state) == Some(Activity::Blocked) =>
        {
            (
                format!("{id} is blocked"),
                format!("{facts}. {check}"),
                Priority::Urgent,
            )
        }
        ReactionKind::AgentStuck => (
            format!("{id} appears stuck"),
            format!("{}. {check}", lead(&facts)),
            Priority::Urgent,
        ),
        ReactionKind::AgentIdleNoPr => (
            format!("{id} has no PR yet"),
            match &own {
                Some(m) => format!("{m} ({facts}). {check}"),
                None => format!("{}. {check}", capitalised(&facts)),
            },
            Priority::Warning,
        ),
        ReactionKind::ApprovedAndGreen => {
            let how = match c.rec.pr.as_ref().filter(|p| !p.url.is_empty()) {
                Some(p) => format!("Merge it: {}", p.url),
                None => format!("Merge branch `{}`", c.rec.branch),
            };
            (
                format!("{id}: {pr} ready to merge"),
                format!("{}. {how}.", lead(&facts)),
                Priority::Action,
            )
        }
        _ => (
            format!("{id}: {}{subject}", wording(c.kind).headline),
            format!(
                "{facts}{subject}. Automatic handling is off for `{}`. {check}",
                c.kind.as_str()
            ),
            Priority::Warning,
        ),
    }
}

/// `s` with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// How close (seconds) a hook's needs-input notification and the tick's must be to count
/// as the same question.
pub(crate) const SAME_QUESTION_SECS: i64 = 60;

/// True when the agent's own hook already told the human about this needs-input episode
/// (`ao hook` notifies at once; the tick then sees the same dialog on screen).
fn hook_told(c: &Ctx<'_>, l: &ReactionLedger) -> bool {
    c.kind == ReactionKind::AgentNeedsInput
        && c.rec.notifications.iter().any(|(k, n)| {
            k.contains(":agent-needs-input:hook:")
                && n.due.as_second() >= l.first_seen.as_second() - SAME_QUESTION_SECS
        })
}

fn notify(c: &Ctx<'_>, l: &mut ReactionLedger, out: &mut Out) {
    if l.escalated {
        return;
    }
    l.escalated = true;
    if hook_told(c, l) {
        l.last_outcome = "notified by the agent's hook".to_owned();
        return;
    }
    l.last_outcome = "notified".to_owned();
    let (title, message, default) = direct(c);
    let note = Note {
        key: format!("{}:{}", c.rec.id, c.key),
        kind: c.kind.as_str().to_owned(),
        priority: c.priority(default),
        title,
        message,
    };
    out.actions
        .push(Action::Notify(note.build(c.rec, c.s, c.now)));
    c.event(
        out,
        l,
        EventKind::ReactionTriggered,
        "notify",
        format!("{}: notified the human", c.key),
    );
}

/// A fresh ledger entry for `key`.
pub(super) fn new_ledger(kind: ReactionKind, key: &str, now: Timestamp) -> ReactionLedger {
    let fingerprint = key
        .strip_prefix(kind.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or("");
    ReactionLedger {
        reaction: kind.as_str().to_owned(),
        fingerprint: fingerprint.to_owned(),
        attempts: 0,
        first_seen: now,
        last_attempt: None,
        last_outcome: String::new(),
        escalated: false,
        resolved_ticks: 0,
        sent_at_head: None,
        pending_since: None,
        pending_why: None,
        undelivered: 0,
    }
}

/// Runs every reaction for the record's current facts and status: fires, holds or
/// escalates the keys whose condition holds and resolves the others.
pub(super) fn react(
    r: &mut SessionRecord,
    pr_fresh: bool,
    s: &Settings,
    now: Timestamp,
    out: &mut Out,
) {
    let mut firing = conditions(r, pr_fresh, s, now);
    // One message goes out per tick: keys sent least often go first, so a reaction that
    // re-sends after every turn cannot starve the others.
    firing.sort_by_key(|f| r.reactions.get(&f.key).map_or(0, |l| l.attempts));
    for f in &firing {
        let mut l = r
            .reactions
            .remove(&f.key)
            .unwrap_or_else(|| new_ledger(f.kind, &f.key, now));
        l.resolved_ticks = 0;
        let c = Ctx {
            rec: r,
            s,
            now,
            kind: f.kind,
            key: &f.key,
            cfg: config(s, f.kind),
        };
        match mode(f.kind, &c.cfg) {
            Mode::Send => send(&c, &mut l, out),
            Mode::Notify => notify(&c, &mut l, out),
            Mode::Merge => merge(&c, &mut l, out),
        }
        r.reactions.insert(f.key.clone(), l);
    }
    let live: BTreeSet<&str> = firing.iter().map(|f| f.key.as_str()).collect();
    let terminal = r.status.is_terminal();
    let mut gone = Vec::new();
    for (key, l) in &mut r.reactions {
        let evaluated =
            terminal || pr_fresh || !kind_named(&l.reaction).is_some_and(needs_fresh_pr);
        if live.contains(key.as_str()) || !evaluated {
            continue;
        }
        l.resolved_ticks = l.resolved_ticks.saturating_add(1);
        if l.resolved_ticks >= 2 {
            gone.push(key.clone());
        }
    }
    for key in gone {
        if let Some(l) = r.reactions.remove(&key) {
            let data =
                serde_json::json!({"key": key, "reaction": l.reaction, "attempts": l.attempts});
            out.event(
                now,
                EventKind::ReactionResolved,
                format!("{key}: resolved"),
                data,
            );
        }
    }
}
