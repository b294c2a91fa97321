//! Notification ledger policy (in progress in this session).
use jiff::Timestamp;

use crate::model::SessionRecord;
use crate::plugins::notifier::Notification;

/// Which notifiers to send a notification to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyPlan {
    /// Notification key.
    pub key: String,
    /// Notifier names due now.
    pub due: Vec<String>,
}

/// Adds `new` notifications to the record's ledger (deduped by key) and returns, for every
/// ledger entry, the notifiers that are due now (not yet confirmed, backoff elapsed).
pub fn plan_deliveries(
    rec: &mut SessionRecord,
    new: &[Notification],
    routes: &dyn Fn(crate::model::Priority) -> Vec<String>,
    now: Timestamp,
) -> Vec<NotifyPlan> {
    let _ = (rec, new, routes, now);
    Vec::new()
}

/// Records one delivery result for `key` / `notifier`.
pub fn record_delivery(
    rec: &mut SessionRecord,
    key: &str,
    notifier: &str,
    result: Result<(), String>,
    now: Timestamp,
) {
    let _ = (rec, key, notifier, result, now);
}
