//! `copy` workspace: a recursive copy of the project directory (symlinks kept as links,
//! permissions kept). No git needed; heaviest. If the copy is a git work tree, the session
//! branch is checked out in it.

use std::path::{Path, PathBuf};

use super::{Workspace, WorkspaceRequest, finish, git_unsaved, remove_tree};
use crate::plugins::PluginError;
use crate::sys::git::Git;

/// Plain copies.
#[derive(Debug)]
pub struct CopyWorkspace;

fn copy_tree(from: &Path, to: &Path) -> Result<(), PluginError> {
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.map_err(|e| PluginError::Other(e.into()))?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .map_err(|e| PluginError::Other(e.into()))?;
        let dest = to.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path())?;
            std::os::unix::fs::symlink(target, &dest)?;
        } else if ft.is_file() {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

impl Workspace for CopyWorkspace {
    fn name(&self) -> &'static str {
        "copy"
    }

    fn create(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.exists() {
            return Err(PluginError::Refused(format!(
                "{} already exists",
                req.path.display()
            )));
        }
        crate::model::validate_branch(req.branch)
            .map_err(|e| PluginError::Refused(e.to_string()))?;
        let r = copy_tree(req.repo, req.path).and_then(|()| {
            let git = Git::new(req.path);
            if git.is_repo() {
                let start = if git.branch_exists(req.branch)? {
                    req.branch
                } else {
                    req.base
                };
                git.command()
                    .args(["checkout", "--quiet", "-B", req.branch, start])
                    .run()?;
            }
            finish(req, req.path)
        });
        if let Err(e) = r {
            let _ = remove_tree(req.path);
            return Err(e);
        }
        Ok(req.path.to_path_buf())
    }

    fn restore(&self, req: &WorkspaceRequest<'_>) -> Result<PathBuf, PluginError> {
        if req.path.exists() {
            return Ok(req.path.to_path_buf());
        }
        self.create(req)
    }

    fn unsaved_work(&self, req: &WorkspaceRequest<'_>) -> Result<Option<String>, PluginError> {
        git_unsaved(req.path, req.base, true, req.symlinks)
    }

    fn destroy(&self, req: &WorkspaceRequest<'_>, force: bool) -> Result<(), PluginError> {
        if !force && let Some(why) = self.unsaved_work(req)? {
            return Err(PluginError::Refused(format!(
                "workspace {} has {why}; use --force to remove it anyway",
                req.path.display()
            )));
        }
        remove_tree(req.path)
    }
}
