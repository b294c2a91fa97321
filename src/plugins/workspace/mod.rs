//! Workspace slot: the isolated copy of the code a session works in (git worktree, clone,
//! plain copy). Workspaces are created under `worktreeDir`; a dirty workspace is never
//! removed without `force`.

mod clone;
mod copy;
pub mod external;
mod worktree;

use std::fmt::Debug;
use std::path::{Path, PathBuf};

pub use clone::CloneWorkspace;
pub use copy::CopyWorkspace;
pub use worktree::WorktreeWorkspace;

use super::{PluginEnv, PluginError};

/// Built-in workspace names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::WORKSPACE as BUILTIN;

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

/// Files agents leave in the workspace that are caches, not work (aider's
/// `.aider.tags.cache.v4/`): git-ignored, so they never count as uncommitted changes that
/// make `ao session kill` refuse.
pub const AGENT_CACHES: &[&str] = &["/.aider*"];

/// Finishes a new workspace: git-ignores `.ao/` and [`AGENT_CACHES`] (ao's per-session folder), creates the
/// configured symlinks to the project's files, and runs `postCreate` commands (trusted
/// config, via `sh -c`) in the workspace with `AO_WORKSPACE` set.
pub fn finish(req: &WorkspaceRequest<'_>, path: &Path) -> Result<(), PluginError> {
    let git = crate::sys::git::Git::new(path);
    if git.is_repo() {
        git.exclude("/.ao/")?;
        for pattern in AGENT_CACHES {
            git.exclude(pattern)?;
        }
    }
    for link in req.symlinks {
        let rel = Path::new(link);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(PluginError::Refused(format!(
                "symlink `{link}` must be a relative path inside the project (no `..`)"
            )));
        }
        let target = req.repo.join(rel);
        if !target.exists() {
            return Err(PluginError::NotFound(format!(
                "symlink `{link}`: {} does not exist in the project",
                target.display()
            )));
        }
        let at = path.join(rel);
        if at.exists() || at.symlink_metadata().is_ok() {
            if at.is_dir()
                && !at
                    .symlink_metadata()
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false)
            {
                std::fs::remove_dir_all(&at)?;
            } else {
                std::fs::remove_file(&at)?;
            }
        }
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::os::unix::fs::symlink(&target, &at)?;
    }
    for cmd in req.post_create {
        crate::sys::cmd::Cmd::new("sh")
            .args(["-c", cmd])
            .cwd(path)
            .env("AO_WORKSPACE", path)
            .run()
            .map_err(|e| PluginError::Other(anyhow::anyhow!("postCreate command failed: {e}")))?;
    }
    Ok(())
}

/// Removes a directory tree that ao created, refusing anything that is not a directory.
pub fn remove_tree(path: &Path) -> Result<(), PluginError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(std::fs::remove_dir_all(path)?),
        Ok(_) => Err(PluginError::Refused(format!(
            "{} is not a directory",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// True when a `git status --porcelain` line is about ao's own files in the workspace,
/// which are never the agent's work: `.ao/` (messages, prompts), the configured
/// `symlinks` (untracked, or a tracked file replaced by the link) while they still are
/// symlinks, and aider's caches and chat history (`.aider*`, untracked).
pub fn is_ours(workspace: &Path, line: &str, symlinks: &[String]) -> bool {
    let (Some(code), Some(file)) = (line.get(..2), line.get(3..)) else {
        return false;
    };
    let file = file.trim_matches('"');
    let untracked = code == "??";
    if untracked && (file == ".ao/" || file.starts_with(".ao/") || file.starts_with(".aider")) {
        return true;
    }
    let link = file.trim_end_matches('/');
    (untracked || code.contains('T'))
        && symlinks.iter().any(|s| s.trim_end_matches('/') == link)
        && workspace
            .join(link)
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
}

/// Uncommitted changes (ao's own files excepted, see [`is_ours`]) and (when the
/// repository has remotes) commits on no remote, in a git work tree; `None` when clean or
/// not a git work tree.
pub fn git_unsaved(
    path: &Path,
    base: &str,
    include_committed: bool,
    symlinks: &[String],
) -> Result<Option<String>, PluginError> {
    if !path.exists() {
        return Ok(None);
    }
    let git = crate::sys::git::Git::new(path);
    if !git.is_repo() {
        return Ok(None);
    }
    let status = git.status_porcelain()?;
    let changed = status
        .lines()
        .filter(|l| !l.trim().is_empty() && !is_ours(path, l, symlinks))
        .count();
    let mut reasons = Vec::new();
    if changed > 0 {
        reasons.push(format!("{changed} uncommitted change(s)"));
    }
    let has_remote = !git.read(["remote"])?.trim().is_empty();
    if include_committed || has_remote {
        let mut args = vec![
            "rev-list".to_owned(),
            "--count".into(),
            "HEAD".into(),
            "--not".into(),
        ];
        if git.rev(base)?.is_some() {
            args.push(base.to_owned());
        }
        args.push("--remotes".into());
        let n: u64 = git
            .read(&args)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        if n > 0 {
            reasons.push(format!("{n} commit(s) not on any remote"));
        }
    }
    Ok(if reasons.is_empty() {
        None
    } else {
        Some(reasons.join(" and "))
    })
}

/// Creates the workspace plugin `name`; another name is the external
/// `ao-workspace-<name>` (no config: the request carries everything).
pub fn create(name: &str, _env: &PluginEnv<'_>) -> Result<Box<dyn Workspace>, PluginError> {
    match name {
        "worktree" => Ok(Box::new(WorktreeWorkspace)),
        "clone" => Ok(Box::new(CloneWorkspace)),
        "copy" => Ok(Box::new(CopyWorkspace)),
        other => Ok(Box::new(external::ExternalWorkspace(
            crate::plugins::external::Plugin::find(
                "workspace",
                other,
                BUILTIN,
                serde_json::Value::Null,
            )?,
        ))),
    }
}
