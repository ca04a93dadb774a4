//! The normalized view that rules match against, with an exact way back to the original bytes.
//!
//! Every step works on one source character at a time (width folding, case folding,
//! Traditional → Simplified, dropping evasion noise), so each normalized byte remembers the
//! original character it came from. A match found in the normalized text therefore maps back to
//! an exact byte range of the original — `最 佳` is reported as `最 佳`, not as `最佳`.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeEmoji, UnicodeGeneralCategory};

/// Which normalization steps run. Each rule pack can turn steps off (`normalize:` in the pack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormOptions {
    /// Full-width and other compatibility forms → their plain form (`ＮＯ．１` → `NO.1`).
    pub width: bool,
    /// Case folding (`Top1` → `top1`).
    pub case: bool,
    /// Traditional → Simplified Chinese (`國家級` → `国家级`).
    pub traditional: bool,
    /// Skip spaces, zero-width characters, `* - _ · .`, symbols and emoji between characters.
    pub noise: bool,
}

impl Default for NormOptions {
    fn default() -> Self {
        NormOptions::ALL
    }
}

impl NormOptions {
    /// Every step on: the view the shared automaton is built for.
    pub const ALL: NormOptions = NormOptions {
        width: true,
        case: true,
        traditional: true,
        noise: true,
    };

    pub fn is_all(&self) -> bool {
        *self == NormOptions::ALL
    }
}

/// Normalized text plus, for each of its bytes, the byte offset of the original character it
/// came from.
#[derive(Debug, Default)]
pub struct Normalized {
    pub text: String,
    origin: Vec<u32>,
}

impl Normalized {
    /// Normalizes the given byte ranges of `original` (each a run of copy), joined by line
    /// breaks so that no match spans two ranges.
    pub fn new(original: &str, segments: &[Range<usize>], opts: NormOptions) -> Normalized {
        let mut folded = String::with_capacity(original.len());
        let mut char_origin: Vec<u32> = Vec::with_capacity(original.len() / 2);
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                folded.push('\n');
                char_origin.push(seg.start as u32);
            }
            fold_segment(original, seg.clone(), opts, &mut folded, &mut char_origin);
        }
        let text = if opts.traditional && !folded.is_ascii() {
            let converted = fast2s::convert(&folded);
            // The table is character-for-character; keep the folded text if that ever breaks.
            if converted.chars().count() == char_origin.len() {
                converted
            } else {
                folded
            }
        } else {
            folded
        };
        let mut origin = Vec::with_capacity(text.len());
        for (ch, &src) in text.chars().zip(char_origin.iter()) {
            origin.extend(std::iter::repeat_n(src, ch.len_utf8()));
        }
        Normalized { text, origin }
    }

    /// Normalizes the whole of `s` as one segment.
    pub fn whole(s: &str, opts: NormOptions) -> Normalized {
        let whole = 0..s.len();
        Normalized::new(s, std::slice::from_ref(&whole), opts)
    }

    /// Normalizes a whole string (rule terms, examples) without keeping the map.
    pub fn text_of(s: &str, opts: NormOptions) -> String {
        Normalized::whole(s, opts).text
    }

    /// The original byte range covered by the normalized byte range `start..end`.
    pub fn original_range(&self, original: &str, start: usize, end: usize) -> Range<usize> {
        let from = self.origin[start] as usize;
        let last = self.origin[end - 1] as usize;
        let last_len = original[last..].chars().next().map_or(0, char::len_utf8);
        from..last + last_len
    }
}

fn fold_segment(
    original: &str,
    seg: Range<usize>,
    opts: NormOptions,
    out: &mut String,
    origin: &mut Vec<u32>,
) {
    let text = &original[seg.clone()];
    let mut prev_out: Option<char> = None;
    for (i, c) in text.char_indices() {
        let at = (seg.start + i) as u32;
        let mut emit = |f: char, out: &mut String, origin: &mut Vec<u32>| {
            if opts.noise && is_noise(f, prev_out, || next_folded(text, i + c.len_utf8(), opts)) {
                return;
            }
            let mut push = |ch: char| {
                out.push(ch);
                origin.push(at);
                prev_out = Some(ch);
            };
            if opts.case && f.is_uppercase() {
                f.to_lowercase().for_each(push);
            } else {
                push(f);
            }
        };
        if opts.width && needs_compat_fold(c) {
            for f in std::iter::once(c).nfkc() {
                emit(f, out, origin);
            }
        } else {
            emit(c, out, origin);
        }
    }
}

/// ASCII and the main CJK block are already in normal form; only the rest goes through NFKC.
#[inline]
fn needs_compat_fold(c: char) -> bool {
    !(c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

fn next_folded(text: &str, from: usize, opts: NormOptions) -> Option<char> {
    let c = text[from..].chars().next()?;
    if opts.width && needs_compat_fold(c) {
        std::iter::once(c).nfkc().next()
    } else {
        Some(c)
    }
}

/// Evasion noise: characters people put between the characters of a banned phrase.
/// Line breaks are not noise — a phrase never continues across lines.
fn is_noise(c: char, prev: Option<char>, next: impl FnOnce() -> Option<char>) -> bool {
    match c {
        ' ' | '\t' | '*' | '_' | '-' | '~' => true,
        // A decimal point (3.5折, 8.5%) is content; a dot between letters is noise (NO.1).
        '.' => {
            !(prev.is_some_and(|p| p.is_ascii_digit())
                && next().is_some_and(|n| n.is_ascii_digit()))
        }
        c if c.is_ascii() => false,
        '·' | '•' | '・' | '‧' | '∙' | '⋅' | '﹡' => true,
        c => {
            matches!(
                c.general_category(),
                GeneralCategory::Format
                    | GeneralCategory::SpaceSeparator
                    | GeneralCategory::OtherSymbol
                    | GeneralCategory::NonspacingMark
                    | GeneralCategory::EnclosingMark
            ) || c.is_emoji_char_or_emoji_component()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::text_of(s, NormOptions::ALL)
    }

    #[test]
    fn folds_width_case_and_script() {
        assert_eq!(norm("ＮＯ．１热销"), "no1热销");
        assert_eq!(norm("全網最低價"), "全网最低价");
        assert_eq!(norm("國家級配方"), "国家级配方");
        assert_eq!(norm("TOP1"), "top1");
    }

    #[test]
    fn drops_noise_but_keeps_decimals_and_line_breaks() {
        assert_eq!(norm("最 佳"), "最佳");
        assert_eq!(norm("最\u{200b}好"), "最好");
        assert_eq!(norm("最😀强·品*质"), "最强品质");
        assert_eq!(norm("年化8.5%"), "年化8.5%");
        assert_eq!(norm("最\n佳"), "最\n佳");
    }

    #[test]
    fn maps_back_to_original_bytes() {
        let src = "今天 最 佳 的";
        let n = Normalized::whole(src, NormOptions::ALL);
        let start = n.text.find("最佳").expect("found");
        let r = n.original_range(src, start, start + "最佳".len());
        assert_eq!(&src[r], "最 佳");

        let src = "abc ＮＯ．１ xyz";
        let n = Normalized::whole(src, NormOptions::ALL);
        let start = n.text.find("no1").expect("found");
        let r = n.original_range(src, start, start + 3);
        assert_eq!(&src[r], "ＮＯ．１");
    }

    #[test]
    fn switches_turn_steps_off() {
        let only_case = NormOptions {
            width: false,
            case: true,
            traditional: false,
            noise: false,
        };
        assert_eq!(Normalized::text_of("國家級 NO", only_case), "國家級 no");
    }

    #[test]
    fn segments_do_not_join() {
        let src = "最[x]佳";
        let n = Normalized::new(src, &[0..3, 6..9], NormOptions::ALL);
        assert_eq!(n.text, "最\n佳");
    }
}
