//! The external notifier `ao-notifier-<name>`: [`Notifier`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use serde_json::json;

use super::{Notification, Notifier};
use crate::plugins::PluginError;
use crate::plugins::external::{Plugin, to_json};

/// A notifier implemented by `ao-notifier-<name>`.
#[derive(Debug)]
pub struct ExternalNotifier(pub Plugin);

impl Notifier for ExternalNotifier {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        self.0.call("notify", to_json(n)?).map(drop)
    }

    fn check(&self) -> Result<String, PluginError> {
        match self.0.call_as::<Option<String>>("check", json!({})) {
            Err(PluginError::Unsupported(_)) => Ok(format!(
                "`{}` is on PATH (it has no check)",
                self.0.program().display()
            )),
            r => r.map(|s| s.unwrap_or_else(|| "checked".to_owned())),
        }
    }
}
