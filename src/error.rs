//! Error kinds at the top: usage errors (the CLI maps them to exit 2), failures already
//! reported (silent), hints, and the plain-text rendering of an error chain. The mapping
//! to exit codes lives in `cli` (`cli::exit`).

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
