//! `config` rules: conditions on the paths of a campaign file (CAMPAIGN.md).

use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
    /// `[*]`: every element of a list (or every value of a mapping).
    Any,
}

/// `a.b`, `a.list[*].c`, `a.list[0]`; `$` is the campaign itself.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub text: String,
    pub segments: Vec<Segment>,
}

impl FieldPath {
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let text = text.trim();
        let bad = |why: &str| Err(format!("path `{text}`: {why}"));
        let mut segments = Vec::new();
        if text == "$" {
            return Ok(FieldPath {
                text: text.to_string(),
                segments,
            });
        }
        if text.is_empty() {
            return bad("empty path");
        }
        for part in text.split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if name.is_empty() && (segments.is_empty() || rest.is_empty()) {
                return bad("empty key (write `a.b`, `a.list[*].c`)");
            }
            if !name.is_empty() {
                segments.push(Segment::Key(name.to_string()));
            }
            while !rest.is_empty() {
                let Some(close) = rest.find(']') else {
                    return bad("`[` without `]`");
                };
                let inner = &rest[1..close];
                segments.push(match inner {
                    "*" => Segment::Any,
                    n => match n.parse::<usize>() {
                        Ok(i) => Segment::Index(i),
                        Err(_) => return bad("an index is a number or `*`"),
                    },
                });
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return bad("expected `.` or `[` after `]`");
                }
            }
        }
        Ok(FieldPath {
            text: text.to_string(),
            segments,
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A value a condition compares with.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    Str(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// What is asked of the value at a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Present and not null (`exists: false`: absent or null).
    Exists(bool),
    /// Present and holding something: not null, `""`, `[]` or `{}`.
    NonEmpty(bool),
    Equals(Scalar),
    In(Vec<Scalar>),
    Gt(f64),
    Ge(f64),
    Lt(f64),
    Le(f64),
    /// The text at or below the path contains one of these phrases (normalized, like copy).
    Contains(Vec<String>),
    /// A date-time (or number) earlier / later than the one at another path.
    Before(FieldPath),
    After(FieldPath),
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[Scalar]| {
            items
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Test::Exists(true) => f.write_str("exists"),
            Test::Exists(false) => f.write_str("is missing"),
            Test::NonEmpty(true) => f.write_str("is not empty"),
            Test::NonEmpty(false) => f.write_str("is empty"),
            Test::Equals(s) => write!(f, "= {s}"),
            Test::In(items) => write!(f, "in [{}]", list(items)),
            Test::Gt(n) => write!(f, "> {n}"),
            Test::Ge(n) => write!(f, ">= {n}"),
            Test::Lt(n) => write!(f, "< {n}"),
            Test::Le(n) => write!(f, "<= {n}"),
            Test::Contains(terms) => write!(f, "contains one of [{}]", terms.join(", ")),
            Test::Before(p) => write!(f, "is before {p}"),
            Test::After(p) => write!(f, "is after {p}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    At { path: FieldPath, test: Test },
    Any(Vec<Condition>),
    All(Vec<Condition>),
    Not(Box<Condition>),
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |items: &[Condition], sep: &str| {
            items
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            Condition::At { path, test } => write!(f, "{path} {test}"),
            Condition::Any(items) => write!(f, "({})", join(items, " or ")),
            Condition::All(items) => write!(f, "({})", join(items, " and ")),
            Condition::Not(c) => write!(f, "not {c}"),
        }
    }
}

/// A `config` rule: where `when` holds, every place where a `forbid` condition holds is a
/// finding, and every place where an `expect` condition fails is one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigCheck {
    pub when: Vec<Condition>,
    pub forbid: Vec<Condition>,
    pub expect: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        let p = FieldPath::parse("lottery.prizes[*].value").expect("valid");
        assert_eq!(
            p.segments,
            vec![
                Segment::Key("lottery".into()),
                Segment::Key("prizes".into()),
                Segment::Any,
                Segment::Key("value".into()),
            ]
        );
        let p = FieldPath::parse("a[0][1]").expect("valid");
        assert_eq!(p.segments.len(), 3);
        assert!(FieldPath::parse("$").expect("root").segments.is_empty());
        for bad in ["", "a..b", "a[", "a[x]", "a[0]b"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }
}
