//! Concurrency: parallel spawns get distinct ids and workspaces; parallel writers never
//! interleave event lines; overlapping ticks all exit 0; kill and send racing on one
//! session leave it either killed or sent-to, never half of each.

use std::process::{Child, Stdio};

use crate::common::TestEnv;

fn spawn_bg(env: &TestEnv, cwd: &std::path::Path, args: &[&str]) -> Child {
    let mut c = env.ao_cmd(cwd);
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.spawn().unwrap()
}

#[test]
fn parallel_spawns_get_distinct_sessions() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let kids: Vec<Child> = (0..4)
        .map(|i| {
            spawn_bg(
                &env,
                &repo,
                &["spawn", "app", "--prompt", &format!("task {i}")],
            )
        })
        .collect();
    let mut ids: Vec<String> = kids
        .into_iter()
        .map(|k| {
            let o = k.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, ["app-1", "app-2", "app-3", "app-4"]);
    for id in &ids {
        assert!(env.worktrees().join("app").join(id).exists());
        assert_eq!(env.tmux(&["has-session", "-t", &format!("={id}")]).code, 0);
    }
}

#[test]
fn parallel_writers_never_interleave_event_lines() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "b"]).ok();
    let mut kids = Vec::new();
    for i in 0..6 {
        let id = if i % 2 == 0 { "app-1" } else { "app-2" };
        let msg = format!("writer {i} {}", "x".repeat(300));
        kids.push(spawn_bg(&env, &repo, &["send", id, &msg]));
        kids.push(spawn_bg(&env, &repo, &["tick"]));
    }
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let log = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap();
    assert!(log.ends_with('\n'));
    let mut sent = 0;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line {line:?}: {e}"));
        if v["type"] == "message.sent" {
            sent += 1;
        }
    }
    assert_eq!(sent, 6, "every send recorded exactly once");
}

#[test]
fn overlapping_ticks_all_exit_zero() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let kids: Vec<Child> = (0..5).map(|_| spawn_bg(&env, &repo, &["tick"])).collect();
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn kill_racing_send_is_all_or_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let send = spawn_bg(&env, &repo, &["send", "app-1", "last words"]);
    let kill = spawn_bg(&env, &repo, &["session", "kill", "app-1", "--force"]);
    let (s, k) = (
        send.wait_with_output().unwrap(),
        kill.wait_with_output().unwrap(),
    );
    assert!(k.status.success(), "{}", String::from_utf8_lossy(&k.stderr));
    // Either the send went first (and succeeded) or found the session gone (clear error).
    if !s.status.success() {
        assert!(
            String::from_utf8_lossy(&s.stderr).contains("no session `app-1`"),
            "{}",
            String::from_utf8_lossy(&s.stderr)
        );
    }
    assert!(env.data().join("projects/app/archive/app-1.json").exists());
    assert!(!env.data().join("projects/app/sessions/app-1.json").exists());
}
