//! `discord` notifier: a Discord channel webhook (`notifiers.<name>.webhook`, a secret).
//!
//! Payload: one embed (title = the notification title, linked to the PR; description = the
//! message; fields Session, Project, PR, Attach, Dashboard; footer with priority and event
//! type; colour by priority), `username: "ao"` and `allowed_mentions: {"parse": []}` so no
//! text can ping anyone. Limits (Discord API): title ≤ 256, description ≤ 4096, field name
//! ≤ 256 and value ≤ 1024, footer ≤ 2048, all embeds together ≤ 6000 characters; counted
//! here in UTF-16 units, which is never less than Discord's count.
//!
//! Escaping: Discord markdown characters outside code spans are backslash-escaped, so
//! agent text cannot form a masked link (`[github.com](https://evil)`), a mention
//! (`<@id>`), a heading or a quote; code spans (`` `rm -rf build` ``) are kept as code.
//! Success is 200 or 204; a 429 honours `retry_after` (JSON, seconds) within the call when
//! it is short, else ends as `Unavailable`.

use serde_json::{Value, json};

use super::http::ChatWebhook;
#[cfg(test)]
use super::http::Retry;
use super::{Notification, Notifier, View, defuse_mentions, truncate_utf16};
use crate::config::NotifierConfig;
use crate::model::Priority;
use crate::plugins::PluginError;

const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FIELD_VALUE_MAX: usize = 1024;
const FOOTER_MAX: usize = 2048;
const EMBED_TOTAL_MAX: usize = 6000;

/// Posts to a Discord webhook.
#[derive(Debug)]
pub struct DiscordNotifier {
    hook: ChatWebhook,
}

impl DiscordNotifier {
    /// From `notifiers.<name>`: `webhook` (or `secretFile`) holds the webhook URL.
    pub fn new(name: &str, cfg: &NotifierConfig) -> Result<Self, PluginError> {
        Ok(Self {
            hook: ChatWebhook::new(name, cfg, "discord", "webhook URL")?,
        })
    }

    /// Replaces the retry policy (tests).
    #[cfg(test)]
    pub(crate) fn with_retry(mut self, retry: Retry) -> Self {
        self.hook = self.hook.with_retry(retry);
        self
    }
}

impl Notifier for DiscordNotifier {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn send(&self, n: &Notification) -> Result<(), PluginError> {
        self.hook.post(&payload(&View::of(n)))
    }

    fn check(&self) -> Result<String, PluginError> {
        self.hook.check()
    }
}

fn escape_plain(s: &str, out: &mut String) {
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '|' | '<' | '>' | '[' | ']' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Escapes Discord markdown outside code spans; matched backtick pairs stay code spans
/// (nothing inside one is parsed), an unmatched backtick is escaped. Broadcast mentions
/// are defused as well (on top of `allowed_mentions`).
pub fn escape(s: &str) -> String {
    let s = defuse_mentions(s);
    let parts: Vec<&str> = s.split('`').collect();
    let ticks = parts.len() - 1;
    let matched = ticks - ticks % 2;
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i <= matched { "`" } else { "\\`" });
        }
        // Segment i follows backtick i; it is code when that backtick opens a pair.
        if i % 2 == 1 && i < matched {
            out.push_str(part);
        } else {
            escape_plain(part, &mut out);
        }
    }
    out
}

/// A code span holding `s` (backticks inside replaced).
fn code(s: &str) -> String {
    format!(
        "`{}`",
        truncate_utf16(&s.replace('`', "'"), FIELD_VALUE_MAX - 2)
    )
}

fn color(p: Priority) -> u32 {
    match p {
        Priority::Urgent => 0xE0_1E_5A,
        Priority::Action => 0x2E_B6_7D,
        Priority::Warning => 0xEC_B2_2E,
        Priority::Info => 0x36_C5_F0,
    }
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The webhook payload for `v`.
pub fn payload(v: &View) -> Value {
    let title = truncate_utf16(&escape(&v.title), TITLE_MAX);
    let mut fields: Vec<(String, String, bool)> = Vec::new();
    if let Some(s) = &v.session {
        fields.push(("Session".into(), code(s), true));
    }
    if let Some(p) = &v.project {
        fields.push(("Project".into(), code(p), true));
    }
    if let Some(u) = &v.pr_url {
        fields.push(("PR".into(), format!("[{}]({u})", v.pr_label()), true));
    }
    if let Some(a) = &v.attach {
        fields.push(("Attach".into(), code(a), false));
    }
    if let Some(d) = v.remote_dashboard() {
        fields.push(("Dashboard".into(), format!("[Open]({d})"), false));
    }
    let fields: Vec<(String, String, bool)> = fields
        .into_iter()
        .map(|(n, v, i)| (n, truncate_utf16(&v, FIELD_VALUE_MAX), i))
        .collect();
    let footer = truncate_utf16(
        &format!("ao · {} · {}", v.priority, escape(&v.kind)),
        FOOTER_MAX,
    );
    let used = units(&title)
        + units(&footer)
        + fields
            .iter()
            .map(|(n, v, _)| units(n) + units(v))
            .sum::<usize>();
    let budget = DESCRIPTION_MAX.min(EMBED_TOTAL_MAX.saturating_sub(used));
    let description = truncate_utf16(&escape(&v.message), budget);
    let mut embed = json!({
        "title": title,
        "color": color(v.priority),
        "footer": {"text": footer},
        "timestamp": v.time.to_string(),
    });
    if !description.is_empty() {
        embed["description"] = json!(description);
    }
    if let Some(u) = &v.pr_url {
        embed["url"] = json!(u);
    }
    if !fields.is_empty() {
        embed["fields"] = fields
            .into_iter()
            .map(|(name, value, inline)| json!({"name": name, "value": value, "inline": inline}))
            .collect();
    }
    json!({
        "username": "ao",
        "allowed_mentions": {"parse": []},
        "embeds": [embed],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::notifier::testing::{Answer, Server, hostile, sample};
    use std::time::Duration;

    fn notifier(url: &str) -> DiscordNotifier {
        let cfg = NotifierConfig {
            plugin: "discord".into(),
            webhook: Some(url.into()),
            ..Default::default()
        };
        DiscordNotifier::new("dc", &cfg).unwrap().with_retry(Retry {
            attempts: 3,
            base: Duration::from_millis(5),
            max_wait: Duration::from_secs(1),
        })
    }

    fn embed_total(p: &Value) -> usize {
        let e = &p["embeds"][0];
        let s = |v: &Value| v.as_str().map_or(0, units);
        s(&e["title"])
            + s(&e["description"])
            + s(&e["footer"]["text"])
            + e["fields"].as_array().map_or(0, |f| {
                f.iter().map(|f| s(&f["name"]) + s(&f["value"])).sum()
            })
    }

    #[test]
    fn payload_names_session_reason_and_next_step() {
        insta::assert_json_snapshot!(payload(&View::of(&sample())));
    }

    #[test]
    fn escaping_keeps_code_spans_and_breaks_links() {
        assert_eq!(
            escape("run `rm -rf build_dir` [x](https://evil) <@1> **b**"),
            "run `rm -rf build_dir` \\[x\\](https://evil) \\<@1\\> \\*\\*b\\*\\*"
        );
        assert_eq!(escape("odd ` tick"), "odd \\` tick");
        assert_eq!(escape("```\n[a](b)\n```"), "```\n[a](b)\n```");
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut n = hostile();
        n.message.truncate(n.message.find('\n').unwrap());
        let p = payload(&View::of(&n));
        insta::assert_json_snapshot!(p);
        assert_eq!(p["allowed_mentions"], json!({"parse": []}));
        let all = p.to_string();
        for bad in ["@everyone", "@here", "[click](", "\\u001b", "pwned", "ghp_"] {
            assert!(!all.contains(bad), "{bad} in {all}");
        }
    }

    #[test]
    fn ten_kb_message_stays_within_limits() {
        let p = payload(&View::of(&hostile()));
        let e = &p["embeds"][0];
        assert!(units(e["title"].as_str().unwrap()) <= TITLE_MAX);
        assert!(units(e["description"].as_str().unwrap()) <= DESCRIPTION_MAX);
        assert!(embed_total(&p) <= EMBED_TOTAL_MAX, "{}", embed_total(&p));
        for f in e["fields"].as_array().unwrap() {
            assert!(units(f["value"].as_str().unwrap()) <= FIELD_VALUE_MAX);
        }
    }

    #[test]
    fn sends_and_accepts_204() {
        let srv = Server::start(vec![Answer::status(204)]);
        notifier(&srv.url("/api/webhooks/1/SECRET"))
            .send(&sample())
            .unwrap();
        let r = &srv.requests()[0];
        assert_eq!(r.json(), payload(&View::of(&sample())));
        assert_eq!(r.header("content-type"), Some("application/json"));
        notifier(&srv.url("/api/webhooks/1/SECRET"))
            .send(&hostile())
            .unwrap();
        let got = srv.requests()[1].json();
        assert_eq!(got, payload(&View::of(&hostile())));
        assert!(embed_total(&got) <= EMBED_TOTAL_MAX);
    }

    #[test]
    fn honours_429_retry_after() {
        let srv = Server::start(vec![
            Answer::status(429)
                .header("Content-Type", "application/json")
                .body(
                    r#"{"message":"You are being rate limited.","retry_after":0.2,"global":false}"#,
                ),
            Answer::status(204),
        ]);
        let t = std::time::Instant::now();
        notifier(&srv.url("/api/webhooks/1/SECRET"))
            .send(&sample())
            .unwrap();
        assert!(t.elapsed() >= Duration::from_millis(200));
        assert_eq!(srv.requests().len(), 2);
    }

    #[test]
    fn long_rate_limit_is_unavailable() {
        let srv = Server::start(vec![
            Answer::status(429).body(r#"{"message":"slow down","retry_after":30.5,"global":true}"#),
        ]);
        let e = notifier(&srv.url("/api/webhooks/1/SECRET"))
            .send(&sample())
            .unwrap_err();
        assert!(matches!(e, PluginError::Unavailable(_)), "{e}");
        let s = e.to_string();
        assert!(
            s.contains("retry after 30.5s") && !s.contains("SECRET"),
            "{s}"
        );
        assert_eq!(srv.requests().len(), 1);
    }
}
