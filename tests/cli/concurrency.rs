//! Concurrency: parallel spawns get distinct ids and workspaces; parallel writers never
//! interleave event lines; overlapping ticks all exit 0; kill and send racing on one
//! session leave it either killed or sent-to, never half of each; a storm of sends, hooks,
//! ticks, spawns and a kill ends without deadlock, lost or doubled messages.

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
    let events = whole_lines(&log).unwrap_or_else(|e| panic!("{e}"));
    let sent = events
        .iter()
        .filter(|v| v["type"] == "message.sent")
        .count();
    assert_eq!(sent, 6, "every send recorded exactly once");
}

/// Every line of `log` is one whole JSON object and the log ends with a newline; the
/// first line that is not, as an error.
fn whole_lines(log: &str) -> Result<Vec<serde_json::Value>, String> {
    if !log.is_empty() && !log.ends_with('\n') {
        return Err("the log ends mid-line".into());
    }
    log.lines()
        .enumerate()
        .map(|(n, line)| {
            serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| format!("line {} is torn or glued: {line:?}", n + 1))
        })
        .collect()
}

/// Checklist D5: the check above is sensitive. A simulated regression — writers that
/// put each record down in two `write()`s without the lock — produces a log it rejects.
#[test]
fn the_line_check_catches_a_two_write_writer() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap();
                for i in 0..100 {
                    let line = format!(
                        "{{\"v\":1,\"writer\":{w},\"i\":{i},\"pad\":\"{}\"}}\n",
                        "x".repeat(200)
                    );
                    let (a, b) = line.split_at(line.len() / 2);
                    f.write_all(a.as_bytes()).unwrap();
                    std::thread::sleep(std::time::Duration::from_micros(200));
                    f.write_all(b.as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let log = std::fs::read_to_string(&path).unwrap();
    assert!(whole_lines(&log).is_err(), "the regression went unnoticed");
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
    // Either the send went first (and succeeded) or found the session gone (clear error):
    // its record archived, or its tmux session killed before anything was typed.
    if !s.status.success() {
        let err = String::from_utf8_lossy(&s.stderr);
        assert!(
            err.contains("no session `app-1`") || err.contains("not sent to app-1"),
            "{}",
            String::from_utf8_lossy(&s.stderr)
        );
    }
    assert!(env.data().join("projects/app/archive/app-1.json").exists());
    assert!(!env.data().join("projects/app/sessions/app-1.json").exists());
}

/// A spawn racing the kill of the tmux server's last session meets a server that is
/// exiting (it accepts the connection, then goes away): the spawn must still start its
/// session, and the kill must still archive the other.
#[test]
fn spawn_racing_the_kill_of_the_last_session_starts() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    for round in 0..4 {
        let old = format!("app-{}", round * 2 + 1);
        env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
        let kill = spawn_bg(&env, &repo, &["session", "kill", &old, "--force"]);
        let spawn = spawn_bg(&env, &repo, &["spawn", "app", "--prompt", "b"]);
        let (k, s) = (
            kill.wait_with_output().unwrap(),
            spawn.wait_with_output().unwrap(),
        );
        assert!(k.status.success(), "{}", String::from_utf8_lossy(&k.stderr));
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        let new = format!("app-{}", round * 2 + 2);
        assert!(
            env.data()
                .join(format!("projects/app/archive/{old}.json"))
                .exists()
        );
        env.ao_in(&repo, &["session", "kill", &new, "--force"]).ok();
    }
}

/// A storm on two live sessions: parallel `ao send`s to both, `ao hook` calls, ticks, two
/// spawns, and a kill of one session mid-storm. No process hangs (all finish within a
/// minute: no deadlock), every send that succeeded arrived whole, exactly once and on its
/// own line, every one that failed says the session is gone, every event line parses and
/// each successful send is logged once, and no lock is left held.
#[test]
fn storm_of_sends_hooks_ticks_spawns_and_kill() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let recv = env.root().join("received");
    std::fs::create_dir_all(&recv).unwrap();
    env.local_config(
        &repo,
        &format!(
            "bash -c 'printf \"ready> \"; while IFS= read -r l; do printf \"%s\\n\" \"$l\" >> {}/$AO_SESSION; printf \"ready> \"; done'",
            recv.display()
        ),
    );
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "b"]).ok();

    let mut kids: Vec<(String, Child)> = Vec::new();
    let mut messages = Vec::new();
    for i in 0..6 {
        for id in ["app-1", "app-2"] {
            let msg = format!("storm {id} {i} {}", "y".repeat(200));
            kids.push((
                format!("send {id} {i}"),
                spawn_bg(&env, &repo, &["send", id, &msg]),
            ));
            messages.push((id, msg));
        }
        let mut hook = env.ao_cmd(&repo);
        hook.args(["hook", "custom", "Stop"])
            .env("AO_SESSION", if i % 2 == 0 { "app-1" } else { "app-2" })
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        kids.push((format!("hook {i}"), hook.spawn().unwrap()));
        kids.push((format!("tick {i}"), spawn_bg(&env, &repo, &["tick"])));
        if i == 3 {
            kids.push((
                "kill app-2".into(),
                spawn_bg(&env, &repo, &["session", "kill", "app-2", "--force"]),
            ));
        }
        if i % 3 == 0 {
            kids.push((
                format!("spawn {i}"),
                spawn_bg(&env, &repo, &["spawn", "app", "--prompt", "more"]),
            ));
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut sent_ok = Vec::new();
    for (what, mut k) in kids {
        while k.try_wait().unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "`ao {what}` still running after a minute: deadlock?"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let o = k.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code().unwrap_or(-1);
        if what.starts_with("send") {
            if code == 0 {
                sent_ok.push(what.clone());
            } else {
                assert!(
                    what.contains("app-2") && err.contains("app-2"),
                    "`ao {what}` failed ({code}): {err}"
                );
            }
        } else if what.starts_with("tick") {
            assert!(code <= 1, "`ao {what}` failed ({code}): {err}");
        } else {
            assert_eq!(code, 0, "`ao {what}` failed: {err}");
        }
    }
    // Every send to app-1 succeeded; each successful message arrived whole, once.
    for (id, msg) in &messages {
        let i = msg.split(' ').nth(2).unwrap();
        if !sent_ok.contains(&format!("send {id} {i}")) {
            continue;
        }
        let arrived = env.wait_for(10, || {
            std::fs::read_to_string(recv.join(id))
                .unwrap_or_default()
                .lines()
                .any(|l| l == msg)
        });
        assert!(arrived, "{id} never got message {i} whole");
        let text = std::fs::read_to_string(recv.join(id)).unwrap();
        assert_eq!(
            text.lines().filter(|l| l == msg).count(),
            1,
            "{id} got message {i} more than once"
        );
    }
    assert_eq!(
        sent_ok.iter().filter(|s| s.contains("app-1")).count(),
        6,
        "{sent_ok:?}"
    );
    let log = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
        .collect();
    let logged = events
        .iter()
        .filter(|v| v["type"] == "message.sent")
        .count();
    assert_eq!(logged, sent_ok.len(), "every delivered send logged once");
    assert!(env.data().join("projects/app/archive/app-2.json").exists());
    for id in ["app-3", "app-4"] {
        assert!(
            env.data()
                .join(format!("projects/app/sessions/{id}.json"))
                .exists(),
            "{id} missing"
        );
    }
    for e in std::fs::read_dir(env.data().join("locks"))
        .unwrap()
        .flatten()
    {
        let f = std::fs::File::options().write(true).open(e.path()).unwrap();
        assert!(
            env.wait_for(3, || f.try_lock().is_ok()),
            "lock {:?} still held",
            e.file_name()
        );
    }
}

/// Checklist C8: four `ao spawn` of the same issue at the same instant create exactly one
/// session; the others say which session already has the issue.
#[test]
fn racing_spawns_of_one_issue_create_one_session() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["issue", "new", "Only once"]).ok();
    let kids: Vec<Child> = (0..4)
        .map(|_| spawn_bg(&env, &repo, &["spawn", "app", "1"]))
        .collect();
    let outs: Vec<_> = kids
        .into_iter()
        .map(|k| k.wait_with_output().unwrap())
        .collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "{outs:?}");
    for o in outs.iter().filter(|o| !o.status.success()) {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("issue 1 already has a live session: app-1"),
            "{err}"
        );
    }
    let live = std::fs::read_dir(env.data().join("projects/app/sessions"))
        .unwrap()
        .count();
    assert_eq!(live, 1);
}
