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
    /// Loads config and opens the data dir. The config is added to the registry
    /// ([`config::registry`]) when it is not listed yet.
    pub fn load(g: &GlobalArgs) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        let loaded = config::load(g.config.as_deref(), &cwd)?;
        Self::from_loaded(loaded)
    }

    /// Every config a fleet-wide command acts on: the one in reach (`--config`,
    /// `$AO_CONFIG`, discovery) if any, else every registered config. Registered configs
    /// that no longer exist are dropped from the registry (with a note); ones that fail to
    /// load are returned as errors so the caller can report them and go on with the rest.
    pub fn load_fleet(g: &GlobalArgs) -> anyhow::Result<(Vec<Self>, Vec<anyhow::Error>)> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        match config::load(g.config.as_deref(), &cwd) {
            Ok(loaded) => return Ok((vec![Self::from_loaded(loaded)?], Vec::new())),
            Err(config::ConfigError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let registered = config::registry::list();
        if registered.is_empty() {
            return Err(config::ConfigError::NotFound {
                cwd: cwd.display().to_string(),
            }
            .into());
        }
        let (present, gone): (Vec<PathBuf>, Vec<PathBuf>) =
            registered.into_iter().partition(|p| p.is_file());
        if !gone.is_empty() && config::registry::unregister(&gone).unwrap_or(false) {
            for p in &gone {
                eprintln!(
                    "note: {} no longer exists; removed it from {}",
                    p.display(),
                    config::registry::path().display()
                );
            }
        }
        let mut ctxs = Vec::new();
        let mut errors = Vec::new();
        for p in present {
            match config::load(Some(&p), &cwd)
                .map_err(anyhow::Error::from)
                .and_then(Self::from_loaded)
            {
                Ok(c) => ctxs.push(c),
                Err(e) => errors.push(e.context(format!("registered config {}", p.display()))),
            }
        }
        if ctxs.is_empty() && errors.is_empty() {
            return Err(config::ConfigError::NotFound {
                cwd: cwd.display().to_string(),
            }
            .into());
        }
        Ok((ctxs, errors))
    }

    /// The context whose config owns live (or, with `archived`, archived) session `id`:
    /// the config in reach, else the registered config whose projects include the
    /// session's project.
    pub fn load_for_session(
        g: &GlobalArgs,
        id: &crate::model::SessionId,
        archived: bool,
    ) -> anyhow::Result<Self> {
        let (ctxs, errors) = Self::load_fleet(g)?;
        let fleet = ctxs.len() > 1 || !errors.is_empty();
        let mut first = None;
        for c in ctxs {
            let found = if archived {
                c.store.find_archived(id)
            } else {
                c.store.find(id)
            };
            match found {
                Ok(rec) if c.owns(&rec) || !fleet => return Ok(c),
                _ => {
                    first.get_or_insert(c);
                }
            }
        }
        for e in errors {
            eprintln!("warning: {}", crate::error::render(&e).trim_end());
        }
        // Let the caller report "no session" with the usual message.
        first.ok_or_else(|| crate::store::StoreError::NotFound(id.to_string()).into())
    }

    /// True when `rec` belongs to a project of this config (two configs may share a data
    /// dir; each acts only on its own projects' sessions).
    pub fn owns(&self, rec: &crate::model::SessionRecord) -> bool {
        self.config.projects.contains_key(&rec.project)
    }

    fn from_loaded(loaded: config::LoadedConfig) -> anyhow::Result<Self> {
        for w in &loaded.warnings {
            if w.kind == config::ProblemKind::UntrustedLocation {
                eprintln!("warning: {}: {}", w.file, w.message);
            }
        }
        let config_path = std::fs::canonicalize(&loaded.path).unwrap_or(loaded.path);
        let root = data_dir(&loaded.config);
        let store = Store::open(&root)
            .with_context(|| format!("cannot open the data dir {}", root.display()))?;
        // Best effort: a registry that cannot be written only loses the fleet view.
        let _ = config::registry::register(&config_path);
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
