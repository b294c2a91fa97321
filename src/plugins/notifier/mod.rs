//! Notifier slot: the primary interface (seed: "the notifier is the product's face").
//! A notification is specific (who, what, what next), keyed so it is sent once, and
//! escaped for its sink by the plugin that sends it.

mod command;
mod stdout;

use std::fmt::Debug;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use command::CommandNotifier;
pub use stdout::StdoutNotifier;

use super::PluginError;
use crate::config::NotifierConfig;
use crate::model::Priority;

/// Built-in notifier plugin names.
pub const BUILTIN: &[&str] = &["stdout", "command"];

/// Version of the notification JSON given to `command` notifiers and webhooks.
pub const NOTIFICATION_SCHEMA_VERSION: u32 = 1;

/// One notification to a human. Serialised as the event JSON for `command`/webhook sinks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Schema version (`NOTIFICATION_SCHEMA_VERSION`).
    pub version: u32,
    /// Dedupe key: the same key is delivered once per notifier.
    pub key: String,
    /// Event type: the reaction name (`agent-needs-input`, `ci-failed`, ...) or `test`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Priority.
    pub priority: Priority,
    /// One-line summary, e.g. "my-app-3 needs your input".
    pub title: String,
    /// The specifics: reason and next step.
    pub message: String,
    /// Session id, when about one session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// PR link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_url: Option<String>,
    /// Command that attaches to the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Dashboard deep link (`file:///…/dashboard.html#<session>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_url: Option<String>,
    /// When the condition was detected.
    pub time: Timestamp,
}

/// A channel to a human.
pub trait Notifier: Send + Sync + Debug {
    /// Plugin name.
    fn name(&self) -> &'static str;

    /// Delivers `n`, escaping it for the sink. Ok only when the sink confirmed delivery;
    /// `PluginError::Unavailable` for transient failures (retried next tick with backoff).
    /// Error texts never contain secrets (webhook URLs, tokens).
    fn send(&self, n: &Notification) -> Result<(), PluginError>;

    /// Checks that the sink is reachable and configured, without delivering anything
    /// (for `ao doctor`). Returns a short description of what was checked.
    fn check(&self) -> Result<String, PluginError> {
        Ok("no check available for this notifier".to_owned())
    }
}

/// Creates the notifier configured as `name`. `name` is also accepted as a plugin name
/// when there is no `notifiers.<name>` entry (e.g. `desktop`, `stdout`).
pub fn create(name: &str, cfg: Option<&NotifierConfig>) -> Result<Box<dyn Notifier>, PluginError> {
    let plugin = cfg.map_or(name, |c| c.plugin.as_str());
    match plugin {
        "stdout" => Ok(Box::new(StdoutNotifier)),
        "command" => {
            let c = cfg.ok_or_else(|| {
                PluginError::NotFound(format!(
                    "notifier `{name}` uses plugin `command` but has no `notifiers.{name}.command` in config"
                ))
            })?;
            Ok(Box::new(CommandNotifier::new(name, c)?))
        }
        other => match super::external::find("notifier", other) {
            Some(path) => Ok(Box::new(super::external::ExternalNotifier::new(path, cfg))),
            None => Err(super::unknown("notifier", other, BUILTIN)),
        },
    }
}
