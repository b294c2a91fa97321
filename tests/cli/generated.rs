//! The committed `man/` and `completions/` must equal what `ao util man` and
//! `ao util completions` generate from the current clap definitions. To regenerate them:
//!
//! ```text
//! AO_UPDATE_GENERATED=1 cargo test --test cli generated
//! ```
//!
//! Also checks that `man -l man/ao.1` renders (skipped when `man` is not installed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;

/// Shells and the file each one's completions are committed as (clap_complete's names).
const SHELLS: [(&str, &str); 5] = [
    ("bash", "ao.bash"),
    ("zsh", "_ao"),
    ("fish", "ao.fish"),
    ("elvish", "ao.elv"),
    ("powershell", "_ao.ps1"),
];

const HOW: &str = "regenerate with `AO_UPDATE_GENERATED=1 cargo test --test cli generated`";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn update() -> bool {
    std::env::var_os("AO_UPDATE_GENERATED").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Files directly in `dir` whose name passes `keep`, by name.
fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Vec<u8>> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    rd.map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            keep(&name).then(|| (name, std::fs::read(e.path()).unwrap()))
        })
        .collect()
}

/// Makes `dir` hold exactly `want` among the files `keep` selects.
fn rewrite(dir: &Path, want: &BTreeMap<String, Vec<u8>>, keep: impl Fn(&str) -> bool) {
    std::fs::create_dir_all(dir).unwrap();
    for name in files(dir, &keep).keys() {
        if !want.contains_key(name) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
    }
    for (name, bytes) in want {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    eprintln!("rewrote {}", dir.display());
}

#[track_caller]
fn compare(what: &str, dir: &Path, want: &BTreeMap<String, Vec<u8>>, keep: impl Fn(&str) -> bool) {
    if update() {
        rewrite(dir, want, keep);
        return;
    }
    let have = files(dir, keep);
    let missing: Vec<&String> = want.keys().filter(|k| !have.contains_key(*k)).collect();
    let stale: Vec<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
    let changed: Vec<&String> = want
        .iter()
        .filter(|(k, v)| have.get(*k).is_some_and(|h| h != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty() && changed.is_empty(),
        "committed {what} in {} are out of date (missing: {missing:?}, stale: {stale:?}, changed: {changed:?}); {HOW}",
        dir.display()
    );
}

fn is_man_page(name: &str) -> bool {
    name.ends_with(".1")
}

#[test]
fn generated_man_pages_are_up_to_date() {
    let env = TestEnv::new();
    let out = env.root().join("man");
    let dir = out.display().to_string();
    env.ao(&["util", "man", &dir]).ok();
    let want = files(&out, is_man_page);
    assert!(want.contains_key("ao.1"), "no ao.1 generated");
    assert!(want.contains_key("ao-tick.1"), "no page per subcommand");
    assert!(
        want.values().all(|p| p.windows(4).any(|w| w == b".TH ")),
        "every page has a .TH title line"
    );
    compare("man pages", &repo().join("man"), &want, is_man_page);
}

#[test]
fn generated_completions_are_up_to_date() {
    let env = TestEnv::new();
    let mut want = BTreeMap::new();
    for (shell, file) in SHELLS {
        let run = env.ao(&["util", "completions", shell]).ok();
        assert!(
            run.stdout.contains("tick"),
            "{shell} completions lack `tick`"
        );
        want.insert(file.to_owned(), run.stdout.into_bytes());
    }
    let names: Vec<&str> = SHELLS.iter().map(|(_, f)| *f).collect();
    compare("completions", &repo().join("completions"), &want, |n| {
        names.contains(&n)
    });
}

#[test]
fn generated_bad_shell_is_a_usage_error() {
    TestEnv::new().ao(&["util", "completions", "tcsh"]).code(2);
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

#[test]
fn generated_man_page_renders() {
    if which("man").is_none() {
        eprintln!("SKIPPED: `man` is not installed; cannot check that man/ao.1 renders");
        return;
    }
    // Render a freshly generated page, so this test does not depend on the other one.
    let env = TestEnv::new();
    let out = env.root().join("man");
    env.ao(&["util", "man", &out.display().to_string()]).ok();
    let o = Command::new("man")
        .arg("-l")
        .arg(out.join("ao.1"))
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    // Undo overstrike formatting (`N\bN` = bold N) should man emit it.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&o.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(
        o.status.success(),
        "man failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(
            text.contains(section),
            "no {section} in rendered page:\n{text}"
        );
    }
    assert!(text.contains("doctor"), "subcommands listed:\n{text}");
}
