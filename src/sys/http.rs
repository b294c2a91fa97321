//! The one blocking HTTP client (ureq 3): global timeout, no status-as-error (callers
//! inspect status and headers, e.g. GitHub rate limits), `ao/<version>` user agent, and an
//! error type that names method, URL (never a token) and status with a bounded body.

use std::time::Duration;

/// A failed HTTP exchange.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Transport failure (DNS, connect, TLS, timeout).
    #[error("{method} {url} failed: {message}")]
    Transport {
        /// Method.
        method: String,
        /// URL with secrets removed.
        url: String,
        /// Cause.
        message: String,
    },
    /// A non-success status.
    #[error("{method} {url} returned {status}{}", body_part(.body))]
    Status {
        /// Method.
        method: String,
        /// URL with secrets removed.
        url: String,
        /// Status code.
        status: u16,
        /// Response body, at most 512 characters.
        body: String,
    },
}

fn body_part(b: &str) -> String {
    if b.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", b.trim())
    }
}

/// The shared agent: 20 s global timeout, statuses returned (not errors), redirects off
/// (webhooks must not follow redirects; GitHub API URLs are canonical).
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("ao/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// Default timeout for one HTTP call.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// `url` with its path and query replaced by `/…` when it carries a secret (webhook URLs
/// are secrets: the token is in the path).
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit('@').next().unwrap_or(host);
            format!("{scheme}://{host}/…")
        }
        None => "<url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_paths_and_userinfo() {
        assert_eq!(
            super::redact_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            super::redact_url("https://u:p@h.example:8443/x?t=1"),
            "https://h.example:8443/…"
        );
    }
}
