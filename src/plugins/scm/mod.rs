//! SCM slot: pull requests, CI and reviews (GitHub, GitLab), or the `local` stand-in where a
//! session's branch in the project's own repository is its PR.

pub mod external;
pub mod github;
pub mod gitlab;
mod local;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::Path;

pub use github::GitHubScm;
pub use gitlab::GitLabScm;
pub use local::{LocalReview, LocalScm, reviews, run_checks};

use super::{PluginEnv, PluginError};
use crate::config::ProjectConfig;
use crate::model::{PrFacts, SessionId, SessionRecord};

/// Built-in scm names (owned by [`crate::config::plugin_names`]).
pub use crate::config::plugin_names::SCM as BUILTIN;

/// What an SCM operation needs besides the sessions.
#[derive(Debug, Clone)]
pub struct ScmContext<'a> {
    /// Project id.
    pub project_id: &'a str,
    /// Project config.
    pub project: &'a ProjectConfig,
    /// The project's checkout.
    pub repo: &'a Path,
    /// Default branch.
    pub default_branch: &'a str,
    /// ao's data dir (caches, check results, backoff).
    pub data_dir: &'a Path,
    /// Current time.
    pub now: jiff::Timestamp,
    /// Observe without side effects (no checks started, no cache writes).
    pub dry_run: bool,
}

pub use crate::model::outcome::MergeOutcome;

/// A source code platform.
pub trait Scm: Send + Sync + Debug {
    /// Plugin name.
    fn name(&self) -> &'static str;

    /// Observes the PRs of all `sessions` of one project in as few calls as possible
    /// (GitHub: one GraphQL query per ≤50 PRs). Sessions without a PR are absent from the
    /// result. Never waits for CI.
    fn observe(
        &self,
        ctx: &ScmContext<'_>,
        sessions: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError>;

    /// Merges the session's PR with `method`, pinned to `pr.head_sha`.
    fn merge(
        &self,
        ctx: &ScmContext<'_>,
        session: &SessionRecord,
        pr: &PrFacts,
        method: &str,
    ) -> Result<MergeOutcome, PluginError>;
}

/// Creates the SCM `name` (normally `project.scm_name()`) for `env.project`. Another name
/// is the external `ao-scm-<name>`, given the `scm.options` block as config and run in the
/// project's checkout.
pub fn create(name: &str, env: &PluginEnv<'_>) -> Result<Box<dyn Scm>, PluginError> {
    let p = env.project("scm")?;
    match name {
        "github" => Ok(Box::new(GitHubScm::new(p.id, p.config))),
        "gitlab" => Ok(Box::new(GitLabScm::new(p.id, p.config))),
        "local" => Ok(Box::new(LocalScm)),
        other => {
            let options = p.config.scm.as_ref().and_then(|t| t.options.clone());
            let plugin = crate::plugins::external::Plugin::find(
                "scm",
                other,
                BUILTIN,
                options.unwrap_or(serde_json::Value::Null),
            )?;
            Ok(Box::new(external::ExternalScm(plugin.in_dir(p.repo))))
        }
    }
}
