//! Where each byte of a decoded string value came from in the file.
//!
//! Parsers hand back a string's decoded value and the byte range of its source token. Most
//! values are written verbatim; the rest differ by escapes (`\u6700`), doubled quotes (`''`) or
//! line folding. Walking the decoded characters and the source side by side recovers, for each
//! decoded character, the bytes that wrote it. When the two cannot be aligned the whole token is
//! the location: less precise, never wrong.

use std::ops::Range;

/// How the bytes of a decoded string map back to the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The decoded text is written unchanged in the file from this byte on.
    Verbatim(usize),
    /// For each decoded byte, the file bytes of the character (or escape) that wrote it.
    Mapped(Vec<(u32, u32)>),
    /// Only the whole token's place is known.
    Whole(Range<usize>),
}

impl Origin {
    pub fn shift(&mut self, offset: usize) {
        match self {
            Origin::Verbatim(start) => *start += offset,
            Origin::Mapped(map) => {
                let by = u32::try_from(offset).unwrap_or(u32::MAX);
                map.iter_mut()
                    .for_each(|m| *m = (m.0.saturating_add(by), m.1.saturating_add(by)));
            }
            Origin::Whole(span) => *span = span.start + offset..span.end + offset,
        }
    }

    /// The file bytes that wrote the decoded bytes `range`.
    pub fn file_range(&self, range: Range<usize>) -> Range<usize> {
        match self {
            Origin::Verbatim(start) => start + range.start..start + range.end,
            Origin::Mapped(map) => {
                let (Some(first), Some(last)) = (
                    map.get(range.start),
                    map.get(range.end.saturating_sub(1).max(range.start)),
                ) else {
                    let end = map.last().map_or(0, |m| m.1 as usize);
                    return end..end;
                };
                first.0 as usize..(last.1 as usize).max(first.0 as usize)
            }
            Origin::Whole(span) => span.clone(),
        }
    }
}

/// What a string token's notation allows beyond verbatim characters.
#[derive(Debug, Clone, Copy)]
pub struct Notation {
    /// Backslash escapes (JSON, YAML double-quoted, TOML basic strings).
    pub escapes: bool,
    /// `''` stands for `'` (YAML single-quoted).
    pub doubled_quote: bool,
}

/// The origin of `decoded`, written as `content` (the token without its delimiters) starting at
/// file byte `start`; `token` is the whole token, the fallback location.
pub fn origin(
    decoded: &str,
    content: &str,
    start: usize,
    token: Range<usize>,
    notation: Notation,
) -> Origin {
    if decoded == content {
        return Origin::Verbatim(start);
    }
    match align(decoded, content, start, notation) {
        Some(map) => Origin::Mapped(map),
        None => Origin::Whole(token),
    }
}

fn align(
    decoded: &str,
    content: &str,
    start: usize,
    notation: Notation,
) -> Option<Vec<(u32, u32)>> {
    let mut map = Vec::with_capacity(decoded.len());
    let at = |i: usize| u32::try_from(start + i).ok();
    let mut src = 0usize;
    'decoded: for c in decoded.chars() {
        loop {
            let r = content[src..].chars().next()?;
            if r == c {
                let mut end = src + r.len_utf8();
                if notation.doubled_quote && c == '\'' && content[end..].starts_with('\'') {
                    end += 1;
                }
                push(&mut map, c, at(src)?, at(end)?);
                src = end;
                continue 'decoded;
            }
            if notation.escapes && r == '\\' {
                match escape(&content[src..]) {
                    Some(Escape::Char(e, len)) if e == c => {
                        push(&mut map, c, at(src)?, at(src + len)?);
                        src += len;
                        continue 'decoded;
                    }
                    Some(Escape::LineJoin(len)) => {
                        src += len;
                        continue;
                    }
                    _ => return None,
                }
            }
            if matches!(r, ' ' | '\t' | '\r' | '\n') {
                // A folded line break reads as a space (or a line break) in the value.
                if matches!(c, ' ' | '\n') && matches!(r, '\r' | '\n') {
                    push(&mut map, c, at(src)?, at(src + 1)?);
                    src += 1;
                    continue 'decoded;
                }
                src += 1;
                continue;
            }
            return None;
        }
    }
    Some(map)
}

fn push(map: &mut Vec<(u32, u32)>, c: char, start: u32, end: u32) {
    map.extend(std::iter::repeat_n((start, end), c.len_utf8()));
}

enum Escape {
    /// The character and the length of its escape sequence.
    Char(char, usize),
    /// A backslash before a line break: the break and the next line's indentation vanish.
    LineJoin(usize),
}

/// Reads the escape sequence at the start of `s` (which starts with a backslash).
fn escape(s: &str) -> Option<Escape> {
    let mut it = s[1..].chars();
    let e = it.next()?;
    let simple = |c: char| Some(Escape::Char(c, 1 + e.len_utf8()));
    match e {
        'n' => simple('\n'),
        't' => simple('\t'),
        'r' => simple('\r'),
        'b' => simple('\u{8}'),
        'f' => simple('\u{c}'),
        'v' => simple('\u{b}'),
        'a' => simple('\u{7}'),
        'e' => simple('\u{1b}'),
        '0' => simple('\0'),
        'N' => simple('\u{85}'),
        '_' => simple('\u{a0}'),
        'L' => simple('\u{2028}'),
        'P' => simple('\u{2029}'),
        'x' => hex(s, 2),
        'u' => {
            let first = u32::from_str_radix(s.get(2..6)?, 16).ok()?;
            if (0xD800..0xDC00).contains(&first) {
                // A UTF-16 surrogate pair written as two escapes (JSON).
                let low = s.get(6..12).filter(|l| l.starts_with("\\u"))?;
                let low = u32::from_str_radix(&low[2..], 16).ok()?;
                let c = 0x10000 + ((first - 0xD800) << 10) + (low.checked_sub(0xDC00)?);
                Some(Escape::Char(char::from_u32(c)?, 12))
            } else {
                Some(Escape::Char(char::from_u32(first)?, 6))
            }
        }
        'U' => hex(s, 8),
        '\r' | '\n' => {
            let rest = &s[1..];
            let len = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
            Some(Escape::LineJoin(1 + len))
        }
        other => Some(Escape::Char(other, 1 + other.len_utf8())),
    }
}

fn hex(s: &str, digits: usize) -> Option<Escape> {
    let code = u32::from_str_radix(s.get(2..2 + digits)?, 16).ok()?;
    Some(Escape::Char(char::from_u32(code)?, 2 + digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESCAPES: Notation = Notation {
        escapes: true,
        doubled_quote: false,
    };

    #[test]
    fn surrogate_pairs_are_one_character() {
        let content = r"\ud83d\ude00最佳";
        let o = origin("😀最佳", content, 10, 0..0, ESCAPES);
        assert_eq!(o.file_range(4..10), 22..28);
        assert_eq!(o.file_range(0..4), 10..22);
    }

    #[test]
    fn unalignable_values_fall_back_to_the_token() {
        let o = origin("完全不同", "abc", 5, 4..9, ESCAPES);
        assert_eq!(o, Origin::Whole(4..9));
        assert_eq!(o.file_range(0..3), 4..9);
    }
}
