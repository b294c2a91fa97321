//! Text that comes from GitHub and goes on to an agent or a terminal: Actions job logs
//! (excerpted), review comments (sanitised), error bodies (GitHub's message) and `Link`
//! headers. Never panic; results stay within their bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let excerpt = ao::plugins::scm::github::log_excerpt(data);
    assert!(!excerpt.contains('\u{1b}'));
    let text = String::from_utf8_lossy(data);
    let clean = ao::plugins::scm::github::sanitize_untrusted(&text, 500);
    assert!(clean.chars().count() <= 500);
    assert!(!clean.contains("<!--"));
    let _ = ao::sys::github::github_message(data);
    let _ = ao::sys::github::next_link(&text);
    let _ = ao::sys::github::redact_tokens(&text);
});
