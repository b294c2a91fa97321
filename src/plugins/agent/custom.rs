//! `custom` agent: any command from config (`agentConfig.command`, split with shell-word
//! rules but never run by a shell), extra `args` and `env`, and optional detection
//! patterns (`agentConfig.patterns`: plain substrings per activity, matched against the
//! last non-empty lines of the pane, most urgent activity first). Multi-line messages go
//! to a file unless `agentConfig.pasteMultiline: true`.

use super::{Agent, AgentContext, LaunchPlan, ScreenMatch, SentMessage};
use crate::config::{AgentConfig, AgentPatterns};
use crate::model::Activity;
use crate::plugins::PluginError;

/// How many trailing non-empty screen lines the patterns look at.
const TAIL_LINES: usize = 8;

/// A user-defined agent.
#[derive(Debug, Default)]
pub struct Custom {
    patterns: AgentPatterns,
    program: String,
    paste_multiline: bool,
}

impl Custom {
    /// From the project's agent settings.
    pub fn new(cfg: &AgentConfig) -> Self {
        let program = cfg
            .command
            .as_deref()
            .and_then(shlex::split)
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default();
        Self {
            patterns: cfg.patterns.clone().unwrap_or_default(),
            program,
            paste_multiline: cfg.paste_multiline.unwrap_or(false),
        }
    }
}

/// Splits `agentConfig.command` into an argument vector.
pub fn command_argv(cfg: &AgentConfig) -> Result<Vec<String>, PluginError> {
    let cmd = cfg.command.as_deref().ok_or_else(|| {
        PluginError::NotFound(
            "the `custom` agent needs `agentConfig.command` (the command line to run)".into(),
        )
    })?;
    let argv = shlex::split(cmd).filter(|v| !v.is_empty()).ok_or_else(|| {
        PluginError::Refused(format!(
            "`agentConfig.command` is not a valid command line (unbalanced quotes?): {cmd}"
        ))
    })?;
    Ok(argv)
}

impl Agent for Custom {
    fn name(&self) -> &'static str {
        "custom"
    }

    fn launch(&self, ctx: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
        let mut argv = command_argv(ctx.config)?;
        argv.extend(ctx.config.args.iter().cloned());
        Ok(LaunchPlan {
            argv,
            env: ctx.config.env.clone(),
            ..LaunchPlan::default()
        })
    }

    fn confirmed_by(&self) -> &'static str {
        "its `working` pattern, else unconfirmed"
    }

    fn took_message(&self, _ctx: &AgentContext<'_>, msg: &SentMessage<'_>) -> Option<bool> {
        // Only the user's own patterns can confirm: the screen shows the agent at work.
        if self.patterns.working.iter().all(String::is_empty) {
            return None;
        }
        let working = self
            .classify_screen(msg.screen)
            .is_some_and(|m| m.activity == Activity::Working);
        working.then_some(true)
    }

    fn knows_ready_screen(&self) -> bool {
        self.patterns.ready.iter().any(|s| !s.is_empty())
    }

    fn ready_when_quiet(&self) -> bool {
        self.patterns.ready.is_empty()
    }

    fn pastes_multiline(&self) -> bool {
        // Any command: unknown whether it enables bracketed paste unless the config says so.
        self.paste_multiline
    }

    fn process_names(&self) -> Vec<String> {
        let base = self.program.rsplit('/').next().unwrap_or("").to_owned();
        if base.is_empty() {
            Vec::new()
        } else {
            vec![base]
        }
    }

    fn classify_screen(&self, screen: &str) -> Option<ScreenMatch> {
        let tail: Vec<&str> = screen
            .lines()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(TAIL_LINES)
            .collect();
        let p = &self.patterns;
        let order = [
            (Activity::WaitingInput, &p.waiting_input),
            (Activity::Blocked, &p.blocked),
            (Activity::Working, &p.working),
            (Activity::Ready, &p.ready),
        ];
        // The most recent matching line decides (the tail is ordered bottom-up); within a
        // line, the most urgent activity wins.
        for line in &tail {
            for (activity, pats) in &order {
                if pats
                    .iter()
                    .any(|pat| !pat.is_empty() && line.contains(pat.as_str()))
                {
                    return Some(ScreenMatch {
                        activity: *activity,
                        evidence: line.trim().to_owned(),
                        resets: None,
                        retrying: false,
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_prefer_waiting_input() {
        let cfg = AgentConfig {
            command: Some("bash ./agent.sh --fast".into()),
            patterns: Some(AgentPatterns {
                waiting_input: vec!["[y/N]".into()],
                ready: vec!["agent>".into()],
                ..AgentPatterns::default()
            }),
            ..AgentConfig::default()
        };
        let a = Custom::new(&cfg);
        assert_eq!(a.process_names(), vec!["bash".to_owned()]);
        let m = a
            .classify_screen("agent> \nDelete build? [y/N]\n\n")
            .unwrap();
        assert_eq!(m.activity, Activity::WaitingInput);
        assert_eq!(m.evidence, "Delete build? [y/N]");
        assert_eq!(
            a.classify_screen("agent>\n").unwrap().activity,
            Activity::Ready
        );
        assert!(a.classify_screen("compiling\n").is_none());
    }

    #[test]
    fn bad_command_is_refused() {
        let cfg = AgentConfig {
            command: Some("bash 'unterminated".into()),
            ..AgentConfig::default()
        };
        assert!(command_argv(&cfg).is_err());
        assert!(command_argv(&AgentConfig::default()).is_err());
    }
}
