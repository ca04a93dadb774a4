//! Reading an input into text, and turning byte offsets into 1-based lines and columns.

use std::path::Path;

/// Line starts of a text, built only for files that have findings.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and 1-based column in characters. A BOM is not a column.
    pub fn line_col(&self, text: &str, byte: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= byte);
        let mut start = self.starts[line - 1];
        if start == 0 && text.starts_with('\u{feff}') {
            start = 3.min(byte);
        }
        (line, text[start..byte].chars().count() + 1)
    }
}

/// Why an input could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Binary,
    NotUtf8 { valid_up_to: usize },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
            ReadError::Binary => f.write_str("binary file (contains NUL bytes)"),
            ReadError::NotUtf8 { valid_up_to } => write!(
                f,
                "not valid UTF-8 (first bad byte at offset {valid_up_to}); save it as UTF-8"
            ),
        }
    }
}

pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    if is_binary(&bytes) {
        return Err(ReadError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

pub fn read_text(path: &Path) -> Result<String, ReadError> {
    decode(std::fs::read(path).map_err(ReadError::Io)?)
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
    fn bom_is_not_a_column() {
        let text = "\u{feff}最佳";
        assert_eq!(LineIndex::new(text).line_col(text, 3), (1, 1));
    }
}
