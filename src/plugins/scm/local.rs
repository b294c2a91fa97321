//! `local` SCM: the session's branch in the project's own repository is its PR.
//!
//! * opened when the branch has commits beyond the default branch;
//! * checks are the commands in `scm.checks`, run detached in the workspace once per head
//!   commit by the hidden `ao run-checks`; results land in `cache/checks/<session>/<sha>.json` and
//!   later ticks read them (a tick never waits for checks);
//! * reviews come from `ao review` (stored in the record under `extra.reviews`);
//! * conflicts are found with `git merge-tree --write-tree`;
//! * merged by git into the default branch, pinned to the approved head; a merge is
//!   remembered in `cache/local-scm/merged/<session>` (squash merges leave no ancestry).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{MergeOutcome, Scm, ScmContext};
use crate::model::{
    CiState, FailingCheck, Mergeability, PrFacts, PrState, ReviewComment, ReviewDecision,
    SessionId, SessionRecord,
};
use crate::plugins::PluginError;
use crate::sys::cmd::Cmd;
use crate::sys::git::Git;

/// Branches in the project's repo as PRs.
#[derive(Debug)]
pub struct LocalScm;

/// One recorded review (`ao review`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalReview {
    /// Sequence number, unique per session.
    pub id: u32,
    /// `approve`, `request-changes` or `comment`.
    pub verdict: String,
    /// Review text.
    pub body: String,
    /// Head sha reviewed.
    pub head: String,
    /// Who reviewed ($USER).
    pub author: String,
    /// When.
    pub at: Timestamp,
}

/// Result file of a check run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRun {
    /// Head sha checked.
    pub sha: String,
    /// `running` or `done`.
    pub state: String,
    /// Runner pid (for liveness while running).
    pub pid: Option<u32>,
    /// Start time.
    pub started: Timestamp,
    /// Per-check results when done.
    #[serde(default)]
    pub checks: Vec<CheckResult>,
}

/// One check's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// The command as configured.
    pub name: String,
    /// Exit code (-1 when killed by a signal or not started).
    pub exit: i32,
    /// Last lines of its output, control bytes stripped.
    pub excerpt: String,
}

/// Reviews stored in a record.
pub fn reviews(rec: &SessionRecord) -> Vec<LocalReview> {
    rec.extra
        .get("reviews")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// `cache/checks/<session>/<sha>.json`.
pub fn check_file(data_dir: &Path, id: &SessionId, sha: &str) -> PathBuf {
    data_dir
        .join("cache/checks")
        .join(id.as_str())
        .join(format!("{sha}.json"))
}

fn merged_marker(data_dir: &Path, id: &SessionId) -> PathBuf {
    data_dir.join("cache/local-scm/merged").join(id.as_str())
}

/// Why a `running` check run will never report (`None`: it may still). A runner records
/// its pid as it starts; one without a pid a minute after the start never started.
fn runner_lost(r: &CheckRun, now: Timestamp) -> Option<&'static str> {
    match r.pid {
        Some(pid) => {
            (!pid_alive(pid)).then_some("the check runner stopped before reporting results")
        }
        None => (now.duration_since(r.started) > SignedDuration::from_mins(1))
            .then_some("the check runner never started"),
    }
}

/// Whether process `pid` is running: it exists and is not a zombie (a runner that exited
/// under a long-lived parent such as `ao demo` stays a zombie until reaped).
fn pid_alive(pid: u32) -> bool {
    crate::sys::proc::running(pid)
}

/// All local branch heads in one call: branch name → sha.
fn branch_heads(repo: &Git) -> Result<BTreeMap<String, String>, PluginError> {
    let out = repo.read([
        "for-each-ref",
        "--format=%(objectname) %(refname)",
        "refs/heads/",
    ])?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(sha, r)| {
            r.strip_prefix("refs/heads/")
                .map(|b| (b.to_owned(), sha.to_owned()))
        })
        .collect())
}

impl LocalScm {
    /// The session's head: its branch in the project repository (shared by worktrees), or,
    /// for a clone/copy workspace whose branch was not pushed back, the workspace's HEAD.
    fn head(
        &self,
        heads: &BTreeMap<String, String>,
        rec: &SessionRecord,
    ) -> Result<Option<String>, PluginError> {
        if let Some(sha) = heads.get(&rec.branch) {
            return Ok(Some(sha.clone()));
        }
        if rec.workspace_plugin != "worktree" && rec.workspace.join(".git").exists() {
            return Ok(Git::new(&rec.workspace).rev("HEAD")?);
        }
        Ok(None)
    }

    fn ci(
        &self,
        ctx: &ScmContext<'_>,
        rec: &SessionRecord,
        head: &str,
    ) -> Result<(CiState, Vec<FailingCheck>), PluginError> {
        let checks = ctx
            .project
            .scm
            .as_ref()
            .map(|s| s.checks.clone())
            .unwrap_or_default();
        if checks.is_empty() {
            return Ok((CiState::None, Vec::new()));
        }
        let file = check_file(ctx.data_dir, &rec.id, head);
        let run: Option<CheckRun> = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match run {
            None => {
                if !ctx.dry_run && rec.workspace.is_dir() {
                    start_checks(ctx, &rec.id, head, &rec.workspace, &checks)?;
                }
                Ok((CiState::Pending, Vec::new()))
            }
            Some(r) if r.state == "running" => match runner_lost(&r, ctx.now) {
                None => Ok((CiState::Pending, Vec::new())),
                Some(why) => Ok((
                    CiState::Failing,
                    vec![FailingCheck {
                        name: "check runner".into(),
                        url: None,
                        excerpt: why.into(),
                    }],
                )),
            },
            Some(r) => {
                let failing: Vec<FailingCheck> = r
                    .checks
                    .iter()
                    .filter(|c| c.exit != 0)
                    .map(|c| FailingCheck {
                        name: c.name.clone(),
                        url: None,
                        excerpt: c.excerpt.clone(),
                    })
                    .collect();
                Ok((
                    if failing.is_empty() {
                        CiState::Passing
                    } else {
                        CiState::Failing
                    },
                    failing,
                ))
            }
        }
    }

    fn review(&self, rec: &SessionRecord, head: &str) -> (ReviewDecision, Vec<ReviewComment>) {
        let all = reviews(rec);
        let Some(last) = all.iter().rev().find(|r| r.verdict != "comment") else {
            return (
                ReviewDecision::ReviewRequired,
                comments_of(all.iter().filter(|r| r.verdict == "comment")),
            );
        };
        match last.verdict.as_str() {
            // An approval holds for the head it was given on.
            "approve" if last.head == head => (ReviewDecision::Approved, Vec::new()),
            "approve" => (ReviewDecision::ReviewRequired, Vec::new()),
            _ => (
                ReviewDecision::ChangesRequested,
                comments_of(std::iter::once(last)),
            ),
        }
    }
}

fn comments_of<'a>(it: impl Iterator<Item = &'a LocalReview>) -> Vec<ReviewComment> {
    let mut out = Vec::new();
    for r in it {
        for (n, line) in r.body.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let (path, lineno, body) = parse_location(line);
            out.push(ReviewComment {
                id: format!("{}-{}", r.id, n + 1),
                author: r.author.clone(),
                path,
                line: lineno,
                body,
                url: None,
                bot: false,
            });
        }
    }
    out
}

/// Splits `src/lib.rs:12: text` into (path, line, text); other lines have no location.
fn parse_location(line: &str) -> (Option<String>, Option<u32>, String) {
    let mut parts = line.splitn(3, ':');
    if let (Some(p), Some(n), Some(rest)) = (parts.next(), parts.next(), parts.next())
        && let Ok(n) = n.trim().parse::<u32>()
        && !p.contains(' ')
        && !p.is_empty()
    {
        return (Some(p.to_owned()), Some(n), rest.trim().to_owned());
    }
    (None, None, line.trim().to_owned())
}

/// Starts `ao util run-checks` detached for `sha`, recording a `running` result first.
fn start_checks(
    ctx: &ScmContext<'_>,
    id: &SessionId,
    sha: &str,
    workspace: &Path,
    checks: &[String],
) -> Result<(), PluginError> {
    let file = check_file(ctx.data_dir, id, sha);
    if let Some(d) = file.parent() {
        crate::sys::atomic::ensure_private_dir(d)?;
    }
    let ao = std::env::current_exe()?;
    let log = file.with_extension("log");
    let mut cmd = Cmd::new(ao)
        .args(["run-checks", "--result"])
        .arg(&file)
        .arg("--sha")
        .arg(sha)
        .arg("--cwd")
        .arg(workspace)
        .arg("--");
    for c in checks {
        cmd = cmd.arg(c);
    }
    let run = CheckRun {
        sha: sha.into(),
        state: "running".into(),
        pid: None,
        started: ctx.now,
        checks: Vec::new(),
    };
    let bytes = serde_json::to_vec(&run).map_err(|e| PluginError::Other(e.into()))?;
    // Exclusive create: two overlapping observers never start the same run twice.
    if !crate::sys::atomic::create_new(&file, &bytes)? {
        return Ok(());
    }
    // From here on the runner is the file's only writer: it records its own pid, then
    // its results. (Rewriting the file here to add the pid raced with a runner that had
    // already finished, and lost its results.)
    cmd.spawn_detached(Some(&log))?;
    Ok(())
}

/// Runs `checks` (trusted config, `sh -c`) in `cwd` one after another and writes the
/// result file atomically. Used by the hidden `ao run-checks`.
pub fn run_checks(
    result: &Path,
    sha: &str,
    cwd: &Path,
    checks: &[String],
) -> std::io::Result<bool> {
    // The one read of `ao util run-checks` (its own process).
    let started = crate::clock::now();
    let write = |run: &CheckRun| {
        crate::sys::atomic::write(
            result,
            &serde_json::to_vec_pretty(run).map_err(std::io::Error::other)?,
        )
    };
    write(&CheckRun {
        sha: sha.into(),
        state: "running".into(),
        pid: Some(std::process::id()),
        started,
        checks: Vec::new(),
    })?;
    let mut out = Vec::new();
    for c in checks {
        let r = Cmd::new("sh")
            .args(["-c", c])
            .cwd(cwd)
            .env("AO_CHECK_SHA", sha)
            .output();
        let (exit, text) = match r {
            Ok(o) => {
                let mut t = String::from_utf8_lossy(&o.stdout).into_owned();
                t.push_str(&String::from_utf8_lossy(&o.stderr));
                (o.status.code().unwrap_or(-1), t)
            }
            Err(e) => (-1, e.to_string()),
        };
        out.push(CheckResult {
            name: c.clone(),
            exit,
            excerpt: excerpt(&text, 40, 3000),
        });
    }
    let ok = out.iter().all(|c| c.exit == 0);
    write(&CheckRun {
        sha: sha.into(),
        state: "done".into(),
        pid: None,
        started,
        checks: out,
    })?;
    Ok(ok)
}

/// The last `lines` lines of `text`, at most `bytes` bytes, control bytes stripped.
pub fn excerpt(text: &str, lines: usize, bytes: usize) -> String {
    let clean = crate::sys::text::strip_control(text);
    let all: Vec<&str> = clean.lines().collect();
    let tail = all[all.len().saturating_sub(lines)..].join("\n");
    crate::sys::cmd::bounded(&tail, bytes)
}

/// Conflicting files of merging `head` into `base`, or empty when it merges cleanly.
fn conflicts(repo: &Git, base: &str, head: &str) -> Result<Option<Vec<String>>, PluginError> {
    let out = repo
        .command()
        .args([
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            base,
            head,
        ])
        .output()?;
    match out.status.code() {
        Some(0) => Ok(Some(Vec::new())),
        Some(1) => {
            let text = String::from_utf8_lossy(&out.stdout);
            let mut files: Vec<String> = text
                .lines()
                .skip(1)
                .take_while(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            files.dedup();
            Ok(Some(files))
        }
        _ => Ok(None),
    }
}

impl Scm for LocalScm {
    fn name(&self) -> &'static str {
        "local"
    }

    fn observe(
        &self,
        ctx: &ScmContext<'_>,
        sessions: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError> {
        let repo = Git::new(ctx.repo);
        // Two independent reads, run at once: the default branch and every branch head.
        let (base, heads) = std::thread::scope(|s| {
            let heads = s.spawn(|| branch_heads(&repo));
            let base = repo.rev(ctx.default_branch);
            let heads = heads
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (base, heads)
        });
        let base_sha = base?.ok_or_else(|| {
            PluginError::NotFound(format!(
                "default branch `{}` not found in {}",
                ctx.default_branch,
                ctx.repo.display()
            ))
        })?;
        let heads = heads?;
        let mut out = BTreeMap::new();
        for rec in sessions {
            let Some(head) = self.head(&heads, rec)? else {
                continue;
            };
            if head == base_sha && rec.pr.is_none() {
                continue; // nothing committed yet
            }
            // What git said about this same pair of commits still holds (`rev-list` and
            // `merge-tree` depend on nothing else): asked again only when one moved.
            let known = rec.pr.as_ref().filter(|p| {
                p.head_sha == head
                    && p.base_sha.as_deref() == Some(base_sha.as_str())
                    && p.state == PrState::Open
                    && p.mergeable != Mergeability::Unknown
            });
            let marker = std::fs::read_to_string(merged_marker(ctx.data_dir, &rec.id)).ok();
            let ahead: u64 = if head == base_sha {
                0
            } else if known.is_some() {
                1 // it was open, so ahead of this base
            } else {
                repo.read(["rev-list", "--count", &format!("{base_sha}..{head}")])?
                    .trim()
                    .parse()
                    .unwrap_or(0)
            };
            // Merged: remembered by our own merge, or (a manual merge) the head is in base.
            let merged = marker.as_deref().map(str::trim) == Some(head.as_str())
                || (rec.pr.is_some() && ahead == 0);
            if !merged && ahead == 0 {
                continue; // no commits beyond the default branch: no PR yet
            }
            let mut facts = PrFacts {
                number: 0,
                url: String::new(),
                head_sha: head.clone(),
                base_sha: Some(base_sha.clone()),
                state: if merged {
                    PrState::Merged
                } else {
                    PrState::Open
                },
                draft: false,
                ci: CiState::None,
                failing_checks: Vec::new(),
                review: ReviewDecision::ReviewRequired,
                comments: Vec::new(),
                bot_comments: Vec::new(),
                mergeable: Mergeability::Unknown,
                conflict_files: Vec::new(),
                observed_at: ctx.now,
            };
            if !merged {
                let (ci, failing) = self.ci(ctx, rec, &head)?;
                facts.ci = ci;
                facts.failing_checks = failing;
                let (review, comments) = self.review(rec, &head);
                facts.review = review;
                facts.comments = comments;
                if let Some(k) = known {
                    facts.mergeable = k.mergeable;
                    facts.conflict_files.clone_from(&k.conflict_files);
                } else {
                    match conflicts(&repo, &base_sha, &head)? {
                        Some(files) if files.is_empty() => facts.mergeable = Mergeability::Clean,
                        Some(files) => {
                            facts.mergeable = Mergeability::Conflicting;
                            facts.conflict_files = files;
                        }
                        None => {}
                    }
                }
            }
            out.insert(rec.id.clone(), facts);
        }
        Ok(out)
    }

    fn merge(
        &self,
        ctx: &ScmContext<'_>,
        rec: &SessionRecord,
        pr: &PrFacts,
        method: &str,
    ) -> Result<MergeOutcome, PluginError> {
        let repo = Git::new(ctx.repo);
        let Some(head) = self.head(&branch_heads(&repo)?, rec)? else {
            return Ok(MergeOutcome::Refused(format!(
                "branch {} not found",
                rec.branch
            )));
        };
        if head != pr.head_sha {
            return Ok(MergeOutcome::HeadMoved);
        }
        let base_ref = format!("refs/heads/{}", ctx.default_branch);
        let base = repo
            .rev(&base_ref)?
            .ok_or_else(|| PluginError::NotFound(format!("{base_ref} not found")))?;
        let tree = repo
            .command()
            .args(["merge-tree", "--write-tree", &base, &head])
            .output()?;
        if !tree.status.success() {
            return Ok(MergeOutcome::Refused(format!(
                "{} conflicts with {}",
                rec.branch, ctx.default_branch
            )));
        }
        let tree = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        let msg = format!(
            "Merge {} ({})",
            rec.branch,
            rec.issue_title.as_deref().unwrap_or(rec.id.as_str())
        );
        let commit = match method {
            "squash" => repo.read(["commit-tree", &tree, "-p", &base, "-m", &msg])?,
            "merge" | "" => {
                repo.read(["commit-tree", &tree, "-p", &base, "-p", &head, "-m", &msg])?
            }
            other => {
                return Ok(MergeOutcome::Refused(format!(
                    "merge method `{other}` is not supported by the local SCM (use merge or squash)"
                )));
            }
        };
        // If the default branch is checked out in the project's checkout, move it with
        // the working tree (only when clean); otherwise move the ref (compare-and-swap).
        let checked_out = repo
            .read(["symbolic-ref", "--quiet", "HEAD"])
            .ok()
            .as_deref()
            == Some(base_ref.as_str());
        if checked_out {
            if !repo
                .status_porcelain()?
                .lines()
                .all(|l| l.starts_with("??"))
            {
                return Ok(MergeOutcome::Refused(format!(
                    "the project checkout {} has uncommitted changes on {}; not merging",
                    ctx.repo.display(),
                    ctx.default_branch
                )));
            }
            repo.command()
                .args(["merge", "--ff-only", "--quiet", &commit])
                .run()?;
        } else {
            repo.command()
                .args(["update-ref", &base_ref, &commit, &base])
                .run()?;
        }
        let marker = merged_marker(ctx.data_dir, &rec.id);
        if let Some(d) = marker.parent() {
            crate::sys::atomic::ensure_private_dir(d)?;
        }
        crate::sys::atomic::write(&marker, head.as_bytes())?;
        Ok(MergeOutcome::Merged(commit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_parsed() {
        assert_eq!(
            parse_location("src/a.rs:12: fix this"),
            (Some("src/a.rs".into()), Some(12), "fix this".into())
        );
        assert_eq!(
            parse_location("Please add tests"),
            (None, None, "Please add tests".into())
        );
        assert_eq!(
            parse_location("note: a: b"),
            (None, None, "note: a: b".into())
        );
    }

    #[test]
    fn runner_liveness() {
        let now = Timestamp::now();
        let run = |pid, started| CheckRun {
            sha: "s".into(),
            state: "running".into(),
            pid,
            started,
            checks: Vec::new(),
        };
        assert_eq!(runner_lost(&run(Some(std::process::id()), now), now), None);
        assert_eq!(runner_lost(&run(None, now), now), None, "still starting");
        let late = now + SignedDuration::from_mins(2);
        assert_eq!(
            runner_lost(&run(None, now), late),
            Some("the check runner never started")
        );
        // A child that exited but was not reaped (a zombie) is not running.
        #[allow(clippy::disallowed_methods)] // a raw child, to observe a zombie
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let stat = format!("/proc/{pid}/stat");
        while std::fs::read_to_string(&stat).is_ok_and(|s| !s.contains(") Z")) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!pid_alive(pid), "a zombie counts as dead");
        assert_eq!(
            runner_lost(&run(Some(pid), now), now),
            Some("the check runner stopped before reporting results")
        );
        child.wait().unwrap();
        assert!(!pid_alive(pid));
    }

    #[test]
    fn excerpt_keeps_the_tail() {
        #[allow(clippy::format_collect)]
        let t: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let e = excerpt(&t, 3, 1000);
        assert_eq!(e, "line 98\nline 99\nline 100");
    }
}
