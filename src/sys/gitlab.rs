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

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::Value;

use crate::sys::github::encode_query;
use crate::sys::http::{self, ApiError, Limited, RateHeaders, Request, Response, Vendor};
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

/// GitLab in the shared HTTP layer's messages and policy. GraphQL errors count as
/// transient: GitLab reports timeouts and internal errors that way.
pub const VENDOR: Vendor = Vendor {
    name: "GitLab",
    auth_hint: "check the token and its `api` scope for this project",
    token_hint: "set `token: ${GITLAB_TOKEN}` on the plugin, or export GITLAB_TOKEN",
    graphql_transient: true,
    early_floor: 20,
};

/// GitLab's budget headers (`RateLimit-*`, reset in epoch seconds).
const RATE_HEADERS: RateHeaders = RateHeaders {
    limit: "ratelimit-limit",
    remaining: "ratelimit-remaining",
    reset: "ratelimit-reset",
    reset_millis: false,
    resource: None,
};

/// A failed GitLab call (the shared [`ApiError`], naming GitLab). `RateLimited` means
/// "skip GitLab work until `until`", `NotFound` means the thing is gone, `is_transient`
/// errors are retried on a later tick.
pub type GitLabError = ApiError;

/// Rate-limit figures from the last response (`RateLimit-*` headers).
pub type RateInfo = http::RateInfo;

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
        let trimmed = raw.trim_end_matches('/');
        let web = trimmed.strip_suffix("/api/v4").unwrap_or(trimmed);
        let (web, host) =
            http::check_base_url(web, "user info in the URL is not allowed; use `token:`")
                .map_err(|why| GitLabError::BadUrl {
                    vendor: &VENDOR,
                    url: http::redact_url(raw),
                    why,
                })?;
        Ok(Self {
            host,
            rest: format!("{web}/api/v4"),
            graphql: format!("{web}/api/graphql"),
            web,
        })
    }
}

/// A GitLab token (the shared redacted [`http::Secret`]).
pub type Token = http::Secret;

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
            vendor: &VENDOR,
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

/// `<dataDir>/cache/gitlab`.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    http::cache_dir(data_dir, VENDOR.name)
}

/// The line `ao status` shows while GitLab work is suspended; `None` when no backoff is
/// in force at `now`. Reads one small file; never calls GitLab.
pub fn backoff_notice(data_dir: &Path, now: jiff::Timestamp) -> Option<String> {
    http::backoff_notice(data_dir, VENDOR.name, now)
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
            Err(ApiError::from_status(
                &VENDOR,
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
    http: http::Client,
}

impl Client {
    /// A client for `api` authenticated with `token`; backoff under `data_dir`.
    pub fn new(api: Api, token: Token, data_dir: &Path) -> Self {
        Self {
            http: http::Client::new(&VENDOR, &api.host, data_dir, RATE_HEADERS, MAX_BODY),
            api,
            token,
        }
    }

    /// Pins the clock used for backoff decisions (the tick's `now`).
    pub fn at(mut self, now: Timestamp) -> Self {
        self.http = self.http.at(now);
        self
    }

    /// The endpoints.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// `<dataDir>/cache/gitlab`.
    pub fn cache_dir(&self) -> PathBuf {
        self.http.cache_dir()
    }

    /// Rate-limit figures from the most recent response.
    pub fn last_rate(&self) -> Option<RateInfo> {
        self.http.last_rate()
    }

    /// Fails fast while a backoff for this host is in force.
    pub fn check_backoff(&self) -> Result<(), GitLabError> {
        self.http.check_backoff()
    }

    /// One request under the shared rate-limit policy. REST calls send the token as
    /// `PRIVATE-TOKEN`, GraphQL as `Authorization: Bearer`; `tail` streams a 2xx body
    /// keeping its end (job traces). A 429 is GitLab's rate-limit answer: back off until
    /// `Retry-After`, else `RateLimit-Reset`, else 60 s.
    fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        graphql: bool,
        tail: bool,
    ) -> Result<Response, GitLabError> {
        let token = self.token.expose();
        let mut req = Request::new(method, url).header("Accept", "application/json");
        req = if graphql {
            req.header("Authorization", format!("Bearer {token}"))
        } else {
            req.header("PRIVATE-TOKEN", token)
        };
        if method != "GET" {
            req = req.body(body.unwrap_or(b"{}"));
        }
        if tail {
            req.tail = Some((TRACE_MAX_READ, TRACE_TAIL_BYTES));
        }
        self.http.exchange(&req, |raw, now| {
            (raw.status == 429).then(|| Limited {
                until: match (raw.retry_after, raw.rate.as_ref().and_then(|r| r.reset)) {
                    (Some(secs), _) => Some(now + SignedDuration::from_secs(secs.max(1))),
                    (None, Some(r)) if r > now => Some(r),
                    _ => None,
                },
                doubling: false,
                reason: format!("{method} {url} returned 429: {}", gitlab_message(&raw.body)),
            })
        })
    }

    /// `path` (`/projects/…`) joined to the REST base, or an absolute URL under it
    /// (pagination links), so the token never leaves the API host.
    fn url(&self, path: &str) -> Result<String, GitLabError> {
        self.http.join(&self.api.rest, path)
    }

    /// A GET under the policy whose non-2xx answer is an error.
    fn get_ok(&self, url: &str, tail: bool) -> Result<Response, GitLabError> {
        let raw = self.exchange("GET", url, None, false, tail)?;
        if !(200..300).contains(&raw.status) {
            return Err(status_error("GET", url, &raw));
        }
        Ok(raw)
    }

    /// GET a JSON resource; returns the body and the `rel="next"` link, if any.
    pub fn get_json(&self, path: &str) -> Result<(Value, Option<String>), GitLabError> {
        let url = self.url(path)?;
        let raw = self.get_ok(&url, false)?;
        let body = serde_json::from_slice(&raw.body).map_err(|e| GitLabError::Decode {
            method: "GET".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let next = raw
            .header("link")
            .as_deref()
            .and_then(crate::sys::github::next_link);
        Ok((body, next))
    }

    /// The last part (at most 256 KiB, reading at most 32 MiB) of a job's trace
    /// (`GET /projects/:id/jobs/:job_id/trace`).
    pub fn job_trace_tail(&self, project: &str, job_id: u64) -> Result<Vec<u8>, GitLabError> {
        let url = self.url(&format!("{}/jobs/{job_id}/trace", project_path(project)))?;
        Ok(self.get_ok(&url, true)?.body)
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
            return Err(status_error("POST", &url, &raw));
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
            return Err(GitLabError::GraphQl {
                vendor: &VENDOR,
                url,
                message,
            });
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
    http::error_message(body, |v| {
        match v.get("message").or_else(|| v.get("error")) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => v.to_string(),
        }
    })
}

/// The error for a non-success status that is not a rate limit.
fn status_error(method: &str, url: &str, raw: &Response) -> GitLabError {
    ApiError::from_status(&VENDOR, method, url, raw.status, gitlab_message(&raw.body))
}

pub use super::text::redact_tokens;

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
        assert_eq!(r, "export T=[REDACTED] done");
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
