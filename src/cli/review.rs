//! `ao review` (record a review on a session's local PR) and `ao review-check` (run the
//! review reactions now: a tick restricted to sessions with an open PR).

use anyhow::Context as _;

use super::{Ctx, GlobalArgs};
use crate::model::{EventKind, SessionId};
use crate::plugins::scm::{LocalReview, reviews};
use crate::store::Event;

/// Review verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Verdict {
    /// Approve.
    Approve,
    /// Request changes (needs -m).
    RequestChanges,
    /// Comment (needs -m).
    Comment,
}

/// Review a session's local PR.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// Session id.
    pub session: String,
    /// Verdict.
    pub verdict: Verdict,
    /// Review text; lines like `src/lib.rs:12: text` keep their location.
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
}

/// Run the review reactions now.
#[derive(Debug, clap::Args)]
pub struct ReviewCheckArgs {
    /// Only this project.
    pub project: Option<String>,
}

/// Runs `ao review`.
pub fn run(g: &GlobalArgs, a: &ReviewArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g.config.as_deref())?;
    let id = SessionId::parse(&a.session)?;
    let body = a.message.clone().unwrap_or_default();
    if a.verdict != Verdict::Approve && body.trim().is_empty() {
        return Err(crate::error::usage(
            "this verdict needs a message",
            "add -m \"what should change\"",
        ));
    }
    let _lock = ctx.store.lock_session(&id)?;
    let mut rec = ctx.store.find(&id)?;
    let project = ctx.config.project(&rec.project)?;
    if project.scm_name() != "local" {
        return Err(crate::error::usage(
            format!(
                "{id} uses the `{}` SCM; review it there",
                project.scm_name()
            ),
            "`ao review` records reviews for the local SCM only",
        ));
    }
    let pr = rec.pr.as_ref().with_context(|| {
        format!("{id} has no PR yet (no commits beyond the default branch seen by a tick)")
    })?;
    let mut all = reviews(&rec);
    let verdict = match a.verdict {
        Verdict::Approve => "approve",
        Verdict::RequestChanges => "request-changes",
        Verdict::Comment => "comment",
    };
    let now = crate::clock::now();
    let review = LocalReview {
        id: all.iter().map(|r| r.id).max().unwrap_or(0) + 1,
        verdict: verdict.into(),
        body: crate::sys::text::strip_control(&body),
        head: pr.head_sha.clone(),
        author: std::env::var("USER").unwrap_or_else(|_| "reviewer".into()),
        at: now,
    };
    all.push(review.clone());
    rec.extra
        .insert("reviews".into(), serde_json::to_value(&all)?);
    ctx.store.save(&rec)?;
    ctx.store.event(
        Event::new(
            now,
            EventKind::ReviewRecorded,
            format!("{verdict} on {}", &review.head[..review.head.len().min(12)]),
        )
        .about(&rec.project, Some(rec.id.as_str()))
        .with(serde_json::json!({"verdict": verdict, "head": review.head, "review": review.id})),
    )?;
    eprintln!("Recorded {verdict} on {id}; the next tick reacts to it");
    Ok(())
}

/// Runs `ao review-check`.
pub fn run_check(g: &GlobalArgs, a: &ReviewCheckArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g.config.as_deref())?;
    let opts = crate::tick::TickOptions {
        project: a.project.clone(),
        session: None,
        dry_run: false,
        only_prs: true,
    };
    let summary = crate::tick::run(&ctx, &opts)?;
    super::tick::report(&summary, false)
}
