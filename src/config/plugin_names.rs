//! The built-in plugin names of every slot, owned here so that config validation and the
//! plugin registries (`plugins::<slot>::create`, which re-export their list as `BUILTIN`)
//! agree by construction. A test in `plugins` checks that each registry accepts exactly
//! these names.

/// Built-in runtime names.
pub const RUNTIME: &[&str] = &["tmux", "process"];

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
pub const TRACKER: &[&str] = &["github", "gitlab", "plain"];

/// Built-in SCM names.
pub const SCM: &[&str] = &["github", "gitlab", "local"];

/// Built-in notifier plugin names.
pub const NOTIFIER: &[&str] = &[
    "desktop", "slack", "discord", "webhook", "ntfy", "email", "command", "stdout", "stderr",
];

/// Built-in terminal names.
pub const TERMINAL: &[&str] = &["tmux-attach", "none"];
