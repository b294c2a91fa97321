//! The external terminal `ao-terminal-<name>`: [`Terminal`] spoken over the plugin
//! protocol of [`crate::plugins::external`] (`docs/plugins.md`).

use serde::Deserialize;
use serde_json::json;

use super::{OpenAction, Terminal};
use crate::plugins::PluginError;
use crate::plugins::external::Plugin;

/// A terminal implemented by `ao-terminal-<name>`.
#[derive(Debug)]
pub struct ExternalTerminal(pub Plugin);

/// The `open` answer of a terminal plugin.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpenWire {
    Exec(Vec<String>),
    Run(Vec<String>),
    Print(Vec<String>),
}

impl Terminal for ExternalTerminal {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn open(&self, attach: &[String], inside_tmux: bool) -> Result<OpenAction, PluginError> {
        let w: OpenWire = self.0.call_as(
            "open",
            json!({"attach": attach, "inside_tmux": inside_tmux}),
        )?;
        let (OpenWire::Exec(v) | OpenWire::Run(v) | OpenWire::Print(v)) = &w;
        if v.is_empty() {
            return Err(PluginError::Other(anyhow::anyhow!(
                "terminal plugin `{}` answered `open` with an empty command",
                self.0.name()
            )));
        }
        Ok(match w {
            OpenWire::Exec(v) => OpenAction::Exec(v),
            OpenWire::Run(v) => OpenAction::Run(v),
            OpenWire::Print(v) => OpenAction::Print(v),
        })
    }
}
