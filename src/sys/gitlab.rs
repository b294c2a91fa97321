//! GitLab API client: REST v4 and GraphQL over the shared ureq agent (`sys::http::agent`),
//! for gitlab.com and self-managed instances (`apiUrl`).
//!
//! * **Authentication.** The token comes from the plugin's `token:` (written as
//!   `${VAR}`; a literal secret in a readable config is refused when the config loads),
//!   else `GITLAB_TOKEN`. REST calls send it as `PRIVATE-TOKEN`, GraphQL as
//!   `Authorization: Bearer` (both documented for personal, project and group access
//!   tokens). It is sent only to the configured host over HTTPS (plain HTTP for loopback
//!   hosts, which tests use) and never appears in errors or `Debug` output.
//! * **A persisted backoff.** A 429 answer writes a deadline to
//!   `<dataDir>/cache/gitlab/backoff.json` (per host): `Retry-After`, else `RateLimit-Reset`,
//!   else 60 s. Until then every call fails fast with [`GitLabError::RateLimited`] without
//!   touching the network, in this process and in later ticks. ao also backs off on its
//!   own when `RateLimit-Remaining` shows the budget nearly spent.
//! * **Errors that say what happened**: method, URL (never the token), status and
//!   GitLab's own `message`/`error`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::atomic;
use crate::sys::github::encode_query;
use crate::sys::http;
use crate::sys::text::{strip_control, truncate_chars};

/// gitlab.com.
pub const DEFAULT_API_URL: &str = "https://gitlab.com";
/// Environment variable read when the plugin config has no `token:`.
pub const TOKEN_ENV: &str = "GITLAB_TOKEN";
/// Largest API response body read.
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// How much of the end of a job trace is kept while streaming it.
const TRACE_TAIL_BYTES: usize = 256 * 1024;
/// Stop reading a job trace after this many bytes.
const TRACE_MAX_READ: u64 = 32 * 1024 * 1024;
/// Backoff when a 429 names no reset.
const DEFAULT_BACKOFF: i64 = 60;
/// Format version of the files under `cache/gitlab/`.
const CACHE_VERSION: u32 = 1;

/// A failed GitLab call. `RateLimited` means "skip GitLab work until `until`", `NotFound`
/// means the thing is gone, `is_transient` errors are retried on a later tick.
#[derive(Debug, thiserror::Error)]
pub enum GitLabError {
    /// GitLab asked us to slow down (or we are still inside an earlier backoff).
    #[error("GitLab backoff until {until}: {reason}")]
    RateLimited {
        /// When GitLab work may resume.
        until: Timestamp,
        /// What triggered the backoff.
        reason: String,
    },
    /// 404 / 410.
    #[error("{method} {url} returned {status}: {message}")]
    NotFound {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status code.
        status: u16,
        /// GitLab's message.
        message: String,
    },
    /// 401 / 403: the token is missing, wrong, expired or lacks a scope.
    #[error(
        "{method} {url} returned {status}: {message} (check the token and its `api` scope for this project)"
    )]
    Auth {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Status code.
        status: u16,
        /// GitLab's message.
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
        /// GitLab's message or the start of the body.
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
    /// The body was not the JSON asked for.
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
        /// Endpoint.
        url: String,
        /// The errors' messages, joined.
        message: String,
    },
    /// No token configured.
    #[error(
        "no GitLab token for {host}: set `token: ${{GITLAB_TOKEN}}` on the plugin, or export GITLAB_TOKEN"
    )]
    NoToken {
        /// Host the token was wanted for.
        host: String,
    },
    /// The configured `apiUrl` is unusable.
    #[error("invalid GitLab apiUrl `{url}`: {why}")]
    BadUrl {
        /// The configured value (redacted).
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

impl GitLabError {
    /// True for failures worth retrying on a later tick. GraphQL errors count: GitLab
    /// reports timeouts and internal errors that way.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Transport { .. }
            | Self::Decode { .. }
            | Self::GraphQl { .. } => true,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The endpoints of one GitLab instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// Web base without a trailing slash (`https://gitlab.com`, `https://example.com/gitlab`).
    pub web: String,
    /// REST base (`<web>/api/v4`).
    pub rest: String,
    /// GraphQL endpoint (`<web>/api/graphql`).
    pub graphql: String,
    /// `host[:port]`, keying the backoff and caches.
    pub host: String,
}

impl Api {
    /// Endpoints for a configured `apiUrl` (`None`: gitlab.com). Accepts the instance URL
    /// or its `/api/v4` REST base. `https://` only, or `http://` on a loopback host; user
    /// info, query and fragment are refused.
    pub fn new(api_url: Option<&str>) -> Result<Self, GitLabError> {
        let raw = api_url.unwrap_or(DEFAULT_API_URL).trim();
        let bad = |why| GitLabError::BadUrl {
            url: http::redact_url(raw),
            why,
        };
        let trimmed = raw.trim_end_matches('/');
        let web = trimmed
            .strip_suffix("/api/v4")
            .unwrap_or(trimmed)
            .to_owned();
        let (scheme, after) = web.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains('@') {
            return Err(bad("user info in the URL is not allowed; use `token:`"));
        }
        if after.contains(['?', '#']) {
            return Err(bad("query or fragment in the URL is not allowed"));
        }
        let hostname = authority.split(':').next().unwrap_or(authority);
        let loopback = hostname == "localhost"
            || hostname.starts_with("127.")
            || authority.starts_with("[::1]");
        match scheme {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(bad("plain http is only allowed for loopback hosts")),
            _ => return Err(bad("scheme must be https")),
        }
        Ok(Self {
            host: authority.to_ascii_lowercase(),
            rest: format!("{web}/api/v4"),
            graphql: format!("{web}/api/graphql"),
            web,
        })
    }
}

/// A GitLab token. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token value (whitespace trimmed).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where the token comes from, without its value: `token:` in the config, else
/// `$GITLAB_TOKEN`; `None` when neither is set.
pub fn token_source(configured: Option<&str>) -> Option<&'static str> {
    if configured.is_some_and(|t| !t.trim().is_empty()) {
        Some("`token:` in the config")
    } else if std::env::var(TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty()) {
        Some("$GITLAB_TOKEN is set")
    } else {
        None
    }
}

/// The token: the configured value (already interpolated from `${VAR}`), else
/// `GITLAB_TOKEN`.
pub fn find_token(api: &Api, configured: Option<&str>) -> Result<Token, GitLabError> {
    if let Some(t) = configured.filter(|t| !t.trim().is_empty()) {
        return Ok(Token::new(t));
    }
    match std::env::var(TOKEN_ENV) {
        Ok(t) if !t.trim().is_empty() => Ok(Token::new(t)),
        _ => Err(GitLabError::NoToken {
            host: api.host.clone(),
        }),
    }
}

/// Validates a project's full path (`group/subgroup/project`): two or more segments of
/// GitLab's allowed characters, so it can go into a URL path (encoded) and a variable.
pub fn parse_project(path: &str) -> Option<String> {
    let p = path.trim().trim_matches('/');
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 255
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    let segs: Vec<&str> = p.split('/').collect();
    (segs.len() >= 2 && segs.iter().all(|s| ok(s))).then(|| p.to_owned())
}

/// `/projects/<url-encoded full path>`.
pub fn project_path(full_path: &str) -> String {
    format!("/projects/{}", encode_query(full_path))
}

/// Rate-limit figures from the last response (`RateLimit-*` headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateInfo {
    /// Budget per window.
    pub limit: u64,
    /// Left in this window.
    pub remaining: u64,
    /// When the window resets.
    pub reset: Option<Timestamp>,
}

/// A persisted backoff for one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackoffEntry {
    /// No GitLab calls to this host before this time.
    pub until: Timestamp,
    /// What triggered it.
    pub reason: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BackoffFile {
    version: u32,
    #[serde(default)]
    hosts: std::collections::BTreeMap<String, BackoffEntry>,
}

/// `<dataDir>/cache/gitlab`.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("cache").join("gitlab")
}

fn backoff_path(data_dir: &Path) -> PathBuf {
    cache_dir(data_dir).join("backoff.json")
}

fn read_backoff(data_dir: &Path) -> BackoffFile {
    std::fs::read(backoff_path(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice::<BackoffFile>(&b).ok())
        .filter(|f| f.version == CACHE_VERSION)
        .unwrap_or_default()
}

/// The line `ao status` shows while GitLab work is suspended; `None` when no backoff is
/// in force. Reads one small file; never calls GitLab.
pub fn backoff_notice(data_dir: &Path) -> Option<String> {
    let now = crate::clock::now();
    read_backoff(data_dir)
        .hosts
        .into_iter()
        .filter(|(_, e)| e.until > now)
        .max_by_key(|(_, e)| e.until)
        .map(|(host, e)| {
            format!(
                "GitLab backoff until {} ({host}: {})",
                e.until.round(jiff::Unit::Second).unwrap_or(e.until),
                e.reason
            )
        })
}

/// A GraphQL answer: `data` (possibly partial) plus the errors' messages.
#[derive(Debug, Clone)]
pub struct GraphQlReply {
    /// The `data` object.
    pub data: Value,
    /// The `errors` messages.
    pub errors: Vec<String>,
}

/// The answer to a write: any status except rate limits, which are errors.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// GitLab's message, or the start of the body.
    pub message: String,
    /// Method and URL, for errors.
    pub what: (String, String),
}

impl Reply {
    /// The body on 2xx, else the matching error.
    pub fn into_result(self) -> Result<Value, GitLabError> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(status_error(
                &self.what.0,
                &self.what.1,
                self.status,
                self.message,
            ))
        }
    }
}

/// The client for one GitLab host. Cheap to create.
#[derive(Debug)]
pub struct Client {
    api: Api,
    token: Token,
    data_dir: PathBuf,
    agent: ureq::Agent,
    now: Option<Timestamp>,
    last_rate: Mutex<Option<RateInfo>>,
}

struct Raw {
    status: u16,
    retry_after: Option<i64>,
    rate: Option<RateInfo>,
    link: Option<String>,
    body: Vec<u8>,
}

impl Client {
    /// A client for `api` authenticated with `token`; backoff under `data_dir`.
    pub fn new(api: Api, token: Token, data_dir: &Path) -> Self {
        Self {
            api,
            token,
            data_dir: data_dir.to_path_buf(),
            agent: http::agent(http::TIMEOUT),
            now: None,
            last_rate: Mutex::new(None),
        }
    }

    /// Pins the clock used for backoff decisions (the tick's `now`).
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// The endpoints.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// `<dataDir>/cache/gitlab`.
    pub fn cache_dir(&self) -> PathBuf {
        cache_dir(&self.data_dir)
    }

    /// Rate-limit figures from the most recent response.
    pub fn last_rate(&self) -> Option<RateInfo> {
        self.last_rate.lock().ok().and_then(|g| g.clone())
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(crate::clock::now)
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), GitLabError> {
        match read_backoff(&self.data_dir).hosts.get(&self.api.host) {
            Some(e) if e.until > self.now() => Err(GitLabError::RateLimited {
                until: e.until,
                reason: e.reason.clone(),
            }),
            _ => Ok(()),
        }
    }

    fn set_backoff(&self, entry: Option<BackoffEntry>) -> Result<(), std::io::Error> {
        let mut file = read_backoff(&self.data_dir);
        file.version = CACHE_VERSION;
        match entry {
            Some(e) => {
                file.hosts.insert(self.api.host.clone(), e);
            }
            None => {
                if file.hosts.remove(&self.api.host).is_none() {
                    return Ok(());
                }
            }
        }
        let path = backoff_path(&self.data_dir);
        atomic::ensure_private_dir(path.parent().unwrap_or(Path::new(".")))?;
        let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
        atomic::write(&path, &bytes)
    }

    fn back_off(&self, until: Timestamp, reason: String) -> GitLabError {
        let reason = match self.set_backoff(Some(BackoffEntry {
            until,
            reason: reason.clone(),
        })) {
            Ok(()) => reason,
            Err(e) => format!("{reason} (backoff not persisted: {e})"),
        };
        GitLabError::RateLimited { until, reason }
    }

    /// Sends one request and reads the response (at most `limit` bytes of body, keeping
    /// the tail when `tail` is set). No rate-limit policy here.
    fn execute(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        graphql: bool,
        tail: bool,
    ) -> Result<Raw, GitLabError> {
        let transport = |e: ureq::Error| GitLabError::Transport {
            method: method.to_owned(),
            url: url.to_owned(),
            message: e.to_string(),
        };
        let (hname, hval) = if graphql {
            ("Authorization", format!("Bearer {}", self.token.0))
        } else {
            ("PRIVATE-TOKEN", self.token.0.clone())
        };
        let mut resp = match method {
            "GET" => self
                .agent
                .get(url)
                .header("Accept", "application/json")
                .header(hname, &hval)
                .call()
                .map_err(transport)?,
            m => {
                let rb = match m {
                    "POST" => self.agent.post(url),
                    "PUT" => self.agent.put(url),
                    _ => self.agent.patch(url),
                };
                rb.header("Accept", "application/json")
                    .header(hname, &hval)
                    .header("Content-Type", "application/json")
                    .send(body.unwrap_or(b"{}"))
                    .map_err(transport)?
            }
        };
        let status = resp.status().as_u16();
        let h = resp.headers();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let num = |k: &str| get(k).and_then(|v| v.trim().parse::<u64>().ok());
        let rate = match (num("ratelimit-limit"), num("ratelimit-remaining")) {
            (Some(limit), Some(remaining)) => Some(RateInfo {
                limit,
                remaining,
                reset: num("ratelimit-reset")
                    .and_then(|s| Timestamp::from_second(i64::try_from(s).ok()?).ok()),
            }),
            _ => None,
        };
        let retry_after = get("retry-after").and_then(|v| v.trim().parse::<i64>().ok());
        let link = get("link");
        let body = if tail && (200..300).contains(&status) {
            let mut reader = resp.body_mut().as_reader().take(TRACE_MAX_READ);
            let mut kept: Vec<u8> = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = reader.read(&mut buf).map_err(|e| GitLabError::Transport {
                    method: method.to_owned(),
                    url: url.to_owned(),
                    message: e.to_string(),
                })?;
                if n == 0 {
                    break;
                }
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * TRACE_TAIL_BYTES {
                    kept.drain(..kept.len() - TRACE_TAIL_BYTES);
                }
            }
            kept[kept.len().saturating_sub(TRACE_TAIL_BYTES)..].to_vec()
        } else {
            resp.body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(transport)?
        };
        Ok(Raw {
            status,
            retry_after,
            rate,
            link,
            body,
        })
    }

    /// `execute` with the rate-limit policy: fail fast inside a backoff, turn a 429 into
    /// a persisted backoff, back off early when the budget is nearly spent.
    fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        graphql: bool,
        tail: bool,
    ) -> Result<Raw, GitLabError> {
        let before = read_backoff(&self.data_dir);
        if let Some(e) = before.hosts.get(&self.api.host)
            && e.until > self.now()
        {
            return Err(GitLabError::RateLimited {
                until: e.until,
                reason: e.reason.clone(),
            });
        }
        let raw = self.execute(method, url, body, graphql, tail)?;
        if let Some(rate) = &raw.rate
            && let Ok(mut g) = self.last_rate.lock()
        {
            *g = Some(rate.clone());
        }
        let now = self.now();
        if raw.status == 429 {
            let until = match (raw.retry_after, raw.rate.as_ref().and_then(|r| r.reset)) {
                (Some(secs), _) => now + SignedDuration::from_secs(secs.max(1)),
                (None, Some(r)) if r > now => r,
                _ => now + SignedDuration::from_secs(DEFAULT_BACKOFF),
            };
            let reason = format!("{method} {url} returned 429: {}", gitlab_message(&raw.body));
            return Err(self.back_off(until, reason));
        }
        if before.hosts.contains_key(&self.api.host) {
            let _ = self.set_backoff(None);
        }
        if let Some(rate) = &raw.rate {
            let floor = (rate.limit / 50).max(20);
            if rate.limit > 0
                && rate.remaining < floor
                && let Some(reset) = rate.reset.filter(|r| *r > now)
            {
                let _ = self.back_off(
                    reset,
                    format!(
                        "GitLab budget nearly spent ({} of {} left); waiting for the reset",
                        rate.remaining, rate.limit
                    ),
                );
            }
        }
        Ok(raw)
    }

    /// `path` (`/projects/…`) joined to the REST base, or an absolute URL under it
    /// (pagination links), so the token never leaves the API host.
    fn url(&self, path: &str) -> Result<String, GitLabError> {
        if path.starts_with('/') {
            return Ok(format!("{}{path}", self.api.rest));
        }
        if path.starts_with(&format!("{}/", self.api.rest)) {
            Ok(path.to_owned())
        } else {
            Err(GitLabError::BadUrl {
                url: http::redact_url(path),
                why: "link points outside the configured API",
            })
        }
    }

    /// GET a JSON resource; returns the body and the `rel="next"` link, if any.
    pub fn get_json(&self, path: &str) -> Result<(Value, Option<String>), GitLabError> {
        let url = self.url(path)?;
        let raw = self.exchange("GET", &url, None, false, false)?;
        if !(200..300).contains(&raw.status) {
            return Err(status_error(
                "GET",
                &url,
                raw.status,
                gitlab_message(&raw.body),
            ));
        }
        let body = serde_json::from_slice(&raw.body).map_err(|e| GitLabError::Decode {
            method: "GET".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let next = raw.link.as_deref().and_then(crate::sys::github::next_link);
        Ok((body, next))
    }

    /// The last part (at most 256 KiB, reading at most 32 MiB) of a job's trace
    /// (`GET /projects/:id/jobs/:job_id/trace`).
    pub fn job_trace_tail(&self, project: &str, job_id: u64) -> Result<Vec<u8>, GitLabError> {
        let url = self.url(&format!("{}/jobs/{job_id}/trace", project_path(project)))?;
        let raw = self.exchange("GET", &url, None, false, true)?;
        if !(200..300).contains(&raw.status) {
            return Err(status_error(
                "GET",
                &url,
                raw.status,
                gitlab_message(&raw.body),
            ));
        }
        Ok(raw.body)
    }

    /// A write (`POST`, `PUT`) with a JSON body. Rate limits are errors; any other status
    /// comes back in the [`Reply`].
    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Result<Reply, GitLabError> {
        let url = self.url(path)?;
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let raw = self.exchange(method, &url, Some(&bytes), false, false)?;
        Ok(Reply {
            status: raw.status,
            body: serde_json::from_slice(&raw.body).unwrap_or(Value::Null),
            message: gitlab_message(&raw.body),
            what: (method.to_owned(), url),
        })
    }

    /// Runs a GraphQL query. HTTP errors and answers without `data` are errors; partial
    /// `data` with `errors` is returned for the caller.
    pub fn graphql(&self, query: &str, variables: Value) -> Result<GraphQlReply, GitLabError> {
        let url = self.api.graphql.clone();
        let payload = serde_json::json!({ "query": query, "variables": variables });
        let bytes = serde_json::to_vec(&payload).unwrap_or_default();
        let raw = self.exchange("POST", &url, Some(&bytes), true, false)?;
        if raw.status != 200 {
            return Err(status_error(
                "POST",
                &url,
                raw.status,
                gitlab_message(&raw.body),
            ));
        }
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            data: Value,
            #[serde(default)]
            errors: Vec<Value>,
        }
        let env: Envelope = serde_json::from_slice(&raw.body).map_err(|e| GitLabError::Decode {
            method: "POST".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let errors: Vec<String> = env
            .errors
            .iter()
            .map(|e| {
                strip_control(
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error"),
                )
            })
            .collect();
        if env.data.is_null() || !env.data.is_object() {
            let message = if errors.is_empty() {
                "no data in the response".to_owned()
            } else {
                truncate_chars(&errors.join("; "), 500)
            };
            return Err(GitLabError::GraphQl { url, message });
        }
        Ok(GraphQlReply {
            data: env.data,
            errors,
        })
    }
}

/// What `ao doctor` learns from one authenticated call (`GET /user`).
#[derive(Debug, Clone)]
pub struct Probe {
    /// The token's user.
    pub username: String,
    /// Rate-limit figures of that response, when GitLab sends them.
    pub rate: Option<RateInfo>,
}

impl Client {
    /// One authenticated call (`GET /user`): proves the token works and shows the
    /// rate-limit headroom.
    pub fn probe(&self) -> Result<Probe, GitLabError> {
        let (v, _) = self.get_json("/user")?;
        Ok(Probe {
            username: strip_control(v.get("username").and_then(Value::as_str).unwrap_or("?")),
            rate: self.last_rate(),
        })
    }
}

/// GitLab's `message` (string, list or object of field errors) or `error`, or the start
/// of a non-JSON body; control characters stripped, at most 300 characters.
pub fn gitlab_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => match v.get("message").or_else(|| v.get("error")) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => v.to_string(),
        },
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

fn status_error(method: &str, url: &str, status: u16, message: String) -> GitLabError {
    let (method, url) = (method.to_owned(), url.to_owned());
    match status {
        401 | 403 => GitLabError::Auth {
            method,
            url,
            status,
            message,
        },
        404 | 410 => GitLabError::NotFound {
            method,
            url,
            status,
            message,
        },
        _ => GitLabError::Http {
            method,
            url,
            status,
            message,
        },
    }
}

/// Removes GitLab token-looking strings (`glpat-…`, `gloas-…`, `glrt-…`, `glcbt-…`,
/// `glptt-…`, `gldt-…`) and GitHub ones from text that may be forwarded (job traces).
pub fn redact_tokens(s: &str) -> String {
    const PREFIXES: [&str; 6] = ["glpat-", "gloas-", "glrt-", "glcbt-", "glptt-", "gldt-"];
    let s = crate::sys::github::redact_tokens(s);
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    'outer: while !rest.is_empty() {
        for p in PREFIXES {
            if rest.starts_with(p) {
                let n = rest[p.len()..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                    .count();
                if n >= 16 {
                    out.push_str("[redacted token]");
                    rest = &rest[p.len() + n..];
                    continue 'outer;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_for_gitlab_com_and_self_managed() {
        let a = Api::new(None).unwrap();
        assert_eq!(a.rest, "https://gitlab.com/api/v4");
        assert_eq!(a.graphql, "https://gitlab.com/api/graphql");
        let s = Api::new(Some("https://git.corp.example/gitlab/api/v4/")).unwrap();
        assert_eq!(s.web, "https://git.corp.example/gitlab");
        assert_eq!(s.graphql, "https://git.corp.example/gitlab/api/graphql");
        assert_eq!(s.host, "git.corp.example");
        let l = Api::new(Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(l.rest, "http://127.0.0.1:8080/api/v4");
        assert!(Api::new(Some("http://gitlab.example.com")).is_err());
        assert!(Api::new(Some("https://u:glpat-x@gitlab.example.com")).is_err());
        assert!(Api::new(Some("gitlab.com")).is_err());
    }

    #[test]
    fn project_paths() {
        assert_eq!(parse_project("grp/sub/app").as_deref(), Some("grp/sub/app"));
        assert_eq!(parse_project("app"), None);
        assert_eq!(parse_project("g/../x"), None);
        assert_eq!(parse_project("g/a b"), None);
        assert_eq!(project_path("grp/sub/app"), "/projects/grp%2Fsub%2Fapp");
    }

    #[test]
    fn token_is_redacted() {
        let t = Token::new("glpat-secretsecretsecret");
        assert!(!format!("{t:?}").contains("secret"));
        let r = redact_tokens("export T=glpat-AbCdEf0123456789xyz done");
        assert_eq!(r, "export T=[redacted token] done");
    }

    #[test]
    fn messages() {
        assert_eq!(
            gitlab_message(br#"{"message":"404 Project Not Found"}"#),
            "404 Project Not Found"
        );
        assert_eq!(
            gitlab_message(br#"{"error":"insufficient_scope"}"#),
            "insufficient_scope"
        );
        assert_eq!(
            gitlab_message(br#"{"message":{"title":["can't be blank"]}}"#),
            r#"{"title":["can't be blank"]}"#
        );
        assert_eq!(gitlab_message(b""), "(empty body)");
    }
}
