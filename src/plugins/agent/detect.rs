//! Shared helpers for agent detection: reading the bottom of a captured screen, matching
//! dialog structures rather than loose phrases, extracting usage-limit reset times, tail-
//! reading JSONL transcripts, and small identifiers (UUID v4, stable short hashes).
//!
//! Screen rules (lessons from peers, lessons-from-peers §3): only the bottom lines of a
//! pane are looked at, because stale scrollback ("Error:", an answered dialog) must not
//! decide the state; a dialog is recognised by its question *and* its choices, because the
//! agent's own prose may quote the question.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::ScreenMatch;
use crate::model::Activity;

/// How many trailing non-empty lines a dialog or a status line may occupy.
pub const BOTTOM_LINES: usize = 30;

/// The last `n` non-empty lines of `screen`, in screen order, with trailing whitespace
/// removed. Leading whitespace is kept (choices are indented).
pub fn bottom(screen: &str, n: usize) -> Vec<&str> {
    let mut v: Vec<&str> = screen
        .lines()
        .rev()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect();
    v.reverse();
    v
}

/// The first line among `lines` containing any of `needles`.
pub fn find<'a>(lines: &[&'a str], needles: &[&str]) -> Option<&'a str> {
    lines
        .iter()
        .find(|l| needles.iter().any(|n| l.contains(n)))
        .copied()
}

/// The index of the first line among `lines` containing any of `needles`.
pub fn position(lines: &[&str], needles: &[&str]) -> Option<usize> {
    lines
        .iter()
        .position(|l| needles.iter().any(|n| l.contains(n)))
}

/// True when a line looks like a numbered menu choice: `❯ 1. Yes`, `  2. No, exit`,
/// `› 1. Yes, proceed (y)`.
pub fn is_choice(line: &str) -> bool {
    let t = line
        .trim_start()
        .trim_start_matches(['❯', '›', '>', '»', '→'])
        .trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && digits <= 2 && t[digits..].starts_with(". ")
}

/// True when a line is the selected choice of an unnumbered menu: a selection marker
/// (`❯`, `›`) and then text, as Claude Code 2.1 draws its trust dialog (`❯ No, exit`) and
/// API-key question (`  ❯ No (recommended)`). An empty composer (`❯ `) is not a choice.
pub fn is_selected_choice(line: &str) -> bool {
    let t = line.trim_start();
    let Some(rest) = t.strip_prefix(['❯', '›']) else {
        return false;
    };
    rest.starts_with(' ') && !rest.trim().is_empty()
}

/// A dialog: the line with `question` and, after it, at least one choice, numbered
/// (`❯ 1. Yes`) or the selected one of an unnumbered menu (`❯ No, exit`). Returns the
/// question line.
pub fn dialog<'a>(lines: &[&'a str], questions: &[&str]) -> Option<&'a str> {
    let at = position(lines, questions)?;
    lines[at + 1..]
        .iter()
        .any(|l| is_choice(l) || is_selected_choice(l))
        .then(|| lines[at])
}

/// A classification built from a matched line.
pub fn matched(activity: Activity, line: &str) -> ScreenMatch {
    ScreenMatch {
        activity,
        evidence: crate::sys::text::truncate_chars(line.trim(), 200),
        resets: None,
        retrying: false,
    }
}

/// A classification of a screen showing the agent failing to reach its model API
/// ([`ScreenMatch::retrying`]).
pub fn retrying(activity: Activity, line: &str) -> ScreenMatch {
    ScreenMatch {
        retrying: true,
        ..matched(activity, line)
    }
}

/// A `Blocked` classification for a usage-limit line, with the reset time when printed.
pub fn limit(line: &str) -> ScreenMatch {
    ScreenMatch {
        resets: reset_time(line),
        ..matched(Activity::Blocked, line)
    }
}

/// The reset time printed in a usage-limit message: the text after `resets`, `reset at`,
/// `try again at` or `try again in`, without trailing punctuation. `None` when absent.
pub fn reset_time(line: &str) -> Option<String> {
    let lower = line.to_lowercase();
    for marker in [
        "resets at ",
        "reset at ",
        "resets ",
        "try again at ",
        "try again in ",
    ] {
        if let Some(i) = lower.find(marker) {
            // Lower-casing ASCII-only markers keeps byte offsets valid for `line`.
            let rest = line.get(i + marker.len()..)?.trim();
            let rest = rest
                .split(" · ")
                .next()
                .unwrap_or(rest)
                .trim_end_matches(['.', '!', ',', ';'])
                .trim();
            if !rest.is_empty() {
                return Some(crate::sys::text::truncate_chars(rest, 80));
            }
        }
    }
    None
}

/// Reads at most the last `max` bytes of `path` and returns the complete lines in them
/// (a partial first line is dropped when the read started mid-file).
pub fn read_tail(path: &Path, max: u64) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(max);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    f.read_to_end(&mut buf)?;
    let mut s = String::from_utf8_lossy(&buf).into_owned();
    if start > 0 {
        match s.find('\n') {
            Some(i) => {
                s.drain(..=i);
            }
            None => s.clear(),
        }
    }
    Ok(s)
}

/// Parses the JSON lines of `text`, skipping blank and unparsable ones (a line being
/// written while we read is normal).
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A random UUID v4 from the kernel (`/proc/sys/kernel/random/uuid`), validated.
pub fn new_uuid() -> std::io::Result<String> {
    let s = std::fs::read_to_string("/proc/sys/kernel/random/uuid")?;
    let s = s.trim().to_ascii_lowercase();
    if is_uuid(&s) {
        Ok(s)
    } else {
        Err(std::io::Error::other(format!(
            "the kernel returned an invalid uuid `{s}`"
        )))
    }
}

/// True for a canonical lower- or upper-case UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A stable 16-hex-digit hash (FNV-1a 64) of `s`, for dedupe keys. Not cryptographic.
pub fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `${CLAUDE_CONFIG_DIR:-$HOME/.claude}`-style lookup: the directory in `var`, else
/// `$HOME/<default>`.
pub fn home_dir_or(var: &str, default: &str) -> std::path::PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(d) => d.into(),
        None => std::env::var_os("HOME")
            .map_or_else(|| std::path::PathBuf::from("/"), std::path::PathBuf::from)
            .join(default),
    }
}

/// True when the cursor line still holds the end of `text`: pasted text sits unsent.
/// Compares the last 24 characters of the last non-empty line of `text`.
pub fn text_on_line(cursor_line: &str, text: &str) -> bool {
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if last.is_empty() {
        return false;
    }
    let n = last.chars().count();
    let probe: String = last.chars().skip(n.saturating_sub(24)).collect();
    cursor_line.contains(&probe)
}

/// Whitespace collapsed to single spaces, trimmed: records re-wrap or re-indent text.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when `recorded` (a message as the agent recorded it) is the message `sent`:
/// the first 160 characters of `sent` occur in it, whitespace differences ignored.
pub fn same_message(recorded: &str, sent: &str) -> bool {
    let probe: String = squash(sent).chars().take(160).collect();
    !probe.is_empty() && squash(recorded).contains(&probe)
}

/// The text of a message `content` as Claude and Codex record it: a string, or an array
/// of parts whose `text` fields are joined.
pub fn content_text(content: &serde_json::Value) -> String {
    match content {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(serde_json::Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The `timestamp` field of a JSONL record line.
pub fn line_time(v: &serde_json::Value) -> Option<jiff::Timestamp> {
    v.get("timestamp")?.as_str()?.parse().ok()
}

/// True when a record written at `at` can be the message typed at `since` (two seconds
/// of slack for clocks that round; a line without a time counts).
pub fn not_before(at: Option<jiff::Timestamp>, since: jiff::Timestamp) -> bool {
    at.is_none_or(|t| t.as_second() >= since.as_second() - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottom_skips_blank_lines_and_keeps_order() {
        let s = "a\n\n b  \nc\n\n\n";
        assert_eq!(bottom(s, 2), vec![" b", "c"]);
        assert_eq!(bottom(s, 10), vec!["a", " b", "c"]);
    }

    #[test]
    fn choices_are_recognised() {
        assert!(is_choice(" ❯ 1. Yes, I trust this folder"));
        assert!(is_choice("   2. No, exit"));
        assert!(is_choice("› 1. Yes, proceed (y)"));
        assert!(!is_choice("1.5 seconds"));
        assert!(!is_choice("Step 1. do it"));
    }

    #[test]
    fn dialog_needs_question_and_choice() {
        let lines = ["Do you want to proceed?", " ❯ 1. Yes", "   2. No"];
        assert!(dialog(&lines, &["Do you want to proceed?"]).is_some());
        let prose = ["I asked: Do you want to proceed?", "then went on"];
        assert!(dialog(&prose, &["Do you want to proceed?"]).is_none());
        // Claude Code 2.1.328 draws unnumbered choices.
        let trust = [
            " Quick safety check: Is this a project you trust?",
            " ❯ No, exit",
            "   Yes",
        ];
        assert!(dialog(&trust, &["Quick safety check"]).is_some());
        let composer = ["Do you want to proceed?", "❯ "];
        assert!(dialog(&composer, &["Do you want to proceed?"]).is_none());
    }

    #[test]
    fn reset_times() {
        assert_eq!(
            reset_time("You've hit your session limit · resets 3pm (Europe/London)").as_deref(),
            Some("3pm (Europe/London)")
        );
        assert_eq!(
            reset_time("Claude usage limit reached. Your limit will reset at 5pm (UTC).")
                .as_deref(),
            Some("5pm (UTC)")
        );
        assert_eq!(
            reset_time("You've hit your usage limit. Try again at 3:28 PM.").as_deref(),
            Some("3:28 PM")
        );
        assert_eq!(reset_time("limit reached"), None);
    }

    #[test]
    fn uuid_and_hash() {
        let u = new_uuid().unwrap();
        assert!(is_uuid(&u), "{u}");
        assert_eq!(&u[14..15], "4");
        assert!(!is_uuid("not-a-uuid"));
        assert_eq!(short_hash("x"), short_hash("x"));
        assert_ne!(short_hash("x"), short_hash("y"));
        assert_eq!(short_hash("").len(), 16);
    }

    #[test]
    fn tail_drops_partial_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n").unwrap();
        let t = read_tail(&p, 12).unwrap();
        assert_eq!(t, "{\"c\":3}\n");
        assert_eq!(json_lines(&read_tail(&p, 1000).unwrap()).len(), 3);
    }

    #[test]
    fn pending_text_on_cursor_line() {
        assert!(text_on_line(
            "❯ please fix the tests",
            "please fix the tests"
        ));
        assert!(!text_on_line("❯ ", "please fix the tests"));
        assert!(!text_on_line("❯ x", "\n\n"));
    }
}
