//! `local` SCM (placeholder until implemented in this session).
use std::collections::BTreeMap;

use super::{MergeOutcome, Scm, ScmContext};
use crate::model::{PrFacts, SessionId, SessionRecord};
use crate::plugins::PluginError;

/// Branches in the project's own repo as PRs.
#[derive(Debug)]
pub struct LocalScm;

impl Scm for LocalScm {
    fn name(&self) -> &'static str {
        "local"
    }
    fn observe(
        &self,
        _c: &ScmContext<'_>,
        _s: &[&SessionRecord],
    ) -> Result<BTreeMap<SessionId, PrFacts>, PluginError> {
        Ok(BTreeMap::new())
    }
    fn merge(
        &self,
        _c: &ScmContext<'_>,
        _s: &SessionRecord,
        _p: &PrFacts,
        _m: &str,
    ) -> Result<MergeOutcome, PluginError> {
        Err(PluginError::Unsupported("pending".into()))
    }
}
