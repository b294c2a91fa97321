//! `ao batch-spawn`: spawn several issues as one batch.
use super::{Ctx, GlobalArgs};
use crate::ops::{self, SpawnRequest};
use crate::plugins::PluginEnv;
use crate::plugins::tracker::{self, IssueFilter};

/// Start sessions for several issues.
#[derive(Debug, clap::Args)]
pub struct BatchSpawnArgs {
    /// Project id.
    pub project: String,
    /// Issue identifiers.
    pub issues: Vec<String>,
    /// Also spawn every open issue carrying this label (trackers that can list).
    #[arg(long)]
    pub label: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao batch-spawn`.
pub fn run(g: &GlobalArgs, a: &BatchSpawnArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g.config.as_deref())?;
    let project = ctx.config.project(&a.project)?;
    let mut issues = a.issues.clone();
    if !a.label.is_empty() {
        let repo = ops::repo_path(&ctx, project);
        let tr = tracker::create(
            project.tracker_name(),
            &PluginEnv::new(ctx.store.root()).with_project(&a.project, project, &repo),
        )?;
        let filter = IssueFilter {
            labels: a.label.clone(),
            ..IssueFilter::default()
        };
        for i in tr.list_issues(&filter)? {
            if !issues.contains(&i.id) {
                issues.push(i.id);
            }
        }
    }
    if issues.is_empty() {
        return Err(crate::error::usage(
            "no issues to spawn",
            "name issue ids, or use --label L with a tracker that can list issues",
        ));
    }
    // Names the batch; each spawn below reads its own start.
    let batch = format!("{}-{}", a.project, crate::clock::now().as_second());
    let (live, _) = ctx.store.list(Some(&a.project))?;
    let mut results = Vec::new();
    let mut failed = 0;
    for issue in &issues {
        if let Some(dup) = live
            .iter()
            .find(|r| !r.status.is_terminal() && r.issue.as_deref() == Some(issue.as_str()))
        {
            eprintln!("Skipped issue {issue}: live session {} exists", dup.id);
            results
                .push(serde_json::json!({"issue": issue, "result": "skipped", "session": dup.id}));
            continue;
        }
        let req = SpawnRequest {
            project: a.project.clone(),
            issue: Some(issue.clone()),
            batch: Some(batch.clone()),
            ..SpawnRequest::default()
        };
        // Read per session: a batch can take minutes, and `created_at` anchors each
        // session's spawn grace.
        match ops::spawn(&ctx, &req, crate::clock::now()) {
            Ok(rec) => {
                eprintln!("Spawned {} for issue {issue}", rec.id);
                results.push(
                    serde_json::json!({"issue": issue, "result": "spawned", "session": rec.id}),
                );
            }
            Err(e) => {
                failed += 1;
                eprintln!("Failed issue {issue}: {e:#}");
                results.push(serde_json::json!({"issue": issue, "result": "failed", "error": format!("{e:#}")}));
            }
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"schemaVersion": 1, "batch": batch, "results": results})
            )?
        );
    }
    if failed > 0 {
        return Err(crate::error::SilentExit { code: 1 }.into());
    }
    Ok(())
}
