//! Finding, reading, interpolating and validating the config file.
//!
//! Discovery order: `--config`, `$AO_CONFIG`, `agent-orchestrator.yaml` walking up from the
//! current directory, then `~/.agent-orchestrator/config.yaml`.
//!
//! Loading keeps line numbers although interpolation rewrites values: the text is parsed to
//! a `yaml_serde::Value`, literal secrets are looked for in that raw tree, string values are
//! interpolated with their key paths known, and the typed `Config` is deserialized from the
//! interpolated tree. When that fails, the typed parse is re-run on the raw text to get
//! yaml_serde's key path and line:column; if the raw text parses (the problem came from an
//! interpolated value), the path comes from a re-serialized tree and the position from
//! locating that path in the text. Every error names the file, the key path and what is
//! allowed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use yaml_serde::Value;

use super::Config;
use super::diagnose::{self, KeyPath, LineCol, Rewritten};
use super::interpolate::{self, InterpError};

/// Largest config file read (a config is a few KiB; this bounds a runaway file).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A config that was found and loaded, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed, interpolated, validated config.
    pub config: Config,
    /// The file it was read from.
    pub path: PathBuf,
    /// Problems that do not stop ao (unknown plugin names, missing project paths, …).
    pub warnings: Vec<Warning>,
}

/// What kind of problem a [`Problem`] is; stable names for `ao config check --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Not valid YAML.
    Syntax,
    /// A key that is not part of the schema.
    UnknownKey,
    /// A value not in the allowed set (an enum).
    UnknownValue,
    /// A required key is absent.
    MissingKey,
    /// A key given twice.
    DuplicateKey,
    /// A value of the wrong type or out of range.
    InvalidValue,
    /// `${VAR}` with `VAR` unset and no default.
    UnsetVariable,
    /// A malformed `${…}` reference.
    Interpolation,
    /// A literal secret in a file others can read, or an insecure secret file.
    InsecureSecret,
    /// A project id or session prefix outside the allowed charset.
    InvalidName,
    /// A plugin name that is neither built in nor an `ao-<slot>-<name>` on PATH.
    UnknownPlugin,
    /// A notifier name that is neither configured nor a plugin.
    UnknownNotifier,
    /// A path that does not exist.
    MissingPath,
    /// A key that the chosen plugin or reaction does not use.
    UnusedKey,
    /// No projects are configured.
    NoProjects,
    /// No config file was found.
    NoConfig,
    /// The config file could not be read (or is too large).
    Unreadable,
    /// A config file found inside an agent-writable git worktree, ignored.
    UntrustedLocation,
    /// A key of the TypeScript agent-orchestrator: mapped to ao's key, or ignored with a
    /// migration hint.
    Deprecated,
}

/// One problem in a config file: where, what, and how to fix it. Errors and warnings share
/// this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The config file.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Key path (`notifiers.slack.webhook`); `None` for the whole file.
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// A non-fatal problem (same shape as an error).
pub type Warning = Problem;

impl Problem {
    /// A problem at `key` in `file`, located in `text` when given.
    pub fn at(
        kind: ProblemKind,
        file: &Path,
        text: Option<&str>,
        key: &KeyPath,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        let loc = text.and_then(|t| diagnose::locate(t, key));
        Self::with_loc(kind, file, loc, key, message, hint)
    }

    fn with_loc(
        kind: ProblemKind,
        file: &Path,
        loc: Option<LineCol>,
        key: &KeyPath,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Self {
            kind,
            file: file.display().to_string(),
            line: loc.map(|l| l.0),
            column: loc.map(|l| l.1),
            key: (!key.is_root()).then(|| key.to_string()),
            message: message.into(),
            hint,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(k) = &self.key {
            write!(f, "{k}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

/// Why the config could not be used. Every variant names the file and, where it applies,
/// the key path and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No config file anywhere in the discovery order.
    #[error(
        "no config file found (looked for --config, $AO_CONFIG, agent-orchestrator.yaml in {cwd} and its parents, and ~/.agent-orchestrator/config.yaml)\nhint: run `ao init` in your project's repository to write one"
    )]
    NotFound {
        /// Directory the search started from.
        cwd: String,
    },
    /// The file could not be read. (The cause is the error's source, printed by the
    /// caller's `caused by:` chain.)
    #[error("cannot read config file {path}{origin}")]
    Read {
        /// File.
        path: String,
        /// Where the name came from (` (given by $AO_CONFIG)`), or empty.
        origin: &'static str,
        /// Cause.
        source: std::io::Error,
    },
    /// A file-level problem without a position (e.g. too large).
    #[error("{path}: {message}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong, with key path, line and column, and a hint.
        message: String,
    },
    /// One or more problems at known keys and positions.
    #[error("{}", render_problems(.0))]
    Problems(Vec<Problem>),
    /// A project id that is not configured.
    #[error("unknown project `{name}` (configured: {available})")]
    UnknownProject {
        /// Requested id.
        name: String,
        /// Configured ids.
        available: String,
    },
}

fn render_problems(ps: &[Problem]) -> String {
    match ps {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems in the config:", many.len());
            for p in many {
                s.push_str("\n  ");
                s.push_str(&p.to_string().replace('\n', "\n    "));
            }
            s
        }
    }
}

impl ConfigError {
    /// The problems this error consists of (one synthesized problem for file-level errors).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Self::Problems(ps) => ps.clone(),
            other => {
                let (file, kind) = match other {
                    Self::Read { path, .. } | Self::Invalid { path, .. } => {
                        (path.clone(), ProblemKind::Unreadable)
                    }
                    Self::NotFound { .. } => (String::new(), ProblemKind::NoConfig),
                    _ => (String::new(), ProblemKind::InvalidValue),
                };
                let message = match other {
                    Self::Read { source, .. } => format!("{other}: {source}"),
                    _ => other.to_string(),
                };
                vec![Problem {
                    kind,
                    file,
                    line: None,
                    column: None,
                    key: None,
                    message,
                    hint: None,
                }]
            }
        }
    }

    fn one(p: Problem) -> Self {
        Self::Problems(vec![p])
    }
}

/// Where the config path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Flag,
    Env,
    Found,
}

/// The linked git worktree (`.git` is a file, as in every workspace `ao spawn` creates
/// with `git worktree add`) that `dir` is in, if any: the nearest ancestor with a `.git`.
fn linked_worktree(dir: &Path) -> Option<&Path> {
    let top = dir.ancestors().find(|d| d.join(".git").exists())?;
    top.join(".git").is_file().then_some(top)
}

/// Discovery, plus warnings for configs it passed over. A config found by walking up that
/// sits inside a linked git worktree is never used: agents work in such worktrees and
/// could plant one there (checklist A6: webhooks, commands, auto-merge).
fn discover_with_origin(
    explicit: Option<&Path>,
    cwd: &Path,
    skipped: &mut Vec<Warning>,
) -> Result<(PathBuf, Origin), ConfigError> {
    if let Some(p) = explicit {
        return Ok((p.to_path_buf(), Origin::Flag));
    }
    if let Some(p) = std::env::var_os("AO_CONFIG").filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(p), Origin::Env));
    }
    for dir in cwd.ancestors() {
        let c = dir.join("agent-orchestrator.yaml");
        if c.is_file() {
            if let Some(wt) = linked_worktree(dir) {
                skipped.push(Problem {
                    kind: ProblemKind::UntrustedLocation,
                    file: c.display().to_string(),
                    line: None,
                    column: None,
                    key: None,
                    message: format!(
                        "ignored: it is inside the git worktree {}, which an agent may write",
                        wt.display()
                    ),
                    hint: Some(
                        "to use it anyway, pass --config or set AO_CONFIG to its path".into(),
                    ),
                });
                continue;
            }
            return Ok((c, Origin::Found));
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let c = PathBuf::from(home).join(".agent-orchestrator/config.yaml");
        if c.is_file() {
            return Ok((c, Origin::Found));
        }
    }
    if !skipped.is_empty() {
        // Say why the config the user probably meant was not used.
        return Err(ConfigError::Problems(std::mem::take(skipped)));
    }
    Err(ConfigError::NotFound {
        cwd: cwd.display().to_string(),
    })
}

/// Finds the config file per the discovery order.
pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<PathBuf, ConfigError> {
    discover_with_origin(explicit, cwd, &mut Vec::new()).map(|(p, _)| p)
}

/// Discovers and loads the config.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<LoadedConfig, ConfigError> {
    let mut skipped = Vec::new();
    let (path, origin) = discover_with_origin(explicit, cwd, &mut skipped)?;
    let (config, mut warnings) = load_file_with_warnings(&path).map_err(|e| match e {
        ConfigError::Read { path, source, .. } => ConfigError::Read {
            path,
            origin: match origin {
                Origin::Flag => " (given by --config)",
                Origin::Env => " (given by $AO_CONFIG)",
                Origin::Found => "",
            },
            source,
        },
        other => other,
    })?;
    warnings.splice(0..0, skipped);
    Ok(LoadedConfig {
        config,
        path,
        warnings,
    })
}

/// Loads one config file.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    load_file_with_warnings(path).map(|(c, _)| c)
}

/// Loads one config file and returns its warnings too.
pub fn load_file_with_warnings(path: &Path) -> Result<(Config, Vec<Warning>), ConfigError> {
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt;
    let read_err = |source| ConfigError::Read {
        path: path.display().to_string(),
        origin: "",
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_dir() {
        return Err(read_err(std::io::Error::other("it is a directory")));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Invalid {
            path: path.display().to_string(),
            message: format!(
                "the file is {} bytes; a config may be at most {MAX_CONFIG_BYTES} bytes",
                meta.len()
            ),
        });
    }
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_err)?;
    let mode = meta.permissions().mode();
    parse_with(&text, path, Some(mode), &interpolate::env_lookup)
}

/// Parses, interpolates and validates config `text`. `file` names the file in messages;
/// `mode` (its permission bits) enables the literal-secret check; `lookup` reads variables.
pub(crate) fn parse_with(
    text: &str,
    file: &Path,
    mode: Option<u32>,
    lookup: &dyn Fn(&str) -> Result<Option<String>, InterpError>,
) -> Result<(Config, Vec<Warning>), ConfigError> {
    let mut raw = parse_value(text, file)?;
    let original = raw.clone();
    let compat = super::compat::migrate(&mut raw, file, text);
    // The raw text no longer matches the tree when TypeScript-orchestrator keys were
    // rewritten: error paths then come from the rewritten tree.
    let migrated = original != raw;
    if let Some(mode) = mode {
        check_secret_permissions(&raw, text, file, mode)?;
    }
    check_plugin_tokens(&raw, text, file)?;
    let interpolated = interpolate::interpolate_tree(&raw, true, lookup)
        .map_err(|(key, e)| interpolation_error(text, file, &key, e))?;
    let config = match yaml_serde::from_value::<Config>(interpolated.value.clone()) {
        Ok(c) => c,
        Err(first) => {
            // A whole-value reference read as a number may have been meant as a string
            // (`teamId: ${TEAM}` with TEAM=123): retry with every value kept a string.
            let plain = if interpolated.coerced > 0 {
                interpolate::interpolate_tree(&raw, false, lookup).ok()
            } else {
                None
            };
            match plain.map(|p| (yaml_serde::from_value::<Config>(p.value.clone()), p)) {
                Some((Ok(c), _)) => c,
                Some((Err(second), p)) if first.to_string().contains("expected a string") => {
                    return Err(typed_error(
                        text, file, &p.value, &p.used, &second, migrated,
                    ));
                }
                _ => {
                    return Err(typed_error(
                        text,
                        file,
                        &interpolated.value,
                        &interpolated.used,
                        &first,
                        migrated,
                    ));
                }
            }
        }
    };
    let mut warnings = super::validate::validate_inner(&config, file, Some(text))?;
    warnings.splice(0..0, compat);
    Ok((config, warnings))
}

/// The raw YAML tree; an empty file is an empty mapping.
fn parse_value(text: &str, file: &Path) -> Result<Value, ConfigError> {
    let v = match yaml_serde::from_str::<Value>(text) {
        Ok(v) => v,
        Err(e) => {
            let (path, msg, loc) = diagnose::split_yaml_error(&e);
            let (kind, message, hint) = match diagnose::rewrite(&msg) {
                (Rewritten::DuplicateKey, m, h) => (ProblemKind::DuplicateKey, m, h),
                _ => (ProblemKind::Syntax, format!("invalid YAML: {msg}"), None),
            };
            return Err(ConfigError::one(Problem::with_loc(
                kind, file, loc, &path, message, hint,
            )));
        }
    };
    match v {
        Value::Null => Ok(Value::Mapping(yaml_serde::Mapping::new())),
        Value::Mapping(_) => Ok(v),
        _ => Err(ConfigError::one(Problem::with_loc(
            ProblemKind::InvalidValue,
            file,
            Some((1, 1)),
            &KeyPath::root(),
            "the top level must be a mapping of keys (like `projects:`)",
            Some("see examples/minimal.yaml".to_owned()),
        ))),
    }
}

fn interpolation_error(text: &str, file: &Path, key: &KeyPath, e: InterpError) -> ConfigError {
    match e {
        InterpError::Unset { name } => ConfigError::one(Problem::with_loc(
            ProblemKind::UnsetVariable,
            file,
            diagnose::locate_var(text, key, &name),
            key,
            format!("environment variable `{name}` is not set"),
            Some(format!(
                "set it (`export {name}=…`), give a default with `${{{name}:-default}}`, or write `$${{{name}}}` for a literal `${{{name}}}`"
            )),
        )),
        InterpError::NotUnicode { name } => ConfigError::one(Problem::with_loc(
            ProblemKind::Interpolation,
            file,
            diagnose::locate_var(text, key, &name),
            key,
            format!("environment variable `{name}` is not valid UTF-8"),
            None,
        )),
        InterpError::Syntax { message } => ConfigError::one(Problem::with_loc(
            ProblemKind::Interpolation,
            file,
            diagnose::locate(text, key),
            key,
            message,
            None,
        )),
    }
}

/// The best description of a typed-parse failure of the interpolated tree.
fn typed_error(
    text: &str,
    file: &Path,
    interpolated: &Value,
    used: &[(String, String)],
    fallback: &yaml_serde::Error,
    migrated: bool,
) -> ConfigError {
    // The raw text gives yaml_serde's own path and position, unless what fails there is a
    // `${…}` reference itself (in a number field, say), or the tree was migrated.
    if !migrated
        && let Err(e) = yaml_serde::from_str::<Config>(text)
        && !e.to_string().contains("${")
    {
        let (path, msg, loc) = diagnose::split_yaml_error(&e);
        let loc = loc
            .filter(|l| *l != (1, 1) || path.is_root())
            .or_else(|| diagnose::locate(text, &path));
        return ConfigError::one(problem_from_serde(file, loc, &path, &msg, ""));
    }
    // Otherwise the problem is in an interpolated value: get its path from a re-serialized
    // tree, its position from the original text.
    let regenerated = yaml_serde::to_string(interpolated)
        .ok()
        .and_then(|s| yaml_serde::from_str::<Config>(&s).err());
    let note = if migrated {
        ""
    } else {
        " (after `${…}` interpolation)"
    };
    let (path, msg) = match &regenerated {
        Some(e) => {
            let (p, m, _) = diagnose::split_yaml_error(e);
            (p, m)
        }
        None => (KeyPath::root(), fallback.to_string()),
    };
    let msg = redact_values(&msg, used);
    let loc = diagnose::locate(text, &path);
    ConfigError::one(problem_from_serde(file, loc, &path, &msg, note))
}

/// Replaces the values of interpolated variables in `msg` (they may be secrets).
fn redact_values(msg: &str, used: &[(String, String)]) -> String {
    let mut m = msg.to_owned();
    for (name, value) in used {
        if value.len() >= 3 {
            m = m.replace(value.as_str(), &format!("<value of ${name}>"));
        }
    }
    m
}

fn problem_from_serde(
    file: &Path,
    loc: Option<LineCol>,
    path: &KeyPath,
    msg: &str,
    note: &str,
) -> Problem {
    let (rw, message, hint) = diagnose::rewrite(msg);
    let kind = match rw {
        Rewritten::UnknownKey => ProblemKind::UnknownKey,
        Rewritten::UnknownValue => ProblemKind::UnknownValue,
        Rewritten::MissingKey => ProblemKind::MissingKey,
        Rewritten::DuplicateKey => ProblemKind::DuplicateKey,
        Rewritten::Other => ProblemKind::InvalidValue,
    };
    Problem::with_loc(kind, file, loc, path, format!("{message}{note}"), hint)
}

/// Mapping keys whose values are secrets (compared lower-case with `-`/`_` removed).
const SECRET_KEY_SUFFIXES: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "webhook",
    "webhookurl",
];

/// Prefixes of well-known token formats.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "xapp-",
    "sk-",
    "AKIA",
    "lin_api_",
];

/// URL fragments of secret-bearing webhooks.
const SECRET_URL_PARTS: &[&str] = &[
    "hooks.slack.com/services/",
    "discord.com/api/webhooks/",
    "discordapp.com/api/webhooks/",
];

/// True when `s` contains something shaped like a well-known token or secret webhook URL.
pub fn looks_like_token(s: &str) -> bool {
    if SECRET_URL_PARTS.iter().any(|p| s.contains(p)) {
        return true;
    }
    s.split(|c: char| c.is_whitespace() || c == '=' || c == '"' || c == '\'')
        .any(|w| {
            w.len() >= 20
                && TOKEN_PREFIXES.iter().any(|p| w.starts_with(p))
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// True when a mapping key names a secret (`token`, `apiKey`, `SLACK_WEBHOOK`, …).
pub fn is_secret_key(k: &str) -> bool {
    let n: String = k
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_KEY_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Notifier plugins whose `url` is a secret (the URL is the credential); redacted in output.
pub const SECRET_URL_PLUGINS: &[&str] = &["slack", "discord", "webhook"];

/// Key paths of secrets written literally (not as `${VAR}` or `file:/path`) in the raw
/// tree: values of secret-named keys (`webhook`, `token`, `secret`, `apiKey`, …) and
/// token-shaped strings anywhere.
fn literal_secrets(raw: &Value) -> Vec<KeyPath> {
    fn is_literal(v: &Value) -> bool {
        matches!(v, Value::String(s)
            if !s.trim().is_empty() && !s.contains("${") && !s.trim_start().starts_with("file:"))
    }
    fn walk(v: &Value, path: &KeyPath, out: &mut Vec<KeyPath>) {
        match v {
            Value::Mapping(m) => {
                for (k, item) in m {
                    let key = interpolate::key_string(k);
                    let p = path.key(&key);
                    if is_secret_key(&key) && is_literal(item) {
                        out.push(p);
                    } else {
                        walk(item, &p, out);
                    }
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &path.index(i), out);
                }
            }
            Value::String(s) if !s.contains("${") && looks_like_token(s) => out.push(path.clone()),
            Value::Tagged(t) => walk(&t.value, path, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(raw, &KeyPath::root(), &mut out);
    out
}

/// Refuses a `tracker.token` / `scm.token` written literally: those tokens come from the
/// environment only (`token: ${VAR}`), whatever the file's mode.
fn check_plugin_tokens(raw: &Value, text: &str, file: &Path) -> Result<(), ConfigError> {
    let Some(Value::Mapping(projects)) = raw.get("projects") else {
        return Ok(());
    };
    for (id, p) in projects {
        let id = interpolate::key_string(id);
        for slot in ["tracker", "scm"] {
            let Some(Value::String(t)) = p.get(slot).and_then(|b| b.get("token")) else {
                continue;
            };
            if t.contains("${") {
                continue;
            }
            return Err(ConfigError::one(Problem::at(
                ProblemKind::InsecureSecret,
                file,
                Some(text),
                &KeyPath::of(&["projects", &id, slot, "token"]),
                format!(
                    "`{slot}.token` is written literally; tokens come from the environment only"
                ),
                Some("write `token: ${VAR}` and export VAR where ao runs".to_owned()),
            )));
        }
    }
    Ok(())
}

/// Refuses a config that holds a literal secret and is readable by group or others.
fn check_secret_permissions(
    raw: &Value,
    text: &str,
    file: &Path,
    mode: u32,
) -> Result<(), ConfigError> {
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let secrets = literal_secrets(raw);
    let Some(first) = secrets.first() else {
        return Ok(());
    };
    let keys: Vec<String> = secrets.iter().map(ToString::to_string).collect();
    Err(ConfigError::one(Problem::at(
        ProblemKind::InsecureSecret,
        file,
        Some(text),
        first,
        format!(
            "the file holds a literal secret ({}) but is readable by group or others (mode {:04o}); refusing to use it",
            keys.join(", "),
            mode & 0o7777
        ),
        Some(format!(
            "run `chmod 600 {}`, or move the secret to an environment variable and write it as `${{VAR}}`",
            file.display()
        )),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Result<Option<String>, InterpError> {
        Ok(match name {
            "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.com/services/T/B/xyz".to_owned()),
            "PORT" => Some("3000".to_owned()),
            "BAD_PORT" => Some("https://hooks.slack.com/services/secret".to_owned()),
            "TEAM" => Some("123".to_owned()),
            _ => None,
        })
    }

    fn parse(text: &str) -> Result<(Config, Vec<Warning>), ConfigError> {
        parse_with(text, Path::new("ao.yaml"), Some(0o600), &env)
    }

    fn err(text: &str) -> Problem {
        match parse(text) {
            Err(ConfigError::Problems(ps)) => ps[0].clone(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    const BASE: &str = "projects:\n  app:\n    path: /tmp\n    tracker: plain\n    scm: local\n";

    #[test]
    fn unknown_key_has_position_and_hint() {
        let p = err(&format!(
            "{BASE}reactions:\n  ci-failed:\n    escalate-aftr: 2\n"
        ));
        assert_eq!(p.kind, ProblemKind::UnknownKey);
        assert_eq!((p.line, p.column), (Some(8), Some(5)));
        assert_eq!(p.key.as_deref(), Some("reactions.ci-failed"));
        assert_eq!(p.hint.as_deref(), Some("did you mean `escalate-after`?"));
        let shown = p.to_string();
        assert!(
            shown.starts_with("ao.yaml:8:5: reactions.ci-failed: unknown key"),
            "{shown}"
        );
        let p = err(&format!(
            "{BASE}reactions:\n  ci-failed:\n    escalateAfte: 2\n"
        ));
        assert_eq!(p.hint.as_deref(), Some("did you mean `escalateAfter`?"));
    }

    #[test]
    fn bad_duration_names_format_and_key() {
        let p = err(&format!("{BASE}spawnGrace: 30x\n"));
        assert_eq!(p.key.as_deref(), Some("spawnGrace"));
        assert_eq!(p.line, Some(6));
        assert!(p.message.contains("`90s`"), "{p}");
    }

    #[test]
    fn unset_variable_is_located() {
        let p = err(&format!(
            "{BASE}notifiers:\n  slack:\n    plugin: slack\n    webhook: ${{NOPE_URL}}\n"
        ));
        assert_eq!(p.kind, ProblemKind::UnsetVariable);
        assert_eq!(p.key.as_deref(), Some("notifiers.slack.webhook"));
        assert_eq!((p.line, p.column), (Some(9), Some(14)));
        assert!(p.message.contains("NOPE_URL"));
    }

    #[test]
    fn interpolated_numbers_and_strings() {
        let (c, _) = parse(&format!(
            "missingAfter: ${{PORT}}\n{BASE}    maxSessions: ${{MISSING:-4}}\n"
        ))
        .unwrap();
        assert_eq!(c.missing_after, Some(3000));
        assert_eq!(c.projects["app"].max_sessions, Some(4));
        let (c, _) = parse(
            "projects:\n  app:\n    path: /tmp\n    tracker:\n      plugin: plain\n      teamId: ${TEAM}\n",
        )
        .unwrap();
        assert_eq!(
            c.projects["app"]
                .tracker
                .as_ref()
                .unwrap()
                .team_id
                .as_deref(),
            Some("123")
        );
    }

    #[test]
    fn error_after_interpolation_is_located_and_redacted() {
        let p = err(&format!("{BASE}missingAfter: ${{BAD_PORT}}\n"));
        assert_eq!(p.key.as_deref(), Some("missingAfter"));
        assert_eq!(p.line, Some(6));
        assert!(p.message.contains("after `${…}` interpolation"), "{p}");
        assert!(!p.message.contains("hooks.slack.com"), "{p}");
    }

    #[test]
    fn scm_tokens_come_from_the_environment() {
        let lit = "projects:\n  app:\n    path: /tmp\n    repo: g/app\n    scm: {plugin: gitlab, token: glpat-literal}\n";
        let e = parse(lit).unwrap_err().to_string();
        assert!(
            e.contains("projects.app.scm.token") && e.contains("${VAR}"),
            "{e}"
        );
        assert!(!e.contains("glpat-literal"), "{e}");
    }

    #[test]
    fn tracker_tokens_come_from_the_environment() {
        let e = parse(
            "projects:\n  app:\n    path: /tmp\n    tracker: {plugin: linear, token: lin_api_x}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("tracker.token"), "{e}");
        assert!(e.contains("${VAR}"), "{e}");
        assert!(!e.contains("lin_api_x"), "{e}");
        let ok = "projects:\n  app:\n    path: /tmp\n    tracker: {plugin: linear, token: \"${TEAM}\"}\n";
        assert_eq!(
            parse(ok).unwrap().0.projects["app"]
                .tracker
                .as_ref()
                .unwrap()
                .token
                .as_deref(),
            Some("123")
        );
    }

    #[test]
    fn literal_secret_needs_private_file() {
        let text = format!(
            "{BASE}notifiers:\n  slack:\n    plugin: slack\n    webhook: https://hooks.slack.com/services/T0/B0/abc\n"
        );
        assert!(parse(&text).is_ok());
        let e = parse_with(&text, Path::new("ao.yaml"), Some(0o644), &env).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("chmod 600"), "{s}");
        assert!(s.contains("notifiers.slack.webhook"), "{s}");
        assert!(!s.contains("abc"), "{s}");
        // Via a variable it is fine at any mode.
        let text = format!(
            "{BASE}notifiers:\n  slack:\n    plugin: slack\n    webhook: ${{SLACK_WEBHOOK_URL}}\n"
        );
        assert!(parse_with(&text, Path::new("ao.yaml"), Some(0o644), &env).is_ok());
        // So is a secret read from a file.
        let text = format!(
            "{BASE}notifiers:\n  n:\n    plugin: ntfy\n    topic: t\n    token: file:/nonexistent/token\n"
        );
        assert!(parse_with(&text, Path::new("ao.yaml"), Some(0o644), &env).is_ok());
        // A token-shaped value anywhere counts.
        let text = format!(
            "{BASE}    agentConfig:\n      args: [\"--key\", \"ghp_abcdefghijklmnopqrstuvwxyz0123\"]\n"
        );
        assert!(parse_with(&text, Path::new("ao.yaml"), Some(0o640), &env).is_err());
    }

    #[test]
    fn syntax_and_shape_errors() {
        let p = err("projects: [\n");
        assert_eq!(p.kind, ProblemKind::Syntax);
        assert!(p.line.is_some());
        let p = err("- a\n- b\n");
        assert!(p.message.contains("top level"), "{p}");
        let p = err("projects:\n  app:\n    path: /a\n    path: /b\n");
        assert_eq!(p.kind, ProblemKind::DuplicateKey);
        let (c, w) = parse("# nothing yet\n").unwrap();
        assert!(c.projects.is_empty());
        assert!(w.iter().any(|w| w.kind == ProblemKind::NoProjects));
    }

    #[test]
    fn short_and_long_plugin_forms() {
        let (c, _) = parse(BASE).unwrap();
        assert_eq!(c.projects["app"].tracker_name(), "plain");
        assert_eq!(c.projects["app"].scm_name(), "local");
        let p = err(
            "projects:\n  app:\n    path: /tmp\n    tracker:\n      plugin: plain\n      teamid: x\n",
        );
        assert_eq!(p.kind, ProblemKind::UnknownKey);
        assert_eq!(p.key.as_deref(), Some("projects.app.tracker"));
        assert_eq!(p.line, Some(6));
        assert_eq!(p.hint.as_deref(), Some("did you mean `teamId`?"));
    }
}
