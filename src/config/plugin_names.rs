//! The built-in plugin names of every slot, owned here so that config validation and the
//! plugin registries (`plugins::<slot>::create`, which re-export their list as `BUILTIN`)
//! agree by construction. A test in `plugins` checks that each registry accepts exactly
//! these names.

/// Built-in runtime names.
pub const RUNTIME: &[&str] = &["tmux", "process", "ssh"];

/// Built-in agent names.
pub const AGENT: &[&str] = &[
    "claude-code",
    "codex",
    "aider",
    "goose",
    "opencode",
    "claude-headless",
    "custom",
];

/// Built-in workspace names.
pub const WORKSPACE: &[&str] = &["worktree", "clone", "copy"];

/// Built-in tracker names.
pub const TRACKER: &[&str] = &["github", "gitlab", "jira", "linear", "plain"];

/// Built-in SCM names.
pub const SCM: &[&str] = &["github", "gitlab", "local"];

/// Built-in notifier plugin names.
pub const NOTIFIER: &[&str] = &[
    "desktop", "slack", "discord", "webhook", "ntfy", "email", "command", "stdout", "stderr",
];

/// Built-in terminal names.
pub const TERMINAL: &[&str] = &["tmux-attach", "none"];

/// The executable `ao-<slot>-<name>` on PATH that serves a plugin name no slot has built
/// in (see `plugins::external`); `name` must be a plain `[a-z0-9-]` name.
pub fn external(slot: &str, name: &str) -> Option<std::path::PathBuf> {
    crate::model::validate_name(name, "plugin name").ok()?;
    crate::sys::which::on_path(&format!("ao-{slot}-{name}"), &[])
}
