//! The config loader over arbitrary bytes: YAML parsing, `${VAR}` interpolation, schema
//! validation and the diagnostics (line:column, "did you mean") must never panic.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    let _ = ao::config::load_file_with_warnings(f.path());
});
