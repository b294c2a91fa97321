//! The one subprocess wrapper. Arguments are always a vector (no shell); the environment
//! is pinned per tool by its wrapper; failures carry the shell-escaped command line, the
//! exit status and the captured stderr.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A failed subprocess.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// The program is not installed.
    #[error("could not find `{program}`, is it installed and on PATH?")]
    NotFound {
        /// Program name.
        program: String,
    },
    /// Spawning failed for another reason.
    #[error("could not run `{cmd}`: {source}")]
    Spawn {
        /// Command line.
        cmd: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The program ran and exited unsuccessfully.
    #[error("process didn't exit successfully: `{cmd}` ({status}){}", stderr_section(.stderr))]
    Failed {
        /// Command line.
        cmd: String,
        /// Exit status description.
        status: String,
        /// Exit code, if it exited normally.
        code: Option<i32>,
        /// Captured stderr (trimmed, bounded).
        stderr: String,
        /// Captured stdout.
        stdout: String,
    },
    /// The program did not finish within its time limit and was killed (with its process
    /// group).
    #[error("`{cmd}` did not finish within {secs}s and was stopped")]
    TimedOut {
        /// Command line.
        cmd: String,
        /// The limit, in seconds.
        secs: u64,
    },
}

fn stderr_section(s: &str) -> String {
    if s.trim().is_empty() {
        String::new()
    } else {
        format!("\n--- stderr\n{}", s.trim_end())
    }
}

impl CmdError {
    /// Stderr of a failed command (empty for spawn errors).
    pub fn stderr(&self) -> &str {
        match self {
            Self::Failed { stderr, .. } => stderr,
            _ => "",
        }
    }
}

/// A command to run: program, argument vector, environment changes, cwd and stdin.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    env: BTreeMap<OsString, Option<OsString>>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    clear_env: bool,
    timeout: Option<Duration>,
}

impl Cmd {
    /// A command running `program`.
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            cwd: None,
            stdin: None,
            clear_env: false,
            timeout: None,
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, it: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(it.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Self {
        self.env.insert(k.into(), Some(v.into()));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, k: impl Into<OsString>) -> Self {
        self.env.insert(k.into(), None);
        self
    }

    /// Starts from an empty environment: the child sees only the variables set with
    /// [`Cmd::env`].
    pub fn env_clear(mut self) -> Self {
        self.clear_env = true;
        self
    }

    /// Limits [`Cmd::output`] (and `run`, `read`) to `d`: the program runs in its own
    /// process group, which is killed when the time is up ([`CmdError::TimedOut`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, d: impl AsRef<Path>) -> Self {
        self.cwd = Some(d.as_ref().to_path_buf());
        self
    }

    /// Feeds `bytes` to stdin (otherwise stdin is null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The program name.
    pub fn program(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        if self.clear_env {
            c.env_clear();
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(d) = &self.cwd {
            c.current_dir(d);
        }
        c
    }

    fn spawn_error(&self, e: std::io::Error) -> CmdError {
        if e.kind() == std::io::ErrorKind::NotFound && self.cwd.as_ref().is_none_or(|d| d.is_dir())
        {
            CmdError::NotFound {
                program: self.program(),
            }
        } else {
            CmdError::Spawn {
                cmd: self.to_string(),
                source: e,
            }
        }
    }

    /// Runs to completion, capturing stdout and stderr; never fails on exit status (but
    /// on the time limit, when one is set).
    pub fn output(&self) -> Result<Output, CmdError> {
        if let Some(limit) = self.timeout {
            return self.output_within(limit);
        }
        let mut c = self.command();
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = c.spawn().map_err(|e| self.spawn_error(e))?;
        if let Some(bytes) = &self.stdin
            && let Some(mut w) = child.stdin.take()
        {
            // A child that exits without reading stdin yields EPIPE; its exit status tells.
            let _ = w.write_all(bytes);
        }
        child.wait_with_output().map_err(|e| self.spawn_error(e))
    }

    /// [`Cmd::output`] with a time limit. Stdin is written and stdout/stderr are read on
    /// their own threads, so neither a child that reads nothing nor one that writes a lot
    /// blocks the clock. A child that leaves a background process holding its stdout is
    /// not waited for beyond the limit: what it wrote so far is returned.
    fn output_within(&self, limit: Duration) -> Result<Output, CmdError> {
        use std::io::Read;
        use std::os::unix::process::CommandExt;
        use std::sync::mpsc;
        let start = Instant::now();
        let mut c = self.command();
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c.process_group(0);
        let mut child = c.spawn().map_err(|e| self.spawn_error(e))?;
        let pgid = child.id();
        if let (Some(bytes), Some(mut w)) = (self.stdin.clone(), child.stdin.take()) {
            std::thread::spawn(move || {
                let _ = w.write_all(&bytes);
            });
        }
        let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
        let readers: [(bool, Option<Box<dyn Read + Send>>); 2] = [
            (
                true,
                child
                    .stdout
                    .take()
                    .map(|r| Box::new(r) as Box<dyn Read + Send>),
            ),
            (
                false,
                child
                    .stderr
                    .take()
                    .map(|r| Box::new(r) as Box<dyn Read + Send>),
            ),
        ];
        for (is_out, r) in readers {
            if let Some(mut r) = r {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let _ = r.read_to_end(&mut buf);
                    let _ = tx.send((is_out, buf));
                });
            }
        }
        drop(tx);
        let timed_out = |pgid: u32| {
            // SAFETY: kill(2) with a negative pid signals the group ao created above.
            unsafe { libc_kill(-(pgid.cast_signed()), 9) };
            CmdError::TimedOut {
                cmd: self.to_string(),
                secs: limit.as_secs(),
            }
        };
        let status = loop {
            match child.try_wait().map_err(|e| self.spawn_error(e))? {
                Some(st) => break st,
                None if start.elapsed() >= limit => {
                    let e = timed_out(pgid);
                    let _ = child.wait();
                    return Err(e);
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        for _ in 0..2 {
            let left = limit
                .saturating_sub(start.elapsed())
                .max(Duration::from_millis(50));
            match rx.recv_timeout(left) {
                Ok((true, b)) => stdout = b,
                Ok((false, b)) => stderr = b,
                Err(_) => break,
            }
        }
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }

    /// Runs and fails unless the exit status is success.
    pub fn run(&self) -> Result<Output, CmdError> {
        let out = self.output()?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(self.failed(&out))
        }
    }

    /// Runs and returns stdout as (lossy) UTF-8, failing on a non-zero exit.
    pub fn read(&self) -> Result<String, CmdError> {
        Ok(String::from_utf8_lossy(&self.run()?.stdout).into_owned())
    }

    /// Runs with inherited stdio (interactive), failing on a non-zero exit.
    pub fn status(&self) -> Result<(), CmdError> {
        let mut c = self.command();
        let st = c.status().map_err(|e| self.spawn_error(e))?;
        if st.success() {
            Ok(())
        } else {
            Err(CmdError::Failed {
                cmd: self.to_string(),
                status: describe(st),
                code: st.code(),
                stderr: String::new(),
                stdout: String::new(),
            })
        }
    }

    /// The error for an unsuccessful `out`.
    pub fn failed(&self, out: &Output) -> CmdError {
        CmdError::Failed {
            cmd: self.to_string(),
            status: describe(out.status),
            code: out.status.code(),
            stderr: bounded(&String::from_utf8_lossy(&out.stderr), 4000),
            stdout: bounded(&String::from_utf8_lossy(&out.stdout), 4000),
        }
    }

    /// Replaces the current process with this command (`execvp`, stdio inherited). Only
    /// returns on failure.
    pub fn exec(&self) -> CmdError {
        use std::os::unix::process::CommandExt;
        let e = self.command().exec();
        self.spawn_error(e)
    }

    /// Spawns detached from ao (new session via `setsid`), stdio to `log` (or null).
    /// Returns the child's pid. Used for background checks and the process runtime.
    pub fn spawn_detached(&self, log: Option<&Path>) -> Result<u32, CmdError> {
        use std::os::unix::process::CommandExt;
        let mut c = self.command();
        c.stdin(Stdio::null());
        match log {
            Some(p) => {
                use std::os::unix::fs::OpenOptionsExt;
                // Logs live in the private data dir: 0600 like every file ao creates.
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(p)
                    .map_err(|e| CmdError::Spawn {
                        cmd: self.to_string(),
                        source: e,
                    })?;
                let f2 = f.try_clone().map_err(|e| CmdError::Spawn {
                    cmd: self.to_string(),
                    source: e,
                })?;
                c.stdout(f).stderr(f2);
            }
            None => {
                c.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        // SAFETY: setsid is async-signal-safe; called between fork and exec.
        unsafe {
            c.pre_exec(|| {
                if libc_setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().map_err(|e| self.spawn_error(e))?;
        Ok(child.id())
    }
}

unsafe extern "C" {
    #[link_name = "setsid"]
    fn libc_setsid_raw() -> i32;
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

fn libc_setsid() -> i32 {
    // SAFETY: setsid(2) takes no arguments and has no memory-safety preconditions.
    unsafe { libc_setsid_raw() }
}

/// Describes an exit status: `exit status: 1` or `signal: 9, SIGKILL`.
pub fn describe(st: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit status: {c}"),
        (None, Some(s)) => format!("signal: {s}{}", signal_name(s)),
        _ => "unknown status".into(),
    }
}

fn signal_name(s: i32) -> &'static str {
    match s {
        1 => ", SIGHUP",
        2 => ", SIGINT",
        9 => ", SIGKILL",
        15 => ", SIGTERM",
        _ => "",
    }
}

/// `s` cut to at most `max` bytes (on a char boundary), keeping the end.
pub fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![self.program()];
        parts.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        let quoted: Vec<String> = parts
            .iter()
            .map(|p| shlex::try_quote(p).map_or_else(|_| format!("{p:?}"), |q| q.into_owned()))
            .collect();
        f.write_str(&quoted.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_message_has_command_status_and_stderr() {
        let e = Cmd::new("sh")
            .args(["-c", "echo oops >&2; exit 3"])
            .run()
            .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("`sh -c 'echo oops >&2; exit 3'`"), "{s}");
        assert!(s.contains("exit status: 3"), "{s}");
        assert!(s.contains("--- stderr\noops"), "{s}");
    }

    #[test]
    fn missing_program_is_named() {
        let e = Cmd::new("ao-definitely-missing-program").run().unwrap_err();
        assert!(matches!(e, CmdError::NotFound { .. }));
        assert!(
            e.to_string()
                .contains("could not find `ao-definitely-missing-program`")
        );
    }

    #[test]
    fn time_limit_kills_the_process_group() {
        let t = Instant::now();
        let e = Cmd::new("sh")
            .args(["-c", "sleep 30 & sleep 30"])
            .timeout(Duration::from_millis(300))
            .output()
            .unwrap_err();
        assert!(matches!(e, CmdError::TimedOut { .. }), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5));
        let out = Cmd::new("sh")
            .args(["-c", "cat; echo err >&2"])
            .stdin("in")
            .env_clear()
            .timeout(Duration::from_secs(10))
            .run()
            .unwrap();
        assert_eq!(out.stdout, b"in");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn cleared_env_keeps_only_what_is_set() {
        let out = Cmd::new("/usr/bin/env")
            .env_clear()
            .env("ONLY", "1")
            .read()
            .unwrap();
        assert_eq!(out, "ONLY=1\n");
    }

    #[test]
    fn stdin_is_fed() {
        let out = Cmd::new("cat").stdin("a;b $(x)").read().unwrap();
        assert_eq!(out, "a;b $(x)");
    }
}
