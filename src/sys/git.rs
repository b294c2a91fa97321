//! Typed git wrapper: a pinned environment (no prompts, no pager, C locale, no user
//! hooks-driven surprises from fsmonitor) and one helper per verb ao uses.

use std::path::{Path, PathBuf};

use super::cmd::{Cmd, CmdError};

/// git run in one directory.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    /// git operating in `dir`.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        Self {
            dir: dir.as_ref().to_path_buf(),
        }
    }

    /// The base command with the environment pinned.
    pub fn command(&self) -> Cmd {
        Cmd::new("git")
            // Never block a cron tick on a credential or editor prompt.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_EDITOR", "true")
            // Parse English messages.
            .env("LC_ALL", "C")
            // A user's fsmonitor daemon must not be started from cron.
            .args(["-c", "core.fsmonitor=false"])
            .cwd(&self.dir)
    }

    /// Runs `git <args>` and returns trimmed stdout.
    pub fn read<I, S>(&self, args: I) -> Result<String, CmdError>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString>,
    {
        Ok(self.command().args(args).read()?.trim_end().to_owned())
    }

    /// Runs `git <args>`, returning true on success and false on a non-zero exit.
    pub fn ok<I, S>(&self, args: I) -> Result<bool, CmdError>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString>,
    {
        Ok(self.command().args(args).output()?.status.success())
    }

    /// True when `dir` is inside a git work tree.
    pub fn is_repo(&self) -> bool {
        self.ok(["rev-parse", "--is-inside-work-tree"])
            .unwrap_or(false)
    }

    /// The top-level directory of the work tree.
    pub fn toplevel(&self) -> Result<PathBuf, CmdError> {
        self.read(["rev-parse", "--show-toplevel"])
            .map(PathBuf::from)
    }

    /// The common git dir (shared by all worktrees), absolute.
    pub fn common_dir(&self) -> Result<PathBuf, CmdError> {
        let p = PathBuf::from(self.read(["rev-parse", "--git-common-dir"])?);
        Ok(if p.is_absolute() { p } else { self.dir.join(p) })
    }

    /// True when local branch `b` exists.
    pub fn branch_exists(&self, b: &str) -> Result<bool, CmdError> {
        self.ok([
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{b}"),
        ])
    }

    /// Sha of `rev`, or None when it does not resolve.
    pub fn rev(&self, rev: &str) -> Result<Option<String>, CmdError> {
        let out = self
            .command()
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ])
            .output()?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// URL of remote `origin`, if any.
    pub fn origin_url(&self) -> Option<String> {
        self.read(["remote", "get-url", "origin"])
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// The default branch: origin's HEAD, else `main`/`master` if present, else the
    /// current branch.
    pub fn default_branch(&self) -> Option<String> {
        if let Ok(r) = self.read(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])
            && let Some(b) = r.strip_prefix("refs/remotes/origin/")
        {
            return Some(b.to_owned());
        }
        for b in ["main", "master"] {
            if self.branch_exists(b).unwrap_or(false) {
                return Some(b.to_owned());
            }
        }
        self.read(["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// Porcelain status lines (uncommitted changes, untracked files included).
    pub fn status_porcelain(&self) -> Result<String, CmdError> {
        self.read(["status", "--porcelain", "--untracked-files=normal"])
    }

    /// Appends `pattern` to the repository's `info/exclude` unless already present.
    pub fn exclude(&self, pattern: &str) -> Result<(), std::io::Error> {
        let dir = self
            .common_dir()
            .map_err(std::io::Error::other)?
            .join("info");
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("exclude");
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        if current.lines().any(|l| l.trim() == pattern) {
            return Ok(());
        }
        let mut s = current;
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        s.push_str(pattern);
        s.push('\n');
        std::fs::write(file, s)
    }
}

/// Parses `owner/name` from a git remote URL (https, ssh or scp-like), if it looks like one.
pub fn repo_slug_from_url(url: &str) -> Option<String> {
    let u = url.trim().trim_end_matches('/').trim_end_matches(".git");
    let path = if let Some(rest) = u.split_once("://").map(|(_, r)| r) {
        rest.split_once('/').map(|(_, p)| p)?
    } else if let Some((_, p)) = u.split_once(':') {
        p
    } else {
        return None;
    };
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() < 2 {
        return None;
    }
    let (o, n) = (parts[parts.len() - 2], parts[parts.len() - 1]);
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    (ok(o) && ok(n)).then(|| format!("{o}/{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_urls() {
        assert_eq!(
            repo_slug_from_url("https://github.com/org/repo.git").as_deref(),
            Some("org/repo")
        );
        assert_eq!(
            repo_slug_from_url("git@github.com:org/repo.git").as_deref(),
            Some("org/repo")
        );
        assert_eq!(
            repo_slug_from_url("ssh://git@host:22/org/repo").as_deref(),
            Some("org/repo")
        );
        assert_eq!(repo_slug_from_url("/srv/git/repo"), None);
    }
}
