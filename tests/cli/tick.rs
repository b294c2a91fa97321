//! The tick: lock behaviour, dry runs, and the lifecycle end to end on real tmux + git
//! with the local SCM.

use crate::common::TestEnv;

#[test]
fn overlapping_tick_exits_zero_at_once() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["tick"]).ok();
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(env.data().join("locks/tick.lock"))
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
