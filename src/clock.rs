//! The current time. `AO_NOW` (RFC 3339) pins it, so tests and the demo can move time
//! forward without sleeping; everything else reads the system clock.

use jiff::Timestamp;

/// Now, or `AO_NOW` when set and valid.
pub fn now() -> Timestamp {
    std::env::var("AO_NOW")
        .ok()
        .and_then(|s| s.parse::<Timestamp>().ok())
        .unwrap_or_else(Timestamp::now)
}
