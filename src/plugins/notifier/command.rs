//! `command` notifier: runs a configured program (argument vector from config, no shell)
//! with the notification JSON on stdin. The extension point for any channel: exit 0 means
//! delivered; anything else is a failure retried on a later tick.

use super::{Notification, Notifier};
use crate::config::NotifierConfig;
use crate::plugins::PluginError;
use crate::sys::cmd::Cmd;

/// Runs a program per notification.
#[derive(Debug)]
pub struct CommandNotifier {
    argv: Vec<String>,
}

impl CommandNotifier {
    /// From `notifiers.<name>` config; `command` must be a non-empty list.
    pub fn new(name: &str, cfg: &NotifierConfig) -> Result<Self, PluginError> {
        if cfg.command.is_empty() {
            return Err(PluginError::NotFound(format!(
                "notifier `{name}` (plugin `command`) needs `command: [PROGRAM, ARG...]`"
            )));
        }
        Ok(Self {
            argv: cfg.command.clone(),
        })
    }
}

impl Notifier for CommandNotifier {
    fn name(&self) -> &'static str {
        "command"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let json = serde_json::to_vec(n).map_err(|e| PluginError::Other(e.into()))?;
        Cmd::new(&self.argv[0])
            .args(&self.argv[1..])
            .env("AO_NOTIFICATION_PRIORITY", n.priority.as_str())
            .stdin(json)
            .run()
            .map(|_| ())
            .map_err(|e| PluginError::Unavailable(e.to_string()))
    }
}
