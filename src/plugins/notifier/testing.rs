//! Test support for the notifier sinks: a scripted HTTP server on 127.0.0.1 that records
//! every request, and a sample notification.

use super::{NOTIFICATION_SCHEMA_VERSION, Notification};
use crate::model::Priority;

// The tests' one stand-in HTTP server, shared with the integration tests.
#[allow(dead_code)]
#[path = "../../../tests/cli/common/stand_in.rs"]
mod stand_in;

/// One scripted answer (`Answer::status(429).header(…).body(…)`).
pub use stand_in::Canned as Answer;
/// A recorded request.
pub use stand_in::Recorded;

/// The server; stops on drop.
pub struct Server {
    inner: stand_in::StandIn,
}

impl Server {
    /// Starts a server answering with `script` in order, then `200 ok` forever.
    pub fn start(script: Vec<Answer>) -> Self {
        let mut script = script.into_iter();
        let inner = stand_in::StandIn::serve((), move |(), _, _| {
            script
                .next()
                .unwrap_or_else(|| Answer::status(200).body("ok"))
        });
        Self { inner }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.url)
    }

    /// Requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests()
    }
}

/// A realistic "needs input" notification.
pub fn sample() -> Notification {
    Notification {
        version: NOTIFICATION_SCHEMA_VERSION,
        key: "agent-needs-input:my-app-3:1".into(),
        kind: "agent-needs-input".into(),
        priority: Priority::Urgent,
        title: "my-app-3 needs your input".into(),
        message: "permission to run `rm -rf build`".into(),
        session: Some("my-app-3".into()),
        project: Some("my-app".into()),
        pr_url: Some("https://github.com/acme/my-app/pull/12".into()),
        attach: Some("ao open my-app-3".into()),
        dashboard_url: Some("file:///home/u/.agent-orchestrator/dashboard.html#my-app-3".into()),
        time: "2025-01-02T03:04:05Z".parse().unwrap(),
    }
}

/// A notification full of hostile text: broadcast mentions, Slack/Discord/HTML markup,
/// disguised links, terminal escape sequences, a token, and a 10 KB message.
pub fn hostile() -> Notification {
    let mut n = sample();
    n.title = "<!channel> @everyone deploy now <https://evil.example|https://github.com/acme> \u{1b}]0;pwned\u{7}**bold** <b>x</b>".into();
    n.message = format!(
        "@here [click](https://evil.example) <@123456> <img src=x onerror=alert(1)> & \u{1b}[2J\u{1b}]52;c;AAAA\u{7} ghp_abcdefghijklmnopqrstuvwxyz012345 `code [x](y)`\n{}",
        "A".repeat(10 * 1024)
    );
    n
}
