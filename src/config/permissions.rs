//! `agentConfig.permissions`: the values each built-in agent accepts, checked here once
//! for config validation and for the agents that turn them into their CLI's flags
//! (`plugins::agent`). Every agent takes `ask` (also `default`, the default) and `skip`;
//! some take their CLI's own modes too (Claude Code 2.1.328 `--permission-mode`, Codex
//! 0.171 `--ask-for-approval`, Goose's modes).

/// Claude Code's `--permission-mode` choices (`claude --help`).
pub const CLAUDE_MODES: &[&str] = &[
    "acceptEdits",
    "auto",
    "bypassPermissions",
    "manual",
    "dontAsk",
    "plan",
];

/// Codex's `--ask-for-approval` policies ao passes through.
pub const CODEX_POLICIES: &[&str] = &["on-request", "never"];

/// Goose's modes.
pub const GOOSE_MODES: &[&str] = &["auto", "approve", "smart_approve", "chat"];

/// A Claude Code mode in the CLI's spelling (`accept-edits` → `acceptEdits`).
pub fn claude_mode(m: &str) -> &str {
    match m {
        "accept-edits" => "acceptEdits",
        "dont-ask" => "dontAsk",
        "bypass-permissions" => "bypassPermissions",
        other => other,
    }
}

/// Checks `permissions` against what agent `agent` accepts; `Err` says what to use.
/// Agents that take no permission setting (custom, external) accept anything.
pub fn check(agent: &str, permissions: Option<&str>) -> Result<(), String> {
    let Some(p) = permissions.filter(|p| !matches!(*p, "ask" | "default" | "skip")) else {
        return Ok(());
    };
    match agent {
        "claude-code" | "claude-headless" if !CLAUDE_MODES.contains(&claude_mode(p)) => {
            Err(format!(
                "claude-code: unknown `agentConfig.permissions` value `{p}` (use ask, skip, or a Claude Code `--permission-mode`: {})",
                CLAUDE_MODES.join(", ")
            ))
        }
        "codex" if !CODEX_POLICIES.contains(&p) => Err(format!(
            "codex: unknown `agentConfig.permissions` value `{p}` (use ask, skip, or a Codex `--ask-for-approval` policy: {})",
            CODEX_POLICIES.join(", ")
        )),
        "aider" | "opencode" => Err(format!(
            "{agent}: unknown `agentConfig.permissions` value `{p}` (use ask or skip)"
        )),
        "goose" if !GOOSE_MODES.contains(&p) => Err(format!(
            "goose: unknown `agentConfig.permissions` value `{p}` (use ask, skip, or one of {})",
            GOOSE_MODES.join(", ")
        )),
        _ => Ok(()),
    }
}
