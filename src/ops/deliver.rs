//! The single delivery routine (DESIGN §7), used by `ao send` and reactions alike:
//! strip control and escape bytes; long text, and multi-line text for an agent that does
//! not take bracketed paste, goes to a file in the workspace's git-ignored
//! `.ao/messages/` and the agent gets a one-line pointer; paste via tmux buffer into the exact
//! pane; submit separately; confirm with bounded retries; record the outcome as an event.
//! The caller holds the session lock.

use anyhow::Context as _;

use crate::cli::Ctx;
use crate::model::SessionRecord;
use crate::plugins::agent;
use crate::plugins::runtime::{Delivery, SubmitPolicy};
use crate::store::Event;
use crate::sys::text::strip_control;

/// Messages longer than this go to a file; the agent is sent a pointer.
pub const LONG_MESSAGE_BYTES: usize = 4096;

/// What happened to one message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryReport {
    /// `delivered` or `unconfirmed`.
    pub outcome: &'static str,
    /// Bytes of the (sanitised) message.
    pub bytes: usize,
    /// File the message was written to, when it was long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<std::path::PathBuf>,
}

/// Delivers `text` to the session's agent. `reason` names the sender in the event
/// (`send`, a reaction key).
pub fn deliver(
    ctx: &Ctx,
    rec: &SessionRecord,
    text: &str,
    reason: &str,
) -> anyhow::Result<DeliveryReport> {
    let handle = rec
        .runtime
        .as_ref()
        .with_context(|| format!("session {} has no runtime yet (still spawning?)", rec.id))?;
    let clean = strip_control(text);
    let clean = clean.trim_end_matches('\n');
    if clean.trim().is_empty() {
        anyhow::bail!(crate::error::UsageError {
            message: "refusing to send an empty message".into(),
            hint: Some("the message was empty after removing control characters".into()),
        });
    }
    super::check_text_size("message", clean.len())?;
    let project = ctx.config.projects.get(&rec.project);
    let agent_cfg = project.map(|p| p.agent_config.clone()).unwrap_or_default();
    let agent = agent::create(&rec.agent, &agent_cfg).ok();
    // A newline pasted into an agent without bracketed paste would submit early (a lone
    // CR too): such messages always go through a file.
    let multiline = clean.contains(['\n', '\r']);
    let pastes = agent.as_ref().is_none_or(|a| a.pastes_multiline());
    let to_file =
        clean.len() > LONG_MESSAGE_BYTES || clean.lines().count() > 40 || (multiline && !pastes);
    let (payload, file) = if to_file {
        let dir = rec.workspace.join(".ao").join("messages");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let name = format!("{}.md", crate::clock::now().as_millisecond());
        let path = dir.join(&name);
        crate::store::atomic::write(&path, clean.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        super::runtime_for(ctx, rec)?
            .put_workspace_file(handle, &format!(".ao/messages/{name}"), clean.as_bytes())
            .with_context(|| format!("cannot copy .ao/messages/{name} to where the agent runs"))?;
        let pointer = format!(
            "A message from ao is in the file .ao/messages/{name} ({} bytes). Read it and act on it.",
            clean.len()
        );
        (pointer, Some(path))
    } else {
        (clean.to_owned(), None)
    };
    let submit = agent.as_ref().map_or("Enter", |a| a.submit_key());
    let policy = SubmitPolicy {
        key: submit.to_owned(),
        ..SubmitPolicy::default()
    };
    let rt = super::runtime_for(ctx, rec)?;
    let outcome = rt.deliver(handle, &payload, &policy);
    let now = crate::clock::now();
    let report = match &outcome {
        Ok(d) => DeliveryReport {
            outcome: if *d == Delivery::Delivered {
                "delivered"
            } else {
                "unconfirmed"
            },
            bytes: clean.len(),
            file: file.clone(),
        },
        Err(_) => DeliveryReport {
            outcome: "failed",
            bytes: clean.len(),
            file: file.clone(),
        },
    };
    let (kind, msg) = match &outcome {
        Ok(_) => (
            "message.sent",
            format!(
                "message {} ({} bytes, {reason})",
                report.outcome,
                clean.len()
            ),
        ),
        Err(e) => (
            "message.failed",
            format!("message not delivered ({reason}): {e}"),
        ),
    };
    ctx.store.event(
        Event::new(now, kind, msg)
            .about(&rec.project, Some(rec.id.as_str()))
            .with(serde_json::json!({"reason": reason, "bytes": clean.len(), "outcome": report.outcome, "file": file})),
    )?;
    outcome.with_context(|| format!("cannot deliver the message to {}", rec.id))?;
    Ok(report)
}
