//! The real agent CLIs (Claude Code, Codex, OpenCode, aider) driven by the real `ao` in
//! real tmux, offline: every screen each one reaches without a model API — start-up
//! dialogs, sign-in, the API-key question, "can't reach the API" retries, the final error,
//! the idle composer, exit — is checked through `ao status --json` (activity, status, the
//! screen's own line as evidence) and the notifications that fire, each once.
//!
//! At every stage the live screen is classified next to its fixture
//! (tests/fixtures/agents/<agent>/<stage>.txt): both must give the activity the fixture
//! manifest (`VERSIONS`) records, so a fixture the real program no longer matches fails
//! here. `AO_UPDATE_FIXTURES=1` rewrites the fixtures from the live screens.
//!
//! The CLIs come from `${AO_TEST_AGENTS_DIR:-$HOME/.cache/ao-agents}` (`.ci/run` installs
//! the pinned versions there). `AO_TEST_REAL_AGENTS=0` skips these tests; a missing CLI
//! skips its test with a message, except in CI (`CI` set, or `AO_TEST_REAL_AGENTS=1` as
//! `.ci/run` sets it), where it fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ao::config::AgentConfig;
use ao::plugins::agent;
use serde_json::Value;

use crate::common::{Run, TestEnv};

/// Where the pinned CLIs are installed.
fn agents_dir() -> PathBuf {
    match std::env::var_os("AO_TEST_AGENTS_DIR").filter(|v| !v.is_empty()) {
        Some(d) => d.into(),
        None => Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/ao-agents"),
    }
}

/// The installed program for `prog`, or `None` (with the reason printed) when the test
/// must be skipped. Panics in CI, where the CLIs must be present.
fn program(prog: &str) -> Option<PathBuf> {
    if std::env::var("AO_TEST_REAL_AGENTS").as_deref() == Ok("0") {
        eprintln!("skipped: AO_TEST_REAL_AGENTS=0");
        return None;
    }
    let dir = agents_dir();
    let p = match prog {
        "aider" => dir.join("aider/bin/aider"),
        _ => dir.join("npm/node_modules/.bin").join(prog),
    };
    if p.exists() {
        return Some(p);
    }
    let msg = format!(
        "{prog} is not installed at {} (run .ci/run, or set AO_TEST_AGENTS_DIR)",
        p.display()
    );
    let required = std::env::var("AO_TEST_REAL_AGENTS").as_deref() == Ok("1")
        || std::env::var_os("CI").is_some();
    assert!(!required, "{msg}");
    eprintln!("skipped: {msg}");
    None
}

/// One real agent under ao: its own HOME, tmux server, repo and notification log.
struct Real {
    env: TestEnv,
    agent: &'static str,
    notes: PathBuf,
    /// Extra environment for every `ao` call (and so for the tmux server it starts).
    vars: Vec<(String, String)>,
    /// Seconds added to the wall clock (`AO_NOW`) for `ao tick` / `ao status`.
    offset: i64,
}

impl Real {
    fn new(agent: &'static str, prog: &str) -> Option<Self> {
        let path = program(prog)?;
        let env = TestEnv::new();
        std::os::unix::fs::symlink(&path, env.bin().join(prog)).unwrap();
        let repo = env.repo("repo");
        let notes = env.root().join("notes.jsonl");
        env.config(&format!(
            "worktreeDir: {wt}\nspawnGrace: 10s\ndefaults:\n  notifiers: [log]\nnotifiers:\n  log:\n    plugin: command\n    command: [\"sh\", \"-c\", \"cat >> {notes}; echo >> {notes}\"]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: {agent}\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
            wt = env.worktrees().display(),
            notes = notes.display(),
            repo = repo.display(),
        ));
        Some(Self {
            env,
            agent,
            notes,
            vars: vec![
                // Never update the pinned CLI in the middle of a test.
                ("DISABLE_AUTOUPDATER".into(), "1".into()),
                ("TERM".into(), "xterm-256color".into()),
            ],
            offset: 0,
        })
    }

    fn var(mut self, k: &str, v: &str) -> Self {
        self.vars.push((k.into(), v.into()));
        self
    }

    fn ao(&self, args: &[&str]) -> Run {
        let mut c = self.env.ao_cmd(self.env.root());
        c.envs(self.vars.iter().map(|(k, v)| (k, v)));
        if self.offset != 0 {
            let now = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(self.offset))
                .unwrap();
            c.env("AO_NOW", now.to_string());
        }
        Run::from(c.args(args).output().expect("run ao"))
    }

    fn spawn(&self) {
        self.ao(&["spawn", "app", "--prompt", "say hi"]).ok();
    }

    /// One tick, then the session as `ao status --json` shows it.
    fn observe(&self) -> Value {
        self.ao(&["tick"]);
        let st = self.ao(&["status", "--json"]).ok().json();
        st["sessions"][0].clone()
    }

    /// Ticks until `f` holds for the session, at most `secs`.
    #[track_caller]
    fn wait(&self, what: &str, secs: u64, f: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.observe();
            if f(&s) {
                return s;
            }
            if Instant::now() > end {
                panic!(
                    "{}: timed out waiting for {what}\nstatus: {s:#}\nscreen:\n{}\nnotifications:\n{}",
                    self.agent,
                    self.screen(),
                    std::fs::read_to_string(&self.notes).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    /// Waits for `activity` with `needle` in its evidence.
    #[track_caller]
    fn wait_activity(&self, activity: &str, needle: &str, secs: u64) -> Value {
        self.wait(&format!("{activity} with `{needle}`"), secs, |s| {
            s["activity"]["state"] == activity
                && s["activity"]["evidence"]
                    .as_str()
                    .is_some_and(|e| e.contains(needle))
        })
    }

    /// The pane as drawn now (no scrollback), as the tick captures it.
    fn screen(&self) -> String {
        self.env
            .tmux(&["capture-pane", "-p", "-J", "-t", "=app-1:"])
            .stdout
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.env.tmux(&["send-keys", "-t", "=app-1:", k]);
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    fn type_line(&self, text: &str) {
        self.env.tmux(&["send-keys", "-t", "=app-1:", "-l", text]);
        std::thread::sleep(Duration::from_millis(600));
        self.keys(&["Enter"]);
    }

    /// The live screen and the fixture `stage` classify alike, as the manifest says.
    #[track_caller]
    fn matches_fixture(&self, stage: &str) {
        let live = self.screen();
        let file = fixture_dir(self.agent).join(format!("{stage}.txt"));
        if std::env::var("AO_UPDATE_FIXTURES").as_deref() == Ok("1") {
            std::fs::write(&file, &live).unwrap();
        }
        let want = manifest(self.agent)
            .into_iter()
            .find(|e| e.file == format!("{stage}.txt"))
            .unwrap_or_else(|| panic!("{stage}.txt is not in the {} manifest", self.agent));
        let got = classify(self.agent, &live);
        assert_eq!(
            got,
            want.expect(),
            "{}: the real screen no longer classifies as its fixture {stage}.txt says\n{live}",
            self.agent
        );
        let fixture = std::fs::read_to_string(&file).unwrap();
        assert_eq!(classify(self.agent, &fixture), got, "fixture {stage}.txt");
    }

    /// Notifications so far whose title contains `needle`.
    fn notes_titled(&self, needle: &str) -> Vec<Value> {
        std::fs::read_to_string(&self.notes)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|n| n["title"].as_str().is_some_and(|t| t.contains(needle)))
            .collect()
    }

    /// Exactly `n` notifications titled with `needle`, after two more ticks.
    #[track_caller]
    fn assert_notes(&self, needle: &str, n: usize) -> Vec<Value> {
        self.observe();
        self.observe();
        let got = self.notes_titled(needle);
        assert_eq!(
            got.len(),
            n,
            "{}: notifications titled `{needle}`:\n{}",
            self.agent,
            std::fs::read_to_string(&self.notes).unwrap_or_default()
        );
        got
    }

    /// Moves ao's clock 11 minutes ahead: a retry loop on screen since before is now over
    /// the 10-minute bound.
    fn later(&mut self) {
        self.offset += 11 * 60;
    }
}

fn fixture_dir(agent: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agents")
        .join(agent)
}

/// One manifest line: fixture, CLI version it was captured from, expected activity and
/// whether the screen shows the agent failing to reach its model API.
struct Entry {
    file: String,
    version: String,
    activity: String,
    retrying: bool,
}

impl Entry {
    fn expect(&self) -> Option<(String, bool)> {
        (self.activity != "none").then(|| (self.activity.clone(), self.retrying))
    }
}

/// `tests/fixtures/agents/<agent>/VERSIONS`: `file version activity [retrying]` per line.
fn manifest(agent: &str) -> Vec<Entry> {
    let p = fixture_dir(agent).join("VERSIONS");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert!(w.len() >= 3, "{}: bad line `{l}`", p.display());
            Entry {
                file: w[0].into(),
                version: w[1].into(),
                activity: w[2].into(),
                retrying: w.get(3) == Some(&"retrying"),
            }
        })
        .collect()
}

fn classify(agent_name: &str, screen: &str) -> Option<(String, bool)> {
    let a = agent::create(agent_name, &ao::plugins::agent_env(&AgentConfig::default())).unwrap();
    a.classify_screen(screen)
        .map(|m| (m.activity.as_str().to_owned(), m.retrying))
}

#[test]
fn every_screen_fixture_names_its_cli_version_and_classifies_as_recorded() {
    for agent_name in ["claude-code", "codex", "opencode", "aider"] {
        let entries = manifest(agent_name);
        let dir = fixture_dir(agent_name);
        for f in std::fs::read_dir(&dir).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") {
                assert!(
                    entries.iter().any(|e| e.file == name),
                    "{agent_name}/{name} has no line in VERSIONS (which CLI version drew it?)"
                );
            }
        }
        for e in &entries {
            assert!(
                e.version.chars().next().is_some_and(|c| c.is_ascii_digit()),
                "{agent_name}/{}: version `{}`",
                e.file,
                e.version
            );
            let screen = std::fs::read_to_string(dir.join(&e.file)).unwrap();
            assert_eq!(
                classify(agent_name, &screen),
                e.expect(),
                "{agent_name}/{}",
                e.file
            );
        }
    }
}

fn state(s: &Value) -> (&str, &str) {
    (
        s["status"].as_str().unwrap_or(""),
        s["activity"]["state"].as_str().unwrap_or(""),
    )
}

/// Blocked with the cause once the retry loop outlasts the bound; one notification.
#[track_caller]
fn blocked_after_the_bound(r: &mut Real) {
    r.later();
    let s = r.wait_activity("blocked", "cannot reach the model API for", 30);
    assert_eq!(s["status"], "stuck", "{s:#}");
    let n = r.assert_notes("is blocked", 1);
    assert!(
        n[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach the model API for 1"),
        "{n:?}"
    );
}

#[test]
fn claude_code_offline_without_onboarding_exits_with_its_reason() {
    let Some(r) = Real::new("claude-code", "claude") else {
        return;
    };
    r.spawn();
    let s = r.wait("errored", 60, |s| s["status"] == "errored");
    assert!(
        s["activity"]["evidence"]
            .as_str()
            .unwrap()
            .contains("Unable to connect to Anthropic services"),
        "{s:#}"
    );
    r.matches_fixture("exited-offline");
    let n = r.assert_notes("agent exited", 1);
    assert!(
        n[0]["message"]
            .as_str()
            .unwrap()
            .contains("Unable to connect to Anthropic services"),
        "{n:?}"
    );
}

#[test]
fn claude_code_real_screens() {
    let Some(r) = Real::new("claude-code", "claude") else {
        return;
    };
    let mut r = r
        .var(
            "ANTHROPIC_API_KEY",
            "sk-ant-api03-aotestaotestaotestaotestaotestaotestaotest",
        )
        .var("CLAUDE_CODE_MAX_RETRIES", "3");
    std::fs::write(
        r.env.home().join(".claude.json"),
        r#"{"hasCompletedOnboarding": true}"#,
    )
    .unwrap();
    r.spawn();
    // Workspace trust: unnumbered choices ("❯ No, exit").
    let s = r.wait_activity("waiting_input", "Quick safety check", 60);
    assert_eq!(state(&s), ("needs_input", "waiting_input"));
    r.matches_fixture("trust-dialog");
    r.assert_notes("needs your input", 1);
    r.keys(&["Down", "Enter"]);
    // The API-key question: a new question, a new notification.
    r.wait_activity("waiting_input", "Do you want to use this API key?", 30);
    r.matches_fixture("api-key-dialog");
    r.assert_notes("needs your input", 2);
    r.keys(&["Up", "Enter"]);
    // Retrying, then the error above the composer.
    r.wait_activity("working", "Can't reach the API server", 60);
    r.matches_fixture("working-retrying");
    let s = r.wait_activity("ready", "API Error: Can't reach the API server", 120);
    assert_eq!(s["activity"]["source"], "terminal", "{s:#}");
    r.matches_fixture("ready-after-error");
    blocked_after_the_bound(&mut r);
    // A cleared conversation: the idle composer.
    r.type_line("/clear");
    let s = r.wait("the idle composer", 30, |s| {
        matches!(state(s).1, "ready" | "idle")
            && !s["activity"]["evidence"]
                .as_str()
                .unwrap_or("")
                .contains("API")
    });
    assert_ne!(s["status"], "stuck", "{s:#}");
    r.matches_fixture("ready");
    r.type_line("/exit");
    let s = r.wait("errored", 30, |s| s["status"] == "errored");
    assert_eq!(s["activity"]["state"], "exited", "{s:#}");
    r.matches_fixture("exited");
    r.assert_notes("agent exited", 1);
    r.assert_notes("needs your input", 2);
    r.assert_notes("is blocked", 1);
}

#[test]
fn codex_sign_in_needs_input() {
    let Some(r) = Real::new("codex", "codex") else {
        return;
    };
    r.spawn();
    let s = r.wait_activity("waiting_input", "Codex", 60);
    assert_eq!(s["status"], "needs_input", "{s:#}");
    r.matches_fixture("login");
    r.assert_notes("needs your input", 1);
}

#[test]
fn codex_real_screens() {
    let Some(r) = Real::new("codex", "codex") else {
        return;
    };
    let mut r = r;
    // An API key (never checked offline) gets Codex past sign-in.
    let mut login = std::process::Command::new(r.env.bin().join("codex"));
    r.env.apply(&mut login);
    let out = {
        use std::io::Write;
        let mut child = login
            .args(["login", "--with-api-key"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"sk-aotest-not-a-key\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(out.status.success(), "{out:?}");
    r.spawn();
    let s = r.wait_activity("waiting_input", "Trust this folder?", 60);
    assert_eq!(s["status"], "needs_input", "{s:#}");
    r.matches_fixture("trust-dialog");
    r.assert_notes("needs your input", 1);
    r.keys(&["Enter"]);
    r.wait_activity("working", "Reconnecting...", 60);
    r.wait_activity("working", "Reconnecting... waiting for network", 90);
    r.matches_fixture("reconnecting");
    blocked_after_the_bound(&mut r);
    r.keys(&["C-c", "C-c"]);
    let s = r.wait("errored", 30, |s| s["status"] == "errored");
    assert_eq!(s["activity"]["state"], "exited", "{s:#}");
    r.matches_fixture("exited");
    r.assert_notes("agent exited", 1);
    r.assert_notes("needs your input", 1);
}

#[test]
fn opencode_real_screens() {
    let Some(r) = Real::new("opencode", "opencode") else {
        return;
    };
    let mut r = r;
    r.spawn();
    // Retrying ("Cannot connect to API: … [retrying in 6s attempt #5]"), or idle after
    // the error once it gave up.
    let s = r.wait("`Cannot connect to API`", 90, |s| {
        s["activity"]["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("Cannot connect to API"))
    });
    assert_eq!(s["activity"]["source"], "terminal", "{s:#}");
    match state(&s).1 {
        "working" => r.matches_fixture("working-retrying"),
        _ => r.matches_fixture("ready-after-error"),
    }
    blocked_after_the_bound(&mut r);
    r.keys(&["C-c"]);
    let s = r.wait("errored", 30, |s| s["status"] == "errored");
    assert_eq!(s["activity"]["state"], "exited", "{s:#}");
    r.matches_fixture("exited");
    r.assert_notes("agent exited", 1);
    r.assert_notes("needs your input", 0);
}

#[test]
fn aider_without_a_model_asks() {
    let Some(r) = Real::new("aider", "aider") else {
        return;
    };
    r.spawn();
    let s = r.wait_activity("waiting_input", "Login to OpenRouter", 60);
    assert_eq!(s["status"], "needs_input", "{s:#}");
    r.matches_fixture("openrouter-question");
    r.assert_notes("needs your input", 1);
}

#[test]
fn aider_real_screens() {
    let Some(r) = Real::new("aider", "aider") else {
        return;
    };
    let r = r.var("OPENAI_API_KEY", "sk-aotest-not-a-key");
    r.spawn();
    r.wait_activity("working", "Connection error", 60);
    r.matches_fixture("working-retrying");
    // aider gives up after its retries and redraws `>`: its notify hook ran before the
    // redraw, and must not keep the session working.
    let s = r.wait("ready", 150, |s| matches!(state(s).1, "ready" | "idle"));
    assert_eq!(s["activity"]["source"], "terminal", "{s:#}");
    r.matches_fixture("ready");
    std::thread::sleep(Duration::from_secs(2));
    let s = r.observe();
    assert!(matches!(state(&s).1, "ready" | "idle"), "{s:#}");
    r.type_line("/exit");
    let s = r.wait("errored", 30, |s| s["status"] == "errored");
    assert_eq!(s["activity"]["state"], "exited", "{s:#}");
    r.assert_notes("agent exited", 1);
    r.assert_notes("needs your input", 0);
}
