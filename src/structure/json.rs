//! JSON through jsonc-parser's located syntax tree (comments and trailing commas tolerated, as
//! exports and hand-edited campaign files often have them). Its own nesting limit is above ours,
//! so depth is checked while converting.

use jsonc_parser::ast::{ObjectPropName, Value as Json};
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use super::align::Notation;
use super::{check_depth, inside, string_node, Entry, Node, StructError, Value};

/// One JSON document, or — for exports named `.json` that hold one JSON value per line (JSON
/// Lines) — one document per line.
pub fn parse(text: &str) -> Result<Vec<Node>, StructError> {
    match parse_one(text) {
        Ok(node) => Ok(vec![node]),
        Err(whole) => per_line(text).ok_or(whole),
    }
}

fn per_line(text: &str) -> Option<Vec<Node>> {
    let mut docs = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            let mut node = parse_one(line).ok()?;
            node.shift(offset);
            docs.push(node);
        }
        offset += line.len();
    }
    (docs.len() > 1).then_some(docs)
}

fn parse_one(text: &str) -> Result<Node, StructError> {
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed =
        parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| StructError {
            message: e.kind().to_string(),
            byte: e.range().start.min(text.len()),
        })?;
    match parsed.value {
        Some(value) => convert(text, value, 0),
        None => Ok(Node::new(0..0, Value::Null)),
    }
}

fn convert(text: &str, value: Json<'_>, depth: usize) -> Result<Node, StructError> {
    Ok(match value {
        Json::StringLit(s) => string(text, &s.value, s.range.start..s.range.end),
        Json::NumberLit(n) => Node::new(
            n.range.start..n.range.end,
            n.value.parse::<f64>().map_or(Value::Null, Value::Number),
        ),
        Json::BooleanLit(b) => Node::new(b.range.start..b.range.end, Value::Bool(b.value)),
        Json::NullKeyword(n) => Node::new(n.range.start..n.range.end, Value::Null),
        Json::Array(a) => {
            check_depth(depth + 1, a.range.start)?;
            let items = a
                .elements
                .into_iter()
                .map(|v| convert(text, v, depth + 1))
                .collect::<Result<_, _>>()?;
            Node::new(a.range.start..a.range.end, Value::List(items))
        }
        Json::Object(o) => {
            check_depth(depth + 1, o.range.start)?;
            let mut entries = Vec::with_capacity(o.properties.len());
            for prop in o.properties {
                let (key, key_span) = match prop.name {
                    ObjectPropName::String(s) => (s.value.into_owned(), s.range.start..s.range.end),
                    ObjectPropName::Word(w) => (w.value.to_string(), w.range.start..w.range.end),
                };
                entries.push(Entry {
                    key,
                    key_span,
                    value: convert(text, prop.value, depth + 1)?,
                });
            }
            Node::new(o.range.start..o.range.end, Value::Map(entries))
        }
    })
}

fn string(text: &str, value: &str, token: std::ops::Range<usize>) -> Node {
    let notation = Notation {
        escapes: true,
        doubled_quote: false,
    };
    string_node(text, value, token.clone(), inside(&token, 1), notation)
}
