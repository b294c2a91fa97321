//! `desktop` notifier (the default): a freedesktop notification over the D-Bus session bus
//! (`org.freedesktop.Notifications.Notify`) through notify-rust's pure-Rust zbus backend.
//! Behind the cargo feature `desktop` (on by default); without it, sending says so.
//!
//! Message: app name `ao`; summary = the title ("my-app-3 needs your input"); body = the
//! reason, then session, PR, attach command and dashboard lines; urgency from priority
//! (urgent → critical, action/warning → normal, info → low). No actions: a cron tick exits
//! at once, so a click could never reach it (notify-rust issue; firezone#14627).
//!
//! Escaping: the summary is plain text by spec. The body is XML-escaped (`&`, `<`, `>`)
//! only when the server advertises `body-markup` (otherwise it would show `&lt;`), so agent
//! text cannot inject `<a href>` or `<img>`.
//!
//! Failure: with no session bus, or no notification daemon on it, the call fails within
//! milliseconds with a message saying what is missing and what to do; every D-Bus call is
//! also bounded by a timeout (a hung bus cannot stall the tick). Both are `Unavailable`.

// Without the feature only the rendering helpers remain, exercised by the unit tests.
#![cfg_attr(not(feature = "desktop"), allow(dead_code))]

use std::time::Duration;

use super::{Notification, Notifier, View, detail_lines, truncate_utf16};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::plugins::PluginError;

/// Longest summary shown, in characters (bubbles are small).
const SUMMARY_MAX: usize = 120;
/// Longest body, in characters.
const BODY_MAX: usize = 1000;
/// Upper bound on one D-Bus round trip (a D-Bus activated daemon may take a moment).
const DBUS_TIMEOUT: Duration = Duration::from_secs(5);

/// Shows desktop notifications.
#[derive(Debug)]
pub struct DesktopNotifier {
    timeout: Duration,
}

impl DesktopNotifier {
    /// A desktop notifier; it has no settings of its own.
    pub fn new(_name: &str, _cfg: Option<&NotifierConfig>) -> Result<Self, PluginError> {
        Ok(Self {
            timeout: DBUS_TIMEOUT,
        })
    }
}

/// What is sent in the `Notify` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopMessage {
    /// Summary (plain text).
    pub summary: String,
    /// Body (escaped when `markup`).
    pub body: String,
    /// Urgency hint: 0 low, 1 normal, 2 critical.
    pub urgency: u8,
}

/// Escapes the XML subset freedesktop servers parse in bodies.
pub fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Builds the `Notify` content for `n`; `markup` = the server advertises `body-markup`.
pub fn render(n: &Notification, markup: bool) -> DesktopMessage {
    let v = View::of(n);
    let mut body = truncate_utf16(&v.message, BODY_MAX);
    for l in detail_lines(&v) {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&l);
    }
    DesktopMessage {
        summary: truncate_utf16(&v.title, SUMMARY_MAX),
        body: if markup { escape_markup(&body) } else { body },
        urgency: match v.priority {
            Priority::Urgent => 2,
            Priority::Action | Priority::Warning => 1,
            Priority::Info => 0,
        },
    }
}

/// Turns a D-Bus error text into what the user should know and do.
pub fn explain(e: &str) -> String {
    if e.contains("ServiceUnknown") || e.contains("was not provided by any") {
        format!(
            "no notification daemon on the D-Bus session bus ({e}); start one (your desktop's, dunst, mako) or route to another notifier"
        )
    } else if e.contains("failed to connect")
        || e.contains("No such file")
        || e.contains("Connection refused")
        || e.contains("DBUS_SESSION_BUS_ADDRESS")
        || e.contains("Address")
    {
        format!(
            "no D-Bus session bus ({e}); under cron set DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$(id -u)/bus, or route to another notifier"
        )
    } else {
        e.to_owned()
    }
}

/// Runs `f` on a helper thread and waits at most `timeout` for it.
fn bounded<T: Send + 'static>(
    timeout: Duration,
    what: &str,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, PluginError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("ao-dbus".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| PluginError::Unavailable(format!("cannot start a thread: {e}")))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(PluginError::Unavailable(explain(&e))),
        Err(_) => Err(PluginError::Unavailable(format!(
            "the notification server did not answer {what} within {}s",
            timeout.as_secs()
        ))),
    }
}

#[cfg(feature = "desktop")]
impl Notifier for DesktopNotifier {
    fn name(&self) -> &'static str {
        "desktop"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let caps = bounded(self.timeout, "GetCapabilities", || {
            notify_rust::get_capabilities().map_err(|e| e.to_string())
        })?;
        let m = render(n, caps.iter().any(|c| c == "body-markup"));
        bounded(self.timeout, "Notify", move || {
            let urgency = match m.urgency {
                2 => notify_rust::Urgency::Critical,
                1 => notify_rust::Urgency::Normal,
                _ => notify_rust::Urgency::Low,
            };
            notify_rust::Notification::new()
                .appname("ao")
                .summary(&m.summary)
                .body(&m.body)
                .urgency(urgency)
                .timeout(notify_rust::Timeout::Default)
                .show()
                .map(|h| h.id())
                .map_err(|e| e.to_string())
        })
        .map(|_| ())
    }

    fn check(&self) -> Result<String, PluginError> {
        let info = bounded(self.timeout, "GetServerInformation", || {
            notify_rust::get_server_information().map_err(|e| e.to_string())
        })?;
        Ok(format!(
            "notification server {} {} ({}) on the D-Bus session bus",
            info.name, info.version, info.vendor
        ))
    }
}

#[cfg(not(feature = "desktop"))]
impl Notifier for DesktopNotifier {
    fn name(&self) -> &'static str {
        "desktop"
    }

    fn send(&self, _n: &Notification) -> Result<(), PluginError> {
        Err(PluginError::Unsupported(DISABLED.to_owned()))
    }

    fn check(&self) -> Result<String, PluginError> {
        Err(PluginError::Unsupported(DISABLED.to_owned()))
    }
}

/// Why `desktop` does nothing in a build without the feature.
#[cfg(not(feature = "desktop"))]
const DISABLED: &str = "this ao was built without desktop notifications (cargo feature `desktop`); rebuild with it or route to another notifier (ntfy, email, command)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{hostile, sample};

    #[test]
    fn render_names_session_reason_and_next_step() {
        let m = render(&sample(), true);
        assert_eq!(m.summary, "my-app-3 needs your input");
        assert_eq!(
            m.body,
            "permission to run `rm -rf build`\nSession: my-app-3 (project my-app)\nPR #12: https://github.com/acme/my-app/pull/12\nAttach: ao open my-app-3\nDashboard: file:///home/u/.agent-orchestrator/dashboard.html#my-app-3"
        );
        assert_eq!(m.urgency, 2);
    }

    #[test]
    fn urgency_follows_priority() {
        let mut n = sample();
        for (p, u) in [
            (Priority::Urgent, 2),
            (Priority::Action, 1),
            (Priority::Warning, 1),
            (Priority::Info, 0),
        ] {
            n.priority = p;
            assert_eq!(render(&n, false).urgency, u);
        }
    }

    #[test]
    fn hostile_markup_is_escaped_when_the_server_parses_it() {
        let m = render(&hostile(), true);
        assert!(
            !m.body.contains("<img") && m.body.contains("&lt;img"),
            "{}",
            m.body
        );
        assert!(!m.body.contains('\u{1b}') && !m.summary.contains('\u{1b}'));
        assert!(!m.summary.contains("pwned"));
        assert!(m.body.encode_utf16().count() <= BODY_MAX + 500);
        assert!(m.summary.chars().count() <= SUMMARY_MAX);
        let plain = render(&hostile(), false);
        assert!(plain.body.contains("<img"), "plain servers show text as is");
    }

    #[test]
    fn errors_say_what_is_missing() {
        let e =
            explain("failed to connect to unix:path=/run/user/0/bus: No such file or directory");
        assert!(
            e.contains("no D-Bus session bus") && e.contains("DBUS_SESSION_BUS_ADDRESS"),
            "{e}"
        );
        let e = explain(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided by any .service files",
        );
        assert!(e.contains("no notification daemon"), "{e}");
    }

    #[test]
    fn a_hung_call_times_out() {
        let e = bounded(Duration::from_millis(50), "Notify", || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(e, PluginError::Unavailable(_)));
        assert!(e.to_string().contains("did not answer Notify"), "{e}");
    }
}
