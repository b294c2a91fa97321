//! `${VAR}` and `${VAR:-default}` in string values, from the environment.
//!
//! Rules (checklist §4.5, A2/A3): a literal lookup — no shell, no `$(…)`, no recursive
//! expansion (a variable's value and a default are taken as they are); an unset variable
//! without a default is an error, never an empty string; `${VAR:-default}` uses the default
//! when the variable is unset or empty; `$${` writes a literal `${`. A `$` not followed by
//! `{` is literal text. Only values are interpolated, never keys.

use yaml_serde::Value;

use super::diagnose::KeyPath;

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// `${NAME}` with `NAME` unset and no default.
    Unset {
        /// The variable.
        name: String,
    },
    /// The variable is set but not valid UTF-8.
    NotUnicode {
        /// The variable.
        name: String,
    },
    /// Malformed reference.
    Syntax {
        /// What is wrong.
        message: String,
    },
}

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The text with references replaced.
    pub value: String,
    /// Variables that were read and had a value: (name, value).
    pub used: Vec<(String, String)>,
    /// True when the whole string was one reference (`${PORT}`), so the value may be
    /// read as a number or boolean.
    pub whole: bool,
}

/// True for `[A-Za-z_][A-Za-z0-9_]*`.
fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Interpolates `s` with `lookup` (`Ok(None)` = unset).
pub fn expand(
    s: &str,
    lookup: &dyn Fn(&str) -> Result<Option<String>, InterpError>,
) -> Result<Expanded, InterpError> {
    let mut out = String::with_capacity(s.len());
    let mut used = Vec::new();
    let mut refs = 0usize;
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(end) = after.find('}') else {
                return Err(InterpError::Syntax {
                    message:
                        "unterminated `${` (close it with `}`, or write `$${` for a literal `${`)"
                            .to_owned(),
                });
            };
            let inner = &after[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            if !valid_name(name) {
                return Err(InterpError::Syntax {
                    message: format!(
                        "invalid reference `${{{}}}`: `{}` is not a valid variable name; write `${{NAME}}` or `${{NAME:-default}}`, where NAME is letters, digits and `_` (and `$${{` for a literal `${{`)",
                        inner.escape_default(),
                        name.escape_default()
                    ),
                });
            }
            match (lookup(name)?, default) {
                (Some(v), Some(d)) if v.is_empty() => out.push_str(d),
                (Some(v), _) => {
                    out.push_str(&v);
                    used.push((name.to_owned(), v));
                }
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(InterpError::Unset {
                        name: name.to_owned(),
                    });
                }
            }
            refs += 1;
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    let whole = refs == 1 && {
        let t = s.trim();
        t.starts_with("${") && t.ends_with('}') && t.matches("${").count() == 1
    };
    Ok(Expanded {
        value: out,
        used,
        whole,
    })
}

/// Looks a variable up in the process environment.
pub fn env_lookup(name: &str) -> Result<Option<String>, InterpError> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(InterpError::NotUnicode {
            name: name.to_owned(),
        }),
    }
}

/// The interpolated tree and what was used.
#[derive(Debug, Clone)]
pub struct Interpolated {
    /// The tree with every string value interpolated.
    pub value: Value,
    /// Variables read, with their values (to keep them out of error messages).
    pub used: Vec<(String, String)>,
    /// How many whole-string references were turned into numbers or booleans.
    pub coerced: usize,
}

/// Interpolates every string value of `v`. With `coerce`, a value that was exactly one
/// reference and expands to a YAML number or boolean (`port: ${PORT}`) becomes that
/// number or boolean. An error carries the key path of the offending value.
pub fn interpolate_tree(
    v: &Value,
    coerce: bool,
    lookup: &dyn Fn(&str) -> Result<Option<String>, InterpError>,
) -> Result<Interpolated, (KeyPath, InterpError)> {
    let mut value = v.clone();
    let mut acc = Acc::default();
    walk(&mut value, &KeyPath::root(), coerce, lookup, &mut acc)?;
    Ok(Interpolated {
        value,
        used: acc.used,
        coerced: acc.coerced,
    })
}

/// What a walk collected.
#[derive(Default)]
struct Acc {
    used: Vec<(String, String)>,
    coerced: usize,
}

fn walk(
    v: &mut Value,
    path: &KeyPath,
    coerce: bool,
    lookup: &dyn Fn(&str) -> Result<Option<String>, InterpError>,
    acc: &mut Acc,
) -> Result<(), (KeyPath, InterpError)> {
    match v {
        Value::String(s) if s.contains('$') => {
            let e = expand(s, lookup).map_err(|e| (path.clone(), e))?;
            acc.used.extend(e.used);
            if coerce
                && e.whole
                && let Some(scalar) = scalar_of(&e.value)
            {
                *v = scalar;
                acc.coerced += 1;
            } else {
                *s = e.value;
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &path.index(i), coerce, lookup, acc)?;
            }
        }
        Value::Mapping(m) => {
            for (k, item) in m.iter_mut() {
                let key = key_string(k);
                walk(item, &path.key(key), coerce, lookup, acc)?;
            }
        }
        Value::Tagged(t) => walk(&mut t.value, path, coerce, lookup, acc)?,
        _ => {}
    }
    Ok(())
}

/// A mapping key as text (non-string keys in their YAML form).
pub fn key_string(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".to_owned(),
        other => yaml_serde::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// `text` as a YAML number or boolean, if it is one.
fn scalar_of(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() || t.contains(['\n', '#', ':', '[', '{']) {
        return None;
    }
    match yaml_serde::from_str::<Value>(t) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Result<Option<String>, InterpError> {
        Ok(match name {
            "HOME" => Some("/home/u".to_owned()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("3000".to_owned()),
            "NASTY" => Some("${HOME} $(id)".to_owned()),
            _ => None,
        })
    }

    fn x(s: &str) -> Result<String, InterpError> {
        expand(s, &env).map(|e| e.value)
    }

    #[test]
    fn expands_variables_and_defaults() {
        assert_eq!(x("${HOME}/x").unwrap(), "/home/u/x");
        assert_eq!(x("a ${NOPE:-dflt} b").unwrap(), "a dflt b");
        assert_eq!(x("${EMPTY:-dflt}").unwrap(), "dflt");
        assert_eq!(x("${EMPTY}").unwrap(), "");
        assert_eq!(x("${NOPE:-}").unwrap(), "");
        assert_eq!(x("no refs $ here $HOME").unwrap(), "no refs $ here $HOME");
        assert_eq!(x("cost: $5").unwrap(), "cost: $5");
    }

    #[test]
    fn escapes_and_no_recursion() {
        assert_eq!(x("$${HOME}").unwrap(), "${HOME}");
        assert_eq!(x("$$${HOME}").unwrap(), "$${HOME}");
        // A value is not expanded again, a default is not executed.
        assert_eq!(x("${NASTY}").unwrap(), "${HOME} $(id)");
        assert_eq!(x("${NOPE:-$(id)}").unwrap(), "$(id)");
    }

    #[test]
    fn errors() {
        assert_eq!(
            x("${NOPE}"),
            Err(InterpError::Unset {
                name: "NOPE".into()
            })
        );
        assert!(matches!(x("${HOME"), Err(InterpError::Syntax { .. })));
        assert!(matches!(x("${}"), Err(InterpError::Syntax { .. })));
        assert!(matches!(x("${1X}"), Err(InterpError::Syntax { .. })));
        assert!(matches!(x("${$(id)}"), Err(InterpError::Syntax { .. })));
    }

    #[test]
    fn whole_reference_flag() {
        assert!(expand("${PORT}", &env).unwrap().whole);
        assert!(!expand("x${PORT}", &env).unwrap().whole);
        assert!(!expand("${PORT}${PORT}", &env).unwrap().whole);
    }

    #[test]
    fn tree_paths_and_coercion() {
        let v: Value = yaml_serde::from_str("port: ${PORT}\nlist:\n  - a\n  - ${NOPE}\n").unwrap();
        let err = interpolate_tree(&v, true, &env).unwrap_err();
        assert_eq!(err.0.to_string(), "list[1]");
        let v: Value = yaml_serde::from_str("port: ${PORT}\nname: ${PORT}x\n").unwrap();
        let out = interpolate_tree(&v, true, &env).unwrap();
        assert_eq!(out.value["port"], Value::Number(3000.into()));
        assert_eq!(out.value["name"], Value::String("3000x".into()));
        assert_eq!(out.coerced, 1);
        let out = interpolate_tree(&v, false, &env).unwrap();
        assert_eq!(out.value["port"], Value::String("3000".into()));
    }
}
