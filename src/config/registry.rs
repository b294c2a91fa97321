//! The config registry: `configs.json` in the default data dir (`$AO_DATA_DIR`, else
//! `~/.agent-orchestrator`) lists every config file ao was used with (`ao init` writes it,
//! and every command that loads a config adds it when missing). With no config in reach
//! (cron runs in `$HOME`), `ao tick`, `ao status`, `ao send`, `ao open` and `ao session`
//! act on every registered config, so one cron line serves all repositories.
//!
//! The file is replaced atomically under `locks/registry.lock`. A config inside a linked
//! git worktree (where agents work) is never registered: an agent must not be able to
//! enrol a config that cron would then run.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{FileLock, atomic};

/// Format version of `configs.json`.
const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registry {
    schema_version: u32,
    configs: Vec<PathBuf>,
}

/// The directory holding the registry: `$AO_DATA_DIR`, else `~/.agent-orchestrator`
/// (independent of any config's `dataDir`, so it can be found without a config).
pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AO_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    crate::cli::ctx::home().join(".agent-orchestrator")
}

/// `<dir>/configs.json`.
pub fn path() -> PathBuf {
    dir().join("configs.json")
}

fn read(p: &Path) -> Registry {
    std::fs::read(p)
        .ok()
        .and_then(|b| serde_json::from_slice::<Registry>(&b).ok())
        .filter(|r| r.schema_version == VERSION)
        .unwrap_or_default()
}

/// The registered configs (absolute paths), in registration order. A missing or
/// unreadable registry is an empty one.
pub fn list() -> Vec<PathBuf> {
    read(&path()).configs
}

/// True when `config` lies inside a linked git worktree (`.git` is a file there).
fn in_linked_worktree(config: &Path) -> bool {
    config
        .ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())
        .is_some_and(|d| d.join(".git").is_file())
}

/// Adds `config` (canonicalized) unless it is already listed or lives in a linked git
/// worktree. Returns whether the registry changed.
pub fn register(config: &Path) -> std::io::Result<bool> {
    let config = std::fs::canonicalize(config)?;
    if in_linked_worktree(&config) {
        return Ok(false);
    }
    let p = path();
    if read(&p).configs.contains(&config) {
        return Ok(false);
    }
    update(|r| {
        if r.configs.contains(&config) {
            false
        } else {
            r.configs.push(config.clone());
            true
        }
    })
}

/// Removes `configs` from the registry. Returns whether it changed.
pub fn unregister(configs: &[PathBuf]) -> std::io::Result<bool> {
    update(|r| {
        let before = r.configs.len();
        r.configs.retain(|c| !configs.contains(c));
        r.configs.len() != before
    })
}

fn update(f: impl FnOnce(&mut Registry) -> bool) -> std::io::Result<bool> {
    let d = dir();
    atomic::ensure_private_dir(&d)?;
    // Never write into a data dir ao refuses (shared, someone else's).
    crate::store::check_private_root(&d).map_err(std::io::Error::other)?;
    atomic::ensure_private_dir(&d.join("locks"))?;
    let _lock = FileLock::lock(&d.join("locks/registry.lock"))?;
    let p = d.join("configs.json");
    atomic::ensure_regular_or_missing(&p)?;
    let mut r = read(&p);
    r.schema_version = VERSION;
    if !f(&mut r) {
        return Ok(false);
    }
    let mut bytes = serde_json::to_vec_pretty(&r).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    atomic::write(&p, &bytes)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worktree_configs_are_recognised() {
        let d = tempfile::tempdir().unwrap();
        let wt = d.path().join("wt");
        std::fs::create_dir_all(wt.join("sub")).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: /x\n").unwrap();
        assert!(in_linked_worktree(&wt.join("sub/agent-orchestrator.yaml")));
        let repo = d.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        assert!(!in_linked_worktree(&repo.join("agent-orchestrator.yaml")));
        assert!(!in_linked_worktree(&d.path().join("x.yaml")));
    }
}
