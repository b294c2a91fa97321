//! `ao open`: attach to a session (switch-client inside tmux, attach outside, or print
//! the command with `--print`).

use anyhow::Context as _;

use super::{Ctx, GlobalArgs};
use crate::model::{SessionId, SessionRecord};
use crate::plugins::terminal::{self, OpenAction};

/// Attach to a session's terminal.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Session id, or `all`: print the attach command of every live session, most
    /// urgent first (one terminal cannot attach to several sessions at once).
    pub session: String,
    /// With `all`: only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only print the attach command.
    #[arg(long)]
    pub print: bool,
}

/// Runs `ao open`.
pub fn run(g: &GlobalArgs, a: &OpenArgs) -> anyhow::Result<()> {
    if a.session == "all" {
        return open_all(g, a.project.as_deref());
    }
    let id = SessionId::parse(&a.session)?;
    let ctx = Ctx::load_for_session(g, &id, false)?;
    let rec = ctx.store.find(&id)?;
    open(&ctx, &rec, a.print)
}

/// `ao open all`: one `<session>\t<attach command>` line per live session with a
/// runtime that can be attached to, most urgent first, over the whole fleet.
fn open_all(g: &GlobalArgs, project: Option<&str>) -> anyhow::Result<()> {
    let (ctxs, errors) = Ctx::load_fleet(g)?;
    for e in &errors {
        eprintln!("warning: {}", crate::error::render(e).trim_end());
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = Vec::new();
    for ctx in &ctxs {
        let (recs, _) = ctx.store.list(project)?;
        for rec in recs {
            if rec.status.is_terminal()
                || !seen.insert((ctx.store.root().to_path_buf(), rec.id.clone()))
            {
                continue;
            }
            let (Some(h), Ok(rt)) = (&rec.runtime, crate::ops::runtime_for(ctx, &rec)) else {
                continue;
            };
            if let Some(argv) = rt.attach_argv(h) {
                let cmd = shlex::try_join(argv.iter().map(String::as_str))
                    .unwrap_or_else(|_| argv.join(" "));
                lines.push((rec.attention(), rec.id.to_string(), cmd));
            }
        }
    }
    if lines.is_empty() {
        eprintln!("No live sessions to open.");
        return Ok(());
    }
    lines.sort();
    for (_, id, cmd) in lines {
        println!("{id}\t{cmd}");
    }
    Ok(())
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
    let env = crate::plugins::PluginEnv::new(ctx.store.root());
    let term = if print_only {
        terminal::create("none", &env)?
    } else {
        terminal::create(name, &env)?
    };
    // Inside tmux, switch the client only when it is on the session's server; from
    // another server (the user's own, while ao uses its own socket) attach nested.
    let tmux_env = std::env::var("TMUX").ok().filter(|v| !v.is_empty());
    let same_server = tmux_env
        .as_deref()
        .is_some_and(|t| same_tmux_server(t, &argv));
    let quoted =
        || shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "));
    match term.open(&argv, same_server)? {
        OpenAction::Print(_) => println!("{}", quoted()),
        OpenAction::Run(v) | OpenAction::Exec(v) => {
            let mut c = crate::sys::cmd::Cmd::new(&v[0]).args(&v[1..]);
            if !same_server {
                c = c.env_remove("TMUX");
            }
            c.status()?;
        }
    }
    Ok(())
}

/// True when `$TMUX` (`socket path,pid,index`) names the server `attach` talks to: the
/// socket after `-L`, or tmux's `default` socket.
fn same_tmux_server(tmux_env: &str, attach: &[String]) -> bool {
    let name = attach
        .iter()
        .position(|a| a == "-L")
        .and_then(|i| attach.get(i + 1))
        .map_or("default", String::as_str);
    let socket = tmux_env.split(',').next().unwrap_or("");
    std::path::Path::new(socket)
        .file_name()
        .is_some_and(|f| f == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_only_on_the_same_server() {
        let ao = ["tmux", "-L", "ao", "attach-session", "-t", "=app-1"].map(String::from);
        let plain = ["tmux", "attach-session", "-t", "=app-1"].map(String::from);
        assert!(same_tmux_server("/tmp/tmux-0/ao,12,0", &ao));
        assert!(!same_tmux_server("/tmp/tmux-0/default,12,0", &ao));
        assert!(same_tmux_server("/tmp/tmux-0/default,12,0", &plain));
        assert!(!same_tmux_server("/tmp/tmux-0/ao,12,0", &plain));
    }
}
