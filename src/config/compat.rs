//! Configs written for the TypeScript agent-orchestrator (the seed's implementation) load
//! in ao: before the typed parse, its documented keys are rewritten on the raw YAML tree.
//!
//! * `$schema` is accepted (editors use it; ao publishes its own, `ao config schema`).
//! * Keys with an ao equivalent are mapped, each with a one-line deprecation warning that
//!   names ao's key: `notificationRouting` → `notifications.routing`, `readyThresholdMs` →
//!   `readyThreshold`, `agentRules` → `instructions`, `agentConfig.permissions` values.
//! * Keys for which ao has no concept (a web server's ports, npm plugins, orchestrator
//!   agents, webhooks, macOS power settings, …) are removed with a per-key hint saying
//!   what ao does instead.
//!
//! Warnings appear in `ao config check` (and `--json`); nothing here is an error.

use std::path::Path;

use yaml_serde::{Mapping, Value};

use super::diagnose::KeyPath;
use super::load::{Problem, ProblemKind, Warning};

/// Rewrites TypeScript-orchestrator keys in `raw` (see the module docs); returns warnings
/// located in `text`.
pub(crate) fn migrate(raw: &mut Value, file: &Path, text: &str) -> Vec<Warning> {
    let mut w = Vec::new();
    let Value::Mapping(root) = raw else {
        return w;
    };
    let mut warn = |path: &[&str], message: String, hint: Option<String>| {
        w.push(Problem::at(
            ProblemKind::Deprecated,
            file,
            Some(text),
            &KeyPath::of(path),
            message,
            hint,
        ));
    };
    root.remove("$schema");
    for (key, why) in [
        (
            "port",
            "ao runs no web server: `ao dashboard` writes a static HTML page (`dashboard: {enabled: true}` refreshes it every tick)",
        ),
        (
            "terminalPort",
            "ao runs no terminal server: `ao open <session>` attaches with tmux",
        ),
        (
            "directTerminalPort",
            "ao runs no terminal server: `ao open <session>` attaches with tmux",
        ),
        (
            "power",
            "ao keeps no process running (cron or a systemd timer runs `ao tick`); on macOS run `caffeinate` yourself if needed",
        ),
        (
            "lifecycle",
            "ao cleans up a merged session on the next tick unless its workspace holds unsaved work (`ao session cleanup` does it by hand)",
        ),
        (
            "plugins",
            "ao loads no npm plugins: a plugin is an `ao-<slot>-<name>` executable on PATH (docs/notifications.md)",
        ),
    ] {
        if root.remove(key).is_some() {
            warn(
                &[key],
                format!("`{key}` (TypeScript orchestrator) is not used by ao; ignored"),
                Some(format!("{why}; remove the key")),
            );
        }
    }
    if let Some(v) = root.remove("readyThresholdMs") {
        let secs = v.as_u64().map(|ms| ms.div_ceil(1000));
        match secs {
            Some(s) if !root.contains_key("readyThreshold") => {
                root.insert("readyThreshold".into(), Value::String(format!("{s}s")));
                warn(
                    &["readyThresholdMs"],
                    format!("`readyThresholdMs` is deprecated; read as `readyThreshold: {s}s`"),
                    Some(format!("write `readyThreshold: {s}s` instead")),
                );
            }
            _ => warn(
                &["readyThresholdMs"],
                "`readyThresholdMs` is deprecated and was ignored".into(),
                Some("write `readyThreshold: 5m` (a duration) instead".into()),
            ),
        }
    }
    if let Some(r) = root.remove("notificationRouting") {
        let notifications = root
            .entry("notifications".into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        match notifications {
            Value::Mapping(n) if !n.contains_key("routing") => {
                n.insert("routing".into(), r);
                warn(
                    &["notificationRouting"],
                    "`notificationRouting` is deprecated; read as `notifications.routing`".into(),
                    Some("move it under `notifications:` as `routing:`".into()),
                );
            }
            _ => warn(
                &["notificationRouting"],
                "`notificationRouting` ignored: `notifications.routing` is set too".into(),
                Some("keep only `notifications.routing`".into()),
            ),
        }
    }
    if let Some(Value::Mapping(d)) = root.get_mut("dashboard")
        && d.remove("attentionZones").is_some()
    {
        warn(
            &["dashboard", "attentionZones"],
            "`dashboard.attentionZones` is not used by ao; ignored".into(),
            Some("ao's dashboard always shows the attention zones; remove the key".into()),
        );
    }
    if let Some(Value::Mapping(d)) = root.get_mut("defaults") {
        for role in ["orchestrator", "worker"] {
            if d.remove(role).is_some() {
                warn(
                    &["defaults", role],
                    format!("`defaults.{role}` is not used by ao; ignored"),
                    Some(
                        "ao has no orchestrator agent: every session is a worker; set `defaults.agent`"
                            .into(),
                    ),
                );
            }
        }
    }
    if let Some(Value::Mapping(ns)) = root.get_mut("notifiers") {
        for (name, n) in ns.iter_mut() {
            let name = name.as_str().unwrap_or_default().to_owned();
            if let Value::Mapping(n) = n {
                plugin_keys(n, &["notifiers", &name], &mut warn);
            }
        }
    }
    if let Some(Value::Mapping(ps)) = root.get_mut("projects") {
        for (id, p) in ps.iter_mut() {
            let id = id.as_str().unwrap_or_default().to_owned();
            if let Value::Mapping(p) = p {
                project(p, &id, &mut warn);
            }
        }
    }
    w
}

/// `package:` of a TypeScript plugin block (an npm package name).
fn plugin_keys(
    m: &mut Mapping,
    at: &[&str],
    warn: &mut impl FnMut(&[&str], String, Option<String>),
) {
    if m.remove("package").is_some() {
        let mut p = at.to_vec();
        p.push("package");
        warn(
            &p,
            "`package` (an npm plugin) is not used by ao; ignored".into(),
            Some("set `plugin:` to a built-in name or to <name> of an `ao-<slot>-<name>` executable on PATH".into()),
        );
    }
}

/// Keys of ao's tracker/scm block.
const PLUGIN_KEYS: &[&str] = &[
    "plugin",
    "apiUrl",
    "teamId",
    "token",
    "path",
    "checks",
    "mergeMethod",
    "trustedBots",
    "branchPrefix",
    "options",
    "token",
    "baseUrl",
    "email",
    "jql",
    "updateState",
    "transitions",
    "package",
    "webhook",
];

/// A TypeScript plugin block takes any key (its plugins read them); for a plugin ao does
/// not ship, such keys become `options:` (what ao hands an `ao-<slot>-<name>` plugin).
fn external_options(
    m: &mut Mapping,
    at: &[&str],
    warn: &mut impl FnMut(&[&str], String, Option<String>),
) {
    let builtin = matches!(
        m.get("plugin").and_then(Value::as_str),
        None | Some("github" | "gitlab" | "plain" | "local" | "linear" | "jira")
    );
    if builtin {
        return;
    }
    let extra: Vec<Value> = m
        .keys()
        .filter(|k| k.as_str().is_some_and(|k| !PLUGIN_KEYS.contains(&k)))
        .cloned()
        .collect();
    if extra.is_empty() || m.contains_key("options") {
        return;
    }
    let mut options = Mapping::new();
    for k in extra {
        let name = k.as_str().unwrap_or_default().to_owned();
        if let Some(v) = m.remove(&k) {
            options.insert(k, v);
        }
        let mut p = at.to_vec();
        p.push(&name);
        warn(
            &p,
            format!("`{name}` is read as `options.{name}` (settings of an external plugin)"),
            Some("move it under `options:`".into()),
        );
    }
    m.insert("options".into(), Value::Mapping(options));
}

fn project(p: &mut Mapping, id: &str, warn: &mut impl FnMut(&[&str], String, Option<String>)) {
    if let Some(rules) = p.remove("agentRules") {
        if p.contains_key("instructions") {
            warn(
                &["projects", id, "agentRules"],
                "`agentRules` ignored: `instructions` is set too".into(),
                Some("keep only `instructions`".into()),
            );
        } else {
            p.insert("instructions".into(), rules);
            warn(
                &["projects", id, "agentRules"],
                "`agentRules` is deprecated; read as `instructions`".into(),
                Some("rename the key to `instructions`".into()),
            );
        }
    }
    for (key, hint) in [
        (
            "agentRulesFile",
            "ao reads the rules inline: paste the file's text into `instructions:`",
        ),
        (
            "orchestratorRules",
            "ao has no orchestrator agent; rules for the workers go into `instructions:`",
        ),
        (
            "orchestrator",
            "ao has no orchestrator agent: every session is a worker; set `agent:`/`agentConfig:`",
        ),
        (
            "worker",
            "set the worker's agent with `agent:` and `agentConfig:` on the project",
        ),
        (
            "orchestratorSessionStrategy",
            "ao has no orchestrator session; remove the key",
        ),
        (
            "opencodeIssueSessionStrategy",
            "ao starts one opencode session per ao session; remove the key",
        ),
        (
            "resolveError",
            "an internal field of the TypeScript loader; remove it",
        ),
    ] {
        if p.remove(key).is_some() {
            warn(
                &["projects", id, key],
                format!("`{key}` (TypeScript orchestrator) is not used by ao; ignored"),
                Some(hint.into()),
            );
        }
    }
    if let Some(Value::Mapping(ac)) = p.get_mut("agentConfig") {
        for key in ["orchestratorModel", "opencodeSessionId"] {
            if ac.remove(key).is_some() {
                warn(
                    &["projects", id, "agentConfig", key],
                    format!("`agentConfig.{key}` is not used by ao; ignored"),
                    Some("ao has no orchestrator agent; `agentConfig.model` sets the model".into()),
                );
            }
        }
        let mapped = match ac.get("permissions").and_then(Value::as_str) {
            Some("permissionless") => Some("skip"),
            Some("auto-edit") => Some("accept-edits"),
            Some("suggest") => Some("ask"),
            _ => None,
        };
        if let Some(new) = mapped {
            let old = ac
                .insert("permissions".into(), Value::String(new.into()))
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            warn(
                &["projects", id, "agentConfig", "permissions"],
                format!(
                    "`permissions: {old}` is the TypeScript orchestrator's name; read as `{new}`"
                ),
                Some(format!("write `permissions: {new}`")),
            );
        }
    }
    for slot in ["tracker", "scm"] {
        if let Some(Value::Mapping(m)) = p.get_mut(slot) {
            plugin_keys(m, &["projects", id, slot], warn);
            external_options(m, &["projects", id, slot], warn);
            if m.remove("webhook").is_some() {
                warn(
                    &["projects", id, slot, "webhook"],
                    "`webhook` is not used by ao; ignored".into(),
                    Some(
                        "ao receives no webhooks: each tick polls (one GraphQL query per repository), and git or agent hooks can run `ao tick --session` at once"
                            .into(),
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_drops_with_warnings() {
        let text = "$schema: x\nport: 3000\nreadyThresholdMs: 300000\nnotificationRouting:\n  urgent: [desktop]\nprojects:\n  a:\n    path: /tmp\n    agentRules: be nice\n    agentConfig: {permissions: permissionless, orchestratorModel: m}\n    scm: {plugin: github, webhook: {enabled: true}}\n";
        let mut v: Value = yaml_serde::from_str(text).unwrap();
        let w = migrate(&mut v, Path::new("c.yaml"), text);
        let out = yaml_serde::to_string(&v).unwrap();
        assert!(!out.contains("$schema") && !out.contains("port"), "{out}");
        assert!(out.contains("readyThreshold: 300s"), "{out}");
        assert!(out.contains("instructions: be nice"), "{out}");
        assert!(out.contains("permissions: skip"), "{out}");
        assert!(
            !out.contains("webhook") && !out.contains("orchestratorModel"),
            "{out}"
        );
        assert_eq!(v["notifications"]["routing"]["urgent"][0], "desktop");
        assert_eq!(w.len(), 7, "{w:#?}");
        assert!(
            w.iter()
                .all(|p| p.kind == ProblemKind::Deprecated && p.hint.is_some())
        );
        assert_eq!(w[0].line, Some(2), "located: {:?}", w[0]);
    }

    #[test]
    fn settings_of_external_plugins_become_options() {
        let text = "projects:\n  a:\n    path: /tmp\n    scm: {plugin: bitbucket, host: bitbucket.example.com}\n    tracker: {plugin: github, host: x}\n";
        let mut v: Value = yaml_serde::from_str(text).unwrap();
        let w = migrate(&mut v, Path::new("c.yaml"), text);
        assert_eq!(
            v["projects"]["a"]["scm"]["options"]["host"],
            "bitbucket.example.com"
        );
        assert_eq!(
            w.len(),
            1,
            "a built-in plugin keeps its keys (and ao reports them): {w:?}"
        );
        assert_eq!(v["projects"]["a"]["tracker"]["host"], "x");
    }
}
