//! External plugins: any plugin name not built in resolves to an executable
//! `ao-<slot>-<name>` on PATH, as git and cargo do with subcommands.
//!
//! Protocol (version 1): ao runs the program with one argument, the operation name, and
//! writes one JSON object to its stdin: `{"version":1,"op":"<op>","config":{…},
//! "input":{…}}`. The program writes one JSON object to stdout: `{"ok":true,"output":…}` or
//! `{"ok":false,"error":"message"}`, and exits 0. For notifiers the op is `notify` and
//! `input` is the notification JSON (see `Notification`).

use std::path::{Path, PathBuf};

use crate::config::NotifierConfig;
use crate::plugins::PluginError;
use crate::plugins::notifier::{Notification, Notifier};
use crate::sys::cmd::Cmd;

/// Protocol version.
pub const PROTOCOL_VERSION: u32 = 1;

/// Finds `ao-<slot>-<name>` on PATH; `name` must be a plain `[a-z0-9-]` name.
pub fn find(slot: &str, name: &str) -> Option<PathBuf> {
    crate::model::validate_name(name, "plugin name").ok()?;
    let exe = format!("ao-{slot}-{name}");
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(&exe))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Calls an external plugin: `op` with `config` and `input`; returns `output`.
pub fn call(
    program: &Path,
    op: &str,
    config: serde_json::Value,
    input: serde_json::Value,
) -> Result<serde_json::Value, PluginError> {
    let req = serde_json::json!({"version": PROTOCOL_VERSION, "op": op, "config": config, "input": input});
    let out = Cmd::new(program)
        .arg(op)
        .stdin(serde_json::to_vec(&req).map_err(|e| PluginError::Other(e.into()))?)
        .run()
        .map_err(|e| PluginError::Unavailable(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        PluginError::Other(anyhow::anyhow!(
            "external plugin {} wrote invalid JSON for `{op}`: {e}",
            program.display()
        ))
    })?;
    if v.get("ok").and_then(serde_json::Value::as_bool) == Some(true) {
        Ok(v.get("output").cloned().unwrap_or(serde_json::Value::Null))
    } else {
        let msg = v
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("no error message");
        Err(PluginError::Unavailable(format!(
            "external plugin {}: {msg}",
            program.display()
        )))
    }
}

/// A notifier implemented by `ao-notifier-<name>`.
#[derive(Debug)]
pub struct ExternalNotifier {
    program: PathBuf,
    config: serde_json::Value,
}

impl ExternalNotifier {
    /// Wraps `program` with the notifier's config (its `options`).
    pub fn new(program: PathBuf, cfg: Option<&NotifierConfig>) -> Self {
        let config = cfg
            .and_then(|c| c.options.clone())
            .unwrap_or(serde_json::Value::Null);
        Self { program, config }
    }
}

impl Notifier for ExternalNotifier {
    fn name(&self) -> &'static str {
        "external"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let input = serde_json::to_value(n).map_err(|e| PluginError::Other(e.into()))?;
        call(&self.program, "notify", self.config.clone(), input).map(|_| ())
    }
}
