//! `ao config check|show|schema`.
//!
//! `check` loads and validates the config: exit 0 when it can be used (warnings on stderr),
//! 2 with every error otherwise; `--json` prints a report on stdout. `show` prints the
//! effective config — defaults filled in, per-project plugins and reactions merged, routes
//! resolved — with secrets replaced by `<redacted>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;
use serde::ser::SerializeMap as _;

use super::GlobalArgs;
use crate::config::{
    self, AgentConfig, Config, Duration, NotifierConfig, PluginConfig, Problem, ReactionConfig,
    ReactionKind, expand_tilde,
};
use crate::model::Priority;

/// Version of the JSON written by `ao config check --json` and `ao config show --json`.
pub const CONFIG_JSON_SCHEMA_VERSION: u32 = 1;

/// Config subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the config and report problems.
    Check {
        /// Print a JSON report.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective config with defaults filled in and secrets redacted.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of agent-orchestrator.yaml (docs/config.schema.json), for
    /// editors: `# yaml-language-server: $schema=<file>` or `$schema:` in the config.
    Schema,
}

/// The JSON Schema of the config file.
pub const CONFIG_SCHEMA: &str = include_str!("../../docs/config.schema.json");

/// Runs a config subcommand.
pub fn run(g: &GlobalArgs, c: &ConfigCommand) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    match c {
        ConfigCommand::Check { json } => check(g, &cwd, *json),
        ConfigCommand::Show { json } => show(g, &cwd, *json),
        ConfigCommand::Schema => {
            print!("{CONFIG_SCHEMA}");
            Ok(())
        }
    }
}

/// `ao config check --json` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckReport {
    /// [`CONFIG_JSON_SCHEMA_VERSION`].
    schema_version: u32,
    /// True when the config can be used (warnings allowed).
    ok: bool,
    /// The config file, when one was found.
    path: Option<String>,
    /// What stops ao from using the config.
    errors: Vec<Problem>,
    /// What does not.
    warnings: Vec<Problem>,
}

/// `p` made absolute (symlinks resolved when it exists).
fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| cwd.join(p))
}

fn check(g: &GlobalArgs, cwd: &Path, json: bool) -> anyhow::Result<()> {
    let path = config::discover(g.config.as_deref(), cwd)
        .ok()
        .map(|p| absolute(&p, cwd).display().to_string());
    match config::load(g.config.as_deref(), cwd) {
        Ok(loaded) => {
            if json {
                print_json(&CheckReport {
                    schema_version: CONFIG_JSON_SCHEMA_VERSION,
                    ok: true,
                    path,
                    errors: Vec::new(),
                    warnings: loaded.warnings,
                })?;
            } else {
                for w in &loaded.warnings {
                    eprintln!("warning: {w}");
                }
                let n = loaded.config.projects.len();
                let mut line = format!(
                    "{}: ok ({n} project{})",
                    absolute(&loaded.path, cwd).display(),
                    if n == 1 { "" } else { "s" }
                );
                if !loaded.warnings.is_empty() {
                    let w = loaded.warnings.len();
                    line.push_str(&format!(", {w} warning{}", if w == 1 { "" } else { "s" }));
                }
                use std::io::Write as _;
                writeln!(std::io::stdout().lock(), "{line}")?;
            }
            Ok(())
        }
        Err(e) => {
            if json {
                print_json(&CheckReport {
                    schema_version: CONFIG_JSON_SCHEMA_VERSION,
                    ok: false,
                    path,
                    errors: e.problems(),
                    warnings: Vec::new(),
                })?;
            }
            Err(e.into())
        }
    }
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    use std::io::Write as _;
    let s = serde_json::to_string_pretty(v).context("cannot encode JSON")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(())
}

/// A map that keeps insertion order when serialized.
#[derive(Debug)]
struct Ordered<V>(Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The effective config (`ao config show`): every setting with its default filled in;
/// field names as in the config file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct View {
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_version: Option<u32>,
    path: String,
    data_dir: String,
    worktree_dir: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_sessions: Option<u32>,
    ready_threshold: Duration,
    spawn_grace: Duration,
    missing_after: u32,
    unreachable_after: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    tmux_socket: Option<String>,
    defaults: DefaultsView,
    projects: BTreeMap<String, ProjectView>,
    notifiers: BTreeMap<String, NotifierConfig>,
    notifications: NotificationsView,
    reactions: Ordered<ReactionConfig>,
    dashboard: DashboardView,
}

/// `defaults:` with built-in plugin names filled in.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DefaultsView {
    runtime: String,
    agent: String,
    workspace: String,
    terminal: String,
    notifiers: Vec<String>,
}

/// The plugin a project uses in each slot.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PluginsView {
    runtime: String,
    agent: String,
    workspace: String,
    tracker: String,
    scm: String,
}

/// One project: resolved path, detected branch, plugins, merged reactions.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectView {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repo: Option<String>,
    path: String,
    default_branch: String,
    session_prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_sessions: Option<u32>,
    plugins: PluginsView,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracker: Option<PluginConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scm: Option<PluginConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    symlinks: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    post_create: Vec<String>,
    agent_config: AgentConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<String>,
    reactions: Ordered<ReactionConfig>,
}

/// The notifier names each priority goes to.
#[derive(Debug, Serialize)]
struct NotificationsView {
    routing: Ordered<Vec<String>>,
}

/// Whether and where the static dashboard is written.
#[derive(Debug, Serialize)]
struct DashboardView {
    enabled: bool,
    path: String,
}

fn show(g: &GlobalArgs, cwd: &Path, json: bool) -> anyhow::Result<()> {
    let loaded = config::load(g.config.as_deref(), cwd)?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let path = absolute(&loaded.path, cwd);
    let mut view = effective(&loaded.config, &path);
    if json {
        view.schema_version = Some(CONFIG_JSON_SCHEMA_VERSION);
        print_json(&view)
    } else {
        use std::io::Write as _;
        let y = yaml_serde::to_string(&view).context("cannot encode YAML")?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "# Effective config from {} (defaults filled in, secrets redacted)\n{y}",
            path.display()
        )?;
        Ok(())
    }
}

/// Reactions in the seed's order, each with its effective settings.
fn reactions_view(
    cfg: &Config,
    project: Option<&config::ProjectConfig>,
) -> Ordered<ReactionConfig> {
    Ordered(
        ReactionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), cfg.reaction(project, *k)))
            .collect(),
    )
}

/// The effective, redacted view of `raw` loaded from `path`.
fn effective(raw: &Config, path: &Path) -> View {
    let cfg = raw.redacted();
    let r = config::Resolved::new(&cfg, path);
    let data_dir = r.data_dir;
    let worktree_dir = r.worktree_dir;
    let tmux_socket = Some(
        r.tmux_socket
            .unwrap_or_else(|| config::resolved::USER_TMUX_SERVER.to_owned()),
    );
    let d = &cfg.defaults;
    let defaults = DefaultsView {
        runtime: d
            .runtime
            .clone()
            .unwrap_or_else(|| config::plugin_defaults::RUNTIME.to_owned()),
        agent: d
            .agent
            .clone()
            .unwrap_or_else(|| config::plugin_defaults::AGENT.to_owned()),
        workspace: d
            .workspace
            .clone()
            .unwrap_or_else(|| config::plugin_defaults::WORKSPACE.to_owned()),
        terminal: d
            .terminal
            .clone()
            .unwrap_or_else(|| config::plugin_defaults::TERMINAL.to_owned()),
        notifiers: d
            .notifiers
            .clone()
            .unwrap_or_else(|| vec![config::plugin_defaults::NOTIFIER.to_owned()]),
    };
    let projects = cfg
        .projects
        .iter()
        .map(|(id, p)| {
            let dir = r.project_paths[id.as_str()].clone();
            let default_branch = config::resolved::default_branch(p, &dir);
            let view = ProjectView {
                name: p.name.clone(),
                repo: p.repo.clone(),
                path: dir.display().to_string(),
                default_branch,
                session_prefix: p.prefix(id).to_owned(),
                max_sessions: p.max_sessions,
                plugins: PluginsView {
                    runtime: p.runtime_name(&cfg).to_owned(),
                    agent: p.agent_name(&cfg).to_owned(),
                    workspace: p.workspace_name(&cfg).to_owned(),
                    tracker: p.tracker_name().to_owned(),
                    scm: p.scm_name().to_owned(),
                },
                tracker: p.tracker.clone(),
                scm: p.scm.clone(),
                symlinks: p.symlinks.clone(),
                post_create: p.post_create.clone(),
                agent_config: p.agent_config.clone(),
                instructions: p.instructions.clone(),
                reactions: reactions_view(&cfg, Some(p)),
            };
            (id.clone(), view)
        })
        .collect();
    let routing = Ordered(
        Priority::ALL
            .iter()
            .map(|p| (p.as_str().to_owned(), crate::notify::route(&cfg, *p)))
            .collect(),
    );
    let dashboard_path = match &cfg.dashboard.path {
        Some(p) => expand_tilde(p),
        None => data_dir.join("dashboard.html"),
    };
    View {
        schema_version: None,
        path: path.display().to_string(),
        data_dir: data_dir.display().to_string(),
        worktree_dir: worktree_dir.display().to_string(),
        port: cfg.port,
        max_sessions: cfg.max_sessions,
        ready_threshold: cfg.ready_threshold(),
        spawn_grace: cfg.spawn_grace(),
        missing_after: cfg.missing_after(),
        unreachable_after: cfg.unreachable_after(),
        tmux_socket,
        defaults,
        projects,
        notifiers: cfg.notifiers.clone(),
        notifications: NotificationsView { routing },
        reactions: reactions_view(&cfg, None),
        dashboard: DashboardView {
            enabled: cfg.dashboard.enabled,
            path: dashboard_path.display().to_string(),
        },
    }
}
