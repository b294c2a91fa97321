//! `ao send`: the single delivery routine (DESIGN §7). Exit 0 when the message was
//! delivered (the agent's record shows it) or unconfirmed (submitted; the agent keeps no
//! record ao reads); exit 1 when it was refused (nothing typed: dialog, dead pane, not
//! ready) or undelivered (typed, but the agent never took it).
use super::{Ctx, GlobalArgs};
use crate::model::{Delivery, SessionId};
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
    /// Seconds to wait for a starting agent to show it is ready for input before giving
    /// up (text typed into a starting program is lost). A dialog on screen is never
    /// waited for without --wait-idle.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub ready_timeout: u64,
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
    let ctx = Ctx::load_for_session(g.config.as_deref(), &id, false)?;
    if a.wait_idle {
        wait_idle(&ctx, &id, std::time::Duration::from_secs(a.timeout))?;
    }
    // Unlocked: a starting agent runs hooks that take the session lock.
    ops::wait_started(
        &ctx,
        &ctx.store.find(&id)?,
        std::time::Duration::from_secs(a.ready_timeout),
    )?;
    let lock = ctx.store.lock_session(&id)?;
    let rec = ctx.store.find(&id)?;
    let opts = ops::DeliverOptions {
        ready_wait: std::time::Duration::from_secs(a.ready_timeout.min(2)),
        release_after_submit: Some(lock),
    };
    // Read after the waits above: the event is stamped when the message goes out.
    let now = crate::clock::now();
    let report = ops::deliver(&ctx, &rec, &text, "send", opts, now)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string(
                &serde_json::json!({"schemaVersion": 1, "session": id, "delivery": report})
            )?
        );
    }
    match (&report.delivery, a.json) {
        (Delivery::Delivered, false) => eprintln!(
            "Sent {} bytes to {id} (delivered: confirmed by its {})",
            report.bytes, report.confirmed_by
        ),
        (Delivery::Unconfirmed, false) => eprintln!(
            "Sent {} bytes to {id} (unconfirmed: submitted, but its record does not show it; confirmation: {})",
            report.bytes, report.confirmed_by
        ),
        (Delivery::Refused(why), false) => {
            anyhow::bail!(crate::error::Hinted {
                message: format!("not sent to {id}: {why}"),
                hint: "nothing was typed; `ao open` shows the screen, `ao send --wait-idle` waits until the agent can take it".into(),
            })
        }
        (Delivery::Undelivered(why), false) => {
            anyhow::bail!(crate::error::Hinted {
                message: format!("not delivered to {id}: {why}"),
                hint: "the message was typed but the agent did not take it; `ao open` shows the screen, then send it again".into(),
            })
        }
        (d, true) if !d.sent() => {
            return Err(crate::error::SilentExit { code: 1 }.into());
        }
        _ => {}
    }
    Ok(())
}

/// Waits until the agent's screen shows it finished its turn (ready/idle), bounded.
fn wait_idle(ctx: &Ctx, id: &SessionId, timeout: std::time::Duration) -> anyhow::Result<()> {
    let end = std::time::Instant::now() + timeout;
    loop {
        let rec = ctx.store.find(id)?;
        let project = ctx.config.project(&rec.project)?;
        let agent = crate::plugins::agent::create(
            &rec.agent,
            &crate::plugins::agent_env(&project.agent_config),
        )?;
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
