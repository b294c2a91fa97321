//! Agent slot: the AI coding tool. An agent says how to launch and resume itself, which
//! process names mean it is running, how to read its screen, transcript and hook calls.
//! Detection order (DESIGN §4): fresh hook signal → transcript → terminal → process.

mod claude_code;
mod custom;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

pub use claude_code::ClaudeCode;
pub use custom::Custom;

use super::PluginError;
use crate::config::AgentConfig;
use crate::model::{Activity, ActivityFact};

/// Built-in agent names.
pub const BUILTIN: &[&str] = &["claude-code", "custom"];

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
}

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
}

/// What a hook call means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookMeaning {
    /// Activity it implies.
    pub activity: Activity,
    /// Detail for the human (permission asked for, question).
    pub detail: String,
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
}

/// Creates the agent `name` with the project's agent settings.
pub fn create(name: &str, cfg: &AgentConfig) -> Result<Box<dyn Agent>, PluginError> {
    match name {
        "claude-code" => Ok(Box::new(ClaudeCode)),
        "custom" => Ok(Box::new(Custom::new(cfg))),
        other => Err(super::unknown("agent", other, BUILTIN)),
    }
}
