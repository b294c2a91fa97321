//! External plugins over protocol 1 (docs/plugins.md), with the shipped examples in
//! `examples/plugins/`: the `setsid` runtime and the `jsondir` tracker run a whole
//! spawn → tick → send → kill cycle; config validation and the unknown-plugin error tell
//! the truth about `ao-<slot>-<name>` for every slot.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Puts the example plugins on the test PATH.
fn install_examples(env: &TestEnv) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plugins");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        std::os::unix::fs::symlink(&p, env.bin().join(p.file_name().unwrap())).unwrap();
    }
}

/// A line agent: shows `agent>`, and for every line it reads shows `working on: <line>`
/// for a moment (what confirms delivery through its `working` pattern), then `agent>`.
fn line_agent(env: &TestEnv) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = env.bin().join("line-agent");
    std::fs::write(
        &p,
        "#!/bin/sh\necho \"task: $(head -n 1 \"$AO_PROMPT_FILE\" | cut -c1-20)\"\necho 'agent>'\nwhile IFS= read -r line; do\n  echo \"working on: $line\"\n  sleep 2\n  echo 'agent>'\ndone\n",
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn config(env: &TestEnv, repo: &Path, runtime: &str, tracker: &str) -> PathBuf {
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    runtime: {runtime}\n    agent: custom\n    agentConfig:\n      command: line-agent\n      patterns:\n        ready: ['agent>']\n        working: ['working on:']\n    tracker:\n      plugin: {tracker}\n      options:\n        dir: issues\n    scm:\n      plugin: local\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ))
}

fn status(env: &TestEnv, repo: &Path) -> serde_json::Value {
    env.ao_in(repo, &["status", "--json"]).ok().json()["sessions"][0].clone()
}

#[test]
fn setsid_runtime_and_jsondir_tracker_run_a_whole_cycle() {
    let env = TestEnv::new();
    install_examples(&env);
    line_agent(&env);
    let repo = env.repo("repo");
    std::fs::create_dir_all(repo.join("issues")).unwrap();
    std::fs::write(
        repo.join("issues/7.json"),
        r#"{"title": "Fix the login redirect", "body": "It loops", "labels": ["bug"]}"#,
    )
    .unwrap();
    config(&env, &repo, "setsid", "jsondir");
    env.ao_in(&repo, &["config", "check"]).ok();

    // The tracker lists and reads issues; spawn takes its title for the branch and prompt.
    let ls = env.ao_in(&repo, &["issue", "ls", "--json"]).ok().json();
    assert_eq!(ls["issues"][0]["id"], "7", "{ls}");
    let s = env
        .ao_in(&repo, &["spawn", "app", "7", "--json"])
        .ok()
        .json();
    assert_eq!(s["branch"], "ao/7-fix-the-login-redirect", "{s}");
    let prompt =
        std::fs::read_to_string(env.data().join("projects/app/files/app-1/prompt.md")).unwrap();
    assert!(prompt.contains("It loops"), "{prompt}");

    // The runtime started the agent detached; a tick probes and reads its log.
    let st = status(&env, &repo);
    assert_eq!(st["runtime"]["plugin"], "setsid", "{st}");
    let rec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.data().join("projects/app/sessions/app-1.json")).unwrap(),
    )
    .unwrap();
    let ready = env.wait_for(15, || {
        env.ao_in(&repo, &["tick"]).ok();
        status(&env, &repo)["activity"]["state"] == "ready"
    });
    assert!(ready, "{}", status(&env, &repo));

    // send: pasted as the pending line, submitted with Enter, confirmed by the screen.
    let r = env
        .ao_in(
            &repo,
            &["send", "app-1", "run the tests; then $(push)", "--json"],
        )
        .ok()
        .json();
    assert_eq!(r["delivery"]["outcome"], "delivered", "{r}");
    let log = std::fs::read_to_string(rec["runtime"]["log"].as_str().unwrap()).unwrap();
    assert!(log.contains("task: You are working on"), "{log}");
    assert!(
        log.contains("working on: run the tests; then $(push)"),
        "{log}"
    );

    // kill stops the process group; the next tick sees nothing running.
    let pid = rec["runtime"]["pid"].as_u64().unwrap();
    env.ao_in(&repo, &["session", "kill", "app-1"]).ok();
    assert!(
        env.wait_for(5, || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
                s.rsplit(") ").next().unwrap_or("").starts_with('Z')
            })
        }),
        "agent process {pid} still runs"
    );
    env.ao_in(&repo, &["tick"]).ok();
}

#[test]
fn a_plugin_missing_from_path_is_reported_for_every_slot() {
    let env = TestEnv::new();
    line_agent(&env);
    let repo = env.repo("repo");
    config(&env, &repo, "nowhere", "nowhere");
    let c = env.ao_in(&repo, &["config", "check"]);
    assert!(
        c.stderr.contains("no `ao-runtime-nowhere` is on PATH")
            && c.stderr.contains("no `ao-tracker-nowhere` is on PATH"),
        "{c}"
    );
    let s = env.ao_in(&repo, &["spawn", "app", "--prompt", "x"]);
    assert_ne!(s.code, 0);
    assert!(
        s.stderr.contains("unknown runtime plugin `nowhere`")
            && s.stderr.contains("ao-runtime-nowhere"),
        "{s}"
    );
    assert!(
        !env.worktrees().join("app/app-1").exists(),
        "nothing created"
    );
}
