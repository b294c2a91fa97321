//! The event-log reader over arbitrary bytes (torn tails, invalid UTF-8, garbage lines):
//! never panics, never reads past the end, and every line is either an event or counted
//! as skipped.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    let mut out = ao::store::events::ReadLog::default();
    let end = ao::store::events::read_from(f.path(), 0, &mut out).unwrap();
    assert!(end as usize <= data.len());
    let lines = data.iter().filter(|&&b| b == b'\n').count();
    assert!(out.events.len() + out.skipped.len() <= lines + 1);
    // Resuming from where the first read stopped finds nothing new.
    let mut again = ao::store::events::ReadLog::default();
    assert_eq!(
        ao::store::events::read_from(f.path(), end, &mut again).unwrap(),
        end
    );
    assert!(again.events.is_empty());
});
