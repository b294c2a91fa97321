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
use yaml_serde::{Mapping, Value};

use crate::error::usage;
use crate::model::slugify;
use crate::sys::git::{Git, repo_slug_from_url};

/// Write a config for the git repository in the current directory.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Network-free variant: `plain` tracker and `local` SCM.
    #[arg(long)]
    pub local: bool,
    /// Output file (default: ./agent-orchestrator.yaml). When it exists, this repository's
    /// project is added to it (or switched to/from `--local`); the old file is kept as
    /// `<FILE>.bak`.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Replace an existing file instead of composing into it (the old one is kept as
    /// `<FILE>.bak`).
    #[arg(long)]
    pub force: bool,
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
    let (notifier, why) = pick_notifier();
    let text = render(&facts, a.local, notifier);
    let did = write_config(&out, &facts, a.local, a.force, &text)?;
    match &did {
        Wrote::Created => {
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
                what.push_str(", plain tracker, local SCM");
            }
            eprintln!("Created {} ({what})", out.display());
            eprintln!("Notifications go to `{notifier}` ({why}).");
        }
        Wrote::Replaced => eprintln!(
            "Replaced {} (project `{}`); the previous file is {}",
            out.display(),
            facts.id,
            bak(&out).display()
        ),
        Wrote::Added => eprintln!(
            "Added project `{}` to {}; the previous file is {}",
            facts.id,
            out.display(),
            bak(&out).display()
        ),
        Wrote::Updated(how) => eprintln!(
            "Updated project `{}` in {}: {how}; the previous file is {}",
            facts.id,
            out.display(),
            bak(&out).display()
        ),
        Wrote::Unchanged => eprintln!(
            "{} already configures project `{}` this way; nothing to change",
            out.display(),
            facts.id
        ),
    }
    if !a.local && facts.repo.is_none() {
        eprintln!(
            "note: no `origin` remote points at a GitHub-style `owner/name`; set `repo:` in the file, or run `ao init --local` for a local-only setup"
        );
    }
    match crate::config::registry::register(&out) {
        Ok(_) => eprintln!(
            "Registered in {}: `ao tick` and `ao status` run anywhere (cron from $HOME) cover it.",
            crate::config::registry::path().display()
        ),
        Err(e) => eprintln!(
            "warning: cannot register {} in {}: {e}; cron must then set AO_CONFIG",
            out.display(),
            crate::config::registry::path().display()
        ),
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

/// What `ao init` did to the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wrote {
    /// A new file.
    Created,
    /// `--force`: the whole file rewritten.
    Replaced,
    /// The project was added to an existing file.
    Added,
    /// The project's tracker/SCM were switched (the text says how).
    Updated(String),
    /// The file already says what was asked.
    Unchanged,
}

/// `<file>.bak`.
fn bak(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".bak");
    PathBuf::from(s)
}

/// Writes `text` to `out`, or composes it into the config already there: adds the
/// project, switches an existing one between GitHub and local, or changes nothing when it
/// is already as asked. `force` replaces the whole file. Every rewrite of an existing file
/// keeps the previous one as `<file>.bak`.
fn write_config(
    out: &Path,
    facts: &RepoFacts,
    local: bool,
    force: bool,
    text: &str,
) -> anyhow::Result<Wrote> {
    let write_err = || format!("cannot write {}", out.display());
    if crate::store::atomic::create_new(out, text.as_bytes()).with_context(write_err)? {
        return Ok(Wrote::Created);
    }
    let old = std::fs::read_to_string(out)
        .with_context(|| format!("cannot read the existing {}", out.display()))?;
    let keep_old = || -> anyhow::Result<()> {
        crate::store::atomic::write(&bak(out), old.as_bytes())
            .with_context(|| format!("cannot write {}", bak(out).display()))
    };
    if force {
        keep_old()?;
        crate::store::atomic::write(out, text.as_bytes()).with_context(write_err)?;
        return Ok(Wrote::Replaced);
    }
    let (doc, wrote) = compose(&old, text, facts, local).map_err(|m| {
        usage(
            format!("{}: {m}", out.display()),
            "edit the file yourself, or run `ao init --force` to replace it (the old one is kept as .bak)",
        )
    })?;
    if wrote == Wrote::Unchanged {
        return Ok(wrote);
    }
    keep_old()?;
    let mut new_text = format!(
        "# agent-orchestrator.yaml, last composed by `ao init` (comments of the previous\n\
         # version are in {}). Check it with `ao config check`.\n",
        bak(out)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    new_text.push_str(&yaml_serde::to_string(&doc).context("cannot render the config")?);
    crate::store::atomic::write(out, new_text.as_bytes()).with_context(write_err)?;
    Ok(wrote)
}

/// True when a project mapping uses the local SCM.
fn is_local(project: &Value) -> bool {
    let plugin = |k: &str| match project.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(m @ Value::Mapping(_)) => m.get("plugin").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    plugin("scm").as_deref() == Some("local")
}

/// The existing config `old` with the project of `text` composed in (see
/// [`write_config`]); an error text when that cannot be done safely.
fn compose(
    old: &str,
    text: &str,
    facts: &RepoFacts,
    local: bool,
) -> Result<(Value, Wrote), String> {
    let mut doc: Value = yaml_serde::from_str(old).map_err(|e| {
        format!(
            "cannot add project `{}`: the file is not valid YAML ({e})",
            facts.id
        )
    })?;
    if doc.is_null() {
        doc = Value::Mapping(Mapping::new());
    }
    let new: Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    let new_project = new
        .get("projects")
        .and_then(|p| p.get(facts.id.as_str()))
        .cloned()
        .ok_or("internal: rendered config has no project")?;
    let Value::Mapping(root) = &mut doc else {
        return Err("the file is not a YAML mapping".into());
    };
    let projects = root
        .entry(Value::String("projects".into()))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let Value::Mapping(projects) = projects else {
        return Err("`projects:` is not a mapping".into());
    };
    let wrote = match projects.get_mut(facts.id.as_str()) {
        None => {
            projects.insert(Value::String(facts.id.clone()), new_project);
            Wrote::Added
        }
        Some(Value::Mapping(existing)) => {
            let here = facts.top.to_string_lossy();
            let path = existing.get("path").and_then(Value::as_str).map(|p| {
                crate::config::expand_tilde(Path::new(p))
                    .to_string_lossy()
                    .into_owned()
            });
            if path.as_deref().is_some_and(|p| p != here) {
                return Err(format!(
                    "project `{}` is already configured for {}, not for {here}",
                    facts.id,
                    path.unwrap_or_default()
                ));
            }
            if is_local(&Value::Mapping(existing.clone())) == local {
                return Ok((doc, Wrote::Unchanged));
            }
            if local {
                for k in ["tracker", "scm"] {
                    existing.insert(
                        Value::String(k.into()),
                        new_project.get(k).cloned().unwrap_or(Value::Null),
                    );
                }
                Wrote::Updated("now local (plain tracker, local SCM)".into())
            } else {
                existing.remove("tracker");
                existing.remove("scm");
                if let Some(r) = &facts.repo {
                    existing.insert(Value::String("repo".into()), Value::String(r.clone()));
                }
                Wrote::Updated("now on GitHub (github tracker and SCM)".into())
            }
        }
        Some(_) => return Err(format!("`projects.{}` is not a mapping", facts.id)),
    };
    // A default notifier when the file has none (ao's own default may not work here).
    let Value::Mapping(root) = &mut doc else {
        unreachable!("checked above")
    };
    let defaults = root
        .entry(Value::String("defaults".into()))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(d) = defaults
        && !d.contains_key("notifiers")
        && let Some(n) = new.get("defaults").and_then(|d| d.get("notifiers"))
    {
        d.insert(Value::String("notifiers".into()), n.clone());
    }
    Ok((doc, wrote))
}

/// `desktop` when a D-Bus session bus with a notification server answers, else `stdout`
/// (works under cron and on headless machines); with the reason.
fn pick_notifier() -> (&'static str, &'static str) {
    use crate::plugins::notifier::Notifier as _;
    let desktop = crate::plugins::notifier::desktop::DesktopNotifier::new("desktop", None)
        .and_then(|d| d.check());
    match desktop {
        Ok(_) => (
            "desktop",
            "a notification server answers on the D-Bus session bus",
        ),
        Err(_) => (
            "stdout",
            "no D-Bus session bus answers here, so desktop notifications would fail; stdout works headless and under cron (its output goes to the cron log); route to ntfy, slack or email for your phone",
        ),
    }
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
fn render(f: &RepoFacts, local: bool, notifier: &str) -> String {
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
             defaults:\n  notifiers: [{notifier}]\n",
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
        "    path: {path}\n    defaultBranch: {}\ndefaults:\n  notifiers: [{notifier}]\n",
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
            let text = render(&facts(), local, "stdout");
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
        let c: crate::config::Config =
            yaml_serde::from_str(&render(&no_repo, false, "stdout")).unwrap();
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
