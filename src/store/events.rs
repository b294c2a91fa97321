//! The append-only event log `events.jsonl` (G5, G6): one JSON object per line, one
//! `write` per line under `locks/events.lock`. A writer that finds an unterminated last
//! line (a crash mid-write) terminates it before appending; a reader skips unterminated or
//! unparsable lines and counts them. Rotation renames under the lock.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::lock::FileLock;

pub use crate::model::event::{EVENT_VERSION, Event, EventKind};

/// Rotate the log when it grows past this size.
const ROTATE_BYTES: u64 = 64 * 1024 * 1024;

/// Appends `events` to the log at `path` under the lock at `lock_path`.
pub fn append(path: &Path, lock_path: &Path, events: &[Event]) -> std::io::Result<()> {
    append_rotating(path, lock_path, events, ROTATE_BYTES)
}

/// [`append`], rotating the log (by rename, under the lock) once it exceeds `rotate_bytes`.
/// Segments are `events-<unix seconds>-<nnnn>.jsonl`, never overwritten, and sort in
/// the order they were written.
fn append_rotating(
    path: &Path,
    lock_path: &Path,
    events: &[Event],
    rotate_bytes: u64,
) -> std::io::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let _lock = FileLock::lock(lock_path)?;
    crate::sys::atomic::ensure_regular_or_missing(path)?;
    if std::fs::metadata(path)
        .map(|m| m.len() > rotate_bytes)
        .unwrap_or(false)
    {
        // Names the rotated file (a free name is searched below), not an event's time.
        let stamp = Timestamp::now().as_second();
        #[allow(clippy::maybe_infinite_iter)] // some free name exists
        let rotated = (0..)
            .map(|n| path.with_file_name(format!("events-{stamp}-{n:04}.jsonl")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| path.with_file_name(format!("events-{stamp}.jsonl")));
        std::fs::rename(path, rotated)?;
    }
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(path)?;
    let len = f.metadata()?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))?;
        f.read_exact(&mut last)?;
        if last[0] != b'\n' {
            // A previous writer died mid-line: terminate the torn line so ours stays whole.
            f.write_all(b"\n")?;
        }
    }
    let mut lines = Vec::new();
    for e in events {
        serde_json::to_writer(&mut lines, e).map_err(std::io::Error::other)?;
        lines.push(b'\n');
    }
    let start = f.metadata()?.len();
    if let Err(e) = f.write_all(&lines).and_then(|()| f.sync_data()) {
        // Disk full or a size limit mid-record: take the partial lines back out, so the
        // log ends where it did (we hold the lock, so nobody appended after us).
        let _ = f.set_len(start);
        return Err(e);
    }
    Ok(())
}

/// Result of reading the log.
#[derive(Debug, Default)]
pub struct ReadLog {
    /// Parsed events in file order.
    pub events: Vec<Event>,
    /// Lines skipped (torn or unparsable), with their 1-based line numbers and file.
    pub skipped: Vec<(PathBuf, usize)>,
    /// Byte offset just after the last complete line of the current log (for `--follow`).
    pub offset: u64,
}

/// Reads rotated segments (oldest first) then the current log.
pub fn read_all(path: &Path) -> std::io::Result<ReadLog> {
    let mut out = ReadLog::default();
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut rotated: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("events-") && n.ends_with(".jsonl"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    rotated.sort();
    for r in rotated {
        read_from(&r, 0, &mut out)?;
    }
    out.offset = read_from(path, 0, &mut out)?;
    Ok(out)
}

/// Reads complete lines of `path` from byte `start`; returns the offset after the last
/// complete line. A missing file reads as empty.
pub fn read_from(path: &Path, start: u64, out: &mut ReadLog) -> std::io::Result<u64> {
    crate::sys::atomic::ensure_regular_or_missing(path)?;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(start),
        Err(e) => return Err(e),
    };
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    let mut offset = start;
    let mut line_no = 0usize;
    let mut rest: &[u8] = &buf;
    while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
        line_no += 1;
        let line = &rest[..pos];
        offset += pos as u64 + 1;
        rest = &rest[pos + 1..];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(e) => out.events.push(e),
            Err(_) => out.skipped.push((path.to_path_buf(), line_no)),
        }
    }
    if !rest.is_empty() {
        // Unterminated last line: a write in progress or a crash; not an event yet.
        out.skipped.push((path.to_path_buf(), line_no + 1));
    }
    Ok(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_skipped_and_repaired() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("events.jsonl");
        let lock = d.path().join("events.lock");
        let t = Timestamp::from_second(1_700_000_000).unwrap();
        append(
            &log,
            &lock,
            &[Event::new(t, EventKind::Other("a".into()), "one")],
        )
        .unwrap();
        // Simulate a crash mid-write.
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"{\"v\":1,\"ts\":\"2023-").unwrap();
        let r = read_all(&log).unwrap();
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.skipped.len(), 1);
        append(
            &log,
            &lock,
            &[Event::new(t, EventKind::Other("b".into()), "two")],
        )
        .unwrap();
        let r = read_all(&log).unwrap();
        assert_eq!(
            r.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            r.skipped.len(),
            1,
            "the torn line stays skipped, the new one is whole"
        );
    }

    /// Checklist D6: rotation while writers append concurrently loses and doubles
    /// nothing; the segments read back in order hold exactly the acknowledged events.
    #[test]
    fn rotation_under_concurrent_appends_loses_nothing() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("events.jsonl");
        let lock = d.path().join("events.lock");
        let t = Timestamp::from_second(1_700_000_000).unwrap();
        std::thread::scope(|s| {
            for w in 0..4 {
                let (log, lock) = (&log, &lock);
                s.spawn(move || {
                    for i in 0..150 {
                        let e = Event::new(t, EventKind::Other("w".into()), format!("{w}-{i}"));
                        append_rotating(log, lock, &[e], 2048).unwrap();
                    }
                });
            }
        });
        let segments = std::fs::read_dir(d.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("events-")
            })
            .count();
        assert!(segments > 10, "only {segments} rotations");
        let r = read_all(&log).unwrap();
        assert!(r.skipped.is_empty());
        let mut seen: Vec<&str> = r.events.iter().map(|e| e.message.as_str()).collect();
        // Each writer's own events come back in the order it wrote them.
        for w in 0..4 {
            let mine: Vec<&&str> = seen
                .iter()
                .filter(|m| m.starts_with(&format!("{w}-")))
                .collect();
            let want: Vec<String> = (0..150).map(|i| format!("{w}-{i}")).collect();
            assert_eq!(
                mine.iter()
                    .map(std::string::ToString::to_string)
                    .collect::<Vec<_>>(),
                want
            );
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 600, "lost or doubled events");
    }
}
