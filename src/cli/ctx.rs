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

    /// The tmux socket: `AO_TMUX_SOCKET`, else `tmuxSocket` from config.
    pub fn tmux_socket(&self) -> Option<String> {
        std::env::var("AO_TMUX_SOCKET")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| self.config.tmux_socket.clone())
    }
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
