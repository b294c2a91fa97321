//! The resolved config: every path absolute and every default applied, worked out once
//! when a config is loaded ([`Resolved::new`]). The environment overrides
//! (`AO_DATA_DIR`, `AO_TMUX_SOCKET`) and `$HOME` are read here and nowhere else, so every
//! command sees the same data dir, workspace root, tmux socket and lifecycle settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Config, Duration, ProjectConfig, expand_tilde};

/// Environment variable that overrides the data dir (`dataDir`).
pub const DATA_DIR_ENV: &str = "AO_DATA_DIR";

/// Environment variable that overrides the tmux socket (`tmuxSocket`).
pub const TMUX_SOCKET_ENV: &str = "AO_TMUX_SOCKET";

/// ao's own tmux server, used unless the config or `AO_TMUX_SOCKET` says otherwise.
pub const DEFAULT_TMUX_SOCKET: &str = "ao";

/// The `tmuxSocket` value that selects the user's default tmux server.
pub const USER_TMUX_SERVER: &str = "default";

/// The default branch when neither the config nor git names one.
pub const FALLBACK_BRANCH: &str = "main";

/// A loaded config with every default applied.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The data dir: `AO_DATA_DIR`, else `dataDir`, else `~/.agent-orchestrator`.
    pub data_dir: PathBuf,
    /// The workspace root: `worktreeDir`, else `~/.worktrees`.
    pub worktree_dir: PathBuf,
    /// The tmux socket (`tmux -L`); `None` is the user's default server. See
    /// [`tmux_socket`].
    pub tmux_socket: Option<String>,
    /// `readyThreshold`.
    pub ready_threshold: Duration,
    /// `spawnGrace`.
    pub spawn_grace: Duration,
    /// `missingAfter`.
    pub missing_after: u32,
    /// Each project's checkout, absolute (relative paths are taken from the config
    /// file's directory, `~` expanded).
    pub project_paths: BTreeMap<String, PathBuf>,
}

impl Resolved {
    /// Resolves `cfg`, loaded from `config_path`.
    pub fn new(cfg: &Config, config_path: &Path) -> Self {
        Self {
            data_dir: data_dir(cfg),
            worktree_dir: worktree_dir(cfg),
            tmux_socket: tmux_socket(cfg),
            ready_threshold: cfg.ready_threshold(),
            spawn_grace: cfg.spawn_grace(),
            missing_after: cfg.missing_after(),
            project_paths: cfg
                .projects
                .iter()
                .map(|(id, p)| (id.clone(), resolve_path(config_path, &p.path)))
                .collect(),
        }
    }
}

/// The tmux socket (`tmux -L`): `AO_TMUX_SOCKET`, else `tmuxSocket` from config, else
/// [`DEFAULT_TMUX_SOCKET`] (ao's own server, so ao's sessions never share a server with
/// the user's own). `None` (the user's default server) when the value is
/// [`USER_TMUX_SERVER`].
pub fn tmux_socket(cfg: &Config) -> Option<String> {
    let s = tmux_socket_override()
        .or_else(|| cfg.tmux_socket.clone())
        .unwrap_or_else(|| DEFAULT_TMUX_SOCKET.to_owned());
    (s != USER_TMUX_SERVER).then_some(s)
}

/// `AO_TMUX_SOCKET` when set and not empty.
pub fn tmux_socket_override() -> Option<String> {
    std::env::var(TMUX_SOCKET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
}

/// `AO_DATA_DIR` when set and not empty.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `AO_DATA_DIR`, else `dataDir`, else `~/.agent-orchestrator`.
pub fn data_dir(cfg: &Config) -> PathBuf {
    if let Some(d) = data_dir_override() {
        return d;
    }
    match &cfg.data_dir {
        Some(p) => expand_tilde(p),
        None => default_data_dir(),
    }
}

/// The data dir without a config: `AO_DATA_DIR`, else `~/.agent-orchestrator`.
pub fn default_data_dir() -> PathBuf {
    data_dir_override().unwrap_or_else(|| home().join(".agent-orchestrator"))
}

/// `worktreeDir`, else `~/.worktrees`.
pub fn worktree_dir(cfg: &Config) -> PathBuf {
    match &cfg.worktree_dir {
        Some(p) => expand_tilde(p),
        None => home().join(".worktrees"),
    }
}

/// $HOME (or `/` when unset).
pub fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// Resolves a project path relative to the config file's directory, `~` expanded.
pub fn resolve_path(config_path: &Path, p: &Path) -> PathBuf {
    let p = expand_tilde(p);
    if p.is_absolute() {
        p
    } else {
        config_path.parent().unwrap_or(Path::new(".")).join(p)
    }
}

/// The default branch of a project checked out at `repo`: configured, else detected from
/// git, else [`FALLBACK_BRANCH`].
pub fn default_branch(project: &ProjectConfig, repo: &Path) -> String {
    if let Some(b) = &project.default_branch {
        return b.clone();
    }
    if !repo.is_dir() {
        return FALLBACK_BRANCH.to_owned();
    }
    crate::sys::git::Git::new(repo)
        .default_branch()
        .unwrap_or_else(|| FALLBACK_BRANCH.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::setting_defaults;

    #[test]
    fn defaults_are_applied_once() {
        let cfg: Config = yaml_serde::from_str("projects:\n  a:\n    path: repo\n").unwrap();
        let r = Resolved::new(&cfg, Path::new("/etc/ao/config.yaml"));
        assert_eq!(r.ready_threshold, setting_defaults::READY_THRESHOLD);
        assert_eq!(r.spawn_grace, setting_defaults::SPAWN_GRACE);
        assert_eq!(r.missing_after, setting_defaults::MISSING_AFTER);
        assert_eq!(r.project_paths["a"], Path::new("/etc/ao/repo"));
    }
}
