//! Terminal slot: how a human opens a session (`ao open`): attach with tmux (switching
//! client when already inside tmux), or `none` (print the command only).

pub mod external;

use std::fmt::Debug;

use super::{PluginEnv, PluginError};

/// Built-in terminal names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::TERMINAL as BUILTIN;

/// What `open` decided to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenAction {
    /// Replace this process with the given command (attach).
    Exec(Vec<String>),
    /// Run the command and return (switch-client inside tmux).
    Run(Vec<String>),
    /// Only print the command.
    Print(Vec<String>),
}

/// A way for the human to reach a session.
pub trait Terminal: Send + Sync + Debug {
    /// Plugin name.
    fn name(&self) -> &'static str;

    /// Decides how to open a runtime given its attach argv (from the runtime plugin);
    /// `inside_tmux` tells whether the caller runs inside tmux.
    fn open(&self, attach: &[String], inside_tmux: bool) -> Result<OpenAction, PluginError>;
}

/// tmux attach / switch-client.
#[derive(Debug)]
pub struct TmuxAttach;

impl Terminal for TmuxAttach {
    fn name(&self) -> &'static str {
        "tmux-attach"
    }

    fn open(&self, attach: &[String], inside_tmux: bool) -> Result<OpenAction, PluginError> {
        if attach.is_empty() {
            return Err(PluginError::Unsupported(
                "this runtime cannot be attached to".into(),
            ));
        }
        if inside_tmux && attach.iter().any(|a| a == "attach-session") {
            let v = attach
                .iter()
                .map(|a| {
                    if a == "attach-session" {
                        "switch-client".to_owned()
                    } else {
                        a.clone()
                    }
                })
                .collect();
            return Ok(OpenAction::Run(v));
        }
        Ok(OpenAction::Exec(attach.to_vec()))
    }
}

/// Headless: print only.
#[derive(Debug)]
pub struct NoTerminal;

impl Terminal for NoTerminal {
    fn name(&self) -> &'static str {
        "none"
    }

    fn open(&self, attach: &[String], _inside_tmux: bool) -> Result<OpenAction, PluginError> {
        Ok(OpenAction::Print(attach.to_vec()))
    }
}

/// Creates the terminal plugin `name`; another name is the external
/// `ao-terminal-<name>` (no config).
pub fn create(name: &str, _env: &PluginEnv<'_>) -> Result<Box<dyn Terminal>, PluginError> {
    match name {
        "tmux-attach" | "auto" => Ok(Box::new(TmuxAttach)),
        "none" => Ok(Box::new(NoTerminal)),
        other => Ok(Box::new(external::ExternalTerminal(
            crate::plugins::external::Plugin::find(
                "terminal",
                other,
                BUILTIN,
                serde_json::Value::Null,
            )?,
        ))),
    }
}
