//! Findings: what a rule found where, with everything a reporter prints.

use std::sync::Arc;

use serde::Serialize;

use crate::rules::{Rule, Severity};

/// One rule firing at one place of one file. Serialized as the `findings[]` entries of the JSON
/// output (PRODUCT.md); fields beyond the contract are additions, never changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Arc<str>,
    pub pack: Arc<str>,
    pub severity: Severity,
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: usize,
    pub byte_end: usize,
    pub matched: String,
    pub message: String,
    pub help: Arc<str>,
    pub law: Arc<str>,
    /// The rule's short name.
    pub name: Arc<str>,
    /// In a campaign file: the field the finding is about (`lottery.prizes[1].value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A compliant replacement for `matched`, when the rule has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Arc<str>>,
    /// Why the finding was lowered to `info`: the context is one the law exempts (a sourced,
    /// time-limited ranking, an award) and a person should verify it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
    /// Stable identity for baselines: rule, path, matched text and its line, never the line
    /// number (see `baseline`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// What the underline says, when not the matched words (a missing field).
    #[serde(skip)]
    pub label: Option<String>,
    /// Index of the rule in the engine's rule set.
    #[serde(skip)]
    pub rule_index: usize,
}

impl Finding {
    /// `path` is shared by all the findings of a file.
    pub fn new(rule: &Rule, rule_index: usize, path: &Arc<str>, matched: &str) -> Finding {
        Finding {
            rule: rule.id.clone(),
            pack: rule.pack.clone(),
            severity: rule.severity,
            path: Arc::clone(path),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            byte_start: 0,
            byte_end: 0,
            matched: matched.to_string(),
            message: rule.message_for(matched),
            help: rule.help.clone(),
            law: rule.law.clone(),
            name: rule.name.clone(),
            field: None,
            label: None,
            exemption: None,
            suggestion: rule.suggest.clone(),
            fingerprint: String::new(),
            rule_index,
        }
    }

    /// Lowers the finding to `info` when its context is one the law exempts.
    pub fn exempted(mut self, rule: &Rule, exempt: Option<usize>) -> Finding {
        self.severity = rule.severity_for(exempt);
        if let Some(e) = exempt.and_then(|i| rule.exempt.get(i)) {
            self.message = format!("{}（可能适用例外：{}）", self.message, e.reason);
            self.exemption = Some(e.reason.clone());
        }
        self
    }

    /// The order of the contract: path, then byte_start, then rule.
    pub fn sort_key(&self) -> (&str, usize, &str) {
        (&self.path, self.byte_start, &self.rule)
    }
}

/// An input that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub path: String,
    pub message: String,
    /// Where in the file the problem is (a syntax error in a campaign file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl InputError {
    pub fn new(path: String, message: String) -> InputError {
        InputError {
            path,
            message,
            line: None,
            column: None,
        }
    }
}
