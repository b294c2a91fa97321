//! Notifiers end to end through `ao notify test`: Slack, Discord, webhook and ntfy against
//! a recording HTTP server on 127.0.0.1; desktop against a private D-Bus session bus with a
//! fake `org.freedesktop.Notifications` server; email through a fake `sendmail` on PATH;
//! the `command` and `ao-notifier-<name>` extension points; failures, exit codes and
//! secrets kept out of every output.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Run, TestEnv};

/// Pinned clock: test notification keys and times are deterministic.
const NOW: &str = "2025-01-02T03:04:05Z";

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notifiers");

fn fixture(name: &str, replacements: &[(&str, &str)]) -> String {
    let mut s = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    for (k, v) in replacements {
        s = s.replace(k, v);
    }
    s
}

fn write_exe(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `ao args…` in the env root with extra environment variables.
fn ao_with(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = env.ao_cmd(env.root());
    c.env("AO_NOW", NOW);
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.args(args).output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Writes a config with a project and the given `notifiers:` / `notifications:` YAML.
fn config(env: &TestEnv, body: &str) {
    let repo = env.repo("app");
    env.config(&format!(
        "projects:\n  app:\n    path: {}\n    defaultBranch: main\n{body}",
        repo.display()
    ));
}

// ---------------------------------------------------------------------------------------
// A recording HTTP server

#[derive(Debug, Clone)]
struct Req {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// Answers by path prefix (`status`, `body`), 200 `ok` otherwise; records every request.
struct Http {
    server: Arc<tiny_http::Server>,
    addr: String,
    log: Arc<Mutex<Vec<Req>>>,
    /// While set, a request is recorded (accepted) but not answered.
    hang: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Http {
    fn start(routes: Vec<(&'static str, u16, &'static str)>) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let addr = server.server_addr().to_ip().unwrap().to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let hang = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (srv, rec, stall) = (server.clone(), log.clone(), hang.clone());
        let thread = std::thread::spawn(move || {
            while let Ok(mut req) = srv.recv() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                let path = req.url().to_owned();
                rec.lock().unwrap().push(Req {
                    path: path.clone(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.to_string(),
                            )
                        })
                        .collect(),
                    body,
                });
                while stall.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                let (status, text) = routes
                    .iter()
                    .find(|(p, _, _)| path.starts_with(p))
                    .map_or((200, "ok"), |(_, s, b)| (*s, *b));
                let _ =
                    req.respond(tiny_http::Response::from_string(text).with_status_code(status));
            }
        });
        Self {
            server,
            addr,
            log,
            hang,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    fn on(&self, prefix: &str) -> Vec<Req> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        self.hang.store(false, std::sync::atomic::Ordering::SeqCst);
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Secret parts of the URLs and tokens used below; none may appear in any output.
const CANARIES: [&str; 5] = [
    "SLACKCANARY",
    "DISCORDCANARY",
    "HOOKCANARY",
    "NTFYTOPICCANARY",
    "tk_ntfycanary",
];

#[track_caller]
fn assert_no_secrets(env: &TestEnv, run: &Run) {
    let events = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap_or_default();
    for c in CANARIES {
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("events", &events),
        ] {
            assert!(!text.contains(c), "{c} leaked into {what}:\n{text}");
        }
    }
}

fn http_config(env: &TestEnv, http: &Http) -> Vec<(String, String)> {
    let secret_file = env.root().join("discord-webhook");
    std::fs::write(
        &secret_file,
        format!("{}\n", http.url("/api/webhooks/1/DISCORDCANARY")),
    )
    .unwrap();
    std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    config(
        env,
        &format!(
            r"notifiers:
  slack:
    plugin: slack
    webhook: ${{AO_TEST_SLACK_WEBHOOK}}
  discord:
    plugin: discord
    secretFile: {secret_file}
  hook:
    plugin: webhook
    url: {hook}
    secret: ${{AO_TEST_HOOK_SECRET}}
  phone:
    plugin: ntfy
    url: {ntfy}
    topic: NTFYTOPICCANARY
    token: ${{AO_TEST_NTFY_TOKEN}}
notifications:
  routing:
    urgent: [slack, discord, hook, phone]
",
            secret_file = secret_file.display(),
            hook = http.url("/hook/HOOKCANARY"),
            ntfy = http.url("/ntfy/"),
        ),
    );
    vec![
        (
            "AO_TEST_SLACK_WEBHOOK".to_owned(),
            http.url("/services/T0/B0/SLACKCANARY"),
        ),
        ("AO_TEST_HOOK_SECRET".to_owned(), "hmac-key".to_owned()),
        ("AO_TEST_NTFY_TOKEN".to_owned(), "tk_ntfycanary".to_owned()),
    ]
}

fn vars(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn notify_test_delivers_through_every_http_sink() {
    let env = TestEnv::new();
    let http = Http::start(vec![("/api/webhooks/", 204, "")]);
    let v = http_config(&env, &http);
    let run = ao_with(&env, &vars(&v), &["notify", "test", "--priority", "urgent"]).ok();
    assert_eq!(
        run.stdout, "ok   slack\nok   discord\nok   hook\nok   phone\n",
        "{run}"
    );
    assert_no_secrets(&env, &run);

    let slack = &http.on("/services/")[0];
    let discord = &http.on("/api/webhooks/")[0];
    let hook = &http.on("/hook/")[0];
    let ntfy = &http.on("/ntfy/")[0];
    assert_eq!(slack.path, "/services/T0/B0/SLACKCANARY");
    assert_eq!(ntfy.header("authorization"), Some("Bearer tk_ntfycanary"));
    let sig = hook.header("x-ao-signature-256").unwrap();
    assert!(
        sig.starts_with("sha256=") && sig.len() == 7 + 64,
        "signature header: {sig}"
    );
    assert_eq!(hook.header("x-ao-event"), Some("test"));
    assert_eq!(
        hook.header("idempotency-key"),
        hook.header("x-ao-delivery"),
        "delivery id doubles as idempotency key"
    );
    let all = serde_json::json!({
        "slack": slack.json(),
        "discord": discord.json(),
        "webhook": hook.json(),
        "ntfy": ntfy.json(),
    });
    insta::assert_json_snapshot!("http_sinks_test_notification", all);

    // Each result is in the event log.
    let events = std::fs::read_to_string(env.data().join("events.jsonl")).unwrap();
    assert_eq!(
        events.matches("\"notification.test\"").count(),
        4,
        "{events}"
    );
}

#[test]
fn failures_are_reported_per_notifier_and_exit_1() {
    let env = TestEnv::new();
    let http = Http::start(vec![
        (
            "/api/webhooks/",
            404,
            r#"{"message": "Unknown Webhook", "code": 10015}"#,
        ),
        ("/hook/", 503, "down"),
    ]);
    let v = http_config(&env, &http);
    let run = ao_with(
        &env,
        &vars(&v),
        &["notify", "test", "--priority", "urgent", "--json"],
    )
    .code(1);
    assert_no_secrets(&env, &run);
    let j = run.json();
    assert_eq!(j["schemaVersion"], 1);
    assert_eq!(j["priority"], "urgent");
    let r = j["results"].as_array().unwrap();
    let by_name: HashMap<&str, &serde_json::Value> = r
        .iter()
        .map(|x| (x["notifier"].as_str().unwrap(), x))
        .collect();
    assert_eq!(by_name["slack"]["ok"], true);
    assert_eq!(by_name["phone"]["ok"], true);
    assert_eq!(by_name["discord"]["ok"], false);
    let e = by_name["discord"]["error"].as_str().unwrap();
    assert!(e.contains("404") && e.contains("Unknown Webhook"), "{e}");
    let e = by_name["hook"]["error"].as_str().unwrap();
    assert!(e.contains("503") && e.contains("3 attempt(s)"), "{e}");
    assert_eq!(http.on("/hook/").len(), 3, "5xx retried with backoff");
    assert_eq!(http.on("/api/webhooks/").len(), 1, "4xx not retried");

    // The text form: one line per notifier.
    let run = ao_with(
        &env,
        &vars(&v),
        &[
            "notify",
            "test",
            "--notifier",
            "discord",
            "--priority",
            "urgent",
        ],
    )
    .code(1);
    assert!(
        run.stdout.starts_with("FAIL discord: http://127.0.0.1:"),
        "{run}"
    );
    assert!(run.stderr.is_empty(), "{run}");
}

#[test]
fn secret_file_readable_by_others_is_refused() {
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    let v = http_config(&env, &http);
    let f = env.root().join("discord-webhook");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = ao_with(
        &env,
        &vars(&v),
        &["notify", "test", "--notifier", "discord"],
    )
    .code(1);
    assert!(
        run.stdout.contains("FAIL discord:")
            && run.stdout.contains("mode 0644")
            && run.stdout.contains("chmod 600"),
        "{run}"
    );
    assert_no_secrets(&env, &run);
    assert!(http.requests().is_empty());
}

#[test]
fn missing_variable_is_named() {
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    http_config(&env, &http);
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "slack"]);
    // The config loader or the notifier names the variable; either way nothing is sent.
    assert_ne!(run.code, 0, "{run}");
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("AO_TEST_SLACK_WEBHOOK"),
        "{run}"
    );
    assert!(http.requests().is_empty());
}

// ---------------------------------------------------------------------------------------
// Desktop: a private D-Bus session bus and a fake notification server

/// `dbus-daemon` on a private socket in the test's temp dir; killed on drop.
struct Bus {
    child: Child,
    address: String,
}

impl Bus {
    /// Starts the bus, or `None` (test skipped with a note) when dbus-daemon is missing.
    fn start(env: &TestEnv) -> Option<Self> {
        let dir = env.root().join("dbus");
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("session.conf");
        std::fs::write(
            &conf,
            fixture("dbus-session.conf.in", &[("@DIR@", dir.to_str().unwrap())]),
        )
        .unwrap();
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipping: dbus-daemon is not installed");
                return None;
            }
            Err(e) => panic!("dbus-daemon: {e}"),
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon said {line:?}");
        Some(Self { child, address })
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One recorded `Notify` call.
#[derive(Debug, Clone)]
struct NotifyCall {
    app_name: String,
    replaces_id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
    urgency: Option<u8>,
    expire_timeout: i32,
}

struct FakeNotifications {
    calls: Arc<Mutex<Vec<NotifyCall>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeNotifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, zbus::OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let urgency = hints
            .get("urgency")
            .and_then(|v| v.try_clone().ok())
            .and_then(|v| u8::try_from(v).ok());
        let mut calls = self.calls.lock().unwrap();
        calls.push(NotifyCall {
            app_name,
            replaces_id,
            summary,
            body,
            actions,
            urgency,
            expire_timeout,
        });
        u32::try_from(calls.len()).unwrap()
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned(), "body-markup".to_owned()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "fake-notifyd".to_owned(),
            "ao-tests".to_owned(),
            "1.0".to_owned(),
            "1.2".to_owned(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// Serves the fake on `bus`; the connection runs on zbus's helper thread while it lives.
fn serve(bus: &Bus) -> (zbus::Connection, Arc<Mutex<Vec<NotifyCall>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let fake = FakeNotifications {
        calls: calls.clone(),
    };
    let conn = zbus::block_on(
        zbus::connection::Builder::address(bus.address.as_str())
            .name("org.freedesktop.Notifications")
            .serve_at("/org/freedesktop/Notifications", fake)
            .build(),
    )
    .unwrap();
    (conn, calls)
}

#[test]
#[cfg_attr(
    not(feature = "desktop"),
    ignore = "built without the `desktop` feature"
)]
fn desktop_notification_through_a_private_session_bus() {
    let env = TestEnv::new();
    let Some(bus) = Bus::start(&env) else { return };
    let (_conn, calls) = serve(&bus);
    config(&env, "");
    let dbus = [("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())];
    let run = ao_with(
        &env,
        &dbus,
        &[
            "notify",
            "test",
            "--notifier",
            "desktop",
            "--priority",
            "urgent",
        ],
    )
    .ok();
    assert_eq!(run.stdout, "ok   desktop\n", "{run}");
    ao_with(
        &env,
        &dbus,
        &[
            "notify",
            "test",
            "--notifier",
            "desktop",
            "--priority",
            "info",
        ],
    )
    .ok();

    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let c = &calls[0];
    assert_eq!(c.app_name, "ao");
    assert_eq!(c.replaces_id, 0);
    assert_eq!(c.summary, "ao test notification");
    assert_eq!(
        c.body,
        "If you can read this, notifier `desktop` works. Sent by `ao notify test` with priority urgent; nothing needs your attention."
    );
    assert!(
        c.actions.is_empty(),
        "no actions: a cron tick cannot receive them"
    );
    assert_eq!(c.urgency, Some(2), "urgent → critical");
    assert_eq!(c.expire_timeout, -1, "server default");
    assert_eq!(calls[1].urgency, Some(0), "info → low");
}

#[test]
#[cfg_attr(
    not(feature = "desktop"),
    ignore = "built without the `desktop` feature"
)]
fn desktop_without_a_session_bus_fails_fast_and_clearly() {
    let env = TestEnv::new();
    config(&env, "");
    let t = Instant::now();
    // TestEnv points DBUS_SESSION_BUS_ADDRESS at a socket that does not exist.
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "desktop"]).code(1);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert!(
        run.stdout.starts_with("FAIL desktop: no D-Bus session bus")
            && run.stdout.contains("DBUS_SESSION_BUS_ADDRESS"),
        "{run}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "desktop"),
    ignore = "built without the `desktop` feature"
)]
fn desktop_with_a_bus_but_no_daemon_says_so() {
    let env = TestEnv::new();
    let Some(bus) = Bus::start(&env) else { return };
    config(&env, "");
    let run = ao_with(
        &env,
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())],
        &["notify", "test", "--notifier", "desktop"],
    )
    .code(1);
    assert!(
        run.stdout
            .starts_with("FAIL desktop: no notification daemon"),
        "{run}"
    );
}

#[test]
#[cfg(not(feature = "desktop"))]
fn desktop_disabled_at_build_time_says_so() {
    let env = TestEnv::new();
    config(&env, "");
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "desktop"]).code(1);
    assert!(
        run.stdout.contains("built without desktop notifications"),
        "{run}"
    );
}

// ---------------------------------------------------------------------------------------
// email, command, external

fn fake_sendmail(env: &TestEnv) -> PathBuf {
    let out = env.root().join("mail.out");
    write_exe(
        &env.bin().join("sendmail"),
        &fixture("fake-sendmail.sh", &[("@OUT@", out.to_str().unwrap())]),
    );
    out
}

#[test]
fn email_goes_through_sendmail_t() {
    let env = TestEnv::new();
    let out = fake_sendmail(&env);
    config(
        &env,
        "notifiers:\n  mail:\n    plugin: email\n    to: [dev@example.com]\n    from: ao@example.com\n    digest: true\n",
    );
    // Info + digest: a test notification is still sent at once.
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "mail"]).ok();
    assert_eq!(run.stdout, "ok   mail\n", "{run}");
    assert_eq!(
        std::fs::read_to_string(out.with_extension("out.args")).unwrap(),
        "-t\n-i\n"
    );
    let msg = std::fs::read_to_string(&out).unwrap();
    let (head, body) = msg.split_once("\n\n").unwrap();
    insta::assert_snapshot!("email_test_message_headers", head);
    assert!(body.contains("notifier `mail` works"), "{body}");
}

#[test]
fn command_notifier_gets_the_event_json_on_stdin() {
    let env = TestEnv::new();
    let out = env.root().join("cmd.json");
    config(
        &env,
        &format!(
            "notifiers:\n  script:\n    plugin: command\n    command: [sh, -c, 'cat > {}']\n",
            out.display()
        ),
    );
    ao_with(&env, &[], &["notify", "test", "--notifier", "script"]).ok();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    insta::assert_json_snapshot!("command_event_json", j);
}

#[test]
fn external_ao_notifier_on_path_is_the_extension_point() {
    let env = TestEnv::new();
    let out = env.root().join("pager.json");
    write_exe(
        &env.bin().join("ao-notifier-pager"),
        &fixture("ao-notifier-pager.sh", &[("@OUT@", out.to_str().unwrap())]),
    );
    config(
        &env,
        "notifiers:\n  pager:\n    plugin: pager\n    options:\n      room: ops\n",
    );
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "pager"]).ok();
    assert_eq!(run.stdout, "ok   pager\n", "{run}");
    assert_eq!(
        std::fs::read_to_string(out.with_extension("json.op")).unwrap(),
        "notify\n"
    );
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(j["protocol"], 1);
    assert_eq!(j["method"], "notify");
    assert_eq!(j["config"], serde_json::json!({"room": "ops"}));
    assert_eq!(j["params"]["type"], "test");
    assert_eq!(j["params"]["title"], "ao test notification");
}

#[test]
fn unknown_notifier_and_bad_priority() {
    let env = TestEnv::new();
    config(&env, "");
    let run = ao_with(&env, &[], &["notify", "test", "--notifier", "pigeon"]).code(1);
    assert!(
        run.stdout.contains("FAIL pigeon: unknown notifier plugin `pigeon` (available: desktop, slack, discord, webhook, ntfy, email, command, stdout, stderr; or put an executable `ao-notifier-pigeon` on PATH)"),
        "{run}"
    );
    let run = ao_with(&env, &[], &["notify", "test", "--priority", "loud"]).code(2);
    assert!(run.stderr.contains("invalid priority `loud`"), "{run}");
}

/// A config whose agents ask "Deploy? [y/N]" (needs input) and whose one notifier,
/// `hook`, posts to `url`; `extra` is more top-level YAML.
fn asking_agents(env: &TestEnv, repo: &Path, url: &str, extra: &str) -> PathBuf {
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [hook]\n{extra}notifiers:\n  hook:\n    plugin: webhook\n    url: {url}\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: \"bash -c 'printf \\\"Deploy? [y/N] \\\"; read x'\"\n      patterns: {{waitingInput: [\"[y/N]\"]}}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n",
        wt = env.worktrees().display(),
        repo = repo.display(),
    ))
}

/// A notifier that fails (here a `command` notifier running `false`) is a failure of the
/// tick — named in `--json`'s `failures`, exit 1 — and a `notification.failed` event; the
/// notifier that works still delivers. The failed one backs off: the next tick at once
/// neither sends nor fails again.
#[test]
fn a_failing_notifier_is_a_failure_of_the_tick_and_the_others_still_deliver() {
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    let repo = env.repo("repo");
    env.config(&format!(
        "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [hook, broken]\nnotifiers:\n  hook:\n    plugin: webhook\n    url: {url}\n  broken:\n    plugin: command\n    command: [\"false\"]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: \"bash -c 'printf \\\"Deploy? [y/N] \\\"; read x'\"\n      patterns: {{waitingInput: [\"[y/N]\"]}}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n",
        wt = env.worktrees().display(),
        url = http.url("/hook"),
        repo = repo.display(),
    ));
    env.ao_in(&repo, &["spawn", "app", "--prompt", "deploy"])
        .ok();
    assert!(env.wait_for(10, || env.capture("app-1").contains("[y/N]")));
    let r = env.ao_in(&repo, &["tick", "--json"]).code(1);
    let failures = r.json()["failures"].clone();
    assert_eq!(failures.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(failures[0]["session"], "app-1", "{r}");
    assert!(
        failures[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("broken: "),
        "{r}"
    );
    assert_eq!(http.on("/hook").len(), 1, "the working notifier delivered");
    // The summary says what each notifier did with it.
    let notify: Vec<(String, String)> = r.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "notify")
        .map(|a| {
            (
                a["detail"].as_str().unwrap().to_owned(),
                a["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        notify
            .iter()
            .any(|(d, o)| d.ends_with(" via hook") && o == "sent"),
        "{r}"
    );
    assert!(
        notify
            .iter()
            .any(|(d, o)| d.ends_with(" via broken") && o == "failed"),
        "{r}"
    );
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    let events: Vec<serde_json::Value> = ev
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["type"] == kind).collect()
    };
    let failed = of("notification.failed");
    assert_eq!(failed.len(), 1, "{ev}");
    assert_eq!(failed[0]["data"]["notifier"], "broken");
    assert_eq!(failed[0]["session"], "app-1");
    let sent = of("notification.sent");
    assert_eq!(sent.len(), 1, "{ev}");
    assert!(
        sent[0]["message"].as_str().unwrap().ends_with(" via hook"),
        "{ev}"
    );

    let r = env.ao_in(&repo, &["tick", "--json"]).ok();
    assert_eq!(
        r.json()["failures"],
        serde_json::json!([]),
        "backing off: {r}"
    );
    assert_eq!(http.on("/hook").len(), 1);
}

/// Checklist G6: the receiver accepts a webhook POST, but ao dies (SIGKILL) before it can
/// record the delivery. The next tick delivers again — one duplicate, carrying the same
/// `X-Ao-Delivery` / `Idempotency-Key`, so the receiver can dedupe — and never a third time.
#[test]
fn webhook_accepted_then_ao_killed_repeats_once_with_the_same_id() {
    use std::sync::atomic::Ordering::SeqCst;
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    let repo = env.repo("repo");
    // The redelivery happens in a later second than the first attempt: the key (and so
    // the delivery id) must come from the persisted episode, not from the clock.
    asking_agents(&env, &repo, &http.url("/hook"), "");
    env.ao_in(&repo, &["issue", "new", "Deploy"]).ok();
    env.ao_in(&repo, &["spawn", "app", "1"]).ok();
    assert!(env.wait_for(10, || env.capture("app-1").contains("[y/N]")));

    http.hang.store(true, SeqCst);
    let mut tick = env
        .ao_cmd(&repo)
        .arg("tick")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        env.wait_for(15, || !http.on("/hook").is_empty()),
        "the tick posted the notification"
    );
    tick.kill().unwrap();
    tick.wait().unwrap();
    http.hang.store(false, SeqCst);
    std::thread::sleep(std::time::Duration::from_millis(1100));

    for _ in 0..3 {
        let r = env.ao_in(&repo, &["tick"]);
        assert!(r.code <= 1, "{r}");
    }
    let posts = http.on("/hook");
    let ids: Vec<(Option<&str>, Option<&str>)> = posts
        .iter()
        .map(|r| (r.header("x-ao-delivery"), r.header("idempotency-key")))
        .collect();
    assert_eq!(
        posts.len(),
        2,
        "delivered once more, then never again: {ids:?}"
    );
    assert_eq!(ids[0], ids[1], "the same delivery id both times");
    assert!(ids[0].0.is_some_and(|id| !id.is_empty()) && ids[0].0 == ids[0].1);
    assert_eq!(
        posts[0].json()["key"],
        posts[1].json()["key"],
        "the same notification"
    );
    assert!(
        posts[0].json()["title"]
            .as_str()
            .unwrap()
            .contains("needs your input")
    );
}

/// Checklist G5: an outage puts 8 sessions into "needs input" in the same tick. With
/// `groupAfter: 3` the webhook gets 3 single notifications and one grouped notification
/// for the other 5 (most urgent priority, titles listed); nothing is sent twice later.
#[test]
fn a_notification_storm_is_grouped_per_notifier() {
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    let repo = env.repo("repo");
    asking_agents(
        &env,
        &repo,
        &http.url("/hook"),
        "notifications:\n  groupAfter: 3\n",
    );
    for i in 1..=8 {
        env.ao_in(&repo, &["issue", "new", &format!("Task {i}")])
            .ok();
        env.ao_in(&repo, &["spawn", "app", &i.to_string()]).ok();
    }
    for i in 1..=8 {
        let id = format!("app-{i}");
        assert!(
            env.wait_for(30, || env.capture(&id).contains("[y/N]")),
            "{id}"
        );
    }
    let r = env.ao_in(&repo, &["tick", "--json"]).ok();
    let posts = http.on("/hook");
    let bodies: Vec<serde_json::Value> = posts.iter().map(Req::json).collect();
    assert_eq!(posts.len(), 4, "3 single + 1 grouped: {bodies:#?}\n{r}");
    let single: Vec<&serde_json::Value> = bodies
        .iter()
        .filter(|b| b["type"] == "agent-needs-input")
        .collect();
    assert_eq!(single.len(), 3);
    let group = bodies.iter().find(|b| b["type"] == "grouped").unwrap();
    assert_eq!(group["title"], "5 more notifications from 5 sessions");
    assert_eq!(group["priority"], "urgent");
    let listed = group["message"].as_str().unwrap();
    assert_eq!(listed.matches("needs your input").count(), 5, "{listed}");
    for b in &single {
        assert!(!listed.contains(&format!("- {}\n", b["title"].as_str().unwrap())));
    }
    assert_eq!(group["project"], "app");

    // Every entry counts as delivered: later ticks send nothing more.
    env.ao_in(&repo, &["tick"]).ok();
    env.ao_in(&repo, &["tick"]).ok();
    assert_eq!(http.on("/hook").len(), 4);
    let ev = env.ao_in(&repo, &["events", "--json"]).ok();
    assert!(
        ev.stdout
            .contains("5 more notifications from 5 sessions via hook"),
        "{ev}"
    );
}

/// Checklist A10: the config is replaced (temp + rename, as editors do) while a tick is
/// mid-pass. The tick finishes on the snapshot it read at start: both sessions'
/// notifications go to the old URL; the next tick uses the new file.
#[test]
fn a_config_replaced_mid_tick_does_not_affect_that_tick() {
    use std::sync::atomic::Ordering::SeqCst;
    let env = TestEnv::new();
    let http = Http::start(vec![]);
    let repo = env.repo("repo");
    let cfg = asking_agents(&env, &repo, &http.url("/old"), "");
    for i in 1..=2 {
        env.ao_in(&repo, &["issue", "new", &format!("Task {i}")])
            .ok();
        env.ao_in(&repo, &["spawn", "app", &i.to_string()]).ok();
    }
    for id in ["app-1", "app-2"] {
        assert!(
            env.wait_for(10, || env.capture(id).contains("[y/N]")),
            "{id}"
        );
    }
    http.hang.store(true, SeqCst);
    let tick = env
        .ao_cmd(&repo)
        .arg("tick")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        env.wait_for(15, || !http.requests().is_empty()),
        "first POST"
    );
    // Mid-pass: the new config routes to /new and adds a notifier.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("/old", "/new");
    let tmp = cfg.with_extension("yaml.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &cfg).unwrap();
    http.hang.store(false, SeqCst);
    let out = tick.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paths: Vec<String> = http.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/old", "/old"], "one snapshot for the whole tick");

    // A new episode after the edit goes to the new URL.
    env.ao_in(&repo, &["session", "kill", "app-2", "--force"])
        .ok();
    env.ao_in(&repo, &["issue", "new", "Task 3"]).ok();
    env.ao_in(&repo, &["spawn", "app", "3"]).ok();
    assert!(env.wait_for(10, || env.capture("app-3").contains("[y/N]")));
    env.ao_in(&repo, &["tick"]).ok();
    let paths: Vec<String> = http.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/old", "/old", "/new"]);
}
