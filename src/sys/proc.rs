//! What Linux's `/proc/<pid>/stat` says of a process: its state, its start time, and for
//! a zombie (exited, not yet reaped by its parent) how it ended. Anywhere else, or for a
//! pid that is gone, nothing.

/// How a process ended, as `waitpid` would report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status.
    Status(i32),
    /// A signal ended it.
    Signal(i32),
}

/// The fields of `/proc/<pid>/stat` ao reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// State letter: `R`, `S`, `Z` (zombie), `X` (dead), …
    pub state: char,
    /// Start time in clock ticks since boot (field 22).
    pub start_time: Option<u64>,
    /// The exit code in `waitpid` form (field 52, Linux 3.5+); meaningful for a zombie.
    pub exit_code: Option<i32>,
}

/// Parses the text of a `/proc/<pid>/stat` file.
pub fn parse_stat(text: &str) -> Option<Stat> {
    // `pid (comm) S …`: comm may contain spaces and parentheses, so the fields start after
    // the last `)`. Field 3 (state) is then the first, field N the (N-3)th.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        start_time: fields.get(19).and_then(|s| s.parse().ok()),
        exit_code: fields.get(49).and_then(|s| s.parse().ok()),
    })
}

/// `/proc/<pid>/stat` of `pid`, when it exists.
pub fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Start time of `pid` in clock ticks since boot.
pub fn start_time(pid: u32) -> Option<u64> {
    stat(pid)?.start_time
}

/// Whether `pid` runs: it exists and is neither a zombie nor dead.
pub fn running(pid: u32) -> bool {
    stat(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
}

/// How `pid` ended when it is a zombie; `None` while it runs or once it is reaped.
pub fn zombie_exit(pid: u32) -> Option<Exit> {
    let s = stat(pid)?;
    if s.state != 'Z' {
        return None;
    }
    let code = s.exit_code?;
    Some(if code & 0x7f == 0 {
        Exit::Status((code >> 8) & 0xff)
    } else {
        Exit::Signal(code & 0x7f)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_after_the_last_parenthesis() {
        // A zombie named `a) b` that exited with status 1 (exit code 256).
        let mut f: Vec<String> = (3..=52).map(|n| n.to_string()).collect();
        f[0] = "Z".into();
        f[19] = "12345".into();
        f[49] = "256".into();
        let s = parse_stat(&format!("42 (a) b) {}", f.join(" "))).unwrap();
        assert_eq!(s.state, 'Z');
        assert_eq!(s.start_time, Some(12345));
        assert_eq!(s.exit_code, Some(256));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_zombie_tells_how_it_ended() {
        for (script, want) in [
            ("exit 3", Exit::Status(3)),
            ("kill -TERM $$", Exit::Signal(15)),
        ] {
            #[allow(clippy::disallowed_methods)] // a raw child, left unreaped on purpose
            let mut child = std::process::Command::new("sh")
                .args(["-c", script])
                .spawn()
                .unwrap();
            let pid = child.id();
            while stat(pid).is_some_and(|s| s.state != 'Z') {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert!(!running(pid));
            assert_eq!(zombie_exit(pid), Some(want), "{script}");
            child.wait().unwrap();
            assert_eq!(zombie_exit(pid), None, "reaped");
        }
        assert!(running(std::process::id()));
        assert_eq!(zombie_exit(std::process::id()), None);
    }
}
