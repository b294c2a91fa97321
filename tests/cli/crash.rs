//! Crash safety: a seeded, reproducible loop of real `ao` processes — spawn, send, tick,
//! kill, hook — where some are SIGKILLed after a random delay. Afterwards every record
//! parses (old or new, never partial), every event line is whole, no lock is held, and ao
//! can clean up everything it created (no orphaned tmux session or worktree).
//!
//! `AO_CRASH_SEED` picks the seed (default 1), `AO_CRASH_ITERS` the iterations (default
//! 200, about 10 s; the long variant is e.g. `AO_CRASH_ITERS=2000 cargo test --test cli crash`).

use std::process::Stdio;

use crate::common::TestEnv;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn live_ids(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.data().join("projects/app/sessions"))
        .map(|rd| {
            rd.filter_map(std::result::Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn check_state(env: &TestEnv, seed: u64) {
    for dir in ["sessions", "archive"] {
        let Ok(rd) = std::fs::read_dir(env.data().join("projects/app").join(dir)) else {
            continue;
        };
        for e in rd.filter_map(std::result::Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                assert!(
                    !name.contains(".corrupt-"),
                    "seed {seed}: a record was corrupted: {name}"
                );
                continue;
            }
            let bytes = std::fs::read(e.path()).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|err| panic!("seed {seed}: {name} is partial: {err}"));
            assert_eq!(v["version"], 1, "seed {seed}: {name}");
        }
    }
    let log = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap_or_default();
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let whole = line.ends_with('\n');
        match serde_json::from_str::<serde_json::Value>(line.trim_end()) {
            Ok(v) => assert!(
                v["type"].is_string(),
                "seed {seed}: line {i} is not an event"
            ),
            // A writer killed mid-line leaves a fragment, terminated by the next writer;
            // it never swallows another event (that would make the line parse-fail AND
            // contain a second `{"v":`).
            Err(_) => assert!(
                line.matches("{\"v\":").count() <= 1 || !whole,
                "seed {seed}: line {i} glues two events: {line:?}"
            ),
        }
    }
    for e in std::fs::read_dir(env.data().join("locks"))
        .unwrap()
        .filter_map(std::result::Result::ok)
    {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(e.path())
            .unwrap();
        // A process killed right after fork() leaves a child that shares its descriptors
        // until that child execs (which closes them: O_CLOEXEC); under load that can take
        // a moment. A lock still held after that grace is a leak.
        let free = env.wait_for(3, || f.try_lock().is_ok());
        assert!(
            free,
            "seed {seed}: lock {:?} is still held by {:?}",
            e.file_name(),
            holders(&e.path())
        );
    }
}

#[test]
fn random_sigkills_lose_nothing() {
    let seed = env_u64("AO_CRASH_SEED", 1);
    let iters = env_u64("AO_CRASH_ITERS", 200);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    for i in 0..iters {
        let ids = live_ids(&env);
        let pick = |rng: &mut Rng| {
            ids.get(rng.below(ids.len().max(1) as u64) as usize)
                .cloned()
                .unwrap_or_else(|| "app-1".into())
        };
        let args: Vec<String> = match rng.below(6) {
            0 | 1 if ids.len() < 6 => vec![
                "spawn".into(),
                "app".into(),
                "--prompt".into(),
                format!("task {i}"),
            ],
            2 => vec![
                "send".into(),
                pick(&mut rng),
                format!("message {i}; $(x) \"q\""),
            ],
            3 => vec![
                "session".into(),
                "kill".into(),
                pick(&mut rng),
                "--force".into(),
            ],
            4 => vec!["hook".into(), "custom".into(), "Stop".into()],
            _ => vec!["tick".into()],
        };
        let mut c = env.ao_cmd(&repo);
        c.args(&args)
            .env("AO_SESSION", pick(&mut rng))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        if rng.below(3) == 0 {
            std::thread::sleep(std::time::Duration::from_millis(rng.below(80)));
            let _ = child.kill();
        }
        let _ = child.wait();
        if i % 10 == 9 {
            check_state(&env, seed);
        }
    }
    check_state(&env, seed);
    // Everything ao created can be removed by ao: kill every live session.
    for id in live_ids(&env) {
        let r = env.ao_in(&repo, &["session", "kill", &id, "--force"]);
        assert_eq!(r.code, 0, "seed {seed}: cannot kill {id}: {r}");
    }
    check_state(&env, seed);
    let panes = env.tmux(&["list-sessions", "-F", "#{session_name}"]).stdout;
    assert!(
        panes.trim().is_empty(),
        "seed {seed}: orphaned tmux sessions: {panes}"
    );
    let left: Vec<_> = std::fs::read_dir(env.worktrees().join("app"))
        .map(|rd| {
            rd.filter_map(std::result::Result::ok)
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "seed {seed}: orphaned worktrees: {left:?}");
}

/// The processes with `path` open, as `pid cmdline` (for failure messages).
fn holders(path: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for p in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == path))
        {
            let cmd = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
            out.push(format!(
                "{} {}",
                p.file_name().to_string_lossy(),
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    out
}

/// Checklist D7: an append that hits a full disk (here a file-size limit) fails with a
/// clear error and leaves no partial line behind; the next append is whole.
#[test]
fn a_full_disk_mid_append_leaves_no_partial_line() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let out = env.root().join("received");
    env.local_config(&repo, &format!("bash -c 'exec cat >> {}'", out.display()));
    env.ao_in(&repo, &["issue", "new", "Disk full"]).ok();
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    // Make the log larger than any record, so the limit bites only on the append.
    let log = env.data().join("events.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut big = text.clone();
    while big.len() < 64 * 1024 {
        big.push_str(&text);
    }
    std::fs::write(&log, &big).unwrap();
    let before = std::fs::metadata(&log).unwrap().len();

    let r = env.ao_size_limited(
        &repo,
        before + 10,
        &["send", "app-1", "while the disk is full"],
    );
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr.contains("File too large"),
        "names the OS error: {r}"
    );
    assert_eq!(
        std::fs::metadata(&log).unwrap().len(),
        before,
        "the partial line was taken back out"
    );

    env.ao_in(&repo, &["send", "app-1", "disk has room again"])
        .ok();
    let after = std::fs::read_to_string(&log).unwrap();
    for (n, line) in after.lines().enumerate() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("line {} is not whole: {e}: {line}", n + 1));
    }
    assert!(after.ends_with('\n'));
    assert!(after.len() as u64 > before);
    assert!(
        after.lines().last().unwrap().contains("message.sent"),
        "{after}"
    );
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    assert!(!ev.stderr.contains("skipped"), "{ev}");
}
