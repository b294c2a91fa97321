//! Typed OpenSSH client wrapper: the system `ssh` (honouring `~/.ssh/config` or a given
//! `-F` file), always `BatchMode=yes` (nothing ever prompts), a `ControlMaster` socket per
//! host under ao's data dir (one connection per host, reused by every command), and the
//! user's own `StrictHostKeyChecking` (never overridden: a changed key is refused by ssh).
//!
//! A remote command is a vector of words, each single-quoted for the remote shell. Text
//! that is not ao's own (a message, a prompt) only ever travels on stdin.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::cmd::{Cmd, CmdError};

/// One configured host: `host`, `user@host`, `host:port` or `user@host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The destination given to ssh (`user@host` or `host`, an alias of ssh_config).
    pub dest: String,
    /// Port, when given.
    pub port: Option<u16>,
}

impl Host {
    /// Parses `[user@]host[:port]`. Refuses what ssh would read as an option or what a
    /// remote command could be smuggled in with.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (dest, port) = match s.rsplit_once(':') {
            Some((d, p)) => {
                let port: u16 = p
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("host `{s}`: port `{p}` is not a number 1-65535"))?;
                (d, Some(port))
            }
            None => (s, None),
        };
        let ok = !dest.is_empty()
            && !dest.starts_with('-')
            && dest.matches('@').count() <= 1
            && !dest.ends_with('@')
            && dest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c));
        if !ok {
            return Err(format!(
                "host `{s}` is not [user@]host[:port] (letters, digits, `.`, `_`, `-`)"
            ));
        }
        Ok(Self {
            dest: dest.to_owned(),
            port,
        })
    }
}

/// Why an ssh command failed.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// ssh could not reach or log into the host (exit status 255): down, refused,
    /// timed out, no key accepted.
    #[error("host {host} unreachable: {detail}")]
    Unreachable {
        /// The host as configured.
        host: String,
        /// ssh's own message.
        detail: String,
    },
    /// The host key is unknown or changed, and ssh refused to connect.
    #[error(
        "host {host}: ssh refused its host key (changed or unknown); no connection was made. Check the key, then fix known_hosts (`ssh-keygen -R`) or connect once by hand: {detail}"
    )]
    HostKey {
        /// The host as configured.
        host: String,
        /// ssh's own message.
        detail: String,
    },
    /// The remote command ran and failed.
    #[error("on {host}: {source}")]
    Remote {
        /// The host as configured.
        host: String,
        /// The failure.
        source: Box<CmdError>,
    },
}

/// The ssh client with ao's options.
#[derive(Debug, Clone)]
pub struct Ssh {
    /// Directory of the control sockets (private).
    control_dir: PathBuf,
    /// `-i`, when configured.
    identity: Option<PathBuf>,
    /// `-F`, when configured.
    config: Option<PathBuf>,
    /// `ConnectTimeout`, seconds.
    connect_timeout: u32,
}

/// Unix socket paths are limited to about 104 bytes; a hashed name is 16 hex digits.
const MAX_SOCKET_PATH: usize = 100;

impl Ssh {
    /// The client with control sockets under `control_dir` (or, when that path is too
    /// long for a unix socket, a private directory under the system temp dir).
    pub fn new(control_dir: &Path, identity: Option<PathBuf>, config: Option<PathBuf>) -> Self {
        let control_dir = if control_dir.as_os_str().len() + 18 > MAX_SOCKET_PATH {
            // Created private (0700) like the one under the data dir.
            std::env::temp_dir().join(format!("ao-ssh-{}", fnv(&control_dir.to_string_lossy())))
        } else {
            control_dir.to_path_buf()
        };
        Self {
            control_dir,
            identity,
            config,
            connect_timeout: 10,
        }
    }

    /// The control socket of `host`.
    pub fn control_path(&self, host: &Host) -> PathBuf {
        let key = format!(
            "{}|{}|{}",
            host.dest,
            host.port.unwrap_or(0),
            self.config
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        self.control_dir.join(format!("{:016x}", fnv_u64(&key)))
    }

    /// The options every ssh invocation gets (before the destination).
    pub fn options(&self, host: &Host) -> Vec<OsString> {
        let mut v: Vec<OsString> = Vec::new();
        if let Some(f) = &self.config {
            v.push("-F".into());
            v.push(f.into());
        }
        if let Some(i) = &self.identity {
            v.push("-i".into());
            v.push(i.into());
        }
        if let Some(p) = host.port {
            v.push("-p".into());
            v.push(p.to_string().into());
        }
        let mut cp = OsString::from("ControlPath=");
        cp.push(self.control_path(host));
        for o in [
            OsString::from("BatchMode=yes"),
            format!("ConnectTimeout={}", self.connect_timeout).into(),
            "ServerAliveInterval=10".into(),
            "ServerAliveCountMax=2".into(),
            "ControlMaster=auto".into(),
            "ControlPersist=300".into(),
            cp,
        ] {
            v.push("-o".into());
            v.push(o);
        }
        v
    }

    fn ensure_dir(&self) -> Result<(), std::io::Error> {
        crate::sys::atomic::ensure_private_dir(&self.control_dir)
    }

    /// `ssh <options> <dest> -- <quoted words>`: runs `words` on `host` in the remote
    /// user's login shell, each word single-quoted.
    pub fn command(&self, host: &Host, words: &[&str]) -> Cmd {
        self.raw(host, &quote_words(words))
    }

    /// `ssh <options> <dest> -- sh -c <script>`: `script` is ao's own POSIX shell text
    /// (only quoted values interpolated into it).
    pub fn script(&self, host: &Host, script: &str) -> Cmd {
        self.command(host, &["sh", "-c", script])
    }

    fn raw(&self, host: &Host, remote: &str) -> Cmd {
        let _ = self.ensure_dir();
        Cmd::new("ssh")
            .args(self.options(host))
            .arg("--")
            .arg(&host.dest)
            .arg(remote)
            .env("LC_ALL", "C")
    }

    /// The argv a person runs for an interactive `words` on `host` (`ssh -t`).
    pub fn tty_argv(&self, host: &Host, words: &[&str]) -> Vec<String> {
        let mut v = vec!["ssh".to_owned(), "-t".to_owned()];
        v.extend(
            self.options(host)
                .into_iter()
                .map(|o| o.to_string_lossy().into_owned()),
        );
        v.push("--".to_owned());
        v.push(host.dest.clone());
        v.push(quote_words(words));
        v
    }

    /// A `GIT_SSH_COMMAND` value: ssh with the same options (so git reuses the master).
    pub fn git_ssh_command(&self, host: &Host) -> String {
        let mut words = vec!["ssh".to_owned()];
        words.extend(
            self.options(host)
                .into_iter()
                .map(|o| o.to_string_lossy().into_owned()),
        );
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        quote_words(&refs)
    }

    /// Stops the master connection of `host`, if any.
    pub fn close(&self, host: &Host) {
        let _ = Cmd::new("ssh")
            .args(self.options(host))
            .args(["-O", "exit"])
            .arg(&host.dest)
            .output();
    }
}

/// Classifies a failed ssh run: exit 255 is ssh's own failure (host key, connection,
/// authentication); anything else came from the remote command.
pub fn classify(host: &Host, e: CmdError) -> SshError {
    let name = host_label(host);
    let code = match &e {
        CmdError::Failed { code, .. } => *code,
        _ => None,
    };
    if code != Some(255) {
        return SshError::Remote {
            host: name,
            source: Box::new(e),
        };
    }
    let detail = e
        .stderr()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("@@@") && !l.starts_with("Warning: Perm"))
        .collect::<Vec<_>>()
        .join(" ");
    let detail = super::cmd::bounded(&detail, 600);
    if e.stderr().contains("Host key verification failed")
        || e.stderr().contains("HOST IDENTIFICATION HAS CHANGED")
        || e.stderr().contains("No ED25519 host key is known")
        || e.stderr().contains("host key for")
    {
        SshError::HostKey { host: name, detail }
    } else {
        SshError::Unreachable {
            host: name,
            detail: if detail.is_empty() {
                "ssh failed (exit 255)".into()
            } else {
                detail
            },
        }
    }
}

/// `[user@]host[:port]` as configured.
pub fn host_label(h: &Host) -> String {
    match h.port {
        Some(p) => format!("{}:{p}", h.dest),
        None => h.dest.clone(),
    }
}

/// Words single-quoted for a POSIX shell and joined with spaces.
pub fn quote_words(words: &[&str]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// One word single-quoted for a POSIX shell (`'` as `'\''`).
pub fn quote(w: &str) -> String {
    format!("'{}'", w.replace('\'', "'\\''"))
}

/// A remote path as shell text: `~/x` becomes `"$HOME"/'x'`, anything else is quoted.
pub fn remote_path(p: &str) -> String {
    match p.strip_prefix("~/") {
        Some(rest) => format!("\"$HOME\"/{}", quote(rest)),
        None if p == "~" => "\"$HOME\"".to_owned(),
        None => quote(p),
    }
}

fn fnv_u64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn fnv(s: &str) -> String {
    format!("{:016x}", fnv_u64(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts() {
        assert_eq!(
            Host::parse("user@build-2:2222").unwrap(),
            Host {
                dest: "user@build-2".into(),
                port: Some(2222)
            }
        );
        assert_eq!(Host::parse("build-1").unwrap().port, None);
        for bad in ["-oProxyCommand=x", "a b", "h:0", "h:x", "", "a@b@c", "h;rm"] {
            assert!(Host::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quotes_for_sh() {
        assert_eq!(quote("a'b"), "'a'\\''b'");
        assert_eq!(quote_words(&["x", "$(y)"]), "'x' '$(y)'");
        assert_eq!(remote_path("~/w d"), "\"$HOME\"/'w d'");
        assert_eq!(remote_path("/srv/x"), "'/srv/x'");
    }

    #[test]
    fn control_path_is_short() {
        let long = PathBuf::from(format!("/tmp/{}", "d".repeat(200)));
        let s = Ssh::new(&long, None, None);
        let p = s.control_path(&Host::parse("h").unwrap());
        assert!(p.as_os_str().len() <= MAX_SOCKET_PATH, "{}", p.display());
    }
}
