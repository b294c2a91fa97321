//! Sanitising untrusted text before it reaches a terminal, a tmux pane or a notification.

/// Removes escape sequences (CSI, OSC, other ESC-introduced) and control characters
/// except `\n` and `\t`; C1 controls and DEL are removed too. `\r\n` becomes `\n`; lone
/// `\r` becomes `\n`.
pub fn strip_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' => skip_osc(&mut chars),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | '_' | '^' | 'X') => skip_osc(chars),
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates, then one final byte in 0x40..=0x7e.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

fn skip_osc(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Terminated by BEL, ST (ESC \) or C1 ST.
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Cuts `s` to at most `max` characters, appending `…` when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// A backtick fence longer than any backtick run inside `texts`.
pub fn fence_for(texts: &[&str]) -> String {
    let mut longest = 0;
    for t in texts {
        let mut run = 0;
        for c in t.chars() {
            if c == '`' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Replaces well-known credential shapes (GitHub, Slack, OpenAI/Anthropic-style `sk-`,
/// GitLab, AWS access key ids) with `[REDACTED]`: agent output and CI logs forwarded to a
/// channel must not leak them.
pub fn redact_tokens(s: &str) -> String {
    // (prefix, minimum length of the token body after the prefix)
    const SHAPES: [(&str, usize); 17] = [
        ("github_pat_", 20),
        ("ghp_", 20),
        ("gho_", 20),
        ("ghu_", 20),
        ("ghs_", 20),
        ("ghr_", 20),
        ("xoxb-", 10),
        ("xoxp-", 10),
        ("xoxa-", 10),
        ("xoxs-", 10),
        ("glpat-", 16),
        ("gloas-", 16),
        ("glrt-", 16),
        ("glcbt-", 16),
        ("glptt-", 16),
        ("gldt-", 16),
        ("sk-", 20),
    ];
    let is_tok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < s.len() {
        let boundary = i == 0 || !is_tok(char::from(bytes[i - 1]));
        if boundary && s.is_char_boundary(i) {
            let rest = &s[i..];
            let body_len = |from: usize| rest[from..].chars().take_while(|c| is_tok(*c)).count();
            let hit = SHAPES
                .iter()
                .find(|(p, min)| rest.starts_with(p) && body_len(p.len()) >= *min)
                .map(|(p, _)| p.len() + body_len(p.len()))
                .or_else(|| {
                    // AWS access key id: AKIA + 16 upper-case letters or digits.
                    let aws = rest.starts_with("AKIA")
                        && rest.len() >= 20
                        && rest.as_bytes()[4..20]
                            .iter()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                    aws.then_some(20)
                });
            if let Some(len) = hit {
                out.push_str("[REDACTED]");
                i += len;
                continue;
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(strip_control("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(strip_control("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(
            strip_control("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "xlink"
        );
        assert_eq!(strip_control("a\u{3}b\u{0}c\u{7f}d"), "abcd");
        assert_eq!(strip_control("l1\r\nl2\rl3\tz"), "l1\nl2\nl3\tz");
        assert_eq!(strip_control("é \u{9b}2Jok"), "é ok");
    }

    #[test]
    fn truncates_on_chars() {
        assert_eq!(truncate_chars("héllo", 3), "hé…");
        assert_eq!(truncate_chars("hi", 3), "hi");
    }
}
