//! `stdout` notifier: one human-readable line per notification on standard output
//! (escape sequences stripped). Used by the demo and for piping into other tools.

use std::io::Write;

use super::{Notification, Notifier};
use crate::plugins::PluginError;
use crate::sys::text::strip_control;

/// Prints notifications.
#[derive(Debug)]
pub struct StdoutNotifier;

impl Notifier for StdoutNotifier {
    fn name(&self) -> &'static str {
        "stdout"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let line = format!(
            "[{}] {}: {}",
            n.priority,
            strip_control(&n.title).replace('\n', " "),
            strip_control(&n.message).replace('\n', " ")
        );
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").map_err(|e| PluginError::Unavailable(format!("stdout: {e}")))
    }
}
