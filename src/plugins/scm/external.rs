//! The external scm `ao-scm-<name>`: [`Scm`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{MergeOutcome, Scm, ScmContext};
use crate::model::{PrFacts, SessionId, SessionRecord};
use crate::plugins::PluginError;
use crate::plugins::external::{Plugin, to_json};

/// An SCM implemented by `ao-scm-<name>`.
#[derive(Debug)]
pub struct ExternalScm(pub Plugin);

/// The `merge` answer of an SCM plugin.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum MergeWire {
    Merged(String),
    HeadMoved(serde::de::IgnoredAny),
    Refused(String),
}

fn scm_params(ctx: &ScmContext<'_>) -> Value {
    json!({"project": ctx.project_id, "repo": ctx.repo, "default_branch": ctx.default_branch,
           "now": ctx.now, "dry_run": ctx.dry_run})
}

impl Scm for ExternalScm {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn observe(
        &self,
        ctx: &ScmContext<'_>,
        sessions: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError> {
        let mut p = scm_params(ctx);
        p["sessions"] = to_json(&sessions)?;
        let got: BTreeMap<String, PrFacts> = self.0.call_as("observe", p)?;
        Ok(sessions
            .iter()
            .filter_map(|s| got.get(s.id.as_str()).map(|f| (s.id.clone(), f.clone())))
            .collect())
    }

    fn merge(
        &self,
        ctx: &ScmContext<'_>,
        session: &SessionRecord,
        pr: &PrFacts,
        method: &str,
    ) -> Result<MergeOutcome, PluginError> {
        let mut p = scm_params(ctx);
        p["session"] = to_json(session)?;
        p["pr"] = to_json(pr)?;
        p["method"] = json!(method);
        Ok(match self.0.call_as::<MergeWire>("merge", p)? {
            MergeWire::Merged(sha) => MergeOutcome::Merged(sha),
            MergeWire::HeadMoved(_) => MergeOutcome::HeadMoved,
            MergeWire::Refused(why) => MergeOutcome::Refused(why),
        })
    }
}
