//! `stdout` and `stderr` notifiers: one human-readable line per notification on standard
//! output or standard error (escape sequences stripped). Used by the demo and for piping
//! into other tools; `stderr` keeps stdout free for `--json` output.

use std::io::Write;

use super::{Notification, Notifier};
use crate::plugins::PluginError;
use crate::sys::text::strip_control;

/// Set once standard output carries machine-readable output (see [`reserve_stdout`]).
static STDOUT_RESERVED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Called by a command whose standard output is JSON (`--json`): from then on the
/// `stdout` notifier prints to standard error, so the JSON stays parseable.
pub fn reserve_stdout() {
    STDOUT_RESERVED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints notifications to stdout, or to stderr when `to_stderr` (or stdout is reserved).
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
        let r = if self.to_stderr || STDOUT_RESERVED.load(std::sync::atomic::Ordering::Relaxed) {
            writeln!(std::io::stderr().lock(), "{line}")
        } else {
            writeln!(std::io::stdout().lock(), "{line}")
        };
        r.map_err(|e| PluginError::Unavailable(format!("{}: {e}", self.name())))
    }
}
