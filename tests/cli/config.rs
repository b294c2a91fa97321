//! `ao init`, `ao config check|show`, config discovery, interpolation, validation messages,
//! the secret-permission rule, the shipped examples and the fixtures in
//! `tests/fixtures/config/`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Output of a run with extra environment variables (the common `Run` is built only by
/// `TestEnv`'s own helpers).
struct Out {
    stdout: String,
    stderr: String,
    code: i32,
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}------- stderr -------\n{}[exit status: {}]",
            self.stdout, self.stderr, self.code
        )
    }
}

impl Out {
    #[track_caller]
    fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }
}

/// Runs `ao args…` in `cwd` with `vars` added to the hermetic environment.
fn ao_env(env: &TestEnv, cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Out {
    let mut c = env.ao_cmd(cwd);
    for (k, v) in vars {
        c.env(k, v);
    }
    let o = c.args(args).output().expect("run ao");
    Out {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        code: o.status.code().unwrap_or(-1),
    }
}

/// Writes `yaml` as `<root>/agent-orchestrator.yaml` with `mode`.
fn write_config(env: &TestEnv, yaml: &str, mode: u32) -> PathBuf {
    let p = env.config(yaml);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A valid local project block for `repo` (id `app`).
fn project(repo: &Path) -> String {
    format!(
        "projects:\n  app:\n    path: {}\n    tracker: plain\n    scm: local\ndefaults:\n  notifiers: [stdout]\n",
        repo.display()
    )
}

// ---------------------------------------------------------------- ao init

#[test]
fn init_uses_origin_for_id_and_repo() {
    let env = TestEnv::new();
    let repo = env.repo("checkout");
    env.git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widgets.git",
        ],
    );
    let r = env.ao_in(&repo, &["init"]).ok();
    let file = repo.join("agent-orchestrator.yaml");
    assert!(r.stderr.contains("Created"), "{r}");
    assert!(r.stderr.contains(&file.display().to_string()), "{r}");
    assert_eq!(mode_of(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("  widgets:\n"), "{text}");
    assert!(text.contains("repo: acme/widgets"), "{text}");
    assert!(text.contains("defaultBranch: main"), "{text}");
    // The written file passes the checker and means what it says.
    env.ao_in(&repo, &["config", "check"]).ok();
    let show = env.ao_in(&repo, &["config", "show", "--json"]).ok().json();
    let p = &show["projects"]["widgets"];
    assert_eq!(p["repo"], "acme/widgets");
    let top = std::fs::canonicalize(&repo).unwrap();
    assert_eq!(p["path"], top.display().to_string());
    assert_eq!(p["defaultBranch"], "main");
}

#[test]
fn init_local_is_network_free() {
    let env = TestEnv::new();
    let repo = env.repo("My Tool");
    env.git(
        &repo,
        &["remote", "add", "origin", "git@github.com:acme/tool.git"],
    );
    let sub = repo.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let out = env.root().join("ao-local.yaml");
    env.ao_in(
        &sub,
        &["init", "--local", "--output", out.to_str().unwrap()],
    )
    .ok();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("repo:"), "{text}");
    let r = env
        .ao_in(
            &sub,
            &[
                "--config",
                out.to_str().unwrap(),
                "config",
                "check",
                "--json",
            ],
        )
        .ok();
    let j = r.json();
    assert_eq!(j["ok"], true, "{r}");
    assert_eq!(j["warnings"], serde_json::json!([]), "{r}");
    let show = env
        .ao_in(
            &sub,
            &[
                "--config",
                out.to_str().unwrap(),
                "config",
                "show",
                "--json",
            ],
        )
        .ok()
        .json();
    let p = &show["projects"]["tool"];
    assert_eq!(p["plugins"]["tracker"], "plain");
    assert_eq!(p["plugins"]["scm"], "local");
    assert_eq!(show["defaults"]["notifiers"], serde_json::json!(["stdout"]));
}

#[test]
fn init_without_origin_uses_directory_name() {
    let env = TestEnv::new();
    let repo = env.repo("Side_Project");
    let r = env.ao_in(&repo, &["init"]).ok();
    assert!(r.stderr.contains("no `origin`"), "{r}");
    let text = std::fs::read_to_string(repo.join("agent-orchestrator.yaml")).unwrap();
    assert!(text.contains("  side-project:\n"), "{text}");
    // Valid, with a warning that the github plugins need `repo`.
    let c = env.ao_in(&repo, &["config", "check"]).ok();
    assert!(c.stderr.contains("repo: owner/name"), "{c}");
}

#[test]
fn init_composes_into_an_existing_file_and_keeps_the_old_one() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let file = repo.join("agent-orchestrator.yaml");
    std::fs::write(&file, "# mine\n").unwrap();
    let r = env.ao_in(&repo, &["init"]).ok();
    assert!(r.stderr.contains("Added project `app`"), "{r}");
    assert_eq!(
        std::fs::read_to_string(repo.join("agent-orchestrator.yaml.bak")).unwrap(),
        "# mine\n"
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains("  app:\n"));
    // Not valid YAML: nothing changes, and the error says what to do.
    std::fs::write(&file, "projects: [\n").unwrap();
    let r = env.ao_in(&repo, &["init"]).code(2);
    assert!(r.stderr.contains("--force"), "{r}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "projects: [\n");
}

#[test]
fn init_outside_a_repository() {
    let env = TestEnv::new();
    let dir = env.root().join("plain-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let r = env.ao_in(&dir, &["init"]).code(2);
    assert!(r.stderr.contains("not inside a git repository"), "{r}");
    assert!(!dir.join("agent-orchestrator.yaml").exists());
}

// ---------------------------------------------------------------- config check

#[test]
fn unknown_key_has_position_and_hint() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let p = write_config(
        &env,
        &format!(
            "{}reactions:\n  ci-failed:\n    escalate-aftr: 2\n",
            project(&repo)
        ),
        0o600,
    );
    let r = env.ao(&["config", "check"]).code(2);
    let want = format!(
        "error: {}:10:5: reactions.ci-failed: unknown key `escalate-aftr`",
        p.display()
    );
    assert!(r.stderr.contains(&want), "{r}");
    assert!(
        r.stderr.contains("hint: did you mean `escalate-after`?"),
        "{r}"
    );
    // camelCase typos suggest the camelCase spelling.
    write_config(
        &env,
        &format!(
            "{}reactions:\n  ci-failed:\n    escalateAfte: 2\n",
            project(&repo)
        ),
        0o600,
    );
    let r = env.ao(&["config", "check"]).code(2);
    assert!(r.stderr.contains("did you mean `escalateAfter`?"), "{r}");
}

#[test]
fn check_json_report() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    write_config(&env, &format!("{}spawnGrace: 30x\n", project(&repo)), 0o600);
    let r = env.ao(&["config", "check", "--json"]).code(2);
    let j = r.json();
    assert_eq!(j["schemaVersion"], 1);
    assert_eq!(j["ok"], false);
    let e = &j["errors"][0];
    assert_eq!(e["key"], "spawnGrace", "{r}");
    assert_eq!(e["line"], 8, "{r}");
    assert_eq!(e["kind"], "invalid-value", "{r}");
    assert!(e["message"].as_str().unwrap().contains("`1h30m`"), "{r}");
    // Fixed: ok, with warnings in the report.
    write_config(
        &env,
        &format!(
            "{}notifications:\n  routing:\n    urgent: [slak]\n",
            project(&repo)
        ),
        0o600,
    );
    let r = env.ao(&["config", "check", "--json"]).ok();
    let j = r.json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["errors"], serde_json::json!([]));
    assert_eq!(j["warnings"][0]["kind"], "unknown-notifier", "{r}");
    assert_eq!(
        j["warnings"][0]["key"], "notifications.routing.urgent[0]",
        "{r}"
    );
}

#[test]
fn bad_duration_says_what_is_allowed() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let p = write_config(
        &env,
        &format!(
            "{}reactions:\n  agent-stuck:\n    threshold: 30x\n",
            project(&repo)
        ),
        0o600,
    );
    let r = env.ao(&["config", "check"]).code(2);
    assert!(
        r.stderr.contains(&format!(
            "{}:10:16: reactions.agent-stuck.threshold: invalid duration `30x`",
            p.display()
        )),
        "{r}"
    );
    assert!(r.stderr.contains("`90s`, `30m`, `2h` or `1h30m`"), "{r}");
}

#[test]
fn unset_variable_is_an_error_naming_it() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let p = write_config(
        &env,
        &format!(
            "{}notifiers:\n  team:\n    plugin: slack\n    webhook: ${{TEAM_HOOK}}\n",
            project(&repo)
        ),
        0o644,
    );
    let r = env.ao(&["config", "check"]).code(2);
    assert!(
        r.stderr.contains(&format!(
            "{}:11:14: notifiers.team.webhook: environment variable `TEAM_HOOK` is not set",
            p.display()
        )),
        "{r}"
    );
    // Set: accepted (a reference is not a literal secret, so mode 0644 is fine).
    ao_env(
        &env,
        env.root(),
        &["config", "check"],
        &[("TEAM_HOOK", "https://hooks.slack.com/services/T/B/C")],
    )
    .code(0);
}

#[test]
fn variable_defaults_apply() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    write_config(
        &env,
        &format!(
            "{}maxSessions: ${{AO_MAX:-7}}\nworktreeDir: ${{AO_WT:-/tmp/ao-wt}}\n",
            project(&repo)
        ),
        0o600,
    );
    let j = env.ao(&["config", "show", "--json"]).ok().json();
    assert_eq!(j["maxSessions"], 7);
    assert_eq!(j["worktreeDir"], "/tmp/ao-wt");
    let j = ao_env(
        &env,
        env.root(),
        &["config", "show", "--json"],
        &[("AO_MAX", "3"), ("AO_WT", "/srv/wt")],
    )
    .code(0)
    .json();
    assert_eq!(j["maxSessions"], 3);
    assert_eq!(j["worktreeDir"], "/srv/wt");
}

#[test]
fn reaction_fields_in_kebab_and_camel_case() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    write_config(
        &env,
        &format!(
            "{}    reactions:\n      ciFailed:\n        escalateAfter: 5\nreactions:\n  ci-failed:\n    escalate-after: 3\n  changes-requested:\n    escalateAfter: 1h30m\n  all-complete:\n    includeSummary: false\ndefaults:\n  notifiers: [stdout]\n",
            project(&repo).replace("defaults:\n  notifiers: [stdout]\n", "")
        ),
        0o600,
    );
    let r = env.ao(&["config", "show", "--json"]).ok();
    let j = r.json();
    // Count and duration forms, global and per-project.
    assert_eq!(j["reactions"]["ci-failed"]["escalate-after"], 3, "{r}");
    assert_eq!(
        j["reactions"]["changes-requested"]["escalate-after"], "1h30m",
        "{r}"
    );
    assert_eq!(j["reactions"]["all-complete"]["include-summary"], false);
    let pr = &j["projects"]["app"]["reactions"];
    assert_eq!(pr["ci-failed"]["escalate-after"], 5, "{r}");
    // Built-in defaults fill what is not set.
    assert_eq!(pr["ci-failed"]["retries"], 2);
    assert_eq!(pr["merge-conflicts"]["escalate-after"], "15m");
}

#[test]
fn world_readable_literal_secret_is_refused() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let yaml = format!(
        "{}notifiers:\n  team:\n    plugin: slack\n    webhook: https://hooks.slack.com/services/T000/B000/canary-secret\n",
        project(&repo)
    );
    let p = write_config(&env, &yaml, 0o644);
    let r = env.ao(&["config", "check"]).code(2);
    assert!(r.stderr.contains("notifiers.team.webhook"), "{r}");
    assert!(
        r.stderr.contains(&format!("chmod 600 {}", p.display())),
        "{r}"
    );
    assert!(r.stderr.contains("${VAR}"), "{r}");
    assert!(!r.stderr.contains("canary-secret"), "{r}");
    // Every command that loads the config refuses it.
    env.ao(&["config", "show"]).code(2);
    // Private file: accepted, and `show` does not print the secret.
    write_config(&env, &yaml, 0o600);
    env.ao(&["config", "check"]).ok();
    let s = env.ao(&["config", "show"]).ok();
    assert!(!s.stdout.contains("canary-secret"), "{s}");
    assert!(s.stdout.contains("webhook: <redacted>"), "{s}");
}

// ---------------------------------------------------------------- config show

#[test]
fn show_fills_defaults_and_redacts_secrets() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    write_config(
        &env,
        &format!(
            "projects:\n  app:\n    path: {}\n    tracker: plain\n    scm: local\n    agentConfig:\n      env:\n        API_TOKEN: ${{CANARY_TOKEN}}\n        MODE: fast\nnotifiers:\n  hook:\n    plugin: webhook\n    url: ${{CANARY_URL}}\n    secret: ${{CANARY_TOKEN}}\n  ping:\n    plugin: ntfy\n    topic: ao\n    token: ${{CANARY_TOKEN}}\nnotifications:\n  routing:\n    urgent: [hook, ping]\n",
            repo.display()
        ),
        0o644,
    );
    let vars = [
        ("CANARY_TOKEN", "tok-canary-1234"),
        ("CANARY_URL", "https://example.com/hook/canary-url"),
    ];
    for json in [false, true] {
        let mut args = vec!["config", "show"];
        if json {
            args.push("--json");
        }
        let r = ao_env(&env, env.root(), &args, &vars).code(0);
        for secret in ["tok-canary-1234", "canary-url"] {
            assert!(!r.stdout.contains(secret), "{r}");
            assert!(!r.stderr.contains(secret), "{r}");
        }
        assert!(r.stdout.contains("<redacted>"), "{r}");
        if !json {
            assert!(r.stdout.contains("MODE: fast"), "{r}");
            continue;
        }
        let j = r.json();
        assert_eq!(j["schemaVersion"], 1);
        assert_eq!(j["dataDir"], env.data().display().to_string());
        assert_eq!(
            j["worktreeDir"],
            env.home().join(".worktrees").display().to_string()
        );
        assert_eq!(j["readyThreshold"], "2m");
        assert_eq!(j["spawnGrace"], "1m");
        assert_eq!(j["missingAfter"], 3);
        assert_eq!(j["defaults"]["runtime"], "tmux");
        assert_eq!(j["defaults"]["agent"], "claude-code");
        let p = &j["projects"]["app"];
        assert_eq!(p["sessionPrefix"], "app");
        assert_eq!(p["defaultBranch"], "main");
        assert_eq!(p["plugins"]["workspace"], "worktree");
        assert_eq!(p["agentConfig"]["env"]["API_TOKEN"], "<redacted>");
        assert_eq!(p["agentConfig"]["env"]["MODE"], "fast");
        assert_eq!(p["reactions"]["agent-stuck"]["threshold"], "10m");
        assert_eq!(j["notifiers"]["hook"]["url"], "<redacted>");
        assert_eq!(j["notifiers"]["hook"]["secret"], "<redacted>");
        assert_eq!(j["notifiers"]["ping"]["token"], "<redacted>");
        assert_eq!(j["notifiers"]["ping"]["topic"], "ao");
        let routing = &j["notifications"]["routing"];
        assert_eq!(routing["urgent"], serde_json::json!(["hook", "ping"]));
        // Unrouted priorities fall back to defaults.notifiers, else desktop.
        assert_eq!(routing["info"], serde_json::json!(["desktop"]));
        assert_eq!(j["reactions"]["approved-and-green"]["auto"], false);
    }
}

// ---------------------------------------------------------------- discovery

#[test]
fn discovery_walks_up_and_honours_ao_config() {
    let env = TestEnv::new();
    let repo = env.repo("app");
    let root_cfg = write_config(&env, &project(&repo), 0o600);
    let deep = repo.join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    let r = env.ao_in(&deep, &["config", "check"]).ok();
    let shown = std::fs::canonicalize(&root_cfg).unwrap();
    assert!(r.stdout.contains(&shown.display().to_string()), "{r}");
    // A nearer file wins.
    let near = repo.join("agent-orchestrator.yaml");
    std::fs::write(&near, project(&repo).replace("app:", "near:")).unwrap();
    let j = env.ao_in(&deep, &["config", "show", "--json"]).ok().json();
    assert!(j["projects"]["near"].is_object(), "{j}");
    // $AO_CONFIG beats walking up; --config beats $AO_CONFIG.
    let other = env.root().join("elsewhere.yaml");
    std::fs::write(&other, project(&repo).replace("app:", "other:")).unwrap();
    let vars = [("AO_CONFIG", other.to_str().unwrap())];
    let j = ao_env(&env, &deep, &["config", "show", "--json"], &vars)
        .code(0)
        .json();
    assert!(j["projects"]["other"].is_object(), "{j}");
    let j = ao_env(
        &env,
        &deep,
        &[
            "--config",
            root_cfg.to_str().unwrap(),
            "config",
            "show",
            "--json",
        ],
        &vars,
    )
    .code(0)
    .json();
    assert!(j["projects"]["app"].is_object(), "{j}");
    // A missing $AO_CONFIG file says where the name came from.
    let r = ao_env(
        &env,
        &deep,
        &["config", "check"],
        &[("AO_CONFIG", "/nonexistent/ao.yaml")],
    )
    .code(2);
    assert!(r.stderr.contains("given by $AO_CONFIG"), "{r}");
}

#[test]
fn no_config_anywhere() {
    let env = TestEnv::new();
    let r = env.ao(&["config", "check"]).code(2);
    assert!(r.stderr.contains("no config file found"), "{r}");
    assert!(r.stderr.contains("ao init"), "{r}");
    let r = env.ao(&["config", "check", "--json"]).code(2);
    let j = r.json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["errors"][0]["kind"], "no-config");
}

// ---------------------------------------------------------------- examples, fixtures

#[test]
fn shipped_examples_load() {
    let env = TestEnv::new();
    let ex = manifest_dir().join("examples");
    for name in ["minimal.yaml", "local.yaml"] {
        let f = ex.join(name);
        env.ao(&["--config", f.to_str().unwrap(), "config", "check"])
            .ok();
    }
    let full = ex.join("full.yaml");
    let full = full.to_str().unwrap();
    // Without SLACK_WEBHOOK_URL the full example names the variable and the key.
    let r = env.ao(&["--config", full, "config", "check"]).code(2);
    assert!(r.stderr.contains("`SLACK_WEBHOOK_URL`"), "{r}");
    assert!(r.stderr.contains("notifiers.slack.webhook"), "{r}");
    assert!(r.stderr.contains("full.yaml:55:14:"), "{r}");
    let vars = [(
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T1/B1/full-example",
    )];
    ao_env(
        &env,
        env.root(),
        &["--config", full, "config", "check"],
        &vars,
    )
    .code(0);
    let j = ao_env(
        &env,
        env.root(),
        &["--config", full, "config", "show", "--json"],
        &vars,
    )
    .code(0)
    .json();
    let p = &j["projects"]["my-app"];
    assert_eq!(p["plugins"]["tracker"], "linear");
    assert_eq!(p["tracker"]["teamId"], "abc-123");
    assert_eq!(p["sessionPrefix"], "app");
    assert_eq!(p["reactions"]["approved-and-green"]["auto"], true);
    assert_eq!(j["reactions"]["agent-needs-input"]["priority"], "urgent");
    assert_eq!(j["notifiers"]["slack"]["webhook"], "<redacted>");
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/fixtures/config").join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {}", dir.display());
    v
}

#[test]
fn fixtures_valid() {
    let env = TestEnv::new();
    for f in fixtures("valid") {
        let r = env.ao(&["--config", f.to_str().unwrap(), "config", "check"]);
        assert_eq!(r.code, 0, "{}:\n{r}", f.display());
    }
}

#[test]
fn fixtures_invalid() {
    let env = TestEnv::new();
    for f in fixtures("invalid") {
        let text = std::fs::read_to_string(&f).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expects.is_empty(),
            "{} has no `# expect:` line",
            f.display()
        );
        let r = env.ao(&["--config", f.to_str().unwrap(), "config", "check"]);
        assert_eq!(r.code, 2, "{}:\n{r}", f.display());
        for e in expects {
            assert!(r.stderr.contains(e), "{}: missing `{e}`\n{r}", f.display());
        }
    }
}

/// Checklist A6: an agent plants `agent-orchestrator.yaml` in its worktree (a notifier
/// that runs a command, auto-merge on). `ao` run from inside the worktree never uses it:
/// it walks past it to the user's config with a warning, and with no other config it
/// says why instead of loading it. Nothing the planted file names is executed.
#[test]
fn config_planted_in_a_worktree_is_ignored() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.local_config(&repo, "cat");
    env.ao_in(&repo, &["spawn", "app", "--prompt", "a"]).ok();
    let wt = env.worktrees().join("app/app-1");
    let canary = env.root().join("pwned");
    std::fs::write(
        wt.join("agent-orchestrator.yaml"),
        format!(
            "defaults:\n  notifiers: [evil]\nnotifiers:\n  evil:\n    plugin: command\n    command: [touch, {}]\nprojects:\n  app:\n    path: {}\n    reactions:\n      approved-and-green: {{auto: true}}\n",
            canary.display(),
            wt.display()
        ),
    )
    .unwrap();
    let r = env.ao_in(&wt, &["status"]).ok();
    assert!(
        r.stderr
            .contains("agent-orchestrator.yaml: ignored: it is inside the git worktree"),
        "{r}"
    );
    assert!(
        r.stdout.contains("app-1"),
        "the user's config was used: {r}"
    );
    env.ao_in(&wt, &["tick"]);
    env.ao_in(&wt, &["notify", "test"]);
    assert!(!canary.exists(), "the planted notifier ran");

    // Without any other config: an error that says why, not the planted file.
    std::fs::remove_file(env.root().join("agent-orchestrator.yaml")).unwrap();
    let r = env.ao_in(&wt, &["status"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("inside the git worktree"), "{r}");
    assert!(r.stderr.contains("--config"), "{r}");
    assert!(!canary.exists());
    // Named explicitly, it is the user's choice.
    let planted = wt.join("agent-orchestrator.yaml");
    let r = env.ao_in(
        &wt,
        &["config", "check", "--config", planted.to_str().unwrap()],
    );
    assert!(!r.stderr.contains("inside the git worktree"), "{r}");
}

/// Checklist A7: a 50 MB config fails at once with its size, without being read.
#[test]
fn oversized_config_is_refused_fast() {
    let env = TestEnv::new();
    let p = env.root().join("huge.yaml");
    std::fs::File::create(&p)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    let t = std::time::Instant::now();
    let r = env.ao(&["--config", p.to_str().unwrap(), "config", "check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("the file is 52428800 bytes; a config may be at most 1048576 bytes"),
        "{r}"
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
}
