//! Exit codes: 0 ok, 1 failure, 2 usage or config error, or the code a [`SilentExit`]
//! carries.

use crate::error::{SilentExit, UsageError};

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
