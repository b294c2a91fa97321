//! Notification dispatch shared by the tick and push paths (`ao hook`): every due
//! (notification, notifier) pair of a record's ledger is delivered and the result recorded
//! in the ledger; a notifier that keeps failing is reported through the others.
//!
//! Storm control (checklist G5): when an outage hits many sessions at once, each notifier
//! gets at most `notifications.groupAfter` single notifications per pass ([`Storm`]); the
//! rest are held and go out at the end of the pass as one grouped notification per
//! notifier ([`flush_storm`]), which marks every held entry delivered (or failed, retried
//! with the usual backoff) in its record.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::config::Config;
use crate::lifecycle;
use crate::model::EventKind;
use crate::model::{Priority, SessionId, SessionRecord};
use crate::plugins::notifier::{self, Notification};
use crate::store::{Event, Store};

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
    fn admit(&mut self, notifier: &str) -> bool {
        let n = self.sent.entry(notifier.to_owned()).or_default();
        if *n >= self.limit {
            return false;
        }
        *n += 1;
        true
    }
}

/// Sends `n` through the notifier `name` of `config`. Returns the outcome (the error
/// text on failure) and its event, `notification.sent` ("<title> via <name>") or
/// `notification.failed` ("<name>: <error>"), with `data` as the event's data.
pub fn send_via(
    config: &Config,
    data_dir: &std::path::Path,
    name: &str,
    n: &Notification,
    now: Timestamp,
    data: serde_json::Value,
) -> (Result<(), String>, Event) {
    let result = notifier::create(
        name,
        &crate::plugins::PluginEnv::new(data_dir).with_notifier(config.notifiers.get(name)),
    )
    .and_then(|sink| sink.send(n))
    .map_err(|e| e.to_string());
    let (kind, msg) = match &result {
        Ok(()) => (
            EventKind::NotificationSent,
            format!("{} via {name}", n.title),
        ),
        Err(e) => (EventKind::NotificationFailed, format!("{name}: {e}")),
    };
    (result, Event::new(now, kind, msg).with(data))
}

/// Adds `new` notifications to the record's ledger and delivers everything due, through
/// the routing of `config`. Each delivery result is recorded in the ledger and returned as
/// an event; the caller persists the record and appends the events.
///
/// A delivery over the `storm` budget is held for [`flush_storm`] instead.
pub fn deliver_notifications(
    config: &Config,
    data_dir: &std::path::Path,
    rec: &mut SessionRecord,
    new: &[Notification],
    now: Timestamp,
    storm: &mut Storm,
) -> Vec<Event> {
    let plans = lifecycle::plan_deliveries(rec, new, &|p| config.route(p), now);
    let mut events = Vec::new();
    for plan in plans {
        let Some(n) = rec
            .notifications
            .get(&plan.key)
            .map(|l| l.notification.clone())
        else {
            continue;
        };
        for name in plan.due {
            if !storm.admit(&name) {
                storm.held.entry(name).or_default().push(Held {
                    session: rec.id.clone(),
                    key: plan.key.clone(),
                    notification: n.clone(),
                });
                continue;
            }
            let data =
                serde_json::json!({"key": plan.key, "notifier": name, "priority": n.priority});
            let (result, event) = send_via(config, data_dir, &name, &n, now, data);
            events.push(event.about(&rec.project, Some(rec.id.as_str())));
            let failed = result.is_err();
            lifecycle::record_delivery(rec, &plan.key, &name, result, now);
            let attempts = rec
                .notifications
                .get(&plan.key)
                .and_then(|l| l.failures.get(&name))
                .map_or(0, |f| f.attempts);
            events.extend(notifier_health(
                config, data_dir, &name, failed, attempts, now,
            ));
        }
    }
    events
}

/// Failed attempts after which a notifier counts as failing and the human is warned
/// through the other notifiers.
const FAILING_AFTER: u32 = 3;

/// Tracks notifiers that keep failing: after `FAILING_AFTER` failed attempts, one warning
/// goes out through the other notifiers (once, until the notifier works again; a marker
/// in `cache/notifier-failing/<name>` remembers it across ticks).
fn notifier_health(
    config: &Config,
    data_dir: &std::path::Path,
    name: &str,
    failed: bool,
    attempts: u32,
    now: Timestamp,
) -> Vec<Event> {
    let Ok(()) = crate::model::validate_name(name, "notifier name") else {
        return Vec::new();
    };
    let marker = data_dir.join("cache/notifier-failing").join(name);
    if !failed {
        let _ = std::fs::remove_file(&marker);
        return Vec::new();
    }
    if attempts < FAILING_AFTER || marker.exists() {
        return Vec::new();
    }
    let warning = Notification::general(
        format!("notifier-failing:{name}"),
        "notifier-failing",
        Priority::Warning,
        format!("Notifier `{name}` keeps failing"),
        format!(
            "ao could not deliver through `{name}` {attempts} times; notifications routed only there are not reaching you. Run `ao notify test --notifier {name}` and check `ao events`."
        ),
        now,
    );
    let mut others: Vec<String> = Priority::ALL
        .iter()
        .flat_map(|p| config.route(*p))
        .collect();
    others.sort();
    others.dedup();
    others.retain(|n| n != name);
    let mut events = Vec::new();
    let mut warned = false;
    for other in others {
        let data = serde_json::json!({"key": warning.key, "notifier": other});
        let (r, event) = send_via(config, data_dir, &other, &warning, now, data);
        warned |= r.is_ok();
        events.push(event);
    }
    if warned {
        if let Some(d) = marker.parent() {
            let _ = crate::sys::atomic::ensure_private_dir(d);
        }
        let _ = crate::sys::atomic::write(&marker, now.to_string().as_bytes());
    }
    events
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

/// Sends what `storm` held back: one grouped notification per notifier, then records the
/// outcome for every held entry in its record (under its session lock): delivered, or a
/// failed attempt retried with the usual backoff. Returns the events and the errors.
pub fn flush_storm(
    store: &Store,
    config: &Config,
    storm: Storm,
    now: Timestamp,
) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (name, held) in storm.held {
        let n = grouped(&name, &held, storm.limit, now);
        let keys: Vec<&str> = held.iter().map(|h| h.key.as_str()).collect();
        let data = serde_json::json!({
            "key": n.key, "notifier": name, "priority": n.priority, "grouped": keys,
        });
        let (result, event) = send_via(config, store.root(), &name, &n, now, data);
        events.push(event);
        if let Err(e) = &result {
            errors.push(format!("{name}: grouped notification: {e}"));
        }
        let mut by_session: BTreeMap<&SessionId, Vec<&str>> = BTreeMap::new();
        for h in &held {
            by_session.entry(&h.session).or_default().push(&h.key);
        }
        for (id, keys) in by_session {
            let saved = store.lock_session(id).and_then(|_lock| {
                let mut rec = store.find(id)?;
                for key in keys {
                    lifecycle::record_delivery(&mut rec, key, &name, result.clone(), now);
                }
                store.save(&rec)
            });
            match saved {
                // Ended (cleaned up) in this same tick: its ledger went to the archive.
                Ok(()) | Err(crate::store::StoreError::NotFound(_)) => {}
                Err(e) => errors.push(format!("{id}: recording the grouped delivery: {e}")),
            }
        }
    }
    (events, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(i: usize, priority: Priority) -> Held {
        Held {
            session: SessionId::parse(&format!("app-{i}")).unwrap(),
            key: format!("app-{i}:k"),
            notification: Notification {
                version: notifier::NOTIFICATION_SCHEMA_VERSION,
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
