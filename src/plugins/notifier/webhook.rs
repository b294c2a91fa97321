//! `webhook` notifier: a JSON POST of the notification to any HTTPS endpoint
//! (`notifiers.<name>.url`, a secret when it carries a token).
//!
//! Body: the [`Notification`] JSON (schema version [`NOTIFICATION_SCHEMA_VERSION`], field
//! `version`), with text fields sanitised like every other sink (escape sequences and
//! control characters stripped, token shapes redacted, non-URL links dropped) and the
//! message capped at 64 Ki characters. Headers:
//! * `X-Ao-Event: <type>`;
//! * `X-Ao-Delivery: <id>` and `Idempotency-Key: <id>`, where `<id>` is derived from the
//!   notification key, so a retried delivery carries the same id and receivers can dedupe;
//! * `X-Ao-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` when `secret` (or
//!   `secretFile`) is set — the same scheme as GitHub's `X-Hub-Signature-256`.
//!
//! Success is any 2xx. 429 and 5xx are retried within the call with exponential backoff
//! (honouring `Retry-After` up to 5 s); other statuses are not retried.

use std::time::Duration;

use super::hmac::{hex, hmac_sha256, sha256};
use super::http::{self, Endpoint, Retry};
use super::{NOTIFICATION_SCHEMA_VERSION, Notification, Notifier, Secret, View, resolve_secret};
use crate::config::NotifierConfig;
use crate::plugins::PluginError;

/// Longest message put in a webhook body, in characters.
const MESSAGE_MAX: usize = 64 * 1024;

/// Posts the notification JSON.
#[derive(Debug)]
pub struct WebhookNotifier {
    endpoint: Endpoint,
    secret: Option<Secret>,
    retry: Retry,
}

impl WebhookNotifier {
    /// From `notifiers.<name>`: `url` (or `webhook`), optional `secret` / `secretFile`
    /// (the HMAC key).
    pub fn new(name: &str, cfg: &NotifierConfig) -> Result<Self, PluginError> {
        let inline = cfg.url.as_deref().or(cfg.webhook.as_deref());
        let url = resolve_secret(name, "url", inline, None)?.ok_or_else(|| {
            PluginError::NotFound(format!(
                "notifier `{name}` (plugin webhook) needs `url: ${{AO_WEBHOOK_URL}}` (an https URL)"
            ))
        })?;
        let endpoint = Endpoint::parse(url, &format!("notifier `{name}`: `url`"))?;
        let secret = resolve_secret(
            name,
            "secret",
            cfg.secret.as_deref(),
            cfg.secret_file.as_deref(),
        )?;
        Ok(Self {
            endpoint,
            secret,
            retry: Retry::default(),
        })
    }

    /// Replaces the retry policy (tests).
    #[cfg(test)]
    pub(crate) fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }
}

/// The body: the notification with sanitised text, as JSON bytes.
pub fn body(n: &Notification) -> Result<Vec<u8>, PluginError> {
    let v = View::of(n);
    let clean = Notification {
        version: NOTIFICATION_SCHEMA_VERSION,
        key: v.key,
        kind: v.kind,
        priority: v.priority,
        title: v.title,
        message: crate::sys::text::truncate_chars(&v.message, MESSAGE_MAX),
        session: v.session,
        project: v.project,
        pr_url: v.pr_url,
        attach: v.attach,
        dashboard_url: v.dashboard_url,
        time: v.time,
    };
    serde_json::to_vec(&clean).map_err(|e| PluginError::Other(e.into()))
}

/// The delivery id for `key`: 32 hex digits of its SHA-256 (header-safe, stable).
pub fn delivery_id(key: &str) -> String {
    hex(&sha256(&[key.as_bytes()]))[..32].to_owned()
}

/// `sha256=<hex>` signature of `body` under `secret`.
pub fn signature(secret: &Secret, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex(&hmac_sha256(secret.expose().as_bytes(), body))
    )
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let body = body(n)?;
        let id = delivery_id(&n.key);
        let event: String = n
            .kind
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(64)
            .collect();
        let sig = self.secret.as_ref().map(|s| signature(s, &body));
        let mut headers = vec![
            ("X-Ao-Event", event.as_str()),
            ("X-Ao-Delivery", id.as_str()),
            ("Idempotency-Key", id.as_str()),
        ];
        if let Some(s) = &sig {
            headers.push(("X-Ao-Signature-256", s.as_str()));
        }
        let mut secrets = vec![&self.endpoint.url];
        secrets.extend(self.secret.as_ref());
        http::post(&self.endpoint, &body, &headers, self.retry, &secrets).map(|_| ())
    }

    fn check(&self) -> Result<String, PluginError> {
        let reach = self.endpoint.check_reachable(Duration::from_secs(5))?;
        let signed = if self.secret.is_some() {
            "signed"
        } else {
            "unsigned"
        };
        Ok(format!(
            "{} configured ({signed}), {reach} (nothing sent)",
            self.endpoint.shown()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{Answer, Server, hostile, sample};

    fn notifier(url: &str, secret: Option<&str>) -> WebhookNotifier {
        let cfg = NotifierConfig {
            plugin: "webhook".into(),
            url: Some(url.into()),
            secret: secret.map(Into::into),
            ..Default::default()
        };
        WebhookNotifier::new("hook", &cfg)
            .unwrap()
            .with_retry(Retry {
                attempts: 3,
                base: Duration::from_millis(5),
                max_wait: Duration::from_secs(1),
            })
    }

    #[test]
    fn body_is_the_versioned_notification() {
        let v: serde_json::Value = serde_json::from_slice(&body(&sample()).unwrap()).unwrap();
        insta::assert_json_snapshot!(v);
        assert_eq!(v["version"], NOTIFICATION_SCHEMA_VERSION);
    }

    #[test]
    fn hostile_body_is_sanitised_and_bounded() {
        let b = body(&hostile()).unwrap();
        let s = String::from_utf8(b).unwrap();
        for bad in ["\\u001b", "pwned", "ghp_"] {
            assert!(!s.contains(bad), "{bad}");
        }
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(v["message"].as_str().unwrap().chars().count() <= MESSAGE_MAX);
        // Markup is not this sink's business: JSON carries the text as is.
        assert!(v["title"].as_str().unwrap().contains("<!channel>"));
    }

    #[test]
    fn signs_with_hmac_and_sends_delivery_headers() {
        let srv = Server::start(vec![Answer::status(202)]);
        let w = notifier(&srv.url("/in"), Some("It's a Secret to Everybody"));
        w.send(&sample()).unwrap();
        let r = &srv.requests()[0];
        let expected = format!(
            "sha256={}",
            hex(&hmac_sha256(
                b"It's a Secret to Everybody",
                r.body.as_bytes()
            ))
        );
        assert_eq!(r.header("x-ao-signature-256"), Some(expected.as_str()));
        assert_eq!(r.header("x-ao-event"), Some("agent-needs-input"));
        let id = delivery_id(&sample().key);
        assert_eq!(r.header("x-ao-delivery"), Some(id.as_str()));
        assert_eq!(r.header("idempotency-key"), Some(id.as_str()));
        assert_eq!(r.body.as_bytes(), body(&sample()).unwrap().as_slice());
    }

    #[test]
    fn github_signature_example() {
        // The example from GitHub's "Validating webhook deliveries" documentation.
        assert_eq!(
            signature(&Secret::new("It's a Secret to Everybody"), b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn unsigned_without_secret() {
        let srv = Server::start(vec![]);
        notifier(&srv.url("/in"), None).send(&sample()).unwrap();
        assert_eq!(srv.requests()[0].header("x-ao-signature-256"), None);
    }

    #[test]
    fn retries_only_429_and_5xx() {
        let srv = Server::start(vec![
            Answer::status(502),
            Answer::status(429),
            Answer::status(200),
        ]);
        notifier(&srv.url("/in"), None).send(&sample()).unwrap();
        assert_eq!(srv.requests().len(), 3);
        let bodies: Vec<String> = srv.requests().into_iter().map(|r| r.body).collect();
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "same body each try"
        );

        let srv = Server::start(vec![Answer::status(422).body("bad")]);
        let e = notifier(&srv.url("/in"), None).send(&sample()).unwrap_err();
        assert!(matches!(e, PluginError::Other(_)), "{e}");
        assert_eq!(srv.requests().len(), 1);

        let srv = Server::start(vec![Answer::status(503); 3]);
        let e = notifier(&srv.url("/in"), None).send(&sample()).unwrap_err();
        assert!(matches!(e, PluginError::Unavailable(_)), "{e}");
        assert_eq!(srv.requests().len(), 3);
    }

    #[test]
    fn secret_never_in_errors_or_debug() {
        let srv = Server::start(vec![Answer::status(400).body("key=TOPSECRET")]);
        let w = notifier(&srv.url("/in/TOKENPATH"), Some("TOPSECRET"));
        let e = w.send(&sample()).unwrap_err().to_string();
        assert!(!e.contains("TOPSECRET") && !e.contains("TOKENPATH"), "{e}");
        let d = format!("{w:?}");
        assert!(!d.contains("TOPSECRET") && !d.contains("TOKENPATH"), "{d}");
    }
}
