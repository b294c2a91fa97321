//! `opencode` agent: the opencode TUI in a tmux pane.
//!
//! * Launch: `opencode <workspace> --prompt <task prompt> [--model provider/model]
//!   [args…]`, with the permission rules passed as `OPENCODE_CONFIG_CONTENT` (inline config,
//!   the highest-precedence layer): `ask` (default) makes edits, shell commands and fetches
//!   ask; `skip` allows them.
//! * Restore: `opencode <workspace> --continue` (the last session of that directory: each
//!   ao session has its own workspace).
//! * Screen only: the "Permission required" dialog (waiting for input), rate limits
//!   (blocked), the interrupt hint shown while busy (working).

use super::detect::{self, BOTTOM_LINES};
use super::{Agent, AgentContext, LaunchPlan, ScreenMatch, SentMessage, program};
use crate::model::Activity;
use crate::plugins::PluginError;
use crate::sys::cmd::Cmd;
use serde_json::Value;

/// The `opencode` agent.
#[derive(Debug)]
pub struct OpenCode;

impl OpenCode {
    fn base(ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let rule = permission_rule(ctx.config)?;
        let mut env = ctx.config.env.clone();
        if super::updates_off(ctx.config) {
            env.insert("OPENCODE_DISABLE_AUTOUPDATE".into(), "1".into());
        }
        env.insert(
            "OPENCODE_CONFIG_CONTENT".into(),
            serde_json::json!({
                "permission": {"edit": rule, "bash": rule, "webfetch": rule}
            })
            .to_string(),
        );
        let mut argv = program(ctx.config, "opencode")?;
        argv.push(ctx.workspace.display().to_string());
        if let Some(m) = &ctx.config.model {
            argv.extend(["--model".to_owned(), m.clone()]);
        }
        argv.extend(ctx.config.args.iter().cloned());
        Ok(LaunchPlan {
            argv,
            env,
            ..LaunchPlan::default()
        })
    }
}

/// The permission rule for `agentConfig.permissions`: `ask` (default) or `skip` (allow).
pub(crate) fn permission_rule(
    cfg: &crate::config::AgentConfig,
) -> Result<&'static str, PluginError> {
    match cfg.permissions.as_deref() {
        None | Some("ask") | Some("default") => Ok("ask"),
        Some("skip") => Ok("allow"),
        Some(p) => Err(PluginError::Refused(format!(
            "opencode: unknown `agentConfig.permissions` value `{p}` (use ask or skip)"
        ))),
    }
}

impl Agent for OpenCode {
    fn name(&self) -> &'static str {
        "opencode"
    }

    fn confirmed_by(&self) -> &'static str {
        "storage (opencode.db, read with sqlite3)"
    }

    fn took_message(&self, ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        let db = data_dir(ctx).join("opencode").join("opencode.db");
        let rows = user_parts_since(&db, msg.since)?;
        Some(stored_has(&rows, ctx.workspace, msg))
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let mut plan = Self::base(ctx)?;
        let mut prompt = ctx.prompt()?;
        if let Some(s) = ctx.system_prompt() {
            prompt = format!("{s}\n\n{prompt}");
        }
        plan.argv.extend(["--prompt".to_owned(), prompt]);
        Ok(plan)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let mut plan = Self::base(ctx)?;
        plan.argv.push("--continue".to_owned());
        Ok(plan)
    }

    fn process_names(&self) -> Vec<String> {
        ["opencode", "node", "bun"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        classify(screen)
    }
}

/// OpenCode's data directory for this session: `XDG_DATA_HOME` from `agentConfig.env`,
/// else ao's own `XDG_DATA_HOME`, else `~/.local/share`.
fn data_dir(ctx: &AgentContext<'_>) -> std::path::PathBuf {
    match ctx
        .config
        .env
        .get("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
    {
        Some(d) => d.into(),
        None => detect::home_dir_or("XDG_DATA_HOME", ".local/share"),
    }
}

/// Text parts of user messages stored since `since`, with their session's directory, as
/// `sqlite3 -readonly -json` prints them (checked against OpenCode 1.18.33: table `part`
/// with `data` `{"type":"text","text":…}`, `message.data.role`, `session.directory`).
/// `None` when the database or `sqlite3` is missing or the query fails. Only an integer
/// is put into the SQL text.
fn user_parts_since(db: &std::path::Path, since: jiff::Timestamp) -> Option<Vec<Value>> {
    if !db.is_file() {
        return None;
    }
    let ms = since.as_millisecond() - 2000;
    let sql = format!(
        "select s.directory as dir, p.data as data from part p \
         join session s on s.id = p.session_id join message m on m.id = p.message_id \
         where p.time_created >= {ms} and json_extract(m.data, '$.role') = 'user' \
         order by p.time_created desc limit 200"
    );
    let out = Cmd::new("sqlite3")
        .args(["-readonly", "-json"])
        .arg(db)
        .arg(sql)
        .read()
        .ok()?;
    if out.trim().is_empty() {
        return Some(Vec::new());
    }
    serde_json::from_str(&out).ok()
}

/// True when one of the stored user parts of a session in `workspace` is `msg`.
pub(crate) fn stored_has(
    rows: &[Value],
    workspace: &std::path::Path,
    msg: &SentMessage<'_>,
) -> bool {
    let ws = workspace.display().to_string();
    rows.iter().any(|r| {
        let dir = r.get("dir").and_then(Value::as_str);
        let text = r
            .get("data")
            .and_then(Value::as_str)
            .and_then(|d| serde_json::from_str::<Value>(d).ok())
            .and_then(|d| d.get("text").and_then(Value::as_str).map(str::to_owned));
        dir == Some(ws.as_str()) && text.is_some_and(|t| detect::same_message(&t, msg.text))
    })
}

/// Classifies an opencode screen.
pub(crate) fn classify(screen: &str) -> Option<ScreenMatch> {
    let lines = detect::bottom(screen, BOTTOM_LINES);
    if let Some(at) = detect::position(&lines, &["Permission required"])
        && lines[at..]
            .iter()
            .any(|l| l.contains("Allow once") || l.contains("Reject"))
    {
        // The line after the title says what is asked ("$ rm -rf build", "Edit app.ts").
        let what = lines
            .get(at + 1)
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default();
        return Some(detect::matched(
            Activity::WaitingInput,
            &format!("Permission required{what}"),
        ));
    }
    let tail = detect::bottom(screen, 8);
    // The exit banner (1.18.33): "Continue  opencode -s ses_…" under the logo.
    if let Some(l) = tail
        .iter()
        .find(|l| l.trim_start().starts_with("Continue") && l.contains("opencode -s "))
    {
        return Some(detect::matched(Activity::Exited, l));
    }
    if let Some(l) = detect::find(&tail, &["Rate limit", "rate limit", "usage limit", "quota"]) {
        return Some(detect::limit(l));
    }
    let busy = detect::find(&lines, &["esc interrupt", "esc to interrupt"]);
    // The model API cannot be reached (1.18.33: "Cannot connect to API: Unable to
    // connect. …" in the conversation, the turn over).
    if let Some(l) = detect::find(&lines, &["Cannot connect to API", "Unable to connect"]) {
        let state = if busy.is_some() {
            Activity::Working
        } else {
            Activity::Ready
        };
        return Some(detect::retrying(state, l));
    }
    if let Some(l) = busy {
        return Some(detect::matched(Activity::Working, l));
    }
    // The idle footer (1.18.33): the key hints without "esc interrupt".
    detect::find(&tail, &["ctrl+p commands"]).map(|l| detect::matched(Activity::Ready, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens() {
        let ask =
            "┃ Permission required\n┃ $ rm -rf build\n┃\n┃ Allow once   Allow always   Reject\n";
        let m = classify(ask).unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert_eq!(m.evidence, "Permission required: ┃ $ rm -rf build");
        assert_eq!(
            classify("  ⬝⬝⬝■■  esc interrupt\n").map(|m| m.activity),
            Some(Activity::Working)
        );
        assert_eq!(classify("hello\n"), None);
    }
}
