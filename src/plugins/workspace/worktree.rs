//! `worktree` workspace (default): `git worktree add` from the project's checkout. Fast,
//! shares objects and refs with the project, so the session's branch (and its commits)
//! live on in the project repository after the worktree is removed.

use std::path::PathBuf;

use super::{Workspace, WorkspaceRequest, finish, git_unsaved, remove_tree};
use crate::plugins::PluginError;
use crate::sys::git::Git;

/// git worktrees.
#[derive(Debug)]
pub struct WorktreeWorkspace;

impl WorktreeWorkspace {
    fn add(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<bool, PluginError> {
        crate::model::validate_branch(req.branch)
            .map_err(|e| PluginError::Refused(e.to_string()))?;
        let git = Git::new(req.repo);
        let created_branch = !git.branch_exists(req.branch)?;
        let mut c = git.command().args(["worktree", "add"]);
        if force {
            // Allows a branch that is checked out in another worktree (restore).
            c = c.arg("--force");
        }
        if created_branch {
            if git.rev(req.base)?.is_none() {
                return Err(PluginError::NotFound(format!(
                    "base branch `{}` does not exist in {}",
                    req.base,
                    req.repo.display()
                )));
            }
            c = c
                .args(["-b", req.branch])
                .arg("--")
                .arg(req.path)
                .arg(req.base);
        } else {
            c = c.arg("--").arg(req.path).arg(req.branch);
        }
        c.run()?;
        Ok(created_branch)
    }
}

impl Workspace for WorktreeWorkspace {
    fn name(&self) -> &'static str {
        "worktree"
    }

    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.exists() {
            return Err(PluginError::Refused(format!(
                "{} already exists",
                req.path.display()
            )));
        }
        if let Some(parent) = req.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let created_branch = self.add(req, false)?;
        if let Err(e) = finish(req, req.path) {
            // Undo: remove the worktree and the branch we created.
            let git = Git::new(req.repo);
            let _ = git
                .command()
                .args(["worktree", "remove", "--force"])
                .arg(req.path)
                .run();
            let _ = remove_tree(req.path);
            let _ = git.ok(["worktree", "prune"]);
            if created_branch {
                let _ = git.ok(["branch", "-D", req.branch]);
            }
            return Err(e);
        }
        Ok(req.path.to_path_buf())
    }

    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.join(".git").exists() {
            return Ok(req.path.to_path_buf());
        }
        let git = Git::new(req.repo);
        // Forget the registration of a worktree whose directory was deleted.
        git.ok(["worktree", "prune"])?;
        if let Some(parent) = req.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        self.add(req, true)?;
        finish(req, req.path)?;
        Ok(req.path.to_path_buf())
    }

    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        git_unsaved(req.path, req.base, false, req.symlinks)
    }

    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError> {
        if !force && let Some(why) = self.unsaved_work(req)? {
            return Err(PluginError::Refused(format!(
                "workspace {} has {why}; commit or push it, or use --force",
                req.path.display()
            )));
        }
        let git = Git::new(req.repo);
        if req.path.exists() {
            let out = git
                .command()
                .args(["worktree", "remove", "--force"])
                .arg(req.path)
                .output()?;
            if !out.status.success() && req.path.exists() {
                remove_tree(req.path)?;
            }
        }
        git.ok(["worktree", "prune"])?;
        Ok(())
    }
}
