//! `tmux` runtime (default): one tmux session per ao session, named after the session id,
//! the agent exec'd directly in the pane with `remain-on-exit` so a crashed agent leaves a
//! dead pane to detect. Probing is one `list-panes -a` for all sessions.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use super::{LaunchSpec, Probe, Runtime};
use crate::model::RuntimeHandle;
use crate::plugins::PluginError;
use crate::sys::cmd::CmdError;
use crate::sys::proc::Exit;
use crate::sys::text::strip_control;
use crate::sys::tmux::{Guarded, Pane, Tmux};

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

/// A pane listing running on its own thread.
type Listing = std::thread::JoinHandle<Result<Vec<Pane>, CmdError>>;

/// The tmux runtime.
#[derive(Debug)]
pub struct TmuxRuntime {
    tmux: Tmux,
    /// The listing [`Runtime::prepare`] started, for the next probe.
    early: Mutex<Option<Listing>>,
}

impl TmuxRuntime {
    /// On the server `socket` (`-L`), or the default server.
    pub fn new(socket: Option<&str>) -> Self {
        Self {
            tmux: Tmux::new(socket),
            early: Mutex::new(None),
        }
    }

    /// Every pane: the listing [`Runtime::prepare`] started, else a new one.
    fn panes(&self) -> Result<Vec<Pane>, CmdError> {
        let early = self
            .early
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match early.map(Listing::join) {
            Some(Ok(listed)) => listed,
            // None started, or its thread panicked: ask now.
            _ => self.tmux.list_panes(),
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
            crate::sys::atomic::write(&file, json.as_bytes()).map_err(|e| {
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
        let panes = self.panes()?;
        let mut by_session: BTreeMap<&str, Vec<&Pane>> = BTreeMap::new();
        for p in &panes {
            by_session.entry(p.session.as_str()).or_default().push(p);
        }
        let mut out = BTreeMap::new();
        for h in handles {
            // A same-named session that is not the one ao started counts as gone.
            let probe = match by_session
                .get(h.target.as_str())
                .and_then(|ps| ps.iter().find(|p| same_pane(h, p)))
            {
                Some(p) => {
                    let (exit_status, exit_signal) = match zombie(p) {
                        Some(Exit::Status(s)) => (Some(s), None),
                        Some(Exit::Signal(n)) => (None, Some(n)),
                        None => (p.dead_status, p.dead_signal),
                    };
                    Probe {
                        exists: true,
                        agent_exited: p.dead,
                        pid: p.pid,
                        command: p.command.clone(),
                        activity_time: p.activity,
                        exit_status,
                        exit_signal,
                    }
                }
                None => Probe {
                    exists: false,
                    agent_exited: true,
                    pid: None,
                    command: String::new(),
                    activity_time: None,
                    exit_status: None,
                    exit_signal: None,
                },
            };
            out.insert(h.target.clone(), probe);
        }
        Ok(out)
    }

    fn prepare(&self) {
        let tmux = self.tmux.clone();
        let listing = std::thread::spawn(move || tmux.list_panes());
        *self.early.lock().unwrap_or_else(PoisonError::into_inner) = Some(listing);
    }

    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError> {
        match self.tmux.capture(&handle.target, lines) {
            Ok(s) => Ok(strip_control(&s)),
            Err(e) => Err(gone_or(handle, e)),
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

    fn paste(&self, handle: &RuntimeHandle, text: &str) -> Result<(), PluginError> {
        let buffer = format!(
            "ao-{}-{}-{}",
            handle.target,
            std::process::id(),
            // A uniqueness nonce for the buffer name, not a time.
            jiff::Timestamp::now().as_nanosecond()
        );
        let r = self.tmux.paste(&handle.target, handle.pid, &buffer, text);
        guarded(handle, r)
    }

    fn send_key(&self, handle: &RuntimeHandle, key: &str) -> Result<(), PluginError> {
        let r = self.tmux.send_key(&handle.target, handle.pid, key);
        guarded(handle, r)
    }

    fn cursor_line(&self, handle: &RuntimeHandle) -> Result<String, PluginError> {
        match self.tmux.cursor_line(&handle.target) {
            Ok(l) => Ok(strip_control(&l)),
            Err(e) => Err(gone_or(handle, e)),
        }
    }

    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>> {
        Some(self.tmux.attach_argv(&handle.target))
    }
}

/// How a dead pane's process ended when tmux did not learn it: now and then tmux marks a
/// pane dead (at its pty's end of file) and never reaps the process, which stays a
/// zombie whose exit code `/proc` still shows.
fn zombie(p: &crate::sys::tmux::Pane) -> Option<Exit> {
    if !p.dead || p.dead_status.is_some() || p.dead_signal.is_some() {
        return None;
    }
    crate::sys::proc::zombie_exit(p.pid?)
}

/// Whether pane `p` is the one `h` recorded: same pane pid (records without a pid, from
/// before pids were kept, match by name alone).
fn same_pane(h: &RuntimeHandle, p: &Pane) -> bool {
    match (h.pid, p.pid) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// A missing session as `NotFound`, anything else as the command's error.
fn gone_or(handle: &RuntimeHandle, e: CmdError) -> PluginError {
    // Also a server that exits while answering, its last session having just been killed.
    if crate::sys::tmux::is_missing(&e) {
        PluginError::NotFound(format!("tmux session `{}` is gone", handle.target))
    } else {
        e.into()
    }
}

/// The result of a guarded paste or key press as the runtime contract states it.
pub(super) fn guarded(
    handle: &RuntimeHandle,
    r: Result<Guarded, CmdError>,
) -> Result<(), PluginError> {
    match r.map_err(|e| gone_or(handle, e))? {
        Guarded::Done => Ok(()),
        Guarded::Refused {
            dead: true, status, ..
        } => Err(PluginError::Refused(format!(
            "the agent in tmux session `{}` has exited{} (its pane is dead); nothing was sent",
            handle.target,
            status.map_or(String::new(), |s| format!(" with status {s}")),
        ))),
        // Never type into a session that merely has the right name (checklist F9).
        Guarded::Refused { pid, .. } => Err(PluginError::Refused(format!(
            "tmux session `{}` is not the one ao started (its pane runs pid {}, ao recorded pid {}); refusing to type into it",
            handle.target,
            pid.map_or("?".into(), |v| v.to_string()),
            handle.pid.map_or("?".into(), |v| v.to_string()),
        ))),
    }
}
