//! Reporters: every format carries the same facts (PRODUCT.md, "Machine-readable output").

mod human;
mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

pub use human::HumanRenderer;
pub use sarif::{write_github, write_sarif, RuleInfo};

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

/// The whole run, in output order.
#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileOutcome>,
    /// Errors not tied to a checked file (a path that does not exist, a walk error).
    pub errors: Vec<InputError>,
    /// Count findings per pack, rule and file in the summary (`--summary`).
    pub breakdown: bool,
    /// Findings left out because the baseline already holds them.
    pub baselined: usize,
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
    pub by_pack: Option<BTreeMap<String, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_rule: Option<BTreeMap<String, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_file: Option<BTreeMap<String, usize>>,
}

impl RunReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn all_errors(&self) -> impl Iterator<Item = &InputError> {
        self.errors.iter().chain(
            self.files
                .iter()
                .flat_map(|f| f.error.iter().chain(&f.record_errors)),
        )
    }

    /// Files that were read and checked.
    pub fn checked(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_none()).count()
    }

    pub fn summary(&self) -> Summary {
        let mut by_severity = BTreeMap::new();
        for f in self.findings() {
            *by_severity.entry(f.severity).or_insert(0) += 1;
        }
        let count = |key: &dyn Fn(&Finding) -> &str| {
            let mut map = BTreeMap::new();
            for f in self.findings() {
                *map.entry(key(f).to_string()).or_insert(0) += 1;
            }
            map
        };
        let breakdown = self.breakdown;
        Summary {
            files: self.checked(),
            findings: self.findings().count(),
            by_severity,
            errors: self.all_errors().count(),
            suppressed: self.files.iter().map(|f| f.suppressed).sum(),
            baselined: self.baselined,
            by_pack: breakdown.then(|| count(&|f| &*f.pack)),
            by_rule: breakdown.then(|| count(&|f| &*f.rule)),
            by_file: breakdown.then(|| count(&|f| &*f.path)),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    version: u32,
    findings: Vec<&'a Finding>,
    errors: Vec<&'a InputError>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    inner: T,
}

pub fn write_json(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    let doc = JsonDocument {
        version: 1,
        findings: report.findings().collect(),
        errors: report.all_errors().collect(),
        summary: report.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn write_jsonl(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    for f in report.findings() {
        write_line(out, "finding", f)?;
    }
    for e in report.all_errors() {
        write_line(out, "error", e)?;
    }
    write_line(out, "summary", report.summary())
}

/// One JSON Lines record: `{"type": kind, …fields of inner}`.
fn write_line<T: Serialize>(out: &mut dyn Write, kind: &str, inner: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Tagged { kind, inner }).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn write_human(
    out: &mut dyn Write,
    report: &RunReport,
    renderer: &HumanRenderer,
) -> io::Result<()> {
    for file in &report.files {
        match &file.text {
            Some(text) if !file.findings.is_empty() => out.write_all(
                renderer
                    .render_file(&file.path, text, &file.findings)
                    .as_bytes(),
            )?,
            // Archives stream past and keep no text: one line a finding.
            _ => {
                for f in &file.findings {
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
                    )?;
                }
            }
        }
    }
    for e in report.all_errors() {
        match (e.line, e.column) {
            (Some(line), Some(column)) => {
                writeln!(out, "错误 {}:{line}:{column}: {}", e.path, e.message)?
            }
            _ => writeln!(out, "错误 {}: {}", e.path, e.message)?,
        }
    }
    let s = report.summary();
    write_breakdown(out, report, &s)?;
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

/// The `--summary` tables of human output: per pack, rule, severity and file, most first.
fn write_breakdown(out: &mut dyn Write, report: &RunReport, s: &Summary) -> io::Result<()> {
    let (Some(packs), Some(rules), Some(files)) = (&s.by_pack, &s.by_rule, &s.by_file) else {
        return Ok(());
    };
    let names: BTreeMap<&str, &str> = report.findings().map(|f| (&*f.rule, &*f.name)).collect();
    let sorted = |map: &BTreeMap<String, usize>| {
        let mut rows: Vec<(String, usize)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    };
    writeln!(out, "汇总：按规则包")?;
    for (pack, n) in sorted(packs) {
        writeln!(out, "  {pack:<12} {n:>7}")?;
    }
    writeln!(out, "汇总：按规则")?;
    for (rule, n) in sorted(rules) {
        let name = names.get(rule.as_str()).copied().unwrap_or_default();
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
