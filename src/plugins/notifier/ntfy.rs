//! `ntfy` notifier: push to a phone through an ntfy server (<https://ntfy.sh> or
//! self-hosted), publishing as JSON to the server's base URL.
//!
//! Config: `url` (the server, default `https://ntfy.sh`), `topic` (required; on a public
//! server the topic is effectively a password, so keep it in `${VAR}`), optional `token`
//! (or `secretFile`): an access token sent as `Authorization: Bearer <token>`, or
//! `user:password` sent as Basic auth.
//!
//! Mapping: priority urgent → 5 (max), action → 4 (high), warning → 3 (default), info → 2
//! (low); an emoji tag per priority; `click` opens the PR (else a remote dashboard); `view`
//! action buttons for the PR and the dashboard. The message is plain text (no markdown)
//! holding the reason and the session / PR / attach lines, cut to stay under ntfy's 4,096
//! byte message limit.

use std::time::Duration;

use serde_json::{Value, json};

use super::http::{self, Endpoint, Retry};
use super::{
    Notification, Notifier, Secret, View, base64, detail_lines, resolve_secret, truncate_bytes,
    truncate_utf16,
};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::plugins::PluginError;

/// ntfy's default message size limit is 4,096 bytes; stay below it.
const MESSAGE_MAX_BYTES: usize = 4000;
/// Titles are short in a phone notification.
const TITLE_MAX: usize = 200;
/// The public server.
const DEFAULT_SERVER: &str = "https://ntfy.sh";

/// Publishes to an ntfy topic.
#[derive(Debug)]
pub struct NtfyNotifier {
    endpoint: Endpoint,
    topic: Secret,
    auth: Option<Secret>,
    retry: Retry,
}

impl NtfyNotifier {
    /// From `notifiers.<name>`: `url`, `topic`, `token` / `secretFile`.
    pub fn new(name: &str, cfg: &NotifierConfig) -> Result<Self, PluginError> {
        let server = resolve_secret(name, "url", cfg.url.as_deref(), None)?
            .unwrap_or_else(|| Secret::new(DEFAULT_SERVER));
        let endpoint = Endpoint::parse(server, &format!("notifier `{name}`: `url`"))?;
        let topic = resolve_secret(name, "topic", cfg.topic.as_deref(), None)?.ok_or_else(|| {
            PluginError::NotFound(format!(
                "notifier `{name}` (plugin ntfy) needs `topic: ${{NTFY_TOPIC}}` (on a public server the topic is a password: pick a long random one)"
            ))
        })?;
        let t = topic.expose();
        if t.is_empty()
            || t.len() > 64
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(PluginError::NotFound(format!(
                "notifier `{name}`: `topic` must be 1-64 characters of A-Z, a-z, 0-9, '-' and '_'"
            )));
        }
        let token = resolve_secret(
            name,
            "token",
            cfg.token.as_deref(),
            cfg.secret_file.as_deref(),
        )?;
        let auth = token.map(|t| {
            let v = t.expose();
            Secret::new(if v.contains(':') && !v.starts_with("tk_") {
                format!("Basic {}", base64(v.as_bytes()))
            } else {
                format!("Bearer {v}")
            })
        });
        Ok(Self {
            endpoint,
            topic,
            auth,
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

fn priority(p: Priority) -> u8 {
    match p {
        Priority::Urgent => 5,
        Priority::Action => 4,
        Priority::Warning => 3,
        Priority::Info => 2,
    }
}

fn tag(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => "rotating_light",
        Priority::Action => "white_check_mark",
        Priority::Warning => "warning",
        Priority::Info => "information_source",
    }
}

/// The JSON message for `v` on `topic`.
pub fn payload(v: &View, topic: &str) -> Value {
    let details = detail_lines(v)
        .into_iter()
        .filter(|l| !l.starts_with("Dashboard: file:"))
        .collect::<Vec<_>>()
        .join("\n");
    let reserve = details.len() + 2;
    let mut message = truncate_bytes(&v.message, MESSAGE_MAX_BYTES.saturating_sub(reserve));
    if !details.is_empty() {
        if !message.is_empty() {
            message.push_str("\n\n");
        }
        message.push_str(&details);
    }
    let message = truncate_bytes(&message, MESSAGE_MAX_BYTES);
    let mut p = json!({
        "topic": topic,
        "title": truncate_utf16(&v.title, TITLE_MAX),
        "message": message,
        "priority": priority(v.priority),
        "tags": [tag(v.priority)],
    });
    let mut actions = Vec::new();
    if let Some(u) = &v.pr_url {
        actions
            .push(json!({"action": "view", "label": format!("Open {}", v.pr_label()), "url": u}));
    }
    if let Some(d) = v.remote_dashboard() {
        actions.push(json!({"action": "view", "label": "Dashboard", "url": d}));
    }
    if let Some(click) = v.pr_url.as_deref().or(v.remote_dashboard()) {
        p["click"] = json!(click);
    }
    if !actions.is_empty() {
        p["actions"] = Value::Array(actions);
    }
    p
}

impl Notifier for NtfyNotifier {
    fn name(&self) -> &'static str {
        "ntfy"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let body = serde_json::to_vec(&payload(&View::of(n), self.topic.expose()))
            .map_err(|e| PluginError::Other(e.into()))?;
        let mut headers = Vec::new();
        if let Some(a) = &self.auth {
            headers.push(("Authorization", a.expose()));
        }
        let mut secrets = vec![&self.endpoint.url, &self.topic];
        secrets.extend(self.auth.as_ref());
        http::post(&self.endpoint, &body, &headers, self.retry, &secrets).map(|_| ())
    }

    fn check(&self) -> Result<String, PluginError> {
        let reach = self.endpoint.check_reachable(Duration::from_secs(5))?;
        let auth = if self.auth.is_some() {
            "with a token"
        } else {
            "without a token"
        };
        Ok(format!(
            "server {} ({auth}), {reach} (nothing sent)",
            self.endpoint.shown()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{Answer, Server, hostile, sample};

    fn notifier(url: &str, token: Option<&str>) -> NtfyNotifier {
        let cfg = NotifierConfig {
            plugin: "ntfy".into(),
            url: Some(url.into()),
            topic: Some("ao-alerts_42".into()),
            token: token.map(Into::into),
            ..Default::default()
        };
        NtfyNotifier::new("phone", &cfg).unwrap().with_retry(Retry {
            attempts: 2,
            base: Duration::from_millis(5),
            max_wait: Duration::from_secs(1),
        })
    }

    #[test]
    fn payload_maps_priority_click_and_actions() {
        insta::assert_json_snapshot!(payload(&View::of(&sample()), "ao-alerts_42"));
    }

    #[test]
    fn priorities_map_to_ntfy_levels() {
        let mut n = sample();
        for (p, want) in [
            (Priority::Urgent, 5),
            (Priority::Action, 4),
            (Priority::Warning, 3),
            (Priority::Info, 2),
        ] {
            n.priority = p;
            assert_eq!(payload(&View::of(&n), "t")["priority"], want);
        }
    }

    #[test]
    fn ten_kb_message_fits_the_limit_and_keeps_the_details() {
        let p = payload(&View::of(&hostile()), "t");
        let m = p["message"].as_str().unwrap();
        assert!(m.len() <= MESSAGE_MAX_BYTES, "{}", m.len());
        assert!(
            m.ends_with("Attach: ao open my-app-3"),
            "{}",
            &m[m.len() - 80..]
        );
        assert!(!m.contains('\u{1b}') && !m.contains("ghp_"));
    }

    #[test]
    fn posts_json_with_bearer_token() {
        let srv = Server::start(vec![Answer::status(200).body(r#"{"id":"x"}"#)]);
        notifier(&srv.url("/"), Some("tk_secrettoken"))
            .send(&sample())
            .unwrap();
        let r = &srv.requests()[0];
        assert_eq!(r.url, "/");
        assert_eq!(r.header("authorization"), Some("Bearer tk_secrettoken"));
        assert_eq!(r.json(), payload(&View::of(&sample()), "ao-alerts_42"));
    }

    #[test]
    fn basic_auth_for_user_password() {
        let srv = Server::start(vec![]);
        notifier(&srv.url("/"), Some("phil:mypass"))
            .send(&sample())
            .unwrap();
        assert_eq!(
            srv.requests()[0].header("authorization"),
            Some("Basic cGhpbDpteXBhc3M=")
        );
    }

    #[test]
    fn bad_topic_and_errors_hide_the_topic() {
        let cfg = NotifierConfig {
            plugin: "ntfy".into(),
            topic: Some("has space".into()),
            ..Default::default()
        };
        assert!(NtfyNotifier::new("p", &cfg).is_err());
        let srv = Server::start(vec![Answer::status(403).body("ao-alerts_42 forbidden")]);
        let e = notifier(&srv.url("/"), None)
            .send(&sample())
            .unwrap_err()
            .to_string();
        assert!(e.contains("403") && !e.contains("ao-alerts_42"), "{e}");
    }
}
