//! The one blocking HTTP client (ureq 3): global timeout, no status-as-error (callers
//! inspect status and headers, e.g. GitHub rate limits), `ao/<version>` user agent, and an
//! error type that names method, URL (never a token) and status with a bounded body.
//!
//! Also the layer the API clients share (GitHub and GitLab in `sys/`, Linear and Jira in
//! `plugins/tracker/service.rs`): one typed error ([`ApiError`]) whose texts name the
//! vendor, a redacted [`Secret`], base-URL checks, and a [`Client`] that sends one request
//! and applies the **persisted backoff**: inside a backoff nothing is sent; a rate-limit
//! answer (which one is the vendor's call) writes a deadline to
//! `<dataDir>/cache/<vendor>/backoff.json` (per host); a response showing the budget
//! nearly spent backs off early, leaving headroom for the human. Vendor specifics
//! (headers, auth, which answers mean "rate-limited", message shapes) stay with the
//! vendor's client.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sys::atomic;
use crate::sys::text::{strip_control, truncate_chars};

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

/// Which API a client talks to: its name in messages and the vendor-specific wording and
/// policy of the shared layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendor {
    /// `GitHub`, `GitLab`, `Linear`, `Jira`; its lower-case form names the cache folder.
    pub name: &'static str,
    /// Appended to a 401/403 error: what to check.
    pub auth_hint: &'static str,
    /// Appended to "no <name> token for <host>": how to supply one.
    pub token_hint: &'static str,
    /// GraphQL errors without data are worth retrying (GitLab reports timeouts that way;
    /// GitHub's are about the query).
    pub graphql_transient: bool,
    /// Early backoff when fewer than `max(limit / 50, early_floor)` calls are left.
    pub early_floor: u64,
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A failed call to a vendor's API. Callers branch on the variant: `RateLimited` means
/// "skip this vendor's work until `until`", `NotFound` means the thing is gone,
/// [`ApiError::is_transient`] errors are retried on a later tick.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The vendor asked ao to slow down (or an earlier backoff is still in force).
    #[error("{vendor} backoff until {until}: {reason}")]
    RateLimited {
        /// Whose API.
        vendor: &'static Vendor,
        /// When traffic may resume.
        until: Timestamp,
        /// What triggered the backoff (method, URL, the vendor's message).
        reason: String,
    },
    /// A 304 arrived although no cached body exists (the cache was lost mid-flight).
    #[error("{method} {url} returned 304 Not Modified but no cached copy exists")]
    NotModified {
        /// Method.
        method: String,
        /// URL.
        url: String,
    },
    /// 404 / 410: the thing does not exist (or is not visible).
    #[error("{method} {url} returned {status}: {message}")]
    NotFound {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status code.
        status: u16,
        /// The vendor's message.
        message: String,
    },
    /// 401, or a 403 that is not a rate limit: the token is missing, wrong, expired or
    /// lacks access.
    #[error("{method} {url} returned {status}: {message} ({})", .vendor.auth_hint)]
    Auth {
        /// Whose API.
        vendor: &'static Vendor,
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status code.
        status: u16,
        /// The vendor's message.
        message: String,
    },
    /// Any other unexpected status.
    #[error("{method} {url} returned {status}: {message}")]
    Http {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status code.
        status: u16,
        /// The vendor's message or the start of the body.
        message: String,
    },
    /// Connect, TLS, timeout or a body cut short.
    #[error("{method} {url} failed: {message}")]
    Transport {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// The body was not the JSON asked for (truncated, HTML error page, wrong shape).
    #[error("{method} {url}: unreadable response: {message}")]
    Decode {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Parser message.
        message: String,
    },
    /// The GraphQL endpoint answered with errors and no usable data.
    #[error("POST {url}: GraphQL error: {message}")]
    GraphQl {
        /// Whose API.
        vendor: &'static Vendor,
        /// Endpoint.
        url: String,
        /// The errors' messages, joined.
        message: String,
    },
    /// No token could be found.
    #[error("no {vendor} token for {host}: {}", .vendor.token_hint)]
    NoToken {
        /// Whose API.
        vendor: &'static Vendor,
        /// Host the token was wanted for.
        host: String,
    },
    /// The configured `apiUrl` is unusable.
    #[error("invalid {vendor} apiUrl `{url}`: {why}")]
    BadUrl {
        /// Whose API.
        vendor: &'static Vendor,
        /// The configured value (redacted).
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Reading or writing a cache file failed.
    #[error("{vendor} cache {}: {source}", .path.display())]
    Cache {
        /// Whose cache.
        vendor: &'static Vendor,
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Bad configuration (URL, missing token) worded by the caller.
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    /// True for failures worth retrying on a later tick (rate limits, network, 5xx,
    /// unreadable bodies); false for configuration and permission problems.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Transport { .. }
            | Self::Decode { .. }
            | Self::NotModified { .. } => true,
            Self::GraphQl { vendor, .. } => vendor.graphql_transient,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The error for a non-success status that is not a rate limit: 401/403 `Auth`,
    /// 404/410 `NotFound`, else `Http`.
    pub fn from_status(
        vendor: &'static Vendor,
        method: &str,
        url: &str,
        status: u16,
        message: String,
    ) -> Self {
        let (method, url) = (method.to_owned(), url.to_owned());
        match status {
            401 | 403 => Self::Auth {
                vendor,
                method,
                url,
                status,
                message,
            },
            404 | 410 => Self::NotFound {
                method,
                url,
                status,
                message,
            },
            _ => Self::Http {
                method,
                url,
                status,
                message,
            },
        }
    }

    fn transport(method: &str, url: &str, e: &dyn std::fmt::Display) -> Self {
        Self::Transport {
            method: method.to_owned(),
            url: url.to_owned(),
            message: e.to_string(),
        }
    }
}

/// A credential. `Debug` is redacted; there is no `Display` and no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (surrounding whitespace trimmed).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }

    /// The value, for the one place that needs it (an authentication header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Checks a configured base URL: `https://`, or `http://` on a loopback host; no user
/// info (`userinfo_why` says what to do instead), query or fragment. Returns the URL
/// without trailing slashes and its lower-cased `host[:port]`, or why it is refused.
pub fn check_base_url(
    raw: &str,
    userinfo_why: &'static str,
) -> Result<(String, String), &'static str> {
    let base = raw.trim().trim_end_matches('/');
    let (scheme, after) = base.split_once("://").ok_or("no scheme")?;
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err("no host");
    }
    if authority.contains('@') {
        return Err(userinfo_why);
    }
    if after.contains(['?', '#']) {
        return Err("query or fragment in the URL is not allowed");
    }
    match scheme {
        "https" => {}
        "http" if is_loopback(host_without_port(authority)) => {}
        "http" => return Err("plain http is only allowed for loopback hosts"),
        _ => return Err("scheme must be https"),
    }
    Ok((base.to_owned(), authority.to_ascii_lowercase()))
}

/// The host of a `host[:port]` or `[v6]:port` authority.
pub fn host_without_port(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// True for `localhost`, `::1` and `127.*`.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// The vendor's error message from a response body (`pick` reads it from JSON), or the
/// start of a non-JSON body; newlines flattened, control characters stripped, at most
/// 300 characters, `(empty body)` when there is nothing.
pub fn error_message(body: &[u8], pick: impl Fn(&Value) -> String) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => pick(&v),
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

/// Rate-limit figures read from a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateInfo {
    /// Budget per window.
    pub limit: u64,
    /// Left in this window.
    pub remaining: u64,
    /// When the window resets, when known.
    pub reset: Option<Timestamp>,
    /// Which budget (GitHub: `core`, `graphql`, `search`, …; empty when the vendor has one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
}

/// How a vendor reports its budget in headers.
#[derive(Debug, Clone, Copy)]
pub struct RateHeaders {
    /// Header with the budget (`x-ratelimit-limit`).
    pub limit: &'static str,
    /// Header with what is left.
    pub remaining: &'static str,
    /// Header with the reset time: epoch seconds, epoch milliseconds (`reset_millis`) or
    /// an RFC 3339 time.
    pub reset: &'static str,
    /// The reset header is epoch milliseconds (Linear).
    pub reset_millis: bool,
    /// Header naming the budget, and the name when it is absent (GitHub).
    pub resource: Option<(&'static str, &'static str)>,
}

impl RateHeaders {
    /// The figures in `h`, when both the limit and the remaining count are there.
    pub fn read(&self, h: &ureq::http::HeaderMap) -> Option<RateInfo> {
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
        let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
        let (limit, remaining) = (num(self.limit)?, num(self.remaining)?);
        let reset = get(self.reset).and_then(|v| match v.parse::<i64>() {
            Ok(n) if self.reset_millis => Timestamp::from_millisecond(n).ok(),
            Ok(n) => Timestamp::from_second(n).ok(),
            Err(_) => v.parse::<Timestamp>().ok(),
        });
        let resource = self.resource.map_or_else(String::new, |(k, default)| {
            get(k).unwrap_or(default).to_owned()
        });
        Some(RateInfo {
            limit,
            remaining,
            reset,
            resource,
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
    /// Consecutive strikes without a deadline from the vendor (drives the doubling).
    #[serde(default)]
    pub strikes: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BackoffFile {
    version: u32,
    #[serde(default)]
    hosts: BTreeMap<String, BackoffEntry>,
}

/// Format version of `backoff.json`.
const BACKOFF_VERSION: u32 = 1;
/// First wait when the vendor names no deadline, and the cap of its doubling.
pub const FIRST_WAIT: i64 = 60;
const WAIT_CAP: i64 = 3600;

/// `<dataDir>/cache/<vendor>`.
pub fn cache_dir(data_dir: &Path, vendor: &str) -> PathBuf {
    data_dir.join("cache").join(vendor.to_ascii_lowercase())
}

/// `<dataDir>/cache/<vendor>/backoff.json`.
pub fn backoff_path(data_dir: &Path, vendor: &str) -> PathBuf {
    cache_dir(data_dir, vendor).join("backoff.json")
}

fn read_backoff(path: &Path) -> BackoffFile {
    // Missing or unreadable: no backoff; the worst case is one more request that the
    // vendor answers with a fresh rate-limit response.
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<BackoffFile>(&b).ok())
        .filter(|f| f.version == BACKOFF_VERSION)
        .unwrap_or_default()
}

/// All persisted backoff entries of `vendor` by host, including expired ones.
pub fn backoff_entries(data_dir: &Path, vendor: &str) -> Vec<(String, BackoffEntry)> {
    read_backoff(&backoff_path(data_dir, vendor))
        .hosts
        .into_iter()
        .collect()
}

/// `<Vendor> backoff until <time> (<host>: <reason>)` for the latest backoff of `vendor`
/// still in force at `now`, for `ao status`. Reads one small file; never calls the vendor.
pub fn backoff_notice(data_dir: &Path, vendor: &str, now: Timestamp) -> Option<String> {
    backoff_entries(data_dir, vendor)
        .into_iter()
        .filter(|(_, e)| e.until > now)
        .max_by_key(|(_, e)| e.until)
        .map(|(host, e)| {
            format!(
                "{vendor} backoff until {} ({host}: {})",
                e.until.round(jiff::Unit::Second).unwrap_or(e.until),
                e.reason
            )
        })
}

/// A vendor's verdict on a response: it is a rate-limit answer, back off.
#[derive(Debug)]
pub struct Limited {
    /// The vendor's deadline, if it named one.
    pub until: Option<Timestamp>,
    /// Count a strike: wait 60 s doubling per consecutive strike (capped at an hour), or
    /// until `until` if that is later.
    pub doubling: bool,
    /// What happened (method, URL, the vendor's message).
    pub reason: String,
}

/// One request for [`Client::exchange`].
#[derive(Debug)]
pub struct Request<'a> {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Headers (authentication, `Accept`, …); `Content-Type: application/json` is added
    /// when there is a body.
    pub headers: Vec<(&'static str, String)>,
    /// JSON body of a write.
    pub body: Option<&'a [u8]>,
    /// Read a 2xx body as a stream keeping its last `.1` bytes, reading at most `.0`
    /// (job logs), instead of reading it whole up to the size limit.
    pub tail: Option<(u64, usize)>,
}

impl<'a> Request<'a> {
    /// A request without headers or body.
    pub fn new(method: &'a str, url: &'a str) -> Self {
        Self {
            method,
            url,
            headers: Vec::new(),
            body: None,
            tail: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.body = Some(body);
        self
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: ureq::http::HeaderMap,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<i64>,
    /// Budget figures, when the vendor's headers carry them.
    pub rate: Option<RateInfo>,
    /// Body (at most the size limit, or the kept tail).
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// Reads at most `max_read` bytes of `r`, keeping the last `keep`.
pub fn read_tail(r: impl Read, max_read: u64, keep: usize) -> std::io::Result<Vec<u8>> {
    let mut reader = r.take(max_read);
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * keep {
            kept.drain(..kept.len() - keep);
        }
    }
    Ok(kept[kept.len().saturating_sub(keep)..].to_vec())
}

/// Sends `req` with `agent` and reads the response (no rate-limit policy), bodies up to
/// `max_body` bytes.
pub fn send(
    agent: &ureq::Agent,
    req: &Request<'_>,
    rate: Option<&RateHeaders>,
    max_body: u64,
) -> Result<Response, ApiError> {
    let (method, url) = (req.method, req.url);
    let transport = |e: ureq::Error| ApiError::transport(method, url, &e);
    let mut resp = if let Some(b) = req.body {
        let mut rb = match method {
            "POST" => agent.post(url),
            "PUT" => agent.put(url),
            "PATCH" => agent.patch(url),
            _ => return Err(ApiError::transport(method, url, &"unsupported method")),
        };
        for (k, v) in &req.headers {
            rb = rb.header(*k, v);
        }
        rb.header("Content-Type", "application/json")
            .send(b)
            .map_err(transport)?
    } else {
        let mut rb = match method {
            "GET" => agent.get(url),
            "DELETE" => agent.delete(url),
            _ => return Err(ApiError::transport(method, url, &"unsupported method")),
        };
        for (k, v) in &req.headers {
            rb = rb.header(*k, v);
        }
        rb.call().map_err(transport)?
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = match req.tail {
        Some((max_read, keep)) if (200..300).contains(&status) => {
            read_tail(resp.body_mut().as_reader(), max_read, keep)
                .map_err(|e| ApiError::transport(method, url, &e))?
        }
        _ => resp
            .body_mut()
            .with_config()
            .limit(max_body)
            .read_to_vec()
            .map_err(transport)?,
    };
    Ok(Response {
        retry_after: headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok()),
        rate: rate.and_then(|r| r.read(&headers)),
        status,
        headers,
        body,
    })
}

/// The shared part of an API client for one vendor host: the agent, the persisted
/// backoff, the budget of the last response and the clock.
#[derive(Debug)]
pub struct Client {
    vendor: &'static Vendor,
    host: String,
    data_dir: PathBuf,
    rate_headers: RateHeaders,
    max_body: u64,
    agent: ureq::Agent,
    now: Option<Timestamp>,
    last_rate: Mutex<Option<RateInfo>>,
}

impl Client {
    /// A client for `vendor` at `host` (`host[:port]`, keying the backoff), reading
    /// budgets from `rate_headers`, bodies up to `max_body` bytes, keeping its backoff
    /// under `data_dir`.
    pub fn new(
        vendor: &'static Vendor,
        host: &str,
        data_dir: &Path,
        rate_headers: RateHeaders,
        max_body: u64,
    ) -> Self {
        Self {
            vendor,
            host: host.to_owned(),
            data_dir: data_dir.to_path_buf(),
            rate_headers,
            max_body,
            agent: agent(TIMEOUT),
            now: None,
            last_rate: Mutex::new(None),
        }
    }

    /// Pins the clock used for backoff decisions (the tick's `now`).
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// The pinned clock, else the command's clock.
    pub fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(crate::clock::now)
    }

    /// Whose API.
    pub fn vendor(&self) -> &'static Vendor {
        self.vendor
    }

    /// The agent, for calls outside the policy (a signed log URL on another host).
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// `<dataDir>/cache/<vendor>`.
    pub fn cache_dir(&self) -> PathBuf {
        cache_dir(&self.data_dir, self.vendor.name)
    }

    /// `path` (`/repos/…`) joined to the API's `base`, or an absolute URL that must lie
    /// under `base` (pagination links), so the token never leaves the API host.
    pub fn join(&self, base: &str, path: &str) -> Result<String, ApiError> {
        if path.starts_with('/') {
            return Ok(format!("{base}{path}"));
        }
        if path.starts_with(&format!("{base}/")) {
            Ok(path.to_owned())
        } else {
            Err(ApiError::BadUrl {
                vendor: self.vendor,
                url: redact_url(path),
                why: "link points outside the configured API",
            })
        }
    }

    /// Budget figures from the most recent response.
    pub fn last_rate(&self) -> Option<RateInfo> {
        self.last_rate.lock().ok().and_then(|g| g.clone())
    }

    fn backoff_path(&self) -> PathBuf {
        backoff_path(&self.data_dir, self.vendor.name)
    }

    /// The entry in force for this host at `now`.
    fn in_force(&self, file: &BackoffFile) -> Result<(), ApiError> {
        match file.hosts.get(&self.host) {
            Some(e) if e.until > self.now() => Err(ApiError::RateLimited {
                vendor: self.vendor,
                until: e.until,
                reason: e.reason.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), ApiError> {
        self.in_force(&read_backoff(&self.backoff_path()))
    }

    /// Records a backoff for this host and returns the error to propagate: until `until`
    /// (60 s when `None`), or with `doubling` 60 s doubling per consecutive strike
    /// (capped at an hour) unless `until` is later. Written even in dry runs: ignoring a
    /// limit risks the token being blocked; failing to persist is told in the reason.
    pub fn back_off(&self, until: Option<Timestamp>, doubling: bool, reason: String) -> ApiError {
        let path = self.backoff_path();
        let mut file = read_backoff(&path);
        file.version = BACKOFF_VERSION;
        let now = self.now();
        let (until, strikes) = if doubling {
            let strikes = file.hosts.get(&self.host).map_or(0, |e| e.strikes) + 1;
            let secs = FIRST_WAIT
                .saturating_mul(1 << strikes.saturating_sub(1).min(6))
                .min(WAIT_CAP);
            let wait = now + SignedDuration::from_secs(secs);
            (until.map_or(wait, |u| u.max(wait)), strikes)
        } else {
            (
                until.unwrap_or_else(|| now + SignedDuration::from_secs(FIRST_WAIT)),
                0,
            )
        };
        file.hosts.insert(
            self.host.clone(),
            BackoffEntry {
                until,
                reason: reason.clone(),
                strikes,
            },
        );
        let reason = match self.write_json(&path, &file) {
            Ok(()) => reason,
            Err(e) => format!("{reason} (backoff not persisted: {e})"),
        };
        ApiError::RateLimited {
            vendor: self.vendor,
            until,
            reason,
        }
    }

    /// Writes `value` as JSON to `path` atomically in a private directory, only when its
    /// bytes change.
    pub fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), ApiError> {
        let io = |source| ApiError::Cache {
            vendor: self.vendor,
            path: path.to_path_buf(),
            source,
        };
        atomic::ensure_private_dir(path.parent().unwrap_or(Path::new("."))).map_err(io)?;
        let bytes = serde_json::to_vec(value).map_err(|e| io(std::io::Error::other(e)))?;
        atomic::write_if_changed(path, &bytes).map(drop).map_err(io)
    }

    /// Remembers `rate` and backs off before the vendor has to say so: when fewer than
    /// `max(limit / 50, vendor.early_floor)` calls are left, wait for the reset (the
    /// current response is still used).
    pub fn note_rate(&self, rate: &RateInfo) {
        if let Ok(mut g) = self.last_rate.lock() {
            *g = Some(rate.clone());
        }
        let floor = (rate.limit / 50).max(self.vendor.early_floor);
        if rate.limit == 0 || rate.remaining >= floor {
            return;
        }
        if let Some(reset) = rate.reset.filter(|r| *r > self.now()) {
            let which = if rate.resource.is_empty() {
                String::new()
            } else {
                format!(" {}", rate.resource)
            };
            let _ = self.back_off(
                Some(reset),
                false,
                format!(
                    "{}{which} budget nearly spent ({} of {} left); waiting for the reset",
                    self.vendor, rate.remaining, rate.limit
                ),
            );
        }
    }

    /// Sends `req` under the rate-limit policy: nothing is sent inside a backoff; a
    /// response `limited` judges a rate-limit answer starts one (and is an error); after
    /// any other response an expired entry is cleared and the budget noted (early
    /// backoff). Other statuses are returned for the caller to interpret.
    pub fn exchange(
        &self,
        req: &Request<'_>,
        limited: impl FnOnce(&Response, Timestamp) -> Option<Limited>,
    ) -> Result<Response, ApiError> {
        let before = read_backoff(&self.backoff_path());
        self.in_force(&before)?;
        let resp = send(&self.agent, req, Some(&self.rate_headers), self.max_body)?;
        if let Some(rate) = &resp.rate
            && let Ok(mut g) = self.last_rate.lock()
        {
            *g = Some(rate.clone());
        }
        if let Some(l) = limited(&resp, self.now()) {
            return Err(self.back_off(l.until, l.doubling, l.reason));
        }
        if before.hosts.contains_key(&self.host) {
            let mut file = read_backoff(&self.backoff_path());
            if file.hosts.remove(&self.host).is_some() {
                let _ = self.write_json(&self.backoff_path(), &file);
            }
        }
        if let Some(rate) = &resp.rate {
            self.note_rate(rate);
        }
        Ok(resp)
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

    const V: super::Vendor = super::Vendor {
        name: "GitHub",
        auth_hint: "check the token's access to this repository",
        token_hint: "set GH_TOKEN",
        graphql_transient: false,
        early_floor: 20,
    };

    #[test]
    fn errors_name_the_vendor_and_classify_statuses() {
        use super::ApiError;
        let e = ApiError::from_status(&V, "GET", "https://h/x", 403, "Forbidden".into());
        assert_eq!(
            e.to_string(),
            "GET https://h/x returned 403: Forbidden (check the token's access to this repository)"
        );
        assert!(!e.is_transient());
        let e = ApiError::from_status(&V, "GET", "https://h/x", 410, "Gone".into());
        assert!(matches!(e, ApiError::NotFound { .. }));
        assert!(ApiError::from_status(&V, "GET", "u", 502, String::new()).is_transient());
        let e = ApiError::NoToken {
            vendor: &V,
            host: "api.github.com".into(),
        };
        assert_eq!(
            e.to_string(),
            "no GitHub token for api.github.com: set GH_TOKEN"
        );
    }

    #[test]
    fn base_urls_are_checked() {
        let ok = |u| super::check_base_url(u, "no userinfo");
        assert_eq!(
            ok("https://H.example/api/").unwrap(),
            ("https://H.example/api".into(), "h.example".into())
        );
        assert_eq!(ok("http://[::1]:8/").unwrap().1, "[::1]:8");
        assert_eq!(
            ok("http://h.example"),
            Err("plain http is only allowed for loopback hosts")
        );
        assert_eq!(ok("https://u:p@h"), Err("no userinfo"));
        assert_eq!(
            ok("https://h/?q"),
            Err("query or fragment in the URL is not allowed")
        );
        assert_eq!(ok("h.example"), Err("no scheme"));
    }

    #[test]
    fn backoff_doubles_per_strike_and_honours_later_deadlines() {
        use jiff::{SignedDuration, Timestamp};
        let d = tempfile::tempdir().unwrap();
        let h = super::RateHeaders {
            limit: "l",
            remaining: "r",
            reset: "t",
            reset_millis: false,
            resource: None,
        };
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = super::Client::new(&V, "h", d.path(), h, 1024).at(now);
        let until = |e| match e {
            super::ApiError::RateLimited { until, .. } => until,
            e => panic!("{e}"),
        };
        let s = SignedDuration::from_secs;
        assert_eq!(until(c.back_off(None, true, "a".into())), now + s(60));
        assert_eq!(until(c.back_off(None, true, "b".into())), now + s(120));
        assert_eq!(
            until(c.back_off(Some(now + s(900)), true, "c".into())),
            now + s(900)
        );
        assert_eq!(
            until(c.back_off(Some(now + s(30)), false, "d".into())),
            now + s(30)
        );
        assert_eq!(super::backoff_entries(d.path(), "GitHub")[0].1.strikes, 0);
        assert!(
            super::backoff_notice(d.path(), "GitHub", now)
                .unwrap()
                .starts_with("GitHub backoff until")
        );
        assert!(c.check_backoff().is_err());
    }

    #[test]
    fn rate_headers_read_seconds_millis_and_times() {
        let mut m = ureq::http::HeaderMap::new();
        m.insert("l", "100".parse().unwrap());
        m.insert("r", "7".parse().unwrap());
        m.insert("t", "1767225600".parse().unwrap());
        let mut h = super::RateHeaders {
            limit: "l",
            remaining: "r",
            reset: "t",
            reset_millis: false,
            resource: Some(("x", "core")),
        };
        let r = h.read(&m).unwrap();
        assert_eq!(
            (r.limit, r.remaining, r.resource.as_str()),
            (100, 7, "core")
        );
        assert_eq!(r.reset, Some("2026-01-01T00:00:00Z".parse().unwrap()));
        h.reset_millis = true;
        m.insert("t", "1767225600000".parse().unwrap());
        assert_eq!(
            h.read(&m).unwrap().reset,
            Some("2026-01-01T00:00:00Z".parse().unwrap())
        );
        m.insert("t", "2030-01-01T00:00Z".parse().unwrap());
        assert!(h.read(&m).unwrap().reset.is_some());
        m.remove("r");
        assert!(h.read(&m).is_none());
    }
}
