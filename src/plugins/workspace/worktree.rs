//! `worktree` workspace (placeholder until implemented in this session).
use std::path::PathBuf;

use super::{Workspace, WorkspaceRequest};
use crate::plugins::PluginError;

/// The `worktree` workspace.
#[derive(Debug)]
pub struct WorktreeWorkspace;

impl Workspace for WorktreeWorkspace {
    fn name(&self) -> &'static str {
        "worktree"
    }
    fn create(&self, _r: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        Err(PluginError::Unsupported("pending".into()))
    }
    fn restore(&self, _r: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        Err(PluginError::Unsupported("pending".into()))
    }
    fn unsaved_work(&self, _r: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        Ok(None)
    }
    fn destroy(&self, _r: &WorkspaceRequest<'_>, _f: bool) -> Result<(), PluginError> {
        Err(PluginError::Unsupported("pending".into()))
    }
}
