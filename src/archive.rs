//! Archives — `.csv`, `.tsv` and `.jsonl` exports — checked record by record as they stream
//! past, so memory does not grow with the file. Each record is one message; each finding names
//! its line and field. A bad record is reported and the rest of the archive is still checked.

use std::io::{BufRead, Read};
use std::ops::Range;

use crate::baseline;
use crate::diagnostic::{Finding, InputError};
use crate::engine::Engine;
use crate::lint::check_record;
use crate::source::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    Csv,
    Tsv,
    Jsonl,
}

impl Archive {
    pub fn from_extension(ext: &str) -> Option<Archive> {
        match ext {
            "csv" => Some(Archive::Csv),
            "tsv" => Some(Archive::Tsv),
            "jsonl" | "ndjson" => Some(Archive::Jsonl),
            _ => None,
        }
    }
}

/// What one archive produced. Offsets are in the stream that was read.
#[derive(Debug, Default)]
pub struct ArchiveOutcome {
    pub findings: Vec<Finding>,
    /// Records that could not be read (bad JSON, bad UTF-8), each with its line.
    pub errors: Vec<InputError>,
}

/// Reads raw bytes of the stream again (only for CSV records that have findings).
pub type Fetch<'a> = dyn FnMut(Range<u64>) -> std::io::Result<Vec<u8>> + 'a;

pub fn check_archive(
    engine: &Engine,
    path: &str,
    kind: Archive,
    reader: impl BufRead,
    fetch: &mut Fetch<'_>,
) -> ArchiveOutcome {
    match kind {
        Archive::Jsonl => check_jsonl(engine, path, reader),
        Archive::Csv => check_csv(engine, path, reader, b',', fetch),
        Archive::Tsv => check_csv(engine, path, reader, b'\t', fetch),
    }
}

fn record_error(path: &str, line: usize, column: Option<usize>, message: String) -> InputError {
    let mut e = InputError::new(path.to_string(), message);
    e.line = Some(line);
    e.column = column.or(Some(1));
    e
}

fn check_jsonl(engine: &Engine, path: &str, mut reader: impl BufRead) -> ArchiveOutcome {
    let mut out = ArchiveOutcome::default();
    let mut buf = Vec::new();
    let mut offset = 0usize;
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                out.errors.push(record_error(
                    path,
                    line_no + 1,
                    None,
                    format!("cannot read: {e}"),
                ));
                break;
            }
        };
        line_no += 1;
        let start = offset;
        offset += n;
        let lead = if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut record = &buf[lead..];
        while let [rest @ .., b'\n' | b'\r'] = record {
            record = rest;
        }
        if record.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match std::str::from_utf8(record) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(record_error(
                    path,
                    line_no,
                    None,
                    format!(
                        "record is not UTF-8 (byte {} of the line)",
                        e.valid_up_to() + 1
                    ),
                ));
                continue;
            }
        };
        match check_record(engine, path, text) {
            Ok(findings) => {
                for mut f in findings {
                    f.fingerprint = baseline::fingerprint(&f, text);
                    f.line += line_no - 1;
                    f.end_line += line_no - 1;
                    f.byte_start += start + lead;
                    f.byte_end += start + lead;
                    out.findings.push(f);
                }
            }
            Err(e) => {
                let column = text[..e.byte.min(text.len())].chars().count() + 1;
                out.errors
                    .push(record_error(path, line_no, Some(column), e.message));
            }
        }
    }
    out
}

fn check_csv(
    engine: &Engine,
    path: &str,
    reader: impl Read,
    delimiter: u8,
    fetch: &mut Fetch<'_>,
) -> ArchiveOutcome {
    let mut out = ArchiveOutcome::default();
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers: Vec<String> = match csv.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect(),
        Err(e) => {
            out.errors.push(record_error(
                path,
                1,
                None,
                format!("cannot read the header row: {e}"),
            ));
            return out;
        }
    };
    let rules = &engine.rules().rules;
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                out.errors
                    .push(record_error(path, line, None, e.to_string()));
                // A malformed record ends what the reader can trust.
                break;
            }
        }
        let Some(pos) = record.position().cloned() else {
            continue;
        };
        let end = csv.position().byte();
        let line = pos.line() as usize;
        // The record's text fields, joined as one document.
        let mut doc = String::new();
        let mut fields: Vec<(usize, Range<usize>)> = Vec::new();
        let mut bad = false;
        for (i, field) in record.iter().enumerate() {
            let Ok(s) = std::str::from_utf8(field) else {
                out.errors.push(record_error(
                    path,
                    line,
                    None,
                    format!("field {} is not UTF-8", header_name(&headers, i)),
                ));
                bad = true;
                break;
            };
            if is_text_field(s) {
                let start = doc.len();
                doc.push_str(s);
                fields.push((i, start..doc.len()));
                doc.push('\n');
            }
        }
        if bad || fields.is_empty() {
            continue;
        }
        let segments: Vec<Range<usize>> = fields.iter().map(|(_, r)| r.clone()).collect();
        let hits = engine.scan(&doc, &segments);
        if hits.is_empty() {
            continue;
        }
        let raw = match fetch(pos.byte()..end) {
            Ok(raw) => raw,
            Err(e) => {
                out.errors.push(record_error(
                    path,
                    line,
                    None,
                    format!("cannot re-read record: {e}"),
                ));
                continue;
            }
        };
        // Quotes and delimiters are ASCII and every field was UTF-8, so the record is too.
        let Ok(raw) = String::from_utf8(raw) else {
            continue;
        };
        let raw_lines = LineIndex::new(&raw);
        let raw_fields = raw_field_maps(raw.as_bytes(), delimiter);
        for hit in hits {
            let Some((column_index, range)) = fields
                .iter()
                .find(|(_, r)| r.start <= hit.range.start && hit.range.start <= r.end)
            else {
                continue;
            };
            let rule = &rules[hit.rule];
            let matched = &doc[hit.range.clone()];
            let mut f = Finding::new(rule, hit.rule, path, matched).exempted(rule, hit.exempt);
            f.field = Some(header_name(&headers, *column_index));
            let within = |o: usize| o.saturating_sub(range.start).min(range.len());
            // The fingerprint sees the match within its field, the way a file's sees its line.
            (f.byte_start, f.byte_end) = (within(hit.range.start), within(hit.range.end));
            f.fingerprint = baseline::fingerprint(&f, &doc[range.clone()]);
            let (raw_start, raw_end) = match raw_fields.get(*column_index) {
                Some(map) => (map[f.byte_start], map[f.byte_end]),
                None => (0, 0),
            };
            let (l, c) = raw_lines.line_col(&raw, raw_start);
            let (el, ec) = raw_lines.line_col(&raw, raw_end);
            (f.line, f.column) = (line + l - 1, c);
            (f.end_line, f.end_column) = (line + el - 1, ec);
            f.byte_start = pos.byte() as usize + raw_start;
            f.byte_end = pos.byte() as usize + raw_end;
            out.findings.push(f);
        }
    }
    out
}

fn header_name(headers: &[String], i: usize) -> String {
    headers
        .get(i)
        .filter(|h| !h.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("column {}", i + 1))
}

/// Every field that is not empty and not just a number, date or id.
fn is_text_field(s: &str) -> bool {
    s.chars()
        .any(|c| !(c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace()))
}

/// For each field of one raw CSV record: the raw offset of every byte of its unquoted value,
/// plus one past the end. Quotes and doubled quotes are skipped, so a value's bytes map back to
/// where they are written.
fn raw_field_maps(raw: &[u8], delimiter: u8) -> Vec<Vec<usize>> {
    let mut fields = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    let mut at_start = true;
    while i < raw.len() {
        let b = raw[i];
        if at_start && b == b'"' {
            quoted = true;
            at_start = false;
            i += 1;
            continue;
        }
        at_start = false;
        if quoted {
            if b == b'"' {
                if raw.get(i + 1) == Some(&b'"') {
                    current.push(i);
                    i += 2;
                    continue;
                }
                quoted = false;
                i += 1;
                continue;
            }
            current.push(i);
        } else if b == delimiter || b == b'\n' || b == b'\r' {
            current.push(i);
            fields.push(std::mem::take(&mut current));
            at_start = true;
            if b != delimiter {
                break;
            }
        } else {
            current.push(i);
        }
        i += 1;
    }
    if !at_start || !current.is_empty() {
        current.push(i);
        fields.push(current);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_map_back_to_their_bytes() {
        let raw = b"1,\"say \"\"hi\"\"\nthere\",x\n";
        let maps = raw_field_maps(raw, b',');
        assert_eq!(maps.len(), 3);
        // `say "hi"\nthere`: s at 3, the first " of the doubled pair at 7.
        assert_eq!(maps[1][0], 3);
        assert_eq!(maps[1][4], 7);
        assert_eq!(maps[2][0], raw.len() - 2);
    }

    #[test]
    fn numbers_and_dates_are_not_copy() {
        assert!(!is_text_field("2025-06-18 10:00"));
        assert!(!is_text_field(""));
        assert!(is_text_field("最佳"));
    }
}
