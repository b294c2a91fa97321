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
//! Every call goes through the one subprocess wrapper, [`Cmd`]. This module is the
//! protocol alone; each slot's adapter (`ExternalRuntime`, `ExternalTracker`, …) lives in
//! that slot's folder as `external.rs`, so this module depends on no slot.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

use crate::plugins::PluginError;
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
pub(crate) fn intern(s: &str) -> &'static str {
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
    /// Path of the plugin program.
    pub fn program(&self) -> &Path {
        &self.program
    }

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
    pub(crate) fn call_as<T: serde::de::DeserializeOwned>(
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

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, PluginError> {
    serde_json::to_value(v).map_err(|e| PluginError::Other(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activity;
    use crate::plugins::agent::external::ExternalAgent;
    use crate::plugins::agent::{Agent, AgentContext};
    use crate::plugins::tracker::Tracker;
    use crate::plugins::tracker::external::ExternalTracker;

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
            now: jiff::Timestamp::now(),
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
