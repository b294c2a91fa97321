//! `ao init`: writes a minimal config for the git repository in the current directory.
//!
//! The project id comes from the `origin` remote's repository name (else the checkout's
//! directory name), slugged to `[a-z0-9-]`; `repo:` is `owner/name` from `origin`; `path:`
//! is the repository's top level; `defaultBranch` is detected. The file is created with
//! `O_EXCL` and mode 0600, so an existing file is never overwritten. `--local` writes the
//! network-free variant (plain tracker, local SCM, stdout notifications).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::GlobalArgs;
use crate::error::usage;
use crate::model::slugify;
use crate::sys::git::{Git, repo_slug_from_url};

/// Write a config for the git repository in the current directory.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Network-free variant: `plain` tracker and `local` SCM.
    #[arg(long)]
    pub local: bool,
    /// Output file (default: ./agent-orchestrator.yaml).
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// What `ao init` found out about the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RepoFacts {
    /// Project id.
    id: String,
    /// `owner/name` from origin, if any.
    repo: Option<String>,
    /// Top level of the work tree.
    top: PathBuf,
    /// Default branch.
    branch: String,
}

/// Runs `ao init`.
pub fn run(g: &GlobalArgs, a: &InitArgs) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let facts = inspect(&cwd)?;
    let out = a
        .output
        .clone()
        .or_else(|| g.config.clone())
        .unwrap_or_else(|| PathBuf::from("agent-orchestrator.yaml"));
    let out = if out.is_absolute() {
        out
    } else {
        cwd.join(out)
    };
    let text = render(&facts, a.local);
    let created = crate::store::atomic::create_new(&out, text.as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    if !created {
        return Err(usage(
            format!("{} already exists; not overwriting it", out.display()),
            "edit it (check it with `ao config check`), remove it, or write elsewhere with `ao init --output FILE`",
        ));
    }
    let mut what = format!("project `{}`", facts.id);
    if let Some(r) = facts.repo.as_ref().filter(|_| !a.local) {
        what.push_str(&format!(", repo {r}"));
    }
    what.push_str(&format!(
        ", path {}, branch {}",
        facts.top.display(),
        facts.branch
    ));
    if a.local {
        what.push_str(", plain tracker, local SCM, stdout notifications");
    }
    eprintln!("Created {} ({what})", out.display());
    if !a.local && facts.repo.is_none() {
        eprintln!(
            "note: no `origin` remote points at a GitHub-style `owner/name`; set `repo:` in the file, or run `ao init --local` for a local-only setup"
        );
    }
    // Name the file in the next commands unless discovery would find it from here.
    let flag = if out == cwd.join("agent-orchestrator.yaml") {
        String::new()
    } else {
        format!("--config {} ", shell_word(&out.display().to_string()))
    };
    eprintln!(
        "Next: `ao {flag}config check`, then `ao {flag}spawn {} <issue>`",
        facts.id
    );
    Ok(())
}

/// Finds project id, repo, top level and default branch of the repository at `cwd`.
fn inspect(cwd: &Path) -> anyhow::Result<RepoFacts> {
    let git = Git::new(cwd);
    if !git.is_repo() {
        return Err(usage(
            format!("{} is not inside a git repository", cwd.display()),
            "run `ao init` in your project's checkout (or `git init` first)",
        ));
    }
    let top = git
        .toplevel()
        .context("cannot find the top level of the git work tree")?;
    let repo = git.origin_url().and_then(|u| repo_slug_from_url(&u));
    let base = match &repo {
        Some(r) => r.rsplit('/').next().unwrap_or(r).to_owned(),
        None => top
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let id = project_id(&base);
    let branch = Git::new(&top)
        .default_branch()
        .filter(|b| crate::model::validate_branch(b).is_ok())
        .unwrap_or_else(|| "main".to_owned());
    Ok(RepoFacts {
        id,
        repo,
        top,
        branch,
    })
}

/// `name` as a project id: `[a-z0-9-]`, at most 40 characters (room for session numbers).
fn project_id(name: &str) -> String {
    let id = slugify(name, 40);
    if id == "task" && !name.eq_ignore_ascii_case("task") {
        // slugify's fallback for names without letters or digits.
        "project".to_owned()
    } else {
        id
    }
}

/// `s` quoted for a POSIX shell when it needs it (for commands shown to the user).
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A YAML scalar for `s` (quoted when plain text would be read differently).
fn scalar(s: &str) -> String {
    yaml_serde::to_string(s).map_or_else(|_| format!("{s:?}"), |y| y.trim_end().to_owned())
}

/// The config text.
fn render(f: &RepoFacts, local: bool) -> String {
    let path = scalar(&f.top.to_string_lossy());
    let mut s = String::new();
    if local {
        s.push_str(&format!(
            "# agent-orchestrator.yaml for `{id}`, written by `ao init --local`.\n\
             # Local-only: issues are Markdown files (`ao issue`), pull requests are local\n\
             # branches (`ao review`), checks are commands run in the workspace. No account,\n\
             # no network. Check it with `ao config check`; all keys: examples/full.yaml.\n\
             projects:\n  {id}:\n    path: {path}\n    defaultBranch: {branch}\n\
             \x20   tracker:\n      plugin: plain\n\
             \x20   scm:\n      plugin: local\n\
             \x20     # Commands run in the workspace for each new commit, e.g.:\n\
             \x20     # checks: [\"cargo test\"]\n\
             defaults:\n  notifiers: [stdout]\n",
            id = f.id,
            branch = scalar(&f.branch),
        ));
        return s;
    }
    s.push_str(&format!(
        "# agent-orchestrator.yaml for `{id}`, written by `ao init`.\n\
         # Check it with `ao config check`; all keys: examples/full.yaml.\n\
         projects:\n  {id}:\n",
        id = f.id
    ));
    match &f.repo {
        Some(r) => s.push_str(&format!("    repo: {}\n", scalar(r))),
        None => s.push_str(
            "    # No `origin` remote was found: set `repo: owner/name` for the GitHub tracker\n\
             \x20   # and SCM, or run `ao init --local` for a local-only setup.\n",
        ),
    }
    s.push_str(&format!(
        "    path: {path}\n    defaultBranch: {}\n",
        scalar(&f.branch)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RepoFacts {
        RepoFacts {
            id: "widgets".into(),
            repo: Some("acme/widgets".into()),
            top: PathBuf::from("/src/my widgets: v2"),
            branch: "main".into(),
        }
    }

    #[test]
    fn rendered_configs_parse() {
        for local in [false, true] {
            let text = render(&facts(), local);
            let c: crate::config::Config = yaml_serde::from_str(&text).unwrap();
            let p = &c.projects["widgets"];
            assert_eq!(p.path, PathBuf::from("/src/my widgets: v2"));
            assert_eq!(p.default_branch.as_deref(), Some("main"));
            if local {
                assert_eq!(p.tracker_name(), "plain");
                assert_eq!(p.scm_name(), "local");
                assert_eq!(p.repo, None);
                assert_eq!(c.defaults.notifiers, Some(vec!["stdout".to_owned()]));
            } else {
                assert_eq!(p.repo.as_deref(), Some("acme/widgets"));
            }
        }
        let no_repo = RepoFacts {
            repo: None,
            ..facts()
        };
        let c: crate::config::Config = yaml_serde::from_str(&render(&no_repo, false)).unwrap();
        assert_eq!(c.projects["widgets"].repo, None);
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("/tmp/a.yaml"), "/tmp/a.yaml");
        assert_eq!(shell_word("/tmp/my dir/it's"), "'/tmp/my dir/it'\\''s'");
    }

    #[test]
    fn project_ids_are_slugs() {
        assert_eq!(project_id("Widgets.RS"), "widgets-rs");
        assert_eq!(project_id("my_app"), "my-app");
        assert_eq!(project_id("___"), "project");
        assert!(crate::model::validate_name(&project_id(&"x".repeat(100)), "p").is_ok());
    }
}
