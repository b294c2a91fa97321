//! `ao doctor`: each check's ok / warn / fail path, through `--json` and the human output.
//! PATH holds only the test's own fake programs (`tmux`, `git`, the agent, `gh`), so
//! "missing" and "too old" are real conditions for the binary under test.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::common::TestEnv;

/// Writes an executable shell script `name` into the env's bin dir.
fn fake(env: &TestEnv, name: &str, body: &str) {
    let p = env.bin().join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

const BASE_PROJECT: &str = "  app:\n    path: .\n    agent: custom\n    agentConfig:\n      command: \"my-agent --fast\"\n    tracker: {plugin: plain}\n    scm: {plugin: local}\n";

/// An env where every check passes: current tmux and git, the agent binary, a private
/// data dir, a local-only project and the stdout notifier.
fn healthy() -> TestEnv {
    let env = TestEnv::new();
    fake(&env, "tmux", "echo 'tmux 3.3a'");
    fake(&env, "git", "echo 'git version 2.47.3'");
    fake(&env, "my-agent", "exit 0");
    config(&env, "", BASE_PROJECT);
    chmod(&env.data(), 0o700);
    env
}

/// Writes the config: `top` keys, then `projects:` with `projects` (indented entries).
fn config(env: &TestEnv, top: &str, projects: &str) {
    let p = env.config(&format!(
        "defaults:\n  notifiers: [stdout]\n{top}projects:\n{projects}"
    ));
    chmod(&p, 0o600);
}

struct Doctor {
    code: i32,
    stdout: String,
    json: Value,
}

impl Doctor {
    /// The check named `name`: (status, message, fix).
    #[track_caller]
    fn check(&self, name: &str) -> (String, String, String) {
        let c = self.json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no check `{name}` in\n{}", self.stdout));
        let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
        (s("status"), s("message"), s("fix"))
    }

    #[track_caller]
    fn status(&self, name: &str) -> String {
        self.check(name).0
    }
}

/// Runs `ao doctor --json` with PATH = the env's bin dir plus `vars`.
fn doctor(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Doctor {
    let mut c = env.ao_cmd(env.root());
    c.env("PATH", env.bin())
        .args(["doctor", "--json"])
        .args(args);
    for (k, v) in vars {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert_eq!(json["schemaVersion"], 1);
    Doctor {
        code: o.status.code().unwrap_or(-1),
        stdout,
        json,
    }
}

#[test]
fn doctor_all_ok() {
    let env = healthy();
    let d = doctor(&env, &[], &[]);
    assert_eq!(d.code, 0, "{}", d.stdout);
    for c in d.json["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert!(c.get("fix").is_none(), "no fix on ok: {c}");
    }
    let names: Vec<&str> = d.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "config",
            "tmux",
            "git",
            "agent:custom",
            "data-dir",
            "sessions",
            "notifier:stdout",
            "tick",
            "clock"
        ]
    );
    assert_eq!(d.json["ok"], true);
    assert_eq!(d.check("tmux").1, "tmux 3.3a");
    assert_eq!(d.check("git").1, "git version 2.47.3");
}

#[test]
fn doctor_human_output_has_status_and_fix() {
    let env = healthy();
    std::fs::remove_file(env.bin().join("git")).unwrap();
    let o = env
        .ao_cmd(env.root())
        .env("PATH", env.bin())
        .arg("doctor")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.lines().any(|l| l.starts_with("ok    tmux")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("fail  git")), "{out}");
    assert!(out.contains("fix: install git"), "{out}");
    assert!(out.contains("1 failure(s)"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn doctor_config_fail_and_warn() {
    let env = healthy();
    std::fs::write(
        env.root().join("agent-orchestrator.yaml"),
        "projects: [oops\n",
    )
    .unwrap();
    let d = doctor(&env, &[], &[]);
    assert_eq!(d.code, 1);
    let (st, _, fix) = d.check("config");
    assert_eq!(st, "fail");
    assert!(fix.contains("ao config check"));
    // The checks that need no config still run.
    assert_eq!(d.status("tmux"), "ok");
    assert_eq!(d.status("clock"), "ok");

    // Writable by others: anyone could add postCreate commands.
    config(&env, "", BASE_PROJECT);
    chmod(&env.root().join("agent-orchestrator.yaml"), 0o666);
    let d = doctor(&env, &[], &[]);
    let (st, msg, fix) = d.check("config");
    assert_eq!(st, "warn", "{msg}");
    assert!(fix.starts_with("chmod 600"), "{fix}");
    assert_eq!(d.code, 0, "warnings do not fail");
}

#[test]
fn doctor_tmux_paths() {
    let env = healthy();
    fake(&env, "tmux", "echo 'tmux 2.9'");
    let (st, msg, _) = doctor(&env, &[], &[]).check("tmux");
    assert_eq!(st, "warn", "{msg}");
    assert!(msg.contains("older than 3.0"));

    std::fs::remove_file(env.bin().join("tmux")).unwrap();
    let d = doctor(&env, &[], &[]);
    let (st, msg, fix) = d.check("tmux");
    assert_eq!(st, "fail", "{msg}");
    assert!(msg.contains("needed by app"), "{msg}");
    assert!(fix.contains("install tmux"));
    assert_eq!(d.code, 1);

    // Not needed when no project uses the tmux runtime.
    config(&env, "", &format!("{BASE_PROJECT}    runtime: process\n"));
    assert_eq!(doctor(&env, &[], &[]).status("tmux"), "ok");
}

#[test]
fn doctor_git_paths() {
    let env = healthy();
    fake(&env, "git", "echo 'git version 2.11.0'");
    assert_eq!(doctor(&env, &[], &[]).status("git"), "warn");
    std::fs::remove_file(env.bin().join("git")).unwrap();
    assert_eq!(doctor(&env, &[], &[]).status("git"), "fail");
}

#[test]
fn doctor_agent_paths() {
    let env = healthy();
    std::fs::remove_file(env.bin().join("my-agent")).unwrap();
    let (st, msg, _) = doctor(&env, &[], &[]).check("agent:custom");
    assert_eq!(st, "fail");
    assert!(msg.contains("`my-agent` not found"), "{msg}");

    config(
        &env,
        "",
        "  app:\n    path: .\n    agent: nope\n    tracker: {plugin: plain}\n    scm: {plugin: local}\n",
    );
    let (st, msg, _) = doctor(&env, &[], &[]).check("agent:nope");
    assert_eq!(st, "fail");
    assert!(msg.contains("unknown agent plugin `nope`"), "{msg}");

    config(
        &env,
        "",
        "  app:\n    path: .\n    tracker: {plugin: plain}\n    scm: {plugin: local}\n",
    );
    assert_eq!(doctor(&env, &[], &[]).status("agent:claude-code"), "fail");
    fake(&env, "claude", "exit 0");
    assert_eq!(doctor(&env, &[], &[]).status("agent:claude-code"), "ok");
}

#[test]
fn doctor_github_token_paths() {
    let env = healthy();
    // No scm/tracker: both default to github.
    config(
        &env,
        "",
        "  app:\n    path: .\n    repo: acme/app\n    agent: custom\n    agentConfig: {command: my-agent}\n",
    );
    let d = doctor(&env, &[], &[]);
    let (st, msg, fix) = d.check("github-token:app");
    assert_eq!(st, "fail", "{msg}");
    assert!(fix.contains("GH_TOKEN"));

    let d = doctor(&env, &[("GH_TOKEN", "ghp_secret_env")], &[]);
    let (st, msg, _) = d.check("github-token:app");
    assert_eq!(st, "ok");
    assert!(msg.contains("$GH_TOKEN is set"), "{msg}");
    assert!(!d.stdout.contains("ghp_secret_env"), "token leaked");

    fake(&env, "gh", "echo ghp_secret_gh");
    let d = doctor(&env, &[], &[]);
    assert_eq!(d.status("github-token:app"), "ok");
    assert!(!d.stdout.contains("ghp_secret_gh"), "token leaked");
}

#[test]
fn doctor_data_dir_paths() {
    let env = healthy();
    let f = env.data().join("events.jsonl");
    std::fs::write(&f, "").unwrap();
    chmod(&f, 0o644);
    let (st, msg, fix) = doctor(&env, &[], &[]).check("data-dir");
    assert_eq!(st, "warn");
    assert!(msg.contains("events.jsonl (644)"), "{msg}");
    assert!(fix.starts_with("chmod -R go-rwx"));
    chmod(&f, 0o600);
    assert_eq!(doctor(&env, &[], &[]).status("data-dir"), "ok");

    // A data dir others can write is refused by ao, so doctor fails it (checklist A8).
    chmod(&env.data(), 0o777);
    let (st, msg, _) = doctor(&env, &[], &[]).check("data-dir");
    assert_eq!(st, "fail");
    assert!(msg.contains("writable by group or others"), "{msg}");
    chmod(&env.data(), 0o700);

    let file = env.root().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let d = doctor(&env, &[("AO_DATA_DIR", file.to_str().unwrap())], &[]);
    assert_eq!(d.status("data-dir"), "fail");

    let missing = env.root().join("fresh");
    let d = doctor(&env, &[("AO_DATA_DIR", missing.to_str().unwrap())], &[]);
    assert_eq!(d.status("data-dir"), "ok");
    assert!(!missing.exists(), "doctor must not create the data dir");
}

/// Puts a live (`working`) session record into the data dir.
fn live_session(env: &TestEnv) {
    let dir = env.data().join("projects/app/sessions");
    std::fs::create_dir_all(&dir).unwrap();
    let rec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dashboard/projects/app/sessions/app-5.json");
    std::fs::copy(rec, dir.join("app-5.json")).unwrap();
}

fn event_line(ts: Timestamp, kind: &str) -> String {
    format!("{{\"v\":1,\"ts\":\"{ts}\",\"type\":\"{kind}\",\"message\":\"\"}}\n")
}

#[test]
fn doctor_sessions_paths() {
    let env = healthy();
    live_session(&env);
    let (st, msg, _) = doctor(&env, &[], &[]).check("sessions");
    assert_eq!(st, "ok");
    assert!(msg.contains("1 live"), "{msg}");
    std::fs::write(
        env.data().join("projects/app/sessions/app-9.json"),
        "{not json",
    )
    .unwrap();
    let (st, msg, _) = doctor(&env, &[], &[]).check("sessions");
    assert_eq!(st, "warn");
    assert!(msg.contains("1 record(s) unreadable"), "{msg}");
}

#[test]
fn doctor_tick_paths() {
    let env = healthy();
    let log = env.data().join("events.jsonl");
    // No sessions, no tick: nothing to watch.
    assert_eq!(doctor(&env, &[], &[]).status("tick"), "ok");

    live_session(&env);
    let (st, msg, fix) = doctor(&env, &[], &[]).check("tick");
    assert_eq!(st, "warn", "{msg}");
    assert!(msg.contains("no tick has run"));
    assert!(fix.contains("examples/cron/ao.crontab"));

    let now = Timestamp::now();
    std::fs::write(
        &log,
        event_line(now - SignedDuration::from_mins(10), "tick.finished"),
    )
    .unwrap();
    let (st, msg, _) = doctor(&env, &[], &[]).check("tick");
    assert_eq!(st, "warn", "{msg}");
    assert!(msg.contains("last tick 10m ago"), "{msg}");

    let mut text = event_line(now - SignedDuration::from_secs(60), "tick.skipped");
    text.push_str(&event_line(now, "session.spawned"));
    std::fs::write(&log, text).unwrap();
    let (st, msg, _) = doctor(&env, &[], &[]).check("tick");
    assert_eq!(st, "ok", "{msg}");
    assert!(msg.contains("tick.skipped"), "{msg}");
}

#[test]
fn doctor_clock_paths() {
    let env = healthy();
    let (st, msg, fix) = doctor(&env, &[("AO_NOW", "2026-01-01T00:00:00Z")], &[]).check("clock");
    assert_eq!(st, "warn");
    assert!(msg.contains("AO_NOW"), "{msg}");
    assert!(fix.contains("unset AO_NOW"));

    let future = Timestamp::now() + SignedDuration::from_hours(2);
    std::fs::write(
        env.data().join("events.jsonl"),
        event_line(future, "session.spawned"),
    )
    .unwrap();
    let (st, msg, _) = doctor(&env, &[], &[]).check("clock");
    assert_eq!(st, "warn");
    assert!(msg.contains("clock went back"), "{msg}");
}

#[test]
fn doctor_notifier_paths() {
    let env = healthy();
    let sink = env.root().join("sink.json");
    // PATH has only the fakes, so no `cat`: the JSON is one line, read by the shell.
    fake(
        &env,
        "notify-sink",
        &format!(
            "IFS= read -r line; printf '%s' \"$line\" > '{}'",
            sink.display()
        ),
    );
    fake(&env, "notify-broken", "echo 'no route to host' >&2; exit 1");
    let notifiers = "notifiers:\n  pager:\n    plugin: command\n    command: [notify-sink]\n  broken:\n    plugin: command\n    command: [notify-broken]\n  empty:\n    plugin: nosuch\n";
    config(
        &env,
        &format!("{notifiers}notifications:\n  routing:\n    urgent: [pager, broken]\n"),
        BASE_PROJECT,
    );
    // Without --notify nothing is sent; a notifier whose plugin does not exist fails.
    let d = doctor(&env, &[], &[]);
    let (st, msg, _) = d.check("notifier:pager");
    assert_eq!(st, "ok", "{msg}");
    assert!(msg.contains("routes: urgent"), "{msg}");
    assert_eq!(d.status("notifier:broken"), "ok");
    let (st, msg, fix) = d.check("notifier:empty");
    assert_eq!(st, "fail", "{msg}");
    assert!(msg.contains("not routed"), "{msg}");
    assert!(fix.contains("notifiers.empty"));
    assert!(!sink.exists(), "doctor sent without --notify");

    // With --notify: a test notification goes out; a failing sink fails the check.
    let d = doctor(&env, &[], &["--notify"]);
    let (st, msg, _) = d.check("notifier:pager");
    assert_eq!(st, "ok", "{msg}");
    assert!(msg.contains("sent a test notification"));
    let sent: Value = serde_json::from_str(&std::fs::read_to_string(&sink).unwrap()).unwrap();
    assert_eq!(sent["type"], "test");
    let (st, msg, _) = d.check("notifier:broken");
    assert_eq!(st, "fail");
    assert!(msg.contains("test notification failed"), "{msg}");

    // An unknown plugin fails with the list of available ones.
    config(
        &env,
        "notifiers:\n  carrier-pigeon:\n    plugin: pigeon\n",
        BASE_PROJECT,
    );
    let (st, msg, _) = doctor(&env, &[], &[]).check("notifier:carrier-pigeon");
    assert_eq!(st, "fail");
    assert!(msg.contains("unknown notifier plugin `pigeon`"), "{msg}");
}
