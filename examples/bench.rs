//! Benchmarks for ao, printed as a table. Run with:
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench            # the full table
//! cargo run --release --example bench -- --quick                          # without 10k records, 500 local sessions
//! cargo run --release --example bench -- --github                         # only the GitHub rows
//! cargo run --release --example bench -- --gitlab                         # only the GitLab rows
//! cargo run --release --example bench -- --trackers                       # only the Linear and Jira rows
//! ```
//!
//! Measures on this machine, with the real binary: `ao status --json` over N session records;
//! `ao tick` over N sessions that run in real tmux panes (private socket), once with the
//! local SCM, once with GitHub as SCM against the test suite's GitHub stand-in (a local
//! HTTP server answering GraphQL over GitHub's published schema) and once with GitLab
//! against the GitLab stand-in (GraphQL over GitLab's schema), counting tmux and git
//! subprocesses through PATH shims and HTTP requests at the stand-in; `ao tick` over N
//! sessions in tmux on 2 ssh hosts (the tests' sshd on loopback addresses), counting ssh
//! connections and remote commands in the sshd logs; `ao tick` over 100
//! sessions whose issues live in Linear or Jira (the trackers following PRs) against the
//! test suite's Linear and Jira stand-ins, steady and with every PR opening at once;
//! `ao hook` latency; `ao spawn` latency. Peak RSS is VmHWM sampled from /proc while the command runs.

// A benchmark driver: runs programs directly and unwraps.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::naive_bytecount,
    clippy::used_underscore_binding,
    clippy::unnecessary_debug_formatting
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

// The GitHub and GitLab stand-ins of the integration tests, reused as they are.
#[path = "../tests/cli/gitlab/mock.rs"]
mod gitlab_mock;
#[allow(dead_code)]
#[path = "../tests/cli/github/gql.rs"]
mod gql;
#[allow(dead_code)]
#[path = "../tests/cli/github/mock.rs"]
mod mock;
#[path = "../tests/cli/github/world.rs"]
mod world;
// The integration tests' sshd hosts (loopback addresses, own keys), reused as is.
#[allow(dead_code)]
#[path = "../tests/cli/common/sshd.rs"]
mod sshd;
// The stand-in server the mocks run on, and what the GitLab stand-in expects of its
// parent module.
#[allow(dead_code)]
#[path = "../tests/cli/common"]
mod common {
    pub mod gql;
    pub mod stand_in;
}
use world::sha;

// The Linear and Jira stand-ins of the integration tests, reused as they are.
#[allow(dead_code)]
#[path = "../tests/cli/linear"]
mod linear {
    pub mod gql;
    pub mod stand_in;
}
#[allow(dead_code)]
#[path = "../tests/cli/jira"]
mod jira {
    pub mod openapi;
    pub mod stand_in;
}

/// Token handed to `ao` for the GitHub rows (the stand-in accepts any).
const TOKEN: &str = "ghp_BENCHtoken000000000000000000000000";

/// Runs `c` to completion, sampling its peak RSS (VmHWM, KiB) from /proc while it runs.
fn run_measured(c: &mut Command) -> (std::process::ExitStatus, String, i64) {
    let mut child = c
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // Only after exec: before it, the forked child still reports the parent's memory.
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && s.lines().any(|l| l == "Name:\tao")
            && let Some(v) = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak = peak.max(v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            return (st, err, peak);
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

fn ao_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("ao");
    assert!(
        bin.exists(),
        "build the binary first: cargo build --release ({} missing)",
        bin.display()
    );
    bin
}

struct Env {
    dir: tempfile::TempDir,
    socket: String,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ao-bench-")
            .tempdir()
            .unwrap();
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("ao-bench-{}-{n}", std::process::id());
        std::fs::create_dir_all(dir.path().join("shims")).unwrap();
        for tool in ["tmux", "git"] {
            let real = String::from_utf8(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap();
            let shim = format!(
                "#!/bin/sh\necho x >> {}/count-{tool}\nexec {} \"$@\"\n",
                dir.path().display(),
                real.trim()
            );
            let p = dir.path().join("shims").join(tool);
            std::fs::write(&p, shim).unwrap();
            Command::new("chmod").arg("+x").arg(&p).status().unwrap();
        }
        Self { dir, socket }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(ao_bin());
        let path = format!(
            "{}:{}",
            self.dir.path().join("shims").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.args(args)
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("AO_DATA_DIR", self.dir.path().join("data"))
            .env("AO_CONFIG", self.dir.path().join("agent-orchestrator.yaml"))
            .env("AO_TMUX_SOCKET", &self.socket)
            .env("GH_TOKEN", TOKEN)
            .env("GITLAB_TOKEN", gitlab_mock::TOKEN)
            .env_remove("TMUX")
            .current_dir(self.dir.path());
        c
    }

    fn count(&self, tool: &str) -> usize {
        let p = self.dir.path().join(format!("count-{tool}"));
        let n = std::fs::read_to_string(&p).map_or(0, |s| s.lines().count());
        let _ = std::fs::remove_file(p);
        n
    }

    fn tmux(&self, args: &[&str]) {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap();
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// Writes the config and `n` session records (with tmux sessions when `tmux`). `scm` is
/// the project's `scm:` value, e.g. `{plugin: local}`.
fn setup(env: &Env, n: usize, tmux: bool, scm: &str) {
    setup_with(env, n, tmux, scm, "{plugin: plain}", "");
}

/// [`setup`] with a `tracker:` value and a prefix for the issue ids (`ENG-`).
fn setup_with(env: &Env, n: usize, tmux: bool, scm: &str, tracker: &str, issue_prefix: &str) {
    let root = env.dir.path();
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "b")
            .env("GIT_AUTHOR_EMAIL", "b@b")
            .env("GIT_COMMITTER_NAME", "b")
            .env("GIT_COMMITTER_EMAIL", "b@b")
            .output()
            .unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["commit", "-q", "--allow-empty", "-m", "init"]);
    std::fs::write(
        root.join("agent-orchestrator.yaml"),
        format!(
            "defaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    repo: octo/bench\n    path: {}\n    defaultBranch: main\n    agent: custom\n    agentConfig: {{command: \"sleep 3600\", patterns: {{ready: [\"$ \"]}}}}\n    tracker: {tracker}\n    scm: {scm}\n",
            repo.display()
        ),
    )
    .unwrap();
    let sessions = root.join("data/projects/app/sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    let now = jiff::Timestamp::now();
    for i in 1..=n {
        let id = format!("app-{i}");
        if tmux {
            env.tmux(&["new-session", "-d", "-s", &id, "sleep", "3600"]);
        }
        let rec = serde_json::json!({
            "version": 1, "id": id, "project": "app", "issue": format!("{issue_prefix}{i}"),
            "issueTitle": format!("Issue number {i} with a reasonably long title"),
            "branch": format!("ao/{i}-issue"), "workspace": repo, "workspacePlugin": "worktree",
            "agent": "custom", "runtime": {"plugin": "tmux", "target": id},
            "createdAt": now, "status": "working", "statusSince": now,
            "activity": {"state": "working", "source": "terminal", "evidence": "compiling", "since": now, "observed_at": now},
        });
        std::fs::write(
            sessions.join(format!("{id}.json")),
            serde_json::to_vec_pretty(&rec).unwrap(),
        )
        .unwrap();
    }
}

fn time_runs(env: &Env, args: &[&str], runs: usize) -> (f64, i64) {
    let mut best = f64::MAX;
    let mut peak = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let (st, err, rss) = run_measured(&mut env.cmd(args));
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert!(st.code().is_some_and(|c| c <= 1), "{args:?} failed: {err}");
        best = best.min(ms);
        peak = peak.max(rss);
    }
    (best, peak)
}

/// One table row, without a files-written figure.
fn row(name: &str, ms: f64, rss_kib: Option<i64>, tmux: &str, git: &str, http: &str) {
    row_w(name, ms, rss_kib, tmux, git, http, "");
}

/// One table row; `written` is the number of files under the data dir created, replaced
/// or modified by the measured command.
fn row_w(
    name: &str,
    ms: f64,
    rss_kib: Option<i64>,
    tmux: &str,
    git: &str,
    http: &str,
    written: &str,
) {
    let rss = rss_kib.map_or(String::new(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!("{name:<40} {ms:>9.1} {rss:>12} {tmux:>6} {git:>6} {http:>14} {written:>8}");
}

/// Every file under the data dir: (inode, mtime in ns, size).
fn data_files(env: &Env) -> std::collections::BTreeMap<PathBuf, (u64, i128, u64)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(env.dir.path().join("data"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            let t = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
            Some((e.path().to_path_buf(), (m.ino(), t, m.len())))
        })
        .collect()
}

/// Files created, replaced or modified between two [`data_files`] snapshots.
fn written(
    before: &std::collections::BTreeMap<PathBuf, (u64, i128, u64)>,
    after: &std::collections::BTreeMap<PathBuf, (u64, i128, u64)>,
) -> usize {
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p)
        .collect();
    // BENCH_WRITTEN=1 names them (on stderr).
    if std::env::var_os("BENCH_WRITTEN").is_some() {
        eprintln!("written: {changed:?}");
    }
    changed.len()
}

/// `n` sessions with a tick: local SCM, or GitHub against the stand-in with one open,
/// green PR per session. Prints the first (cold) and the steady tick.
fn tick_rows(n: usize, github: bool) {
    let env = Env::new();
    let m = github.then(mock::MockGitHub::start);
    let scm = match &m {
        Some(m) => format!("{{plugin: github, apiUrl: \"{}\"}}", m.url),
        None => "{plugin: local}".to_owned(),
    };
    setup(&env, n, true, &scm);
    if let Some(m) = &m {
        let prs = (1..=n as u64)
            .map(|i| world::pr("octo/bench", i, &format!("ao/{i}-issue")))
            .collect();
        world::put_repo(m, "octo/bench", prs);
    }
    let http = || match &m {
        Some(m) => {
            let r = m.requests();
            m.clear_requests();
            let gql = r.iter().filter(|r| r.is_graphql()).count();
            format!("{gql} gql {} rest", r.len() - gql)
        }
        None => "-".to_owned(),
    };
    let label = if github { "GitHub" } else { "local" };
    // The first tick captures every pane and discovers every PR; the steady one only
    // re-captures panes that changed and re-reads PR state.
    // Cron ticks are a minute apart; a second is enough for tmux's activity clock to tell
    // "unchanged since the last capture" (a capture within the same second as the pane's
    // last output is taken again next time), so both the panes' start and the first tick
    // are left a second behind before the next tick.
    for phase in ["first", "steady"] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let before = data_files(&env);
        let (ms, rss) = time_runs(&env, &["tick", "--json"], 1);
        let after = data_files(&env);
        row_w(
            &format!("ao tick, {n} sessions, {label} ({phase})"),
            ms,
            Some(rss),
            &env.count("tmux").to_string(),
            &env.count("git").to_string(),
            &http(),
            &written(&before, &after).to_string(),
        );
    }
    if let Some(m) = &m {
        m.assert_clean();
    }
}

/// `n` sessions with GitLab as SCM against the GitLab stand-in, one open, green MR per
/// session: the first and the steady tick.
fn gitlab_rows(n: usize) {
    let env = Env::new();
    let m = gitlab_mock::MockGitLab::start();
    let scm = format!(
        "{{plugin: gitlab, apiUrl: \"{}\", token: \"${{GITLAB_TOKEN}}\"}}",
        m.url
    );
    setup(&env, n, true, &scm);
    let mrs: Vec<serde_json::Value> = (1..=n as u64)
        .map(|i| {
            let head = sha(&format!("bench{i}"));
            serde_json::json!({
                "__typename": "MergeRequest", "iid": i.to_string(),
                "webUrl": format!("https://gitlab.example/octo/bench/-/merge_requests/{i}"),
                "state": "opened", "draft": false, "sourceBranch": format!("ao/{i}-issue"),
                "sourceProjectId": 1, "targetProjectId": 1, "diffHeadSha": head,
                "diffRefs": {"baseSha": sha("base"), "headSha": head, "startSha": sha("base")},
                "author": {"username": "ao-bot", "bot": false}, "conflicts": false,
                "detailedMergeStatus": "MERGEABLE", "mergeCommitSha": null, "approved": true,
                "approvalsLeft": 0, "approvedBy": {"nodes": []},
                "headPipeline": {"status": "SUCCESS", "sha": head, "jobs": {"nodes": []}},
                "discussions": {"nodes": []},
            })
        })
        .collect();
    m.with(|s| {
        s.projects.insert(
            "octo/bench".into(),
            serde_json::json!({"mergeRequests": mrs, "projectMembers": {"nodes": []}}),
        );
    });
    for phase in ["first", "steady"] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let before = data_files(&env);
        let (ms, rss) = time_runs(&env, &["tick", "--json"], 1);
        let after = data_files(&env);
        let r = m.requests();
        m.clear_requests();
        let gql = r.iter().filter(|r| r.url == "/api/graphql").count();
        row_w(
            &format!("ao tick, {n} sessions, GitLab ({phase})"),
            ms,
            Some(rss),
            &env.count("tmux").to_string(),
            &env.count("git").to_string(),
            &format!("{gql} gql {} rest", r.len() - gql),
            &written(&before, &after).to_string(),
        );
    }
    m.assert_clean();
}

/// 100 sessions whose issues live in Linear or Jira, the tracker following PRs
/// (`updateState` / `transitions`), local SCM. Steady ticks cost no tracker request; the
/// tick in which every session's PR opens costs two per session (read the issue's states
/// or transitions, then move it), once.
fn tracker_rows(n: usize, service: &str) {
    let env = Env::new();
    let (url, tracker, prefix, count): (String, String, &str, Box<dyn Fn() -> usize>) =
        match service {
            "Linear" => {
                let s = std::rc::Rc::new(linear::stand_in::StandIn::start());
                for i in 1..=n as u32 {
                    s.put(linear::stand_in::issue(
                        i,
                        &format!("Issue {i}"),
                        "",
                        "st-todo",
                        &[],
                    ));
                }
                let url = s.api_url();
                let s2 = s.clone();
                (
                    url.clone(),
                    format!(
                        "{{plugin: linear, teamId: ENG, apiUrl: \"{url}\", updateState: true}}"
                    ),
                    "ENG-",
                    Box::new(move || {
                        s2.assert_clean();
                        let n = s2.requests().len();
                        s2.clear_requests();
                        n
                    }),
                )
            }
            _ => {
                let s = std::rc::Rc::new(jira::stand_in::StandIn::start());
                for i in 1..=n as u32 {
                    s.put(jira::stand_in::issue(
                        i,
                        &format!("Issue {i}"),
                        &[],
                        "To Do",
                        &[],
                    ));
                }
                let url = s.url.clone();
                let s2 = s.clone();
                (
                    url.clone(),
                    format!(
                        "{{plugin: jira, baseUrl: \"{url}\", email: a@b.c, jql: project = PROJ, transitions: {{prOpened: Start Review, merged: Done}}}}"
                    ),
                    "PROJ-",
                    Box::new(move || {
                        s2.assert_clean();
                        let n = s2.requests().len();
                        s2.clear_requests();
                        n
                    }),
                )
            }
        };
    let _ = url;
    setup_with(&env, n, true, "{plugin: local}", &tracker, prefix);
    let tick = |phase: &str| {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let mut c = env.cmd(&["tick", "--json"]);
        c.env("LINEAR_API_KEY", "lin_api_BENCH")
            .env("JIRA_API_TOKEN", "bench");
        let t = Instant::now();
        let (st, err, rss) = run_measured(&mut c);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert!(st.code().is_some_and(|c| c <= 1), "tick failed: {err}");
        row(
            &format!("ao tick, {n} sessions, {service} ({phase})"),
            ms,
            Some(rss),
            &env.count("tmux").to_string(),
            &env.count("git").to_string(),
            &format!("{} {service}", count()),
        );
    };
    tick("steady");
    // Every session's branch gets a commit: its PR opens.
    let repo = env.dir.path().join("repo");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "b")
            .env("GIT_AUTHOR_EMAIL", "b@b")
            .env("GIT_COMMITTER_NAME", "b")
            .env("GIT_COMMITTER_EMAIL", "b@b")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    let tree = git(&["rev-parse", "main^{tree}"]);
    let head = git(&["rev-parse", "main"]);
    let work = git(&["commit-tree", &tree, "-p", &head, "-m", "work"]);
    for i in 1..=n {
        git(&["branch", "-f", &format!("ao/{i}-issue"), &work]);
    }
    let _ = env.count("git");
    tick("PRs open");
    tick("after");
}

/// `n` sessions in tmux on 2 ssh hosts (real sshd on 127.0.0.2 and 127.0.0.3): the first
/// tick (opening the master connections, capturing every pane) and a steady one. The
/// last column counts the ssh connections accepted and the remote commands run, from
/// the sshd logs.
fn ssh_tick_rows(n: usize) {
    let env = Env::new();
    setup(&env, 0, false, "{plugin: local}");
    let root = env.dir.path().to_path_buf();
    let (mut hosts, ssh_config) = sshd::start_hosts(&root, 2);
    let cfg = std::fs::read_to_string(root.join("agent-orchestrator.yaml")).unwrap();
    let cfg = cfg.replace(
        "    tracker:",
        &format!(
            "    runtime: ssh\n    runtimeConfig: {{hosts: [h1, h2], sshConfig: {}}}\n    tracker:",
            ssh_config.display()
        ),
    );
    std::fs::write(root.join("agent-orchestrator.yaml"), cfg).unwrap();
    let sessions = root.join("data/projects/app/sessions");
    let now = jiff::Timestamp::now();
    for i in 1..=n {
        let id = format!("app-{i}");
        let h = &hosts[i % 2];
        Command::new("tmux")
            .args([
                "-L",
                &env.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &id,
                "sleep",
                "3600",
            ])
            .env("TMUX_TMPDIR", h.dir.join("tmux"))
            .env_remove("TMUX")
            .output()
            .unwrap();
        let ws = h.home().join(format!(".ao/worktrees/app/{id}"));
        let rec = serde_json::json!({
            "version": 1, "id": id, "project": "app", "branch": format!("ao/{i}"),
            "workspace": root.join("repo"), "workspacePlugin": "worktree", "agent": "custom",
            "runtime": {"plugin": "ssh", "target": id, "remote": {"host": h.name, "workspace": ws}},
            "createdAt": now, "status": "working", "statusSince": now,
        });
        std::fs::write(
            sessions.join(format!("{id}.json")),
            serde_json::to_vec_pretty(&rec).unwrap(),
        )
        .unwrap();
    }
    let counts = |hosts: &[sshd::Host]| -> (usize, usize) {
        (
            hosts.iter().map(sshd::Host::connections).sum(),
            hosts.iter().map(sshd::Host::commands).sum(),
        )
    };
    for phase in ["first", "steady"] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let (c0, r0) = counts(&hosts);
        let (ms, rss) = time_runs(&env, &["tick", "--json"], 1);
        let (c1, r1) = counts(&hosts);
        row(
            &format!("ao tick, {n} sessions, 2 ssh hosts ({phase})"),
            ms,
            Some(rss),
            &env.count("tmux").to_string(),
            &env.count("git").to_string(),
            &format!("{} conn {} cmd", c1 - c0, r1 - r0),
        );
    }
    for e in std::fs::read_dir(root.join("data/ssh"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let _ = Command::new("ssh")
            .arg("-o")
            .arg(format!("ControlPath={}", e.path().display()))
            .args(["-O", "exit", "x"])
            .output();
    }
    for h in &mut hosts {
        Command::new("tmux")
            .args(["-L", &env.socket, "-f", "/dev/null", "kill-server"])
            .env("TMUX_TMPDIR", h.dir.join("tmux"))
            .output()
            .unwrap();
        h.stop();
    }
}

fn main() {
    // The full table by default; `--quick` leaves out the two slowest rows.
    let long = !std::env::args().any(|a| a == "--quick");
    println!(
        "{:<40} {:>9} {:>12} {:>6} {:>6} {:>14} {:>8}",
        "benchmark", "wall ms", "peak RSS MiB", "tmux", "git", "HTTP requests", "written"
    );
    if std::env::args().any(|a| a == "--github") {
        for n in [10, 100, 500] {
            tick_rows(n, true);
        }
        return;
    }
    if std::env::args().any(|a| a == "--gitlab") {
        gitlab_rows(100);
        return;
    }
    if std::env::args().any(|a| a == "--trackers") {
        tracker_rows(100, "Linear");
        tracker_rows(100, "Jira");
        return;
    }
    let status_sizes: &[usize] = if long {
        &[100, 500, 1000, 10_000]
    } else {
        &[100, 500, 1000]
    };
    for &n in status_sizes {
        let env = Env::new();
        setup(&env, n, false, "{plugin: local}");
        let before = data_files(&env);
        let (ms, rss) = time_runs(&env, &["status", "--json"], 5);
        let after = data_files(&env);
        row_w(
            &format!("ao status --json, {n} records"),
            ms,
            Some(rss),
            &env.count("tmux").to_string(),
            &env.count("git").to_string(),
            "0",
            &written(&before, &after).to_string(),
        );
    }
    let tick_sizes: &[usize] = if long { &[10, 100, 500] } else { &[10, 100] };
    for &n in tick_sizes {
        tick_rows(n, false);
    }
    for &n in &[10, 100, 500] {
        tick_rows(n, true);
    }
    for &n in &[10, 100] {
        ssh_tick_rows(n);
    }
    gitlab_rows(100);
    tracker_rows(100, "Linear");
    tracker_rows(100, "Jira");

    let env = Env::new();
    setup(&env, 10, false, "{plugin: local}");
    let mut best = f64::MAX;
    for _ in 0..10 {
        let t = Instant::now();
        let mut c = env.cmd(&["hook", "claude-code", "Stop"]);
        c.env("AO_SESSION", "app-1")
            .stdin(std::process::Stdio::null());
        c.output().unwrap();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    row("ao hook claude-code Stop", best, None, "", "", "");

    // Spawn: worktree + prompt + tmux session; the agent (`sleep`) starts instantly.
    let env = Env::new();
    setup(&env, 0, false, "{plugin: local}");
    let root = env.dir.path().to_path_buf();
    let cfg = std::fs::read_to_string(root.join("agent-orchestrator.yaml")).unwrap();
    let cfg = format!("worktreeDir: {}\n{cfg}", root.join("wt").display());
    std::fs::write(root.join("agent-orchestrator.yaml"), cfg).unwrap();
    let mut best = f64::MAX;
    let mut peak = 0;
    for i in 0..5 {
        let t = Instant::now();
        let args = ["spawn", "app", "--prompt", &format!("task {i}")];
        let (st, err, rss) = run_measured(&mut env.cmd(&args));
        assert!(st.success(), "spawn failed: {err}");
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        peak = peak.max(rss);
    }
    let (tmux, git) = (env.count("tmux") / 5, env.count("git") / 5);
    row(
        "ao spawn (per session)",
        best,
        Some(peak),
        &tmux.to_string(),
        &git.to_string(),
        "0",
    );
}
