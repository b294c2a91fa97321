//! `ao dashboard`: renders the static HTML dashboard (attention zones, one card per session,
//! deep-link anchors) from the local files and writes it atomically. Reads only; takes no
//! lock. With `--open` it hands the file to the desktop's browser and returns at once.

use anyhow::Context as _;

use super::{Ctx, GlobalArgs};
use crate::dashboard;
use crate::sys::cmd::Cmd;

/// Render the static HTML dashboard.
///
/// Writes a self-contained page (no external assets; works from file://) with the
/// sessions grouped by attention: red (needs you now), orange (ready to merge), yellow
/// (auto-fix failed, stuck), green (working, collapsed) and grey (done, collapsed). Each
/// session's card has the anchor #<session-id>, which notifications link to. The page
/// reloads itself every 30 seconds; set `dashboard.enabled: true` to have every tick
/// regenerate it.
#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    /// Output file (default: dashboard.path or <dataDir>/dashboard.html).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Open it in a browser (xdg-open, or open on macOS).
    #[arg(long)]
    pub open: bool,
}

/// Runs `ao dashboard`.
pub fn run(g: &GlobalArgs, a: &DashboardArgs) -> anyhow::Result<()> {
    let ctx = Ctx::load(g)?;
    let now = crate::clock::now();
    let snap = dashboard::snapshot(&ctx.store, now)?;
    let socket = ctx.tmux_socket();
    let html = dashboard::render(&dashboard::Page {
        sessions: &snap.sessions,
        events: &snap.events,
        now,
        tmux_socket: socket.as_deref(),
        refresh_secs: dashboard::REFRESH_SECS,
        notes: &snap.notes,
        last_tick: snap.last_tick,
    });
    let path = match &a.out {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => std::env::current_dir()
            .context("cannot determine the current directory")?
            .join(p),
        None => dashboard::output_path(&ctx.config, ctx.store.root()),
    };
    dashboard::write(&path, &html)
        .with_context(|| format!("cannot write the dashboard to {}", path.display()))?;
    for n in &snap.notes {
        eprintln!("warning: {n}");
    }
    let url = dashboard::file_url(&path);
    println!("{url}");
    if a.open {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        // Detached: a browser started by xdg-open must not hold up (or die with) ao.
        Cmd::new(opener)
            .arg(&url)
            .spawn_detached(None)
            .with_context(|| format!("cannot open {url}; open it in a browser yourself"))?;
        eprintln!("Opened {url}");
    }
    Ok(())
}
