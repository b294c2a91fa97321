//! `ao spawn`: reserve an id, create the workspace, start the agent, record everything.
use super::{Ctx, GlobalArgs};
use crate::ops::{self, SpawnRequest};

/// Start an agent session.
#[derive(Debug, clap::Args)]
pub struct SpawnArgs {
    /// Project id (a key under `projects:`).
    pub project: String,
    /// Issue identifier in the project's tracker.
    pub issue: Option<String>,
    /// Agent plugin (overrides config).
    #[arg(long)]
    pub agent: Option<String>,
    /// Runtime plugin (overrides config).
    #[arg(long)]
    pub runtime: Option<String>,
    /// Task prompt (instead of, or in addition to, the issue).
    #[arg(long, conflicts_with = "prompt_file")]
    pub prompt: Option<String>,
    /// Read the task prompt from a file (- for stdin); at most 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<std::path::PathBuf>,
    /// Branch name (default: derived from the issue).
    #[arg(long)]
    pub branch: Option<String>,
    /// Host to run on (ssh runtime; one of runtimeConfig.hosts; default: the host with
    /// the fewest live sessions).
    #[arg(long)]
    pub host: Option<String>,
    /// Attach to the session after starting it.
    #[arg(long)]
    pub open: bool,
    /// Start even if the issue already has a live session.
    #[arg(long)]
    pub force: bool,
    /// Print the new session as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao spawn`.
pub fn run(g: &GlobalArgs, a: &SpawnArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g.config.as_deref())?;
    let req = SpawnRequest {
        project: a.project.clone(),
        issue: a.issue.clone(),
        agent: a.agent.clone(),
        runtime: a.runtime.clone(),
        prompt: match &a.prompt_file {
            Some(f) => Some(ops::read_text_input("prompt", f)?),
            None => a.prompt.clone(),
        },
        branch: a.branch.clone(),
        force: a.force,
        batch: None,
        host: a.host.clone(),
    };
    let rec = ops::spawn(&ctx, &req, crate::clock::now())?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&super::status::session_json(&rec))?
        );
    } else {
        match rec.runtime.as_ref().and_then(|h| h.remote.as_ref()) {
            Some(r) => eprintln!(
                "Spawned {} on branch {} on host {} in {}",
                rec.id, rec.branch, r.host, r.workspace
            ),
            None => eprintln!(
                "Spawned {} on branch {} in {}",
                rec.id,
                rec.branch,
                rec.workspace.display()
            ),
        }
        println!("{}", rec.id);
    }
    if a.open {
        return super::open::open(&ctx, &rec, false);
    }
    Ok(())
}
