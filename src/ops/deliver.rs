//! The single delivery routine (DESIGN §7), used by `ao send` and reactions alike. It owns
//! the policy; the runtime only pastes, presses keys and reads the cursor line.
//!
//! 1. Sanitise: strip control and escape bytes; long text, and multi-line text for an
//!    agent that does not take bracketed paste, goes to a file in the workspace's
//!    git-ignored `.ao/messages/` and the agent gets a one-line pointer.
//! 2. Look before typing: a dead or missing pane, a dialog (trust, permission, API key,
//!    sign-in), a limit screen or an exited agent means nothing is sent (`refused`, with
//!    what is on screen). An agent whose screen does not yet show it is up (still starting)
//!    is waited for up to `ready_wait`, because text typed into a starting program is lost.
//! 3. Paste into the exact pane (the runtime checks in the same step that the pane is alive
//!    and is the one ao started), then press the submit key separately.
//! 4. Confirm through the agent itself ([`Agent::took_message`]: Claude's hook log or
//!    transcript, Codex's rollout, aider's input history): `delivered` only when its record
//!    shows the message. Text left on the input line gets the submit key again (bounded,
//!    never into a dialog). An agent that keeps no record gives `unconfirmed`; a message
//!    that neither the record nor the screen shows is `undelivered`.
//! 5. Record the outcome as an event.
//!
//! The caller holds the session lock.

use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::context::Ctx;
use crate::model::{Activity, Delivery, EventKind, SessionRecord};
use crate::plugins::PluginError;
use crate::plugins::agent::{self, Agent, AgentContext, SentMessage};
use crate::plugins::runtime::Runtime;
use crate::store::Event;
use crate::sys::text::{strip_control, truncate_chars};

/// Messages longer than this go to a file; the agent is sent a pointer.
pub const LONG_MESSAGE_BYTES: usize = 4096;

/// Screen lines looked at before typing.
const SCREEN_LINES: u32 = 60;

/// Extra submit-key presses when the text still sits in the input line.
const SUBMIT_RETRIES: u32 = 3;

/// How long confirmation waits (fixed in ao; shorter in unit tests).
#[derive(Debug, Clone, Copy)]
struct Waits {
    /// Pause between paste and submit, and between confirmation checks.
    settle: Duration,
    /// How long a submitted message may take to show in the agent's record.
    confirm: Duration,
    /// How long an agent without a record gets to show its patterns' confirmation.
    screen_confirm: Duration,
}

const WAITS: Waits = Waits {
    settle: Duration::from_millis(150),
    confirm: Duration::from_secs(10),
    screen_confirm: Duration::from_secs(2),
};

/// Footer words of selection dialogs, matched in the last lines whatever the agent's
/// own rules say (Claude Code 2.1.328's unnumbered trust and API-key questions end in
/// "Enter to confirm · Esc to cancel"; Codex's trust screen in "Press enter to continue").
const DIALOG_FOOTERS: &[&str] = &[
    "enter to confirm",
    "esc to cancel",
    "press enter to continue",
];

/// How the caller wants to wait.
#[derive(Debug, Default)]
pub struct DeliverOptions {
    /// How long to wait for a starting agent to show it is up before refusing. Zero for
    /// the tick (it tries again next tick).
    pub ready_wait: Duration,
    /// The caller's session lock, released as soon as the message is submitted, so the
    /// agent's hooks (`ao hook` takes the same lock; Claude waits for its hooks) run
    /// while delivery waits for the confirmation. `None`: the caller keeps its lock for
    /// the whole call (the tick), and hooks wait at most the confirmation time.
    pub release_after_submit: Option<crate::store::FileLock>,
}

/// What happened to one message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryReport {
    /// `delivered`, `unconfirmed`, `undelivered` or `refused`.
    pub outcome: &'static str,
    /// Why it was not delivered (what was on screen), for undelivered and refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What confirms delivery to this agent.
    pub confirmed_by: &'static str,
    /// Bytes of the (sanitised) message.
    pub bytes: usize,
    /// File the message was written to, when it was long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<std::path::PathBuf>,
    /// The typed outcome.
    #[serde(skip)]
    pub delivery: Delivery,
    /// The new runtime handle, when the message started a new process (a headless
    /// agent's next turn). Already saved in the record; a caller holding its own copy of
    /// the record must take it over.
    #[serde(skip)]
    pub runtime: Option<crate::model::RuntimeHandle>,
}

/// Delivers `text` to the session's agent; `now` stamps its event. `reason` names the
/// sender in the event (`send`, a reaction key). `Err` only for bad input or a failure of
/// ao itself; every outcome of the attempt, including not sending, is in the report.
pub fn deliver(
    ctx: &Ctx,
    rec: &SessionRecord,
    text: &str,
    reason: &str,
    opts: DeliverOptions,
    now: jiff::Timestamp,
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
    let agent = agent::create(&rec.agent, &crate::plugins::agent_env(&agent_cfg))?;
    // A newline pasted into an agent without bracketed paste would submit early (a lone
    // CR too): such messages always go through a file.
    let multiline = clean.contains(['\n', '\r']);
    let to_file = clean.len() > LONG_MESSAGE_BYTES
        || clean.lines().count() > 40
        || (multiline && !agent.pastes_multiline());
    let (payload, file) = if to_file {
        let dir = rec.workspace.join(".ao").join("messages");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // A unique file name, not a time stamp: read fresh for every message.
        let name = format!("{}.md", crate::clock::now().as_millisecond());
        let path = dir.join(&name);
        crate::sys::atomic::write(&path, clean.as_bytes())
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
    let paths = super::AgentPaths::of(ctx, rec)?;
    let actx = paths.context(rec, &agent_cfg, now);
    let rt = super::runtime_for(ctx, rec)?;
    let mut new_handle = None;
    let outcome = match agent.message_plan(&actx, &payload) {
        // A headless agent: the message is the prompt of its next turn.
        Some(plan) => {
            let lock = opts.release_after_submit;
            let r = new_turn(
                ctx,
                rec,
                rt.as_ref(),
                handle,
                plan,
                &paths.files,
                &paths.prompt,
                opts.ready_wait,
            );
            let r = r.map(|(d, h)| {
                new_handle = h;
                d
            });
            if let Some(h) = &new_handle {
                let mut updated = rec.clone();
                updated.runtime = Some(h.clone());
                ctx.store.save(&updated)?;
            }
            drop(lock);
            r
        }
        None => attempt(rt.as_ref(), handle, agent.as_ref(), &actx, &payload, opts),
    };
    let report = DeliveryReport {
        outcome: outcome.as_ref().map_or("failed", Delivery::as_str),
        reason: outcome
            .as_ref()
            .ok()
            .and_then(|d| d.reason().map(str::to_owned)),
        confirmed_by: agent.confirmed_by(),
        bytes: clean.len(),
        file: file.clone(),
        delivery: outcome.as_ref().map_or(
            Delivery::Undelivered(String::new()),
            std::clone::Clone::clone,
        ),
        runtime: new_handle,
    };
    let (kind, msg) = match &outcome {
        Ok(d) if d.sent() => (
            EventKind::MessageSent,
            format!("message {} ({} bytes, {reason})", d.as_str(), clean.len()),
        ),
        Ok(d) => (
            if matches!(d, Delivery::Refused(_)) {
                EventKind::MessageRefused
            } else {
                EventKind::MessageUndelivered
            },
            format!(
                "message {} ({reason}): {}",
                d.as_str(),
                d.reason().unwrap_or("")
            ),
        ),
        Err(e) => (
            EventKind::MessageFailed,
            format!("message not delivered ({reason}): {e}"),
        ),
    };
    ctx.store.event(
        Event::new(now, kind, msg)
            .about(&rec.project, Some(rec.id.as_str()))
            .with(serde_json::json!({
                "reason": reason, "bytes": clean.len(), "outcome": report.outcome,
                "why": report.reason, "file": file,
            })),
    )?;
    outcome.with_context(|| format!("cannot deliver the message to {}", rec.id))?;
    Ok(report)
}

/// Waits, up to `timeout`, until the session's agent is past its start-up (its screen
/// shows it is up, or shows something that closes the gate for good, such as a dialog).
/// Takes no lock: call it before taking the session lock, because the agent's own hooks
/// (`ao hook`) take that lock and a starting agent runs them.
pub fn wait_started(ctx: &Ctx, rec: &SessionRecord, timeout: Duration) -> anyhow::Result<()> {
    let Some(handle) = rec.runtime.as_ref() else {
        return Ok(());
    };
    let project = ctx.config.projects.get(&rec.project);
    let agent_cfg = project.map(|p| p.agent_config.clone()).unwrap_or_default();
    let agent = agent::create(&rec.agent, &crate::plugins::agent_env(&agent_cfg))?;
    let rt = super::runtime_for(ctx, rec)?;
    let end = Instant::now() + timeout;
    let mut waited = false;
    while Instant::now() < end {
        if !matches!(
            gate(rt.as_ref(), handle, agent.as_ref())?,
            Gate::Starting(_)
        ) {
            if !waited {
                return Ok(());
            }
            // Just came up: it is still taking its task prompt (and running the hooks
            // for it); a message typed in that moment may be queued unrecorded.
            std::thread::sleep(STARTED_SETTLE);
            waited = false;
            continue;
        }
        waited = true;
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(())
}

/// How long an agent that was just seen coming up is left to settle before typing.
const STARTED_SETTLE: Duration = Duration::from_secs(3);

/// The start of a message as a screen would show it, to look for it there.
fn probe_of(payload: &str) -> String {
    let first = payload.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    first.trim().chars().take(40).collect()
}

/// What the screen allows before typing.
#[derive(Debug, PartialEq, Eq)]
enum Gate {
    /// Safe to type.
    Open,
    /// Not yet: the agent is still starting. Worth waiting for.
    Starting(String),
    /// Never type now: a dialog, a limit, an exited agent, a dead or missing pane.
    Closed(String),
}

/// The first non-empty line of `screen` from the bottom, shortened, for messages.
fn last_line(screen: &str) -> String {
    let line = screen
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        "a blank screen".to_owned()
    } else {
        format!("\"{}\"", truncate_chars(line, 120))
    }
}

/// A selection dialog by its footer, in the last lines of `screen`.
fn dialog_footer(screen: &str) -> Option<&str> {
    screen
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(6)
        .find(|l| {
            let lower = l.to_lowercase();
            DIALOG_FOOTERS.iter().any(|f| lower.contains(f))
        })
}

/// Decides from the agent's screen whether typing is safe (pure, for tests).
fn gate_of(agent: &dyn Agent, screen: &str) -> Gate {
    if let Some(footer) = dialog_footer(screen) {
        return Gate::Closed(format!(
            "a dialog is on screen (\"{}\"); answer it with `ao open`",
            truncate_chars(footer, 120)
        ));
    }
    match agent.classify_screen(screen) {
        Some(m) => match m.activity {
            Activity::WaitingInput => Gate::Closed(format!(
                "the agent is waiting for an answer on screen (\"{}\"); answer it with `ao open`",
                truncate_chars(&m.evidence, 160)
            )),
            Activity::Blocked => Gate::Closed(format!(
                "the agent is blocked (\"{}\")",
                truncate_chars(&m.evidence, 160)
            )),
            Activity::Exited => Gate::Closed(format!(
                "the agent has exited (\"{}\")",
                truncate_chars(&m.evidence, 160)
            )),
            _ if !agent.accepts_paste(screen) => Gate::Closed(format!(
                "the agent's screen does not take input now (\"{}\")",
                truncate_chars(&m.evidence, 160)
            )),
            _ => Gate::Open,
        },
        None if agent.knows_ready_screen() => Gate::Starting(format!(
            "the agent is not ready for input yet (the screen shows {})",
            last_line(screen)
        )),
        None => Gate::Open,
    }
}

/// The gate for the live pane: a dead or missing runtime closes it before the screen is
/// even read.
fn gate(
    rt: &dyn Runtime,
    handle: &crate::model::RuntimeHandle,
    agent: &dyn Agent,
) -> Result<Gate, PluginError> {
    let probe = rt.probe(&[handle])?;
    match probe.get(&handle.target) {
        Some(p) if !p.exists => {
            return Ok(Gate::Closed(format!(
                "the agent's runtime `{}` is gone, or is not the one ao started (another pid there); refusing to type into it",
                handle.target
            )));
        }
        Some(p) if p.agent_exited => {
            return Ok(Gate::Closed(format!(
                "the agent has exited{} (its pane is dead); restore it with `ao session restore`",
                p.exit_description()
                    .map_or(String::new(), |d| format!(" with {d}"))
            )));
        }
        _ => {}
    }
    match rt.capture(handle, SCREEN_LINES) {
        Ok(screen) => Ok(gate_of(agent, &screen)),
        Err(PluginError::NotFound(m)) => Ok(Gate::Closed(m)),
        Err(e) => Err(e),
    }
}

/// Delivery to a headless agent ([`Agent::message_plan`]): once the running turn has
/// ended (waiting up to `ready_wait` for it), the message starts the next turn as a new
/// process in the same runtime, resuming the conversation. Refused while a turn runs.
#[allow(clippy::too_many_arguments)]
fn new_turn(
    ctx: &Ctx,
    rec: &SessionRecord,
    rt: &dyn Runtime,
    handle: &crate::model::RuntimeHandle,
    plan: Result<agent::LaunchPlan, PluginError>,
    files: &std::path::Path,
    prompt: &std::path::Path,
    ready_wait: Duration,
) -> Result<(Delivery, Option<crate::model::RuntimeHandle>), PluginError> {
    let plan = plan?;
    let ready_by = Instant::now() + ready_wait;
    loop {
        let probe = rt.probe(&[handle])?;
        let running = probe
            .get(&handle.target)
            .is_some_and(|p| p.exists && !p.agent_exited);
        if !running {
            break;
        }
        if Instant::now() >= ready_by {
            return Ok((
                Delivery::Refused(
                    "the agent is still on its turn; a message to a headless agent starts its next turn once this one has ended".into(),
                ),
                None,
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let host = rec
        .runtime
        .as_ref()
        .and_then(|h| h.remote.as_ref())
        .map(|r| r.host.as_str());
    let h =
        super::run_plan(ctx, rec, rt, files, prompt, &plan, host).map_err(PluginError::Other)?;
    Ok((Delivery::Delivered, Some(h)))
}

/// One delivery attempt: gate, paste, submit, confirm.
fn attempt(
    rt: &dyn Runtime,
    handle: &crate::model::RuntimeHandle,
    agent: &dyn Agent,
    actx: &AgentContext<'_>,
    payload: &str,
    opts: DeliverOptions,
) -> Result<Delivery, PluginError> {
    // A runtime without a terminal (a plain process) says so rather than "refused".
    if let Err(e @ PluginError::Unsupported(_)) = rt.cursor_line(handle) {
        return Err(e);
    }
    let ready_by = Instant::now() + opts.ready_wait;
    loop {
        match gate(rt, handle, agent)? {
            Gate::Open => break,
            Gate::Closed(why) => return Ok(Delivery::Refused(why)),
            Gate::Starting(why) if Instant::now() >= ready_by => {
                return Ok(Delivery::Refused(why));
            }
            Gate::Starting(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
    // Wall clock, like the agents' records it is compared with.
    let since = jiff::Timestamp::now();
    match rt.paste(handle, payload) {
        Ok(()) => {}
        Err(PluginError::Refused(m) | PluginError::NotFound(m)) => {
            return Ok(Delivery::Refused(m));
        }
        Err(e) => return Err(e),
    }
    std::thread::sleep(WAITS.settle);
    let key = agent.submit_key();
    match rt.send_key(handle, key) {
        Ok(()) => {}
        Err(PluginError::Refused(m) | PluginError::NotFound(m)) => {
            return Ok(Delivery::Undelivered(format!(
                "pasted, but not submitted: {m}"
            )));
        }
        Err(e) => return Err(e),
    }
    drop(opts.release_after_submit);
    confirm(rt, handle, agent, actx, payload, since, WAITS)
}

/// Waits for the agent's own record to show the message, pressing the submit key again
/// (bounded, never into a dialog) while the text still sits in the input line.
fn confirm(
    rt: &dyn Runtime,
    handle: &crate::model::RuntimeHandle,
    agent: &dyn Agent,
    actx: &AgentContext<'_>,
    payload: &str,
    since: jiff::Timestamp,
    w: Waits,
) -> Result<Delivery, PluginError> {
    let start = Instant::now();
    let mut retries = 0;
    let mut screen = String::new();
    let mut pending;
    loop {
        std::thread::sleep(w.settle);
        screen = rt.capture(handle, SCREEN_LINES).unwrap_or(screen);
        let msg = SentMessage {
            text: payload,
            since,
            screen: &screen,
        };
        let took = agent.took_message(actx, &msg);
        if took == Some(true) {
            return Ok(Delivery::Delivered);
        }
        let line = rt.cursor_line(handle).unwrap_or_default();
        pending = agent.input_pending(&line, payload);
        let waited = start.elapsed();
        if pending && retries < SUBMIT_RETRIES && waited >= w.settle * 2 {
            // Only into the input line: a dialog that appeared meanwhile keeps its choice.
            if gate_of(agent, &screen) != Gate::Open && agent.knows_ready_screen() {
                break;
            }
            retries += 1;
            match rt.send_key(handle, agent.submit_key()) {
                Ok(()) => {}
                Err(PluginError::Refused(m) | PluginError::NotFound(m)) => {
                    return Ok(Delivery::Undelivered(format!(
                        "pasted, but not submitted: {m}"
                    )));
                }
                Err(e) => return Err(e),
            }
            continue;
        }
        let limit = match took {
            None => w.screen_confirm,
            // Queued on screen behind a turn: its record may take longer.
            Some(_) if screen.contains(probe_of(payload).as_str()) => w.confirm * 2,
            Some(_) => w.confirm,
        };
        if waited >= limit {
            break;
        }
    }
    let by = agent.confirmed_by();
    if pending {
        return Ok(Delivery::Undelivered(format!(
            "the message still sits in the agent's input line after {SUBMIT_RETRIES} more presses of {}",
            agent.submit_key()
        )));
    }
    let shown = screen.contains(probe_of(payload).as_str());
    let msg = SentMessage {
        text: payload,
        since,
        screen: &screen,
    };
    match agent.took_message(actx, &msg) {
        Some(true) => Ok(Delivery::Delivered),
        None => Ok(Delivery::Unconfirmed),
        // Shown on screen (queued behind a turn, say) but not yet in the record.
        Some(false) if shown => Ok(Delivery::Unconfirmed),
        Some(false) => Ok(Delivery::Undelivered(format!(
            "the agent never took it: its {by} does not show the message after {:.0}s, nor does its screen ({})",
            w.confirm.as_secs_f32(),
            last_line(&screen)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;
    use crate::config::{AgentConfig, AgentPatterns};
    use crate::model::RuntimeHandle;
    use crate::plugins::agent::{LaunchPlan, ScreenMatch};
    use crate::plugins::runtime::{LaunchSpec, Probe};

    /// A terminal whose input line keeps the pasted text until the submit key has been
    /// pressed `swallow` + 1 times.
    #[derive(Debug, Default)]
    struct FakeTerm {
        swallow: u32,
        screen: String,
        state: Mutex<(String, u32)>,
    }

    impl Runtime for FakeTerm {
        fn name(&self) -> &'static str {
            "fake"
        }
        fn create(&self, _: &LaunchSpec) -> Result<RuntimeHandle, PluginError> {
            Err(PluginError::Unsupported(
                "the delivery tests' terminal starts no sessions".into(),
            ))
        }
        fn destroy(&self, _: &RuntimeHandle) -> Result<(), PluginError> {
            Ok(())
        }
        fn probe(&self, h: &[&RuntimeHandle]) -> Result<BTreeMap<String, Probe>, PluginError> {
            Ok(h.iter()
                .map(|h| {
                    let p = Probe {
                        exists: true,
                        agent_exited: false,
                        pid: None,
                        command: String::new(),
                        activity_time: None,
                        exit_status: None,
                        exit_signal: None,
                    };
                    (h.target.clone(), p)
                })
                .collect())
        }
        fn capture(&self, _: &RuntimeHandle, _: u32) -> Result<String, PluginError> {
            Ok(self.screen.clone())
        }
        fn paste(&self, _: &RuntimeHandle, text: &str) -> Result<(), PluginError> {
            self.state.lock().unwrap().0 = text.to_owned();
            Ok(())
        }
        fn send_key(&self, _: &RuntimeHandle, _: &str) -> Result<(), PluginError> {
            let mut st = self.state.lock().unwrap();
            st.1 += 1;
            if st.1 > self.swallow {
                st.0.clear();
            }
            Ok(())
        }
        fn cursor_line(&self, _: &RuntimeHandle) -> Result<String, PluginError> {
            Ok(format!("> {}", self.state.lock().unwrap().0))
        }
        fn attach_argv(&self, _: &RuntimeHandle) -> Option<Vec<String>> {
            None
        }
    }

    /// An agent whose record answers `record` once the text left the input line.
    #[derive(Debug)]
    struct FakeAgent {
        record: Option<bool>,
    }

    impl Agent for FakeAgent {
        fn name(&self) -> &'static str {
            "fake"
        }
        fn launch(&self, _: &AgentContext<'_>) -> Result<LaunchPlan, PluginError> {
            Err(PluginError::Unsupported(
                "the delivery tests' agent is never launched".into(),
            ))
        }
        fn process_names(&self) -> Vec<String> {
            Vec::new()
        }
        fn classify_screen(&self, _: &str) -> Option<ScreenMatch> {
            None
        }
        fn knows_ready_screen(&self) -> bool {
            false
        }
        fn took_message(&self, _: &AgentContext<'_>, _: &SentMessage<'_>) -> Option<bool> {
            self.record
        }
    }

    fn run(term: &FakeTerm, record: Option<bool>) -> Delivery {
        let cfg = AgentConfig::default();
        let actx = AgentContext {
            session: "app-1",
            project: "app",
            workspace: std::path::Path::new("/w"),
            prompt_file: std::path::Path::new("/p"),
            session_dir: std::path::Path::new("/s"),
            agent_session_id: None,
            config: &cfg,
            ao_bin: std::path::Path::new("ao"),
            now: jiff::Timestamp::now(),
        };
        let h = RuntimeHandle {
            plugin: "fake".into(),
            target: "app-1".into(),
            pid: None,
            pid_start: None,
            log: None,
            remote: None,
        };
        let agent = FakeAgent { record };
        term.paste(&h, "fix the failing test").unwrap();
        term.send_key(&h, "Enter").unwrap();
        let w = Waits {
            settle: Duration::from_millis(5),
            confirm: Duration::from_millis(200),
            screen_confirm: Duration::from_millis(50),
        };
        confirm(
            term,
            &h,
            &agent,
            &actx,
            "fix the failing test",
            jiff::Timestamp::now(),
            w,
        )
        .unwrap()
    }

    #[test]
    fn confirmation_comes_from_the_agents_record() {
        assert_eq!(run(&FakeTerm::default(), Some(true)), Delivery::Delivered);
        // No record ao reads: at best unconfirmed.
        assert_eq!(run(&FakeTerm::default(), None), Delivery::Unconfirmed);
        // A record that never shows it, and a screen that does not either: never taken.
        match run(&FakeTerm::default(), Some(false)) {
            Delivery::Undelivered(why) => assert!(why.contains("never took it"), "{why}"),
            d => panic!("{d:?}"),
        }
        // Shown on screen (queued) but not yet in the record: unconfirmed.
        let queued = FakeTerm {
            screen: "> fix the failing test\n  Queued\n".into(),
            ..FakeTerm::default()
        };
        assert_eq!(run(&queued, Some(false)), Delivery::Unconfirmed);
    }

    #[test]
    fn text_left_in_the_input_line_gets_the_key_again_bounded() {
        // Swallows the first Enter: the second press submits it.
        let t = FakeTerm {
            swallow: 1,
            ..FakeTerm::default()
        };
        assert_eq!(run(&t, None), Delivery::Unconfirmed);
        assert_eq!(t.state.lock().unwrap().1, 2);
        // Never submits: reported, after a bounded number of presses.
        let stuck = FakeTerm {
            swallow: 99,
            ..FakeTerm::default()
        };
        match run(&stuck, Some(false)) {
            Delivery::Undelivered(why) => assert!(why.contains("input line"), "{why}"),
            d => panic!("{d:?}"),
        }
        assert_eq!(stuck.state.lock().unwrap().1, 1 + SUBMIT_RETRIES);
    }

    /// Claude Code 2.1.328's workspace-trust question, as drawn offline in tmux.
    const TRUST_2_1_328: &str = " Accessing workspace:\n /tmp/dlv/ws\n Quick safety check: Is this a project you created or one you trust?\n ❯ No, exit\n   Yes, I trust this folder\n Enter to confirm · Esc to cancel\n";

    #[test]
    fn dialogs_close_the_gate_whatever_the_agent_rules_say() {
        let claude = agent::create(
            "claude-code",
            &crate::plugins::agent_env(&AgentConfig::default()),
        )
        .unwrap();
        match gate_of(claude.as_ref(), TRUST_2_1_328) {
            Gate::Closed(why) => assert!(why.contains("Esc to cancel"), "{why}"),
            g => panic!("{g:?}"),
        }
        // A blank screen is a starting agent: wait, do not type.
        assert!(matches!(
            gate_of(claude.as_ref(), "\n\n"),
            Gate::Starting(_)
        ));
    }

    #[test]
    fn a_custom_agent_without_patterns_is_typed_into_unless_a_dialog_shows() {
        let plain = agent::create(
            "custom",
            &crate::plugins::agent_env(&AgentConfig::default()),
        )
        .unwrap();
        assert_eq!(gate_of(plain.as_ref(), "anything\n"), Gate::Open);
        assert!(matches!(
            gate_of(plain.as_ref(), "Continue? Press Enter to continue\n"),
            Gate::Closed(_)
        ));
        let cfg = AgentConfig {
            patterns: Some(AgentPatterns {
                waiting_input: vec!["Proceed? [y/N]".into()],
                ready: vec!["$ ".into()],
                ..AgentPatterns::default()
            }),
            ..AgentConfig::default()
        };
        let custom = agent::create("custom", &crate::plugins::agent_env(&cfg)).unwrap();
        assert!(matches!(
            gate_of(custom.as_ref(), "Proceed? [y/N]\n"),
            Gate::Closed(_)
        ));
        assert!(matches!(
            gate_of(custom.as_ref(), "booting\n"),
            Gate::Starting(_)
        ));
    }
}
