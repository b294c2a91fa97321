//! Finding, reading, interpolating and validating the config file.
//!
//! Discovery order: `--config`, `$AO_CONFIG`, `agent-orchestrator.yaml` walking up from the
//! current directory, then `~/.agent-orchestrator/config.yaml`.

use std::path::{Path, PathBuf};

use super::Config;

/// A config that was found and loaded, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed, interpolated, validated config.
    pub config: Config,
    /// The file it was read from.
    pub path: PathBuf,
}

/// Why the config could not be used. Every variant names the file and, where it applies,
/// the key path and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No config file anywhere in the discovery order.
    #[error(
        "no config file found (looked for --config, $AO_CONFIG, agent-orchestrator.yaml in {cwd} and its parents, and ~/.agent-orchestrator/config.yaml)"
    )]
    NotFound {
        /// Directory the search started from.
        cwd: String,
    },
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// YAML syntax or schema error, with location.
    #[error("{path}: {message}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong, with key path, line and column, and a hint.
        message: String,
    },
    /// A project id that is not configured.
    #[error("unknown project `{name}` (configured: {available})")]
    UnknownProject {
        /// Requested id.
        name: String,
        /// Configured ids.
        available: String,
    },
}

/// Finds the config file per the discovery order.
pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<PathBuf, ConfigError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("AO_CONFIG").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    for dir in cwd.ancestors() {
        let c = dir.join("agent-orchestrator.yaml");
        if c.is_file() {
            return Ok(c);
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let c = PathBuf::from(home).join(".agent-orchestrator/config.yaml");
        if c.is_file() {
            return Ok(c);
        }
    }
    Err(ConfigError::NotFound {
        cwd: cwd.display().to_string(),
    })
}

/// Discovers and loads the config.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<LoadedConfig, ConfigError> {
    let path = discover(explicit, cwd)?;
    let config = load_file(&path)?;
    Ok(LoadedConfig { config, path })
}

/// Loads one config file.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    yaml_serde::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
