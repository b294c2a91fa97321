//! Hostile input: records with wrong versions and types, symlinked or special files in the
//! data dir, path traversal through ids and branches, hostile issue titles. Each gives a
//! clear error, executes nothing, touches nothing outside the data and workspace roots,
//! and loses nothing.

use crate::common::{Run, TestEnv};

#[test]
fn wrong_version_is_refused_not_quarantined() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let rec = env.data().join("projects/app/sessions/app-1.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    v["version"] = 99.into();
    std::fs::write(&rec, serde_json::to_vec(&v).unwrap()).unwrap();
    let st = env.ao_in(&repo, &["status"]).ok();
    assert!(st.stderr.contains("unsupported version 99"), "{st}");
    assert!(rec.exists(), "a newer ao's record is left alone");
    let r = env.ao_in(&repo, &["send", "app-1", "x"]).code(1);
    assert!(r.stderr.contains("unsupported version 99"), "{r}");
}

#[test]
fn wrong_types_and_huge_garbage_are_quarantined() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let dir = env.data().join("projects/app/sessions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("app-7.json"),
        r#"{"version":1,"id":"app-7","project":42}"#,
    )
    .unwrap();
    std::fs::write(dir.join("app-8.json"), "\u{0}".repeat(2_000_000)).unwrap();
    std::fs::write(
        dir.join("app-9.json"),
        r#"{"version":1,"id":"../../etc","project":"app"}"#,
    )
    .unwrap();
    let st = env.ao_in(&repo, &["status", "--json"]).ok();
    assert_eq!(st.json()["problems"].as_array().unwrap().len(), 3, "{st}");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.contains(".corrupt-")).count(),
        3,
        "{names:?}"
    );
    // Ids are still unique after quarantine: the next spawn does not reuse 7, 8 or 9.
    let id = env
        .ao_in(&repo, &["spawn", "app", "--prompt", "x"])
        .ok()
        .stdout;
    assert_eq!(id.trim(), "app-10");
}

#[test]
fn traversal_and_injection_are_rejected() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    for bad in ["../x", "app-1/../../y", "APP-1", "-rf", "a b", "x;rm"] {
        let r = env.ao_in(&repo, &["send", bad, "hi"]);
        assert_ne!(r.code, 0, "{bad}: {r}");
        assert!(
            r.stderr.contains("invalid session id") || r.code == 2,
            "{bad}: {r}"
        );
    }
    for bad in ["../escape", "a..b", "x.lock", "a b", "$(id)"] {
        let r = env
            .ao_in(&repo, &["spawn", "app", "--prompt", "p", "--branch", bad])
            .code(2);
        assert!(r.stderr.contains("invalid branch name"), "{bad}: {r}");
    }
    // A hostile issue title becomes a harmless slug; its text is data, never executed.
    let marker = env.root().join("pwned");
    let title = format!(
        "$(touch {m}) `touch {m}`; touch {m} ../../etc",
        m = marker.display()
    );
    env.ao_in(&repo, &["issue", "new", &title]).ok();
    let v = env
        .ao_in(&repo, &["spawn", "app", "1", "--json"])
        .ok()
        .json();
    let branch = v["branch"].as_str().unwrap().to_owned();
    assert!(
        branch.starts_with("ao/1-")
            && branch
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-/".contains(c)),
        "{branch}"
    );
    env.ao_in(&repo, &["send", "app-1", &title]).ok();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!marker.exists(), "nothing was executed");
    // Nothing was created outside the data and workspace roots (besides the repo itself).
    let mut top: Vec<String> = std::fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        [
            "agent-orchestrator.yaml",
            "bin",
            "data",
            "home",
            "repo",
            "tmux",
            "worktrees"
        ]
    );
}

/// Checklist C4 and D8: a session record replaced by a symlink, and the event log
/// replaced by a symlink or a FIFO. Refused with an error naming the file and what it
/// is; nothing hangs; the symlink's target is neither read into state nor written.
#[test]
fn symlinks_and_fifos_in_the_data_dir_are_refused() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let outside = env.root().join("outside.json");
    let original = br#"{"version":1,"id":"app-9","project":"app"}"#;
    std::fs::write(&outside, original).unwrap();

    // A record that is a symlink: reported, left in place, target untouched.
    let link = env.data().join("projects/app/sessions/app-9.json");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let st = env.ao_in(&repo, &["status", "--json"]).ok();
    let v = st.json();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 1, "{st}");
    assert!(
        v["problems"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("app-9.json is a symlink")),
        "{st}"
    );
    env.ao_in(&repo, &["tick"]);
    let r = env.ao_in(&repo, &["send", "app-9", "x"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(link.is_symlink(), "left where it is");
    assert_eq!(std::fs::read(&outside).unwrap(), original);

    // The event log as a symlink: no write goes through it.
    let log = env.data().join("events.jsonl");
    std::fs::rename(&log, env.root().join("events.saved")).unwrap();
    std::os::unix::fs::symlink(&outside, &log).unwrap();
    let r = env.ao_in(&repo, &["tick"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("events.jsonl is a symlink"), "{r}");
    assert_eq!(std::fs::read(&outside).unwrap(), original);

    // The event log as a FIFO: a clear error, not a hang.
    std::fs::remove_file(&log).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&log)
        .status()
        .unwrap();
    assert!(made.success());
    let mut c = env.ao_cmd(&repo);
    c.arg("tick")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let finished = env.wait_for(20, || child.try_wait().unwrap().is_some());
    if !finished {
        let _ = child.kill();
    }
    assert!(finished, "ao tick hung on a FIFO event log");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("events.jsonl is a FIFO"), "{err}");
    let r = env.ao_in(&repo, &["events"]);
    assert_ne!(r.code, 0, "{r}");
}

/// An agent that appends every line it receives to `<root>/received/<session>`.
fn recording_agent(env: &TestEnv) -> (std::path::PathBuf, String) {
    let recv = env.root().join("received");
    std::fs::create_dir_all(&recv).unwrap();
    let cmd = format!(
        "bash -c 'while IFS= read -r l; do printf \"%s\\n\" \"$l\" >> {}/$AO_SESSION; done'",
        recv.display()
    );
    (recv, cmd)
}

/// Checklist B3, B4/F4, B5/F1–F3, F5: through `ao send` into real tmux panes.
/// * text that looks like tmux options (`-N 999 x`, `--help`) arrives literally;
/// * raw control bytes (Ctrl-C, the end-of-paste sequence, an OSC 52 clipboard write)
///   arrive inert: no escape byte reaches the agent, the agent is not interrupted;
/// * with `app-1` gone and `app-10` alive, `ao send app-1` delivers nothing to `app-10`;
/// * a session of the same name on the user's own tmux server is never touched.
#[test]
fn tmux_delivery_is_literal_exact_and_confined() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let (recv, cmd) = recording_agent(&env);
    env.local_config(&repo, &cmd);
    for _ in 0..10 {
        env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    }
    let got = |id: &str| std::fs::read_to_string(recv.join(id)).unwrap_or_default();

    for msg in ["-N 999 x", "--help", "-t =app-3: kill-server ;"] {
        env.ao_in(&repo, &["send", "app-2", "--", msg]).ok();
        assert!(
            env.wait_for(5, || got("app-2").lines().any(|l| l == msg)),
            "{msg:?} did not arrive literally: {:?}",
            got("app-2")
        );
    }

    let hostile = "a\u{3}b\u{1b}[201~c\u{1b}]52;c;cHduZWQ=\u{7}d\u{1b}[2J\u{1b}[Ae";
    env.ao_in(&repo, &["send", "app-3", hostile]).ok();
    assert!(
        env.wait_for(5, || got("app-3").contains('e')),
        "{:?}",
        got("app-3")
    );
    let line = got("app-3");
    assert!(
        !line.chars().any(|c| c.is_control() && c != '\n'),
        "control bytes reached the agent: {line:?}"
    );
    // One line: nothing in it submitted early.
    let first = line.lines().next().unwrap_or("");
    assert!(first.starts_with('a') && first.ends_with('e'), "{line:?}");
    for part in ["b", "c", "d"] {
        assert!(first.contains(part), "{line:?}");
    }
    // Not interrupted: the same agent still takes the next message.
    env.ao_in(&repo, &["send", "app-3", "still here"]).ok();
    assert!(env.wait_for(5, || got("app-3").contains("still here")));

    // app-1's pane is gone; app-10 must not receive its message.
    env.tmux(&["kill-session", "-t", "=app-1"]);
    let r = env.ao_in(&repo, &["send", "app-1", "for app-1 only"]);
    assert_ne!(r.code, 0, "{r}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !got("app-10").contains("for app-1 only"),
        "{:?}",
        got("app-10")
    );

    // The user's own tmux server (default socket) has its own `app-4`: untouched.
    let mut own = std::process::Command::new("tmux");
    env.apply(&mut own);
    let own_log = env.root().join("own-app-4");
    let st = own
        .args(["-f", "/dev/null", "new-session", "-d", "-s", "app-4"])
        .arg(format!("cat > {}", own_log.display()))
        .status()
        .unwrap();
    assert!(st.success());
    env.ao_in(&repo, &["send", "app-4", "for ao's app-4"]).ok();
    assert!(env.wait_for(5, || got("app-4").contains("for ao's app-4")));
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        !std::fs::read_to_string(&own_log)
            .unwrap_or_default()
            .contains("app-4"),
        "the user's own session got ao's message"
    );
    let mut kill = std::process::Command::new("tmux");
    env.apply(&mut kill);
    kill.args(["kill-server"]).status().unwrap();
}

/// Checklist G3 and E1: an issue title carrying terminal escapes (window title, clipboard
/// write, clear screen) and shell syntax shows in `ao status` and the event log as inert
/// text: no escape byte reaches the terminal, nothing runs.
#[test]
fn hostile_titles_are_inert_in_status_and_events() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let canary = env.root().join("pwned");
    let title = format!(
        "\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2JFix $(touch {c}) `touch {c}`",
        c = canary.display()
    );
    env.ao_in(&repo, &["issue", "new", &title]).ok();
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    env.ao_in(&repo, &["tick"]);
    for args in [&["status"][..], &["events"][..], &["session", "ls"][..]] {
        let r = env.ao_in(&repo, args);
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{7}'),
            "{args:?} printed escape bytes: {:?}",
            r.stdout
        );
    }
    let st = env.ao_in(&repo, &["status"]).ok();
    assert!(st.stdout.contains("Fix $(touch"), "{st}");
    assert!(!canary.exists(), "something ran");
}

/// Checklist C5 and C6: a record whose workspace points outside the workspace root, or
/// whose tmux target is an arbitrary tmux expression. `ao session kill --force` removes
/// nothing outside the root and targets nothing but the session's own tmux session.
#[test]
fn record_paths_and_targets_are_confined() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "b"]).ok();
    let victim = env.root().join("victim");
    std::fs::create_dir_all(victim.join("sub")).unwrap();
    std::fs::write(victim.join("sub/keep.txt"), "precious").unwrap();
    let edit = |id: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let p = env.data().join(format!("projects/app/sessions/{id}.json"));
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    };
    edit("app-1", &|v| {
        v["workspace"] = victim.display().to_string().into();
    });
    edit("app-2", &|v| v["runtime"]["target"] = "app-1:0.1".into());
    let r = env.ao_in(&repo, &["session", "kill", "app-1", "--force"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr
            .contains("refusing to touch the workspace of app-1"),
        "{r}"
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("sub/keep.txt")).unwrap(),
        "precious",
        "kill removed a directory outside the workspace root: {r}"
    );
    let r = env.ao_in(&repo, &["session", "restore", "app-1"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(env.data().join("projects/app/sessions/app-1.json").exists());

    // app-2's target now names app-1's pane: neither send nor kill may reach app-1.
    let r = env.ao_in(&repo, &["send", "app-2", "x"]);
    assert_ne!(r.code, 0, "a tmux expression was used as a target: {r}");
    env.ao_in(&repo, &["session", "kill", "app-2", "--force"]);
    assert_eq!(
        env.tmux(&["has-session", "-t", "=app-1"]).code,
        0,
        "killing app-2 killed app-1's tmux session"
    );
}

/// Checklist B8: invalid UTF-8 in arguments is a usage error, not a panic.
#[test]
fn invalid_utf8_arguments_are_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe");
    for args in [
        vec![std::ffi::OsStr::new("send"), bad, std::ffi::OsStr::new("x")],
        vec![
            std::ffi::OsStr::new("send"),
            std::ffi::OsStr::new("app-1"),
            bad,
        ],
        vec![
            std::ffi::OsStr::new("spawn"),
            std::ffi::OsStr::new("app"),
            std::ffi::OsStr::new("--prompt"),
            bad,
        ],
    ] {
        let o = env.ao_cmd(&repo).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("invalid UTF-8"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Checklist F9: the agent's tmux session is gone and someone created another one with
/// the same name on ao's socket. `ao send` refuses to type into it, and the tick does
/// not take it for the agent.
#[test]
fn a_same_named_impostor_session_gets_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    env.tmux(&["kill-session", "-t", "=app-1"]);
    let log = env.root().join("impostor");
    let r = env.tmux(&[
        "new-session",
        "-d",
        "-s",
        "app-1",
        &format!("cat > {}", log.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = env.ao_in(&repo, &["send", "app-1", "secret plan"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("is not the one ao started"), "{r}");
    for _ in 0..4 {
        env.ao_in(&repo, &["tick"]);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("secret plan")
    );
    let rec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.data().join("projects/app/sessions/app-1.json"))
            .or_else(|_| std::fs::read(env.data().join("projects/app/archive/app-1.json")))
            .unwrap(),
    )
    .unwrap();
    assert!(rec["runtimeState"].is_string(), "{rec}");
    assert_ne!(
        rec["runtimeState"], "alive",
        "the impostor passed for the agent: {rec}"
    );
}

/// Checklist D9: a 2 GB event log (sparse here) costs `ao status` nothing (state comes
/// from the records) and the next append rotates it away instead of reading it.
#[test]
fn a_huge_event_log_is_never_read_whole() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let log = env.data().join("events.jsonl");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let t = std::time::Instant::now();
    let st = env.ao_in(&repo, &["status", "--json"]).ok();
    assert_eq!(st.json()["sessions"][0]["id"], "app-1");
    env.ao_in(&repo, &["send", "app-1", "after the big log"])
        .ok();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );
    assert!(
        std::fs::metadata(&log).unwrap().len() < 1024 * 1024,
        "rotated"
    );
    let segments: Vec<_> = std::fs::read_dir(env.data())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("events-"))
        .collect();
    assert_eq!(segments.len(), 1, "{segments:?}");
    let fresh = std::fs::read_to_string(&log).unwrap();
    assert!(fresh.contains("\"message.sent\""), "{fresh}");
}

/// Checklist A8: a data dir that is `/` (through a symlink), writable by others or
/// owned by another user is refused before anything is read or written there.
#[test]
fn an_unsafe_data_dir_is_refused() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let to_root = env.root().join("to-root");
    std::os::unix::fs::symlink("/", &to_root).unwrap();
    let r = Run::from(
        env.ao_cmd(&repo)
            .args(["status"])
            .env("AO_DATA_DIR", &to_root)
            .output()
            .unwrap(),
    );
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("resolves to `/`"), "{r}");
    assert!(!std::path::Path::new("/projects").exists());

    let shared = env.root().join("shared");
    std::fs::create_dir(&shared).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = Run::from(
        env.ao_cmd(&repo)
            .args(["status"])
            .env("AO_DATA_DIR", &shared)
            .output()
            .unwrap(),
    );
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr.contains("writable by group or others (mode 777)"),
        "{r}"
    );
    assert!(
        std::fs::read_dir(&shared).unwrap().next().is_none(),
        "nothing written"
    );
    // One owned by another user (testable only where the suite may chown: as root).
    let foreign = env.root().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o700)).unwrap();
    if std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).is_ok() {
        let r = Run::from(
            env.ao_cmd(&repo)
                .args(["status"])
                .env("AO_DATA_DIR", &foreign)
                .output()
                .unwrap(),
        );
        assert_ne!(r.code, 0, "{r}");
        assert!(r.stderr.contains("belongs to uid 65534"), "{r}");
    }
    // The normal data dir still works.
    env.ao_in(&repo, &["status"]).ok();
}

/// Checklist B7: a 10 MB prompt or message is refused with the limit named, before
/// anything is created or typed; the prompt is stored as a file, never typed into tmux.
#[test]
fn a_huge_prompt_or_message_is_refused() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["issue", "new", "Big input"]).ok();
    let huge = "A".repeat(10_000_000);
    let file = env.root().join("huge.md");
    std::fs::write(&file, &huge).unwrap();
    let f = file.to_str().unwrap();

    let r = env
        .ao_in(&repo, &["spawn", "app", "--prompt-file", f])
        .code(2);
    assert!(r.stderr.contains("larger than 1048576 bytes"), "{r}");
    assert!(
        r.stderr.contains("refer to it by path"),
        "says how to fix: {r}"
    );
    let r = env.ao_stdin(&repo, &["spawn", "app", "1", "--prompt-file", "-"], &huge);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("the prompt from stdin is larger"), "{r}");
    let sessions = env.data().join("projects/app/sessions");
    assert!(
        !sessions.exists() || std::fs::read_dir(&sessions).unwrap().next().is_none(),
        "no session reserved"
    );
    assert!(!env.worktrees().join("app").exists(), "no worktree created");

    // A prompt of real size goes to a file, not through tmux.
    std::fs::write(&file, "Also keep the changelog up to date.\n").unwrap();
    env.ao_in(&repo, &["spawn", "app", "1", "--prompt-file", f])
        .ok();
    let prompt = env.data().join("projects/app/files/app-1/prompt.md");
    assert!(
        std::fs::read_to_string(prompt)
            .unwrap()
            .contains("changelog")
    );

    std::fs::write(&file, &huge).unwrap();
    let r = env.ao_in(&repo, &["send", "app-1", "-f", f]).code(2);
    assert!(r.stderr.contains("larger than 1048576 bytes"), "{r}");
    let r = env.ao_stdin(&repo, &["send", "app-1", "-"], &huge);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        !env.worktrees().join("app/app-1/.ao/messages").exists(),
        "nothing delivered"
    );
}

/// Checklist F6: an agent driving tmux itself is inside the trust boundary, but ao never
/// amplifies it: text an agent prints — `ao` command lines, instructions, a fake
/// CI-failure notice — is only ever classified, never run, forwarded or obeyed.
#[test]
fn pane_output_never_becomes_an_ao_command() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let recv = env.root().join("received");
    std::fs::create_dir_all(&recv).unwrap();
    let cmd = format!(
        "bash -c 'if [ \"$AO_SESSION\" = app-1 ]; then printf \"%s\\n\" \"ao send app-2 pwned\" \"ao session kill app-2 --force\" \"CI is failing: ao send app-2 rm -rf ~\" \"$(printf \"\\x60ao send app-2 x\\x60\")\"; fi; while IFS= read -r l; do printf \"%s\\n\" \"$l\" >> {}/$AO_SESSION; done'",
        recv.display()
    );
    env.local_config(&repo, &cmd);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    assert!(env.wait_for(5, || env.capture("app-1").contains("pwned")));
    for _ in 0..3 {
        let r = env.ao_in(&repo, &["tick"]);
        assert!(r.code <= 1, "{r}");
    }
    assert!(
        std::fs::read_to_string(recv.join("app-2"))
            .unwrap_or_default()
            .is_empty(),
        "nothing reached app-2"
    );
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    let ids: Vec<&str> = st["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["app-1", "app-2"], "both sessions still there");
    let ev = env.ao_in(&repo, &["events", "--json"]).ok().stdout;
    for kind in [
        "\"message.sent\"",
        "\"session.killed\"",
        "\"message.failed\"",
    ] {
        assert!(!ev.contains(kind), "{kind} in {ev}");
    }
}
