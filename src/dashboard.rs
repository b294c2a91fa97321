//! The static HTML dashboard (the seed's "drill-down tool"): one self-contained page, no
//! external assets, that works from `file://`. Sessions are grouped by attention zone:
//!
//! * **red** — urgent: needs human input right now (needs input, errored, exited);
//! * **orange** — action: PRs ready to merge, decisions needed;
//! * **yellow** — warning: auto-fix failed, agents stuck or idle too long;
//! * **green** — working normally (collapsed by default);
//! * **grey** — completed, merged, killed (collapsed by default).
//!
//! Every session gets a card whose element id is the session id, so a notification can
//! deep-link to `dashboard.html#my-app-3` ([`session_url`]); a few lines of inline script
//! open the collapsed zone that holds the target. The page reloads itself (meta refresh).
//!
//! Invariants: every string that comes from outside ao (issue titles, branch names,
//! terminal evidence, comments, event messages, URLs) goes through [`escape`]; links are
//! emitted only for `http(s)` URLs; a Content-Security-Policy forbids loading anything,
//! and only the page's own script (by nonce) runs. [`render`] is pure: the same input and
//! `now` give the same page except for the script nonce.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use crate::config::{Config, expand_tilde};
use crate::model::{
    Activity, ActivityFact, ActivitySource, Attention, CiState, Mergeability, PrFacts, PrState,
    ReviewDecision, SessionRecord,
};
use crate::store::events::{self, ReadLog};
use crate::store::{Event, Store, StoreError};
use crate::sys::atomic;
use crate::sys::tmux::Tmux;

/// Seconds between the page's own reloads (meta refresh).
pub const REFRESH_SECS: u32 = 30;

/// How many recent events each card shows.
const EVENTS_PER_CARD: usize = 5;

/// How much of the end of the event log is read for the cards (the log can be 64 MiB).
pub const EVENT_TAIL_BYTES: u64 = 512 * 1024;

/// Archived sessions that ended within this window are still shown in the grey zone.
const ARCHIVE_WINDOW: SignedDuration = SignedDuration::from_hours(24);

/// Longest evidence / message text shown on a card, in characters.
const MAX_TEXT: usize = 300;

/// The five zones, in page order.
pub const ZONES: [Attention; 5] = [
    Attention::Urgent,
    Attention::Action,
    Attention::Warning,
    Attention::Working,
    Attention::Done,
];

/// Errors while regenerating the dashboard file.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// Reading session records failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the event log or writing the page failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// File involved.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Everything one page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Sessions to show: live records plus, optionally, recently archived ones.
    pub sessions: &'a [SessionRecord],
    /// Recent events (any order is fine; the newest per session are shown).
    pub events: &'a [Event],
    /// The time ages are measured against.
    pub now: Timestamp,
    /// tmux socket (`-L`) used to print the raw attach command, when the runtime is tmux.
    pub tmux_socket: Option<&'a str>,
    /// Seconds between reloads; 0 disables the meta refresh.
    pub refresh_secs: u32,
    /// Problems to show above the zones (e.g. unreadable session records). Plain text.
    pub notes: &'a [String],
    /// The tick heartbeat ([`Store::last_tick`]): a steady tick logs no event.
    pub last_tick: Option<Timestamp>,
}

/// The colour name of a zone (also its CSS class and anchor suffix).
pub fn zone_color(a: Attention) -> &'static str {
    match a {
        Attention::Urgent => "red",
        Attention::Action => "orange",
        Attention::Warning => "yellow",
        Attention::Working => "green",
        Attention::Done => "grey",
    }
}

/// The anchor (element id) of a zone: `zone_red`, … An underscore cannot occur in a
/// session id, so zone anchors never collide with session anchors.
pub fn zone_anchor(a: Attention) -> String {
    format!("zone_{}", zone_color(a))
}

/// Heading and meaning of a zone, from the seed.
fn zone_text(a: Attention) -> (&'static str, &'static str) {
    match a {
        Attention::Urgent => ("Urgent", "sessions needing your input right now"),
        Attention::Action => ("Action", "PRs ready to merge, decisions needed"),
        Attention::Warning => ("Warning", "auto-fix failed, agents stuck or idle too long"),
        Attention::Working => ("Working", "sessions working normally"),
        Attention::Done => ("Done", "completed, merged or killed"),
    }
}

/// Whether a zone starts open (green and grey are collapsed, as in the seed).
fn zone_open(a: Attention) -> bool {
    matches!(
        a,
        Attention::Urgent | Attention::Action | Attention::Warning
    )
}

/// The file the dashboard is written to: `dashboard.path` (`~` expanded; a relative path
/// is taken relative to the data dir), else `<dataDir>/dashboard.html`.
pub fn output_path(config: &Config, data_dir: &Path) -> PathBuf {
    match &config.dashboard.path {
        Some(p) => {
            let p = expand_tilde(p);
            if p.is_absolute() { p } else { data_dir.join(p) }
        }
        None => data_dir.join("dashboard.html"),
    }
}

/// `file://` URL of the dashboard at `path` (absolute), percent-encoded.
pub fn file_url(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Deep link to one session's card: `file:///…/dashboard.html#<session id>`. Session ids
/// are `[a-z0-9-]`, so they need no encoding.
pub fn session_url(path: &Path, session: &str) -> String {
    format!("{}#{session}", file_url(path))
}

/// Escapes text for HTML element content and quoted attribute values, and drops control
/// characters (terminal escape sequences in evidence) other than newline and tab.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A link when `url` is http(s), else the escaped label alone. Never emits `javascript:`.
fn link(url: &str, label: &str) -> String {
    let u = url.trim();
    if u.starts_with("https://") || u.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(u),
            escape(label)
        )
    } else {
        escape(label)
    }
}

/// A short human age: `42s`, `5m`, `2h 5m`, `3d 4h`.
pub fn age(from: Timestamp, now: Timestamp) -> String {
    let secs = now.duration_since(from).as_secs();
    if secs < 0 {
        return "in the future".to_owned();
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{m}m")
    } else if secs < 86_400 {
        if m == 0 {
            format!("{h}h")
        } else {
            format!("{h}h {m}m")
        }
    } else if h == 0 {
        format!("{d}d")
    } else {
        format!("{d}d {h}h")
    }
}

/// An age in a `<time>` element carrying the exact timestamp as a tooltip.
fn time_ago(t: Timestamp, now: Timestamp) -> String {
    let exact = t.round(jiff::Unit::Second).unwrap_or(t);
    format!(
        "<time datetime=\"{exact}\" title=\"{exact}\">{} ago</time>",
        age(t, now)
    )
}

/// A fresh nonce for the page's script (CSP), from the std library's random hasher keys.
fn nonce() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x616f_6461_7368);
    let a = h.finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(a);
    format!("{a:016x}{:016x}", h.finish())
}

const STYLE: &str = r#"
:root { --red:#d93025; --orange:#e8710a; --yellow:#c99a06; --green:#188038; --grey:#80868b;
  --bg:#f8f9fa; --card:#fff; --fg:#202124; --muted:#5f6368; --line:#dadce0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  background: var(--bg); color: var(--fg); }
header { padding: 12px 20px; background: #202124; color: #fff; display: flex;
  flex-wrap: wrap; gap: 8px 20px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header .meta { color: #bdc1c6; font-size: 12px; }
nav.counts { display: flex; gap: 8px; flex-wrap: wrap; }
nav.counts a { color: #fff; text-decoration: none; padding: 2px 10px; border-radius: 10px;
  font-weight: 600; font-size: 12px; }
main { padding: 12px 20px 40px; max-width: 1400px; }
.notes { background: #fce8e6; border: 1px solid var(--red); border-radius: 6px;
  padding: 8px 12px; margin: 8px 0; }
details.zone { margin: 14px 0; border-left: 6px solid var(--zc); background: #fff0;
  border-radius: 4px; }
details.zone > summary { cursor: pointer; padding: 8px 12px; font-size: 16px;
  font-weight: 600; list-style-position: inside; }
details.zone > summary .meaning { font-weight: 400; color: var(--muted); font-size: 13px; }
details.zone > summary .n { display: inline-block; min-width: 24px; text-align: center;
  background: var(--zc); color: #fff; border-radius: 10px; padding: 0 6px; margin-left: 6px; }
.zone-red { --zc: var(--red); } .zone-orange { --zc: var(--orange); }
.zone-yellow { --zc: var(--yellow); } .zone-green { --zc: var(--green); }
.zone-grey { --zc: var(--grey); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
  gap: 12px; padding: 4px 12px 12px; }
.empty { color: var(--muted); padding: 0 14px 8px; font-style: italic; }
article.card { background: var(--card); border: 1px solid var(--line);
  border-top: 4px solid var(--zc); border-radius: 6px; padding: 10px 12px; min-width: 0; }
article.card:target { outline: 3px solid #1a73e8; outline-offset: 2px; }
.card h3 { margin: 0 0 2px; font-size: 15px; display: flex; gap: 8px; align-items: baseline;
  flex-wrap: wrap; }
.card h3 a.self { color: inherit; text-decoration: none; }
.card .title { color: var(--muted); margin-bottom: 6px; overflow-wrap: anywhere; }
.status { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px;
  background: var(--zc); color: #fff; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 6px 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre.evidence { background: #f1f3f4; padding: 4px 6px; border-radius: 4px; margin: 2px 0 0;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 8em; overflow: auto; }
.bad { color: var(--red); font-weight: 600; } .good { color: var(--green); font-weight: 600; }
.warn { color: var(--orange); font-weight: 600; }
.error { color: var(--red); overflow-wrap: anywhere; }
ul.events { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; }
ul.events li { border-top: 1px dotted var(--line); padding: 2px 0; overflow-wrap: anywhere; }
ul.events .kind { font-family: ui-monospace, monospace; color: var(--muted); }
.attach code { user-select: all; background: #f1f3f4; padding: 1px 4px; border-radius: 3px; }
footer { color: var(--muted); font-size: 12px; padding: 0 20px 20px; }
"#;

/// Opens the zone holding the `#fragment` target and restores zones the reader opened or
/// closed before the last reload.
const SCRIPT: &str = r"
(function () {
  var zones = document.querySelectorAll('details[data-zone]');
  try {
    zones.forEach(function (d) {
      var k = 'ao-zone-' + d.getAttribute('data-zone');
      var v = sessionStorage.getItem(k);
      if (v !== null) { d.open = v === '1'; }
      d.addEventListener('toggle', function () { sessionStorage.setItem(k, d.open ? '1' : '0'); });
    });
  } catch (e) { /* storage unavailable: keep the defaults */ }
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) { return; }
    for (var p = el.parentElement; p; p = p.parentElement) {
      if (p.tagName === 'DETAILS') { p.open = true; }
    }
    el.scrollIntoView();
  }
  reveal();
  window.addEventListener('hashchange', reveal);
})();
";

/// Renders the whole page. Pure apart from the script nonce.
pub fn render(page: &Page<'_>) -> String {
    let mut by_zone: BTreeMap<Attention, Vec<&SessionRecord>> = BTreeMap::new();
    for s in page.sessions {
        by_zone.entry(s.attention()).or_default().push(s);
    }
    for list in by_zone.values_mut() {
        // Longest in its state first: the one that has waited longest is on top.
        list.sort_by(|a, b| {
            (a.status_since, &a.project, id_num(a)).cmp(&(b.status_since, &b.project, id_num(b)))
        });
    }
    let mut events_by_session: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in page.events {
        if let Some(s) = e.session.as_deref() {
            events_by_session.entry(s).or_default().push(e);
        }
    }
    for list in events_by_session.values_mut() {
        list.sort_by_key(|e| std::cmp::Reverse(e.ts));
        list.truncate(EVENTS_PER_CARD);
    }

    let nonce = nonce();
    let now = page.now.round(jiff::Unit::Second).unwrap_or(page.now);
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; base-uri 'none'; \
         form-action 'none'\">\n"
    ));
    if page.refresh_secs > 0 {
        out.push_str(&format!(
            "<meta http-equiv=\"refresh\" content=\"{}\">\n",
            page.refresh_secs
        ));
    }
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<meta name=\"generator\" content=\"ao {}\">\n",
        env!("CARGO_PKG_VERSION")
    ));
    let urgent = by_zone.get(&Attention::Urgent).map_or(0, Vec::len);
    let title = if urgent > 0 {
        format!("({urgent}) ao dashboard")
    } else {
        "ao dashboard".to_owned()
    };
    out.push_str(&format!(
        "<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    ));

    // Header: counts per zone, linking to the zones.
    out.push_str("<header>\n<h1>ao dashboard</h1>\n<nav class=\"counts\">");
    for z in ZONES {
        let n = by_zone.get(&z).map_or(0, Vec::len);
        out.push_str(&format!(
            "<a class=\"zone-{c}\" style=\"background:var(--zc)\" href=\"#{a}\" data-count=\"{n}\">{n} {t}</a>",
            c = zone_color(z),
            a = zone_anchor(z),
            t = zone_text(z).0.to_lowercase(),
        ));
    }
    // When ticks stop, every age on the page silently goes stale: say when the last ran.
    let last_tick = page
        .events
        .iter()
        .filter(|e| e.kind.is_tick())
        .map(|e| e.ts)
        .chain(page.last_tick)
        .max()
        .map_or_else(
            || " · no tick seen".to_owned(),
            |t| {
                format!(
                    " · last tick <span id=\"last-tick\">{}</span>",
                    time_ago(t, page.now)
                )
            },
        );
    out.push_str(&format!(
        "</nav>\n<span class=\"meta\">generated <time id=\"generated\" datetime=\"{now}\">{now}</time>{last_tick}{}</span>\n</header>\n<main>\n",
        if page.refresh_secs > 0 {
            format!(" · reloads every {}s", page.refresh_secs)
        } else {
            String::new()
        }
    ));

    if !page.notes.is_empty() {
        out.push_str("<div class=\"notes\" id=\"notes\"><strong>Problems</strong><ul>");
        for n in page.notes {
            out.push_str(&format!("<li>{}</li>", escape(&clip(n, MAX_TEXT))));
        }
        out.push_str("</ul></div>\n");
    }

    for z in ZONES {
        let list = by_zone.get(&z).map(Vec::as_slice).unwrap_or(&[]);
        let (name, meaning) = zone_text(z);
        let c = zone_color(z);
        out.push_str(&format!(
            "<details class=\"zone zone-{c}\" id=\"{a}\" data-zone=\"{c}\"{open}>\n\
             <summary>{name} <span class=\"n\">{n}</span> <span class=\"meaning\">— {meaning}</span></summary>\n",
            a = zone_anchor(z),
            open = if zone_open(z) { " open" } else { "" },
            n = list.len(),
        ));
        if list.is_empty() {
            out.push_str("<p class=\"empty\">Nothing here.</p>\n");
        } else {
            out.push_str("<div class=\"cards\">\n");
            for s in list {
                let evs = events_by_session
                    .get(s.id.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                card(&mut out, s, z, evs, page);
            }
            out.push_str("</div>\n");
        }
        out.push_str("</details>\n");
    }
    out.push_str(&format!(
        "</main>\n<footer>Each card's link (#session-id) is the deep link notifications use. \
         Attach with the command on the card; details: <code>ao status</code>, \
         <code>ao events --session ID</code>.</footer>\n<script nonce=\"{nonce}\">{SCRIPT}</script>\n</body>\n</html>\n"
    ));
    out
}

/// Numeric suffix of a session id, for `app-10` after `app-9`.
fn id_num(s: &SessionRecord) -> (String, u64) {
    let id = s.id.as_str();
    match id.rsplit_once('-') {
        Some((p, n)) => (p.to_owned(), n.parse().unwrap_or(0)),
        None => (id.to_owned(), 0),
    }
}

/// One session's card.
fn card(out: &mut String, s: &SessionRecord, z: Attention, evs: &[&Event], page: &Page<'_>) {
    let now = page.now;
    let id = s.id.as_str(); // validated [a-z0-9-]: safe as an id and in a fragment
    out.push_str(&format!(
        "<article class=\"card zone-{c}\" id=\"{id}\" data-zone=\"{c}\" data-status=\"{st}\">\n\
         <h3><a class=\"self\" href=\"#{id}\">{id}</a> <span class=\"status\">{st}</span></h3>\n",
        c = zone_color(z),
        st = s.status.as_str(),
    ));
    let title = match (&s.issue, &s.issue_title) {
        (Some(i), Some(t)) => format!("{i}: {t}"),
        (Some(i), None) => i.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    };
    if !title.is_empty() {
        out.push_str(&format!(
            "<div class=\"title\">{}</div>\n",
            escape(&clip(&title, MAX_TEXT))
        ));
    }
    out.push_str("<dl>\n");
    row(
        out,
        "status",
        &format!("{} for {}", s.status.as_str(), age(s.status_since, now)),
    );
    out.push_str(&format!(
        "<dt>project</dt><dd>{} · agent {}</dd>\n",
        escape(&s.project),
        escape(&s.agent)
    ));
    out.push_str(&format!(
        "<dt>branch</dt><dd><code>{}</code></dd>\n",
        escape(&s.branch)
    ));
    match &s.activity {
        Some(a) => activity(out, a, now, page.last_tick),
        None => row(out, "activity", "not observed yet"),
    }
    match &s.pr {
        Some(pr) => pr_rows(out, pr, now, page.last_tick),
        None => row(out, "PR", "none yet"),
    }
    if let Some(c) = &s.cost {
        row(out, "cost", &cost_text(c));
    }
    if let Some(e) = &s.last_error {
        out.push_str(&format!(
            "<dt>error</dt><dd class=\"error\">{}</dd>\n",
            escape(&clip(e, MAX_TEXT))
        ));
    }
    let escalated: Vec<&str> = s
        .reactions
        .values()
        .filter(|l| l.escalated)
        .map(|l| l.reaction.as_str())
        .collect();
    if !escalated.is_empty() {
        out.push_str(&format!(
            "<dt>escalated</dt><dd class=\"warn\">{}</dd>\n",
            escape(&escalated.join(", "))
        ));
    }
    // Attach commands: `ao open` always works; the raw tmux command helps over ssh.
    let mut attach = format!("<code>{}</code>", crate::model::attach_hint(id));
    if let Some(h) = &s.runtime
        && h.plugin == "tmux"
    {
        let argv = Tmux::new(page.tmux_socket).attach_argv(&h.target);
        let line = shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_default();
        if !line.is_empty() {
            attach.push_str(&format!(" or <code>{}</code>", escape(&line)));
        }
    }
    out.push_str(&format!(
        "<dt>attach</dt><dd class=\"attach\">{attach}</dd>\n</dl>\n"
    ));
    if !evs.is_empty() {
        out.push_str("<ul class=\"events\">\n");
        for e in evs {
            out.push_str(&format!(
                "<li>{} <span class=\"kind\">{}</span> {}</li>\n",
                time_ago(e.ts, now),
                escape(&e.kind.as_str()),
                escape(&clip(&e.message, MAX_TEXT))
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</article>\n");
}

/// "12.3k tokens ~$0.42 (in 10.0k, out 2.3k, cache 0 written / 0 read; claude-…)".
fn cost_text(c: &crate::model::CostEstimate) -> String {
    use crate::model::human_count as h;
    let model = c
        .model
        .as_deref()
        .map(|m| format!("; {m}"))
        .unwrap_or_default();
    format!(
        "{} (in {}, out {}, cache {} written / {} read{model}; an estimate at list prices)",
        c.short(),
        h(c.input_tokens),
        h(c.output_tokens),
        h(c.cache_write_tokens),
        h(c.cache_read_tokens),
    )
}

/// A `<dt>`/`<dd>` pair with escaped text.
fn row(out: &mut String, k: &str, v: &str) {
    out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(k), escape(v)));
}

/// Lower-case name of an activity source, as in the record's JSON.
fn source_name(s: ActivitySource) -> &'static str {
    match s {
        ActivitySource::Hook => "hook",
        ActivitySource::Transcript => "transcript",
        ActivitySource::Terminal => "terminal",
        ActivitySource::Process => "process",
    }
}

/// When a fact was last confirmed: a steady tick confirms it without rewriting the record,
/// so the heartbeat of a later tick counts (a failed observation is written as an error).
fn seen(observed_at: Timestamp, last_tick: Option<Timestamp>) -> Timestamp {
    last_tick.map_or(observed_at, |t| t.max(observed_at))
}

fn activity(out: &mut String, a: &ActivityFact, now: Timestamp, last_tick: Option<Timestamp>) {
    let class = match a.state {
        Activity::WaitingInput | Activity::Blocked | Activity::Exited => " class=\"bad\"",
        Activity::Idle => " class=\"warn\"",
        Activity::Working | Activity::Ready => "",
    };
    out.push_str(&format!(
        "<dt>activity</dt><dd><span{class}>{}</span> for {} (from {}, seen {})",
        a.state.as_str(),
        age(a.since, now),
        source_name(a.source),
        time_ago(seen(a.observed_at, last_tick), now)
    ));
    if let Some(r) = &a.resets {
        out.push_str(&format!(" · resets {}", escape(&clip(r, 80))));
    }
    if !a.evidence.trim().is_empty() {
        out.push_str(&format!(
            "<pre class=\"evidence\">{}</pre>",
            escape(&clip(&a.evidence, MAX_TEXT))
        ));
    }
    out.push_str("</dd>\n");
}

fn pr_rows(out: &mut String, pr: &PrFacts, now: Timestamp, last_tick: Option<Timestamp>) {
    let label = if pr.number > 0 {
        format!("#{}", pr.number)
    } else {
        "local branch".to_owned()
    };
    let state = match pr.state {
        PrState::Open if pr.draft => "open (draft)",
        PrState::Open => "open",
        PrState::Merged => "merged",
        PrState::Closed => "closed",
    };
    let short_sha: String = pr.head_sha.chars().take(8).collect();
    out.push_str(&format!(
        "<dt>PR</dt><dd>{} {state} · head <code>{}</code> · seen {}</dd>\n",
        link(&pr.url, &label),
        escape(&short_sha),
        time_ago(seen(pr.observed_at, last_tick), now)
    ));
    let ci = match pr.ci {
        CiState::Passing => "<span class=\"good\">passing</span>".to_owned(),
        CiState::Pending => "pending".to_owned(),
        CiState::None => "no checks".to_owned(),
        CiState::Failing => {
            let checks: Vec<String> = pr
                .failing_checks
                .iter()
                .map(|c| link(c.url.as_deref().unwrap_or(""), &c.name))
                .collect();
            if checks.is_empty() {
                "<span class=\"bad\">failing</span>".to_owned()
            } else {
                format!("<span class=\"bad\">failing</span>: {}", checks.join(", "))
            }
        }
    };
    out.push_str(&format!("<dt>CI</dt><dd>{ci}</dd>\n"));
    let review = match pr.review {
        ReviewDecision::Approved => "<span class=\"good\">approved</span>",
        ReviewDecision::ChangesRequested => "<span class=\"bad\">changes requested</span>",
        ReviewDecision::ReviewRequired => "review required",
        ReviewDecision::NotRequired => "not required",
    };
    let mut comments = String::new();
    if !pr.comments.is_empty() {
        comments.push_str(&format!(" · {} unresolved comment(s)", pr.comments.len()));
    }
    if !pr.bot_comments.is_empty() {
        comments.push_str(&format!(" · {} bot comment(s)", pr.bot_comments.len()));
    }
    out.push_str(&format!("<dt>review</dt><dd>{review}{comments}"));
    if let Some(c) = pr.comments.first() {
        let place = match (&c.path, c.line) {
            (Some(p), Some(l)) => format!(" on {p}:{l}"),
            (Some(p), None) => format!(" on {p}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "<pre class=\"evidence\">{}</pre>",
            escape(&clip(&format!("{}{place}: {}", c.author, c.body), MAX_TEXT))
        ));
    }
    out.push_str("</dd>\n");
    let merge = match pr.mergeable {
        Mergeability::Clean => "clean".to_owned(),
        Mergeability::Unknown => "unknown".to_owned(),
        Mergeability::Conflicting if pr.conflict_files.is_empty() => {
            "<span class=\"bad\">conflicting</span>".to_owned()
        }
        Mergeability::Conflicting => format!(
            "<span class=\"bad\">conflicting</span>: {}",
            escape(&clip(&pr.conflict_files.join(", "), MAX_TEXT))
        ),
    };
    out.push_str(&format!("<dt>merge</dt><dd>{merge}</dd>\n"));
}

/// Atomically writes the page to `path` (temp file in the same directory, 0600, fsync,
/// rename), creating the parent directory (0700) if needed.
pub fn write(path: &Path, html: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        atomic::ensure_private_dir(dir)?;
    }
    atomic::write(path, html.as_bytes())
}

/// The last events of the log: reads at most `max_bytes` from the end of `path` (a
/// missing log reads as empty). A line cut by the window start is skipped.
pub fn recent_events(path: &Path, max_bytes: u64) -> std::io::Result<Vec<Event>> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut log = ReadLog::default();
    events::read_from(path, len.saturating_sub(max_bytes), &mut log)?;
    Ok(log.events)
}

/// What the dashboard shows, read from the data dir.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Live sessions plus sessions archived within the last 24 hours.
    pub sessions: Vec<SessionRecord>,
    /// The tail of the event log.
    pub events: Vec<Event>,
    /// Records that could not be read, as text.
    pub notes: Vec<String>,
    /// The tick heartbeat ([`Store::last_tick`]).
    pub last_tick: Option<Timestamp>,
}

/// Reads the sessions (live, and archived within the last 24 hours) and the tail of the
/// event log. Unreadable records become notes; the rest is still shown.
pub fn snapshot(store: &Store, now: Timestamp) -> Result<Snapshot, DashboardError> {
    let (mut sessions, problems) = store.list(None)?;
    let (archived, archived_problems) = store.list_archived(None)?;
    let cutoff = now - ARCHIVE_WINDOW;
    sessions.extend(archived.into_iter().filter(|r| r.status_since >= cutoff));
    let notes = problems
        .iter()
        .chain(&archived_problems)
        .map(|p| p.error.to_string())
        .collect();
    let log = store.events_path();
    let events = recent_events(&log, EVENT_TAIL_BYTES).map_err(|source| DashboardError::Io {
        op: "read",
        path: log.clone(),
        source,
    })?;
    Ok(Snapshot {
        sessions,
        events,
        notes,
        last_tick: store.last_tick(),
    })
}

/// Reads the data dir, renders the page and writes it to [`output_path`]; returns the
/// path. This is what the tick calls after each pass when `dashboard.enabled` is set.
pub fn regenerate(
    store: &Store,
    config: &Config,
    tmux_socket: Option<&str>,
    now: Timestamp,
) -> Result<PathBuf, DashboardError> {
    let snap = snapshot(store, now)?;
    let html = render(&Page {
        sessions: &snap.sessions,
        events: &snap.events,
        now,
        tmux_socket,
        refresh_secs: REFRESH_SECS,
        notes: &snap.notes,
        last_tick: snap.last_tick,
    });
    let path = output_path(config, store.root());
    write(&path, &html).map_err(|source| DashboardError::Io {
        op: "write",
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;
    use crate::model::{
        FailingCheck, ReactionLedger, ReviewComment, RuntimeHandle, SessionId, Status,
    };

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn rec(id: &str, status: Status) -> SessionRecord {
        SessionRecord {
            version: crate::model::RECORD_VERSION,
            id: SessionId::parse(id).unwrap(),
            project: "app".into(),
            issue: Some("#7".into()),
            issue_title: Some("Fix <script>alert(1)</script> & \"quotes\"".into()),
            branch: "ao/7-fix-<b>".into(),
            workspace: "/tmp/ws".into(),
            workspace_plugin: "worktree".into(),
            agent: "claude-code".into(),
            agent_session_id: None,
            runtime: Some(RuntimeHandle {
                plugin: "tmux".into(),
                target: id.into(),
                pid: None,
                pid_start: None,
                log: None,
                remote: None,
            }),
            prompt_file: None,
            created_at: ts(0),
            status,
            status_since: ts(100),
            runtime_state: None,
            runtime_observed_at: None,
            missing_count: 0,
            activity: Some(ActivityFact {
                state: Activity::WaitingInput,
                source: ActivitySource::Terminal,
                evidence: "Do you want to proceed?\x1b[0m <img src=x onerror=alert(1)>".into(),
                resets: None,
                since: ts(200),
                observed_at: ts(290),
            }),
            pr: None,
            hook: None,
            capture: None,
            reactions: BTreeMap::new(),
            notifications: BTreeMap::new(),
            last_error: None,
            batch: None,
            cost: None,
            extra: BTreeMap::new(),
        }
    }

    fn page<'a>(sessions: &'a [SessionRecord], events: &'a [Event]) -> Page<'a> {
        Page {
            sessions,
            events,
            now: ts(300),
            tmux_socket: Some("ao"),
            refresh_secs: 30,
            notes: &[],
            last_tick: None,
        }
    }

    #[test]
    fn escape_covers_html_specials_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\x1b[31m\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;[31m\n"
        );
    }

    #[test]
    fn ages_are_short() {
        assert_eq!(age(ts(0), ts(42)), "42s");
        assert_eq!(age(ts(0), ts(300)), "5m");
        assert_eq!(age(ts(0), ts(7500)), "2h 5m");
        assert_eq!(age(ts(0), ts(7200)), "2h");
        assert_eq!(age(ts(0), ts(3 * 86_400 + 4 * 3600)), "3d 4h");
        assert_eq!(age(ts(10), ts(0)), "in the future");
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let mut r = rec("app-1", Status::NeedsInput);
        r.last_error = Some("boom </dd><script>x</script>".into());
        r.pr = Some(PrFacts {
            number: 12,
            url: "javascript:alert(1)".into(),
            head_sha: "abcdef0123456789".into(),
            base_sha: None,
            state: PrState::Open,
            draft: false,
            ci: CiState::Failing,
            failing_checks: vec![FailingCheck {
                name: "<lint>".into(),
                url: Some("https://ci.example/1?a=1&b=\"2\"".into()),
                excerpt: String::new(),
            }],
            review: ReviewDecision::ChangesRequested,
            comments: vec![ReviewComment {
                id: "1".into(),
                author: "rev".into(),
                path: Some("src/<x>.rs".into()),
                line: Some(3),
                body: "please </pre><script>".into(),
                url: None,
                bot: false,
            }],
            bot_comments: vec![],
            mergeable: Mergeability::Conflicting,
            conflict_files: vec!["<f>".into()],
            observed_at: ts(250),
        });
        let events = [
            Event::new(ts(280), EventKind::ReactionTriggered, "sent <b>hi</b>")
                .about("app", Some("app-1")),
        ];
        let html = render(&page(std::slice::from_ref(&r), &events));
        let body = html.split("<body>").nth(1).unwrap();
        let body = body.split("<script nonce").next().unwrap();
        assert!(!body.contains("<script"), "{body}");
        assert!(!body.contains("<img"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(!body.contains("<lint>"), "{body}");
        assert!(
            !body.contains("javascript:"),
            "no link for a non-http url: {body}"
        );
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        assert!(body.contains("href=\"https://ci.example/1?a=1&amp;b=&quot;2&quot;\""));
        assert!(!body.contains('\x1b'));
        assert!(body.contains("sent &lt;b&gt;hi&lt;/b&gt;"));
    }

    #[test]
    fn cost_is_shown_when_known() {
        let mut r = rec("app-1", Status::Working);
        let html = render(&page(std::slice::from_ref(&r), &[]));
        assert!(!html.contains("<dt>cost</dt>"));
        r.cost = Some(crate::model::CostEstimate {
            input_tokens: 10_000,
            output_tokens: 2_345,
            cache_write_tokens: 0,
            cache_read_tokens: 0,
            usd: 0.42,
            model: Some("claude-sonnet-4-5".into()),
        });
        let html = render(&page(std::slice::from_ref(&r), &[]));
        assert!(
            html.contains("<dt>cost</dt><dd>12.3k tokens ~$0.42 (in 10.0k, out 2.3k, cache 0 written / 0 read; claude-sonnet-4-5; an estimate at list prices)</dd>"),
            "{html}"
        );
    }

    #[test]
    fn zones_in_order_with_anchors_and_collapsed_green_grey() {
        let mut stuck = rec("app-3", Status::Stuck);
        stuck.activity = None;
        let mut escalated = rec("app-6", Status::CiFailed);
        escalated.reactions.insert(
            "ci-failed:x".into(),
            ReactionLedger {
                reaction: "ci-failed".into(),
                fingerprint: "x".into(),
                attempts: 2,
                first_seen: ts(0),
                last_attempt: None,
                last_outcome: String::new(),
                escalated: true,
                resolved_ticks: 0,
                sent_at_head: None,
                pending_since: None,
                pending_why: None,
                undelivered: 0,
            },
        );
        let sessions = vec![
            rec("app-5", Status::Done),
            rec("app-4", Status::Working),
            stuck,
            rec("app-2", Status::Mergeable),
            rec("app-1", Status::NeedsInput),
            escalated,
        ];
        let html = render(&page(&sessions, &[]));
        let pos = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        let zones: Vec<usize> = ZONES
            .iter()
            .map(|z| pos(&format!("id=\"{}\"", zone_anchor(*z))))
            .collect();
        assert!(zones.windows(2).all(|w| w[0] < w[1]), "zone order");
        assert!(pos("id=\"app-1\"") > zones[0] && pos("id=\"app-1\"") < zones[1]);
        assert!(pos("id=\"app-2\"") > zones[1] && pos("id=\"app-2\"") < zones[2]);
        assert!(pos("id=\"app-3\"") > zones[2] && pos("id=\"app-3\"") < zones[3]);
        assert!(pos("id=\"app-6\"") > zones[2] && pos("id=\"app-6\"") < zones[3]);
        assert!(pos("id=\"app-4\"") > zones[3] && pos("id=\"app-4\"") < zones[4]);
        assert!(pos("id=\"app-5\"") > zones[4]);
        assert!(html.contains("id=\"zone_red\" data-zone=\"red\" open>"));
        assert!(html.contains("id=\"zone_green\" data-zone=\"green\">"));
        assert!(html.contains("id=\"zone_grey\" data-zone=\"grey\">"));
        assert!(html.contains("<title>(1) ao dashboard</title>"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
        let attach = html.split("class=\"attach\">").nth(1).unwrap();
        // Quoted: `=word` at the start of a word is an expansion in zsh.
        assert!(
            attach.starts_with(
                "<code>ao open app-1</code> or <code>tmux -L ao attach-session -t &#39;=app-1&#39;</code>"
            ),
            "{attach}"
        );
    }

    #[test]
    fn no_external_resources() {
        let mut r = rec("app-1", Status::NeedsInput);
        r.activity = None;
        let html = render(&page(std::slice::from_ref(&r), &[]));
        for bad in ["src=", "<link", "<img", "<iframe", "@import", "url("] {
            assert!(!html.contains(bad), "{bad} in page");
        }
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn urls_and_paths() {
        let p = Path::new("/home/me/my data/dash#1.html");
        assert_eq!(file_url(p), "file:///home/me/my%20data/dash%231.html");
        assert_eq!(
            session_url(Path::new("/d/dashboard.html"), "app-3"),
            "file:///d/dashboard.html#app-3"
        );
        let mut c = Config::default();
        assert_eq!(
            output_path(&c, Path::new("/data")),
            PathBuf::from("/data/dashboard.html")
        );
        c.dashboard.path = Some("out/d.html".into());
        assert_eq!(
            output_path(&c, Path::new("/data")),
            PathBuf::from("/data/out/d.html")
        );
        c.dashboard.path = Some("/abs/d.html".into());
        assert_eq!(
            output_path(&c, Path::new("/data")),
            PathBuf::from("/abs/d.html")
        );
    }

    #[test]
    fn write_is_atomic_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/dashboard.html");
        write(&p, "<p>one</p>").unwrap();
        write(&p, "<p>two</p>").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "<p>two</p>");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp files left behind");
    }

    #[test]
    fn recent_events_reads_the_tail() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("events.jsonl");
        assert!(recent_events(&log, 1024).unwrap().is_empty());
        let evs: Vec<Event> = (0..100)
            .map(|i| Event::new(ts(i), EventKind::TickDone, format!("pass {i}")))
            .collect();
        events::append(&log, &d.path().join("events.lock"), &evs).unwrap();
        let all = recent_events(&log, u64::MAX).unwrap();
        assert_eq!(all.len(), 100);
        let tail = recent_events(&log, 1000).unwrap();
        assert!(!tail.is_empty() && tail.len() < 100);
        assert_eq!(tail.last().unwrap().message, "pass 99");
    }

    #[test]
    fn regenerate_writes_the_configured_file() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let r = rec("app-1", Status::NeedsInput);
        let dir = store.sessions_dir("app").unwrap();
        atomic::ensure_private_dir(&dir).unwrap();
        store.save(&r).unwrap();
        let mut archived = rec("app-2", Status::Done);
        archived.status_since = ts(-2 * 86_400); // ended two days ago: not shown
        store.save(&archived).unwrap();
        store.archive(&archived).unwrap();
        store
            .event(
                Event::new(ts(290), EventKind::SessionStatus, "to needs_input")
                    .about("app", Some("app-1")),
            )
            .unwrap();
        let path = regenerate(&store, &Config::default(), None, ts(300)).unwrap();
        assert_eq!(path, d.path().join("dashboard.html"));
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(html.contains("id=\"app-1\""));
        assert!(!html.contains("id=\"app-2\""));
        assert!(html.contains("to needs_input"));
        assert!(html.contains("no tick seen"));
    }

    #[test]
    fn newest_events_per_card() {
        let sessions = vec![rec("app-1", Status::Working)];
        let events: Vec<Event> = (0..8)
            .map(|i| {
                Event::new(
                    ts(i * 10),
                    EventKind::Other("x.y".into()),
                    format!("event number {i}"),
                )
                .about("app", Some("app-1"))
            })
            .collect();
        let html = render(&page(&sessions, &events));
        assert!(html.contains("event number 7"));
        assert!(html.contains("event number 3"));
        assert!(!html.contains("event number 2"));
        assert!(html.find("event number 7") < html.find("event number 3"));
    }
}
