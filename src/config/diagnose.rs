//! Turning parse failures into messages a person can act on: key paths, finding a key
//! path's line and column in the original text (the typed parse may have run on an
//! interpolated tree that has no positions), "did you mean" suggestions, and rewriting
//! serde's wording (`unknown field`, `expected u32`) into the config's vocabulary.
//!
//! The locator understands block-style YAML (what people write and what `ao init`
//! writes); inside flow collections (`{a: b}`, `[x, y]`) it points at the enclosing key.

use std::fmt;

/// One step of a key path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// A key path like `notifiers.slack.webhook` or `projects.app.postCreate[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The empty (root) path.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by key `k`.
    pub fn key(&self, k: impl Into<String>) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.into()));
        Self(v)
    }

    /// This path extended by index `i`.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }

    /// Builds a path from dotted keys (`["notifiers", "slack", "webhook"]`).
    pub fn of(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| Seg::Key((*k).to_owned())).collect())
    }

    /// Parses yaml_serde's rendering of a path (`a.b[2].c`; `.` is the root).
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        if s == "." || s.is_empty() {
            return Self(segs);
        }
        for part in s.split('.') {
            // `name[1][2]`: the key, then its indices.
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                segs.push(Seg::Key(key.to_owned()));
            }
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                match stripped[..end].parse() {
                    Ok(i) => segs.push(Seg::Index(i)),
                    Err(_) => segs.push(Seg::Key(stripped[..end].to_owned())),
                }
                rest = &stripped[end + 1..];
            }
        }
        Self(segs)
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            match s {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A 1-based line and column.
pub type LineCol = (usize, usize);

/// Splits a line into (indent of its content after any `- ` sequence markers, content,
/// indent of the line itself).
fn split_line(line: &str) -> (usize, &str, usize) {
    let raw_indent = line.len() - line.trim_start_matches(' ').len();
    let mut indent = raw_indent;
    let mut content = &line[raw_indent..];
    while let Some(rest) = content.strip_prefix("- ") {
        let extra = rest.len() - rest.trim_start_matches(' ').len();
        indent += 2 + extra;
        content = &rest[extra..];
    }
    (indent, content, raw_indent)
}

/// True when a line holds only whitespace or a comment.
fn is_blank(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// True when `content` starts with the mapping key `k` (plain or quoted) followed by `:`.
fn starts_with_key(content: &str, k: &str) -> bool {
    let rest = if let Some(r) = content.strip_prefix(k) {
        r
    } else if let Some(r) = content
        .strip_prefix('"')
        .and_then(|r| r.strip_prefix(k))
        .and_then(|r| r.strip_prefix('"'))
    {
        r
    } else if let Some(r) = content
        .strip_prefix('\'')
        .and_then(|r| r.strip_prefix(k))
        .and_then(|r| r.strip_prefix('\''))
    {
        r
    } else {
        return false;
    };
    let rest = rest.trim_start_matches(' ');
    rest == ":" || rest.starts_with(": ") || rest.starts_with(":\t")
}

/// Finds where `path` is written in `text`: the line and column of the deepest key (or
/// sequence item) of the path that could be found. `None` when not even the first key is
/// found.
pub fn locate(text: &str, path: &KeyPath) -> Option<LineCol> {
    let lines: Vec<&str> = text.lines().collect();
    // The block being searched: lines from `from`, children deeper than `parent`; and, after
    // a sequence item `- key: v`, the item's first line holds content at column `inline`.
    let mut from = 0usize;
    let mut parent: Option<usize> = None;
    let mut inline: Option<(usize, usize)> = None;
    let mut found: Option<LineCol> = None;
    for seg in &path.0 {
        match seg {
            Seg::Key(k) => {
                // Reaction names and fields may be written in camelCase for a kebab-case
                // path segment.
                let camel = camel_of(k);
                let names: Vec<&str> = if camel == *k {
                    vec![k.as_str()]
                } else {
                    vec![k.as_str(), camel.as_str()]
                };
                if let Some((l, col)) = inline.take() {
                    let content = lines[l].get(col..).unwrap_or("");
                    if names.iter().any(|k| starts_with_key(content, k)) {
                        found = Some((l + 1, col + 1));
                        parent = Some(col);
                        from = l + 1;
                        continue;
                    }
                }
                let mut child_indent: Option<usize> = None;
                let mut hit = None;
                for (l, line) in lines.iter().enumerate().skip(from) {
                    if is_blank(line) {
                        continue;
                    }
                    let (indent, content, raw_indent) = split_line(line);
                    if parent.is_some_and(|p| raw_indent <= p && indent <= p) {
                        break;
                    }
                    let ci = *child_indent.get_or_insert(indent);
                    if indent < ci {
                        break;
                    }
                    if indent == ci && names.iter().any(|k| starts_with_key(content, k)) {
                        hit = Some((l, indent));
                        break;
                    }
                }
                let Some((l, indent)) = hit else {
                    return found;
                };
                found = Some((l + 1, indent + 1));
                parent = Some(indent);
                from = l + 1;
            }
            Seg::Index(i) => {
                let mut item_indent: Option<usize> = None;
                let mut n = 0usize;
                let mut hit = None;
                for (l, line) in lines.iter().enumerate().skip(from) {
                    if is_blank(line) {
                        continue;
                    }
                    let raw_indent = line.len() - line.trim_start_matches(' ').len();
                    let content = &line[raw_indent..];
                    let is_item = content.starts_with("- ") || content == "-";
                    // `key:\n- a` puts items at the key's own indent.
                    if parent.is_some_and(|p| raw_indent < p || (raw_indent == p && !is_item)) {
                        break;
                    }
                    let ii = *item_indent.get_or_insert(raw_indent);
                    if raw_indent < ii || (raw_indent == ii && !is_item) {
                        break;
                    }
                    if raw_indent == ii && is_item {
                        if n == *i {
                            hit = Some((l, raw_indent));
                            break;
                        }
                        n += 1;
                    }
                }
                let Some((l, indent)) = hit else {
                    return found;
                };
                let rest = &lines[l][indent + 1..];
                let col = indent + 1 + (rest.len() - rest.trim_start_matches(' ').len());
                found = Some((l + 1, col + 1));
                inline = Some((l, col));
                parent = Some(indent);
                from = l + 1;
            }
        }
    }
    found
}

/// Finds the `${NAME` reference for the value at `path`: searched from the located key
/// onwards, else anywhere in the text (not as `$${`).
pub fn locate_var(text: &str, path: &KeyPath, name: &str) -> Option<LineCol> {
    let start = locate(text, path);
    let needle = format!("${{{name}");
    let lines: Vec<&str> = text.lines().collect();
    let find_in = |from_line: usize, from_col: usize| -> Option<LineCol> {
        for (l, line) in lines.iter().enumerate().skip(from_line) {
            let skip = if l == from_line { from_col } else { 0 };
            let mut off = skip.min(line.len());
            while let Some(p) = line.get(off..).and_then(|s| s.find(&needle)) {
                let at = off + p;
                let after = &line[at + needle.len()..];
                let ends_name = after.starts_with('}') || after.starts_with(":-");
                let escaped = at > 0 && line.as_bytes()[at - 1] == b'$';
                if ends_name && !escaped {
                    return Some((l + 1, at + 1));
                }
                off = at + needle.len();
            }
        }
        None
    };
    if let Some((l, c)) = start
        && let Some(hit) = find_in(l - 1, c - 1)
    {
        return Some(hit);
    }
    find_in(0, 0).or(start)
}

/// Edit distance between two strings (Levenshtein, by chars).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Lower-cased with `-` and `_` removed, so `escalate-after`, `escalateAfter` and
/// `escalate_after` compare equal.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate closest to `input`, if close enough to be a plausible typo. Matches across
/// kebab-case and camelCase and prefers the candidate written in the input's style.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let ni = normalize(input);
    let kebab = input.contains('-');
    let camel = input.chars().any(|c| c.is_ascii_uppercase());
    let limit = (ni.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, usize, &'a str)> = None;
    for &c in candidates {
        if c == input {
            continue;
        }
        let d = edit_distance(&ni, &normalize(c));
        if d > limit {
            continue;
        }
        // Style penalty: 0 when the candidate is written like the input.
        let c_kebab = c.contains('-');
        let c_camel = c.chars().any(|ch| ch.is_ascii_uppercase());
        let style = usize::from(!((kebab && c_kebab) || (camel && c_camel) || (!kebab && !camel)));
        let better = match best {
            None => true,
            Some((bd, bs, _)) => (d, style) < (bd, bs),
        };
        if better {
            best = Some((d, style, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// The camelCase spelling of a kebab-case name (`escalate-after` → `escalateAfter`).
fn camel_of(kebab: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in kebab.chars() {
        if c == '-' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The names to show as "allowed": camelCase aliases of kebab-case names are dropped (both
/// spellings are accepted, the list shows the seed's).
pub fn display_names<'a>(names: &[&'a str]) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|n| {
            !(n.chars().any(|c| c.is_ascii_uppercase())
                && names.iter().any(|k| k.contains('-') && camel_of(k) == *n))
        })
        .collect()
}

/// Backticked names from serde's "expected one of `a`, `b`" tail.
fn backticked(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// What a serde message was about, for JSON consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewritten {
    /// `unknown field`.
    UnknownKey,
    /// `unknown variant`.
    UnknownValue,
    /// `missing field`.
    MissingKey,
    /// `duplicate field` / `duplicate entry`.
    DuplicateKey,
    /// Anything else (types, values).
    Other,
}

/// A serde message in the config's words: (kind, message, hint).
pub fn rewrite(msg: &str) -> (Rewritten, String, Option<String>) {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = backticked(tail);
        let shown = display_names(&allowed);
        let hint = did_you_mean(name, &allowed).map(|s| format!("did you mean `{s}`?"));
        let message = if shown.is_empty() {
            format!("unknown key `{name}` (no keys are allowed here)")
        } else {
            format!("unknown key `{name}` (allowed: {})", shown.join(", "))
        };
        return (Rewritten::UnknownKey, message, hint);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = backticked(tail);
        let hint = did_you_mean(name, &allowed).map(|s| format!("did you mean `{s}`?"));
        let message = format!("unknown value `{name}` (allowed: {})", allowed.join(", "));
        return (Rewritten::UnknownValue, message, hint);
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return (
            Rewritten::MissingKey,
            format!("missing required key `{name}`"),
            None,
        );
    }
    if let Some(rest) = msg.strip_prefix("duplicate field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return (
            Rewritten::DuplicateKey,
            format!("key `{name}` is given twice"),
            Some("remove one of them".to_owned()),
        );
    }
    if let Some(rest) = msg.strip_prefix("duplicate entry with key ") {
        return (
            Rewritten::DuplicateKey,
            format!("key {rest} is given twice"),
            Some("remove one of them".to_owned()),
        );
    }
    (Rewritten::Other, friendly_types(msg), None)
}

/// serde's Rust type names → what a config author calls them.
fn friendly_types(msg: &str) -> String {
    let mut m = msg.to_owned();
    for (rust, human) in [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a non-negative whole number"),
        ("expected i64", "expected a whole number"),
        ("expected a sequence", "expected a list"),
        ("expected a boolean", "expected `true` or `false`"),
        ("expected a borrowed string", "expected a string"),
        ("invalid type: unit value", "invalid type: empty value"),
    ] {
        m = m.replace(rust, human);
    }
    if let Some(i) = m.find("expected struct ") {
        m.truncate(i);
        m.push_str("expected a mapping of keys");
    }
    if let Some(i) = m.find("expected a map") {
        m.truncate(i);
        m.push_str("expected a mapping of keys");
    }
    m
}

/// Splits a yaml_serde error into (key path, message, line:col).
pub fn split_yaml_error(e: &yaml_serde::Error) -> (KeyPath, String, Option<LineCol>) {
    let mut s = e.to_string();
    let loc = e.location().map(|l| (l.line(), l.column()));
    if let Some((l, c)) = loc {
        let tail = format!(" at line {l} column {c}");
        if let Some(i) = s.find(&tail) {
            s.replace_range(i..i + tail.len(), "");
        }
    }
    // yaml_serde prefixes `path: ` (keys have no spaces or backticks; messages do).
    if let Some((p, m)) = s.split_once(": ")
        && !p.is_empty()
        && !p.contains([' ', '`', '"', '\''])
    {
        return (KeyPath::parse(p), m.to_owned(), loc);
    }
    (KeyPath::root(), s, loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_across_case_styles() {
        let c = [
            "auto",
            "escalate-after",
            "escalateAfter",
            "include-summary",
            "includeSummary",
        ];
        assert_eq!(did_you_mean("escalate-aftr", &c), Some("escalate-after"));
        assert_eq!(did_you_mean("escalateAfte", &c), Some("escalateAfter"));
        assert_eq!(did_you_mean("escalate_after", &c), Some("escalate-after"));
        assert_eq!(did_you_mean("autoo", &c), Some("auto"));
        assert_eq!(did_you_mean("banana", &c), None);
        assert_eq!(did_you_mean("urgnt", &["urgent", "action"]), Some("urgent"));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn rewrites_unknown_field() {
        let (k, m, h) = rewrite(
            "unknown field `escalate-aftr`, expected one of `auto`, `escalate-after`, `escalateAfter`",
        );
        assert_eq!(k, Rewritten::UnknownKey);
        assert_eq!(
            m,
            "unknown key `escalate-aftr` (allowed: auto, escalate-after)"
        );
        assert_eq!(h.as_deref(), Some("did you mean `escalate-after`?"));
        let (k, m, _) = rewrite("invalid type: string \"lots\", expected u32");
        assert_eq!(k, Rewritten::Other);
        assert!(m.contains("whole number"), "{m}");
    }

    #[test]
    fn paths_parse_and_print() {
        let p = KeyPath::parse("projects.app.postCreate[1]");
        assert_eq!(
            p.0,
            vec![
                Seg::Key("projects".into()),
                Seg::Key("app".into()),
                Seg::Key("postCreate".into()),
                Seg::Index(1)
            ]
        );
        assert_eq!(p.to_string(), "projects.app.postCreate[1]");
        assert!(KeyPath::parse(".").is_root());
    }

    const DOC: &str = "\
# comment: projects
projects:
  app:
    path: /x
    postCreate:
      - one
      - two
    reactions:
      ci-failed:
        escalate-after: 2
      mergeConflicts:
        escalateAfter: 15m
notifiers:
  slack:
    plugin: slack
    webhook: ${SLACK_WEBHOOK_URL}
list:
- name: a
- name: b
  value: ${B}
";

    #[test]
    fn locates_keys() {
        let at = |p: &str| locate(DOC, &KeyPath::parse(p));
        assert_eq!(at("projects"), Some((2, 1)));
        assert_eq!(at("projects.app.path"), Some((4, 5)));
        assert_eq!(at("projects.app.postCreate[1]"), Some((7, 9)));
        assert_eq!(
            at("projects.app.reactions.ci-failed.escalate-after"),
            Some((10, 9))
        );
        assert_eq!(
            at("projects.app.reactions.merge-conflicts.escalate-after"),
            Some((12, 9))
        );
        assert_eq!(at("notifiers.slack.webhook"), Some((16, 5)));
        assert_eq!(at("list[1].value"), Some((20, 3)));
        // Not found below `app`: the deepest found key.
        assert_eq!(at("projects.app.nothing"), Some((3, 3)));
        assert_eq!(at("nothing"), None);
        assert_eq!(
            locate_var(
                DOC,
                &KeyPath::parse("notifiers.slack.webhook"),
                "SLACK_WEBHOOK_URL"
            ),
            Some((16, 14))
        );
        assert_eq!(
            locate_var(DOC, &KeyPath::parse("list[1].value"), "B"),
            Some((20, 10))
        );
    }
}
