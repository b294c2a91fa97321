//! A fleet for the tick tests against a code host's stand-in (GitHub, GitLab): the
//! stand-in, a hermetic environment, and one git repository per project using the host as
//! SCM (and optionally as tracker). Each agent prints a prompt, then appends every line it
//! is sent to its own file.

use std::path::PathBuf;

use jiff::Timestamp;
use serde_json::Value;

use super::TestEnv;
use super::stand_in::StandIn;

/// How a code host's plugins are configured and what must never show in ao's output.
pub struct Host {
    /// The SCM plugin name (`github`, `gitlab`).
    pub scm: &'static str,
    /// Added to each tracker and SCM block after `apiUrl` (e.g. a `token: "${VAR}"`).
    pub options: &'static str,
    /// The token's environment variable and value, set for every `ao` run.
    pub token: (&'static str, &'static str),
    /// Texts that must never appear in ao's output (the token, signed URLs).
    pub secrets: &'static [&'static str],
}

/// A fleet of projects on one code host's stand-in.
pub struct Fleet<S> {
    /// The stand-in.
    pub m: StandIn<S>,
    /// The hermetic environment.
    pub env: TestEnv,
    /// Where each agent appends the lines it receives, one file per session id.
    pub recv: PathBuf,
    /// `AO_NOW` for every `ao` run, when pinned.
    pub now: Option<Timestamp>,
    host: Host,
}

impl<S: Send + 'static> Fleet<S> {
    /// `projects`: (project id, repository path on the host). `tracker`: `plain` or the
    /// host's tracker plugin. `extra`: YAML appended after each project.
    pub fn new(
        m: StandIn<S>,
        host: Host,
        projects: &[(&str, &str)],
        tracker: &str,
        extra: &str,
    ) -> Self {
        let env = TestEnv::new();
        let recv = env.root().join("received");
        std::fs::create_dir_all(&recv).unwrap();
        let cmd = format!(
            "bash -c 'printf \"ready> \"; while IFS= read -r l; do printf \"%s\\n\" \"$l\" >> {}/$AO_SESSION; printf \"ready> \"; done'",
            recv.display()
        );
        let mut yaml = format!(
            "worktreeDir: {}\nspawnGrace: 0s\nmaxSessions: 500\ndefaults:\n  notifiers: [stderr]\nprojects:\n",
            env.worktrees().display()
        );
        for (pid, repo) in projects {
            let dir = env.repo(pid);
            yaml.push_str(&format!(
                "  {pid}:\n    repo: {repo}\n    path: {dir}\n    defaultBranch: main\n    agent: custom\n    agentConfig:\n      command: {cmd:?}\n      patterns: {{ready: [\"ready>\"]}}\n    tracker: {{plugin: {tracker}, apiUrl: \"{url}\"{o}}}\n    scm: {{plugin: {scm}, apiUrl: \"{url}\"{o}}}\n{extra}",
                dir = dir.display(),
                url = m.url,
                scm = host.scm,
                o = host.options,
            ));
        }
        env.config(&yaml);
        Self {
            m,
            env,
            recv,
            now: None,
            host,
        }
    }

    /// Runs `ao args…` with the token in the environment; asserts no secret shows.
    pub fn ao(&self, args: &[&str]) -> (i32, String, String) {
        let mut c = self.env.ao_cmd(self.env.root());
        c.args(args).env(self.host.token.0, self.host.token.1);
        if let Some(now) = self.now {
            c.env("AO_NOW", now.to_string());
        }
        let o = c.output().unwrap();
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        for s in self.host.secrets {
            assert!(
                !out.contains(s) && !err.contains(s),
                "secret leaked: {out}{err}"
            );
        }
        (o.status.code().unwrap_or(-1), out, err)
    }

    /// `ao tick`, which must not fail outright (1 = some session had an error).
    pub fn tick(&self) -> String {
        let (code, out, err) = self.ao(&["tick"]);
        assert!(code <= 1, "tick failed ({code}): {out}{err}");
        format!("{out}{err}")
    }

    /// `ao spawn pid --branch branch`, which must succeed.
    pub fn spawn(&self, pid: &str, branch: &str) {
        let (code, out, err) = self.ao(&["spawn", pid, "--prompt", "go", "--branch", branch]);
        assert_eq!(code, 0, "{out}{err}");
    }

    /// `ao status --json` sessions.
    pub fn sessions(&self) -> Vec<Value> {
        let (code, out, err) = self.ao(&["status", "--json"]);
        assert_eq!(code, 0, "{out}{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        v["sessions"].as_array().cloned().unwrap_or_default()
    }

    /// Everything session `id`'s agent was sent: the lines it received, plus the message
    /// files in its workspace that long messages are delivered through.
    pub fn saw(&self, id: &str) -> String {
        let mut text = std::fs::read_to_string(self.recv.join(id)).unwrap_or_default();
        let ws = self
            .sessions()
            .into_iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["workspace"].as_str().map(PathBuf::from));
        if let Some(dir) = ws.map(|w| w.join(".ao/messages"))
            && let Ok(rd) = std::fs::read_dir(dir)
        {
            for f in rd.flatten() {
                text.push_str(&std::fs::read_to_string(f.path()).unwrap_or_default());
            }
        }
        text
    }

    /// Session `id`'s record as stored.
    pub fn record(&self, project: &str, id: &str) -> Value {
        let p = self
            .env
            .data()
            .join(format!("projects/{project}/sessions/{id}.json"));
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }

    /// The requests recorded since the last clear, as `METHOD url` lines.
    pub fn request_lines(&self) -> Vec<String> {
        self.m
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }

    /// Ticks until `done`, at most 30 times.
    pub fn tick_until(&self, what: &str, mut done: impl FnMut() -> bool) {
        let mut ticks = 0;
        while !done() {
            ticks += 1;
            assert!(ticks < 30, "{what}; requests: {:#?}", self.request_lines());
            self.tick();
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    }
}
