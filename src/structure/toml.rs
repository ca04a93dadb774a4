//! TOML through the `toml` crate's spanned document tree. Its parser bounds nesting itself.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::align::Notation;
use super::{check_depth, inside, string_node, Entry, Node, StructError, Text, Value};

pub fn parse(text: &str) -> Result<Node, StructError> {
    let table = DeTable::parse(text).map_err(|e| StructError {
        message: e.message().to_string(),
        byte: e.span().map_or(0, |s| s.start).min(text.len()),
    })?;
    let span = table.span();
    table_node(text, table.get_ref(), span, 0)
}

fn table_node(
    text: &str,
    table: &DeTable<'_>,
    span: Range<usize>,
    depth: usize,
) -> Result<Node, StructError> {
    check_depth(depth, span.start)?;
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_span: key.span(),
            value: convert(text, value, depth + 1)?,
        });
    }
    // Tables come back sorted by key; the file's order is the reader's order.
    entries.sort_by_key(|e| e.key_span.start);
    Ok(Node::new(span, Value::Map(entries)))
}

fn convert(text: &str, value: &Spanned<DeValue<'_>>, depth: usize) -> Result<Node, StructError> {
    let span = value.span();
    Ok(match value.get_ref() {
        DeValue::String(s) => string(text, s, span),
        DeValue::Integer(i) => {
            let n = i64::from_str_radix(i.as_str(), i.radix())
                .map_or(Value::Null, |n| Value::Number(n as f64));
            Node::new(span, n)
        }
        DeValue::Float(f) => Node::new(
            span,
            f.as_str().parse::<f64>().map_or(Value::Null, Value::Number),
        ),
        DeValue::Boolean(b) => Node::new(span, Value::Bool(*b)),
        DeValue::Datetime(d) => Node::new(
            span.clone(),
            Value::Str(Text {
                text: d.to_string(),
                origin: super::Origin::Whole(span),
            }),
        ),
        DeValue::Array(items) => {
            check_depth(depth, span.start)?;
            let items = items
                .iter()
                .map(|v| convert(text, v, depth + 1))
                .collect::<Result<_, _>>()?;
            Node::new(span, Value::List(items))
        }
        DeValue::Table(t) => table_node(text, t, span, depth)?,
    })
}

fn string(text: &str, value: &str, token: Range<usize>) -> Node {
    let raw = &text[token.clone()];
    let width = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let notation = Notation {
        escapes: raw.starts_with('"'),
        doubled_quote: false,
    };
    string_node(text, value, token.clone(), inside(&token, width), notation)
}
