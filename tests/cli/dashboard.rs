//! `ao dashboard`: rendered from a fixture data dir with sessions in every attention zone,
//! checked as text and then in real headless Chromium (`--dump-dom` after the page's own
//! script ran, plus a screenshot saved under `tests/artifacts/`). Without
//! `/usr/bin/chromium` the browser part is skipped with a loud note; CI installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestEnv;

/// The fixture's "now": ages on the page are measured from here.
const NOW: &str = "2026-03-01T12:00:00Z";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Expected cards per zone, in page order (longest in its state first).
const EXPECTED: [(&str, &[&str]); 5] = [
    ("red", &["app-2", "app-1"]),
    ("orange", &["app-3"]),
    ("yellow", &["web-1", "app-4"]),
    ("green", &["web-2", "app-5"]),
    ("grey", &["web-3", "app-6"]),
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboard")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A test env whose data dir holds the fixture, with a config naming its two projects.
fn setup() -> TestEnv {
    let env = TestEnv::new();
    copy_dir(&fixture(), &env.data());
    let root = env.root().display().to_string();
    env.config(&format!(
        "defaults:\n  notifiers: [stdout]\nprojects:\n  app:\n    path: {root}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n  web:\n    path: {root}\n    tracker: {{plugin: plain}}\n    scm: {{plugin: local}}\n"
    ));
    env
}

/// Runs `ao dashboard --out <root>/dash.html` at the fixture's NOW; returns the path.
fn render(env: &TestEnv) -> PathBuf {
    let out = env.root().join("site/dash.html");
    let o = env
        .ao_cmd(env.root())
        .env("AO_NOW", NOW)
        .args(["dashboard", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "ao dashboard failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout.trim(), format!("file://{}", out.display()));
    out
}

/// Position of `needle` in `hay`, panicking with context when missing.
#[track_caller]
fn pos(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not found in page"))
}

/// Checks zone order, each card inside its zone, and the card order within zones.
#[track_caller]
fn assert_layout(html: &str) {
    let starts: Vec<usize> = EXPECTED
        .iter()
        .map(|(z, _)| pos(html, &format!("id=\"zone_{z}\"")))
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] < w[1]),
        "zones out of order: {starts:?}"
    );
    for (i, (zone, ids)) in EXPECTED.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(html.len());
        let mut last = starts[i];
        for id in *ids {
            let p = pos(html, &format!("id=\"{id}\""));
            assert!(
                p > last && p < end,
                "card {id} is not (in order) in zone {zone}"
            );
            last = p;
            // The card links to itself: the deep link notifications use.
            assert!(html.contains(&format!("href=\"#{id}\"")), "{id} self link");
        }
    }
}

#[test]
fn dashboard_zones_cards_and_escaping() {
    let env = setup();
    let path = render(&env);
    let html = std::fs::read_to_string(&path).unwrap();
    assert_layout(&html);
    // Urgent, action and warning start open; working and done collapsed (the seed).
    for (z, open) in [
        ("red", true),
        ("orange", true),
        ("yellow", true),
        ("green", false),
        ("grey", false),
    ] {
        let tag = format!(
            "id=\"zone_{z}\" data-zone=\"{z}\"{}>",
            if open { " open" } else { "" }
        );
        assert!(html.contains(&tag), "zone {z}: expected `{tag}`");
    }
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
    assert!(
        html.contains("last tick <span id=\"last-tick\"><time datetime=\"2026-03-01T11:59:30Z\"")
    );
    assert!(html.contains("<title>(2) ao dashboard</title>"));
    // Card contents: status with age, activity evidence, PR, CI, review, events, attach.
    assert!(html.contains("needs_input for 4m"));
    assert!(html.contains("Do you want to proceed?"));
    assert!(html.contains("href=\"https://github.com/acme/app/pull/41\""));
    assert!(html.contains("1 unresolved comment(s)"));
    assert!(html.contains("ci-failed escalated to you after 2 attempts"));
    assert!(html.contains("resets 3pm"));
    assert!(html.contains("<code>ao open app-1</code>"));
    // Untrusted text is escaped; a javascript: URL is never a link.
    assert!(html.contains("&lt;img src=x onerror=&quot;document.body.dataset.pwned=1&quot;&gt;"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("&lt;/dd&gt;&lt;script&gt;"));
    assert!(html.contains("lint &lt;eslint&gt;"));
    // Self-contained: nothing is loaded from anywhere.
    for bad in ["<link", " src=\"", "@import", "url("] {
        assert!(!html.contains(bad), "external reference `{bad}` in page");
    }
    // Written atomically with private permissions.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn dashboard_default_path_is_in_the_data_dir() {
    let env = setup();
    let o = env
        .ao_cmd(env.root())
        .env("AO_NOW", NOW)
        .arg("dashboard")
        .output()
        .unwrap();
    assert!(o.status.success());
    let expected = env.data().join("dashboard.html");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("file://{}", expected.display())
    );
    assert!(expected.is_file());
}

#[test]
fn dashboard_open_hands_the_file_to_the_browser() {
    let env = setup();
    let marker = env.root().join("opened");
    let opener = env.bin().join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", marker.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = env.ao(&["dashboard", "--open"]).ok();
    let url = run.stdout.trim().to_owned();
    assert!(
        env.wait_for(10, || marker.exists()),
        "xdg-open not run\n{run}"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap().trim(), url);
}

/// Runs headless Chromium on `url` with `extra` arguments; returns stdout. Killed after
/// 90 s so a wedged browser cannot hang the suite.
fn chromium(url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_chromium() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    eprintln!(
        "\n\
         ************************************************************************\n\
         SKIPPED: dashboard browser test: {CHROMIUM} is missing.\n\
         Install it with `apt-get install chromium` (.ci/run does) to run it.\n\
         ************************************************************************\n"
    );
    false
}

#[test]
fn dashboard_in_headless_chromium() {
    if !have_chromium() {
        return;
    }
    let env = setup();
    let path = render(&env);
    let url = format!("file://{}", path.display());

    // The DOM after the page's script ran: layout, no injected elements, and a deep link
    // into a collapsed zone opens that zone (and only that one).
    let dom = chromium(&format!("{url}#web-2"), &["--dump-dom"]);
    assert!(dom.contains("<title>(2) ao dashboard</title>"), "{dom}");
    assert_layout(&dom);
    assert!(
        dom.contains("id=\"zone_green\" data-zone=\"green\" open=\"\""),
        "the deep link did not open the green zone"
    );
    assert!(
        dom.contains("id=\"zone_grey\" data-zone=\"grey\">"),
        "grey must stay collapsed"
    );
    assert!(!dom.contains("data-pwned"), "injected script ran");
    assert!(!dom.contains("<img"), "injected element in the DOM");
    let cards = dom.matches("<article class=\"card").count();
    assert_eq!(cards, 9, "one card per session");

    // Without a fragment the seed's defaults hold: green and grey collapsed.
    let dom = chromium(&url, &["--dump-dom"]);
    assert!(dom.contains("id=\"zone_green\" data-zone=\"green\">"));
    assert!(dom.contains("id=\"zone_red\" data-zone=\"red\" open=\"\""));

    // A screenshot for people to look at, kept as a test artifact (git-ignored).
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &format!("{url}#web-2"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2200",
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(png.len() > 10_000, "suspiciously small screenshot");
    eprintln!("dashboard screenshot: {}", shot.display());
}
