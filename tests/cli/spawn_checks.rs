//! Spawn checks and safe defaults (issue 13, items 6 and 7), on real tmux and git, with
//! the real agent CLIs where they decide: a missing program or a permission value the
//! CLI rejects leaves nothing behind; a pane that dies in the spawn grace is `errored` at
//! once with its last lines; ao's sessions live on ao's own tmux server; `agentConfig.env`
//! never reaches a command line; auto-updaters are off; agent caches do not block kill;
//! agent history files are private.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Where the real agent CLIs are installed (`AO_AGENTS_BIN`, else the cached install).
fn real_cli(name: &str) -> PathBuf {
    let dir = std::env::var_os("AO_AGENTS_BIN").map_or_else(
        || PathBuf::from("/root/.cache/ao-agents/npm/node_modules/.bin"),
        PathBuf::from,
    );
    let p = dir.join(name);
    assert!(
        p.exists(),
        "the real `{name}` CLI is not installed at {} (see .ci/run; set AO_AGENTS_BIN)",
        p.display()
    );
    p
}

/// A config for `repo` with project `app` using `agent` and extra `agentConfig` lines
/// (indented by 6 spaces), stdout notifier, the given spawn grace.
fn config(env: &TestEnv, repo: &Path, agent: &str, agent_config: &str, grace: &str) {
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: {grace}\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: {agent}\n    agentConfig:\n{agent_config}    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ));
}

/// Writes an executable script into the env's bin dir.
fn script(env: &TestEnv, name: &str, body: &str) -> PathBuf {
    let p = env.bin().join(name);
    std::fs::write(&p, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Asserts that no session, record, workspace, branch or tmux session exists.
#[track_caller]
fn nothing_created(env: &TestEnv, repo: &Path) {
    let left = walk(&env.data().join("projects"));
    assert!(left.is_empty(), "session files left: {left:?}");
    let ws: Vec<_> = std::fs::read_dir(env.worktrees())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert!(ws.is_empty(), "workspaces left: {ws:?}");
    assert_eq!(env.git(repo, &["branch", "--list", "ao/*"]), "");
    assert_eq!(env.git(repo, &["worktree", "list"]).lines().count(), 1);
    let ls = env.tmux(&["list-sessions"]);
    assert!(ls.stdout.trim().is_empty(), "tmux sessions left: {ls}");
}

/// `ao spawn` with the default agent when `claude` is not installed, and with a custom
/// agent whose program does not exist: non-zero, names the program and how to install
/// it, and creates nothing.
#[test]
fn missing_program_is_refused_and_nothing_is_created() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    config(&env, &repo, "claude-code", "      model: x\n", "60s");
    // PATH with git and tmux but no `claude`.
    let path = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .filter(|d| !d.join("claude").exists())
        .collect::<Vec<_>>();
    let path = std::env::join_paths(path).unwrap();
    let mut c = env.ao_cmd(&repo);
    c.env("PATH", &path)
        .args(["spawn", "app", "--prompt", "hi"]);
    let r = crate::common::Run::from(c.output().unwrap());
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("`claude`"), "{r}");
    assert!(r.stderr.contains("is not on PATH"), "{r}");
    assert!(
        r.stderr
            .contains("npm install -g @anthropic-ai/claude-code"),
        "{r}"
    );
    nothing_created(&env, &repo);

    config(
        &env,
        &repo,
        "custom",
        "      command: \"/nonexistent/agent.sh --fast\"\n",
        "60s",
    );
    let r = env.ao_in(&repo, &["spawn", "app", "--prompt", "hi"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("`/nonexistent/agent.sh`"), "{r}");
    assert!(
        r.stderr.contains("does not exist or is not executable"),
        "{r}"
    );
    nothing_created(&env, &repo);
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    assert!(!ev.stdout.contains("session.spawned"), "{ev}");
}

/// Every permission value ao accepts is accepted by the real CLI (checked by launching
/// the real Claude Code 2.1.328 and Codex 0.171 with ao's command line plus `--version`,
/// which exits 0 only after the options parsed), and values the CLIs reject are refused
/// by `ao config check` and `ao spawn` with the same message.
#[test]
fn permission_values_are_the_ones_the_real_clis_accept() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    for cli in ["claude", "codex"] {
        std::os::unix::fs::symlink(real_cli(cli), env.bin().join(cli)).unwrap();
    }
    let claude = [
        "ask",
        "skip",
        "acceptEdits",
        "accept-edits",
        "auto",
        "bypassPermissions",
        "manual",
        "dontAsk",
        "plan",
    ];
    let codex = ["ask", "skip", "on-request", "never"];
    let mut yaml = format!(
        "worktreeDir: {}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n",
        env.worktrees().display()
    );
    let mut projects = Vec::new();
    for (agent, values) in [("claude-code", &claude[..]), ("codex", &codex[..])] {
        for (i, v) in values.iter().enumerate() {
            let id = format!("{}{i}", &agent[..2]);
            yaml.push_str(&format!(
                "  {id}:\n    path: {}\n    defaultBranch: main\n    agent: {agent}\n    agentConfig:\n      permissions: {v}\n      args: [--version]\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
                repo.display()
            ));
            projects.push((id, agent, *v));
        }
    }
    env.config(&yaml);
    env.ao_in(&repo, &["config", "check"]).ok();
    for (id, _, _) in &projects {
        env.ao_in(&repo, &["spawn", id, "--prompt", "hi"]).ok();
    }
    // Every pane ran the real CLI to completion: dead with status 0.
    let dead = |with_status: bool| {
        let ls = env.tmux(&[
            "list-panes",
            "-a",
            "-F",
            "#{session_name} #{pane_dead} #{pane_dead_status}",
        ]);
        ls.stdout
            .lines()
            .filter(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                f.len() == 3 && f[1] == "1" && (!with_status || !f[2].is_empty())
            })
            .count()
            == projects.len()
    };
    let done = env.wait_for(60, || dead(false));
    // tmux learns a dead pane's exit status after its EOF, and under load now and then
    // never does: give it a while, then judge such a pane by its screen.
    env.wait_for(10, || dead(true));
    let ls = env.tmux(&[
        "list-panes",
        "-a",
        "-F",
        "#{session_name} #{pane_dead} #{pane_dead_status}",
    ]);
    assert!(done, "not all panes finished: {ls}");
    for line in ls.stdout.lines() {
        let name = line.split(' ').next().unwrap();
        let project = name.rsplit_once('-').unwrap().0;
        let (_, agent, value) = projects.iter().find(|(id, _, _)| id == project).unwrap();
        let screen = env.capture(name);
        // Status unknown: the CLI printed its version and no complaint about the options.
        let unknown_but_clean = line.ends_with(" 1 ")
            && screen.contains(if *agent == "codex" {
                "codex-cli"
            } else {
                "Claude Code"
            })
            && !screen.to_lowercase().contains("error")
            && !screen.contains("invalid value");
        assert!(
            line.ends_with(" 1 0") || unknown_but_clean,
            "{agent} rejected permissions `{value}`: {line}\n{screen}"
        );
    }

    // Values the real CLIs reject: refused up front, with one message.
    for (agent, value, cli_says) in [
        ("codex", "untrusted", "on-request, never"),
        ("codex", "on-failure", "on-request, never"),
        ("claude-code", "yolo", "manual"),
    ] {
        let env = TestEnv::new();
        let repo = env.repo("repo");
        script(&env, "claude", "exit 0");
        script(&env, "codex", "exit 0");
        config(
            &env,
            &repo,
            agent,
            &format!("      permissions: {value}\n"),
            "60s",
        );
        let check = env.ao_in(&repo, &["config", "check"]);
        assert_ne!(check.code, 0, "{check}");
        let spawn = env.ao_in(&repo, &["spawn", "app", "--prompt", "hi"]);
        assert_ne!(spawn.code, 0, "{spawn}");
        let msg = format!("{agent}: unknown `agentConfig.permissions` value `{value}`");
        for r in [&check, &spawn] {
            let out = format!("{}{}", r.stdout, r.stderr);
            assert!(out.contains(&msg), "{r}");
            assert!(out.contains(cli_says), "{r}");
        }
        nothing_created(&env, &repo);
    }

    // `--agent` overrides are checked too: `manual` is Claude's, not Codex's.
    let env = TestEnv::new();
    let repo = env.repo("repo");
    script(&env, "codex", "exit 0");
    config(
        &env,
        &repo,
        "claude-code",
        "      permissions: manual\n",
        "60s",
    );
    let r = env.ao_in(
        &repo,
        &["spawn", "app", "--agent", "codex", "--prompt", "hi"],
    );
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stderr
            .contains("codex: unknown `agentConfig.permissions` value `manual`"),
        "{r}"
    );
    nothing_created(&env, &repo);
}

/// Spawns `app` running a custom agent script with `body`, in a project with a long
/// spawn grace.
fn spawn_script_agent(env: &TestEnv, repo: &Path, name: &str, body: &str) {
    let agent = script(env, name, body);
    config(
        env,
        repo,
        "custom",
        &format!("      command: {}\n", agent.display()),
        "10m",
    );
    env.ao_in(repo, &["spawn", "app", "--prompt", "hi"]).ok();
}

/// How tmux says the only pane ended: `dead:status:signal`, e.g. `1:1:` or `1::1`.
fn pane_end(env: &TestEnv) -> String {
    env.tmux(&[
        "list-panes",
        "-a",
        "-F",
        "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}",
    ])
    .stdout
    .trim()
    .to_owned()
}

/// A pane that dies during the spawn grace is `errored` at the next tick, not after the
/// grace, and the notification carries the pane's last lines.
#[test]
fn pane_dying_in_the_grace_is_errored_with_its_last_lines() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    spawn_script_agent(
        &env,
        &repo,
        "flaky-agent",
        "echo starting\necho 'Unable to connect to Anthropic services'\necho 'Failed to connect to api.anthropic.com: ERR_BAD_REQUEST'\nexit 1",
    );
    // tmux marks the pane dead at its pty's end of file and learns how the process ended
    // when it reaps it: its exit status, or — when the process closed its terminal
    // before exiting and tmux's close of the pty hung it up — signal 1.
    let pane = || pane_end(&env);
    let dead = env.wait_for(30, || pane().starts_with("1:"));
    assert!(
        dead,
        "the pane never died: panes {:?}, screen {:?}",
        pane(),
        env.tmux(&["capture-pane", "-p", "-t", "=app-1:"]).stdout
    );
    let t = env.ao_in(&repo, &["tick"]).ok();
    let told = format!("{}{}", t.stdout, t.stderr);
    assert!(told.contains("agent exited"), "{t}");
    assert!(
        told.contains("Unable to connect to Anthropic services"),
        "{t}"
    );
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    let s = &st["sessions"][0];
    assert_eq!(s["status"], "errored", "{st}");
    // How it ended is always told: the tick asks tmux again while it has not reaped
    // the process yet.
    let evidence = s["activity"]["evidence"].as_str().unwrap();
    let how = if pane() == "1::1" {
        "(signal 1 (SIGHUP))"
    } else {
        "(status 1)"
    };
    assert!(
        evidence.contains(&format!(
            "{how}: Unable to connect to Anthropic services / Failed to connect"
        )),
        "{st}"
    );
    // Told once.
    let t = env.ao_in(&repo, &["tick"]).ok();
    assert!(
        !format!("{}{}", t.stdout, t.stderr).contains("agent exited"),
        "{t}"
    );
}

/// An agent that closes its terminal and then lingers is hung up when tmux sees the end
/// of file: tmux never learns an exit status, only the signal. The human is told that,
/// not a bare "exited".
#[test]
fn an_agent_hung_up_by_its_closed_terminal_is_reported_with_the_signal() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    spawn_script_agent(
        &env,
        &repo,
        "hangup-agent",
        "echo 'fatal: lost the socket'\nexec >&- 2>&- <&-\nsleep 2\nexit 3",
    );
    let pane = || pane_end(&env);
    assert!(env.wait_for(30, || pane() == "1::1"), "{}", pane());
    env.ao_in(&repo, &["tick"]).ok();
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    let s = &st["sessions"][0];
    assert_eq!(s["status"], "errored", "{st}");
    assert!(
        s["activity"]["evidence"]
            .as_str()
            .unwrap()
            .contains("agent process exited (signal 1 (SIGHUP)): fatal: lost the socket"),
        "{st}"
    );
}

/// The real CLIs, offline, dying during the spawn grace: Claude Code 2.1.328 with a fresh
/// HOME prints "Unable to connect to Anthropic services" and exits 1 within seconds; Codex
/// 0.171 exits 2 on an option it does not know. Each session is `errored` at the next
/// tick, and its notification says why.
#[test]
fn real_clis_dying_in_the_grace_are_reported_with_their_words() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    for cli in ["claude", "codex"] {
        std::os::unix::fs::symlink(real_cli(cli), env.bin().join(cli)).unwrap();
    }
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 10m\ndefaults:\n  notifiers: [stdout]\nprojects:\n  cl:\n    path: {repo}\n    defaultBranch: main\n    agent: claude-code\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n  co:\n    path: {repo}\n    defaultBranch: main\n    agent: codex\n    agentConfig:\n      args: [--no-such-option]\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ));
    env.ao_in(&repo, &["spawn", "cl", "--prompt", "hi"]).ok();
    env.ao_in(&repo, &["spawn", "co", "--prompt", "hi"]).ok();
    let dead = env.wait_for(60, || {
        env.tmux(&["list-panes", "-a", "-F", "#{pane_dead}"])
            .stdout
            .lines()
            .filter(|l| *l == "1")
            .count()
            == 2
    });
    assert!(
        dead,
        "claude:\n{}\ncodex:\n{}",
        env.capture("cl-1"),
        env.capture("co-1")
    );
    let t = env.ao_in(&repo, &["tick"]).ok();
    let told = format!("{}{}", t.stdout, t.stderr);
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    for s in st["sessions"].as_array().unwrap() {
        assert_eq!(s["status"], "errored", "{st}");
    }
    assert!(told.contains("cl-1: agent exited"), "{t}");
    assert!(
        told.contains("Unable to connect to Anthropic services"),
        "{t}"
    );
    assert!(told.contains("co-1: agent exited"), "{t}");
    assert!(
        told.contains("error: unexpected argument '--no-such-option' found"),
        "{t}"
    );
}

/// Kills the tmux servers `names` in the env's tmux dir (`TMUX_TMPDIR`).
fn kill_servers(env: &TestEnv, names: &[&str]) {
    for n in names {
        let mut c = std::process::Command::new("tmux");
        env.apply(&mut c);
        let _ = c.args(["-L", n, "kill-server"]).output();
    }
}

/// Runs tmux on the server `socket` (`None`: the default server) in the env's tmux dir.
fn tmux_on(env: &TestEnv, socket: Option<&str>, args: &[&str]) -> String {
    let mut c = std::process::Command::new("tmux");
    env.apply(&mut c);
    c.env_remove("TMUX");
    if let Some(s) = socket {
        c.args(["-L", s]);
    }
    String::from_utf8_lossy(&c.args(args).output().unwrap().stdout).into_owned()
}

/// Without `AO_TMUX_SOCKET` or `tmuxSocket`, sessions live on ao's own server (`-L ao`),
/// not the user's default one, and `ao open` attaches there; `tmuxSocket: default`
/// selects the user's default server.
#[test]
fn sessions_live_on_aos_own_tmux_server_by_default() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    let ao = |args: &[&str]| {
        let mut c = env.ao_cmd(&repo);
        c.env_remove("AO_TMUX_SOCKET").args(args);
        crate::common::Run::from(c.output().unwrap())
    };
    ao(&["spawn", "app", "--prompt", "hi"]).ok();
    let own = tmux_on(
        &env,
        Some("ao"),
        &["list-sessions", "-F", "#{session_name}"],
    );
    let user = tmux_on(&env, None, &["list-sessions", "-F", "#{session_name}"]);
    assert_eq!(own.trim(), "app-1");
    assert!(user.trim().is_empty(), "{user}");
    let open = ao(&["open", "app-1", "--print"]).ok();
    assert_eq!(open.stdout.trim(), "tmux -L ao attach-session -t '=app-1'");
    let st = ao(&["status", "--json"]).ok().json();
    assert_eq!(st["sessions"][0]["status"], "spawning", "{st}");
    ao(&["tick"]).ok();
    let st = ao(&["status", "--json"]).ok().json();
    assert_eq!(st["sessions"][0]["status"], "working", "{st}");

    // The documented setting: the user's default server.
    let text = std::fs::read_to_string(env.root().join("agent-orchestrator.yaml")).unwrap();
    env.config(&format!("tmuxSocket: default\n{text}"));
    ao(&["spawn", "app", "--prompt", "hi"]).ok();
    let user = tmux_on(&env, None, &["list-sessions", "-F", "#{session_name}"]);
    assert_eq!(user.trim(), "app-2");
    let open = ao(&["open", "app-2", "--print"]).ok();
    assert_eq!(open.stdout.trim(), "tmux attach-session -t '=app-2'");
    kill_servers(&env, &["ao", "default"]);
}

/// `agentConfig.env` values reach the agent but never a command line: no process's
/// argv (`ps -eo args`) holds them while the session runs, and the file that carried them
/// is gone.
#[test]
fn agent_env_values_never_appear_in_any_argv() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let out = env.root().join("got-env");
    let agent = script(
        &env,
        "env-agent",
        &format!(
            "printf '%s\\n' \"$ANTHROPIC_API_KEY\" \"$AO_SESSION\" > {}\nexec sleep 300",
            out.display()
        ),
    );
    let secret = "sk-ant-test-5f1d8c0e9b";
    config(
        &env,
        &repo,
        "custom",
        &format!(
            "      command: {}\n      env:\n        ANTHROPIC_API_KEY: {secret}\n",
            agent.display()
        ),
        "60s",
    );
    // A literal secret in the config: the file must be private.
    let cfg = env.root().join("agent-orchestrator.yaml");
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "hi"]).ok();
    assert!(env.wait_for(10, || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.lines().count() == 2)
    }));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{secret}\napp-1\n")
    );
    let ps = std::process::Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(ps.contains("sleep 300"), "the agent is not running:\n{ps}");
    assert!(
        !ps.contains(secret),
        "the secret is on a command line:\n{ps}"
    );
    let left: Vec<_> = walk(&env.data())
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|s| s.contains(secret)))
        .collect();
    assert!(left.is_empty(), "the secret was left in {left:?}");
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The built-in agents start with their self-updaters off unless `autoUpdate: true`:
/// `DISABLE_AUTOUPDATER=1` for Claude Code, `check_for_update_on_startup=false` for
/// Codex, `OPENCODE_DISABLE_AUTOUPDATE=1` for OpenCode, `--no-check-update` for aider.
#[test]
fn auto_updates_are_off_unless_configured() {
    for auto in [false, true] {
        for (agent, program, says_off) in [
            ("claude-code", "claude", "DISABLE_AUTOUPDATER=1"),
            ("codex", "codex", "check_for_update_on_startup=false"),
            ("opencode", "opencode", "OPENCODE_DISABLE_AUTOUPDATE=1"),
            ("aider", "aider", "--no-check-update"),
        ] {
            let env = TestEnv::new();
            let repo = env.repo("repo");
            let out = env.root().join("launched");
            script(
                &env,
                program,
                &format!(
                    "{{ printf '%s\\n' \"$@\"; env; }} > {o}.tmp && mv {o}.tmp {o}\nexec sleep 300",
                    o = out.display()
                ),
            );
            let extra = if auto { "      autoUpdate: true\n" } else { "" };
            config(
                &env,
                &repo,
                agent,
                &format!("      model: m\n{extra}"),
                "60s",
            );
            env.ao_in(&repo, &["spawn", "app", "--prompt", "hi"]).ok();
            assert!(env.wait_for(10, || out.exists()), "{agent} did not start");
            let seen = std::fs::read_to_string(&out).unwrap();
            assert_eq!(
                seen.lines().any(|l| l == says_off),
                !auto,
                "{agent} autoUpdate={auto}:\n{seen}"
            );
        }
    }
}

/// An agent cache in the workspace (aider's `.aider.tags.cache.v4/`) is git-ignored, so
/// `ao session kill` is not refused; aider's history files are created private (0600),
/// so `ao doctor` has nothing to say about them.
#[test]
fn agent_caches_do_not_block_kill_and_history_files_are_private() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    // Like aider: writes its tag cache in the repository and appends to its history files.
    script(
        &env,
        "aider",
        r##"mkdir -p .aider.tags.cache.v4 && echo x > .aider.tags.cache.v4/cache.db
while [ $# -gt 0 ]; do
  case "$1" in
    --chat-history-file|--input-history-file) echo "# history" >> "$2"; shift ;;
  esac
  shift
done
touch "$AO_DATA_DIR/aider-started"
exec sleep 300"##,
    );
    config(&env, &repo, "aider", "      model: m\n", "60s");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "hi"]).ok();
    let ws = env.worktrees().join("app/app-1");
    assert!(env.wait_for(10, || env.data().join("aider-started").exists()));
    assert!(ws.join(".aider.tags.cache.v4/cache.db").exists());
    let files = env.data().join("projects/app/files/app-1");
    for name in ["aider.chat.history.md", "aider.input.history"] {
        let p = files.join(name);
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
        assert!(std::fs::read_to_string(&p).unwrap().contains("# history"));
    }
    let doc = env.ao_in(&repo, &["doctor", "--json"]);
    assert!(!doc.stdout.contains("aider."), "{doc}");
    env.ao_in(&repo, &["session", "kill", "app-1"]).ok();
}

/// Tokens and estimated cost per session, from Claude Code's transcript and Codex's
/// rollout, in `ao status` (text and `--json`), stored by the tick and updated when the
/// transcript grows. The fakes write what the real CLIs write: Claude's
/// `projects/<slug>/<session id>.jsonl` with `usage` per assistant message, Codex's
/// `sessions/YYYY/MM/DD/rollout-*.jsonl` with cumulative `token_count` events.
#[test]
fn cost_from_transcripts_in_status() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let claude_line = r#"{"type":"assistant","message":{"id":"m$1","model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":1000,"output_tokens":1000,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}"#;
    script(
        &env,
        "claude",
        &format!(
            r#"while [ $# -gt 0 ]; do [ "$1" = --session-id ] && id=$2; shift; done
dir="$HOME/.claude/projects/some-slug"; mkdir -p "$dir"
msg() {{ echo '{claude_line}' | sed "s/\\\$1/$1/"; }}
msg 1 > "$dir/$id.jsonl"
echo "$dir/$id.jsonl" > "$AO_DATA_DIR/claude-transcript"
exec sleep 300"#
        ),
    );
    script(
        &env,
        "codex",
        r#"dir="$HOME/.codex/sessions/$(date +%Y/%m/%d)"; mkdir -p "$dir"
f="$dir/rollout-2026-01-01T00-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"
printf '{"type":"session_meta","payload":{"id":"0199a213-81c0-7800-8aa1-bbab2a035a53","cwd":"%s"}}\n' "$PWD" > "$f"
echo '{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000000,"cached_input_tokens":0,"output_tokens":100000}}}}' >> "$f"
touch "$AO_DATA_DIR/codex-started"
exec sleep 300"#,
    );
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 60s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  cl:\n    path: {repo}\n    defaultBranch: main\n    agent: claude-code\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n  co:\n    path: {repo}\n    defaultBranch: main\n    agent: codex\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ));
    env.ao_in(&repo, &["spawn", "cl", "--prompt", "hi"]).ok();
    env.ao_in(&repo, &["spawn", "co", "--prompt", "hi"]).ok();
    assert!(
        env.wait_for(10, || env.data().join("claude-transcript").exists()
            && env.data().join("codex-started").exists())
    );
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    assert!(
        st["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["cost"].is_null()),
        "{st}"
    );
    env.ao_in(&repo, &["tick"]).ok();
    let cost = |st: &serde_json::Value, id: &str| {
        st["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["cost"]
            .clone()
    };
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    let cl = cost(&st, "cl-1");
    assert_eq!(cl["inputTokens"], 1000, "{st}");
    assert_eq!(cl["outputTokens"], 1000, "{st}");
    assert!((cl["usd"].as_f64().unwrap() - 0.018).abs() < 1e-9, "{st}");
    assert_eq!(cl["model"], "claude-sonnet-4-5");
    let co = cost(&st, "co-1");
    assert_eq!(co["inputTokens"], 1_000_000, "{st}");
    assert!((co["usd"].as_f64().unwrap() - 2.25).abs() < 1e-9, "{st}");
    let text = env.ao_in(&repo, &["status"]).ok();
    assert!(text.stdout.contains("2.0k tokens ~$0.02"), "{text}");
    assert!(text.stdout.contains("1.1M tokens ~$2.25"), "{text}");

    // The transcript grows: the next tick stores the new total.
    let transcript = std::fs::read_to_string(env.data().join("claude-transcript")).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(transcript.trim())
        .unwrap();
    use std::io::Write as _;
    writeln!(f, "{}", claude_line.replace("m$1", "m2")).unwrap();
    env.ao_in(&repo, &["tick"]).ok();
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    assert_eq!(cost(&st, "cl-1")["inputTokens"], 2000, "{st}");
}
