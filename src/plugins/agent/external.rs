//! The external agent `ao-agent-<name>`: [`Agent`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use super::{Agent, AgentContext, LaunchPlan, ScreenMatch, SentMessage};
use crate::model::Activity;
use crate::plugins::PluginError;
use crate::plugins::external::{Plugin, intern};

/// An agent implemented by `ao-agent-<name>`.
#[derive(Debug)]
pub struct ExternalAgent {
    plugin: Plugin,
    described: OnceLock<Described>,
}

/// The `describe` answer of an agent plugin: its fixed properties.
#[derive(Debug, Default, Deserialize)]
struct Described {
    #[serde(default)]
    process_names: Vec<String>,
    #[serde(default)]
    submit_key: Option<String>,
    #[serde(default)]
    pastes_multiline: bool,
    #[serde(default)]
    ready_when_quiet: bool,
}

/// The `launch`/`restore` answer of an agent plugin.
#[derive(Deserialize)]
struct PlanWire {
    argv: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    agent_session_id: Option<String>,
}

/// The `classify_screen` answer of an agent plugin (or `null`).
#[derive(Deserialize)]
struct ScreenWire {
    activity: Activity,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    resets: Option<String>,
    #[serde(default)]
    retrying: bool,
}

impl ExternalAgent {
    /// Wraps `plugin`.
    pub fn new(plugin: Plugin) -> Self {
        Self {
            plugin,
            described: OnceLock::new(),
        }
    }

    fn described(&self) -> &Described {
        self.described.get_or_init(|| {
            self.plugin
                .call_as("describe", json!({}))
                .unwrap_or_default()
        })
    }

    fn plan(&self, method: &str, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let p: PlanWire = self.plugin.call_as(
            method,
            json!({"session": ctx.session, "project": ctx.project, "workspace": ctx.workspace,
                   "prompt_file": ctx.prompt_file, "prompt": ctx.prompt()?,
                   "session_dir": ctx.session_dir, "agent_session_id": ctx.agent_session_id}),
        )?;
        if p.argv.is_empty() {
            return Err(PluginError::Other(anyhow::anyhow!(
                "agent plugin `{}` answered `{method}` with an empty argv",
                self.plugin.name()
            )));
        }
        Ok(LaunchPlan {
            argv: p.argv,
            env: p.env,
            agent_session_id: p.agent_session_id,
            ..LaunchPlan::default()
        })
    }
}

impl Agent for ExternalAgent {
    fn name(&self) -> &'static str {
        self.plugin.name()
    }

    fn confirmed_by(&self) -> &'static str {
        "its screen showing it working, else unconfirmed"
    }

    fn took_message(&self, _ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        // The screen is all ao sees of an external agent: working after the message is
        // the only confirmation.
        let working = self
            .classify_screen(msg.screen)
            .is_some_and(|m| m.activity == Activity::Working);
        working.then_some(true)
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        self.plan("launch", ctx)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        match self.plan("restore", ctx) {
            Err(PluginError::Unsupported(_)) => self.launch(ctx),
            r => r,
        }
    }

    fn process_names(&self) -> Vec<String> {
        self.described().process_names.clone()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        let m: Option<ScreenWire> = self
            .plugin
            .call_as("classify_screen", json!({"screen": screen}))
            .ok()?;
        m.map(|m| ScreenMatch {
            activity: m.activity,
            evidence: crate::sys::text::truncate_chars(&m.evidence, 200),
            resets: m.resets,
            retrying: m.retrying,
        })
    }

    fn ready_when_quiet(&self) -> bool {
        self.described().ready_when_quiet
    }

    fn knows_ready_screen(&self) -> bool {
        !self.described().ready_when_quiet
    }

    fn submit_key(&self) -> &'static str {
        self.described()
            .submit_key
            .as_deref()
            .map_or("Enter", intern)
    }

    fn pastes_multiline(&self) -> bool {
        self.described().pastes_multiline
    }
}
