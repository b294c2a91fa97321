//! Configuration: the typed form of `agent-orchestrator.yaml` (DESIGN §8), its discovery
//! and loading (`load.rs`), `${VAR}` interpolation (`interpolate.rs`), error positions and
//! "did you mean" hints (`diagnose.rs`), semantic validation (`validate.rs`), durations
//! (`duration.rs`) and the effective per-project view that merges project overrides over
//! global settings.
//!
//! Field names follow the seed: camelCase keys (`dataDir`, `defaultBranch`), reaction names
//! in kebab-case, reaction fields in kebab-case or camelCase. Unknown keys are errors.
//! `tracker:` and `scm:` take a plugin name (`tracker: github`) or a mapping.

mod compat;
mod diagnose;
mod duration;
pub mod interpolate;
mod load;
pub mod permissions;
pub mod plugin_names;
pub mod registry;
pub mod resolved;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use diagnose::did_you_mean;
pub use duration::{Duration, EscalateAfter};
pub use load::{
    ConfigError, LoadedConfig, MAX_CONFIG_BYTES, Problem, ProblemKind, Warning, discover,
    is_secret_key, load, load_file, load_file_with_warnings, looks_like_token,
};
pub use resolved::Resolved;
pub use validate::{MERGE_METHODS, validate};

use crate::model::Priority;

/// The whole config file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Where session records, events, locks and caches live. Default `~/.agent-orchestrator`;
    /// `AO_DATA_DIR` overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Root for workspaces. Default `~/.worktrees`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_dir: Option<PathBuf>,
    /// Unused: ao runs no server. The loader removes a `port:` key (TypeScript
    /// orchestrator configs) with a migration warning before this is parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Global cap on live sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
    /// A ready agent counts as idle after this long. Default 2m. A `custom` agent without
    /// `patterns.ready` counts as ready once its screen has been quiet this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_threshold: Option<Duration>,
    /// A new session is not judged missing/exited during this period. Default 60s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawn_grace: Option<Duration>,
    /// Consecutive failed observations before a session is `killed`. Default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_after: Option<u32>,
    /// A session whose host (ssh runtime) stays unreachable this long is reported to the
    /// human, once. Default 10m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable_after: Option<Duration>,
    /// tmux socket name (`tmux -L`); `AO_TMUX_SOCKET` overrides. Default `ao`: ao's own
    /// tmux server. `default` uses the user's default tmux server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmux_socket: Option<String>,
    /// Default plugins.
    #[serde(default)]
    pub defaults: Defaults,
    /// Projects by id.
    #[serde(default)]
    pub projects: BTreeMap<String, ProjectConfig>,
    /// Named notifiers.
    #[serde(default)]
    pub notifiers: BTreeMap<String, NotifierConfig>,
    /// Notification routing.
    #[serde(default)]
    pub notifications: NotificationsConfig,
    /// Global reaction settings (merged over built-in defaults).
    #[serde(default)]
    pub reactions: Reactions,
    /// Static HTML dashboard.
    #[serde(default)]
    pub dashboard: DashboardConfig,
}

/// `defaults:` — plugins used when a project does not say.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Defaults {
    /// Runtime plugin (default `tmux`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Agent plugin (default `claude-code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Workspace plugin (default `worktree`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Terminal plugin (default `tmux-attach`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// Notifiers used when routing does not name any (default `[desktop]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifiers: Option<Vec<String>>,
}

/// One project.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectConfig {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `owner/name` on the SCM host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Local checkout (`~` expanded).
    pub path: PathBuf,
    /// Default branch (detected from git when absent, else `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    /// Prefix of session ids (default: the project id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_prefix: Option<String>,
    /// Agent plugin override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Runtime plugin override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Workspace plugin override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Cap on live sessions of this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
    /// Issue tracker: `tracker: github` or `tracker: {plugin: github, …}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<PluginConfig>,
    /// SCM: `scm: local` or `scm: {plugin: local, checks: […]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scm: Option<PluginConfig>,
    /// Files/dirs of the project symlinked into each workspace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symlinks: Vec<String>,
    /// Commands run (via `sh -c`, trusted config) in a new workspace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_create: Vec<String>,
    /// Agent settings.
    #[serde(default)]
    pub agent_config: AgentConfig,
    /// Runtime settings (the `ssh` runtime's hosts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_config: Option<RuntimeConfig>,
    /// Project's own instructions appended to every task prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Reaction overrides for this project.
    #[serde(default)]
    pub reactions: Reactions,
}

/// Plugin selection plus plugin options, for `tracker:` and `scm:`. Accepts the seed's
/// short form (`tracker: github`) as well as the mapping form.
// `remote = "Self"` makes the derives inherent functions; the trait impls below add the
// short form and delegate the mapping form (keeping `deny_unknown_fields` errors).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginConfig {
    /// Plugin name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// API base URL (GitHub REST base; GitHub Enterprise; tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Linear team id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// `plain` tracker: folder of issue files (default `<project path>/.ao/issues`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// `local` SCM: check commands run in the workspace for each new head commit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// Merge method for auto-merge: merge, squash, rebase (default squash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_method: Option<String>,
    /// Bot logins whose review comments are trusted (bugbot-comments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_bots: Vec<String>,
    /// Branch prefix (default `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_prefix: Option<String>,
    /// Free-form options for external `ao-<slot>-<name>` plugins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Value>,
    /// `gitlab` (tracker and SCM), `linear`, `jira`: the API token, written `${VAR}` and
    /// never printed (default: `GITLAB_TOKEN`, `LINEAR_API_KEY`, `JIRA_API_TOKEN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `jira` tracker: the site (`https://acme.atlassian.net`, or a Data Center URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// `jira` tracker: the account email for Cloud basic auth (without it the token is
    /// sent as a Data Center bearer PAT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `jira` tracker: JQL selecting the issues `ao batch-spawn --label` picks from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jql: Option<String>,
    /// `linear` tracker: move the workflow state when its PR opens and merges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_state: Option<bool>,
    /// `linear`/`jira` tracker: state (Linear) or transition (Jira) names to move the
    /// issue to when its PR opens and merges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transitions: Option<TrackerTransitions>,
}

/// `tracker.transitions`: where an issue goes when its PR opens and when it merges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackerTransitions {
    /// State or transition name when the PR opens (`In Review`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_opened: Option<String>,
    /// State or transition name when the PR merges (`Done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<String>,
}

impl Serialize for PluginConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PluginConfig::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for PluginConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PluginConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a plugin name (like `github`) or a mapping with `plugin:`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(PluginConfig {
                    plugin: Some(v.to_owned()),
                    ..PluginConfig::default()
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                m: A,
            ) -> Result<Self::Value, A::Error> {
                PluginConfig::deserialize(serde::de::value::MapAccessDeserializer::new(m))
            }
        }
        d.deserialize_any(V)
    }
}

/// `runtimeConfig:` — settings of the `ssh` runtime.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Hosts agents run on: `[user@]host[:port]`, or an alias of the ssh config.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Private key (`ssh -i`), `~` expanded; default: ssh's own choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<PathBuf>,
    /// ssh client config file (`ssh -F`), `~` expanded; default `~/.ssh/config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_config: Option<PathBuf>,
    /// Directory of the workspaces on each host (absolute, or `~/…` for the remote
    /// user's home); default `~/.ao/worktrees`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_dir: Option<String>,
}

/// `agentConfig:`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentConfig {
    /// Permission mode: `ask` (default), `skip` (dangerously skip), or an agent-specific mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    /// Model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `custom` agent: the command line (split with shell-word rules, no shell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Extra arguments appended to the agent's launch command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Extra environment for the agent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// `custom` agent: terminal patterns (regex-free substrings) per activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patterns: Option<AgentPatterns>,
    /// `custom` agent: true when the command takes a bracketed paste of several lines as
    /// one message. Default false: a multi-line message goes to a file in the workspace's
    /// `.ao/messages/` and the agent gets a one-line pointer, so no line is submitted
    /// early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paste_multiline: Option<bool>,
    /// Let the agent update itself. Default false: ao turns the agent's self-updater off
    /// (`DISABLE_AUTOUPDATER=1` for Claude Code, `check_for_update_on_startup=false` for
    /// Codex, `OPENCODE_DISABLE_AUTOUPDATE=1`, aider's `--no-check-update`), so a session
    /// never runs a global install of a new version in the middle of its work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_update: Option<bool>,
}

/// Terminal detection patterns for the `custom` agent: plain substrings matched against
/// the last lines of the pane.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentPatterns {
    /// Screen text meaning the agent is working.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub working: Vec<String>,
    /// Screen text meaning the agent finished its turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ready: Vec<String>,
    /// Screen text meaning the agent waits for the human.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting_input: Vec<String>,
    /// Screen text meaning the agent is blocked (errors, limits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<String>,
}

/// One named notifier. Keys not used by the chosen plugin are rejected at validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotifierConfig {
    /// Plugin: desktop, stdout, command, slack, discord, webhook, ntfy, email, or external.
    pub plugin: String,
    /// slack/discord/webhook: the webhook URL (secret; use `${VAR}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Generic URL (webhook plugin, ntfy server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Slack channel (informational for app webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// ntfy topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Access token (ntfy), secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// HMAC secret for the webhook plugin's signature header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Read a secret (webhook URL / token) from this file (must be mode 0600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    /// `command` plugin: program and arguments; the event JSON arrives on stdin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// email: recipient(s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// email: sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// email: collect `info` notifications into a digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<bool>,
    /// Free-form options for external `ao-notifier-<name>` plugins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Value>,
}

/// `notifications:`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Priority → notifier names.
    #[serde(default)]
    pub routing: Routing,
    /// Single notifications per notifier in one tick before the rest are sent as one
    /// grouped notification (an outage failing many sessions at once). Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_after: Option<u32>,
}

/// Routing table by priority.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// Urgent notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<Vec<String>>,
    /// Action notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    /// Warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<Vec<String>>,
    /// Info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Vec<String>>,
}

impl Routing {
    /// The configured route for `p`, if any.
    pub fn get(&self, p: Priority) -> Option<&Vec<String>> {
        match p {
            Priority::Urgent => self.urgent.as_ref(),
            Priority::Action => self.action.as_ref(),
            Priority::Warning => self.warning.as_ref(),
            Priority::Info => self.info.as_ref(),
        }
    }
}

/// `dashboard:`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardConfig {
    /// Regenerate the static dashboard on every tick.
    #[serde(default)]
    pub enabled: bool,
    /// Output file (default `<dataDir>/dashboard.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

/// What a reaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReactionAction {
    /// Send the message to the agent; escalate to the human per `retries`/`escalate-after`.
    SendToAgent,
    /// Notify the human.
    Notify,
    /// Merge the PR (approved-and-green only), pinned to the approved head.
    AutoMerge,
}

/// One reaction's settings. Every field is optional so project overrides merge field by
/// field over global settings, which merge over the built-in defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReactionConfig {
    /// Handle automatically (false: notify the human instead of acting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<bool>,
    /// Action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ReactionAction>,
    /// Message sent to the agent or human (specifics are appended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Sends to the agent before escalating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Escalate after this many attempts, or after this long.
    #[serde(
        default,
        alias = "escalateAfter",
        rename = "escalate-after",
        skip_serializing_if = "Option::is_none"
    )]
    pub escalate_after: Option<EscalateAfter>,
    /// Priority of the human notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Time threshold (agent-stuck, agent-idle-no-pr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Duration>,
    /// all-complete: include the merged / pending / failed summary.
    #[serde(
        default,
        alias = "includeSummary",
        rename = "include-summary",
        skip_serializing_if = "Option::is_none"
    )]
    pub include_summary: Option<bool>,
    /// auto-merge: merge method (merge, squash, rebase).
    #[serde(
        default,
        alias = "mergeMethod",
        rename = "merge-method",
        skip_serializing_if = "Option::is_none"
    )]
    pub merge_method: Option<String>,
}

impl ReactionConfig {
    /// `self` with every unset field taken from `base`.
    pub fn over(&self, base: &ReactionConfig) -> ReactionConfig {
        ReactionConfig {
            auto: self.auto.or(base.auto),
            action: self.action.or(base.action),
            message: self.message.clone().or_else(|| base.message.clone()),
            retries: self.retries.or(base.retries),
            escalate_after: self.escalate_after.or(base.escalate_after),
            priority: self.priority.or(base.priority),
            threshold: self.threshold.or(base.threshold),
            include_summary: self.include_summary.or(base.include_summary),
            merge_method: self
                .merge_method
                .clone()
                .or_else(|| base.merge_method.clone()),
        }
    }
}

/// All reactions, by the seed's names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reactions {
    /// CI failed on the PR head.
    #[serde(default, rename = "ci-failed", alias = "ciFailed")]
    pub ci_failed: Option<ReactionConfig>,
    /// A reviewer requested changes.
    #[serde(default, rename = "changes-requested", alias = "changesRequested")]
    pub changes_requested: Option<ReactionConfig>,
    /// Automated reviewers commented.
    #[serde(default, rename = "bugbot-comments", alias = "bugbotComments")]
    pub bugbot_comments: Option<ReactionConfig>,
    /// The PR conflicts with its base.
    #[serde(default, rename = "merge-conflicts", alias = "mergeConflicts")]
    pub merge_conflicts: Option<ReactionConfig>,
    /// Approved and CI green.
    #[serde(default, rename = "approved-and-green", alias = "approvedAndGreen")]
    pub approved_and_green: Option<ReactionConfig>,
    /// Agent idle/blocked past threshold.
    #[serde(default, rename = "agent-stuck", alias = "agentStuck")]
    pub agent_stuck: Option<ReactionConfig>,
    /// Agent waits for the human.
    #[serde(default, rename = "agent-needs-input", alias = "agentNeedsInput")]
    pub agent_needs_input: Option<ReactionConfig>,
    /// Agent process exited.
    #[serde(default, rename = "agent-exited", alias = "agentExited")]
    pub agent_exited: Option<ReactionConfig>,
    /// All sessions of a batch finished.
    #[serde(default, rename = "all-complete", alias = "allComplete")]
    pub all_complete: Option<ReactionConfig>,
    /// Agent working without a PR past threshold.
    #[serde(default, rename = "agent-idle-no-pr", alias = "agentIdleNoPr")]
    pub agent_idle_no_pr: Option<ReactionConfig>,
}

/// A reaction name, one of the seed's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReactionKind {
    /// `ci-failed`
    CiFailed,
    /// `changes-requested`
    ChangesRequested,
    /// `bugbot-comments`
    BugbotComments,
    /// `merge-conflicts`
    MergeConflicts,
    /// `approved-and-green`
    ApprovedAndGreen,
    /// `agent-stuck`
    AgentStuck,
    /// `agent-needs-input`
    AgentNeedsInput,
    /// `agent-exited`
    AgentExited,
    /// `all-complete`
    AllComplete,
    /// `agent-idle-no-pr`
    AgentIdleNoPr,
}

impl ReactionKind {
    /// Every reaction.
    pub const ALL: [ReactionKind; 10] = [
        Self::CiFailed,
        Self::ChangesRequested,
        Self::BugbotComments,
        Self::MergeConflicts,
        Self::ApprovedAndGreen,
        Self::AgentStuck,
        Self::AgentNeedsInput,
        Self::AgentExited,
        Self::AllComplete,
        Self::AgentIdleNoPr,
    ];

    /// The seed's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CiFailed => "ci-failed",
            Self::ChangesRequested => "changes-requested",
            Self::BugbotComments => "bugbot-comments",
            Self::MergeConflicts => "merge-conflicts",
            Self::ApprovedAndGreen => "approved-and-green",
            Self::AgentStuck => "agent-stuck",
            Self::AgentNeedsInput => "agent-needs-input",
            Self::AgentExited => "agent-exited",
            Self::AllComplete => "all-complete",
            Self::AgentIdleNoPr => "agent-idle-no-pr",
        }
    }

    /// The built-in defaults (the seed's "Reactions" block).
    pub fn builtin(self) -> ReactionConfig {
        use ReactionAction::{Notify, SendToAgent};
        let d = |auto, action, message: &str, retries, esc: Option<EscalateAfter>, prio, thr| {
            ReactionConfig {
                auto,
                action: Some(action),
                message: Some(message.to_owned()),
                retries,
                escalate_after: esc,
                priority: Some(prio),
                threshold: thr,
                include_summary: None,
                merge_method: None,
            }
        };
        let mins = |m: i64| Duration::from_secs(m * 60);
        match self {
            Self::CiFailed => d(
                Some(true),
                SendToAgent,
                "CI is failing. Run `gh pr checks` to see failures, fix them, and push.",
                Some(2),
                Some(EscalateAfter::Attempts(2)),
                Priority::Warning,
                None,
            ),
            Self::ChangesRequested => d(
                Some(true),
                SendToAgent,
                "Review comments on your PR. Check with `gh pr view --comments` and address each one.",
                None,
                Some(EscalateAfter::After(mins(30))),
                Priority::Warning,
                None,
            ),
            Self::BugbotComments => d(
                Some(true),
                SendToAgent,
                "Automated review comments found. Fix the issues flagged by the bot.",
                None,
                Some(EscalateAfter::After(mins(30))),
                Priority::Warning,
                None,
            ),
            Self::MergeConflicts => d(
                Some(true),
                SendToAgent,
                "Your branch has merge conflicts. Rebase on the default branch and resolve them.",
                None,
                Some(EscalateAfter::After(mins(15))),
                Priority::Warning,
                None,
            ),
            Self::ApprovedAndGreen => d(
                Some(false),
                Notify,
                "PR is ready to merge",
                None,
                None,
                Priority::Action,
                None,
            ),
            Self::AgentStuck => d(
                None,
                Notify,
                "Agent appears stuck",
                None,
                None,
                Priority::Urgent,
                Some(mins(10)),
            ),
            Self::AgentNeedsInput => d(
                None,
                Notify,
                "Agent needs your input",
                None,
                None,
                Priority::Urgent,
                None,
            ),
            Self::AgentExited => d(
                None,
                Notify,
                "Agent exited",
                None,
                None,
                Priority::Urgent,
                None,
            ),
            Self::AllComplete => ReactionConfig {
                include_summary: Some(true),
                ..d(
                    None,
                    Notify,
                    "All sessions complete",
                    None,
                    None,
                    Priority::Info,
                    None,
                )
            },
            Self::AgentIdleNoPr => d(
                None,
                Notify,
                "Agent has been working without creating a PR",
                None,
                None,
                Priority::Warning,
                Some(mins(30)),
            ),
        }
    }
}

impl Reactions {
    /// The configured override for `kind`, if any.
    pub fn get(&self, kind: ReactionKind) -> Option<&ReactionConfig> {
        match kind {
            ReactionKind::CiFailed => self.ci_failed.as_ref(),
            ReactionKind::ChangesRequested => self.changes_requested.as_ref(),
            ReactionKind::BugbotComments => self.bugbot_comments.as_ref(),
            ReactionKind::MergeConflicts => self.merge_conflicts.as_ref(),
            ReactionKind::ApprovedAndGreen => self.approved_and_green.as_ref(),
            ReactionKind::AgentStuck => self.agent_stuck.as_ref(),
            ReactionKind::AgentNeedsInput => self.agent_needs_input.as_ref(),
            ReactionKind::AgentExited => self.agent_exited.as_ref(),
            ReactionKind::AllComplete => self.all_complete.as_ref(),
            ReactionKind::AgentIdleNoPr => self.agent_idle_no_pr.as_ref(),
        }
    }
}

/// Built-in default plugin names.
pub mod plugin_defaults {
    /// Default runtime.
    pub const RUNTIME: &str = "tmux";
    /// Default agent.
    pub const AGENT: &str = "claude-code";
    /// Default workspace.
    pub const WORKSPACE: &str = "worktree";
    /// Default tracker.
    pub const TRACKER: &str = "github";
    /// Default SCM.
    pub const SCM: &str = "github";
    /// Default terminal.
    pub const TERMINAL: &str = "tmux-attach";
    /// Default notifier.
    pub const NOTIFIER: &str = "desktop";
}

/// Built-in values of the top-level settings, used when the config leaves them out.
pub mod setting_defaults {
    use super::Duration;

    /// Data dir (`dataDir`), `~` expanded at use.
    pub const DATA_DIR: &str = "~/.agent-orchestrator";
    /// Workspace root (`worktreeDir`), `~` expanded at use.
    pub const WORKTREE_DIR: &str = "~/.worktrees";
    /// `readyThreshold`.
    pub const READY_THRESHOLD: Duration = Duration::from_secs(120);
    /// `spawnGrace`.
    pub const SPAWN_GRACE: Duration = Duration::from_secs(60);
    /// `missingAfter`.
    pub const MISSING_AFTER: u32 = 3;
    /// `unreachableAfter`.
    pub const UNREACHABLE_AFTER: Duration = Duration::from_secs(600);
}

/// What secrets are replaced with in output.
pub const REDACTED: &str = "<redacted>";

/// `s` with token-shaped words replaced by [`REDACTED`] (a secret webhook URL entirely).
pub fn redact_str(s: &str) -> String {
    if !looks_like_token(s) {
        return s.to_owned();
    }
    let words: Vec<String> = s
        .split(' ')
        .map(|w| {
            if looks_like_token(w) {
                REDACTED.to_owned()
            } else {
                w.to_owned()
            }
        })
        .collect();
    let out = words.join(" ");
    // A secret that is not word-shaped (inside quotes, after `=`): drop the whole value.
    if looks_like_token(&out) {
        REDACTED.to_owned()
    } else {
        out
    }
}

/// A JSON option tree with secret-named keys and token-shaped strings redacted.
fn redact_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        J::String(REDACTED.to_owned())
                    } else {
                        redact_json(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        J::Array(a) => J::Array(a.iter().map(redact_json).collect()),
        J::String(s) => J::String(redact_str(s)),
        other => other.clone(),
    }
}

impl Config {
    /// `readyThreshold` or its default.
    pub fn ready_threshold(&self) -> Duration {
        self.ready_threshold
            .unwrap_or(setting_defaults::READY_THRESHOLD)
    }

    /// `spawnGrace` or its default.
    pub fn spawn_grace(&self) -> Duration {
        self.spawn_grace.unwrap_or(setting_defaults::SPAWN_GRACE)
    }

    /// `unreachableAfter` or its default.
    pub fn unreachable_after(&self) -> Duration {
        self.unreachable_after
            .unwrap_or(setting_defaults::UNREACHABLE_AFTER)
    }

    /// `missingAfter` or its default.
    pub fn missing_after(&self) -> u32 {
        self.missing_after
            .unwrap_or(setting_defaults::MISSING_AFTER)
    }

    /// A copy safe to print: notifier webhooks, tokens and secrets (and the URL of
    /// slack/discord/webhook notifiers) become [`REDACTED`], as do secret-named agent
    /// environment variables, secret-named plugin options and token-shaped words anywhere
    /// in commands.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        let hide = |v: &mut Option<String>| {
            if v.is_some() {
                *v = Some(REDACTED.to_owned());
            }
        };
        for n in c.notifiers.values_mut() {
            hide(&mut n.webhook);
            hide(&mut n.token);
            hide(&mut n.secret);
            if load::SECRET_URL_PLUGINS.contains(&n.plugin.as_str()) {
                hide(&mut n.url);
            } else if let Some(u) = &n.url {
                n.url = Some(redact_str(u));
            }
            n.command = n.command.iter().map(|a| redact_str(a)).collect();
            n.options = n.options.as_ref().map(redact_json);
        }
        for p in c.projects.values_mut() {
            let a = &mut p.agent_config;
            for (k, v) in &mut a.env {
                if is_secret_key(k) || looks_like_token(v) {
                    *v = REDACTED.to_owned();
                }
            }
            a.args = a.args.iter().map(|s| redact_str(s)).collect();
            a.command = a.command.as_deref().map(redact_str);
            p.post_create = p.post_create.iter().map(|s| redact_str(s)).collect();
            for pc in [&mut p.tracker, &mut p.scm].into_iter().flatten() {
                hide(&mut pc.token);
                pc.options = pc.options.as_ref().map(redact_json);
                if pc.token.is_some() {
                    pc.token = Some(REDACTED.to_owned());
                }
                pc.checks = pc.checks.iter().map(|s| redact_str(s)).collect();
            }
        }
        c
    }

    /// The effective reaction settings for `kind` in `project`: project override over
    /// global over built-in.
    pub fn reaction(&self, project: Option<&ProjectConfig>, kind: ReactionKind) -> ReactionConfig {
        let builtin = kind.builtin();
        let global = self
            .reactions
            .get(kind)
            .map_or(builtin.clone(), |g| g.over(&builtin));
        match project.and_then(|p| p.reactions.get(kind)) {
            Some(p) => p.over(&global),
            None => global,
        }
    }

    /// The project with id `id`, or an error listing the configured ones.
    pub fn project(&self, id: &str) -> Result<&ProjectConfig, ConfigError> {
        self.projects
            .get(id)
            .ok_or_else(|| ConfigError::UnknownProject {
                name: id.to_owned(),
                available: self.projects.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }
}

impl ProjectConfig {
    /// Agent plugin name for this project.
    pub fn agent_name<'a>(&'a self, cfg: &'a Config) -> &'a str {
        self.agent
            .as_deref()
            .or(cfg.defaults.agent.as_deref())
            .unwrap_or(plugin_defaults::AGENT)
    }
    /// Runtime plugin name for this project.
    pub fn runtime_name<'a>(&'a self, cfg: &'a Config) -> &'a str {
        self.runtime
            .as_deref()
            .or(cfg.defaults.runtime.as_deref())
            .unwrap_or(plugin_defaults::RUNTIME)
    }
    /// Workspace plugin name for this project.
    pub fn workspace_name<'a>(&'a self, cfg: &'a Config) -> &'a str {
        self.workspace
            .as_deref()
            .or(cfg.defaults.workspace.as_deref())
            .unwrap_or(plugin_defaults::WORKSPACE)
    }
    /// Tracker plugin name.
    pub fn tracker_name(&self) -> &str {
        self.tracker
            .as_ref()
            .and_then(|t| t.plugin.as_deref())
            .unwrap_or(plugin_defaults::TRACKER)
    }
    /// SCM plugin name.
    pub fn scm_name(&self) -> &str {
        self.scm
            .as_ref()
            .and_then(|t| t.plugin.as_deref())
            .unwrap_or(plugin_defaults::SCM)
    }
    /// Session id prefix (defaults to the project id).
    pub fn prefix<'a>(&'a self, id: &'a str) -> &'a str {
        self.session_prefix.as_deref().unwrap_or(id)
    }
    /// Default branch, as configured (callers fall back to git detection, then `main`).
    pub fn default_branch(&self) -> &str {
        self.default_branch.as_deref().unwrap_or("main")
    }
}

/// Expands a leading `~/` to `$HOME`.
pub fn expand_tilde(p: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => p.to_path_buf(),
        },
        Err(_) => p.to_path_buf(),
    }
}
