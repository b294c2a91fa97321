//! `gitlab` SCM: merge requests, pipelines, approvals and discussions on GitLab (gitlab.com
//! or self-managed, `scm.apiUrl`). The project is `repo: group/subgroup/project`.
//!
//! **One GraphQL query per project per tick.** `observe` asks for the merge requests of
//! every session branch at once (`project { mergeRequests(sourceBranches: [...]) }`, at
//! most [`MAX_BRANCHES_PER_QUERY`] branches per query, following `endCursor` only when a
//! page is full), together with the project's members (their access level decides whose
//! comments are trusted). Each MR carries state, draft, head/base sha, `conflicts`,
//! `detailedMergeStatus`, approvals, the head pipeline with its failed jobs, and its
//! discussions. MRs from forks (`sourceProjectId != targetProjectId`) are ignored, so a
//! fork cannot pose as a session's MR.
//!
//! **Trust.** Notes reach `PrFacts` only from project members with at least Developer
//! access (`comments`) or usernames listed in `trustedBots` (`bot_comments`); replies by
//! the MR's own author (the agent) are dropped. Unresolved resolvable discussions opened
//! by a trusted human are "changes requested"; an approval counts only from a trusted
//! human. Bodies are sanitised like GitHub's and fenced as untrusted data when forwarded.
//!
//! **CI.** For failed jobs of the head pipeline (not `allowFailure`), the job name and a
//! bounded excerpt of the end of its trace (`GET …/jobs/:id/trace`, GitLab's section
//! markers removed) are attached; excerpts are cached per job id and fetched at most
//! [`MAX_TRACE_FETCHES`] per pass.
//!
//! **Merge** re-checks the MR first (one small GraphQL query): still open, head equal to
//! `pr.head_sha`, approved by a trusted human. The merge itself
//! (`PUT …/merge_requests/:iid/merge`) is pinned with `sha`, so a head that moves in
//! between gets GitLab's 409 and [`MergeOutcome::HeadMoved`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::github::{Conn, Excerpts, log_excerpt, merge_preflight, nd, sanitize_untrusted};
use super::{MergeOutcome, Scm, ScmContext};
use crate::config::ProjectConfig;
use crate::model::{
    CiState, FailingCheck, Mergeability, PrFacts, PrState, ReviewComment, ReviewDecision,
    SessionId, SessionRecord,
};
use crate::plugins::PluginError;
use crate::plugins::gitlab::Connection;
use crate::sys::gitlab::{Token, project_path, redact_tokens};

/// Most branches in one `sourceBranches` list.
pub const MAX_BRANCHES_PER_QUERY: usize = 100;
/// MRs per page.
const PAGE: u32 = 100;
/// Pages followed per chunk (old closed MRs on reused branches could fill pages).
const MAX_PAGES: usize = 5;
/// New trace downloads per `observe` call.
pub const MAX_TRACE_FETCHES: usize = 10;
/// Trace excerpts per MR.
const MAX_EXCERPTS_PER_MR: usize = 3;
/// Characters kept of one note body.
const COMMENT_CHARS: usize = 4000;
/// Minimum access level whose notes and approvals are trusted (30 = Developer).
pub const TRUSTED_ACCESS_LEVEL: i64 = 30;

/// The GitLab SCM for one project.
#[derive(Debug)]
pub struct GitLabScm {
    conn: Connection,
    trusted_bots: Vec<String>,
    merge_method: Option<String>,
}

impl GitLabScm {
    /// For a project: `repo`, `scm.apiUrl`/`scm.token` (else the tracker's when it is
    /// GitLab too), `scm.trustedBots`, `scm.mergeMethod`.
    pub fn new(project_id: &str, project: &ProjectConfig) -> Self {
        let scm = project.scm.as_ref();
        Self {
            conn: Connection::new(
                project_id,
                project,
                scm,
                project.tracker.as_ref(),
                project.tracker_name() == "gitlab",
            ),
            trusted_bots: scm.map(|s| s.trusted_bots.clone()).unwrap_or_default(),
            merge_method: scm.and_then(|s| s.merge_method.clone()),
        }
    }

    /// Uses `token` instead of looking one up (tests, embedding).
    pub fn with_token(self, token: Token) -> Self {
        self.conn.set_token(token);
        self
    }
}

const MR_FIELDS: &str = "fragment AoMr on MergeRequest {
  iid
  webUrl
  state
  draft
  sourceBranch
  sourceProjectId
  targetProjectId
  diffHeadSha
  diffRefs { baseSha }
  author { username }
  conflicts
  detailedMergeStatus
  mergeCommitSha
  approved
  approvalsLeft
  approvedBy(first: 20) { nodes { username bot } }
  headPipeline {
    status
    sha
    jobs(statuses: [FAILED], first: 20) {
      nodes { id name allowFailure webPath stage { name } }
    }
  }
  discussions(first: 50) {
    nodes {
      id
      resolvable
      resolved
      notes(first: 5) {
        nodes { id body system url author { username bot } position { filePath newLine } }
      }
    }
  }
}
";

const MEMBERS: &str = "projectMembers(first: 100, relations: [DIRECT, INHERITED]) {
      nodes { accessLevel { integerValue } user { username bot } }
    }";

/// The observation query: one project, the MRs of a list of source branches.
/// Everything user- or GitLab-derived travels in variables.
pub fn observe_query() -> String {
    format!(
        "query AoMergeRequests($path: ID!, $branches: [String!], $after: String) {{
  project(fullPath: $path) {{
    {MEMBERS}
    mergeRequests(sourceBranches: $branches, first: {PAGE}, after: $after, sort: CREATED_DESC) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ ...AoMr }}
    }}
  }}
}}
{MR_FIELDS}"
    )
}

/// The pre-merge check: state, head and approvals of one MR, with the members.
pub fn merge_check_query() -> String {
    format!(
        "query AoMergeCheck($path: ID!, $iid: String!) {{
  project(fullPath: $path) {{
    {MEMBERS}
    mergeRequest(iid: $iid) {{
      state
      diffHeadSha
      mergeCommitSha
      approvedBy(first: 50) {{ nodes {{ username bot }} }}
    }}
  }}
}}
"
    )
}

// ---------------------------------------------------------------------------------------
// Response shapes (GitLab's schema; nulls and unknown enum values tolerated).

#[derive(Debug, Default, Clone, Deserialize)]
struct User {
    #[serde(default, deserialize_with = "nd")]
    username: String,
    #[serde(default, deserialize_with = "nd")]
    bot: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Member {
    #[serde(default, rename = "accessLevel")]
    access_level: Option<AccessLevel>,
    #[serde(default)]
    user: Option<User>,
}

#[derive(Debug, Default, Deserialize)]
struct AccessLevel {
    #[serde(default, rename = "integerValue")]
    integer_value: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlMr {
    #[serde(default, deserialize_with = "nd")]
    iid: String,
    #[serde(default, deserialize_with = "nd")]
    web_url: String,
    #[serde(default, deserialize_with = "nd")]
    state: String,
    #[serde(default, deserialize_with = "nd")]
    draft: bool,
    #[serde(default, deserialize_with = "nd")]
    source_branch: String,
    #[serde(default)]
    source_project_id: Option<i64>,
    #[serde(default)]
    target_project_id: Option<i64>,
    #[serde(default, deserialize_with = "nd")]
    diff_head_sha: String,
    #[serde(default)]
    diff_refs: Option<DiffRefs>,
    #[serde(default)]
    author: Option<User>,
    #[serde(default, deserialize_with = "nd")]
    conflicts: bool,
    #[serde(default)]
    detailed_merge_status: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    approvals_left: Option<i64>,
    #[serde(default, deserialize_with = "nd")]
    approved_by: Conn<User>,
    #[serde(default)]
    head_pipeline: Option<Pipeline>,
    #[serde(default, deserialize_with = "nd")]
    discussions: Conn<Discussion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiffRefs {
    #[serde(default)]
    base_sha: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Pipeline {
    #[serde(default, deserialize_with = "nd")]
    status: String,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default, deserialize_with = "nd")]
    jobs: Conn<Job>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nd")]
    allow_failure: bool,
    #[serde(default)]
    web_path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Discussion {
    #[serde(default, deserialize_with = "nd")]
    resolvable: bool,
    #[serde(default, deserialize_with = "nd")]
    resolved: bool,
    #[serde(default, deserialize_with = "nd")]
    notes: Conn<Note>,
}

#[derive(Debug, Default, Deserialize)]
struct Note {
    #[serde(default, deserialize_with = "nd")]
    id: String,
    #[serde(default, deserialize_with = "nd")]
    body: String,
    #[serde(default, deserialize_with = "nd")]
    system: bool,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    author: Option<User>,
    #[serde(default)]
    position: Option<Position>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Position {
    #[serde(default)]
    file_path: Option<String>,
    #[serde(default)]
    new_line: Option<u32>,
}

// ---------------------------------------------------------------------------------------
// Trust.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Voice {
    Human,
    Bot,
}

/// Who may speak to the agent: members with Developer access or more (humans), and
/// `trustedBots` usernames (bots).
#[derive(Debug, Default)]
struct Trust {
    members: BTreeSet<String>,
    bots: Vec<String>,
}

impl Trust {
    fn new(members: &Value, bots: &[String]) -> Self {
        let conn: Conn<Member> = serde_json::from_value(members.clone()).unwrap_or_default();
        Self {
            members: conn
                .items()
                .filter(|m| {
                    m.access_level
                        .as_ref()
                        .and_then(|a| a.integer_value)
                        .is_some_and(|l| l >= TRUSTED_ACCESS_LEVEL)
                })
                .filter_map(|m| m.user.as_ref())
                .filter(|u| !u.bot && !u.username.is_empty())
                .map(|u| u.username.clone())
                .collect(),
            bots: bots.iter().map(|b| b.trim().to_owned()).collect(),
        }
    }

    fn voice(&self, u: Option<&User>) -> Option<Voice> {
        let u = u?;
        if u.username.is_empty() {
            None
        } else if self.bots.contains(&u.username) {
            Some(Voice::Bot)
        } else if !u.bot && self.members.contains(&u.username) {
            Some(Voice::Human)
        } else {
            None
        }
    }
}

fn clean_name(s: &str) -> String {
    sanitize_untrusted(s, 200).replace('\n', " ")
}

// ---------------------------------------------------------------------------------------
// Facts.

fn pr_state(s: &str) -> PrState {
    match s {
        "merged" => PrState::Merged,
        "closed" => PrState::Closed,
        // opened, locked (a merge in progress), or a new value: still open.
        _ => PrState::Open,
    }
}

fn mergeability(mr: &GqlMr) -> Mergeability {
    if mr.conflicts {
        return Mergeability::Conflicting;
    }
    match mr.detailed_merge_status.as_deref() {
        Some("BROKEN_STATUS") => Mergeability::Conflicting,
        None | Some("UNCHECKED" | "CHECKING" | "PREPARING") => Mergeability::Unknown,
        // MERGEABLE, or blocked by something that is not a conflict (CI, approvals,
        // discussions, draft): the branch itself merges.
        Some(_) => Mergeability::Clean,
    }
}

fn ci_state(mr: &GqlMr) -> CiState {
    let Some(p) = &mr.head_pipeline else {
        return CiState::None;
    };
    if p.sha.as_deref().is_some_and(|s| s != mr.diff_head_sha) {
        // The head pipeline is for an older commit: the new one has not reported yet.
        return CiState::Pending;
    }
    match p.status.as_str() {
        "SUCCESS" => CiState::Passing,
        "FAILED" | "CANCELED" => CiState::Failing,
        "SKIPPED" => CiState::None,
        _ => CiState::Pending,
    }
}

/// `gid://gitlab/Ci::Build/123` → 123.
fn job_number(gid: &str) -> Option<u64> {
    gid.rsplit('/').next()?.parse().ok()
}

/// A bounded, sanitised excerpt of the end of a GitLab job trace: section markers
/// (`section_start:…:name\r\e[0K`) removed, then as for Actions logs (at most 60 lines
/// and 4 KiB, escape sequences stripped), GitLab and GitHub tokens redacted.
pub fn trace_excerpt(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut cleaned = String::with_capacity(text.len());
    for line in text.split('\n') {
        let mut l = line;
        // A marker may open a line or follow a carriage return.
        let mut out = String::new();
        for part in l.split('\r') {
            let p = part.trim_start_matches("\u{1b}[0K");
            if p.starts_with("section_start:") || p.starts_with("section_end:") {
                continue;
            }
            out.push_str(part);
        }
        l = &out;
        cleaned.push_str(l);
        cleaned.push('\n');
    }
    redact_tokens(&log_excerpt(cleaned.as_bytes()))
}

impl GitLabScm {
    /// The facts of `mr`; `web` is the instance URL job paths are relative to.
    fn facts(
        &self,
        mr: &GqlMr,
        trust: &Trust,
        traces: &mut Excerpts<'_>,
        web: &str,
        now: Timestamp,
    ) -> PrFacts {
        let mr_author = mr
            .author
            .as_ref()
            .map(|a| a.username.as_str())
            .unwrap_or("");
        let (mut human, mut bot) = (Vec::new(), Vec::new());
        for d in mr.discussions.items() {
            if !d.resolvable || d.resolved {
                continue;
            }
            for (i, n) in d.notes.items().enumerate() {
                if n.system {
                    continue;
                }
                let author = n.author.as_ref();
                if i > 0 && author.is_some_and(|a| !mr_author.is_empty() && a.username == mr_author)
                {
                    continue;
                }
                let Some(voice) = trust.voice(author) else {
                    continue;
                };
                let body = sanitize_untrusted(&n.body, COMMENT_CHARS);
                if body.is_empty() {
                    continue;
                }
                let pos = n.position.as_ref();
                let rc = ReviewComment {
                    id: n.id.clone(),
                    author: clean_name(author.map_or("ghost", |a| a.username.as_str())),
                    path: pos.and_then(|p| p.file_path.as_deref()).map(clean_name),
                    line: pos.and_then(|p| p.new_line),
                    body,
                    url: n.url.clone(),
                    bot: voice == Voice::Bot,
                };
                match voice {
                    Voice::Human => human.push(rc),
                    Voice::Bot => bot.push(rc),
                }
            }
        }
        let approved = mr
            .approved_by
            .items()
            .any(|u| trust.voice(Some(u)) == Some(Voice::Human));
        let review = if !human.is_empty() {
            ReviewDecision::ChangesRequested
        } else if approved {
            ReviewDecision::Approved
        } else if mr.approvals_left.is_some_and(|n| n > 0) {
            ReviewDecision::ReviewRequired
        } else {
            ReviewDecision::NotRequired
        };
        let ci = ci_state(mr);
        let failing_checks = if ci == CiState::Failing {
            let jobs = mr.head_pipeline.iter().flat_map(|p| p.jobs.items());
            let mut out: Vec<FailingCheck> = Vec::new();
            for j in jobs.filter(|j| !j.allow_failure) {
                let excerpt = match j.id.as_deref().and_then(job_number) {
                    Some(id) if out.len() < MAX_EXCERPTS_PER_MR => traces.excerpt(id),
                    _ => String::new(),
                };
                out.push(FailingCheck {
                    name: clean_name(j.name.as_deref().unwrap_or("job")),
                    url: j
                        .web_path
                        .as_deref()
                        .filter(|p| p.starts_with('/'))
                        .map(|p| format!("{web}{p}")),
                    excerpt,
                });
            }
            out
        } else {
            Vec::new()
        };
        PrFacts {
            number: mr.iid.parse().unwrap_or(0),
            url: mr.web_url.clone(),
            head_sha: mr.diff_head_sha.clone(),
            base_sha: mr.diff_refs.as_ref().and_then(|d| d.base_sha.clone()),
            state: pr_state(&mr.state),
            draft: mr.draft,
            ci,
            failing_checks,
            review,
            comments: human,
            bot_comments: bot,
            mergeable: mergeability(mr),
            conflict_files: Vec::new(),
            observed_at: now,
        }
    }
}

/// Picks a session's MR among those on its branch: same-project MRs only, an open one
/// first, else the newest (the list comes newest first).
fn pick(mrs: &[GqlMr], branch: &str) -> Option<usize> {
    let same = |m: &GqlMr| {
        m.source_branch == branch
            && m.source_project_id.is_some()
            && m.source_project_id == m.target_project_id
    };
    mrs.iter()
        .position(|m| same(m) && m.state == "opened")
        .or_else(|| mrs.iter().position(same))
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> PluginError {
    PluginError::Unavailable(format!("unreadable GitLab answer for {what}: {e}"))
}

impl Scm for GitLabScm {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn observe(
        &self,
        ctx: &ScmContext<'_>,
        sessions: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError> {
        let mut out = BTreeMap::new();
        let wanted: Vec<&SessionRecord> = sessions
            .iter()
            .copied()
            .filter(|s| !s.branch.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok(out);
        }
        let project = self.conn.project()?;
        let client = self.conn.client(ctx.data_dir, Some(ctx.now))?;
        client.check_backoff()?;
        let fetch = |job| {
            client
                .job_trace_tail(&project, job)
                .map(|raw| trace_excerpt(&raw))
        };
        let mut traces = Excerpts::new(
            client.cache_dir().join("traces"),
            format!("{}\n{project}", client.api().host),
            MAX_TRACE_FETCHES,
            !ctx.dry_run,
            &fetch,
        );
        let query = observe_query();
        let mut branches: Vec<&str> = wanted.iter().map(|s| s.branch.as_str()).collect();
        branches.sort_unstable();
        branches.dedup();
        for chunk in branches.chunks(MAX_BRANCHES_PER_QUERY) {
            let mut mrs: Vec<GqlMr> = Vec::new();
            let mut trust = None;
            let mut after: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let reply = client.graphql(
                    &query,
                    json!({"path": project, "branches": chunk, "after": after}),
                )?;
                let node = reply.data.get("project").filter(|p| !p.is_null());
                let Some(node) = node else {
                    return Err(PluginError::NotFound(format!(
                        "GitLab project {project} not found or not accessible: {}",
                        reply.errors.first().map_or("no details", String::as_str)
                    )));
                };
                if trust.is_none() {
                    trust = Some(Trust::new(
                        node.get("projectMembers").unwrap_or(&Value::Null),
                        &self.trusted_bots,
                    ));
                }
                let conn = node.get("mergeRequests").cloned().unwrap_or(Value::Null);
                #[derive(Deserialize, Default)]
                #[serde(rename_all = "camelCase")]
                struct PageInfo {
                    #[serde(default, deserialize_with = "nd")]
                    has_next_page: bool,
                    #[serde(default)]
                    end_cursor: Option<String>,
                }
                #[derive(Deserialize, Default)]
                #[serde(rename_all = "camelCase")]
                struct Page {
                    #[serde(default, deserialize_with = "nd")]
                    page_info: PageInfo,
                    #[serde(default, deserialize_with = "nd")]
                    nodes: Vec<Option<GqlMr>>,
                }
                let page: Option<Page> = serde_json::from_value(conn)
                    .map_err(|e| unreadable(&format!("the merge requests of {project}"), e))?;
                let page = page.unwrap_or_default();
                mrs.extend(page.nodes.into_iter().flatten());
                match page.page_info.end_cursor {
                    Some(c) if page.page_info.has_next_page => after = Some(c),
                    _ => break,
                }
            }
            let trust = trust.unwrap_or_default();
            for s in wanted.iter().filter(|s| chunk.contains(&s.branch.as_str())) {
                if let Some(i) = pick(&mrs, &s.branch) {
                    out.insert(
                        s.id.clone(),
                        self.facts(&mrs[i], &trust, &mut traces, &client.api().web, ctx.now),
                    );
                }
            }
        }
        Ok(out)
    }

    fn merge(
        &self,
        ctx: &ScmContext<'_>,
        _session: &SessionRecord,
        pr: &PrFacts,
        method: &str,
    ) -> Result<MergeOutcome, PluginError> {
        let method = match merge_preflight(
            ctx,
            pr,
            method,
            self.merge_method.as_deref(),
            "merge request iid",
        ) {
            Ok(m) => m,
            Err(refused) => return Ok(refused),
        };
        let project = self.conn.project()?;
        let client = self.conn.client(ctx.data_dir, Some(ctx.now))?;
        // 1. Re-check: still open, same head, approved by a trusted human.
        let reply = client.graphql(
            &merge_check_query(),
            json!({"path": project, "iid": pr.number.to_string()}),
        )?;
        let node = reply.data.pointer("/project/mergeRequest").cloned();
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Err(PluginError::NotFound(format!(
                "merge request !{} of {project} not found",
                pr.number
            )));
        };
        let trust = Trust::new(
            reply
                .data
                .pointer("/project/projectMembers")
                .unwrap_or(&Value::Null),
            &self.trusted_bots,
        );
        let check: GqlMr =
            serde_json::from_value(node).map_err(|e| unreadable("the merge check", e))?;
        match check.state.as_str() {
            "merged" => {
                return Ok(MergeOutcome::Merged(
                    check.merge_commit_sha.unwrap_or_default(),
                ));
            }
            "closed" => return Ok(MergeOutcome::Refused("the merge request is closed".into())),
            _ => {}
        }
        if check.diff_head_sha != pr.head_sha {
            return Ok(MergeOutcome::HeadMoved);
        }
        if !check
            .approved_by
            .items()
            .any(|u| trust.voice(Some(u)) == Some(Voice::Human))
        {
            return Ok(MergeOutcome::Refused(
                "no approval from a trusted member (Developer or above)".into(),
            ));
        }
        // 2. Merge, pinned to the checked head. GitLab's merge method (merge commit,
        // semi-linear, fast-forward) is a project setting; per request only squash is.
        let path = format!(
            "{}/merge_requests/{}/merge",
            project_path(&project),
            pr.number
        );
        let reply = client.send_json(
            "PUT",
            &path,
            &json!({"sha": pr.head_sha, "squash": method == "squash"}),
        )?;
        let commit = |b: &Value| {
            ["merge_commit_sha", "squash_commit_sha", "sha"]
                .iter()
                .find_map(|k| b.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
                .unwrap_or_default()
                .to_owned()
        };
        match reply.status {
            200 | 201 => Ok(MergeOutcome::Merged(commit(&reply.body))),
            409 => Ok(MergeOutcome::HeadMoved),
            405 | 406 | 422 => {
                // Merged by someone else in between counts as merged (idempotent).
                let fetched = client.get_json(&format!(
                    "{}/merge_requests/{}",
                    project_path(&project),
                    pr.number
                ));
                if let Ok((b, _)) = fetched
                    && b.get("state").and_then(Value::as_str) == Some("merged")
                {
                    return Ok(MergeOutcome::Merged(commit(&b)));
                }
                Ok(MergeOutcome::Refused(reply.message))
            }
            _ => Err(reply.into_result().err().map_or_else(
                || PluginError::Other(anyhow::anyhow!("unexpected merge answer")),
                PluginError::from,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_excerpt_drops_section_markers_and_tokens() {
        let raw = "\u{1b}[0Ksection_start:1714560000:step_script\r\u{1b}[0K\u{1b}[0K\u{1b}[36;1mExecuting \"step_script\"\u{1b}[0;m\n$ cargo test\nthread 'adds' panicked: expected 2\nTOKEN=glpat-AbCdEf0123456789xyz\nsection_end:1714560001:step_script\r\u{1b}[0K\n\u{1b}[31;1mERROR: Job failed: exit code 101\n\u{1b}[0;m\n";
        let e = trace_excerpt(raw.as_bytes());
        assert!(!e.contains("section_"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        assert!(!e.contains("glpat-AbCd"), "{e}");
        assert!(e.contains("panicked: expected 2"), "{e}");
        assert!(e.ends_with("ERROR: Job failed: exit code 101"), "{e}");
    }

    #[test]
    fn job_ids_from_global_ids() {
        assert_eq!(job_number("gid://gitlab/Ci::Build/8123"), Some(8123));
        assert_eq!(job_number("nonsense"), None);
    }

    #[test]
    fn picks_same_project_open_first() {
        let mk = |iid: &str, state: &str, src: i64| GqlMr {
            iid: iid.into(),
            state: state.into(),
            source_branch: "ao/1-x".into(),
            source_project_id: Some(src),
            target_project_id: Some(1),
            ..Default::default()
        };
        let mrs = vec![
            mk("9", "opened", 2),
            mk("8", "closed", 1),
            mk("7", "opened", 1),
        ];
        assert_eq!(pick(&mrs, "ao/1-x"), Some(2));
        assert_eq!(pick(&mrs[..2], "ao/1-x"), Some(1));
        assert_eq!(pick(&mrs[..1], "ao/1-x"), None);
    }
}
