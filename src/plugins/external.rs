//! External plugins: any plugin name that is not built in resolves, for every slot, to an
//! executable `ao-<slot>-<name>` on PATH, as git and cargo do with subcommands. The
//! protocol (version 1, documented method by method in `docs/plugins.md`):
//!
//! * One call is one process: `ao-<slot>-<name> <method>`, with one JSON request on stdin:
//!   `{"protocol":1,"slot":"…","name":"…","method":"…","config":…,"params":{…}}`.
//! * The program writes one JSON object to stdout: `{"ok":<result>}` or
//!   `{"error":{"kind":"not_found|unsupported|unavailable|refused|other","message":"…"}}`.
//!   The kinds map onto [`PluginError`]'s variants; an unknown method is `unsupported`.
//! * Every call has a time limit ([`timeout_for`]); a plugin that overruns is killed with
//!   its process group and the call fails as `unavailable`. A non-zero exit without an
//!   answer, or stdout that is not the answer, fails as `other` with the program's stderr.
//! * The plugin runs in a cleared environment: `PATH`, `HOME` and `AO_PLUGIN_PROTOCOL`
//!   only. What it is configured with arrives as `config` (the slot's `options` block,
//!   the notifier's `options`, the project's `agentConfig` for agents); secrets in ao's own
//!   environment never reach it.
//!
//! Every call goes through the one subprocess wrapper, [`Cmd`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::{Activity, PrFacts, RuntimeHandle, SessionId, SessionRecord};
use crate::plugins::PluginError;
use crate::plugins::agent::{Agent, AgentContext, LaunchPlan, ScreenMatch, SentMessage};
use crate::plugins::notifier::{Notification, Notifier};
use crate::plugins::runtime::{LaunchSpec, Probe, Runtime};
use crate::plugins::scm::{MergeOutcome, Scm, ScmContext};
use crate::plugins::terminal::{OpenAction, Terminal};
use crate::plugins::tracker::{Issue, IssueFilter, Tracker};
use crate::plugins::workspace::{Workspace, WorkspaceRequest};
use crate::sys::cmd::{Cmd, CmdError};

/// Protocol version, sent as `protocol` in every request.
pub const PROTOCOL_VERSION: u32 = 1;

/// Time limit of a call to `method`: 120 s for the methods that create or remove things
/// (a workspace clone, a container start), 30 s for everything else.
pub fn timeout_for(method: &str) -> Duration {
    match method {
        "create" | "restore" | "destroy" | "launch" | "merge" => Duration::from_secs(120),
        _ => Duration::from_secs(30),
    }
}

/// Finds `ao-<slot>-<name>` on PATH; `name` must be a plain `[a-z0-9-]` name.
pub fn find(slot: &str, name: &str) -> Option<PathBuf> {
    crate::config::plugin_names::external(slot, name)
}

/// A `'static` copy of a plugin name, made once per name (trait methods return
/// `&'static str`).
fn intern(s: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = names.iter().find(|n| **n == s) {
        return n;
    }
    let n: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.push(n);
    n
}

/// One external plugin program and what it was configured with.
#[derive(Debug, Clone)]
pub struct Plugin {
    slot: &'static str,
    name: &'static str,
    program: PathBuf,
    config: Value,
    cwd: Option<PathBuf>,
}

impl Plugin {
    /// The plugin `ao-<slot>-<name>` when it is on PATH, with its `config`; the "unknown
    /// plugin" error (listing `builtin`) when it is not.
    pub fn find(
        slot: &'static str,
        name: &str,
        builtin: &[&str],
        config: Value,
    ) -> Result<Self, PluginError> {
        let program = find(slot, name).ok_or_else(|| super::unknown(slot, name, builtin))?;
        Ok(Self::new(slot, name, program, config))
    }

    /// The plugin at `program`.
    pub fn new(slot: &'static str, name: &str, program: PathBuf, config: Value) -> Self {
        Self {
            slot,
            name: intern(name),
            program,
            config,
            cwd: None,
        }
    }

    /// Runs calls in `dir` (a tracker's or SCM's project checkout).
    #[must_use]
    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// The configured plugin name (`<name>` of `ao-<slot>-<name>`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Calls `method` with `params`, within [`timeout_for`]`(method)`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, PluginError> {
        self.call_within(method, params, timeout_for(method))
    }

    /// Calls `method` with `params` and the time limit `limit`; returns the `ok` value.
    pub fn call_within(
        &self,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, PluginError> {
        let who = format!(
            "{} plugin `{}` ({})",
            self.slot,
            self.name,
            self.program.display()
        );
        let req = json!({
            "protocol": PROTOCOL_VERSION, "slot": self.slot, "name": self.name,
            "method": method, "config": self.config, "params": params,
        });
        let mut cmd = Cmd::new(&self.program)
            .arg(method)
            .stdin(req.to_string())
            .env_clear()
            .env("AO_PLUGIN_PROTOCOL", PROTOCOL_VERSION.to_string())
            .timeout(limit);
        for var in ["PATH", "HOME"] {
            if let Some(v) = std::env::var_os(var) {
                cmd = cmd.env(var, v);
            }
        }
        if let Some(d) = &self.cwd {
            cmd = cmd.cwd(d);
        }
        let out = cmd.output().map_err(|e| match e {
            CmdError::TimedOut { secs, .. } => PluginError::Unavailable(format!(
                "{who} did not answer `{method}` within {secs}s and was stopped"
            )),
            other => PluginError::Other(anyhow::anyhow!("{who}: {other}")),
        })?;
        let stderr = crate::sys::cmd::bounded(String::from_utf8_lossy(&out.stderr).trim(), 2000);
        let answer: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        let Some(Value::Object(mut answer)) = answer else {
            let why = if out.status.success() {
                "wrote no JSON answer".to_owned()
            } else {
                format!("exited with {}", crate::sys::cmd::describe(out.status))
            };
            let tail = if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            };
            return Err(PluginError::Other(anyhow::anyhow!(
                "{who} {why} for `{method}`{tail}"
            )));
        };
        let err = match (answer.remove("error"), answer.remove("ok")) {
            (None, Some(Value::Bool(false))) => json!("answered {\"ok\": false}"),
            (None, Some(ok)) => return Ok(ok),
            (Some(err), _) => err,
            (None, None) => json!("answered neither `ok` nor `error`"),
        };
        let kind = err.get("kind").and_then(Value::as_str).unwrap_or("other");
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| err.as_str())
            .unwrap_or("no error message");
        let message = format!(
            "{who}, `{method}`: {}",
            crate::sys::text::strip_control(message)
        );
        Err(match kind {
            "not_found" => PluginError::NotFound(message),
            "unsupported" => PluginError::Unsupported(message),
            "unavailable" => PluginError::Unavailable(message),
            "refused" => PluginError::Refused(message),
            _ => PluginError::Other(anyhow::anyhow!(message)),
        })
    }

    /// [`Plugin::call`], decoding the result as `T`.
    fn call_as<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, PluginError> {
        let v = self.call(method, params)?;
        serde_json::from_value(v).map_err(|e| {
            PluginError::Other(anyhow::anyhow!(
                "{} plugin `{}` answered `{method}` with an unexpected result: {e} (see docs/plugins.md)",
                self.slot,
                self.name
            ))
        })
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, PluginError> {
    serde_json::to_value(v).map_err(|e| PluginError::Other(e.into()))
}

// ---------------------------------------------------------------------------------------
// runtime

/// A runtime implemented by `ao-runtime-<name>`.
#[derive(Debug)]
pub struct ExternalRuntime(pub Plugin);

/// The `create` answer of a runtime plugin.
#[derive(Deserialize)]
struct Started {
    target: String,
    #[serde(default)]
    pid: Option<u32>,
    #[serde(default)]
    pid_start: Option<u64>,
    #[serde(default)]
    log: Option<PathBuf>,
}

/// One entry of a runtime plugin's `probe` answer.
#[derive(Deserialize)]
struct ProbeWire {
    exists: bool,
    #[serde(default)]
    agent_exited: bool,
    #[serde(default)]
    pid: Option<u32>,
    #[serde(default)]
    command: String,
    #[serde(default)]
    activity_time: Option<i64>,
    #[serde(default)]
    exit_status: Option<i32>,
}

impl Runtime for ExternalRuntime {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn create(&self, spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
        crate::sys::atomic::ensure_private_dir(&spec.state_dir)?;
        let s: Started = self.0.call_as(
            "create",
            json!({"name": spec.name, "cwd": spec.cwd, "argv": spec.argv, "env": spec.env,
                   "state_dir": spec.state_dir}),
        )?;
        Ok(RuntimeHandle {
            plugin: self.0.name().to_owned(),
            target: s.target,
            pid: s.pid,
            pid_start: s.pid_start,
            log: s.log,
            remote: None,
        })
    }

    fn destroy(&self, handle: &RuntimeHandle) -> Result<(), PluginError> {
        self.0.call("destroy", json!({"handle": handle})).map(drop)
    }

    fn probe(&self, handles: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
        let got: BTreeMap<String, ProbeWire> =
            self.0.call_as("probe", json!({"handles": handles}))?;
        Ok(handles
            .iter()
            .map(|h| {
                let p = got.get(&h.target);
                let probe = Probe {
                    exists: p.is_some_and(|p| p.exists),
                    agent_exited: p.is_none_or(|p| p.agent_exited || !p.exists),
                    pid: p.and_then(|p| p.pid),
                    command: p.map(|p| p.command.clone()).unwrap_or_default(),
                    activity_time: p.and_then(|p| p.activity_time),
                    exit_status: p.and_then(|p| p.exit_status),
                };
                (h.target.clone(), probe)
            })
            .collect())
    }

    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError> {
        let s: String = self
            .0
            .call_as("capture", json!({"handle": handle, "lines": lines}))?;
        Ok(crate::sys::text::strip_control(&s))
    }

    fn paste(&self, handle: &RuntimeHandle, text: &str) -> Result<(), PluginError> {
        self.0
            .call("paste", json!({"handle": handle, "text": text}))
            .map(drop)
    }

    fn send_key(&self, handle: &RuntimeHandle, key: &str) -> Result<(), PluginError> {
        self.0
            .call("send_key", json!({"handle": handle, "key": key}))
            .map(drop)
    }

    fn cursor_line(&self, handle: &RuntimeHandle) -> Result<String, PluginError> {
        let s: String = self.0.call_as("cursor_line", json!({"handle": handle}))?;
        Ok(crate::sys::text::strip_control(&s))
    }

    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>> {
        self.0
            .call_as::<Option<Vec<String>>>("attach_argv", json!({"handle": handle}))
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
    }
}

// ---------------------------------------------------------------------------------------
// agent

/// An agent implemented by `ao-agent-<name>`.
#[derive(Debug)]
pub struct ExternalAgent {
    plugin: Plugin,
    described: OnceLock<Described>,
}

/// The `describe` answer of an agent plugin: its fixed properties.
#[derive(Debug, Default, Deserialize)]
struct Described {
    #[serde(default)]
    process_names: Vec<String>,
    #[serde(default)]
    submit_key: Option<String>,
    #[serde(default)]
    pastes_multiline: bool,
    #[serde(default)]
    ready_when_quiet: bool,
}

/// The `launch`/`restore` answer of an agent plugin.
#[derive(Deserialize)]
struct PlanWire {
    argv: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    agent_session_id: Option<String>,
}

/// The `classify_screen` answer of an agent plugin (or `null`).
#[derive(Deserialize)]
struct ScreenWire {
    activity: Activity,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    resets: Option<String>,
    #[serde(default)]
    retrying: bool,
}

impl ExternalAgent {
    /// Wraps `plugin`.
    pub fn new(plugin: Plugin) -> Self {
        Self {
            plugin,
            described: OnceLock::new(),
        }
    }

    fn described(&self) -> &Described {
        self.described.get_or_init(|| {
            self.plugin
                .call_as("describe", json!({}))
                .unwrap_or_default()
        })
    }

    fn plan(&self, method: &str, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let p: PlanWire = self.plugin.call_as(
            method,
            json!({"session": ctx.session, "project": ctx.project, "workspace": ctx.workspace,
                   "prompt_file": ctx.prompt_file, "prompt": ctx.prompt()?,
                   "session_dir": ctx.session_dir, "agent_session_id": ctx.agent_session_id}),
        )?;
        if p.argv.is_empty() {
            return Err(PluginError::Other(anyhow::anyhow!(
                "agent plugin `{}` answered `{method}` with an empty argv",
                self.plugin.name()
            )));
        }
        Ok(LaunchPlan {
            argv: p.argv,
            env: p.env,
            agent_session_id: p.agent_session_id,
            ..LaunchPlan::default()
        })
    }
}

impl Agent for ExternalAgent {
    fn name(&self) -> &'static str {
        self.plugin.name()
    }

    fn confirmed_by(&self) -> &'static str {
        "its screen showing it working, else unconfirmed"
    }

    fn took_message(&self, _ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        // The screen is all ao sees of an external agent: working after the message is
        // the only confirmation.
        let working = self
            .classify_screen(msg.screen)
            .is_some_and(|m| m.activity == Activity::Working);
        working.then_some(true)
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        self.plan("launch", ctx)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        match self.plan("restore", ctx) {
            Err(PluginError::Unsupported(_)) => self.launch(ctx),
            r => r,
        }
    }

    fn process_names(&self) -> Vec<String> {
        self.described().process_names.clone()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        let m: Option<ScreenWire> = self
            .plugin
            .call_as("classify_screen", json!({"screen": screen}))
            .ok()?;
        m.map(|m| ScreenMatch {
            activity: m.activity,
            evidence: crate::sys::text::truncate_chars(&m.evidence, 200),
            resets: m.resets,
            retrying: m.retrying,
        })
    }

    fn ready_when_quiet(&self) -> bool {
        self.described().ready_when_quiet
    }

    fn knows_ready_screen(&self) -> bool {
        !self.described().ready_when_quiet
    }

    fn submit_key(&self) -> &'static str {
        self.described()
            .submit_key
            .as_deref()
            .map_or("Enter", intern)
    }

    fn pastes_multiline(&self) -> bool {
        self.described().pastes_multiline
    }
}

// ---------------------------------------------------------------------------------------
// workspace

/// A workspace implemented by `ao-workspace-<name>`.
#[derive(Debug)]
pub struct ExternalWorkspace(pub Plugin);

fn ws_params(req: &WorkspaceRequest<'_>) -> Value {
    json!({"repo": req.repo, "path": req.path, "branch": req.branch, "base": req.base,
           "symlinks": req.symlinks, "post_create": req.post_create})
}

impl Workspace for ExternalWorkspace {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        self.0.call_as("create", ws_params(req))
    }

    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        self.0.call_as("restore", ws_params(req))
    }

    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        self.0.call_as("unsaved_work", ws_params(req))
    }

    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError> {
        let mut p = ws_params(req);
        p["force"] = json!(force);
        self.0.call("destroy", p).map(drop)
    }
}

// ---------------------------------------------------------------------------------------
// tracker

/// A tracker implemented by `ao-tracker-<name>`.
#[derive(Debug)]
pub struct ExternalTracker(pub Plugin);

/// An issue as a tracker plugin writes it.
#[derive(Deserialize)]
struct IssueWire {
    id: Value,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default = "open")]
    state: String,
    #[serde(default)]
    assignees: Vec<String>,
    #[serde(default)]
    url: Option<String>,
}

fn open() -> String {
    "open".to_owned()
}

impl From<IssueWire> for Issue {
    fn from(w: IssueWire) -> Self {
        Issue {
            id: match w.id {
                Value::String(s) => s,
                other => other.to_string(),
            },
            title: w.title,
            body: w.body,
            labels: w.labels,
            state: w.state,
            assignees: w.assignees,
            url: w.url,
            branch: None,
        }
    }
}

impl Tracker for ExternalTracker {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn get_issue(&self, id: &str) -> Result<Issue, PluginError> {
        let w: IssueWire = self.0.call_as("get_issue", json!({"id": id}))?;
        Ok(w.into())
    }

    fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>, PluginError> {
        let w: Vec<IssueWire> = self.0.call_as(
            "list_issues",
            json!({"labels": filter.labels, "assignee": filter.assignee,
                   "state": filter.state.as_deref().unwrap_or("open")}),
        )?;
        Ok(w.into_iter().map(Issue::from).collect())
    }

    fn create_issue(&self, title: &str, body: &str) -> Result<Issue, PluginError> {
        let w: IssueWire = self
            .0
            .call_as("create_issue", json!({"title": title, "body": body}))?;
        Ok(w.into())
    }
}

// ---------------------------------------------------------------------------------------
// scm

/// An SCM implemented by `ao-scm-<name>`.
#[derive(Debug)]
pub struct ExternalScm(pub Plugin);

/// The `merge` answer of an SCM plugin.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum MergeWire {
    Merged(String),
    HeadMoved(serde::de::IgnoredAny),
    Refused(String),
}

fn scm_params(ctx: &ScmContext<'_>) -> Value {
    json!({"project": ctx.project_id, "repo": ctx.repo, "default_branch": ctx.default_branch,
           "now": ctx.now, "dry_run": ctx.dry_run})
}

impl Scm for ExternalScm {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn observe(
        &self,
        ctx: &ScmContext<'_>,
        sessions: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError> {
        let mut p = scm_params(ctx);
        p["sessions"] = to_json(&sessions)?;
        let got: BTreeMap<String, PrFacts> = self.0.call_as("observe", p)?;
        Ok(sessions
            .iter()
            .filter_map(|s| got.get(s.id.as_str()).map(|f| (s.id.clone(), f.clone())))
            .collect())
    }

    fn merge(
        &self,
        ctx: &ScmContext<'_>,
        session: &SessionRecord,
        pr: &PrFacts,
        method: &str,
    ) -> Result<MergeOutcome, PluginError> {
        let mut p = scm_params(ctx);
        p["session"] = to_json(session)?;
        p["pr"] = to_json(pr)?;
        p["method"] = json!(method);
        Ok(match self.0.call_as::<MergeWire>("merge", p)? {
            MergeWire::Merged(sha) => MergeOutcome::Merged(sha),
            MergeWire::HeadMoved(_) => MergeOutcome::HeadMoved,
            MergeWire::Refused(why) => MergeOutcome::Refused(why),
        })
    }
}

// ---------------------------------------------------------------------------------------
// notifier

/// A notifier implemented by `ao-notifier-<name>`.
#[derive(Debug)]
pub struct ExternalNotifier(pub Plugin);

impl Notifier for ExternalNotifier {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        self.0.call("notify", to_json(n)?).map(drop)
    }

    fn check(&self) -> Result<String, PluginError> {
        match self.0.call_as::<Option<String>>("check", json!({})) {
            Err(PluginError::Unsupported(_)) => Ok(format!(
                "`{}` is on PATH (it has no check)",
                self.0.program.display()
            )),
            r => r.map(|s| s.unwrap_or_else(|| "checked".to_owned())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// terminal

/// A terminal implemented by `ao-terminal-<name>`.
#[derive(Debug)]
pub struct ExternalTerminal(pub Plugin);

/// The `open` answer of a terminal plugin.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpenWire {
    Exec(Vec<String>),
    Run(Vec<String>),
    Print(Vec<String>),
}

impl Terminal for ExternalTerminal {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn open(&self, attach: &[String], inside_tmux: bool) -> Result<OpenAction, PluginError> {
        let w: OpenWire = self.0.call_as(
            "open",
            json!({"attach": attach, "inside_tmux": inside_tmux}),
        )?;
        let (OpenWire::Exec(v) | OpenWire::Run(v) | OpenWire::Print(v)) = &w;
        if v.is_empty() {
            return Err(PluginError::Other(anyhow::anyhow!(
                "terminal plugin `{}` answered `open` with an empty command",
                self.0.name()
            )));
        }
        Ok(match w {
            OpenWire::Exec(v) => OpenAction::Exec(v),
            OpenWire::Run(v) => OpenAction::Run(v),
            OpenWire::Print(v) => OpenAction::Print(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plugin program from a shell script body, in `dir`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn answers_and_error_kinds_map_to_plugin_errors() {
        let d = tempfile::tempdir().unwrap();
        let p = script(
            d.path(),
            "ao-tracker-t",
            r#"req=$(cat)
case "$1" in
  echo) printf '{"ok":%s}' "$req" ;;
  gone) echo '{"error":{"kind":"not_found","message":"no such issue"}}' ;;
  nope) echo '{"error":{"kind":"unsupported","message":"cannot"}}' ;;
  busy) echo '{"error":{"kind":"unavailable","message":"rate limited"}}' ;;
  junk) echo 'not json'; echo 'it broke' >&2; exit 3 ;;
  slow) sleep 30 ;;
  env) printf '{"ok":"%s"}' "$(env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | cut -d= -f1 | sort | tr '\n' ' ')" ;;
esac"#,
        );
        let plugin = Plugin::new("tracker", "t", p, json!({"dir": "x"}));
        let v = plugin.call("echo", json!({"id": "1"})).unwrap();
        assert_eq!(v["protocol"], 1);
        assert_eq!(v["method"], "echo");
        assert_eq!(v["slot"], "tracker");
        assert_eq!(v["config"]["dir"], "x");
        assert_eq!(v["params"]["id"], "1");
        assert!(matches!(
            plugin.call("gone", json!({})),
            Err(PluginError::NotFound(m)) if m.contains("no such issue")
        ));
        assert!(matches!(
            plugin.call("nope", json!({})),
            Err(PluginError::Unsupported(_))
        ));
        assert!(matches!(
            plugin.call("busy", json!({})),
            Err(PluginError::Unavailable(_))
        ));
        let e = plugin.call("junk", json!({})).unwrap_err();
        assert!(matches!(e, PluginError::Other(_)));
        assert!(e.to_string().contains("it broke"), "{e}");
        let e = plugin
            .call_within("slow", json!({}), Duration::from_millis(300))
            .unwrap_err();
        assert!(
            matches!(e, PluginError::Unavailable(ref m) if m.contains("within")),
            "{e}"
        );
        // Only PATH, HOME and the protocol version reach the plugin.
        let v = plugin.call("env", json!({})).unwrap();
        assert_eq!(v, "AO_PLUGIN_PROTOCOL HOME PATH ", "{v}");
    }

    #[test]
    fn an_issue_id_may_be_a_number_and_state_defaults_to_open() {
        let d = tempfile::tempdir().unwrap();
        let p = script(
            d.path(),
            "ao-tracker-n",
            r#"echo '{"ok":{"id":7,"title":"Fix it"}}'"#,
        );
        let t = ExternalTracker(Plugin::new("tracker", "n", p, Value::Null));
        let i = t.get_issue("7").unwrap();
        assert_eq!((i.id.as_str(), i.state.as_str()), ("7", "open"));
        assert_eq!(t.name(), "n");
    }

    #[test]
    fn an_agent_plugin_launches_and_classifies() {
        let d = tempfile::tempdir().unwrap();
        let p = script(
            d.path(),
            "ao-agent-a",
            r#"case "$1" in
  describe) echo '{"ok":{"process_names":["a-bin"],"submit_key":"C-m"}}' ;;
  launch) echo '{"ok":{"argv":["a-bin","--go"],"env":{"X":"1"}}}' ;;
  classify_screen) if grep -q 'Done' ; then echo '{"ok":{"activity":"ready","evidence":"Done"}}'; else echo '{"ok":null}'; fi ;;
  *) echo '{"error":{"kind":"unsupported","message":"no"}}' ;;
esac"#,
        );
        let a = ExternalAgent::new(Plugin::new("agent", "a", p, Value::Null));
        assert_eq!(a.process_names(), vec!["a-bin".to_owned()]);
        assert_eq!(a.submit_key(), "C-m");
        assert_eq!(
            a.classify_screen("x\nDone").map(|m| m.activity),
            Some(Activity::Ready)
        );
        assert_eq!(a.classify_screen("busy"), None);
        let prompt = d.path().join("prompt.md");
        std::fs::write(&prompt, "do it").unwrap();
        let cfg = crate::config::AgentConfig::default();
        let ctx = AgentContext {
            session: "s-1",
            project: "p",
            workspace: d.path(),
            prompt_file: &prompt,
            session_dir: d.path(),
            agent_session_id: None,
            config: &cfg,
            ao_bin: Path::new("ao"),
        };
        let plan = a.restore(&ctx).unwrap();
        assert_eq!(plan.argv, ["a-bin", "--go"]);
        assert_eq!(plan.env["X"], "1");
    }
}
