//! The normalized view that rules match against, with an exact way back to the original bytes.
//!
//! Every step works on one source character at a time (width folding, case folding,
//! Traditional → Simplified, dropping evasion noise), so each normalized byte remembers the
//! original character it came from. A match found in the normalized text therefore maps back to
//! an exact byte range of the original — `最 佳` is reported as `最 佳`, not as `最佳`.

use std::cell::Cell;
use std::ops::Range;
use std::rc::Rc;

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

/// Normalized text plus the way back from each of its bytes to the original character.
///
/// The map is sparse: most characters keep their byte length (Simplified text, Traditional →
/// Simplified, ASCII case), so a run of them is one [`Mark`]. Only dropped noise and characters
/// whose length changes (full-width `，` → `,`) start new marks.
#[derive(Debug, Default)]
pub struct Normalized {
    pub text: String,
    marks: Vec<Mark>,
}

/// From normalized byte `norm` on (to the next mark): with `shift`, byte `n` came from original
/// byte `orig + (n - norm)`; without, every byte came from the character at `orig`.
#[derive(Debug, Clone, Copy)]
struct Mark {
    norm: u32,
    orig: u32,
    shift: bool,
}

impl Normalized {
    /// Normalizes the given byte ranges of `original` (each a run of copy), joined by line
    /// breaks so that no match spans two ranges.
    pub fn new(original: &str, segments: &[Range<usize>], opts: NormOptions) -> Normalized {
        let mut out = Normalized::default();
        out.fill(original, segments, opts);
        out
    }

    /// [`Normalized::new`] in buffers the thread keeps from one call to the next, so a long
    /// text does not pay again for fresh memory.
    pub fn with<R>(
        original: &str,
        segments: &[Range<usize>],
        opts: NormOptions,
        use_it: impl FnOnce(&Normalized) -> R,
    ) -> R {
        thread_local! {
            static SPARE: Cell<Normalized> = Cell::new(Normalized::default());
        }
        let mut norm = SPARE.take();
        norm.text.clear();
        norm.marks.clear();
        norm.fill(original, segments, opts);
        let result = use_it(&norm);
        // The buffers of a huge text are not kept.
        if norm.text.capacity() <= 64 << 20 {
            SPARE.set(norm);
        }
        result
    }

    fn fill(&mut self, original: &str, segments: &[Range<usize>], opts: NormOptions) {
        let len = segments.iter().map(|s| s.len() + 1).sum::<usize>();
        self.text.reserve(len);
        // Pieces are copied together afterwards: for the 16 MB files of the bench corpus that
        // cost more than it gave (two threads: 375 → 400 ms), so only a huge text is split.
        if opts.is_all() && len >= 32 * PIECE && split_among_threads(len) {
            self.fill_in_pieces(original, segments);
        } else if opts.is_all() {
            FOLD_CACHE.with(|cache| {
                let mut cache = cache.borrow_mut();
                self.fold_segments(original, segments, opts, &mut *cache);
            });
        } else {
            self.fold_segments(original, segments, opts, &mut Uncached(opts));
        }
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

    /// The original byte range covered by the normalized byte range `start..end` (both on
    /// character boundaries of the normalized text).
    pub fn original_range(&self, original: &str, start: usize, end: usize) -> Range<usize> {
        let from = self.origin(start);
        let mut last_start = end - 1;
        while !self.text.is_char_boundary(last_start) {
            last_start -= 1;
        }
        let last = self.origin(last_start);
        let last_len = original[last..].chars().next().map_or(0, char::len_utf8);
        from..last + last_len
    }

    /// The original byte offset that normalized byte `n` came from.
    fn origin(&self, n: usize) -> usize {
        let i = self.marks.partition_point(|m| m.norm as usize <= n);
        let m = self.marks[i.saturating_sub(1)];
        if m.shift {
            m.orig as usize + (n - m.norm as usize)
        } else {
            m.orig as usize
        }
    }

    /// Appends `folded`, which came from the original character at `at` of length `len`.
    #[inline]
    fn push(&mut self, folded: &str, at: usize, len: usize) {
        let norm = self.text.len();
        // A one-byte fold (`，` → `,`) maps back exactly by shift too: its one byte is the
        // character's first. It then usually continues the run before it, so the common
        // full-width punctuation costs one mark, not two.
        let same_length = folded.len() == len || (folded.len() == 1 && len != usize::MAX);
        let continues = same_length
            && self.marks.last().is_some_and(|m| {
                m.shift && at as isize - norm as isize == m.orig as isize - m.norm as isize
            });
        if !continues {
            self.marks.push(Mark {
                norm: norm as u32,
                orig: at as u32,
                shift: same_length,
            });
        }
        self.text.push_str(folded);
    }

    fn fold_segments(
        &mut self,
        original: &str,
        segments: &[Range<usize>],
        opts: NormOptions,
        folder: &mut impl Folder,
    ) {
        let whole = segments.iter().enumerate().map(|(i, seg)| Part {
            range: seg.clone(),
            joined: i > 0,
            after_break: false,
        });
        self.fold_parts(original, whole, opts, folder);
    }

    /// Folds runs of copy in order, each joined to the one before by a line break when it
    /// begins a segment.
    fn fold_parts(
        &mut self,
        original: &str,
        parts: impl IntoIterator<Item = Part>,
        opts: NormOptions,
        folder: &mut impl Folder,
    ) {
        for part in parts {
            if part.joined {
                self.push("\n", part.range.start, usize::MAX);
            }
            self.fold_segment(original, part.range, opts, folder, part.after_break);
        }
    }

    /// A huge text, normalized in pieces of whole lines by the pool's threads and joined: one
    /// huge file no longer keeps one core busy while the other waits. The result is the same
    /// but for a mark where two pieces meet.
    fn fill_in_pieces(&mut self, original: &str, segments: &[Range<usize>]) {
        use rayon::prelude::*;
        let pieces = pieces_of(original, segments);
        let normalized: Vec<Normalized> = pieces
            .into_par_iter()
            .map(|piece| {
                let mut out = Normalized::default();
                FOLD_CACHE.with(|cache| {
                    out.fold_parts(original, piece, NormOptions::ALL, &mut *cache.borrow_mut());
                });
                out
            })
            .collect();
        for piece in normalized {
            let base = self.text.len() as u32;
            self.text.push_str(&piece.text);
            self.marks.extend(piece.marks.iter().map(|m| Mark {
                norm: m.norm + base,
                ..*m
            }));
        }
    }

    /// Folds one segment; `after_break`: it continues a segment just after a line break.
    fn fold_segment(
        &mut self,
        original: &str,
        seg: Range<usize>,
        opts: NormOptions,
        folder: &mut impl Folder,
        after_break: bool,
    ) {
        let text = &original[seg.clone()];
        // The last character kept, before and after Traditional → Simplified (the Traditional
        // table reads a few characters in context: 計畫 → 计划, 乾隆 stays).
        let mut prev: Option<char> = after_break.then_some('\n');
        let mut prev_kept: Option<char> = prev;
        let mut buf = [0u8; 4];
        // Characters that stay as they are are copied a run at a time, from here.
        let mut run: Option<usize> = None;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Most of a text stays as it is: skip such a run in a tight loop.
            let plain = folder.plain_run(&bytes[i..]);
            if plain > 0 {
                run.get_or_insert(i);
                i += plain;
                if i >= bytes.len() {
                    break;
                }
            }
            // Next most common: full-width punctuation (，→ ,), Traditional characters and
            // upper-case letters, one character for one; and noise between characters.
            let quick = match bytes[i..] {
                [a, ..] if a < 0x80 => Some((u32::from(a), 1)),
                [a @ 0xE0..=0xEF, b, c, ..] => Some((three_byte(a, b, c), 3)),
                _ => None,
            };
            if let Some((code, len)) = quick {
                let fold = folder.quick(code);
                if fold != Quick::Other {
                    if let Some(from) = run.take() {
                        self.push(&text[from..i], seg.start + from, i - from);
                        prev = text[from..i].chars().next_back();
                        prev_kept = prev;
                    }
                    if let Quick::Char(f) = fold {
                        self.push(f.encode_utf8(&mut buf), seg.start + i, len);
                        prev = char::from_u32(code);
                        prev_kept = Some(f);
                    }
                    i += len;
                    continue;
                }
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            let changed = folder.fold(c);
            let Some(folded) = changed else {
                run.get_or_insert(i);
                i += c.len_utf8();
                continue;
            };
            if let Some(from) = run.take() {
                self.push(&text[from..i], seg.start + from, i - from);
                prev = text[from..i].chars().next_back();
                prev_kept = prev;
            }
            let at = seg.start + i;
            i += c.len_utf8();
            let next = text[i..].chars().next();
            // A decimal point (3.5折, 8.5%) is content; any other dot is noise (NO.1, ……).
            let decimal_point = |prev_kept: Option<char>, next_digit: bool| {
                prev_kept.is_some_and(|p| p.is_ascii_digit()) && next_digit
            };
            match folded {
                Fold::Noise => {}
                Fold::Dot => {
                    let next_digit = next.is_some_and(|n| folds_to_digit(n, folder));
                    if decimal_point(prev_kept, next_digit) {
                        self.push(".", at, 1);
                        prev = Some('.');
                        prev_kept = Some('.');
                    }
                }
                Fold::Slash => {
                    if !(prev_kept.is_some_and(is_han) && next.is_some_and(is_han)) {
                        self.push("/", at, c.len_utf8());
                        prev = Some(c);
                        prev_kept = Some('/');
                    }
                }
                Fold::Char(f) => {
                    self.push(f.encode_utf8(&mut buf), at, c.len_utf8());
                    prev = Some(c);
                    prev_kept = Some(f);
                }
                Fold::Context(f) => {
                    // Only a handful of Traditional characters convert differently in context.
                    let window: String = [prev, Some(f), next].iter().flatten().collect();
                    let converted = fast2s::convert(&window);
                    let at_middle = usize::from(prev.is_some());
                    let s = converted.chars().nth(at_middle).unwrap_or(f);
                    self.push(s.encode_utf8(&mut buf), at, c.len_utf8());
                    prev = Some(f);
                    prev_kept = Some(s);
                }
                Fold::Many(s) => {
                    let mut chars = s.chars().peekable();
                    while let Some(ch) = chars.next() {
                        if ch == '.' && opts.noise {
                            let next_digit = match chars.peek() {
                                Some(n) => n.is_ascii_digit(),
                                None => next.is_some_and(|n| folds_to_digit(n, folder)),
                            };
                            if !decimal_point(prev_kept, next_digit) {
                                continue;
                            }
                        }
                        self.push(ch.encode_utf8(&mut buf), at, usize::MAX);
                        prev = Some(ch);
                        prev_kept = Some(ch);
                    }
                }
            }
        }
        if let Some(from) = run {
            self.push(&text[from..], seg.start + from, text.len() - from);
        }
    }
}

/// How much of a long text one thread takes at a time, in each stage that splits it.
pub(crate) const PIECE: usize = 1 << 20;

/// Whether a text of `len` bytes is split into pieces for the pool's threads: only in a pool
/// of several (one thread would pay for the pieces and gain nothing), and only when long.
pub(crate) fn split_among_threads(len: usize) -> bool {
    len >= 2 * PIECE && rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1
}

/// A run of copy normalized as part of a piece.
struct Part {
    range: Range<usize>,
    /// A line break joins it to the segment before (it begins a segment).
    joined: bool,
    /// It continues a segment just after one of its line breaks.
    after_break: bool,
}

/// `segments` as pieces of about [`PIECE`] bytes: whole segments, and long ones cut just
/// after a line break, where no fold looks across.
fn pieces_of(original: &str, segments: &[Range<usize>]) -> Vec<Vec<Part>> {
    let bytes = original.as_bytes();
    let mut pieces: Vec<Vec<Part>> = vec![Vec::new()];
    let mut size = 0;
    for (i, seg) in segments.iter().enumerate() {
        let mut from = seg.start;
        let mut first = true;
        while from < seg.end || first {
            let cut = if seg.end - from > PIECE {
                memchr::memchr(b'\n', &bytes[from + PIECE..seg.end])
                    .map_or(seg.end, |at| from + PIECE + at + 1)
            } else {
                seg.end
            };
            if size >= PIECE {
                pieces.push(Vec::new());
                size = 0;
            }
            size += cut - from;
            if let Some(piece) = pieces.last_mut() {
                piece.push(Part {
                    range: from..cut,
                    joined: first && i > 0,
                    after_break: !first,
                });
            }
            from = cut;
            first = false;
        }
    }
    pieces
}

/// What one character becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fold {
    /// Evasion noise, dropped.
    Noise,
    /// `.`: noise unless it is a decimal point.
    Dot,
    /// `/` or `\`: noise between two Chinese characters (信/用卡, 通\话), content elsewhere
    /// (元/㎡, 2025/01/01, and/or).
    Slash,
    /// One character (often itself).
    Char(char),
    /// A Traditional character whose Simplified form depends on its neighbours (after width and
    /// case folding: the character given).
    Context(char),
    /// Several characters (a compatibility form such as `㈱`, or a case fold that expands);
    /// shared, since the cache hands out copies.
    Many(Rc<str>),
}

/// A fold that needs no look at the neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quick {
    /// One character for one.
    Char(char),
    /// Dropped.
    Noise,
    /// Unchanged, or a fold that needs the slow path.
    Other,
}

/// Starts with an ASCII digit once folded (`5`, `５`, `⒌`).
fn folds_to_digit(c: char, folder: &mut impl Folder) -> bool {
    match folder.fold(c) {
        None => c.is_ascii_digit(),
        Some(Fold::Char(f)) => f.is_ascii_digit(),
        Some(Fold::Many(s)) => s.starts_with(|f: char| f.is_ascii_digit()),
        Some(Fold::Noise | Fold::Dot | Fold::Slash | Fold::Context(_)) => false,
    }
}

/// The fold of one character under `opts`, without context.
fn fold_char(c: char, opts: NormOptions) -> Fold {
    let mut folded: Vec<char> = if opts.width && needs_compat_fold(c) {
        std::iter::once(c).nfkc().collect()
    } else {
        vec![c]
    };
    if opts.noise {
        if folded == ['.'] {
            return Fold::Dot;
        }
        if folded == ['/'] || folded == ['\\'] {
            return Fold::Slash;
        }
        folded.retain(|&f| !is_noise(f));
    }
    if opts.case {
        folded = folded
            .into_iter()
            .flat_map(|f| {
                let lower: Vec<char> = if f.is_uppercase() {
                    f.to_lowercase().collect()
                } else {
                    vec![f]
                };
                lower
            })
            .collect();
    }
    match folded.as_slice() {
        [] => Fold::Noise,
        [f] if opts.traditional && f.len_utf8() == 3 => {
            if let Ok(at) = EVASIVE_FORMS.binary_search_by_key(f, |&(j, _)| j) {
                Fold::Char(EVASIVE_FORMS[at].1)
            } else if CONTEXT_TRADITIONAL.contains(f) {
                Fold::Context(*f)
            } else {
                let s = fast2s::convert(&f.to_string());
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(t), None) => Fold::Char(t),
                    _ => Fold::Char(*f),
                }
            }
        }
        [f] => Fold::Char(*f),
        many if opts.traditional => {
            Fold::Many(fast2s::convert(&many.iter().collect::<String>()).into())
        }
        many => Fold::Many(many.iter().collect::<String>().into()),
    }
}

/// Japanese and variant forms of Chinese characters that evasive copy writes (代开髪票, 発票,
/// 佰佳楽, 眞人, 現釒 for 现金) and that fast2s, a Traditional-to-Simplified table, leaves as they
/// are; sorted. None of them is written in Chinese text.
const EVASIVE_FORMS: [(char, char); 23] = [
    ('価', '价'),
    ('効', '效'),
    ('図', '图'),
    ('売', '卖'),
    ('娯', '娱'),
    ('実', '实'),
    ('対', '对'),
    ('帰', '归'),
    ('広', '广'),
    ('応', '应'),
    ('楽', '乐'),
    ('歩', '步'),
    ('済', '济'),
    ('発', '发'),
    ('眞', '真'),
    ('経', '经'),
    ('薬', '药'),
    ('転', '转'),
    ('釒', '金'),
    ('銭', '钱'),
    ('険', '险'),
    ('隠', '隐'),
    ('髪', '发'),
];

/// Traditional characters that fast2s converts by their neighbours (its exclusion and
/// special-case tables).
const CONTEXT_TRADITIONAL: [char; 15] = [
    '兒', '覆', '夥', '藉', '瞭', '麽', '幺', '於', '乾', '著', '苧', '闔', '鍾', '讎', '畫',
];

thread_local! {
    /// Folds of the Basic Multilingual Plane under every step, filled as characters are seen.
    static FOLD_CACHE: std::cell::RefCell<FoldCache> = std::cell::RefCell::new(FoldCache::default());
}

/// What each character becomes.
trait Folder {
    /// The character's fold, `None` when it stays as it is.
    fn fold(&mut self, c: char) -> Option<Fold>;

    /// Known to stay as it is (a quick answer for the common case; `false` when unsure).
    fn unchanged(&self, _code: u32) -> bool {
        false
    }

    /// How many bytes at the start of `bytes` are characters known to stay as they are.
    fn plain_run(&self, bytes: &[u8]) -> usize {
        let mut i = 0;
        while let Some(&a) = bytes.get(i) {
            if a < 0x80 {
                if ASCII_FOLDED[usize::from(a)] {
                    break;
                }
                i += 1;
            } else if (0xE0..=0xEF).contains(&a)
                && i + 2 < bytes.len()
                && self.unchanged(three_byte(a, bytes[i + 1], bytes[i + 2]))
            {
                i += 3;
            } else {
                break;
            }
        }
        i
    }

    /// What the BMP character `code` becomes when that does not depend on its neighbours
    /// (`Quick::Other` when unsure).
    fn quick(&self, _code: u32) -> Quick {
        Quick::Other
    }
}

/// The ASCII characters that fold: upper-case letters, and those that may be noise.
const ASCII_FOLDED: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = true;
        c += 1;
    }
    let noise = [b' ', b'\t', b'*', b'_', b'-', b'~', b'^', b'.', b'/', b'\\'];
    let mut i = 0;
    while i < noise.len() {
        t[noise[i] as usize] = true;
        i += 1;
    }
    t
};

/// The code point of a three-byte UTF-8 sequence.
#[inline]
fn three_byte(a: u8, b: u8, c: u8) -> u32 {
    (u32::from(a & 0x0F) << 12) | (u32::from(b & 0x3F) << 6) | u32::from(c & 0x3F)
}

/// Folds under some steps, worked out each time (packs that turn steps off; rarely used).
struct Uncached(NormOptions);

impl Folder for Uncached {
    fn fold(&mut self, c: char) -> Option<Fold> {
        let f = fold_char(c, self.0);
        (f != Fold::Char(c)).then_some(f)
    }
}

struct FoldCache {
    /// Per BMP character: 0 not yet seen, 1 unchanged, else the fold's index in `folds` + 2.
    index: Vec<u16>,
    /// Per BMP character, one bit: seen and unchanged (small enough to stay in cache).
    same: Box<[u64; 1024]>,
    folds: Vec<Fold>,
}

impl Default for FoldCache {
    fn default() -> Self {
        FoldCache {
            index: vec![0; 0x10000],
            same: Box::new([0; 1024]),
            folds: Vec::new(),
        }
    }
}

impl Folder for FoldCache {
    #[inline]
    fn unchanged(&self, code: u32) -> bool {
        // Masked: a three-byte character is in the BMP, and the mask drops the bounds check.
        self.same[(code as usize >> 6) & 1023] & (1 << (code % 64)) != 0
    }

    #[inline]
    fn quick(&self, code: u32) -> Quick {
        // Read in place: cloning the fold (an `Rc` for `Many`) cost more than the fold.
        let fold = match self.index.get(code as usize) {
            Some(&i) if i > 1 => self.folds.get(i as usize - 2),
            _ => None,
        };
        match fold {
            Some(Fold::Char(one)) => Quick::Char(*one),
            Some(Fold::Noise) => Quick::Noise,
            _ => Quick::Other,
        }
    }

    #[inline]
    fn fold(&mut self, c: char) -> Option<Fold> {
        match self.index.get(c as usize) {
            Some(1) => None,
            Some(&i) if i > 1 => Some(self.folds[i as usize - 2].clone()),
            _ => self.first_fold(c),
        }
    }
}

impl FoldCache {
    /// A character not seen before (or outside the BMP, which is not cached).
    #[cold]
    fn first_fold(&mut self, c: char) -> Option<Fold> {
        let f = fold_char(c, NormOptions::ALL);
        let changed = (f != Fold::Char(c)).then_some(f);
        let Some(slot) = self.index.get_mut(c as usize) else {
            return changed;
        };
        match &changed {
            None => {
                *slot = 1;
                self.same[c as usize / 64] |= 1 << (c as usize % 64);
            }
            Some(f) if self.folds.len() < u16::MAX as usize - 2 => {
                self.folds.push(f.clone());
                *slot = self.folds.len() as u16 + 1;
            }
            Some(_) => {}
        }
        changed
    }
}

/// ASCII and the main CJK block are already in normal form; only the rest goes through NFKC.
#[inline]
fn needs_compat_fold(c: char) -> bool {
    !(c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// A Chinese character (CJK Unified Ideographs, Extension A, Compatibility Ideographs).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Evasion noise: characters people put between the characters of a banned phrase.
/// Line breaks are not noise — a phrase never continues across lines.
fn is_noise(c: char) -> bool {
    match c {
        ' ' | '\t' | '*' | '_' | '-' | '~' | '^' => true,
        c if c.is_ascii() => false,
        // Check boxes say whether consent is pre-ticked (PC002); they are content.
        '☐' | '☑' | '☒' | '□' | '✓' | '✔' | '✅' => false,
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
        // Japanese forms that evasive copy borrows fold as their Chinese characters do.
        assert_eq!(norm("代开髪票，発票"), "代开发票,发票");
        assert!(EVASIVE_FORMS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn drops_noise_but_keeps_decimals_and_line_breaks() {
        assert_eq!(norm("最 佳"), "最佳");
        assert_eq!(norm("最\u{200b}好"), "最好");
        assert_eq!(norm("最😀强·品*质"), "最强品质");
        assert_eq!(norm("扑*克^分析"), "扑克分析");
        assert_eq!(norm("年化8.5%"), "年化8.5%");
        assert_eq!(norm("最\n佳"), "最\n佳");
        // A ticked box is what PC002 looks for, not noise.
        assert_eq!(norm("☑ 我已阅读"), "☑我已阅读");
    }

    #[test]
    fn a_slash_is_noise_only_between_chinese_characters() {
        assert_eq!(norm("信/用卡套/现"), "信用卡套现");
        assert_eq!(norm("代／开發票"), "代开发票");
        assert_eq!(norm("听到对方通\\话"), "听到对方通话");
        assert_eq!(norm("8888元/㎡"), "8888元/m2");
        assert_eq!(norm("2025/01/01"), "2025/01/01");
        assert_eq!(norm("买/8送1"), "买/8送1");
        assert_eq!(norm("/开头"), "/开头");
        // A dropped slash maps back: the match covers the original with its slash.
        let text = "信/用卡套/现";
        let n = Normalized::whole(text, NormOptions::ALL);
        let at = n.text.find("用卡套").expect("found");
        assert_eq!(
            &text[n.original_range(text, at, at + "用卡套".len())],
            "用卡套"
        );
        assert_eq!(&text[n.original_range(text, 0, n.text.len())], text);
    }

    #[test]
    fn converts_traditional_in_context_and_folds_expansions() {
        assert_eq!(norm("計畫書"), "计划书");
        assert_eq!(norm("乾隆皇帝很乾淨"), "乾隆皇帝很干净");
        assert_eq!(norm("看著我"), "看着我");
        assert_eq!(norm("品質㈱"), "品质(株)");
        assert_eq!(norm("好的……"), "好的");
        assert_eq!(norm("年⒈⒌倍"), "年1.5倍");
        assert_eq!(norm("１．５％"), "1.5%");
    }

    #[test]
    fn maps_back_through_width_changes_and_dropped_noise() {
        let src = "全，網 最＊低價！ＴＯＰ１";
        let n = Normalized::whole(src, NormOptions::ALL);
        assert_eq!(n.text, "全,网最低价!top1");
        for (needle, want) in [
            ("最低价", "最＊低價"),
            ("top1", "ＴＯＰ１"),
            (",", "，"),
            ("全", "全"),
        ] {
            let start = n.text.find(needle).expect("found");
            let r = n.original_range(src, start, start + needle.len());
            assert_eq!(&src[r], want);
        }
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

    #[test]
    fn a_long_text_normalized_in_pieces_is_the_same_text_with_the_same_way_back() {
        // Traditional characters read in context, noise, decimal points, full-width forms and
        // expansions, on lines that pieces are cut between; segments short, long and empty.
        let lines = "國家級 最 佳，計畫乾隆3.5折ＮＯ．１㈱\n.5折…\n\n乾\n隆TOP１\n";
        let src = lines.repeat(3 * PIECE / lines.len() + 10);
        let third = src.len() / 3;
        let cut = |mut at: usize| {
            while !src.is_char_boundary(at) {
                at += 1;
            }
            at
        };
        let segments = [
            0..cut(third),
            cut(third + 5)..cut(third + 5),
            cut(third + 9)..src.len(),
        ];
        let alone = Normalized::new(&src, &segments, NormOptions::ALL);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        // Below the size that is split in a run: the pieces themselves are under test.
        let pooled = pool.install(|| {
            let mut pooled = Normalized::default();
            pooled.fill_in_pieces(&src, &segments);
            pooled
        });
        assert!(pieces_of(&src, &segments).len() > 2);
        assert_eq!(pooled.text, alone.text);
        let starts: Vec<usize> = alone.text.char_indices().map(|(i, _)| i).collect();
        for pair in starts.windows(2).step_by(3) {
            assert_eq!(
                pooled.original_range(&src, pair[0], pair[1]),
                alone.original_range(&src, pair[0], pair[1]),
                "at normalized byte {}",
                pair[0]
            );
        }
    }
}
