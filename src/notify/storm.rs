//! Storm control (checklist G5): when an outage hits many sessions at once, each notifier
//! gets at most `notifications.groupAfter` single notifications per pass ([`Storm`]); the
//! rest are held and go out at the end of the pass as one grouped notification per
//! notifier ([`super::Dispatcher::flush_storm`]), whose result is recorded for every held
//! entry in its record.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::config::Config;
use crate::model::{Notification, Priority, SessionId};

/// Single notifications per notifier and pass before the rest are grouped.
pub const GROUP_AFTER: u32 = 5;

/// Lines listed in a grouped notification before "… and N more".
const GROUP_LINES: usize = 30;

/// Per-pass delivery budget per notifier, and what it held back.
#[derive(Debug)]
pub struct Storm {
    limit: usize,
    sent: BTreeMap<String, usize>,
    held: BTreeMap<String, Vec<Held>>,
}

/// A delivery held back by [`Storm`].
#[derive(Debug)]
struct Held {
    session: SessionId,
    key: String,
    notification: Notification,
}

impl Storm {
    /// A budget of `limit` single notifications per notifier for one pass.
    pub fn new(limit: u32) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            sent: BTreeMap::new(),
            held: BTreeMap::new(),
        }
    }

    /// No grouping (a push path delivering one notification).
    pub fn unlimited() -> Self {
        Self::new(u32::MAX)
    }

    /// The budget of `config` (`notifications.groupAfter`, default [`GROUP_AFTER`]).
    pub fn of(config: &Config) -> Self {
        Self::new(config.notifications.group_after.unwrap_or(GROUP_AFTER))
    }

    /// Counts one single delivery through `notifier`; false when its budget is spent.
    pub(super) fn admit(&mut self, notifier: &str) -> bool {
        let n = self.sent.entry(notifier.to_owned()).or_default();
        if *n >= self.limit {
            return false;
        }
        *n += 1;
        true
    }

    /// Holds the delivery of `n` (ledger `key` of `session`) through `notifier`.
    pub(super) fn hold(
        &mut self,
        session: &SessionId,
        key: &str,
        notifier: &str,
        n: &Notification,
    ) {
        self.held
            .entry(notifier.to_owned())
            .or_default()
            .push(Held {
                session: session.clone(),
                key: key.to_owned(),
                notification: n.clone(),
            });
    }

    /// What was held, per notifier: the one grouped notification standing for it.
    pub(super) fn groups(self, now: Timestamp) -> impl Iterator<Item = (String, Group)> {
        let limit = self.limit;
        self.held.into_iter().map(move |(name, held)| {
            let notification = grouped(&name, &held, limit, now);
            (name, Group { notification, held })
        })
    }
}

/// The deliveries held for one notifier, and the notification standing for them.
#[derive(Debug)]
pub(super) struct Group {
    /// The grouped notification.
    pub notification: Notification,
    held: Vec<Held>,
}

impl Group {
    /// The ledger keys of the held deliveries.
    pub fn keys(&self) -> Vec<&str> {
        self.held.iter().map(|h| h.key.as_str()).collect()
    }

    /// The ledger keys of the held deliveries, per session.
    pub fn by_session(&self) -> BTreeMap<&SessionId, Vec<&str>> {
        let mut out: BTreeMap<&SessionId, Vec<&str>> = BTreeMap::new();
        for h in &self.held {
            out.entry(&h.session).or_default().push(&h.key);
        }
        out
    }
}

/// The one notification standing for `held` deliveries through one notifier: the most
/// urgent priority among them, and their titles listed.
fn grouped(notifier: &str, held: &[Held], limit: usize, now: Timestamp) -> Notification {
    let priority = held
        .iter()
        .map(|h| h.notification.priority)
        .min()
        .unwrap_or(Priority::Info);
    let mut sessions: Vec<&str> = held.iter().map(|h| h.session.as_str()).collect();
    sessions.sort_unstable();
    sessions.dedup();
    let mut projects: Vec<&str> = held
        .iter()
        .filter_map(|h| h.notification.project.as_deref())
        .collect();
    projects.sort_unstable();
    projects.dedup();
    let mut lines: Vec<String> = held
        .iter()
        .take(GROUP_LINES)
        .map(|h| format!("- {}", h.notification.title))
        .collect();
    if held.len() > GROUP_LINES {
        lines.push(format!("- … and {} more", held.len() - GROUP_LINES));
    }
    let mut n = Notification::general(
        format!("grouped:{notifier}:{}", now.as_second()),
        "grouped",
        priority,
        format!(
            "{} more notifications from {} sessions",
            held.len(),
            sessions.len()
        ),
        format!(
            "{}\nGrouped: more than {limit} notifications for `{notifier}` in one pass (an outage?). `ao status` shows every session.",
            lines.join("\n")
        ),
        now,
    );
    n.project = (projects.len() == 1).then(|| projects[0].to_owned());
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(i: usize, priority: Priority) -> Held {
        Held {
            session: SessionId::parse(&format!("app-{i}")).unwrap(),
            key: format!("app-{i}:k"),
            notification: Notification {
                version: crate::model::notification::NOTIFICATION_SCHEMA_VERSION,
                key: format!("app-{i}:k"),
                kind: "agent-stuck".into(),
                priority,
                title: format!("app-{i} is stuck"),
                message: String::new(),
                session: Some(format!("app-{i}")),
                project: Some(if i.is_multiple_of(2) { "a" } else { "b" }.into()),
                pr_url: None,
                attach: None,
                dashboard_url: None,
                time: Timestamp::UNIX_EPOCH,
            },
        }
    }

    #[test]
    fn a_group_takes_the_most_urgent_priority_and_bounds_its_list() {
        let mut h: Vec<Held> = (1..=40).map(|i| held(i, Priority::Warning)).collect();
        h.push(held(41, Priority::Urgent));
        let n = grouped("team", &h, 5, Timestamp::UNIX_EPOCH);
        assert_eq!(n.priority, Priority::Urgent);
        assert_eq!(n.title, "41 more notifications from 41 sessions");
        assert_eq!(
            n.message
                .lines()
                .filter(|l| l.starts_with("- app-"))
                .count(),
            30
        );
        assert!(n.message.contains("- … and 11 more"), "{}", n.message);
        assert_eq!(n.project, None, "two projects");
        assert_eq!(n.key, "grouped:team:0");
    }

    #[test]
    fn the_budget_is_per_notifier() {
        let mut s = Storm::new(2);
        assert!(s.admit("a") && s.admit("a") && !s.admit("a"));
        assert!(s.admit("b"));
        let mut u = Storm::unlimited();
        assert!((0..1000).all(|_| u.admit("a")));
    }
}
