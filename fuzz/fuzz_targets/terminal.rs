//! Every built-in agent's terminal classifier, input-pending check and paste check over
//! arbitrary screen text (escape sequences, wide characters, partial lines): never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let screen = String::from_utf8_lossy(data);
    let cfg = ao::config::AgentConfig::default();
    let last = screen.lines().last().unwrap_or("");
    for name in ao::plugins::agent::BUILTIN {
        if let Ok(agent) = ao::plugins::agent::create(name, &ao::plugins::agent_env(&cfg)) {
            let _ = agent.classify_screen(&screen);
            let _ = agent.input_pending(last, "hello");
            let _ = agent.accepts_paste(&screen);
        }
    }
    let _ = ao::plugins::agent::detect::reset_time(&screen);
});
