//! Decision logic (in progress in this session).
use jiff::Timestamp;

use super::{BatchSummary, Decision, Observation, Settings};
use crate::model::{SessionRecord, Status};
use crate::plugins::notifier::Notification;
use crate::plugins::runtime::Delivery;

/// Derives the status from the record's facts.
pub fn derive_status(rec: &SessionRecord, _s: &Settings, _now: Timestamp) -> Status {
    rec.status
}

/// One lifecycle step.
pub fn decide(rec: &SessionRecord, _obs: &Observation, _s: &Settings, _now: Timestamp) -> Decision {
    Decision {
        record: rec.clone(),
        actions: Vec::new(),
        events: Vec::new(),
    }
}

/// Records the outcome of a SendToAgent action.
pub fn on_send_result(
    rec: &SessionRecord,
    _key: &str,
    _result: Result<Delivery, String>,
    _s: &Settings,
    _now: Timestamp,
) -> Decision {
    Decision {
        record: rec.clone(),
        actions: Vec::new(),
        events: Vec::new(),
    }
}

/// Records the outcome of a Merge action.
pub fn on_merge_result(
    rec: &SessionRecord,
    _key: &str,
    _result: Result<crate::plugins::scm::MergeOutcome, String>,
    _s: &Settings,
    _now: Timestamp,
) -> Decision {
    Decision {
        record: rec.clone(),
        actions: Vec::new(),
        events: Vec::new(),
    }
}

pub(super) fn all_complete(
    _batch: &str,
    _records: &[&SessionRecord],
    _s: &Settings,
    _now: Timestamp,
) -> Option<(BatchSummary, Notification)> {
    None
}
