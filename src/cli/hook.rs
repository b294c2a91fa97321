//! `ao hook <agent> <event> [payload]`: push signals from agent hooks (Claude Code
//! settings hooks, Codex `notify`, aider `--notifications-command`).
//!
//! Contract with the agent: print nothing, exit 0, return fast (well under 50 ms). A hook
//! must never break or block the agent, so every failure — unknown session, agent or
//! event, bad JSON, a missing record — is swallowed; when the data dir is reachable it is
//! recorded as a `hook.rejected` event instead.
//!
//! What it does: reads the JSON payload (the argument, else stdin when stdin is not a
//! terminal), finds the session from `AO_SESSION`, asks the agent plugin what the call
//! means, and under the session lock records it as the session's `hook` signal plus a
//! `hook.<event>` event. A "needs input" signal (permission prompt, question, trust or
//! login dialog) also notifies the human at once, through the notification ledger: the key
//! is derived from the transcript position (or the detail), so the same prompt reported
//! twice — by two hooks or two calls — notifies once.

use std::io::{IsTerminal, Read};

use serde_json::{Value, json};

use super::GlobalArgs;
use crate::config::Config;
use crate::model::Notification;
use crate::model::{Activity, EventKind, HookSignal, SessionId, SessionRecord};
use crate::plugins::agent::{self, Agent, HookMeaning};
use crate::store::{Event, Store};

/// Receive a hook call from an agent.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// Agent plugin name.
    pub agent: String,
    /// Hook event name.
    pub event: String,
    /// Payload as an argument (Codex passes JSON as the last argument).
    pub payload: Option<String>,
}

/// Largest payload read from stdin; the rest is ignored.
const MAX_PAYLOAD: u64 = 1024 * 1024;

/// Hook events that only say "a tool ran": recorded only when they change the activity,
/// so a busy agent does not write the record and the log on every tool call.
const ROUTINE: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionDenied",
];

/// Runs `ao hook`. Always succeeds and prints nothing.
pub fn run(g: &GlobalArgs, a: &HookArgs) -> anyhow::Result<()> {
    let payload = match &a.payload {
        Some(p) => p.clone(),
        None => read_stdin(),
    };
    let Some((config, store)) = open(g) else {
        return Ok(());
    };
    let now = crate::clock::now();
    if let Err(reason) = handle(&config, &store, a, &payload, now) {
        let session = std::env::var("AO_SESSION").unwrap_or_default();
        let e = Event::new(now, EventKind::HookRejected, reason).with(json!({
            "agent": a.agent, "event": a.event, "session": session,
        }));
        let _ = store.event(e);
    }
    Ok(())
}

/// The payload on stdin, unless stdin is a terminal (aider and Codex leave the agent's
/// terminal as the hook's stdin: reading it would block the hook, and steal keystrokes).
fn read_stdin() -> String {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return String::new();
    }
    let mut s = String::new();
    let _ = stdin.lock().take(MAX_PAYLOAD).read_to_string(&mut s);
    s
}

/// Config and store: the usual discovery, else the data dir from `AO_DATA_DIR` with an
/// empty config (the signal is still recorded; routing falls back to defaults).
fn open(g: &GlobalArgs) -> Option<(Config, Store)> {
    if let Ok(ctx) = super::Ctx::load(g.config.as_deref()) {
        return Some((ctx.config, ctx.store));
    }
    let dir = crate::config::resolved::data_dir_override()?;
    let store = Store::open(std::path::Path::new(&dir)).ok()?;
    Some((Config::default(), store))
}

/// Records the call; `Err` carries the reason it was rejected.
fn handle(
    config: &Config,
    store: &Store,
    a: &HookArgs,
    payload: &str,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let raw = std::env::var("AO_SESSION").map_err(|_| "AO_SESSION is not set".to_owned())?;
    let id = SessionId::parse(&raw).map_err(|e| e.to_string())?;
    let payload: Value = if payload.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(payload).map_err(|e| format!("payload is not JSON: {e}"))?
    };
    let project_cfg = |rec: &SessionRecord| config.projects.get(&rec.project).cloned();
    if a.event == "UserPromptSubmit" {
        // Before the lock: `ao send` holds it while it waits for this very confirmation.
        log_prompt(store, &id, &payload);
    }
    let _lock = store.lock_session(&id).map_err(|e| e.to_string())?;
    let mut rec = store.find(&id).map_err(|e| e.to_string())?;
    let agent_cfg = project_cfg(&rec)
        .map(|p| p.agent_config)
        .unwrap_or_default();
    let agent = agent::create(&a.agent, &crate::plugins::agent_env(&agent_cfg))
        .map_err(|e| e.to_string())?;
    if !agent.hook_events().contains(&a.event.as_str()) {
        return Err(format!(
            "agent `{}` sends no hook event `{}` (known: {})",
            a.agent,
            a.event,
            agent.hook_events().join(", ")
        ));
    }
    let Some(mut meaning) = agent.interpret_hook(&a.event, &payload) else {
        // A known event without activity meaning (e.g. `auth_success`): logged only.
        return store
            .event(hook_event(&rec, a, now, None))
            .map_err(|e| e.to_string());
    };
    // The screen only chooses between ready and waiting: a hook that runs before the
    // agent redrew its prompt (aider) still sees the last turn's working lines.
    if agent.hook_checks_screen(&a.event)
        && let Some(m) = screen(config, &rec, agent.as_ref())
            .filter(|m| matches!(m.activity, Activity::Ready | Activity::WaitingInput))
    {
        meaning = HookMeaning {
            activity: m.activity,
            detail: m.evidence,
        };
    }
    let unchanged = rec
        .hook
        .as_ref()
        .is_some_and(|h| h.activity == meaning.activity);
    if ROUTINE.contains(&a.event.as_str()) && unchanged {
        return Ok(());
    }
    rec.hook = Some(HookSignal {
        event: a.event.clone(),
        activity: meaning.activity,
        detail: meaning.detail.clone(),
        at: now,
    });
    let mut events = vec![hook_event(&rec, a, now, Some(&meaning))];
    if meaning.activity == Activity::WaitingInput
        && let Some(n) = needs_input(config, store, &rec, a, &payload, &meaning, now)
    {
        let sent = crate::notify::Dispatcher::new(config, store.root(), now)
            .push(store, &mut rec, n)
            .map_err(|e| e.to_string())?;
        events.extend(sent.into_iter().filter_map(|d| d.event));
    }
    store.save(&rec).map_err(|e| e.to_string())?;
    store.append(&events).map_err(|e| e.to_string())
}

/// Appends the prompt Claude Code took to the session's prompt log (0600), which
/// delivery reads to confirm a message (see `agent::PROMPT_LOG`). Best effort: the
/// transcript confirms too.
fn log_prompt(store: &Store, id: &SessionId, payload: &Value) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let Some(prompt) = payload.get("prompt").and_then(Value::as_str) else {
        return;
    };
    let Ok(rec) = store.find(id) else { return };
    let Ok(dir) = store.session_files(&rec.project, &rec.id) else {
        return;
    };
    let prompt = crate::sys::text::truncate_chars(prompt, 4096);
    // Wall clock, like the transcripts it is compared with (not a pinned AO_NOW).
    let at = jiff::Timestamp::now();
    let mut line = json!({"at": at, "prompt": prompt}).to_string();
    line.push('\n');
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join(agent::PROMPT_LOG));
    if let Ok(mut f) = file {
        // One write of one line: concurrent hooks do not interleave.
        let _ = f.write_all(line.as_bytes());
    }
}

fn hook_event(
    rec: &SessionRecord,
    a: &HookArgs,
    now: jiff::Timestamp,
    m: Option<&HookMeaning>,
) -> Event {
    let msg = match m {
        Some(m) => format!("{} {}: {}", a.agent, a.event, m.activity.as_str()),
        None => format!("{} {}", a.agent, a.event),
    };
    Event::new(now, EventKind::Hook(a.event.clone()), msg)
        .about(&rec.project, Some(rec.id.as_str()))
        .with(json!({
            "agent": a.agent,
            "activity": m.map(|m| m.activity.as_str()),
            "detail": m.map(|m| m.detail.as_str()),
        }))
}

/// The pane, classified by the agent (for hooks that do not say what they mean).
fn screen(config: &Config, rec: &SessionRecord, agent: &dyn Agent) -> Option<agent::ScreenMatch> {
    let h = rec.runtime.as_ref()?;
    let socket = crate::config::resolved::tmux_socket(config);
    let rt = crate::plugins::runtime::create(
        &h.plugin,
        &crate::plugins::PluginEnv::new(&crate::config::resolved::data_dir(config))
            .with_tmux(socket.as_deref()),
    )
    .ok()?;
    let text = rt.capture(h, 40).ok()?;
    agent.classify_screen(&text)
}

/// The "needs your input" notification, as the lifecycle decides it
/// ([`crate::lifecycle::hook_needs_input`]), given the transcript's length when the payload
/// names a transcript; `None` when the human was just told.
fn needs_input(
    config: &Config,
    store: &Store,
    rec: &SessionRecord,
    a: &HookArgs,
    payload: &Value,
    m: &HookMeaning,
    now: jiff::Timestamp,
) -> Option<Notification> {
    let transcript_len = payload
        .get("transcript_path")
        .and_then(Value::as_str)
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|md| md.len());
    let settings = crate::tick::settings(config, config.projects.get(&rec.project), store.root());
    crate::lifecycle::hook_needs_input(rec, &a.event, &m.detail, transcript_len, &settings, now)
}
