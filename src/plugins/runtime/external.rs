//! The external runtime `ao-runtime-<name>`: [`Runtime`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::json;

use super::{LaunchSpec, Probe, Runtime};
use crate::model::RuntimeHandle;
use crate::plugins::PluginError;
use crate::plugins::external::Plugin;

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
    #[serde(default)]
    exit_signal: Option<i32>,
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
                    exit_signal: p.and_then(|p| p.exit_signal),
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
