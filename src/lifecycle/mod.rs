//! The pure lifecycle core (DESIGN §4–§5): status derivation, transitions, reactions with
//! fingerprints and escalation, and notification policy. No clock, no I/O: `now` and every
//! observation are passed in; the result is the next record plus actions and events.
//!
//! The tick calls, per session: `decide` (after observing), then for each action it
//! performs, the matching `on_*_result` (whose `Notify` actions join the others), then
//! hands every `Notify` to `plan_deliveries` / `record_delivery`, then persists the record
//! and the events. A push path (`ao hook`) may call `decide` with `RuntimeObs::NotProbed`,
//! no screen and `PrObs::NotChecked`: a fresh hook signal alone drives the step.
//!
//! Layout: `facts` (runtime, activity, PR facts), `decide` (status, the step, action
//! outcomes), `reactions` (conditions, ledger, sends, escalation), `messages` (texts for
//! agents and people), `notify` (notification ledger), `batch` (`all-complete`).

mod batch;
mod decide;
mod facts;
mod messages;
mod notify;
#[cfg(test)]
mod proptests;
mod reactions;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use jiff::Timestamp;

pub use decide::{UNREACHABLE_KEY, decide, derive_status, on_merge_result, on_send_result};
pub use notify::{NotifyPlan, enqueue, hook_needs_input, plan_deliveries, record_delivery};

use crate::config::{Duration, ReactionConfig, ReactionKind};
use crate::model::Event;
use crate::model::Notification;
use crate::model::{Activity, ActivityFact, PrFacts, SessionRecord};

/// Settings the lifecycle needs, resolved from config for the session's project.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A ready agent counts as idle after this long.
    pub ready_threshold: Duration,
    /// New sessions are not judged missing/exited during this period.
    pub spawn_grace: Duration,
    /// Consecutive missing observations before `killed`.
    pub missing_after: u32,
    /// How long a host stays unreachable before the human is warned (once).
    pub unreachable_after: Duration,
    /// Effective reaction settings for every kind (project over global over built-in).
    pub reactions: BTreeMap<ReactionKind, ReactionConfig>,
    /// Command that attaches to a session, with `{session}` replaced by the id
    /// (e.g. `ao open {session}`), for notification texts.
    pub attach_template: String,
    /// Dashboard URL prefix for deep links (`file:///…/dashboard.html`), if enabled.
    pub dashboard_url: Option<String>,
    /// The project uses the local SCM: messages must not send the agent to `gh`.
    pub local_scm: bool,
    /// The agent has no screen rule for "ready" (a custom agent without `patterns.ready`):
    /// it counts as ready once its screen has been quiet for `ready_threshold`.
    pub ready_when_quiet: bool,
}

/// What the runtime probe said this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeObs {
    /// Not probed this tick (e.g. `--session` filter on another session).
    NotProbed,
    /// The probe itself failed; says nothing about the session.
    ProbeFailed(String),
    /// The runtime's host could not be reached (ssh error); says nothing about the agent.
    Unreachable(String),
    /// Probed.
    Seen {
        /// Runtime exists.
        exists: bool,
        /// Agent process gone (pane dead / only a shell left).
        agent_exited: bool,
        /// Last output time (epoch seconds), when known.
        activity_time: Option<i64>,
    },
}

/// A terminal classification made this tick (None in `Observation::screen` = not captured
/// or nothing matched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenObs {
    /// What the screen shows.
    pub activity: Activity,
    /// Matched text.
    pub evidence: String,
    /// Usage-limit reset time.
    pub resets: Option<String>,
    /// The screen shows the agent failing to reach its model API
    /// ([`crate::plugins::agent::ScreenMatch::retrying`]).
    pub retrying: bool,
    /// When the screen last changed (epoch seconds; tmux `window_activity`), when known.
    /// A hook or transcript signal older than this does not outrank the screen.
    pub changed_at: Option<i64>,
}

/// What the SCM said this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrObs {
    /// Not asked this tick (backoff, filter, dry-run): keep the last facts, react to nothing
    /// that needs fresh data.
    NotChecked,
    /// Asked; the session has no PR.
    NoPr,
    /// Fresh PR facts.
    Pr(PrFacts),
    /// The SCM call failed: keep the last facts ("unknown is not failing").
    Failed(String),
}

/// Everything observed about one session this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Runtime probe.
    pub runtime: RuntimeObs,
    /// Terminal classification, if captured and matched.
    pub screen: Option<ScreenObs>,
    /// Transcript-derived activity, if the agent keeps one.
    pub transcript: Option<ActivityFact>,
    /// The runtime reports the agent's process ended (a dead pane, a gone process; not a
    /// shell in the foreground): what it left, e.g. "agent process exited (status 1):
    /// Unable to connect to Anthropic services". Definitive, so it counts even during the
    /// spawn grace: the session is `errored` at once.
    pub died: Option<String>,
    /// PR state.
    pub pr: PrObs,
}

/// Something the tick must do for a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send `message` to the agent through the single delivery routine. The ledger entry
    /// `key` already counts this attempt; report the outcome with `on_send_result`.
    SendToAgent {
        /// Reaction key (`ci-failed:<sha>:<checks>`).
        key: String,
        /// Reaction.
        reaction: ReactionKind,
        /// Full message with specifics.
        message: String,
    },
    /// Notify the human (dispatch through routing and the notification ledger).
    Notify(Notification),
    /// Merge the PR pinned to `sha`; report with `on_merge_result`.
    Merge {
        /// Reaction key.
        key: String,
        /// Approved head sha.
        sha: String,
        /// Merge method.
        method: String,
    },
    /// Destroy runtime and workspace, archive the record.
    Cleanup {
        /// Why (merged, closed).
        reason: String,
    },
}

/// The result of a lifecycle step.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The next record (status, facts, ledgers updated).
    pub record: SessionRecord,
    /// Actions to perform, in order.
    pub actions: Vec<Action>,
    /// Events to append (transitions, reaction decisions).
    pub events: Vec<Event>,
}

/// Summary for `all-complete`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchSummary {
    /// Sessions whose PR merged.
    pub merged: Vec<String>,
    /// Sessions with an open PR awaiting review/merge.
    pub pending_review: Vec<String>,
    /// Sessions that ended without a merged PR (killed, errored, closed).
    pub failed: Vec<String>,
    /// Tokens and estimated cost summed over the sessions that report one; `None` when
    /// none does.
    pub cost: Option<crate::model::CostEstimate>,
}

/// Builds the `all-complete` notification when every session of a batch has reached a
/// final state. `records` are all live and archived records of the batch. `None` while
/// any is still in progress.
pub fn all_complete(
    batch: &str,
    records: &[&SessionRecord],
    settings: &Settings,
    now: Timestamp,
) -> Option<(BatchSummary, Notification)> {
    batch::all_complete(batch, records, settings, now)
}

/// Builds the project's `all-complete` notification ("All 3 sessions done. 2 PRs merged,
/// 1 needs review.") when every session of the round (`records`: the project's live and
/// archived sessions created since the last summary) has reached a final state, however
/// it ended. `None` while any is still in progress (or the round is empty).
pub fn project_complete(
    project: &str,
    records: &[&SessionRecord],
    settings: &Settings,
    now: Timestamp,
) -> Option<(BatchSummary, Notification)> {
    batch::project_complete(project, records, settings, now)
}
