//! Notification ledger policy (checklist §3: Alertmanager's notification log): each
//! notification is keyed; a key enters the record's ledger once and is delivered once per
//! notifier; a failed delivery is retried with exponential backoff (30 s doubling, capped
//! at 30 min) until that notifier confirms.
//!
//! Invariant: a notifier recorded in `sent` for a key is never planned again for it.

use jiff::{SignedDuration, Timestamp};

use super::Settings;
use super::reactions::SAME_QUESTION_SECS;
use crate::config::ReactionKind;
use crate::model::Notification;
use crate::model::{DeliveryFailure, NotificationLedger, Priority, SessionRecord};

/// First retry delay after a failed delivery, in seconds.
const RETRY_BASE_SECS: i64 = 30;
/// Longest retry delay, in seconds.
const RETRY_MAX_SECS: i64 = 30 * 60;

/// Which notifiers to send a notification to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyPlan {
    /// Notification key.
    pub key: String,
    /// Notifier names due now.
    pub due: Vec<String>,
}

/// Adds `new` notifications to the record's ledger (deduped by key: a key already present
/// is neither re-added nor re-sent) and returns, for every ledger entry, the notifiers
/// that are due now: the route for its priority, minus notifiers that confirmed delivery,
/// minus those still backing off after a failure. Entries with nothing due are omitted.
pub fn plan_deliveries(
    rec: &mut SessionRecord,
    new: &[Notification],
    routes: &dyn Fn(Priority) -> Vec<String>,
    now: Timestamp,
) -> Vec<NotifyPlan> {
    enqueue(rec, new, now);
    rec.notifications
        .iter()
        .filter_map(|(key, l)| {
            let due: Vec<String> = routes(l.notification.priority)
                .into_iter()
                .filter(|name| !l.sent.contains_key(name))
                .filter(|name| l.failures.get(name).is_none_or(|f| f.retry_after <= now))
                .collect();
            (!due.is_empty()).then(|| NotifyPlan {
                key: key.clone(),
                due,
            })
        })
        .collect()
}

/// Adds `new` notifications to the record's ledger, deduped by key (a key already
/// present is left as it is). Persisting the record then makes them durable: a crash
/// before delivery leaves them due, never lost.
pub fn enqueue(rec: &mut SessionRecord, new: &[Notification], now: Timestamp) {
    for n in new {
        rec.notifications
            .entry(n.key.clone())
            .or_insert_with(|| NotificationLedger {
                due: now,
                sent: Default::default(),
                failures: Default::default(),
                notification: n.clone(),
            });
    }
}

/// The backoff after `attempts` failed deliveries: 30 s, 60 s, 120 s, … capped at 30 min.
fn backoff_secs(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (RETRY_BASE_SECS << doublings).min(RETRY_MAX_SECS)
}

/// Records one delivery result for `key` / `notifier`: success marks the notifier sent
/// and clears its failure; a failure counts the attempt and sets the next retry time.
/// Unknown keys are ignored.
pub fn record_delivery(
    rec: &mut SessionRecord,
    key: &str,
    notifier: &str,
    result: Result<(), String>,
    now: Timestamp,
) {
    let Some(l) = rec.notifications.get_mut(key) else {
        return;
    };
    match result {
        Ok(()) => {
            l.sent.insert(notifier.to_owned(), now);
            l.failures.remove(notifier);
        }
        Err(error) => {
            let attempts = l
                .failures
                .get(notifier)
                .map_or(0, |f| f.attempts)
                .saturating_add(1);
            let delay = SignedDuration::from_secs(backoff_secs(attempts));
            l.failures.insert(
                notifier.to_owned(),
                DeliveryFailure {
                    attempts,
                    error,
                    retry_after: now.checked_add(delay).unwrap_or(now),
                },
            );
        }
    }
}

/// The "needs your input" notification for a hook call (`ao hook`): the agent said it
/// waits, with `detail`. `None` when the tick told the human about this question from the
/// screen moments ago (an escalated needs-input reaction first seen within
/// `SAME_QUESTION_SECS`). Its priority is the `agent-needs-input` reaction's (default
/// urgent); like every notification about a session it carries the PR, attach command and
/// dashboard links. Its key names the moment the agent stopped: the transcript's length
/// `transcript_len` when the hook payload names a transcript (every hook reporting the
/// same prompt sees the same length), else the hook `event` and a hash of the detail.
pub fn hook_needs_input(
    rec: &SessionRecord,
    event: &str,
    detail: &str,
    transcript_len: Option<u64>,
    s: &Settings,
    now: Timestamp,
) -> Option<Notification> {
    let told = rec.reactions.values().any(|l| {
        l.reaction == ReactionKind::AgentNeedsInput.as_str()
            && l.escalated
            && now.as_second() - l.first_seen.as_second() <= SAME_QUESTION_SECS
    });
    if told {
        return None;
    }
    let priority = super::reactions::config(s, ReactionKind::AgentNeedsInput)
        .priority
        .unwrap_or(Priority::Urgent);
    let key = match transcript_len {
        Some(len) => format!("{}:agent-needs-input:hook:transcript:{len}", rec.id),
        None => format!(
            "{}:agent-needs-input:hook:{}:{}",
            rec.id,
            event,
            crate::model::short_hash(detail)
        ),
    };
    let mut message = if detail.is_empty() {
        "the agent is waiting for you".to_owned()
    } else {
        detail.to_owned()
    };
    if let Some(t) = &rec.issue_title {
        message.push_str(&format!(
            "\nIssue: {}",
            crate::sys::text::truncate_chars(t, 120)
        ));
    }
    let note = super::messages::Note {
        key,
        kind: ReactionKind::AgentNeedsInput.as_str().to_owned(),
        priority,
        title: format!("{} needs your input", rec.id),
        message,
    };
    Some(note.build(rec, s, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let got: Vec<i64> = [1, 2, 3, 6, 7, 100].map(backoff_secs).to_vec();
        assert_eq!(got, [30, 60, 120, 960, 1800, 1800]);
    }
}
