//! What every command needs: the loaded config, where it came from, the data dir.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::{self, Config, expand_tilde};
use crate::store::Store;

/// Options accepted by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file (default: $AO_CONFIG, agent-orchestrator.yaml in this or a parent
    /// directory, then ~/.agent-orchestrator/config.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Loaded config + store.
#[derive(Debug)]
pub struct Ctx {
    /// The config.
    pub config: Config,
    /// Absolute path of the config file.
    pub config_path: PathBuf,
    /// The data dir.
    pub store: Store,
}

impl Ctx {
    /// Loads config and opens the data dir.
    pub fn load(g: &GlobalArgs) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        let loaded = config::load(g.config.as_deref(), &cwd)?;
        for w in &loaded.warnings {
            if w.kind == config::ProblemKind::UntrustedLocation {
                eprintln!("warning: {}: {}", w.file, w.message);
            }
        }
        let config_path = std::fs::canonicalize(&loaded.path).unwrap_or(loaded.path);
        let root = data_dir(&loaded.config);
        let store = Store::open(&root)
            .with_context(|| format!("cannot open the data dir {}", root.display()))?;
        if let Some(fs) = crate::store::network_fs(&root) {
            eprintln!(
                "warning: the data dir {} is on a network file system ({fs}), where locks and renames are not reliable; set AO_DATA_DIR or `dataDir` to a local disk",
                root.display()
            );
        }
        Ok(Self {
            config: loaded.config,
            config_path,
            store,
        })
    }

    /// The workspace root.
    pub fn worktree_dir(&self) -> PathBuf {
        match &self.config.worktree_dir {
            Some(p) => expand_tilde(p),
            None => home().join(".worktrees"),
        }
    }

    /// The tmux socket: see [`tmux_socket`].
    pub fn tmux_socket(&self) -> Option<String> {
        tmux_socket(&self.config)
    }
}

/// ao's own tmux server, used unless the config or `AO_TMUX_SOCKET` says otherwise.
pub const DEFAULT_TMUX_SOCKET: &str = "ao";

/// The `tmuxSocket` value that selects the user's default tmux server.
pub const USER_TMUX_SERVER: &str = "default";

/// The tmux socket (`tmux -L`): `AO_TMUX_SOCKET`, else `tmuxSocket` from config, else
/// [`DEFAULT_TMUX_SOCKET`] (ao's own server, so ao's sessions never share a server with
/// the user's own). `None` (the user's default server) when the value is
/// [`USER_TMUX_SERVER`].
pub fn tmux_socket(cfg: &Config) -> Option<String> {
    let s = std::env::var("AO_TMUX_SOCKET")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| cfg.tmux_socket.clone())
        .unwrap_or_else(|| DEFAULT_TMUX_SOCKET.to_owned());
    (s != USER_TMUX_SERVER).then_some(s)
}

/// `AO_DATA_DIR`, else `dataDir`, else `~/.agent-orchestrator`.
pub fn data_dir(cfg: &Config) -> PathBuf {
    if let Some(d) = std::env::var_os("AO_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    match &cfg.data_dir {
        Some(p) => expand_tilde(p),
        None => home().join(".agent-orchestrator"),
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
