//! The first hour of a new user (issue 14): `ao init` in two repos, one cron line from
//! `$HOME` for both, `ao init` that composes, ao's own files in workspaces, `spawn
//! --force`, the all-complete summary after `ao session kill`, restore after kill,
//! `ao open all`, `status --watch` into a pipe.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Run, TestEnv};

/// A minimal custom agent (the README's example): the task from `$AO_PROMPT_FILE`, one
/// typed line per message, `agent>` when ready.
const AGENT: &str = r#"#!/usr/bin/env bash
echo "task: $(head -n 1 "$AO_PROMPT_FILE")"
while printf 'agent> ' && IFS= read -r msg; do
  case $msg in
    *.ao/messages/*) f=${msg#*file }; f=${f%% *}; echo "long message:"; cat "$f" ;;
    *) echo "got: $msg" ;;
  esac
done
"#;

/// Installs the agent as `my-agent` on the env's PATH.
fn install_agent(env: &TestEnv) {
    let p = env.bin().join("my-agent");
    std::fs::write(&p, AGENT).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Like cron: no AO_DATA_DIR (the data dir is ~/.agent-orchestrator), no LANG (the C
/// locale), no config variable; `cwd` is where it runs.
fn cron_like(env: &TestEnv, cwd: &Path, args: &[&str]) -> Run {
    let mut c = env.ao_cmd(cwd);
    c.env_remove("AO_DATA_DIR").env_remove("LANG");
    Run::from(c.args(args).output().unwrap())
}

fn data(env: &TestEnv) -> PathBuf {
    env.home().join(".agent-orchestrator")
}

/// Adds the custom agent, a private worktree dir and no spawn grace to the project `id`
/// of the config at `cfg` (as a user edits what `ao init` wrote).
fn customize(env: &TestEnv, cfg: &Path, id: &str) {
    let text = std::fs::read_to_string(cfg).unwrap();
    let mut doc: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
    let p = &mut doc["projects"][id];
    p["agent"] = "custom".into();
    p["agentConfig"] =
        yaml_serde::from_str("{command: my-agent, patterns: {ready: ['agent>']}}").unwrap();
    doc["worktreeDir"] = env.worktrees().display().to_string().into();
    doc["spawnGrace"] = "0s".into();
    std::fs::write(cfg, yaml_serde::to_string(&doc).unwrap()).unwrap();
}

#[test]
fn one_cron_line_from_home_ticks_every_repo() {
    let env = TestEnv::new();
    install_agent(&env);
    let a = env.repo("alpha");
    let b = env.repo("beta");
    cron_like(&env, &a, &["init"]).ok();
    cron_like(&env, &b, &["init", "--local"]).ok();
    customize(&env, &a.join("agent-orchestrator.yaml"), "alpha");
    customize(&env, &b.join("agent-orchestrator.yaml"), "beta");
    // The GitHub project has no origin: make it local too, by `ao init --local` (composes).
    let r = cron_like(&env, &a, &["init", "--local"]).ok();
    assert!(r.stderr.contains("Updated project `alpha`"), "{r}");
    assert!(a.join("agent-orchestrator.yaml.bak").exists());
    cron_like(&env, &a, &["spawn", "alpha", "--prompt", "Fix alpha"]).ok();
    cron_like(&env, &b, &["spawn", "beta", "--prompt", "Fix beta"]).ok();

    // From $HOME, with no config in reach: every registered config.
    let t = cron_like(&env, &env.home(), &["tick", "--json"]).ok();
    assert_eq!(t.json()["sessionsSeen"], 2, "{t}");
    let log = std::fs::read_to_string(data(&env).join("events.jsonl")).unwrap();
    let ticks = log.matches("\"tick.done\"").count();
    assert_eq!(ticks, 2, "one pass per config:\n{log}");
    for s in ["alpha-1", "beta-1"] {
        assert!(
            log.lines()
                .any(|l| l.contains("session.status") && l.contains(&format!("\"{s}\""))),
            "{s} observed by the tick:\n{log}"
        );
    }
    let st = cron_like(&env, &env.home(), &["status", "--json"])
        .ok()
        .json();
    let ids: Vec<&str> = st["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{st}");
    assert!(
        ids.contains(&"alpha-1") && ids.contains(&"beta-1"),
        "{ids:?}"
    );

    // A tick or status of one repo never fails because of the other's sessions.
    let t = cron_like(&env, &a, &["tick", "--json"]).ok();
    assert_eq!(t.json()["sessionsSeen"], 1, "{t}");
    cron_like(&env, &a, &["status"]).ok();

    // send and open from $HOME find the owning config.
    cron_like(&env, &env.home(), &["send", "beta-1", "Also add a test"]).ok();
    assert!(env.wait_for(10, || {
        env.capture("beta-1").contains("got: Also add a test")
    }));
    let all = cron_like(&env, &env.home(), &["open", "all"]).ok();
    assert_eq!(all.stdout.lines().count(), 2, "{all}");
    assert!(
        all.stdout.contains("alpha-1\t") && all.stdout.contains("beta-1\t"),
        "{all}"
    );

    // A removed repo's config drops out of the registry instead of failing every tick.
    std::fs::remove_file(b.join("agent-orchestrator.yaml")).unwrap();
    let t = cron_like(&env, &env.home(), &["tick"]).ok();
    assert!(t.stderr.contains("no longer exists"), "{t}");
}

#[test]
fn no_config_and_no_registry_still_says_how_to_start() {
    let env = TestEnv::new();
    let r = cron_like(&env, &env.home(), &["tick"]).code(2);
    assert!(r.stderr.contains("ao init"), "{r}");
}

#[test]
fn init_composes_instead_of_refusing() {
    let env = TestEnv::new();
    let a = env.repo("alpha");
    let cfg = a.join("agent-orchestrator.yaml");
    let r = env.ao_in(&a, &["init"]).ok();
    assert!(
        r.stderr.contains("`stdout`"),
        "headless: stdout notifier\n{r}"
    );
    assert!(std::fs::read_to_string(&cfg).unwrap().contains("[stdout]"));
    env.ao_in(&a, &["init", "--local"]).ok();
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("plugin: local") && text.contains("plugin: plain"),
        "{text}"
    );
    let r = env.ao_in(&a, &["init", "--local"]).ok();
    assert!(r.stderr.contains("nothing to change"), "{r}");
    env.ao_in(&a, &["config", "check"]).ok();

    // A second repository joins the same file.
    let b = env.repo("beta");
    let out = cfg.display().to_string();
    let r = env.ao_in(&b, &["init", "--local", "--output", &out]).ok();
    assert!(r.stderr.contains("Added project `beta`"), "{r}");
    let check = env.ao_in(&a, &["config", "check"]).ok();
    assert!(check.stdout.contains("2 projects"), "{check}");

    // The same id for another path is refused with what to do; --force replaces.
    let other = env.root().join("x/alpha");
    std::fs::create_dir_all(&other).unwrap();
    env.git(&other, &["init", "-q", "-b", "main"]);
    let r = env.ao_in(&other, &["init", "--output", &out]).code(2);
    assert!(r.stderr.contains("--force"), "{r}");
    env.ao_in(&a, &["init", "--force"]).ok();
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(!text.contains("beta"), "{text}");
    assert!(
        std::fs::read_to_string(a.join("agent-orchestrator.yaml.bak"))
            .unwrap()
            .contains("beta")
    );
}

/// A local project whose agent is `cat`, with `symlinks: [.env]` and `.env` not ignored.
fn env_symlink_project(env: &TestEnv) -> PathBuf {
    let repo = env.repo("repo");
    std::fs::write(repo.join(".env"), "SECRET=1\n").unwrap();
    let cfg = env.local_config(&repo, "cat");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "    agent: custom\n",
        "    agent: custom\n    symlinks: [.env]\n",
    );
    std::fs::write(&cfg, text).unwrap();
    repo
}

#[test]
fn own_symlinks_do_not_block_cleanup_of_a_merged_session() {
    let env = TestEnv::new();
    let repo = env_symlink_project(&env);
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    let ws = env.worktrees().join("app/app-1");
    assert!(ws.join(".env").symlink_metadata().unwrap().is_symlink());
    std::fs::write(ws.join("f.txt"), "x\n").unwrap();
    env.git(&ws, &["add", "f.txt"]);
    env.git(&ws, &["commit", "-q", "-m", "work"]);
    env.ao_in(&repo, &["tick"]);
    env.git(&repo, &["merge", "-q", "--ff-only", "ao/app-1"]);
    let r = env.ao_in(&repo, &["tick"]);
    assert!(!r.stderr.contains("uncommitted"), "{r}");
    assert!(
        env.data().join("projects/app/archive/app-1.json").exists(),
        "merged session cleaned up on the next tick\n{r}"
    );
}

#[test]
fn killing_the_last_session_sends_one_summary() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "one"]).ok();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "two"]).ok();
    env.ao_in(&repo, &["tick"]).ok();
    env.ao_in(&repo, &["session", "kill", "app-1"]).ok();
    let r = env.ao_in(&repo, &["tick"]).ok();
    assert!(!r.stdout.contains("sessions done"), "app-2 still runs\n{r}");
    env.ao_in(&repo, &["session", "kill", "app-2"]).ok();
    let r1 = env.ao_in(&repo, &["tick"]).ok();
    let r2 = env.ao_in(&repo, &["tick"]).ok();
    let all = format!("{}{}", r1.stdout, r2.stdout);
    // The stdout notifier's line: title, then how the sessions ended (not the count again).
    let line = "[info] app: all 2 sessions done: 0 PRs merged, 0 need review, 2 ended without a merge (app-1, app-2).";
    assert_eq!(all.matches(line).count(), 1, "{r1}\n{r2}");
    // A new session starts a new round.
    env.ao_in(&repo, &["spawn", "app", "--prompt", "three"])
        .ok();
    env.ao_in(&repo, &["tick"]).ok();
    env.ao_in(&repo, &["session", "kill", "app-3"]).ok();
    let r = env.ao_in(&repo, &["tick"]).ok();
    assert!(
        r.stdout
            .contains("[info] app: all 1 session done: 0 PRs merged, 0 need review, 1 ended"),
        "{r}"
    );
}

#[test]
fn spawn_force_over_a_live_issue_branch_succeeds() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["issue", "new", "Fix the login"]).ok();
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    let r = env.ao_in(&repo, &["spawn", "app", "1"]).code(2);
    assert!(r.stderr.contains("--force"), "{r}");
    let r = env
        .ao_in(&repo, &["spawn", "app", "1", "--force", "--json"])
        .ok();
    assert!(r.stdout.contains("ao/1-fix-the-login-2"), "{r}");
    let r = env
        .ao_in(
            &repo,
            &[
                "spawn",
                "app",
                "--prompt",
                "x",
                "--branch",
                "ao/1-fix-the-login",
            ],
        )
        .code(2);
    assert!(r.stderr.contains("is checked out in"), "{r}");
}

#[test]
fn restore_after_kill_and_watch_into_a_pipe() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    env.ao_in(&repo, &["session", "kill", "app-1"]).ok();
    let r = env.ao_in(&repo, &["session", "restore", "app-1"]).ok();
    assert!(r.stderr.contains("Restored app-1"), "{r}");
    let st = env.ao_in(&repo, &["status", "--json"]).ok().json();
    assert_eq!(st["sessions"][0]["id"], "app-1", "{st}");
    assert!(env.wait_for(10, || env.tmux(&["has-session", "-t", "=app-1"]).code == 0));

    let mut c: Command = env.ao_cmd(&repo);
    c.args(["status", "--watch", "--interval", "1"])
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("app-1"), "{text}");
    assert!(!text.contains('\x1b'), "no escapes into a pipe: {text:?}");
}

#[test]
fn doctor_does_not_warn_about_aos_own_files() {
    let env = TestEnv::new();
    // A data dir made only by ao (the harness pre-creates one with the umask's 0755).
    std::fs::remove_dir(env.data()).unwrap();
    let repo = env.repo("repo");
    std::fs::write(repo.join("test.sh"), "echo checked\n").unwrap();
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "-m", "checks"]);
    let cfg = env.local_config(&repo, "cat");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "      plugin: local\n",
        "      plugin: local\n      checks: [\"sh test.sh\"]\n",
    );
    std::fs::write(&cfg, text).unwrap();
    env.ao_in(&repo, &["spawn", "app", "--prompt", "p"]).ok();
    let ws = env.worktrees().join("app/app-1");
    std::fs::write(ws.join("f.txt"), "x\n").unwrap();
    env.git(&ws, &["add", "f.txt"]);
    env.git(&ws, &["commit", "-q", "-m", "work"]);
    let ran = env.wait_for(20, || {
        env.ao_in(&repo, &["tick"]);
        let st = env.ao_in(&repo, &["status", "--json"]).json();
        st["sessions"][0]["pr"]["ci"] == "passing"
    });
    assert!(ran, "the checks ran");
    let d = env.ao_in(&repo, &["doctor"]);
    assert!(!d.stdout.contains("open to group"), "{d}");
    assert!(d.stdout.contains("is private"), "{d}");
}

#[test]
fn demo_cleans_up_when_terminated() {
    let env = TestEnv::new();
    let tmp = env.root().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut c = env.ao_cmd(env.root());
    c.env("TMPDIR", &tmp)
        .arg("demo")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    // The demo runs on its own server (`ao-demo-<pid>`), never on AO_TMUX_SOCKET's.
    let socket = format!("ao-demo-{}", child.id());
    let demo_tmux = |args: &[&str]| {
        let mut t = Command::new("tmux");
        env.apply(&mut t);
        Run::from(t.args(["-L", &socket]).args(args).output().unwrap())
    };
    let started = env.wait_for(30, || {
        demo_tmux(&["list-sessions"]).stdout.contains("demo-1")
    });
    assert_ne!(
        env.tmux(&["list-sessions"]).code,
        0,
        "nothing on AO_TMUX_SOCKET's server"
    );
    assert!(started, "the demo started its sessions");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 1, "the demo dir");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let clean = env.wait_for(10, || {
        std::fs::read_dir(&tmp).unwrap().count() == 0 && demo_tmux(&["list-sessions"]).code != 0
    });
    assert!(
        clean,
        "left behind: {:?} / {}",
        std::fs::read_dir(&tmp).unwrap().collect::<Vec<_>>(),
        demo_tmux(&["list-sessions"])
    );
}

/// The keys `ao config check` allows at `probe`'s `zz` (from its "allowed: …" list).
fn allowed_keys(env: &TestEnv, probe: &str) -> Vec<String> {
    let f = env.root().join("probe.yaml");
    std::fs::write(&f, probe).unwrap();
    let r = env.ao(&["config", "check", "--config", f.to_str().unwrap()]);
    let at = r.stderr.find("allowed: ").unwrap_or_else(|| panic!("{r}")) + 9;
    let rest = &r.stderr[at..];
    let end = rest.find(')').unwrap();
    rest[..end].split(", ").map(str::to_owned).collect()
}

#[test]
fn config_schema_lists_exactly_the_keys_ao_accepts() {
    let env = TestEnv::new();
    let r = env.ao(&["config", "schema"]).ok();
    let schema = r.json();
    let on_disk: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/config.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema, on_disk,
        "ao config schema prints docs/config.schema.json"
    );
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "$schema")
            .cloned()
            .collect();
        k.sort();
        k
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let project = &schema["properties"]["projects"]["additionalProperties"];
    let defs = &schema["definitions"];
    for (probe, node) in [
        ("zz: 1", &schema),
        ("defaults: {zz: 1}", &schema["properties"]["defaults"]),
        ("projects: {a: {path: /tmp, zz: 1}}", project),
        (
            "projects: {a: {path: /tmp, tracker: {zz: 1}}}",
            &project["properties"]["tracker"]["anyOf"][1],
        ),
        (
            "projects: {a: {path: /tmp, agentConfig: {zz: 1}}}",
            &project["properties"]["agentConfig"],
        ),
        (
            "projects: {a: {path: /tmp, runtimeConfig: {zz: 1}}}",
            &project["properties"]["runtimeConfig"],
        ),
        (
            "projects: {a: {path: /tmp, agentConfig: {patterns: {zz: 1}}}}",
            &project["properties"]["agentConfig"]["properties"]["patterns"],
        ),
        (
            "notifiers: {n: {plugin: x, zz: 1}}",
            &schema["properties"]["notifiers"]["additionalProperties"],
        ),
        (
            "notifications: {zz: 1}",
            &schema["properties"]["notifications"],
        ),
        (
            "notifications: {routing: {zz: 1}}",
            &schema["properties"]["notifications"]["properties"]["routing"],
        ),
        ("dashboard: {zz: 1}", &schema["properties"]["dashboard"]),
    ] {
        assert_eq!(sorted(allowed_keys(&env, probe)), keys(node), "{probe}");
    }
    // Reactions and reaction settings: the kebab-case names (camelCase aliases too).
    let kebab = |v: Vec<String>| {
        sorted(
            v.into_iter()
                .filter(|k| !k.chars().any(|c| c.is_ascii_uppercase()))
                .collect(),
        )
    };
    assert_eq!(
        sorted(allowed_keys(&env, "reactions: {zz: 1}")),
        kebab(keys(&defs["reactions"]))
    );
    assert_eq!(
        sorted(allowed_keys(&env, "reactions: {ci-failed: {zz: 1}}")),
        kebab(keys(&defs["reaction"]))
    );
}

/// A config in the TypeScript agent-orchestrator's documented form (its keys as in its
/// `examples/` and config schema at ComposioHQ/agent-orchestrator 60e8c8810): loads, with
/// a deprecation note per mapped key and a hint per key ao has no use for.
#[test]
fn typescript_orchestrator_configs_load_with_migration_notes() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.root().join("ts.yaml");
    std::fs::write(
        &cfg,
        format!(
            "$schema: https://example.invalid/config.schema.json\nport: 3000\nreadyThresholdMs: 120000\npower: {{preventIdleSleep: true}}\nlifecycle: {{autoCleanupOnMerge: true}}\ndefaults:\n  runtime: tmux\n  agent: codex\n  workspace: worktree\n  notifiers: [desktop, slack]\n  orchestrator: {{agent: claude-code}}\nprojects:\n  my-app:\n    name: My App\n    repo: owner/my-app\n    path: {repo}\n    defaultBranch: main\n    sessionPrefix: app\n    agentConfig: {{model: gpt-4, permissions: permissionless}}\n    agentRules: |\n      Run tests before pushing.\n    orchestratorRules: plan first\n    reactions:\n      approved-and-green: {{auto: true, action: auto-merge}}\nnotifiers:\n  slack:\n    plugin: slack\n    webhook: ${{SLACK_WEBHOOK_URL}}\n    channel: \"#agent-updates\"\nnotificationRouting:\n  urgent: [desktop, slack]\n  info: [slack]\nreactions:\n  ci-failed: {{auto: true, action: send-to-agent, retries: 3}}\n  changes-requested: {{auto: true, action: send-to-agent, escalateAfter: 1h}}\n  agent-stuck: {{threshold: 10m, action: notify, priority: urgent}}\n",
            repo = repo.display()
        ),
    )
    .unwrap();
    let mut c = env.ao_cmd(env.root());
    c.env(
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T/B/X",
    )
    .args(["config", "check", "--json", "--config"])
    .arg(&cfg);
    let r = Run::from(c.output().unwrap()).ok();
    let report = r.json();
    let warnings = report["warnings"].as_array().unwrap();
    let about = |key: &str| {
        warnings
            .iter()
            .find(|w| w["key"] == key)
            .unwrap_or_else(|| panic!("no warning for {key}: {report:#}"))
    };
    for key in [
        "port",
        "power",
        "lifecycle",
        "defaults.orchestrator",
        "projects.my-app.orchestratorRules",
    ] {
        let w = about(key);
        assert_eq!(w["kind"], "deprecated");
        assert!(w["hint"].as_str().is_some_and(|h| !h.is_empty()), "{w}");
    }
    assert!(
        about("notificationRouting")["message"]
            .as_str()
            .unwrap()
            .contains("notifications.routing")
    );
    assert!(
        about("projects.my-app.agentRules")["message"]
            .as_str()
            .unwrap()
            .contains("instructions")
    );
    let mut c = env.ao_cmd(env.root());
    c.env(
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T/B/X",
    )
    .args(["config", "show", "--json", "--config"])
    .arg(&cfg);
    let shown = Run::from(c.output().unwrap()).ok();
    assert!(shown.stdout.contains("Run tests before pushing"), "{shown}");
    assert!(
        shown.stdout.contains("120s") || shown.stdout.contains("2m"),
        "{shown}"
    );
}

/// The README's Quick start, line by line, in a fresh HOME and a fresh repository named
/// `my-app`, with the custom agent configured once `ao init` wrote the file: every line
/// exits 0 (`ao open` with `--print`: no terminal here to attach).
#[test]
fn readme_quick_start_runs_line_by_line() {
    let env = TestEnv::new();
    install_agent(&env);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("## Quick start").unwrap();
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let src = env.home().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let repo = src.join("my-app");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "# my app\n").unwrap();
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "-m", "initial"]);
    let mut lines = 0;
    for line in block.lines() {
        let code = line.split("  #").next().unwrap().trim();
        if code.is_empty() {
            continue;
        }
        let argv = shlex::split(code).unwrap();
        if argv[0] == "cd" {
            assert_eq!(argv[1], "~/src/my-app");
            continue;
        }
        assert_eq!(argv[0], "ao", "{line}");
        let mut args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        if args[0] == "open" {
            args.push("--print");
        }
        let r = cron_like(&env, &repo, &args);
        assert_eq!(r.code, 0, "README line `{line}` failed\n{r}");
        lines += 1;
        if args == ["init", "--local"] {
            customize(&env, &repo.join("agent-orchestrator.yaml"), "my-app");
        }
        if args[0] == "send" {
            assert!(env.wait_for(10, || {
                env.capture("my-app-1").contains("got: Also add a test")
            }));
        }
    }
    assert!(lines >= 9, "{block}");
}

/// Checklist A6 for the registry: a config inside an agent's worktree is never enrolled,
/// even when named with --config, so the fleet tick from $HOME never runs it.
#[test]
fn a_config_in_a_worktree_is_never_registered() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let cfg = env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let wt = env.worktrees().join("app/app-1");
    let planted = wt.join("agent-orchestrator.yaml");
    std::fs::copy(&cfg, &planted).unwrap();
    env.ao_in(&wt, &["--config", planted.to_str().unwrap(), "status"]);
    let reg = std::fs::read_to_string(env.data().join("configs.json")).unwrap();
    assert!(
        reg.contains(cfg.canonicalize().unwrap().to_str().unwrap()),
        "{reg}"
    );
    assert!(!reg.contains(wt.to_str().unwrap()), "{reg}");
}

/// `ao doctor` from `$HOME` (cron's cwd, no config in reach) checks the registered
/// configs instead of failing with "no config file found".
#[test]
fn doctor_from_home_checks_registered_configs() {
    let env = TestEnv::new();
    install_agent(&env);
    let a = env.repo("alpha");
    cron_like(&env, &a, &["init", "--local"]).ok();
    customize(&env, &a.join("agent-orchestrator.yaml"), "alpha");
    cron_like(&env, &a, &["spawn", "alpha", "--prompt", "Fix alpha"]).ok();
    cron_like(&env, &env.home(), &["tick"]).ok();
    let r = cron_like(&env, &env.home(), &["doctor", "--json"]);
    let j = r.json();
    let checks = j["checks"].as_array().unwrap();
    let config = checks.iter().find(|c| c["name"] == "config").unwrap();
    assert_eq!(config["status"], "ok", "{r}");
    assert!(config["message"].as_str().unwrap().contains("alpha"), "{r}");
    let tick = checks.iter().find(|c| c["name"] == "tick").unwrap();
    assert_eq!(tick["status"], "ok", "{r}");
    assert_eq!(
        checks.iter().filter(|c| c["name"] == "tmux").count(),
        1,
        "{r}"
    );
}
