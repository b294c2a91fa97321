//! `ao doctor`: checks the installation and configuration and says how to fix each
//! problem. Every check ends `ok`, `warn` or `fail`; the exit code is 1 when any check
//! failed, else 0. It changes nothing (exceptions: `--notify` sends a test notification,
//! and a corrupt session record is moved aside as every command that lists sessions
//! does) and makes no network calls of its own beyond what a notifier's `check()` does
//! and one authenticated `GET /user` per GitLab project, and one ssh command per configured
//! host of the `ssh` runtime; the data dir is not created when it is missing.
//!
//! Checks, in order: config, tmux, git, each configured agent's binary, a GitHub token for
//! each GitHub project, GitLab (token, one call, rate-limit headroom), data-dir permissions, session records, each notifier,
//! whether a tick ran recently, clock sanity.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::GlobalArgs;
use crate::config::resolved::{data_dir, resolve_path};
use crate::config::{self, Config};
use crate::dashboard::recent_events;
use crate::model::Priority;
use crate::plugins::{PluginError, agent, notifier};
use crate::store::Store;
use crate::sys::cmd::Cmd;

/// Version of the `--json` report.
pub const SCHEMA_VERSION: u32 = 1;

/// Warn when live sessions exist and no tick ran for this long.
const TICK_STALE: SignedDuration = SignedDuration::from_mins(5);

/// Oldest tmux ao is tested with (`paste-buffer -p`, `-F` formats, `=name:` targets).
const MIN_TMUX: (u32, u32) = (3, 0);

/// Oldest git ao is tested with (`worktree remove`, `switch`).
const MIN_GIT: (u32, u32) = (2, 25);

/// Check the installation and configuration.
///
/// Checks tmux and git (versions), the configured agents' binaries, a GitHub token for
/// each GitHub project, GitLab for each GitLab project (token, one authenticated call,
/// rate-limit headroom), the config, data-dir permissions (0700 dirs, 0600 files), each
/// notifier (without sending unless --notify), whether a tick ran in the last 5 minutes
/// while sessions are live, and the clock. Each check prints ok, warn or fail with the
/// fix. Exits 1 when any check failed.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print a JSON report ({"schemaVersion":1,"checks":[{name,status,message,fix}],...}).
    #[arg(long)]
    pub json: bool,
    /// Also send a test notification through each notifier.
    #[arg(long)]
    pub notify: bool,
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, but something should be looked at.
    Warn,
    /// Broken: ao will not work as configured.
    Fail,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Check name, e.g. `git`, `agent:claude-code`, `notifier:slack`.
    pub name: String,
    /// ok / warn / fail.
    pub status: Level,
    /// What was found.
    pub message: String,
    /// How to fix it (absent when ok).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Level::Ok,
            message: message.into(),
            fix: None,
        }
    }
    fn warn(name: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Level::Warn,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
    fn fail(name: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Level::Fail,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    schema_version: u32,
    ok: bool,
    checks: &'a [Check],
    summary: BTreeMap<&'static str, usize>,
}

/// Runs `ao doctor`.
pub fn run(g: &GlobalArgs, a: &DoctorArgs) -> anyhow::Result<()> {
    let now = crate::clock::now();
    let checks = match registered_instead(g) {
        // No config in reach (cron's $HOME): check every registered one, as `ao tick` ticks
        // them; the machine-wide checks once.
        Some(configs) => {
            let mut all: Vec<Check> = Vec::new();
            for path in configs {
                let one = GlobalArgs { config: Some(path) };
                for c in gather(&one, a, now) {
                    if !all
                        .iter()
                        .any(|o| o.name == c.name && o.message == c.message)
                    {
                        all.push(c);
                    }
                }
            }
            all
        }
        None => gather(g, a, now),
    };
    let mut summary = BTreeMap::from([("ok", 0), ("warn", 0), ("fail", 0)]);
    for c in &checks {
        *summary.entry(c.status.as_str()).or_default() += 1;
    }
    let failed = checks.iter().any(|c| c.status == Level::Fail);
    if a.json {
        let report = Report {
            schema_version: SCHEMA_VERSION,
            ok: !failed,
            checks: &checks,
            summary: summary.clone(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&checks, &summary);
    }
    if failed {
        return Err(crate::error::SilentExit { code: 1 }.into());
    }
    Ok(())
}

fn print_human(checks: &[Check], summary: &BTreeMap<&'static str, usize>) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let tag = format!("{:<4}", c.status.as_str());
        let tag = if color {
            let code = match c.status {
                Level::Ok => "32",
                Level::Warn => "33",
                Level::Fail => "31;1",
            };
            format!("\x1b[{code}m{tag}\x1b[0m")
        } else {
            tag
        };
        println!("{tag}  {:<width$}  {}", c.name, c.message);
        if let Some(f) = &c.fix {
            println!("      {:<width$}  fix: {f}", "");
        }
    }
    println!(
        "{} ok, {} warning(s), {} failure(s)",
        summary["ok"], summary["warn"], summary["fail"]
    );
}

/// The registered configs (`configs.json`) when no `--config` was given and none is in
/// reach from here; `None` when a config is in reach (or none is registered either).
fn registered_instead(g: &GlobalArgs) -> Option<Vec<PathBuf>> {
    if g.config.is_some() {
        return None;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match config::load(None, &cwd) {
        Err(config::ConfigError::NotFound { .. }) => {
            let list = config::registry::list();
            (!list.is_empty()).then_some(list)
        }
        _ => None,
    }
}

/// Runs every check.
fn gather(g: &GlobalArgs, a: &DoctorArgs, now: Timestamp) -> Vec<Check> {
    let mut out = Vec::new();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let loaded = match config::load(g.config.as_deref(), &cwd) {
        Ok(l) => {
            use std::os::unix::fs::PermissionsExt;
            let what = format!(
                "{} ({} project(s))",
                l.path.display(),
                l.config.projects.len()
            );
            let mode = std::fs::metadata(&l.path).map_or(0, |m| m.permissions().mode());
            out.push(match config_mode_problem(&l.config, mode) {
                Some(problem) => Check::warn(
                    "config",
                    format!("{what} {problem} (mode {:o})", mode & 0o777),
                    format!("chmod 600 {}", l.path.display()),
                ),
                None => Check::ok("config", what),
            });
            Some(l)
        }
        Err(e) => {
            out.push(Check::fail(
                "config",
                e.to_string(),
                "run `ao config check` for details, or `ao init` in a repository to write a config",
            ));
            None
        }
    };
    let cfg = loaded.as_ref().map(|l| &l.config);
    out.push(check_tmux(cfg));
    out.push(check_git());
    if let Some(l) = &loaded {
        out.extend(check_agents(&l.config, &l.path));
        out.extend(check_tokens(&l.config));
        out.extend(check_trackers(&l.config, &data_dir(&l.config)));
    }
    let default_cfg = Config::default();
    let data = data_dir(cfg.unwrap_or(&default_cfg));
    if let Some(c) = cfg {
        out.extend(check_gitlab(c, &data));
    }
    out.push(check_data_dir(&data));
    let store = if data.is_dir() {
        Store::open(&data).ok()
    } else {
        None
    };
    let live = match &store {
        Some(s) => {
            let (c, live) = check_records(s);
            out.push(c);
            live
        }
        None => 0,
    };
    if let Some(l) = &loaded {
        out.extend(check_hosts(&l.config, &l.path, &data));
    }
    if let Some(c) = cfg {
        out.extend(check_notifiers(c, a.notify, a.json, now));
    }
    out.push(check_tick(&data, live, now));
    out.push(check_clock(
        &data,
        // The system clock itself, not a pinned AO_NOW: this check is about the real clock.
        Timestamp::now(),
        std::env::var("AO_NOW").ok().as_deref(),
    ));
    out
}

/// Each host of each project on the `ssh` runtime: reachable with BatchMode (through
/// ao's control socket), git, tmux and the agent present, the worktree dir writable.
fn check_hosts(cfg: &Config, config_path: &Path, data: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    for (id, p) in &cfg.projects {
        if p.runtime_name(cfg) != "ssh" {
            continue;
        }
        let rc = p.runtime_config.clone().unwrap_or_default();
        let settings = crate::plugins::runtime::SshSettings {
            hosts: rc.hosts.clone(),
            identity_file: rc
                .identity_file
                .as_deref()
                .map(|f| resolve_path(config_path, f)),
            ssh_config: rc
                .ssh_config
                .as_deref()
                .map(|f| resolve_path(config_path, f)),
            worktree_dir: rc
                .worktree_dir
                .clone()
                .unwrap_or_else(|| crate::plugins::runtime::SSH_WORKTREE_DIR.to_owned()),
            control_dir: data.join("ssh"),
            tmux_socket: "ao".into(),
        };
        let rt = crate::plugins::runtime::SshRuntime::new(settings);
        let program = agent::required_program(p.agent_name(cfg), &p.agent_config)
            .ok()
            .map(|(prog, _)| prog);
        for h in &rc.hosts {
            let name = format!("host:{id}:{h}");
            out.push(match rt.check_host(h, program.as_deref()) {
                Ok(m) => Check::ok(name, m),
                Err(e) => Check::fail(
                    name,
                    e,
                    format!("make `ssh -o BatchMode=yes {h} true` work (a key in ~/.ssh/authorized_keys on the host, its host key in known_hosts), and install git, tmux and the agent there"),
                ),
            });
        }
    }
    out
}

/// First `major.minor` in a version line: `tmux 3.3a` → (3, 3), `git version 2.47.3` →
/// (2, 47), `tmux next-3.4` → (3, 4).
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let mut parts = s[start..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// Runs `program flag` and returns its first output line.
fn version_line(program: &str, flag: &str) -> Result<String, String> {
    let out = Cmd::new(program)
        .arg(flag)
        .run()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").trim().to_owned())
}

fn check_tool(name: &str, flag: &str, min: (u32, u32), needed_by: &str, install: &str) -> Check {
    match version_line(name, flag) {
        Ok(line) => match parse_version(&line) {
            Some(v) if v >= min => Check::ok(name, line),
            Some(_) => Check::warn(
                name,
                format!(
                    "{line} is older than {}.{}, the oldest ao is tested with",
                    min.0, min.1
                ),
                format!("upgrade {name} ({install})"),
            ),
            None => Check::warn(
                name,
                format!("cannot read the version from `{line}`"),
                format!("check that `{name} {flag}` works"),
            ),
        },
        Err(e) if needed_by.is_empty() => Check::ok(name, format!("not usable ({e}); not needed")),
        Err(e) => Check::fail(
            name,
            format!("{e} (needed by {needed_by})"),
            install.to_owned(),
        ),
    }
}

fn check_tmux(cfg: Option<&Config>) -> Check {
    // Without a config assume the default runtime (tmux).
    let users: Vec<&str> = match cfg {
        Some(c) => c
            .projects
            .iter()
            .filter(|(_, p)| p.runtime_name(c) == "tmux")
            .map(|(id, _)| id.as_str())
            .collect(),
        None => vec!["the default runtime"],
    };
    let needed = if users.is_empty() {
        String::new()
    } else {
        users.join(", ")
    };
    check_tool(
        "tmux",
        "-V",
        MIN_TMUX,
        &needed,
        "install tmux: apt install tmux / brew install tmux",
    )
}

fn check_git() -> Check {
    check_tool(
        "git",
        "--version",
        MIN_GIT,
        "every workspace",
        "install git: apt install git / brew install git",
    )
}

/// The program an agent launches and how to install it, or why it cannot be known.
type Program = Result<(String, String), String>;

fn check_agents(cfg: &Config, config_path: &Path) -> Vec<Check> {
    // (agent, program) → projects using it.
    let mut seen: BTreeMap<(String, Program), Vec<String>> = BTreeMap::new();
    let mut cwd_of: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (id, p) in &cfg.projects {
        if p.runtime_name(cfg) == "ssh" {
            // The agent runs on the hosts: `check_hosts` looks for it there.
            continue;
        }
        let name = p.agent_name(cfg).to_owned();
        cwd_of.insert(id.clone(), resolve_path(config_path, &p.path));
        seen.entry((
            name.clone(),
            agent::required_program(&name, &p.agent_config),
        ))
        .or_default()
        .push(id.clone());
    }
    let mut out = Vec::new();
    for ((name, program), projects) in seen {
        let check_name = format!("agent:{name}");
        let users = projects.join(", ");
        let agent_cfg = projects
            .first()
            .and_then(|id| cfg.projects.get(id))
            .map(|p| p.agent_config.clone())
            .unwrap_or_default();
        if let Err(e) = agent::create(&name, &crate::plugins::agent_env(&agent_cfg)) {
            out.push(Check::fail(
                check_name,
                format!("{e} (used by {users})"),
                "set `agent:` (or `defaults.agent`) to an available agent",
            ));
            continue;
        }
        if !agent::BUILTIN.contains(&name.as_str()) {
            let path = crate::plugins::external::find("agent", &name).unwrap_or_default();
            out.push(Check::ok(
                check_name,
                format!("external plugin {} (used by {users})", path.display()),
            ));
            continue;
        }
        match program {
            Err(e) => out.push(Check::fail(
                check_name,
                format!("{e} (used by {users})"),
                "set `agentConfig.command` in the project",
            )),
            Ok((program, install)) => {
                let cwd = projects
                    .first()
                    .and_then(|p| cwd_of.get(p))
                    .cloned()
                    .unwrap_or_default();
                match agent::find_program(&program, &cwd) {
                    Some(p) => out.push(Check::ok(
                        check_name,
                        format!("{} (used by {users})", p.display()),
                    )),
                    None => out.push(Check::fail(
                        check_name,
                        format!("`{program}` not found on PATH (used by {users})"),
                        install,
                    )),
                }
            }
        }
    }
    out
}

/// Host of a GitHub API URL (`https://ghe.corp/api/v3` → `ghe.corp`), for `gh auth token
/// --hostname`.
fn api_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':']).next()?;
    (!host.is_empty() && host != "api.github.com").then_some(host)
}

/// Where a GitHub token comes from (never the token itself).
fn token_source(host: Option<&str>) -> Option<String> {
    for var in ["GH_TOKEN", "GITHUB_TOKEN"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            return Some(format!("${var} is set"));
        }
    }
    let mut cmd = Cmd::new("gh").args(["auth", "token"]);
    if let Some(h) = host {
        cmd = cmd.args(["--hostname", h]);
    }
    match cmd.read() {
        Ok(t) if !t.trim().is_empty() => Some("`gh auth token` returns a token".to_owned()),
        _ => None,
    }
}

fn check_tokens(cfg: &Config) -> Vec<Check> {
    let mut out = Vec::new();
    for (id, p) in &cfg.projects {
        if p.scm_name() != "github" && p.tracker_name() != "github" {
            continue;
        }
        let api = [&p.scm, &p.tracker]
            .into_iter()
            .flatten()
            .find_map(|c| c.api_url.as_deref());
        let host = api.and_then(api_host);
        let name = format!("github-token:{id}");
        let repo = p.repo.as_deref().unwrap_or("(no repo set)");
        match token_source(host) {
            Some(src) => out.push(Check::ok(name, format!("{src} (for {repo})"))),
            None => out.push(Check::fail(
                name,
                format!("no GitHub token for {repo}: GH_TOKEN and GITHUB_TOKEN are unset and `gh auth token` gave none"),
                "export GH_TOKEN in the environment cron / systemd runs ao with, or run `gh auth login`",
            )),
        }
    }
    out
}

/// Per GitLab project: a token is configured, one authenticated call succeeds, and the
/// rate-limit budget has headroom. Never prints the token.
fn check_gitlab(cfg: &Config, data: &Path) -> Vec<Check> {
    use crate::sys::gitlab::{Api, Client, find_token, token_source};
    let mut out = Vec::new();
    for (id, p) in &cfg.projects {
        if p.scm_name() != "gitlab" && p.tracker_name() != "gitlab" {
            continue;
        }
        let name = format!("gitlab:{id}");
        let slots = [&p.scm, &p.tracker];
        let pick = |f: fn(&config::PluginConfig) -> Option<&String>| {
            slots
                .iter()
                .copied()
                .flatten()
                .find_map(f)
                .map(String::as_str)
        };
        let api = match Api::new(pick(|c| c.api_url.as_ref())) {
            Ok(a) => a,
            Err(e) => {
                out.push(Check::fail(
                    name,
                    e.to_string(),
                    "fix `apiUrl` (https://gitlab.example.com)",
                ));
                continue;
            }
        };
        let configured = pick(|c| c.token.as_ref());
        let Some(source) = token_source(configured) else {
            out.push(Check::fail(
                name,
                format!("no GitLab token for {}", api.host),
                "set `token: ${GITLAB_TOKEN}` on the gitlab plugin and export GITLAB_TOKEN (scope `api`) where ao runs",
            ));
            continue;
        };
        let token = match find_token(&api, configured) {
            Ok(t) => t,
            Err(e) => {
                out.push(Check::fail(name, e.to_string(), "export GITLAB_TOKEN"));
                continue;
            }
        };
        match Client::new(api.clone(), token, data).probe() {
            Ok(probe) => {
                let headroom = probe.rate.as_ref().map(|r| {
                    (
                        r.remaining,
                        r.limit,
                        r.limit > 0 && r.remaining < (r.limit / 10).max(20),
                    )
                });
                let msg = format!(
                    "{source}; authenticated to {} as @{}{}",
                    api.host,
                    probe.username,
                    headroom.map_or(String::new(), |(rem, lim, _)| format!(
                        "; rate limit {rem} of {lim} left"
                    ))
                );
                if headroom.is_some_and(|(_, _, low)| low) {
                    out.push(Check::warn(name, msg, "little rate-limit budget left: lower the tick frequency or the number of sessions"));
                } else {
                    out.push(Check::ok(name, msg));
                }
            }
            Err(e) => out.push(Check::fail(
                name,
                format!("{source}, but the call failed: {e}"),
                "check the token (not expired, scope `api`, access to the project) and `apiUrl`",
            )),
        }
    }
    out
}

/// The `linear` and `jira` trackers: a token is found (its source named, never its value),
/// one authenticated call answers, and the rate-limit budget has headroom. A backoff in
/// force is reported without calling the service.
fn check_trackers(cfg: &Config, data: &Path) -> Vec<Check> {
    use crate::plugins::tracker::service::{Budget, ServiceError};
    use crate::plugins::tracker::{JiraTracker, LinearTracker};
    type Access = Box<dyn Fn() -> Result<(String, Option<Budget>), ServiceError>>;
    let mut out = Vec::new();
    for (id, p) in &cfg.projects {
        let name = format!("tracker:{id}");
        let (service, var, made) = match p.tracker_name() {
            "linear" => (
                "Linear",
                "LINEAR_API_KEY",
                LinearTracker::new(p, data).map(|t| {
                    (
                        t.token_source().map(str::to_owned),
                        Box::new(move || t.check_access()) as Access,
                    )
                }),
            ),
            "jira" => (
                "Jira",
                "JIRA_API_TOKEN",
                JiraTracker::new(p, data).map(|t| {
                    (
                        t.token_source().map(str::to_owned),
                        Box::new(move || t.check_access()) as Access,
                    )
                }),
            ),
            _ => continue,
        };
        let (source, call) = match made {
            Ok(m) => m,
            Err(e) => {
                out.push(Check::fail(
                    name,
                    e.to_string(),
                    "fix the tracker block (`ao config check`)",
                ));
                continue;
            }
        };
        let Some(source) = source else {
            out.push(Check::fail(
                name,
                format!("no {service} token: {var} is unset and the tracker block has no `token`"),
                format!(
                    "export {var} where ao runs, or set `token: ${{VAR}}` in the tracker block"
                ),
            ));
            continue;
        };
        match call() {
            Ok((who, budget)) => {
                let left = budget.map(|b| (b.remaining, b.limit));
                let headroom = match left {
                    Some((r, l)) => format!("; {r} of {l} requests left in the window"),
                    None => String::new(),
                };
                let msg =
                    format!("{service}: authenticated as {who} (token from {source}){headroom}");
                match left {
                    Some((r, l)) if l > 0 && r * 10 < l => out.push(Check::warn(
                        name,
                        msg,
                        "under 10 % of the budget is left: fewer ticks or sessions until it resets",
                    )),
                    _ => out.push(Check::ok(name, msg)),
                }
            }
            Err(e) => {
                let fix = match &e {
                    ServiceError::RateLimited { .. } => {
                        "wait for the backoff to end; ao resumes by itself".to_owned()
                    }
                    _ => format!("check the {service} token ({source}) and the tracker's URL"),
                };
                out.push(Check::fail(name, format!("{service}: {e}"), fix));
            }
        }
    }
    out
}

/// True when a mode gives group or others any access.
pub fn too_open(mode: u32) -> bool {
    mode & 0o077 != 0
}

/// Whether the config file's mode is a problem: writable by others (who could add
/// `postCreate` commands ao runs), or readable by others while it holds notifier secrets.
fn config_mode_problem(cfg: &Config, mode: u32) -> Option<&'static str> {
    if mode & 0o022 != 0 {
        return Some("is writable by others, who could add commands ao runs");
    }
    let secrets = cfg
        .notifiers
        .values()
        .any(|n| n.webhook.is_some() || n.token.is_some() || n.secret.is_some());
    (mode & 0o044 != 0 && secrets).then_some("is readable by others and holds notifier secrets")
}

fn check_data_dir(data: &Path) -> Check {
    use std::os::unix::fs::PermissionsExt;
    let name = "data-dir";
    match std::fs::metadata(data) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::ok(
                name,
                format!(
                    "{} does not exist yet; ao creates it (0700) on first use",
                    data.display()
                ),
            );
        }
        Err(e) => {
            return Check::fail(
                name,
                format!("cannot read {}: {e}", data.display()),
                "set `dataDir` (or AO_DATA_DIR) to a directory you own",
            );
        }
        Ok(m) if !m.is_dir() => {
            return Check::fail(
                name,
                format!("{} is not a directory", data.display()),
                "set `dataDir` (or AO_DATA_DIR) to a directory",
            );
        }
        Ok(_) => {}
    }
    if let Err(e) = tempfile::Builder::new()
        .prefix(".doctor-")
        .tempfile_in(data)
    {
        return Check::fail(
            name,
            format!("cannot write in {}: {e}", data.display()),
            format!(
                "make it yours and writable: chown -R \"$USER\" {0} && chmod 700 {0}",
                data.display()
            ),
        );
    }
    if let Err(crate::store::StoreError::Unsafe { why, .. }) =
        crate::store::check_private_root(data)
    {
        return Check::fail(
            name,
            format!("ao refuses {}: {why}", data.display()),
            "give ao a data dir of its own that only you can write (mode 0700)",
        );
    }
    if let Some(fs) = crate::store::network_fs(data) {
        return Check::fail(
            name,
            format!(
                "{} is on a network file system ({fs}); its locking is not reliable enough for ao's state",
                data.display()
            ),
            "set `dataDir` (or AO_DATA_DIR) to a local disk, e.g. ~/.local/state/ao",
        );
    }
    let mut loose: Vec<String> = Vec::new();
    for entry in walkdir::WalkDir::new(data).follow_links(false) {
        let Ok(entry) = entry else { continue };
        let ft = entry.file_type();
        if !(ft.is_dir() || ft.is_file()) {
            continue; // symlinks, sockets: their own mode means nothing here
        }
        let Ok(m) = entry.metadata() else { continue };
        let mode = m.permissions().mode();
        if too_open(mode) {
            loose.push(format!("{} ({:o})", entry.path().display(), mode & 0o777));
        }
    }
    if loose.is_empty() {
        return Check::ok(
            name,
            format!("{} is private (0700 dirs, 0600 files)", data.display()),
        );
    }
    let n = loose.len();
    let more = if n > 5 {
        format!(" and {} more", n - 5)
    } else {
        String::new()
    };
    loose.truncate(5);
    Check::warn(
        name,
        format!("open to group or others: {}{more}", loose.join(", ")),
        format!("chmod -R go-rwx {}", data.display()),
    )
}

/// Reads all records; returns the check and the number of live (non-terminal) sessions.
fn check_records(store: &Store) -> (Check, usize) {
    let name = "sessions";
    match store.list(None) {
        Err(e) => (
            Check::fail(
                name,
                format!("cannot list sessions: {e}"),
                "check the data dir's permissions",
            ),
            0,
        ),
        Ok((recs, problems)) => {
            let live = recs.iter().filter(|r| !r.status.is_terminal()).count();
            if problems.is_empty() {
                (
                    Check::ok(name, format!("{} record(s), {live} live", recs.len())),
                    live,
                )
            } else {
                let msgs: Vec<String> = problems.iter().map(|p| p.error.to_string()).collect();
                (
                    Check::warn(
                        name,
                        format!(
                            "{} record(s) unreadable: {}",
                            problems.len(),
                            msgs.join("; ")
                        ),
                        "inspect the quarantined `.corrupt-*` files; `ao session ls` shows what is left",
                    ),
                    live,
                )
            }
        }
    }
}

/// Every notifier name referenced by the config: configured ones and routed ones.
fn notifier_names(cfg: &Config) -> BTreeMap<String, Vec<&'static str>> {
    let mut names: BTreeMap<String, Vec<&'static str>> = cfg
        .notifiers
        .keys()
        .map(|k| (k.clone(), Vec::new()))
        .collect();
    for p in Priority::ALL {
        for n in crate::notify::route(cfg, p) {
            names.entry(n).or_default().push(p.as_str());
        }
    }
    names
}

fn check_notifiers(cfg: &Config, send: bool, json: bool, now: Timestamp) -> Vec<Check> {
    let mut out = Vec::new();
    for (name, routes) in notifier_names(cfg) {
        let check_name = format!("notifier:{name}");
        let routed = if routes.is_empty() {
            " (not routed: no priority uses it)".to_owned()
        } else {
            format!(" (routes: {})", routes.join(", "))
        };
        let n = match notifier::create(
            &name,
            &crate::plugins::PluginEnv::new(&crate::config::resolved::data_dir(cfg))
                .with_notifier(cfg.notifiers.get(&name)),
        ) {
            Ok(n) => n,
            Err(e) => {
                out.push(Check::fail(
                    check_name,
                    format!("{e}{routed}"),
                    format!("fix `notifiers.{name}` or the routing in the config"),
                ));
                continue;
            }
        };
        let checked = match n.check() {
            Ok(desc) => Ok(desc),
            Err(e @ PluginError::Unavailable(_)) => {
                out.push(Check::warn(
                    check_name,
                    format!("{e}{routed}"),
                    "the sink is unreachable right now; notifications are retried on later ticks",
                ));
                continue;
            }
            Err(e) => Err(e),
        };
        let desc = match checked {
            Ok(d) => d,
            Err(e) => {
                out.push(Check::fail(
                    check_name,
                    format!("{e}{routed}"),
                    format!("fix `notifiers.{name}` in the config"),
                ));
                continue;
            }
        };
        if !send {
            out.push(Check::ok(check_name, format!("{desc}{routed}")));
            continue;
        }
        if json && n.name() == "stdout" {
            out.push(Check::ok(
                check_name,
                format!("{desc}{routed}; test not sent: it would mix into the --json output"),
            ));
            continue;
        }
        match n.send(&notifier::Notification::test(
            &name,
            Priority::Info,
            "ao doctor --notify",
            now,
        )) {
            Ok(()) => out.push(Check::ok(
                check_name,
                format!("{desc}; sent a test notification{routed}"),
            )),
            Err(e) => out.push(Check::fail(
                check_name,
                format!("test notification failed: {e}{routed}"),
                format!("fix `notifiers.{name}` in the config"),
            )),
        }
    }
    out
}

/// Bytes of the event log's end searched for the last `tick.*` event.
const TICK_SEARCH_BYTES: u64 = 4 * 1024 * 1024;

fn check_tick(data: &Path, live: usize, now: Timestamp) -> Check {
    let name = "tick";
    let fix = "run `ao tick` from cron (examples/cron/ao.crontab) or a systemd user timer \
               (examples/systemd/ao-tick.timer)";
    let log = data.join("events.jsonl");
    let last = match recent_events(&log, TICK_SEARCH_BYTES) {
        Ok(evs) => evs.into_iter().rev().find(|e| e.kind.is_tick()),
        Err(e) => {
            return Check::warn(
                name,
                format!("cannot read {}: {e}", log.display()),
                "check the data dir's permissions",
            );
        }
    };
    // A steady tick logs nothing; its heartbeat is the tick lock's mtime.
    let last = match (
        last.map(|e| (e.ts, e.kind.to_string())),
        crate::store::last_tick(data),
    ) {
        (Some((t, kind)), Some(beat)) if t >= beat => Some((t, kind)),
        (_, Some(beat)) => Some((beat, "heartbeat".to_owned())),
        (event, None) => event,
    };
    match (last, live) {
        (None, 0) => Check::ok(name, "no tick has run yet; no live sessions"),
        (None, n) => Check::warn(
            name,
            format!("{n} live session(s) but no tick has run"),
            fix,
        ),
        (Some((ts, kind)), n) => {
            let ago = crate::dashboard::age(ts, now);
            let what = format!("last tick {ago} ago (`{kind}`)");
            if n > 0 && now.duration_since(ts) > TICK_STALE {
                Check::warn(name, format!("{what}, with {n} live session(s)"), fix)
            } else {
                Check::ok(name, what)
            }
        }
    }
}

/// Clock sanity at system time `now`; `pinned` is `AO_NOW` when set.
fn check_clock(data: &Path, now: Timestamp, pinned: Option<&str>) -> Check {
    let name = "clock";
    if let Some(pinned) = pinned {
        return Check::warn(
            name,
            format!(
                "AO_NOW={pinned} pins ao's clock (real time {})",
                now.round(jiff::Unit::Second).unwrap_or(now)
            ),
            "unset AO_NOW outside tests and demos",
        );
    }
    // 2024-01-01T00:00:00Z: no real clock is earlier than the code that reads it.
    if now.as_second() < 1_704_067_200 {
        return Check::fail(
            name,
            format!("the system clock says {now}"),
            "set the time and enable NTP: `timedatectl set-ntp true`",
        );
    }
    if let Ok(evs) = recent_events(&data.join("events.jsonl"), 64 * 1024)
        && let Some(newest) = evs.iter().map(|e| e.ts).max()
        && newest.duration_since(now) > SignedDuration::from_secs(60)
    {
        return Check::warn(
            name,
            format!(
                "the event log has an event from {newest}, after now ({now}): the clock went back"
            ),
            "enable NTP (`timedatectl set-ntp true`); ages and escalations are off until the clock catches up",
        );
    }
    // A file's mtime is set by the file system's clock; on NFS that is the server's.
    if data.is_dir()
        && let Ok(f) = tempfile::Builder::new()
            .prefix(".doctor-")
            .tempfile_in(data)
        && let Ok(m) = f.as_file().metadata()
        && let Ok(mtime) = m.modified()
        && let Ok(mtime) = Timestamp::try_from(mtime)
    {
        let skew = mtime.duration_since(now).abs();
        if skew > SignedDuration::from_secs(5) {
            return Check::warn(
                name,
                format!(
                    "file times in {} are {}s off the system clock",
                    data.display(),
                    skew.as_secs()
                ),
                "sync the clocks of this machine and the file server (NTP)",
            );
        }
    }
    Check::ok(
        name,
        format!("{}", now.round(jiff::Unit::Second).unwrap_or(now)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("tmux 3.3a"), Some((3, 3)));
        assert_eq!(parse_version("tmux next-3.4"), Some((3, 4)));
        assert_eq!(parse_version("git version 2.47.3"), Some((2, 47)));
        assert_eq!(parse_version("tmux 2"), Some((2, 0)));
        assert_eq!(parse_version("tmux master"), None);
        assert!((2, 9) < MIN_TMUX && (3, 3) >= MIN_TMUX && (2, 47) >= MIN_GIT);
    }

    #[test]
    fn config_modes() {
        let mut c = Config::default();
        assert_eq!(config_mode_problem(&c, 0o100644), None);
        assert!(config_mode_problem(&c, 0o100664).is_some());
        c.notifiers.insert(
            "slack".into(),
            config::NotifierConfig {
                plugin: "slack".into(),
                webhook: Some("https://hooks".into()),
                ..Default::default()
            },
        );
        assert!(config_mode_problem(&c, 0o100644).is_some());
        assert_eq!(config_mode_problem(&c, 0o100600), None);
    }

    #[test]
    fn modes() {
        assert!(!too_open(0o100600));
        assert!(!too_open(0o40700));
        assert!(too_open(0o100644));
        assert!(too_open(0o40750));
    }

    #[test]
    fn clock_paths() {
        // A missing data dir: no event log, no file-time comparison.
        let d = tempfile::tempdir().unwrap();
        let data = d.path().join("missing");
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        assert_eq!(check_clock(&data, now, None).status, Level::Ok);
        let c = check_clock(&data, now, Some("2026-01-01T00:00:00Z"));
        assert_eq!(c.status, Level::Warn);
        let past = Timestamp::from_second(1_000_000_000).unwrap();
        let c = check_clock(&data, past, None);
        assert_eq!(c.status, Level::Fail, "{c:?}");
        assert!(c.fix.unwrap().contains("NTP"));
    }

    #[test]
    fn api_hosts() {
        assert_eq!(api_host("https://ghe.corp/api/v3"), Some("ghe.corp"));
        assert_eq!(api_host("https://api.github.com"), None);
        assert_eq!(api_host("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
    }

    #[test]
    fn custom_agent_program() {
        let mut c = config::AgentConfig::default();
        assert!(agent::required_program("custom", &c).is_err());
        assert_eq!(
            agent::required_program("claude-code", &c).unwrap().0,
            "claude"
        );
        c.command = Some("'./my agent' --fast".into());
        assert_eq!(
            agent::required_program("custom", &c).unwrap().0,
            "./my agent"
        );
        // A built-in agent launches `agentConfig.command` when set: that is what is checked.
        assert_eq!(
            agent::required_program("claude-code", &c).unwrap().0,
            "./my agent"
        );
    }
}
