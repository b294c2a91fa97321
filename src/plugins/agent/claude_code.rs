//! `claude-code` agent (default): Claude Code's interactive TUI in a tmux pane.
//!
//! * Launch: `claude --session-id <uuid> --settings <file> [permission flags] [--model m]
//!   [--append-system-prompt s] [args…] -- <task prompt>`. The uuid is chosen by ao, so the
//!   transcript is found by name (`projects/*/<uuid>.jsonl`) without computing Claude's
//!   lossy path slug. The prompt is an argv element: it waits, unsent but not lost, behind
//!   the workspace-trust and API-key dialogs (checked against Claude Code 2.1.197).
//! * Hooks: the settings file lives in the session's directory in the data dir, outside
//!   the workspace, so nothing lands in the user's repository. It runs `ao hook
//!   claude-code <Event>` for the events in [`HOOK_EVENTS`]; `--settings` merges with the
//!   user's and project's own settings.
//! * Restore: `--resume <uuid>` when the transcript exists, else a fresh launch with the
//!   same uuid.
//! * Screen: trust, bypass-permissions, API-key, permission and login dialogs (waiting for
//!   input), usage-limit messages (blocked, with the reset time), the spinner and the
//!   `esc to interrupt` footer (working), the idle composer (ready).
//! * Transcript: the last main-chain entry; an open `tool_use` means working (a tool runs
//!   or a permission dialog shows: the screen tells which).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::Value;

use super::detect::{self, BOTTOM_LINES};
use super::{
    Agent, AgentContext, CostEstimate, HookMeaning, LaunchPlan, ScreenMatch, SentMessage,
    fresh_uuid, program, recorded_uuid, transcript_fact,
};
use crate::config::AgentConfig;
use crate::model::{Activity, ActivityFact};
use crate::plugins::PluginError;
use crate::sys::text::truncate_chars;

/// Hook events installed in the settings file and accepted by `ao hook claude-code`.
pub const HOOK_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "PermissionDenied",
    "Notification",
    "Elicitation",
    "Stop",
    "StopFailure",
    "SessionEnd",
];

/// Name of the settings file in the session directory.
pub const SETTINGS_FILE: &str = "claude-settings.json";

/// Transcript bytes read from the end for activity detection.
const TAIL_BYTES: u64 = 256 * 1024;

/// The `claude-code` agent.
#[derive(Debug)]
pub struct ClaudeCode;

impl ClaudeCode {
    /// Transcript activity with Claude's config directory given explicitly (the trait
    /// method uses `${CLAUDE_CONFIG_DIR:-~/.claude}`).
    pub fn transcript_activity_in(
        &self,
        config_dir: &Path,
        ctx: &AgentContext<'_>,
    ) -> Option<ActivityFact> {
        let path = find_transcript(config_dir, &recorded_uuid(ctx)?, ctx.workspace)?;
        let text = detect::read_tail(&path, TAIL_BYTES).ok()?;
        transcript_state(&detect::json_lines(&text), ctx.now)
    }

    /// The command line without the prompt: `claude <flag> <uuid> --settings <file>
    /// [permission flags] [--model m] [--append-system-prompt s] [args…]`, where `flag` is
    /// `--session-id` (new conversation) or `--resume`, plus the settings file to write.
    pub(crate) fn base_plan(
        &self,
        ctx: &AgentContext<'_>,
        flag: &str,
        uuid: &str,
    ) -> Result<LaunchPlan, PluginError> {
        let settings_path = ctx.session_dir.join(SETTINGS_FILE);
        let mut argv = program(ctx.config, "claude")?;
        argv.extend([
            flag.to_owned(),
            uuid.to_owned(),
            "--settings".to_owned(),
            settings_path.display().to_string(),
        ]);
        argv.extend(permission_args(ctx.config)?);
        if let Some(m) = &ctx.config.model {
            argv.extend(["--model".to_owned(), m.clone()]);
        }
        if let Some(s) = ctx.system_prompt() {
            argv.extend(["--append-system-prompt".to_owned(), s]);
        }
        argv.extend(ctx.config.args.iter().cloned());
        let mut env = ctx.config.env.clone();
        if super::updates_off(ctx.config) {
            env.insert("DISABLE_AUTOUPDATER".into(), "1".into());
        }
        Ok(LaunchPlan {
            argv,
            env,
            agent_session_id: Some(uuid.to_owned()),
            files: vec![(settings_path, settings_json(ctx))],
            ..LaunchPlan::default()
        })
    }

    fn plan(
        &self,
        ctx: &AgentContext<'_>,
        resume: Option<&str>,
    ) -> Result<LaunchPlan, PluginError> {
        if let Some(u) = resume {
            return self.base_plan(ctx, "--resume", u);
        }
        let uuid = match recorded_uuid(ctx) {
            Some(u) => u,
            None => fresh_uuid()?,
        };
        let mut plan = self.base_plan(ctx, "--session-id", &uuid)?;
        // `--` ends the options: a prompt starting with `-` stays the prompt, and a
        // variadic option (`--allowedTools a b`) from `args` cannot swallow it.
        plan.argv.push("--".to_owned());
        plan.argv.push(ctx.prompt()?);
        Ok(plan)
    }
}

impl Agent for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude-code"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        // A fresh launch never reuses a recorded id: that conversation already exists.
        let fresh = AgentContext {
            agent_session_id: None,
            ..ctx.clone()
        };
        self.plan(&fresh, None)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        match (recorded_uuid(ctx), self.transcript_path(ctx)) {
            (Some(u), Some(_)) => self.plan(ctx, Some(&u)),
            // No transcript: Claude never saved the conversation; start it again under
            // the same id so hooks and records stay consistent.
            _ => self.plan(ctx, None),
        }
    }

    fn process_names(&self) -> Vec<String> {
        ["claude", "claude.exe", "node"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        classify(screen)
    }

    fn transcript_activity(&self, ctx: &AgentContext<'_>) -> Option<ActivityFact> {
        self.transcript_activity_in(&config_dir_of(ctx), ctx)
    }

    fn interpret_hook(&self, event: &str, payload: &Value) -> Option<HookMeaning> {
        interpret(event, payload)
    }

    fn hook_events(&self) -> &'static [&'static str] {
        HOOK_EVENTS
    }

    fn input_pending(&self, cursor_line: &str, text: &str) -> bool {
        // A long paste is shown as a placeholder instead of its text.
        cursor_line.contains("[Pasted text #") || detect::text_on_line(cursor_line, text)
    }

    fn transcript_path(&self, ctx: &AgentContext<'_>) -> Option<PathBuf> {
        find_transcript(&config_dir_of(ctx), &recorded_uuid(ctx)?, ctx.workspace)
    }

    fn confirmed_by(&self) -> &'static str {
        "UserPromptSubmit hook or transcript"
    }

    fn took_message(&self, ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        if prompt_logged(&ctx.session_dir.join(super::PROMPT_LOG), msg) {
            return Some(true);
        }
        let in_transcript = self.transcript_path(ctx).is_some_and(|p| {
            detect::read_tail(&p, TAIL_BYTES)
                .is_ok_and(|t| transcript_has(&detect::json_lines(&t), msg))
        });
        Some(in_transcript)
    }

    fn estimate_cost(&self, ctx: &AgentContext<'_>) -> Option<CostEstimate> {
        let path = self.transcript_path(ctx)?;
        cost_of(&path).ok()
    }
}

/// True when the `UserPromptSubmit` hook logged `msg` (see [`super::PROMPT_LOG`]).
fn prompt_logged(log: &Path, msg: &SentMessage<'_>) -> bool {
    let Ok(text) = detect::read_tail(log, TAIL_BYTES) else {
        return false;
    };
    detect::json_lines(&text).iter().any(|v| {
        let at = v
            .get("at")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok());
        detect::not_before(at, msg.since)
            && v.get("prompt")
                .and_then(Value::as_str)
                .is_some_and(|p| detect::same_message(p, msg.text))
    })
}

/// True when the transcript shows `msg` taken: a user entry (a submitted prompt) or a
/// `queue-operation` enqueue (typed while Claude works; checked against 2.1.328).
pub(crate) fn transcript_has(lines: &[Value], msg: &SentMessage<'_>) -> bool {
    lines.iter().any(|v| {
        if !detect::not_before(detect::line_time(v), msg.since) {
            return false;
        }
        let text = match v.get("type").and_then(Value::as_str) {
            Some("user") => v
                .get("message")
                .and_then(|m| m.get("content"))
                .map(detect::content_text),
            Some("queue-operation") => v.get("content").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        text.is_some_and(|t| detect::same_message(&t, msg.text))
    })
}

/// Claude's config directory for this session: `CLAUDE_CONFIG_DIR` from
/// `agentConfig.env` (what the agent was launched with), else [`config_dir`].
pub(crate) fn config_dir_of(ctx: &AgentContext<'_>) -> PathBuf {
    match ctx
        .config
        .env
        .get("CLAUDE_CONFIG_DIR")
        .filter(|d| !d.is_empty())
    {
        Some(d) => PathBuf::from(d),
        None => config_dir(),
    }
}

/// `${CLAUDE_CONFIG_DIR:-~/.claude}`.
pub(crate) fn config_dir() -> PathBuf {
    detect::home_dir_or("CLAUDE_CONFIG_DIR", ".claude")
}

/// Finds `projects/<slug>/<uuid>.jsonl`: first under the slug Claude would compute for
/// `workspace` (every non-alphanumeric character becomes `-`), then in every project dir,
/// because the slug is lossy and may follow the git root instead of the cwd.
pub(crate) fn find_transcript(config_dir: &Path, uuid: &str, workspace: &Path) -> Option<PathBuf> {
    let projects = config_dir.join("projects");
    let name = format!("{uuid}.jsonl");
    let slug: String = workspace
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let guess = projects.join(slug).join(&name);
    if guess.is_file() {
        return Some(guess);
    }
    std::fs::read_dir(&projects)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join(&name))
        .find(|p| p.is_file())
}

/// The settings file: hooks only. Every hook command prints nothing and exits 0.
fn settings_json(ctx: &AgentContext<'_>) -> String {
    let entry = |event: &str, matcher: Option<&str>| {
        let mut e = serde_json::json!({
            "hooks": [{
                "type": "command",
                "command": ctx.hook_command("claude-code", event),
                "timeout": 10,
            }]
        });
        if let Some(m) = matcher {
            e["matcher"] = Value::String(m.to_owned());
        }
        e
    };
    let mut hooks = serde_json::Map::new();
    for event in HOOK_EVENTS {
        // PreToolUse only for AskUserQuestion: a question raises no Notification
        // (anthropics/claude-code#13830); every other tool start is implied by the prompt.
        let matcher = match *event {
            "PreToolUse" => Some("AskUserQuestion"),
            "PostToolUse" | "PostToolUseFailure" | "PermissionRequest" | "PermissionDenied"
            | "Notification" => Some(""),
            _ => None,
        };
        hooks.insert(
            (*event).to_owned(),
            Value::Array(vec![entry(event, matcher)]),
        );
    }
    let v = serde_json::json!({ "hooks": hooks });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// Flags for `agentConfig.permissions`: `ask` (default: Claude asks), `skip`
/// (`--dangerously-skip-permissions`), or one of the `--permission-mode` choices Claude
/// Code 2.1.328 lists in `claude --help`.
pub(crate) fn permission_args(cfg: &AgentConfig) -> Result<Vec<String>, PluginError> {
    use crate::config::permissions;
    permissions::check("claude-code", cfg.permissions.as_deref()).map_err(PluginError::Refused)?;
    Ok(match cfg.permissions.as_deref() {
        None | Some("ask" | "default") => Vec::new(),
        Some("skip") => vec!["--dangerously-skip-permissions".to_owned()],
        Some(m) => vec![
            "--permission-mode".to_owned(),
            permissions::claude_mode(m).to_owned(),
        ],
    })
}

/// Spinner glyphs Claude Code draws before its status verb (2.1.x).
const SPINNER: &[char] = &['·', '✢', '✳', '✶', '✻', '✽', '*'];

/// True for the working spinner line: `✻ Thinking… (12s · ↓ 1.2k tokens)`. A finished
/// turn's summary (`✻ Worked for 1m 3s`) has no ellipsis.
fn is_spinner(line: &str) -> bool {
    let t = line.trim_start();
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if SPINNER.contains(&c))
        && chars.next() == Some(' ')
        && t.contains('…')
}

/// Classifies a Claude Code screen (see the module docs for the order).
pub(crate) fn classify(screen: &str) -> Option<ScreenMatch> {
    let lines = detect::bottom(screen, BOTTOM_LINES);
    let waiting = |l: &str| Some(detect::matched(Activity::WaitingInput, l));
    // Why the CLI quit, as its last words before the pane died (2.1.328): offline without
    // onboarding, the trust dialog answered "No, exit", or `/exit` (the resume hint).
    if let Some(l) = detect::find(
        &detect::bottom(screen, 8),
        &[
            "Unable to connect to Anthropic services",
            "didn't start because this folder isn't trusted",
            "Resume this session with:",
        ],
    ) {
        return Some(detect::matched(Activity::Exited, l));
    }
    // Start-up dialogs: workspace trust (old numbered and 2.1.328 unnumbered wording),
    // bypass mode, API key.
    if let Some(l) = detect::dialog(
        &lines,
        &[
            "Do you trust the files in this folder?",
            "Is this a project you created or one you trust?",
        ],
    ) {
        return Some(detect::matched(
            Activity::WaitingInput,
            &format!("trust dialog: {}", l.trim()),
        ));
    }
    if let Some(l) = detect::dialog(
        &lines,
        &[
            "running in Bypass Permissions mode",
            "Do you want to use this API key?",
        ],
    ) {
        return waiting(l);
    }
    // Permission prompts and questions: a question followed by numbered choices.
    if let Some(l) = detect::dialog(&lines, &["Do you want to ", "Would you like to "]) {
        return waiting(l);
    }
    // Login.
    if let Some(l) = detect::find(
        &lines,
        &[
            "Select login method",
            "Please run /login",
            "Paste code here if prompted",
        ],
    ) {
        return waiting(l);
    }
    // The model API cannot be reached: retrying (2.1.328: "✻ Can't reach the API server —
    // … · retrying in 24s · attempt 10/10"), or retries used up ("API Error: …") above
    // the idle composer.
    let recent = detect::bottom(screen, 12);
    if let Some(l) = recent.iter().rev().find(|l| {
        l.contains("retrying in") && (l.contains("Can't reach") || l.contains("attempt "))
    }) {
        return Some(detect::retrying(Activity::Working, l));
    }
    if let Some(l) = recent.iter().rev().find(|l| l.contains("API Error:")) {
        let busy = recent
            .iter()
            .any(|l| is_spinner(l) || l.contains("esc to interrupt"));
        let state = if busy {
            Activity::Working
        } else {
            Activity::Ready
        };
        return Some(detect::retrying(state, l));
    }
    if let Some(l) = lines.iter().rev().find(|l| is_spinner(l)) {
        return Some(detect::matched(Activity::Working, l));
    }
    if let Some(l) = detect::find(&lines, &["esc to interrupt", "ctrl+c to interrupt"]) {
        return Some(detect::matched(Activity::Working, l));
    }
    // Usage limits, only close to the composer: an old one in scrollback is history.
    if let Some(l) = recent.iter().rev().find(|l| is_limit(l)) {
        return Some(detect::limit(l));
    }
    if let Some(l) = detect::find(
        &recent,
        &[
            "Interrupted · What should Claude do instead?",
            "? for shortcuts",
        ],
    ) {
        return Some(detect::matched(Activity::Ready, l));
    }
    // The composer: a `❯` prompt line directly under a rule.
    let composer = lines
        .windows(2)
        .rev()
        .find(|w| w[0].trim_start().starts_with("──") && w[1].trim_start().starts_with('❯'));
    composer.map(|w| detect::matched(Activity::Ready, w[1]))
}

/// A usage-limit message (2.1.x "You've hit your session limit · resets 3pm", older
/// "Claude usage limit reached. Your limit will reset at 3pm", "5-hour limit reached ∙
/// resets 3pm").
fn is_limit(line: &str) -> bool {
    let l = line.to_lowercase();
    (l.contains("you've hit your") && l.contains("limit"))
        || l.contains("usage limit reached")
        || (l.contains("limit reached") && l.contains("reset"))
}

/// The activity implied by the last main-chain transcript entries.
pub(crate) fn transcript_state(lines: &[Value], now: jiff::Timestamp) -> Option<ActivityFact> {
    for v in lines.iter().rev() {
        if v.get("isSidechain").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let at = v
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok());
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
        let msg = v.get("message");
        match kind {
            "assistant" => {
                let text = message_text(msg);
                if v.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true)
                    || v.get("error").is_some()
                {
                    if is_limit(&text) {
                        let mut f = transcript_fact(now, Activity::Blocked, &text, at);
                        f.resets = detect::reset_time(&text);
                        return Some(f);
                    }
                    return Some(transcript_fact(
                        now,
                        Activity::Ready,
                        format!("api error: {text}"),
                        at,
                    ));
                }
                let stop = msg
                    .and_then(|m| m.get("stop_reason"))
                    .and_then(Value::as_str);
                if let Some(tool) = last_tool_use(msg) {
                    return Some(transcript_fact(
                        now,
                        Activity::Working,
                        format!("tool_use {tool}"),
                        at,
                    ));
                }
                return Some(match stop {
                    Some("end_turn" | "stop_sequence") => {
                        transcript_fact(now, Activity::Ready, "assistant end_turn", at)
                    }
                    Some(other) => {
                        transcript_fact(now, Activity::Ready, format!("assistant {other}"), at)
                    }
                    // Still streaming.
                    None => transcript_fact(now, Activity::Working, "assistant streaming", at),
                });
            }
            "user" => {
                let text = message_text(msg);
                if text.contains("[Request interrupted by user") {
                    return Some(transcript_fact(
                        now,
                        Activity::Ready,
                        "interrupted by user",
                        at,
                    ));
                }
                let evidence = if is_tool_result(msg) {
                    "tool_result"
                } else {
                    "user prompt"
                };
                return Some(transcript_fact(now, Activity::Working, evidence, at));
            }
            "system" => match v.get("subtype").and_then(Value::as_str) {
                Some("turn_duration") => {
                    return Some(transcript_fact(now, Activity::Ready, "turn finished", at));
                }
                Some("api_error") => {
                    return Some(transcript_fact(
                        now,
                        Activity::Working,
                        "api error, retrying",
                        at,
                    ));
                }
                _ => {}
            },
            _ => {}
        }
    }
    None
}

/// All text blocks of a message (string content or `text` blocks), joined.
fn message_text(msg: Option<&Value>) -> String {
    match msg.and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn last_tool_use(msg: Option<&Value>) -> Option<String> {
    msg?.get("content")?
        .as_array()?
        .iter()
        .rev()
        .find(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .map(|b| {
            b.get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        })
}

fn is_tool_result(msg: Option<&Value>) -> bool {
    msg.and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .is_some_and(|b| {
            b.iter()
                .any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
        })
}

/// Meaning of a Claude Code hook call. Notification types are matched exactly (not by
/// text): the 60 s `idle_prompt` reminder is "ready", never "needs input" (AO #3738).
pub(crate) fn interpret(event: &str, p: &Value) -> Option<HookMeaning> {
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
    let meaning = |activity, detail: String| {
        Some(HookMeaning {
            activity,
            detail: truncate_chars(&detail, 300),
        })
    };
    match event {
        "SessionStart" => meaning(
            Activity::Ready,
            format!("session {}", nonempty(s("source"), "started")),
        ),
        "UserPromptSubmit" => meaning(Activity::Working, "prompt submitted".into()),
        "PreToolUse" if s("tool_name") == "AskUserQuestion" => {
            meaning(Activity::WaitingInput, question(p))
        }
        "PreToolUse" | "PostToolUse" | "PostToolUseFailure" | "PermissionDenied" => meaning(
            Activity::Working,
            format!("tool {}", nonempty(s("tool_name"), "?")),
        ),
        "PermissionRequest" => {
            if s("tool_name") == "AskUserQuestion" {
                meaning(Activity::WaitingInput, question(p))
            } else {
                meaning(
                    Activity::WaitingInput,
                    describe_tool(s("tool_name"), p.get("tool_input")),
                )
            }
        }
        "Notification" => {
            let msg = s("message").to_owned();
            match s("notification_type") {
                "permission_prompt" | "elicitation_dialog" => meaning(Activity::WaitingInput, msg),
                "idle_prompt" => meaning(Activity::Ready, msg),
                "elicitation_complete" | "elicitation_response" => meaning(Activity::Working, msg),
                // Older versions send no type: fall back to the documented texts.
                "" if msg.contains("needs your permission") => meaning(Activity::WaitingInput, msg),
                "" if msg.contains("waiting for your input") => meaning(Activity::Ready, msg),
                _ => None,
            }
        }
        "Elicitation" => meaning(
            Activity::WaitingInput,
            format!(
                "question from {}: {}",
                nonempty(s("mcp_server_name"), "an MCP server"),
                s("message")
            ),
        ),
        "Stop" => meaning(Activity::Ready, "turn finished".into()),
        "StopFailure" => {
            let err = nonempty(s("error"), "unknown");
            let detail = format!("turn failed: {err} {}", s("error_details"))
                .trim()
                .to_owned();
            match err {
                "rate_limit"
                | "billing_error"
                | "authentication_failed"
                | "oauth_org_not_allowed" => meaning(Activity::Blocked, detail),
                _ => meaning(Activity::Ready, detail),
            }
        }
        "SessionEnd" => meaning(
            Activity::Exited,
            format!("session ended ({})", nonempty(s("reason"), "unknown")),
        ),
        _ => None,
    }
}

fn nonempty<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

/// "permission to run `cmd`" and friends, from a tool call.
pub(crate) fn describe_tool(tool: &str, input: Option<&Value>) -> String {
    let field = |k: &str| {
        input
            .and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .map(|v| truncate_chars(v.lines().next().unwrap_or(""), 120))
    };
    match tool {
        "Bash" => match field("command") {
            Some(c) => format!("permission to run `{c}`"),
            None => "permission to run a command".into(),
        },
        "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => {
            match field("file_path").or_else(|| field("notebook_path")) {
                Some(f) => format!("permission to edit `{f}`"),
                None => "permission to edit a file".into(),
            }
        }
        "WebFetch" => match field("url") {
            Some(u) => format!("permission to fetch `{u}`"),
            None => "permission to fetch a URL".into(),
        },
        "" => "permission to use a tool".into(),
        other => format!("permission to use {other}"),
    }
}

/// The first question of an `AskUserQuestion` call.
fn question(p: &Value) -> String {
    let q = p
        .get("tool_input")
        .and_then(|i| i.get("questions"))
        .and_then(Value::as_array)
        .and_then(|qs| qs.first())
        .and_then(|q| q.get("question"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if q.is_empty() {
        "a question for you".into()
    } else {
        format!("question: {q}")
    }
}

/// Sums the usage records of a transcript. Claude writes one line per content block with
/// the same message id and usage, so usage is counted once per message id.
pub(crate) fn cost_of(path: &Path) -> std::io::Result<CostEstimate> {
    let f = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut seen = std::collections::HashSet::new();
    let mut est = CostEstimate::default();
    for line in f.lines() {
        let line = line?;
        if !line.contains("\"usage\"") {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        add_usage(&mut est, &mut seen, &v);
    }
    Ok(est)
}

/// Adds the usage of one transcript or stream-json line to `est`.
pub(crate) fn add_usage(
    est: &mut CostEstimate,
    seen: &mut std::collections::HashSet<String>,
    v: &Value,
) {
    let Some(msg) = v.get("message") else { return };
    let Some(u) = msg.get("usage") else { return };
    if let Some(id) = msg.get("id").and_then(Value::as_str)
        && !seen.insert(id.to_owned())
    {
        return;
    }
    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    let model = msg.get("model").and_then(Value::as_str).unwrap_or("");
    let (inp, out) = price(model);
    let (i, o, cw, cr) = (
        n("input_tokens"),
        n("output_tokens"),
        n("cache_creation_input_tokens"),
        n("cache_read_input_tokens"),
    );
    est.input_tokens += i;
    est.output_tokens += o;
    est.cache_write_tokens += cw;
    est.cache_read_tokens += cr;
    #[allow(clippy::cast_precision_loss)]
    {
        est.usd +=
            (i as f64 * inp + o as f64 * out + cw as f64 * inp * 1.25 + cr as f64 * inp * 0.1)
                / 1_000_000.0;
    }
    if !model.is_empty() && !model.starts_with('<') {
        est.model = Some(model.to_owned());
    }
}

/// List price in dollars per million (input, output) tokens, by model family.
fn price(model: &str) -> (f64, f64) {
    let m = model.to_ascii_lowercase();
    if m.contains("opus-4-1") || m.contains("opus-4-0") || m.contains("opus-4-2025") {
        (15.0, 75.0)
    } else if m.contains("opus") {
        (5.0, 25.0)
    } else if m.contains("haiku-3") || m.contains("3-5-haiku") {
        (0.8, 4.0)
    } else if m.contains("haiku") {
        (1.0, 5.0)
    } else {
        (3.0, 15.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/agents/claude-code")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn act(screen: &str) -> Option<Activity> {
        classify(screen).map(|m| m.activity)
    }

    #[test]
    fn real_trust_dialog_waits_for_input() {
        let m = classify(&fixture("trust-dialog.txt")).unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert!(m.evidence.starts_with("trust dialog"), "{}", m.evidence);
        assert_eq!(
            act(&fixture("api-key-dialog.txt")),
            Some(Activity::WaitingInput)
        );
    }

    #[test]
    fn real_ready_screen_and_transcript_after_an_api_error() {
        let m = classify(&fixture("ready-after-error.txt")).unwrap();
        assert_eq!(m.activity, Activity::Ready, "{}", m.evidence);
        let f = transcript_state(
            &detect::json_lines(&fixture("transcript-api-error.jsonl")),
            jiff::Timestamp::now(),
        )
        .unwrap();
        assert_eq!(f.state, Activity::Ready);
        assert_eq!(
            f.evidence,
            "api error: API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)"
        );
    }

    #[test]
    fn real_working_screen() {
        let m = classify(&fixture("working-retrying.txt")).unwrap();
        assert_eq!(m.activity, Activity::Working, "{}", m.evidence);
    }

    #[test]
    fn permission_prompt_and_prose() {
        let s = "⏺ Bash(rm -rf build)\n\n Bash command\n   rm -rf build\n\n Do you want to proceed?\n ❯ 1. Yes\n   2. Yes, and don't ask again for rm commands in /w\n   3. No, and tell Claude what to do differently (esc)\n";
        let m = classify(s).unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert_eq!(m.evidence, "Do you want to proceed?");
        // The same words in the agent's prose, with no choices, are not a dialog.
        let prose =
            "⏺ I will ask: Do you want to proceed?\n\n──────\n❯ \n──────\n  ? for shortcuts\n";
        assert_eq!(act(prose), Some(Activity::Ready));
    }

    #[test]
    fn usage_limit_is_blocked_with_reset() {
        let s = "⏺ Working on it\n  ⎿  You've hit your session limit · resets 3pm (Europe/London)\n     /upgrade to keep using Claude Code\n\n──────\n❯ \n──────\n  ? for shortcuts\n";
        let m = classify(s).unwrap();
        assert_eq!(m.activity, Activity::Blocked);
        assert_eq!(m.resets.as_deref(), Some("3pm (Europe/London)"));
        let old = "Claude usage limit reached. Your limit will reset at 5pm (America/New_York).\n";
        assert_eq!(
            classify(old).unwrap().resets.as_deref(),
            Some("5pm (America/New_York)")
        );
    }

    #[test]
    fn spinner_versus_finished_summary() {
        let working = "✶ Wibbling… (5s · ↓ 1.2k tokens)\n──────\n❯ \n──────\n";
        assert_eq!(act(working), Some(Activity::Working));
        let done = "✻ Worked for 1m 3s\n──────\n❯ \n──────\n";
        assert_eq!(act(done), Some(Activity::Ready));
        assert_eq!(
            act("Not logged in · Please run /login\n"),
            Some(Activity::WaitingInput)
        );
        assert_eq!(act("random output\n"), None);
    }

    #[test]
    fn transcript_states() {
        let ts = "2026-01-01T00:00:00Z";
        let tool = json!({"type":"assistant","timestamp":ts,"message":{"stop_reason":"tool_use","content":[{"type":"tool_use","name":"Bash","id":"t1","input":{}}]}});
        let end = json!({"type":"assistant","timestamp":ts,"message":{"stop_reason":"end_turn","content":[{"type":"text","text":"Done."}]}});
        let result = json!({"type":"user","timestamp":ts,"message":{"content":[{"type":"tool_result","tool_use_id":"t1"}]}});
        let snap = json!({"type":"file-history-snapshot"});
        let side = json!({"type":"assistant","isSidechain":true,"message":{"stop_reason":null}});
        let limit = json!({"type":"assistant","isApiErrorMessage":true,"timestamp":ts,"message":{"content":[{"type":"text","text":"Claude AI usage limit reached · resets 4am"}]}});
        let st = |v: &[Value]| transcript_state(v, jiff::Timestamp::now()).map(|f| f.state);
        assert_eq!(st(std::slice::from_ref(&tool)), Some(Activity::Working));
        assert_eq!(st(&[tool.clone(), result.clone()]), Some(Activity::Working));
        assert_eq!(
            st(&[tool, result, end.clone(), snap, side]),
            Some(Activity::Ready)
        );
        let f = transcript_state(&[end, limit], jiff::Timestamp::now()).unwrap();
        assert_eq!(f.state, Activity::Blocked);
        assert_eq!(f.resets.as_deref(), Some("4am"));
        assert_eq!(f.since, ts.parse::<Timestamp>().unwrap());
        assert_eq!(st(&[]), None);
    }

    #[test]
    fn hooks() {
        let m = |e: &str, p: Value| interpret(e, &p).map(|h| (h.activity, h.detail));
        assert_eq!(
            m(
                "PermissionRequest",
                json!({"tool_name":"Bash","tool_input":{"command":"rm -rf build"}})
            ),
            Some((
                Activity::WaitingInput,
                "permission to run `rm -rf build`".into()
            ))
        );
        assert_eq!(
            m("Notification", json!({"notification_type":"idle_prompt","message":"Claude is waiting for your input"})).unwrap().0,
            Activity::Ready
        );
        assert_eq!(
            m("Notification", json!({"notification_type":"permission_prompt","message":"Claude needs your permission to use Bash"})).unwrap().0,
            Activity::WaitingInput
        );
        assert_eq!(
            m("Notification", json!({"notification_type":"auth_success"})),
            None
        );
        assert_eq!(
            m(
                "PreToolUse",
                json!({"tool_name":"AskUserQuestion","tool_input":{"questions":[{"question":"Which DB?"}]}})
            ),
            Some((Activity::WaitingInput, "question: Which DB?".into()))
        );
        assert_eq!(
            m("StopFailure", json!({"error":"rate_limit"})).unwrap().0,
            Activity::Blocked
        );
        assert_eq!(
            m("SessionEnd", json!({"reason":"logout"})).unwrap().0,
            Activity::Exited
        );
        let start: Value = serde_json::from_str(&fixture("hooks/SessionStart.json")).unwrap();
        assert_eq!(m("SessionStart", start).unwrap().0, Activity::Ready);
        let submit: Value = serde_json::from_str(&fixture("hooks/UserPromptSubmit.json")).unwrap();
        assert_eq!(m("UserPromptSubmit", submit).unwrap().0, Activity::Working);
        let end: Value = serde_json::from_str(&fixture("hooks/SessionEnd.json")).unwrap();
        assert_eq!(m("SessionEnd", end).unwrap().0, Activity::Exited);
        let fail: Value = serde_json::from_str(&fixture("hooks/StopFailure.json")).unwrap();
        assert_eq!(m("StopFailure", fail).unwrap().0, Activity::Ready);
        let idle: Value = serde_json::from_str(&fixture("hooks/Notification-idle.json")).unwrap();
        assert_eq!(m("Notification", idle).unwrap().0, Activity::Ready);
        assert_eq!(m("Bogus", json!({})), None);
    }

    #[test]
    fn permissions_map_to_flags() {
        let with = |p: Option<&str>| {
            permission_args(&AgentConfig {
                permissions: p.map(str::to_owned),
                ..AgentConfig::default()
            })
        };
        assert!(with(None).unwrap().is_empty());
        assert!(with(Some("ask")).unwrap().is_empty());
        assert_eq!(
            with(Some("skip")).unwrap(),
            vec!["--dangerously-skip-permissions"]
        );
        assert_eq!(
            with(Some("accept-edits")).unwrap(),
            vec!["--permission-mode", "acceptEdits"]
        );
        // Claude Code 2.1.328 `--permission-mode` choices include `manual`.
        assert_eq!(
            with(Some("manual")).unwrap(),
            vec!["--permission-mode", "manual"]
        );
        assert!(with(Some("yolo")).is_err());
    }

    #[test]
    fn cost_counts_each_message_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        let line = |id: &str| {
            json!({"type":"assistant","message":{"id":id,"model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"output_tokens":1000,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}).to_string()
        };
        std::fs::write(&p, format!("{}\n{}\n{}\n", line("a"), line("a"), line("b"))).unwrap();
        let c = cost_of(&p).unwrap();
        assert_eq!(c.input_tokens, 2000);
        assert_eq!(c.output_tokens, 2000);
        assert!((c.usd - 0.036).abs() < 1e-9, "{}", c.usd);
        assert_eq!(c.model.as_deref(), Some("claude-sonnet-4-5"));
    }
}
