//! `ao issue new` (plain tracker).
use super::{Ctx, GlobalArgs};
use crate::plugins::tracker::{self, PlainTracker};
use crate::sys::text::strip_control;

/// Issue subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IssueCommand {
    /// Create an issue file in the plain tracker's folder.
    New {
        /// Issue title.
        title: String,
        /// Project id (default: the only project).
        #[arg(long)]
        project: Option<String>,
        /// Issue body.
        #[arg(long)]
        body: Option<String>,
        /// Labels.
        #[arg(long)]
        label: Vec<String>,
    },
    /// List issues.
    Ls {
        /// Project id (default: the only project).
        #[arg(long)]
        project: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an issue subcommand.
pub fn run(g: &GlobalArgs, c: &IssueCommand) -> anyhow::Result<()> {
    let ctx = Ctx::load(g)?;
    let project_arg = match c {
        IssueCommand::New { project, .. } | IssueCommand::Ls { project, .. } => project.clone(),
    };
    let project_id = match project_arg {
        Some(p) => p,
        None if ctx.config.projects.len() == 1 => ctx
            .config
            .projects
            .keys()
            .next()
            .cloned()
            .unwrap_or_default(),
        None => {
            return Err(crate::error::usage(
                "several projects are configured; say which",
                format!(
                    "--project one of: {}",
                    ctx.config
                        .projects
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    };
    let project = ctx.config.project(&project_id)?;
    let repo = crate::ops::repo_path(&ctx, project);
    match c {
        IssueCommand::New {
            title, body, label, ..
        } => {
            if project.tracker_name() != "plain" {
                return Err(crate::error::usage(
                    format!(
                        "project `{project_id}` uses the `{}` tracker; `ao issue new` writes plain issues",
                        project.tracker_name()
                    ),
                    "create the issue in your tracker, or set `tracker: {plugin: plain}`",
                ));
            }
            let t = PlainTracker::new(project, &repo);
            let issue = t.create_with_labels(title, body.as_deref().unwrap_or(""), label)?;
            eprintln!("Created issue {} in {}", issue.id, t.dir().display());
            println!("{}", issue.id);
        }
        IssueCommand::Ls { json, .. } => {
            let t = tracker::create(
                project.tracker_name(),
                &crate::plugins::PluginEnv::new(ctx.store.root()).with_project(
                    &project_id,
                    project,
                    &repo,
                ),
            )?;
            let issues = t.list_issues(&tracker::IssueFilter::default())?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"schemaVersion": 1, "issues": issues})
                    )?
                );
            } else {
                for i in issues {
                    println!("{}\t{}\t{}", i.id, i.state, strip_control(&i.title));
                }
            }
        }
    }
    Ok(())
}
