//! GitHub API client: REST and GraphQL over the shared ureq agent (`sys::http::agent`),
//! with the three things that keep ao far inside GitHub's rate limits at 100+ sessions:
//!
//! * **Conditional REST reads.** Every GET stores its `ETag` and body under
//!   `<dataDir>/cache/github/etag/` and sends `If-None-Match` next time; a 304 (free when
//!   authorised) reuses the stored body. The cache key covers host, URL, `Accept` and a
//!   fingerprint of the token, because GitHub answers `Vary: Accept, Authorization`.
//! * **A persisted backoff.** A 403/429 rate-limit answer (primary or secondary) or a
//!   GraphQL `RATE_LIMITED` error writes a deadline to `<dataDir>/cache/github/backoff.json`
//!   (per API host). Until then every call fails fast with [`GitHubError::RateLimited`]
//!   without touching the network, in this process and in later ticks. `retry-after` wins;
//!   then `x-ratelimit-reset` when `x-ratelimit-remaining` is 0; otherwise (secondary limits)
//!   60 s doubling per repeated strike, capped at an hour. ao also backs off on its own
//!   when a response shows the budget nearly spent, leaving headroom for the human.
//! * **Errors that say what happened**: method, URL (never the token; signed log URLs are
//!   redacted), status and GitHub's own `message`.
//!
//! The token comes from `GH_TOKEN`, then `GITHUB_TOKEN` (then `GH_ENTERPRISE_TOKEN` /
//! `GITHUB_ENTERPRISE_TOKEN` for other hosts), then `gh auth token` as a fallback. It is
//! only ever sent in the `Authorization` header, and only to the configured API host over
//! HTTPS (plain HTTP is accepted for loopback hosts, which tests use).
//!
//! Cache files are written atomically (`sys::atomic`) in 0700 directories. In read-only
//! mode (`ScmContext::dry_run`) the ETag cache is not written; the backoff always is,
//! because ignoring a rate limit risks the integration being banned.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sys::atomic;
use crate::sys::cmd::{Cmd, CmdError};
use crate::sys::http::{self, ApiError, Limited, RateHeaders, Request, Response, Vendor};
use crate::sys::text::{strip_control, truncate_chars};

/// The public GitHub REST base URL.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Media type ao asks for on every API call.
const ACCEPT: &str = "application/vnd.github+json";
/// REST API version ao is written against.
const API_VERSION: &str = "2022-11-28";
/// Largest API response body ao reads (the GraphQL answer for 50 PRs is well below).
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// How much of the end of a job log is kept while streaming it.
const LOG_TAIL_BYTES: usize = 256 * 1024;
/// Stop reading a job log after this many bytes (a 50 MB log is not read to the end).
const LOG_MAX_READ: u64 = 32 * 1024 * 1024;
/// Format version of the ETag cache files under `cache/github/`.
const CACHE_VERSION: u32 = 1;

/// GitHub in the shared HTTP layer's messages and policy.
pub const VENDOR: Vendor = Vendor {
    name: "GitHub",
    auth_hint: "check the token's access to this repository",
    token_hint: "set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`",
    graphql_transient: false,
    early_floor: 20,
};

/// GitHub's budget headers (`x-ratelimit-*`, reset in epoch seconds, per resource).
const RATE_HEADERS: RateHeaders = RateHeaders {
    limit: "x-ratelimit-limit",
    remaining: "x-ratelimit-remaining",
    reset: "x-ratelimit-reset",
    reset_millis: false,
    resource: Some(("x-ratelimit-resource", "core")),
};

/// A failed GitHub call (the shared [`ApiError`], naming GitHub). Callers branch on the
/// variant: `RateLimited` means "skip GitHub work until `until`", `NotFound` means the
/// thing is gone, `is_transient` errors are retried on a later tick.
pub type GitHubError = ApiError;

/// Rate-limit figures from the last response (`x-ratelimit-*` headers).
pub type RateInfo = http::RateInfo;

/// A persisted backoff for one API host.
pub type BackoffEntry = http::BackoffEntry;

/// The REST and GraphQL endpoints of one GitHub (github.com or an Enterprise Server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// REST base URL without a trailing slash (`https://api.github.com`,
    /// `https://ghe.example.com/api/v3`).
    pub rest: String,
    /// GraphQL endpoint (`<rest>/graphql`, or `…/api/graphql` for `…/api/v3`).
    pub graphql: String,
    /// `host[:port]` of the API, used to key the backoff and the cache.
    pub host: String,
}

impl Api {
    /// Endpoints for a configured `apiUrl` (`None`: github.com). The REST base must be
    /// `https://`, or `http://` on a loopback host; user info in the URL is refused.
    pub fn new(api_url: Option<&str>) -> Result<Self, GitHubError> {
        let raw = api_url.unwrap_or(DEFAULT_API_URL).trim();
        let (rest, host) =
            http::check_base_url(raw, "user info in the URL is not allowed; use GH_TOKEN")
                .map_err(|why| GitHubError::BadUrl {
                    vendor: &VENDOR,
                    url: http::redact_url(raw),
                    why,
                })?;
        let graphql = match rest.strip_suffix("/api/v3") {
            Some(base) => format!("{base}/api/graphql"),
            None => format!("{rest}/graphql"),
        };
        Ok(Self {
            host,
            rest,
            graphql,
        })
    }

    /// Host name for `gh auth token --hostname` (`github.com` for `api.github.com`).
    pub fn gh_hostname(&self) -> String {
        let h = http::host_without_port(&self.host);
        h.strip_prefix("api.").unwrap_or(h).to_owned()
    }

    fn is_github_com(&self) -> bool {
        self.host == "api.github.com"
    }
}

/// A GitHub token (the shared redacted [`http::Secret`]).
pub type Token = http::Secret;

/// A short, non-reversible fingerprint of `token` that keys the cache (GitHub varies
/// responses by `Authorization`).
fn fingerprint(token: &Token) -> String {
    format!("{:016x}", fnv1a(token.expose().as_bytes()))
}

/// Finds a token for `api`: `GH_TOKEN`, `GITHUB_TOKEN`, then (for hosts other than
/// github.com) `GH_ENTERPRISE_TOKEN`, `GITHUB_ENTERPRISE_TOKEN`, then `gh auth token`.
pub fn find_token(api: &Api) -> Result<Token, GitHubError> {
    let mut vars = vec!["GH_TOKEN", "GITHUB_TOKEN"];
    if !api.is_github_com() {
        vars.extend(["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]);
    }
    for v in vars {
        if let Ok(t) = std::env::var(v)
            && !t.trim().is_empty()
        {
            return Ok(Token::new(t));
        }
    }
    let out = Cmd::new("gh")
        .args(["auth", "token", "--hostname", &api.gh_hostname()])
        .read();
    match out {
        Ok(s) if !s.trim().is_empty() => Ok(Token::new(s)),
        Ok(_) | Err(CmdError::NotFound { .. } | CmdError::Failed { .. }) => {
            Err(GitHubError::NoToken {
                vendor: &VENDOR,
                host: api.host.clone(),
            })
        }
        Err(e) => Err(GitHubError::Transport {
            method: "gh".into(),
            url: "auth token".into(),
            message: e.to_string(),
        }),
    }
}

/// A REST read, possibly served from the ETag cache.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The JSON body (fresh, or the cached one on a 304).
    pub body: Value,
    /// True when GitHub answered 304 and the cached body was reused.
    pub not_modified: bool,
    /// The `rel="next"` page, when the response was paginated.
    pub next: Option<String>,
}

/// The answer to a write (POST/PUT/PATCH): any status except rate limits, which are
/// errors.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Status code.
    pub status: u16,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// GitHub's `message`, or the start of the body.
    pub message: String,
}

impl Reply {
    /// The body on 2xx, else the matching error.
    pub fn into_result(self) -> Result<Value, GitHubError> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(ApiError::from_status(
                &VENDOR,
                &self.method,
                &self.url,
                self.status,
                self.message,
            ))
        }
    }
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GraphQlErrorItem {
    /// `type` (`NOT_FOUND`, `RATE_LIMITED`, …), when given.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Path of the failing field, as strings (aliases and indices).
    #[serde(default, deserialize_with = "path_strings")]
    pub path: Vec<String>,
}

fn path_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .map(|p| match p {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect())
}

/// A GraphQL answer: `data` (possibly partial) plus `errors`.
#[derive(Debug, Clone)]
pub struct GraphQlReply {
    /// The `data` object (`Null` when absent).
    pub data: Value,
    /// The `errors` array.
    pub errors: Vec<GraphQlErrorItem>,
}

/// Deletes cache files (ETag entries, log excerpts, review snapshots) not modified for
/// `max_age`, at most once a day (a marker file remembers the last run). Errors are
/// ignored: the cache is only an optimisation.
pub fn prune_cache(data_dir: &Path, max_age: std::time::Duration) {
    let root = cache_dir(data_dir);
    let marker = root.join(".pruned");
    let day = std::time::Duration::from_secs(24 * 3600);
    let fresh = std::fs::metadata(&marker)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < day);
    if fresh || !root.is_dir() {
        return;
    }
    for sub in ["etag", "logs", "reviews"] {
        let Ok(rd) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > max_age);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let _ = atomic::write(&marker, b"");
}

/// `<dataDir>/cache/github`.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    http::cache_dir(data_dir, VENDOR.name)
}

/// The latest GitHub backoff deadline still in force at `now`, for `ao status` ("GitHub
/// backoff until …"). Reads one small file; never calls GitHub.
pub fn backoff_until(data_dir: &Path, now: Timestamp) -> Option<Timestamp> {
    backoff_entries(data_dir)
        .into_iter()
        .map(|(_, e)| e.until)
        .filter(|u| *u > now)
        .max()
}

/// The line `ao status` shows while GitHub work is suspended:
/// `GitHub backoff until <time> (<host>: <reason>)`; `None` when no backoff is in force
/// at `now`.
pub fn backoff_notice(data_dir: &Path, now: Timestamp) -> Option<String> {
    http::backoff_notice(data_dir, VENDOR.name, now)
}

/// All persisted backoff entries by API host, including expired ones.
pub fn backoff_entries(data_dir: &Path) -> Vec<(String, BackoffEntry)> {
    http::backoff_entries(data_dir, VENDOR.name)
}

/// The client for one API host. Cheap to create; holds no connection state that must
/// outlive a tick.
#[derive(Debug)]
pub struct Client {
    api: Api,
    token: Token,
    http: http::Client,
    write_cache: bool,
}

impl Client {
    /// A client for `api` authenticated with `token`, caching under `data_dir`.
    pub fn new(api: Api, token: Token, data_dir: &Path) -> Self {
        Self {
            http: http::Client::new(&VENDOR, &api.host, data_dir, RATE_HEADERS, MAX_BODY),
            api,
            token,
            write_cache: true,
        }
    }

    /// Pins the clock used for backoff decisions (the tick's `now`).
    pub fn at(mut self, now: Timestamp) -> Self {
        self.http = self.http.at(now);
        self
    }

    /// Read-only mode: the ETag cache is read but never written (dry runs).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.write_cache = !read_only;
        self
    }

    /// The endpoints this client talks to.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// `<dataDir>/cache/github`, for callers that keep their own derived caches.
    pub fn cache_dir(&self) -> PathBuf {
        self.http.cache_dir()
    }

    /// True unless the client is read-only.
    pub fn writes_cache(&self) -> bool {
        self.write_cache
    }

    /// Rate-limit figures from the most recent response.
    pub fn last_rate(&self) -> Option<RateInfo> {
        self.http.last_rate()
    }

    /// `path` (`/repos/…`) joined to the REST base, or an absolute URL that must lie
    /// under the REST base (pagination links), so the token never leaves the API host.
    pub fn url(&self, path: &str) -> Result<String, GitHubError> {
        self.http.join(&self.api.rest, path)
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), GitHubError> {
        self.http.check_backoff()
    }

    /// One request with GitHub's headers under the shared rate-limit policy, with
    /// GitHub's reading of rate-limit answers ([`rate_limited`]).
    fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        etag: Option<&str>,
    ) -> Result<Response, GitHubError> {
        let mut req = Request::new(method, url)
            .header("Accept", ACCEPT)
            .header("Authorization", format!("Bearer {}", self.token.expose()))
            .header("X-GitHub-Api-Version", API_VERSION);
        if let Some(tag) = etag {
            req = req.header("If-None-Match", tag);
        }
        if method != "GET" {
            req = req.body(body.unwrap_or(b"{}"));
        }
        self.http
            .exchange(&req, |resp, now| rate_limited(method, url, resp, now))
    }

    /// Takes note of a GraphQL `rateLimit { remaining limit resetAt }` object from a
    /// query's data (same policy as the headers: remembered, and an early backoff when
    /// the budget is nearly spent).
    pub fn note_graphql_rate(&self, rate_limit: &Value) {
        let num = |k: &str| rate_limit.get(k).and_then(Value::as_u64);
        let (Some(limit), Some(remaining)) = (num("limit"), num("remaining")) else {
            return;
        };
        self.http.note_rate(&RateInfo {
            limit,
            remaining,
            reset: rate_limit
                .get("resetAt")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Timestamp>().ok()),
            resource: "graphql".into(),
        });
    }

    fn etag_path(&self, url: &str) -> PathBuf {
        let key = format!(
            "{}\n{url}\n{ACCEPT}\n{}",
            self.api.host,
            fingerprint(&self.token)
        );
        self.cache_dir()
            .join("etag")
            .join(format!("{:016x}.json", fnv1a(key.as_bytes())))
    }

    fn read_etag_entry(&self, url: &str) -> Option<EtagEntry> {
        let bytes = std::fs::read(self.etag_path(url)).ok()?;
        let e: EtagEntry = serde_json::from_slice(&bytes).ok()?;
        (e.version == CACHE_VERSION && e.url == url).then_some(e)
    }

    /// Conditional GET of a JSON resource (`path` as for [`Client::url`]). A 304 reuses
    /// the cached body; a 200 with an `ETag` refreshes the cache. A 304 without a usable
    /// cached copy is retried once unconditionally.
    pub fn get_json(&self, path: &str) -> Result<Fetched, GitHubError> {
        let url = self.url(path)?;
        let cached = self.read_etag_entry(&url);
        let raw = self.exchange("GET", &url, None, cached.as_ref().map(|c| c.etag.as_str()))?;
        if raw.status == 304 {
            if let Some(c) = cached
                && let Ok(body) = serde_json::from_str::<Value>(&c.body)
            {
                return Ok(Fetched {
                    body,
                    not_modified: true,
                    next: c.link.as_deref().and_then(next_link),
                });
            }
            let again = self.exchange("GET", &url, None, None)?;
            if again.status == 304 {
                return Err(GitHubError::NotModified {
                    method: "GET".into(),
                    url,
                });
            }
            return self.fresh(&url, &again);
        }
        self.fresh(&url, &raw)
    }

    fn fresh(&self, url: &str, raw: &Response) -> Result<Fetched, GitHubError> {
        if !(200..300).contains(&raw.status) {
            return Err(status_error("GET", url, raw));
        }
        let body: Value = serde_json::from_slice(&raw.body).map_err(|e| GitHubError::Decode {
            method: "GET".into(),
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        let link = raw.header("link");
        if self.write_cache
            && let Some(etag) = raw.header("etag")
        {
            let entry = EtagEntry {
                version: CACHE_VERSION,
                url: url.to_owned(),
                etag,
                link: link.clone(),
                body: String::from_utf8_lossy(&raw.body).into_owned(),
            };
            // A cache write failure costs a full fetch next time, nothing more.
            let _ = self.http.write_json(&self.etag_path(url), &entry);
        }
        Ok(Fetched {
            body,
            not_modified: false,
            next: link.as_deref().and_then(next_link),
        })
    }

    /// A write (`POST`, `PUT`, `PATCH`) with a JSON body. Rate limits are errors; any
    /// other status comes back in the [`Reply`] for the caller to interpret.
    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Result<Reply, GitHubError> {
        let url = self.url(path)?;
        let bytes = serde_json::to_vec(body).map_err(|e| GitHubError::Decode {
            method: method.to_owned(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let raw = self.exchange(method, &url, Some(&bytes), None)?;
        Ok(Reply {
            method: method.to_owned(),
            status: raw.status,
            body: serde_json::from_slice(&raw.body).unwrap_or(Value::Null),
            message: github_message(&raw.body),
            url,
        })
    }

    /// Runs a GraphQL query. HTTP errors and answers without `data` are errors; a
    /// `RATE_LIMITED` error (GitHub sends it with status 200) starts a backoff. Partial
    /// `data` with per-field `errors` is returned for the caller to sort out.
    pub fn graphql(&self, query: &str, variables: Value) -> Result<GraphQlReply, GitHubError> {
        let url = self.api.graphql.clone();
        let payload = serde_json::json!({ "query": query, "variables": variables });
        let bytes = serde_json::to_vec(&payload).map_err(|e| GitHubError::Decode {
            method: "POST".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let raw = self.exchange("POST", &url, Some(&bytes), None)?;
        if raw.status != 200 {
            return Err(status_error("POST", &url, &raw));
        }
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            data: Value,
            #[serde(default)]
            errors: Vec<GraphQlErrorItem>,
        }
        let env: Envelope = serde_json::from_slice(&raw.body).map_err(|e| GitHubError::Decode {
            method: "POST".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let limited = env.errors.iter().find(|e| {
            e.kind
                .as_deref()
                .is_some_and(|k| k.starts_with("RATE_LIMIT"))
                || e.message.to_ascii_lowercase().contains("rate limit")
        });
        if let Some(e) = limited {
            let now = self.http.now();
            let reason = format!("POST {url}: {}", e.message);
            let until = match (&raw.retry_after, &raw.rate) {
                (Some(secs), _) => Some(now + SignedDuration::from_secs((*secs).max(1))),
                (None, Some(RateInfo { reset: Some(r), .. })) if *r > now => Some(*r),
                _ => None,
            };
            return Err(self.http.back_off(until, false, reason));
        }
        if env.data.is_null() {
            let message = if env.errors.is_empty() {
                "no data in the response".to_owned()
            } else {
                join_errors(&env.errors)
            };
            return Err(GitHubError::GraphQl {
                vendor: &VENDOR,
                url,
                message,
            });
        }
        Ok(GraphQlReply {
            data: env.data,
            errors: env.errors,
        })
    }

    /// The last part of an Actions job's log (`GET …/actions/jobs/{id}/logs`). GitHub
    /// answers with a redirect to a short-lived signed URL; ao follows that one redirect
    /// by hand and **without** the `Authorization` header, and streams the log keeping
    /// at most the last 256 KiB (reading at most 32 MiB).
    pub fn job_log_tail(
        &self,
        owner: &str,
        name: &str,
        job_id: u64,
    ) -> Result<Vec<u8>, GitHubError> {
        let url = format!(
            "{}/repos/{owner}/{name}/actions/jobs/{job_id}/logs",
            self.api.rest
        );
        let raw = self.exchange("GET", &url, None, None)?;
        match raw.status {
            200 => return Ok(tail_of(&raw.body)),
            301 | 302 | 303 | 307 | 308 => {}
            _ => return Err(status_error("GET", &url, &raw)),
        }
        let location = raw.header("location").ok_or_else(|| GitHubError::Http {
            method: "GET".into(),
            url: url.clone(),
            status: raw.status,
            message: "redirect without a Location header".into(),
        })?;
        let shown = http::redact_url(&location);
        let scheme_ok = location.starts_with("https://")
            || (location.starts_with("http://")
                && location
                    .strip_prefix("http://")
                    .and_then(|r| r.split(['/', '?']).next())
                    .is_some_and(|a| http::is_loopback(http::host_without_port(a))));
        if !scheme_ok {
            return Err(GitHubError::BadUrl {
                vendor: &VENDOR,
                url: shown,
                why: "job log redirect is not https",
            });
        }
        // Deliberately no Authorization header: the signed URL is the credential, and
        // the log host is not the API host. Errors show the redacted URL.
        let mut req = Request::new("GET", &location);
        req.tail = Some((LOG_MAX_READ, LOG_TAIL_BYTES));
        let shown_err = |e: GitHubError| match e {
            GitHubError::Transport { message, .. } => GitHubError::Transport {
                method: "GET".into(),
                url: shown.clone(),
                message,
            },
            e => e,
        };
        let resp = http::send(self.http.agent(), &req, None, MAX_BODY).map_err(shown_err)?;
        if !(200..300).contains(&resp.status) {
            return Err(status_error("GET", &shown, &resp));
        }
        Ok(resp.body)
    }
}

/// GitHub's reading of a response: a 403/429 with `retry-after` (secondary limits when
/// the message says so, doubling), with `x-ratelimit-remaining: 0` (until the reset), or
/// whose message speaks of a rate limit or abuse (secondary, doubling) is a rate-limit
/// answer; any other 403 is about permissions.
fn rate_limited(method: &str, url: &str, raw: &Response, now: Timestamp) -> Option<Limited> {
    if raw.status != 403 && raw.status != 429 {
        return None;
    }
    let message = github_message(&raw.body);
    let lower = message.to_ascii_lowercase();
    let reason = format!("{method} {url} returned {}: {message}", raw.status);
    if let Some(secs) = raw.retry_after {
        return Some(Limited {
            until: Some(now + SignedDuration::from_secs(secs.max(1))),
            doubling: lower.contains("secondary"),
            reason,
        });
    }
    if raw.rate.as_ref().map(|r| r.remaining) == Some(0) {
        let reset = raw.rate.as_ref().and_then(|r| r.reset);
        return Some(Limited {
            until: reset.filter(|r| *r > now),
            doubling: false,
            reason,
        });
    }
    if raw.status == 429 || lower.contains("rate limit") || lower.contains("abuse") {
        return Some(Limited {
            until: None,
            doubling: true,
            reason,
        });
    }
    None
}

#[derive(Debug, Serialize, Deserialize)]
struct EtagEntry {
    version: u32,
    url: String,
    etag: String,
    #[serde(default)]
    link: Option<String>,
    body: String,
}

fn tail_of(b: &[u8]) -> Vec<u8> {
    b[b.len().saturating_sub(LOG_TAIL_BYTES)..].to_vec()
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// GitHub's `message` (plus the first validation error) from an error body, or the
/// start of a non-JSON body; control characters stripped, at most 300 characters.
pub fn github_message(body: &[u8]) -> String {
    http::error_message(body, |v| {
        let mut m = v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(first) = v.get("errors").and_then(|e| e.get(0)) {
            let detail = first
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| first.get("code").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| first.to_string());
            m = format!("{m} ({detail})");
        }
        if m.is_empty() { v.to_string() } else { m }
    })
}

fn join_errors(errors: &[GraphQlErrorItem]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .take(5)
        .map(|e| strip_control(&e.message))
        .collect();
    truncate_chars(&parts.join("; "), 500)
}

/// The error for a non-success status that is not a rate limit.
fn status_error(method: &str, url: &str, raw: &Response) -> GitHubError {
    ApiError::from_status(&VENDOR, method, url, raw.status, github_message(&raw.body))
}

/// 64-bit FNV-1a: a stable, dependency-free hash for cache file names (the entry stores
/// its full URL, so a collision is detected and treated as a miss).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters pass).
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits and validates `owner/name` (GitHub's allowed characters only, so both parts
/// can go into a URL path and a GraphQL variable as they are).
pub fn parse_repo(repo: &str) -> Option<(String, String)> {
    let (owner, name) = repo.trim().split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    (ok(owner) && ok(name)).then(|| (owner.to_owned(), name.to_owned()))
}

pub use super::text::redact_tokens;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_for_github_and_enterprise() {
        let a = Api::new(None).unwrap();
        assert_eq!(a.rest, "https://api.github.com");
        assert_eq!(a.graphql, "https://api.github.com/graphql");
        assert_eq!(a.gh_hostname(), "github.com");
        let e = Api::new(Some("https://ghe.example.com/api/v3/")).unwrap();
        assert_eq!(e.rest, "https://ghe.example.com/api/v3");
        assert_eq!(e.graphql, "https://ghe.example.com/api/graphql");
        assert_eq!(e.gh_hostname(), "ghe.example.com");
        let l = Api::new(Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(l.graphql, "http://127.0.0.1:8080/graphql");
        assert_eq!(l.host, "127.0.0.1:8080");
    }

    #[test]
    fn refuses_unsafe_api_urls() {
        assert!(Api::new(Some("http://api.example.com")).is_err());
        assert!(Api::new(Some("https://user:tok@api.example.com")).is_err());
        assert!(Api::new(Some("ftp://x")).is_err());
        assert!(Api::new(Some("api.github.com")).is_err());
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Token::new("ghp_secretsecretsecretsecret");
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn parses_link_header() {
        let l = "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(l).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
    }

    #[test]
    fn messages_from_error_bodies() {
        assert_eq!(
            github_message(br#"{"message":"Not Found","documentation_url":"https://docs"}"#),
            "Not Found"
        );
        assert_eq!(
            github_message(br#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"missing_field"}]}"#),
            "Validation Failed (missing_field)"
        );
        assert_eq!(
            github_message(b"<html><body>502 Bad Gateway\n</body></html>"),
            "<html><body>502 Bad Gateway </body></html>"
        );
        assert_eq!(github_message(b""), "(empty body)");
    }

    #[test]
    fn repo_names_are_validated() {
        assert_eq!(
            parse_repo("octo-org/hello.world"),
            Some(("octo-org".into(), "hello.world".into()))
        );
        assert_eq!(parse_repo("a/b/c"), None);
        assert_eq!(parse_repo("../x"), None);
        assert_eq!(parse_repo("a b/c"), None);
        assert_eq!(parse_repo("noslash"), None);
    }

    #[test]
    fn query_encoding() {
        assert_eq!(
            encode_query("good first issue,bug"),
            "good%20first%20issue%2Cbug"
        );
        assert_eq!(encode_query("a-b_c.d~"), "a-b_c.d~");
    }

    #[test]
    fn tokens_are_redacted() {
        let s = "token=ghp_0123456789abcdefghijABCDEFGHIJ and github_pat_11AAAA0000000000000000_xyz end";
        let r = redact_tokens(s);
        assert!(!r.contains("ghp_0123"), "{r}");
        assert!(!r.contains("github_pat_11"), "{r}");
        assert!(r.contains("token=[REDACTED] and [REDACTED] end"), "{r}");
        assert_eq!(redact_tokens("ghp_short"), "ghp_short");
        assert_eq!(redact_tokens("naïve text"), "naïve text");
    }

    #[test]
    fn backoff_until_ignores_missing_or_garbage_files() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(backoff_until(d.path(), Timestamp::now()), None);
        std::fs::create_dir_all(cache_dir(d.path())).unwrap();
        std::fs::write(http::backoff_path(d.path(), "GitHub"), b"{not json").unwrap();
        assert_eq!(backoff_until(d.path(), Timestamp::now()), None);
    }
}
