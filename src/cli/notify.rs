//! `ao notify test`: sends a test notification through the notifiers routed for a
//! priority (or one named notifier) and reports each result — `ok  <name>` or
//! `FAIL <name>: <why>` per line, or one JSON object with `--json`. Exit 1 when any
//! notifier failed. Each result is also recorded in the event log (`notification.test`).

use serde::Serialize;

use super::{Ctx, GlobalArgs};
use crate::model::{EventKind, Notification, Priority};
use crate::store::Event;

/// Version of the `--json` output.
pub const SCHEMA_VERSION: u32 = 1;

/// Notification subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Send a test notification through the configured routes and report each result.
    ///
    /// Without `--notifier`, every notifier routed for `--priority` is tried
    /// (`notifications.routing.<priority>`, else `defaults.notifiers`, else `desktop`).
    /// Test notifications bypass the email digest. Exit status 1 when any notifier failed.
    Test {
        /// Only this notifier: a name under `notifiers:` or a plugin name (e.g. `desktop`).
        #[arg(long, value_name = "NAME")]
        notifier: Option<String>,
        /// Priority to route by and to send with: urgent, action, warning or info.
        #[arg(long, default_value = "info", value_name = "PRIORITY")]
        priority: String,
        /// Print one JSON object: `{"schemaVersion":1,"priority":…,"results":[{"notifier",
        /// "plugin","ok","error"?}]}`.
        #[arg(long)]
        json: bool,
    },
}

/// The outcome for one notifier.
#[derive(Debug, Serialize)]
struct Outcome {
    notifier: String,
    plugin: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    schema_version: u32,
    priority: Priority,
    results: Vec<Outcome>,
}

/// Runs a notify subcommand.
pub fn run(g: &GlobalArgs, c: &NotifyCommand) -> anyhow::Result<()> {
    match c {
        NotifyCommand::Test {
            notifier,
            priority,
            json,
        } => test(g, notifier.as_deref(), priority, *json),
    }
}

fn parse_priority(s: &str) -> anyhow::Result<Priority> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        crate::error::usage(
            format!("invalid priority `{}`", s.escape_default()),
            "use one of: urgent, action, warning, info",
        )
    })
}

/// The test notification sent through notifier `name`.
fn test_notification(name: &str, priority: Priority, now: jiff::Timestamp) -> Notification {
    Notification::test(name, priority, "ao notify test", now)
}

fn test(g: &GlobalArgs, only: Option<&str>, priority: &str, json: bool) -> anyhow::Result<()> {
    if json {
        crate::plugins::notifier::reserve_stdout();
    }
    let priority = parse_priority(priority)?;
    let ctx = Ctx::load(g.config.as_deref())?;
    let now = crate::clock::now();
    let notify = crate::notify::Dispatcher::new(&ctx.config, ctx.store.root(), now);
    let names = match only {
        Some(n) => vec![n.to_owned()],
        None => notify.route(priority),
    };
    if names.is_empty() {
        return Err(crate::error::usage(
            format!("no notifier is routed for priority `{priority}`"),
            format!("add notifiers to `notifications.routing.{priority}`, or pass --notifier NAME"),
        ));
    }
    let mut results = Vec::new();
    for name in names {
        let sent = notify.try_send(&name, &test_notification(&name, priority, now));
        results.push(Outcome {
            plugin: ctx
                .config
                .notifiers
                .get(&name)
                .map_or_else(|| name.clone(), |c| c.plugin.clone()),
            notifier: name,
            ok: sent.is_ok(),
            error: sent.err().map(|e| e.to_string()),
        });
    }

    let events: Vec<Event> = results
        .iter()
        .map(|r| {
            let msg = match &r.error {
                None => format!("test notification sent via {}", r.notifier),
                Some(e) => format!("test notification via {} failed: {e}", r.notifier),
            };
            Event::new(now, EventKind::NotificationTest, msg).with(serde_json::json!({
                "notifier": r.notifier,
                "plugin": r.plugin,
                "priority": priority,
                "ok": r.ok,
            }))
        })
        .collect();
    if let Err(e) = ctx.store.append(&events) {
        eprintln!("warning: could not record the results in the event log: {e}");
    }

    let failed = results.iter().any(|r| !r.ok);
    if json {
        let report = Report {
            schema_version: SCHEMA_VERSION,
            priority,
            results,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for r in &results {
            match &r.error {
                None => println!("ok   {}", r.notifier),
                Some(e) => println!("FAIL {}: {e}", r.notifier),
            }
        }
    }
    if failed {
        return Err(crate::error::SilentExit { code: 1 }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_parse_with_aliases() {
        assert_eq!(parse_priority("urgent").unwrap(), Priority::Urgent);
        assert_eq!(parse_priority("high").unwrap(), Priority::Urgent);
        assert_eq!(parse_priority("low").unwrap(), Priority::Info);
        let e = parse_priority("loud").unwrap_err();
        assert_eq!(crate::cli::exit::exit_code(&e), 2);
    }

    #[test]
    fn test_notification_is_specific() {
        let n = test_notification(
            "team",
            Priority::Urgent,
            "2025-01-01T00:00:00Z".parse().unwrap(),
        );
        assert_eq!(n.kind, "test");
        assert!(n.message.contains("notifier `team` works"), "{}", n.message);
        assert!(n.key.starts_with("test:team:"));
    }
}
