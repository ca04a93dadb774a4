//! Checking one document: extract its copy, match, and locate every hit in the original text.
//! Campaign files add a second pass: their `config` rules, per campaign.

use std::ops::Range;
use std::sync::Arc;

use crate::config_match;
use crate::diagnostic::Finding;
use crate::engine::Engine;
use crate::extract::{copy_segments, FileKind};
use crate::rules::{ConfigCheck, ExampleKind, Rule, RuleKind, Severity};
use crate::source::LineIndex;
use crate::structure::{self, Format, Node, StructError, Text};

/// A file that could not be checked, located at a byte of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub message: String,
    pub byte: usize,
}

/// Checks `text` (the whole file as read) and returns its findings in contract order.
pub fn check_text(
    engine: &Engine,
    path: &str,
    text: &str,
    kind: FileKind,
) -> Result<Vec<Finding>, Unreadable> {
    let path: Arc<str> = Arc::from(path);
    match kind {
        FileKind::Structured(format) => sorted_structured(engine, &path, text, format, true),
        _ => {
            let mut findings = check_copy(engine, &path, text, kind);
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            Ok(findings)
        }
    }
}

/// One JSON record of an archive: a message, not a campaign, so only its copy is checked
/// (`config` rules describe campaign files).
pub fn check_record(
    engine: &Engine,
    path: &Arc<str>,
    text: &str,
) -> Result<Vec<Finding>, Unreadable> {
    sorted_structured(engine, path, text, Format::Json, false)
}

fn sorted_structured(
    engine: &Engine,
    path: &Arc<str>,
    text: &str,
    format: Format,
    with_config_rules: bool,
) -> Result<Vec<Finding>, Unreadable> {
    let mut findings =
        check_structured(engine, path, text, format, with_config_rules).map_err(|e| {
            Unreadable {
                message: format!("not valid {}: {}", format.name(), e.message),
                byte: e.byte,
            }
        })?;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(findings)
}

fn check_copy(engine: &Engine, path: &Arc<str>, text: &str, kind: FileKind) -> Vec<Finding> {
    let segments = copy_segments(kind, text);
    let hits = engine.scan(text, &segments);
    if hits.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let rules = &engine.rules().rules;
    hits.into_iter()
        .map(|hit| {
            let rule = &rules[hit.rule];
            let f = Finding::new(rule, hit.rule, path, &text[hit.range.clone()])
                .exempted(rule, hit.exempt);
            located(f, &lines, text, hit.range)
        })
        .collect()
}

fn located(mut f: Finding, lines: &LineIndex, text: &str, range: Range<usize>) -> Finding {
    (f.line, f.column) = lines.line_col(text, range.start);
    (f.end_line, f.end_column) = lines.line_col(text, range.end);
    f.byte_start = range.start;
    f.byte_end = range.end;
    f
}

/// A campaign file: each campaign's strings are checked together as one document (so a
/// `requires` rule is satisfied anywhere in the campaign), then its `config` rules run.
fn check_structured(
    engine: &Engine,
    path: &Arc<str>,
    text: &str,
    format: Format,
    with_config_rules: bool,
) -> Result<Vec<Finding>, StructError> {
    let docs = structure::parse(format, text)?;
    let rules = &engine.rules().rules;
    let config_rules: Vec<(usize, &Rule, &ConfigCheck)> = rules
        .iter()
        .enumerate()
        .filter(|_| with_config_rules)
        .filter_map(|(i, r)| match &r.kind {
            RuleKind::Config(check) => Some((i, r, check)),
            _ => None,
        })
        .collect();
    // Findings with their file bytes; lines and columns are worked out only if there are any.
    let mut found: Vec<(Finding, Range<usize>)> = Vec::new();
    for campaign in structure::campaigns(&docs) {
        let copy = CampaignCopy::new(campaign);
        for hit in engine.scan(&copy.text, &copy_segments(FileKind::Text, &copy.text)) {
            let rule = &rules[hit.rule];
            if rule.unless.iter().any(|c| config_match::holds(c, campaign)) {
                continue;
            }
            let (range, field) = copy.file_range(hit.range.clone());
            let mut f = Finding::new(rule, hit.rule, path, &copy.text[hit.range])
                .exempted(rule, hit.exempt);
            f.field = Some(field.to_string());
            found.push((f, range));
        }
        for &(index, rule, check) in &config_rules {
            for hit in config_match::evaluate(check, campaign) {
                let f = config_finding(rule, index, path, text, &hit);
                found.push((f, hit.at));
            }
        }
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let lines = LineIndex::new(text);
    Ok(found
        .into_iter()
        .map(|(f, range)| located(f, &lines, text, range))
        .collect())
}

fn config_finding(
    rule: &Rule,
    index: usize,
    path: &Arc<str>,
    text: &str,
    hit: &config_match::ConfigHit,
) -> Finding {
    // A value spanning lines (a block of copy) is named by its first line; a quoted key or
    // value by what is inside the quotes.
    let first_line = text[hit.at.clone()].lines().next().unwrap_or_default();
    let matched = first_line
        .strip_prefix(['"', '\''])
        .and_then(|s| s.strip_suffix(['"', '\'']))
        .unwrap_or(first_line);
    let mut f = Finding::new(rule, index, path, matched);
    f.message = f.message.replace("{field}", &hit.field);
    f.label = match (hit.field.as_str(), hit.missing, hit.at_value) {
        ("", _, _) => None,
        (field, true, _) => Some(format!("缺少 {field}")),
        (field, false, true) => Some(format!("{field} = {matched}")),
        (field, false, false) => Some(field.to_string()),
    };
    f.field = (!hit.field.is_empty()).then(|| hit.field.clone());
    f
}

/// A campaign's string values joined into one document (a line break between values), with
/// the way back from each byte to the file.
struct CampaignCopy<'a> {
    text: String,
    /// Per value: where it starts in `text`, its field, and its decoded text with origin.
    pieces: Vec<(usize, String, &'a Text)>,
}

impl<'a> CampaignCopy<'a> {
    fn new(campaign: &'a Node) -> CampaignCopy<'a> {
        let mut strings = Vec::new();
        campaign.strings_with_fields(String::new(), &mut strings);
        let mut text = String::new();
        let mut pieces = Vec::with_capacity(strings.len());
        for (field, value) in strings {
            if !text.is_empty() {
                text.push('\n');
            }
            pieces.push((text.len(), field, value));
            text.push_str(&value.text);
        }
        CampaignCopy { text, pieces }
    }

    /// The file bytes behind `range` of the joined text, and the field they belong to.
    fn file_range(&self, range: Range<usize>) -> (Range<usize>, &str) {
        let piece_at = |byte: usize| self.pieces.partition_point(|p| p.0 <= byte).max(1) - 1;
        let (start, field, first) = &self.pieces[piece_at(range.start)];
        let begin = first
            .origin
            .file_range(range.start - start..range.start - start);
        let last_byte = range.end.max(range.start + 1) - 1;
        let (last_start, _, last) = &self.pieces[piece_at(last_byte)];
        let local_end = (range.end - last_start).min(last.text.len());
        let local_start = (last_byte - last_start).min(local_end);
        let end = last.origin.file_range(local_start..local_end);
        (begin.start..end.end.max(begin.start), field)
    }
}

/// A rule example that does not behave: a `bad` one that does not fire, a `good` one that
/// does, or an `exempt` one that does not fire as `info`.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    pub rule: usize,
    pub kind: ExampleKind,
    pub example: usize,
}

/// Runs every example of every rule (each example is a document of its own; a `config` rule's
/// examples are YAML campaigns).
pub fn example_failures(engine: &Engine, only_user_packs: bool) -> Vec<ExampleFailure> {
    let set = engine.rules();
    let mut failures = Vec::new();
    for (index, rule) in set.rules.iter().enumerate() {
        if only_user_packs && set.sources[rule.loc.source].builtin {
            continue;
        }
        let file_kind = match rule.kind {
            RuleKind::Config(_) => FileKind::Structured(Format::Yaml),
            _ => FileKind::Text,
        };
        // The severities the rule fires with on one example.
        let fired = |text: &str| -> Vec<Severity> {
            check_text(engine, "example", text, file_kind)
                .unwrap_or_default()
                .iter()
                .filter(|f| f.rule_index == index)
                .map(|f| f.severity)
                .collect()
        };
        for kind in ExampleKind::ALL {
            for (i, ex) in rule.examples(kind).iter().enumerate() {
                let got = fired(&ex.text);
                let behaves = match kind {
                    ExampleKind::Bad => got.contains(&rule.severity),
                    ExampleKind::Good => got.is_empty(),
                    ExampleKind::Exempt => {
                        !got.is_empty() && got.iter().all(|&s| s == Severity::Info)
                    }
                };
                if !behaves {
                    failures.push(ExampleFailure {
                        rule: index,
                        kind,
                        example: i,
                    });
                }
            }
        }
    }
    failures
}
