//! Workspace slot: the isolated copy of the code a session works in (git worktree, clone,
//! plain copy). Workspaces are created under `worktreeDir`; a dirty workspace is never
//! removed without `force`.

mod clone;
mod copy;
mod worktree;

use std::fmt::Debug;
use std::path::{Path, PathBuf};

pub use clone::CloneWorkspace;
pub use copy::CopyWorkspace;
pub use worktree::WorktreeWorkspace;

use super::PluginError;

/// Built-in workspace names.
pub const BUILTIN: &[&str] = &["worktree", "clone", "copy"];

/// Everything a workspace operation needs.
#[derive(Debug, Clone)]
pub struct WorkspaceRequest<'a> {
    /// The project's own checkout.
    pub repo: &'a Path,
    /// Target directory of the workspace.
    pub path: &'a Path,
    /// Branch the session works on.
    pub branch: &'a str,
    /// Branch to start from.
    pub base: &'a str,
    /// Project files to symlink into the workspace.
    pub symlinks: &'a [String],
    /// Commands to run (`sh -c`, trusted config) after creation.
    pub post_create: &'a [String],
}

/// An isolated copy of the code.
pub trait Workspace: Send + Sync + Debug {
    /// Plugin name, persisted in the session record.
    fn name(&self) -> &'static str;

    /// Creates the workspace at `req.path` on `req.branch` (created from `req.base` when it
    /// does not exist), adds symlinks, runs post-create commands, and marks ao's own
    /// per-session folder (`.ao/`) as git-ignored. On failure removes what it created.
    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError>;

    /// Re-creates a missing workspace from the existing branch; must work when the branch
    /// is checked out elsewhere.
    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError>;

    /// Describes work that would be lost by removal (uncommitted changes, commits not on
    /// any remote or the base branch), or `None` when removal is safe.
    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError>;

    /// Removes the workspace. Refuses (`PluginError::Refused`) when `unsaved_work` reports
    /// something and `force` is false. Ok when already gone.
    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError>;
}

/// Creates the workspace plugin `name`.
pub fn create(name: &str) -> Result<Box<dyn Workspace>, PluginError> {
    match name {
        "worktree" => Ok(Box::new(WorktreeWorkspace)),
        "clone" => Ok(Box::new(CloneWorkspace)),
        "copy" => Ok(Box::new(CopyWorkspace)),
        other => Err(super::unknown("workspace", other, BUILTIN)),
    }
}
