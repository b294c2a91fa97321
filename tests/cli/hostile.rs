//! Hostile input: records with wrong versions and types, path traversal through ids and
//! branches, hostile issue titles. Each gives a clear error, executes nothing, touches
//! nothing outside the data and workspace roots, and loses nothing.

use crate::common::TestEnv;

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
