//! Rules and rule packs: the model every later stage reads, and loading it from YAML.

mod condition;
mod load;
mod schema;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::normalize::NormOptions;

pub use condition::{Condition, ConfigCheck, FieldPath, Scalar, Segment, Test};
pub use load::{load_rule_set, loc_of, parse_yaml, Examples, PackError, PackSource, BUILTIN_PACKS};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The word a Chinese-reading copywriter sees.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warning => "警告",
            Severity::Error => "违规",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where something was written in a rule pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index into [`RuleSet::sources`].
    pub source: usize,
    pub line: u64,
    pub column: u64,
    pub byte: Option<usize>,
}

/// Literal phrases and/or a regular expression.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    pub terms: Vec<String>,
    pub pattern: Option<Pattern>,
}

/// A regular expression as written, and the parts the engine runs (with their anchors and
/// longest match), worked out when its pack loads or, for a built-in pattern, when hegui is
/// built.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub parts: Vec<crate::anchors::Part>,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    /// Every occurrence of a term is a finding unless an exception phrase contains it. An
    /// optional pattern catches the variants a list cannot spell out (a number inside the
    /// phrase: 拉三个人头).
    Terms {
        terms: Vec<String>,
        pattern: Option<Pattern>,
    },
    /// Every match of a regular expression is a finding unless an exception contains it.
    Pattern { pattern: Pattern },
    /// When a trigger occurs and none of the required statements does, the first trigger is
    /// a finding; a document holding one of `skip_if` is outside the rule.
    Requires {
        trigger: Matcher,
        require: Matcher,
        skip_if: Option<Matcher>,
    },
    /// Conditions on the structure of a campaign file (YAML, JSON, TOML).
    Config(ConfigCheck),
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Terms { .. } => "terms",
            RuleKind::Pattern { .. } => "pattern",
            RuleKind::Requires { .. } => "requires",
            RuleKind::Config(_) => "config",
        }
    }
}

/// A context the law exempts or tolerates: a match inside it is reported as `info`, with the
/// reason, so the reader can verify the claim instead of rewriting it.
#[derive(Debug, Clone)]
pub struct Exempt {
    pub matcher: Matcher,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: Arc<str>,
    pub pack: Arc<str>,
    pub name: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub help: Arc<str>,
    pub law: Arc<str>,
    pub kind: RuleKind,
    pub exceptions: Vec<String>,
    /// Contexts where a match is lowered to `info` with a reason.
    pub exempt: Vec<Exempt>,
    /// Campaign conditions under which a text rule stays silent on that campaign.
    pub unless: Vec<Condition>,
    pub suggest: Option<Arc<str>>,
    pub explain: Option<String>,
    pub quote: Option<String>,
    pub bad: Vec<Example>,
    pub good: Vec<Example>,
    /// Copy in an exempt context: must fire, lowered to `info`.
    pub exempt_examples: Vec<Example>,
    /// The normalization steps of the rule's pack.
    pub norm: NormOptions,
    pub loc: Loc,
}

/// The three lists of examples a rule carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    /// Must fire.
    Bad,
    /// Must not fire.
    Good,
    /// Must fire, lowered to `info` by an exemption.
    Exempt,
}

impl ExampleKind {
    pub const ALL: [ExampleKind; 3] = [ExampleKind::Bad, ExampleKind::Good, ExampleKind::Exempt];

    pub fn name(self) -> &'static str {
        match self {
            ExampleKind::Bad => "bad",
            ExampleKind::Good => "good",
            ExampleKind::Exempt => "exempt",
        }
    }
}

impl Rule {
    /// The severity a match is reported with: `info` inside one of the rule's exempt contexts.
    pub fn severity_for(&self, exempt: Option<usize>) -> Severity {
        match exempt {
            Some(i) if i < self.exempt.len() => Severity::Info,
            _ => self.severity,
        }
    }

    pub fn examples(&self, kind: ExampleKind) -> &[Example] {
        match kind {
            ExampleKind::Bad => &self.bad,
            ExampleKind::Good => &self.good,
            ExampleKind::Exempt => &self.exempt_examples,
        }
    }

    /// The message with `{matched}` filled in.
    pub fn message_for(&self, matched: &str) -> String {
        self.message.replace("{matched}", matched)
    }
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub id: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub norm: NormOptions,
    pub source: usize,
}

/// Every loaded pack and rule, in load order (built-in packs first).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub packs: Vec<Pack>,
    pub rules: Vec<Rule>,
    pub sources: Vec<Arc<PackSource>>,
}

impl RuleSet {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Keeps only the rules of the named packs (all when `packs` is empty).
    pub fn retain_packs(&mut self, packs: &[String]) {
        if packs.is_empty() {
            return;
        }
        self.rules.retain(|r| packs.iter().any(|p| **p == *r.pack));
        self.packs.retain(|p| packs.iter().any(|q| q == &p.id));
    }
}
