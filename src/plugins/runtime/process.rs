//! `process` runtime: the agent as a detached child (`setsid`), output appended to a log
//! file in the session's data folder, pid and start time recorded so a reused pid is never
//! mistaken for the agent. Headless agents (e.g. `claude -p`) take messages as new turns;
//! delivery to a plain process is not possible and says so.

use std::collections::BTreeMap;

use super::{LaunchSpec, Probe, Runtime};
use crate::model::RuntimeHandle;
use crate::plugins::PluginError;
use crate::sys::cmd::Cmd;

/// Detached child process runtime.
#[derive(Debug)]
pub struct ProcessRuntime;

use crate::sys::proc::start_time;

/// True when `pid` runs (not a zombie) and is the process with the recorded start time.
fn alive(pid: u32, start: Option<u64>) -> bool {
    crate::sys::proc::stat(pid).is_some_and(|s| {
        s.state != 'Z' && s.state != 'X' && start.is_none_or(|t| s.start_time == Some(t))
    })
}

impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        "process"
    }

    fn create(&self, spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
        let (prog, args) = spec
            .argv
            .split_first()
            .ok_or_else(|| PluginError::Refused("empty agent command".into()))?;
        crate::sys::atomic::ensure_private_dir(&spec.state_dir)?;
        let log = spec.state_dir.join("output.log");
        let mut cmd = Cmd::new(prog).args(args).cwd(&spec.cwd);
        for (k, v) in &spec.env {
            cmd = cmd.env(k, v);
        }
        let pid = cmd.spawn_detached(Some(&log))?;
        Ok(RuntimeHandle {
            plugin: "process".into(),
            target: pid.to_string(),
            pid: Some(pid),
            pid_start: start_time(pid),
            log: Some(log),
            remote: None,
        })
    }

    fn destroy(&self, handle: &RuntimeHandle) -> Result<(), PluginError> {
        let Some(pid) = handle.pid else { return Ok(()) };
        if !alive(pid, handle.pid_start) {
            return Ok(());
        }
        // The child leads its own session (setsid): signal the whole process group.
        let _ = Cmd::new("kill")
            .args(["-TERM", "--", &format!("-{pid}")])
            .output();
        for _ in 0..20 {
            if !alive(pid, handle.pid_start) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = Cmd::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .output();
        Ok(())
    }

    fn probe(&self, handles: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
        let mut out = BTreeMap::new();
        for h in handles {
            let up = h.pid.is_some_and(|p| alive(p, h.pid_start));
            let activity_time = h
                .log
                .as_ref()
                .and_then(|l| std::fs::metadata(l).ok())
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_secs()).ok());
            out.insert(
                h.target.clone(),
                Probe {
                    // The log stays after exit: the session is "exited", not missing.
                    exists: up || h.log.as_ref().is_some_and(|l| l.exists()),
                    agent_exited: !up,
                    pid: h.pid,
                    command: String::new(),
                    activity_time,
                    exit_status: None,
                    exit_signal: None,
                },
            );
        }
        Ok(out)
    }

    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError> {
        let Some(log) = &handle.log else {
            return Ok(String::new());
        };
        let text = std::fs::read(log)
            .map_err(|e| PluginError::NotFound(format!("{}: {e}", log.display())))?;
        let start = text.len().saturating_sub(64 * 1024);
        let text = crate::sys::text::strip_control(&String::from_utf8_lossy(&text[start..]));
        let all: Vec<&str> = text.lines().collect();
        Ok(all[all.len().saturating_sub(lines as usize)..].join("\n"))
    }

    fn paste(&self, handle: &RuntimeHandle, _text: &str) -> Result<(), PluginError> {
        Err(no_terminal(handle))
    }

    fn send_key(&self, handle: &RuntimeHandle, _key: &str) -> Result<(), PluginError> {
        Err(no_terminal(handle))
    }

    fn cursor_line(&self, handle: &RuntimeHandle) -> Result<String, PluginError> {
        Err(no_terminal(handle))
    }

    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>> {
        handle
            .log
            .as_ref()
            .map(|l| vec!["tail".into(), "-f".into(), l.display().to_string()])
    }
}

/// A plain process has no terminal: messages cannot be typed into it.
fn no_terminal(handle: &RuntimeHandle) -> PluginError {
    PluginError::Unsupported(format!(
        "process {} has no terminal to type into; headless agents receive messages as new turns",
        handle.target
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_probe_capture_destroy() {
        let d = tempfile::tempdir().unwrap();
        let spec = LaunchSpec {
            name: "t-1".into(),
            cwd: d.path().to_path_buf(),
            argv: vec!["sh".into(), "-c".into(), "echo started; sleep 30".into()],
            env: BTreeMap::new(),
            state_dir: d.path().join("state"),
            host: None,
        };
        let rt = ProcessRuntime;
        let h = rt.create(&spec).unwrap();
        assert!(h.pid_start.is_some());
        std::thread::sleep(std::time::Duration::from_millis(300));
        let p = rt.probe(&[&h]).unwrap();
        assert!(p[&h.target].exists && !p[&h.target].agent_exited);
        assert!(rt.capture(&h, 5).unwrap().contains("started"));
        rt.destroy(&h).unwrap();
        let p = rt.probe(&[&h]).unwrap();
        assert!(p[&h.target].agent_exited);
        // A reused pid with another start time is not the agent.
        let fake = RuntimeHandle {
            pid_start: Some(1),
            ..h.clone()
        };
        assert!(!alive(std::process::id(), fake.pid_start));
    }
}
