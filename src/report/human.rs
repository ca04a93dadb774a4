//! Human output: one miette report per finding, the offending words underlined in the copy,
//! with the reason, a compliant rewording and the law.

use std::fmt::{self, Display};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::Finding;
use crate::rules::Severity;
use crate::source::line_around;

/// How many characters of a line are drawn either side of a finding, and of a context line.
const SHOWN: usize = 80;

/// The part of a file drawn for one finding, for miette: the finding's line (clipped around
/// the finding when long) and the lines either side. miette counts lines from the start of the
/// source it is given, so handing it the whole file made each finding cost the file's length.
/// Columns are in characters (as in the JSON output), so the `[file:line:column]` header
/// matches every other format.
struct Excerpt<'a> {
    name: &'a str,
    text: &'a str,
    /// Where the excerpt starts in the file.
    offset: usize,
    /// The file's line (0-based) of the excerpt's first line.
    first_line: usize,
    /// The file's column (0-based, in characters) where the excerpt's first line starts.
    first_column: usize,
}

impl<'a> Excerpt<'a> {
    fn around(name: &'a str, file: &'a str, f: &Finding) -> Excerpt<'a> {
        let start = floor_char(file, f.byte_start.min(file.len()));
        let end = floor_char(file, f.byte_end.clamp(start, file.len()));
        let shown = line_around(file, start..end, SHOWN);
        let (shown_from, shown_to) = (shown.start, shown.end);
        let clipped = shown_from > 0 && file.as_bytes()[shown_from - 1] != b'\n';
        let line = f.line.saturating_sub(1);
        let (from, first_line, first_column) = if clipped {
            let before = file[shown_from..start].chars().count();
            (shown_from, line, f.column.saturating_sub(1 + before))
        } else if shown_from > 0 {
            // The line before, as much of its end as fits.
            let before = shown_from - 1;
            (
                line_around(file, before..before, SHOWN).start,
                line.saturating_sub(1),
                0,
            )
        } else {
            (0, line, 0)
        };
        let to = match file.as_bytes().get(shown_to) {
            Some(b'\n') => line_around(file, shown_to + 1..shown_to + 1, SHOWN).end,
            _ => shown_to,
        };
        Excerpt {
            name,
            text: &file[from..to],
            offset: from,
            first_line,
            first_column,
        }
    }
}

/// The largest character boundary at or before `at`.
fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let at = inner.span().offset();
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let mut column = self.text[line_start..at]
            .chars()
            .filter(|&c| c != '\u{feff}')
            .count();
        if line_start == 0 {
            column += self.first_column;
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            self.first_line + inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// A finding as miette sees it; borrows the finding and the file's text.
struct FindingReport<'a> {
    finding: &'a Finding,
    source: Excerpt<'a>,
}

impl fmt::Debug for FindingReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl Display for FindingReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingReport<'_> {}

impl Diagnostic for FindingReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        let f = self.finding;
        Some(Box::new(format!("{} {}", f.rule, f.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        let f = self.finding;
        let mut help = format!("建议：{}\n依据：{}", f.help, f.law);
        if let Some(s) = &f.suggestion {
            help = format!("可改为「{s}」。{help}");
        }
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let what = f.label.as_deref().unwrap_or(&f.matched);
        let label = format!("{}：{what}", f.severity.label_zh());
        let start = f.byte_start.saturating_sub(self.source.offset);
        let end = f.byte_end.saturating_sub(self.source.offset);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            start.min(self.source.text.len()),
            end.min(self.source.text.len()).saturating_sub(start),
        ))))
    }
}

/// Renders findings the way a terminal user reads them.
pub struct HumanRenderer {
    handler: GraphicalReportHandler,
}

impl HumanRenderer {
    pub fn new(color: bool, width: usize) -> HumanRenderer {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        HumanRenderer {
            handler: GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_context_lines(1),
        }
    }

    /// All findings of one file, rendered into one string.
    pub fn render_file(&self, path: &str, text: &Arc<str>, findings: &[Finding]) -> String {
        let mut out = String::new();
        for finding in findings {
            let report = FindingReport {
                finding,
                source: Excerpt::around(path, text, finding),
            };
            if self.handler.render_report(&mut out, &report).is_err() {
                out.push_str(&format!(
                    "{}:{}:{}: {} {}\n",
                    path, finding.line, finding.column, finding.rule, finding.message
                ));
            }
            out.push('\n');
        }
        out
    }
}
