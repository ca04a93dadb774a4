//! Checking one document: extract its copy, match, and locate every hit in the original text.

use crate::diagnostic::Finding;
use crate::engine::Engine;
use crate::extract::{copy_segments, FileKind};
use crate::source::LineIndex;

/// Checks `text` (the whole file as read) and returns its findings in contract order.
pub fn check_text(engine: &Engine, path: &str, text: &str, kind: FileKind) -> Vec<Finding> {
    let segments = copy_segments(kind, text);
    let hits = engine.scan(text, &segments);
    if hits.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let rules = &engine.rules().rules;
    let mut findings: Vec<Finding> = hits
        .into_iter()
        .map(|hit| {
            let rule = &rules[hit.rule];
            let mut f = Finding::new(rule, hit.rule, path, &text[hit.range.clone()]);
            (f.line, f.column) = lines.line_col(text, hit.range.start);
            (f.end_line, f.end_column) = lines.line_col(text, hit.range.end);
            f.byte_start = hit.range.start;
            f.byte_end = hit.range.end;
            f
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// A rule example that does not behave: a `bad` one that does not fire, or a `good` one that
/// does.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    pub rule: usize,
    pub bad: bool,
    pub example: usize,
}

/// Runs every example of every rule (each example is a document of its own).
pub fn example_failures(engine: &Engine, only_user_packs: bool) -> Vec<ExampleFailure> {
    let set = engine.rules();
    let mut failures = Vec::new();
    for (index, rule) in set.rules.iter().enumerate() {
        if only_user_packs && set.sources[rule.loc.source].builtin {
            continue;
        }
        let fires = |text: &str| {
            check_text(engine, "example", text, FileKind::Text)
                .iter()
                .any(|f| f.rule_index == index)
        };
        for (i, ex) in rule.bad.iter().enumerate() {
            if !fires(&ex.text) {
                failures.push(ExampleFailure {
                    rule: index,
                    bad: true,
                    example: i,
                });
            }
        }
        for (i, ex) in rule.good.iter().enumerate() {
            if fires(&ex.text) {
                failures.push(ExampleFailure {
                    rule: index,
                    bad: false,
                    example: i,
                });
            }
        }
    }
    failures
}
