//! YAML through granit-parser's event stream (the parser serde-saphyr is built on), which gives
//! every event its byte range. The tree is built with an explicit stack, so nesting depth is
//! bounded by the parser's own limits, never by our call stack.

use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use super::align::Notation;
use super::{inside, string_node, Entry, Node, StructError, Value, MAX_DEPTH, MAX_NODES};

enum Frame {
    List {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Range<usize>)>,
    },
}

pub fn parse(text: &str) -> Result<Vec<Node>, StructError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let options = granit_parser::options! {
        flow_nesting_limit: MAX_DEPTH,
        block_nesting_limit: MAX_DEPTH,
    };
    for event in Parser::new_from_str_with_options(text, options) {
        let (event, span) = event.map_err(|e| scan_error(text, &e))?;
        let range = byte_range(&span);
        let node = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let is_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                let node = scalar(text, &value, style, is_str, range);
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::List {
                    start: range.start,
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    start: range.start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::List {
                        start,
                        anchor,
                        items,
                    }) => (Node::new(start..range.end, Value::List(items)), anchor),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node::new(start..range.end, Value::Map(merged(entries))),
                        anchor,
                    ),
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    continue;
                };
                nodes += count(target);
                if nodes > MAX_NODES {
                    return Err(StructError {
                        message: format!(
                            "aliases expand to more than {MAX_NODES} nodes; refusing to expand"
                        ),
                        byte: range.start,
                    });
                }
                let mut copy = target.clone();
                copy.span = range;
                copy.repeated = true;
                copy
            }
            Event::DocumentEnd => {
                anchors.clear();
                continue;
            }
            _ => continue,
        };
        nodes += 1;
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::List { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some((key_text(&node), node.span.clone())),
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
            },
        }
    }
    Ok(docs)
}

fn byte_range(span: &Span) -> Range<usize> {
    span.byte_range().unwrap_or(0..0)
}

fn scan_error(text: &str, e: &ScanError) -> StructError {
    StructError {
        message: e.info(),
        byte: e.marker().byte_offset().unwrap_or(0).min(text.len()),
    }
}

/// A key as text; a collection used as a key (rare, legal YAML) has no useful name.
fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Str(t) => t.text.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::List(_) | Value::Map(_) => "?".into(),
    }
}

/// Nodes below and including `node`, for the alias budget.
fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::List(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
        _ => 0,
    }
}

/// `<<: *base` merges the base mapping's entries that the mapping does not set itself.
fn merged(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.key == "<<");
    for merge in merges {
        let bases = match merge.value.value {
            Value::Map(base) => vec![base],
            Value::List(items) => items
                .into_iter()
                .filter_map(|n| match n.value {
                    Value::Map(base) => Some(base),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for base in bases {
            for mut entry in base {
                if !own.iter().any(|e| e.key == entry.key) {
                    entry.value.repeated = merge.value.repeated || entry.value.repeated;
                    own.push(entry);
                }
            }
        }
    }
    own
}

/// A scalar resolved by the YAML 1.2 core schema: quoted and block scalars are strings; plain
/// ones may be null, booleans or numbers.
fn scalar(text: &str, value: &str, style: ScalarStyle, is_str: bool, range: Range<usize>) -> Node {
    if style == ScalarStyle::Plain && !is_str {
        let plain = match value {
            "" | "~" | "null" | "Null" | "NULL" => Some(Value::Null),
            "true" | "True" | "TRUE" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" => Some(Value::Bool(false)),
            _ => number(value).map(Value::Number),
        };
        if let Some(v) = plain {
            return Node::new(range, v);
        }
    }
    let token = &text[range.clone()];
    let content = match style {
        ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => inside(&range, 1),
        ScalarStyle::Literal | ScalarStyle::Folded if token.starts_with(['|', '>']) => {
            let header = token.find('\n').map_or(token.len(), |i| i + 1);
            range.start + header..range.end
        }
        _ => range.clone(),
    };
    let notation = Notation {
        escapes: style == ScalarStyle::DoubleQuoted,
        doubled_quote: style == ScalarStyle::SingleQuoted,
    };
    string_node(text, value, range, content, notation)
}

/// Core-schema numbers: decimal, `0x`/`0o` integers, `.inf`/`.nan` are not amounts.
fn number(s: &str) -> Option<f64> {
    let first = s.chars().next()?;
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return None;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|n| n as f64);
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}
