//! `TestEnv`: a hermetic environment per test — temporary HOME, data dir, worktree dir,
//! private tmux socket (killed on drop), git identity and config isolated.

#![allow(dead_code)]

pub mod fleet;
pub mod gql;
pub mod sshd;
pub mod stand_in;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Output of one `ao` run, rendered like jj's: stdout, stderr, exit status.
pub struct Run {
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
}

impl Run {
    /// Wraps a finished process's output.
    pub fn from(out: Output) -> Self {
        Self {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success\n{self}");
        self
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}------- stderr -------\n{}[exit status: {}]",
            self.stdout, self.stderr, self.code
        )
    }
}

/// A hermetic test environment.
pub struct TestEnv {
    /// Root temp dir (everything lives inside).
    pub dir: tempfile::TempDir,
    /// tmux socket name.
    pub socket: String,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// A fresh environment.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ao-test-")
            .tempdir()
            .expect("tempdir");
        for d in ["home", "data", "worktrees", "tmux", "bin"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let socket = format!(
            "ao-test-{}",
            dir.path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace('.', "_")
        );
        Self { dir, socket }
    }

    /// Root path.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Temporary HOME.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// Data dir (`AO_DATA_DIR`).
    pub fn data(&self) -> PathBuf {
        self.root().join("data")
    }

    /// Worktree dir.
    pub fn worktrees(&self) -> PathBuf {
        self.root().join("worktrees")
    }

    /// A directory prepended to PATH (for fake programs).
    pub fn bin(&self) -> PathBuf {
        self.root().join("bin")
    }

    /// Applies the hermetic environment to any command.
    pub fn apply(&self, c: &mut Command) {
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env_clear()
            .env("PATH", path)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_RUNTIME_DIR", self.root().join("tmux"))
            .env("AO_DATA_DIR", self.data())
            .env("AO_TMUX_SOCKET", &self.socket)
            .env("TMUX_TMPDIR", self.root().join("tmux"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_SYSTEM", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/ao-test-bus",
            );
    }

    /// An `ao` command in `cwd` with the hermetic environment.
    pub fn ao_cmd(&self, cwd: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ao"));
        self.apply(&mut c);
        c.current_dir(cwd);
        c
    }

    /// Runs `ao args…` in `cwd` with the file-size limit (RLIMIT_FSIZE, via util-linux
    /// `prlimit`) at `bytes` and SIGXFSZ ignored: every write that would grow a file past
    /// `bytes` fails (EFBIG) as writes on a full disk fail (ENOSPC).
    pub fn ao_size_limited(&self, cwd: &Path, bytes: u64, args: &[&str]) -> Run {
        let mut c = Command::new("bash");
        self.apply(&mut c);
        c.current_dir(cwd)
            .arg("-c")
            .arg("trap '' XFSZ; exec prlimit --fsize=\"$0\" -- \"$@\"")
            .arg(bytes.to_string())
            .arg(env!("CARGO_BIN_EXE_ao"))
            .args(args);
        Run::from(c.output().expect("run prlimit"))
    }

    /// Runs `ao args…` in `cwd`.
    pub fn ao_in(&self, cwd: &Path, args: &[&str]) -> Run {
        Run::from(self.ao_cmd(cwd).args(args).output().expect("run ao"))
    }

    /// Runs `ao args…` in the root dir.
    pub fn ao(&self, args: &[&str]) -> Run {
        self.ao_in(self.root(), args)
    }

    /// Runs `ao args…` with `stdin`.
    pub fn ao_stdin(&self, cwd: &Path, args: &[&str], stdin: &str) -> Run {
        use std::io::Write;
        let mut c = self.ao_cmd(cwd);
        c.args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("spawn ao");
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_owned();
        // From a thread, so a large input cannot deadlock against ao's output; an error
        // is fine (ao may stop reading early, e.g. at a size limit).
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(data.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Run::from(out)
    }

    /// Runs git in `dir`, asserting success; returns trimmed stdout.
    #[track_caller]
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut c = Command::new("git");
        self.apply(&mut c);
        let out = c.args(args).current_dir(dir).output().expect("git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Creates a git repo at `<root>/<name>` with one commit on `main`.
    pub fn repo(&self, name: &str) -> PathBuf {
        let p = self.root().join(name);
        std::fs::create_dir_all(&p).unwrap();
        self.git(&p, &["init", "-q", "-b", "main"]);
        std::fs::write(p.join("README.md"), "# test repo\n").unwrap();
        self.git(&p, &["add", "."]);
        self.git(&p, &["commit", "-q", "-m", "initial"]);
        p
    }

    /// Writes a config file at `<root>/agent-orchestrator.yaml` and returns its path.
    pub fn config(&self, yaml: &str) -> PathBuf {
        let p = self.root().join("agent-orchestrator.yaml");
        std::fs::write(&p, yaml).unwrap();
        p
    }

    /// A local-only config for `repo` with project id `app`, custom agent `command`.
    pub fn local_config(&self, repo: &Path, agent_command: &str) -> PathBuf {
        self.config(&format!(
            "worktreeDir: {wt}\nspawnGrace: 0s\ndefaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {repo}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: {cmd:?}\n    tracker:\n      plugin: plain\n    scm:\n      plugin: local\n",
            wt = self.worktrees().display(),
            repo = repo.display(),
            cmd = agent_command,
        ))
    }

    /// The tick lock of the config file `config` (one lock per config).
    pub fn tick_lock(&self, config: &Path) -> PathBuf {
        let c = std::fs::canonicalize(config).unwrap();
        self.data().join(ao::store::tick_lock_name(&c))
    }

    /// Runs tmux on this env's private server.
    pub fn tmux(&self, args: &[&str]) -> Run {
        let mut c = Command::new("tmux");
        self.apply(&mut c);
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        Run::from(c.output().expect("tmux"))
    }

    /// Captures a pane's text.
    pub fn capture(&self, session: &str) -> String {
        self.tmux(&[
            "capture-pane",
            "-p",
            "-J",
            "-t",
            &format!("={session}:"),
            "-S",
            "-200",
        ])
        .stdout
    }

    /// Polls `f` until true or `secs` elapse.
    pub fn wait_for(&self, secs: u64, mut f: impl FnMut() -> bool) -> bool {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < end {
            if f() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        f()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
