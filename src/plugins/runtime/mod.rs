//! Runtime slot: where an agent runs (tmux session, detached process). A runtime starts,
//! probes in batch, captures output, pastes text and presses keys (the policy of when and
//! what to send lives in `ops::deliver`), and destroys.

pub mod external;
mod process;
mod ssh;
mod tmux;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::PathBuf;

pub use process::ProcessRuntime;
pub use ssh::{DEFAULT_WORKTREE_DIR as SSH_WORKTREE_DIR, SshRuntime, SshSettings};
pub use tmux::{SHELLS, TmuxRuntime};

use super::{PluginEnv, PluginError};
use crate::model::RuntimeHandle;

/// Built-in runtime names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::RUNTIME as BUILTIN;

/// What to start.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// Name of the runtime instance (the session id; tmux session name).
    pub name: String,
    /// Working directory.
    pub cwd: PathBuf,
    /// Program and arguments (never passed through a shell by ao).
    pub argv: Vec<String>,
    /// Environment added for the agent.
    pub env: BTreeMap<String, String>,
    /// Directory for runtime files (process log).
    pub state_dir: PathBuf,
    /// Host to start on (`ssh` runtime; chosen by spawn, kept by restore).
    pub host: Option<String>,
}

/// One runtime's probe plus, when the pane changed, its capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Liveness.
    pub probe: Probe,
    /// The capture (escape sequences stripped) and the epoch second it was taken on the
    /// runtime's own clock; `None` when not captured.
    pub screen: Option<(String, i64)>,
}

/// One runtime's liveness as seen by a batched probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The runtime exists (tmux session / process).
    pub exists: bool,
    /// The agent process inside has exited (pane dead / process gone). A shell in the
    /// foreground (`command`) may also mean exited; the tick decides with the agent's
    /// process names.
    pub agent_exited: bool,
    /// Pid of the pane / process.
    pub pid: Option<u32>,
    /// Foreground command name in the pane.
    pub command: String,
    /// Epoch seconds of the last output, when the runtime tracks it.
    pub activity_time: Option<i64>,
    /// Exit status of the agent, when known.
    pub exit_status: Option<i32>,
    /// The signal that ended the agent, when it was one.
    pub exit_signal: Option<i32>,
}

impl Probe {
    /// How the agent ended, for people: `status 1`, `signal 1 (SIGHUP)`; `None` while
    /// unknown.
    pub fn exit_description(&self) -> Option<String> {
        match (self.exit_status, self.exit_signal) {
            (Some(s), _) => Some(format!("status {s}")),
            (None, Some(n)) => Some(match signal_name(n) {
                Some(name) => format!("signal {n} ({name})"),
                None => format!("signal {n}"),
            }),
            (None, None) => None,
        }
    }
}

/// The usual name of signal `n` on Linux.
fn signal_name(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// A place where an agent runs.
pub trait Runtime: Send + Sync + Debug {
    /// Plugin name, persisted in `RuntimeHandle::plugin`.
    fn name(&self) -> &'static str;

    /// Starts `spec.argv` in `spec.cwd` with `spec.env`. Fails if an instance with
    /// `spec.name` already exists. The instance stays observable after the agent exits
    /// (so `probe` can report `agent_exited`).
    fn create(&self, spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError>;

    /// Stops the instance and everything in it. Idempotent: Ok when already gone.
    fn destroy(&self, handle: &RuntimeHandle) -> Result<(), PluginError>;

    /// Probes all `handles` in one batch (one subprocess for tmux). Returns a probe for
    /// every handle target; an absent runtime has `exists == false`. An `Err` means the
    /// probe itself failed and says nothing about the sessions.
    fn probe(&self, handles: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError>;

    /// Starts, ahead of [`Runtime::probe`] (or [`Runtime::observe`]), the part of a probe
    /// that needs no handles (tmux: the listing of every pane), so it runs while the
    /// caller still reads its records. The next probe of this instance uses that answer;
    /// later ones ask again. Default: nothing.
    fn prepare(&self) {}

    /// The last `lines` lines of output as plain text (escape sequences stripped).
    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError>;

    /// [`Runtime::capture`] of every handle, in order, in as few calls as the runtime
    /// allows (one for tmux). Default: one by one.
    fn capture_many(
        &self,
        handles: &[&RuntimeHandle],
        lines: u32,
    ) -> Vec<Result<String, PluginError>> {
        handles.iter().map(|h| self.capture(h, lines)).collect()
    }

    /// Pastes already-sanitised `text` into the agent's input as one (bracketed) paste,
    /// without submitting it. Never interprets the text as commands or key names. Sends
    /// nothing and returns [`PluginError::Refused`] when the instance is not the one
    /// `handle` recorded (another pid) or its agent has exited (a dead pane): that check
    /// and the paste are one atomic step of the runtime, so nothing is ever pasted into a
    /// dead pane. [`PluginError::NotFound`] when the instance is gone;
    /// [`PluginError::Unsupported`] for runtimes without a terminal. Deciding whether the
    /// agent's screen can take a message is the caller's job (ops::deliver).
    fn paste(&self, handle: &RuntimeHandle, text: &str) -> Result<(), PluginError>;

    /// Presses one key, given by its tmux key name (`Enter`, `C-m`, `Escape`); only
    /// ao-chosen names reach here, never message text. Same refusals as
    /// [`Runtime::paste`].
    fn send_key(&self, handle: &RuntimeHandle, key: &str) -> Result<(), PluginError>;

    /// The text of the visible line the cursor is on (the agent's input line), escape
    /// sequences stripped. Used to see whether pasted text still waits unsent.
    fn cursor_line(&self, handle: &RuntimeHandle) -> Result<String, PluginError>;

    /// Argument vector a person runs to attach, or `None` when not attachable.
    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>>;

    /// One observation pass: probes every handle and captures (`lines` lines) each live
    /// one whose activity time is not `fresh[target]` (a capture taken after that
    /// activity is still valid). A per-handle `Err` says nothing about the session;
    /// [`PluginError::Unavailable`] means its host could not be reached. Default: one
    /// [`Runtime::probe`], then one [`Runtime::capture_many`].
    fn observe(
        &self,
        handles: &[&RuntimeHandle],
        fresh: &BTreeMap<String, i64>,
        lines: u32,
    ) -> BTreeMap<String, Result<Observed, PluginError>> {
        let probes = match self.probe(handles) {
            Ok(p) => p,
            Err(e) => {
                let msg = e.to_string();
                return handles
                    .iter()
                    .map(|h| {
                        (
                            h.target.clone(),
                            Err(PluginError::Other(anyhow::anyhow!(msg.clone()))),
                        )
                    })
                    .collect();
            }
        };
        let stale: Vec<&RuntimeHandle> = handles
            .iter()
            .copied()
            .filter(|h| {
                probes.get(&h.target).is_some_and(|p| {
                    p.exists
                        && (p.activity_time.is_none()
                            || p.activity_time != fresh.get(&h.target).copied())
                })
            })
            .collect();
        // Wall clock when the screens are taken, like tmux's activity time they are
        // compared with (not a pinned AO_NOW).
        let taken = jiff::Timestamp::now().as_second();
        let mut screens: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for (h, text) in stale.iter().zip(self.capture_many(&stale, lines)) {
            if let Ok(text) = text {
                screens.insert(h.target.clone(), (text, taken));
            }
        }
        probes
            .into_iter()
            .map(|(target, probe)| {
                let screen = screens.remove(&target);
                (target, Ok(Observed { probe, screen }))
            })
            .collect()
    }

    /// Copies `bytes`, which ao just wrote at `rel` in the session's local workspace (a
    /// long message under `.ao/messages/`), to where the agent runs (the `ssh` runtime's
    /// remote workspace). Default: nothing to do, the agent runs in the local workspace.
    fn put_workspace_file(
        &self,
        _handle: &RuntimeHandle,
        _rel: &str,
        _bytes: &[u8],
    ) -> Result<(), PluginError> {
        Ok(())
    }

    /// Unsaved work in a workspace the runtime owns (the `ssh` runtime's remote
    /// workspace), described for the human; `None` when clean or when the runtime owns
    /// no workspace (the default).
    fn unsaved_work(&self, _handle: &RuntimeHandle) -> Result<Option<String>, PluginError> {
        Ok(None)
    }

    /// Removes a workspace the runtime owns (the `ssh` runtime's remote workspace),
    /// refusing unsaved work unless `force`. Idempotent. Default: nothing to remove.
    fn remove_workspace(&self, _handle: &RuntimeHandle, _force: bool) -> Result<(), PluginError> {
        Ok(())
    }
}

/// Creates the runtime `name`; `env.tmux_socket` selects a private tmux server (`-L`).
/// The `ssh` runtime needs its project's settings: use `ops::runtime_named`. Another name
/// is the external `ao-runtime-<name>` (no config: everything it needs is in each call's
/// params).
pub fn create(name: &str, env: &PluginEnv<'_>) -> Result<Box<dyn Runtime>, PluginError> {
    match name {
        "tmux" => Ok(Box::new(TmuxRuntime::new(env.tmux_socket))),
        "process" => Ok(Box::new(ProcessRuntime)),
        "ssh" => Err(PluginError::Unsupported(
            "the ssh runtime needs its project's runtimeConfig".into(),
        )),
        other => Ok(Box::new(external::ExternalRuntime(
            crate::plugins::external::Plugin::find(
                "runtime",
                other,
                BUILTIN,
                serde_json::Value::Null,
            )?,
        ))),
    }
}

/// Targets of the given handles, for filtering batched probe output.
pub fn targets(handles: &[&RuntimeHandle]) -> BTreeSet<String> {
    handles.iter().map(|h| h.target.clone()).collect()
}
