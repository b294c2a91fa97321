//! `email` notifier: hands a message to the local mail transfer agent with `sendmail -t -i`
//! (recipients from the headers; a lone `.` line does not end the message). Works with
//! any sendmail-compatible MTA (Postfix, Exim, OpenSMTPD, msmtp-mta, nullmailer).
//!
//! Config: `to` (one or more addresses, required), `from` (optional; else the MTA sets
//! it), `command` (optional argv replacing `sendmail -t -i`, e.g. `[msmtp, -t]`), `digest`
//! (collect `info` notifications into one email) and `options.digestInterval` (default
//! `1h`).
//!
//! The program is looked up on PATH, then in `/usr/sbin` and `/usr/lib` (cron's PATH has
//! no `/usr/sbin`). The message is UTF-8 plain text in quoted-printable (so no line
//! exceeds SMTP's limit whatever the agent wrote); the subject is RFC 2047-encoded when it
//! is not ASCII; header values never contain a line break.
//!
//! Digest: with `digest: true`, an `info` notification (other than `ao notify test`) is
//! queued in `<dataDir>/notify/email-digest-<name>.json` (0600, under a lock) and counts
//! as delivered. [`super::flush_digests`], run by every tick, sends one email with
//! everything queued once the oldest entry is `digestInterval` old; the queue is cleared
//! only after sendmail accepted the message.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Notification, Notifier, View, detail_lines, one_line, truncate_bytes};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::plugins::PluginError;
use crate::store::{FileLock, atomic};
use crate::sys::cmd::{Cmd, CmdError};

/// Default digest interval.
const DEFAULT_DIGEST_SECS: i64 = 3600;
/// Longest body, in bytes, before quoted-printable encoding.
const BODY_MAX: usize = 100 * 1024;
/// Longest subject, in characters.
const SUBJECT_MAX: usize = 150;
/// Where sendmail lives when it is not on PATH.
const SENDMAIL_DIRS: [&str; 2] = ["/usr/sbin", "/usr/lib"];
/// Version of the digest queue file.
const QUEUE_VERSION: u32 = 1;

/// Sends email through sendmail.
#[derive(Debug)]
pub struct EmailNotifier {
    argv: Vec<String>,
    to: Vec<String>,
    from: Option<String>,
    digest: bool,
    digest_every: SignedDuration,
    queue: PathBuf,
}

/// One queued digest entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Queued {
    queued_at: Timestamp,
    notification: Notification,
}

/// The digest queue file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Queue {
    version: u32,
    items: Vec<Queued>,
}

fn header_value_ok(s: &str) -> bool {
    !s.trim().is_empty() && !s.chars().any(char::is_control)
}

impl EmailNotifier {
    /// From `notifiers.<name>`; the digest queue lives in `data_dir`.
    pub fn new(name: &str, cfg: &NotifierConfig, data_dir: &Path) -> Result<Self, PluginError> {
        if cfg.to.is_empty() {
            return Err(PluginError::NotFound(format!(
                "notifier `{name}` (plugin email) needs `to:` with at least one address"
            )));
        }
        for a in cfg.to.iter().chain(cfg.from.iter()) {
            if !header_value_ok(a) || !a.contains('@') || a.contains(',') {
                return Err(PluginError::NotFound(format!(
                    "notifier `{name}`: `{}` is not one email address",
                    a.escape_default()
                )));
            }
        }
        let argv = if cfg.command.is_empty() {
            vec!["sendmail".to_owned(), "-t".to_owned(), "-i".to_owned()]
        } else {
            cfg.command.clone()
        };
        let digest_every = match cfg
            .options
            .as_ref()
            .and_then(|o| o.get("digestInterval"))
            .and_then(serde_json::Value::as_str)
        {
            Some(s) => crate::config::Duration::parse(s)
                .map_err(|e| {
                    PluginError::NotFound(format!(
                        "notifier `{name}`: `options.digestInterval`: {e}"
                    ))
                })?
                .to_signed(),
            None => SignedDuration::from_secs(DEFAULT_DIGEST_SECS),
        };
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Self {
            argv,
            to: cfg.to.iter().map(|s| s.trim().to_owned()).collect(),
            from: cfg.from.as_ref().map(|s| s.trim().to_owned()),
            digest: cfg.digest == Some(true),
            digest_every,
            queue: data_dir
                .join("notify")
                .join(format!("email-digest-{safe}.json")),
        })
    }

    /// The program to run: as configured, else `sendmail` from PATH or the usual places.
    fn program(&self) -> Result<PathBuf, PluginError> {
        let p = Path::new(&self.argv[0]);
        if p.components().count() > 1 {
            return Ok(p.to_path_buf());
        }
        crate::sys::which::on_path(&self.argv[0], &SENDMAIL_DIRS)
            .ok_or_else(|| {
                PluginError::NotFound(format!(
                    "could not find `{}` on PATH or in {}; install a mail transfer agent (e.g. msmtp-mta, nullmailer, postfix) or set `command:`",
                    self.argv[0],
                    SENDMAIL_DIRS.join(", ")
                ))
            })
    }

    fn sendmail(&self, message: &str) -> Result<(), PluginError> {
        let program = self.program()?;
        Cmd::new(program)
            .args(&self.argv[1..])
            .stdin(message.as_bytes().to_vec())
            .run()
            .map(|_| ())
            .map_err(|e| match e {
                CmdError::NotFound { .. } => PluginError::NotFound(e.to_string()),
                other => PluginError::Unavailable(other.to_string()),
            })
    }

    fn headers(
        &self,
        subject: &str,
        kind: &str,
        priority: &str,
        id: &str,
        time: Timestamp,
    ) -> String {
        let mut h = String::new();
        h.push_str(&format!("To: {}\n", self.to.join(", ")));
        if let Some(f) = &self.from {
            h.push_str(&format!("From: {f}\n"));
        }
        h.push_str(&format!("Subject: {}\n", encode_header(subject)));
        h.push_str(&format!("Date: {}\n", rfc2822(time)));
        h.push_str(&format!("Message-ID: <{id}@ao.invalid>\n"));
        h.push_str("MIME-Version: 1.0\n");
        h.push_str("Content-Type: text/plain; charset=utf-8\n");
        h.push_str("Content-Transfer-Encoding: quoted-printable\n");
        h.push_str("Auto-Submitted: auto-generated\n");
        h.push_str(&format!("X-Ao-Event: {kind}\n"));
        h.push_str(&format!("X-Ao-Priority: {priority}\n"));
        h
    }

    /// The complete message for one notification.
    pub fn message(&self, n: &Notification) -> String {
        let v = View::of(n);
        let subject = format!("[ao {}] {}", v.priority, v.title);
        let mut body = truncate_bytes(&v.message, BODY_MAX);
        body.push_str("\n\n");
        for l in detail_lines(&v) {
            body.push_str(&l);
            body.push('\n');
        }
        body.push_str(&format!(
            "\n-- \nao · {} · {} · {}\n",
            v.priority, v.kind, v.time
        ));
        let id = message_id(&v.key, v.time);
        let kind = header_token(&v.kind);
        format!(
            "{}\n{}",
            self.headers(&subject, &kind, v.priority.as_str(), &id, v.time),
            quoted_printable(&body)
        )
    }

    /// The digest message for `items` (oldest first).
    fn digest_message(&self, items: &[Queued], now: Timestamp) -> String {
        let subject = format!(
            "[ao digest] {} notification{}",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        );
        let mut body = String::new();
        let per_item = BODY_MAX / items.len().max(1);
        for q in items {
            let v = View::of(&q.notification);
            let mut entry = format!("* {} ({})\n", v.title, v.time);
            for line in truncate_bytes(&v.message, per_item.min(2000)).lines() {
                entry.push_str(&format!("  {line}\n"));
            }
            for l in detail_lines(&v) {
                entry.push_str(&format!("  {l}\n"));
            }
            entry.push('\n');
            body.push_str(&entry);
        }
        body.push_str(&format!("-- \nao · info digest · {now}\n"));
        let keys: Vec<&str> = items.iter().map(|q| q.notification.key.as_str()).collect();
        let id = message_id(&keys.join("\n"), now);
        format!(
            "{}\n{}",
            self.headers(&subject, "digest", "info", &id, now),
            quoted_printable(&truncate_bytes(&body, BODY_MAX))
        )
    }

    fn lock(&self) -> Result<FileLock, PluginError> {
        let dir = self.queue.parent().unwrap_or(Path::new("."));
        atomic::ensure_private_dir(dir).map_err(|e| {
            PluginError::Other(anyhow::anyhow!("cannot create {}: {e}", dir.display()))
        })?;
        FileLock::lock(&self.queue.with_extension("lock")).map_err(|e| {
            PluginError::Other(anyhow::anyhow!(
                "cannot lock the digest queue {}: {e}",
                self.queue.display()
            ))
        })
    }

    fn read_queue(&self) -> Result<Queue, PluginError> {
        match std::fs::read(&self.queue) {
            Ok(bytes) => {
                let q: Queue = serde_json::from_slice(&bytes).map_err(|e| {
                    PluginError::Other(anyhow::anyhow!(
                        "digest queue {} is unreadable: {e}",
                        self.queue.display()
                    ))
                })?;
                if q.version != QUEUE_VERSION {
                    return Err(PluginError::Other(anyhow::anyhow!(
                        "digest queue {} has unsupported version {} (supports {QUEUE_VERSION})",
                        self.queue.display(),
                        q.version
                    )));
                }
                Ok(q)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Queue {
                version: QUEUE_VERSION,
                items: Vec::new(),
            }),
            Err(e) => Err(PluginError::Other(anyhow::anyhow!(
                "cannot read {}: {e}",
                self.queue.display()
            ))),
        }
    }

    fn write_queue(&self, q: &Queue) -> Result<(), PluginError> {
        let bytes = serde_json::to_vec_pretty(q).map_err(|e| PluginError::Other(e.into()))?;
        atomic::write(&self.queue, &bytes).map_err(|e| {
            PluginError::Other(anyhow::anyhow!(
                "cannot write {}: {e}",
                self.queue.display()
            ))
        })
    }

    /// Queues `n` for the digest (a repeated key is queued once).
    fn enqueue(&self, n: &Notification, now: Timestamp) -> Result<(), PluginError> {
        let _lock = self.lock()?;
        let mut q = self.read_queue()?;
        if !q.items.iter().any(|i| i.notification.key == n.key) {
            q.items.push(Queued {
                queued_at: now,
                notification: n.clone(),
            });
            self.write_queue(&q)?;
        }
        Ok(())
    }

    /// Sends the digest when it is due (or at once with `force`). `Ok(None)`: nothing
    /// queued; `Ok(Some(0))`: not due yet; `Ok(Some(n))`: `n` notifications sent.
    pub fn flush(&self, now: Timestamp, force: bool) -> Result<Option<usize>, PluginError> {
        let _lock = self.lock()?;
        let q = self.read_queue()?;
        let Some(oldest) = q.items.iter().map(|i| i.queued_at).min() else {
            return Ok(None);
        };
        let due = oldest
            .checked_add(self.digest_every)
            .map_or(true, |t| t <= now);
        if !force && !due {
            return Ok(Some(0));
        }
        self.sendmail(&self.digest_message(&q.items, now))?;
        self.write_queue(&Queue {
            version: QUEUE_VERSION,
            items: Vec::new(),
        })?;
        Ok(Some(q.items.len()))
    }
}

impl Notifier for EmailNotifier {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        if self.digest && n.priority == Priority::Info && n.kind != "test" {
            // Queued as of the pass that made it (the notifier has no clock of its own).
            return self.enqueue(n, n.time);
        }
        self.sendmail(&self.message(n))
    }

    fn check(&self) -> Result<String, PluginError> {
        let program = self.program()?;
        let mut s = format!(
            "`{}` found at {}, mail to {}",
            self.argv[0],
            program.display(),
            self.to.join(", ")
        );
        if self.digest {
            let queued = {
                let _lock = self.lock()?;
                self.read_queue()?.items.len()
            };
            s.push_str(&format!(
                "; info digest every {}, {queued} queued",
                crate::config::Duration::from_secs(self.digest_every.as_secs())
            ));
        }
        Ok(s)
    }
}

/// A header-safe token (`[A-Za-z0-9._-]`, at most 64).
fn header_token(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if t.is_empty() { "event".to_owned() } else { t }
}

/// A Message-ID local part from `seed` and `time`.
fn message_id(seed: &str, time: Timestamp) -> String {
    let h = super::hmac::hex(&super::hmac::sha256(&[seed.as_bytes()]));
    format!("{}.{}", &h[..24], time.as_second())
}

/// RFC 2822 date in UTC.
fn rfc2822(t: Timestamp) -> String {
    t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// A subject header value: one line, at most `SUBJECT_MAX` characters, RFC 2047
/// base64-encoded words (folded) when it is not plain printable ASCII.
pub fn encode_header(s: &str) -> String {
    let s = crate::sys::text::truncate_chars(&one_line(s), SUBJECT_MAX);
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) && !s.contains("=?") {
        return s;
    }
    // Encoded words of at most 45 input bytes (60 base64 chars + 12 = 72 ≤ 75), split on
    // char boundaries, folded onto continuation lines.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", super::base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", super::base64(chunk.as_bytes())));
    }
    words.join("\n ")
}

/// Quoted-printable (RFC 2045) with `\n` line ends: lines of at most 76 characters,
/// `=` and non-ASCII bytes encoded, trailing whitespace protected.
pub fn quoted_printable(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let bytes = line.as_bytes();
        let mut col = 0;
        for (j, &b) in bytes.iter().enumerate() {
            let last = j + 1 == bytes.len();
            let literal =
                (b == b' ' || b == b'\t') && !last || ((33..=126).contains(&b) && b != b'=');
            let piece = if literal {
                char::from(b).to_string()
            } else {
                format!(
                    "={}{}",
                    char::from(HEX[usize::from(b >> 4)]),
                    char::from(HEX[usize::from(b & 15)])
                )
            };
            // Keep room for the soft break `=` within 76 columns.
            if col + piece.len() > 75 {
                out.push_str("=\n");
                col = 0;
            }
            out.push_str(&piece);
            col += piece.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{hostile, sample};

    /// An email notifier whose "sendmail" appends stdin to `out` (and its argv to
    /// `out.args`).
    fn notifier(dir: &Path, digest: bool) -> EmailNotifier {
        let out = dir.join("out");
        let script = format!(
            "printf '%s\\n' \"$@\" >> {0}.args; cat >> {0}; printf '\\n=====\\n' >> {0}",
            out.display()
        );
        let cfg = NotifierConfig {
            plugin: "email".into(),
            to: vec!["dev@example.com".into(), "Ops <ops@example.com>".into()],
            from: Some("ao@example.com".into()),
            digest: Some(digest),
            command: vec![
                "sh".into(),
                "-c".into(),
                script,
                "sendmail".into(),
                "-t".into(),
            ],
            options: Some(serde_json::json!({"digestInterval": "30m"})),
            ..Default::default()
        };
        EmailNotifier::new("mail", &cfg, dir).unwrap()
    }

    fn decode_qp(s: &str) -> String {
        let s = s.replace("=\n", "");
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn message_is_specific_and_well_formed() {
        let dir = tempfile::tempdir().unwrap();
        let m = notifier(dir.path(), false).message(&sample());
        insta::assert_snapshot!(m);
    }

    #[test]
    fn hostile_text_cannot_inject_headers_or_long_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut n = hostile();
        n.title = "x\nBcc: victim@example.com\r\nSubject: hi ü".into();
        let m = notifier(dir.path(), false).message(&n);
        let (head, body) = m.split_once("\n\n").unwrap();
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert_eq!(
            head.lines().filter(|l| l.starts_with("Subject:")).count(),
            1
        );
        assert!(m.lines().all(|l| l.len() <= 998), "SMTP line limit");
        assert!(body.lines().all(|l| l.len() <= 76), "QP line limit");
        assert!(m.is_ascii());
        let text = decode_qp(body);
        assert!(text.contains("[REDACTED]") && !text.contains('\u{1b}'));
    }

    #[test]
    fn subject_encoding() {
        assert_eq!(encode_header("plain subject"), "plain subject");
        let e = encode_header("my-app-3 needs your input — ü");
        assert!(e.starts_with("=?UTF-8?B?") && e.is_ascii(), "{e}");
        assert!(e.lines().all(|l| l.len() <= 76), "{e}");
    }

    #[test]
    fn quoted_printable_rules() {
        assert_eq!(quoted_printable("a=b ü \nend"), "a=3Db =C3=BC=20\nend");
        let long = "x".repeat(200);
        let qp = quoted_printable(&long);
        assert!(qp.lines().all(|l| l.len() <= 76));
        assert_eq!(decode_qp(&qp), long);
    }

    #[test]
    fn sends_through_the_program_with_t() {
        let dir = tempfile::tempdir().unwrap();
        notifier(dir.path(), false).send(&sample()).unwrap();
        let args = std::fs::read_to_string(dir.path().join("out.args")).unwrap();
        assert_eq!(args, "-t\n");
        let out = std::fs::read_to_string(dir.path().join("out")).unwrap();
        assert!(
            out.starts_with("To: dev@example.com, Ops <ops@example.com>\n"),
            "{out}"
        );
    }

    #[test]
    fn info_goes_to_the_digest_and_is_flushed_when_due() {
        let dir = tempfile::tempdir().unwrap();
        let e = notifier(dir.path(), true);
        let t0: Timestamp = "2025-01-02T03:00:00Z".parse().unwrap();
        let mut a = sample();
        a.priority = Priority::Info;
        a.key = "all-complete:1".into();
        a.title = "All sessions complete".into();
        let mut b = a.clone();
        b.key = "all-complete:2".into();
        e.enqueue(&a, t0).unwrap();
        e.enqueue(&b, t0).unwrap();
        e.enqueue(&b, t0).unwrap();
        assert!(!dir.path().join("out").exists(), "queued, not sent");
        assert_eq!(e.flush(t0, false).unwrap(), Some(0));
        let later = t0.checked_add(SignedDuration::from_mins(31)).unwrap();
        assert_eq!(e.flush(later, false).unwrap(), Some(2));
        let out = std::fs::read_to_string(dir.path().join("out")).unwrap();
        assert!(
            out.contains("Subject: [ao digest] 2 notifications"),
            "{out}"
        );
        assert_eq!(e.flush(later, false).unwrap(), None, "queue cleared");
        // Urgent notifications bypass the digest.
        e.send(&sample()).unwrap();
        let out = std::fs::read_to_string(dir.path().join("out")).unwrap();
        assert!(out.contains("Subject: [ao urgent] my-app-3 needs your input"));
    }

    #[test]
    fn failed_digest_send_keeps_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = NotifierConfig {
            plugin: "email".into(),
            to: vec!["dev@example.com".into()],
            digest: Some(true),
            command: vec!["false".into()],
            ..Default::default()
        };
        let e = EmailNotifier::new("mail", &cfg, dir.path()).unwrap();
        let mut n = sample();
        n.priority = Priority::Info;
        e.send(&n).unwrap();
        let err = e.flush(crate::clock::now(), true).unwrap_err();
        assert!(matches!(err, PluginError::Unavailable(_)), "{err}");
        assert_eq!(e.read_queue().unwrap().items.len(), 1);
    }

    #[test]
    fn bad_addresses_and_missing_sendmail() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = NotifierConfig {
            plugin: "email".into(),
            to: vec!["a@example.com\nBcc: x@example.com".into()],
            ..Default::default()
        };
        assert!(EmailNotifier::new("m", &cfg, dir.path()).is_err());
        let cfg = NotifierConfig {
            plugin: "email".into(),
            to: vec!["a@example.com".into()],
            command: vec!["ao-no-such-sendmail".into()],
            ..Default::default()
        };
        let e = EmailNotifier::new("m", &cfg, dir.path()).unwrap();
        let err = e.send(&sample()).unwrap_err();
        assert!(matches!(err, PluginError::NotFound(_)), "{err}");
        assert!(
            err.to_string()
                .contains("could not find `ao-no-such-sendmail`"),
            "{err}"
        );
        assert!(e.check().is_err());
    }
}
