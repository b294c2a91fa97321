//! `goose` agent: Block's goose CLI in a tmux pane.
//!
//! * Launch: `goose run --instructions <prompt file> --interactive --name <ao session>
//!   [--system <system prompt>] [--model m] [args…]`: goose reads the task from the file,
//!   works on it, then stays in its interactive prompt. The permission mode is
//!   `GOOSE_MODE` (`ask` → `smart_approve`, `skip` → `auto`, or a goose mode).
//! * Restore: `goose session --resume --name <ao session>`.
//! * Screen only (goose keeps its sessions in a database): the tool-approval question
//!   (waiting for input), rate-limit errors (blocked), the spinner (working), the
//!   `( O)>` prompt (ready).

use super::detect::{self, BOTTOM_LINES};
use super::{Agent, AgentContext, LaunchPlan, ScreenMatch, program};
use crate::model::Activity;
use crate::plugins::PluginError;

/// The `goose` agent.
#[derive(Debug)]
pub struct Goose;

impl Goose {
    fn env(
        ctx: &AgentContext<'_>,
    ) -> Result<std::collections::BTreeMap<String, String>, PluginError> {
        let mode = mode(ctx.config)?;
        let mut env = ctx.config.env.clone();
        env.insert("GOOSE_MODE".into(), mode.into());
        Ok(env)
    }

    fn common(ctx: &AgentContext<'_>, argv: &mut Vec<String>) {
        argv.extend(["--name".to_owned(), ctx.session.to_owned()]);
        if let Some(m) = &ctx.config.model {
            argv.extend(["--model".to_owned(), m.clone()]);
        }
        argv.extend(ctx.config.args.iter().cloned());
    }
}

/// `GOOSE_MODE` for `agentConfig.permissions`: `ask` (default: smart_approve), `skip`
/// (auto), or a Goose mode.
pub(crate) fn mode(cfg: &crate::config::AgentConfig) -> Result<&str, PluginError> {
    const MODES: &[&str] = &["auto", "approve", "smart_approve", "chat"];
    match cfg.permissions.as_deref() {
        None | Some("ask") | Some("default") => Ok("smart_approve"),
        Some("skip") => Ok("auto"),
        Some(m) if MODES.contains(&m) => Ok(m),
        Some(m) => Err(PluginError::Refused(format!(
            "goose: unknown `agentConfig.permissions` value `{m}` (use ask, skip, or one of {})",
            MODES.join(", ")
        ))),
    }
}

impl Agent for Goose {
    fn name(&self) -> &'static str {
        "goose"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        ctx.prompt()?;
        let mut argv = program(ctx.config, "goose")?;
        argv.extend([
            "run".to_owned(),
            "--instructions".to_owned(),
            ctx.prompt_file.display().to_string(),
            "--interactive".to_owned(),
        ]);
        if let Some(s) = ctx.system_prompt() {
            argv.extend(["--system".to_owned(), s]);
        }
        Self::common(ctx, &mut argv);
        Ok(LaunchPlan {
            argv,
            env: Self::env(ctx)?,
            agent_session_id: Some(ctx.session.to_owned()),
            ..LaunchPlan::default()
        })
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let mut argv = program(ctx.config, "goose")?;
        argv.extend(["session".to_owned(), "--resume".to_owned()]);
        Self::common(ctx, &mut argv);
        Ok(LaunchPlan {
            argv,
            env: Self::env(ctx)?,
            agent_session_id: Some(ctx.session.to_owned()),
            ..LaunchPlan::default()
        })
    }

    fn process_names(&self) -> Vec<String> {
        vec!["goose".to_owned()]
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        classify(screen)
    }
}

/// Braille spinner frames (cliclack).
const SPINNER: &[char] = &[
    '⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏', '◒', '◐', '◓', '◑',
];

/// Classifies a goose screen.
pub(crate) fn classify(screen: &str) -> Option<ScreenMatch> {
    let lines = detect::bottom(screen, BOTTOM_LINES);
    // An open question is drawn with `◆` and a selected radio `●`; once answered it is
    // redrawn with `◇`.
    if let Some(at) = detect::position(
        &lines,
        &[
            "Goose would like to call the above tool",
            "goose would like to call the above tool",
            "Do you allow this tool call?",
        ],
    ) && !lines[at].trim_start().starts_with('◇')
        && lines[at..].iter().any(|l| l.contains('●'))
    {
        return Some(detect::matched(Activity::WaitingInput, lines[at]));
    }
    let last = lines.last()?;
    let tail = detect::bottom(screen, 6);
    if let Some(l) = detect::find(
        &tail,
        &["Rate limit exceeded", "rate limit exceeded", "quota"],
    ) {
        return Some(detect::limit(l));
    }
    if last.contains("( O)>") {
        return Some(detect::matched(Activity::Ready, last));
    }
    if let Some(l) = tail
        .iter()
        .rev()
        .find(|l| l.trim_start().starts_with(SPINNER))
    {
        return Some(detect::matched(Activity::Working, l));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(s: &str) -> Option<Activity> {
        classify(s).map(|m| m.activity)
    }

    #[test]
    fn screens() {
        let ask = "─── shell | developer ───\ncommand: rm -rf build\n\n◆  Goose would like to call the above tool, do you allow?\n│  ● Allow (Allow the tool call once)\n│  ○ Always Allow\n│  ○ Deny\n└\n";
        assert_eq!(act(ask), Some(Activity::WaitingInput));
        let answered = "◇  Goose would like to call the above tool, do you allow?\n│  Allow\n\n⠙ Consulting the archives...\n";
        assert_eq!(act(answered), Some(Activity::Working));
        assert_eq!(act("done.\n( O)> "), Some(Activity::Ready));
        assert_eq!(
            act("Error: Rate limit exceeded, retry later\n"),
            Some(Activity::Blocked)
        );
    }
}
