//! Reporters: every format carries the same facts (PRODUCT.md, "Machine-readable output").

mod human;
mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

pub use human::HumanRenderer;
pub use sarif::RuleInfo;

use crate::baseline::Baseline;
use crate::diagnostic::{Finding, InputError};
use crate::rules::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated diagnostics for people (default).
    Human,
    /// One JSON document: findings, errors, summary.
    Json,
    /// One JSON object per line: findings, errors, then the summary.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
}

/// What checking one input produced.
#[derive(Debug)]
pub struct FileOutcome {
    pub path: String,
    /// The text, kept for human rendering.
    pub text: Option<Arc<str>>,
    pub findings: Vec<Finding>,
    pub error: Option<InputError>,
    /// Findings removed by a reasoned suppression comment.
    pub suppressed: usize,
    /// Records of an archive that could not be read; the rest of it was checked.
    pub record_errors: Vec<InputError>,
}

impl FileOutcome {
    /// An input that was checked.
    pub fn checked(path: String, findings: Vec<Finding>) -> FileOutcome {
        FileOutcome {
            path,
            text: None,
            findings,
            error: None,
            suppressed: 0,
            record_errors: Vec::new(),
        }
    }

    /// An archive that was read through: its findings (none when they were written as they
    /// came) and the records that could not be read.
    pub fn archive(
        path: String,
        findings: Vec<Finding>,
        record_errors: Vec<InputError>,
    ) -> FileOutcome {
        FileOutcome {
            record_errors,
            ..FileOutcome::checked(path, findings)
        }
    }

    /// An input that could not be checked.
    pub fn failed(path: String, message: String) -> FileOutcome {
        let mut outcome = FileOutcome::checked(path, Vec::new());
        outcome.error = Some(InputError::new(outcome.path.clone(), message));
        outcome
    }

    /// Checking panicked: the file is an error entry and the audit goes on.
    pub fn internal_error(path: String) -> FileOutcome {
        FileOutcome::failed(
            path,
            "internal error while checking this file (please report it)".into(),
        )
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub errors: usize,
    /// Findings removed by reasoned suppression comments.
    #[serde(skip_serializing_if = "is_zero")]
    pub suppressed: usize,
    /// Findings already in the baseline (`--baseline`), not reported.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    /// With `--summary`: findings per pack, per rule and per file (files with findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_pack: Option<BTreeMap<Arc<str>, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_rule: Option<BTreeMap<Arc<str>, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_file: Option<BTreeMap<Arc<str>, usize>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    inner: T,
}

/// One JSON Lines record: `{"type": kind, …fields of inner}`.
fn write_line<T: Serialize>(out: &mut dyn Write, kind: &str, inner: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Tagged { kind, inner }).map_err(io::Error::from)?;
    writeln!(out)
}

/// The `--summary` tables of human output: per pack, rule, severity and file, most first.
fn write_breakdown(out: &mut dyn Write, names: &RuleNames, s: &Summary) -> io::Result<()> {
    let (Some(packs), Some(rules), Some(files)) = (&s.by_pack, &s.by_rule, &s.by_file) else {
        return Ok(());
    };
    fn sorted(map: &BTreeMap<Arc<str>, usize>) -> Vec<(&str, usize)> {
        let mut rows: Vec<(&str, usize)> = map.iter().map(|(k, v)| (&**k, *v)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        rows
    }
    writeln!(out, "汇总：按规则包")?;
    for (pack, n) in sorted(packs) {
        writeln!(out, "  {pack:<12} {n:>7}")?;
    }
    writeln!(out, "汇总：按规则")?;
    for (rule, n) in sorted(rules) {
        let name = names.get(rule).map_or("", |n| &**n);
        writeln!(out, "  {rule:<8} {n:>7}  {name}")?;
    }
    writeln!(out, "汇总：按严重程度")?;
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = s.by_severity.get(&sev).copied().unwrap_or(0);
        writeln!(out, "  {:<8} {n:>7}  {}", sev.as_str(), sev.label_zh())?;
    }
    writeln!(out, "汇总：按文件")?;
    for (path, n) in sorted(files) {
        writeln!(out, "  {n:>7}  {path}")?;
    }
    Ok(())
}

/// How a run is reported.
pub enum Style {
    Human(Box<HumanRenderer>),
    Json,
    Jsonl,
    /// SARIF needs every finding in one document: they are kept until the end.
    Sarif(Vec<RuleInfo>),
    Github,
    /// Nothing is written; the findings are kept (`--write-baseline`).
    Collect,
}

/// Writes a run's output as it goes: each file's findings, or each batch of an archive's, as
/// soon as they are checked, in input order; errors and the summary at the end. Only counts
/// are kept (unless the style needs every finding), so a huge archive's findings never pile up.
pub struct Reporter<'w> {
    out: &'w mut (dyn Write + Send),
    style: Style,
    baseline: Option<Baseline>,
    tally: Tally,
    /// Walk errors first, then each input's, in input order.
    errors: Vec<InputError>,
    kept: Vec<Finding>,
    /// The first write that failed: nothing more is written.
    failed: Option<io::Error>,
}

/// What the run found, counted as it is written.
#[derive(Default)]
struct Tally {
    files: usize,
    findings: usize,
    by_severity: BTreeMap<Severity, usize>,
    suppressed: usize,
    baselined: usize,
    /// `--summary`: per pack, rule and file, and each rule's name.
    breakdown: Option<Breakdown>,
}

/// Each rule's short name, by id.
type RuleNames = BTreeMap<Arc<str>, Arc<str>>;

#[derive(Default)]
struct Breakdown {
    by_pack: BTreeMap<Arc<str>, usize>,
    by_rule: BTreeMap<Arc<str>, usize>,
    by_file: BTreeMap<Arc<str>, usize>,
    names: RuleNames,
}

/// What the caller needs once the output is written.
pub struct Totals {
    /// Inputs that were read and checked.
    pub checked: usize,
    pub errors: usize,
    /// The most severe finding reported.
    pub worst: Option<Severity>,
    /// The findings, for `Style::Collect`.
    pub findings: Vec<Finding>,
}

impl<'w> Reporter<'w> {
    /// `errors`: problems met before any input was read (paths that do not exist).
    pub fn new(
        out: &'w mut (dyn Write + Send),
        style: Style,
        breakdown: bool,
        baseline: Option<Baseline>,
        errors: Vec<InputError>,
    ) -> Reporter<'w> {
        let mut reporter = Reporter {
            out,
            style,
            baseline,
            tally: Tally {
                breakdown: breakdown.then(Breakdown::default),
                ..Tally::default()
            },
            errors,
            kept: Vec::new(),
            failed: None,
        };
        if let Style::Json = reporter.style {
            reporter.write(|out| write!(out, "{{\n  \"version\": 1,\n  \"findings\": ["));
        }
        reporter
    }

    /// One checked (or unreadable) input, with all its findings.
    pub fn file(&mut self, outcome: FileOutcome) {
        if outcome.error.is_none() {
            self.tally.files += 1;
        }
        self.tally.suppressed += outcome.suppressed;
        self.findings(outcome.text.as_ref(), outcome.findings);
        self.errors.extend(outcome.error);
        self.errors.extend(outcome.record_errors);
    }

    /// Findings of the input being checked; `text`, when the input was kept whole, lets human
    /// output draw them in context. An archive calls this once per batch.
    pub fn findings(&mut self, text: Option<&Arc<str>>, mut findings: Vec<Finding>) {
        if let Some(known) = &mut self.baseline {
            let before = findings.len();
            findings.retain(|f| !known.take(&f.fingerprint));
            self.tally.baselined += before - findings.len();
        }
        if findings.is_empty() {
            return;
        }
        self.tally.count(&findings);
        let any_before = self.tally.findings > findings.len();
        match &self.style {
            Style::Human(renderer) => {
                let rendered = match (text, findings.first()) {
                    (Some(text), Some(first)) => {
                        Some(renderer.render_file(&first.path, text, &findings))
                    }
                    _ => None,
                };
                self.write(|out| match rendered {
                    Some(r) => out.write_all(r.as_bytes()),
                    None => findings.iter().try_for_each(|f| human_line(out, f)),
                });
            }
            Style::Json => self.write(|out| {
                for (i, f) in findings.iter().enumerate() {
                    out.write_all(if any_before || i > 0 { b",\n" } else { b"\n" })?;
                    indented(out, f, 4, true)?;
                }
                Ok(())
            }),
            Style::Jsonl => self.write(|out| {
                findings
                    .iter()
                    .try_for_each(|f| write_line(out, "finding", f))
            }),
            Style::Github => {
                self.write(|out| findings.iter().try_for_each(|f| sarif::github_line(out, f)))
            }
            Style::Sarif(_) | Style::Collect => self.kept.extend(findings),
        }
    }

    /// Writes the errors and the summary. The totals hold even when the output could not be
    /// written (a reader that closed the pipe still gets the exit code of what was found).
    pub fn finish(mut self) -> (Totals, io::Result<()>) {
        let (summary, names) = self.summary();
        let errors = std::mem::take(&mut self.errors);
        let kept = std::mem::take(&mut self.kept);
        let checked = self.tally.files;
        match &self.style {
            Style::Human(_) => {
                self.write(|out| human_end(out, &errors, names.as_ref(), &summary));
            }
            Style::Json => {
                let closed: &[u8] = if summary.findings > 0 { b"\n  ]" } else { b"]" };
                self.write(|out| {
                    out.write_all(closed)?;
                    out.write_all(b",\n  \"errors\": ")?;
                    indented(out, &errors, 2, false)?;
                    out.write_all(b",\n  \"summary\": ")?;
                    indented(out, &summary, 2, false)?;
                    out.write_all(b"\n}\n")
                });
            }
            Style::Jsonl => self.write(|out| {
                errors
                    .iter()
                    .try_for_each(|e| write_line(out, "error", e))?;
                write_line(out, "summary", &summary)
            }),
            Style::Github => self.write(|out| sarif::github_end(out, &errors, &summary)),
            Style::Sarif(rules) => {
                let doc = sarif::document(&kept, &errors, checked, rules);
                self.write(|out| {
                    serde_json::to_writer_pretty(&mut *out, &doc)?;
                    writeln!(out)
                });
            }
            Style::Collect => {}
        }
        let written = match self.failed.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        };
        let totals = Totals {
            checked,
            errors: errors.len(),
            worst: summary.by_severity.keys().max().copied(),
            findings: kept,
        };
        (totals, written)
    }

    /// The summary, its counts moved out of the tally, and the rule names of `--summary`.
    fn summary(&mut self) -> (Summary, Option<RuleNames>) {
        let t = &mut self.tally;
        let breakdown = t.breakdown.take();
        let (by_pack, by_rule, by_file, names) = match breakdown {
            Some(b) => (
                Some(b.by_pack),
                Some(b.by_rule),
                Some(b.by_file),
                Some(b.names),
            ),
            None => (None, None, None, None),
        };
        let summary = Summary {
            files: t.files,
            findings: t.findings,
            by_severity: std::mem::take(&mut t.by_severity),
            errors: self.errors.len(),
            suppressed: t.suppressed,
            baselined: t.baselined,
            by_pack,
            by_rule,
            by_file,
        };
        (summary, names)
    }

    fn write(&mut self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        if self.failed.is_none() {
            if let Err(e) = write(&mut *self.out) {
                self.failed = Some(e);
            }
        }
    }
}

impl Tally {
    fn count(&mut self, findings: &[Finding]) {
        self.findings += findings.len();
        for f in findings {
            *self.by_severity.entry(f.severity).or_insert(0) += 1;
            if let Some(b) = &mut self.breakdown {
                // The keys are the findings' own shared strings: counting allocates nothing.
                *b.by_pack.entry(Arc::clone(&f.pack)).or_insert(0) += 1;
                *b.by_rule.entry(Arc::clone(&f.rule)).or_insert(0) += 1;
                *b.by_file.entry(Arc::clone(&f.path)).or_insert(0) += 1;
                b.names
                    .entry(Arc::clone(&f.rule))
                    .or_insert_with(|| Arc::clone(&f.name));
            }
        }
    }
}

/// `value` as pretty JSON nested `depth` spaces deep: the same bytes as when it is written
/// inside the whole document at once (JSON strings hold no raw line breaks).
fn indented(
    out: &mut dyn Write,
    value: &impl Serialize,
    depth: usize,
    first_too: bool,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let pad = " ".repeat(depth);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        if i > 0 || first_too {
            out.write_all(pad.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// A finding of an archive (no text kept to draw it in): one line.
fn human_line(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let field = f
        .field
        .as_deref()
        .map(|x| format!(" [{x}]"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} {}:{}:{}{field}: {} {}（{}）",
        f.severity.label_zh(),
        f.path,
        f.line,
        f.column,
        f.rule,
        f.message,
        f.law
    )
}

fn human_end(
    out: &mut dyn Write,
    errors: &[InputError],
    names: Option<&RuleNames>,
    s: &Summary,
) -> io::Result<()> {
    for e in errors {
        match (e.line, e.column) {
            (Some(line), Some(column)) => {
                writeln!(out, "错误 {}:{line}:{column}: {}", e.path, e.message)?
            }
            _ => writeln!(out, "错误 {}: {}", e.path, e.message)?,
        }
    }
    if let Some(names) = names {
        write_breakdown(out, names, s)?;
    }
    let count = |sev| s.by_severity.get(&sev).copied().unwrap_or(0);
    if s.findings == 0 {
        writeln!(out, "hegui: 检查了 {} 个文件，未发现问题。", s.files)?;
    } else {
        writeln!(
            out,
            "hegui: 检查了 {} 个文件，发现 {} 处问题（违规 {}，警告 {}，提示 {}）。",
            s.files,
            s.findings,
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        )?;
    }
    if s.errors > 0 {
        writeln!(out, "hegui: {} 个输入无法检查（见上方错误）。", s.errors)?;
    }
    Ok(())
}
