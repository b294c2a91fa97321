//! Atlassian Document Format (Jira Cloud's rich text) rendered to Markdown-ish plain text
//! for a prompt: paragraphs, headings, lists, code blocks, quotes, tables, links and
//! mentions. Unknown nodes contribute their text content; nothing is executed or fetched.
//! The output is untrusted text like any issue body (the prompt fences it).

use serde_json::Value;

/// Renders an ADF document (or a plain string, as Data Center sends) to text.
pub fn render(doc: &Value) -> String {
    match doc {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => {
            let mut out = String::new();
            block(v, &mut out, "");
            out.trim_end().to_owned()
        }
    }
}

fn children(v: &Value) -> &[Value] {
    v.get("content")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn attr<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.get("attrs").and_then(|a| a.get(k))
}

/// Appends a block node, each line prefixed with `indent`.
fn block(v: &Value, out: &mut String, indent: &str) {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "doc" => {
            for c in children(v) {
                block(c, out, indent);
            }
        }
        "paragraph" => {
            let text = inline_all(children(v));
            push_lines(out, indent, &text);
            out.push('\n');
        }
        "heading" => {
            let level = attr(v, "level")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 6);
            let text = inline_all(children(v));
            push_lines(
                out,
                indent,
                &format!("{} {text}", "#".repeat(level as usize)),
            );
            out.push('\n');
        }
        "bulletList" | "orderedList" => {
            let start = attr(v, "order").and_then(Value::as_u64).unwrap_or(1);
            for (i, item) in children(v).iter().enumerate() {
                let marker = if kind == "bulletList" {
                    "- ".to_owned()
                } else {
                    format!("{}. ", start + i as u64)
                };
                let mut inner = String::new();
                for c in children(item) {
                    block(c, &mut inner, "");
                }
                let inner = inner.trim_end();
                let pad = " ".repeat(marker.len());
                for (n, line) in inner.lines().filter(|l| !l.is_empty()).enumerate() {
                    out.push_str(indent);
                    out.push_str(if n == 0 { &marker } else { &pad });
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        "codeBlock" => {
            let code = inline_all(children(v));
            let lang = attr(v, "language").and_then(Value::as_str).unwrap_or("");
            let fence = super::fence_for(&[&code]);
            push_lines(out, indent, &format!("{fence}{lang}\n{code}\n{fence}"));
            out.push('\n');
        }
        "blockquote" => {
            let mut inner = String::new();
            for c in children(v) {
                block(c, &mut inner, "");
            }
            push_lines(out, &format!("{indent}> "), inner.trim_end());
            out.push('\n');
        }
        "rule" => {
            push_lines(out, indent, "---");
            out.push('\n');
        }
        "table" => {
            for row in children(v) {
                let cells: Vec<String> = children(row)
                    .iter()
                    .map(|cell| {
                        let mut s = String::new();
                        for c in children(cell) {
                            block(c, &mut s, "");
                        }
                        s.split_whitespace().collect::<Vec<_>>().join(" ")
                    })
                    .collect();
                push_lines(out, indent, &format!("| {} |", cells.join(" | ")));
            }
            out.push('\n');
        }
        "mediaSingle" | "mediaGroup" | "media" => {
            push_lines(out, indent, "[attachment]");
            out.push('\n');
        }
        "panel" | "expand" | "nestedExpand" | "layoutSection" | "layoutColumn" | "listItem" => {
            if let Some(t) = attr(v, "title").and_then(Value::as_str) {
                push_lines(out, indent, t);
            }
            for c in children(v) {
                block(c, out, indent);
            }
        }
        _ if children(v).iter().any(|c| c.get("text").is_some()) => {
            push_lines(out, indent, &inline_all(children(v)));
            out.push('\n');
        }
        _ => {
            for c in children(v) {
                block(c, out, indent);
            }
            if let Some(t) = v.get("text").and_then(Value::as_str) {
                push_lines(out, indent, t);
                out.push('\n');
            }
        }
    }
}

fn push_lines(out: &mut String, indent: &str, text: &str) {
    for line in text.split('\n') {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
}

fn inline_all(nodes: &[Value]) -> String {
    nodes.iter().map(inline).collect()
}

/// One inline node as Markdown.
fn inline(v: &Value) -> String {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => {
            let mut t = v
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let marks = v.get("marks").and_then(Value::as_array);
            for m in marks.map_or(&[][..], Vec::as_slice) {
                match m.get("type").and_then(Value::as_str).unwrap_or("") {
                    "code" => t = format!("`{t}`"),
                    "strong" => t = format!("**{t}**"),
                    "em" => t = format!("*{t}*"),
                    "strike" => t = format!("~~{t}~~"),
                    "link" => {
                        if let Some(h) = attr(m, "href").and_then(Value::as_str) {
                            t = format!("[{t}]({h})");
                        }
                    }
                    _ => {}
                }
            }
            t
        }
        "hardBreak" => "\n".to_owned(),
        "mention" => {
            let name = attr(v, "text")
                .and_then(Value::as_str)
                .unwrap_or("@someone");
            if name.starts_with('@') {
                name.to_owned()
            } else {
                format!("@{name}")
            }
        }
        "emoji" => attr(v, "text")
            .or_else(|| attr(v, "shortName"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        "inlineCard" | "blockCard" => attr(v, "url")
            .and_then(Value::as_str)
            .map(|u| format!("<{u}>"))
            .unwrap_or_default(),
        "date" => attr(v, "timestamp")
            .and_then(|t| {
                t.as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .or_else(|| t.as_i64())
            })
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        "status" => attr(v, "text")
            .and_then(Value::as_str)
            .map(|s| format!("[{s}]"))
            .unwrap_or_default(),
        _ => inline_all(children(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_common_nodes() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Steps"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Run "},
                {"type": "text", "text": "make", "marks": [{"type": "code"}]},
                {"type": "text", "text": " then see "},
                {"type": "text", "text": "docs", "marks": [{"type": "link", "attrs": {"href": "https://x.example"}}]},
                {"type": "hardBreak"},
                {"type": "mention", "attrs": {"id": "1", "text": "@Ann"}}
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "one"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "two"}]}]}
            ]},
            {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [{"type": "text", "text": "echo ```hi"}]}
        ]});
        let r = render(&doc);
        assert_eq!(
            r,
            "## Steps\n\nRun `make` then see [docs](https://x.example)\n@Ann\n\n- one\n- two\n\n````sh\necho ```hi\n````"
        );
        assert_eq!(render(&json!("plain *wiki*")), "plain *wiki*");
        assert_eq!(render(&Value::Null), "");
    }
}
