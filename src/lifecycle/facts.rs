//! Fact updates (DESIGN §4): runtime liveness, agent activity and PR facts, each stored
//! with the time it was observed.
//!
//! Invariants: a failed or skipped probe never changes what is known (`missing_count`,
//! activity, PR facts stay as they were); `missing_count` only grows after the spawn grace;
//! an activity's `since` stays put while the state is unchanged (ready and idle count as
//! one state, so a ready agent turns idle after `ready_threshold`).

use jiff::Timestamp;

use super::{Observation, RuntimeObs, Settings};
use crate::model::{Activity, ActivityFact, ActivitySource, PrState, RuntimeState, SessionRecord};

/// How long a hook signal stays authoritative without being confirmed again.
const HOOK_FRESH_SECS: i64 = 10 * 60;

/// Key in `SessionRecord::extra` holding the runtime's last output time (epoch seconds),
/// for "working but silent" stuck detection.
pub(super) const LAST_OUTPUT_KEY: &str = "lifecycle.lastOutputAt";

/// Key in `SessionRecord::extra` holding when the screen first showed the agent failing
/// to reach its model API (epoch seconds), in the current run of such screens.
pub(super) const RETRYING_SINCE_KEY: &str = "lifecycle.retryingSince";

/// How long an agent may keep failing to reach its model API before it counts as
/// `blocked` (a retry loop that never ends is not work).
pub(super) const RETRY_BLOCKED_SECS: i64 = 10 * 60;

/// Whole seconds from `since` to `now` (negative when `since` is in the future).
pub(super) fn secs_since(now: Timestamp, since: Timestamp) -> i64 {
    now.as_second().saturating_sub(since.as_second())
}

/// True while the session is younger than `spawn_grace`: it is not judged missing or
/// exited yet.
pub(super) fn in_grace(rec: &SessionRecord, s: &Settings, now: Timestamp) -> bool {
    secs_since(now, rec.created_at) < s.spawn_grace.as_secs()
}

/// The runtime's last output time, as last observed.
pub(super) fn last_output(rec: &SessionRecord) -> Option<i64> {
    rec.extra
        .get(LAST_OUTPUT_KEY)
        .and_then(serde_json::Value::as_i64)
}

/// Stores the runtime probe result. Only a `Seen` probe changes `missing_count`.
pub(super) fn update_runtime(
    r: &mut SessionRecord,
    obs: &RuntimeObs,
    s: &Settings,
    now: Timestamp,
) {
    let state = match obs {
        RuntimeObs::NotProbed => return,
        RuntimeObs::ProbeFailed(_) => RuntimeState::ProbeFailed,
        RuntimeObs::Unreachable(_) => RuntimeState::Unreachable,
        RuntimeObs::Seen { exists: false, .. } => {
            if !in_grace(r, s, now) {
                r.missing_count = r.missing_count.saturating_add(1);
            }
            RuntimeState::Missing
        }
        RuntimeObs::Seen {
            agent_exited,
            activity_time,
            ..
        } => {
            r.missing_count = 0;
            if let Some(t) = activity_time {
                r.extra.insert(LAST_OUTPUT_KEY.to_owned(), (*t).into());
            }
            if *agent_exited {
                RuntimeState::Exited
            } else {
                RuntimeState::Alive
            }
        }
    };
    r.runtime_state = Some(state);
    r.runtime_observed_at = Some(now);
}

/// Remembers when the screen started showing the agent failing to reach its model API
/// (kept while every screen seen since shows it; cleared by a screen that does not).
/// Without a screen this tick nothing changes.
pub(super) fn update_retrying(r: &mut SessionRecord, obs: &Observation, now: Timestamp) {
    let Some(sc) = obs.screen.as_ref() else {
        return;
    };
    if !sc.retrying {
        r.extra.remove(RETRYING_SINCE_KEY);
    } else if !r.extra.contains_key(RETRYING_SINCE_KEY) {
        r.extra
            .insert(RETRYING_SINCE_KEY.to_owned(), now.as_second().into());
    }
}

/// One activity reading before it is merged into the record.
#[derive(Debug)]
pub(super) struct Reading {
    state: Activity,
    source: ActivitySource,
    evidence: String,
    resets: Option<String>,
    /// When the source says the state began (hook time, transcript `since`).
    at: Option<Timestamp>,
}

impl Reading {
    fn new(state: Activity, source: ActivitySource, evidence: &str) -> Self {
        Self {
            state,
            source,
            evidence: evidence.to_owned(),
            resets: None,
            at: None,
        }
    }
}

/// Reads the activity from this tick's observation, in the detection order of DESIGN §4.
/// Call before `update_runtime` (it compares with the previous probe). `None` keeps the
/// previous activity.
///
/// 1. The agent process is gone and its last screen says why (an exit rule such as
///    Claude's "Unable to connect to Anthropic services") → exited at once; gone on two
///    consecutive probes after the grace → exited (a dead agent's transcript still shows
///    its last state; one probe may catch a shell in the foreground).
/// 2. A dialog or a usage limit on screen → waiting_input / blocked: they only show on the
///    screen, even when a transcript exists.
/// 3. The screen has shown the agent failing to reach its model API for
///    `RETRY_BLOCKED_SECS` (call `update_retrying` first) → blocked, with the cause.
/// 4. A fresh hook signal, then the transcript — each only while it is newer than the
///    screen's last change: a stale signal never outranks what the screen shows now.
/// 5. The screen's working / ready.
/// 6. An agent without ready rules (`Settings::ready_when_quiet`) whose screen matched
///    nothing and has been quiet for `ready_threshold` → ready.
/// 7. Process liveness: alive with nothing else known keeps the previous activity
///    (working when there is none).
pub(super) fn read_activity(
    r: &SessionRecord,
    obs: &Observation,
    s: &Settings,
    now: Timestamp,
) -> Option<Reading> {
    if let Some(evidence) = &obs.died {
        return Some(Reading::new(
            Activity::Exited,
            ActivitySource::Process,
            evidence,
        ));
    }
    let exited = matches!(
        obs.runtime,
        RuntimeObs::Seen {
            exists: true,
            agent_exited: true,
            ..
        }
    );
    let screen = obs.screen.as_ref();
    if exited && let Some(sc) = screen.filter(|sc| sc.activity == Activity::Exited) {
        return Some(Reading::new(
            Activity::Exited,
            ActivitySource::Terminal,
            &sc.evidence,
        ));
    }
    if exited && r.runtime_state == Some(RuntimeState::Exited) && !in_grace(r, s, now) {
        return Some(Reading::new(
            Activity::Exited,
            ActivitySource::Process,
            "agent process exited",
        ));
    }
    // An exit rule on a live pane is a screen in passing (the process is still going).
    let screen = screen.filter(|sc| sc.activity != Activity::Exited);
    if let Some(sc) =
        screen.filter(|sc| matches!(sc.activity, Activity::WaitingInput | Activity::Blocked))
    {
        return Some(Reading {
            resets: sc.resets.clone(),
            ..Reading::new(sc.activity, ActivitySource::Terminal, &sc.evidence)
        });
    }
    if let Some(sc) = screen.filter(|sc| sc.retrying)
        && let Some(since) = r
            .extra
            .get(RETRYING_SINCE_KEY)
            .and_then(serde_json::Value::as_i64)
        && now.as_second().saturating_sub(since) >= RETRY_BLOCKED_SECS
    {
        let secs = now.as_second().saturating_sub(since);
        let evidence = format!(
            "cannot reach the model API for {} min: {}",
            secs / 60,
            sc.evidence
        );
        return Some(Reading::new(
            Activity::Blocked,
            ActivitySource::Terminal,
            &evidence,
        ));
    }
    // A signal speaks for the agent only while the screen has not changed since. tmux
    // times the change to the second; a signal in that same second may precede the
    // redraw (aider's hook runs before it draws `>`), so the screen wins a tie.
    let changed = screen.and_then(|sc| sc.changed_at);
    let current = |at: Timestamp| changed.is_none_or(|c| at.as_second() > c);
    if let Some(h) = fresh_hook(r, obs, now).filter(|h| current(h.at)) {
        let evidence = if h.detail.is_empty() {
            &h.event
        } else {
            &h.detail
        };
        return Some(Reading {
            at: Some(h.at),
            ..Reading::new(h.activity, ActivitySource::Hook, evidence)
        });
    }
    if let Some(t) = obs.transcript.as_ref().filter(|t| current(t.since)) {
        return Some(Reading {
            resets: t.resets.clone(),
            at: Some(t.since),
            ..Reading::new(t.state, ActivitySource::Transcript, &t.evidence)
        });
    }
    if let Some(sc) = screen {
        return Some(Reading::new(
            sc.activity,
            ActivitySource::Terminal,
            &sc.evidence,
        ));
    }
    let alive = matches!(
        obs.runtime,
        RuntimeObs::Seen {
            exists: true,
            agent_exited: false,
            ..
        }
    );
    if let RuntimeObs::Seen {
        activity_time: Some(t),
        ..
    } = obs.runtime
        && alive
        && s.ready_when_quiet
        && screen.is_none()
    {
        let quiet = now.as_second().saturating_sub(t);
        if quiet >= s.ready_threshold.as_secs() {
            let evidence = format!(
                "no output for {} (readyThreshold)",
                crate::config::Duration::from_secs(quiet)
            );
            return Some(Reading::new(
                Activity::Ready,
                ActivitySource::Terminal,
                &evidence,
            ));
        }
    }
    // Alive again after an exit means the agent was restarted in place.
    let unknown = r
        .activity
        .as_ref()
        .is_none_or(|a| a.state == Activity::Exited);
    (alive && unknown).then(|| {
        Reading::new(
            Activity::Working,
            ActivitySource::Process,
            "agent process running",
        )
    })
}

/// The hook signal, if it still speaks for the agent: received since the last look, or
/// within the last 10 minutes and not older than the current state. A "needs input" hook
/// is stale once the screen shows the agent working again (the human answered; Claude
/// sends no hook for that, AO #3738).
fn fresh_hook<'a>(
    r: &'a SessionRecord,
    obs: &Observation,
    now: Timestamp,
) -> Option<&'a crate::model::HookSignal> {
    let h = r.hook.as_ref()?;
    let prev = r.activity.as_ref();
    let newer = prev.is_none_or(|a| h.at > a.observed_at);
    let recent = secs_since(now, h.at) <= HOOK_FRESH_SECS && prev.is_none_or(|a| h.at >= a.since);
    let answered = h.activity == Activity::WaitingInput
        && obs
            .screen
            .as_ref()
            .is_some_and(|sc| sc.activity == Activity::Working);
    ((newer || recent) && !answered).then_some(h)
}

/// Ready and idle are one state for `since`: idle is only "ready for a while".
fn family(a: Activity) -> Activity {
    match a {
        Activity::Idle => Activity::Ready,
        other => other,
    }
}

/// Merges a reading into the record, keeping `since` while the state is unchanged, and
/// turns a ready agent idle after `ready_threshold`.
pub(super) fn apply_activity(
    r: &mut SessionRecord,
    reading: Option<Reading>,
    s: &Settings,
    now: Timestamp,
) {
    if let Some(rd) = reading {
        let since = match &r.activity {
            // A later turn end reported by the source (a new Stop hook) restarts `since`,
            // so "the agent took a turn" is visible even between two ticks.
            Some(p) if family(p.state) == family(rd.state) => match rd.at {
                Some(at) if rd.state == Activity::Ready && at > p.since && at <= now => at,
                _ => p.since,
            },
            _ => rd.at.filter(|at| *at <= now).unwrap_or(now),
        };
        r.activity = Some(ActivityFact {
            state: rd.state,
            source: rd.source,
            evidence: rd.evidence,
            resets: rd.resets,
            since,
            observed_at: now,
        });
    }
    if let Some(a) = r.activity.as_mut()
        && a.state == Activity::Ready
        && secs_since(now, a.since) >= s.ready_threshold.as_secs()
    {
        a.state = Activity::Idle;
    }
}

/// Marks the agent busy after ao delivered a message: the delivery routine confirmed the
/// text was submitted, so the agent is on a new turn.
pub(super) fn mark_busy(r: &mut SessionRecord, now: Timestamp) {
    r.activity = Some(ActivityFact {
        state: Activity::Working,
        source: ActivitySource::Process,
        evidence: "message delivered by ao".to_owned(),
        resets: None,
        since: now,
        observed_at: now,
    });
}

/// Stores the PR observation. Returns true when the facts are fresh this tick (PR-dependent
/// reactions may fire or resolve). A merged or closed PR is final: an SCM listing that no
/// longer returns it does not erase it.
pub(super) fn update_pr(r: &mut SessionRecord, obs: &super::PrObs) -> bool {
    match obs {
        super::PrObs::Pr(f) => {
            r.pr = Some(f.clone());
            true
        }
        super::PrObs::NoPr => {
            if r.pr.as_ref().is_none_or(|p| p.state == PrState::Open) {
                r.pr = None;
            }
            true
        }
        super::PrObs::NotChecked | super::PrObs::Failed(_) => false,
    }
}
