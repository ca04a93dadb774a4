//! Loading rule packs: built-in YAML embedded in the binary, plus the user's pack directories.
//! Every problem becomes a [`PackError`] that names the file, line and column.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde_saphyr::Spanned;

use super::schema::{ConditionDef, KindDef, MatcherDef, PackFile, RuleDef};
use super::{
    Condition, ConfigCheck, Example, Exempt, FieldPath, Loc, Matcher, Pack, Pattern, Rule,
    RuleKind, RuleSet, Test,
};
use crate::anchors::{expand_words, is_list_name, parts_of, Anchors, Part, WordGroups, WordLists};
use crate::normalize::Normalized;
use crate::structure;

/// The built-in packs: (file name, YAML). Their ids are part of the product contract.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("rules/ad-law.yaml", include_str!("../../rules/ad-law.yaml")),
    (
        "rules/sensitive.yaml",
        include_str!("../../rules/sensitive.yaml"),
    ),
    (
        "rules/privacy.yaml",
        include_str!("../../rules/privacy.yaml"),
    ),
    (
        "rules/disclosure.yaml",
        include_str!("../../rules/disclosure.yaml"),
    ),
];

/// One rule-pack file as read.
#[derive(Debug)]
pub struct PackSource {
    pub name: String,
    pub text: String,
    pub builtin: bool,
    /// Whether the text still holds the rules' examples, which every rule must then have.
    pub examples: Examples,
}

impl PackSource {
    /// A built-in pack, its examples blanked out when `examples` is `Skip`.
    fn builtin(name: &str, text: &str, examples: Examples) -> PackSource {
        PackSource {
            name: name.to_string(),
            text: match examples {
                Examples::Keep => text.to_string(),
                Examples::Skip => without_examples(text),
            },
            builtin: true,
            examples,
        }
    }
}

/// Whether the built-in packs are loaded with their rules' examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Examples {
    /// For `test-rules`, `explain`, `serve`: everything a rule documents.
    Keep,
    /// For a check, which never reads them: a third of the packs' YAML not to parse.
    Skip,
}

/// A built-in pack's text with each rule's `examples:` block blanked out line for line, so
/// every other line and column stays where it was (the packs are ours: `examples:` sits at
/// four spaces and runs until the next key or rule at that depth or less).
fn without_examples(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let content = body.trim_start();
        let indent = body.len() - content.len();
        if indent == 4 && content.starts_with("examples:") {
            skipping = true;
        } else if skipping && indent <= 4 && !content.is_empty() && !content.starts_with('#') {
            skipping = false;
        }
        out.push_str(if skipping { &line[body.len()..] } else { line });
    }
    out
}

/// A rule pack that cannot be used, located in its file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(code(hegui::rule_pack))]
pub struct PackError {
    /// `file:line:column`, or the file alone when no position is known.
    pub location: String,
    pub message: String,
    #[source_code]
    src: Option<NamedSource<String>>,
    #[label("{message}")]
    span: Option<SourceSpan>,
    #[help]
    help: Option<String>,
}

impl PackError {
    pub fn at(source: &PackSource, loc: Option<Loc>, message: impl Into<String>) -> Box<PackError> {
        let message = message.into();
        let (location, span) = match loc {
            Some(loc) if loc.line > 0 => {
                let byte = byte_of(&source.text, loc.line, loc.column);
                let len = source.text[byte..].chars().next().map_or(0, char::len_utf8);
                (
                    format!("{}:{}:{}", source.name, loc.line, loc.column),
                    Some(SourceSpan::from((byte, len))),
                )
            }
            _ => (source.name.clone(), None),
        };
        Box::new(PackError {
            location,
            message,
            src: Some(NamedSource::new(&source.name, source.text.clone())),
            span,
            help: None,
        })
    }

    /// An error with no source text to show (a file that cannot be read).
    pub fn plain(location: String, message: String) -> Box<PackError> {
        Box::new(PackError {
            location,
            message,
            src: None,
            span: None,
            help: None,
        })
    }

    fn io(path: &Path, err: &std::io::Error) -> Box<PackError> {
        Box::new(PackError {
            location: path.display().to_string(),
            message: format!("cannot read rule pack: {err}"),
            src: None,
            span: None,
            help: None,
        })
    }

    pub fn with_help(mut self: Box<Self>, help: impl Into<String>) -> Box<PackError> {
        self.help = Some(help.into());
        self
    }
}

/// Byte offset of a 1-based line and (character) column.
fn byte_of(text: &str, line: u64, column: u64) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            let skip = column.saturating_sub(1) as usize;
            let within = l.char_indices().nth(skip).map_or(l.len(), |(b, _)| b);
            return offset + within;
        }
        offset += l.len();
    }
    text.len()
}

/// Loads the built-in packs (when `builtin`, with or without their examples) and every
/// `*.yaml`/`*.yml` in `pack_dirs`, whose examples are always read (they are checked on load).
pub fn load_rule_set(
    pack_dirs: &[PathBuf],
    builtin: bool,
    examples: Examples,
) -> Result<RuleSet, Box<PackError>> {
    let mut sources = Vec::new();
    if builtin {
        for (name, text) in BUILTIN_PACKS {
            sources.push(PackSource::builtin(name, text, examples));
        }
    }
    for dir in pack_dirs {
        for path in pack_files(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|e| PackError::io(&path, &e))?;
            sources.push(PackSource {
                name: path.display().to_string(),
                text,
                builtin: false,
                examples: Examples::Keep,
            });
        }
    }
    let sources: Vec<Arc<PackSource>> = sources.into_iter().map(Arc::new).collect();
    // Packs parse and compile independently, so they do it side by side: this is most of
    // the start-up of a check. Ids are then checked across packs in load order.
    let read: Vec<Result<ReadPack, Box<PackError>>> = std::thread::scope(|scope| {
        let others: Vec<_> = sources
            .iter()
            .enumerate()
            .skip(1)
            .map(|(index, source)| scope.spawn(move || read_pack(index, source)))
            .collect();
        let first = sources.first().map(|source| read_pack(0, source));
        first
            .into_iter()
            .chain(others.into_iter().map(|handle| match handle.join() {
                Ok(read) => read,
                Err(panic) => std::panic::resume_unwind(panic),
            }))
            .collect()
    });
    let mut set = RuleSet {
        sources: sources.clone(),
        ..RuleSet::default()
    };
    let mut rule_ids: HashSet<String> = HashSet::new();
    for (source, read) in sources.iter().zip(read) {
        let read = read?;
        if set.packs.iter().any(|p| p.id == read.pack.id) {
            return Err(PackError::at(
                source,
                Some(read.pack_loc),
                format!("pack `{}` is defined twice", read.pack.id),
            ));
        }
        set.packs.push(read.pack);
        for rule in read.rules {
            if !rule_ids.insert(rule.id.to_ascii_uppercase()) {
                return Err(PackError::at(
                    source,
                    Some(rule.loc),
                    format!("duplicate rule id `{}`", rule.id),
                ));
            }
            set.rules.push(rule);
        }
        if let Some(failure) = read.failure {
            return Err(failure);
        }
    }
    Ok(set)
}

/// One pack file, parsed and its rules built, before ids are checked across packs.
struct ReadPack {
    pack: Pack,
    pack_loc: Loc,
    /// The rules before the first that failed to build.
    rules: Vec<Rule>,
    failure: Option<Box<PackError>>,
}

/// Deserializes a YAML file users write (a pack, a config); an error names its line and column.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(
    source: &PackSource,
    index: usize,
) -> Result<T, Box<PackError>> {
    let mut options = serde_saphyr::Options::default();
    if source.builtin {
        // Our own packs: no hostile document to limit, and a little less start-up.
        options.budget = None;
    }
    serde_saphyr::from_str_with_options(&source.text, options).map_err(|e| {
        let loc = e.location().map(|l| Loc {
            source: index,
            line: l.line(),
            column: l.column(),
            byte: None,
        });
        PackError::at(source, loc, first_line(&e.to_string()))
    })
}

/// serde-saphyr renders its own snippet below the first line; ours comes from miette.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    let line = line.strip_prefix("error: ").unwrap_or(line);
    // "line 4 column 5: unknown field" — the position is already in our location.
    match line.split_once(": ") {
        Some((pos, rest)) if pos.starts_with("line ") => rest.to_string(),
        _ => line.to_string(),
    }
}

fn pack_files(dir: &Path) -> Result<Vec<PathBuf>, Box<PackError>> {
    let entries = std::fs::read_dir(dir).map_err(|e| PackError::io(dir, &e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    Ok(files)
}

pub fn loc_of<T>(index: usize, s: &Spanned<T>) -> Loc {
    Loc {
        source: index,
        line: s.referenced.line(),
        column: s.referenced.column(),
        byte: s.referenced.span().byte_offset().map(|b| b as usize),
    }
}

fn read_pack(index: usize, source: &PackSource) -> Result<ReadPack, Box<PackError>> {
    let file: PackFile = parse_yaml(source, index)?;
    let err = |loc: Loc, msg: String| PackError::at(source, Some(loc), msg);
    let pack_loc = loc_of(index, &file.pack);
    let pack_id = file.pack.value.trim().to_string();
    if pack_id.is_empty()
        || !pack_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(err(
            pack_loc,
            format!("pack `{pack_id}` must be lowercase letters, digits, `-` or `_`"),
        ));
    }
    let words = word_lists(index, source, &file.words)?;
    let mut rules = Vec::with_capacity(file.rules.len());
    let mut failure = None;
    for def in file.rules {
        let loc = loc_of(index, &def.id);
        let id = def.id.value.trim().to_string();
        let built = if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c == ',') {
            Err(err(loc, format!("rule id `{id}` must be one word")))
        } else {
            build_rule(index, source, &words, &pack_id, file.normalize, id, def)
        };
        match built {
            Ok(rule) => rules.push(rule),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    Ok(ReadPack {
        pack: Pack {
            id: pack_id,
            name: file.name,
            description: file.description,
            builtin: source.builtin,
            norm: file.normalize,
            source: index,
        },
        pack_loc,
        rules,
        failure,
    })
}

/// The pack's word lists, each well named (see [`is_list_name`]) and of non-empty one-line
/// words.
fn word_lists(
    index: usize,
    source: &PackSource,
    defs: &BTreeMap<String, Spanned<Vec<String>>>,
) -> Result<WordGroups, Box<PackError>> {
    let mut lists = WordLists::new();
    for (name, list) in defs {
        let err = |msg: String| PackError::at(source, Some(loc_of(index, list)), msg);
        if !is_list_name(name) {
            return Err(err(format!(
                "word list `{name}` must be ASCII letters, digits or `_`, beginning with a letter"
            )));
        }
        if list.value.is_empty() {
            return Err(err(format!("word list `{name}` is empty")));
        }
        if let Some(word) = list
            .value
            .iter()
            .find(|w| w.trim().is_empty() || w.contains('\n'))
        {
            return Err(err(format!(
                "word list `{name}`: `{word}` is empty or spans lines"
            )));
        }
        lists.insert(name.clone(), list.value.clone());
    }
    Ok(WordGroups::of(lists))
}

fn build_rule(
    index: usize,
    source: &PackSource,
    words: &WordGroups,
    pack: &str,
    norm: crate::normalize::NormOptions,
    id: String,
    def: RuleDef,
) -> Result<Rule, Box<PackError>> {
    let err = |loc: Loc, msg: String| PackError::at(source, Some(loc), msg);
    let cx = RuleCx {
        index,
        source,
        words,
        id: &id,
    };
    let loc = loc_of(index, &def.id);
    for (field, value) in [
        ("name", &def.name),
        ("message", &def.message),
        ("help", &def.help),
        ("law", &def.law),
    ] {
        if value.trim().is_empty() {
            return Err(err(loc, format!("rule {id}: `{field}` must not be empty")));
        }
    }
    let kind_loc = loc_of(index, &def.kind);
    let terms = cx.terms(&def.terms)?;
    let exceptions = cx.terms(&def.exceptions)?;
    let exempt = def
        .exempt
        .iter()
        .map(|e| {
            let matcher = cx.matcher(&e.value.terms, e.value.pattern.as_ref(), cx.loc(e))?;
            if e.value.reason.trim().is_empty() {
                return Err(err(
                    loc_of(index, e),
                    format!("rule {id}: an exemption needs a `reason`"),
                ));
            }
            Ok(Exempt {
                matcher,
                reason: e.value.reason.trim().to_string(),
            })
        })
        .collect::<Result<Vec<_>, Box<PackError>>>()?;
    let pattern = def.pattern.as_ref().map(|p| cx.pattern(p)).transpose()?;
    let only = |what: &str, ok: bool| -> Result<(), Box<PackError>> {
        if ok {
            Ok(())
        } else {
            Err(err(
                kind_loc,
                format!("rule {id}: kind `{}` {what}", kind_name(def.kind.value)),
            ))
        }
    };
    let has_conditions = !def.when.is_empty() || !def.forbid.is_empty() || !def.expect.is_empty();
    if def.kind.value != KindDef::Requires {
        only("takes no `skip_if`", def.skip_if.is_none())?;
    }
    if def.kind.value != KindDef::Config {
        only("takes no `when`, `forbid` or `expect`", !has_conditions)?;
    } else {
        only(
            "takes no `unless` (that is what `when` is for)",
            def.unless.is_empty(),
        )?;
    }
    let unless = def
        .unless
        .iter()
        .map(|c| cx.condition(c))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = match def.kind.value {
        KindDef::Terms => {
            only("needs a non-empty `terms` list", !terms.is_empty())?;
            only(
                "takes no `trigger` or `require`",
                def.trigger.is_none() && def.require.is_none(),
            )?;
            RuleKind::Terms { terms, pattern }
        }
        KindDef::Pattern => {
            only(
                "needs `pattern` and takes no `terms`, `trigger` or `require`",
                terms.is_empty() && def.trigger.is_none() && def.require.is_none(),
            )?;
            match pattern {
                Some(pattern) => RuleKind::Pattern { pattern },
                None => {
                    return Err(err(
                        kind_loc,
                        format!("rule {id}: kind `pattern` needs `pattern`"),
                    ))
                }
            }
        }
        KindDef::Requires => {
            only(
                "takes its phrases in `trigger` and `require`, not `terms`, `pattern` or `exempt`",
                terms.is_empty() && pattern.is_none() && exempt.is_empty(),
            )?;
            let (Some(trigger), Some(require)) = (&def.trigger, &def.require) else {
                return Err(err(
                    kind_loc,
                    format!("rule {id}: kind `requires` needs `trigger` and `require`"),
                ));
            };
            RuleKind::Requires {
                trigger: cx.spanned_matcher(trigger)?,
                require: cx.spanned_matcher(require)?,
                skip_if: def
                    .skip_if
                    .as_ref()
                    .map(|m| cx.spanned_matcher(m))
                    .transpose()?,
            }
        }
        KindDef::Config => {
            only(
                "takes its conditions in `when`, `forbid` and `expect`, not phrases or patterns",
                terms.is_empty()
                    && exceptions.is_empty()
                    && exempt.is_empty()
                    && pattern.is_none()
                    && def.trigger.is_none()
                    && def.require.is_none(),
            )?;
            only(
                "needs `forbid` or `expect` conditions",
                !def.forbid.is_empty() || !def.expect.is_empty(),
            )?;
            let conditions =
                |list: &[Spanned<ConditionDef>]| -> Result<Vec<Condition>, Box<PackError>> {
                    list.iter().map(|c| cx.condition(c)).collect()
                };
            // Built-in examples are parsed by the test suite; a user's, here, where the error
            // can point at them.
            let examples = def.examples.bad.iter().chain(&def.examples.good);
            for example in examples.filter(|_| !source.builtin) {
                if let Err(e) = structure::parse(structure::Format::Yaml, &example.value) {
                    return Err(err(
                        loc_of(index, example),
                        format!(
                            "rule {id}: a `config` example is a YAML campaign, and this one does \
                             not parse: {}",
                            e.message
                        ),
                    ));
                }
            }
            RuleKind::Config(ConfigCheck {
                when: conditions(&def.when)?,
                forbid: conditions(&def.forbid)?,
                expect: conditions(&def.expect)?,
            })
        }
    };
    let listed = |list: &[Spanned<String>]| -> Vec<Example> {
        list.iter()
            .map(|e| Example {
                text: e.value.clone(),
                loc: loc_of(index, e),
            })
            .collect()
    };
    let examples = |list: &[Spanned<String>], what: &str| -> Result<Vec<Example>, Box<PackError>> {
        if list.is_empty() && source.examples == Examples::Keep {
            return Err(err(
                loc,
                format!("rule {id}: needs at least one `{what}` example"),
            ));
        }
        Ok(listed(list))
    };
    Ok(Rule {
        bad: examples(&def.examples.bad, "bad")?,
        exempt_examples: listed(&def.examples.exempt),
        good: examples(&def.examples.good, "good")?,
        id: id.into(),
        pack: pack.into(),
        name: def.name.into(),
        severity: def.severity,
        message: def.message,
        help: def.help.into(),
        law: def.law.into(),
        kind,
        exceptions,
        exempt,
        unless,
        suggest: def.suggest.map(Into::into),
        explain: def.explain,
        quote: def.quote,
        norm,
        loc,
    })
}

fn kind_name(kind: KindDef) -> &'static str {
    match kind {
        KindDef::Terms => "terms",
        KindDef::Pattern => "pattern",
        KindDef::Requires => "requires",
        KindDef::Config => "config",
    }
}

/// What the checks of one rule's parts need: where its pack is (for errors), the pack's word
/// lists and the rule's id.
struct RuleCx<'a> {
    index: usize,
    source: &'a PackSource,
    words: &'a WordGroups,
    id: &'a str,
}

impl RuleCx<'_> {
    fn loc<T>(&self, s: &Spanned<T>) -> Loc {
        loc_of(self.index, s)
    }

    /// An error about this rule at `loc`.
    fn error(&self, loc: Loc, msg: impl std::fmt::Display) -> Box<PackError> {
        PackError::at(self.source, Some(loc), format!("rule {}: {msg}", self.id))
    }

    fn terms(&self, terms: &[Spanned<String>]) -> Result<Vec<String>, Box<PackError>> {
        terms
            .iter()
            .map(|t| {
                let normalized = Normalized::text_of(&t.value, crate::normalize::NormOptions::ALL);
                if normalized.is_empty() || normalized.contains('\n') {
                    Err(self.error(
                        self.loc(t),
                        format!(
                            "phrase `{}` is empty after normalization or spans lines",
                            t.value
                        ),
                    ))
                } else {
                    Ok(t.value.clone())
                }
            })
            .collect()
    }

    fn pattern(&self, pattern: &Spanned<String>) -> Result<Pattern, Box<PackError>> {
        let err = |msg: String| self.error(self.loc(pattern), msg);
        let expanded = expand_words(&pattern.value, self.words).map_err(err)?;
        if let Some(parts) = prepared(&expanded) {
            return Ok(Pattern {
                source: expanded.into_owned(),
                parts,
            });
        }
        // Parsing finds every syntax error; the engine compiles the pattern when it is first
        // used.
        match parts_of(&expanded) {
            Ok(parts) => Ok(Pattern {
                source: expanded.into_owned(),
                parts,
            }),
            Err(e) => Err(err(format!("invalid regular expression: {e}")).with_help(
                "patterns run on the normalized text: Simplified, lower-case, half-width, noise removed",
            )),
        }
    }

    /// Phrases and a pattern, of which at least one is given (at `loc`).
    fn matcher(
        &self,
        terms: &[Spanned<String>],
        pattern: Option<&Spanned<String>>,
        loc: Loc,
    ) -> Result<Matcher, Box<PackError>> {
        let terms = self.terms(terms)?;
        let pattern = pattern.map(|p| self.pattern(p)).transpose()?;
        if terms.is_empty() && pattern.is_none() {
            return Err(self.error(loc, "needs `terms` or `pattern` here"));
        }
        Ok(Matcher { terms, pattern })
    }

    fn spanned_matcher(&self, m: &Spanned<MatcherDef>) -> Result<Matcher, Box<PackError>> {
        self.matcher(&m.value.terms, m.value.pattern.as_ref(), self.loc(m))
    }

    /// One condition of a `config` rule, checked: a path and exactly one test, or one combinator.
    fn condition(&self, def: &Spanned<ConditionDef>) -> Result<Condition, Box<PackError>> {
        let here = |msg: String| self.error(self.loc(def), msg);
        let c = &def.value;
        let path = c
            .path
            .as_ref()
            .map(|p| FieldPath::parse(&p.value).map_err(|m| self.error(self.loc(p), m)))
            .transpose()?;
        let other_path = |p: &str| FieldPath::parse(p).map_err(&here);
        let mut tests: Vec<Test> = Vec::new();
        if let Some(b) = c.exists {
            tests.push(Test::Exists(b));
        }
        if let Some(b) = c.non_empty {
            tests.push(Test::NonEmpty(b));
        }
        if let Some(v) = &c.equals {
            tests.push(Test::Equals(v.clone()));
        }
        if let Some(v) = &c.one_of {
            tests.push(Test::In(v.clone()));
        }
        for (v, make) in [
            (c.gt, Test::Gt as fn(f64) -> Test),
            (c.ge, Test::Ge),
            (c.lt, Test::Lt),
            (c.le, Test::Le),
        ] {
            if let Some(n) = v {
                tests.push(make(n));
            }
        }
        if let Some(terms) = &c.contains {
            let normalized: Vec<String> = terms
                .iter()
                .map(|t| Normalized::text_of(t, crate::normalize::NormOptions::ALL))
                .filter(|t| !t.is_empty())
                .collect();
            if normalized.is_empty() {
                return Err(here("`contains` needs at least one phrase".into()));
            }
            tests.push(Test::Contains(normalized));
        }
        if let Some(p) = &c.before {
            tests.push(Test::Before(other_path(p)?));
        }
        if let Some(p) = &c.after {
            tests.push(Test::After(other_path(p)?));
        }
        let mut combinators: Vec<Condition> = Vec::new();
        for (list, all) in [(&c.any, false), (&c.all, true)] {
            if let Some(list) = list {
                if list.is_empty() {
                    return Err(here("`any` and `all` need at least one condition".into()));
                }
                let items = list
                    .iter()
                    .map(|d| self.condition(d))
                    .collect::<Result<Vec<_>, _>>()?;
                combinators.push(if all {
                    Condition::All(items)
                } else {
                    Condition::Any(items)
                });
            }
        }
        if let Some(inner) = &c.not {
            combinators.push(Condition::Not(Box::new(self.condition(inner)?)));
        }
        const TESTS: &str =
            "exists, non_empty, equals, in, gt, ge, lt, le, contains, before, after";
        match (path, tests.len(), combinators.len()) {
            (Some(path), 1, 0) => Ok(Condition::At {
                path,
                test: tests.remove(0),
            }),
            (None, 0, 1) => Ok(combinators.remove(0)),
            (Some(_), 0, 0) => Err(here(format!("a condition needs one test: {TESTS}"))),
            (Some(_), _, 0) => Err(here(format!(
                "a condition takes one test, found {}",
                tests.len()
            ))),
            (None, 0, 0) => Err(here(format!(
                "a condition needs `path` and one test ({TESTS}), or `any`, `all` or `not`"
            ))),
            (None, _, 0) => Err(here("this test needs a `path`".into())),
            (Some(_), _, _) => Err(here(
                "`any`, `all` and `not` take no `path` of their own".into(),
            )),
            (None, _, _) => Err(here(
                "write one of `any`, `all` or `not` per condition".into(),
            )),
        }
    }
}

/// A built-in pattern's parts as `build.rs` worked them out.
type PreparedPart = (
    &'static str,
    &'static [&'static str],
    bool,
    Option<usize>,
    &'static [&'static [&'static str]],
);

/// The built-in packs' patterns with their parts, worked out by `build.rs`: each part is
/// `(regex, anchors, every match begins with an anchor, longest match, companions)`; sorted by
/// pattern.
/// A pattern found here parsed when hegui was built.
static PREPARED: &[(&str, &[PreparedPart])] =
    include!(concat!(env!("OUT_DIR"), "/prepared_patterns.rs"));

fn prepared(pattern: &str) -> Option<Vec<Part>> {
    let at = PREPARED.binary_search_by(|(p, _)| (*p).cmp(pattern)).ok()?;
    let parts = PREPARED[at]
        .1
        .iter()
        .map(|&(source, literals, starts, max_len, companions)| Part {
            source: source.to_string(),
            anchors: (!literals.is_empty()).then(|| Anchors {
                literals: literals.iter().map(|l| l.to_string()).collect(),
                starts,
            }),
            max_len,
            companions: companions
                .iter()
                .map(|set| set.iter().map(|l| l.to_string()).collect())
                .collect(),
        });
    Some(parts.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check loads the built-in packs without their examples: the same rules, each where
    /// it was, and no examples.
    #[test]
    fn built_in_packs_load_the_same_without_their_examples() {
        let full = load_rule_set(&[], true, Examples::Keep).expect("built-in packs load");
        let lean = load_rule_set(&[], true, Examples::Skip).expect("built-in packs load");
        let described = |set: &RuleSet| -> Vec<String> {
            set.rules
                .iter()
                .map(|r| {
                    let at = (r.loc.source, r.loc.line, r.loc.column);
                    let parts = (at, &r.kind, &r.exceptions, &r.exempt, &r.unless);
                    format!(
                        "{} {} {parts:?} {:?} {:?}",
                        r.id, r.message, r.quote, r.suggest
                    )
                })
                .collect()
        };
        assert_eq!(described(&full), described(&lean));
        assert!(full.rules.len() >= 60);
        assert!(full
            .rules
            .iter()
            .all(|r| !r.bad.is_empty() && !r.good.is_empty()));
        assert!(lean
            .rules
            .iter()
            .all(|r| r.bad.is_empty() && r.good.is_empty() && r.exempt_examples.is_empty()));
        for (_, text) in BUILTIN_PACKS {
            assert_eq!(without_examples(text).lines().count(), text.lines().count());
        }
    }

    /// The SW001 branches that end in a recovery are searched around its phrases, the rarest
    /// of their parts, only while every phrase is three characters or more (see the list).
    #[test]
    fn recoveries_stay_the_rarest_part_of_their_branches() {
        let (name, text) = BUILTIN_PACKS
            .iter()
            .find(|(name, _)| name.ends_with("sensitive.yaml"))
            .expect("the sensitive pack is built in");
        let source = PackSource::builtin(name, text, Examples::Skip);
        let pack: PackFile = parse_yaml(&source, 0).expect("the pack parses");
        let short: Vec<&String> = pack.words["recovered"]
            .value
            .iter()
            .filter(|w| w.chars().count() < 3)
            .collect();
        assert!(
            short.is_empty(),
            "recoveries shorter than three characters: {short:?}"
        );
    }

    /// What build.rs embedded for each built-in pattern is what loading would work out.
    #[test]
    fn built_in_patterns_come_prepared_as_loading_would_work_them_out() {
        let set = load_rule_set(&[], true, Examples::Keep).expect("built-in packs load");
        let mut patterns: Vec<&Pattern> = Vec::new();
        for rule in &set.rules {
            let matchers: Vec<&Matcher> = match &rule.kind {
                RuleKind::Terms {
                    pattern: Some(p), ..
                }
                | RuleKind::Pattern { pattern: p } => {
                    patterns.push(p);
                    Vec::new()
                }
                RuleKind::Requires {
                    trigger,
                    require,
                    skip_if,
                } => [trigger, require].into_iter().chain(skip_if).collect(),
                _ => Vec::new(),
            };
            let exempt = rule.exempt.iter().map(|e| &e.matcher);
            patterns.extend(
                matchers
                    .into_iter()
                    .chain(exempt)
                    .filter_map(|m| m.pattern.as_ref()),
            );
        }
        assert!(patterns.len() > 50, "{} patterns", patterns.len());
        for p in patterns {
            let embedded = prepared(&p.source)
                .unwrap_or_else(|| panic!("not prepared at build time: {}", p.source));
            let parts = parts_of(&p.source).expect("a built-in pattern parses");
            assert_eq!(embedded, parts, "{}", p.source);
        }
    }
}
