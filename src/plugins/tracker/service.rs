//! The HTTP client the `linear` and `jira` trackers share: one JSON exchange over the
//! shared HTTP layer (`sys::http`: typed errors, persisted backoff per service and host),
//! and a token that never prints.
//!
//! * **Tokens** come from the environment only: the tracker's `token: ${VAR}` (interpolated
//!   by the config loader) or the service's conventional variable (`LINEAR_API_KEY`,
//!   `JIRA_API_TOKEN`). [`Secret`] has a redacted `Debug`, no `Display`, no `Serialize`;
//!   it is only ever written into the `Authorization` header, and only to the configured
//!   host over HTTPS (plain HTTP is accepted for loopback hosts, which tests use).
//! * **Backoff.** A 429, or a rate-limit answer the service signals its own way (Linear's
//!   `RATELIMITED` GraphQL error), writes a deadline to
//!   `<dataDir>/cache/<service>/backoff.json` keyed by host. Until then every call fails
//!   fast with [`ServiceError::RateLimited`] without touching the network, in this process
//!   and in later ticks. `Retry-After` wins; then the rate-limit reset header when the
//!   remaining budget is 0; otherwise 60 s doubling per repeated strike, capped at an hour.
//!   ao also backs off on its own when a response shows less than 2 % of the budget left.
//! * **Errors** name the method, the URL (never the token) and the status with the
//!   service's own message, bounded and stripped of control characters.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

pub use crate::sys::http::Secret;
use crate::sys::http::{self, ApiError, Limited, Request, Vendor};

/// Largest response body read (a page of 100 issues is far below).
const MAX_BODY: u64 = 8 * 1024 * 1024;

/// A failed exchange with a tracker service (the shared [`ApiError`], naming the service).
pub type ServiceError = ApiError;

/// Rate-limit figures read from a response.
pub type Budget = http::RateInfo;

/// How a service reports its budget in headers.
pub type RateHeaders = http::RateHeaders;

/// Where a token was found (for `ao doctor`; never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSource {
    /// The token.
    pub secret: Secret,
    /// `tracker.token` or `$VAR`.
    pub from: String,
}

/// The token for a tracker: `tracker.token` (written `${VAR}` in the config), else the
/// first set variable of `vars`. `None` when there is none.
pub fn find_token(configured: Option<&str>, vars: &[&str]) -> Option<TokenSource> {
    if let Some(t) = configured.filter(|t| !t.trim().is_empty()) {
        return Some(TokenSource {
            secret: Secret::new(t),
            from: "tracker.token".into(),
        });
    }
    vars.iter().find_map(|v| {
        std::env::var(v)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|t| TokenSource {
                secret: Secret::new(t),
                from: format!("${v}"),
            })
    })
}

/// Checks a configured base URL: `https://`, or `http://` on a loopback host; no user
/// info, query or fragment. Returns it without a trailing slash and its `host[:port]`.
pub fn check_url(raw: &str, key: &str) -> Result<(String, String), ServiceError> {
    http::check_base_url(
        raw,
        "user info in the URL is not allowed; give the token as `${VAR}`",
    )
    .map_err(|why| {
        let shown = http::redact_url(raw.trim().trim_end_matches('/'));
        ServiceError::Config(format!("invalid `{key}` `{shown}`: {why}"))
    })
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    /// Whose API answered.
    pub vendor: &'static Vendor,
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Status.
    pub status: u16,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// The service's message, or the start of the body.
    pub message: String,
}

impl Reply {
    /// The body on 2xx, else the matching error.
    pub fn into_result(self) -> Result<Value, ServiceError> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        Err(ApiError::from_status(
            self.vendor,
            &self.method,
            &self.url,
            self.status,
            self.message,
        ))
    }
}

/// `Linear backoff until <time> (<host>: <reason>)` for each tracker service with a
/// backoff in force at `now`, for `ao status`. Reads small files; never calls a service.
pub fn backoff_notices(data_dir: &Path, now: jiff::Timestamp) -> Vec<String> {
    ["Linear", "Jira"]
        .iter()
        .filter_map(|s| http::backoff_notice(data_dir, s, now))
        .collect()
}

/// A client for one service host.
#[derive(Debug)]
pub struct Client {
    auth: Secret,
    http: http::Client,
}

impl Client {
    /// A client for `vendor` at `host`, sending `auth` as the `Authorization` header
    /// value, reading budgets from `headers`, keeping its backoff under `data_dir`.
    pub fn new(
        vendor: &'static Vendor,
        host: &str,
        auth: Secret,
        headers: RateHeaders,
        data_dir: &Path,
    ) -> Self {
        Self {
            auth,
            http: http::Client::new(vendor, host, data_dir, headers, MAX_BODY),
        }
    }

    /// Pins the clock for backoff decisions.
    pub fn at(mut self, now: Timestamp) -> Self {
        self.http = self.http.at(now);
        self
    }

    /// The budget reported by the most recent response, if any.
    pub fn last_budget(&self) -> Option<Budget> {
        self.http.last_rate()
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), ServiceError> {
        self.http.check_backoff()
    }

    /// Records a backoff until `until` (`None` or past: 60 s doubling per strike) and
    /// returns the error to propagate. The file is written even in dry runs: ignoring a
    /// limit risks the key being blocked.
    pub fn back_off(&self, until: Option<Timestamp>, reason: String) -> ServiceError {
        let until = until.filter(|u| *u > self.http.now());
        self.http.back_off(until, until.is_none(), reason)
    }

    /// Sends one request (`body` as JSON for writes) and reads the answer. Inside a
    /// backoff nothing is sent. A 429 starts a backoff (until `Retry-After`, else the
    /// budget's reset, else 60 s doubling); so does a budget nearly spent (the response
    /// is still returned then). Other statuses are returned for the caller to interpret.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ServiceError> {
        let bytes = match method {
            "GET" => None,
            m => Some(
                serde_json::to_vec(body.unwrap_or(&Value::Null)).map_err(|e| {
                    ServiceError::Decode {
                        method: m.to_owned(),
                        url: url.to_owned(),
                        message: e.to_string(),
                    }
                })?,
            ),
        };
        let mut req = Request::new(method, url)
            .header("Accept", "application/json")
            .header("Authorization", self.auth.expose());
        if let Some(b) = &bytes {
            req = req.body(b);
        }
        let raw = self.http.exchange(&req, |raw, now| {
            (raw.status == 429).then(|| {
                let until = match (raw.retry_after, &raw.rate) {
                    (Some(s), _) => Some(now + SignedDuration::from_secs(s.max(1))),
                    (None, Some(r)) => r.reset,
                    _ => None,
                }
                .filter(|u| *u > now);
                Limited {
                    until,
                    doubling: until.is_none(),
                    reason: format!("{method} {url} returned 429: {}", message_of(&raw.body)),
                }
            })
        })?;
        Ok(Reply {
            vendor: self.http.vendor(),
            method: method.to_owned(),
            url: url.to_owned(),
            status: raw.status,
            body: serde_json::from_slice(&raw.body).unwrap_or(Value::Null),
            message: message_of(&raw.body),
        })
    }
}

/// The service's error message from a body (`message`, `errorMessages`, GraphQL
/// `errors[].message`), or its start; control characters stripped, at most 300 chars.
pub fn message_of(body: &[u8]) -> String {
    http::error_message(body, |v| {
        let mut parts: Vec<String> = Vec::new();
        if let Some(m) = v.get("message").and_then(Value::as_str) {
            parts.push(m.to_owned());
        }
        for key in ["errorMessages", "errors"] {
            if let Some(a) = v.get(key).and_then(Value::as_array) {
                for e in a.iter().take(3) {
                    match e {
                        Value::String(s) => parts.push(s.clone()),
                        o => {
                            if let Some(m) = o.get("message").and_then(Value::as_str) {
                                parts.push(m.to_owned());
                            }
                        }
                    }
                }
            }
        }
        if let Some(o) = v.get("errors").and_then(Value::as_object) {
            for (k, m) in o.iter().take(3) {
                parts.push(format!("{k}: {}", m.as_str().unwrap_or("")));
            }
        }
        if parts.is_empty() {
            v.to_string()
        } else {
            parts.join("; ")
        }
    })
}

/// Percent-encodes a URL path segment or query value.
pub fn encode(s: &str) -> String {
    crate::sys::github::encode_query(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: Vendor = Vendor {
        name: "Linear",
        auth_hint: "check the Linear token and its access",
        token_hint: "set LINEAR_API_KEY",
        graphql_transient: false,
        early_floor: 5,
    };

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("lin_api_secretsecretsecret");
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://x.atlassian.net/", "baseUrl").is_ok());
        assert_eq!(
            check_url("http://127.0.0.1:9/graphql", "apiUrl").unwrap().1,
            "127.0.0.1:9"
        );
        assert!(check_url("http://x.atlassian.net", "baseUrl").is_err());
        assert!(check_url("https://u:p@x.atlassian.net", "baseUrl").is_err());
        assert!(check_url("x.atlassian.net", "baseUrl").is_err());
    }

    #[test]
    fn messages() {
        assert_eq!(
            message_of(br#"{"errorMessages":["Issue does not exist"],"errors":{}}"#),
            "Issue does not exist"
        );
        assert_eq!(
            message_of(br#"{"errors":[{"message":"Entity not found","extensions":{}}]}"#),
            "Entity not found"
        );
        assert_eq!(message_of(b""), "(empty body)");
    }

    #[test]
    fn backoff_persists_and_doubles() {
        let d = tempfile::tempdir().unwrap();
        let h = RateHeaders {
            limit: "l",
            remaining: "r",
            reset: "t",
            reset_millis: false,
            resource: None,
        };
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = Client::new(&TEST, "h:1", Secret::new("k"), h, d.path()).at(now);
        assert!(c.check_backoff().is_ok());
        let e = c.back_off(None, "429".into());
        assert!(
            matches!(e, ServiceError::RateLimited { until, .. } if until == now + SignedDuration::from_secs(60))
        );
        let e = c.back_off(None, "429".into());
        assert!(
            matches!(e, ServiceError::RateLimited { until, .. } if until == now + SignedDuration::from_secs(120))
        );
        assert!(c.check_backoff().is_err());
        let later = Client::new(&TEST, "h:1", Secret::new("k"), h, d.path())
            .at(now + SignedDuration::from_secs(121));
        assert!(later.check_backoff().is_ok());
        let other = Client::new(&TEST, "h:2", Secret::new("k"), h, d.path()).at(now);
        assert!(other.check_backoff().is_ok());
    }
}
