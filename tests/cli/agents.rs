//! Agent plugins against fake agents (tests/fakes, bash) in real tmux panes, and `ao hook`
//! through the real binary. Each fake follows a script; `key` steps let a test move it on
//! once it has checked a stage. Every stage is checked from each source the agent has:
//! the screen (`classify_screen`), the transcript (`transcript_activity_in`), and the
//! hook signal `ao hook` wrote into the session record.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ao::config::AgentConfig;
use ao::model::{Activity, RECORD_VERSION, RuntimeHandle, SessionId, SessionRecord, Status};
use ao::plugins::agent::{self, Agent, AgentContext, LaunchPlan};

use crate::common::TestEnv;

const SESSION: &str = "app-1";
const PROMPT: &str = "Fix the flaky test in tests/io.rs\nKeep the public API.\n";

/// One fake agent session: workspace, session dir, prompt, script, log.
struct Rig {
    env: TestEnv,
    ws: PathBuf,
    files: PathBuf,
    prompt: PathBuf,
    log: PathBuf,
    notes: PathBuf,
    cfg: AgentConfig,
}

impl Rig {
    fn new(agent: &str) -> Self {
        let env = TestEnv::new();
        let ws = env.root().join("ws");
        let files = env.data().join("projects/app/files").join(SESSION);
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        let prompt = files.join("prompt.md");
        std::fs::write(&prompt, PROMPT).unwrap();
        let notes = env.root().join("notes.jsonl");
        env.config(&format!(
            "defaults:\n  notifiers: [log]\nnotifiers:\n  log:\n    plugin: command\n    command: [\"sh\", \"-c\", \"cat >> {notes}; echo >> {notes}\"]\nprojects:\n  app:\n    path: {ws}\n    agent: {agent}\n",
            notes = notes.display(),
            ws = ws.display(),
        ));
        // The fakes go first on PATH under the real program names.
        let fakes = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fakes");
        for (dir, prog) in [
            ("claude-code", "claude"),
            ("codex", "codex"),
            ("aider", "aider"),
            ("goose", "goose"),
            ("opencode", "opencode"),
        ] {
            std::os::unix::fs::symlink(fakes.join(dir).join(prog), env.bin().join(prog)).unwrap();
        }
        let log = env.root().join("fake.log");
        Self {
            env,
            ws,
            files,
            prompt,
            log,
            notes,
            cfg: AgentConfig::default(),
        }
    }

    fn ctx<'a>(&'a self, agent_session_id: Option<&'a str>, ao_bin: &'a Path) -> AgentContext<'a> {
        AgentContext {
            session: SESSION,
            project: "app",
            workspace: &self.ws,
            prompt_file: &self.prompt,
            session_dir: &self.files,
            agent_session_id,
            config: &self.cfg,
            ao_bin,
            now: jiff::Timestamp::now(),
        }
    }

    /// Writes the session record `ao hook` will find.
    fn record(&self, agent: &str, agent_session_id: Option<&str>) {
        let now = jiff::Timestamp::now();
        let rec = SessionRecord {
            version: RECORD_VERSION,
            id: SessionId::parse(SESSION).unwrap(),
            project: "app".into(),
            issue: None,
            issue_title: Some("Flaky test".into()),
            branch: "ao/app-1".into(),
            workspace: self.ws.clone(),
            workspace_plugin: "worktree".into(),
            agent: agent.into(),
            agent_session_id: agent_session_id.map(str::to_owned),
            runtime: Some(RuntimeHandle {
                plugin: "tmux".into(),
                target: SESSION.into(),
                pid: None,
                pid_start: None,
                log: None,
                remote: None,
            }),
            prompt_file: Some(self.prompt.clone()),
            created_at: now,
            status: Status::Working,
            status_since: now,
            runtime_state: None,
            runtime_observed_at: None,
            missing_count: 0,
            activity: None,
            pr: None,
            hook: None,
            capture: None,
            reactions: Default::default(),
            notifications: Default::default(),
            last_error: None,
            batch: None,
            cost: None,
            extra: Default::default(),
        };
        let dir = self.env.data().join("projects/app/sessions");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{SESSION}.json")),
            serde_json::to_vec_pretty(&rec).unwrap(),
        )
        .unwrap();
    }

    fn load(&self) -> SessionRecord {
        let p = self
            .env
            .data()
            .join(format!("projects/app/sessions/{SESSION}.json"));
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }

    /// Writes the plan's files and starts it in a tmux pane with the script.
    fn start(&self, plan: &LaunchPlan, script: &str, extra_env: &[(&str, String)]) {
        for (p, c) in &plan.files {
            std::fs::write(p, c).unwrap();
        }
        let script_path = self.env.root().join("script");
        std::fs::write(&script_path, script).unwrap();
        let mut args: Vec<String> = [
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            "200",
            "-y",
            "50",
            "-c",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(self.ws.display().to_string());
        let mut env: Vec<(String, String)> = vec![
            ("FAKE_SCRIPT".into(), script_path.display().to_string()),
            ("FAKE_LOG".into(), self.log.display().to_string()),
            ("AO_SESSION".into(), SESSION.into()),
            (
                "AO_CONFIG".into(),
                self.env
                    .root()
                    .join("agent-orchestrator.yaml")
                    .display()
                    .to_string(),
            ),
            (
                "CLAUDE_CONFIG_DIR".into(),
                self.claude_dir().display().to_string(),
            ),
            ("CODEX_HOME".into(), self.codex_home().display().to_string()),
        ];
        env.extend(plan.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.push("--".into());
        args.extend(plan.argv.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.env.tmux(&refs).ok();
    }

    fn claude_dir(&self) -> PathBuf {
        self.env.root().join("claude")
    }

    fn codex_home(&self) -> PathBuf {
        self.env.root().join("codex")
    }

    /// The visible pane.
    fn screen(&self) -> String {
        self.env
            .tmux(&["capture-pane", "-p", "-t", &format!("={SESSION}:")])
            .stdout
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn key(&self) {
        self.env
            .tmux(&["send-keys", "-t", &format!("={SESSION}:"), "Enter"])
            .ok();
    }

    /// Waits until the screen classifies as `want`; returns the evidence.
    #[track_caller]
    fn wait_screen(&self, agent: &dyn Agent, want: Activity) -> agent::ScreenMatch {
        let mut last = None;
        let ok = self.env.wait_for(10, || {
            last = agent.classify_screen(&self.screen());
            last.as_ref().is_some_and(|m| m.activity == want)
        });
        assert!(
            ok,
            "screen never showed {want:?} (last: {last:?})\n--- screen\n{}\n--- log\n{}",
            self.screen(),
            self.log_text()
        );
        last.unwrap()
    }

    #[track_caller]
    fn wait_log(&self, needle: &str) {
        assert!(
            self.env.wait_for(10, || self.log_text().contains(needle)),
            "log never had {needle:?}\n--- log\n{}\n--- screen\n{}",
            self.log_text(),
            self.screen()
        );
    }

    /// Waits until the record's hook signal is `want`; returns when it was seen.
    #[track_caller]
    fn wait_hook(&self, want: Activity, event: &str) -> Instant {
        let ok = self.env.wait_for(10, || {
            self.load()
                .hook
                .is_some_and(|h| h.activity == want && h.event == event)
        });
        assert!(
            ok,
            "record hook never became {event}/{want:?}: {:?}\n--- log\n{}\n--- events\n{}",
            self.load().hook,
            self.log_text(),
            std::fs::read_to_string(self.env.data().join("events.jsonl")).unwrap_or_default()
        );
        Instant::now()
    }

    /// Milliseconds between the fake's `mark <name>` and now (wall clock).
    fn since_mark(&self, name: &str) -> i64 {
        let line = self
            .log_text()
            .lines()
            .find(|l| l.starts_with(&format!("mark {name} ")))
            .map(str::to_owned)
            .unwrap_or_default();
        let ms: i64 = line.rsplit(' ').next().unwrap_or("0").parse().unwrap_or(0);
        jiff::Timestamp::now().as_millisecond() - ms
    }

    fn events(&self) -> String {
        std::fs::read_to_string(self.env.data().join("events.jsonl")).unwrap_or_default()
    }
}

fn ao_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ao"))
}

#[test]
fn agents_claude_trust_dialog_keeps_the_prompt() {
    let rig = Rig::new("claude-code");
    let bin = ao_bin();
    let claude = agent::create("claude-code", &ao::plugins::agent_env(&rig.cfg)).unwrap();
    let plan = claude.launch(&rig.ctx(None, &bin)).unwrap();
    let uuid = plan.agent_session_id.clone().unwrap();
    // Settings outside the workspace, nothing written into it.
    let (settings, _) = &plan.files[0];
    assert!(
        settings.starts_with(rig.env.data()),
        "{}",
        settings.display()
    );
    assert_eq!(plan.argv[..3], ["claude", "--session-id", uuid.as_str()]);
    assert_eq!(
        plan.argv.last().map(String::as_str),
        Some(PROMPT.trim_end())
    );
    rig.record("claude-code", Some(&uuid));
    rig.start(&plan, "screen trust\nkey\nsubmit\nscreen working\n", &[]);

    let m = rig.wait_screen(claude.as_ref(), Activity::WaitingInput);
    assert!(m.evidence.starts_with("trust dialog"), "{}", m.evidence);
    assert!(
        !claude.accepts_paste(&rig.screen()),
        "never paste into a dialog"
    );
    let cmd = rig
        .env
        .tmux(&[
            "display",
            "-p",
            "-t",
            &format!("={SESSION}:"),
            "#{pane_current_command}",
        ])
        .stdout;
    assert!(
        claude.process_names().contains(&cmd.trim().to_owned()),
        "{cmd}"
    );
    // The prompt is still pending behind the dialog; answering it submits the prompt.
    assert!(!rig.log_text().contains("submitted:"));
    rig.key();
    rig.wait_log("submitted: Fix the flaky test in tests/io.rs");
    rig.wait_screen(claude.as_ref(), Activity::Working);
    // The real hook ran (UserPromptSubmit) through the settings file and `ao hook`.
    rig.wait_hook(Activity::Working, "UserPromptSubmit");
    let entries: Vec<_> = std::fs::read_dir(&rig.ws).unwrap().collect();
    assert!(
        entries.is_empty(),
        "nothing written into the workspace: {entries:?}"
    );
}

#[test]
fn agents_claude_states_from_screen_transcript_and_hooks() {
    let rig = Rig::new("claude-code");
    let bin = ao_bin();
    let claude = ao::plugins::agent::ClaudeCode;
    let plan = claude.launch(&rig.ctx(None, &bin)).unwrap();
    let uuid = plan.agent_session_id.clone().unwrap();
    rig.record("claude-code", Some(&uuid));
    let script = "\
submit
screen working
transcript tool_use
key
screen permission
hook PermissionRequest \"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"rm -rf build\"}
key
screen working
transcript tool_result
hook PostToolUse \"tool_name\":\"Bash\"
key
screen ready
transcript end_turn
transcript turn_duration
hook Stop \"stop_hook_active\":false
key
screen limit
transcript limit
hook StopFailure \"error\":\"rate_limit\"
key
screen login
";
    rig.start(&plan, script, &[]);
    let ctx = rig.ctx(Some(&uuid), &bin);
    let transcript = || claude.transcript_activity_in(&rig.claude_dir(), &ctx);

    // Working: screen, transcript (open tool_use), hook (UserPromptSubmit).
    rig.wait_screen(&claude, Activity::Working);
    assert!(rig.env.wait_for(5, || {
        transcript().is_some_and(|f| f.state == Activity::Working)
    }));
    rig.wait_hook(Activity::Working, "UserPromptSubmit");

    // Permission prompt: screen and hook; the hook lands within a second.
    rig.key();
    let m = rig.wait_screen(&claude, Activity::WaitingInput);
    assert_eq!(m.evidence, "Do you want to proceed?");
    rig.wait_hook(Activity::WaitingInput, "PermissionRequest");
    let ms = rig.since_mark("hook-PermissionRequest");
    assert!(ms < 1000, "needs-input recorded {ms} ms after the prompt");
    let hook = rig.load().hook.unwrap();
    assert_eq!(hook.detail, "permission to run `rm -rf build`");
    // The stand-in logs the hook's exit after `ao hook` returned (racy under load).
    assert!(rig.env.wait_for(5, || {
        rig.log_text().contains("hook PermissionRequest exit 0")
    }));
    let out =
        std::fs::read_to_string(format!("{}.hook-stdout", rig.log.display())).unwrap_or_default();
    assert!(out.is_empty(), "ao hook printed {out:?}");
    assert!(rig.events().contains("\"type\":\"hook.PermissionRequest\""));

    // Working again after the answer (PostToolUse clears the waiting signal).
    rig.key();
    rig.wait_screen(&claude, Activity::Working);
    rig.wait_hook(Activity::Working, "PostToolUse");

    // Turn finished: screen, transcript, hook.
    rig.key();
    rig.wait_screen(&claude, Activity::Ready);
    assert!(rig.env.wait_for(5, || {
        transcript().is_some_and(|f| f.state == Activity::Ready)
    }));
    rig.wait_hook(Activity::Ready, "Stop");

    // Usage limit: blocked with the reset time, from screen, transcript and hook.
    rig.key();
    let m = rig.wait_screen(&claude, Activity::Blocked);
    assert_eq!(m.resets.as_deref(), Some("3pm (Europe/London)"));
    assert!(rig.env.wait_for(5, || transcript().is_some_and(|f| f.state
        == Activity::Blocked
        && f.resets.as_deref() == Some("3pm (Europe/London)"))));
    rig.wait_hook(Activity::Blocked, "StopFailure");

    // Login screen: needs the human.
    rig.key();
    let m = rig.wait_screen(&claude, Activity::WaitingInput);
    assert!(m.evidence.contains("/login"), "{}", m.evidence);

    // The transcript sits where Claude keeps it, named after the pre-assigned id.
    let t = std::fs::read_dir(rig.claude_dir().join("projects"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join(format!("{uuid}.jsonl"));
    assert!(t.is_file(), "{}", t.display());
}

#[test]
fn agents_ao_hook_is_quiet_fast_and_rejects_junk() {
    let rig = Rig::new("claude-code");
    rig.record("claude-code", None);
    let payload = r#"{"session_id":"u","transcript_path":"/nonexistent","cwd":"/w","hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"make deploy"}}"#;
    let run = |args: &[&str], stdin: &str, session: &str| {
        let mut c = rig.env.ao_cmd(rig.env.root());
        c.args(args)
            .env("AO_SESSION", session)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let t = Instant::now();
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (out, t.elapsed())
    };
    let mut fastest = Duration::from_secs(10);
    for _ in 0..3 {
        let (out, took) = run(
            &["hook", "claude-code", "PermissionRequest"],
            payload,
            SESSION,
        );
        assert!(out.status.success());
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
        fastest = fastest.min(took);
    }
    assert!(
        fastest < Duration::from_millis(50),
        "ao hook took {fastest:?}"
    );
    let hook = rig.load().hook.unwrap();
    assert_eq!(hook.activity, Activity::WaitingInput);
    assert_eq!(hook.detail, "permission to run `make deploy`");

    // Junk is swallowed (exit 0, silent) and logged as hook.rejected.
    for (args, stdin, session) in [
        (&["hook", "claude-code", "Stop"][..], "{not json", SESSION),
        (&["hook", "claude-code", "NoSuchEvent"][..], "{}", SESSION),
        (&["hook", "nope", "Stop"][..], "{}", SESSION),
        (&["hook", "claude-code", "Stop"][..], "{}", "app-99"),
        (&["hook", "claude-code", "Stop"][..], "{}", "../evil"),
    ] {
        let (out, _) = run(args, stdin, session);
        assert!(out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    }
    let rejected = rig.events().matches("\"type\":\"hook.rejected\"").count();
    assert_eq!(rejected, 5, "{}", rig.events());
    // The rejected calls did not touch the record.
    assert_eq!(rig.load().hook.unwrap().event, "PermissionRequest");
}

#[test]
fn agents_hook_notifies_needs_input_once() {
    let rig = Rig::new("claude-code");
    rig.record("claude-code", None);
    let payload = r#"{"hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"rm -rf build"}}"#;
    for _ in 0..2 {
        let mut c = rig.env.ao_cmd(rig.env.root());
        c.args(["hook", "claude-code", "PermissionRequest", payload])
            .env("AO_SESSION", SESSION);
        assert!(c.status().unwrap().success());
    }
    let notes = std::fs::read_to_string(&rig.notes).unwrap_or_default();
    let n: Vec<serde_json::Value> = notes
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(n.len(), 1, "{notes}");
    assert_eq!(n[0]["type"], "agent-needs-input");
    assert_eq!(n[0]["title"], "app-1 needs your input");
    assert_eq!(
        n[0]["message"],
        "permission to run `rm -rf build`\nIssue: Flaky test"
    );
    assert_eq!(n[0]["attach"], "ao open app-1");
}

#[test]
fn agents_codex_states_and_notify() {
    let rig = Rig::new("codex");
    let bin = ao_bin();
    let codex = ao::plugins::agent::Codex;
    let plan = codex.launch(&rig.ctx(None, &bin)).unwrap();
    rig.record("codex", None);
    let script = "\
screen trust
key
submit
screen working
transcript function_call
key
screen approval
key
screen ready
transcript token_count
transcript task_complete
hook agent-turn-complete
key
screen limit
";
    rig.start(&plan, script, &[]);
    let ctx = rig.ctx(None, &bin);
    let rollout = || codex.transcript_activity_in(&rig.codex_home(), &ctx);

    let m = rig.wait_screen(&codex, Activity::WaitingInput);
    assert!(m.evidence.starts_with("trust dialog"), "{}", m.evidence);
    rig.key();
    rig.wait_log("submitted: Fix the flaky test");
    rig.wait_screen(&codex, Activity::Working);
    assert!(rig.env.wait_for(5, || {
        rollout().is_some_and(|f| f.state == Activity::Working)
    }));
    let thread = codex.thread_id_in(&rig.codex_home(), &ctx).unwrap();

    rig.key();
    let m = rig.wait_screen(&codex, Activity::WaitingInput);
    assert_eq!(
        m.evidence,
        "Would you like to run the following command? `rm -rf build`"
    );

    rig.key();
    rig.wait_screen(&codex, Activity::Ready);
    assert!(
        rig.env
            .wait_for(5, || rollout().is_some_and(|f| f.state == Activity::Ready))
    );
    rig.wait_hook(Activity::Ready, "notify");

    rig.key();
    let m = rig.wait_screen(&codex, Activity::Blocked);
    assert_eq!(m.resets.as_deref(), Some("3:28 PM"));

    // Restore resumes the thread found from the rollout.
    // (The trait reads ${CODEX_HOME} of this test process, so the recorded id is used.)
    let restore = codex.restore(&rig.ctx(Some(&thread), &bin)).unwrap();
    assert_eq!(restore.argv[1], "resume");
    assert_eq!(restore.argv.last().unwrap(), &thread);
}

#[test]
fn agents_aider_prompt_via_load_and_screen_checked_hook() {
    let rig = Rig::new("aider");
    let bin = ao_bin();
    let aider = ao::plugins::agent::Aider;
    let plan = aider.launch(&rig.ctx(None, &bin)).unwrap();
    rig.record("aider", None);
    let script = "\
submit
screen working
key
screen confirm
hook notify
key
screen ready
hook notify
key
screen quota
";
    rig.start(&plan, script, &[]);
    // The task arrives as a read-only file plus one /code command: nothing is typed.
    rig.wait_log("executing: /code Carry out the task described in the read-only file prompt.md");
    rig.wait_screen(&aider, Activity::Working);

    rig.key();
    let m = rig.wait_screen(&aider, Activity::WaitingInput);
    assert!(
        m.evidence.starts_with("Add tests/test_app.py to the chat?"),
        "{}",
        m.evidence
    );
    // The notifications command cannot tell a question from "done": ao hook reads the pane.
    rig.wait_hook(Activity::WaitingInput, "notify");
    assert!(rig.since_mark("hook-notify") < 1000);

    rig.key();
    rig.wait_screen(&aider, Activity::Ready);
    rig.wait_hook(Activity::Ready, "notify");

    rig.key();
    rig.wait_screen(&aider, Activity::Blocked);
    // History files in the session dir, none in the workspace.
    let entries: Vec<_> = std::fs::read_dir(&rig.ws).unwrap().collect();
    assert!(entries.is_empty(), "{entries:?}");
}

#[test]
fn agents_goose_and_opencode_screens() {
    let rig = Rig::new("goose");
    let bin = ao_bin();
    let goose = ao::plugins::agent::Goose;
    let plan = goose.launch(&rig.ctx(None, &bin)).unwrap();
    rig.start(
        &plan,
        "submit\nscreen approval\nkey\nscreen working\nkey\nscreen ready\nkey\nscreen limit\n",
        &[],
    );
    rig.wait_log("submitted: Fix the flaky test");
    assert!(rig.log_text().contains("mode: smart_approve"));
    rig.wait_screen(&goose, Activity::WaitingInput);
    rig.key();
    rig.wait_screen(&goose, Activity::Working);
    rig.key();
    rig.wait_screen(&goose, Activity::Ready);
    rig.key();
    rig.wait_screen(&goose, Activity::Blocked);
    let restore = goose.restore(&rig.ctx(None, &bin)).unwrap();
    assert_eq!(
        restore.argv[..4],
        ["goose", "session", "--resume", "--name"]
    );

    let rig = Rig::new("opencode");
    let oc = ao::plugins::agent::OpenCode;
    let plan = oc.launch(&rig.ctx(None, &bin)).unwrap();
    rig.start(
        &plan,
        "submit\nscreen working\nkey\nscreen permission\n",
        &[],
    );
    rig.wait_log("submitted: Fix the flaky test");
    assert!(
        rig.log_text()
            .contains(r#"config: {"permission":{"bash":"ask","edit":"ask","webfetch":"ask"}}"#),
        "{}",
        rig.log_text()
    );
    rig.wait_screen(&oc, Activity::Working);
    rig.key();
    let m = rig.wait_screen(&oc, Activity::WaitingInput);
    assert!(m.evidence.contains("rm -rf build"), "{}", m.evidence);
}
