//! The tick pass (DESIGN §5): lock → load → observe → decide → act → persist → unlock.
//! Also the notification dispatch shared with push paths (`ao hook`).

use jiff::Timestamp;

use crate::config::Config;
use crate::lifecycle;
use crate::model::SessionRecord;
use crate::plugins::notifier::{self, Notification};
use crate::store::Event;

/// Adds `new` notifications to the record's ledger and delivers everything due, through
/// the routing of `config`. Each delivery result is recorded in the ledger and returned as
/// an event; the caller persists the record and appends the events.
pub fn deliver_notifications(
    config: &Config,
    rec: &mut SessionRecord,
    new: &[Notification],
    now: Timestamp,
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
            let result = notifier::create(&name, config.notifiers.get(&name))
                .and_then(|sink| sink.send(&n))
                .map_err(|e| e.to_string());
            let (kind, msg) = match &result {
                Ok(()) => ("notification.sent", format!("{} via {name}", n.title)),
                Err(e) => ("notification.failed", format!("{name}: {e}")),
            };
            events.push(
                Event::new(now, kind, msg)
                    .about(&rec.project, Some(rec.id.as_str()))
                    .with(serde_json::json!({"key": plan.key, "notifier": name, "priority": n.priority})),
            );
            lifecycle::record_delivery(rec, &plan.key, &name, result, now);
        }
    }
    events
}
