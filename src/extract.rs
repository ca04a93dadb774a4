//! Which parts of a file are copy. The result is a list of byte ranges of the original text:
//! markup, code and URLs are left out, and every offset still points into the original file.

use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use regex::Regex;

use crate::structure::Format;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Text,
    Markdown,
    Html,
    /// A campaign file: every string value is copy, and `config` rules check its structure.
    Structured(Format),
}

impl FileKind {
    /// The kind for a file name; `None` for files a directory walk does not pick up.
    pub fn from_path(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(FileKind::Text),
            "md" | "markdown" => Some(FileKind::Markdown),
            "html" | "htm" => Some(FileKind::Html),
            "yaml" | "yml" => Some(FileKind::Structured(Format::Yaml)),
            "json" => Some(FileKind::Structured(Format::Json)),
            "toml" => Some(FileKind::Structured(Format::Toml)),
            // Archives are read as text until their record reader exists.
            "csv" | "tsv" | "jsonl" => Some(FileKind::Text),
            _ => None,
        }
    }
}

/// The copy of `text` (which may start with a BOM) as byte ranges.
pub fn copy_segments(kind: FileKind, text: &str) -> Vec<Range<usize>> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let raw = match kind {
        // A structured file's strings are decoded first (see `structure`); as raw text, all of
        // it is copy.
        FileKind::Text | FileKind::Structured(_) => {
            let whole = start..text.len();
            vec![whole]
        }
        FileKind::Markdown => markdown_text(text, start),
        FileKind::Html => html_text(text, start),
    };
    without_urls(text, raw)
}

fn markdown_text(text: &str, base: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut in_code = 0usize;
    for (event, range) in Parser::new(&text[base..]).into_offset_iter() {
        let range = range.start + base..range.end + base;
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Text(_) if in_code == 0 => {
                // Adjacent text events (split by escapes or entities) form one run of copy.
                match out.last_mut() {
                    Some(last) if last.end == range.start => last.end = range.end,
                    _ => out.push(range),
                }
            }
            _ => {}
        }
    }
    out
}

/// Text between tags, leaving out tags, comments, scripts and styles.
fn html_text(text: &str, base: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = base;
    let mut text_start = base;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if text_start < i {
            out.push(text_start..i);
        }
        let rest = &text[i..];
        let end = if rest.starts_with("<!--") {
            rest.find("-->").map_or(text.len(), |e| i + e + 3)
        } else if let Some(close) = raw_text_close(rest) {
            // Script and style bodies are code: skip to the closing tag.
            rest.match_indices('<')
                .map(|(c, _)| c)
                .find(|&c| starts_with_ignore_case(&rest[c..], close))
                .and_then(|c| rest[c..].find('>').map(|e| i + c + e + 1))
                .unwrap_or(text.len())
        } else {
            rest.find('>').map_or(text.len(), |e| i + e + 1)
        };
        i = end;
        text_start = end;
    }
    if text_start < text.len() {
        out.push(text_start..text.len());
    }
    out
}

/// The closing tag to look for when `rest` opens a `<script>` or `<style>` element.
fn raw_text_close(rest: &str) -> Option<&'static str> {
    if starts_with_ignore_case(rest, "<script") {
        Some("</script")
    } else if starts_with_ignore_case(rest, "<style") {
        Some("</style")
    } else {
        None
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// A link is printable ASCII: it ends where Chinese text or full-width punctuation begins,
/// since copy often runs on straight after one (详询www.x.cn领取, [www.x.com]百家乐).
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:https?://|www\.)[!-~&&[^<>()\[\]\x22']]+").expect("URL pattern is valid")
});

/// Removes URLs from the ranges: a link is not copy.
fn without_urls(text: &str, ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let mut from = r.start;
        for m in URL.find_iter(&text[r.clone()]) {
            let (s, e) = (r.start + m.start(), r.start + m.end());
            if from < s {
                out.push(from..s);
            }
            from = e;
        }
        if from < r.end {
            out.push(from..r.end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(kind: FileKind, text: &str) -> Vec<&str> {
        copy_segments(kind, text)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn markdown_leaves_out_code_and_links() {
        let md = "# 标题\n\n正文[链接](https://a.cn/最佳)\n\n```\n最佳\n```\n\n`最佳` 结尾\n";
        let got = pieces(FileKind::Markdown, md).concat();
        assert!(got.contains("标题") && got.contains("正文") && got.contains("结尾"));
        assert!(!got.contains("最佳"), "{got}");
    }

    #[test]
    fn html_leaves_out_tags_and_scripts() {
        let html =
            "<p class=\"最佳\">好货</p><script>var a='最佳'</script><!-- 最佳 -->完<b>驰名</b>";
        assert_eq!(pieces(FileKind::Html, html), vec!["好货", "完", "驰名"]);
    }

    #[test]
    fn urls_are_not_copy() {
        assert_eq!(
            pieces(FileKind::Text, "看 https://x.cn/zuijia 这里"),
            vec!["看 ", " 这里"]
        );
        // Copy straight after a link is copy.
        assert_eq!(
            pieces(
                FileKind::Text,
                "详询www.x.cn领取，[www.y.com]百家乐！http://z.cn?a=1，好"
            ),
            vec!["详询", "领取，[", "]百家乐！", "，好"]
        );
    }
}
