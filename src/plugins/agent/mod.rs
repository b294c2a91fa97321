//! Agent slot: the AI coding tool. An agent says how to launch and resume itself, which
//! process names mean it is running, how to read its screen, transcript and hook calls.
//! Detection order (DESIGN §4): fresh hook signal → transcript → terminal → process.
//!
//! Built-ins: `claude-code` (default), `codex`, `aider`, `goose`, `opencode`,
//! `claude-headless` (for the process runtime) and `custom` (any command from config).
//! Every launch passes the task prompt on the command line (an argv element, never seen by
//! a shell), so start-up screens (trust dialogs, API-key questions) cannot swallow it.

mod aider;
mod claude_code;
mod claude_headless;
mod codex;
#[cfg(test)]
mod confirm_tests;
mod custom;
pub mod detect;
pub mod external;
mod goose;
mod opencode;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

pub use aider::Aider;
pub use claude_code::ClaudeCode;
pub use claude_headless::ClaudeHeadless;
pub use codex::Codex;
pub use custom::Custom;
pub use goose::Goose;
pub use opencode::OpenCode;

/// File in the session directory where the `UserPromptSubmit` hook logs the prompts
/// Claude Code took (one JSON object a line: `at`, `prompt`), read to confirm delivery.
pub const PROMPT_LOG: &str = "prompts.jsonl";

use super::{PluginEnv, PluginError};
use crate::config::AgentConfig;
pub use crate::model::CostEstimate;
use crate::model::{Activity, ActivityFact};

/// Built-in agent names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::AGENT as BUILTIN;

/// What an agent needs to know to launch or resume.
#[derive(Debug, Clone)]
pub struct AgentContext<'a> {
    /// ao session id.
    pub session: &'a str,
    /// Project id.
    pub project: &'a str,
    /// Workspace directory (cwd of the agent).
    pub workspace: &'a Path,
    /// File holding the task prompt.
    pub prompt_file: &'a Path,
    /// Per-session directory in the data dir for agent files (settings, hooks).
    pub session_dir: &'a Path,
    /// Agent-side session id from an earlier launch (resume).
    pub agent_session_id: Option<&'a str>,
    /// Agent settings from config.
    pub config: &'a AgentConfig,
    /// Path of the running `ao` binary, for hook commands.
    pub ao_bin: &'a Path,
    /// The command's one clock reading (stamps what the agent's records show).
    pub now: jiff::Timestamp,
}

impl AgentContext<'_> {
    /// The task prompt (contents of `prompt_file`), trailing whitespace removed.
    pub fn prompt(&self) -> Result<String, PluginError> {
        std::fs::read_to_string(self.prompt_file)
            .map(|s| s.trim_end().to_owned())
            .map_err(|e| {
                PluginError::Other(anyhow::anyhow!(
                    "cannot read the task prompt {}: {e}",
                    self.prompt_file.display()
                ))
            })
    }

    /// An optional system prompt: `<session_dir>/system-prompt.md` when it exists.
    pub fn system_prompt(&self) -> Option<String> {
        std::fs::read_to_string(self.session_dir.join(SYSTEM_PROMPT_FILE))
            .ok()
            .map(|s| s.trim_end().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// `<ao_bin> hook <agent> <event>` as an argument vector.
    pub fn hook_argv(&self, agent: &str, event: &str) -> Vec<String> {
        vec![
            self.ao_bin.display().to_string(),
            "hook".to_owned(),
            agent.to_owned(),
            event.to_owned(),
        ]
    }

    /// The same hook call as one shell command line (for agents that run hook commands
    /// through a shell: Claude Code settings, aider's `--notifications-command`). The
    /// session id is set inline so the hook works even where the agent scrubs its
    /// environment; every word is quoted.
    pub fn hook_command(&self, agent: &str, event: &str) -> String {
        let quoted: Vec<String> = self
            .hook_argv(agent, event)
            .iter()
            .map(|w| {
                shlex::try_quote(w).map_or_else(|_| format!("'{w}'"), std::borrow::Cow::into_owned)
            })
            .collect();
        // The assignment must stay unquoted to be one; a session id is `[a-z0-9-]` only.
        match crate::model::validate_name(self.session, "session id") {
            Ok(()) => format!("AO_SESSION={} {}", self.session, quoted.join(" ")),
            Err(_) => quoted.join(" "),
        }
    }
}

/// File name of the optional system prompt in the session directory.
pub const SYSTEM_PROMPT_FILE: &str = "system-prompt.md";

/// How to start the agent.
#[derive(Debug, Clone, Default)]
pub struct LaunchPlan {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Environment for the agent (in addition to the `AO_*` variables).
    pub env: BTreeMap<String, String>,
    /// Agent-side session id to record (e.g. Claude's `--session-id`).
    pub agent_session_id: Option<String>,
    /// Files to write before launch (settings outside the workspace): path → contents.
    pub files: Vec<(PathBuf, String)>,
    /// Files the agent appends to itself (history): created empty and private (0600)
    /// before launch when missing, made 0600 when present; contents are kept. The agent
    /// keeps the mode of an existing file, so its history is never world-readable.
    pub private_files: Vec<PathBuf>,
}

/// A screen classification with the text that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenMatch {
    /// What the screen shows.
    pub activity: Activity,
    /// The matched line(s), trimmed.
    pub evidence: String,
    /// For usage limits: the reset time as printed.
    pub resets: Option<String>,
    /// True when the screen shows the agent failing to reach its model API: retrying
    /// (Codex "Reconnecting...", Claude "Can't reach the API server · retrying") or its
    /// last attempt failed. The lifecycle turns a retry that lasts into `blocked`.
    pub retrying: bool,
}

/// What a hook call means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookMeaning {
    /// Activity it implies.
    pub activity: Activity,
    /// Detail for the human (permission asked for, question).
    pub detail: String,
}

/// A message ao typed into the agent, for [`Agent::took_message`].
#[derive(Debug, Clone)]
pub struct SentMessage<'a> {
    /// The text typed (sanitised; the one-line pointer for a message sent as a file).
    pub text: &'a str,
    /// When ao started typing it: the agent's record of it is not older.
    pub since: jiff::Timestamp,
    /// The agent's screen after the submit key.
    pub screen: &'a str,
}

/// An AI coding tool.
pub trait Agent: Send + Sync + Debug {
    /// Plugin name, persisted in the session record.
    fn name(&self) -> &'static str;

    /// The launch plan for a new session. Must not race the agent's start-up screens:
    /// the task prompt is passed on the command line or read from `ctx.prompt_file`.
    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError>;

    /// The plan to resume after the agent exited; falls back to a fresh launch when the
    /// agent cannot resume.
    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        self.launch(ctx)
    }

    /// Process names that mean the agent (not just a shell) runs in the pane.
    fn process_names(&self) -> Vec<String>;

    /// Classifies the last lines of the terminal. `None` when nothing matched. Checked even
    /// when a transcript exists: dialogs and limits only show on the screen.
    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch>;

    /// True when the agent has no screen rule for "ready": the lifecycle then counts it
    /// ready once its screen matched nothing and has been quiet for `readyThreshold`.
    /// Default: false (the built-in agents have ready rules).
    fn ready_when_quiet(&self) -> bool {
        false
    }

    /// Activity from the agent's transcript, when it keeps one.
    fn transcript_activity(&self, _ctx: &AgentContext<'_>) -> Option<ActivityFact> {
        None
    }

    /// Interprets a hook call (`ao hook <agent> <event>`, JSON payload from stdin).
    /// `None` for events that carry no activity meaning.
    fn interpret_hook(&self, _event: &str, _payload: &serde_json::Value) -> Option<HookMeaning> {
        None
    }

    /// tmux key that submits the input line.
    fn submit_key(&self) -> &'static str {
        "Enter"
    }

    /// True when the agent's input takes a bracketed paste of several lines as one
    /// message (its TUI enables bracketed paste). When false, delivery never pastes a
    /// newline: a multi-line message goes to a file and the agent gets a one-line
    /// pointer. Default: true (the built-in TUI agents).
    fn pastes_multiline(&self) -> bool {
        true
    }

    /// Hook event names this agent's hooks send (`ao hook <agent> <event>`). A call with
    /// any other event is rejected (recorded as `hook.rejected`, never an error to the
    /// agent). Empty for agents without push hooks.
    fn hook_events(&self) -> &'static [&'static str] {
        &[]
    }

    /// True when a hook call of `event` does not say which of "ready" and "waiting for
    /// input" the agent is in (aider runs one command for both), so `ao hook` captures the
    /// pane and lets [`Agent::classify_screen`] decide. Default: false.
    fn hook_checks_screen(&self, _event: &str) -> bool {
        false
    }

    /// True when text typed or pasted into the input line still sits there unsent, given
    /// the line the cursor is on and the text that was pasted. Used by delivery to retry
    /// the submit key. Default: the end of `text` is still on the cursor line.
    fn input_pending(&self, cursor_line: &str, text: &str) -> bool {
        detect::text_on_line(cursor_line, text)
    }

    /// True when pasting into the pane now is safe: no dialog (permission, trust, login)
    /// and no limit screen is showing. Delivery must never paste into a dialog, where the
    /// submit key would pick a choice. Default: the screen is not classified as
    /// waiting-for-input or blocked.
    fn accepts_paste(&self, screen: &str) -> bool {
        !matches!(
            self.classify_screen(screen).map(|m| m.activity),
            Some(Activity::WaitingInput | Activity::Blocked)
        )
    }

    /// What confirms that the agent took a message, in words for people (`ao send`,
    /// README): e.g. `UserPromptSubmit hook or transcript`. Default: `screen only
    /// (unconfirmed)`.
    fn confirmed_by(&self) -> &'static str {
        "screen only (unconfirmed)"
    }

    /// Whether the agent's own record (hook log, transcript, rollout, input history,
    /// storage) shows it took `msg`: `Some(true)` when it does, `Some(false)` when the
    /// agent keeps such a record and it does not show the message (yet), `None` when the
    /// agent keeps no record ao reads, so delivery can at best be `unconfirmed`. Called
    /// repeatedly while delivery waits for the confirmation; must be cheap (tail reads).
    fn took_message(&self, _ctx: &AgentContext<'_>, _msg: &SentMessage<'_>) -> Option<bool> {
        None
    }

    /// True when the agent's screen rules can tell that it is up and taking input (ready,
    /// idle or working), so delivery waits for one of them before typing (text typed into
    /// a starting program is lost). False for agents without screen rules (a custom
    /// agent without `patterns`): delivery then types once no dialog shows. Default: true.
    fn knows_ready_screen(&self) -> bool {
        true
    }

    /// Where the agent's transcript for this session is, when it keeps one and it exists.
    fn transcript_path(&self, _ctx: &AgentContext<'_>) -> Option<PathBuf> {
        None
    }

    /// Cost so far, estimated from the agent's own usage records. `None` when the agent
    /// keeps none or they cannot be read.
    fn estimate_cost(&self, _ctx: &AgentContext<'_>) -> Option<CostEstimate> {
        None
    }

    /// For headless agents (no terminal to type into): the plan that delivers `text` as
    /// a new, resumed turn; `ops::deliver` starts it in the session's runtime once the
    /// running turn has ended. `None` for interactive agents, which get messages through
    /// the runtime's terminal delivery.
    fn message_plan(
        &self,
        _ctx: &AgentContext<'_>,
        _text: &str,
    ) -> Option<Result<LaunchPlan, PluginError>> {
        None
    }
}

/// Creates the agent `name` with the project's agent settings (`env.agent_config`).
/// Another name is the external `ao-agent-<name>`, given `agentConfig` as config.
pub fn create(name: &str, env: &PluginEnv<'_>) -> Result<Box<dyn Agent>, PluginError> {
    let cfg = env.agent_config;
    match name {
        "claude-code" => Ok(Box::new(ClaudeCode)),
        "codex" => Ok(Box::new(Codex)),
        "aider" => Ok(Box::new(Aider)),
        "goose" => Ok(Box::new(Goose)),
        "opencode" => Ok(Box::new(OpenCode)),
        "claude-headless" => Ok(Box::new(ClaudeHeadless)),
        "custom" => Ok(Box::new(Custom::new(cfg))),
        other => {
            let config = serde_json::to_value(cfg).map_err(|e| PluginError::Other(e.into()))?;
            Ok(Box::new(external::ExternalAgent::new(
                crate::plugins::external::Plugin::find("agent", other, BUILTIN, config)?,
            )))
        }
    }
}

/// The program to run: the first word of `agentConfig.command` when set (a wrapper or a
/// non-default install path), else `default`.
pub(crate) fn program(cfg: &AgentConfig, default: &str) -> Result<Vec<String>, PluginError> {
    match cfg.command.as_deref() {
        None => Ok(vec![default.to_owned()]),
        Some(c) => shlex::split(c).filter(|v| !v.is_empty()).ok_or_else(|| {
            PluginError::Refused(format!(
                "`agentConfig.command` is not a valid command line (unbalanced quotes?): {c}"
            ))
        }),
    }
}

/// Checks `cfg.permissions` against the values agent `name` accepts (the values its real
/// CLI takes: Claude Code 2.1.328 `--permission-mode`, Codex 0.171 `--ask-for-approval`).
/// `ao config check`, config loading and `ao spawn` all call this, so the message is the
/// same everywhere. Agents that take no permission setting accept anything.
pub fn check_permissions(name: &str, cfg: &AgentConfig) -> Result<(), String> {
    crate::config::permissions::check(name, cfg.permissions.as_deref())
}

/// True when auto-updates are off for this agent (the default; `autoUpdate: true` allows
/// them).
pub(crate) fn updates_off(cfg: &AgentConfig) -> bool {
    cfg.auto_update != Some(true)
}

/// The program agent `name` launches (the first word of `agentConfig.command` when set)
/// and how to install it; `Err` says why it cannot be known.
pub fn required_program(name: &str, cfg: &AgentConfig) -> Result<(String, String), String> {
    let install = match name {
        "claude-code" | "claude-headless" => {
            "install Claude Code: npm install -g @anthropic-ai/claude-code"
        }
        "codex" => "install Codex CLI: npm install -g @openai/codex",
        "aider" => "install aider: python -m pip install aider-install && aider-install",
        "goose" => "install Goose from its release page",
        "opencode" => "install opencode: npm install -g opencode-ai",
        "custom" => "fix `agentConfig.command` or install the program",
        other => return Err(format!("no known program for agent `{other}`")),
    };
    let default = match name {
        "claude-code" | "claude-headless" => "claude",
        "custom" => "",
        other => other,
    };
    let words = match cfg.command.as_deref() {
        Some(c) => shlex::split(c).ok_or("`agentConfig.command` has unbalanced quotes")?,
        None if name == "custom" => return Err("`agentConfig.command` is not set".into()),
        None => vec![default.to_owned()],
    };
    let first = words
        .into_iter()
        .next()
        .filter(|w| !w.is_empty())
        .ok_or("`agentConfig.command` is empty")?;
    let install = if cfg.command.is_some() && name != "custom" {
        format!("fix `agentConfig.command`, or {install}")
    } else {
        install.to_owned()
    };
    Ok((first, install))
}

/// Looks `program` up like a shell: a name with a `/` is a path (relative to `cwd`, `~`
/// expanded), anything else is searched on PATH. Only an executable regular file counts.
pub fn find_program(program: &str, cwd: &Path) -> Option<PathBuf> {
    if program.contains('/') {
        let p = cwd.join(crate::config::expand_tilde(Path::new(program)));
        return crate::sys::which::is_executable(&p).then_some(p);
    }
    crate::sys::which::on_path(program, &[])
}

/// Checks that agent `name` can start: its permission setting is one its CLI accepts and
/// its program exists (on PATH, or at the configured path, executable). `cwd` resolves a
/// relative program path. The error says what is wrong and how to fix it.
pub fn preflight(
    name: &str,
    cfg: &AgentConfig,
    cwd: &Path,
) -> Result<(), crate::error::UsageError> {
    if !BUILTIN.contains(&name) {
        // An external `ao-agent-<name>`: the registry found it on PATH; what it launches is
        // its own business.
        return Ok(());
    }
    check_permissions(name, cfg).map_err(|m| crate::error::UsageError {
        message: m,
        hint: Some("fix `agentConfig.permissions` in the project (see README, Agents)".into()),
    })?;
    let (program, install) = required_program(name, cfg).map_err(|m| crate::error::UsageError {
        message: format!("agent `{name}`: {m}"),
        hint: Some("set `agentConfig.command` in the project".into()),
    })?;
    if find_program(&program, cwd).is_none() {
        let where_ = if program.contains('/') {
            "does not exist or is not executable".to_owned()
        } else {
            "is not on PATH".to_owned()
        };
        return Err(crate::error::UsageError {
            message: format!(
                "agent `{name}` needs the program `{program}`, which {where_}; nothing was created"
            ),
            hint: Some(install),
        });
    }
    Ok(())
}

/// The agent-side session id recorded for this session, validated as a UUID.
pub(crate) fn recorded_uuid(ctx: &AgentContext<'_>) -> Option<String> {
    ctx.agent_session_id
        .filter(|s| detect::is_uuid(s))
        .map(str::to_ascii_lowercase)
}

/// A fresh UUID v4, as a plugin error when the kernel cannot give one.
pub(crate) fn fresh_uuid() -> Result<String, PluginError> {
    detect::new_uuid().map_err(|e| PluginError::Other(anyhow::anyhow!("cannot create a uuid: {e}")))
}

/// The activity the tail of a transcript shows, for the agents whose transcript ao reads:
/// `claude-code` (Claude's JSONL session transcript) and `codex` (its JSONL rollout).
/// `None` for other agents or when the text shows nothing. Any text is accepted:
/// unparsable lines are skipped. The tick reads transcripts through
/// [`Agent::transcript_activity`]; this entry point exists for fuzzing and tests.
pub fn transcript_activity_of(agent: &str, tail: &str) -> Option<ActivityFact> {
    // An entry point of its own (fuzzing, tests): its one clock reading.
    let now = crate::clock::now();
    let lines = detect::json_lines(tail);
    match agent {
        "claude-code" => claude_code::transcript_state(&lines, now),
        "codex" => codex::rollout_state(&lines, now),
        _ => None,
    }
}

/// The activity fact for a transcript observation.
pub(crate) fn transcript_fact(
    now: jiff::Timestamp,
    state: Activity,
    evidence: impl Into<String>,
    at: Option<jiff::Timestamp>,
) -> ActivityFact {
    let at = at.unwrap_or(now);
    ActivityFact {
        state,
        source: crate::model::ActivitySource::Transcript,
        evidence: crate::sys::text::truncate_chars(&evidence.into(), 200),
        resets: None,
        since: at,
        observed_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_knows_every_builtin() {
        for name in BUILTIN {
            let a = create(name, &crate::plugins::agent_env(&AgentConfig::default())).unwrap();
            assert_eq!(a.name(), *name);
        }
        let e = create("nope", &crate::plugins::agent_env(&AgentConfig::default())).unwrap_err();
        assert!(e.to_string().contains("claude-headless"), "{e}");
    }

    #[test]
    fn hook_command_is_quoted() {
        let cfg = AgentConfig::default();
        let ctx = AgentContext {
            now: jiff::Timestamp::now(),
            session: "app-1",
            project: "app",
            workspace: Path::new("/w"),
            prompt_file: Path::new("/p"),
            session_dir: Path::new("/s"),
            agent_session_id: None,
            config: &cfg,
            ao_bin: Path::new("/opt/my tools/ao"),
        };
        assert_eq!(
            ctx.hook_command("claude-code", "Stop"),
            "AO_SESSION=app-1 '/opt/my tools/ao' hook claude-code Stop"
        );
    }
}
