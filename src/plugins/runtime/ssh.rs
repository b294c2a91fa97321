//! `ssh` runtime: the agent runs in tmux on a remote host (the remote user's tmux, on ao's
//! socket name), reached with the system OpenSSH client through one `ControlMaster`
//! connection per host (`sys::ssh`).
//!
//! - Spawn: the session's branch travels as a `git bundle` on ssh's stdin and is cloned
//!   under the host's worktree dir; the session files (prompt, agent settings) and a
//!   launcher script are unpacked beside it; tmux starts the launcher. The agent's argv and
//!   environment are in that file, never on a remote command line.
//! - Observation: per host ONE remote command lists all panes and captures, in the same
//!   pass, the panes whose activity changed (`observe`).
//! - Messages: `load-buffer -` with the text on ssh's stdin, then `paste-buffer`, in one
//!   remote command that first checks the pane is the one ao started.
//! - A host ssh cannot reach answers [`PluginError::Unavailable`] for its sessions: the
//!   tick records them `unreachable`; nothing is ever concluded about the agent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{LaunchSpec, Observed, Probe, Runtime};
use crate::model::{RemoteHandle, RuntimeHandle};
use crate::plugins::PluginError;
use crate::sys::cmd::Cmd;
use crate::sys::ssh::{Host, Ssh, SshError, quote, quote_words, remote_path};
use crate::sys::text::strip_control;
use crate::sys::tmux::{Pane, Tmux, guarded_args, parse_guarded, parse_panes, quote as tmux_quote};

/// The local tmux runtime's `list-panes` fields, separated by [`SEP`]: tmux prints a tab
/// as `_` when the remote locale is not UTF-8, so the separator is printable.
const PANE_FORMAT: &str = "#{session_name}|ao|#{pane_pid}|ao|#{pane_current_command}|ao|#{pane_dead}|ao|#{pane_dead_status}|ao|#{window_activity}|ao|#{pane_dead_signal}";

/// Field separator of [`PANE_FORMAT`] (a session name ao creates has no `|`).
const SEP: &str = "|ao|";

/// One host's observation: its panes, its clock (epoch seconds), captures by session.
type HostObservation = (Vec<Pane>, i64, BTreeMap<String, String>);

/// Default remote worktree dir.
pub const DEFAULT_WORKTREE_DIR: &str = "~/.ao/worktrees";

/// Everything the ssh runtime needs from the config and ao's data dir.
#[derive(Debug, Clone)]
pub struct SshSettings {
    /// Configured hosts (`[user@]host[:port]`).
    pub hosts: Vec<String>,
    /// `ssh -i`.
    pub identity_file: Option<PathBuf>,
    /// `ssh -F`.
    pub ssh_config: Option<PathBuf>,
    /// Remote worktree dir (absolute or `~/…`).
    pub worktree_dir: String,
    /// Directory of the control sockets (under ao's data dir).
    pub control_dir: PathBuf,
    /// tmux socket name on the hosts (`-L`).
    pub tmux_socket: String,
}

/// The ssh runtime.
#[derive(Debug)]
pub struct SshRuntime {
    ssh: Ssh,
    settings: SshSettings,
}

impl From<SshError> for PluginError {
    fn from(e: SshError) -> Self {
        match e {
            SshError::Unreachable { .. } | SshError::HostKey { .. } => {
                PluginError::Unavailable(e.to_string())
            }
            SshError::Remote { .. } => PluginError::Other(e.into()),
        }
    }
}

impl SshRuntime {
    /// The runtime with `settings`.
    pub fn new(settings: SshSettings) -> Self {
        Self {
            ssh: Ssh::new(
                &settings.control_dir,
                settings.identity_file.clone(),
                settings.ssh_config.clone(),
            ),
            settings,
        }
    }

    /// The ssh client (for `ao doctor`).
    pub fn client(&self) -> &Ssh {
        &self.ssh
    }

    /// The remote tmux words: `tmux -L <socket> -f /dev/null`.
    fn tmux_words(&self) -> Vec<String> {
        vec![
            "tmux".into(),
            "-L".into(),
            self.settings.tmux_socket.clone(),
            "-f".into(),
            "/dev/null".into(),
        ]
    }

    /// Shell text defining `t`, the remote tmux on ao's socket.
    fn tmux_fn(&self) -> String {
        let words = self.tmux_words();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        format!(
            "t() {{ LC_MESSAGES=C {} \"$@\"; }}; unset TMUX; ",
            quote_words(&refs)
        )
    }

    fn host_of(&self, h: &RuntimeHandle) -> Result<Host, PluginError> {
        let r = h.remote.as_ref().ok_or_else(|| {
            PluginError::Refused(format!(
                "session `{}` has no remote host recorded",
                h.target
            ))
        })?;
        Host::parse(&r.host).map_err(PluginError::Refused)
    }

    /// Runs `script` on `host` with `stdin`, classifying failures.
    fn run(&self, host: &Host, script: &str, stdin: Option<Vec<u8>>) -> Result<Vec<u8>, SshError> {
        let mut c = self.ssh.script(host, script);
        if let Some(b) = stdin {
            c = c.stdin(b);
        }
        c.run()
            .map(|o| o.stdout)
            .map_err(|e| crate::sys::ssh::classify(host, e))
    }

    fn run_text(&self, host: &Host, script: &str) -> Result<String, SshError> {
        self.run(host, script, None)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The host a new session goes to: the requested one (which must be configured).
    fn chosen_host(&self, spec: &LaunchSpec) -> Result<Host, PluginError> {
        let name = match &spec.host {
            Some(h) => h.clone(),
            None => self
                .settings
                .hosts
                .first()
                .cloned()
                .ok_or_else(|| PluginError::Refused("runtimeConfig.hosts is empty".into()))?,
        };
        if !self.settings.hosts.contains(&name) {
            return Err(PluginError::Refused(format!(
                "host `{name}` is not in runtimeConfig.hosts ({})",
                self.settings.hosts.join(", ")
            )));
        }
        Host::parse(&name).map_err(PluginError::Refused)
    }

    /// One remote pass over `handles` of one host: all panes, then captures of the
    /// targets in `capture` whose activity is not the given fresh value.
    fn observe_host(
        &self,
        host: &Host,
        capture: &[(&str, Option<i64>)],
        lines: u32,
    ) -> Result<HostObservation, SshError> {
        // A uniqueness nonce (the clock only when no uuid can be had), not a time.
        let nonce = crate::plugins::agent::detect::new_uuid()
            .unwrap_or_else(|_| format!("{}", jiff::Timestamp::now().as_nanosecond()));
        let mark = format!("ao-ssh-mark-{nonce}");
        let mut s = self.tmux_fn();
        s.push_str(&format!(
            "command -v tmux >/dev/null || {{ echo 'tmux not found on the host' >&2; exit 3; }}; \
             p=$(t list-panes -a -F {fmt} 2>&1) || case \"$p\" in \
             *'no server running'*|*'error connecting'*|*'No such file'*|*'server exited'*) p='';; \
             *) printf '%s\\n' \"$p\" >&2; exit 4;; esac; \
             printf '%s\\n' \"$p\"; echo {m}\" now $(date +%s)\"; ",
            fmt = quote(PANE_FORMAT),
            m = quote(&mark),
        ));
        for (name, fresh) in capture {
            let fresh = fresh.map(|f| f.to_string()).unwrap_or_default();
            s.push_str(&format!(
                "a=$(printf '%s\\n' \"$p\" | awk -F '[|]ao[|]' -v n={n} '$1==n {{print $6; exit}}'); \
                 if [ -n \"$a\" ] && [ \"$a\" != {f} ]; then echo {m}' capture '{n}; \
                 t capture-pane -p -J -t {tgt} -S -{lines} 2>/dev/null; fi; ",
                n = quote(name),
                f = quote(&fresh),
                m = quote(&mark),
                tgt = quote(&format!("={name}:")),
            ));
        }
        s.push_str(&format!("echo {}' end'", quote(&mark)));
        let out = self.run_text(host, &s)?;
        let (panes, now, caps) = parse_observation(&out, &mark);
        Ok((parse_panes(&panes.replace(SEP, "\t")), now, caps))
    }

    /// Runs a guarded tmux command on the host (`sys::tmux::guarded_args`) after
    /// `prefix` (e.g. a `load-buffer` from stdin), mapping the outcome as the local
    /// runtime does: refused for a dead or foreign pane, not found for a gone session.
    fn guarded(
        &self,
        handle: &RuntimeHandle,
        prefix: &str,
        action: &str,
        refuse: &str,
        stdin: Option<&str>,
    ) -> Result<(), PluginError> {
        let host = self.host_of(handle)?;
        let args = guarded_args(&handle.target, handle.pid, action, refuse);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let s = format!("{}{prefix}t {}", self.tmux_fn(), quote_words(&refs));
        match self.run(&host, &s, stdin.map(|t| t.as_bytes().to_vec())) {
            Ok(out) => {
                super::tmux::guarded(handle, Ok(parse_guarded(&String::from_utf8_lossy(&out))))
            }
            Err(SshError::Remote { source, .. }) if gone(source.stderr()) => {
                Err(PluginError::NotFound(format!(
                    "tmux session `{}` on {} is gone",
                    handle.target, host.dest
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Copies the session files and the launcher to `files` on `host`, then starts the
    /// launcher in tmux in `ws`; returns the pane pid.
    fn start(
        &self,
        spec: &LaunchSpec,
        host: &Host,
        ws: &str,
        files: &str,
    ) -> Result<Option<u32>, PluginError> {
        let label = crate::sys::ssh::host_label(host);
        let local_files = spec.state_dir.to_string_lossy().into_owned();
        let local_ws = spec.cwd.to_string_lossy().into_owned();
        let map = |v: &str| v.replace(&local_files, files).replace(&local_ws, ws);
        let mut launcher =
            String::from("#!/bin/sh\n# Written by ao: the agent's environment and command.\n");
        for (k, v) in &spec.env {
            if k == crate::config::resolved::DATA_DIR_ENV || k == "AO_CONFIG" {
                continue;
            }
            launcher.push_str(&format!("export {k}={}\n", quote(&map(v))));
        }
        launcher.push_str(&format!("cd {} || exit 1\n", quote(ws)));
        let argv: Vec<String> = spec.argv.iter().map(|a| map(a)).collect();
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        launcher.push_str(&format!("exec {}\n", quote_words(&words)));
        std::fs::create_dir_all(&spec.state_dir)?;
        crate::sys::atomic::write(
            &spec.state_dir.join("remote-launch.sh"),
            launcher.as_bytes(),
        )?;
        let tar = Cmd::new("tar")
            .arg("-C")
            .arg(&spec.state_dir)
            .args(["-cf", "-", "."])
            .run()
            .map_err(PluginError::from)?
            .stdout;
        let s = format!(
            "set -e; umask 077; mkdir -p {f}; tar -C {f} -xf -",
            f = quote(files)
        );
        self.run(host, &s, Some(tar))?;

        // tmux: refuse a same-named session, start the launcher, keep the pane on exit.
        let tgt = quote(&format!("={}:", spec.name));
        let s = format!(
            "{tf}if t has-session -t {exact} 2>/dev/null; then echo 'exists' >&2; exit 7; fi; \
             t new-session -d -s {n} -x 220 -y 50 -c {ws} -- sh {l} ';' set-option -t {tgt} remain-on-exit on && \
             t list-panes -t {tgt} -F '#{{pane_pid}}'",
            tf = self.tmux_fn(),
            exact = quote(&format!("={}", spec.name)),
            n = quote(&spec.name),
            ws = quote(ws),
            l = quote(&format!("{files}/remote-launch.sh")),
        );
        let pid = match self.run_text(host, &s) {
            Ok(out) => out.lines().next().and_then(|l| l.trim().parse().ok()),
            Err(SshError::Remote { source, .. }) if source.stderr().contains("exists") => {
                return Err(PluginError::Refused(format!(
                    "a tmux session named `{}` already exists on {label}; kill it or restore the ao session",
                    spec.name
                )));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(pid)
    }

    /// Resolves the absolute remote worktree root on `host`, creating it.
    fn remote_root(&self, host: &Host) -> Result<String, PluginError> {
        let s = format!(
            "set -e; for p in git tmux; do command -v $p >/dev/null || {{ echo \"$p not found on the host\" >&2; exit 3; }}; done; \
             mkdir -p {r}; cd {r}; pwd",
            r = remote_path(&self.settings.worktree_dir)
        );
        Ok(self.run_text(host, &s)?.trim().to_owned())
    }
}

impl SshRuntime {
    /// `ao doctor`'s check of one configured host, in one remote command: reachable in
    /// BatchMode, git, tmux and `agent_program` present, the worktree dir writable.
    /// Ok: what was found; Err: what is wrong.
    pub fn check_host(&self, label: &str, agent_program: Option<&str>) -> Result<String, String> {
        let host = Host::parse(label)?;
        let mut progs = vec!["git", "tmux"];
        progs.extend(agent_program);
        let s = format!(
            "m=''; for p in {ps}; do command -v \"$p\" >/dev/null 2>&1 || m=\"$m $p\"; done; \
             w={r}; if mkdir -p \"$w\" 2>/dev/null && [ -w \"$w\" ]; then wd=ok; else wd=no; fi; \
             echo \"missing:$m\"; echo \"worktree:$wd\"; cd \"$w\" 2>/dev/null && pwd",
            ps = quote_words(&progs),
            r = remote_path(&self.settings.worktree_dir),
        );
        let out = self.run_text(&host, &s).map_err(|e| e.to_string())?;
        let missing = out
            .lines()
            .find_map(|l| l.strip_prefix("missing:"))
            .unwrap_or("")
            .trim()
            .to_owned();
        let writable = out.lines().any(|l| l == "worktree:ok");
        let dir = out.lines().last().unwrap_or("").trim().to_owned();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("not found on the host: {missing}"));
        }
        if !writable {
            problems.push(format!(
                "worktree dir {} is not writable",
                self.settings.worktree_dir
            ));
        }
        if problems.is_empty() {
            Ok(format!(
                "reachable; git, tmux{} present; workspaces in {dir}",
                agent_program.map(|p| format!(", {p}")).unwrap_or_default()
            ))
        } else {
            Err(format!("reachable, but {}", problems.join("; ")))
        }
    }
}

/// A tmux error that means the session (or its server) is gone.
fn gone(stderr: &str) -> bool {
    [
        "can't find",
        "no server running",
        "no current target",
        "error connecting",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

/// Splits the output of the observation script: panes, the host's clock, captures.
fn parse_observation(out: &str, mark: &str) -> (String, i64, BTreeMap<String, String>) {
    let mut panes = String::new();
    let mut now = 0;
    let mut caps = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut buf = String::new();
    let mut header = true;
    for line in out.split_inclusive('\n') {
        let l = line.trim_end_matches('\n');
        if let Some(rest) = l.strip_prefix(mark) {
            if let Some(name) = current.take() {
                caps.insert(name, std::mem::take(&mut buf));
            }
            header = false;
            let rest = rest.trim();
            if let Some(t) = rest.strip_prefix("now ") {
                now = t.trim().parse().unwrap_or(0);
            } else if let Some(n) = rest.strip_prefix("capture ") {
                current = Some(n.to_owned());
            }
            continue;
        }
        if header {
            panes.push_str(line);
        } else if current.is_some() {
            buf.push_str(line);
        }
    }
    (panes, now, caps)
}

/// The session's files dir on the host, beside the workspaces: `<root>/.ao-sessions/<project>/<id>`.
fn remote_files(workspace: &str) -> Option<String> {
    let p = Path::new(workspace);
    let id = p.file_name()?.to_str()?;
    let project = p.parent()?.file_name()?.to_str()?;
    let root = p.parent()?.parent()?.to_str()?;
    Some(format!("{root}/.ao-sessions/{project}/{id}"))
}

/// A recorded remote workspace ao may remove: absolute, no `..`, ending in
/// `<project>/<id>` where id is the session.
fn check_remote_workspace(h: &RuntimeHandle) -> Result<(String, String), PluginError> {
    let r = h.remote.as_ref().ok_or_else(|| {
        PluginError::Refused(format!(
            "session `{}` has no remote workspace recorded",
            h.target
        ))
    })?;
    let ok = r.workspace.starts_with('/')
        && !r.workspace.split('/').any(|c| c == ".." || c == ".")
        && Path::new(&r.workspace).file_name().and_then(|f| f.to_str()) == Some(&h.target)
        && Path::new(&r.workspace).components().count() >= 4;
    match (ok, remote_files(&r.workspace)) {
        (true, Some(files)) => Ok((r.workspace.clone(), files)),
        _ => Err(PluginError::Refused(format!(
            "refusing to touch the remote workspace `{}` of {}: not <worktreeDir>/<project>/{}",
            r.workspace, h.target, h.target
        ))),
    }
}

impl Runtime for SshRuntime {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn create(&self, spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
        let host = self.chosen_host(spec)?;
        let label = crate::sys::ssh::host_label(&host);
        let root = self.remote_root(&host)?;
        let project = spec
            .cwd
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|p| p.to_str())
            .unwrap_or("project");
        let ws = format!("{root}/{project}/{}", spec.name);
        let files =
            remote_files(&ws).unwrap_or_else(|| format!("{root}/.ao-sessions/{}", spec.name));

        // The workspace: the local branch as a bundle, cloned on the host (kept when it
        // exists, e.g. on restore).
        let git = crate::sys::git::Git::new(&spec.cwd);
        let branch = git
            .read(["rev-parse", "--abbrev-ref", "HEAD"])
            .map_err(PluginError::from)?
            .trim()
            .to_owned();
        let origin = git
            .read(["remote", "get-url", "origin"])
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let exists = self
            .run_text(
                &host,
                &format!("[ -d {}/.git ] && echo yes || echo no", quote(&ws)),
            )?
            .trim()
            == "yes";
        if !exists {
            let bundle = Cmd::new("git")
                .arg("-C")
                .arg(&spec.cwd)
                .args([
                    "bundle",
                    "create",
                    "-q",
                    "-",
                    &format!("refs/heads/{branch}"),
                ])
                .run()
                .map_err(PluginError::from)?
                .stdout;
            let b = format!("{ws}.bundle");
            let mut s = format!(
                "set -e; mkdir -p {parent}; cat > {b}; git clone -q -b {br} {b} {ws}; rm -f {b}",
                parent = quote(&format!("{root}/{project}")),
                b = quote(&b),
                br = quote(&branch),
                ws = quote(&ws),
            );
            // ao's files in the workspace (`.ao/messages/`) are never work to save.
            s.push_str(&format!(
                "; mkdir -p {ws}/.git/info; echo /.ao/ >> {ws}/.git/info/exclude",
                ws = quote(&ws)
            ));
            if let Some(o) = &origin {
                s.push_str(&format!(
                    "; git -C {} remote set-url origin {}",
                    quote(&ws),
                    quote(o)
                ));
            }
            if let Err(e) = self.run(&host, &s, Some(bundle)) {
                let _ = self.run(&host, &format!("rm -rf {}", quote(&ws)), None);
                return Err(e.into());
            }
        }

        let started = self.start(spec, &host, &ws, &files);
        if started.is_err() && !exists {
            // Nothing half-made stays on the host: the clone and the files go.
            let _ = self.run(
                &host,
                &format!("rm -rf {} {}", quote(&ws), quote(&files)),
                None,
            );
        }
        let pid = started?;
        Ok(RuntimeHandle {
            plugin: "ssh".into(),
            target: spec.name.clone(),
            pid,
            pid_start: None,
            log: None,
            remote: Some(RemoteHandle {
                host: label,
                workspace: ws,
            }),
        })
    }

    fn destroy(&self, handle: &RuntimeHandle) -> Result<(), PluginError> {
        let host = self.host_of(handle)?;
        let s = format!(
            "{}t kill-session -t {} 2>/dev/null; exit 0",
            self.tmux_fn(),
            quote(&format!("={}:", handle.target))
        );
        self.run(&host, &s, None)?;
        Ok(())
    }

    fn probe(&self, handles: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
        let mut out = BTreeMap::new();
        for (target, r) in self.observe(handles, &BTreeMap::new(), 0) {
            out.insert(target, r?.probe);
        }
        Ok(out)
    }

    fn capture(&self, handle: &RuntimeHandle, lines: u32) -> Result<String, PluginError> {
        let host = self.host_of(handle)?;
        let s = format!(
            "{}t capture-pane -p -J -t {} -S -{lines}",
            self.tmux_fn(),
            quote(&format!("={}:", handle.target))
        );
        match self.run_text(&host, &s) {
            Ok(t) => Ok(strip_control(&t)),
            Err(SshError::Remote { source, .. }) if source.stderr().contains("can't find") => Err(
                PluginError::NotFound(format!("tmux session `{}` is gone", handle.target)),
            ),
            Err(e) => Err(e.into()),
        }
    }

    fn capture_many(
        &self,
        handles: &[&RuntimeHandle],
        lines: u32,
    ) -> Vec<Result<String, PluginError>> {
        handles.iter().map(|h| self.capture(h, lines)).collect()
    }

    fn observe(
        &self,
        handles: &[&RuntimeHandle],
        fresh: &BTreeMap<String, i64>,
        lines: u32,
    ) -> BTreeMap<String, Result<Observed, PluginError>> {
        let mut by_host: BTreeMap<String, Vec<&RuntimeHandle>> = BTreeMap::new();
        let mut out = BTreeMap::new();
        for h in handles {
            match &h.remote {
                Some(r) => by_host.entry(r.host.clone()).or_default().push(h),
                None => {
                    out.insert(
                        h.target.clone(),
                        Err(PluginError::Refused(format!(
                            "session `{}` has no remote host recorded",
                            h.target
                        ))),
                    );
                }
            }
        }
        for (label, group) in by_host {
            let host = match Host::parse(&label) {
                Ok(h) => h,
                Err(e) => {
                    for h in group {
                        out.insert(h.target.clone(), Err(PluginError::Refused(e.clone())));
                    }
                    continue;
                }
            };
            let capture: Vec<(&str, Option<i64>)> = if lines == 0 {
                Vec::new()
            } else {
                group
                    .iter()
                    .map(|h| (h.target.as_str(), fresh.get(&h.target).copied()))
                    .collect()
            };
            match self.observe_host(&host, &capture, lines) {
                Ok((panes, now, mut caps)) => {
                    for h in group {
                        let pane = panes
                            .iter()
                            .find(|p| p.session == h.target && (h.pid.is_none() || p.pid == h.pid));
                        let probe = match pane {
                            Some(p) => Probe {
                                exists: true,
                                agent_exited: p.dead,
                                pid: p.pid,
                                command: p.command.clone(),
                                activity_time: p.activity,
                                exit_status: p.dead_status,
                                exit_signal: p.dead_signal,
                            },
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
                        let screen = caps
                            .remove(&h.target)
                            .filter(|_| probe.exists)
                            .map(|t| (strip_control(&t), now));
                        out.insert(h.target.clone(), Ok(Observed { probe, screen }));
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    let unreachable = !matches!(e, SshError::Remote { .. });
                    for h in group {
                        let err = if unreachable {
                            PluginError::Unavailable(msg.clone())
                        } else {
                            PluginError::Other(anyhow::anyhow!(msg.clone()))
                        };
                        out.insert(h.target.clone(), Err(err));
                    }
                }
            }
        }
        out
    }

    fn paste(&self, handle: &RuntimeHandle, text: &str) -> Result<(), PluginError> {
        // The text travels on ssh's stdin into `load-buffer -`; the paste is guarded in
        // the same tmux command as locally.
        let buffer = format!(
            "ao-{}-{}-{}",
            handle.target,
            std::process::id(),
            // A uniqueness nonce for the buffer name, not a time.
            jiff::Timestamp::now().as_nanosecond()
        );
        let target = Tmux::target(&handle.target);
        let action = format!(
            "paste-buffer -d -p -r -b {} -t {}",
            tmux_quote(&buffer),
            tmux_quote(&target)
        );
        let refuse = format!("delete-buffer -b {} ;", tmux_quote(&buffer));
        let load = format!("t load-buffer -b {} - && ", quote(&buffer));
        self.guarded(handle, &load, &action, &refuse, Some(text))
    }

    fn send_key(&self, handle: &RuntimeHandle, key: &str) -> Result<(), PluginError> {
        let target = Tmux::target(&handle.target);
        let action = format!("send-keys -t {} {}", tmux_quote(&target), tmux_quote(key));
        self.guarded(handle, "", &action, "", None)
    }

    fn cursor_line(&self, handle: &RuntimeHandle) -> Result<String, PluginError> {
        let host = self.host_of(handle)?;
        let tgt = quote(&format!("={}:", handle.target));
        let s = format!(
            "{}t display-message -p -t {tgt} '#{{cursor_y}}' && t capture-pane -p -t {tgt}",
            self.tmux_fn()
        );
        match self.run_text(&host, &s) {
            Ok(out) => {
                let mut lines = out.lines();
                let y: usize = lines.next().unwrap_or("0").trim().parse().unwrap_or(0);
                Ok(strip_control(lines.nth(y).unwrap_or("")))
            }
            Err(SshError::Remote { source, .. }) if gone(source.stderr()) => Err(
                PluginError::NotFound(format!("tmux session `{}` is gone", handle.target)),
            ),
            Err(e) => Err(e.into()),
        }
    }

    fn attach_argv(&self, handle: &RuntimeHandle) -> Option<Vec<String>> {
        let host = self.host_of(handle).ok()?;
        let mut words = self.tmux_words();
        words.extend([
            "attach-session".into(),
            "-t".into(),
            format!("={}", handle.target),
        ]);
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        Some(self.ssh.tty_argv(&host, &refs))
    }

    fn put_workspace_file(
        &self,
        handle: &RuntimeHandle,
        rel: &str,
        bytes: &[u8],
    ) -> Result<(), PluginError> {
        if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(PluginError::Refused(format!(
                "`{rel}` is not a relative path"
            )));
        }
        let host = self.host_of(handle)?;
        let (ws, _) = check_remote_workspace(handle)?;
        let path = format!("{ws}/{rel}");
        let dir = Path::new(&path)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or(ws);
        let s = format!(
            "set -e; umask 077; mkdir -p {d}; cat > {p}.tmp; mv {p}.tmp {p}",
            d = quote(&dir),
            p = quote(&path)
        );
        self.run(&host, &s, Some(bytes.to_vec()))?;
        Ok(())
    }

    fn unsaved_work(&self, handle: &RuntimeHandle) -> Result<Option<String>, PluginError> {
        let host = self.host_of(handle)?;
        let (ws, _) = check_remote_workspace(handle)?;
        let s = format!(
            "cd {ws} 2>/dev/null || exit 0; git rev-parse --git-dir >/dev/null 2>&1 || exit 0; \
             c=$(git status --porcelain | wc -l); n=$(git rev-list --count HEAD --not --remotes 2>/dev/null || echo 0); \
             echo \"$c $n\"",
            ws = quote(&ws)
        );
        let out = self.run_text(&host, &s)?;
        let mut it = out
            .split_whitespace()
            .map(|v| v.parse::<u64>().unwrap_or(0));
        let (c, n) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
        let mut reasons = Vec::new();
        if c > 0 {
            reasons.push(format!("{c} uncommitted change(s)"));
        }
        if n > 0 {
            reasons.push(format!("{n} commit(s) not on any remote"));
        }
        Ok((!reasons.is_empty()).then(|| {
            format!(
                "{} on {}",
                reasons.join(" and "),
                crate::sys::ssh::host_label(&host)
            )
        }))
    }

    fn remove_workspace(&self, handle: &RuntimeHandle, force: bool) -> Result<(), PluginError> {
        if !force && let Some(why) = self.unsaved_work(handle)? {
            return Err(PluginError::Refused(format!(
                "the remote workspace of {} has {why}",
                handle.target
            )));
        }
        let host = self.host_of(handle)?;
        let (ws, files) = check_remote_workspace(handle)?;
        self.run(
            &host,
            &format!("rm -rf {} {}", quote(&ws), quote(&files)),
            None,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_an_observation() {
        let m = "ao-ssh-mark-x";
        let out = format!(
            "a\t1\tsh\t0\t\t5\nb\t2\tsh\t0\t\t6\n{m} now 100\n{m} capture a\nline 1\n{m} fake\nline 2\n{m} end\n"
        );
        let (panes, now, caps) = parse_observation(&out, m);
        assert_eq!(parse_panes(&panes).len(), 2);
        assert_eq!(now, 100);
        assert_eq!(caps.get("a").map(String::as_str), Some("line 1\n"));
        let out2 = format!("{m} now 7\n{m} capture a\nx\n{m} capture b\ny\nz\n{m} end\n");
        let (_, _, caps) = parse_observation(&out2, m);
        assert_eq!(caps["b"], "y\nz\n");
    }

    #[test]
    fn remote_workspace_paths() {
        assert_eq!(
            remote_files("/home/u/.ao/worktrees/app/app-1").as_deref(),
            Some("/home/u/.ao/worktrees/.ao-sessions/app/app-1")
        );
        let h = |ws: &str| RuntimeHandle {
            plugin: "ssh".into(),
            target: "app-1".into(),
            pid: None,
            pid_start: None,
            log: None,
            remote: Some(RemoteHandle {
                host: "h".into(),
                workspace: ws.into(),
            }),
        };
        assert!(check_remote_workspace(&h("/home/u/w/app/app-1")).is_ok());
        for bad in [
            "/",
            "/app-1",
            "/home/u/../app-1",
            "relative/x/app/app-1",
            "/home/u/w/app/app-2",
        ] {
            assert!(check_remote_workspace(&h(bad)).is_err(), "{bad}");
        }
    }
}
