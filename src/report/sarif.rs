//! SARIF 2.1.0 (code scanning) and GitHub Actions workflow commands.

use std::collections::BTreeMap;
use std::io::{self, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::Summary;
use crate::diagnostic::{Finding, InputError};
use crate::rules::Severity;
use crate::suppress::{META_LAW, MISSING_REASON, UNUSED};

/// What SARIF says about a rule in `tool.driver.rules`.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub pack: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub law: String,
}

impl RuleInfo {
    /// The rules of the suppression audit trail, which belong to no pack.
    pub fn meta_rules() -> Vec<RuleInfo> {
        [&MISSING_REASON, &UNUSED]
            .into_iter()
            .map(|m| RuleInfo {
                id: m.id.to_string(),
                name: m.name.to_string(),
                pack: "hegui".to_string(),
                severity: m.severity,
                message: m.message.to_string(),
                help: m.help.to_string(),
                law: META_LAW.to_string(),
            })
            .collect()
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Characters kept as they are in a URI path: unreserved ones and the separator.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn uri(path: &str) -> String {
    utf8_percent_encode(&path.replace('\\', "/"), URI_PATH).to_string()
}

/// The SARIF document of a whole run.
pub fn document(
    findings: &[Finding],
    errors: &[InputError],
    checked: usize,
    rules: &[RuleInfo],
) -> Value {
    // Every enabled rule, plus any rule a finding names that the list lacks.
    let mut by_id: BTreeMap<&str, RuleInfo> =
        rules.iter().map(|r| (r.id.as_str(), r.clone())).collect();
    for f in findings {
        by_id.entry(&*f.rule).or_insert_with(|| RuleInfo {
            id: f.rule.to_string(),
            name: f.name.to_string(),
            pack: f.pack.to_string(),
            severity: f.severity,
            message: f.name.to_string(),
            help: f.help.to_string(),
            law: f.law.to_string(),
        });
    }
    let index: BTreeMap<&str, usize> = by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let descriptors: Vec<Value> = by_id
        .values()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.name},
                "fullDescription": {"text": r.message},
                "help": {
                    "text": format!("{}\n依据：{}", r.help, r.law),
                    "markdown": format!("{}\n\n依据：{}", r.help, r.law),
                },
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"pack": r.pack, "law": r.law, "tags": [r.pack]},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, index.get(&*f.rule).copied()))
        .collect();
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut location =
                json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.path)}}});
            if let (Some(line), Some(column)) = (e.line, e.column) {
                location["physicalLocation"]["region"] =
                    json!({"startLine": line, "startColumn": column});
            }
            json!({"level": "error", "message": {"text": e.message}, "locations": [location]})
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hegui",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            // Columns count characters, as in every other format.
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": checked > 0 || errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
        }],
    })
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut text = format!("{}（{}）", f.message, f.law);
    if let Some(field) = &f.field {
        text.push_str(&format!(" [{field}]"));
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(&f.path)},
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
                "byteOffset": f.byte_start,
                "byteLength": f.byte_end - f.byte_start,
                "snippet": {"text": f.matched},
            },
        }}],
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if !f.fingerprint.is_empty() {
        r["partialFingerprints"] = json!({"hegui/v1": f.fingerprint});
    }
    r
}

/// GitHub Actions workflow commands: one annotation per finding, on its line.
pub fn github_line(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut message = format!("{}（{}）建议：{}", f.message, f.law, f.help);
    if let Some(field) = &f.field {
        message.push_str(&format!(" [{field}]"));
    }
    writeln!(
        out,
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        property(&f.path),
        f.line,
        f.column,
        f.end_line,
        f.end_column,
        property(&format!("{} {}", f.rule, f.name)),
        data(&message)
    )
}

/// The run's errors as annotations, then a one-line summary.
pub fn github_end(out: &mut dyn Write, errors: &[InputError], s: &Summary) -> io::Result<()> {
    for e in errors {
        let mut at = format!("file={}", property(&e.path));
        if let (Some(line), Some(column)) = (e.line, e.column) {
            at.push_str(&format!(",line={line},col={column}"));
        }
        writeln!(out, "::error {at},title=hegui::{}", data(&e.message))?;
    }
    writeln!(
        out,
        "hegui: {} files, {} findings, {} errors",
        s.files, s.findings, s.errors
    )
}

/// Escaping of a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(data("50%\n二行"), "50%25%0A二行");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("文案/a b.txt"), "%E6%96%87%E6%A1%88/a%20b.txt");
    }
}
