//! A notification to a human: the value the lifecycle plans, routing delivers and the
//! notifier plugins render. Serialised as the event JSON for `command`/webhook sinks.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Priority;

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

impl Notification {
    /// The test notification sent through notifier `name` by command `sent_by`
    /// (`ao notify test`, `ao doctor --notify`).
    pub fn test(name: &str, priority: Priority, sent_by: &str, time: Timestamp) -> Self {
        Self::general(
            format!("test:{name}:{}", time.as_second()),
            "test",
            priority,
            "ao test notification".to_owned(),
            format!(
                "If you can read this, notifier `{name}` works. Sent by `{sent_by}` with priority {priority}; nothing needs your attention."
            ),
            time,
        )
    }

    /// A notification about ao itself, not about one session: no session, project, PR,
    /// attach command or dashboard link.
    pub fn general(
        key: String,
        kind: &str,
        priority: Priority,
        title: String,
        message: String,
        time: Timestamp,
    ) -> Self {
        Self {
            version: NOTIFICATION_SCHEMA_VERSION,
            key,
            kind: kind.to_owned(),
            priority,
            title,
            message,
            session: None,
            project: None,
            pr_url: None,
            attach: None,
            dashboard_url: None,
            time,
        }
    }
}
