//! `clone` workspace (placeholder until implemented in this session).
use std::path::PathBuf;

use super::{Workspace, WorkspaceRequest};
use crate::plugins::PluginError;

/// The `clone` workspace.
#[derive(Debug)]
pub struct CloneWorkspace;

impl Workspace for CloneWorkspace {
    fn name(&self) -> &'static str {
        "clone"
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
