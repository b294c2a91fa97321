//! `claude-code` agent (placeholder until implemented in this session).
use super::{Agent, AgentContext, LaunchPlan, ScreenMatch};
use crate::plugins::PluginError;

/// The `claude-code` agent.
#[derive(Debug)]
pub struct ClaudeCode;

impl Agent for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude-code"
    }
    fn launch(&self, _ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        Err(PluginError::Unsupported("pending".into()))
    }
    fn process_names(&self) -> Vec<String> {
        Vec::new()
    }
    fn classify_screen(&self, _screen: &str) -> Option<ScreenMatch> {
        None
    }
}
