//! The `ssh` runtime against real OpenSSH: each "host" is an unprivileged `sshd` the test
//! starts on its own loopback address (127.0.0.2, 127.0.0.3, …) with its own host key,
//! authorized key and remote HOME (`SetEnv HOME=… TMUX_TMPDIR=…`), logging every
//! connection and remote command (`LogLevel VERBOSE`, `-E log`). The client is the system
//! `ssh` with a test ssh_config and known_hosts. No traffic leaves loopback.

use std::path::PathBuf;
use std::process::Command;

use crate::common::TestEnv;
use crate::common::sshd::{self, Host};

/// A test env with `n` ssh hosts, a user key, an ssh_config and a known_hosts file.
struct Fleet {
    env: TestEnv,
    hosts: Vec<Host>,
    ssh_config: PathBuf,
    repo: PathBuf,
    received: PathBuf,
}

impl Fleet {
    fn new(n: usize, extra_config: &str) -> Self {
        let env = TestEnv::new();
        let (hosts, ssh_config) = sshd::start_hosts(env.root(), n);
        // Every ssh command line ao runs, for the "no message text on a command line" check.
        let shim = env.bin().join("ssh");
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> {}\nexec /usr/bin/ssh \"$@\"\n",
                env.root().join("ssh-argv.log").display()
            ),
        )
        .unwrap();
        Command::new("chmod").arg("+x").arg(&shim).status().unwrap();
        let repo = env.repo("repo");
        let received = env.root().join("received");
        let names: Vec<String> = hosts.iter().map(|h| h.name.clone()).collect();
        env.config(&format!(
            "worktreeDir: {wt}\nspawnGrace: 0s\n{extra_config}defaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: {cmd:?}\n      pasteMultiline: true\n    runtime: ssh\n    runtimeConfig:\n      hosts: [{hosts}]\n      sshConfig: {cfg}\n      worktreeDir: ~/ao-ws\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
            wt = env.worktrees().display(),
            repo = repo.display(),
            cmd = format!("bash -c 'exec cat >> {}'", received.display()),
            hosts = names.join(", "),
            cfg = ssh_config.display(),
        ));
        Self {
            env,
            hosts,
            ssh_config,
            repo,
            received,
        }
    }

    fn ao(&self, args: &[&str]) -> crate::common::Run {
        self.env.ao_in(&self.repo, args)
    }

    /// tmux on host `i`'s server (ao's socket name under that host's TMUX_TMPDIR).
    fn remote_tmux(&self, i: usize, args: &[&str]) -> crate::common::Run {
        let mut c = Command::new("tmux");
        self.env.apply(&mut c);
        c.env("TMUX_TMPDIR", self.hosts[i].dir.join("tmux"))
            .args(["-L", &self.env.socket, "-f", "/dev/null"])
            .args(args);
        crate::common::Run::from(c.output().unwrap())
    }

    /// Closes ao's master connections (as after ControlPersist expired).
    fn close_masters(&self) {
        for e in std::fs::read_dir(self.env.data().join("ssh"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let mut c = Command::new("ssh");
            self.env.apply(&mut c);
            let _ = c
                .arg("-o")
                .arg(format!("ControlPath={}", e.path().display()))
                .args(["-O", "exit", "x"])
                .output();
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    fn status(&self) -> serde_json::Value {
        self.ao(&["status", "--json"]).ok().json()
    }

    fn session<'a>(st: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
        st["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {st}"))
    }

    fn read_received(&self) -> String {
        std::fs::read_to_string(&self.received).unwrap_or_default()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.close_masters();
        for i in 0..self.hosts.len() {
            let _ = self.remote_tmux(i, &["kill-server"]);
        }
        for h in &mut self.hosts {
            h.stop();
        }
    }
}

/// Done-when 1: two hosts, placement, status, byte-exact send, open --print, doctor,
/// kill removes the remote tmux session and workspace.
#[test]
fn ssh_two_hosts_spawn_send_open_kill() {
    let f = Fleet::new(2, "");
    let a = f
        .ao(&["spawn", "app", "--prompt", "first", "--json"])
        .ok()
        .json();
    let b = f
        .ao(&["spawn", "app", "--prompt", "second", "--json"])
        .ok()
        .json();
    assert_eq!(a["runtime"]["host"], "h1", "{a}");
    assert_eq!(b["runtime"]["host"], "h2", "least-loaded host: {b}");
    let c = f
        .ao(&[
            "spawn", "app", "--prompt", "third", "--host", "h2", "--json",
        ])
        .ok()
        .json();
    assert_eq!(c["runtime"]["host"], "h2");
    let bad = f
        .ao(&["spawn", "app", "--prompt", "x", "--host", "h9"])
        .code(2);
    assert!(
        bad.stderr
            .contains("not in project `app`'s runtimeConfig.hosts"),
        "{}",
        bad.stderr
    );

    // The agents run in tmux on the hosts, in workspaces cloned there.
    let ws1 = f.hosts[0].home().join("ao-ws/app/app-1");
    assert!(ws1.join("README.md").exists(), "remote workspace");
    assert!(f.remote_tmux(0, &["has-session", "-t", "=app-1"]).code == 0);
    assert!(f.remote_tmux(1, &["has-session", "-t", "=app-2"]).code == 0);
    assert!(f.remote_tmux(0, &["has-session", "-t", "=app-2"]).code != 0);

    let text = f.ao(&["status"]).ok().stdout;
    assert!(text.contains("@h1") && text.contains("@h2"), "{text}");

    let msg = "hello; C-c \"double\" 'single' $(rm -rf /) `id` \\;\nsecond line;\nEnter";
    f.ao(&["send", "app-2", msg]).ok();
    assert!(
        f.env.wait_for(10, || f.read_received().contains("Enter")),
        "received: {:?}",
        f.read_received()
    );
    assert!(
        f.read_received().contains(&format!("{msg}\n")),
        "{:?}",
        f.read_received()
    );
    // No message text on any ssh command line: the text went over stdin.
    let argv = std::fs::read_to_string(f.env.root().join("ssh-argv.log")).unwrap();
    assert!(argv.contains("load-buffer"), "{argv}");
    assert!(
        !argv.contains("rm -rf") && !argv.contains("second line"),
        "{argv}"
    );

    // A long message goes to a file in the remote workspace, with a pointer.
    let long: String = (0..50).map(|i| format!("line {i}\n")).collect();
    f.ao(&["send", "app-2", &long]).ok();
    assert!(
        f.env.wait_for(10, || f
            .read_received()
            .contains("A message from ao is in the file")),
        "{:?}",
        f.read_received()
    );
    let dir = f.hosts[1].home().join("ao-ws/app/app-2/.ao/messages");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_to_string(files[0].path()).unwrap(),
        long.trim_end()
    );

    let open = f.ao(&["open", "app-2", "--print"]).ok().stdout;
    assert!(open.starts_with("ssh -t "), "{open}");
    assert!(
        open.contains("BatchMode=yes")
            && open.contains("attach-session")
            && open.contains("=app-2"),
        "{open}"
    );

    let doc = f.ao(&["doctor", "--json"]).json();
    let checks = doc["checks"].as_array().unwrap();
    let host_checks: Vec<&serde_json::Value> = checks
        .iter()
        .filter(|c| c["name"].as_str().unwrap_or("").starts_with("host:app:"))
        .collect();
    assert_eq!(host_checks.len(), 2, "{doc}");
    for c in host_checks {
        assert_eq!(c["status"], "ok", "{c}");
    }

    // Kill refuses unsaved remote work, then removes the remote session and workspace.
    std::fs::write(ws1.join("dirty.txt"), "x").unwrap();
    let r = f.ao(&["session", "kill", "app-1"]).code(2);
    assert!(
        r.stderr.contains("uncommitted") && r.stderr.contains("h1"),
        "{}",
        r.stderr
    );
    assert!(f.remote_tmux(0, &["has-session", "-t", "=app-1"]).code == 0);
    f.ao(&["session", "kill", "app-1", "--force"]).ok();
    assert!(f.remote_tmux(0, &["has-session", "-t", "=app-1"]).code != 0);
    assert!(!ws1.exists(), "remote workspace removed");
    f.ao(&["session", "kill", "app-3"]).ok();
    assert!(!f.hosts[1].home().join("ao-ws/app/app-3").exists());
    assert!(f.hosts[1].home().join("ao-ws/app/app-2").exists());
}

/// Done-when 2: a tick over 10 remote sessions on 2 hosts opens at most 2 connections,
/// and a steady tick runs one remote command per host.
#[test]
fn ssh_tick_uses_one_connection_and_one_command_per_host() {
    let f = Fleet::new(2, "");
    for i in 0..10 {
        f.ao(&["spawn", "app", "--prompt", &format!("task {i}")])
            .ok();
    }
    let st = f.status();
    for h in ["h1", "h2"] {
        let n = st["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["runtime"]["host"] == h)
            .count();
        assert_eq!(n, 5, "{h}: {st}");
    }
    f.close_masters();
    let before: Vec<usize> = f.hosts.iter().map(Host::connections).collect();
    f.ao(&["tick"]).ok();
    let after: Vec<usize> = f.hosts.iter().map(Host::connections).collect();
    let new: usize = after.iter().zip(&before).map(|(a, b)| a - b).sum();
    assert!(new <= 2, "{new} new connections ({before:?} → {after:?})");
    let st = f.status();
    for s in st["sessions"].as_array().unwrap() {
        assert_eq!(s["runtime"]["state"], "alive", "{s}");
    }
    // Steady: the panes have not changed since their capture.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    f.ao(&["tick"]).ok();
    let before: Vec<usize> = f.hosts.iter().map(Host::commands).collect();
    let conns: Vec<usize> = f.hosts.iter().map(Host::connections).collect();
    f.ao(&["tick"]).ok();
    let after: Vec<usize> = f.hosts.iter().map(Host::commands).collect();
    for i in 0..2 {
        assert_eq!(after[i] - before[i], 1, "host {i}: {before:?} → {after:?}");
    }
    assert_eq!(
        conns,
        f.hosts.iter().map(Host::connections).collect::<Vec<_>>()
    );
}

/// Done-when 3: a host cut off makes its sessions `unreachable` (ticks exit 0, one
/// warning, nothing killed); when it comes back the next tick sees them alive.
#[test]
fn ssh_unreachable_host_waits_and_warns_once() {
    let mut f = Fleet::new(2, "unreachableAfter: 0s\n");
    f.ao(&["spawn", "app", "--prompt", "a"]).ok();
    f.ao(&["spawn", "app", "--prompt", "b"]).ok();
    f.ao(&["tick"]).ok();
    f.hosts[1].stop();
    for _ in 0..3 {
        f.ao(&["tick"]).ok();
    }
    let st = f.status();
    let b = Fleet::session(&st, "app-2");
    assert_eq!(b["runtime"]["state"], "unreachable", "{b}");
    let err = b["runtime"]["unreachable"]["error"].as_str().unwrap();
    assert!(err.contains("h2") && err.contains("refused"), "{err}");
    assert_ne!(b["status"], "killed");
    assert_eq!(Fleet::session(&st, "app-1")["runtime"]["state"], "alive");
    let text = f.ao(&["status"]).ok().stdout;
    assert!(
        text.contains("UNREACHABLE") && text.contains("Connection refused"),
        "{text}"
    );
    let log = std::fs::read_to_string(f.env.data().join("events.jsonl")).unwrap();
    let warned = log
        .lines()
        .filter(|l| l.contains("\"notification.sent\"") && l.contains("unreachable"))
        .count();
    assert_eq!(warned, 1, "{log}");

    f.hosts[1].start();
    f.ao(&["tick"]).ok();
    let st = f.status();
    let b = Fleet::session(&st, "app-2");
    assert_eq!(b["runtime"]["state"], "alive", "{b}");
    assert!(b["runtime"].get("unreachable").is_none());
    assert!(f.remote_tmux(1, &["has-session", "-t", "=app-2"]).code == 0);
    assert!(log.contains("session.unreachable"));
    let log = std::fs::read_to_string(f.env.data().join("events.jsonl")).unwrap();
    assert!(log.contains("session.reachable"));

    // A host gone for good: kill refuses (it cannot check for unsaved work) unless forced;
    // forced, the record is archived and the event says what was left on the host.
    f.hosts[1].stop();
    let r = f.ao(&["session", "kill", "app-2"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr.contains("unsaved work") && r.stderr.contains("h2"),
        "{}",
        r.stderr
    );
    f.ao(&["session", "kill", "app-2", "--force"]).ok();
    let log = std::fs::read_to_string(f.env.data().join("events.jsonl")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("session.killed") && l.contains("remoteLeft")),
        "{log}"
    );
}

/// Done-when 4: a changed host key is refused with a clear error; no login happens with
/// the new key.
#[test]
fn ssh_changed_host_key_is_refused() {
    let mut f = Fleet::new(1, "");
    f.hosts[0].stop();
    let dir = f.hosts[0].dir.clone();
    std::fs::remove_file(dir.join("hostkey")).unwrap();
    std::fs::remove_file(dir.join("hostkey.pub")).unwrap();
    sshd::keygen(&dir.join("hostkey"));
    f.hosts[0].start();
    let before = f.hosts[0].connections();
    let r = f.ao(&["spawn", "app", "--prompt", "x"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr.contains("host key") && r.stderr.contains("no connection was made"),
        "{}",
        r.stderr
    );
    assert_eq!(
        f.hosts[0].connections(),
        before,
        "no login with the changed key"
    );
    let doc = f.ao(&["doctor", "--json"]).json();
    let c = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "host:app:h1")
        .cloned()
        .unwrap();
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["message"].as_str().unwrap().contains("host key"), "{c}");
    let _ = &f.ssh_config;
}
