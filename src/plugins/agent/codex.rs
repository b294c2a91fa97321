//! `codex` agent: OpenAI Codex CLI's TUI in a tmux pane.
//!
//! * Launch: `codex -c notify=[<ao>, "hook", "codex", "notify"] [approval flags] [-m model]
//!   [args…] -- <task prompt>`. Codex appends one JSON argument to the notify program on
//!   `agent-turn-complete`, which `ao hook codex notify` records as "ready". The prompt is an
//!   argv element and survives the folder-trust screen (checked with Codex 0.169).
//! * Codex's own hooks (`PermissionRequest`, …) are not installed: non-managed hooks run
//!   only after a human trusts them in `/hooks`, and the bypass flag would also trust the
//!   repository's own hooks. Approval requests are read from the screen instead.
//! * Transcript: the rollout file `${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-*.jsonl`
//!   whose `session_meta` names the workspace as its cwd (or whose name ends with the
//!   recorded thread id). `task_started` / `task_complete` mark turn edges.
//! * Restore: `codex resume <thread id>` when the rollout is found, else a fresh launch.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::detect::{self, BOTTOM_LINES};
use super::{
    Agent, AgentContext, CostEstimate, HookMeaning, LaunchPlan, ScreenMatch, SentMessage, program,
    transcript_fact,
};
use crate::config::AgentConfig;
use crate::model::{Activity, ActivityFact};
use crate::plugins::PluginError;
use crate::sys::text::truncate_chars;

/// Hook events accepted by `ao hook codex`.
pub const HOOK_EVENTS: &[&str] = &["notify", "agent-turn-complete"];

/// How many day directories (newest first) are searched for a rollout by cwd.
const SEARCH_DAYS: usize = 14;

/// Rollout bytes read from the end for activity detection.
const TAIL_BYTES: u64 = 256 * 1024;

/// The `codex` agent.
#[derive(Debug)]
pub struct Codex;

impl Codex {
    /// Rollout activity with Codex's home given explicitly (the trait method uses
    /// `${CODEX_HOME:-~/.codex}`).
    pub fn transcript_activity_in(
        &self,
        codex_home: &Path,
        ctx: &AgentContext<'_>,
    ) -> Option<ActivityFact> {
        let path = find_rollout(codex_home, ctx.agent_session_id, ctx.workspace)?;
        let text = detect::read_tail(&path, TAIL_BYTES).ok()?;
        rollout_state(&detect::json_lines(&text), ctx.now)
    }

    /// The thread id of the rollout of this session (for `agent_session_id`), with
    /// Codex's home given explicitly; `None` until Codex wrote its rollout.
    pub fn thread_id_in(&self, codex_home: &Path, ctx: &AgentContext<'_>) -> Option<String> {
        thread_id(&find_rollout(
            codex_home,
            ctx.agent_session_id,
            ctx.workspace,
        )?)
    }

    fn options(&self, ctx: &AgentContext<'_>) -> Result<Vec<String>, PluginError> {
        let notify: Vec<String> = ctx
            .hook_argv("codex", "notify")
            .iter()
            .map(|w| serde_json::to_string(w).unwrap_or_default())
            .collect();
        let mut v = vec!["-c".to_owned(), format!("notify=[{}]", notify.join(","))];
        v.extend(approval_args(ctx.config)?);
        if super::updates_off(ctx.config) {
            v.extend([
                "-c".to_owned(),
                "check_for_update_on_startup=false".to_owned(),
            ]);
        }
        if let Some(m) = &ctx.config.model {
            v.extend(["--model".to_owned(), m.clone()]);
        }
        if let Some(s) = ctx.system_prompt() {
            // `developer_instructions` is added to the model's instructions; the value is
            // TOML, and a JSON string is a valid TOML basic string.
            v.extend([
                "-c".to_owned(),
                format!(
                    "developer_instructions={}",
                    serde_json::to_string(&s).unwrap_or_default()
                ),
            ]);
        }
        v.extend(ctx.config.args.iter().cloned());
        Ok(v)
    }
}

impl Agent for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let mut argv = program(ctx.config, "codex")?;
        argv.extend(self.options(ctx)?);
        argv.push("--".to_owned());
        argv.push(ctx.prompt()?);
        Ok(LaunchPlan {
            argv,
            env: ctx.config.env.clone(),
            ..LaunchPlan::default()
        })
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let Some(id) = self
            .transcript_path(ctx)
            .and_then(|p| thread_id(&p))
            .or_else(|| ctx.agent_session_id.map(str::to_owned))
        else {
            return self.launch(ctx);
        };
        let mut argv = program(ctx.config, "codex")?;
        argv.push("resume".to_owned());
        argv.extend(self.options(ctx)?);
        argv.push(id.clone());
        Ok(LaunchPlan {
            argv,
            env: ctx.config.env.clone(),
            agent_session_id: Some(id),
            ..LaunchPlan::default()
        })
    }

    fn process_names(&self) -> Vec<String> {
        ["codex", "node"].into_iter().map(str::to_owned).collect()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        classify(screen)
    }

    fn transcript_activity(&self, ctx: &AgentContext<'_>) -> Option<ActivityFact> {
        self.transcript_activity_in(&codex_home(), ctx)
    }

    fn interpret_hook(&self, event: &str, payload: &Value) -> Option<HookMeaning> {
        interpret(event, payload)
    }

    fn hook_events(&self) -> &'static [&'static str] {
        HOOK_EVENTS
    }

    fn transcript_path(&self, ctx: &AgentContext<'_>) -> Option<PathBuf> {
        find_rollout(&codex_home(), ctx.agent_session_id, ctx.workspace)
    }

    fn confirmed_by(&self) -> &'static str {
        "rollout (user message)"
    }

    fn took_message(&self, ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        let found = self.transcript_path(ctx).is_some_and(|p| {
            detect::read_tail(&p, TAIL_BYTES)
                .is_ok_and(|t| rollout_has(&detect::json_lines(&t), msg))
        });
        Some(found)
    }

    fn estimate_cost(&self, ctx: &AgentContext<'_>) -> Option<CostEstimate> {
        let path = self.transcript_path(ctx)?;
        let text = detect::read_tail(&path, TAIL_BYTES).ok()?;
        rollout_cost(&detect::json_lines(&text))
    }
}

/// Flags for `agentConfig.permissions`: `ask` (default: `--ask-for-approval on-request`),
/// `skip` (`--dangerously-bypass-approvals-and-sandbox`), or an approval policy Codex
/// 0.171 accepts (`codex --help`: on-request, never; `untrusted` and `on-failure` are gone).
pub(crate) fn approval_args(cfg: &AgentConfig) -> Result<Vec<String>, PluginError> {
    crate::config::permissions::check("codex", cfg.permissions.as_deref())
        .map_err(PluginError::Refused)?;
    match cfg.permissions.as_deref() {
        None | Some("ask" | "default") => Ok(vec![
            "--ask-for-approval".to_owned(),
            "on-request".to_owned(),
        ]),
        Some("skip") => Ok(vec![
            "--dangerously-bypass-approvals-and-sandbox".to_owned(),
        ]),
        Some(p) => Ok(vec!["--ask-for-approval".to_owned(), p.to_owned()]),
    }
}

/// `${CODEX_HOME:-~/.codex}`.
fn codex_home() -> PathBuf {
    detect::home_dir_or("CODEX_HOME", ".codex")
}

/// The rollout of this session: by recorded thread id in the file name, else the newest
/// rollout whose first line (`session_meta`) names `workspace` as its cwd.
pub(crate) fn find_rollout(
    codex_home: &Path,
    thread: Option<&str>,
    workspace: &Path,
) -> Option<PathBuf> {
    let sessions = codex_home.join("sessions");
    let cwd_needle = format!(
        "\"cwd\":{}",
        serde_json::to_string(&workspace.display().to_string()).ok()?
    );
    let sorted_desc = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v.reverse();
        v
    };
    let mut days = Vec::new();
    for y in sorted_desc(&sessions) {
        for m in sorted_desc(&y) {
            for d in sorted_desc(&m) {
                days.push(d);
                if days.len() >= SEARCH_DAYS {
                    break;
                }
            }
        }
    }
    for day in days {
        for f in sorted_desc(&day) {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.starts_with("rollout-") || !name.ends_with(".jsonl") {
                continue;
            }
            if let Some(t) = thread {
                if name.ends_with(&format!("-{t}.jsonl")) {
                    return Some(f);
                }
                continue;
            }
            if first_line(&f).is_some_and(|l| l.contains(&cwd_needle)) {
                return Some(f);
            }
        }
    }
    None
}

/// True when the rollout shows `msg` taken: a `user_message` event or a user
/// `message` response item written since it was typed.
pub(crate) fn rollout_has(lines: &[Value], msg: &SentMessage<'_>) -> bool {
    lines.iter().any(|v| {
        if !detect::not_before(detect::line_time(v), msg.since) {
            return false;
        }
        let Some(p) = v.get("payload") else {
            return false;
        };
        let text = match (
            v.get("type").and_then(Value::as_str),
            p.get("type").and_then(Value::as_str),
        ) {
            (Some("event_msg"), Some("user_message")) => {
                p.get("message").and_then(Value::as_str).map(str::to_owned)
            }
            (Some("response_item"), Some("message"))
                if p.get("role").and_then(Value::as_str) == Some("user") =>
            {
                p.get("content").map(detect::content_text)
            }
            _ => None,
        };
        text.is_some_and(|t| detect::same_message(&t, msg.text))
    })
}

fn first_line(p: &Path) -> Option<String> {
    use std::io::BufRead;
    let f = std::fs::File::open(p).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(f).read_line(&mut line).ok()?;
    Some(line)
}

/// The thread id of a rollout: `session_meta.payload.id`, else the uuid at the end of
/// the file name.
pub(crate) fn thread_id(p: &Path) -> Option<String> {
    let from_meta = first_line(p)
        .and_then(|l| serde_json::from_str::<Value>(&l).ok())
        .and_then(|v| v.get("payload")?.get("id")?.as_str().map(str::to_owned));
    from_meta.or_else(|| {
        let stem = p.file_stem()?.to_str()?;
        let tail = stem.get(stem.len().checked_sub(36)?..)?;
        detect::is_uuid(tail).then(|| tail.to_owned())
    })
}

/// Classifies a Codex screen: folder trust, login, approval dialogs (waiting for input),
/// the working status line, usage limits (blocked), the idle composer (ready).
pub(crate) fn classify(screen: &str) -> Option<ScreenMatch> {
    let lines = detect::bottom(screen, BOTTOM_LINES);
    // Why the CLI quit, as its last words before the pane died: a rejected argument
    // (clap's `error: invalid value …`) or the resume hint printed on a normal exit.
    let last = detect::bottom(screen, 8);
    if let Some(l) = last
        .iter()
        .find(|l| l.starts_with("error: ") || l.contains("To continue this session, run"))
    {
        return Some(detect::matched(Activity::Exited, l));
    }
    if let Some(l) = detect::dialog(
        &lines,
        &[
            "Do you trust the contents of this directory?",
            "Trust this folder?",
        ],
    ) {
        return Some(detect::matched(
            Activity::WaitingInput,
            &format!("trust dialog: {}", l.trim()),
        ));
    }
    if let Some(l) = detect::dialog(
        &lines,
        &["Sign in with ChatGPT", "Choose how you want to use Codex"],
    ) {
        return Some(detect::matched(Activity::WaitingInput, l));
    }
    if let Some(at) = detect::position(
        &lines,
        &[
            "Would you like to run the following command?",
            "Would you like to make the following edits?",
            "Would you like to grant these permissions?",
            "Would you like to send input to the existing terminal?",
            "Allow command?",
        ],
    ) && lines[at..].iter().any(|l| detect::is_choice(l))
    {
        // Name the command when the dialog shows one (`$ rm -rf build`).
        let cmd = lines[at..]
            .iter()
            .find_map(|l| l.trim().strip_prefix("$ "))
            .map(|c| format!(" `{}`", truncate_chars(c, 120)))
            .unwrap_or_default();
        return Some(detect::matched(
            Activity::WaitingInput,
            &format!("{}{cmd}", lines[at].trim()),
        ));
    }
    if let Some(l) = detect::find(&lines, &["Press enter to confirm or esc to cancel"]) {
        return Some(detect::matched(Activity::WaitingInput, l));
    }
    // The model API cannot be reached (0.171: "◦ Reconnecting... 3/5 (0s • esc to
    // interrupt)", then "◦ Reconnecting... waiting for network (1m 42s • esc to
    // interrupt)", which never ends by itself).
    if let Some(l) = detect::find(&lines, &["Reconnecting..."]) {
        return Some(detect::retrying(Activity::Working, l));
    }
    if let Some(l) = detect::find(&lines, &["esc to interrupt"]) {
        return Some(detect::matched(Activity::Working, l));
    }
    let recent = detect::bottom(screen, 12);
    if let Some(l) = recent
        .iter()
        .rev()
        .find(|l| l.contains("hit your usage limit") || l.contains("usage limit reached"))
    {
        return Some(detect::limit(l));
    }
    detect::find(&recent, &["Ask Codex to do anything", "? for shortcuts"])
        .map(|l| detect::matched(Activity::Ready, l))
}

/// The activity implied by the end of a rollout.
pub(crate) fn rollout_state(lines: &[Value], now: jiff::Timestamp) -> Option<ActivityFact> {
    for v in lines.iter().rev() {
        let at = v
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok());
        let p = v.get("payload");
        let pt = p
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        match (v.get("type").and_then(Value::as_str).unwrap_or(""), pt) {
            ("event_msg", "task_complete") => {
                return Some(transcript_fact(now, Activity::Ready, "task_complete", at));
            }
            ("event_msg", "turn_aborted") => {
                return Some(transcript_fact(now, Activity::Ready, "turn aborted", at));
            }
            ("event_msg", "task_started" | "user_message") => {
                return Some(transcript_fact(now, Activity::Working, pt, at));
            }
            (
                "event_msg",
                "exec_approval_request" | "apply_patch_approval_request" | "request_user_input",
            ) => {
                return Some(transcript_fact(now, Activity::WaitingInput, pt, at));
            }
            ("event_msg", "error") => {
                let msg = p
                    .and_then(|p| p.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if msg.contains("usage limit") {
                    let mut f = transcript_fact(now, Activity::Blocked, msg, at);
                    f.resets = detect::reset_time(msg);
                    return Some(f);
                }
            }
            (
                "response_item",
                "function_call"
                | "function_call_output"
                | "custom_tool_call"
                | "custom_tool_call_output"
                | "local_shell_call"
                | "reasoning",
            ) => {
                return Some(transcript_fact(now, Activity::Working, pt, at));
            }
            ("response_item", "message")
                if p.and_then(|p| p.get("role")).and_then(Value::as_str) == Some("assistant") =>
            {
                // Newer rollouts mark mid-turn commentary; older ones end a turn with the
                // assistant's message and write no task_complete.
                let phase = p.and_then(|p| p.get("phase")).and_then(Value::as_str);
                return Some(if phase == Some("commentary") {
                    transcript_fact(now, Activity::Working, "assistant commentary", at)
                } else {
                    transcript_fact(now, Activity::Ready, "assistant message", at)
                });
            }
            _ => {}
        }
    }
    None
}

/// Cost from the last `token_count` event (cumulative totals), at GPT-5 list prices.
fn rollout_cost(lines: &[Value]) -> Option<CostEstimate> {
    let usage = lines.iter().rev().find_map(|v| {
        let p = v.get("payload")?;
        (p.get("type")?.as_str()? == "token_count")
            .then(|| p.get("info")?.get("total_token_usage").cloned())
            .flatten()
    })?;
    let n = |k: &str| usage.get(k).and_then(Value::as_u64).unwrap_or(0);
    let cached = n("cached_input_tokens");
    let input = n("input_tokens").saturating_sub(cached);
    let output = n("output_tokens");
    #[allow(clippy::cast_precision_loss)]
    let usd = (input as f64 * 1.25 + cached as f64 * 0.125 + output as f64 * 10.0) / 1_000_000.0;
    Some(CostEstimate {
        input_tokens: input,
        output_tokens: output,
        cache_write_tokens: 0,
        cache_read_tokens: cached,
        usd,
        model: None,
    })
}

/// Meaning of a notify call: `agent-turn-complete` is "ready".
fn interpret(event: &str, p: &Value) -> Option<HookMeaning> {
    let kind = p.get("type").and_then(Value::as_str).unwrap_or(event);
    match kind {
        "agent-turn-complete" => Some(HookMeaning {
            activity: Activity::Ready,
            detail: "turn finished".into(),
        }),
        "approval-requested" | "user-input-requested" => Some(HookMeaning {
            activity: Activity::WaitingInput,
            detail: truncate_chars(
                p.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("Codex asks for approval"),
                300,
            ),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/agents/codex")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn act(s: &str) -> Option<Activity> {
        classify(s).map(|m| m.activity)
    }

    #[test]
    fn real_screens() {
        assert_eq!(
            act(&fixture("trust-dialog.txt")),
            Some(Activity::WaitingInput)
        );
        assert_eq!(act(&fixture("login.txt")), Some(Activity::WaitingInput));
        assert_eq!(act(&fixture("working.txt")), Some(Activity::Working));
    }

    #[test]
    fn approval_names_the_command() {
        let s = "• Running rm -rf build\n\n  Would you like to run the following command?\n\n  Reason: clean up\n\n  $ rm -rf build\n\n› 1. Yes, proceed (y)\n  2. Yes, and don't ask again for commands that start with `rm` (p)\n  3. No, and tell Codex what to do differently (esc)\n\n  Press enter to confirm or esc to cancel\n";
        let m = classify(s).unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert!(m.evidence.ends_with("`rm -rf build`"), "{}", m.evidence);
    }

    #[test]
    fn usage_limit_and_ready() {
        let s = "■ You've hit your usage limit. Upgrade to Pro or try again at 3:28 PM.\n\n› Ask Codex to do anything\n\n  ? for shortcuts\n";
        let m = classify(s).unwrap();
        assert_eq!(m.activity, Activity::Blocked);
        assert_eq!(m.resets.as_deref(), Some("3:28 PM"));
        assert_eq!(
            act("› Ask Codex to do anything\n\n  ? for shortcuts\n"),
            Some(Activity::Ready)
        );
    }

    #[test]
    fn rollout_turn_edges() {
        let ev = |t: &str| json!({"timestamp":"2026-01-01T00:00:00Z","type":"event_msg","payload":{"type":t}});
        let call =
            json!({"type":"response_item","payload":{"type":"function_call","name":"shell"}});
        let st = |v: &[Value]| rollout_state(v, jiff::Timestamp::now()).map(|f| f.state);
        assert_eq!(
            st(&[ev("task_started"), call.clone()]),
            Some(Activity::Working)
        );
        assert_eq!(
            st(&[
                ev("task_started"),
                call,
                ev("task_complete"),
                ev("token_count")
            ]),
            Some(Activity::Ready)
        );
        assert_eq!(st(&[json!({"type":"session_meta"})]), None);
    }

    #[test]
    fn notify_payload() {
        let p = json!({"type":"agent-turn-complete","thread-id":"t","turn-id":"1","cwd":"/w","input-messages":["x"],"last-assistant-message":"done"});
        assert_eq!(interpret("notify", &p).unwrap().activity, Activity::Ready);
        assert_eq!(interpret("notify", &json!({"type":"other"})), None);
    }

    #[test]
    fn approvals_map_to_flags() {
        let with = |p: Option<&str>| {
            approval_args(&AgentConfig {
                permissions: p.map(str::to_owned),
                ..AgentConfig::default()
            })
        };
        assert_eq!(
            with(None).unwrap(),
            vec!["--ask-for-approval", "on-request"]
        );
        assert_eq!(
            with(Some("skip")).unwrap(),
            vec!["--dangerously-bypass-approvals-and-sandbox"]
        );
        assert_eq!(
            with(Some("never")).unwrap(),
            vec!["--ask-for-approval", "never"]
        );
        assert!(with(Some("whatever")).is_err());
        // Codex 0.171 rejects these ("possible values: on-request, never").
        assert!(with(Some("untrusted")).is_err());
        assert!(with(Some("on-failure")).is_err());
    }

    #[test]
    fn cost_from_token_count() {
        let tc = json!({"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1_000_000,"cached_input_tokens":0,"output_tokens":100_000}}}});
        let c = rollout_cost(&[tc]).unwrap();
        assert!((c.usd - 2.25).abs() < 1e-9, "{}", c.usd);
    }
}
