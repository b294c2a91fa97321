//! HTTP plumbing shared by the `slack`, `discord`, `webhook` and `ntfy` sinks: the URL
//! policy, one POST with bounded in-call retries on 429/5xx, the reachability check, and
//! the chat webhook poster of `slack` and `discord` ([`ChatWebhook`]).
//!
//! URL policy (checklist §4.6): `https` only; plain `http` only to a loopback host (a local
//! relay, and the tests); never a link-local address (cloud metadata at 169.254.169.254);
//! redirects are not followed (`sys::http::agent`). Error texts show the scheme and host
//! only (`sys::http::redact_url`) and are scrubbed of every secret.

use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Secret, resolve_secret, scrub};
use crate::config::NotifierConfig;
use crate::plugins::PluginError;
use crate::sys::http::{self as syshttp, redact_url};

/// A checked endpoint URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The URL (a secret when it carries a token).
    pub url: Secret,
    /// Host name or address literal (without brackets).
    pub host: String,
    /// Port (default for the scheme when absent).
    pub port: u16,
}

impl Endpoint {
    /// Checks `url` against the policy. `what` names it in errors (e.g. "notifier `team`:
    /// `webhook`").
    pub fn parse(url: Secret, what: &str) -> Result<Self, PluginError> {
        let shown = redact_url(url.expose());
        let uri: ureq::http::Uri = url
            .expose()
            .parse()
            .map_err(|_| PluginError::NotFound(format!("{what} is not a valid URL ({shown})")))?;
        let scheme = uri.scheme_str().unwrap_or("");
        let host = uri
            .host()
            .ok_or_else(|| PluginError::NotFound(format!("{what} has no host ({shown})")))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = match (uri.port_u16(), scheme) {
            (Some(p), _) => p,
            (None, "https") => 443,
            (None, "http") => 80,
            _ => 0,
        };
        match scheme {
            "https" => {}
            "http" if is_loopback_host(&host) => {}
            "http" => {
                return Err(PluginError::Refused(format!(
                    "{what} uses plain http ({shown}); use https (plain http is allowed only to localhost)"
                )));
            }
            _ => {
                return Err(PluginError::NotFound(format!(
                    "{what} must be an https URL ({shown})"
                )));
            }
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && is_link_local(ip)
        {
            return Err(PluginError::Refused(format!(
                "{what} points at a link-local address ({shown}), which is refused"
            )));
        }
        Ok(Self { url, host, port })
    }

    /// `scheme://host/…`, safe to show.
    pub fn shown(&self) -> String {
        redact_url(self.url.expose())
    }

    /// Resolves the host and opens (then closes) a TCP connection, without sending
    /// anything. Refuses a name that resolves to a link-local address.
    pub fn check_reachable(&self, timeout: Duration) -> Result<String, PluginError> {
        let shown = self.shown();
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| PluginError::Unavailable(format!("cannot resolve {shown}: {e}")))?
            .collect();
        if addrs.iter().any(|a| is_link_local(a.ip())) {
            return Err(PluginError::Refused(format!(
                "{shown} resolves to a link-local address, which is refused"
            )));
        }
        let mut last = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(_) => return Ok(format!("{}:{} reachable", self.host, self.port)),
                Err(e) => last = Some(e),
            }
        }
        Err(PluginError::Unavailable(match last {
            Some(e) => format!("cannot connect to {}:{}: {e}", self.host, self.port),
            None => format!("{shown} resolves to no address"),
        }))
    }
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ipv4_mapped(ip).is_some_and(|v4| v4.is_loopback()))
}

fn ipv4_mapped(ip: IpAddr) -> Option<std::net::Ipv4Addr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        IpAddr::V4(_) => None,
    }
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_link_local())
        }
    }
}

/// A chat webhook (`slack`, `discord`): the URL is the secret (`webhook:`, `url:` or
/// `secretFile:`), the body is the sink's JSON payload, no extra headers.
#[derive(Debug)]
pub struct ChatWebhook {
    endpoint: Endpoint,
    retry: Retry,
}

impl ChatWebhook {
    /// From `notifiers.<name>` of plugin `plugin`; `what` names the URL in the error that
    /// says how to configure a missing one (e.g. "incoming-webhook URL").
    pub fn new(
        name: &str,
        cfg: &NotifierConfig,
        plugin: &str,
        what: &str,
    ) -> Result<Self, PluginError> {
        let inline = cfg.webhook.as_deref().or(cfg.url.as_deref());
        let url = resolve_secret(name, "webhook", inline, cfg.secret_file.as_deref())?
            .ok_or_else(|| {
                PluginError::NotFound(format!(
                    "notifier `{name}` (plugin {plugin}) needs the {what}: `webhook: ${{{}_WEBHOOK_URL}}` or `secretFile: ~/.config/ao/{plugin}-webhook` (mode 0600)",
                    plugin.to_uppercase()
                ))
            })?;
        let endpoint = Endpoint::parse(url, &format!("notifier `{name}`: `webhook`"))?;
        Ok(Self {
            endpoint,
            retry: Retry::default(),
        })
    }

    /// Replaces the retry policy (tests).
    #[cfg(test)]
    pub(crate) fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// POSTs `payload` as JSON ([`post`]); error texts never show the URL.
    pub fn post(&self, payload: &serde_json::Value) -> Result<(), PluginError> {
        let body = serde_json::to_vec(payload).map_err(|e| PluginError::Other(e.into()))?;
        post(
            &self.endpoint,
            &body,
            &[],
            self.retry,
            &[&self.endpoint.url],
        )
        .map(|_| ())
    }

    /// Connects to the webhook's host without sending anything (`ao doctor`).
    pub fn check(&self) -> Result<String, PluginError> {
        let reach = self.endpoint.check_reachable(Duration::from_secs(5))?;
        Ok(format!(
            "webhook {} configured, {reach} (nothing sent)",
            self.endpoint.shown()
        ))
    }
}

/// How many times to try a POST that got 429 or 5xx, and how long to wait in between.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Total attempts (1 = no retry).
    pub attempts: u32,
    /// First backoff; doubled after each attempt.
    pub base: Duration,
    /// Longest wait honoured from `Retry-After`; a longer one ends the call as
    /// `Unavailable` (the tick retries later).
    pub max_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(500),
            max_wait: Duration::from_secs(5),
        }
    }
}

/// POSTs `body` to `endpoint` with `headers`; returns the status. Success is any 2xx. 429 and 5xx are retried
/// within the call per `retry` (honouring Discord's JSON `retry_after`, else `Retry-After`)
/// and end as `Unavailable`; a transport failure is `Unavailable` at once (the tick
/// retries; the receiver may have accepted it). Any other status is a configuration
/// error (`NotFound` for 404/410, else `Other`).
pub fn post(
    endpoint: &Endpoint,
    body: &[u8],
    headers: &[(&str, &str)],
    retry: Retry,
    secrets: &[&Secret],
) -> Result<u16, PluginError> {
    let agent = syshttp::agent(syshttp::TIMEOUT);
    let shown = endpoint.shown();
    let clean = |s: &str| scrub(s, secrets);
    let mut backoff = retry.base;
    let mut attempt = 1;
    loop {
        let mut req = agent
            .post(endpoint.url.expose())
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = match req.send(body) {
            Ok(r) => r,
            Err(e) => {
                return Err(PluginError::Unavailable(clean(&format!(
                    "POST {shown} failed: {e}"
                ))));
            }
        };
        let status = resp.status().as_u16();
        let header_wait = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok(status);
        }
        let snippet = clean(&crate::sys::text::truncate_chars(
            &crate::sys::text::strip_control(text.trim()),
            200,
        ));
        let with_body = |s: String| {
            if snippet.is_empty() {
                s
            } else {
                format!("{s}: {snippet}")
            }
        };
        if status == 429 || (500..600).contains(&status) {
            let json_wait = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("retry_after").and_then(serde_json::Value::as_f64));
            let asked = json_wait
                .or(header_wait)
                .filter(|w| w.is_finite() && *w >= 0.0);
            let wait = asked.map_or(backoff, Duration::from_secs_f64);
            if attempt < retry.attempts && wait <= retry.max_wait {
                std::thread::sleep(wait);
                attempt += 1;
                backoff = backoff.saturating_mul(2);
                continue;
            }
            let after = asked.map_or(String::new(), |w| format!(" (retry after {w}s)"));
            return Err(PluginError::Unavailable(with_body(format!(
                "{shown} answered {status} after {attempt} attempt(s){after}"
            ))));
        }
        let msg = with_body(format!("{shown} answered {status}"));
        return Err(match status {
            300..=399 => PluginError::Other(anyhow::anyhow!(
                "{msg} (a redirect; ao does not follow redirects for notifications, check the URL)"
            )),
            404 | 410 => PluginError::NotFound(format!(
                "{msg} (the webhook or topic is gone or the URL is wrong)"
            )),
            _ => PluginError::Other(anyhow::anyhow!("{msg}")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{Answer, Server};

    fn ep(url: &str) -> Result<Endpoint, PluginError> {
        Endpoint::parse(Secret::new(url), "notifier `t`: `url`")
    }

    #[test]
    fn url_policy() {
        assert!(ep("https://hooks.slack.com/services/x").is_ok());
        assert!(ep("http://127.0.0.1:8080/x").is_ok());
        assert!(ep("http://localhost/x").is_ok());
        assert!(ep("http://[::1]:9/x").is_ok());
        let e = ep("http://example.com/secret-token")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("plain http") && !e.contains("secret-token"),
            "{e}"
        );
        let e = ep("https://169.254.169.254/latest")
            .unwrap_err()
            .to_string();
        assert!(e.contains("link-local"), "{e}");
        let e = ep("https://[fe80::1]/x").unwrap_err().to_string();
        assert!(e.contains("link-local"), "{e}");
        let e = ep("ftp://x/y").unwrap_err().to_string();
        assert!(e.contains("https"), "{e}");
        let e = ep("not a url with /secret").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    fn fast() -> Retry {
        Retry {
            attempts: 3,
            base: Duration::from_millis(5),
            max_wait: Duration::from_secs(2),
        }
    }

    #[test]
    fn retries_5xx_then_succeeds() {
        let srv = Server::start(vec![Answer::status(503), Answer::status(200)]);
        let e = ep(&srv.url("/hook/SECRET")).unwrap();
        let r = post(&e, b"{}", &[], fast(), &[&e.url]).unwrap();
        assert_eq!(r, 200);
        assert_eq!(srv.requests().len(), 2);
    }

    #[test]
    fn honours_retry_after_and_gives_up_when_too_long() {
        let srv = Server::start(vec![
            Answer::status(429).header("Retry-After", "0.05"),
            Answer::status(429).header("Retry-After", "60"),
        ]);
        let e = ep(&srv.url("/hook/SECRET")).unwrap();
        let err = post(&e, b"{}", &[], fast(), &[&e.url]).unwrap_err();
        assert!(matches!(err, PluginError::Unavailable(_)), "{err}");
        let s = err.to_string();
        assert!(s.contains("429") && s.contains("retry after 60s"), "{s}");
        assert!(!s.contains("SECRET"), "{s}");
        assert_eq!(srv.requests().len(), 2);
    }

    #[test]
    fn client_errors_are_not_retried() {
        let srv = Server::start(vec![Answer::status(400).body("invalid_payload")]);
        let e = ep(&srv.url("/hook/SECRET")).unwrap();
        let err = post(&e, b"{}", &[], fast(), &[&e.url]).unwrap_err();
        assert!(matches!(err, PluginError::Other(_)), "{err}");
        assert!(err.to_string().contains("400: invalid_payload"), "{err}");
        assert_eq!(srv.requests().len(), 1);
    }

    #[test]
    fn redirects_are_not_followed() {
        let srv = Server::start(vec![
            Answer::status(301).header("Location", "http://127.0.0.1:1/elsewhere"),
        ]);
        let e = ep(&srv.url("/hook/SECRET")).unwrap();
        let err = post(&e, b"{}", &[], fast(), &[&e.url]).unwrap_err();
        assert!(err.to_string().contains("redirect"), "{err}");
        assert_eq!(srv.requests().len(), 1);
    }

    #[test]
    fn transport_failure_is_unavailable_and_secret_free() {
        // Port 1 on loopback: nothing listens there.
        let e = ep("http://127.0.0.1:1/hook/SECRET").unwrap();
        let err = post(&e, b"{}", &[], fast(), &[&e.url]).unwrap_err();
        assert!(matches!(err, PluginError::Unavailable(_)), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = e.check_reachable(Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, PluginError::Unavailable(_)), "{err}");
    }

    #[test]
    fn check_connects_without_sending() {
        let srv = Server::start(vec![]);
        let e = ep(&srv.url("/hook/SECRET")).unwrap();
        let ok = e.check_reachable(Duration::from_secs(2)).unwrap();
        assert!(ok.contains("reachable"), "{ok}");
        assert!(srv.requests().is_empty());
    }
}
