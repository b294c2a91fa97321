//! The HTTP client the `linear` and `jira` trackers share: one JSON exchange over the
//! shared ureq agent (`sys::http::agent`), a token that never prints, and a **persisted
//! backoff** per service and host.
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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plugins::PluginError;
use crate::store::atomic;
use crate::sys::http;
use crate::sys::text::{strip_control, truncate_chars};

/// Largest response body read (a page of 100 issues is far below).
const MAX_BODY: u64 = 8 * 1024 * 1024;
/// First backoff when the service gives no deadline, and the cap of its doubling.
const FIRST_WAIT: i64 = 60;
const WAIT_CAP: i64 = 3600;
/// Format version of `backoff.json`.
const BACKOFF_VERSION: u32 = 1;

/// A credential. `Debug` is redacted; there is no `Display` and no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (surrounding whitespace trimmed).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }

    /// The value, for the one place that needs it (the `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

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

/// A failed exchange with a tracker service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The service asked ao to slow down (or an earlier backoff is still in force).
    #[error("{service} backoff until {until}: {reason}")]
    RateLimited {
        /// `Linear`, `Jira`.
        service: &'static str,
        /// When traffic may resume.
        until: Timestamp,
        /// What triggered it.
        reason: String,
    },
    /// 404/410.
    #[error("{method} {url} returned {status}: {message}")]
    NotFound {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status.
        status: u16,
        /// The service's message.
        message: String,
    },
    /// 401/403: the token is wrong, expired or lacks access.
    #[error(
        "{method} {url} returned {status}: {message} (check the {service} token and its access)"
    )]
    Auth {
        /// Service.
        service: &'static str,
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status.
        status: u16,
        /// The service's message.
        message: String,
    },
    /// Any other unexpected status.
    #[error("{method} {url} returned {status}: {message}")]
    Http {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status.
        status: u16,
        /// The service's message.
        message: String,
    },
    /// Connect, TLS, timeout, a body cut short.
    #[error("{method} {url} failed: {message}")]
    Transport {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// The body was not the JSON expected.
    #[error("{method} {url}: unreadable response: {message}")]
    Decode {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// Bad configuration (URL, missing token).
    #[error("{0}")]
    Config(String),
}

impl From<ServiceError> for PluginError {
    fn from(e: ServiceError) -> Self {
        match &e {
            ServiceError::NotFound { .. } => PluginError::NotFound(e.to_string()),
            ServiceError::RateLimited { .. }
            | ServiceError::Transport { .. }
            | ServiceError::Decode { .. } => PluginError::Unavailable(e.to_string()),
            ServiceError::Http { status, .. } if *status >= 500 => {
                PluginError::Unavailable(e.to_string())
            }
            _ => PluginError::Other(anyhow::anyhow!(e.to_string())),
        }
    }
}

/// Checks a configured base URL: `https://`, or `http://` on a loopback host; no user
/// info, query or fragment. Returns it without a trailing slash and its `host[:port]`.
pub fn check_url(raw: &str, key: &str) -> Result<(String, String), ServiceError> {
    let raw = raw.trim().trim_end_matches('/');
    let bad = |why: &str| {
        ServiceError::Config(format!(
            "invalid `{key}` `{}`: {why}",
            http::redact_url(raw)
        ))
    };
    let (scheme, after) = raw.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    if authority.contains('@') {
        return Err(bad(
            "user info in the URL is not allowed; give the token as `${VAR}`",
        ));
    }
    if after.contains(['?', '#']) {
        return Err(bad("query or fragment in the URL is not allowed"));
    }
    let host = authority
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .unwrap_or_else(|| authority.split(':').next().unwrap_or(authority));
    let loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    match scheme {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("plain http is only allowed for loopback hosts")),
        _ => return Err(bad("scheme must be https")),
    }
    Ok((raw.to_owned(), authority.to_ascii_lowercase()))
}

/// Rate-limit figures read from a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Budget per window.
    pub limit: u64,
    /// Left in this window.
    pub remaining: u64,
    /// When the window resets, when known.
    pub reset: Option<Timestamp>,
}

/// How a service reports its budget in headers.
#[derive(Debug, Clone, Copy)]
pub struct RateHeaders {
    /// Header with the budget (`x-ratelimit-requests-limit`).
    pub limit: &'static str,
    /// Header with what is left.
    pub remaining: &'static str,
    /// Header with the reset time.
    pub reset: &'static str,
    /// The reset header is epoch milliseconds (Linear) rather than an RFC 3339 time or
    /// epoch seconds.
    pub reset_millis: bool,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
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
    pub fn into_result(self, service: &'static str) -> Result<Value, ServiceError> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        let (method, url, status, message) = (self.method, self.url, self.status, self.message);
        Err(match status {
            401 | 403 => ServiceError::Auth {
                service,
                method,
                url,
                status,
                message,
            },
            404 | 410 => ServiceError::NotFound {
                method,
                url,
                status,
                message,
            },
            _ => ServiceError::Http {
                method,
                url,
                status,
                message,
            },
        })
    }
}

/// One persisted backoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackoffEntry {
    /// No calls to this host before this time.
    pub until: Timestamp,
    /// What triggered it.
    pub reason: String,
    /// Consecutive strikes without a deadline from the service (drives the doubling).
    #[serde(default)]
    pub strikes: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BackoffFile {
    version: u32,
    #[serde(default)]
    hosts: BTreeMap<String, BackoffEntry>,
}

/// `<dataDir>/cache/<service>/backoff.json`.
fn backoff_path(data_dir: &Path, service: &str) -> PathBuf {
    data_dir
        .join("cache")
        .join(service.to_ascii_lowercase())
        .join("backoff.json")
}

fn read_backoff(data_dir: &Path, service: &str) -> BackoffFile {
    // Missing or unreadable: no backoff; the worst case is one more request that the
    // service answers with a fresh rate-limit response.
    std::fs::read(backoff_path(data_dir, service))
        .ok()
        .and_then(|b| serde_json::from_slice::<BackoffFile>(&b).ok())
        .filter(|f| f.version == BACKOFF_VERSION)
        .unwrap_or_default()
}

/// The backoff in force for `service` (any host), for `ao status` and `ao doctor`.
pub fn backoff_notice(data_dir: &Path, service: &str) -> Option<(Timestamp, String)> {
    let now = crate::clock::now();
    read_backoff(data_dir, service)
        .hosts
        .into_iter()
        .filter(|(_, e)| e.until > now)
        .max_by_key(|(_, e)| e.until)
        .map(|(host, e)| (e.until, format!("{host}: {}", e.reason)))
}

/// `Linear backoff until <time> (<host>: <reason>)` for each tracker service with a
/// backoff in force, for `ao status`. Reads small files; never calls a service.
pub fn backoff_notices(data_dir: &Path) -> Vec<String> {
    ["Linear", "Jira"]
        .iter()
        .filter_map(|s| {
            backoff_notice(data_dir, s).map(|(until, why)| {
                format!(
                    "{s} backoff until {} ({why})",
                    until.round(jiff::Unit::Second).unwrap_or(until)
                )
            })
        })
        .collect()
}

/// A client for one service host.
#[derive(Debug)]
pub struct Client {
    service: &'static str,
    host: String,
    auth: Secret,
    headers: RateHeaders,
    data_dir: PathBuf,
    agent: ureq::Agent,
    now: Option<Timestamp>,
    last: Mutex<Option<Budget>>,
}

impl Client {
    /// A client for `service` (`Linear`, `Jira`) at `host`, sending `auth` as the
    /// `Authorization` header value, reading budgets from `headers`, keeping its backoff
    /// under `data_dir`.
    pub fn new(
        service: &'static str,
        host: &str,
        auth: Secret,
        headers: RateHeaders,
        data_dir: &Path,
    ) -> Self {
        Self {
            service,
            host: host.to_owned(),
            auth,
            headers,
            data_dir: data_dir.to_path_buf(),
            agent: http::agent(http::TIMEOUT),
            now: None,
            last: Mutex::new(None),
        }
    }

    /// Pins the clock for backoff decisions.
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(crate::clock::now)
    }

    /// The budget reported by the most recent response, if any.
    pub fn last_budget(&self) -> Option<Budget> {
        self.last.lock().ok().and_then(|g| g.clone())
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), ServiceError> {
        match read_backoff(&self.data_dir, self.service)
            .hosts
            .get(&self.host)
        {
            Some(e) if e.until > self.now() => Err(ServiceError::RateLimited {
                service: self.service,
                until: e.until,
                reason: e.reason.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Records a backoff until `until` (`None`: 60 s doubling per strike) and returns the
    /// error to propagate. The file is written even in dry runs: ignoring a limit risks
    /// the key being blocked.
    pub fn back_off(&self, until: Option<Timestamp>, reason: String) -> ServiceError {
        let path = backoff_path(&self.data_dir, self.service);
        let mut file = read_backoff(&self.data_dir, self.service);
        file.version = BACKOFF_VERSION;
        let now = self.now();
        let (until, strikes) = match until.filter(|u| *u > now) {
            Some(u) => (u, 0),
            None => {
                let strikes = file.hosts.get(&self.host).map_or(0, |e| e.strikes) + 1;
                let secs = FIRST_WAIT
                    .saturating_mul(1 << strikes.saturating_sub(1).min(6))
                    .min(WAIT_CAP);
                (now + SignedDuration::from_secs(secs), strikes)
            }
        };
        file.hosts.insert(
            self.host.clone(),
            BackoffEntry {
                until,
                reason: reason.clone(),
                strikes,
            },
        );
        let written = path
            .parent()
            .map_or(Ok(()), atomic::ensure_private_dir)
            .and_then(|()| {
                let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
                atomic::write(&path, &bytes)
            });
        let reason = match written {
            Ok(()) => reason,
            Err(e) => format!("{reason} (backoff not persisted: {e})"),
        };
        ServiceError::RateLimited {
            service: self.service,
            until,
            reason,
        }
    }

    fn clear_backoff(&self) {
        let path = backoff_path(&self.data_dir, self.service);
        let mut file = read_backoff(&self.data_dir, self.service);
        if file.hosts.remove(&self.host).is_some()
            && let Ok(bytes) = serde_json::to_vec(&file)
        {
            let _ = atomic::write(&path, &bytes);
        }
    }

    /// Sends one request (`body` as JSON for writes) and reads the answer. Inside a
    /// backoff nothing is sent. A 429 starts a backoff; so does a budget nearly spent
    /// (the response is still returned then). Other statuses are returned for the
    /// caller to interpret.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ServiceError> {
        let before = read_backoff(&self.data_dir, self.service);
        if let Some(e) = before.hosts.get(&self.host)
            && e.until > self.now()
        {
            return Err(ServiceError::RateLimited {
                service: self.service,
                until: e.until,
                reason: e.reason.clone(),
            });
        }
        let transport = |e: ureq::Error| ServiceError::Transport {
            method: method.to_owned(),
            url: url.to_owned(),
            message: e.to_string(),
        };
        let auth = self.auth.expose();
        let mut resp = match (method, body) {
            ("GET", _) => self
                .agent
                .get(url)
                .header("Accept", "application/json")
                .header("Authorization", auth)
                .call()
                .map_err(transport)?,
            (m, b) => {
                let rb = match m {
                    "POST" => self.agent.post(url),
                    "PUT" => self.agent.put(url),
                    _ => {
                        return Err(ServiceError::Config(format!(
                            "unsupported method {m} for {url}"
                        )));
                    }
                };
                let bytes = serde_json::to_vec(b.unwrap_or(&Value::Null)).map_err(|e| {
                    ServiceError::Decode {
                        method: m.to_owned(),
                        url: url.to_owned(),
                        message: e.to_string(),
                    }
                })?;
                rb.header("Accept", "application/json")
                    .header("Authorization", auth)
                    .header("Content-Type", "application/json")
                    .send(&bytes[..])
                    .map_err(transport)?
            }
        };
        let status = resp.status().as_u16();
        let h = resp.headers();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = get("retry-after").and_then(|v| v.trim().parse::<i64>().ok());
        let budget = self.budget(&get);
        let raw = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(transport)?;
        if let Some(b) = &budget
            && let Ok(mut g) = self.last.lock()
        {
            *g = Some(b.clone());
        }
        let message = message_of(&raw);
        if status == 429 {
            let now = self.now();
            let until = match (retry_after, &budget) {
                (Some(s), _) => Some(now + SignedDuration::from_secs(s.max(1))),
                (None, Some(Budget { reset: Some(r), .. })) => Some(*r),
                _ => None,
            };
            return Err(self.back_off(until, format!("{method} {url} returned 429: {message}")));
        }
        if before.hosts.contains_key(&self.host) {
            self.clear_backoff();
        }
        if let Some(b) = &budget {
            self.early_backoff(b);
        }
        Ok(Reply {
            method: method.to_owned(),
            url: url.to_owned(),
            status,
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            message,
        })
    }

    fn budget(&self, get: &dyn Fn(&str) -> Option<String>) -> Option<Budget> {
        let num = |k: &str| get(k).and_then(|v| v.trim().parse::<u64>().ok());
        let (limit, remaining) = (num(self.headers.limit)?, num(self.headers.remaining)?);
        let reset = get(self.headers.reset).and_then(|v| {
            let v = v.trim();
            match v.parse::<i64>() {
                Ok(n) if self.headers.reset_millis => Timestamp::from_millisecond(n).ok(),
                Ok(n) => Timestamp::from_second(n).ok(),
                Err(_) => v.parse::<Timestamp>().ok(),
            }
        });
        Some(Budget {
            limit,
            remaining,
            reset,
        })
    }

    /// Backs off before the service has to: under 2 % of the budget (at least 5 calls)
    /// left, wait for the reset.
    fn early_backoff(&self, b: &Budget) {
        let floor = (b.limit / 50).max(5);
        if b.limit == 0 || b.remaining >= floor {
            return;
        }
        if let Some(reset) = b.reset
            && reset > self.now()
        {
            let _ = self.back_off(
                Some(reset),
                format!(
                    "{} budget nearly spent ({} of {} left); waiting for the reset",
                    self.service, b.remaining, b.limit
                ),
            );
        }
    }
}

/// The service's error message from a body (`message`, `errorMessages`, GraphQL
/// `errors[].message`), or its start; control characters stripped, at most 300 chars.
pub fn message_of(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
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
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let flat = strip_control(&text).replace('\n', " ");
    let flat = flat.trim();
    if flat.is_empty() {
        "(empty body)".to_owned()
    } else {
        truncate_chars(flat, 300)
    }
}

/// Percent-encodes a URL path segment or query value.
pub fn encode(s: &str) -> String {
    crate::sys::github::encode_query(s)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = Client::new("Linear", "h:1", Secret::new("k"), h, d.path()).at(now);
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
        let later = Client::new("Linear", "h:1", Secret::new("k"), h, d.path())
            .at(now + SignedDuration::from_secs(121));
        assert!(later.check_backoff().is_ok());
        let other = Client::new("Linear", "h:2", Secret::new("k"), h, d.path()).at(now);
        assert!(other.check_backoff().is_ok());
    }
}
