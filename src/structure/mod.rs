//! Campaign files (YAML, JSON, TOML) parsed into one located tree.
//!
//! Each format is read by its own well-kept parser; this module turns their output into a
//! [`Node`] tree where every key and value knows its byte range in the file, and every string
//! knows where each of its decoded bytes came from (escapes, quotes and folded lines included),
//! so copy findings and config findings point at the exact place in the file.

mod align;
mod json;
mod toml;
mod yaml;

use std::ops::Range;

pub use align::Origin;

/// Nesting deeper than this is refused: no real campaign needs it, and a hostile file must not
/// exhaust the stack of the checks that walk the tree.
pub const MAX_DEPTH: usize = 200;

/// Aliases may repeat a node; past this many nodes a YAML file is refused (alias bombs).
pub const MAX_NODES: usize = 2_000_000;

/// A structured file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Toml,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "YAML",
            Format::Json => "JSON",
            Format::Toml => "TOML",
        }
    }
}

/// A file that does not parse, located at a byte of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructError {
    pub message: String,
    pub byte: usize,
}

/// A string value: its decoded text and the way back to the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Str(Text),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value's bytes in the file (for a collection, from its opening to its end).
    pub span: Range<usize>,
    pub value: Value,
    /// A copy made by a YAML alias: its strings were already checked where the anchor is.
    pub repeated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

impl Node {
    pub fn new(span: Range<usize>, value: Value) -> Node {
        Node {
            span,
            value,
            repeated: false,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Every string value at or below this node with its field (`copy.title`), in document
    /// order. Keys are not copy; values repeated by an alias were checked at their anchor.
    pub fn strings_with_fields<'a>(&'a self, field: String, out: &mut Vec<(String, &'a Text)>) {
        if self.repeated {
            return;
        }
        match &self.value {
            Value::Str(t) => out.push((field, t)),
            Value::List(items) => {
                for (i, n) in items.iter().enumerate() {
                    n.strings_with_fields(format!("{field}[{i}]"), out);
                }
            }
            Value::Map(entries) => {
                for e in entries {
                    let child = if field.is_empty() {
                        e.key.clone()
                    } else {
                        format!("{field}.{}", e.key)
                    };
                    e.value.strings_with_fields(child, out);
                }
            }
            _ => {}
        }
    }

    /// Every string at or below this node, one per line (for `contains` conditions); values
    /// repeated by an alias count too.
    pub fn all_text(&self, out: &mut String) {
        match &self.value {
            Value::Str(t) => {
                out.push_str(&t.text);
                out.push('\n');
            }
            Value::List(items) => items.iter().for_each(|n| n.all_text(out)),
            Value::Map(entries) => entries.iter().for_each(|e| e.value.all_text(out)),
            _ => {}
        }
    }

    /// Moves every byte range by `offset` (a document parsed out of a larger file).
    pub fn shift(&mut self, offset: usize) {
        self.span = self.span.start + offset..self.span.end + offset;
        match &mut self.value {
            Value::Str(t) => t.origin.shift(offset),
            Value::List(items) => items.iter_mut().for_each(|n| n.shift(offset)),
            Value::Map(entries) => {
                for e in entries {
                    e.key_span = e.key_span.start + offset..e.key_span.end + offset;
                    e.value.shift(offset);
                }
            }
            _ => {}
        }
    }

    /// `null`, `""`, `[]` and `{}` hold nothing.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Str(t) => t.text.trim().is_empty(),
            Value::List(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// A number, or a string that reads as one (`"120000"`, `"5,000元"`).
    pub fn as_number(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => Some(*n),
            Value::Str(t) => {
                let s: String = t.text.trim().chars().filter(|&c| c != ',').collect();
                let s = s.strip_suffix('元').unwrap_or(&s).trim();
                s.parse::<f64>().ok().filter(|n| n.is_finite())
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(t) => Some(&t.text),
            _ => None,
        }
    }
}

/// Parses a structured file into its documents (a YAML stream may hold several; the other
/// formats hold one). Byte offsets are offsets into `text`.
pub fn parse(format: Format, text: &str) -> Result<Vec<Node>, StructError> {
    let docs = match format {
        Format::Yaml => yaml::parse(text)?,
        Format::Json => json::parse(text)?,
        Format::Toml => vec![toml::parse(text)?],
    };
    Ok(docs)
}

/// The campaigns a file holds: each document; a top-level list of objects, or a `campaigns`
/// list, is one campaign per element (exports of several activities in one file).
pub fn campaigns(docs: &[Node]) -> Vec<&Node> {
    let mut out = Vec::new();
    for doc in docs {
        let list = match &doc.value {
            Value::List(items) => Some(items),
            Value::Map(entries) if entries.len() == 1 && entries[0].key == "campaigns" => {
                match &entries[0].value.value {
                    Value::List(items) => Some(items),
                    _ => None,
                }
            }
            _ => None,
        };
        match list {
            Some(items) if items.iter().all(|n| matches!(n.value, Value::Map(_))) => {
                out.extend(items.iter())
            }
            _ => out.push(doc),
        }
    }
    out
}

/// A string value from its decoded text and its token in `text`; `content` is the part of the
/// token between its delimiters.
fn string_node(
    text: &str,
    value: &str,
    token: Range<usize>,
    content: Range<usize>,
    notation: align::Notation,
) -> Node {
    let origin = align::origin(
        value,
        &text[content.clone()],
        content.start,
        token.clone(),
        notation,
    );
    Node::new(
        token,
        Value::Str(Text {
            text: value.to_string(),
            origin,
        }),
    )
}

/// The inside of a token delimited by `width` bytes on each side (`"…"`, `"""…"""`).
fn inside(token: &Range<usize>, width: usize) -> Range<usize> {
    if token.len() >= 2 * width {
        token.start + width..token.end - width
    } else {
        token.clone()
    }
}

/// Refuses nesting deeper than [`MAX_DEPTH`] before a recursive reader sees it.
fn check_depth(depth: usize, byte: usize) -> Result<(), StructError> {
    if depth > MAX_DEPTH {
        Err(StructError {
            message: format!("nested deeper than {MAX_DEPTH} levels"),
            byte,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(doc: &Node) -> Vec<&Text> {
        let mut out = Vec::new();
        doc.strings_with_fields(String::new(), &mut out);
        out.into_iter().map(|(_, t)| t).collect()
    }

    fn first_string(format: Format, text: &str) -> Text {
        let docs = parse(format, text).expect("parses");
        strings(&docs[0])[0].clone()
    }

    /// The file bytes a decoded substring came from.
    fn source_of<'a>(text: &'a str, t: &Text, needle: &str) -> &'a str {
        let at = t.text.find(needle).expect("needle in value");
        let range = t.origin.file_range(at..at + needle.len());
        &text[range]
    }

    #[test]
    fn plain_and_quoted_values_map_to_their_bytes() {
        for (format, text) in [
            (Format::Yaml, "a: 春季最佳\n"),
            (Format::Yaml, "a: \"春季最佳\"\n"),
            (Format::Json, "{\"a\": \"春季最佳\"}"),
            (Format::Toml, "a = \"春季最佳\"\n"),
            (Format::Toml, "a = '春季最佳'\n"),
        ] {
            let t = first_string(format, text);
            assert_eq!(t.text, "春季最佳");
            assert_eq!(source_of(text, &t, "最佳"), "最佳", "{text}");
        }
    }

    #[test]
    fn escapes_map_to_the_escape_sequences() {
        let json = r#"{"a": "x\n\u6700\u4f73 \"y\""}"#;
        let t = first_string(Format::Json, json);
        assert_eq!(t.text, "x\n最佳 \"y\"");
        assert_eq!(source_of(json, &t, "最佳"), r"\u6700\u4f73");
        assert_eq!(source_of(json, &t, "y"), "y");

        let yaml = "a: \"\\u6700佳 it\\\"s\"\nb: 'it''s 最佳'\n";
        let docs = parse(Format::Yaml, yaml).expect("parses");
        let out = strings(&docs[0]);
        assert_eq!(out[0].text, "最佳 it\"s");
        let at = out[1].text.find("最佳").expect("present");
        assert_eq!(&yaml[out[1].origin.file_range(at..at + 6)], "最佳");

        let toml = "a = \"\\U00006700佳\"\n";
        let t = first_string(Format::Toml, toml);
        assert_eq!(source_of(toml, &t, "最佳"), "\\U00006700佳");
    }

    #[test]
    fn block_and_folded_scalars_map_line_by_line() {
        let yaml = "a: |\n  第一行\n  今日最佳\nb: >\n  折叠 最\n  佳\nc: 多行\n  普通 最佳\n";
        let docs = parse(Format::Yaml, yaml).expect("parses");
        let out = strings(&docs[0]);
        let find = |t: &Text, s: &str| {
            let at = t.text.find(s).expect("present");
            &yaml[t.origin.file_range(at..at + s.len())]
        };
        assert_eq!(find(out[0], "最佳"), "最佳");
        assert_eq!(find(out[1], "最 佳"), "最\n  佳");
        assert_eq!(find(out[2], "最佳"), "最佳");
        let toml = "a = \"\"\"\n第一行\n最佳\"\"\"\n";
        let t = first_string(Format::Toml, toml);
        assert_eq!(source_of(toml, &t, "最佳"), "最佳");
    }

    #[test]
    fn keys_and_comments_are_not_copy() {
        let yaml = "# 最佳\n最佳: 普通\n";
        let t = first_string(Format::Yaml, yaml);
        assert_eq!(t.text, "普通");
    }

    #[test]
    fn malformed_files_name_the_byte() {
        let e = parse(Format::Json, "{\"a\": [1, }").expect_err("bad");
        assert!(e.byte >= 9, "{e:?}");
        let e = parse(Format::Yaml, "a: [1, 2\nb: c").expect_err("bad");
        assert!(e.byte > 0);
        let e = parse(Format::Toml, "a = [1,\nb = 2").expect_err("bad");
        assert_eq!(e.byte, 10);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse(Format::Json, &deep).is_err());
        assert!(parse(Format::Yaml, &deep).is_err());
        let toml = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(Format::Toml, &toml).is_err());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            yaml.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                std::iter::repeat_n(prev.as_str(), 10)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let e = parse(Format::Yaml, &yaml).expect_err("refused");
        assert!(e.message.contains("alias"), "{e:?}");
    }

    #[test]
    fn json_lines_in_a_json_file_are_one_document_each() {
        let text = "{\"a\": \"春季\"}\n{\"a\": \"最佳\"}\n";
        let docs = parse(Format::Json, text).expect("parses");
        assert_eq!(docs.len(), 2);
        let t = strings(&docs[1])[0];
        assert_eq!(&text[t.origin.file_range(0..t.text.len())], "最佳");
        assert!(parse(Format::Json, "{\"a\": 1}\n{oops\n").is_err());
    }

    #[test]
    fn lists_of_campaigns_are_split() {
        let docs = parse(Format::Json, r#"[{"a": 1}, {"a": 2}]"#).expect("parses");
        assert_eq!(campaigns(&docs).len(), 2);
        let docs = parse(Format::Yaml, "campaigns:\n  - a: 1\n  - a: 2\n").expect("parses");
        assert_eq!(campaigns(&docs).len(), 2);
        let docs = parse(Format::Yaml, "a: 1\n---\na: 2\n").expect("parses");
        assert_eq!(campaigns(&docs).len(), 2);
    }
}
