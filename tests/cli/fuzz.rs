//! Bounded random-input tests (stable Rust, run in CI) for the parsers that read untrusted
//! bytes: the config loader, the event-log reader, the transcript parsers, every agent's
//! terminal classifier, and the GitHub text that reaches agents. They must never panic
//! and must report bad input as errors. Raise the case count with
//! `PROPTEST_CASES=20000 cargo test --test cli fuzz`. The same parsers have coverage-guided
//! `cargo fuzz` targets in `fuzz/` (run `fuzz/run`).

use proptest::prelude::*;

fn bytes_or_yamlish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "(projects:|  app:|    path: /tmp|reactions:|  ci-failed:|    escalate-after: [0-9a-z]{0,4}|\\$\\{[A-Z_:-]{0,8}\\}|notifiers:|  - x|\t|\"|'|&a|\\*a| ){0,40}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn config_loader_never_panics(input in bytes_or_yamlish()) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("agent-orchestrator.yaml");
        std::fs::write(&p, &input).unwrap();
        let _ = ao::config::load_file(&p);
    }

    #[test]
    fn event_log_reader_never_panics(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..20)) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("events.jsonl");
        let mut buf = Vec::new();
        for l in &lines {
            buf.extend_from_slice(l);
            buf.push(b'\n');
        }
        std::fs::write(&p, &buf).unwrap();
        let mut out = ao::store::events::ReadLog::default();
        let end = ao::store::events::read_from(&p, 0, &mut out).unwrap();
        prop_assert!(end as usize <= buf.len());
        let newlines = buf.iter().filter(|&&b| b == b'\n').count();
        prop_assert!(out.events.len() + out.skipped.len() <= newlines + 1);
    }

    #[test]
    fn terminal_classifiers_never_panic(screen in "(\\PC|\u{1b}\\[[0-9;]{0,6}m|\n|❯|─|✻|esc to interrupt|\\(Y\\)es/\\(N\\)o|Do you want to proceed\\?|limit reached · resets 3pm){0,60}") {
        let cfg = ao::config::AgentConfig::default();
        for name in ao::plugins::agent::BUILTIN {
            if let Ok(agent) = ao::plugins::agent::create(name, &ao::plugins::agent_env(&cfg)) {
                let _ = agent.classify_screen(&screen);
            }
        }
    }

    #[test]
    fn transcript_parsers_never_panic(lines in proptest::collection::vec(transcript_line(), 0..12)) {
        let text = lines.join("\n");
        for agent in ["claude-code", "codex"] {
            if let Some(f) = ao::plugins::agent::transcript_activity_of(agent, &text) {
                prop_assert!(f.evidence.chars().count() <= 200);
            }
        }
    }

    #[test]
    fn github_text_is_bounded_and_inert(raw in proptest::collection::vec(prop_oneof![
        any::<u8>(),
        Just(b'<'), Just(b'!'), Just(b'-'), Just(b'>'), Just(0x1b), Just(b'['), Just(b'\n'),
    ], 0..400)) {
        let excerpt = ao::plugins::scm::github::log_excerpt(&raw);
        prop_assert!(!excerpt.contains('\u{1b}'), "escape in {:?}", excerpt);
        let text = String::from_utf8_lossy(&raw);
        let clean = ao::plugins::scm::github::sanitize_untrusted(&text, 100);
        prop_assert!(clean.chars().count() <= 100);
        prop_assert!(!clean.contains("<!--"), "{:?}", clean);
        prop_assert!(!clean.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", clean);
    }
}

/// A transcript line: random bytes, or JSON shaped like Claude Code / Codex entries with
/// random values.
fn transcript_line() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        Just("assistant"),
        Just("user"),
        Just("system"),
        Just("result"),
        Just("event_msg"),
        Just("response_item"),
        Just("summary"),
    ];
    let sub = prop_oneof![
        Just("task_complete"),
        Just("agent_message"),
        Just("token_count"),
        Just("error"),
        Just("tool_use"),
        Just("text"),
        Just("api_error"),
    ];
    prop_oneof![
        "\\PC{0,80}",
        (ty, sub, "\\PC{0,40}", any::<bool>(), "[0-9T:.Z-]{0,24}").prop_map(
            |(t, s, text, side, ts)| {
                serde_json::json!({
                    "type": t, "isSidechain": side, "timestamp": ts,
                    "message": {"stop_reason": s, "content": [{"type": s, "text": text}]},
                    "payload": {"type": s, "message": text},
                    "isApiErrorMessage": side, "error": text,
                })
                .to_string()
            }
        ),
    ]
}
