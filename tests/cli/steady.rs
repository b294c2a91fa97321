//! A steady tick writes nothing: with every session idle and nothing changed, a tick
//! creates, renames or rewrites no file under the data dir; the only trace it leaves is
//! the tick heartbeat (the mtime of its own lock file), which `ao doctor` reads.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Every file under `dir`: (inode, mtime in ns, size).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, i128, u64)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
            (e.path().to_path_buf(), (m.ino(), mtime, m.len()))
        })
        .collect()
}

#[test]
fn steady_tick_over_idle_sessions_writes_nothing() {
    const N: usize = 100;
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.local_config(&repo, "cat");
    // A long ready threshold: nothing time-based happens while the test runs.
    let yaml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("readyThreshold: 1h\n{yaml}")).unwrap();
    for _ in 0..N {
        env.ao_in(&repo, &["spawn", "app", "--prompt", "wait"]).ok();
    }
    // Settle: the first ticks record what they see (under load the agents may still be
    // starting, which is a change): until two ticks in a row see no transition.
    let mut quiet = 0;
    for _ in 0..30 {
        let r = env.ao_in(&repo, &["tick", "--json"]).ok();
        let none = r.json()["transitions"]
            .as_array()
            .is_some_and(Vec::is_empty);
        quiet = if none { quiet + 1 } else { 0 };
        if quiet == 2 {
            break;
        }
    }
    assert_eq!(quiet, 2, "the fleet never settled");
    let before = snapshot(&env.data());
    let lock = env.tick_lock(&cfg);
    let r = env.ao_in(&repo, &["tick", "--json"]).ok();
    assert_eq!(r.json()["sessionsSeen"], N, "{r}");
    assert_eq!(
        r.json()["transitions"].as_array().map(Vec::len),
        Some(0),
        "{r}"
    );
    let after = snapshot(&env.data());
    let created: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    let removed: Vec<_> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    assert!(created.is_empty(), "files created: {created:?}");
    assert!(removed.is_empty(), "files removed: {removed:?}");
    let changed: Vec<_> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(v) && **p != lock)
        .map(|(p, _)| p)
        .collect();
    assert!(
        changed.is_empty(),
        "{} files rewritten, e.g. {:?}",
        changed.len(),
        &changed[..changed.len().min(5)]
    );
    // The heartbeat moved, in place.
    assert_eq!(before[&lock].0, after[&lock].0, "lock file replaced");
    assert!(after[&lock].1 > before[&lock].1, "no heartbeat");
    let doc = env.ao_in(&repo, &["doctor", "--json"]).json();
    let tick = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "tick")
        .cloned()
        .unwrap();
    assert_eq!(tick["status"], "ok", "{tick}");
}
