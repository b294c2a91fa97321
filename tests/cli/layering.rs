//! The module graph's layering, read from the source: nothing outside `src/cli/` uses
//! `crate::cli`, and no import cycle spans more than one folder (a cycle inside one folder,
//! such as a registry and its plugins, is fine; one across folders means a layer is upside
//! down). Test modules are left out: they may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["plugins", "agent"]`) → file, for every non-test module under `src/`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut test_only = BTreeSet::new();
    for e in walkdir::WalkDir::new(src)
        .into_iter()
        .filter_map(Result::ok)
    {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = p.strip_prefix(src).unwrap().with_extension("");
        let mut m: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if m.last().is_some_and(|l| l == "mod") || m == ["lib"] || m == ["main"] {
            m.pop();
        }
        // `#[cfg(test)] mod name;` declares a test-only module file.
        let text = std::fs::read_to_string(p).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for w in lines.windows(2) {
            if w[0] == "#[cfg(test)]"
                && let Some(name) = w[1].strip_prefix("mod ").and_then(|r| r.strip_suffix(';'))
            {
                let mut t = m.clone();
                t.push(name.to_owned());
                test_only.insert(t);
            }
        }
        out.insert(m, p.to_path_buf());
    }
    out.retain(|m, _| !test_only.iter().any(|t| m.starts_with(t)));
    out
}

/// The source of a module without its `#[cfg(test)] mod tests { … }` (always last) and
/// without line comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let body = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => &text,
    };
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    // `x as y` names `x`.
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut kept = String::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "as" {
            // Keep what follows the alias (`,` or `}`).
            if let Some(alias) = words.get(i + 1) {
                kept.push_str(alias.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'));
            }
            i += 2;
            continue;
        }
        kept.push_str(words[i]);
        i += 1;
    }
    let tree = kept;
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, inner) = (&tree[..open], &tree[open + 1..tree.len() - 1]);
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(|e| format!("{prefix}{e}")))
        .collect()
}

/// Every `crate::…`, `super::…` and `self::…` path the code names (in `use` trees and
/// inline).
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        let tail = &rest[i + 4..];
        let Some(end) = tail.find(';') else { break };
        if before_ok {
            out.extend(expand(&tail[..end]));
        }
        rest = &tail[end..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                continue;
            }
            let len = code[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - i);
            out.push(code[i..i + len].trim_end_matches(':').to_owned());
        }
    }
    out
}

/// The module a path names from inside `from`: its longest prefix that is a module.
fn resolve(
    mods: &BTreeMap<Vec<String>, PathBuf>,
    from: &[String],
    path: &str,
) -> Option<Vec<String>> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match segs.first()? {
        &"crate" => Vec::new(),
        &"super" | &"self" => from.to_vec(),
        _ => return None,
    };
    if segs[0] == "crate" || segs[0] == "self" {
        segs.remove(0);
    }
    while segs.first() == Some(&"super") {
        base.pop();
        segs.remove(0);
    }
    base.extend(segs.iter().map(|s| (*s).to_owned()));
    (1..=base.len())
        .rev()
        .map(|n| base[..n].to_vec())
        .find(|m| mods.contains_key(m))
}

/// Strongly connected components of `edges` (Tarjan).
fn components(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct T<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.edges[v] {
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[v].min(t.low[w]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.low[v].min(t.index[w]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            t.out.push(comp);
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_import_cycle_spans_more_than_one_folder() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = modules(&src);
    assert!(mods.len() > 50, "{} modules found", mods.len());
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut cli_users = Vec::new();
    for (m, file) in &mods {
        let targets = edges.entry(m.clone()).or_default();
        for p in paths(&code(file)) {
            if let Some(t) = resolve(&mods, m, &p)
                && &t != m
                && !t.is_empty()
            {
                if t[0] == "cli" && m.first().is_none_or(|f| f != "cli") {
                    cli_users.push(format!("{} uses {p}", file.display()));
                }
                targets.insert(t);
            }
        }
    }
    assert!(
        cli_users.is_empty(),
        "only src/cli may use crate::cli: {cli_users:#?}"
    );
    let folder = |m: &Vec<String>| mods[m].parent().unwrap().to_path_buf();
    let crossing: Vec<Vec<String>> = components(&edges)
        .into_iter()
        .filter(|c| c.iter().map(folder).collect::<BTreeSet<_>>().len() > 1)
        .map(|c| c.iter().map(|m| m.join("::")).collect())
        .collect();
    assert!(
        crossing.is_empty(),
        "import cycles across folders: {crossing:#?}"
    );
    // The check sees real edges: the tick uses the lifecycle.
    assert!(edges[&vec!["tick".to_owned()]].contains(&vec!["lifecycle".to_owned()]));
}

#[test]
fn the_checker_sees_a_cycle_across_folders() {
    // A registry that names its adapter and an adapter in another folder that names the
    // registry's trait: the shape this test exists to keep out.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let a = vec!["plugins".to_owned(), "agent".to_owned()];
    let b = vec!["plugins".to_owned(), "external".to_owned()];
    edges.entry(a.clone()).or_default().insert(b.clone());
    edges.entry(b.clone()).or_default().insert(a.clone());
    let c = components(&edges);
    assert!(c.iter().any(|comp| comp.len() == 2), "{c:?}");
    assert_eq!(
        expand("crate::plugins::{PluginError as E, agent::{Agent, AgentContext}}"),
        [
            "crate::plugins::PluginError",
            "crate::plugins::agent::Agent",
            "crate::plugins::agent::AgentContext"
        ]
    );
}
