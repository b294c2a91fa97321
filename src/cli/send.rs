//! `ao send`: the single delivery routine (DESIGN §7).
use super::{Ctx, GlobalArgs};
use crate::model::SessionId;
use crate::ops;

/// Send a message to a session's agent.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Session id.
    pub session: String,
    /// The message (or use -f FILE, or - for stdin).
    pub message: Option<String>,
    /// Read the message from a file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// Wait (bounded) until the agent finished its turn before sending.
    #[arg(long)]
    pub wait_idle: bool,
    /// Seconds to wait with --wait-idle.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao send`.
pub fn run(g: &GlobalArgs, a: &SendArgs) -> anyhow::Result<()> {
    let text = match (&a.message, &a.file) {
        (Some(_), Some(_)) => {
            return Err(crate::error::usage(
                "give a MESSAGE or -f FILE, not both",
                "ao send ID \"text\"  or  ao send ID -f notes.md",
            ));
        }
        (Some(m), None) if m == "-" => ops::read_text_input("message", "-".as_ref())?,
        (Some(m), None) => m.clone(),
        (None, Some(f)) => ops::read_text_input("message", f)?,
        (None, None) => {
            return Err(crate::error::usage(
                "no message given",
                "ao send ID \"text\", ao send ID -f FILE, or ao send ID - (stdin)",
            ));
        }
    };
    let id = SessionId::parse(&a.session)?;
    let ctx = Ctx::load_for_session(g, &id, false)?;
    if a.wait_idle {
        wait_idle(&ctx, &id, std::time::Duration::from_secs(a.timeout))?;
    }
    let _lock = ctx.store.lock_session(&id)?;
    let rec = ctx.store.find(&id)?;
    let report = ops::deliver(&ctx, &rec, &text, "send")?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string(
                &serde_json::json!({"schemaVersion": 1, "session": id, "delivery": report})
            )?
        );
    } else {
        eprintln!("Sent {} bytes to {} ({})", report.bytes, id, report.outcome);
    }
    Ok(())
}

/// Waits until the agent's screen shows it finished its turn (ready/idle), bounded.
fn wait_idle(ctx: &Ctx, id: &SessionId, timeout: std::time::Duration) -> anyhow::Result<()> {
    let end = std::time::Instant::now() + timeout;
    loop {
        let rec = ctx.store.find(id)?;
        let project = ctx.config.project(&rec.project)?;
        let agent = crate::plugins::agent::create(&rec.agent, &project.agent_config)?;
        if let Some(h) = &rec.runtime {
            let rt = ops::runtime_for(ctx, &rec)?;
            let screen = rt.capture(h, 50)?;
            if let Some(m) = agent.classify_screen(&screen) {
                if m.activity.accepts_messages() {
                    return Ok(());
                }
            } else if rec
                .activity
                .as_ref()
                .is_some_and(|a| a.state.accepts_messages())
            {
                return Ok(());
            }
        }
        if std::time::Instant::now() >= end {
            anyhow::bail!(
                "{id} did not finish its turn within {}s; not sent",
                timeout.as_secs()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
