//! Typed tmux wrapper: one method per verb, machine formats (`-F`), exact targets
//! (`=name:`), and text delivery via `load-buffer -` + `paste-buffer` so untrusted text is
//! never a tmux argument.

use std::collections::BTreeMap;
use std::path::Path;

use super::cmd::{Cmd, CmdError};

/// One pane as reported by `list-panes -a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pane {
    /// Session name.
    pub session: String,
    /// Pane pid.
    pub pid: Option<u32>,
    /// Foreground command.
    pub command: String,
    /// Pane dead (remain-on-exit kept it).
    pub dead: bool,
    /// Exit status of a dead pane.
    pub dead_status: Option<i32>,
    /// The signal that ended a dead pane's process: tmux closes the pty at its end of
    /// file, and a process that closed its terminal before exiting is then hung up
    /// (`pane_dead_signal`, tmux 3.3).
    pub dead_signal: Option<i32>,
    /// `window_activity`: epoch seconds of last output.
    pub activity: Option<i64>,
}

/// What a guarded paste or key press did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guarded {
    /// The paste or key went to the live pane.
    Done,
    /// Nothing was sent: the pane is dead, or its pid is not the expected one.
    Refused {
        /// The pane's program has exited (`remain-on-exit` kept it).
        dead: bool,
        /// The pane's pid.
        pid: Option<u32>,
        /// Exit status of a dead pane.
        status: Option<i32>,
    },
}

/// Marker printed by the refusing branch of a guarded command.
const REFUSED: &str = "ao-refused:";

/// The tmux arguments (after `tmux` and its server options) of a guarded command: run
/// `action` (a tmux command string) only when the pane of `name` is alive and has pid
/// `pid`, else `refuse` (a command string ending in `;`, may be empty) followed by a
/// report of the pane's state ([`parse_guarded`] reads the output). Shared with the
/// `ssh` runtime, which runs the same command on a host.
pub fn guarded_args(name: &str, pid: Option<u32>, action: &str, refuse: &str) -> Vec<String> {
    let target = Tmux::target(name);
    // tmux 3.3a has no `#{!:}`: a dead pane selects the 0 branch of `#{?}`.
    let ok = match pid {
        Some(p) => format!("#{{?pane_dead,0,#{{==:#{{pane_pid}},{p}}}}}"),
        None => "#{?pane_dead,0,1}".to_owned(),
    };
    let report = format!(
        "{refuse} display-message -p -t {} '{REFUSED}#{{pane_dead}}:#{{pane_pid}}:#{{pane_dead_status}}'",
        quote(&target)
    );
    vec![
        "if-shell".into(),
        "-F".into(),
        "-t".into(),
        target,
        ok,
        action.to_owned(),
        report,
    ]
}

/// Parses the output of a guarded command: the refusal report, else done.
pub fn parse_guarded(out: &str) -> Guarded {
    match out.lines().find_map(|l| l.strip_prefix(REFUSED)) {
        None => Guarded::Done,
        Some(rest) => {
            let f: Vec<&str> = rest.split(':').collect();
            Guarded::Refused {
                dead: f.first() == Some(&"1"),
                pid: f.get(1).and_then(|p| p.parse().ok()),
                status: f.get(2).and_then(|p| p.parse().ok()),
            }
        }
    }
}

/// Quotes a word for a tmux command string (single quotes; ao's words never contain one,
/// but a quote is escaped all the same).
pub fn quote(w: &str) -> String {
    format!("'{}'", w.replace('\'', "'\\''"))
}

/// tmux on a chosen server (`-L socket`) or the user's default server.
#[derive(Debug, Clone)]
pub struct Tmux {
    socket: Option<String>,
}

/// Field separator in `-F` formats; a tab cannot occur in session names ao creates.
const SEP: char = '\t';
const PANE_FORMAT: &str = "#{session_name}\t#{pane_pid}\t#{pane_current_command}\t#{pane_dead}\t#{pane_dead_status}\t#{window_activity}\t#{pane_dead_signal}";

impl Tmux {
    /// A wrapper for the server on `socket` (`-L`), or the default server when `None`.
    pub fn new(socket: Option<&str>) -> Self {
        Self {
            socket: socket.map(str::to_owned),
        }
    }

    /// The base command, with the environment pinned.
    pub fn command(&self) -> Cmd {
        // `-u`: UTF-8 whatever the locale. Under cron (no LANG, the C locale) tmux would
        // otherwise print the tab separators of `-F` formats and every non-ASCII
        // character of a capture as `_`, and no pane would be recognised.
        let mut c = Cmd::new("tmux").arg("-u");
        if let Some(s) = &self.socket {
            // A private server: ignore $TMUX (which would select the caller's server) and
            // the user's ~/.tmux.conf (which could change key bindings and options).
            c = c.args(["-L", s, "-f", "/dev/null"]).env_remove("TMUX");
        }
        // Machine-readable, untranslated messages ("no server running", "can't find").
        c.env("LC_MESSAGES", "C")
    }

    /// Exact session target for `-t`: `=name:` (no prefix matching; current pane).
    pub fn target(name: &str) -> String {
        format!("={name}:")
    }

    /// Starts a detached session running `argv` directly (no shell when argv has 2+
    /// elements), keeping the pane after the program exits.
    pub fn new_session(
        &self,
        name: &str,
        cwd: &Path,
        env: &BTreeMap<String, String>,
        argv: &[String],
    ) -> Result<(), CmdError> {
        let mut c = self
            .command()
            .args(["new-session", "-d", "-s", name, "-x", "220", "-y", "50"]);
        c = c.arg("-c").arg(cwd);
        for (k, v) in env {
            c = c.arg("-e").arg(escape_arg(&format!("{k}={v}")));
        }
        c = c.arg("--");
        for a in argv {
            c = c.arg(escape_arg(a));
        }
        // Chained in the same invocation so the option is set before the server can
        // notice the child exiting; `;` as its own argument is tmux's command separator.
        c = c.args([
            ";",
            "set-option",
            "-t",
            &Self::target(name),
            "remain-on-exit",
            "on",
        ]);
        // A server that is exiting (its last session was just killed) still accepts the
        // connection, then goes away: the session died with it, so start it again once
        // the socket is free (a new server then starts).
        let mut tries = 0;
        loop {
            match c.clone().run() {
                Err(e) if tries < 3 && is_server_exiting(&e) => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100 * tries));
                }
                r => return r.map(|_| ()),
            }
        }
    }

    /// Kills the session. Ok(false) when it did not exist.
    pub fn kill_session(&self, name: &str) -> Result<bool, CmdError> {
        match self
            .command()
            .args(["kill-session", "-t", &Self::target(name)])
            .run()
        {
            Ok(_) => Ok(true),
            Err(e) if is_missing(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// All panes of all sessions in one call. No server running → empty.
    pub fn list_panes(&self) -> Result<Vec<Pane>, CmdError> {
        match self
            .command()
            .args(["list-panes", "-a", "-F", PANE_FORMAT])
            .read()
        {
            Ok(out) => Ok(parse_panes(&out)),
            // A server whose last session was just killed answers "no current target"
            // while it shuts down: no panes either.
            Err(e) if is_no_server(&e) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The last `lines` lines of the pane (joined wrapped lines, no escapes).
    pub fn capture(&self, name: &str, lines: u32) -> Result<String, CmdError> {
        let start = format!("-{lines}");
        self.command()
            .args([
                "capture-pane",
                "-p",
                "-J",
                "-t",
                &Self::target(name),
                "-S",
                &start,
            ])
            .read()
    }

    /// [`Tmux::capture`] of every session in `names`, in order, in one tmux call: the
    /// captures are chained with `;`, each followed by a `display-message` of `delimiter`
    /// (a per-call random word a pane cannot know, so it cannot fake a boundary). `None`
    /// when any capture fails (tmux stops the chain, e.g. at a session that just ended)
    /// or the output does not split into one capture per session: capture one by one.
    pub fn capture_many(&self, names: &[&str], lines: u32, delimiter: &str) -> Option<Vec<String>> {
        let start = format!("-{lines}");
        let mut c = self.command();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                c = c.arg(";");
            }
            c = c
                .args(["capture-pane", "-p", "-J", "-t", &Self::target(name)])
                .args(["-S", &start, ";", "display-message", "-p", delimiter]);
        }
        let out = c.read().ok()?;
        let mut parts = Vec::with_capacity(names.len());
        let mut cur = String::new();
        for line in out.split_inclusive('\n') {
            if line.trim_end_matches('\n') == delimiter {
                parts.push(std::mem::take(&mut cur));
            } else {
                cur.push_str(line);
            }
        }
        (parts.len() == names.len() && cur.is_empty()).then_some(parts)
    }

    /// The visible line the cursor is on (the agent's input line).
    pub fn cursor_line(&self, name: &str) -> Result<String, CmdError> {
        let y = self
            .command()
            .args([
                "display-message",
                "-p",
                "-t",
                &Self::target(name),
                "#{cursor_y}",
            ])
            .read()?;
        let y: usize = y.trim().parse().unwrap_or(0);
        let screen = self
            .command()
            .args(["capture-pane", "-p", "-t", &Self::target(name)])
            .read()?;
        Ok(screen.lines().nth(y).unwrap_or("").to_owned())
    }

    /// Pastes `text` into the pane without submitting it: `load-buffer -` (text on stdin),
    /// then, in ONE tmux command, `if-shell -F` on the pane's state chained with
    /// `paste-buffer -d -p -r` into the exact target. The paste runs only when the pane is
    /// alive and (when `pid` is given) its pid is `pid`; otherwise nothing is pasted, the
    /// buffer is deleted and [`Guarded::Refused`] says what the pane was. tmux 3.3a
    /// crashes its whole server on a paste into a dead pane, so the check and the paste
    /// must be one command. `buffer` must be unique per message.
    pub fn paste(
        &self,
        name: &str,
        pid: Option<u32>,
        buffer: &str,
        text: &str,
    ) -> Result<Guarded, CmdError> {
        self.command()
            .args(["load-buffer", "-b", buffer, "-"])
            .stdin(text.as_bytes())
            .run()?;
        let paste = format!(
            "paste-buffer -d -p -r -b {} -t {}",
            quote(buffer),
            quote(&Self::target(name))
        );
        let refuse = format!("delete-buffer -b {} ;", quote(buffer));
        self.guarded(name, pid, &paste, &refuse)
    }

    /// Sends one key by name (e.g. `Enter`) with the same guard as [`Tmux::paste`]: only
    /// into a live pane with the expected pid. Only ao-chosen key names reach here.
    pub fn send_key(&self, name: &str, pid: Option<u32>, key: &str) -> Result<Guarded, CmdError> {
        let send = format!("send-keys -t {} {}", quote(&Self::target(name)), quote(key));
        self.guarded(name, pid, &send, "")
    }

    /// Runs `action` (a tmux command string) only when the pane of `name` is alive and
    /// has pid `pid`, else `refuse` (a command string ending in `;`, may be empty)
    /// followed by a report of the pane's state, all in one tmux invocation.
    fn guarded(
        &self,
        name: &str,
        pid: Option<u32>,
        action: &str,
        refuse: &str,
    ) -> Result<Guarded, CmdError> {
        let out = self
            .command()
            .args(guarded_args(name, pid, action, refuse))
            .read()?;
        Ok(parse_guarded(&out))
    }

    /// True when the session exists (exact match).
    pub fn has_session(&self, name: &str) -> Result<bool, CmdError> {
        match self
            .command()
            .args(["has-session", "-t", &format!("={name}")])
            .run()
        {
            Ok(_) => Ok(true),
            Err(e) if is_missing(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The argv a person runs to attach to the session.
    pub fn attach_argv(&self, name: &str) -> Vec<String> {
        let mut v = vec!["tmux".to_owned()];
        if let Some(s) = &self.socket {
            v.extend(["-L".to_owned(), s.clone()]);
        }
        v.extend([
            "attach-session".to_owned(),
            "-t".to_owned(),
            format!("={name}"),
        ]);
        v
    }
}

/// tmux splits commands at an argument ending in `;`. Escape a trailing `;` as `\;`,
/// which tmux turns back into a literal `;`.
pub fn escape_arg(a: &str) -> String {
    match a.strip_suffix(';') {
        Some(rest) => format!("{rest}\\;"),
        None => a.to_owned(),
    }
}

/// Whether the server went away while answering (it was shutting down).
fn is_server_exiting(e: &CmdError) -> bool {
    let s = e.stderr();
    s.contains("server exited unexpectedly") || s.contains("lost server")
}

fn is_no_server(e: &CmdError) -> bool {
    let s = e.stderr();
    s.contains("no server running")
        || s.contains("error connecting to")
        || s.contains("No such file or directory")
        // A server that is shutting down (e.g. right after kill-server).
        || is_server_exiting(e)
        // A server whose last session was just killed (still exiting) has no target for
        // `list-panes -a`: no panes.
        || s.contains("no current target")
}

/// Whether `e` says the target session (or its whole server) is gone: no server, a server
/// shutting down after its last session was killed, or no such session, window or pane.
pub fn is_missing(e: &CmdError) -> bool {
    let s = e.stderr();
    is_no_server(e) || s.contains("can't find") || s.contains("session not found")
}

/// Parses `list-panes -a -F PANE_FORMAT` output.
pub fn parse_panes(out: &str) -> Vec<Pane> {
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(SEP).collect();
            if f.len() < 6 {
                return None;
            }
            Some(Pane {
                session: f[0].to_owned(),
                pid: f[1].parse().ok(),
                command: f[2].to_owned(),
                dead: f[3] == "1",
                dead_status: f[4].parse().ok(),
                activity: f[5].parse().ok(),
                dead_signal: f.get(6).and_then(|s| s.parse().ok()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stderr: &str) -> CmdError {
        CmdError::Failed {
            cmd: "tmux capture-pane".into(),
            status: "exit status: 1".into(),
            code: Some(1),
            stderr: stderr.into(),
            stdout: String::new(),
        }
    }

    /// A capture racing `kill-session` of the server's last session meets a server that
    /// exits while answering (seen in CI): the session is gone, not an error.
    #[test]
    fn a_server_exiting_mid_command_means_the_session_is_gone() {
        for gone in [
            "server exited unexpectedly",
            "no server running on /tmp/tmux-0/ao",
            "no current target",
            "can't find session: =app-1",
            "can't find pane: %3",
        ] {
            assert!(is_missing(&failed(gone)), "{gone}");
        }
        assert!(!is_missing(&failed("unknown option -- Z")));
    }

    #[test]
    fn parses_pane_lines() {
        let out = "app-1\t123\tclaude\t0\t\t1700000000\t\napp-2\t456\tbash\t1\t137\t1700000001\t\napp-3\t789\tnode\t1\t\t1700000002\t1\nbroken\n";
        let p = parse_panes(out);
        assert_eq!(p.len(), 3);
        assert_eq!((p[2].dead_status, p[2].dead_signal), (None, Some(1)));
        assert_eq!(p[0].session, "app-1");
        assert_eq!(p[0].pid, Some(123));
        assert!(!p[0].dead);
        assert_eq!(p[1].dead_status, Some(137));
        assert_eq!(p[1].activity, Some(1_700_000_001));
    }

    /// Real tmux on a private socket: a pane that prints something delimiter-like (but
    /// not the per-call word) does not shift the split; a missing session makes the
    /// batch fail as a whole (the caller then captures one by one).
    /// Starting a session while the server's last session is being killed meets a server
    /// that accepts the connection and then exits: the start is retried, not failed.
    #[test]
    fn a_session_started_while_the_last_one_is_killed_starts() {
        let t = Tmux::new(Some(&format!("ao-unit-race-{}", std::process::id())));
        let dir = std::env::temp_dir();
        let none = BTreeMap::new();
        let sleep = ["sleep".to_owned(), "30".to_owned()];
        for i in 0..40 {
            let old = format!("old{i}");
            t.new_session(&old, &dir, &none, &sleep).unwrap();
            std::thread::scope(|s| {
                s.spawn(|| t.kill_session(&old).unwrap());
                let new = format!("new{i}");
                t.new_session(&new, &dir, &none, &sleep)
                    .unwrap_or_else(|e| panic!("round {i}: {e}"));
                t.kill_session(&new).unwrap();
            });
        }
    }

    #[test]
    fn capture_many_splits_only_on_the_delimiter() {
        let t = Tmux::new(Some(&format!("ao-unit-capture-{}", std::process::id())));
        let dir = std::env::temp_dir();
        let none = BTreeMap::new();
        let sh = |text: &str| {
            vec![
                "sh".to_owned(),
                "-c".to_owned(),
                format!("printf '{text}'; sleep 30"),
            ]
        };
        t.new_session("a", &dir, &none, &sh("alpha\\nao-capture-end-fake\\n"))
            .unwrap();
        t.new_session("b", &dir, &none, &sh("x;y\\n")).unwrap();
        let shown = |n: &str| {
            t.capture(n, 10)
                .is_ok_and(|s| s.contains("alpha") || s.contains("x;y"))
        };
        for _ in 0..100 {
            if shown("a") && shown("b") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let got = t
            .capture_many(&["a", "b"], 10, "ao-capture-end-0123")
            .unwrap();
        let _ = t.command().arg("kill-server").run();
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("alpha\nao-capture-end-fake"), "{got:?}");
        assert!(
            got[1].contains("x;y") && !got[1].contains("alpha"),
            "{got:?}"
        );
        let t2 = Tmux::new(Some(&format!("ao-unit-capture2-{}", std::process::id())));
        t2.new_session("a", &dir, &none, &sh("alpha\\n")).unwrap();
        assert!(
            t2.capture_many(&["a", "gone"], 10, "ao-capture-end-0123")
                .is_none()
        );
        let _ = t2.command().arg("kill-server").run();
    }

    /// Real tmux 3.3a crashes its server on a paste into a dead pane: the guarded paste
    /// and key press send nothing there (nor to a pane with another pid), say why, and
    /// every session on the server stays alive.
    #[test]
    fn guarded_paste_never_reaches_a_dead_or_foreign_pane() {
        let t = Tmux::new(Some(&format!("ao-unit-guard-{}", std::process::id())));
        let dir = std::env::temp_dir();
        let none = BTreeMap::new();
        let argv = |s: &str| vec!["sh".to_owned(), "-c".to_owned(), s.to_owned()];
        t.new_session("live", &dir, &none, &argv("cat")).unwrap();
        t.new_session("dead", &dir, &none, &argv("exit 3")).unwrap();
        let pane = |n: &str| {
            t.list_panes()
                .unwrap()
                .into_iter()
                .find(|p| p.session == n)
                .unwrap()
        };
        for _ in 0..100 {
            if pane("dead").dead {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let dead = pane("dead");
        assert!(dead.dead);
        let got = t.paste("dead", dead.pid, "ao-unit-b1", "hello").unwrap();
        // tmux may mark the pane dead a moment before it records the exit status.
        assert!(
            matches!(got, Guarded::Refused { dead: true, pid, status }
                if pid == dead.pid && matches!(status, None | Some(3))),
            "{got:?}"
        );
        assert!(matches!(
            t.send_key("dead", dead.pid, "Enter").unwrap(),
            Guarded::Refused { dead: true, .. }
        ));
        // The refused paste left no buffer behind.
        let buffers = t
            .command()
            .args(["list-buffers"])
            .read()
            .unwrap_or_default();
        assert!(!buffers.contains("ao-unit-b1"), "{buffers}");
        let live = pane("live");
        let other = live.pid.map(|p| p + 1);
        assert!(matches!(
            t.paste("live", other, "ao-unit-b2", "wrong pane").unwrap(),
            Guarded::Refused { dead: false, .. }
        ));
        assert_eq!(
            t.paste("live", live.pid, "ao-unit-b3", "right pane")
                .unwrap(),
            Guarded::Done
        );
        let mut shown = String::new();
        for _ in 0..100 {
            shown = t.capture("live", 5).unwrap();
            if shown.contains("right pane") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let names: Vec<String> = t
            .list_panes()
            .unwrap()
            .into_iter()
            .map(|p| p.session)
            .collect();
        let _ = t.command().arg("kill-server").run();
        assert!(
            shown.contains("right pane") && !shown.contains("wrong pane"),
            "{shown}"
        );
        assert_eq!(names, ["dead", "live"]);
    }

    #[test]
    fn escapes_trailing_semicolon() {
        assert_eq!(escape_arg("hello;"), "hello\\;");
        assert_eq!(escape_arg("a;b"), "a;b");
    }
}
