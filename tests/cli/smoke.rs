//! Smoke tests: the binary runs, help and version work, usage errors exit 2.

use crate::common::TestEnv;

#[test]
fn version_and_help() {
    let env = TestEnv::new();
    let v = env.ao(&["--version"]).ok();
    assert!(v.stdout.starts_with("ao "), "{v}");
    env.ao(&["--help"]).ok();
}

#[test]
fn unknown_subcommand_is_usage_error() {
    let env = TestEnv::new();
    env.ao(&["frobnicate"]).code(2);
}
