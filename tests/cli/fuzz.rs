//! Bounded random-input tests (stable Rust, run in CI) for the parsers that read untrusted
//! bytes: the config loader, the event-log reader, and every agent's terminal classifier.
//! They must never panic and must report bad input as errors. Raise the case count with
//! `PROPTEST_CASES=20000 cargo test --test cli fuzz`.

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
            if let Ok(agent) = ao::plugins::agent::create(name, &cfg) {
                let _ = agent.classify_screen(&screen);
            }
        }
    }
}
