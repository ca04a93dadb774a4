//! Reading an input into text, and turning byte offsets into 1-based lines and columns.

use std::cell::Cell;
use std::ops::Range;
use std::path::Path;

/// Line starts of a text, built only for texts that need them (findings to locate, windows
/// that reach to their line's ends).
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
    /// The line last asked about: positions come in order, mostly on the same line or the
    /// next few.
    line: Cell<usize>,
    /// The last position located and its column: findings come in order, so the next column
    /// is counted from there, not from the start of a line that may be megabytes long.
    last: Cell<(usize, usize)>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            starts,
            len: text.len(),
            line: Cell::new(1),
            last: Cell::new((0, 1)),
        }
    }

    /// The 1-based line holding byte `byte`.
    fn line_of(&self, byte: usize) -> usize {
        let starts = &self.starts;
        let on_line = |l: usize| starts[l - 1] <= byte && starts.get(l).is_none_or(|&s| s > byte);
        let mut line = self.line.get().clamp(1, starts.len());
        for _ in 0..4 {
            if on_line(line) {
                self.line.set(line);
                return line;
            }
            if starts.get(line).is_some_and(|&s| s <= byte) {
                line += 1;
            } else {
                break;
            }
        }
        let line = starts.partition_point(|&s| s <= byte);
        self.line.set(line);
        line
    }

    /// Where the line holding byte `byte` starts.
    pub fn line_start(&self, byte: usize) -> usize {
        self.starts[self.line_of(byte) - 1]
    }

    /// Where the line holding byte `byte` ends: its break, or the end of the text.
    pub fn line_end(&self, byte: usize) -> usize {
        self.starts
            .get(self.line_of(byte))
            .map_or(self.len, |next| next - 1)
    }

    /// 1-based line and 1-based column in characters. A BOM is not a column.
    pub fn line_col(&self, text: &str, byte: usize) -> (usize, usize) {
        let line = self.line_of(byte);
        let mut start = self.starts[line - 1];
        if start == 0 && text.starts_with('\u{feff}') {
            start = 3.min(byte);
        }
        let end = self.starts.get(line).copied().unwrap_or(usize::MAX);
        let (last, last_column) = self.last.get();
        let column = if (start..end).contains(&last) && last <= byte {
            last_column + text[last..byte].chars().count()
        } else if (start..end).contains(&last) {
            last_column - text[byte..last].chars().count()
        } else {
            text[start..byte].chars().count() + 1
        };
        self.last.set((byte, column));
        (line, column)
    }
}

/// The part of the line(s) holding `range` that lies within `chars` characters of it: from
/// the line's start, or `chars` characters before `range`, to the line's break, or `chars`
/// characters after. Bounded, so that a finding on a megabyte-long line costs no more than
/// one on a short line.
pub fn line_around(text: &str, range: Range<usize>, chars: usize) -> Range<usize> {
    let mut from = range.start;
    for (i, c) in text[..range.start].char_indices().rev().take(chars) {
        if c == '\n' {
            break;
        }
        from = i;
    }
    let mut to = range.end;
    for (i, c) in text[range.end..].char_indices().take(chars) {
        if c == '\n' {
            return from..range.end + i;
        }
        to = range.end + i + c.len_utf8();
    }
    from..to
}

/// Why an input could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Binary,
    /// Neither UTF-8, UTF-16 with a BOM, nor GB18030: named by what it looks like.
    Undecodable {
        guess: &'static str,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
            ReadError::Binary => f.write_str("binary file (contains NUL bytes)"),
            ReadError::Undecodable { guess } => write!(
                f,
                "not UTF-8, UTF-16 or GB18030 (looks like {guess}); save it as UTF-8"
            ),
        }
    }
}

/// Text decoded from a file, with a way back to the file's own byte offsets when it was not
/// UTF-8.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    /// `None` for UTF-8 (offsets are the file's); otherwise the decoding it took.
    pub encoding: Option<&'static str>,
    map: Option<OffsetMap>,
}

impl Decoded {
    fn utf8(text: String) -> Decoded {
        Decoded {
            text,
            encoding: None,
            map: None,
        }
    }

    /// The file byte offset of a byte offset in `text`.
    pub fn original(&self, offset: usize) -> usize {
        match &self.map {
            None => offset,
            Some(m) => m.original(offset),
        }
    }
}

/// Char-start offsets in the decoded text and in the file, in step.
#[derive(Debug, Clone)]
struct OffsetMap {
    decoded: Vec<usize>,
    file: Vec<usize>,
    file_len: usize,
}

impl OffsetMap {
    fn original(&self, offset: usize) -> usize {
        match self.decoded.binary_search(&offset) {
            Ok(i) => self.file[i],
            Err(i) if i < self.decoded.len() => self.file[i],
            Err(_) => self.file_len,
        }
    }
}

pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// UTF-8 (BOM or not) as it is; UTF-16 by its BOM; otherwise GB18030 when chardetng says the
/// bytes are Chinese. Anything else is an error naming what it looks like, never a guess.
pub fn decode(bytes: Vec<u8>) -> Result<Decoded, ReadError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        if encoding != encoding_rs::UTF_8 {
            return decode_with(encoding, &bytes, bom);
        }
    }
    if is_binary(&bytes) {
        return Err(ReadError::Binary);
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(Decoded::utf8(text)),
        Err(e) => e.into_bytes(),
    };
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(&bytes, true);
    let guess = detector.guess(Some(b"cn"), true);
    if guess == encoding_rs::GBK || guess == encoding_rs::GB18030 {
        decode_with(encoding_rs::GB18030, &bytes, 0)
    } else {
        Err(ReadError::Undecodable {
            guess: guess.name(),
        })
    }
}

/// Decodes without replacement characters, noting where each character came from.
fn decode_with(
    encoding: &'static encoding_rs::Encoding,
    bytes: &[u8],
    skip: usize,
) -> Result<Decoded, ReadError> {
    let undecodable = || ReadError::Undecodable {
        guess: encoding.name(),
    };
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let body = &bytes[skip..];
    let mut text = String::with_capacity(body.len() * 3 / 2);
    let (mut decoded, mut file) = (Vec::new(), Vec::new());
    let mut char_start = skip;
    // One byte at a time: each character that comes out started where the last one ended.
    for (i, b) in body.iter().enumerate() {
        let before = text.len();
        let last = i + 1 == body.len();
        if text.capacity() - text.len() < 16 {
            text.reserve(4096);
        }
        let (result, _) =
            decoder.decode_to_string_without_replacement(std::slice::from_ref(b), &mut text, last);
        if let encoding_rs::DecoderResult::Malformed(..) = result {
            return Err(undecodable());
        }
        if text.len() > before {
            for (offset, _) in text[before..].char_indices() {
                decoded.push(before + offset);
                file.push(char_start);
            }
            char_start = skip + i + 1;
        }
    }
    if text.contains('\0') {
        return Err(ReadError::Binary);
    }
    Ok(Decoded {
        text,
        encoding: Some(encoding.name()),
        map: Some(OffsetMap {
            decoded,
            file,
            file_len: bytes.len(),
        }),
    })
}

/// The text of a file, or why it cannot be read. UTF-8 — most files — is checked (with SIMD,
/// several times faster than the standard library on Chinese text) and lent to `check` in
/// place, from a buffer each thread reuses; other encodings are decoded into a new string.
pub fn with_text<R>(path: &Path, check: impl FnOnce(Result<Lent<'_>, ReadError>) -> R) -> R {
    thread_local! {
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut bytes = BUFFER.take();
    bytes.clear();
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_to_end(&mut bytes)
    });
    let result = match read {
        Err(e) => check(Err(ReadError::Io(e))),
        Ok(_) => match plain_utf8(&bytes) {
            Some(text) => check(Ok(Lent::Utf8(text))),
            // Rare: the buffer goes to the decoder and is not kept.
            None => match decode(std::mem::take(&mut bytes)) {
                Ok(decoded) => check(Ok(Lent::Decoded(&decoded))),
                Err(e) => check(Err(e)),
            },
        },
    };
    // A huge file's buffer is not kept for the next one.
    if bytes.capacity() <= 64 << 20 {
        BUFFER.set(bytes);
    }
    result
}

/// Text lent by [`with_text`].
#[derive(Debug, Clone, Copy)]
pub enum Lent<'a> {
    /// UTF-8 as it is in the file (offsets are the file's).
    Utf8(&'a str),
    Decoded(&'a Decoded),
}

impl<'a> Lent<'a> {
    pub fn text(&self) -> &'a str {
        match self {
            Lent::Utf8(text) => text,
            Lent::Decoded(d) => &d.text,
        }
    }

    /// The file byte offset of a byte offset in the text.
    pub fn original(&self, offset: usize) -> usize {
        match self {
            Lent::Utf8(_) => offset,
            Lent::Decoded(d) => d.original(offset),
        }
    }

    pub fn encoding(&self) -> Option<&'static str> {
        match self {
            Lent::Utf8(_) => None,
            Lent::Decoded(d) => d.encoding,
        }
    }
}

/// UTF-8 text that [`decode`] would take as it is: no BOM of another encoding, no NUL byte.
fn plain_utf8(bytes: &[u8]) -> Option<&str> {
    let other_bom =
        encoding_rs::Encoding::for_bom(bytes).is_some_and(|(e, _)| e != encoding_rs::UTF_8);
    if other_bom || is_binary(bytes) {
        return None;
    }
    simdutf8::basic::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "第一行\n今天最佳";
        let idx = LineIndex::new(text);
        let at = text.find("最佳").expect("present");
        assert_eq!(idx.line_col(text, at), (2, 3));
        assert_eq!(idx.line_col(text, 0), (1, 1));
    }

    #[test]
    fn lines_give_the_ends_of_the_line_holding_a_position() {
        let text = "第一行\n\n第三行最佳\n末行";
        let lines = LineIndex::new(text);
        let third = text.find("第三").expect("present");
        let last = text.find("末行").expect("present");
        // In order, repeated, then back again (the cursor must not be trusted blindly).
        for at in [0, 9, third, third + 6, text.len() - 3, last, third, 0, 10] {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            assert_eq!(lines.line_start(at), start, "start of {at}");
            assert_eq!(lines.line_end(at), end, "end of {at}");
        }
        let one = LineIndex::new("没有换行");
        assert_eq!((one.line_start(6), one.line_end(6)), (0, 12));
    }

    #[test]
    fn columns_agree_in_any_order_of_asking() {
        let text = "\u{feff}第一行最佳\n今天，最佳a最好\n末";
        let idx = LineIndex::new(text);
        let mut positions: Vec<usize> = text.char_indices().map(|(i, _)| i).skip(1).collect();
        let mut backwards = positions.clone();
        backwards.reverse();
        positions.extend(backwards);
        positions.extend([text.len() - 3, 3, text.find('a').expect("present"), 6]);
        for at in positions {
            let line_start = text[..at].rfind('\n').map_or(3, |i| i + 1);
            let line = text[..at].matches('\n').count() + 1;
            let column = text[line_start..at].chars().count() + 1;
            assert_eq!(idx.line_col(text, at), (line, column), "at {at}");
        }
    }

    #[test]
    fn gb18030_decodes_with_file_offsets() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("第一行\n今天最佳");
        let d = decode(bytes.to_vec()).expect("decodes");
        assert_eq!(d.encoding, Some("gb18030"));
        assert_eq!(d.text, "第一行\n今天最佳");
        let at = d.text.find("最佳").expect("present");
        // Two bytes a character in GB18030: 3 + 1 + 2 characters before 最.
        assert_eq!(d.original(at), 3 * 2 + 1 + 2 * 2);
        assert_eq!(d.original(d.text.len()), bytes.len());
    }

    #[test]
    fn utf16_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "最佳".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let d = decode(bytes).expect("decodes");
        assert_eq!(d.text, "最佳");
        assert_eq!(d.original(3), 4);
    }

    #[test]
    fn bom_is_not_a_column() {
        let text = "\u{feff}最佳";
        assert_eq!(LineIndex::new(text).line_col(text, 3), (1, 1));
    }
}
