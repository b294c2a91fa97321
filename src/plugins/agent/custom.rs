//! `custom` agent (placeholder until implemented in this session).
use super::{Agent, AgentContext, LaunchPlan, ScreenMatch};
use crate::plugins::PluginError;

/// The `custom` agent.
#[derive(Debug)]
pub struct Custom;

impl Agent for Custom {
    fn name(&self) -> &'static str {
        "custom"
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
