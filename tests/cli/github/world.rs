//! Builders for the GitHub stand-in's GraphQL world: objects in GitHub's schema terms
//! (`PullRequest`, `CheckRun`, actors), shared by the GitHub tests and the benchmark.

#![allow(dead_code)]

use serde_json::{Value, json};

use super::mock::MockGitHub;

/// A 40-hex sha derived from `seed`.
pub fn sha(seed: &str) -> String {
    let mut out = String::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    while out.len() < 40 {
        for b in seed.bytes().chain(out.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out.truncate(40);
    out
}

/// A GraphQL `User` actor.
pub fn user(login: &str) -> Value {
    json!({"__typename": "User", "login": login})
}

/// A `PullRequest` object in GitHub's schema terms, green and unreviewed.
pub fn pr(repo: &str, n: u64, branch: &str) -> Value {
    json!({
        "__typename": "PullRequest",
        "number": n,
        "url": format!("https://github.com/{repo}/pull/{n}"),
        "state": "OPEN",
        "isDraft": false,
        "isCrossRepository": false,
        "headRefName": branch,
        "headRefOid": sha(&format!("{repo}{n}head")),
        "baseRefOid": sha("base"),
        "createdAt": format!("2024-05-01T10:{:02}:00Z", n % 60),
        "author": user("agent-bot"),
        "mergeable": "MERGEABLE",
        "mergeStateStatus": "CLEAN",
        "reviewDecision": null,
        "mergeCommit": null,
        "statusCheckRollup": {
            "__typename": "StatusCheckRollup",
            "state": "SUCCESS",
            "contexts": {"nodes": [check_run("build", "SUCCESS", 1, "github-actions")]}
        },
        "latestReviews": {"nodes": []},
        "reviewThreads": {"nodes": []}
    })
}

/// A completed `CheckRun`; `app` `github-actions` makes it an Actions job with a log.
pub fn check_run(name: &str, conclusion: &str, id: u64, app: &str) -> Value {
    json!({
        "__typename": "CheckRun",
        "databaseId": id,
        "name": name,
        "status": "COMPLETED",
        "conclusion": conclusion,
        "detailsUrl": format!("https://github.com/o/r/actions/runs/1/job/{id}"),
        "checkSuite": {
            "__typename": "CheckSuite",
            "app": {"__typename": "App", "slug": app},
            "workflowRun": if app == "github-actions" {
                json!({"__typename": "WorkflowRun", "workflow": {"__typename": "Workflow", "name": "CI"}})
            } else { Value::Null }
        }
    })
}

/// Puts `repo` with these PRs into the world (plus a healthy `rateLimit`).
pub fn put_repo(m: &MockGitHub, repo: &str, prs: Vec<Value>) {
    m.with(|s| {
        s.world.repos.insert(
            repo.to_owned(),
            json!({"__typename": "Repository", "pullRequests": prs}),
        );
        s.world.rate_limit = json!({
            "__typename": "RateLimit", "cost": 1, "remaining": 4990, "resetAt": "2030-01-01T00:00:00Z", "limit": 5000
        });
    });
}
