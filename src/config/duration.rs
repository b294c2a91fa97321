//! Durations as written in config (`90s`, `30m`, `2h`, `1h30m`) and `escalate-after`,
//! which is either an attempt count (`2`) or a duration (`30m`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

impl Duration {
    /// A duration of `s` seconds (negative values clamp to zero).
    pub const fn from_secs(s: i64) -> Self {
        Self(if s < 0 { 0 } else { s })
    }

    /// Whole seconds.
    pub fn as_secs(self) -> i64 {
        self.0
    }

    /// As a jiff signed duration, for timestamp arithmetic.
    pub fn to_signed(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(self.0)
    }

    /// Parses `90s`, `30m`, `2h`, `1d`, `1h30m`, `1h 30m`; a bare number is seconds.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let err = || {
            format!(
                "invalid duration `{}`: use {DURATION_FORMAT}",
                s.escape_default()
            )
        };
        if t.is_empty() {
            return Err(err());
        }
        if let Ok(n) = t.parse::<i64>() {
            return if n >= 0 { Ok(Self(n)) } else { Err(err()) };
        }
        let mut total: i64 = 0;
        let mut num = String::new();
        let mut unit = String::new();
        let mut parts = Vec::new();
        for c in t.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() {
                if !unit.is_empty() {
                    parts.push((std::mem::take(&mut num), std::mem::take(&mut unit)));
                }
                num.push(c);
            } else if c.is_ascii_alphabetic() {
                if num.is_empty() {
                    return Err(err());
                }
                unit.push(c);
            } else if c == ' ' {
                if !num.is_empty() && !unit.is_empty() {
                    parts.push((std::mem::take(&mut num), std::mem::take(&mut unit)));
                } else if !num.is_empty() {
                    return Err(err());
                }
            } else {
                return Err(err());
            }
        }
        if parts.is_empty() {
            return Err(err());
        }
        for (n, u) in parts {
            let n: i64 = n.parse().map_err(|_| err())?;
            let mult = match u.as_str() {
                "s" | "sec" | "secs" | "second" | "seconds" => 1,
                "m" | "min" | "mins" | "minute" | "minutes" => 60,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
                "d" | "day" | "days" => 86_400,
                _ => return Err(err()),
            };
            total = n
                .checked_mul(mult)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(err)?;
        }
        Ok(Self(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s == 0 {
            return f.write_str("0s");
        }
        let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
        for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
            if v > 0 {
                write!(f, "{v}{u}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The formats a duration may be written in, for error messages.
const DURATION_FORMAT: &str =
    "a duration like `90s`, `30m`, `2h` or `1h30m` (units s, m, h, d; a bare number is seconds)";

// A visitor rather than an untagged helper: errors raised inside the visitor get
// yaml_serde's key path and line:column attached.
impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DURATION_FORMAT)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Duration, E> {
                i64::try_from(n)
                    .map(Duration)
                    .map_err(|_| E::custom(format!("duration `{n}` is too large")))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Duration, E> {
                if n >= 0 {
                    Ok(Duration(n))
                } else {
                    Err(E::custom(format!(
                        "invalid duration `{n}`: must not be negative; use {DURATION_FORMAT}"
                    )))
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Duration, E> {
                Duration::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// `escalate-after`: a count of attempts or a duration since the condition was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalateAfter {
    /// Escalate after this many attempts to the agent.
    Attempts(u32),
    /// Escalate when the condition persists this long.
    After(Duration),
}

impl fmt::Display for EscalateAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attempts(n) => write!(f, "{n} attempts"),
            Self::After(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for EscalateAfter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Attempts(n) => s.serialize_u32(*n),
            Self::After(d) => d.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for EscalateAfter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const EXPECTED: &str = "an attempt count (like `2`) or a duration (like `30m`, `1h30m`)";
        impl serde::de::Visitor<'_> for V {
            type Value = EscalateAfter;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<EscalateAfter, E> {
                u32::try_from(n)
                    .map(EscalateAfter::Attempts)
                    .map_err(|_| E::custom(format!("`{n}` is too many attempts; use {EXPECTED}")))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<EscalateAfter, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!(
                        "invalid escalate-after `{n}`: must not be negative; use {EXPECTED}"
                    ))),
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<EscalateAfter, E> {
                match s.trim().parse::<u32>() {
                    Ok(n) => Ok(EscalateAfter::Attempts(n)),
                    Err(_) => Duration::parse(s).map(EscalateAfter::After).map_err(|_| {
                        E::custom(format!(
                            "invalid escalate-after `{}`: use {EXPECTED}",
                            s.escape_default()
                        ))
                    }),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("90s").unwrap().as_secs(), 90);
        assert_eq!(Duration::parse("30m").unwrap().as_secs(), 1800);
        assert_eq!(Duration::parse("2h").unwrap().as_secs(), 7200);
        assert_eq!(Duration::parse("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(Duration::parse("1h 30m").unwrap().as_secs(), 5400);
        assert_eq!(Duration::parse("45").unwrap().as_secs(), 45);
        for bad in ["", "m", "30x", "-5", "1.5h", "30 m x"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["90s", "30m", "2h", "1h30m", "1d2h"] {
            let d = Duration::parse(s).unwrap();
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
        assert_eq!(Duration::parse("90s").unwrap().to_string(), "1m30s");
    }

    #[test]
    fn escalate_after_count_or_duration() {
        let a: EscalateAfter = yaml_serde::from_str("2").unwrap();
        assert_eq!(a, EscalateAfter::Attempts(2));
        let b: EscalateAfter = yaml_serde::from_str("30m").unwrap();
        assert_eq!(b, EscalateAfter::After(Duration::from_secs(1800)));
        assert!(yaml_serde::from_str::<EscalateAfter>("soon").is_err());
        assert!(yaml_serde::from_str::<EscalateAfter>("-5m").is_err());
        assert!(yaml_serde::from_str::<EscalateAfter>("-1").is_err());
        assert!(yaml_serde::from_str::<EscalateAfter>("1.5").is_err());
        let c: EscalateAfter = yaml_serde::from_str("\"3\"").unwrap();
        assert_eq!(c, EscalateAfter::Attempts(3));
    }

    #[test]
    fn duration_errors_say_what_is_allowed() {
        let e = yaml_serde::from_str::<Duration>("30x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`90s`") && e.contains("units"), "{e}");
        let e = yaml_serde::from_str::<Duration>("-5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("negative"), "{e}");
        assert_eq!(
            yaml_serde::from_str::<Duration>("45").unwrap().as_secs(),
            45
        );
    }
}
