//! Delivery (issue 13 items 2, 3, 5) on real tmux: nothing is typed into a dead pane (the
//! tmux server and every other session survive), into a dialog, or into a starting agent;
//! `delivered` only when the agent's own record shows the message (real Claude Code
//! 2.1.328 when installed: trust dialog refused with the pane alive, a message sent before
//! the CLI is ready confirmed by its hook or transcript); a reaction the agent cannot take
//! stays pending and escalates once, naming why.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Pane state of `session`: `Some(dead)` when it exists.
fn pane_dead(env: &TestEnv, session: &str) -> Option<bool> {
    let out = env
        .tmux(&["list-panes", "-a", "-F", "#{session_name} #{pane_dead}"])
        .stdout;
    out.lines().find_map(|l| {
        let (name, dead) = l.split_once(' ')?;
        (name == session).then_some(dead == "1")
    })
}

fn events(env: &TestEnv) -> Vec<serde_json::Value> {
    std::fs::read_to_string(env.data().join("events.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn kinds(env: &TestEnv, kind: &str) -> Vec<serde_json::Value> {
    events(env)
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

#[test]
fn delivery_to_a_dead_pane_exits_non_zero_and_every_other_session_lives() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(
        &repo,
        "bash -c 'if [ \"$AO_SESSION\" = app-1 ]; then exit 3; fi; exec cat'",
    );
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "b"]).ok();
    let r = env.tmux(&["new-session", "-d", "-s", "bystander", "cat"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(env.wait_for(10, || pane_dead(&env, "app-1") == Some(true)));
    let r = env.ao_in(&repo, &["send", "app-1", "hello dead pane"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("not sent to app-1"), "{r}");
    assert!(r.stderr.contains("has exited"), "{r}");
    let r = env.ao_in(&repo, &["send", "app-1", "again", "--json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(r.json()["delivery"]["outcome"], "refused", "{r}");
    // The server did not crash: every other session is alive.
    assert_eq!(pane_dead(&env, "app-2"), Some(false));
    assert_eq!(pane_dead(&env, "bystander"), Some(false));
    assert_eq!(pane_dead(&env, "app-1"), Some(true));
    // And takes messages: a custom agent without patterns gives `unconfirmed`.
    let r = env
        .ao_in(&repo, &["send", "app-2", "still here", "--json"])
        .ok();
    assert_eq!(r.json()["delivery"]["outcome"], "unconfirmed", "{r}");
    assert!(env.wait_for(5, || env.capture("app-2").contains("still here")));
    assert_eq!(kinds(&env, "message.refused").len(), 2);
}

#[test]
fn delivery_never_types_into_a_dialog() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    // An agent that draws a selection dialog (Claude Code 2.1.328's footer) and then
    // records whatever it reads.
    env.local_config(
        &repo,
        "bash -c 'printf \"Trust this folder?\\n> No, exit\\n  Yes\\nEnter to confirm · Esc to cancel\\n\"; cat > typed.txt'",
    );
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    assert!(env.wait_for(10, || env.capture("app-1").contains("Esc to cancel")));
    let r = env.ao_in(&repo, &["send", "app-1", "do the thing"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("a dialog is on screen"), "{r}");
    assert!(r.stderr.contains("Enter to confirm"), "{r}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ws = env.worktrees().join("app/app-1");
    let typed = std::fs::read_to_string(ws.join("typed.txt")).unwrap_or_default();
    assert!(typed.is_empty(), "typed into the dialog: {typed:?}");
    assert_eq!(pane_dead(&env, "app-1"), Some(false));
    // --wait-idle waits (bounded) instead of typing, then says so.
    let r = env.ao_in(
        &repo,
        &[
            "send",
            "app-1",
            "do the thing",
            "--wait-idle",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(r.code, 1, "{r}");
}

/// A silent custom agent (a `while read` loop that prints nothing) on a PR whose check
/// keeps failing: the CI message reaches it, and when the check keeps failing exactly one
/// escalation reaches the human.
#[test]
fn a_silent_agent_gets_the_ci_message_and_one_escalation() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    std::fs::write(repo.join("test.sh"), "exit 1\n").unwrap();
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "-m", "failing test"]);
    let agent = env.root().join("silent.sh");
    std::fs::write(
        &agent,
        "git commit -q --allow-empty -m wip\nwhile read -r line; do printf '%s\\n' \"$line\" >> ../../../received.txt; done\n",
    )
    .unwrap();
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\nreadyThreshold: 1s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: \"bash {agent}\"\n    tracker: {{plugin: plain}}\n    scm:\n      plugin: local\n      checks: [\"sh test.sh\"]\n    reactions:\n      ci-failed: {{auto: true, action: send-to-agent, retries: 1, message: \"CI is failing\"}}\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
        agent = agent.display(),
    ));
    env.ao_in(&repo, &["spawn", "app", "--prompt", "fix it"])
        .ok();
    let received = env.root().join("received.txt");
    // The CI message has several lines: a custom agent gets it as a file and a one-line
    // pointer to it (no early submit). What the agent received, files followed:
    let got = |needle: &str| {
        let lines = std::fs::read_to_string(&received).unwrap_or_default();
        let ws = env.worktrees().join("app/app-1");
        lines.contains(needle)
            || lines.lines().any(|l| {
                l.split_whitespace()
                    .find(|w| w.starts_with(".ao/messages/"))
                    .and_then(|f| std::fs::read_to_string(ws.join(f)).ok())
                    .is_some_and(|t| t.contains(needle))
            })
    };
    let escalations = || kinds(&env, "reaction.escalated").len();
    for _ in 0..120 {
        env.ao_in(&repo, &["tick"]);
        if got("CI is failing") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(
        got("CI is failing"),
        "the CI message never reached the agent; events: {:#?}",
        events(&env)
    );
    let sent = kinds(&env, "message.sent");
    assert!(!sent.is_empty());
    // The check keeps failing and the agent stays silent: later ticks (time moved on with
    // AO_NOW) bring the human in exactly once.
    let start = jiff::Timestamp::now();
    for mins in [1, 5, 10, 16, 17, 30, 45, 60] {
        let at = start + jiff::SignedDuration::from_mins(mins);
        let mut c = env.ao_cmd(&repo);
        c.env("AO_NOW", at.to_string()).arg("tick");
        c.output().unwrap();
    }
    assert_eq!(escalations(), 1, "{:#?}", events(&env));
}

/// A message that waits undelivered (the agent never accepts messages) escalates once
/// after 15 minutes, naming why it waited; the ledger keeps since-when and why.
#[test]
fn a_message_that_cannot_be_delivered_escalates_once_naming_why() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    std::fs::write(repo.join("test.sh"), "exit 1\n").unwrap();
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "-m", "failing test"]);
    // Always shows a dialog: never takes a message.
    let agent = env.root().join("asks.sh");
    std::fs::write(
        &agent,
        "git commit -q --allow-empty -m wip\nprintf 'Proceed? [y/N] '\nexec cat > /dev/null\n",
    )
    .unwrap();
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: \"bash {agent}\"\n      patterns: {{waitingInput: [\"[y/N]\"]}}\n    tracker: {{plugin: plain}}\n    scm:\n      plugin: local\n      checks: [\"sh test.sh\"]\n    reactions:\n      ci-failed: {{auto: true, action: send-to-agent, message: \"CI is failing\"}}\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
        agent = agent.display(),
    ));
    env.ao_in(&repo, &["spawn", "app", "--prompt", "fix it"])
        .ok();
    let start = jiff::Timestamp::now();
    let tick_at = |mins: i64| {
        let at = start + jiff::SignedDuration::from_mins(mins);
        let mut c = env.ao_cmd(&repo);
        c.env("AO_NOW", at.to_string()).arg("tick");
        c.output().unwrap()
    };
    // Until the check result is in and the reaction is pending.
    let pending = || {
        let rec: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(env.data().join("projects/app/sessions/app-1.json")).unwrap(),
        )
        .unwrap();
        rec["reactions"]
            .as_object()
            .and_then(|m| m.values().find(|l| l["reaction"] == "ci-failed").cloned())
    };
    let mut ledger = None;
    for _ in 0..60 {
        tick_at(0);
        ledger = pending().filter(|l| l.get("pending_since").is_some());
        if ledger.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let ledger = ledger.unwrap_or_else(|| panic!("never pending: {:#?}", events(&env)));
    assert!(
        ledger.to_string().contains("waiting_input"),
        "the ledger names why: {ledger}"
    );
    tick_at(5);
    assert!(kinds(&env, "reaction.escalated").is_empty());
    // The stdout notifier prints what the human is told.
    let mut told = String::new();
    for m in [16, 17, 30] {
        told.push_str(&String::from_utf8_lossy(&tick_at(m).stdout));
    }
    let esc = kinds(&env, "reaction.escalated");
    assert_eq!(esc.len(), 1, "{:#?}", events(&env));
    assert!(told.contains("waited 16m undelivered"), "{told}");
    assert!(
        told.contains("Proceed? [y/N]"),
        "names what was on screen: {told}"
    );
    // Nothing was typed into the dialog.
    assert!(kinds(&env, "message.sent").is_empty());
}

// ---- real Claude Code -------------------------------------------------------------

/// The real `claude` (Claude Code 2.1.328 in the team's agent cache), when installed.
fn real_claude() -> Option<PathBuf> {
    let p = PathBuf::from("/root/.cache/ao-agents/npm/node_modules/.bin/claude");
    p.exists().then_some(p)
}

/// A Claude config dir that skips onboarding and approves the fake API key; with
/// `trusted`, the workspace-trust question for `ws` is answered too.
fn claude_config(dir: &Path, key: &str, ws: Option<&Path>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut cfg = serde_json::json!({
        "hasCompletedOnboarding": true,
        "customApiKeyResponses": {"approved": [key], "rejected": []},
    });
    if let Some(ws) = ws {
        cfg["projects"] = serde_json::json!({
            ws.display().to_string(): {"hasTrustDialogAccepted": true}
        });
    }
    std::fs::write(dir.join(".claude.json"), cfg.to_string()).unwrap();
}

fn claude_project(env: &TestEnv, repo: &Path, claude: &Path, config_dir: &Path, key: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: claude-code\n    agentConfig:\n      command: {claude}\n      env: {{CLAUDE_CONFIG_DIR: {cfg}, ANTHROPIC_API_KEY: {key}, DISABLE_AUTOUPDATER: \"1\"}}\n    tracker: {{plugin: plain}}\n    scm:\n      plugin: local\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
        claude = claude.display(),
        cfg = config_dir.display(),
    ));
    // It holds a (fake) API key: ao refuses a secret in a file others can read.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn real_claude_trust_dialog_is_not_typed_into_and_the_pane_lives() {
    let Some(claude) = real_claude() else {
        eprintln!("skipped: real Claude Code is not installed");
        return;
    };
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.root().join("claude");
    let key = "sk-ant-ao-test-key";
    claude_config(&cfg, key, None);
    claude_project(&env, &repo, &claude, &cfg, key);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "say hi"])
        .ok();
    assert!(
        env.wait_for(60, || env
            .capture("app-1")
            .contains("Yes, I trust this folder")),
        "no trust dialog: {}",
        env.capture("app-1")
    );
    let r = env.ao_in(&repo, &["send", "app-1", "hello"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("not sent to app-1"), "{r}");
    assert!(
        r.stderr.contains("dialog") || r.stderr.contains("waiting for an answer"),
        "{r}"
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        pane_dead(&env, "app-1"),
        Some(false),
        "{}",
        env.capture("app-1")
    );
    assert!(env.capture("app-1").contains("Yes, I trust this folder"));
    assert!(!env.capture("app-1").contains("didn't start"));
}

#[test]
fn real_claude_message_sent_before_ready_is_delivered_once_ready() {
    let Some(claude) = real_claude() else {
        eprintln!("skipped: real Claude Code is not installed");
        return;
    };
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.root().join("claude");
    let key = "sk-ant-ao-test-key";
    let ws = env.worktrees().join("app").join("app-1");
    claude_config(&cfg, key, Some(&ws));
    claude_project(&env, &repo, &claude, &cfg, key);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "say hi"])
        .ok();
    // At once: the CLI is still starting (a blank screen for seconds offline).
    let r = env.ao_in(
        &repo,
        &[
            "send",
            "app-1",
            "early message from ao",
            "--json",
            "--ready-timeout",
            "120",
        ],
    );
    let screen = env.capture("app-1");
    let files: Vec<String> = walk(&cfg.join("projects"))
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.display(),
                std::fs::read_to_string(p)
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.contains("early"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
        .collect();
    let screen = format!(
        "{screen}\nfiles: {files:#?}\nrecord: {}",
        std::fs::read_to_string(env.data().join("projects/app/sessions/app-1.json"))
            .unwrap_or_default()
    );
    assert_eq!(r.code, 0, "{r}\nscreen:\n{screen}");
    let d = &r.json()["delivery"];
    assert_eq!(d["outcome"], "delivered", "{r}\nscreen:\n{screen}");
    assert_eq!(d["confirmed_by"], "UserPromptSubmit hook or transcript");
    // The agent's own record has it.
    let transcripts: Vec<String> = walk(&cfg.join("projects"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let _ = transcripts;
    assert!(
        env.wait_for(30, || walk(&cfg.join("projects")).iter().any(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.contains("early message from ao"))
        })),
        "not in the transcript: {screen}"
    );
    assert_eq!(kinds(&env, "message.sent").len(), 1);
    assert!(
        kinds(&env, "message.sent")[0]["message"]
            .as_str()
            .unwrap()
            .contains("delivered")
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `claude-headless` on the `process` runtime takes every message as its next turn: once
/// the running turn has ended, a new `claude -p --resume <id>` process gets the message as
/// its prompt, appending to the same stream log. (A stand-in `claude` that prints the
/// stream-json shape of Claude Code 2.1.328's print mode.)
#[test]
fn claude_headless_takes_each_message_as_a_resumed_turn() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let claude = env.bin().join("claude");
    std::fs::write(
        &claude,
        "#!/bin/sh\necho \"argv: $*\"\nfor a; do last=$a; done\necho '{\"type\":\"system\",\"subtype\":\"init\"}'\necho \"{\\\"type\\\":\\\"result\\\",\\\"subtype\\\":\\\"success\\\",\\\"is_error\\\":false,\\\"result\\\":\\\"did: $last\\\"}\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.config(&format!(
        "worktreeDir: {}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {}\n    defaultBranch: main\n    agent: claude-headless\n    runtime: process\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
        env.worktrees().display(),
        repo.display()
    ));
    env.ao_in(&repo, &["spawn", "app", "--prompt", "first task"])
        .ok();
    let log = env.data().join("projects/app/files/app-1/output.log");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(env.wait_for(10, || read().contains("did: ")), "{}", read());
    let record = || -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(env.data().join("projects/app/sessions/app-1.json")).unwrap(),
        )
        .unwrap()
    };
    let first_pid = record()["runtime"]["pid"].as_u64().unwrap();
    let r = env
        .ao_in(&repo, &["send", "app-1", "now fix the tests", "--json"])
        .ok()
        .json();
    assert_eq!(r["delivery"]["outcome"], "delivered", "{r}");
    assert!(
        env.wait_for(10, || read().contains("did: now fix the tests")),
        "{}",
        read()
    );
    let turn = read()
        .lines()
        .find(|l| l.starts_with("argv:") && l.contains("now fix the tests"))
        .unwrap()
        .to_owned();
    let rec = record();
    let id = rec["agentSessionId"].as_str().unwrap();
    assert!(turn.contains(&format!("--resume {id}")), "{turn}");
    assert!(turn.contains(" -p "), "{turn}");
    // The record follows the new process; a tick after the turn sees the agent ready.
    assert_ne!(rec["runtime"]["pid"].as_u64(), Some(first_pid), "{rec}");
    env.ao_in(&repo, &["tick"]).ok();
}
