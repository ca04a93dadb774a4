//! What every match of a regular expression contains — its anchors — and how long a match can
//! be, for the pattern or for each branch of it (its parts). The engine looks for the anchors
//! with its automaton and runs each part only around its own.
//!
//! Working this out takes a parse and a literal extraction per pattern, most of the start-up of
//! a one-line check, so the built-in packs' patterns are worked out when hegui is built:
//! `build.rs` includes this file and embeds the results (see `rules::load`). A user's patterns
//! are worked out as their pack loads.

use std::borrow::Cow;
use std::collections::BTreeMap;

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

use crate::normalize::{NormOptions, Normalized};

/// A pattern as the engine runs it: whole, or one part per branch of its top-level alternation
/// when every branch has anchors of its own. A part runs only around its own anchors, so a
/// window around 治疗 does not run the thirty other branches of SW001, and a branch whose
/// anchors begin it is searched from them even when its neighbours' are not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    pub source: String,
    pub anchors: Option<Anchors>,
    /// The longest match in bytes, when bounded.
    pub max_len: Option<usize>,
    /// Other sets of literals every match contains, apart from the anchors: an anchor without
    /// an occurrence of each set within the longest match is no place to search.
    pub companions: Vec<Vec<String>>,
}

impl Part {
    fn of(source: &str, hir: &Hir) -> Part {
        let anchors = anchors_of(hir);
        let max_len = hir.properties().maximum_len();
        let companions = match (&anchors, max_len) {
            (Some(a), Some(_)) => companions_of(hir, &a.literals),
            _ => Vec::new(),
        };
        Part {
            source: source.to_string(),
            anchors,
            max_len,
            companions,
        }
    }
}

/// A pack's named word lists (`words:`), which its patterns use as `{name}`.
pub type WordLists = BTreeMap<String, Vec<String>>;

/// Each word list as the group a pattern gets in its place: its words escaped and longest
/// first, so that the longest word is the one matched. Made once per pack, not at each use.
#[derive(Debug, Default)]
pub struct WordGroups(BTreeMap<String, String>);

impl WordGroups {
    pub fn of(lists: WordLists) -> WordGroups {
        let groups = lists.into_iter().map(|(name, mut words)| {
            words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            let escaped: Vec<String> = words.iter().map(|w| regex_syntax::escape(w)).collect();
            (name, format!("(?:{})", escaped.join("|")))
        });
        WordGroups(groups.collect())
    }
}

/// Whether `name` can name a word list: ASCII letters, digits and `_`, beginning with a letter,
/// so that a repetition (`{2}`, `{0,6}`) is never taken for one.
pub fn is_list_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `pattern` with each `{name}` replaced by that list's group, or which name no list has.
pub fn expand_words<'p>(pattern: &'p str, words: &WordGroups) -> Result<Cow<'p, str>, String> {
    if !pattern.contains('{') {
        return Ok(Cow::Borrowed(pattern));
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find(['\\', '{']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('\\') {
            // An escaped character, `\{` among them, or a class such as `\p{Han}`, is copied
            // as it is.
            let class = rest[1..].starts_with(['p', 'P']) && rest[2..].starts_with('{');
            let len = match rest.find('}') {
                Some(end) if class => end + 1,
                _ => rest[1..].chars().next().map_or(0, char::len_utf8) + 1,
            };
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        let name_len = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - 1);
        let name = &rest[1..1 + name_len];
        if !is_list_name(name) || !rest[1 + name_len..].starts_with('}') {
            out.push('{');
            rest = &rest[1..];
            continue;
        }
        let group = words
            .0
            .get(name)
            .ok_or_else(|| format!("`{{{name}}}` is not one of the pack's `words` lists"))?;
        out.push_str(group);
        rest = &rest[2 + name_len..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// The parts of `source`, or why it does not parse (the last line of the parser's message).
pub fn parts_of(source: &str) -> Result<Vec<Part>, String> {
    let hir = regex_syntax::parse(source)
        .map_err(|e| e.to_string().lines().last().unwrap_or_default().to_string())?;
    let split = top_level_branches(source).and_then(|branches| {
        branches
            .iter()
            .map(|b| {
                let hir = regex_syntax::parse(b).ok()?;
                let part = Part::of(b, &hir);
                part.anchors.is_some().then_some(part)
            })
            .collect::<Option<Vec<Part>>>()
    });
    Ok(split.unwrap_or_else(|| vec![Part::of(source, &hir)]))
}

/// The branches of `source`'s top-level alternation, each with the flags that open the
/// pattern (`(?m)`); `None` when there is only one, or flags are set elsewhere at the top.
fn top_level_branches(source: &str) -> Option<Vec<String>> {
    let (flags, body) = match source.strip_prefix("(?") {
        Some(rest) => {
            let end = rest.find(')')?;
            let inner = &rest[..end];
            if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                ("", source)
            } else {
                (&source[..end + 3], &rest[end + 1..])
            }
        }
        None => ("", source),
    };
    let mut branches = Vec::new();
    let (mut depth, mut class, mut from) = (0usize, 0usize, 0usize);
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => {
                class += 1;
                // `]` first in a class (or after `^`) is a literal.
                if chars.peek().is_some_and(|&(_, n)| n == '^') {
                    chars.next();
                }
                if chars.peek().is_some_and(|&(_, n)| n == ']') {
                    chars.next();
                }
            }
            ']' if class > 0 => class -= 1,
            _ if class > 0 => {}
            '(' => {
                // Flags that change the rest of the pattern would not reach later branches.
                if depth == 0 && body[i..].starts_with("(?") {
                    let rest = &body[i + 2..];
                    let end = rest.find([')', ':'])?;
                    if rest[end..].starts_with(')') {
                        return None;
                    }
                }
                depth += 1;
            }
            ')' => depth = depth.checked_sub(1)?,
            '|' if depth == 0 => {
                branches.push(format!("{flags}{}", &body[from..i]));
                from = i + 1;
            }
            _ => {}
        }
    }
    if branches.is_empty() {
        return None;
    }
    branches.push(format!("{flags}{}", &body[from..]));
    Some(branches)
}

/// Literals of which every match of a pattern contains one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    pub literals: Vec<String>,
    /// Every match also begins with one: it is searched for from each occurrence only.
    pub starts: bool,
}

/// The anchors of `pattern`, when it has a small, selective set of them (`None` otherwise).
/// Each literal is given normalized, as the text it is looked for in is: the form written
/// would only add a second entry for the same literal of the automaton. A set with a literal
/// that normalizes to a single byte is refused whole: dropping that literal alone would miss
/// the matches that hold it.
fn anchors_of(hir: &Hir) -> Option<Anchors> {
    let mut anchors = anchors_in(hir)?;
    for a in &mut anchors.literals {
        *a = Normalized::text_of(a, NormOptions::ALL);
    }
    if anchors.literals.iter().any(|a| a.len() < 2) {
        return None;
    }
    anchors.literals.sort();
    anchors.literals.dedup();
    Some(anchors)
}

/// How many sets of companions a part may have.
const COMPANION_SETS: usize = 2;

/// The best sets of literals of parts of `hir`'s concatenation that have none in common with
/// `anchors` or with each other (neither holds the other): every match holds one of each set,
/// mostly apart.
fn companions_of(hir: &Hir, anchors: &[String]) -> Vec<Vec<String>> {
    let parts = match hir.kind() {
        HirKind::Capture(c) => return companions_of(&c.sub, anchors),
        HirKind::Concat(parts) => parts,
        _ => return Vec::new(),
    };
    let apart = |set: &Anchors, others: &[String]| {
        set.literals.iter().all(|l| {
            others
                .iter()
                .all(|a| !a.contains(l.as_str()) && !l.contains(a.as_str()))
        })
    };
    let mut candidates: Vec<Anchors> = parts
        .iter()
        .filter_map(anchors_of)
        // One character (个, 万, 买) is too common: its occurrences would cost more to list
        // than the searches they save.
        .filter(|set| set.literals.iter().all(|l| l.chars().count() >= 2))
        .filter(|set| apart(set, anchors))
        .collect();
    let mut chosen: Vec<Vec<String>> = Vec::new();
    while chosen.len() < COMPANION_SETS {
        let Some(next) = candidates
            .iter()
            .cloned()
            .reduce(|a, b| best(Some(a), Some(b)).unwrap_or_default())
        else {
            break;
        };
        candidates.retain(|c| apart(c, &next.literals));
        chosen.push(next.literals);
    }
    chosen
}

/// Every match of `hir` contains one of the literals returned: its prefixes or suffixes, one
/// set per branch of an alternation, or the set of one part, or of a run of parts, of a
/// concatenation.
fn anchors_in(hir: &Hir) -> Option<Anchors> {
    let whole = best(
        extracted(hir, ExtractKind::Prefix),
        extracted(hir, ExtractKind::Suffix),
    );
    let parts = match hir.kind() {
        HirKind::Capture(c) => anchors_in(&c.sub),
        // Each branch by its own best set: a match begins with an anchor if each branch's
        // matches do.
        HirKind::Alternation(branches) => branches
            .iter()
            .map(anchors_in)
            .collect::<Option<Vec<_>>>()
            .map(|sets| Anchors {
                starts: sets.iter().all(|s| s.starts),
                literals: sets.into_iter().flat_map(|s| s.literals).collect(),
            }),
        // Any one part: every match contains a match of each part. Only the first part's
        // matches begin where the whole one does (a part with anchors matches something).
        // Runs of parts too: the prefixes of the parts from one on, or the suffixes of those up
        // to one, join neighbours (就提, 可提 in `(?:就|可)提`) where each part alone has only
        // one common character.
        HirKind::Concat(parts) => {
            let each = parts.iter().enumerate().filter_map(|(i, part)| {
                anchors_in(part).map(|a| Anchors {
                    starts: a.starts && i == 0,
                    ..a
                })
            });
            let runs = (1..parts.len()).flat_map(|i| {
                let from = Hir::concat(parts[i..].to_vec());
                let to = Hir::concat(parts[..i].to_vec());
                let from =
                    extracted(&from, ExtractKind::Prefix).map(|a| Anchors { starts: false, ..a });
                from.into_iter().chain(extracted(&to, ExtractKind::Suffix))
            });
            each.chain(runs)
                .reduce(|a, b| best(Some(a), Some(b)).unwrap_or_default())
        }
        _ => None,
    };
    best(whole, parts)
}

/// The prefixes (or suffixes) of `hir` when they are at most 64 and each at least two bytes:
/// every match begins (ends) with one of them.
fn extracted(hir: &Hir, kind: ExtractKind) -> Option<Anchors> {
    let starts = matches!(kind, ExtractKind::Prefix);
    let seq = Extractor::new().kind(kind).extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.len() > 64 {
        return None;
    }
    let strings = literals
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect::<Option<Vec<String>>>()?;
    // One CJK character, or two ASCII ones, at least: shorter ones are everywhere.
    strings.iter().all(|s| s.len() >= 2).then_some(Anchors {
        literals: strings,
        starts,
    })
}

/// The more selective of two anchor sets: the one whose shortest literal is longer (up to three
/// characters), then the one with fewer literals (a set is as common as its most common literal).
fn best(a: Option<Anchors>, b: Option<Anchors>) -> Option<Anchors> {
    let quality = |v: &Anchors| {
        let shortest = v
            .literals
            .iter()
            .map(|s| s.chars().count())
            .min()
            .unwrap_or(0);
        // At a tie, Chinese: two ASCII characters (the 00 of a stock code) are far commoner
        // than two Chinese ones.
        let chinese = v.literals.iter().all(|s| s.len() > s.chars().count());
        // Three characters are rare enough: past them, fewer literals keep the automaton small.
        (
            shortest.min(3),
            std::cmp::Reverse(v.literals.len()),
            chinese,
        )
    };
    match (a, b) {
        (Some(a), Some(b)) => Some(if quality(&b) > quality(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor_set(pattern: &str) -> Option<Anchors> {
        anchors_of(&regex_syntax::parse(pattern).expect("valid pattern"))
    }

    fn anchors(pattern: &str) -> Option<Vec<String>> {
        anchor_set(pattern).map(|a| a.literals)
    }

    fn starts(pattern: &str) -> bool {
        anchor_set(pattern).expect("anchored").starts
    }

    #[test]
    fn word_lists_go_into_patterns_longest_word_first() {
        let words = WordGroups::of(WordLists::from([(
            "ill".to_string(),
            vec!["胃病".to_string(), "老胃病".to_string(), "a.b".to_string()],
        )]));
        let expand = |p: &str| expand_words(p, &words).map(Cow::into_owned);
        assert_eq!(
            expand("治{ill}[^，]{0,6}好了").as_deref(),
            Ok("治(?:老胃病|a\\.b|胃病)[^，]{0,6}好了")
        );
        // Repetitions, escaped braces and a lone brace are not names.
        assert_eq!(expand("a{2}\\{ill}{,").as_deref(), Ok("a{2}\\{ill}{,"));
        assert_eq!(
            expand("\\p{Han}\\P{Han}").as_deref(),
            Ok("\\p{Han}\\P{Han}")
        );
        let unknown = expand("{illness}").expect_err("no such list");
        assert!(unknown.contains("`{illness}`"), "{unknown}");
    }

    #[test]
    fn a_pattern_splits_at_its_top_level_bars_only() {
        let split = |p: &str| top_level_branches(p);
        assert_eq!(
            split("(?:保本|保息)收益|[|]年化|\\|转发"),
            Some(vec![
                "(?:保本|保息)收益".to_string(),
                "[|]年化".to_string(),
                "\\|转发".to_string()
            ])
        );
        // Leading flags reach every branch; flags later at the top would not.
        assert_eq!(
            split("(?m)^【|】$"),
            Some(vec!["(?m)^【".to_string(), "(?m)】$".to_string()])
        );
        assert_eq!(split("甲|(?i)乙"), None);
        assert_eq!(split("[^]|]{0,3}乙"), None);
        assert_eq!(split("(?:甲|乙)丙"), None);
        // Split only when every branch has anchors of its own.
        let parts = parts_of("保底年化[0-9]+%|稳赚不赔").expect("valid");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts_of("保底年化[0-9]+%|[a-z]+").expect("valid").len(), 1);
    }

    #[test]
    fn anchors_come_from_prefixes_suffixes_branches_and_parts() {
        assert_eq!(anchors("保底年化\\d+%").expect("anchored"), ["保底年化"]);
        assert_eq!(
            anchors("\\d+分钟(?:到|抵达)").expect("anchored"),
            ["分钟到", "分钟抵达"]
        );
        // Each branch by its best set: 酒 alone would be everywhere.
        let set = anchors("酒[^。]{0,9}?(?:解压|减压)|不醉不归").expect("anchored");
        assert!(!set.contains(&"酒".to_string()), "{set:?}");
        assert!(set.contains(&"解压".to_string()) && set.contains(&"不醉不归".to_string()));
        // Written full-width, looked for normalized.
        let set = anchors("原价：\\d+").expect("anchored");
        assert!(set.contains(&"原价:".to_string()), "{set:?}");
        assert_eq!(anchors("\\d+%"), None);
        // A part of a concatenation: every match holds the bracket.
        assert_eq!(anchors("(?m)^【[^】]{2,9}】").expect("anchored"), ["【"]);
        // A run of parts: neighbours joined, where each part alone is one common character.
        assert_eq!(
            anchors("[0-9一二三四五六七八九十]{1,3}天(?:就|可)提(?:高|升)?[0-9]分")
                .expect("anchored"),
            ["天可提", "天就提"]
        );
        assert_eq!(
            anchors("[0-9一二三四五六七八九十]{1,3}(?:小时|天)就[^。]{0,3}提").expect("anchored"),
            ["天就", "小时就"]
        );
    }

    #[test]
    fn companions_are_other_parts_literals_of_two_characters_or_more() {
        let companions = |p: &str| {
            let parts = parts_of(p).expect("valid");
            assert_eq!(parts.len(), 1);
            parts[0].companions.clone()
        };
        // The anchors are 每天净赚…; 投资/投入 go with them, 投 alone would be too common.
        let part =
            &parts_of("(?:投资|投入)[0-9]{1,6}元[^。]{0,9}?每天(?:净赚|能赚)").expect("valid")[0];
        let anchors = part.anchors.clone().expect("anchored").literals;
        assert_eq!(anchors, ["每天净赚", "每天能赚"]);
        assert_eq!(part.companions, [["投入", "投资"]]);
        assert_eq!(
            companions("投[0-9]{1,6}元[^。]{0,9}?每天(?:净赚|能赚)"),
            Vec::<Vec<String>>::new()
        );
        // Two sets at most (the first at a tie), none holding another set's literal or an anchor.
        assert_eq!(
            companions("代理[^。]{0,9}?每月[^。]{0,9}?分红[^。]{0,9}?保底收益"),
            [["代理"], ["每月"]]
        );
        // Unbounded: there is no window to look for them in.
        assert_eq!(companions("代理[^。]*每月分红"), Vec::<Vec<String>>::new());
    }

    #[test]
    fn anchors_that_begin_every_match_are_known() {
        assert!(starts("保底年化\\d+%"));
        assert!(starts("(?:保底|承诺)收益|年化(?:收益|回报)"));
        // The assertion matches nothing: the bracket begins the match.
        assert!(starts("(?m)^【[^】]{2,9}】"));
        assert!(!starts("\\d+分钟(?:到|抵达)"));
        // One branch anchored inside is enough to search around its anchors.
        assert!(!starts("酒[^。]{0,9}?(?:解压|减压)|不醉不归"));
        // A later part's literals do not begin the match.
        let later = anchor_set("[0-9]{1,3}[^。]{0,2}个人[^。]{0,2}(?:头|会员)").expect("anchored");
        assert_eq!(later.literals, ["个人"]);
        assert!(!later.starts);
    }
}
