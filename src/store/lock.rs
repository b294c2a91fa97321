//! `flock(2)` locks on dedicated lock files that are never renamed or deleted (G2, G3).
//! The kernel releases a dead holder's lock, so no lock is ever broken by age or pid.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A held exclusive lock; released on drop.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    fn open(path: &Path) -> std::io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
    }

    /// Blocks until the lock on `path` is held.
    pub fn lock(path: &Path) -> std::io::Result<Self> {
        let f = Self::open(path)?;
        f.lock()?;
        Ok(Self {
            file: f,
            path: path.to_path_buf(),
        })
    }

    /// Takes the lock if free; `Ok(None)` when another process holds it.
    pub fn try_lock(path: &Path) -> std::io::Result<Option<Self>> {
        let f = Self::open(path)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(Self {
                file: f,
                path: path.to_path_buf(),
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Sets the lock file's modification time to now, in place (no rename, no write of
    /// its contents): the tick's heartbeat, so a steady tick writes nothing else.
    pub fn touch(&self) -> std::io::Result<()> {
        // Real time, not AO_NOW: a heartbeat is a file time, read against other file times.
        self.file.set_modified(std::time::SystemTime::now())
    }

    /// Lock file path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
