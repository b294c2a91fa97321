//! Flat-file state under `dataDir` (DESIGN §3):
//!
//! ```text
//! projects/<project>/sessions/<id>.json    one record per live session (source of truth)
//! projects/<project>/archive/<id>.json     ended sessions, moved here by cleanup
//! projects/<project>/files/<id>/           per-session files (prompt, agent settings)
//! events.jsonl                             append-only event log
//! locks/                                   tick.lock, session-<id>.lock, events.lock
//! cache/                                   SCM ETags, rate-limit backoff, check results
//! ```
//!
//! Records are replaced atomically; a record that fails to parse is moved aside as
//! `<id>.json.corrupt-<ts>` and reported, never dropped; an unknown `version` is refused.

/// Kept for code written against the old path; use [`crate::sys::atomic`].
pub use crate::sys::atomic;
pub mod events;
pub mod lock;

use std::path::{Path, PathBuf};

use jiff::Timestamp;

pub use events::Event;
pub use lock::FileLock;

use crate::model::{RECORD_VERSION, SessionId, SessionRecord, validate_name};

/// Errors of the store, each naming the file involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// I/O on a state file.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A record that does not parse; it has been quarantined.
    #[error("session record {path} is corrupt ({reason}); moved aside to {quarantined}")]
    Corrupt {
        /// Original path.
        path: PathBuf,
        /// Where it was moved.
        quarantined: PathBuf,
        /// Parse error.
        reason: String,
    },
    /// A record written by another version of ao.
    #[error(
        "session record {path} has unsupported version {got} (this ao supports {RECORD_VERSION}); upgrade ao or move the file away"
    )]
    Version {
        /// File.
        path: PathBuf,
        /// Version found.
        got: u64,
    },
    /// A data dir that others could tamper with (checklist A8).
    #[error("refusing to use the data dir {path}: {why}")]
    Unsafe {
        /// The data dir.
        path: PathBuf,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// No session with that id.
    #[error("no session `{0}` (see `ao session ls`)")]
    NotFound(String),
    /// Invalid id or name.
    #[error(transparent)]
    Invalid(#[from] crate::model::InvalidName),
}

trait IoCtx<T> {
    fn ctx(self, op: &'static str, path: &Path) -> Result<T, StoreError>;
}

impl<T> IoCtx<T> for std::io::Result<T> {
    fn ctx(self, op: &'static str, path: &Path) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A problem met while listing records; the listing goes on without that record.
#[derive(Debug)]
pub struct Problem {
    /// The record's path.
    pub path: PathBuf,
    /// What happened.
    pub error: StoreError,
}

/// Refuses a data dir that resolves to `/`, is writable by group or others, or belongs
/// to another user: anyone who can write there can plant records and locks.
pub fn check_private_root(root: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_dir = |why: String| StoreError::Unsafe {
        path: root.to_path_buf(),
        why,
    };
    let real = std::fs::canonicalize(root).ctx("resolve", root)?;
    if real.parent().is_none() {
        return Err(unsafe_dir(
            "it resolves to `/`; set AO_DATA_DIR or `dataDir` to a directory of its own".into(),
        ));
    }
    let m = std::fs::metadata(&real).ctx("inspect", root)?;
    if m.mode() & 0o022 != 0 {
        return Err(unsafe_dir(format!(
            "it is writable by group or others (mode {:o}); run `chmod 700 {}`",
            m.mode() & 0o777,
            real.display()
        )));
    }
    // The owner of /proc/self is this process's effective user.
    if let Ok(me) = std::fs::metadata("/proc/self").map(|p| p.uid())
        && m.uid() != me
    {
        return Err(unsafe_dir(format!(
            "it belongs to uid {}, not to this user (uid {me})",
            m.uid()
        )));
    }
    Ok(())
}

/// The network file system (`nfs4`, `cifs`, …) holding `path`, if it is on one: their
/// `flock` and rename semantics are not reliable enough for ao's state (checklist H5).
pub fn network_fs(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    fs_type(&info, &real).filter(|fs| is_network_fs(fs))
}

/// The file-system type of the mount holding `path`, from `/proc/self/mountinfo` text:
/// the longest mount point that is a prefix of `path` (octal escapes like `\040` decoded).
fn fs_type(mountinfo: &str, path: &Path) -> Option<String> {
    let unescape = |s: &str| {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\\' {
                let code: String = it.by_ref().take(3).collect();
                match u8::from_str_radix(&code, 8) {
                    Ok(b) => out.push(char::from(b)),
                    Err(_) => out.push_str(&code),
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    mountinfo
        .lines()
        .filter_map(|l| {
            // `id parent maj:min root mountpoint opts [optional…] - fstype source superopts`
            let (left, right) = l.split_once(" - ")?;
            let mount = unescape(left.split(' ').nth(4)?);
            let fs = right.split(' ').next()?.to_owned();
            path.starts_with(&mount).then_some((mount.len(), fs))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

/// `locks/tick-<hash>.lock` for the config file `config`: FNV-1a (64 bit) of its path
/// bytes, in hex. Stable across versions and runs (the lock file must not change name).
/// When a tick last ran for any config on the data dir `root`: the newest heartbeat (the
/// modification time of a `locks/tick-*.lock` file, touched in place by every tick that
/// ran, including one that found nothing to change and so wrote nothing else).
pub fn last_tick(root: &Path) -> Option<Timestamp> {
    std::fs::read_dir(root.join("locks"))
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("tick-") && n.ends_with(".lock")
        })
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .filter_map(|t| Timestamp::try_from(t).ok())
        .max()
}

pub fn tick_lock_name(config: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in config.as_os_str().as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("locks/tick-{h:016x}.lock")
}

/// File systems whose `flock` and rename semantics ao cannot rely on.
fn is_network_fs(fs: &str) -> bool {
    matches!(
        fs,
        "nfs" | "nfs4" | "cifs" | "smb3" | "smbfs" | "9p" | "afs" | "ceph" | "glusterfs"
    ) || fs.starts_with("fuse.sshfs")
}

/// The data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating with mode 0700) the data dir at `root`.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        atomic::ensure_private_dir(root).ctx("create directory", root)?;
        check_private_root(root)?;
        for d in [
            root.join("locks"),
            root.join("cache"),
            root.join("projects"),
        ] {
            atomic::ensure_private_dir(&d).ctx("create directory", &d)?;
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The data dir.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn project_dir(&self, project: &str) -> Result<PathBuf, StoreError> {
        validate_name(project, "project id")?;
        Ok(self.root.join("projects").join(project))
    }

    /// `projects/<project>/sessions`.
    pub fn sessions_dir(&self, project: &str) -> Result<PathBuf, StoreError> {
        Ok(self.project_dir(project)?.join("sessions"))
    }

    /// Whether `project`'s sessions dir has any entry (a record, or a temp file left
    /// behind): a look without reading any record.
    pub fn has_sessions(&self, project: &str) -> bool {
        self.sessions_dir(project)
            .ok()
            .and_then(|d| std::fs::read_dir(d).ok())
            .is_some_and(|mut rd| rd.next().is_some())
    }

    /// `projects/<project>/archive`.
    pub fn archive_dir(&self, project: &str) -> Result<PathBuf, StoreError> {
        Ok(self.project_dir(project)?.join("archive"))
    }

    /// `projects/<project>/files/<id>`, created 0700.
    pub fn session_files(&self, project: &str, id: &SessionId) -> Result<PathBuf, StoreError> {
        let d = self.project_dir(project)?.join("files").join(id.as_str());
        // Usually there already (one lstat, not a mkdir that fails and a stat).
        if std::fs::symlink_metadata(&d).is_ok_and(|m| m.is_dir()) {
            return Ok(d);
        }
        atomic::ensure_private_dir(&d).ctx("create directory", &d)?;
        Ok(d)
    }

    /// `cache/`.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// `events.jsonl`.
    pub fn events_path(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }

    /// Appends events to the log.
    pub fn append(&self, events: &[Event]) -> Result<(), StoreError> {
        let p = self.events_path();
        events::append(&p, &self.root.join("locks/events.lock"), events).ctx("append to", &p)
    }

    /// Appends one event.
    pub fn event(&self, e: Event) -> Result<(), StoreError> {
        self.append(std::slice::from_ref(&e))
    }

    /// Blocks for the session's lock.
    pub fn lock_session(&self, id: &SessionId) -> Result<FileLock, StoreError> {
        let p = self.root.join(format!("locks/session-{id}.lock"));
        FileLock::lock(&p).ctx("lock", &p)
    }

    /// Tries the session's lock; `None` when held.
    pub fn try_lock_session(&self, id: &SessionId) -> Result<Option<FileLock>, StoreError> {
        let p = self.root.join(format!("locks/session-{id}.lock"));
        FileLock::try_lock(&p).ctx("lock", &p)
    }

    /// Tries the tick lock of the config at `config` (one lock per config file, so
    /// configs that share a data dir tick independently: each touches only its own
    /// projects' sessions); `None` when another tick of that config runs.
    pub fn try_lock_tick(&self, config: &Path) -> Result<Option<FileLock>, StoreError> {
        let p = self.root.join(tick_lock_name(config));
        FileLock::try_lock(&p).ctx("lock", &p)
    }

    /// When a tick last ran for any config on this data dir (see [`last_tick`]).
    pub fn last_tick(&self) -> Option<Timestamp> {
        last_tick(&self.root)
    }

    /// Blocks for a named lock under `locks/` (e.g. `spawn`).
    pub fn lock_named(&self, name: &str) -> Result<FileLock, StoreError> {
        validate_name(name, "lock name")?;
        let p = self.root.join(format!("locks/{name}.lock"));
        FileLock::lock(&p).ctx("lock", &p)
    }

    fn record_path(&self, project: &str, id: &SessionId) -> Result<PathBuf, StoreError> {
        Ok(self.sessions_dir(project)?.join(format!("{id}.json")))
    }

    /// Reserves the next free id `<prefix>-<n>` for `project` by exclusive create, writing
    /// `initial` (with its `id` replaced) as the first version of the record.
    pub fn reserve(
        &self,
        prefix: &str,
        initial: &SessionRecord,
    ) -> Result<SessionRecord, StoreError> {
        validate_name(prefix, "session prefix")?;
        let project = &initial.project;
        let dir = self.sessions_dir(project)?;
        atomic::ensure_private_dir(&dir).ctx("create directory", &dir)?;
        let archive = self.archive_dir(project)?;
        let mut n = self.max_index(prefix, &[&dir, &archive]) + 1;
        loop {
            let id = SessionId::parse(&format!("{prefix}-{n}"))?;
            let mut rec = initial.clone();
            rec.id = id.clone();
            let bytes = to_json(&rec);
            let path = dir.join(format!("{id}.json"));
            // The archive check keeps ids unique over the project's whole history.
            if !archive.join(format!("{id}.json")).exists()
                && atomic::create_new(&path, &bytes).ctx("create", &path)?
            {
                return Ok(rec);
            }
            n += 1;
        }
    }

    fn max_index(&self, prefix: &str, dirs: &[&Path]) -> u64 {
        let mut max = 0;
        for d in dirs {
            let Ok(rd) = std::fs::read_dir(d) else {
                continue;
            };
            for e in rd.filter_map(Result::ok) {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                let stem = name.split(".json").next().unwrap_or("");
                if let Some(n) = stem.strip_prefix(prefix).and_then(|r| r.strip_prefix('-'))
                    && let Ok(n) = n.parse::<u64>()
                {
                    max = max.max(n);
                }
            }
        }
        max
    }

    /// Atomically writes the record.
    pub fn save(&self, rec: &SessionRecord) -> Result<(), StoreError> {
        let p = self.record_path(&rec.project, &rec.id)?;
        atomic::write(&p, &to_json(rec)).ctx("write", &p)
    }

    /// Loads one record; a corrupt one is quarantined and reported as `Corrupt`.
    pub fn load(&self, project: &str, id: &SessionId) -> Result<SessionRecord, StoreError> {
        let p = self.record_path(project, id)?;
        self.load_path(&p)
    }

    /// [`Store::load_path`] of every path, spread over the CPUs when there are many
    /// (reading and parsing a thousand records is most of `ao status`).
    /// A path listed as a regular file skips the separate symlink check.
    fn load_all(
        &self,
        paths: Vec<(PathBuf, bool)>,
    ) -> Vec<(PathBuf, Result<SessionRecord, StoreError>)> {
        let load = |(p, regular): &(PathBuf, bool)| {
            let r = if *regular {
                self.read_record(p)
            } else {
                self.load_path(p)
            };
            (p.clone(), r)
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if threads < 2 || paths.len() < 64 {
            return paths.iter().map(load).collect();
        }
        let chunk = paths.len().div_ceil(threads);
        std::thread::scope(|s| {
            let workers: Vec<_> = paths
                .chunks(chunk)
                .map(|c| s.spawn(move || c.iter().map(load).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a record loader thread panicked"))
                .collect()
        })
    }

    fn load_path(&self, p: &Path) -> Result<SessionRecord, StoreError> {
        // A symlinked or special record is refused and left where it is.
        atomic::ensure_regular_or_missing(p).ctx("read", p)?;
        self.read_record(p)
    }

    /// Reads and parses the record at `p`, known to be a regular file.
    fn read_record(&self, p: &Path) -> Result<SessionRecord, StoreError> {
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let id = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
                return Err(StoreError::NotFound(id.to_owned()));
            }
            Err(e) => return Err(e).ctx("read", p),
        };
        parse_record(&bytes).map_err(|reason| match reason {
            ParseFailure::Version(got) => StoreError::Version {
                path: p.to_path_buf(),
                got,
            },
            ParseFailure::Corrupt(reason) => {
                let q = quarantine(p);
                StoreError::Corrupt {
                    path: p.to_path_buf(),
                    quarantined: q,
                    reason,
                }
            }
        })
    }

    /// Finds a live session by id in any project.
    pub fn find(&self, id: &SessionId) -> Result<SessionRecord, StoreError> {
        for project in self.projects()? {
            let p = self.sessions_dir(&project)?.join(format!("{id}.json"));
            if p.exists() {
                return self.load_path(&p);
            }
        }
        Err(StoreError::NotFound(id.to_string()))
    }

    /// Finds an archived session by id in any project.
    pub fn find_archived(&self, id: &SessionId) -> Result<SessionRecord, StoreError> {
        for project in self.projects()? {
            let p = self.archive_dir(&project)?.join(format!("{id}.json"));
            if p.exists() {
                return self.load_path(&p);
            }
        }
        Err(StoreError::NotFound(id.to_string()))
    }

    /// Project ids that have state.
    pub fn projects(&self) -> Result<Vec<String>, StoreError> {
        let d = self.root.join("projects");
        let mut v: Vec<String> = match std::fs::read_dir(&d) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| validate_name(n, "project id").is_ok())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).ctx("read directory", &d),
        };
        v.sort();
        Ok(v)
    }

    /// Removes temp files (`.tmp-*`, left by a writer killed between writing and renaming)
    /// older than `max_age` from the data dir and every project's sessions and archive
    /// directories. Younger ones may belong to a writer still at work and are kept (the
    /// maildir rule). Returns how many were removed; errors are ignored (best effort).
    pub fn sweep_temp_files(&self, max_age: std::time::Duration) -> usize {
        let mut dirs = vec![self.root.clone()];
        for p in self.projects().unwrap_or_default() {
            dirs.extend(self.sessions_dir(&p).ok());
            dirs.extend(self.archive_dir(&p).ok());
        }
        let mut removed = 0;
        for d in dirs {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.filter_map(Result::ok) {
                // The name first: only temp files need their age looked up.
                let temp = e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(".tmp-"));
                let old = || {
                    e.metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > max_age)
                };
                if temp && old() && std::fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// All live records (of `project`, or all projects), sorted by project then id number.
    /// Records that cannot be read are reported in the second list (corrupt ones are
    /// quarantined) and the listing goes on.
    pub fn list(
        &self,
        project: Option<&str>,
    ) -> Result<(Vec<SessionRecord>, Vec<Problem>), StoreError> {
        self.list_in(project, false)
    }

    /// Archived records.
    pub fn list_archived(
        &self,
        project: Option<&str>,
    ) -> Result<(Vec<SessionRecord>, Vec<Problem>), StoreError> {
        self.list_in(project, true)
    }

    fn list_in(
        &self,
        project: Option<&str>,
        archived: bool,
    ) -> Result<(Vec<SessionRecord>, Vec<Problem>), StoreError> {
        let projects = match project {
            Some(p) => vec![p.to_owned()],
            None => self.projects()?,
        };
        let mut recs = Vec::new();
        let mut problems = Vec::new();
        for p in projects {
            let dir = if archived {
                self.archive_dir(&p)?
            } else {
                self.sessions_dir(&p)?
            };
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).ctx("read directory", &dir),
            };
            // The directory listing already tells regular files apart (no lstat each).
            let paths: Vec<(PathBuf, bool)> = rd
                .filter_map(Result::ok)
                .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_file())))
                .filter(|(p, _)| p.extension().and_then(|x| x.to_str()) == Some("json"))
                .collect();
            for (path, loaded) in self.load_all(paths) {
                match loaded {
                    Ok(r) => recs.push(r),
                    Err(StoreError::NotFound(_)) => {} // removed while listing
                    Err(error) => problems.push(Problem { path, error }),
                }
            }
        }
        recs.sort_by(|a, b| (&a.project, id_key(&a.id)).cmp(&(&b.project, id_key(&b.id))));
        Ok((recs, problems))
    }

    /// Moves a live record to the archive (atomic rename).
    pub fn archive(&self, rec: &SessionRecord) -> Result<(), StoreError> {
        self.save(rec)?;
        let from = self.record_path(&rec.project, &rec.id)?;
        let dir = self.archive_dir(&rec.project)?;
        atomic::ensure_private_dir(&dir).ctx("create directory", &dir)?;
        let to = dir.join(format!("{}.json", rec.id));
        std::fs::rename(&from, &to).ctx("archive", &from)?;
        atomic::sync_dir(&dir).ctx("sync", &dir)
    }

    /// Moves an archived record back to the live ones (atomic rename; `ao session restore`
    /// of a killed session).
    pub fn unarchive(&self, rec: &SessionRecord) -> Result<(), StoreError> {
        let from = self
            .archive_dir(&rec.project)?
            .join(format!("{}.json", rec.id));
        let to = self.record_path(&rec.project, &rec.id)?;
        if let Some(dir) = to.parent() {
            atomic::ensure_private_dir(dir).ctx("create directory", dir)?;
        }
        std::fs::rename(&from, &to).ctx("restore", &from)?;
        if let Some(dir) = to.parent() {
            atomic::sync_dir(dir).ctx("sync", dir)?;
        }
        Ok(())
    }

    /// Deletes a live record (only to undo a failed spawn).
    pub fn remove(&self, rec: &SessionRecord) -> Result<(), StoreError> {
        let p = self.record_path(&rec.project, &rec.id)?;
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).ctx("remove", &p),
        }
    }
}

/// Sort key: numeric suffix of the id, so `app-10` follows `app-9`.
fn id_key(id: &SessionId) -> (String, u64) {
    let s = id.as_str();
    match s.rsplit_once('-') {
        Some((p, n)) => (p.to_owned(), n.parse().unwrap_or(0)),
        None => (s.to_owned(), 0),
    }
}

fn to_json(rec: &SessionRecord) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(rec).unwrap_or_default();
    v.push(b'\n');
    v
}

enum ParseFailure {
    Version(u64),
    Corrupt(String),
}

fn parse_record(bytes: &[u8]) -> Result<SessionRecord, ParseFailure> {
    // The common case in one pass; only on failure find out whether the version is why.
    match serde_json::from_slice::<SessionRecord>(bytes) {
        Ok(r) if r.version == RECORD_VERSION => Ok(r),
        Ok(r) => Err(ParseFailure::Version(u64::from(r.version))),
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct VersionOnly {
                version: Option<u64>,
            }
            match serde_json::from_slice::<VersionOnly>(bytes) {
                Ok(VersionOnly { version: Some(n) }) if n != u64::from(RECORD_VERSION) => {
                    Err(ParseFailure::Version(n))
                }
                Ok(VersionOnly { version: None }) => {
                    Err(ParseFailure::Corrupt("missing `version`".into()))
                }
                _ => Err(ParseFailure::Corrupt(e.to_string())),
            }
        }
    }
}

/// Moves a corrupt file aside; returns the new path (or the old one if the move failed).
fn quarantine(p: &Path) -> PathBuf {
    // Names the quarantined copy, not an event's time.
    let ts = Timestamp::now().as_second();
    let q = p.with_file_name(format!(
        "{}.corrupt-{ts}",
        p.file_name().and_then(|n| n.to_str()).unwrap_or("record")
    ));
    match std::fs::rename(p, &q) {
        Ok(()) => q,
        Err(_) => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_are_found() {
        let info = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
                    40 22 0:50 / /home/me/net\\040share rw - nfs4 srv:/export rw,vers=4.2\n\
                    41 22 0:51 / /mnt/ssh rw - fuse.sshfs me@host: rw\n";
        let p = |s: &str| Path::new(s).to_path_buf();
        assert_eq!(
            fs_type(info, &p("/home/me/.agent-orchestrator")).as_deref(),
            Some("ext4")
        );
        let nfs = fs_type(info, &p("/home/me/net share/ao")).unwrap();
        assert_eq!(nfs, "nfs4");
        assert!(is_network_fs(&nfs));
        assert!(is_network_fs(&fs_type(info, &p("/mnt/ssh/ao")).unwrap()));
        assert!(!is_network_fs("ext4") && !is_network_fs("tmpfs") && !is_network_fs("overlay"));
    }

    #[test]
    fn sweep_removes_only_old_temp_files() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let sessions = d.path().join("projects/app/sessions");
        std::fs::create_dir_all(&sessions).unwrap();
        let old = sessions.join(".tmp-old");
        let young = sessions.join(".tmp-young");
        let record = sessions.join("app-1.json");
        for p in [&old, &young, &record] {
            std::fs::write(p, b"x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for p in [&old, &record] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        assert_eq!(
            store.sweep_temp_files(std::time::Duration::from_secs(3600)),
            1
        );
        assert!(!old.exists());
        assert!(young.exists(), "a live writer's temp file is kept");
        assert!(record.exists(), "records are never swept");
    }
}
