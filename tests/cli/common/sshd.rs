//! Real OpenSSH "hosts" for tests and the benchmark: an unprivileged `sshd` per host on
//! its own loopback address (127.0.0.2, 127.0.0.3, …), with its own host key, authorized
//! key and remote HOME (`SetEnv HOME=… TMUX_TMPDIR=…`), logging connections and remote
//! commands (`LogLevel VERBOSE`, `-E`). Self-contained: the benchmark includes it by path.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One sshd "host".
pub struct Host {
    /// Alias in the test's ssh_config (`h1`, `h2`, …).
    pub name: String,
    pub addr: String,
    pub port: u16,
    pub dir: PathBuf,
    pid: Option<u32>,
}

impl Host {
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.log().matches("Accepted publickey").count()
    }
    /// Remote commands run so far.
    pub fn commands(&self) -> usize {
        self.log().matches("Starting session: command").count()
    }
    pub fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    pub fn start(&mut self) {
        let mut c = Command::new("/usr/sbin/sshd");
        c.args(["-D", "-f"])
            .arg(self.dir.join("sshd_config"))
            .arg("-E")
            .arg(self.dir.join("sshd.log"));
        use std::os::unix::process::CommandExt;
        c.process_group(0);
        let child = c.spawn().expect("start sshd");
        self.pid = Some(child.id());
        std::mem::forget(child);
        let target = format!("{}:{}", self.addr, self.port);
        for _ in 0..100 {
            if std::net::TcpStream::connect(&target).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        panic!("sshd on {target} did not start: {}", self.log());
    }

    /// Cuts the host off: the listener and every connection it serves (their sshd
    /// processes are its children), as when the machine goes away.
    pub fn stop(&mut self) {
        let Some(pid) = self.pid.take() else { return };
        let mut victims = vec![pid];
        if let Ok(rd) = std::fs::read_dir("/proc") {
            for e in rd.flatten() {
                let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
                let ppid = stat
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u32>().ok());
                if ppid == Some(pid) {
                    victims.push(p);
                }
            }
        }
        for v in victims {
            let _ = Command::new("kill")
                .args(["-KILL", &v.to_string()])
                .status();
        }
        // Reap the listener (our child).
        unsafe_reap(pid);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Waits for our own child `pid` without keeping its `Child` (it was forgotten).
fn unsafe_reap(pid: u32) {
    for _ in 0..50 {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            return;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z") {
            // A zombie of this test process: collected by the kernel when the test
            // binary exits; it holds no port.
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

pub fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ao-test", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen");
}

fn free_port(addr: &str) -> u16 {
    TcpListener::bind((addr, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Writes a user key, `n` hosts (started), their known_hosts and an ssh_config naming
/// them `h1`, `h2`, … under `root/ssh` and `root/hosts`; returns the hosts and the
/// ssh_config path.
pub fn start_hosts(root: &Path, n: usize) -> (Vec<Host>, PathBuf) {
    if whoami() == "root" {
        // sshd's privilege separation directory, as the Debian package's unit creates it.
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let sshdir = root.join("ssh");
    std::fs::create_dir_all(&sshdir).unwrap();
    keygen(&sshdir.join("user"));
    let user = whoami();
    let mut client = String::new();
    let mut known = String::new();
    let mut hosts = Vec::new();
    for i in 0..n {
        let name = format!("h{}", i + 1);
        let addr = format!("127.0.0.{}", i + 2);
        let port = free_port(&addr);
        let dir = root.join("hosts").join(&name);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::create_dir_all(dir.join("tmux")).unwrap();
        keygen(&dir.join("hostkey"));
        std::fs::copy(sshdir.join("user.pub"), dir.join("authorized_keys")).unwrap();
        std::fs::write(
            dir.join("sshd_config"),
            format!(
                "ListenAddress {addr}:{port}\nHostKey {d}/hostkey\nAuthorizedKeysFile {d}/authorized_keys\n\
                 StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 PermitRootLogin prohibit-password\nPidFile none\nLogLevel VERBOSE\nMaxStartups 100\nMaxSessions 100\n\
                 SetEnv HOME={d}/home TMUX_TMPDIR={d}/tmux\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let pubkey = std::fs::read_to_string(dir.join("hostkey.pub")).unwrap();
        let key: Vec<&str> = pubkey.split_whitespace().take(2).collect();
        known.push_str(&format!("[{addr}]:{port} {}\n", key.join(" ")));
        client.push_str(&format!(
            "Host {name}\n  HostName {addr}\n  Port {port}\n  User {user}\n  IdentityFile {k}\n  IdentitiesOnly yes\n  UserKnownHostsFile {kh}\n  StrictHostKeyChecking yes\n\n",
            k = sshdir.join("user").display(),
            kh = sshdir.join("known_hosts").display(),
        ));
        let mut h = Host {
            name,
            addr,
            port,
            dir,
            pid: None,
        };
        h.start();
        hosts.push(h);
    }
    std::fs::write(sshdir.join("known_hosts"), known).unwrap();
    let ssh_config = sshdir.join("config");
    std::fs::write(&ssh_config, client).unwrap();
    (hosts, ssh_config)
}
