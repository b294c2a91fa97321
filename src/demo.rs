//! `ao demo`: the whole lifecycle on a throwaway repository, offline, with no account.
//!
//! It creates a repo with a shell test, three `plain` issues, a config using the `local`
//! SCM (checks: `sh test.sh`, auto-merge on approval) and the scripted agent from
//! `examples/agents/demo-agent.sh`, spawns three sessions as one batch, and runs ticks
//! until all are merged and cleaned up, playing the human reviewer in between:
//! a CI failure is sent to the agent and fixed; a change request is addressed; a question
//! raises a needs_input notification and is answered; approvals are auto-merged; the
//! batch ends with the all-complete summary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::config::Config;
use crate::context::Ctx;
use crate::model::EventKind;
use crate::model::{CiState, PrState, ReviewDecision, SessionId, Status};
use crate::ops::{self, SpawnRequest};
use crate::store::{Event, Store, events};
use crate::sys::cmd::Cmd;

/// The scripted agent, embedded so an installed `ao` can run the demo anywhere.
pub const DEMO_AGENT: &str = include_str!("../examples/agents/demo-agent.sh");

/// How long the demo may run before giving up.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Result of a demo run.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoReport {
    /// Everything finished (merged, cleaned up, all-complete sent).
    pub completed: bool,
    /// Seconds taken.
    pub seconds: f64,
    /// Ticks run.
    pub ticks: u32,
    /// The temporary directory (kept with --keep).
    pub dir: PathBuf,
    /// Event types seen, in order of first appearance.
    pub milestones: Vec<EventKind>,
    /// The full event timeline.
    pub timeline: Vec<Event>,
}

/// Runs the demo in `dir` (created empty by the caller), reporting progress lines
/// through `say`.
pub fn run(
    dir: &Path,
    notify_stderr: bool,
    keep: bool,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    // The demo's own tmux server, whatever AO_TMUX_SOCKET says: it is killed at the end
    // (and by the janitor), so it must never be a server with the user's sessions.
    let socket = format!("ao-demo-{}", std::process::id());
    janitor(&socket, dir, keep);
    let repo = dir.join("repo");
    setup_repo(&repo)?;
    let agent = dir.join("demo-agent.sh");
    std::fs::write(&agent, DEMO_AGENT)
        .with_context(|| format!("cannot write {}", agent.display()))?;
    let config_path = dir.join("agent-orchestrator.yaml");
    let yaml = format!(
        r#"# ao demo: everything local, nothing on the network.
dataDir: {data}
worktreeDir: {wt}
tmuxSocket: {socket}
spawnGrace: 0s
readyThreshold: 10m
defaults:
  notifiers: [{notifier}]
projects:
  demo:
    path: {repo}
    defaultBranch: main
    agent: custom
    agentConfig:
      command: "bash {agent}"
      env:
        GIT_AUTHOR_NAME: ao demo agent
        GIT_AUTHOR_EMAIL: agent@demo.invalid
        GIT_COMMITTER_NAME: ao demo agent
        GIT_COMMITTER_EMAIL: agent@demo.invalid
      patterns:
        ready: ["agent>"]
        working: ["working..."]
        waitingInput: ["[y/N]"]
    tracker:
      plugin: plain
    scm:
      plugin: local
      checks: ["sh test.sh"]
      mergeMethod: merge
    reactions:
      approved-and-green:
        auto: true
        action: auto-merge
"#,
        data = dir.join("data").display(),
        wt = dir.join("worktrees").display(),
        repo = repo.display(),
        agent = agent.display(),
        notifier = if notify_stderr { "stderr" } else { "stdout" },
    );
    crate::sys::atomic::write(&config_path, yaml.as_bytes())?;
    let config: Config = crate::config::load_file(&config_path)?;
    // The demo's own data dir, whatever AO_DATA_DIR says.
    let mut resolved = crate::config::Resolved::new(&config, &config_path);
    resolved.data_dir = dir.join("data");
    resolved.tmux_socket = Some(socket.clone());
    let store = Store::open(&resolved.data_dir)?;
    let ctx = Ctx {
        config,
        config_path: config_path.clone(),
        resolved,
        store,
    };
    let result = drive(&ctx, &repo, say, started);
    // Whatever happened, leave no tmux server behind.
    let _ = crate::sys::tmux::Tmux::new(ctx.tmux_socket().as_deref())
        .command()
        .arg("kill-server")
        .output();
    let (completed, ticks) = result?;
    let timeline = events::read_all(&ctx.store.events_path())?.events;
    let mut milestones: Vec<EventKind> = Vec::new();
    for e in &timeline {
        if !milestones.contains(&e.kind) {
            milestones.push(e.kind.clone());
        }
    }
    Ok(DemoReport {
        completed,
        seconds: started.elapsed().as_secs_f64(),
        ticks,
        dir: dir.to_path_buf(),
        milestones,
        timeline,
    })
}

/// Starts a detached watcher that, once this process is gone (or a zombie) however it ended (Ctrl-C,
/// SIGTERM, a crash), kills the demo's tmux server and removes `dir` (unless `keep`). It
/// runs in its own session, so the terminal's Ctrl-C does not reach it; on a normal exit
/// it finds nothing left to do. Best effort: the demo runs without it if `sh` is missing.
fn janitor(socket: &str, dir: &Path, keep: bool) {
    const SCRIPT: &str = r#"trap '' INT TERM HUP
alive() { kill -0 "$1" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }
while alive "$1"; do sleep 0.2; done
tmux -L "$2" -f /dev/null kill-server 2>/dev/null
[ "$4" = keep ] || rm -rf -- "$3""#;
    let _ = Cmd::new("sh")
        .args(["-c", SCRIPT, "ao-demo-janitor"])
        .arg(std::process::id().to_string())
        .arg(socket)
        .arg(dir)
        .arg(if keep { "keep" } else { "remove" })
        .spawn_detached(None);
}

fn git(repo: &Path, args: &[&str]) -> anyhow::Result<()> {
    crate::sys::git::Git::new(repo)
        .command()
        .env("GIT_AUTHOR_NAME", "ao demo")
        .env("GIT_AUTHOR_EMAIL", "demo@demo.invalid")
        .env("GIT_COMMITTER_NAME", "ao demo")
        .env("GIT_COMMITTER_EMAIL", "demo@demo.invalid")
        .args(args)
        .run()?;
    Ok(())
}

fn setup_repo(repo: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(repo)?;
    Cmd::new("git")
        .args(["init", "-q", "-b", "main"])
        .cwd(repo)
        .run()?;
    // A fresh machine has no git identity; the local SCM's merge commits need one.
    for (k, v) in [
        ("user.name", "ao demo"),
        ("user.email", "demo@demo.invalid"),
    ] {
        Cmd::new("git").args(["config", k, v]).cwd(repo).run()?;
    }
    std::fs::write(
        repo.join("calc.sh"),
        "if [ \"$1\" = add ]; then expr \"$2\" + \"$3\"; fi\n",
    )?;
    std::fs::write(
        repo.join("test.sh"),
        "[ \"$(sh calc.sh add 2 3)\" = 5 ] || { echo \"FAIL: calc.sh add 2 3 should print 5\"; exit 1; }\n",
    )?;
    std::fs::write(repo.join("README.md"), "# demo\n")?;
    git(repo, &["add", "."])?;
    git(repo, &["commit", "-q", "-m", "A calculator with a test"])?;
    let project = crate::config::ProjectConfig {
        path: repo.to_path_buf(),
        ..Default::default()
    };
    let t = crate::plugins::tracker::PlainTracker::new(&project, repo);
    t.create_with_labels(
        "Add subtraction to calc.sh",
        "calc.sh should support `sub A B`, with a test.",
        &[],
    )?;
    t.create_with_labels(
        "Add a greeting script",
        "Add greet.sh that greets the user.",
        &[],
    )?;
    t.create_with_labels(
        "Remove the stale build directory",
        "Clean up build/ leftovers.",
        &[],
    )?;
    Ok(())
}

/// Runs ticks and plays the human until the batch is done. Returns (completed, ticks).
fn drive(
    ctx: &Ctx,
    repo: &Path,
    say: &mut dyn FnMut(&str),
    started: Instant,
) -> anyhow::Result<(bool, u32)> {
    let mut offset = 0;
    say("ao demo: spawning 3 agents on 3 issues (local SCM, checks: sh test.sh)");
    let now = crate::clock::now();
    let batch = format!("demo-{}", now.as_second());
    for issue in ["1", "2", "3"] {
        let rec = ops::spawn(
            ctx,
            &SpawnRequest {
                project: "demo".into(),
                issue: Some(issue.into()),
                batch: Some(batch.clone()),
                ..SpawnRequest::default()
            },
            now,
        )?;
        say(&format!(
            "  spawned {} for issue {issue} on {}",
            rec.id, rec.branch
        ));
    }
    let _ = repo;
    let mut requested_changes = false;
    let mut answered = BTreeSet::new();
    let mut ticks = 0;
    let opts = crate::tick::TickOptions::default();
    loop {
        let summary = crate::tick::run(ctx, &opts)?;
        ticks += 1;
        for f in &summary.failures {
            say(&format!(
                "  ! {}{}",
                f.session
                    .as_deref()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default(),
                f.error
            ));
        }
        offset = print_new_events(ctx, offset, say)?;
        let (live, _) = ctx.store.list(Some("demo"))?;
        let all_sent = events::read_all(&ctx.store.events_path())?
            .events
            .iter()
            .any(|e| e.kind == EventKind::NotificationSent && e.data.get("batch").is_some());
        if live.is_empty() && all_sent {
            return Ok((true, ticks));
        }
        if started.elapsed() > TIMEOUT {
            say("ao demo: timed out; showing what happened so far");
            return Ok((false, ticks));
        }
        // The human: answer questions, review PRs whose checks pass.
        for rec in &live {
            let _lock = ctx.store.lock_session(&rec.id)?;
            let rec = ctx.store.find(&rec.id)?;
            if rec.status == Status::NeedsInput && answered.insert(rec.id.clone()) {
                // ao never types into a question; the human answers in the terminal.
                say(&format!(
                    "  human: answering {}'s question in its terminal (`{}`, then y)",
                    rec.id,
                    crate::model::attach_hint(rec.id.as_str())
                ));
                if let Some(h) = &rec.runtime {
                    let rt = ops::runtime_for(ctx, &rec)?;
                    rt.paste(h, "y")?;
                    rt.send_key(h, "Enter")?;
                }
            }
            let Some(pr) = &rec.pr else { continue };
            if pr.state != PrState::Open || pr.ci != CiState::Passing {
                continue;
            }
            // Review each head once: a new head after a change request gets a fresh look.
            let reviewed = crate::plugins::scm::reviews(&rec)
                .last()
                .map(|r| r.head.clone());
            let fresh = match pr.review {
                ReviewDecision::ReviewRequired => true,
                ReviewDecision::ChangesRequested => {
                    reviewed.as_deref() != Some(pr.head_sha.as_str())
                }
                _ => false,
            };
            if !fresh {
                continue;
            }
            let (verdict, body) = if rec.issue.as_deref() == Some("2") && !requested_changes {
                requested_changes = true;
                ("request-changes", "greet.sh:1: say hello, not hi")
            } else {
                ("approve", "")
            };
            say(&format!(
                "  human: `ao review {} {verdict}`{}",
                rec.id,
                if body.is_empty() {
                    String::new()
                } else {
                    format!(" -m \"{body}\"")
                }
            ));
            review(ctx, &rec.id, verdict, body)?;
        }
        std::thread::sleep(Duration::from_millis(700));
    }
}

fn review(ctx: &Ctx, id: &SessionId, verdict: &str, body: &str) -> anyhow::Result<()> {
    // Read here, not once for the demo: it runs for minutes and the review lands mid-way.
    let now = crate::clock::now();
    let mut rec = ctx.store.find(id)?;
    let head = rec
        .pr
        .as_ref()
        .map(|p| p.head_sha.clone())
        .unwrap_or_default();
    let mut all = crate::plugins::scm::reviews(&rec);
    let review = crate::plugins::scm::LocalReview {
        id: all.iter().map(|r| r.id).max().unwrap_or(0) + 1,
        verdict: verdict.into(),
        body: body.into(),
        head: head.clone(),
        author: "demo-reviewer".into(),
        at: now,
    };
    all.push(review);
    rec.extra
        .insert("reviews".into(), serde_json::to_value(&all)?);
    ctx.store.save(&rec)?;
    ctx.store.event(
        Event::new(
            now,
            EventKind::ReviewRecorded,
            format!("{verdict} on {}", &head[..head.len().min(12)]),
        )
        .about(&rec.project, Some(rec.id.as_str()))
        .with(serde_json::json!({"verdict": verdict, "head": head})),
    )?;
    Ok(())
}

fn print_new_events(ctx: &Ctx, offset: u64, say: &mut dyn FnMut(&str)) -> anyhow::Result<u64> {
    let mut log = events::ReadLog::default();
    let next = events::read_from(&ctx.store.events_path(), offset, &mut log)?;
    for e in &log.events {
        if matches!(
            e.kind,
            EventKind::TickDone | EventKind::TickSkipped | EventKind::SessionSpawned
        ) {
            continue;
        }
        say(&format!(
            "  [{}] {:<22} {}",
            e.session.as_deref().unwrap_or("-"),
            e.kind,
            e.message.replace('\n', " ")
        ));
    }
    Ok(next)
}
