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

/// A file's text for miette, reporting columns in characters (as the JSON output does)
/// rather than in bytes, so the `[file:line:column]` header matches every other format.
struct CharColumnSource<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for CharColumnSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let at = inner.span().offset();
        let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..at]
            .chars()
            .filter(|&c| c != '\u{feff}')
            .count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// A finding as miette sees it; borrows the finding and the file's text.
struct FindingReport<'a> {
    finding: &'a Finding,
    source: CharColumnSource<'a>,
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
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            f.byte_start,
            f.byte_end - f.byte_start,
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
                source: CharColumnSource { name: path, text },
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
