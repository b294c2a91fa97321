//! `claude-headless` agent: Claude Code in print mode on the `process` runtime, for
//! machines without tmux or fleets nobody attaches to.
//!
//! * Launch: `claude -p --output-format stream-json --verbose --session-id <uuid>
//!   --settings <file> [permission flags] [--model m] [--append-system-prompt s] [args…]
//!   -- <task prompt>`. The process answers one turn and exits; the output log is the
//!   stream, one JSON message a line.
//! * Messages: each one is a new process resuming the conversation
//!   ([`Agent::message_plan`]: the same flags with `--resume <uuid>` and the message as
//!   the prompt argument). There is no terminal to paste into.
//! * State from the stream (the process runtime's capture is the log's tail): a final
//!   `result` line means the turn finished (ready; a usage-limit error is blocked), any
//!   other last message means the turn is still running. Hooks and the transcript work as
//!   for `claude-code`. Print mode cannot ask for permissions: with `ask`, tools that
//!   need approval are refused and the model is told so.

use serde_json::Value;

use super::claude_code::{self, ClaudeCode};
use super::detect;
use super::{
    Agent, AgentContext, CostEstimate, HookMeaning, LaunchPlan, ScreenMatch, fresh_uuid,
    recorded_uuid,
};
use crate::model::{Activity, ActivityFact};
use crate::plugins::PluginError;

/// The `claude-headless` agent.
#[derive(Debug)]
pub struct ClaudeHeadless;

impl ClaudeHeadless {
    fn plan(
        &self,
        ctx: &AgentContext<'_>,
        resume: Option<&str>,
        prompt: String,
    ) -> Result<LaunchPlan, PluginError> {
        let uuid = match (resume, recorded_uuid(ctx)) {
            (Some(u), _) => u.to_owned(),
            (None, Some(u)) => u,
            (None, None) => fresh_uuid()?,
        };
        let flag = if resume.is_some() {
            "--resume"
        } else {
            "--session-id"
        };
        // The interactive command line (settings file, permissions, model, system prompt),
        // with print mode's flags after the program.
        let mut plan = ClaudeCode.base_plan(ctx, flag, &uuid)?;
        let program_len = super::program(ctx.config, "claude")?.len();
        let rest = plan.argv.split_off(program_len);
        plan.argv.extend(
            ["-p", "--output-format", "stream-json", "--verbose"]
                .into_iter()
                .map(str::to_owned),
        );
        plan.argv.extend(rest);
        plan.argv.push("--".to_owned());
        plan.argv.push(prompt);
        Ok(plan)
    }
}

impl Agent for ClaudeHeadless {
    fn name(&self) -> &'static str {
        "claude-headless"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let fresh = AgentContext {
            agent_session_id: None,
            ..ctx.clone()
        };
        self.plan(&fresh, None, ctx.prompt()?)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        match (recorded_uuid(ctx), ClaudeCode.transcript_path(ctx)) {
            (Some(u), Some(_)) => self.plan(
                ctx,
                Some(&u),
                "Continue the task where you left off.".to_owned(),
            ),
            _ => self.plan(ctx, None, ctx.prompt()?),
        }
    }

    fn process_names(&self) -> Vec<String> {
        ClaudeCode.process_names()
    }

    fn classify_screen(&self, log: &str) -> Option<ScreenMatch> {
        classify_stream(log)
    }

    fn transcript_activity(&self, ctx: &AgentContext<'_>) -> Option<ActivityFact> {
        ClaudeCode.transcript_activity(ctx)
    }

    fn interpret_hook(&self, event: &str, payload: &Value) -> Option<HookMeaning> {
        claude_code::interpret(event, payload)
    }

    fn hook_events(&self) -> &'static [&'static str] {
        claude_code::HOOK_EVENTS
    }

    fn accepts_paste(&self, _screen: &str) -> bool {
        false
    }

    fn confirmed_by(&self) -> &'static str {
        "a new `claude -p --resume` process taking it as its prompt"
    }

    fn transcript_path(&self, ctx: &AgentContext<'_>) -> Option<std::path::PathBuf> {
        ClaudeCode.transcript_path(ctx)
    }

    fn estimate_cost(&self, ctx: &AgentContext<'_>) -> Option<CostEstimate> {
        ClaudeCode.estimate_cost(ctx)
    }

    fn message_plan(
        &self,
        ctx: &AgentContext<'_>,
        text: &str,
    ) -> Option<Result<LaunchPlan, PluginError>> {
        Some(match recorded_uuid(ctx) {
            Some(u) => self.plan(ctx, Some(&u), text.to_owned()),
            None => Err(PluginError::NotFound(
                "claude-headless: the session has no recorded conversation id to resume".into(),
            )),
        })
    }
}

/// Classifies the tail of a stream-json log.
pub(crate) fn classify_stream(log: &str) -> Option<ScreenMatch> {
    let last = log
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .find(|v| v.get("type").and_then(Value::as_str).is_some())?;
    let kind = last.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "result" {
        return Some(detect::matched(
            Activity::Working,
            &format!("stream: {kind}"),
        ));
    }
    let subtype = last.get("subtype").and_then(Value::as_str).unwrap_or("");
    let text = last.get("result").and_then(Value::as_str).unwrap_or("");
    let is_error = last.get("is_error").and_then(Value::as_bool) == Some(true);
    let l = text.to_lowercase();
    if is_error && (l.contains("limit") && (l.contains("reset") || l.contains("hit your"))) {
        return Some(detect::limit(text));
    }
    Some(detect::matched(
        Activity::Ready,
        &format!(
            "result {subtype}{}",
            if is_error {
                format!(": {}", crate::sys::text::truncate_chars(text, 120))
            } else {
                String::new()
            }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentConfig;
    use std::path::Path;

    #[test]
    fn stream_states() {
        let init = r#"{"type":"system","subtype":"init","session_id":"u"}"#;
        let asst =
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash"}]}}"#;
        let done = r#"{"type":"result","subtype":"success","is_error":false,"result":"Done"}"#;
        let limit = r#"{"type":"result","subtype":"success","is_error":true,"result":"You've hit your session limit · resets 3pm"}"#;
        let act = |s: &str| classify_stream(s).map(|m| m.activity);
        assert_eq!(act(&format!("{init}\n{asst}\n")), Some(Activity::Working));
        assert_eq!(
            act(&format!("{init}\n{asst}\n{done}\n")),
            Some(Activity::Ready)
        );
        let m = classify_stream(&format!("{init}\n{limit}\n")).unwrap();
        assert_eq!(m.activity, Activity::Blocked);
        assert_eq!(m.resets.as_deref(), Some("3pm"));
        assert_eq!(act("not json\n"), None);
    }

    #[test]
    fn messages_resume_the_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let prompt = dir.path().join("prompt.md");
        std::fs::write(&prompt, "do it\n").unwrap();
        let cfg = AgentConfig::default();
        let uuid = "123e4567-e89b-42d3-a456-426614174000";
        let ctx = AgentContext {
            now: jiff::Timestamp::now(),
            session: "app-1",
            project: "app",
            workspace: Path::new("/w"),
            prompt_file: &prompt,
            session_dir: dir.path(),
            agent_session_id: Some(uuid),
            config: &cfg,
            ao_bin: Path::new("/bin/ao"),
        };
        let launch = ClaudeHeadless.launch(&ctx).unwrap();
        assert_eq!(
            &launch.argv[..5],
            [
                "claude",
                "-p",
                "--output-format",
                "stream-json",
                "--verbose"
            ]
        );
        assert!(launch.argv.contains(&"--session-id".to_owned()));
        assert_ne!(
            launch.agent_session_id.as_deref(),
            Some(uuid),
            "fresh launch, new id"
        );
        assert_eq!(launch.argv.last().map(String::as_str), Some("do it"));
        let msg = ClaudeHeadless
            .message_plan(&ctx, "CI failed; fix it;")
            .unwrap()
            .unwrap();
        let i = msg.argv.iter().position(|a| a == "--resume").unwrap();
        assert_eq!(msg.argv[i + 1], uuid);
        assert_eq!(
            msg.argv.last().map(String::as_str),
            Some("CI failed; fix it;")
        );
        assert!(!ClaudeHeadless.accepts_paste(""));
    }
}
