//! Reporters: every format carries the same facts (PRODUCT.md, "Machine-readable output").

mod human;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

pub use human::HumanRenderer;

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
}

/// What checking one input produced.
#[derive(Debug)]
pub struct FileOutcome {
    pub path: String,
    /// The text, kept for human rendering.
    pub text: Option<Arc<str>>,
    pub findings: Vec<Finding>,
    pub error: Option<InputError>,
}

impl FileOutcome {
    /// An input that could not be checked.
    pub fn failed(path: String, message: String) -> FileOutcome {
        FileOutcome {
            error: Some(InputError::new(path.clone(), message)),
            path,
            text: None,
            findings: Vec::new(),
        }
    }
}

/// The whole run, in output order.
#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileOutcome>,
    /// Errors not tied to a checked file (a path that does not exist, a walk error).
    pub errors: Vec<InputError>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub errors: usize,
}

impl RunReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn all_errors(&self) -> impl Iterator<Item = &InputError> {
        self.errors
            .iter()
            .chain(self.files.iter().filter_map(|f| f.error.as_ref()))
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
        Summary {
            files: self.checked(),
            findings: self.findings().count(),
            by_severity,
            errors: self.all_errors().count(),
        }
    }
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
        if let (Some(text), false) = (&file.text, file.findings.is_empty()) {
            out.write_all(
                renderer
                    .render_file(&file.path, text, &file.findings)
                    .as_bytes(),
            )?;
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
