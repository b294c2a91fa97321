//! The application context every command needs: the loaded config, where it came from,
//! the data dir.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::{self, Config, Resolved};
use crate::store::Store;

/// Loaded config + store.
#[derive(Debug)]
pub struct Ctx {
    /// The config.
    pub config: Config,
    /// Absolute path of the config file.
    pub config_path: PathBuf,
    /// The config with every default applied and every path absolute.
    pub resolved: Resolved,
    /// The data dir.
    pub store: Store,
}

impl Ctx {
    /// Loads config and opens the data dir. The config is added to the registry
    /// ([`config::registry`]) when it is not listed yet.
    pub fn load(config_path: Option<&Path>) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        let loaded = config::load(config_path, &cwd)?;
        Self::from_loaded(loaded)
    }

    /// Every config a fleet-wide command acts on: the one in reach (`--config`,
    /// `$AO_CONFIG`, discovery) if any, else every registered config. Registered configs
    /// that no longer exist are dropped from the registry (with a note); ones that fail to
    /// load are returned as errors so the caller can report them and go on with the rest.
    pub fn load_fleet(
        config_path: Option<&Path>,
    ) -> anyhow::Result<(Vec<Self>, Vec<anyhow::Error>)> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        match config::load(config_path, &cwd) {
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
        config_path: Option<&Path>,
        id: &crate::model::SessionId,
        archived: bool,
    ) -> anyhow::Result<Self> {
        let (ctxs, errors) = Self::load_fleet(config_path)?;
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
        let config = loaded.config;
        let resolved = Resolved::new(&config, &config_path);
        let root = resolved.data_dir.clone();
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
            config,
            config_path,
            resolved,
            store,
        })
    }

    /// The workspace root.
    pub fn worktree_dir(&self) -> PathBuf {
        self.resolved.worktree_dir.clone()
    }

    /// The tmux socket: see [`config::resolved::tmux_socket`].
    pub fn tmux_socket(&self) -> Option<String> {
        self.resolved.tmux_socket.clone()
    }
}
