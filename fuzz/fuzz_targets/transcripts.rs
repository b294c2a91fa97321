//! The transcript parsers (Claude Code's JSONL transcript, Codex's rollout) over arbitrary
//! text: never panic, and any activity they report carries bounded evidence.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for agent in ["claude-code", "codex"] {
        if let Some(fact) = ao::plugins::agent::transcript_activity_of(agent, &text) {
            assert!(fact.evidence.chars().count() <= 200);
        }
    }
});
