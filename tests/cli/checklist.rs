//! `docs/checklist.md` maps every case of the reliability and security checklist's
//! adversarial catalogue to the tests that prove it. This keeps the map honest: every
//! case id has a row, and every test it names exists where it says.

/// The catalogue's case ids: A1–A10, B1–B8, C1–C9, D1–D9, E1–E11, F1–F10, G1–G6, H1–H7.
const CASES: &[(char, u32)] = &[
    ('A', 10),
    ('B', 8),
    ('C', 9),
    ('D', 9),
    ('E', 11),
    ('F', 10),
    ('G', 6),
    ('H', 7),
];

#[test]
fn checklist_map_covers_every_case_with_existing_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/checklist.md")).unwrap();
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| ")).collect();
    for &(group, n) in CASES {
        for i in 1..=n {
            let id = format!("| {group}{i} |");
            let row = rows
                .iter()
                .find(|r| r.starts_with(&id))
                .unwrap_or_else(|| panic!("docs/checklist.md has no row for {group}{i}"));
            let last = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
            assert!(
                last.contains('`') || last.contains("none") || last.contains("n/a"),
                "{group}{i}: the last column names no test: {row}"
            );
        }
    }
    let mut named = 0;
    for row in &rows {
        for (k, cell) in row.split('`').enumerate() {
            // Odd pieces are inside backticks; tests are written `path::fn_name`.
            if k % 2 == 0 {
                continue;
            }
            let Some((file, name)) = cell.rsplit_once("::") else {
                continue;
            };
            if !(file.starts_with("tests/") || file.starts_with("src/")) {
                continue;
            }
            let text = std::fs::read_to_string(root.join(file))
                .unwrap_or_else(|e| panic!("{cell}: cannot read {file}: {e}"));
            assert!(
                text.contains(&format!("fn {name}(")),
                "{cell}: no `fn {name}(` in {file}"
            );
            named += 1;
        }
    }
    assert!(named >= 70, "only {named} tests named");
}
