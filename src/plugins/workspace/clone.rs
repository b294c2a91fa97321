//! `clone` workspace: a full `git clone` of the project's checkout. Full isolation; the
//! clone's `origin` is the project checkout, so `git push origin <branch>` hands work back.

use std::path::PathBuf;

use super::{Workspace, WorkspaceRequest, finish, git_unsaved, remove_tree};
use crate::plugins::PluginError;
use crate::sys::git::Git;

/// git clones.
#[derive(Debug)]
pub struct CloneWorkspace;

impl CloneWorkspace {
    fn clone_into(&self, req: &WorkspaceRequest<'_>) -> Result<(), PluginError> {
        crate::model::validate_branch(req.branch)
            .map_err(|e| PluginError::Refused(e.to_string()))?;
        if let Some(parent) = req.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Git::new(req.repo)
            .command()
            .args(["clone", "--quiet", "--"])
            .arg(req.repo)
            .arg(req.path)
            .run()?;
        let git = Git::new(req.path);
        let remote_branch = format!("origin/{}", req.branch);
        let start = if git.rev(&remote_branch)?.is_some() {
            remote_branch
        } else {
            format!("origin/{}", req.base)
        };
        git.command()
            .args(["checkout", "--quiet", "-B", req.branch, &start])
            .run()?;
        Ok(())
    }
}

impl Workspace for CloneWorkspace {
    fn name(&self) -> &'static str {
        "clone"
    }

    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.exists() {
            return Err(PluginError::Refused(format!(
                "{} already exists",
                req.path.display()
            )));
        }
        let r = self.clone_into(req).and_then(|()| finish(req, req.path));
        if let Err(e) = r {
            let _ = remove_tree(req.path);
            return Err(e);
        }
        Ok(req.path.to_path_buf())
    }

    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.join(".git").exists() {
            return Ok(req.path.to_path_buf());
        }
        self.create(req)
    }

    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        // In a clone, commits not pushed to origin are lost with the directory.
        git_unsaved(req.path, req.base, true, req.symlinks)
    }

    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError> {
        if !force && let Some(why) = self.unsaved_work(req)? {
            return Err(PluginError::Refused(format!(
                "workspace {} has {why}; push it, or use --force",
                req.path.display()
            )));
        }
        remove_tree(req.path)
    }
}
