//! `slack` notifier: a Slack incoming webhook (`notifiers.<name>.webhook`, a secret).
//!
//! Payload: `text` (the fallback Slack shows in push notifications) plus Block Kit
//! `blocks`: a `section` with the priority emoji, the bold title and the message; a
//! `section` with mrkdwn links (PR, remote dashboard) and the attach command; a `context`
//! line with priority, event type, session and project. No buttons: a button click needs a
//! Slack app with an interactivity endpoint, which ao (no server) does not have.
//!
//! Escaping: `&`, `<`, `>` become HTML entities in every text field (so agent text cannot
//! produce `<!channel>`, `<@U…>` or a disguised `<https://evil|https://github.com>` link);
//! `@channel`/`@here`/`@everyone` are broken with a zero-width space. Each text object stays
//! within Slack's 3,000-character limit. Success is HTTP 200; 429 honours `Retry-After`.

use serde_json::{Value, json};

use super::http::ChatWebhook;
#[cfg(test)]
use super::http::Retry;
use super::{Notification, Notifier, View, defuse_mentions, truncate_utf16};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::plugins::PluginError;

/// Slack's limit for a section's text object.
const SECTION_MAX: usize = 3000;
/// Limit for the fallback `text` (Slack truncates long ones; keep push previews short).
const FALLBACK_MAX: usize = 500;

/// Posts to a Slack incoming webhook.
#[derive(Debug)]
pub struct SlackNotifier {
    hook: ChatWebhook,
    /// `channel:` — sent as the payload's `channel` (honoured by legacy incoming
    /// webhooks; a Slack-app webhook always posts to the channel it was created for).
    channel: Option<String>,
}

impl SlackNotifier {
    /// From `notifiers.<name>`: `webhook` (or `secretFile`) holds the webhook URL.
    pub fn new(name: &str, cfg: &NotifierConfig) -> Result<Self, PluginError> {
        Ok(Self {
            hook: ChatWebhook::new(name, cfg, "slack", "incoming-webhook URL")?,
            channel: cfg.channel.clone().filter(|c| !c.trim().is_empty()),
        })
    }

    /// Replaces the retry policy (tests).
    #[cfg(test)]
    pub(crate) fn with_retry(mut self, retry: Retry) -> Self {
        self.hook = self.hook.with_retry(retry);
        self
    }
}

impl Notifier for SlackNotifier {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        let mut p = payload(&View::of(n));
        if let (Some(c), Some(obj)) = (&self.channel, p.as_object_mut()) {
            obj.insert("channel".into(), Value::String(c.clone()));
        }
        self.hook.post(&p)
    }

    fn check(&self) -> Result<String, PluginError> {
        self.hook.check()
    }
}

/// Escapes text for mrkdwn: `&`, `<`, `>` as entities, broadcast mentions defused.
pub fn escape(s: &str) -> String {
    defuse_mentions(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Cuts escaped mrkdwn to `max` units without leaving half an entity (`&am…`).
fn cut(escaped: &str, max: usize) -> String {
    let t = truncate_utf16(escaped, max);
    if t.len() == escaped.len() {
        return t;
    }
    let body = t.trim_end_matches('…');
    match body.rfind('&') {
        Some(i) if !body[i..].contains(';') => format!("{}…", &body[..i]),
        _ => t,
    }
}

/// A link in mrkdwn: `<url|label>`; the URL was checked by `safe_link` (no `<>|`).
fn link(url: &str, label: &str) -> String {
    format!("<{}|{}>", url.replace('&', "&amp;"), escape(label))
}

fn emoji(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => ":rotating_light:",
        Priority::Action => ":white_check_mark:",
        Priority::Warning => ":warning:",
        Priority::Info => ":information_source:",
    }
}

/// The webhook payload for `v`.
pub fn payload(v: &View) -> Value {
    let title = escape(&truncate_utf16(&v.title, 300));
    let head = format!("{} *{}*", emoji(v.priority), title);
    let mut main = head.clone();
    if !v.message.is_empty() {
        let budget = SECTION_MAX.saturating_sub(head.encode_utf16().count() + 1);
        main = format!("{head}\n{}", cut(&escape(&v.message), budget));
    }
    let first_line = v.message.lines().next().unwrap_or("");
    let fallback = if first_line.is_empty() {
        v.title.clone()
    } else {
        format!("{}: {first_line}", v.title)
    };
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": main},
    })];
    let mut links = Vec::new();
    if let Some(u) = &v.pr_url {
        links.push(link(u, &v.pr_label()));
    }
    if let Some(a) = &v.attach {
        links.push(format!(
            "Attach: `{}`",
            escape(&truncate_utf16(&a.replace('`', "'"), 500))
        ));
    }
    if let Some(d) = v.remote_dashboard() {
        links.push(link(d, "Dashboard"));
    }
    if !links.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": links.join("  ·  ")},
        }));
    }
    let mut ctx = vec![format!("*{}*", v.priority), escape(&v.kind)];
    if let Some(s) = &v.session {
        ctx.push(format!("session `{}`", escape(s)));
    }
    if let Some(p) = &v.project {
        ctx.push(format!("project {}", escape(p)));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(&ctx.join(" · "), SECTION_MAX)}],
    }));
    json!({
        "text": cut(&escape(&fallback), FALLBACK_MAX),
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{Answer, Server, hostile, sample};
    use std::time::Duration;

    fn fast() -> Retry {
        Retry {
            attempts: 2,
            base: Duration::from_millis(5),
            max_wait: Duration::from_secs(1),
        }
    }

    fn notifier(url: &str) -> SlackNotifier {
        let cfg = NotifierConfig {
            plugin: "slack".into(),
            webhook: Some(url.into()),
            ..Default::default()
        };
        SlackNotifier::new("team", &cfg).unwrap().with_retry(fast())
    }

    #[test]
    fn payload_names_session_reason_and_next_step() {
        insta::assert_json_snapshot!(payload(&View::of(&sample())));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut n = hostile();
        n.message.truncate(n.message.find('\n').unwrap());
        let p = payload(&View::of(&n));
        insta::assert_json_snapshot!(p);
        let all = p.to_string();
        for bad in [
            "<!channel>",
            "<@123456>",
            "<https://evil",
            "<img",
            "@everyone",
            "@here",
            "\\u001b",
            "pwned",
            "ghp_",
        ] {
            assert!(!all.contains(bad), "{bad} in {all}");
        }
    }

    #[test]
    fn ten_kb_message_stays_within_limits() {
        let p = payload(&View::of(&hostile()));
        for b in p["blocks"].as_array().unwrap() {
            let text = b["text"]["text"]
                .as_str()
                .or(b["elements"][0]["text"].as_str())
                .unwrap();
            assert!(text.encode_utf16().count() <= SECTION_MAX, "{}", text.len());
        }
        let t = p["text"].as_str().unwrap();
        assert!(t.encode_utf16().count() <= FALLBACK_MAX);
        assert!(p["blocks"].as_array().unwrap().len() <= 50);
    }

    #[test]
    fn cut_never_splits_an_entity() {
        assert_eq!(cut("ab&amp;cd", 5), "ab…");
        assert_eq!(cut("abcd&amp;", 20), "abcd&amp;");
    }

    #[test]
    fn sends_json_to_the_webhook() {
        let srv = Server::start(vec![Answer::status(200).body("ok")]);
        let s = notifier(&srv.url("/services/T0/B0/SECRET"));
        s.send(&sample()).unwrap();
        let reqs = srv.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "POST");
        assert_eq!(reqs[0].url, "/services/T0/B0/SECRET");
        assert_eq!(reqs[0].header("content-type"), Some("application/json"));
        assert_eq!(reqs[0].json(), payload(&View::of(&sample())));
        // Hostile text and a 10 KB message go out exactly as rendered, within limits.
        s.send(&hostile()).unwrap();
        let got = srv.requests()[1].json();
        assert_eq!(got, payload(&View::of(&hostile())));
        assert!(srv.requests()[1].body.len() < 16 * 1024);
    }

    #[test]
    fn errors_are_classified_and_never_show_the_url() {
        let srv = Server::start(vec![
            Answer::status(404).body("no_service"),
            Answer::status(500),
            Answer::status(500),
        ]);
        let s = notifier(&srv.url("/services/T0/B0/SECRET"));
        let e = s.send(&sample()).unwrap_err();
        assert!(matches!(e, PluginError::NotFound(_)), "{e}");
        assert!(e.to_string().contains("no_service"), "{e}");
        let e = s.send(&sample()).unwrap_err();
        assert!(matches!(e, PluginError::Unavailable(_)), "{e}");
        for e in [e.to_string(), format!("{s:?}")] {
            assert!(!e.contains("SECRET"), "{e}");
        }
    }

    #[test]
    fn missing_webhook_says_how_to_configure_it() {
        let cfg = NotifierConfig {
            plugin: "slack".into(),
            ..Default::default()
        };
        let e = SlackNotifier::new("team", &cfg).unwrap_err().to_string();
        assert!(e.contains("${SLACK_WEBHOOK_URL}"), "{e}");
    }
}
