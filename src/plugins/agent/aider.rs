//! `aider` agent: aider's prompt-toolkit chat in a tmux pane.
//!
//! * Launch: `aider --read <prompt file> --load <session>/aider-load.txt --notifications
//!   --notifications-command "AO_SESSION=… <ao> hook aider notify" --chat-history-file …
//!   --input-history-file … --no-gitignore --no-check-update --no-show-release-notes
//!   --no-analytics [--model m] [--yes-always] [args…]`. aider has no "start with this
//!   prompt and stay interactive" flag, so the task goes in as a read-only file plus one
//!   `/code` command in a `--load` file, both processed before the first input prompt:
//!   nothing is typed into the terminal, so nothing races the start-up.
//! * History files live in the session directory, and `--no-gitignore` stops aider asking
//!   to edit `.gitignore`: nothing lands in the user's repository except aider's tag cache.
//! * Push: aider runs the notifications command whenever it waits for the human, both for
//!   the next message and for a `(Y)es/(N)o` question. `ao hook aider notify` therefore
//!   looks at the screen to tell the two apart ([`Agent::hook_checks_screen`]).
//! * Restore: the same launch without the task, plus `--restore-chat-history`.

use serde_json::Value;

use super::detect::{self, BOTTOM_LINES};
use super::{Agent, AgentContext, HookMeaning, LaunchPlan, ScreenMatch, SentMessage, program};
use crate::model::Activity;
use crate::plugins::PluginError;

/// Hook events accepted by `ao hook aider`.
pub const HOOK_EVENTS: &[&str] = &["notify"];

/// The `aider` agent.
#[derive(Debug)]
pub struct Aider;

impl Aider {
    fn plan(&self, ctx: &AgentContext<'_>, restore: bool) -> Result<LaunchPlan, PluginError> {
        let dir = ctx.session_dir;
        let mut argv = program(ctx.config, "aider")?;
        let mut files = Vec::new();
        argv.extend([
            "--notifications".to_owned(),
            "--notifications-command".to_owned(),
            ctx.hook_command("aider", "notify"),
            "--chat-history-file".to_owned(),
            dir.join("aider.chat.history.md").display().to_string(),
            "--input-history-file".to_owned(),
            dir.join(INPUT_HISTORY).display().to_string(),
            "--no-gitignore".to_owned(),
            "--no-show-release-notes".to_owned(),
            "--no-analytics".to_owned(),
            "--read".to_owned(),
            ctx.prompt_file.display().to_string(),
        ]);
        argv.extend(permission_args(ctx.config)?);
        if super::updates_off(ctx.config) {
            argv.push("--no-check-update".to_owned());
        }
        if let Some(m) = &ctx.config.model {
            argv.extend(["--model".to_owned(), m.clone()]);
        }
        if let Some(s) = ctx.system_prompt() {
            let p = dir.join("aider-conventions.md");
            files.push((p.clone(), s + "\n"));
            argv.extend(["--read".to_owned(), p.display().to_string()]);
        }
        if restore {
            argv.push("--restore-chat-history".to_owned());
        } else {
            // Fails early (before launch) when the prompt is unreadable.
            ctx.prompt()?;
            let load = dir.join("aider-load.txt");
            let name = ctx
                .prompt_file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("prompt");
            files.push((
                load.clone(),
                format!(
                    "/code Carry out the task described in the read-only file {name}. Work until it is done.\n"
                ),
            ));
            argv.extend(["--load".to_owned(), load.display().to_string()]);
        }
        argv.extend(ctx.config.args.iter().cloned());
        Ok(LaunchPlan {
            argv,
            env: ctx.config.env.clone(),
            files,
            private_files: vec![
                dir.join("aider.chat.history.md"),
                dir.join("aider.input.history"),
            ],
            ..LaunchPlan::default()
        })
    }
}

/// Flags for `agentConfig.permissions`: `ask` (default) or `skip` (`--yes-always`).
pub(crate) fn permission_args(
    cfg: &crate::config::AgentConfig,
) -> Result<Vec<String>, PluginError> {
    match cfg.permissions.as_deref() {
        None | Some("ask") | Some("default") => Ok(Vec::new()),
        Some("skip") => Ok(vec!["--yes-always".to_owned()]),
        Some(p) => Err(PluginError::Refused(format!(
            "aider: unknown `agentConfig.permissions` value `{p}` (use ask or skip)"
        ))),
    }
}

impl Agent for Aider {
    fn name(&self) -> &'static str {
        "aider"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        self.plan(ctx, false)
    }

    fn restore(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        self.plan(ctx, true)
    }

    fn process_names(&self) -> Vec<String> {
        ["aider", "python", "python3"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        classify(screen)
    }

    fn interpret_hook(&self, event: &str, _payload: &Value) -> Option<HookMeaning> {
        (event == "notify").then(|| HookMeaning {
            activity: Activity::Ready,
            detail: "waiting for you".into(),
        })
    }

    fn hook_events(&self) -> &'static [&'static str] {
        HOOK_EVENTS
    }

    fn hook_checks_screen(&self, _event: &str) -> bool {
        true
    }

    fn confirmed_by(&self) -> &'static str {
        "input history"
    }

    fn took_message(&self, ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        let path = ctx.session_dir.join(INPUT_HISTORY);
        let text = detect::read_tail(&path, 256 * 1024).unwrap_or_default();
        let tz = jiff::tz::TimeZone::system();
        Some(history_has(&text, msg, &tz))
    }
}

/// aider's input history file in the session directory (`--input-history-file`).
const INPUT_HISTORY: &str = "aider.input.history";

/// True when aider's input history (prompt_toolkit's `FileHistory`: a `# <local time>`
/// line, then the entry's lines each prefixed with `+`) has an entry for `msg` written
/// since it was typed. Times are local civil times in `tz`.
pub(crate) fn history_has(text: &str, msg: &SentMessage<'_>, tz: &jiff::tz::TimeZone) -> bool {
    let mut at: Option<jiff::Timestamp> = None;
    let mut entry = String::new();
    let mut found = false;
    let mut check = |at: Option<jiff::Timestamp>, entry: &str| {
        found |= !entry.is_empty()
            && at.is_some_and(|t| detect::not_before(Some(t), msg.since))
            && detect::same_message(entry, msg.text);
    };
    for line in text.lines() {
        if let Some(time) = line.strip_prefix("# ") {
            check(at, &entry);
            entry.clear();
            at = time
                .trim()
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|d| d.to_zoned_datetime(tz.clone()).ok())
                .map(|z| z.timestamp());
        } else if let Some(l) = line.strip_prefix('+') {
            entry.push_str(l);
            entry.push('\n');
        }
    }
    check(at, &entry);
    found
}

/// Classifies an aider screen: a `(Y)es/(N)o` question on the last lines (waiting for
/// input), quota errors (blocked), the "Waiting for" spinner (working), the input prompt
/// (`> `, `ask> `, `architect> `, ready).
pub(crate) fn classify(screen: &str) -> Option<ScreenMatch> {
    let lines = detect::bottom(screen, BOTTOM_LINES);
    let last = lines.last()?;
    // Questions end the screen: `Add file to the chat? (Y)es/(N)o/(A)ll/(S)kip all/(D)on't
    // ask again [Yes]:`.
    if last.contains("(Y)es/(N)o") {
        return Some(detect::matched(Activity::WaitingInput, last));
    }
    let tail = detect::bottom(screen, 6);
    if let Some(l) = detect::find(
        &tail,
        &[
            "exceeded your current quota",
            "insufficient_quota",
            "usage limit",
        ],
    ) {
        return Some(detect::limit(l));
    }
    // The model API cannot be reached (0.86.2: "litellm.InternalServerError: …
    // Connection error." and "Retrying in 2.0 seconds..." while retrying; the same error
    // above the prompt once it gave up).
    let unreachable = detect::find(
        &tail,
        &["Connection error", "APIConnectionError", "Cannot connect"],
    );
    if is_prompt(last) {
        return Some(match unreachable {
            Some(l) => detect::retrying(Activity::Ready, l),
            None => detect::matched(Activity::Ready, last),
        });
    }
    if let Some(l) = unreachable {
        return Some(detect::retrying(Activity::Working, l));
    }
    if let Some(l) = detect::find(&tail, &["Waiting for ", "Thinking", "Retrying in"]) {
        return Some(detect::matched(Activity::Working, l));
    }
    None
}

/// aider's input prompt: `>` alone or after a mode word (`ask>`, `architect>`,
/// `multi>`), possibly followed by typed text.
fn is_prompt(line: &str) -> bool {
    let t = line.trim_start();
    match t.find('>') {
        Some(0) => true,
        Some(i) => {
            let word = &t[..i];
            !word.is_empty()
                && word.len() <= 12
                && word.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(s: &str) -> Option<Activity> {
        classify(s).map(|m| m.activity)
    }

    #[test]
    fn screens() {
        let q = "Applied edit to app.py\nAdd tests/test_app.py to the chat? (Y)es/(N)o/(A)ll/(S)kip all/(D)on't ask again [Yes]: ";
        let m = classify(q).unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert!(
            m.evidence.starts_with("Add tests/test_app.py"),
            "{}",
            m.evidence
        );
        assert_eq!(
            act("Tokens: 2k sent, 300 received.\n> "),
            Some(Activity::Ready)
        );
        assert_eq!(act("architect> "), Some(Activity::Ready));
        assert_eq!(act("░█  Waiting for gpt-4o\n"), Some(Activity::Working));
        assert_eq!(
            act(
                "litellm.RateLimitError: You exceeded your current quota, please check your plan\n"
            ),
            Some(Activity::Blocked)
        );
        assert_eq!(act("some output\n"), None);
        assert!(!is_prompt("Error: x > y"));
    }
}
