//! `process` runtime (placeholder until implemented in this session).
use std::collections::BTreeMap;

use super::{Delivery, LaunchSpec, Probe, Runtime, SubmitPolicy};
use crate::model::RuntimeHandle;
use crate::plugins::PluginError;

/// Detached child process runtime.
#[derive(Debug)]
pub struct ProcessRuntime;

fn pending() -> PluginError {
    PluginError::Unsupported("process runtime: not yet available".into())
}

impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        "process"
    }
    fn create(&self, _spec: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
        Err(pending())
    }
    fn destroy(&self, _h: &RuntimeHandle) -> Result<(), PluginError> {
        Err(pending())
    }
    fn probe(&self, _h: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
        Err(pending())
    }
    fn capture(&self, _h: &RuntimeHandle, _l: u32) -> Result<String, PluginError> {
        Err(pending())
    }
    fn deliver(
        &self,
        _h: &RuntimeHandle,
        _t: &str,
        _p: &SubmitPolicy,
    ) -> Result<Delivery, PluginError> {
        Err(pending())
    }
    fn attach_argv(&self, _h: &RuntimeHandle) -> Option<Vec<String>> {
        None
    }
}
