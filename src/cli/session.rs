//! `ao session ls|kill|cleanup|restore`.
use super::{Ctx, GlobalArgs};
use crate::model::SessionId;
use crate::ops;

/// Session subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SessionCommand {
    /// List sessions.
    Ls {
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
        /// Include archived sessions.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a session, remove its workspace and archive it.
    Kill {
        /// Session id.
        id: String,
        /// Remove the workspace even with uncommitted or unpushed work.
        #[arg(long)]
        force: bool,
    },
    /// Clean up sessions whose work is merged or closed.
    Cleanup {
        /// Show what would be cleaned up.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-create a session's runtime (and workspace if gone) and resume the agent.
    Restore {
        /// Session id.
        id: String,
    },
}

/// Runs a session subcommand.
pub fn run(g: &GlobalArgs, c: &SessionCommand) -> anyhow::Result<()> {
    match c {
        SessionCommand::Ls { project, all, json } => {
            let (ctxs, errors) = Ctx::load_fleet(g.config.as_deref())?;
            for e in &errors {
                eprintln!("warning: {}", crate::error::render(e).trim_end());
            }
            ls(&ctxs, project.as_deref(), *all, *json)
        }
        SessionCommand::Kill { id, force } => {
            let id = SessionId::parse(id)?;
            let ctx = Ctx::load_for_session(g.config.as_deref(), &id, false)?;
            let _lock = ctx.store.lock_session(&id)?;
            let rec = ctx.store.find(&id)?;
            let out = ops::kill(&ctx, &rec, *force, "ao session kill", crate::clock::now())?;
            eprintln!(
                "Killed {}{}{}",
                out.id,
                if out.runtime_stopped {
                    ", runtime stopped"
                } else {
                    ""
                },
                if out.workspace_removed {
                    ", workspace removed"
                } else {
                    ""
                }
            );
            Ok(())
        }
        SessionCommand::Cleanup { dry_run } => cleanup(&Ctx::load(g.config.as_deref())?, *dry_run),
        SessionCommand::Restore { id } => {
            let id = SessionId::parse(id)?;
            let live = Ctx::load_for_session(g.config.as_deref(), &id, false)?;
            let ctx = if live.store.find(&id).is_ok() {
                live
            } else {
                Ctx::load_for_session(g.config.as_deref(), &id, true)?
            };
            let _lock = ctx.store.lock_session(&id)?;
            let rec = match ctx.store.find(&id) {
                Ok(r) => r,
                Err(crate::store::StoreError::NotFound(_)) => {
                    // A killed (archived) session: back to the live records, then restore.
                    let rec = ctx.store.find_archived(&id)?;
                    ctx.store.unarchive(&rec)?;
                    rec
                }
                Err(e) => return Err(e.into()),
            };
            let rec = ops::restore(&ctx, &rec, crate::clock::now())?;
            eprintln!("Restored {} in {}", rec.id, rec.workspace.display());
            Ok(())
        }
    }
}

fn ls(ctxs: &[Ctx], project: Option<&str>, all: bool, json: bool) -> anyhow::Result<()> {
    let mut recs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for ctx in ctxs {
        let (mut mine, problems) = ctx.store.list(project)?;
        if all {
            let (arch, p2) = ctx.store.list_archived(project)?;
            mine.extend(arch);
            for p in p2 {
                eprintln!("warning: {}", p.error);
            }
        }
        for p in &problems {
            eprintln!("warning: {}", p.error);
        }
        // Configs sharing a data dir see the same records: list each once.
        mine.retain(|r| seen.insert((ctx.store.root().to_path_buf(), r.id.clone())));
        recs.extend(mine);
    }
    if json {
        let v: Vec<serde_json::Value> = recs.iter().map(super::status::session_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"schemaVersion": super::status::SCHEMA_VERSION, "sessions": v})
            )?
        );
        return Ok(());
    }
    for r in &recs {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            r.id,
            r.project,
            r.status,
            r.branch,
            r.workspace.display()
        );
    }
    Ok(())
}

/// Archives sessions whose PR merged or closed (and killed ones), removing their
/// workspace unless it holds unsaved work.
fn cleanup(ctx: &Ctx, dry_run: bool) -> anyhow::Result<()> {
    let (recs, _) = ctx.store.list(None)?;
    let now = crate::clock::now();
    let mut failed = false;
    for rec in recs {
        let ended = rec.status.is_terminal()
            || rec
                .pr
                .as_ref()
                .is_some_and(|p| p.state != crate::model::PrState::Open);
        if !ended {
            continue;
        }
        if dry_run {
            println!("would clean up {} ({})", rec.id, rec.status);
            continue;
        }
        let _lock = ctx.store.lock_session(&rec.id)?;
        match ops::kill(ctx, &rec, false, "cleanup", now) {
            Ok(_) => eprintln!("Cleaned up {}", rec.id),
            Err(e) => {
                failed = true;
                eprintln!("warning: cannot clean up {}: {e:#}", rec.id);
            }
        }
    }
    if failed {
        return Err(crate::error::SilentExit { code: 1 }.into());
    }
    Ok(())
}
