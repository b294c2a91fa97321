//! One entry of the event log: every state change and action appends one (the store
//! writes them, `store::events`).

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Event format version.
pub const EVENT_VERSION: u32 = 1;

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Format version.
    pub v: u32,
    /// When it happened.
    pub ts: Timestamp,
    /// Dotted type, e.g. `session.spawned`, `reaction.triggered`, `notification.failed`.
    #[serde(rename = "type")]
    pub kind: EventKind,
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
    pub fn new(ts: Timestamp, kind: EventKind, message: impl Into<String>) -> Self {
        Self {
            v: EVENT_VERSION,
            ts,
            kind,
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

/// Declares [`EventKind`]'s fixed variants with their dotted strings, so `as_str`, `parse`
/// and [`EventKind::NAMED`] cannot drift apart.
macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// The type of an event: the log's `type` field, serialized as its dotted string
        /// (`session.spawned`). `hook.<event>` carries the agent's hook event name; a type
        /// this build does not know (an older or newer log) is kept verbatim in `Other`, so
        /// reading and rewriting a log never changes it.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)*
            /// `hook.<event>`: an agent hook fired (`ao hook`); holds the event name
            /// (`hook.rejected` is [`EventKind::HookRejected`]).
            Hook(String),
            /// A type this build does not write (read from an older or newer log); made by
            /// [`EventKind::parse`], never for a type named above.
            Other(String),
        }

        impl EventKind {
            /// Every variant with a fixed string.
            pub const NAMED: &[EventKind] = &[$(EventKind::$variant,)*];

            /// The dotted string, as written to the log.
            pub fn as_str(&self) -> Cow<'_, str> {
                match self {
                    $(EventKind::$variant => Cow::Borrowed($name),)*
                    EventKind::Hook(event) => Cow::Owned(format!("hook.{event}")),
                    EventKind::Other(s) => Cow::Borrowed(s),
                }
            }

            /// The kind a dotted string names; unknown strings become `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $($name => EventKind::$variant,)*
                    _ => match s.strip_prefix("hook.") {
                        Some(event) => EventKind::Hook(event.to_owned()),
                        None => EventKind::Other(s.to_owned()),
                    },
                }
            }
        }
    };
}

event_kinds! {
    /// `ao spawn` started a session.
    SessionSpawned = "session.spawned",
    /// A spawn failed and was undone.
    SessionSpawnFailed = "session.spawn_failed",
    /// A session was stopped and archived.
    SessionKilled = "session.killed",
    /// An archived session was restored.
    SessionRestored = "session.restored",
    /// A session's status changed.
    SessionStatus = "session.status",
    /// A session's host could not be reached.
    SessionUnreachable = "session.unreachable",
    /// A session's host answers again.
    SessionReachable = "session.reachable",
    /// A reaction acted (send, merge or notify).
    ReactionTriggered = "reaction.triggered",
    /// A reaction waits for the agent to accept messages.
    ReactionPending = "reaction.pending",
    /// A reaction was handed to the human.
    ReactionEscalated = "reaction.escalated",
    /// A reaction's condition went away.
    ReactionResolved = "reaction.resolved",
    /// A reaction's message reached the agent.
    ReactionDelivered = "reaction.delivered",
    /// A reaction's message was typed; whether the agent took it is unknown.
    ReactionUnconfirmed = "reaction.unconfirmed",
    /// A reaction's message was typed but never taken.
    ReactionUndelivered = "reaction.undelivered",
    /// A reaction's message was refused (nothing typed).
    ReactionRefused = "reaction.refused",
    /// Sending a reaction's message failed.
    ReactionFailed = "reaction.failed",
    /// A PR was merged.
    MergeDone = "merge.done",
    /// A merge was skipped: the head moved since approval.
    MergeHeadMoved = "merge.head_moved",
    /// The forge refused a merge.
    MergeRefused = "merge.refused",
    /// A merge failed.
    MergeFailed = "merge.failed",
    /// A message (`ao send`, a reaction) reached the agent.
    MessageSent = "message.sent",
    /// A message was refused (nothing typed).
    MessageRefused = "message.refused",
    /// A message was typed but never taken.
    MessageUndelivered = "message.undelivered",
    /// Delivering a message failed.
    MessageFailed = "message.failed",
    /// The tracker issue was updated.
    TrackerUpdated = "tracker.updated",
    /// Updating the tracker issue failed.
    TrackerUpdateFailed = "tracker.update_failed",
    /// A notification reached a notifier.
    NotificationSent = "notification.sent",
    /// A notifier failed to deliver a notification.
    NotificationFailed = "notification.failed",
    /// `ao notify test` sent a test notification.
    NotificationTest = "notification.test",
    /// A review verdict was recorded.
    ReviewRecorded = "review.recorded",
    /// A tick pass ended.
    TickDone = "tick.done",
    /// A tick did not run: another one held the lock.
    TickSkipped = "tick.skipped",
    /// A tick failed on one session.
    TickSessionFailed = "tick.session_failed",
    /// `ao hook` rejected a hook call (unknown session, event or payload).
    HookRejected = "hook.rejected",
}

impl EventKind {
    /// A tick event (the heartbeat readers look for), including `tick.*` types this build
    /// does not know (written by another version of ao).
    pub fn is_tick(&self) -> bool {
        match self {
            EventKind::TickDone | EventKind::TickSkipped | EventKind::TickSessionFailed => true,
            EventKind::Other(s) => s.starts_with("tick."),
            _ => false,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(EventKind::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_string() {
        let mut all = EventKind::NAMED.to_vec();
        all.push(EventKind::Hook("Stop".into()));
        all.push(EventKind::Other("x.y".into()));
        for k in all {
            let s = k.as_str().into_owned();
            assert!(s.contains('.'), "{s}");
            assert_eq!(EventKind::parse(&s), k, "{s}");
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), k);
        }
        assert_eq!(EventKind::TickDone.to_string(), "tick.done");
        assert_eq!(format!("{:<12}|", EventKind::TickDone), "tick.done   |");
    }

    #[test]
    fn an_unknown_type_survives_a_read_write_round_trip() {
        let line = r#"{"v":1,"ts":"2026-01-02T03:04:05Z","type":"tick.started","message":"m"}"#;
        let e: Event = serde_json::from_str(line).unwrap();
        assert_eq!(e.kind, EventKind::Other("tick.started".into()));
        assert!(e.kind.is_tick());
        assert!(!EventKind::Other("ticket.x".into()).is_tick());
        assert_eq!(serde_json::to_string(&e).unwrap(), line);
        let hook = r#"{"v":1,"ts":"2026-01-02T03:04:05Z","type":"hook.Stop","message":"m"}"#;
        let e: Event = serde_json::from_str(hook).unwrap();
        assert_eq!(e.kind, EventKind::Hook("Stop".into()));
        assert_eq!(serde_json::to_string(&e).unwrap(), hook);
    }
}
