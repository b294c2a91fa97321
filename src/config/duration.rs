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
                "invalid duration `{}`: use a number with a unit, like `90s`, `30m`, `2h` or `1h30m`",
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

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a duration like `90s`, `30m` or `2h`")
        })? {
            Raw::N(n) if n >= 0 => Ok(Self(n)),
            Raw::N(n) => Err(serde::de::Error::custom(format!(
                "invalid duration `{n}`: negative"
            ))),
            Raw::S(s) => Self::parse(&s).map_err(serde::de::Error::custom),
        }
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
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        let bad = || {
            serde::de::Error::custom(
                "expected an attempt count (like `2`) or a duration (like `30m`)",
            )
        };
        match Raw::deserialize(d).map_err(|_| bad())? {
            Raw::N(n) => u32::try_from(n).map(Self::Attempts).map_err(|_| bad()),
            Raw::S(s) => match s.trim().parse::<u32>() {
                Ok(n) => Ok(Self::Attempts(n)),
                Err(_) => Duration::parse(&s)
                    .map(Self::After)
                    .map_err(serde::de::Error::custom),
            },
        }
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
    }
}
