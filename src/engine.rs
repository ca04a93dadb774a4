//! The matching engine, built once from a [`RuleSet`] and shared by every thread.
//!
//! All literals of all rules — terms, exceptions, triggers and required statements — go into a
//! single Aho-Corasick automaton over their normalized form; each automaton pattern maps to the
//! rules that use it. Regular expressions are compiled once. A scan of a document yields
//! [`Hit`]s: rule index plus the original byte range.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use crate::normalize::{NormOptions, Normalized};
use crate::rules::{RuleKind, RuleSet};

/// What a literal or regex does for its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// A match is a finding (`terms`, `pattern`).
    Term,
    /// A longer phrase exempting the matches it contains.
    Exception,
    /// Makes a required statement necessary (`requires`).
    Trigger,
    /// Satisfies a `requires` rule.
    Required,
    /// A context that lowers the matches it contains to `info` (item: which exemption).
    Exempt,
}

#[derive(Debug, Clone, Copy)]
struct Target {
    rule: u32,
    role: Role,
    /// Index of the term within the rule's list (for per-pack verification).
    item: u32,
    /// Latin terms match whole words only: check the characters around the match.
    bound_start: bool,
    bound_end: bool,
}

#[derive(Debug)]
struct RegexTarget {
    rule: u32,
    role: Role,
    item: u32,
    re: Regex,
}

/// The item of a `terms` rule's own pattern (its literal terms are numbered from 0).
const PATTERN_ITEM: u32 = u32::MAX;

/// One occurrence of a literal or regex in the normalized text.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    rule: u32,
    role: Role,
    item: u32,
    start: usize,
    end: usize,
}

/// A rule that fired, located in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: usize,
    pub range: Range<usize>,
    /// The rule's exemption whose context contains the match: reported as `info`.
    pub exempt: Option<usize>,
}

#[derive(Debug)]
pub struct Engine {
    rules: RuleSet,
    automaton: Option<AhoCorasick>,
    targets: Vec<Vec<Target>>,
    regexes: Vec<RegexTarget>,
    /// Per rule, when its pack turns normalization steps off: its terms normalized that way.
    pack_terms: Vec<Option<Vec<String>>>,
}

impl Engine {
    /// Compiles the automaton and the regexes. Patterns were validated when the packs loaded.
    pub fn new(rules: RuleSet) -> Result<Engine, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut regexes = Vec::new();
        let mut pack_terms = Vec::with_capacity(rules.rules.len());

        let mut add_literal = |literal: &str, rule: usize, role: Role, item: usize| {
            let norm = Normalized::text_of(literal, NormOptions::ALL);
            let id = *pattern_ids.entry(norm.clone()).or_insert_with(|| {
                patterns.push(norm.clone());
                targets.push(Vec::new());
                patterns.len() - 1
            });
            targets[id].push(Target {
                rule: rule as u32,
                role,
                item: item as u32,
                bound_start: norm.starts_with(|c: char| c.is_ascii_alphanumeric()),
                bound_end: norm.ends_with(|c: char| c.is_ascii_alphanumeric()),
            });
        };
        let compile = |pattern: &str| Regex::new(pattern).map_err(|e| e.to_string());

        for (index, rule) in rules.rules.iter().enumerate() {
            match &rule.kind {
                RuleKind::Terms { terms, pattern } => {
                    for (i, t) in terms.iter().enumerate() {
                        add_literal(t, index, Role::Term, i);
                    }
                    if let Some(p) = pattern {
                        regexes.push(RegexTarget {
                            rule: index as u32,
                            role: Role::Term,
                            item: PATTERN_ITEM,
                            re: compile(p)?,
                        });
                    }
                }
                RuleKind::Pattern { pattern } => regexes.push(RegexTarget {
                    rule: index as u32,
                    role: Role::Term,
                    item: 0,
                    re: compile(pattern)?,
                }),
                RuleKind::Config(_) => {}
                RuleKind::Requires { trigger, require } => {
                    for (role, m) in [(Role::Trigger, trigger), (Role::Required, require)] {
                        for (i, t) in m.terms.iter().enumerate() {
                            add_literal(t, index, role, i);
                        }
                        if let Some(p) = &m.pattern {
                            regexes.push(RegexTarget {
                                rule: index as u32,
                                role,
                                item: 0,
                                re: compile(p)?,
                            });
                        }
                    }
                }
            }
            for (i, e) in rule.exceptions.iter().enumerate() {
                add_literal(e, index, Role::Exception, i);
            }
            for (i, e) in rule.exempt.iter().enumerate() {
                for t in &e.matcher.terms {
                    add_literal(t, index, Role::Exempt, i);
                }
                if let Some(p) = &e.matcher.pattern {
                    regexes.push(RegexTarget {
                        rule: index as u32,
                        role: Role::Exempt,
                        item: i as u32,
                        re: compile(p)?,
                    });
                }
            }
            pack_terms.push(match &rule.kind {
                RuleKind::Terms { terms, .. } if !rule.norm.is_all() => Some(
                    terms
                        .iter()
                        .map(|t| Normalized::text_of(t, rule.norm))
                        .collect(),
                ),
                _ => None,
            });
        }

        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok(Engine {
            rules,
            automaton,
            targets,
            regexes,
            pack_terms,
        })
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Gives the rule set back (to adjust it and build again).
    pub fn into_rules(self) -> RuleSet {
        self.rules
    }

    /// Scans the given byte ranges of `original` as one document.
    pub fn scan(&self, original: &str, segments: &[Range<usize>]) -> Vec<Hit> {
        let norm = Normalized::new(original, segments, NormOptions::ALL);
        self.scan_normalized(original, &norm)
    }

    pub fn scan_normalized(&self, original: &str, norm: &Normalized) -> Vec<Hit> {
        let text = norm.text.as_str();
        let mut found: Vec<Occurrence> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                for t in &self.targets[m.pattern().as_usize()] {
                    if (t.bound_start || t.bound_end)
                        && !latin_word(
                            original,
                            norm.original_range(original, m.start(), m.end()),
                            t,
                        )
                    {
                        continue;
                    }
                    found.push(Occurrence {
                        rule: t.rule,
                        role: t.role,
                        item: t.item,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        for rt in &self.regexes {
            for m in rt.re.find_iter(text) {
                if m.start() < m.end() {
                    found.push(Occurrence {
                        rule: rt.rule,
                        role: rt.role,
                        item: rt.item,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        if found.is_empty() {
            return Vec::new();
        }
        found.sort_unstable_by(|a, b| {
            (a.rule, a.role, a.start, std::cmp::Reverse(a.end)).cmp(&(
                b.rule,
                b.role,
                b.start,
                std::cmp::Reverse(b.end),
            ))
        });
        let mut hits = Vec::new();
        for group in found.chunk_by(|a, b| a.rule == b.rule) {
            self.judge_rule(original, norm, group, &mut hits);
        }
        self.one_finding_per_span(hits)
    }

    /// Where rules of one pack overlap (最佳 in 国家级最佳…), the reader wants one finding:
    /// keep the more severe, then the longer, then the earlier rule. `requires` findings stay.
    fn one_finding_per_span(&self, mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort_by_key(|h| (h.range.start, h.rule));
        let rules = &self.rules.rules;
        let rank = |h: &Hit| {
            let severity = rules[h.rule].severity_for(h.exempt);
            (severity, h.range.len(), std::cmp::Reverse(h.rule))
        };
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for hit in hits {
            let rule = &rules[hit.rule];
            let clash = if matches!(rule.kind, RuleKind::Requires { .. }) {
                None
            } else {
                kept.iter().rposition(|k| {
                    let other = &rules[k.rule];
                    other.pack == rule.pack
                        && !matches!(other.kind, RuleKind::Requires { .. })
                        && k.range.start < hit.range.end
                        && hit.range.start < k.range.end
                })
            };
            match clash {
                Some(i) if rank(&hit) > rank(&kept[i]) => kept[i] = hit,
                Some(_) => {}
                None => kept.push(hit),
            }
        }
        kept.sort_by_key(|h| (h.range.start, h.rule));
        kept
    }

    /// Turns the occurrences of one rule into its hits.
    fn judge_rule(
        &self,
        original: &str,
        norm: &Normalized,
        group: &[Occurrence],
        hits: &mut Vec<Hit>,
    ) {
        let index = group[0].rule as usize;
        let rule = &self.rules.rules[index];
        let of = |role: Role| group.iter().filter(move |o| o.role == role);
        let exceptions: Vec<&Occurrence> = of(Role::Exception).collect();
        match rule.kind {
            RuleKind::Terms { .. } | RuleKind::Pattern { .. } => {
                let exempting: Vec<&Occurrence> = of(Role::Exempt).collect();
                // The finding being built: normalized start, end, and its exemption. Overlapping
                // occurrences of one rule (史上最 + 最强) become one finding, exempt only if all
                // of them are.
                let mut current: Option<(usize, usize, Option<usize>)> = None;
                for o in of(Role::Term) {
                    if containing(&exceptions, o).is_some() {
                        continue;
                    }
                    if !self.pack_allows(index, o, original, norm) {
                        continue;
                    }
                    let lowered = containing(&exempting, o).map(|x| x.item as usize);
                    match current {
                        Some((s, e, l)) if o.start < e => {
                            current = Some((s, e.max(o.end), l.and(lowered)));
                        }
                        Some((s, e, l)) => {
                            hits.push(self.hit(index, original, norm, s, e, l));
                            current = Some((o.start, o.end, lowered));
                        }
                        None => current = Some((o.start, o.end, lowered)),
                    }
                }
                if let Some((s, e, l)) = current {
                    hits.push(self.hit(index, original, norm, s, e, l));
                }
            }
            RuleKind::Config(_) => {}
            RuleKind::Requires { .. } => {
                if of(Role::Required).next().is_some() {
                    return;
                }
                let first = of(Role::Trigger)
                    .filter(|o| containing(&exceptions, o).is_none())
                    .find(|o| self.pack_allows(index, o, original, norm));
                if let Some(o) = first {
                    hits.push(self.hit(index, original, norm, o.start, o.end, None));
                }
            }
        }
    }

    fn hit(
        &self,
        rule: usize,
        original: &str,
        norm: &Normalized,
        start: usize,
        end: usize,
        exempt: Option<usize>,
    ) -> Hit {
        Hit {
            rule,
            range: norm.original_range(original, start, end),
            exempt,
        }
    }

    /// A pack that turns normalization steps off only accepts matches that still hold without
    /// those steps.
    fn pack_allows(&self, rule: usize, o: &Occurrence, original: &str, norm: &Normalized) -> bool {
        let opts = self.rules.rules[rule].norm;
        if opts.is_all() {
            return true;
        }
        let matched = &original[norm.original_range(original, o.start, o.end)];
        let seen = Normalized::text_of(matched, opts);
        match &self.pack_terms[rule] {
            Some(terms) if o.item != PATTERN_ITEM => {
                terms.get(o.item as usize).is_some_and(|t| *t == seen)
            }
            _ => self
                .regexes
                .iter()
                .any(|r| r.rule as usize == rule && r.re.is_match(&seen)),
        }
    }

    /// Every literal term of the enabled rules, normalized, once each (for `rules --terms`).
    pub fn literal_terms(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .rules
            .rules
            .iter()
            .flat_map(|r| match &r.kind {
                RuleKind::Terms { terms, .. } => terms.clone(),
                RuleKind::Requires { trigger, .. } => trigger.terms.clone(),
                RuleKind::Pattern { .. } | RuleKind::Config(_) => Vec::new(),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// An exception phrase that contains the occurrence exempts it.
/// The first context phrase (an exception or an exempt context) that contains the occurrence.
fn containing<'a>(contexts: &[&'a Occurrence], o: &Occurrence) -> Option<&'a Occurrence> {
    contexts
        .iter()
        .copied()
        .find(|x| x.start <= o.start && o.end <= x.end)
}

/// A Latin term (NO.1, TOP1) must not continue a longer word or number (TOP10, iPhone1).
fn latin_word(original: &str, range: Range<usize>, t: &Target) -> bool {
    let is_word = |c: Option<char>| {
        c.map(|c| Normalized::text_of(&c.to_string(), NormOptions::ALL))
            .and_then(|s| s.chars().next())
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    !(t.bound_start && is_word(original[..range.start].chars().next_back())
        || t.bound_end && is_word(original[range.end..].chars().next()))
}
