//! Session commands on real tmux + git: spawn → status → send (byte-exact) → kill
//! (refuses dirty) → restore; batch-spawn skipping duplicates; concurrent sends do not
//! interleave; corrupt records are quarantined; a torn event line is tolerated.

use std::path::Path;

use crate::common::TestEnv;

/// A custom agent that appends every line it reads to `received` in its workspace.
fn recorder(env: &TestEnv) -> (std::path::PathBuf, String) {
    let out = env.root().join("received");
    let cmd = format!("bash -c 'exec cat >> {}'", out.display());
    (out, cmd)
}

/// A repo and a recorder agent that takes multi-line pastes (`pasteMultiline: true`), so
/// what it receives is the message itself, byte for byte.
fn setup(env: &TestEnv) -> (std::path::PathBuf, std::path::PathBuf) {
    let repo = env.repo("repo");
    let (out, cmd) = recorder(env);
    let cfg = env.local_config(&repo, &cmd);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text.replacen(
        "\n    tracker:",
        "\n      pasteMultiline: true\n    tracker:",
        1,
    );
    std::fs::write(&cfg, text).unwrap();
    (repo, out)
}

/// Checklist F2: an agent not known to take bracketed paste (a `custom` command by
/// default) never gets a newline typed: a multi-line message (or one with a lone CR)
/// goes to a file and the agent receives one pointer line, submitted once.
#[test]
fn multiline_messages_never_submit_early() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let (out, cmd) = recorder(&env);
    env.local_config(&repo, &cmd);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "x"]).ok();
    env.ao_in(&repo, &["send", "app-1", "one line stays typed"])
        .ok();
    assert!(env.wait_for(5, || read(&out).contains("typed")));
    for (i, msg) in ["Fix the test\nthen run: rm -rf /", "first\rsecond"]
        .iter()
        .enumerate()
    {
        let r = env.ao_in(&repo, &["send", "app-1", msg, "--json"]).ok();
        let file = r.json()["delivery"]["file"].as_str().unwrap().to_owned();
        let expected = msg.replace('\r', "\n");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
        assert!(
            env.wait_for(5, || read(&out).lines().count() == 2 + i),
            "{:?}",
            read(&out)
        );
        let last = read(&out).lines().last().unwrap().to_owned();
        assert!(
            last.starts_with("A message from ao is in the file .ao/messages/"),
            "{last}"
        );
        assert!(!read(&out).contains("rm -rf") && !read(&out).contains("second"));
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn spawn_status_send_kill_restore() {
    let env = TestEnv::new();
    let (repo, out) = setup(&env);
    env.ao_in(
        &repo,
        &[
            "issue",
            "new",
            "Fix the `login`; redirect",
            "--body",
            "It breaks $(whoami)",
        ],
    )
    .ok();
    let s = env.ao_in(&repo, &["spawn", "app", "1", "--json"]).ok();
    let v = s.json();
    assert_eq!(v["id"], "app-1");
    assert_eq!(v["branch"], "ao/1-fix-the-login-redirect");
    let ws = env.worktrees().join("app/app-1");
    assert!(ws.join("README.md").exists(), "worktree created");
    assert_eq!(
        env.git(&ws, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "ao/1-fix-the-login-redirect"
    );

    // The agent got the AO_* environment and a prompt file that fences the issue text.
    let prompt = read(&env.data().join("projects/app/files/app-1/prompt.md"));
    assert!(
        prompt.contains("It breaks $(whoami)") && prompt.contains("untrusted"),
        "{prompt}"
    );

    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    assert_eq!(st["schemaVersion"], 1);
    assert_eq!(st["sessions"][0]["id"], "app-1");
    assert_eq!(st["sessions"][0]["issueTitle"], "Fix the `login`; redirect");

    // Byte-exact delivery of hostile text: `;` at the end, key names, quotes, $(...), newlines.
    let msg = "hello; C-c \"double\" 'single' $(rm -rf /) `id` \\;\nsecond line;\nEnter";
    env.ao_in(&repo, &["send", "app-1", msg]).ok();
    assert!(
        env.wait_for(5, || read(&out).contains("Enter")),
        "received: {:?}",
        read(&out)
    );
    assert_eq!(read(&out), format!("{msg}\n"));

    // From a file and from stdin.
    std::fs::write(env.root().join("m.txt"), "from file;").unwrap();
    env.ao_in(
        &repo,
        &[
            "send",
            "app-1",
            "-f",
            env.root().join("m.txt").to_str().unwrap(),
        ],
    )
    .ok();
    env.ao_stdin(&repo, &["send", "app-1", "-"], "from stdin\n")
        .ok();
    assert!(
        env.wait_for(5, || read(&out).ends_with("from stdin\n")),
        "{:?}",
        read(&out)
    );
    assert!(read(&out).contains("from file;\n"));

    // Kill refuses a dirty workspace and changes nothing.
    std::fs::write(ws.join("wip.txt"), "unsaved").unwrap();
    let k = env.ao_in(&repo, &["session", "kill", "app-1"]).code(2);
    assert!(
        k.stderr.contains("uncommitted") && k.stderr.contains("--force"),
        "{k}"
    );
    assert!(ws.join("wip.txt").exists());
    assert_eq!(env.tmux(&["has-session", "-t", "=app-1"]).code, 0);

    // Restore after the workspace vanished and the runtime died: re-created from the branch.
    env.git(&ws, &["add", "wip.txt"]);
    env.git(&ws, &["commit", "-q", "-m", "wip"]);
    env.tmux(&["kill-session", "-t", "=app-1"]);
    env.git(
        &repo,
        &["worktree", "remove", "--force", ws.to_str().unwrap()],
    );
    assert!(!ws.exists());
    env.ao_in(&repo, &["session", "restore", "app-1"]).ok();
    assert!(
        ws.join("wip.txt").exists(),
        "workspace restored from the branch with its commit"
    );
    assert_eq!(
        env.tmux(&["has-session", "-t", "=app-1"]).code,
        0,
        "runtime restarted"
    );

    // Now clean: kill works and archives.
    env.ao_in(&repo, &["session", "kill", "app-1"]).ok();
    assert!(env.data().join("projects/app/archive/app-1.json").exists());
    assert!(!ws.exists());
    assert_ne!(env.tmux(&["has-session", "-t", "=app-1"]).code, 0);
    let ev = env
        .ao_in(&repo, &["events", "--session", "app-1", "--json"])
        .ok();
    for kind in [
        "session.spawned",
        "message.sent",
        "session.restored",
        "session.killed",
    ] {
        assert!(ev.stdout.contains(kind), "missing {kind}:\n{ev}");
    }
}

#[test]
fn spawn_refuses_duplicates_and_respects_max_sessions() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    for t in ["One", "Two", "Three"] {
        env.ao_in(&repo, &["issue", "new", t]).ok();
    }
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    let d = env.ao_in(&repo, &["spawn", "app", "1"]).code(2);
    assert!(
        d.stderr.contains("already has a live session: app-1"),
        "{d}"
    );
    let b = env
        .ao_in(&repo, &["batch-spawn", "app", "1", "2", "3", "--json"])
        .ok();
    let v = b.json();
    assert_eq!(v["results"][0]["result"], "skipped");
    assert_eq!(v["results"][1]["session"], "app-2");
    assert_eq!(v["results"][2]["session"], "app-3");
    // maxSessions: add a cap of 3 and try a fourth.
    let cfg = std::fs::read_to_string(env.root().join("agent-orchestrator.yaml")).unwrap();
    env.config(&format!("maxSessions: 3\n{cfg}"));
    env.ao_in(&repo, &["issue", "new", "Four"]).ok();
    let m = env.ao_in(&repo, &["spawn", "app", "4"]).code(2);
    assert!(m.stderr.contains("maxSessions is 3"), "{m}");
    // Unknown issue: clear error, nothing left behind.
    let u = env.ao_in(&repo, &["spawn", "app", "99"]).code(1);
    assert!(u.stderr.contains("no issue `99`"), "{u}");
}

#[test]
fn failed_spawn_leaves_nothing_behind() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    // An agent command that tmux cannot start is fine (pane dies); a missing base branch is not.
    env.config(&format!(
        "worktreeDir: {}\nprojects:\n  app:\n    path: {}\n    defaultBranch: nope\n    agent: custom\n    agentConfig: {{command: \"cat\"}}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n",
        env.worktrees().display(),
        repo.display()
    ));
    let r = env
        .ao_in(&repo, &["spawn", "app", "--prompt", "do it"])
        .code(1);
    assert!(r.stderr.contains("base branch `nope`"), "{r}");
    let sessions = env.data().join("projects/app/sessions");
    assert_eq!(
        std::fs::read_dir(&sessions).map(|d| d.count()).unwrap_or(0),
        0,
        "no record left"
    );
    assert!(!env.worktrees().join("app/app-1").exists());
    let ev = env.ao(&["events", "--json"]).ok();
    assert!(ev.stdout.contains("session.spawn_failed"), "{ev}");
}

#[test]
fn concurrent_sends_do_not_interleave() {
    let env = TestEnv::new();
    let (repo, out) = setup(&env);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    let a = "A".repeat(1500);
    let b = "B".repeat(1500);
    let mut ca = env.ao_cmd(&repo);
    ca.args(["send", "app-1", &a]);
    let mut cb = env.ao_cmd(&repo);
    cb.args(["send", "app-1", &b]);
    ca.stderr(std::process::Stdio::null());
    cb.stderr(std::process::Stdio::null());
    let (ha, hb) = (ca.spawn().unwrap(), cb.spawn().unwrap());
    assert!(ha.wait_with_output().unwrap().status.success());
    assert!(hb.wait_with_output().unwrap().status.success());
    assert!(env.wait_for(5, || read(&out).lines().count() >= 2));
    let got = read(&out);
    let mut lines: Vec<&str> = got.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![a.as_str(), b.as_str()],
        "messages interleaved: {got:?}"
    );
}

#[test]
fn corrupt_record_is_quarantined_and_torn_event_tolerated() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "q"]).ok();
    let rec = env.data().join("projects/app/sessions/app-1.json");
    let text = std::fs::read_to_string(&rec).unwrap();
    std::fs::write(&rec, &text[..text.len() / 2]).unwrap();
    let st = env.ao_in(&repo, &["status", "--json"]).ok();
    assert!(
        st.stderr.contains("corrupt") && st.stderr.contains("moved aside"),
        "{st}"
    );
    let v = st.json();
    assert_eq!(
        v["sessions"].as_array().unwrap().len(),
        1,
        "the healthy session is still listed"
    );
    assert_eq!(v["problems"].as_array().unwrap().len(), 1);
    let moved: Vec<_> = std::fs::read_dir(env.data().join("projects/app/sessions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("app-1.json.corrupt-")
        })
        .collect();
    assert_eq!(moved.len(), 1, "quarantined copy kept, nothing deleted");

    // A torn last line in the event log.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(env.data().join("events.jsonl"))
        .unwrap();
    f.write_all(b"{\"v\":1,\"ts\":\"2026-").unwrap();
    let ev = env.ao_in(&repo, &["events"]).ok();
    assert!(ev.stderr.contains("skipped 1 unreadable line"), "{ev}");
    env.ao_in(&repo, &["send", "app-2", "after the tear"]).ok();
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    let last = ev.stdout.lines().last().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(
        parsed["type"], "message.sent",
        "a new event after the torn line is whole"
    );
}

#[test]
fn bad_ids_and_usage_errors() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let r = env.ao_in(&repo, &["send", "../../etc/passwd", "x"]).code(1);
    assert!(r.stderr.contains("invalid session id"), "{r}");
    let r = env.ao_in(&repo, &["send", "app-9", "x"]).code(1);
    assert!(r.stderr.contains("no session `app-9`"), "{r}");
    env.ao_in(&repo, &["send", "app-1"]).code(2);
    let r = env.ao_in(&repo, &["spawn", "nope", "1"]).code(2);
    assert!(
        r.stderr.contains("unknown project `nope`") && r.stderr.contains("app"),
        "{r}"
    );
    env.ao_in(&repo, &["spawn", "app"]).code(2);
}

#[test]
fn agent_environment_and_restore_with_branch_checked_out_elsewhere() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let envfile = env.root().join("agent-env");
    env.local_config(
        &repo,
        &format!(
            "bash -c 'env > {f}.tmp; mv {f}.tmp {f}; exec cat'",
            f = envfile.display()
        ),
    );
    env.ao_in(
        &repo,
        &[
            "spawn",
            "app",
            "--prompt",
            "do the thing",
            "--branch",
            "feature/x",
        ],
    )
    .ok();
    assert!(env.wait_for(5, || envfile.exists()));
    let vars = std::fs::read_to_string(&envfile).unwrap();
    for k in [
        "AO_SESSION=app-1",
        "AO_PROJECT=app",
        "AO_DATA_DIR=",
        "AO_CONFIG=",
        "AO_PROMPT_FILE=",
    ] {
        assert!(vars.contains(k), "missing {k} in agent env");
    }
    let prompt_path = vars
        .lines()
        .find_map(|l| l.strip_prefix("AO_PROMPT_FILE="))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(prompt_path).unwrap(),
        "do the thing\n"
    );
    assert!(
        !vars.contains("GITHUB_TOKEN"),
        "ao's tokens never reach the agent"
    );

    // The worktree disappears and the branch gets checked out in another worktree.
    let ws = env.worktrees().join("app/app-1");
    env.git(
        &repo,
        &["worktree", "remove", "--force", ws.to_str().unwrap()],
    );
    let other = env.root().join("other");
    env.git(
        &repo,
        &["worktree", "add", other.to_str().unwrap(), "feature/x"],
    );
    env.tmux(&["kill-session", "-t", "=app-1"]);
    env.ao_in(&repo, &["session", "restore", "app-1"]).ok();
    assert_eq!(
        env.git(&ws, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "feature/x"
    );
}

#[test]
fn workspace_symlinks_and_post_create() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    std::fs::write(repo.join(".env"), "SECRET=1\n").unwrap();
    env.config(&format!(
        "worktreeDir: {}\nprojects:\n  app:\n    path: {}\n    agent: custom\n    agentConfig: {{command: cat}}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n    symlinks: [.env]\n    postCreate:\n      - \"echo created > post-create.txt\"\n",
        env.worktrees().display(),
        repo.display()
    ));
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    let ws = env.worktrees().join("app/app-1");
    assert!(
        std::fs::symlink_metadata(ws.join(".env"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("post-create.txt")).unwrap(),
        "created\n"
    );
    // ao's own folder is git-ignored in the workspace.
    std::fs::create_dir_all(ws.join(".ao/messages")).unwrap();
    std::fs::write(ws.join(".ao/messages/x.md"), "m").unwrap();
    let st = env.git(&ws, &["status", "--porcelain"]);
    assert!(!st.contains(".ao"), "{st}");
}
