//! Evaluating `config` rules on one campaign: where each condition holds or fails, and so where
//! each finding points — at the offending value, or, for a missing field, at the key of the
//! object that should hold it.

use std::cmp::Ordering;
use std::ops::Range;

use crate::normalize::{NormOptions, Normalized};
use crate::rules::{Condition, ConfigCheck, FieldPath, Scalar, Segment, Test};
use crate::structure::{Node, Value};

/// What a path leads to in one campaign.
#[derive(Debug, Clone)]
pub struct Binding<'a> {
    /// The value, or `None` when the field is missing.
    pub node: Option<&'a Node>,
    /// Where a finding about this binding points (`None`: the campaign as a whole).
    pub at: Option<Range<usize>>,
    /// The field, as a path with indexes (`lottery.prizes[0].value`).
    pub field: String,
}

/// A place a config rule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigHit {
    pub at: Range<usize>,
    pub field: String,
    /// The field is absent (the finding points at the object that should hold it).
    pub missing: bool,
    /// The finding points at a scalar value (not at a key).
    pub at_value: bool,
}

/// Whether `cond` holds on the campaign (a text rule's `unless`).
pub fn holds(cond: &Condition, campaign: &Node) -> bool {
    eval(cond, campaign).holds
}

/// Every finding of one `config` rule on one campaign.
pub fn evaluate(check: &ConfigCheck, campaign: &Node) -> Vec<ConfigHit> {
    let mut when_at: Option<Binding<'_>> = None;
    for cond in &check.when {
        let o = eval(cond, campaign);
        if !o.holds {
            return Vec::new();
        }
        if when_at.is_none() {
            when_at = o.yes.into_iter().find(|b| b.at.is_some());
        }
    }
    // A campaign-wide finding points at what made the rule apply, or at the campaign's start.
    let fallback = |b: Binding<'_>| -> ConfigHit {
        let missing = b.node.is_none_or(|n| matches!(n.value, Value::Null));
        let scalar = |n: Option<&Node>| {
            n.is_some_and(|n| !matches!(n.value, Value::Map(_) | Value::List(_)))
        };
        let (at, at_value) = match (b.at, &when_at) {
            (Some(at), _) => (at, b.node.is_some() && scalar(b.node)),
            (None, Some(w)) => (
                w.at.clone().unwrap_or(campaign_start(campaign)),
                w.at.is_some() && scalar(w.node),
            ),
            (None, None) => (campaign_start(campaign), false),
        };
        ConfigHit {
            at,
            field: b.field,
            missing,
            at_value,
        }
    };
    let mut hits = Vec::new();
    for cond in &check.forbid {
        let o = eval(cond, campaign);
        if o.holds {
            hits.extend(o.yes.into_iter().map(fallback));
        }
    }
    for cond in &check.expect {
        let o = eval(cond, campaign);
        match cond {
            // A path condition must hold at every place the path leads to.
            Condition::At { .. } => hits.extend(o.no.into_iter().map(fallback)),
            // A combination that fails as a whole points at what made the rule apply and
            // names the first field that could have satisfied it.
            _ if !o.holds => {
                let (node, field) =
                    o.no.into_iter()
                        .next()
                        .map_or((None, String::new()), |b| (b.node, b.field));
                hits.push(fallback(Binding {
                    node,
                    at: None,
                    field,
                }));
            }
            _ => {}
        }
    }
    hits.sort_by_key(|h| (h.at.start, h.at.end));
    hits.dedup();
    hits
}

/// The first line of a campaign: its first key, or where it starts.
fn campaign_start(campaign: &Node) -> Range<usize> {
    match &campaign.value {
        Value::Map(entries) if !entries.is_empty() => entries[0].key_span.clone(),
        _ => campaign.span.start..campaign.span.start,
    }
}

/// A condition's verdict: whether it holds (somewhere), the places where it holds and the
/// places where it fails.
struct Outcome<'a> {
    holds: bool,
    yes: Vec<Binding<'a>>,
    no: Vec<Binding<'a>>,
}

fn eval<'a>(cond: &Condition, campaign: &'a Node) -> Outcome<'a> {
    match cond {
        Condition::At { path, test } => {
            let (mut yes, mut no) = (Vec::new(), Vec::new());
            for b in resolve(campaign, path) {
                if passes(test, &b, campaign) {
                    yes.push(b);
                } else {
                    no.push(b);
                }
            }
            Outcome {
                holds: !yes.is_empty(),
                yes,
                no,
            }
        }
        Condition::Any(items) | Condition::All(items) => {
            let all = matches!(cond, Condition::All(_));
            let parts: Vec<Outcome<'a>> = items.iter().map(|c| eval(c, campaign)).collect();
            let holds = if all {
                parts.iter().all(|o| o.holds)
            } else {
                parts.iter().any(|o| o.holds)
            };
            let mut out = Outcome {
                holds,
                yes: Vec::new(),
                no: Vec::new(),
            };
            for p in parts {
                if p.holds {
                    out.yes.extend(p.yes);
                } else {
                    out.no.extend(p.no);
                }
            }
            out
        }
        Condition::Not(inner) => {
            let o = eval(inner, campaign);
            Outcome {
                holds: !o.holds,
                yes: o.no,
                no: o.yes,
            }
        }
    }
}

/// Where a path leads. A missing field is a binding without a node, located at the key of the
/// object that should hold it — unless a `[*]` still follows, then there is nothing to check.
pub fn resolve<'a>(campaign: &'a Node, path: &FieldPath) -> Vec<Binding<'a>> {
    let mut out = Vec::new();
    walk(campaign, None, &path.segments, String::new(), &mut out);
    out
}

fn walk<'a>(
    node: &'a Node,
    key_span: Option<Range<usize>>,
    segments: &[Segment],
    field: String,
    out: &mut Vec<Binding<'a>>,
) {
    let Some((first, rest)) = segments.split_first() else {
        let at = match &node.value {
            // A whole object or list is pointed at by its key.
            Value::Map(_) | Value::List(_) => key_span.or(Some(node.span.start..node.span.start)),
            _ => Some(node.span.clone()),
        };
        let at = if field.is_empty() { None } else { at };
        out.push(Binding {
            node: Some(node),
            at,
            field,
        });
        return;
    };
    let missing = |child: String, out: &mut Vec<Binding<'a>>| {
        missing_at(node, key_span.clone(), rest, child, &field, out)
    };
    match (first, &node.value) {
        (Segment::Key(k), Value::Map(_)) => {
            let child = join(&field, k);
            match node.get(k) {
                Some(e) => walk(&e.value, Some(e.key_span.clone()), rest, child, out),
                None => missing(child, out),
            }
        }
        (Segment::Key(k), _) => missing(join(&field, k), out),
        (Segment::Index(i), Value::List(items)) => {
            let child = format!("{field}[{i}]");
            match items.get(*i) {
                Some(n) => walk(n, None, rest, child, out),
                None => missing(child, out),
            }
        }
        (Segment::Index(i), _) => missing(format!("{field}[{i}]"), out),
        (Segment::Any, Value::List(items)) => {
            for (i, n) in items.iter().enumerate() {
                walk(n, None, rest, format!("{field}[{i}]"), out);
            }
        }
        (Segment::Any, Value::Map(entries)) => {
            for e in entries {
                walk(
                    &e.value,
                    Some(e.key_span.clone()),
                    rest,
                    join(&field, &e.key),
                    out,
                );
            }
        }
        (Segment::Any, _) => {}
    }
}

/// A key missing from `holder`: point at the holder's key, or at the holder itself when it is
/// a list element; the campaign root has no place of its own.
fn missing_at<'a>(
    holder: &'a Node,
    holder_key: Option<Range<usize>>,
    rest: &[Segment],
    field: String,
    holder_field: &str,
    out: &mut Vec<Binding<'a>>,
) {
    if rest.contains(&Segment::Any) {
        return;
    }
    let at = match holder_key {
        Some(k) => Some(k),
        None if holder_field.is_empty() => None,
        None => Some(holder.span.start..holder.span.start),
    };
    out.push(Binding {
        node: None,
        at,
        field,
    });
}

fn join(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

fn passes(test: &Test, b: &Binding<'_>, campaign: &Node) -> bool {
    let present = b.node.filter(|n| !matches!(n.value, Value::Null));
    match test {
        Test::Exists(want) => present.is_some() == *want,
        Test::NonEmpty(want) => present.is_some_and(|n| !n.is_empty()) == *want,
        Test::Equals(s) => present.is_some_and(|n| equals(n, s)),
        Test::In(list) => present.is_some_and(|n| list.iter().any(|s| equals(n, s))),
        Test::Gt(x) => number(present).is_some_and(|n| n > *x),
        Test::Ge(x) => number(present).is_some_and(|n| n >= *x),
        Test::Lt(x) => number(present).is_some_and(|n| n < *x),
        Test::Le(x) => number(present).is_some_and(|n| n <= *x),
        Test::Contains(terms) => present.is_some_and(|n| {
            let mut text = String::new();
            n.all_text(&mut text);
            let text = Normalized::text_of(&text, NormOptions::ALL);
            terms.iter().any(|t| text.contains(t.as_str()))
        }),
        Test::Before(other) | Test::After(other) => {
            let Some(n) = present else { return false };
            let Some(o) = resolve(campaign, other).into_iter().find_map(|b| b.node) else {
                return false;
            };
            let want = if matches!(test, Test::Before(_)) {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            compare_times(n, o) == Some(want)
        }
    }
}

fn number(node: Option<&Node>) -> Option<f64> {
    node.and_then(Node::as_number)
}

/// Scalars compare by kind: booleans (also written as `"true"`), numbers (also as numeric
/// strings), and strings (trimmed, ASCII case-insensitive: `SMS` is `sms`).
fn equals(node: &Node, want: &Scalar) -> bool {
    match (want, &node.value) {
        (Scalar::Bool(w), Value::Bool(b)) => w == b,
        (Scalar::Bool(w), Value::Str(t)) => t.text.trim().eq_ignore_ascii_case(&w.to_string()),
        (Scalar::Number(w), _) => node.as_number().is_some_and(|n| n == *w),
        (Scalar::Str(w), Value::Str(t)) => t.text.trim().eq_ignore_ascii_case(w.trim()),
        (Scalar::Str(w), Value::Number(n)) => w.trim().parse::<f64>().is_ok_and(|x| x == *n),
        _ => false,
    }
}

/// Two date-times (RFC 3339, or civil times read in China Standard Time, UTC+8), or two
/// numbers (epoch seconds).
fn compare_times(a: &Node, b: &Node) -> Option<Ordering> {
    if let (Value::Number(x), Value::Number(y)) = (&a.value, &b.value) {
        return x.partial_cmp(y);
    }
    let (x, y) = (instant(a.as_str()?)?, instant(b.as_str()?)?);
    Some(x.cmp(&y))
}

fn instant(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let china = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    let civil = s
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            s.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .ok()?;
    civil.to_zoned(china).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::{parse, Format};

    fn campaign(yaml: &str) -> Node {
        parse(Format::Yaml, yaml).expect("parses").remove(0)
    }

    fn at(yaml: &str, path: &str, test: Test) -> Vec<(String, String)> {
        let c = campaign(yaml);
        let check = ConfigCheck {
            forbid: vec![Condition::At {
                path: FieldPath::parse(path).expect("path"),
                test,
            }],
            ..ConfigCheck::default()
        };
        evaluate(&check, &c)
            .into_iter()
            .map(|h| (h.field, yaml[h.at].to_string()))
            .collect()
    }

    #[test]
    fn forbidden_values_point_at_each_value() {
        let yaml =
            "lottery:\n  prizes:\n    - {name: a, value: 2999}\n    - {name: b, value: 120000}\n";
        assert_eq!(
            at(yaml, "lottery.prizes[*].value", Test::Gt(50000.0)),
            vec![("lottery.prizes[1].value".to_string(), "120000".to_string())]
        );
    }

    #[test]
    fn missing_fields_point_at_the_holder_key() {
        let yaml = "type: lottery\nprice:\n  original: 199\n";
        let c = campaign(yaml);
        let check = ConfigCheck {
            expect: vec![Condition::At {
                path: FieldPath::parse("price.original_basis").expect("path"),
                test: Test::NonEmpty(true),
            }],
            ..ConfigCheck::default()
        };
        let hits = evaluate(&check, &c);
        assert_eq!(hits.len(), 1);
        assert_eq!(&yaml[hits[0].at.clone()], "price");
        assert_eq!(hits[0].field, "price.original_basis");
    }

    #[test]
    fn wildcards_over_missing_lists_check_nothing() {
        let yaml = "data_collection:\n  fields: [phone]\n";
        assert!(at(
            yaml,
            "data_collection.third_parties[*].name",
            Test::Exists(false)
        )
        .is_empty());
        let yaml = "data_collection:\n  third_parties:\n    - {purpose: 寄送}\n";
        let hits = at(
            yaml,
            "data_collection.third_parties[*].name",
            Test::Exists(false),
        );
        assert_eq!(hits.len(), 1);
        assert!(hits[0].1.is_empty());
    }

    #[test]
    fn times_compare_across_notations() {
        let yaml = "start: 2026-03-03T10:00:00+08:00\nend: 2026-03-01 23:59\n";
        assert_eq!(
            at(
                yaml,
                "end",
                Test::Before(FieldPath::parse("start").expect("p"))
            )
            .len(),
            1
        );
        let yaml = "start: 2026-03-01\nend: 2026-03-03T02:00:00Z\n";
        assert!(at(
            yaml,
            "end",
            Test::Before(FieldPath::parse("start").expect("p"))
        )
        .is_empty());
    }

    #[test]
    fn scalars_compare_loosely_by_kind() {
        let yaml = "channel: SMS\nad_label: \"false\"\nfee: \"5,000元\"\n";
        assert_eq!(
            at(yaml, "channel", Test::Equals(Scalar::Str("sms".into()))).len(),
            1
        );
        assert_eq!(
            at(yaml, "ad_label", Test::Equals(Scalar::Bool(false))).len(),
            1
        );
        assert_eq!(at(yaml, "fee", Test::Gt(4999.0)).len(), 1);
    }
}
