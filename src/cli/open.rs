//! `ao open`: attach to a session (switch-client inside tmux, attach outside, or print
//! the command with `--print`).

use anyhow::Context as _;

use super::{Ctx, GlobalArgs};
use crate::model::{SessionId, SessionRecord};
use crate::plugins::terminal::{self, OpenAction};

/// Attach to a session's terminal.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Session id.
    pub session: String,
    /// Only print the attach command.
    #[arg(long)]
    pub print: bool,
}

/// Runs `ao open`.
pub fn run(g: &GlobalArgs, a: &OpenArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g)?;
    let id = SessionId::parse(&a.session)?;
    let rec = ctx.store.find(&id)?;
    open(&ctx, &rec, a.print)
}

/// Opens `rec` with the configured terminal plugin.
pub fn open(ctx: &Ctx, rec: &SessionRecord, print_only: bool) -> anyhow::Result<()> {
    let handle = rec
        .runtime
        .as_ref()
        .with_context(|| format!("session {} has no runtime", rec.id))?;
    let rt = crate::ops::runtime_for(ctx, rec)?;
    let argv = rt.attach_argv(handle).with_context(|| {
        format!(
            "the {} runtime of {} cannot be attached to; see its log instead",
            handle.plugin, rec.id
        )
    })?;
    let name = ctx
        .config
        .defaults
        .terminal
        .as_deref()
        .unwrap_or(crate::config::plugin_defaults::TERMINAL);
    let term = if print_only {
        terminal::create("none")?
    } else {
        terminal::create(name)?
    };
    let inside = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let quoted =
        || shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "));
    match term.open(&argv, inside)? {
        OpenAction::Print(_) => println!("{}", quoted()),
        OpenAction::Run(v) | OpenAction::Exec(v) => {
            crate::sys::cmd::Cmd::new(&v[0]).args(&v[1..]).status()?;
        }
    }
    Ok(())
}
