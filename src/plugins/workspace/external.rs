//! The external workspace `ao-workspace-<name>`: [`Workspace`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Workspace, WorkspaceRequest};
use crate::plugins::PluginError;
use crate::plugins::external::Plugin;

/// A workspace implemented by `ao-workspace-<name>`.
#[derive(Debug)]
pub struct ExternalWorkspace(pub Plugin);

fn ws_params(req: &WorkspaceRequest<'_>) -> Value {
    json!({"repo": req.repo, "path": req.path, "branch": req.branch, "base": req.base,
           "symlinks": req.symlinks, "post_create": req.post_create})
}

impl Workspace for ExternalWorkspace {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        self.0.call_as("create", ws_params(req))
    }

    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        self.0.call_as("restore", ws_params(req))
    }

    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        self.0.call_as("unsaved_work", ws_params(req))
    }

    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError> {
        let mut p = ws_params(req);
        p["force"] = json!(force);
        self.0.call("destroy", p).map(drop)
    }
}
