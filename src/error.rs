//! Error kinds at the top: which errors are usage/config errors (exit 2), which are
//! already reported (silent), and how hints are attached.

use std::fmt;

/// A usage error: bad arguments or input the user must change. Exit code 2.
#[derive(Debug)]
pub struct UsageError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// A usage error with a hint.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UsageError {
        message: message.into(),
        hint: Some(hint.into()),
    }
    .into()
}

/// A failure already reported to the user; exit with `code` without printing more.
#[derive(Debug)]
pub struct SilentExit {
    /// Exit code.
    pub code: u8,
}

impl fmt::Display for SilentExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}", self.code)
    }
}

impl std::error::Error for SilentExit {}

/// A hint attached to any error.
#[derive(Debug)]
pub struct Hinted {
    /// The message.
    pub message: String,
    /// The hint.
    pub hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// The exit code for an error: 2 for usage and config errors, else 1.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if let Some(s) = e.downcast_ref::<SilentExit>() {
        return s.code;
    }
    for cause in e.chain() {
        if cause.is::<UsageError>() || cause.is::<crate::config::ConfigError>() {
            return 2;
        }
        if let Some(clap) = cause.downcast_ref::<clap::Error>() {
            return u8::try_from(clap.exit_code()).unwrap_or(2);
        }
    }
    1
}

/// Renders `error: …`, `caused by: …` lines and `hint: …`.
pub fn render(e: &anyhow::Error) -> String {
    let mut out = format!("error: {e}\n");
    for cause in e.chain().skip(1) {
        out.push_str(&format!("caused by: {cause}\n"));
    }
    for cause in e.chain() {
        if let Some(u) = cause.downcast_ref::<UsageError>()
            && let Some(h) = &u.hint
        {
            out.push_str(&format!("hint: {h}\n"));
        }
        if let Some(h) = cause.downcast_ref::<Hinted>() {
            out.push_str(&format!("hint: {}\n", h.hint));
        }
    }
    out
}
