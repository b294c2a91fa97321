//! Notifications to humans, in one place: which notifiers a priority goes to ([`route`]),
//! storm control ([`Storm`]), and dispatch ([`Dispatcher`]): calling the notifiers,
//! recording each result in the record's ledger and as an event, and returning it typed
//! ([`Dispatch`], [`Outcome`]). The tick, `ao hook` and `ao notify test` all send through
//! here.
//!
//! What to notify about is decided by the pure lifecycle (`lifecycle::decide`'s `Notify`
//! actions, `lifecycle::hook_needs_input`, the `all-complete` summaries); which ledger
//! entries are due and how a result changes the ledger (`lifecycle::plan_deliveries`,
//! `lifecycle::record_delivery`) is pure policy there too. This module does the I/O.
//!
//! Events: every send appends `notification.sent` (message "<title> via <notifier>") or
//! `notification.failed` ("<notifier>: <error>") with `key`, `notifier` and more in its
//! data; a held notification appends nothing until its group goes out. Callers branch on
//! [`Outcome`], never on the event's kind.

mod dispatch;
mod storm;

pub use dispatch::{Dispatch, Dispatcher, Outcome};
pub use storm::{GROUP_AFTER, Storm};

use crate::config::{Config, plugin_defaults};
use crate::model::Priority;

/// Notifier names for `priority`: `notifications.routing.<priority>` if configured, else
/// `defaults.notifiers`, else `[desktop]`; duplicates collapsed, order kept.
pub fn route(config: &Config, priority: Priority) -> Vec<String> {
    let names = config
        .notifications
        .routing
        .get(priority)
        .cloned()
        .or_else(|| config.defaults.notifiers.clone())
        .unwrap_or_else(|| vec![plugin_defaults::NOTIFIER.to_owned()]);
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Every notifier some priority is routed to, sorted, each once.
pub fn routed(config: &Config) -> Vec<String> {
    let mut all: Vec<String> = Priority::ALL
        .iter()
        .flat_map(|p| route(config, *p))
        .collect();
    all.sort();
    all.dedup();
    all
}
