//! The matching engine, built once from a [`RuleSet`] and shared by every thread.
//!
//! All literals of all rules — terms, exceptions, triggers and required statements — go into a
//! single Aho-Corasick automaton over their normalized form (built when first worth it: a few
//! short drafts are searched at each character for the literals beginning there); each
//! automaton pattern maps to the rules that use it. Regular expressions are compiled once. A
//! scan of a document yields [`Hit`]s: rule index plus the original byte range.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::nfa::{contiguous, noncontiguous::NFA};
use aho_corasick::MatchKind;
use regex_automata::meta::Regex;
use regex_automata::Input;

use crate::normalize::{split_among_threads, NormOptions, Normalized, PIECE};
use crate::rules::{Pattern, RuleKind, RuleSet};
use crate::source::LineIndex;

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
    /// A literal that every match of a regex contains (item: which regex): the regex only
    /// runs around where one occurs.
    Anchor,
    /// A literal of a second set that every match of some regexes contains (item: which set):
    /// an anchor of theirs with none near is passed over.
    Companion,
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
    /// The index of the first regex of the same pattern (see `anchors::Part`).
    first_part: u32,
    pattern: String,
    /// Compiled when first needed (a run over one short draft needs only a few), in two
    /// forms (see `re_for`): without the lazy DFA, for short texts...
    compiled: OnceLock<Option<Regex>>,
    /// ...and with every engine, for long ones.
    compiled_full: OnceLock<Option<Regex>>,
    reach: Reach,
    /// The longest match in bytes, when bounded: how far around an anchor to search.
    max_len: Option<usize>,
    /// Its sets of companions (see `anchors::Part`).
    companions: Vec<u32>,
}

/// Where a regex is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// It has no selective literals: the whole text.
    Everywhere,
    /// Its anchors are in the automaton: only in windows around them.
    AroundAnchors,
    /// Every match begins with one of its anchors: only from each of them.
    FromAnchors,
}

impl Reach {
    /// For a regex with anchors, whether every match also begins with one or not.
    fn of_anchors(starts: bool) -> Reach {
        if starts {
            Reach::FromAnchors
        } else {
            Reach::AroundAnchors
        }
    }
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
    literals: Literals,
    targets: Vec<Vec<Target>>,
    regexes: Vec<RegexTarget>,
    /// The regexes without anchors, searched in every text.
    everywhere: Vec<usize>,
    /// Per rule, when its pack turns normalization steps off: its terms normalized that way.
    pack_terms: Vec<Option<Vec<String>>>,
    /// How many distinct sets of companions the regexes have.
    companion_sets: usize,
}

impl Engine {
    /// Builds the automaton; regexes (parsed when the packs loaded) compile on first use.
    pub fn new(rules: RuleSet) -> Engine {
        let mut b = Builder::default();
        let mut pack_terms = Vec::with_capacity(rules.rules.len());
        for (index, rule) in rules.rules.iter().enumerate() {
            match &rule.kind {
                RuleKind::Terms { terms, pattern } => {
                    for (i, t) in terms.iter().enumerate() {
                        b.literal(t, index, Role::Term, i as u32);
                    }
                    if let Some(p) = pattern {
                        b.regex(p, index, Role::Term, PATTERN_ITEM);
                    }
                }
                RuleKind::Pattern { pattern } => b.regex(pattern, index, Role::Term, 0),
                RuleKind::Config(_) => {}
                RuleKind::Requires {
                    trigger,
                    require,
                    skip_if,
                } => {
                    // A document the rule is not about is, for the search, one that already
                    // holds what the rule requires.
                    let found = [(Role::Trigger, trigger), (Role::Required, require)];
                    let skipping = skip_if.iter().map(|m| (Role::Required, m));
                    for (role, m) in found.into_iter().chain(skipping) {
                        for (i, t) in m.terms.iter().enumerate() {
                            b.literal(t, index, role, i as u32);
                        }
                        if let Some(p) = &m.pattern {
                            b.regex(p, index, role, 0);
                        }
                    }
                }
            }
            for (i, e) in rule.exceptions.iter().enumerate() {
                b.literal(e, index, Role::Exception, i as u32);
            }
            for (i, e) in rule.exempt.iter().enumerate() {
                for t in &e.matcher.terms {
                    b.literal(t, index, Role::Exempt, i as u32);
                }
                if let Some(p) = &e.matcher.pattern {
                    b.regex(p, index, Role::Exempt, i as u32);
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

        let Builder {
            patterns,
            targets,
            regexes,
            companion_sets,
            ..
        } = b;
        let everywhere = (0..regexes.len())
            .filter(|&i| regexes[i].reach == Reach::Everywhere)
            .collect();
        Engine {
            rules,
            literals: Literals::new(patterns),
            everywhere,
            targets,
            regexes,
            pack_terms,
            companion_sets: companion_sets.len(),
        }
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
        Normalized::with(original, segments, NormOptions::ALL, |norm| {
            self.scan_normalized(original, norm)
        })
    }

    /// Builds now the automaton that long texts are searched with, which is otherwise built
    /// by the first long text while the other threads that reach one wait for it.
    pub fn prepare_for_long_texts(&self) {
        self.literals.dfa();
    }

    pub fn scan_normalized(&self, original: &str, norm: &Normalized) -> Vec<Hit> {
        let text = norm.text.as_str();
        let mut found: Vec<Occurrence> = Vec::new();
        // Where each anchored regex's literals occur (regex index, normalized offset).
        let mut gate = Gate::new(self.companion_sets, text.len());
        for m in self.literals.find(text) {
            for t in &self.targets[m.pattern().as_usize()] {
                if t.role == Role::Anchor {
                    gate.anchor(t.item, m.start(), &self.regexes);
                    continue;
                }
                if t.role == Role::Companion {
                    gate.companion(t.item, m.end());
                    continue;
                }
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
        let anchor_hits = gate.passed();
        // Regexes that find a rule's matches or triggers run first; those that only qualify
        // them (exceptions, exemptions, required statements) run only for rules that fired.
        let mut live = vec![false; self.rules.rules.len()];
        let qualifies =
            |role: Role| matches!(role, Role::Exception | Role::Exempt | Role::Required);
        for o in &found {
            if !qualifies(o.role) {
                live[o.rule as usize] = true;
            }
        }
        // Found once per thread, and only if a window reaches as far as its line's ends.
        let lines = OnceCell::new();
        let parallel = split_among_threads(text.len());
        let run = |indices: Vec<usize>, found: &[Occurrence]| -> Vec<(usize, Vec<Range<usize>>)> {
            let one = |lines: &OnceCell<LineIndex>, index: usize| {
                let matches = self.regex_matches(index, text, lines, found, &anchor_hits);
                (index, matches)
            };
            let by_part = if parallel {
                use rayon::prelude::*;
                indices
                    .into_par_iter()
                    .map_init(OnceCell::new, |lines, index| one(lines, index))
                    .collect()
            } else {
                indices
                    .into_iter()
                    .map(|index| one(&lines, index))
                    .collect()
            };
            self.whole_patterns(by_part)
        };
        let add = |found: &mut Vec<Occurrence>, index: usize, matches: Vec<Range<usize>>| {
            let rt = &self.regexes[index];
            let before = found.len();
            found.extend(
                matches
                    .into_iter()
                    .filter(|m| m.start < m.end)
                    .map(|m| Occurrence {
                        rule: rt.rule,
                        role: rt.role,
                        item: rt.item,
                        start: m.start,
                        end: m.end,
                    }),
            );
            found.len() > before
        };
        // The regexes of one round are independent of each other: in a pool, idle threads
        // take some of a long text's.
        // A regex with anchors can match only where one of them occurs; the others are neither
        // compiled nor run (a short record has anchors of few of the regexes, and most
        // exemptions of a rule that fired in a short draft have none).
        let mut runnable: Vec<usize> = anchor_hits
            .iter()
            .map(|h| h.0 as usize)
            .chain(self.everywhere.iter().copied())
            .collect();
        runnable.sort_unstable();
        runnable.dedup();
        let finding: Vec<usize> = runnable
            .iter()
            .copied()
            .filter(|&i| !qualifies(self.regexes[i].role))
            .collect();
        for (index, matches) in run(finding, &found) {
            if add(&mut found, index, matches) {
                live[self.regexes[index].rule as usize] = true;
            }
        }
        let qualifying: Vec<usize> = runnable
            .into_iter()
            .filter(|&i| {
                let rt = &self.regexes[i];
                qualifies(rt.role) && live[rt.rule as usize]
            })
            .collect();
        for (index, matches) in run(qualifying, &found) {
            add(&mut found, index, matches);
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

    /// Each pattern's matches from those of its parts (`results` in regex order), as the whole
    /// pattern would give them: leftmost first, and at one start the earliest branch's, without
    /// overlaps. Without this a later, longer branch could take a span from an earlier one and,
    /// overlapping another rule's finding, hide it.
    fn whole_patterns(
        &self,
        results: Vec<(usize, Vec<Range<usize>>)>,
    ) -> Vec<(usize, Vec<Range<usize>>)> {
        // (first regex of the pattern, its parts' matches in part order, several parts)
        let mut out: Vec<(usize, Vec<Range<usize>>, bool)> = Vec::with_capacity(results.len());
        for (index, matches) in results {
            match out.last_mut() {
                Some((first, gathered, several))
                    if self.regexes[*first].first_part == self.regexes[index].first_part =>
                {
                    gathered.extend(matches);
                    *several = true;
                }
                _ => out.push((index, matches, false)),
            }
        }
        out.into_iter()
            .map(|(first, mut matches, several)| {
                if several {
                    // Stable: at one start, the earlier part's match comes first.
                    matches.sort_by_key(|m| m.start);
                    let mut end = 0;
                    matches.retain(|m| {
                        let keep = m.start >= end && m.start < m.end;
                        if keep {
                            end = m.end;
                        }
                        keep
                    });
                }
                (first, matches)
            })
            .collect()
    }

    /// The matches of regex `index` in `text`: around its anchors or its rule's matches when
    /// it has them, else everywhere.
    fn regex_matches(
        &self,
        index: usize,
        text: &str,
        lines: &OnceCell<LineIndex>,
        found: &[Occurrence],
        anchor_hits: &[(u32, usize)],
    ) -> Vec<Range<usize>> {
        let rt = &self.regexes[index];
        let mut matches: Vec<Range<usize>> = Vec::new();
        match rt.role {
            // A context must contain a match of its rule: look only around those.
            Role::Exception | Role::Exempt => {
                let mut around: Vec<Range<usize>> = found
                    .iter()
                    .filter(|o| o.rule == rt.rule && o.role == Role::Term)
                    .map(|o| o.start..o.end)
                    .collect();
                around.sort_unstable_by_key(|r| (r.start, r.end));
                search_windows(rt, text, lines, &around, false, &mut matches);
            }
            // Every match begins at one of its anchors: an anchored search from each, which
            // stops as soon as the pattern cannot match.
            _ if rt.reach == Reach::FromAnchors => {
                let from = anchor_hits_of(anchor_hits, index).iter().map(|h| h.1);
                search_from(rt, text, from, rt.role == Role::Required, &mut matches);
            }
            // One required statement anywhere is enough.
            _ if rt.reach == Reach::AroundAnchors => {
                let around: Vec<Range<usize>> = anchor_hits_of(anchor_hits, index)
                    .iter()
                    .map(|h| h.1..h.1)
                    .collect();
                let first_only = rt.role == Role::Required;
                search_windows(rt, text, lines, &around, first_only, &mut matches);
            }
            Role::Required => matches.extend(rt.re_whole(text.len()).find(text).map(|m| m.range())),
            _ => matches.extend(rt.re_whole(text.len()).find_iter(text).map(|m| m.range())),
        }
        matches
    }

    /// Where rules of one pack overlap (最佳 in 国家级最佳…), the reader wants one finding:
    /// keep the more severe, then the longer, then the earlier rule. `requires` findings stay,
    /// and so does a short finding that a far longer one only spans with its gap.
    fn one_finding_per_span(&self, mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort_by_key(|h| (h.range.start, h.rule));
        let rules = &self.rules.rules;
        let rank = |h: &Hit| {
            let severity = rules[h.rule].severity_for(h.exempt);
            (severity, h.range.len(), std::cmp::Reverse(h.rule))
        };
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        // Per kept hit, the furthest end of it and all before it: the search for a clash stops
        // where nothing further back reaches the new hit.
        let mut reach: Vec<usize> = Vec::with_capacity(hits.len());
        for hit in hits {
            let rule = &rules[hit.rule];
            let clash = if matches!(rule.kind, RuleKind::Requires { .. }) {
                None
            } else {
                let searched = reach.partition_point(|&end| end <= hit.range.start);
                kept[searched..]
                    .iter()
                    .rposition(|k| {
                        let other = &rules[k.rule];
                        k.range.start < hit.range.end
                            && hit.range.start < k.range.end
                            && other.pack == rule.pack
                            && !matches!(other.kind, RuleKind::Requires { .. })
                            && one_claim(&k.range, &hit.range)
                    })
                    .map(|i| searched + i)
            };
            match clash {
                Some(i) if rank(&hit) > rank(&kept[i]) => {
                    for end in &mut reach[i..] {
                        *end = (*end).max(hit.range.end);
                    }
                    kept[i] = hit;
                }
                Some(_) => {}
                None => {
                    reach.push(reach.last().copied().unwrap_or(0).max(hit.range.end));
                    kept.push(hit);
                }
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
                // An exception also voids a required statement it contains: 「不是广告」 is
                // no 「广告」 label.
                if of(Role::Required).any(|o| containing(&exceptions, o).is_none()) {
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
                .any(|r| r.rule as usize == rule && r.re().is_match(&seen)),
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

impl RegexTarget {
    /// The regex for searches in short texts (a record, a message, a draft).
    fn re(&self) -> &Regex {
        self.re_with(false)
    }

    /// The regex to search a text of `len` bytes with. The pattern parsed when the pack
    /// loaded; one that is still too large to compile matches nothing.
    ///
    /// A short text is searched only a few bytes around each anchor, where the backtracker is
    /// quick and needs no lazy DFA: their caches, one per regex and thread, took two threads'
    /// peak memory on 120 MB of spam-mail JSONL from 71 to 119 MB, and skipping the DFAs'
    /// reverse NFA halves the compile a short check waits for. Over a long text the windows
    /// add up (an exemption around each of 520 rankings took 24 ms of the 64 MB run), and the
    /// full engine, with its lazy DFA, pays back its compile.
    fn re_for(&self, len: usize) -> &Regex {
        self.re_with(len >= LONG)
    }

    /// The regex to search the whole of a text of `len` bytes with (a user's pattern without
    /// anchors): there is no window to keep the backtracker or the PikeVM on a few bytes, so
    /// any text but a short one gets the full engine.
    fn re_whole(&self, len: usize) -> &Regex {
        self.re_with(len >= WHOLE_TEXT)
    }

    fn re_with(&self, full: bool) -> &Regex {
        if full {
            Self::compiled(&self.compiled_full, &self.pattern, false)
        } else {
            Self::compiled(&self.compiled, &self.pattern, true)
        }
    }

    fn compiled<'a>(cell: &'a OnceLock<Option<Regex>>, pattern: &str, small: bool) -> &'a Regex {
        static NEVER: OnceLock<Regex> = OnceLock::new();
        let compiled = cell.get_or_init(|| {
            // Every search runs around an anchor the automaton found, so a literal prefilter
            // has nothing left to skip; building one for each word-list branch was 4% of a
            // one-thread 16 MB check (callgrind, 2.63 → 2.52 billion instructions).
            let mut config = Regex::config().auto_prefilter(false);
            if small {
                // The backtracker for the short windows, the PikeVM where it would need too
                // much memory.
                config = config
                    .hybrid(false)
                    .dfa(false)
                    .onepass(false)
                    .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit);
            }
            Regex::builder().configure(config).build(pattern).ok()
        });
        compiled
            .as_ref()
            .unwrap_or_else(|| NEVER.get_or_init(|| Regex::new(r"[^\s\S]").expect("valid")))
    }
}

/// A text at least this long is searched with the DFA.
pub(crate) const LONG: usize = 256 * 1024;

/// A regex without anchors searches a text at least this long with the full engine.
const WHOLE_TEXT: usize = 16 * 1024;

/// Texts shorter than this are searched without the automaton until it is built...
const DIRECT_TEXT: usize = 4 * 1024;
/// ...which happens once this many bytes were (each text counting at least `DIRECT_MIN`).
const DIRECT_BUDGET: usize = 64 * 1024;
const DIRECT_MIN: usize = 256;

/// The automaton's literals and the ways of finding them, each built when first worth it.
/// Building the NFA was a third of a one-line check (5 of 14 ms). A short text can instead be
/// searched at each character for the literals that begin with it, for a fraction of that, so
/// the first short texts are searched so.
#[derive(Debug)]
struct Literals {
    patterns: Vec<String>,
    /// Each literal's first character and index, sorted: where to look at each character.
    by_first_char: OnceLock<Vec<(char, u32)>>,
    /// Bytes searched literal by literal, toward `DIRECT_BUDGET`.
    direct_bytes: AtomicUsize,
    /// Quick to build; the other two automatons are made from it.
    nfa: OnceLock<Option<NFA>>,
    /// The NFA laid out in one block, for the many short texts of an archive: its search
    /// took 20% of a spam archive's check where the NFA's took 29%, and the DFA would cost
    /// 29 MB.
    compact: OnceLock<Option<contiguous::NFA>>,
    /// Fastest to search, built the first time a long text is scanned.
    dfa: OnceLock<Option<DFA>>,
}

impl Literals {
    fn new(patterns: Vec<String>) -> Literals {
        Literals {
            patterns,
            by_first_char: OnceLock::new(),
            direct_bytes: AtomicUsize::new(0),
            nfa: OnceLock::new(),
            compact: OnceLock::new(),
            dfa: OnceLock::new(),
        }
    }

    /// Every occurrence of every literal in `text`, overlaps included, ordered as the
    /// automaton's overlapping search orders them: by end, then the longer first.
    fn find<'a>(&'a self, text: &'a str) -> Box<dyn Iterator<Item = aho_corasick::Match> + 'a> {
        if text.len() >= LONG {
            if let Some(dfa) = self.dfa() {
                return Box::new(in_order(dfa, dfa_matches(dfa, text.as_bytes())));
            }
        }
        let direct = self.nfa.get().is_none()
            && text.len() < DIRECT_TEXT
            && self
                .direct_bytes
                .fetch_add(text.len().max(DIRECT_MIN), Ordering::Relaxed)
                < DIRECT_BUDGET;
        let nfa = if direct { None } else { self.compact() };
        match nfa {
            Some(nfa) => overlapping_matches(nfa, text),
            // An automaton that failed to build (too many states) leaves this way too.
            None => Box::new(self.direct(text).into_iter()),
        }
    }

    fn direct(&self, text: &str) -> Vec<aho_corasick::Match> {
        let by_first = self.by_first_char.get_or_init(|| {
            let mut index: Vec<(char, u32)> = self
                .patterns
                .iter()
                .enumerate()
                .filter_map(|(id, p)| Some((p.chars().next()?, id as u32)))
                .collect();
            index.sort_unstable();
            index
        });
        let mut found = Vec::new();
        for (start, c) in text.char_indices() {
            let from = by_first.partition_point(|&(first, _)| first < c);
            for &(_, id) in by_first[from..]
                .iter()
                .take_while(|&&(first, _)| first == c)
            {
                let literal = &self.patterns[id as usize];
                if text[start..].starts_with(literal.as_str()) {
                    found.push(aho_corasick::Match::new(
                        aho_corasick::PatternID::new_unchecked(id as usize),
                        start..start + literal.len(),
                    ));
                }
            }
        }
        // Two literals never share both ends: by end, then by start is the automaton's order.
        found.sort_unstable_by_key(|m| (m.end(), m.start()));
        found
    }

    fn nfa(&self) -> Option<&NFA> {
        self.nfa
            .get_or_init(|| {
                if self.patterns.is_empty() {
                    return None;
                }
                aho_corasick::nfa::noncontiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&self.patterns)
                    .ok()
            })
            .as_ref()
    }

    fn compact(&self) -> Option<&contiguous::NFA> {
        self.compact
            .get_or_init(|| {
                contiguous::Builder::new()
                    .build_from_noncontiguous(self.nfa()?)
                    .ok()
            })
            .as_ref()
    }

    /// The DFA, for long texts: a few MB, built once from the NFA in a few ms, it pays for
    /// itself only there.
    fn dfa(&self) -> Option<&DFA> {
        self.dfa
            .get_or_init(|| {
                // No prefilter: `dfa_matches` walks the states itself, and with one the start
                // state would count as special.
                aho_corasick::dfa::Builder::new()
                    .prefilter(false)
                    .build_from_noncontiguous(self.nfa()?)
                    .ok()
            })
            .as_ref()
    }
}

/// Whether two overlapping findings are one claim worded twice (最低 in 全网最低价) rather
/// than a long pattern's gap running over another rule's words (楼盘…涨价是必然 spanning
/// 地铁口十分钟直达): the longer is at most three times the shorter.
fn one_claim(a: &Range<usize>, b: &Range<usize>) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.len() <= 3 * short.len()
}

/// Every occurrence of every literal, overlaps included, as they are found.
fn overlapping_matches<'a>(
    automaton: &'a impl Automaton,
    text: &'a str,
) -> Box<dyn Iterator<Item = aho_corasick::Match> + 'a> {
    match automaton.try_find_overlapping_iter(aho_corasick::Input::new(text)) {
        Ok(matches) => Box::new(matches),
        // Only an anchored or leftmost automaton refuses; these are neither.
        Err(_) => Box::new(std::iter::empty()),
    }
}

/// Every occurrence of every literal in a long text, overlaps included, in the order the
/// crate's overlapping search reports them (by end, then as the state lists them).
#[inline(never)]
fn dfa_matches(dfa: &DFA, hay: &[u8]) -> Vec<LaneMatches> {
    // In a pool, a long text is cut into pieces that idle threads take: the last file of a
    // run no longer keeps one core busy while the other waits.
    let (piece, parallel) = if split_among_threads(hay.len()) {
        (PIECE, true)
    } else {
        (MAX_WALK, false)
    };
    let pieces = (0..hay.len())
        .step_by(piece)
        .map(|from| from..(from + piece).min(hay.len()));
    if !parallel {
        return pieces
            .flat_map(|owned| walk_in_step(dfa, hay, owned))
            .collect();
    }
    use rayon::prelude::*;
    let pieces: Vec<Range<usize>> = pieces.collect();
    let found: Vec<[LaneMatches; WALK_LANES]> = pieces
        .into_par_iter()
        .map(|owned| walk_in_step(dfa, hay, owned))
        .collect();
    found.into_iter().flatten().collect()
}

/// The most bytes one walk takes: a lane's offsets fit in 32 bits.
const MAX_WALK: usize = 1 << 30;

/// The matches a lane found, each a literal and where it ends, counted from `base`: a third
/// of the size of the crate's `Match`, and they are many (two million in the 64 MB bench).
#[derive(Default)]
struct LaneMatches {
    base: usize,
    found: Vec<(u32, u32)>,
}

/// The lanes' matches, in order, as the crate's `Match`es.
fn in_order(dfa: &DFA, lanes: Vec<LaneMatches>) -> impl Iterator<Item = aho_corasick::Match> + '_ {
    lanes.into_iter().flat_map(move |lane| {
        lane.found.into_iter().map(move |(pattern, end)| {
            let pattern = aho_corasick::PatternID::new_unchecked(pattern as usize);
            let end = lane.base + end as usize;
            aho_corasick::Match::new(pattern, end - dfa.pattern_len(pattern)..end)
        })
    })
}

/// Lanes walked in step by [`walk_in_step`]; six measured best (64 MB, one thread: the walk
/// took 190 ms in two lanes, 150 in four, 136 in six, 145 in eight, 150 in twelve).
const WALK_LANES: usize = 6;

/// One walk through the DFA waits on each state lookup before it can start the next, so the
/// range is cut into lanes walked in step: independent chains of lookups keep the memory busy.
/// Each lane starts `max_pattern_len - 1` bytes before its part, so that a literal ending in
/// it is seen whole, and reports only the matches that end in its part. Gives the matches
/// that end in `owned` (at most `MAX_WALK` bytes), lane by lane, in order.
fn walk_in_step(dfa: &DFA, hay: &[u8], owned: Range<usize>) -> [LaneMatches; WALK_LANES] {
    use aho_corasick::Anchored::No;
    let mut found: [LaneMatches; WALK_LANES] = Default::default();
    let Ok(start) = dfa.start_state(No) else {
        return found;
    };
    let reach = dfa.max_pattern_len().saturating_sub(1);
    // Lane k owns bounds[k]..bounds[k + 1] and starts `reach` bytes before it.
    let bounds: [usize; WALK_LANES + 1] =
        std::array::from_fn(|k| owned.start + owned.len() * k / WALK_LANES);
    let froms: [usize; WALK_LANES] = std::array::from_fn(|k| bounds[k].saturating_sub(reach));
    let lens: [usize; WALK_LANES] = std::array::from_fn(|k| bounds[k + 1] - froms[k]);
    let common = lens.iter().copied().min().unwrap_or(0);
    for k in 0..WALK_LANES {
        found[k].base = froms[k];
    }
    let owns = |k: usize| (bounds[k] - froms[k]) as u32;
    let mut states = [start; WALK_LANES];
    // The states stay in registers only in a loop this small; the rare match is reported
    // out of line (`report_matches` is cold).
    for i in 0..common {
        for k in 0..WALK_LANES {
            states[k] = dfa.next_state(No, states[k], hay[froms[k] + i]);
        }
        for k in 0..WALK_LANES {
            if dfa.is_special(states[k]) {
                report_matches(dfa, states[k], i as u32 + 1, owns(k), &mut found[k].found);
            }
        }
    }
    for k in 0..WALK_LANES {
        let mut s = states[k];
        for i in common..lens[k] {
            s = dfa.next_state(No, s, hay[froms[k] + i]);
            if dfa.is_special(s) {
                report_matches(dfa, s, i as u32 + 1, owns(k), &mut found[k].found);
            }
        }
    }
    found
}

/// The matches of DFA state `sid`, reached at byte `at` of a lane, if `at` is past
/// `owned_from`.
#[cold]
#[inline(never)]
fn report_matches(
    dfa: &DFA,
    sid: aho_corasick::automaton::StateID,
    at: u32,
    owned_from: u32,
    out: &mut Vec<(u32, u32)>,
) {
    if !dfa.is_match(sid) || at <= owned_from {
        return;
    }
    for i in 0..dfa.match_len(sid) {
        out.push((dfa.match_pattern(sid, i).as_u32(), at));
    }
}

/// Searches `rt` around each of the sorted `positions`: as far either side as its longest
/// match (when bounded), never past the line. Overlapping windows are searched once, so a match
/// is found once; a match of a windowed regex never spans a line break.
fn search_windows(
    rt: &RegexTarget,
    text: &str,
    lines: &OnceCell<LineIndex>,
    positions: &[Range<usize>],
    first_only: bool,
    out: &mut Vec<Range<usize>>,
) {
    let bytes = text.as_bytes();
    // The window around `p`, given the window `c` being gathered (positions come in order):
    // looked back for the line break only as far as `c` reaches, since the two merge if they
    // touch, and not at all from inside `c`. Those searches back took 5% of the 64 MB run.
    let window = |p: &Range<usize>, c: Option<&Range<usize>>| -> Range<usize> {
        let (mut from, mut to) = match rt.max_len {
            // A short reach: look for the line's ends within it.
            Some(len) => {
                let (reach_back, reach_on) =
                    (p.start.saturating_sub(len), (p.end + len).min(text.len()));
                if let Some(c) = c.filter(|c| reach_on <= c.end) {
                    return c.clone();
                }
                let from = match c {
                    Some(c) if p.start < c.end => c.start,
                    _ => {
                        let floor = c.map_or(reach_back, |c| reach_back.max(c.end));
                        memchr::memrchr(b'\n', &bytes[floor..p.start])
                            .map_or(reach_back, |i| floor + i + 1)
                    }
                };
                let to =
                    memchr::memchr(b'\n', &bytes[p.end..reach_on]).map_or(reach_on, |i| p.end + i);
                (from, to)
            }
            // The whole line: searching back to its start again for each position of a long
            // line (a one-line JSON file) took longer than the regexes.
            None => {
                let lines = lines.get_or_init(|| LineIndex::new(text));
                (lines.line_start(p.start), lines.line_end(p.end))
            }
        };
        while !text.is_char_boundary(from) {
            from += 1;
        }
        while !text.is_char_boundary(to) {
            to -= 1;
        }
        from..to
    };
    let mut search = |w: Range<usize>| -> bool {
        let before = out.len();
        for m in rt.re_for(text.len()).find_iter(Input::new(text).range(w)) {
            if m.is_empty() {
                continue;
            }
            out.push(m.range());
            if first_only {
                break;
            }
        }
        first_only && out.len() > before
    };
    let mut current: Option<Range<usize>> = None;
    for p in positions {
        let w = window(p, current.as_ref());
        match current.as_mut() {
            // Near windows on one line are searched as one: a search has a fixed cost that
            // outweighs a few hundred more bytes, and every match still holds an anchor.
            Some(c)
                if w.start < c.end
                    || (w.start <= c.end + NEAR
                        && memchr::memchr(b'\n', &bytes[c.end..w.start]).is_none()) =>
            {
                c.end = c.end.max(w.end)
            }
            _ => {
                if let Some(c) = current.replace(w) {
                    if search(c) {
                        return;
                    }
                }
            }
        }
    }
    if let Some(c) = current {
        search(c);
    }
}

/// The matches of `rt` that begin at the sorted offsets `starts` (each the start of one of
/// its anchors), without overlaps: what a search of the windows around them finds, for a
/// pattern whose every match begins with an anchor. An anchored search reads only as far as
/// the pattern can still match, where a window's search reads the window and builds lazy-DFA
/// states for every place a match might begin in it.
fn search_from(
    rt: &RegexTarget,
    text: &str,
    starts: impl Iterator<Item = usize>,
    first_only: bool,
    out: &mut Vec<Range<usize>>,
) {
    let bytes = text.as_bytes();
    // The end of the last match (later matches may not overlap it), and the last offset tried.
    let (mut taken, mut tried) = (0, None);
    for at in starts {
        if at < taken || tried == Some(at) {
            continue;
        }
        tried = Some(at);
        // As in a window: a match never spans a line break.
        let reach = rt
            .max_len
            .map_or(text.len(), |len| (at + len).min(text.len()));
        let end = memchr::memchr(b'\n', &bytes[at..reach]).map_or(reach, |i| at + i);
        let input = Input::new(text)
            .range(at..end)
            .anchored(regex_automata::Anchored::Yes);
        // Compiled only once an anchor occurs: a short draft has few.
        let re = rt.re_for(text.len());
        if let Some(m) = re.search(&input).filter(|m| !m.is_empty()) {
            out.push(m.range());
            taken = m.end();
            if first_only {
                return;
            }
        }
    }
}

/// Texts shorter than this are searched around every anchor: checking companions would cost
/// more than the few searches it saves.
const GATED: usize = 16 * 1024;

/// Lets through, as the automaton reports them (by end), the anchor occurrences that have an
/// occurrence of each of their regex's sets of companions within its longest match, before or
/// after: only around those can it match.
struct Gate {
    /// Anchor occurrences: regex, start, and how many of its sets have none near yet.
    hits: Vec<(u32, usize, u8)>,
    /// Per companion set, where its last occurrence ended (empty when the text is not
    /// gated)...
    last: Vec<Option<usize>>,
    /// ...and the anchors still waiting for one: index into `hits`, and how far on it may end.
    waiting: Vec<Vec<(u32, usize)>>,
}

impl Gate {
    fn new(sets: usize, len: usize) -> Gate {
        let sets = if len >= GATED { sets } else { 0 };
        Gate {
            hits: Vec::new(),
            last: vec![None; sets],
            waiting: vec![Vec::new(); sets],
        }
    }

    fn gated(&self) -> bool {
        !self.last.is_empty()
    }

    /// An anchor of regex `regex` (of `regexes`) begins at `at`.
    fn anchor(&mut self, regex: u32, at: usize, regexes: &[RegexTarget]) {
        let index = self.hits.len() as u32;
        let mut missing = 0;
        // A short text's anchors all pass: its regexes are not even looked up.
        if self.gated() {
            let rt = &regexes[regex as usize];
            if let Some(len) = rt.max_len {
                for &set in &rt.companions {
                    if self.last[set as usize].is_none_or(|end| end + len < at) {
                        self.waiting[set as usize].push((index, at + len));
                        missing += 1;
                    }
                }
            }
        }
        self.hits.push((regex, at, missing));
    }

    /// An occurrence of companion set `set` ends at `end`: it is near every anchor waiting that
    /// it does not end too far on from; the others are too far back for any later one too.
    fn companion(&mut self, set: u32, end: usize) {
        if !self.gated() {
            return;
        }
        self.last[set as usize] = Some(end);
        for (index, reach) in self.waiting[set as usize].drain(..) {
            if end <= reach {
                self.hits[index as usize].2 -= 1;
            }
        }
    }

    /// The anchor occurrences let through, sorted.
    fn passed(self) -> Vec<(u32, usize)> {
        let mut hits: Vec<(u32, usize)> = self
            .hits
            .into_iter()
            .filter_map(|(regex, at, missing)| (missing == 0).then_some((regex, at)))
            .collect();
        hits.sort_unstable();
        hits
    }
}

/// Windows this close on one line are searched together.
const NEAR: usize = 256;

/// The anchor occurrences of regex `index`, from the sorted list of all.
fn anchor_hits_of(hits: &[(u32, usize)], index: usize) -> &[(u32, usize)] {
    let from = hits.partition_point(|h| (h.0 as usize) < index);
    let to = hits.partition_point(|h| (h.0 as usize) <= index);
    &hits[from..to]
}

/// Collects the automaton's literals (deduplicated, normalized) and the regexes.
#[derive(Default)]
struct Builder {
    patterns: Vec<String>,
    pattern_ids: HashMap<String, usize>,
    targets: Vec<Vec<Target>>,
    regexes: Vec<RegexTarget>,
    /// Each distinct set of companions, numbered: regexes of one word list share theirs.
    companion_sets: HashMap<Vec<String>, u32>,
}

impl Builder {
    fn literal(&mut self, literal: &str, rule: usize, role: Role, item: u32) {
        let norm = Normalized::text_of(literal, NormOptions::ALL);
        self.normalized_literal(&norm, rule, role, item);
    }

    /// A literal already in normalized form, as every anchor is (see `anchors::anchors_of`):
    /// normalizing the word lists' anchors again, once per branch that uses them, was a tenth
    /// of a one-line check's start-up. Copied only the first time it is seen.
    fn normalized_literal(&mut self, norm: &str, rule: usize, role: Role, item: u32) {
        if norm.is_empty() {
            return;
        }
        let bound_start =
            role < Role::Anchor && norm.starts_with(|c: char| c.is_ascii_alphanumeric());
        let bound_end = role < Role::Anchor && norm.ends_with(|c: char| c.is_ascii_alphanumeric());
        let id = match self.pattern_ids.get(norm) {
            Some(&id) => id,
            None => {
                self.patterns.push(norm.to_string());
                self.targets.push(Vec::new());
                self.pattern_ids
                    .insert(norm.to_string(), self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        self.targets[id].push(Target {
            rule: rule as u32,
            role,
            item,
            bound_start,
            bound_end,
        });
    }

    /// A pattern's regexes (one per part), and their anchors into the automaton.
    fn regex(&mut self, pattern: &Pattern, rule: usize, role: Role, item: u32) {
        let first_part = self.regexes.len() as u32;
        for part in &pattern.parts {
            let index = self.regexes.len() as u32;
            let mut companions = Vec::new();
            let reach = match &part.anchors {
                Some(set) => {
                    for a in &set.literals {
                        self.normalized_literal(a, rule, Role::Anchor, index);
                    }
                    for literals in &part.companions {
                        let next = self.companion_sets.len() as u32;
                        let set = *self.companion_sets.entry(literals.clone()).or_insert(next);
                        if set == next {
                            for c in literals {
                                self.normalized_literal(c, rule, Role::Companion, set);
                            }
                        }
                        companions.push(set);
                    }
                    Reach::of_anchors(set.starts)
                }
                None => Reach::Everywhere,
            };
            self.regexes.push(RegexTarget {
                rule: rule as u32,
                role,
                item,
                first_part,
                pattern: ascii_digits(&part.source),
                compiled: OnceLock::new(),
                compiled_full: OnceLock::new(),
                reach,
                max_len: part.max_len,
                companions,
            });
        }
    }
}

/// `pattern` with `\d` spelled `0-9`. Unicode's `\d` holds some 700 digits of many scripts,
/// and a bounded repetition (`\d{1,12}`) copies its automaton each time: the 分钟 pattern of
/// SW009 took 2.9 ms to compile with it, 1.3 ms without. The digits of Chinese copy are ASCII
/// in the normalized text (full-width and circled ones are folded).
fn ascii_digits(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine of the built-in packs, examples and all.
    fn builtin_engine() -> Engine {
        Engine::new(
            crate::rules::load_rule_set(&[], true, crate::rules::Examples::Keep)
                .expect("packs load"),
        )
    }

    /// A rule's own anchored pattern, as the engine would hold it.
    fn term_regex(pattern: &str, starts: bool) -> RegexTarget {
        RegexTarget {
            rule: 0,
            role: Role::Term,
            item: 0,
            first_part: 0,
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
            compiled_full: OnceLock::new(),
            reach: Reach::of_anchors(starts),
            max_len: regex_syntax::parse(pattern)
                .expect("valid")
                .properties()
                .maximum_len(),
            companions: Vec::new(),
        }
    }

    #[test]
    fn built_in_patterns_search_only_around_their_literals() {
        let engine = builtin_engine();
        let whole_text: Vec<&str> = engine
            .regexes
            .iter()
            .filter(|r| r.reach == Reach::Everywhere)
            .map(|r| r.pattern.as_str())
            .collect();
        assert!(
            whole_text.is_empty(),
            "patterns without literals: {whole_text:#?}"
        );
        // A pattern without a longest match is searched along the whole line of each anchor.
        let unbounded: Vec<&str> = engine
            .regexes
            .iter()
            .filter(|r| r.max_len.is_none())
            .map(|r| r.pattern.as_str())
            .collect();
        assert!(unbounded.is_empty(), "unbounded patterns: {unbounded:#?}");
    }

    #[test]
    fn the_automaton_holds_every_literal_in_normalized_form() {
        // Anchors go in as `anchors_of` gave them, without normalizing them again.
        let engine = builtin_engine();
        let changed: Vec<&String> = engine
            .literals
            .patterns
            .iter()
            .filter(|p| Normalized::text_of(p, NormOptions::ALL) != **p)
            .collect();
        assert!(changed.is_empty(), "not normalized: {changed:?}");
    }

    #[test]
    fn digits_are_ascii_inside_and_outside_classes() {
        assert_eq!(ascii_digits(r"\d{1,3}%"), "[0-9]{1,3}%");
        assert_eq!(ascii_digits(r"[\d一二]成"), "[0-9一二]成");
        assert_eq!(ascii_digits(r"\\d\.\D"), r"\\d\.\D");
    }

    #[test]
    fn walks_in_step_find_what_one_walk_finds() {
        let engine = builtin_engine();
        let dfa = engine.literals.dfa().expect("dfa builds");
        // Literals everywhere, and the longest one across each cut between lanes.
        let unit = "全网最低价，国家级最佳，第一品牌。";
        let mut text = unit.repeat(6_000);
        // Each ends just after its cut, placed where the cut falls in the end text: the lane
        // that owns its end must start a whole literal back.
        let across = engine
            .literals
            .patterns
            .iter()
            .max_by_key(|p| p.len())
            .expect("literals")
            .clone();
        let end_len = text.len() + (WALK_LANES - 1) * across.len();
        for k in 1..WALK_LANES {
            let mut at = end_len * k / WALK_LANES + 3 - across.len();
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &across);
        }
        let one_walk = |hay: &[u8]| -> Vec<(usize, Range<usize>)> {
            dfa.try_find_overlapping_iter(aho_corasick::Input::new(hay))
                .expect("overlapping search")
                .map(|m| (m.pattern().as_usize(), m.range()))
                .collect()
        };
        let walked = |hay: &[u8]| -> Vec<(usize, Range<usize>)> {
            in_order(dfa, dfa_matches(dfa, hay))
                .map(|m| (m.pattern().as_usize(), m.range()))
                .collect()
        };
        for len in [text.len(), text.len() - 1, 9, 1, 0] {
            let hay = &text.as_bytes()[..len];
            assert_eq!(walked(hay), one_walk(hay), "length {len}");
        }
        // In a pool, a text of several pieces is walked piece by piece: literals across
        // each cut between pieces are still found once.
        let mut long = unit.repeat(3 * PIECE / unit.len() + 100);
        for cut in [PIECE, 2 * PIECE, 3 * PIECE] {
            let mut at = cut - 7;
            while !long.is_char_boundary(at) {
                at -= 1;
            }
            long.insert_str(at, "史上最强驰名商标");
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let pieces = pool.install(|| walked(long.as_bytes()));
        assert_eq!(pieces, one_walk(long.as_bytes()));
    }

    #[test]
    fn a_long_text_gives_the_same_hits_in_a_pool_as_on_one_thread() {
        let engine = builtin_engine();
        // Terms, regex matches, their exceptions and exemptions, a required statement.
        let lines = [
            "全网最低价，国家级品牌，史上最强！",
            "本品最佳饮用温度为8度。",
            "年化收益率稳定在8%，保本保息。",
            "【某某商城】会员日全场五折",
            "这款面霜能治疗湿疹，三天见效。",
        ];
        let mut text = String::new();
        while text.len() < 3 * PIECE {
            for line in lines {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&"平平无奇的一行文字。\n".repeat(40));
        }
        let whole = 0..text.len();
        let alone = engine.scan(&text, std::slice::from_ref(&whole));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let pooled = pool.install(|| engine.scan(&text, std::slice::from_ref(&whole)));
        assert!(alone.len() > 1_000, "{} hits", alone.len());
        assert_eq!(pooled, alone);
    }

    #[test]
    fn anchors_without_companions_near_are_passed_over_and_nothing_is_lost() {
        let mut engine = builtin_engine();
        // Every example of every rule, one a line, among filler that holds companions and
        // anchors apart: a long text is gated.
        let examples: Vec<&str> = engine
            .rules
            .rules
            .iter()
            .flat_map(|r| r.bad.iter().chain(&r.good).chain(&r.exempt_examples))
            .map(|e| e.text.as_str())
            .collect();
        let mut text = String::new();
        for (i, example) in examples.iter().enumerate() {
            text.push_str(example);
            text.push('\n');
            if i % 7 == 0 {
                text.push_str("投资需谨慎。没有。推荐给朋友，这款很好用。\n");
            }
        }
        assert!(text.len() >= GATED, "{} bytes", text.len());
        let whole = 0..text.len();
        let gated = engine.scan(&text, std::slice::from_ref(&whole));
        let gate = Gate::new(engine.companion_sets, text.len());
        assert!(gate.gated());
        // The same engine, every anchor searched around.
        engine.companion_sets = 0;
        let all = engine.scan(&text, std::slice::from_ref(&whole));
        assert!(gated.len() > 500, "{} hits", gated.len());
        assert_eq!(gated, all);
    }

    #[test]
    fn the_gate_passes_anchors_with_each_companion_set_near_on_either_side() {
        // Regex 7 reaches 20 bytes, 8 reaches 10, both with sets 0 and 1; 9 has no companions.
        let regexes: Vec<RegexTarget> = (0..10)
            .map(|i| RegexTarget {
                max_len: Some(if i == 7 { 20 } else { 10 }),
                companions: if i == 9 { Vec::new() } else { vec![0, 1] },
                ..term_regex("甲", false)
            })
            .collect();
        let mut gate = Gate::new(2, GATED);
        gate.companion(0, 95);
        // Set 0 ended 5 before; set 1 comes 15 after, within 20.
        gate.anchor(7, 100, &regexes);
        // Only set 0 near: set 1 comes too late for it.
        gate.anchor(8, 100, &regexes);
        // No companions: always searched.
        gate.anchor(9, 100, &regexes);
        gate.companion(1, 115);
        // Both sets far back.
        gate.anchor(7, 200, &regexes);
        assert_eq!(gate.passed(), [(7, 100), (9, 100)]);
        // A short text is searched around every anchor.
        let mut gate = Gate::new(2, GATED - 1);
        gate.anchor(7, 100, &regexes);
        assert_eq!(gate.passed(), [(7, 100)]);
    }

    #[test]
    fn crowded_windows_find_what_a_whole_text_search_finds() {
        let rt = term_regex("(?:很|超)?(?:最|顶)[^,\\n]{0,4}?(?:好|棒)", false);
        // Anchors close together, across line breaks, at a line's start and end, far apart.
        let text = "最最好,顶呱呱棒\n最\n好最好好\n顶一二三四棒最好最\n".repeat(50)
            + &"无关文字".repeat(300)
            + "顶好\n最";
        let positions: Vec<Range<usize>> = text
            .char_indices()
            .filter(|&(_, c)| c == '最' || c == '顶')
            .map(|(i, c)| i..i + c.len_utf8())
            .collect();
        let mut windowed = Vec::new();
        search_windows(
            &rt,
            &text,
            &OnceCell::new(),
            &positions,
            false,
            &mut windowed,
        );
        let whole: Vec<Range<usize>> = rt.re().find_iter(&text).map(|m| m.range()).collect();
        assert_eq!(windowed, whole);
    }

    #[test]
    fn searches_from_each_anchor_find_what_a_whole_text_search_finds() {
        // Every match begins with 转发 or 分享; matches overlap anchors, lines end mid-way.
        let pattern = "(?:转发|分享)[^,\\n]{0,6}?(?:到|给)[0-9一二三]{1,2}个?群";
        let parts = crate::anchors::parts_of(pattern).expect("valid pattern");
        let set = parts[0].anchors.clone().expect("anchored");
        assert!(set.starts, "{set:?}");
        let rt = term_regex(pattern, true);
        let text = "转发分享到3个群,转发转发给一二个群\n分享到\n3个群转发到群分享给2群\n"
            .repeat(40)
            + &"无关文字".repeat(300)
            + "转发到三个群";
        let starts = text
            .match_indices("转发")
            .chain(text.match_indices("分享"))
            .map(|(i, _)| i)
            .collect::<std::collections::BTreeSet<usize>>();
        let mut from = Vec::new();
        search_from(&rt, &text, starts.into_iter(), false, &mut from);
        let whole: Vec<Range<usize>> = rt.re().find_iter(&text).map(|m| m.range()).collect();
        assert!(whole.len() > 80, "{} matches", whole.len());
        assert_eq!(from, whole);
    }

    #[test]
    fn a_short_draft_compiles_only_the_regexes_whose_anchors_occur() {
        let engine = builtin_engine();
        let text = "全网最低价，快来抢购";
        let whole = 0..text.len();
        engine.scan(text, std::slice::from_ref(&whole));
        let compiled: Vec<&str> = engine
            .regexes
            .iter()
            .filter(|r| r.compiled.get().is_some() || r.compiled_full.get().is_some())
            .map(|r| r.pattern.as_str())
            .collect();
        // Compiling all of them took longer than the rest of a one-line check.
        assert!(compiled.len() <= 3, "compiled: {compiled:#?}");
    }

    #[test]
    fn a_short_draft_is_searched_without_building_the_automaton() {
        let engine = builtin_engine();
        let text = "全网最低价，快来抢购";
        let hits = engine.scan(text, std::slice::from_ref(&(0..text.len())));
        assert!(!hits.is_empty());
        // Building it was a third of a one-line check.
        assert!(engine.literals.nfa.get().is_none());
    }

    /// Every literal at every character, in the automaton's order: the corpus's copy (overlaps,
    /// Latin terms, literals inside literals) gives the same matches both ways.
    #[test]
    fn searching_at_each_character_finds_what_the_automaton_finds() {
        let engine = builtin_engine();
        let literals = &engine.literals;
        let nfa = literals.nfa().expect("the automaton builds");
        let as_tuples = |found: Vec<aho_corasick::Match>| -> Vec<(usize, usize, usize)> {
            found
                .iter()
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect()
        };
        let mut texts = vec!["国家级最佳最最好的no.1top10，全网最低价最低价".to_string()];
        for entry in walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")) {
            let entry = entry.expect("corpus/ is readable");
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                texts.push(Normalized::text_of(&text, NormOptions::ALL));
            }
        }
        let mut total = 0;
        for text in &texts {
            let direct = as_tuples(literals.direct(text));
            let automaton = as_tuples(overlapping_matches(nfa, text).collect());
            assert_eq!(direct, automaton, "{text}");
            total += direct.len();
        }
        assert!(
            texts.len() > 10 && total > 200,
            "{} texts, {total} matches",
            texts.len()
        );
    }

    /// A pattern run by its branches gives what the whole pattern gives: at one start the
    /// earlier branch's match, not the longer one of a later branch.
    #[test]
    fn a_pattern_run_by_its_branches_matches_as_the_whole_pattern() {
        let pattern = "保底年化收益[0-9]{1,2}%|年化收益[0-9]{1,2}%,保本|保底年化收益[0-9]{1,2}%,保本保息|保本保息";
        let dir = std::env::temp_dir().join(format!("hegui-parts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pack = format!(
            "pack: parts\nname: parts\nrules:\n  - id: T1\n    name: t\n    kind: pattern\n    severity: error\n    message: m\n    help: h\n    law: l\n    pattern: '{pattern}'\n    examples: {{bad: [保本保息, 保底年化收益8%], good: [年化, 收益]}}\n"
        );
        std::fs::write(dir.join("parts.yaml"), pack).expect("pack written");
        let set = crate::rules::load_rule_set(
            std::slice::from_ref(&dir),
            false,
            crate::rules::Examples::Keep,
        );
        std::fs::remove_dir_all(&dir).ok();
        let set = set.expect("pack loads");
        let RuleKind::Pattern { pattern: loaded } = &set.rules[0].kind else {
            panic!("a pattern rule")
        };
        assert_eq!(loaded.parts.len(), 4, "one part per branch");
        let engine = Engine::new(set);
        // Left as it is by normalization, so ranges in it are ranges in the normalized text.
        let text = "保底年化收益8%,保本保息。年化收益9%,保本,保本保息";
        assert_eq!(Normalized::text_of(text, NormOptions::ALL), text);
        let hits: Vec<Range<usize>> = engine
            .scan(text, std::slice::from_ref(&(0..text.len())))
            .into_iter()
            .map(|h| h.range)
            .collect();
        let whole: Vec<Range<usize>> = Regex::new(pattern)
            .expect("valid")
            .find_iter(text)
            .map(|m| m.range())
            .collect();
        assert_eq!(hits, whole);
    }

    #[test]
    fn matches_are_found_around_anchors_deep_in_a_long_text() {
        let engine = builtin_engine();
        let long = format!(
            "{}距离地铁站仅需5分钟车程\n{}",
            "填充文字。".repeat(20_000),
            "加盟即可年赚百万"
        );
        let whole = 0..long.len();
        let hits = engine.scan(&long, std::slice::from_ref(&whole));
        let found: Vec<&str> = hits.iter().map(|h| &long[h.range.clone()]).collect();
        assert!(found.iter().any(|m| m.contains("5分钟")), "{found:?}");
        assert!(found.iter().any(|m| m.contains("年赚百万")), "{found:?}");
    }
}
