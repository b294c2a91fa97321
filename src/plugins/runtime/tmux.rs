//! `tmux` runtime (default): one tmux session per ao session, named after the session id,
//! the agent exec'd directly in the pane with `remain-on-exit` so a crashed agent leaves a
//! dead pane to detect. Probing is one `list-panes -a` for all sessions.

use std::collections::BTreeMap;

use super::{Delivery, LaunchSpec, Probe, Runtime, SubmitPolicy};
use crate::model::RuntimeHandle;
use crate::plugins::PluginError;
use crate::sys::text::strip_control;
use crate::sys::tmux::Tmux;

/// Shells: when one is the pane's foreground command and the agent is not itself a shell
/// script, the agent has exited back to its shell (decided by the tick, which knows the
/// agent's process names).
pub const SHELLS: &[&str] = &["bash", "sh", "zsh", "fish", "dash", "ksh"];

/// Panes captured per tmux call (a session name is at most 64 bytes, so a chunk stays
/// far below tmux's 16 KiB command message).
const CAPTURE_CHUNK: usize = 64;

/// The environment file in the session's state directory, read and removed by `ao util
/// exec-env` as the pane starts.
pub const ENV_FILE: &str = "agent-env.json";

/// The tmux runtime.
#[derive(Debug)]
pub struct TmuxRuntime {
    tmux: Tmux,
}

impl TmuxRuntime {
    /// On the server `socket` (`-L`), or the default server.
    pub fn new(socket: Option<&str>) -> Self {
        Self {
            tmux: Tmux::new(socket),
        }
    }
}

impl Runtime for TmuxRuntime {
    fn name(&self) -> &'static str {
        "tmux"
    }

    fn create(&self, spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
        if self.tmux.has_session(&spec.name)? {
            return Err(PluginError::Refused(format!(
                "a tmux session named `{}` already exists; kill it or restore the ao session",
                spec.name
            )));
        }
        // The environment goes through a 0600 file read by `ao util exec-env`, which execs
        // the agent: values such as API keys never appear on a command line (`ps`).
        let argv = if spec.env.is_empty() {
            spec.argv.clone()
        } else {
            let file = spec.state_dir.join(ENV_FILE);
            let json =
                serde_json::to_string(&spec.env).map_err(|e| PluginError::Other(e.into()))?;
            crate::store::atomic::write(&file, json.as_bytes()).map_err(|e| {
                PluginError::Other(anyhow::anyhow!("cannot write {}: {e}", file.display()))
            })?;
            let ao = std::env::current_exe().map_err(|e| {
                PluginError::Other(anyhow::anyhow!("cannot find the running ao binary: {e}"))
            })?;
            let mut v = vec![
                ao.display().to_string(),
                "util".to_owned(),
                "exec-env".to_owned(),
                file.display().to_string(),
                "--".to_owned(),
            ];
            v.extend(spec.argv.iter().cloned());
            v
        };
        self.tmux
            .new_session(&spec.name, &spec.cwd, &BTreeMap::new(), &argv)?;
        let pid = self
            .tmux
            .list_panes()?
            .into_iter()
            .find(|p| p.session == spec.name)
            .and_then(|p| p.pid);
        Ok(RuntimeHandle {
            plugin: "tmux".into(),
            target: spec.name.clone(),
            pid,
            pid_start: None,
            log: None,
            remote: None,
        })
    }

    fn destroy(&self, handle: &RuntimeHandle) -> Result<(), PluginError> {
        self.tmux.kill_session(&handle.target)?;
        Ok(())
    }

    fn probe(&self, handles: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
        let panes = self.tmux.list_panes()?;
        let mut out = BTreeMap::new();
        for h in handles {
            // A same-named session that is not the one ao started counts as gone.
            let probe = match panes
                .iter()
                .find(|p| p.session == h.target && same_pane(h, p))
            {
                Some(p) => Probe {
                    exists: true,
                    agent_exited: p.dead,
                    pid: p.pid,
                    command: p.command.clone(),
                    activity_time: p.activity,
                    exit_status: p.dead_status,
                },
                None => Probe {
                    exists: false,
                    agent_exited: true,
                    pid: None,
                    command: String::new(),
                    activity_time: None,
                    exit_status: None,
                },
            };
            out.insert(h.target.clone(), probe);
        }
        Ok(out)
    }

    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError> {
        match self.tmux.capture(&handle.target, lines) {
            Ok(s) => Ok(strip_control(&s)),
            Err(e) if e.stderr().contains("can't find") => Err(PluginError::NotFound(format!(
                "tmux session `{}` is gone",
                handle.target
            ))),
            Err(e) => Err(e.into()),
        }
    }

    fn capture_many(
        &self,
        handles: &[&RuntimeHandle],
        lines: u32,
    ) -> Vec<Result<String, PluginError>> {
        let nonce = crate::plugins::agent::detect::new_uuid().ok();
        let mut out = Vec::with_capacity(handles.len());
        // tmux passes a command line to its server as one message of at most 16 KiB.
        for chunk in handles.chunks(CAPTURE_CHUNK) {
            let names: Vec<&str> = chunk.iter().map(|h| h.target.as_str()).collect();
            let batch = match &nonce {
                Some(n) if names.len() > 1 => {
                    self.tmux
                        .capture_many(&names, lines, &format!("ao-capture-end-{n}"))
                }
                _ => None,
            };
            match batch {
                Some(texts) => out.extend(texts.iter().map(|t| Ok(strip_control(t)))),
                None => out.extend(chunk.iter().map(|h| self.capture(h, lines))),
            }
        }
        out
    }

    fn deliver(
        &self,
        handle: &RuntimeHandle,
        text: &str,
        policy: &SubmitPolicy,
    ) -> Result<Delivery, PluginError> {
        // Never type into a session that merely has the right name (checklist F9).
        let panes = self.tmux.list_panes()?;
        match panes.iter().find(|p| p.session == handle.target) {
            None => {
                return Err(PluginError::NotFound(format!(
                    "tmux session `{}` is gone",
                    handle.target
                )));
            }
            Some(p) if !same_pane(handle, p) => {
                return Err(PluginError::Refused(format!(
                    "tmux session `{}` is not the one ao started (its pane runs pid {}, ao recorded pid {}); refusing to type into it",
                    handle.target,
                    p.pid.map_or("?".into(), |v| v.to_string()),
                    handle.pid.map_or("?".into(), |v| v.to_string()),
                )));
            }
            Some(_) => {}
        }
        let buffer = format!(
            "ao-{}-{}-{}",
            handle.target,
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        );
        self.tmux.paste(&handle.target, &buffer, text)?;
        std::thread::sleep(std::time::Duration::from_millis(policy.settle_ms));
        self.tmux.send_key(&handle.target, &policy.key)?;
        // Confirm: the tail of the text must no longer sit on the cursor line.
        let probe: String = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .chars()
            .rev()
            .take(24)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if probe.is_empty() {
            return Ok(Delivery::Delivered);
        }
        for attempt in 0..=policy.retries {
            std::thread::sleep(std::time::Duration::from_millis(policy.settle_ms));
            let line = self.tmux.cursor_line(&handle.target).unwrap_or_default();
            if !line.contains(&probe) {
                return Ok(Delivery::Delivered);
            }
            if attempt < policy.retries {
                self.tmux.send_key(&handle.target, &policy.key)?;
            }
        }
        Ok(Delivery::Unconfirmed)
    }

    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>> {
        Some(self.tmux.attach_argv(&handle.target))
    }
}

/// Whether pane `p` is the one `h` recorded: same pane pid (records without a pid, from
/// before pids were kept, match by name alone).
fn same_pane(h: &RuntimeHandle, p: &crate::sys::tmux::Pane) -> bool {
    match (h.pid, p.pid) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}
