//! `stdout` and `stderr` notifiers: one human-readable line per notification on standard
//! output or standard error (escape sequences stripped). Used by the demo and for piping
//! into other tools; `stderr` keeps stdout free for `--json` output.

use std::io::Write;

use super::{Notification, Notifier};
use crate::plugins::PluginError;
use crate::sys::text::strip_control;

/// Prints notifications to stdout, or to stderr when `to_stderr`.
#[derive(Debug)]
pub struct StdoutNotifier {
    /// Print to standard error instead of standard output.
    pub to_stderr: bool,
}

impl Notifier for StdoutNotifier {
    fn name(&self) -> &'static str {
        if self.to_stderr { "stderr" } else { "stdout" }
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let line = format!(
            "[{}] {}: {}",
            n.priority,
            strip_control(&n.title).replace('\n', " "),
            strip_control(&n.message).replace('\n', " ")
        );
        let r = if self.to_stderr {
            writeln!(std::io::stderr().lock(), "{line}")
        } else {
            writeln!(std::io::stdout().lock(), "{line}")
        };
        r.map_err(|e| PluginError::Unavailable(format!("{}: {e}", self.name())))
    }
}
