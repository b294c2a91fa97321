//! The tick: lock behaviour, dry runs, and the lifecycle end to end on real tmux + git
//! with the local SCM.

use crate::common::TestEnv;

#[test]
fn overlapping_tick_exits_zero_at_once() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.local_config(&repo, "cat");
    env.ao_in(&repo, &["tick"]).ok();
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(env.tick_lock(&cfg))
        .unwrap();
    lock.lock().unwrap();
    let t = std::time::Instant::now();
    let r = env.ao_in(&repo, &["tick", "--json"]).ok();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(2),
        "did not wait for the lock"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r}");
    assert!(r.stderr.contains("another tick is running"), "{r}");
    assert_eq!(r.json()["skipped"], true);
    drop(lock);
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    assert!(ev.stdout.contains("tick.skipped"), "{ev}");
}

#[test]
fn dry_run_changes_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    let rec = env.data().join("projects/app/sessions/app-1.json");
    let before = std::fs::read(&rec).unwrap();
    let events_before = std::fs::read(env.data().join("events.jsonl")).unwrap();
    let r = env.ao_in(&repo, &["tick", "--dry-run", "--json"]).ok();
    assert_eq!(r.json()["dryRun"], true);
    assert_eq!(std::fs::read(&rec).unwrap(), before, "record unchanged");
    assert_eq!(
        std::fs::read(env.data().join("events.jsonl")).unwrap(),
        events_before,
        "no events"
    );
}

#[test]
fn demo_runs_end_to_end() {
    let env = TestEnv::new();
    let t = std::time::Instant::now();
    // As on a fresh machine: no git identity anywhere.
    let mut c = env.ao_cmd(env.root());
    c.arg("demo").arg("--json");
    for v in [
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ] {
        c.env_remove(v);
    }
    let r = crate::common::Run::from(c.output().unwrap()).ok();
    let v = r.json();
    assert_eq!(v["schemaVersion"], 1);
    let demo = &v["demo"];
    assert_eq!(demo["completed"], true, "{r}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(60),
        "demo took {:?}",
        t.elapsed()
    );
    let timeline = demo["timeline"].as_array().unwrap();
    let has = |kind: &str, needle: &str| {
        timeline
            .iter()
            .any(|e| e["type"] == kind && e["message"].as_str().unwrap_or("").contains(needle))
    };
    assert!(
        has("reaction.triggered", "ci-failed:"),
        "CI failure sent to the agent\n{r}"
    );
    assert!(
        has("reaction.triggered", "changes-requested:"),
        "change request sent to the agent"
    );
    assert!(has("review.recorded", "request-changes"));
    assert!(
        has("reaction.triggered", "agent-needs-input:"),
        "needs_input escalated to the human"
    );
    assert_eq!(
        timeline
            .iter()
            .filter(|e| e["type"] == "merge.done")
            .count(),
        3,
        "three auto-merges"
    );
    assert_eq!(
        timeline
            .iter()
            .filter(|e| e["type"] == "session.killed")
            .count(),
        3,
        "cleanup"
    );
    assert!(
        has("notification.sent", "all 3 sessions done"),
        "all-complete summary"
    );
    // The human-readable progress went to stderr, the JSON to stdout.
    assert!(r.stderr.contains("spawning 3 agents"), "{r}");
}

/// A demo-like repo: calc.sh with a test, one plain issue for the scripted agent.
fn scripted_project(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.root().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("calc.sh"),
        "if [ \"$1\" = add ]; then expr \"$2\" + \"$3\"; fi\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("test.sh"),
        "[ \"$(sh calc.sh add 2 3)\" = 5 ] || exit 1\n",
    )
    .unwrap();
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "-m", "calc"]);
    let agent = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/agents/demo-agent.sh");
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: \"bash {agent}\"\n      patterns: {{ready: [\"agent>\"], working: [\"working...\"], waitingInput: [\"[y/N]\"]}}\n    tracker: {{plugin: plain}}\n    scm:\n      plugin: local\n      checks: [\"sh test.sh\"]\n      mergeMethod: merge\n    reactions:\n      approved-and-green: {{auto: true}}\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ));
    env.ao_in(&repo, &["issue", "new", "Add subtraction to calc.sh"])
        .ok();
    repo
}

/// Drives one session from spawn to merge with a new `ao` process per stage; with
/// `chaos`, every third tick is SIGKILLed at a varying point first. Returns the event log.
fn drive(chaos: bool) -> Vec<serde_json::Value> {
    let env = TestEnv::new();
    let repo = scripted_project(&env);
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    let mut approved = false;
    for i in 0..120 {
        if chaos && i % 3 == 0 {
            let mut c = env.ao_cmd(&repo);
            c.arg("tick")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            let mut child = c.spawn().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(5 + (i as u64 * 7) % 60));
            let _ = child.kill();
            let _ = child.wait();
        }
        let r = env.ao_in(&repo, &["tick"]);
        assert!(r.code <= 1, "{r}");
        let archived = env.data().join("projects/app/archive/app-1.json");
        if archived.exists() {
            let log = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap();
            return log
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
        }
        let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
        let s = &st["sessions"][0];
        if !approved && s["pr"]["ci"] == "passing" && s["pr"]["review"] == "review_required" {
            env.ao_in(&repo, &["review", "app-1", "approve"]).ok();
            approved = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    panic!(
        "the session did not finish; events:\n{}",
        std::fs::read_to_string(env.data().join("events.jsonl")).unwrap()
    );
}

#[test]
fn restarts_and_killed_ticks_lose_nothing() {
    for chaos in [false, true] {
        let events = drive(chaos);
        let count = |kind: &str, needle: &str| {
            events
                .iter()
                .filter(|e| {
                    e["type"] == kind && e["message"].as_str().unwrap_or("").contains(needle)
                })
                .count()
        };
        assert_eq!(
            count("merge.done", ""),
            1,
            "exactly one merge (chaos={chaos})"
        );
        assert_eq!(
            count("session.killed", "merged"),
            1,
            "cleaned up once (chaos={chaos})"
        );
        let sends = count("reaction.triggered", "ci-failed:");
        assert!(
            (1..=3).contains(&sends),
            "CI failure sent 1..=3 times, not {sends} (chaos={chaos})"
        );
        assert!(
            count("message.sent", "ci-failed:") >= 1,
            "and actually delivered (chaos={chaos})"
        );
    }
}

/// Checklist D7: a tick that cannot make its intent durable (disk full, here a file-size
/// limit of 0) performs no side effect — the approved, green PR is not merged — and says
/// why; the next tick with room merges it once.
#[test]
fn a_tick_that_cannot_record_its_intent_does_nothing() {
    let env = TestEnv::new();
    let repo = scripted_project(&env);
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    let main_at = |env: &TestEnv| env.git(&repo, &["rev-parse", "main"]);
    let mut planned = false;
    for _ in 0..100 {
        let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
        let s = &st["sessions"][0];
        if s["pr"]["ci"] == "passing" && s["pr"]["review"] == "review_required" {
            env.ao_in(&repo, &["review", "app-1", "approve"]).ok();
        }
        let plan = env.ao_in(&repo, &["tick", "--dry-run", "--json"]).json();
        if plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "merge")
        {
            planned = true;
            break;
        }
        let r = env.ao_in(&repo, &["tick"]);
        assert!(r.code <= 1, "{r}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert!(planned, "the session never reached a merge");
    let before = main_at(&env);

    let r = env.ao_size_limited(&repo, 0, &["tick", "--json"]);
    assert_eq!(r.code, 1, "{r}");
    let failures = r.json()["failures"].to_string();
    assert!(
        failures.contains("app-1.json") && failures.contains("File too large"),
        "the record write failed, and says so: {failures}"
    );
    assert_eq!(
        main_at(&env),
        before,
        "nothing merged without a durable intent"
    );

    env.ao_in(&repo, &["tick"]).ok();
    assert_ne!(main_at(&env), before, "merged once there is room");
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    assert_eq!(ev.stdout.matches("\"merge.done\"").count(), 1, "{ev}");
}

/// `ao tick --json` with the `stdout` notifier: the notification goes to stderr, so
/// stdout is exactly one JSON document a script can parse.
#[test]
fn tick_json_stays_parseable_with_the_stdout_notifier() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.local_config(&repo, "bash -c 'printf \"Deploy? [y/N] \"; read x'");
    let text = std::fs::read_to_string(&cfg).unwrap().replacen(
        "\n    tracker:",
        "\n      patterns: {waitingInput: [\"[y/N]\"]}\n    tracker:",
        1,
    );
    std::fs::write(&cfg, text).unwrap();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    assert!(env.wait_for(10, || env.capture("app-1").contains("[y/N]")));
    let r = env.ao_in(&repo, &["tick", "--json"]).ok();
    let v = r.json();
    assert_eq!(v["schemaVersion"], 1, "{r}");
    assert!(r.stderr.contains("[urgent] app-1 needs your input"), "{r}");
}

#[test]
fn a_silent_custom_agent_without_patterns_is_ready_after_ready_threshold() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.local_config(&repo, "bash -c 'while read line; do :; done'");
    let yaml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("readyThreshold: 2s\n{yaml}")).unwrap();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "task"]).ok();
    let ready = env.wait_for(20, || {
        env.ao_in(&repo, &["tick"]);
        let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
        let a = &st["sessions"][0]["activity"];
        matches!(a["state"].as_str(), Some("ready" | "idle"))
            && a["evidence"]
                .as_str()
                .is_some_and(|e| e.contains("(readyThreshold)"))
    });
    let st = env.ao_in(&repo, &["status", "--json"]).ok();
    assert!(ready, "{st}");
}
