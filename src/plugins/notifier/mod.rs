//! Notifier slot: the primary interface (seed: "the notifier is the product's face").
//! A notification is specific (who, what, what next), keyed so it is sent once, and
//! escaped for its sink by the plugin that sends it.
//!
//! Built-ins: `desktop` (freedesktop notifications over D-Bus, the default), `slack`,
//! `discord`, `webhook` (signed JSON POST), `ntfy` (phone push), `email` (local sendmail,
//! with an `info` digest), `command` (any program, event JSON on stdin) and `stdout`. Any
//! other plugin name resolves to an `ao-notifier-<name>` executable on PATH (see
//! `external`). `docs/notifications.md` documents every payload.
//!
//! Invariants shared by every sink:
//! * Untrusted text (titles and messages carry agent output, PR titles, CI logs) is passed
//!   through [`View`] first: escape sequences and control characters stripped, well-known
//!   token shapes redacted, links accepted only when they are plain `http(s)` URLs. Each
//!   sink then escapes for its own markup.
//! * Secrets (webhook URLs, tokens, HMAC keys) live in [`Secret`], whose `Debug` prints
//!   `[REDACTED]`; error texts show at most the host of a URL.
//! * `send` returns `PluginError::Unavailable` for transient failures (no network, 429,
//!   5xx, no D-Bus) and another variant for configuration errors the user must fix.

mod command;
pub mod desktop;
mod discord;
mod email;
pub mod external;
mod hmac;
mod http;
mod ntfy;
mod slack;
mod stdout;
#[cfg(test)]
mod testing;
mod webhook;

use std::collections::BTreeMap;
use std::fmt::{self, Debug};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

pub use command::CommandNotifier;
pub use desktop::DesktopNotifier;
pub use discord::DiscordNotifier;
pub use email::EmailNotifier;
pub use ntfy::NtfyNotifier;
pub use slack::SlackNotifier;
pub use stdout::{StdoutNotifier, reserve_stdout};
pub use webhook::WebhookNotifier;

use super::{PluginEnv, PluginError};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::sys::text::strip_control;

/// Built-in notifier names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::NOTIFIER as BUILTIN;

pub use crate::model::notification::{NOTIFICATION_SCHEMA_VERSION, Notification};

/// A channel to a human.
pub trait Notifier: Send + Sync + Debug {
    /// Plugin name.
    fn name(&self) -> &'static str;

    /// Delivers `n`, escaping it for the sink. Ok only when the sink confirmed delivery;
    /// `PluginError::Unavailable` for transient failures (retried next tick with backoff).
    /// Error texts never contain secrets (webhook URLs, tokens).
    fn send(&self, n: &Notification) -> Result<(), PluginError>;

    /// Checks that the sink is reachable and configured, without delivering anything
    /// (for `ao doctor`). Returns a short description of what was checked.
    fn check(&self) -> Result<String, PluginError> {
        Ok("no check available for this notifier".to_owned())
    }
}

/// Creates the notifier configured as `name`, with its settings block `env.notifier`
/// (`notifiers.<name>`). `name` is also accepted as a plugin name when there is no such
/// block (e.g. `desktop`, `stdout`). The email digest queue lives under `env.data_dir`.
/// Another plugin name is the external `ao-notifier-<plugin>`, given the block's
/// `options` as config.
pub fn create(name: &str, env: &PluginEnv<'_>) -> Result<Box<dyn Notifier>, PluginError> {
    let (cfg, data_dir) = (env.notifier, env.data_dir);
    let plugin = cfg.map_or(name, |c| c.plugin.as_str());
    let default_cfg;
    let with_cfg = |plugin: &str| {
        cfg.ok_or_else(|| {
            PluginError::NotFound(format!(
                "notifier `{name}` uses plugin `{plugin}`, which needs settings: add `notifiers.{name}` with `plugin: {plugin}` to the config (see docs/notifications.md)"
            ))
        })
    };
    match plugin {
        "stdout" => Ok(Box::new(StdoutNotifier { to_stderr: false })),
        "stderr" => Ok(Box::new(StdoutNotifier { to_stderr: true })),
        "desktop" => Ok(Box::new(DesktopNotifier::new(name, cfg)?)),
        "command" => Ok(Box::new(CommandNotifier::new(name, with_cfg(plugin)?)?)),
        "slack" => Ok(Box::new(SlackNotifier::new(name, with_cfg(plugin)?)?)),
        "discord" => Ok(Box::new(DiscordNotifier::new(name, with_cfg(plugin)?)?)),
        "webhook" => Ok(Box::new(WebhookNotifier::new(name, with_cfg(plugin)?)?)),
        "ntfy" => Ok(Box::new(NtfyNotifier::new(name, with_cfg(plugin)?)?)),
        "email" => {
            // `notify test --notifier email` without config: sendmail to nobody is useless,
            // so the recipients are required; the error says so.
            let c = match cfg {
                Some(c) => c,
                None => {
                    default_cfg = NotifierConfig {
                        plugin: "email".to_owned(),
                        ..NotifierConfig::default()
                    };
                    &default_cfg
                }
            };
            Ok(Box::new(EmailNotifier::new(name, c, data_dir)?))
        }
        other => {
            let options = cfg.and_then(|c| c.options.clone());
            Ok(Box::new(external::ExternalNotifier(
                crate::plugins::external::Plugin::find(
                    "notifier",
                    other,
                    BUILTIN,
                    options.unwrap_or(serde_json::Value::Null),
                )?,
            )))
        }
    }
}

/// Sends the `info` digests that are due: for every `email` notifier with `digest: true`
/// whose oldest queued notification is older than its digest interval, one email with
/// everything queued. Returns, per notifier that had something queued, how many
/// notifications were sent (0 = not due yet) or why sending failed (the queue is kept).
/// Called once per tick by the tick pass.
pub fn flush_digests(
    notifiers: &BTreeMap<String, NotifierConfig>,
    data_dir: &Path,
    now: Timestamp,
) -> Vec<(String, Result<usize, PluginError>)> {
    let mut out = Vec::new();
    for (name, cfg) in notifiers {
        if cfg.plugin != "email" || cfg.digest != Some(true) {
            continue;
        }
        let result = EmailNotifier::new(name, cfg, data_dir).and_then(|e| e.flush(now, false));
        match result {
            Ok(None) => {}
            Ok(Some(count)) => out.push((name.clone(), Ok(count))),
            Err(e) => out.push((name.clone(), Err(e))),
        }
    }
    out
}

/// `AO_DATA_DIR`, else `~/.agent-orchestrator` (the config's `dataDir` is applied by
/// callers through [`create`]).
pub fn default_data_dir() -> PathBuf {
    crate::config::resolved::default_data_dir()
}

// ---------------------------------------------------------------------------------------
// Secrets

/// A secret value (webhook URL, token, HMAC key). `Debug` and `Display` print
/// `[REDACTED]`; it has no `Serialize`. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself. Never print, log or store the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Resolves the secret `key` of notifier `notifier`: the inline config value when set,
/// else the contents of `file` (`secretFile`). An inline value may be `${VAR}` or
/// `${VAR:-default}` (expanded here when the config loader left it as is) or
/// `file:/path`. A file must not be accessible to group or others (mode `& 0o077 == 0`).
/// `Ok(None)` when neither is set.
pub fn resolve_secret(
    notifier: &str,
    key: &str,
    inline: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Secret>, PluginError> {
    if let Some(v) = inline {
        let v = v.trim();
        if let Some(path) = v.strip_prefix("file:") {
            return read_secret_file(notifier, Path::new(path)).map(Some);
        }
        let v = expand_vars(notifier, key, v)?;
        if v.trim().is_empty() {
            return Err(PluginError::NotFound(format!(
                "notifier `{notifier}`: `{key}` is empty"
            )));
        }
        return Ok(Some(Secret(v.trim().to_owned())));
    }
    match file {
        Some(p) => read_secret_file(notifier, p).map(Some),
        None => Ok(None),
    }
}

/// Expands `${VAR}` and `${VAR:-default}` from the environment, by the config's rules
/// ([`crate::config::interpolate`]), except that a variable set but empty counts as
/// unset: without a default that is an error naming it (never an empty secret).
fn expand_vars(notifier: &str, key: &str, s: &str) -> Result<String, PluginError> {
    use crate::config::interpolate::{self, InterpError};
    let lookup = |name: &str| interpolate::env_lookup(name).map(|v| v.filter(|v| !v.is_empty()));
    interpolate::expand(s, &lookup)
        .map(|e| e.value)
        .map_err(|e| {
            PluginError::NotFound(match e {
                InterpError::Unset { name } | InterpError::NotUnicode { name } => format!(
                    "notifier `{notifier}`: `{key}` uses ${{{name}}}, which is not set in the environment"
                ),
                InterpError::Syntax { message } => {
                    format!("notifier `{notifier}`: `{key}`: {message}")
                }
            })
        })
}

/// Reads a secret file, refusing one that group or others can access.
fn read_secret_file(notifier: &str, path: &Path) -> Result<Secret, PluginError> {
    use std::os::unix::fs::PermissionsExt;
    let path = crate::config::expand_tilde(path);
    let meta = std::fs::metadata(&path).map_err(|e| {
        PluginError::NotFound(format!(
            "notifier `{notifier}`: cannot read secret file {}: {e}",
            path.display()
        ))
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(PluginError::Refused(format!(
            "notifier `{notifier}`: secret file {} is accessible by others (mode {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        PluginError::NotFound(format!(
            "notifier `{notifier}`: cannot read secret file {}: {e}",
            path.display()
        ))
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(PluginError::NotFound(format!(
            "notifier `{notifier}`: secret file {} is empty",
            path.display()
        )));
    }
    Ok(Secret(text.to_owned()))
}

/// Removes every occurrence of the secrets (and of a URL secret's path, which carries the
/// token) from `text`: a last line of defence for error texts from libraries.
pub fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        let v = s.expose();
        if v.len() >= 4 {
            out = out.replace(v, "[REDACTED]");
        }
        if let Some((_, rest)) = v.split_once("://")
            && let Some(i) = rest.find('/')
            && rest.len() - i > 4
        {
            out = out.replace(&rest[i..], "/[REDACTED]");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Text

/// A notification with every field made safe to render: control characters and escape
/// sequences stripped, well-known token shapes redacted, one-line fields on one line,
/// links kept only when they are plain URLs. Sinks escape this for their own markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Priority.
    pub priority: Priority,
    /// Event type, one line.
    pub kind: String,
    /// Dedupe key, one line.
    pub key: String,
    /// Headline, one line.
    pub title: String,
    /// Details; may span lines.
    pub message: String,
    /// Session id.
    pub session: Option<String>,
    /// Project id.
    pub project: Option<String>,
    /// PR link (`http(s)` only).
    pub pr_url: Option<String>,
    /// Attach command, one line.
    pub attach: Option<String>,
    /// Dashboard link (`http(s)` or `file`).
    pub dashboard_url: Option<String>,
    /// When the condition was detected.
    pub time: Timestamp,
}

impl View {
    /// The safe view of `n`.
    pub fn of(n: &Notification) -> Self {
        let line = |s: &str| one_line(&redact_tokens(&strip_control(s)));
        let opt_line = |s: &Option<String>| s.as_deref().map(line).filter(|s| !s.is_empty());
        Self {
            priority: n.priority,
            kind: line(&n.kind),
            key: line(&n.key),
            title: line(&n.title),
            message: redact_tokens(strip_control(&n.message).trim()),
            session: opt_line(&n.session),
            project: opt_line(&n.project),
            pr_url: n.pr_url.as_deref().and_then(|u| safe_link(u, false)),
            attach: opt_line(&n.attach),
            dashboard_url: n.dashboard_url.as_deref().and_then(|u| safe_link(u, true)),
            time: n.time,
        }
    }

    /// The dashboard link when it can be opened from another machine (`http(s)`).
    pub fn remote_dashboard(&self) -> Option<&str> {
        self.dashboard_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    }

    /// A short label for the PR link: `PR #12` when the URL ends in a number.
    pub fn pr_label(&self) -> String {
        match self
            .pr_url
            .as_deref()
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(num) => format!("PR #{num}"),
            None => "PR".to_owned(),
        }
    }
}

/// Collapses whitespace runs (newlines and tabs included) to single spaces and trims.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `url` when it is a plain link: `https://`/`http://` (or `file://` when `allow_file`),
/// at most 2000 characters, no whitespace, controls, quotes, backslashes or the markup
/// characters `<>|` and backtick. Anything else is dropped rather than rendered as a link.
pub fn safe_link(url: &str, allow_file: bool) -> Option<String> {
    let url = url.trim();
    let scheme_ok = url.starts_with("https://")
        || url.starts_with("http://")
        || (allow_file && url.starts_with("file://"));
    let chars_ok = url.chars().all(|c| {
        !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | '|' | '"' | '`' | '\\')
    });
    (scheme_ok && chars_ok && url.len() <= 2000 && url.len() > "https://".len())
        .then(|| url.to_owned())
}

/// Breaks `@everyone`, `@here` and `@channel` (any case) with a zero-width space so no
/// sink turns agent text into a broadcast ping.
pub fn defuse_mentions(s: &str) -> String {
    const WORDS: [&str; 3] = ["everyone", "here", "channel"];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['@', '＠']) {
        let at_len = rest[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..i + at_len]);
        let after = &rest[i + at_len..];
        if WORDS.iter().any(|w| {
            after.len() >= w.len()
                && after.is_char_boundary(w.len())
                && after[..w.len()].eq_ignore_ascii_case(w)
        }) {
            out.push('\u{200B}');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

pub use crate::sys::text::redact_tokens;

/// Cuts `s` so that it is at most `max` UTF-16 code units long (the unit web APIs such as
/// Discord and Slack count in), appending `…` when cut.
pub fn truncate_utf16(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + c.len_utf16() > max.saturating_sub(1) {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

/// Cuts `s` to at most `max` bytes on a char boundary, appending `…` (within the budget)
/// when cut.
pub fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The lines every sink appends after the message: session, PR, attach command,
/// dashboard — each only when known. Plain text; sinks with markup build their own.
pub fn detail_lines(v: &View) -> Vec<String> {
    let mut lines = Vec::new();
    match (&v.session, &v.project) {
        (Some(s), Some(p)) => lines.push(format!("Session: {s} (project {p})")),
        (Some(s), None) => lines.push(format!("Session: {s}")),
        (None, Some(p)) => lines.push(format!("Project: {p}")),
        (None, None) => {}
    }
    if let Some(u) = &v.pr_url {
        lines.push(format!("{}: {u}", v.pr_label()));
    }
    if let Some(a) = &v.attach {
        lines.push(format!("Attach: {a}"));
    }
    if let Some(d) = &v.dashboard_url {
        lines.push(format!("Dashboard: {d}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::testing::sample;
    use super::*;

    #[test]
    fn registry_knows_every_builtin() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["stdout", "desktop"] {
            let n = create(name, &PluginEnv::new(dir.path())).unwrap();
            assert_eq!(n.name(), name);
        }
        for name in ["slack", "discord", "webhook", "ntfy", "command"] {
            let e = create(name, &PluginEnv::new(dir.path()))
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("notifiers.{name}")), "{e}");
        }
        let e = create("email", &PluginEnv::new(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`to:`"), "{e}");
        let e = create("pigeon", &PluginEnv::new(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown notifier plugin `pigeon`"), "{e}");
        assert!(e.contains("slack"), "{e}");
    }

    #[test]
    fn configured_name_resolves_to_its_plugin() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = NotifierConfig {
            plugin: "slack".into(),
            webhook: Some("https://hooks.slack.com/services/T0/B0/XYZ".into()),
            ..Default::default()
        };
        let n = create(
            "team",
            &PluginEnv::new(dir.path()).with_notifier(Some(&cfg)),
        )
        .unwrap();
        assert_eq!(n.name(), "slack");
        assert!(!format!("{n:?}").contains("XYZ"), "{n:?}");
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_display() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(s.to_string(), "[REDACTED]");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn secret_from_env_default_and_missing() {
        // PATH and HOME are always set in the test environment.
        let path = std::env::var("PATH").unwrap();
        let got = resolve_secret("n", "webhook", Some("${PATH}"), None).unwrap();
        assert_eq!(got.unwrap().expose(), path);
        let got = resolve_secret(
            "n",
            "webhook",
            Some("${AO_TEST_SURELY_UNSET_VAR:-fallback}"),
            None,
        )
        .unwrap();
        assert_eq!(got.unwrap().expose(), "fallback");
        let e = resolve_secret("n", "webhook", Some("${AO_TEST_SURELY_UNSET_VAR}"), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("${AO_TEST_SURELY_UNSET_VAR}, which is not set"),
            "{e}"
        );
        let e = resolve_secret("n", "webhook", Some("${A B}"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid variable name"), "{e}");
        assert!(
            resolve_secret("n", "webhook", None, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn secret_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token");
        std::fs::write(&p, "s3cret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = resolve_secret("n", "token", None, Some(&p)).unwrap_err();
        assert!(matches!(e, PluginError::Refused(_)), "{e}");
        let e = e.to_string();
        assert!(e.contains("mode 0644") && e.contains("chmod 600"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = resolve_secret("n", "token", None, Some(&p))
            .unwrap()
            .unwrap();
        assert_eq!(s.expose(), "s3cret");
        let inline = format!("file:{}", p.display());
        let s = resolve_secret("n", "token", Some(&inline), None)
            .unwrap()
            .unwrap();
        assert_eq!(s.expose(), "s3cret");
    }

    #[test]
    fn scrub_removes_urls_and_paths() {
        let s = Secret::new("https://hooks.slack.com/services/T0/B0/XYZ");
        let t = scrub(
            "error sending to https://hooks.slack.com/services/T0/B0/XYZ (path /services/T0/B0/XYZ)",
            &[&s],
        );
        assert!(!t.contains("XYZ"), "{t}");
    }

    #[test]
    fn view_strips_controls_and_redacts_tokens() {
        let mut n = sample();
        n.title = "a\u{1b}]0;pwned\u{7}b\nc\u{1b}[2J".into();
        n.message = "token ghp_abcdefghijklmnopqrstuvwxyz0123 and xoxb-1234567890-abc and AKIAABCDEFGHIJKLMNOP end".into();
        n.pr_url = Some("javascript:alert(1)".into());
        n.dashboard_url = Some("https://x.example/a b".into());
        let v = View::of(&n);
        assert_eq!(v.title, "ab c");
        assert_eq!(
            v.message,
            "token [REDACTED] and [REDACTED] and [REDACTED] end"
        );
        assert_eq!(v.pr_url, None);
        assert_eq!(v.dashboard_url, None);
        // Not tokens: too short, or inside a word.
        assert_eq!(
            redact_tokens("task-sk-abc ghp_short"),
            "task-sk-abc ghp_short"
        );
    }

    #[test]
    fn mentions_are_defused() {
        assert_eq!(
            defuse_mentions("hi @everyone @Here @channel @bob ＠here"),
            "hi @\u{200B}everyone @\u{200B}Here @\u{200B}channel @bob ＠\u{200B}here"
        );
    }

    #[test]
    fn truncation_respects_units() {
        assert_eq!(truncate_utf16("😀😀😀", 4), "😀…");
        assert_eq!(truncate_utf16("abc", 3), "abc");
        assert_eq!(truncate_bytes("héllo", 4), "h…");
        assert!(truncate_bytes(&"é".repeat(5000), 4000).len() <= 4000);
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn details_name_session_pr_and_attach() {
        let v = View::of(&sample());
        assert_eq!(
            detail_lines(&v),
            [
                "Session: my-app-3 (project my-app)",
                "PR #12: https://github.com/acme/my-app/pull/12",
                "Attach: ao open my-app-3",
                "Dashboard: file:///home/u/.agent-orchestrator/dashboard.html#my-app-3",
            ]
        );
    }
}
