//! One entry of the event log: every state change and action appends one (the store
//! writes them, `store::events`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Event format version.
pub const EVENT_VERSION: u32 = 1;

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Format version.
    pub v: u32,
    /// When it happened.
    pub ts: Timestamp,
    /// Dotted type, e.g. `session.spawned`, `reaction.sent`, `notification.failed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Human-readable one-liner.
    #[serde(default)]
    pub message: String,
    /// Structured details.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Event {
    /// A new event at `ts`.
    pub fn new(ts: Timestamp, kind: &str, message: impl Into<String>) -> Self {
        Self {
            v: EVENT_VERSION,
            ts,
            kind: kind.to_owned(),
            project: None,
            session: None,
            message: message.into(),
            data: serde_json::Value::Null,
        }
    }

    /// Sets project and session.
    pub fn about(mut self, project: &str, session: Option<&str>) -> Self {
        self.project = Some(project.to_owned());
        self.session = session.map(str::to_owned);
        self
    }

    /// Attaches structured data.
    pub fn with(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// The event types that code writes in more than one place or branches on (the log's
/// `type` field). Other types are written where they happen (`session.spawned`, …).
pub mod kind {
    /// A notification reached a notifier.
    pub const NOTIFICATION_SENT: &str = "notification.sent";
    /// A notifier failed to deliver a notification.
    pub const NOTIFICATION_FAILED: &str = "notification.failed";
    /// Prefix of every tick event (the heartbeat readers look for).
    pub const TICK_PREFIX: &str = "tick.";
    /// A tick pass ended.
    pub const TICK_DONE: &str = "tick.done";
    /// A tick did not run: another one held the lock.
    pub const TICK_SKIPPED: &str = "tick.skipped";
}
