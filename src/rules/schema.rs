//! The rule-pack file format (YAML), exactly as users write it. Spans are kept for the fields
//! that a load error may need to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::normalize::NormOptions;

use super::condition::Scalar;
use super::Severity;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub pack: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub normalize: NormOptions,
    /// Named word lists that the pack's patterns use as `{name}`.
    #[serde(default)]
    pub words: BTreeMap<String, Spanned<Vec<String>>>,
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    pub name: String,
    pub kind: Spanned<KindDef>,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub law: String,
    /// `terms`: literal phrases.
    #[serde(default)]
    pub terms: Vec<Spanned<String>>,
    /// `pattern`: a regular expression over the normalized text.
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    /// Longer phrases that exempt a match they contain (`terms` and `pattern`).
    #[serde(default)]
    pub exceptions: Vec<Spanned<String>>,
    /// Contexts the SAMR guideline exempts (a sourced, time-limited ranking; an award name):
    /// a match inside one is reported as `info` with the reason instead.
    #[serde(default)]
    pub exempt: Vec<Spanned<ExemptDef>>,
    /// `requires`: what makes the statement necessary …
    #[serde(default)]
    pub trigger: Option<Spanned<MatcherDef>>,
    /// … and the statements of which one must be present …
    #[serde(default)]
    pub require: Option<Spanned<MatcherDef>>,
    /// … unless the document is one the rule is not about (a health food is no OTC drug).
    #[serde(default)]
    pub skip_if: Option<Spanned<MatcherDef>>,
    /// `config`: the rule applies to a campaign where all of these hold …
    #[serde(default)]
    pub when: Vec<Spanned<ConditionDef>>,
    /// … and reports every place where one of these holds …
    #[serde(default)]
    pub forbid: Vec<Spanned<ConditionDef>>,
    /// … and every place where one of these fails.
    #[serde(default)]
    pub expect: Vec<Spanned<ConditionDef>>,
    /// A text rule does not report on a campaign where one of these holds: the campaign's own
    /// fields already say what the copy would otherwise have to (`ad_label: true`).
    #[serde(default)]
    pub unless: Vec<Spanned<ConditionDef>>,
    /// A compliant replacement for the matched words, when one fits every match.
    #[serde(default)]
    pub suggest: Option<String>,
    /// Longer explanation for `hegui explain`.
    #[serde(default)]
    pub explain: Option<String>,
    /// The statute text the `law` field cites, quoted for `hegui explain`.
    #[serde(default)]
    pub quote: Option<String>,
    /// Absent only from a built-in pack loaded without its examples (see `Examples::Skip`).
    #[serde(default)]
    pub examples: ExamplesDef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindDef {
    Terms,
    Pattern,
    Requires,
    Config,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherDef {
    #[serde(default)]
    pub terms: Vec<Spanned<String>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamplesDef {
    pub bad: Vec<Spanned<String>>,
    pub good: Vec<Spanned<String>>,
    /// Copy in an exempt context: fires, lowered to `info`.
    #[serde(default)]
    pub exempt: Vec<Spanned<String>>,
}

/// One condition of a `config` rule: `path` plus one test, or `any` / `all` / `not`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub non_empty: Option<bool>,
    #[serde(default)]
    pub equals: Option<Scalar>,
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<Scalar>>,
    #[serde(default)]
    pub gt: Option<f64>,
    #[serde(default)]
    pub ge: Option<f64>,
    #[serde(default)]
    pub lt: Option<f64>,
    #[serde(default)]
    pub le: Option<f64>,
    #[serde(default)]
    pub contains: Option<Vec<String>>,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub any: Option<Vec<Spanned<ConditionDef>>>,
    #[serde(default)]
    pub all: Option<Vec<Spanned<ConditionDef>>>,
    #[serde(default)]
    pub not: Option<Box<Spanned<ConditionDef>>>,
}

/// An exempt context: phrases and/or a pattern, and the reason a reader is told.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptDef {
    #[serde(default)]
    pub terms: Vec<Spanned<String>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    pub reason: String,
}
