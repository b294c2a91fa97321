//! Dispatch: sending notifications through notifiers and recording what happened — in
//! the record's ledger (retries with backoff), as an event, and as a typed [`Dispatch`]
//! for the caller's summary. A notifier that keeps failing is reported through the others.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Storm, route, routed};
use crate::config::Config;
use crate::lifecycle;
use crate::model::EventKind;
use crate::model::{Notification, Priority, SessionRecord};
use crate::plugins::{PluginEnv, PluginError, notifier};
use crate::store::{Event, Store, StoreError};

/// What became of one notification through one notifier.
#[derive(Debug)]
pub enum Outcome {
    /// The notifier confirmed delivery.
    Sent,
    /// The notifier could not be created or did not deliver. A ledger entry is retried
    /// with backoff; `PluginError::Unavailable` is transient, the rest needs the config
    /// fixed.
    Failed(PluginError),
    /// Over the pass's storm budget: held, and sent grouped at the end of the pass
    /// ([`Dispatcher::flush_storm`]).
    Held,
}

/// One notification through one notifier: what happened, and its event.
#[derive(Debug)]
pub struct Dispatch {
    /// Notifier name (a `notifiers:` key or a plugin name).
    pub notifier: String,
    /// The notification's title.
    pub title: String,
    /// What happened.
    pub outcome: Outcome,
    /// The `notification.sent` / `notification.failed` event; `None` when held.
    pub event: Option<Event>,
}

impl Outcome {
    /// `sent`, `failed` or `held`, for the tick's summary.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Failed(_) => "failed",
            Outcome::Held => "held",
        }
    }
}

impl Dispatch {
    fn new(notifier: &str, n: &Notification, outcome: Outcome) -> Self {
        Self {
            notifier: notifier.to_owned(),
            title: n.title.clone(),
            outcome,
            event: None,
        }
    }

    /// One line for people: "<title> via <notifier>", "<notifier>: <error>" or
    /// "<title> held for <notifier>" (the event's message).
    pub fn line(&self) -> String {
        match &self.outcome {
            Outcome::Sent => format!("{} via {}", self.title, self.notifier),
            Outcome::Failed(e) => format!("{}: {e}", self.notifier),
            Outcome::Held => format!("{} held for {}", self.title, self.notifier),
        }
    }

    /// The result as a session ledger records it; `None` when held.
    fn ledger_result(&self) -> Option<Result<(), String>> {
        match &self.outcome {
            Outcome::Sent => Some(Ok(())),
            Outcome::Failed(e) => Some(Err(e.to_string())),
            Outcome::Held => None,
        }
    }

    /// The event scoped to `project` (and `session`).
    #[must_use]
    pub fn about(mut self, project: &str, session: Option<&str>) -> Self {
        self.event = self.event.map(|e| e.about(project, session));
        self
    }
}

/// Sends notifications for one command run: the config's notifiers, the data dir (email
/// digest queue, failing-notifier markers) and the time of the run.
#[derive(Debug, Clone, Copy)]
pub struct Dispatcher<'a> {
    config: &'a Config,
    data_dir: &'a Path,
    now: Timestamp,
}

impl<'a> Dispatcher<'a> {
    /// Sends through the notifiers of `config`, at `now`.
    pub fn new(config: &'a Config, data_dir: &'a Path, now: Timestamp) -> Self {
        Self {
            config,
            data_dir,
            now,
        }
    }

    /// Notifier names for `priority` ([`route`]).
    pub fn route(&self, priority: Priority) -> Vec<String> {
        route(self.config, priority)
    }

    /// Creates the notifier `name` (its `notifiers.<name>` block, else the plugin of that
    /// name) and sends `n` through it. No event, no ledger: `ao notify test` records its
    /// own.
    pub fn try_send(&self, name: &str, n: &Notification) -> Result<(), PluginError> {
        let env = PluginEnv::new(self.data_dir).with_notifier(self.config.notifiers.get(name));
        notifier::create(name, &env).and_then(|sink| sink.send(n))
    }

    /// Sends `n` through `name` and records the event, `notification.sent` or
    /// `notification.failed`, whose data is `key`, `notifier` and the fields of `data`.
    pub fn send(&self, name: &str, n: &Notification, data: Value) -> Dispatch {
        let outcome = match self.try_send(name, n) {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Failed(e),
        };
        let mut d = Dispatch::new(name, n, outcome);
        let kind = match d.outcome {
            Outcome::Failed(_) => EventKind::NotificationFailed,
            _ => EventKind::NotificationSent,
        };
        let mut fields = json!({"key": n.key, "notifier": name});
        if let (Some(f), Value::Object(extra)) = (fields.as_object_mut(), data) {
            f.extend(extra);
        }
        d.event = Some(Event::new(self.now, kind, d.line()).with(fields));
        d
    }

    /// Adds `new` notifications to the record's ledger and delivers everything due (new
    /// and retries), through the routing of the config. Each result is recorded in the
    /// ledger and returned, its event scoped to the session; the caller persists the
    /// record and appends the events. A delivery over the `storm` budget is held
    /// ([`Outcome::Held`]) for [`Dispatcher::flush_storm`]. Warnings about a notifier
    /// that keeps failing, sent through the others, are among the results.
    pub fn deliver(
        &self,
        rec: &mut SessionRecord,
        new: &[Notification],
        storm: &mut Storm,
    ) -> Vec<Dispatch> {
        let plans = lifecycle::plan_deliveries(rec, new, &|p| route(self.config, p), self.now);
        let mut out = Vec::new();
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
                    storm.hold(&rec.id, &plan.key, &name, &n);
                    out.push(Dispatch::new(&name, &n, Outcome::Held));
                    continue;
                }
                let data = json!({"priority": n.priority});
                let d = self
                    .send(&name, &n, data)
                    .about(&rec.project, Some(rec.id.as_str()));
                if let Some(result) = d.ledger_result() {
                    lifecycle::record_delivery(rec, &plan.key, &name, result, self.now);
                }
                let attempts = rec
                    .notifications
                    .get(&plan.key)
                    .and_then(|l| l.failures.get(&name))
                    .map_or(0, |f| f.attempts);
                let failed = matches!(d.outcome, Outcome::Failed(_));
                out.push(d);
                out.extend(self.notifier_health(&name, failed, attempts));
            }
        }
        out
    }

    /// Notifies at once about `n` (the push path, `ao hook`): enqueued in the record's
    /// ledger and the record saved before any send — after a crash the next tick delivers
    /// it under the same key — then delivered with the rest that is due, without a storm
    /// budget. The caller saves the record again and appends the events.
    pub fn push(
        &self,
        store: &Store,
        rec: &mut SessionRecord,
        n: Notification,
    ) -> Result<Vec<Dispatch>, StoreError> {
        let new = [n];
        lifecycle::enqueue(rec, &new, self.now);
        store.save(rec)?;
        Ok(self.deliver(rec, &new, &mut Storm::unlimited()))
    }

    /// Sends `n` — a summary outside any session's ledger — through every notifier routed
    /// for its priority that is not in `sent` yet, adding each success to `sent`. `data`
    /// adds fields to each event. Returns the results, and whether every routed notifier
    /// is in `sent` now.
    pub fn send_routed(
        &self,
        n: &Notification,
        sent: &mut BTreeMap<String, Timestamp>,
        data: &Value,
    ) -> (Vec<Dispatch>, bool) {
        let routes = self.route(n.priority);
        let mut out = Vec::new();
        for name in &routes {
            if sent.contains_key(name) {
                continue;
            }
            let d = self.send(name, n, data.clone());
            if matches!(d.outcome, Outcome::Sent) {
                sent.insert(name.clone(), self.now);
            }
            out.push(d);
        }
        let all_sent = routes.iter().all(|r| sent.contains_key(r));
        (out, all_sent)
    }

    /// Sends what `storm` held back: one grouped notification per notifier, then records
    /// its result for every held entry in its record (under its session lock): delivered,
    /// or a failed attempt retried with the usual backoff. Returns the grouped sends and
    /// the errors met recording them.
    pub fn flush_storm(&self, store: &Store, storm: Storm) -> (Vec<Dispatch>, Vec<String>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (name, group) in storm.groups(self.now) {
            let data = json!({"priority": group.notification.priority, "grouped": group.keys()});
            let d = self.send(&name, &group.notification, data);
            let result = d.ledger_result().unwrap_or(Ok(()));
            for (id, keys) in group.by_session() {
                let saved = store.lock_session(id).and_then(|_lock| {
                    let mut rec = store.find(id)?;
                    for key in keys {
                        lifecycle::record_delivery(&mut rec, key, &name, result.clone(), self.now);
                    }
                    store.save(&rec)
                });
                match saved {
                    // Ended (cleaned up) in this same tick: its ledger went to the archive.
                    Ok(()) | Err(StoreError::NotFound(_)) => {}
                    Err(e) => errors.push(format!("{id}: recording the grouped delivery: {e}")),
                }
            }
            out.push(d);
        }
        (out, errors)
    }

    /// Sends the `info` email digests that are due ([`notifier::flush_digests`]); returns
    /// one event per notifier that sent one or failed to (`"digest": true` in its data).
    pub fn flush_digests(&self) -> Vec<Event> {
        notifier::flush_digests(&self.config.notifiers, self.data_dir, self.now)
            .into_iter()
            .map(|(name, r)| {
                let (kind, msg) = match r {
                    Ok(n) => (
                        EventKind::NotificationSent,
                        format!("digest of {n} via {name}"),
                    ),
                    Err(e) => (
                        EventKind::NotificationFailed,
                        format!("{name}: digest: {e}"),
                    ),
                };
                Event::new(self.now, kind, msg).with(json!({"notifier": name, "digest": true}))
            })
            .collect()
    }

    /// Tracks notifiers that keep failing: after [`FAILING_AFTER`] failed attempts, one
    /// warning goes out through the other notifiers (once, until the notifier works
    /// again; a marker in `cache/notifier-failing/<name>` remembers it across ticks).
    fn notifier_health(&self, name: &str, failed: bool, attempts: u32) -> Vec<Dispatch> {
        let Ok(()) = crate::model::validate_name(name, "notifier name") else {
            return Vec::new();
        };
        let marker = self.data_dir.join("cache/notifier-failing").join(name);
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
            self.now,
        );
        let sent: Vec<Dispatch> = routed(self.config)
            .into_iter()
            .filter(|other| other != name)
            .map(|other| self.send(&other, &warning, json!({})))
            .collect();
        if sent.iter().any(|d| matches!(d.outcome, Outcome::Sent)) {
            if let Some(d) = marker.parent() {
                let _ = crate::sys::atomic::ensure_private_dir(d);
            }
            let _ = crate::sys::atomic::write(&marker, self.now.to_string().as_bytes());
        }
        sent
    }
}

/// Failed attempts after which a notifier counts as failing and the human is warned
/// through the other notifiers.
const FAILING_AFTER: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NotifierConfig;

    /// A config whose notifier `bad` always fails and `ok` always succeeds (`command`
    /// notifiers running `false` and `true`), both routed for every priority.
    fn config() -> Config {
        let mut c = Config::default();
        for (name, prog) in [("bad", "false"), ("ok", "true")] {
            c.notifiers.insert(
                name.to_owned(),
                NotifierConfig {
                    plugin: "command".into(),
                    command: vec![prog.into()],
                    ..Default::default()
                },
            );
        }
        c.defaults.notifiers = Some(vec!["bad".into(), "ok".into()]);
        c
    }

    fn note(key: &str) -> Notification {
        Notification::general(
            key.to_owned(),
            "test",
            Priority::Urgent,
            format!("title {key}"),
            String::new(),
            Timestamp::UNIX_EPOCH,
        )
    }

    fn record() -> SessionRecord {
        serde_json::from_value(json!({
            "version": crate::model::RECORD_VERSION, "id": "app-1", "project": "app",
            "branch": "ao/app-1", "workspace": "/tmp/ws", "workspacePlugin": "worktree",
            "agent": "claude-code", "createdAt": "2026-01-01T00:00:00Z",
            "status": "working", "statusSince": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn each_notifier_gets_a_typed_outcome_and_its_event() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let d = Dispatcher::new(&config, dir.path(), Timestamp::UNIX_EPOCH);
        let bad = d.send("bad", &note("k"), json!({"priority": "urgent"}));
        assert!(
            matches!(bad.outcome, Outcome::Failed(PluginError::Unavailable(_))),
            "{bad:?}"
        );
        let e = bad.event.as_ref().unwrap();
        assert_eq!(e.kind, EventKind::NotificationFailed);
        assert_eq!(e.message, bad.line());
        assert_eq!(e.data["notifier"], "bad");
        assert_eq!(e.data["key"], "k");
        assert_eq!(e.data["priority"], "urgent");
        let ok = d.send("ok", &note("k"), json!({}));
        assert!(matches!(ok.outcome, Outcome::Sent), "{ok:?}");
        assert_eq!(ok.line(), "title k via ok");
        let missing = d.send("pigeon", &note("k"), json!({}));
        assert!(
            matches!(missing.outcome, Outcome::Failed(PluginError::NotFound(_))),
            "{missing:?}"
        );
    }

    #[test]
    fn storm_control_holds_past_the_budget_and_sends_nothing_for_held() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let d = Dispatcher::new(&config, dir.path(), Timestamp::UNIX_EPOCH);
        let mut rec = record();
        let mut storm = Storm::new(1);
        let got = d.deliver(&mut rec, &[note("a"), note("b")], &mut storm);
        let outcomes: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|x| {
                let o = match x.outcome {
                    Outcome::Sent => "sent",
                    Outcome::Failed(_) => "failed",
                    Outcome::Held => "held",
                };
                (x.title.as_str(), x.notifier.as_str(), o)
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                ("title a", "bad", "failed"),
                ("title a", "ok", "sent"),
                ("title b", "bad", "held"),
                ("title b", "ok", "held"),
            ]
        );
        assert!(got[2].event.is_none() && got[3].event.is_none());
        let ledger = &rec.notifications["a"];
        assert_eq!(ledger.failures["bad"].attempts, 1);
        assert!(ledger.sent.contains_key("ok"));
        assert!(rec.notifications["b"].sent.is_empty(), "held, not sent");
    }

    #[test]
    fn a_summary_goes_to_each_route_until_every_one_took_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let d = Dispatcher::new(&config, dir.path(), Timestamp::UNIX_EPOCH);
        let mut sent = BTreeMap::new();
        let (got, all) = d.send_routed(&note("s"), &mut sent, &json!({"batch": "b1"}));
        assert!(!all);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].event.as_ref().unwrap().data["batch"], "b1");
        assert_eq!(sent.keys().collect::<Vec<_>>(), ["ok"]);
        let (got, _) = d.send_routed(&note("s"), &mut sent, &json!({}));
        assert_eq!(got.len(), 1, "only the failed one again");
        assert_eq!(got[0].notifier, "bad");
    }

    #[test]
    fn a_notifier_that_keeps_failing_is_reported_once_through_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let mut rec = record();
        let mut warnings = Vec::new();
        // Attempts at 0 s, then each time the backoff (30 s, 60 s, 120 s) has passed.
        for (i, at) in [0, 31, 92, 213].into_iter().enumerate() {
            let now = Timestamp::from_second(at).unwrap();
            let d = Dispatcher::new(&config, dir.path(), now);
            let new = if i == 0 { vec![note("a")] } else { vec![] };
            for x in d.deliver(&mut rec, &new, &mut Storm::unlimited()) {
                if x.title.contains("keeps failing") {
                    warnings.push((i, x.notifier, matches!(x.outcome, Outcome::Sent)));
                }
            }
        }
        assert_eq!(rec.notifications["a"].failures["bad"].attempts, 4);
        assert_eq!(
            warnings,
            [(2, "ok".to_owned(), true)],
            "once, after 3 failures"
        );
        assert!(dir.path().join("cache/notifier-failing/bad").exists());
    }
}
