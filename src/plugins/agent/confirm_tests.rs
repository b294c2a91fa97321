//! Delivery confirmation through the agents' own records ([`Agent::took_message`]):
//! Claude Code's hook log and transcript (lines captured from Claude Code 2.1.328),
//! Codex's rollout, aider's input history, OpenCode's SQLite storage (schema and rows of
//! OpenCode 1.18.33), a custom agent's `working` pattern.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::config::AgentPatterns;

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn msg<'a>(text: &'a str, since: &str) -> SentMessage<'a> {
    SentMessage {
        text,
        since: at(since),
        screen: "",
    }
}

#[test]
fn claude_transcript_shows_submitted_and_queued_prompts() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/agents/claude-code/transcript-prompt-and-queued-2.1.328.jsonl"),
    )
    .unwrap();
    let lines = detect::json_lines(&text);
    let has = |t: &str, since: &str| claude_code::transcript_has(&lines, &msg(t, since));
    // A submitted prompt (a `user` entry) and one typed while Claude worked (queued).
    assert!(has("hello there", "2026-12-05T16:05:29Z"));
    assert!(has("second message xyz", "2026-12-05T16:05:50Z"));
    // Whitespace differences do not matter; other text or older entries do.
    assert!(has("second   message\nxyz", "2026-12-05T16:05:50Z"));
    assert!(!has("third message", "2026-12-05T16:05:00Z"));
    assert!(!has("hello there", "2026-12-05T16:06:00Z"));
}

#[test]
fn claude_hook_log_confirms() {
    let d = tempfile::tempdir().unwrap();
    let cfg = crate::config::AgentConfig {
        env: [(
            "CLAUDE_CONFIG_DIR".to_owned(),
            d.path().join("none").display().to_string(),
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let ctx = AgentContext {
        now: jiff::Timestamp::now(),
        session: "app-1",
        project: "app",
        workspace: d.path(),
        prompt_file: &d.path().join("p"),
        session_dir: d.path(),
        agent_session_id: Some("11111111-2222-4333-8444-555555555555"),
        config: &cfg,
        ao_bin: Path::new("ao"),
    };
    let m = msg("CI is failing", "2026-12-05T16:05:00Z");
    // No log, no transcript: Claude keeps a record, and it does not show the message.
    assert_eq!(ClaudeCode.took_message(&ctx, &m), Some(false));
    let line =
        json!({"at": "2026-12-05T16:05:01Z", "prompt": "CI is failing\n\nFailing checks: test"});
    std::fs::write(d.path().join(PROMPT_LOG), format!("{line}\n")).unwrap();
    assert_eq!(ClaudeCode.took_message(&ctx, &m), Some(true));
    let later = msg("CI is failing", "2026-12-05T16:06:00Z");
    assert_eq!(ClaudeCode.took_message(&ctx, &later), Some(false));
}

#[test]
fn codex_rollout_shows_user_messages() {
    let lines = vec![
        json!({"timestamp": "2026-12-05T16:05:01.000Z", "type": "event_msg",
               "payload": {"type": "user_message", "message": "fix the tests"}}),
        json!({"timestamp": "2026-12-05T16:05:02.000Z", "type": "response_item",
               "payload": {"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "and the lint"}]}}),
        json!({"timestamp": "2026-12-05T16:05:03.000Z", "type": "response_item",
               "payload": {"type": "message", "role": "assistant",
                           "content": [{"type": "output_text", "text": "the docs too"}]}}),
    ];
    let has = |t: &str| codex::rollout_has(&lines, &msg(t, "2026-12-05T16:05:00Z"));
    assert!(has("fix the tests"));
    assert!(has("and the lint"));
    assert!(
        !has("the docs too"),
        "the assistant's words are not the user's"
    );
    assert!(!codex::rollout_has(
        &lines,
        &msg("fix the tests", "2026-12-05T16:10:00Z")
    ));
}

#[test]
fn aider_input_history_entries_since_the_send() {
    // prompt_toolkit's FileHistory format, as aider 0.86 writes it (local times).
    let text = "\n# 2026-12-05 16:05:01.123456\n+/code the task\n\n# 2026-12-05 16:07:00.000001\n+CI is failing\n+\n+Failing checks: test\n";
    let tz = jiff::tz::TimeZone::UTC;
    let has = |t: &str, since: &str| aider::history_has(text, &msg(t, since), &tz);
    assert!(has(
        "CI is failing\n\nFailing checks: test",
        "2026-12-05T16:06:59Z"
    ));
    assert!(has("/code the task", "2026-12-05T16:05:00Z"));
    assert!(
        !has("/code the task", "2026-12-05T16:06:00Z"),
        "older than the send"
    );
    assert!(!has("something else", "2026-12-05T16:00:00Z"));
}

#[test]
fn custom_agents_confirm_only_through_their_working_pattern() {
    let d = tempfile::tempdir().unwrap();
    let plain_cfg = crate::config::AgentConfig::default();
    let ctx = |cfg| AgentContext {
        now: jiff::Timestamp::now(),
        session: "app-1",
        project: "app",
        workspace: d.path(),
        prompt_file: Path::new("/p"),
        session_dir: d.path(),
        agent_session_id: None,
        config: cfg,
        ao_bin: Path::new("ao"),
    };
    let screen = SentMessage {
        text: "hi",
        since: at("2026-12-05T16:05:00Z"),
        screen: "hi\nthinking hard...\n",
    };
    assert_eq!(
        Custom::new(&plain_cfg).took_message(&ctx(&plain_cfg), &screen),
        None
    );
    assert!(!Custom::new(&plain_cfg).knows_ready_screen());
    let cfg = crate::config::AgentConfig {
        patterns: Some(AgentPatterns {
            working: vec!["thinking".into()],
            ready: vec!["$ ".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let custom = Custom::new(&cfg);
    assert_eq!(custom.took_message(&ctx(&cfg), &screen), Some(true));
    let idle = SentMessage {
        screen: "hi\n$ ",
        ..screen
    };
    assert_eq!(custom.took_message(&ctx(&cfg), &idle), None);
    assert!(custom.knows_ready_screen());
}

#[test]
fn opencode_storage_shows_the_users_text_parts() {
    if crate::sys::cmd::Cmd::new("sqlite3")
        .arg("-version")
        .read()
        .is_err()
    {
        eprintln!("skipped: sqlite3 is not installed");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    std::fs::create_dir_all(data.join("opencode")).unwrap();
    let db = data.join("opencode/opencode.db");
    // The tables and columns OpenCode 1.18.33 creates (subset), with its rows for a task
    // prompt in /w/app-1: a user message and its text part, an assistant message.
    let sql = r#"
CREATE TABLE session (id text PRIMARY KEY, directory text NOT NULL);
CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL, data text NOT NULL);
CREATE TABLE part (id text PRIMARY KEY, message_id text NOT NULL, session_id text NOT NULL, time_created integer NOT NULL, data text NOT NULL);
INSERT INTO session VALUES ('ses_1', '/w/app-1'), ('ses_2', '/w/app-2');
INSERT INTO message VALUES ('msg_u', 'ses_1', 1796488407666, '{"role":"user","time":{"created":1796488407666},"agent":"build"}');
INSERT INTO message VALUES ('msg_a', 'ses_1', 1796488407955, '{"role":"assistant","mode":"build"}');
INSERT INTO message VALUES ('msg_o', 'ses_2', 1796488407666, '{"role":"user"}');
INSERT INTO part VALUES ('prt_1', 'msg_u', 'ses_1', 1796488407757, '{"type":"text","text":"CI is failing: fix test"}');
INSERT INTO part VALUES ('prt_2', 'msg_a', 'ses_1', 1796488408000, '{"type":"text","text":"the reply"}');
INSERT INTO part VALUES ('prt_3', 'msg_o', 'ses_2', 1796488407757, '{"type":"text","text":"other session"}');
"#;
    crate::sys::cmd::Cmd::new("sqlite3")
        .arg(&db)
        .stdin(sql.as_bytes().to_vec())
        .run()
        .unwrap();
    let cfg = crate::config::AgentConfig {
        env: [("XDG_DATA_HOME".to_owned(), data.display().to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let ctx = AgentContext {
        now: jiff::Timestamp::now(),
        session: "app-1",
        project: "app",
        workspace: Path::new("/w/app-1"),
        prompt_file: Path::new("/p"),
        session_dir: d.path(),
        agent_session_id: None,
        config: &cfg,
        ao_bin: Path::new("ao"),
    };
    // 1796488407757 ms = 2026-12-05T16:33:27.757Z
    let since = "2026-12-05T16:33:27Z";
    assert_eq!(
        OpenCode.took_message(&ctx, &msg("CI is failing: fix test", since)),
        Some(true)
    );
    assert_eq!(
        OpenCode.took_message(&ctx, &msg("the reply", since)),
        Some(false)
    );
    assert_eq!(
        OpenCode.took_message(&ctx, &msg("other session", since)),
        Some(false)
    );
    assert_eq!(
        OpenCode.took_message(
            &ctx,
            &msg("CI is failing: fix test", "2026-12-05T16:40:00Z")
        ),
        Some(false)
    );
    // No database: no record ao can read.
    let none = crate::config::AgentConfig {
        env: [(
            "XDG_DATA_HOME".to_owned(),
            d.path().join("nope").display().to_string(),
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let ctx2 = AgentContext {
        config: &none,
        ..ctx
    };
    assert_eq!(OpenCode.took_message(&ctx2, &msg("x", since)), None);
}
