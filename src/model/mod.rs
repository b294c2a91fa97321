//! The session model shared by every layer: the persisted session record, the facts the
//! tick observes, the derived status, and the small value types (ids, priorities) that
//! reach paths, branches and tmux targets only after validation.
//!
//! Invariants: a `SessionId` always matches `[a-z0-9][a-z0-9-]{0,62}`; every fact carries
//! the time it was observed; the record is the single source of truth for what the next
//! tick must know (reaction ledger, sent notifications, probe failures, capture cache).
//!
//! The value types that cross layers live here too, so the lifecycle core needs neither
//! the plugins nor the store: [`Notification`], [`Event`] and the action outcomes.

pub mod event;
pub mod notification;
pub mod outcome;

pub use event::{Event, EventKind};
pub use notification::Notification;
pub use outcome::MergeOutcome;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Version of the on-disk session record format. Readers refuse any other version.
pub const RECORD_VERSION: u32 = 1;

/// A validated session id: `<sessionPrefix>-<n>` from `[a-z0-9-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

/// Why a string was refused as an id, name or slug.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {what} `{value}`: {why}")]
pub struct InvalidName {
    /// What was being validated ("session id", "project id", "branch name").
    pub what: &'static str,
    /// The refused value, with control characters escaped.
    pub value: String,
    /// What is allowed.
    pub why: &'static str,
}

impl SessionId {
    /// Validates `s` against the session-id allow-list.
    pub fn parse(s: &str) -> Result<Self, InvalidName> {
        validate_name(s, "session id")?;
        Ok(Self(s.to_owned()))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SessionId {
    type Error = InvalidName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> Self {
        id.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a name that may reach a path, a tmux target or a branch: 1–63 characters
/// of `[a-z0-9-]`, starting with a letter or digit. Used for session ids, project ids and
/// session prefixes.
pub fn validate_name(s: &str, what: &'static str) -> Result<(), InvalidName> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.as_bytes()[0] != b'-';
    if ok {
        Ok(())
    } else {
        Err(InvalidName {
            what,
            value: s.escape_default().to_string(),
            why: "use 1-63 characters of a-z, 0-9 and '-', not starting with '-'",
        })
    }
}

/// Turns untrusted text (an issue title) into a branch-safe slug of `[a-z0-9-]`, at most
/// `max` bytes, never empty (falls back to "task").
pub fn slugify(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "task".to_owned()
    } else {
        out
    }
}

/// Validates a git branch name ao will create or check out: `[a-z0-9-/._]`, no `..`, no
/// leading `-` or `/`, no trailing `/` or `.lock`, at most 200 bytes. Stricter than
/// `git check-ref-format`, on purpose.
pub fn validate_branch(b: &str) -> Result<(), InvalidName> {
    let bad = |why| {
        Err(InvalidName {
            what: "branch name",
            value: b.escape_default().to_string(),
            why,
        })
    };
    if b.is_empty() || b.len() > 200 {
        return bad("must be 1-200 characters");
    }
    if !b.bytes().all(|c| {
        c.is_ascii_lowercase()
            || c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || b"-/._".contains(&c)
    }) {
        return bad("use only letters, digits, '-', '/', '.' and '_'");
    }
    if b.starts_with(['-', '/', '.']) || b.ends_with(['/', '.']) || b.ends_with(".lock") {
        return bad("must not start with '-', '/' or '.', nor end with '/', '.' or '.lock'");
    }
    if b.contains("..") || b.contains("//") || b.contains("/.") {
        return bad("must not contain '..', '//' or '/.'");
    }
    Ok(())
}

/// Notification priority, in decreasing urgency. Config also accepts `high`/`critical`
/// (urgent), `medium` (warning) and `low` (info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Needs the human now: needs input, crashed, errored.
    #[serde(alias = "high", alias = "critical")]
    Urgent,
    /// A decision is ready: PR ready to merge.
    Action,
    /// Auto-handling failed or an agent idles too long.
    #[serde(alias = "medium", alias = "warn")]
    Warning,
    /// Summaries.
    #[serde(alias = "low")]
    Info,
}

impl Priority {
    /// All priorities, most urgent first.
    pub const ALL: [Priority; 4] = [Self::Urgent, Self::Action, Self::Warning, Self::Info];

    /// The lower-case name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Action => "action",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status shown to people, derived from the facts by `lifecycle::derive_status`.
/// These are the seed's statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Created; the agent has not been seen running yet (grace period).
    Spawning,
    /// The agent is working and has no PR yet.
    Working,
    /// A PR exists; CI pending or no review yet.
    PrOpen,
    /// CI is failing on the PR head.
    CiFailed,
    /// CI passes and a review is required but not given.
    ReviewPending,
    /// A reviewer requested changes.
    ChangesRequested,
    /// Approved, but not yet mergeable (CI pending or conflicts).
    Approved,
    /// Approved, CI green, no conflicts.
    Mergeable,
    /// The PR was merged.
    Merged,
    /// Merged or closed and being cleaned up.
    Cleanup,
    /// The agent waits for the human (permission prompt, question, trust dialog).
    NeedsInput,
    /// The agent has been idle or blocked past its threshold.
    Stuck,
    /// The agent crashed / exited, or ao could not operate on the session.
    Errored,
    /// The runtime is gone (confirmed over consecutive observations).
    Killed,
    /// Finished: archived after merge, or PR closed.
    Done,
}

impl Status {
    /// The snake_case name used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spawning => "spawning",
            Self::Working => "working",
            Self::PrOpen => "pr_open",
            Self::CiFailed => "ci_failed",
            Self::ReviewPending => "review_pending",
            Self::ChangesRequested => "changes_requested",
            Self::Approved => "approved",
            Self::Mergeable => "mergeable",
            Self::Merged => "merged",
            Self::Cleanup => "cleanup",
            Self::NeedsInput => "needs_input",
            Self::Stuck => "stuck",
            Self::Errored => "errored",
            Self::Killed => "killed",
            Self::Done => "done",
        }
    }

    /// True when the session has ended and only cleanup/archival remains.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Merged | Self::Cleanup | Self::Killed | Self::Done
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The attention zone a session falls in (DESIGN §9, the seed's dashboard zones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attention {
    /// Red: needs input, errored, exited.
    Urgent,
    /// Orange: ready to merge.
    Action,
    /// Yellow: stuck, auto-fix failed.
    Warning,
    /// Green: working normally.
    Working,
    /// Grey: merged, done, killed.
    Done,
}

impl Attention {
    /// Lower-case name for JSON and display.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Action => "action",
            Self::Warning => "warning",
            Self::Working => "working",
            Self::Done => "done",
        }
    }
}

/// Runtime liveness as last observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeState {
    /// The runtime (tmux pane / process) is up and the agent process runs in it.
    Alive,
    /// The runtime is up but the agent process has gone (restorable).
    Exited,
    /// The runtime could not be found.
    Missing,
    /// The probe itself failed (tmux server error, etc.); says nothing about the session.
    ProbeFailed,
    /// The runtime's host could not be reached (ssh runtime); says nothing about the agent.
    Unreachable,
}

/// What the agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Mid-turn.
    Working,
    /// Finished its turn, waiting for the next message.
    Ready,
    /// Ready for longer than `readyThreshold`.
    Idle,
    /// Waiting for the human: permission prompt, question, trust dialog, login.
    WaitingInput,
    /// Cannot continue on its own: error screen, usage limit.
    Blocked,
    /// The agent process is gone.
    Exited,
}

impl Activity {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::Ready => "ready",
            Self::Idle => "idle",
            Self::WaitingInput => "waiting_input",
            Self::Blocked => "blocked",
            Self::Exited => "exited",
        }
    }

    /// True when a message may be delivered now (turn finished, no dialog open).
    pub fn accepts_messages(self) -> bool {
        matches!(self, Self::Ready | Self::Idle)
    }
}

/// Where an activity observation came from, in decreasing trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySource {
    /// A push signal from the agent's own hook (`ao hook`).
    Hook,
    /// The agent's transcript file.
    Transcript,
    /// Patterns on the captured terminal.
    Terminal,
    /// Process liveness only.
    Process,
}

/// An activity observation with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFact {
    /// The activity.
    pub state: Activity,
    /// Which source decided it.
    pub source: ActivitySource,
    /// Short evidence: the matched screen text, the transcript line type, the hook event.
    #[serde(default)]
    pub evidence: String,
    /// For `Blocked` by a usage limit: when the limit resets, as the agent printed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets: Option<String>,
    /// When this state was first observed (unchanged since).
    pub since: Timestamp,
    /// When it was last confirmed.
    pub observed_at: Timestamp,
}

/// State of a pull request (or of a `local` SCM branch treated as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    /// Open (drafts included; see `PrFacts::draft`).
    Open,
    /// Merged.
    Merged,
    /// Closed without merging.
    Closed,
}

/// Summary of CI on the PR head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiState {
    /// All required checks passed (or there are none).
    Passing,
    /// At least one check failed.
    Failing,
    /// Checks still running or not reported yet.
    Pending,
    /// No checks are configured at all.
    None,
}

/// Review decision on the PR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Approved by a reviewer.
    Approved,
    /// A reviewer requested changes.
    ChangesRequested,
    /// A review is required and missing.
    ReviewRequired,
    /// No review is required by the repository.
    NotRequired,
}

/// Whether the PR merges cleanly into its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mergeability {
    /// Merges cleanly.
    Clean,
    /// Has conflicts.
    Conflicting,
    /// Not known yet (GitHub still computing); re-polled.
    Unknown,
}

/// One failing CI check, with a bounded excerpt of its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailingCheck {
    /// Check name as the SCM shows it.
    pub name: String,
    /// Link to the check run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Bounded excerpt of the failing output (control bytes stripped).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
}

/// One review comment to forward to the agent (already filtered to trusted authors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewComment {
    /// Stable id (SCM comment id), used in the reaction fingerprint.
    pub id: String,
    /// Author login.
    pub author: String,
    /// File path, when the comment is on a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Line number, when the comment is on a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Comment body (untrusted text; fenced when forwarded).
    pub body: String,
    /// Link to the comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// True when the author is an automated reviewer (bugbot, linters).
    #[serde(default)]
    pub bot: bool,
}

/// Everything known about a session's PR, as last observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrFacts {
    /// PR number (for `local` SCM: 0).
    pub number: u64,
    /// Link to the PR (for `local`: empty).
    #[serde(default)]
    pub url: String,
    /// Head commit sha.
    pub head_sha: String,
    /// Base branch tip sha, when known (used in the merge-conflicts fingerprint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_sha: Option<String>,
    /// Open, merged or closed.
    pub state: PrState,
    /// Draft PR.
    #[serde(default)]
    pub draft: bool,
    /// CI summary.
    pub ci: CiState,
    /// Failing checks, when `ci == Failing`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing_checks: Vec<FailingCheck>,
    /// Review decision.
    pub review: ReviewDecision,
    /// Unresolved comments from trusted human reviewers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<ReviewComment>,
    /// Unresolved comments from automated reviewers (bugbot-comments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bot_comments: Vec<ReviewComment>,
    /// Mergeability.
    pub mergeable: Mergeability,
    /// Files in conflict, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflict_files: Vec<String>,
    /// When these facts were observed.
    pub observed_at: Timestamp,
}

/// How the runtime was started; enough to find, probe, attach to and destroy it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeHandle {
    /// Runtime plugin name (`tmux`, `process`).
    pub plugin: String,
    /// Runtime-specific target: the tmux session name, or the process id as text.
    pub target: String,
    /// Process id of the agent (process runtime) or of the pane (tmux), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Process start time (clock ticks since boot, from /proc) to defeat pid reuse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
    /// Log file with the agent's output (process runtime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
    /// Where on a remote host the runtime lives (`ssh` runtime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteHandle>,
}

/// The remote half of an `ssh` runtime handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteHandle {
    /// The host as configured (`[user@]host[:port]`).
    pub host: String,
    /// Absolute path of the session's workspace on the host.
    pub workspace: String,
}

/// One reaction instance's ledger entry, persisted per reaction key (DESIGN §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionLedger {
    /// Reaction name (`ci-failed`, ...).
    pub reaction: String,
    /// Subject fingerprint, e.g. `<head sha>:<failing checks>`.
    pub fingerprint: String,
    /// Messages actually sent to the agent for this key.
    pub attempts: u32,
    /// When the condition was first seen for this key.
    pub first_seen: Timestamp,
    /// When the last attempt was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<Timestamp>,
    /// Outcome of the last attempt (`delivered`, `unconfirmed`, `failed: ...`, `pending`).
    #[serde(default)]
    pub last_outcome: String,
    /// Set once the human has been notified about this key.
    #[serde(default)]
    pub escalated: bool,
    /// Consecutive ticks on which the condition was seen resolved (cleared after 2).
    #[serde(default)]
    pub resolved_ticks: u32,
    /// The PR head sha when the last message was sent (to tell whether the agent pushed
    /// since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_head: Option<String>,
    /// Since when a message for this key waits undelivered (the agent did not accept
    /// messages, the screen showed a dialog, or the agent never took it). Cleared once a
    /// message is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_since: Option<Timestamp>,
    /// Why it waits, in words (what was on screen), for the escalation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_why: Option<String>,
    /// Sends of this key the agent never took (pasted, but not in its record), in a row.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undelivered: u32,
}

/// For `skip_serializing_if` (which passes a reference).
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What happened to one message for an agent (`ao send`, a reaction), per DESIGN §7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The agent's own record shows the message: a hook call, its transcript or rollout,
    /// its input history or its storage.
    Delivered,
    /// Submitted (the text left the input line), but the agent keeps no record ao reads
    /// (a custom agent whose patterns do not confirm), or the message waits queued on
    /// screen and its record does not show it yet.
    Unconfirmed,
    /// Pasted and submitted, but the agent never took it: neither its record nor its
    /// screen shows the message (for example typed before the agent was ready). The
    /// reason says what was seen.
    Undelivered(String),
    /// Not sent at all: the screen showed a dialog, a sign-in or limit screen, the agent
    /// was not ready, or its pane was dead or gone. The reason names what was on screen.
    Refused(String),
}

impl Delivery {
    /// `delivered`, `unconfirmed`, `undelivered` or `refused`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Unconfirmed => "unconfirmed",
            Delivery::Undelivered(_) => "undelivered",
            Delivery::Refused(_) => "refused",
        }
    }

    /// Why it was not delivered (undelivered, refused).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Delivery::Undelivered(r) | Delivery::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// True when the agent took the message or it left the input line.
    pub fn sent(&self) -> bool {
        matches!(self, Delivery::Delivered | Delivery::Unconfirmed)
    }
}

/// A human notification's delivery state, persisted per notification key and notifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationLedger {
    /// When the notification was first due.
    pub due: Timestamp,
    /// Notifier name → when it confirmed delivery.
    #[serde(default)]
    pub sent: BTreeMap<String, Timestamp>,
    /// Notifier name → (failed attempts, last error) for retries with backoff.
    #[serde(default)]
    pub failures: BTreeMap<String, DeliveryFailure>,
    /// The notification itself, kept so a retry sends the same text.
    pub notification: Notification,
}

/// A failed delivery to one notifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    /// Failed attempts so far.
    pub attempts: u32,
    /// Last error text (secrets redacted).
    pub error: String,
    /// Do not retry before this time.
    pub retry_after: Timestamp,
}

/// The last hook signal pushed by the agent (`ao hook`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookSignal {
    /// Hook event name as the agent reported it (`Stop`, `Notification`, ...).
    pub event: String,
    /// What it means.
    pub activity: Activity,
    /// Human-readable detail (e.g. the permission being asked for).
    #[serde(default)]
    pub detail: String,
    /// When it was received.
    pub at: Timestamp,
}

/// Cache of the last terminal classification, so an unchanged pane is not re-captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureCache {
    /// tmux `window_activity` (epoch seconds) at capture time.
    pub activity_time: i64,
    /// When the capture was taken (epoch seconds). The cache is reused only when the pane
    /// has not changed since and the capture was taken after that second ended
    /// (`window_activity` has one-second resolution).
    #[serde(default)]
    pub captured_at: i64,
    /// Classification result, if the screen matched anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
    /// Evidence text.
    #[serde(default)]
    pub evidence: String,
    /// Usage-limit reset time, when the screen showed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets: Option<String>,
    /// The screen showed the agent failing to reach its model API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrying: bool,
}

/// A cost estimate summed from the agent's own usage records.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_write_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Estimated US dollars at list prices (an estimate: prices change, plans differ).
    pub usd: f64,
    /// The model of the last usage record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl CostEstimate {
    /// All tokens counted: input, output and both cache kinds.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_write_tokens)
            .saturating_add(self.cache_read_tokens)
    }

    /// `12.3k tokens ~$0.42`, for status lines and summaries.
    pub fn short(&self) -> String {
        format!(
            "{} tokens ~${:.2}",
            human_count(self.total_tokens()),
            self.usd
        )
    }
}

/// `950`, `12.3k`, `4.1M`.
pub fn human_count(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", f / 1e3),
        _ => format!("{:.1}M", f / 1e6),
    }
}

/// The persisted session record: `projects/<project>/sessions/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// Format version; must equal `RECORD_VERSION`.
    pub version: u32,
    /// Session id.
    pub id: SessionId,
    /// Project id (key under `projects:` in config).
    pub project: String,
    /// Tracker issue identifier, if spawned for an issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Issue title, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_title: Option<String>,
    /// Branch the agent works on.
    pub branch: String,
    /// Workspace directory.
    pub workspace: PathBuf,
    /// Workspace plugin that created it.
    pub workspace_plugin: String,
    /// Agent plugin name.
    pub agent: String,
    /// Agent-side session id (Claude `--session-id`, Codex thread id), for resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session_id: Option<String>,
    /// Runtime handle; `None` while spawning before the runtime started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeHandle>,
    /// File holding the task prompt (`AO_PROMPT_FILE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_file: Option<PathBuf>,
    /// When the session was created.
    pub created_at: Timestamp,
    /// Derived status.
    pub status: Status,
    /// When the status last changed.
    pub status_since: Timestamp,
    /// Runtime liveness as last observed, with its time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_state: Option<RuntimeState>,
    /// When `runtime_state` was observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_observed_at: Option<Timestamp>,
    /// Consecutive ticks on which the runtime was observed missing.
    #[serde(default)]
    pub missing_count: u32,
    /// Agent activity as last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<ActivityFact>,
    /// PR facts as last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<PrFacts>,
    /// Last hook signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookSignal>,
    /// Terminal capture cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureCache>,
    /// Reaction ledger, keyed by reaction key (`ci-failed:<sha>:<checks>`).
    #[serde(default)]
    pub reactions: BTreeMap<String, ReactionLedger>,
    /// Notification ledger, keyed by notification key.
    #[serde(default)]
    pub notifications: BTreeMap<String, NotificationLedger>,
    /// Last error ao hit operating this session (shown by status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Batch this session was spawned in (for `all-complete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Tokens and estimated cost so far, from the agent's transcript or rollout (Claude
    /// Code, Codex); written by the tick when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostEstimate>,
    /// Plugin-specific values (e.g. the local SCM's check run state).
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl SessionRecord {
    /// The attention zone (DESIGN §9): urgent (needs input, errored, exited), action
    /// (ready to merge), warning (stuck, an escalated auto-fix), working, done.
    pub fn attention(&self) -> Attention {
        let escalated = self.reactions.values().any(|l| l.escalated);
        match self.status {
            Status::NeedsInput | Status::Errored => Attention::Urgent,
            Status::Mergeable => Attention::Action,
            Status::Stuck => Attention::Warning,
            Status::Merged | Status::Cleanup | Status::Done | Status::Killed => Attention::Done,
            _ if escalated => Attention::Warning,
            _ => Attention::Working,
        }
    }
}

/// The command that attaches to a session, for messages and notifications (the
/// lifecycle's `attach_template` is this with `{session}` for the id).
pub fn attach_hint(id: &str) -> String {
    format!("ao open {id}")
}

/// A stable 16-hex-digit hash (FNV-1a 64) of `s`, for dedupe keys. Not cryptographic.
pub fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}
