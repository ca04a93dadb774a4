//! Inline suppressions, the audit trail of accepted findings:
//! `hegui-disable-next-line [RULE[,RULE…]] -- 理由` and `hegui-disable-line …`, written in the
//! file's own comment syntax. A suppression without a reason suppresses nothing and is itself
//! reported; one that suppresses nothing is reported as `info`.

use crate::diagnostic::Finding;
use crate::extract::FileKind;
use crate::rules::Severity;
use crate::source::LineIndex;
use crate::structure::Format;

const MARK: &str = "hegui-disable-";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line of the comment.
    pub line: usize,
    /// The line whose findings it suppresses.
    pub target: usize,
    /// Rule ids; empty means every rule.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Byte offsets of the directive in the file.
    pub start: usize,
    pub end: usize,
}

impl Directive {
    fn covers(&self, f: &Finding) -> bool {
        self.target == f.line
            && (self.rules.is_empty() || self.rules.iter().any(|r| r.eq_ignore_ascii_case(&f.rule)))
    }
}

/// The comment opener a directive must follow in this kind of file; `None` for plain text,
/// where the directive is a line of its own.
fn opener(kind: FileKind) -> Option<&'static [&'static str]> {
    match kind {
        FileKind::Text => None,
        FileKind::Markdown | FileKind::Html => Some(&["<!--"]),
        FileKind::Structured(Format::Yaml | Format::Toml) => Some(&["#"]),
        FileKind::Structured(Format::Json) => Some(&["//", "/*"]),
    }
}

/// Every suppression comment of a file.
pub fn directives(text: &str, kind: FileKind) -> Vec<Directive> {
    if !text.contains(MARK) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(at) = line.find(MARK) else { continue };
        let before = &line[..at];
        let in_comment = match opener(kind) {
            None => before.trim().is_empty(),
            Some(openers) => openers.iter().any(|o| before.contains(o)),
        };
        if !in_comment {
            continue;
        }
        let rest = line[at + MARK.len()..].trim_end();
        let (next, rest) = if let Some(r) = rest.strip_prefix("next-line") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("line") {
            (false, r)
        } else {
            continue;
        };
        let rest = rest.trim_end_matches("*/").trim_end_matches("-->").trim();
        let (ids, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (ids, Some(reason.trim())),
            None => (rest, None),
        };
        let rules = ids
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let number = i + 1;
        out.push(Directive {
            line: number,
            target: if next { number + 1 } else { number },
            rules,
            reason: reason.filter(|r| !r.is_empty()).map(str::to_string),
            start: line_start + at,
            end: line_start + line.trim_end().len(),
        });
    }
    out
}

/// Drops the findings a reasoned directive covers (and any on a directive's own line, the
/// comment text itself) and adds findings about the directives. Returns how many were
/// suppressed.
pub fn apply(findings: &mut Vec<Finding>, text: &str, kind: FileKind, path: &str) -> usize {
    let list = directives(text, kind);
    if list.is_empty() {
        return 0;
    }
    let mut used = vec![false; list.len()];
    let before = findings.len();
    findings.retain(|f| {
        if list.iter().any(|d| d.line == f.line && d.target != d.line) {
            return false;
        }
        match list.iter().position(|d| d.reason.is_some() && d.covers(f)) {
            Some(i) => {
                used[i] = true;
                false
            }
            None => true,
        }
    });
    let suppressed = before - findings.len();
    let lines = LineIndex::new(text);
    for (d, used) in list.iter().zip(used) {
        let meta = if d.reason.is_none() {
            Some(&MISSING_REASON)
        } else if !used {
            Some(&UNUSED)
        } else {
            None
        };
        if let Some(meta) = meta {
            findings.push(meta.finding(&lines, text, path, d));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    suppressed
}

/// A rule of the audit trail itself, in no pack: what a suppression comment did wrong.
#[derive(Debug)]
pub struct MetaRule {
    pub id: &'static str,
    pub severity: Severity,
    pub name: &'static str,
    pub message: &'static str,
    pub help: &'static str,
}

/// Where the audit-trail rules come from, in place of a statute.
pub const META_LAW: &str = "审计要求：每条抑制须写明理由";

pub const MISSING_REASON: MetaRule = MetaRule {
    id: "HG001",
    severity: Severity::Warning,
    name: "抑制注释缺少理由",
    message: "这条抑制注释没有写理由，因此不生效",
    help:
        "在 `--` 后写明理由，如 `hegui-disable-next-line AD001 -- 已获国家级非遗认定，证书编号XXXX`",
};

pub const UNUSED: MetaRule = MetaRule {
    id: "HG002",
    severity: Severity::Info,
    name: "未使用的抑制注释",
    message: "这条抑制注释没有对应的发现，可以删除",
    help: "删除这条注释，或确认它指向正确的行和规则",
};

impl MetaRule {
    fn finding(&self, lines: &LineIndex, text: &str, path: &str, d: &Directive) -> Finding {
        let (line, column) = lines.line_col(text, d.start);
        let (end_line, end_column) = lines.line_col(text, d.end);
        Finding {
            rule: self.id.into(),
            pack: "hegui".into(),
            severity: self.severity,
            path: path.into(),
            line,
            column,
            end_line,
            end_column,
            byte_start: d.start,
            byte_end: d.end,
            matched: text[d.start..d.end].to_string(),
            message: self.message.to_string(),
            help: self.help.into(),
            law: META_LAW.into(),
            name: self.name.into(),
            field: None,
            suggestion: None,
            exemption: None,
            label: None,
            fingerprint: String::new(),
            rule_index: usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_reason_and_target() {
        let text = "标题\n<!-- hegui-disable-next-line AD001, AD002 -- 已核实 -->\n国家级\n";
        let d = directives(text, FileKind::Markdown);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rules, vec!["AD001", "AD002"]);
        assert_eq!(d[0].reason.as_deref(), Some("已核实"));
        assert_eq!((d[0].line, d[0].target), (2, 3));
    }

    #[test]
    fn needs_the_comment_syntax_of_the_file() {
        let yaml = "copy: 国家级 # hegui-disable-line -- 理由\n";
        assert_eq!(
            directives(yaml, FileKind::Structured(Format::Yaml))[0].target,
            1
        );
        // In plain text a directive is a line of its own, not words inside copy.
        assert!(directives("文案 hegui-disable-line -- 理由\n", FileKind::Text).is_empty());
        assert!(directives(
            "copy: 'hegui-disable-line -- x'\n",
            FileKind::Structured(Format::Yaml)
        )
        .is_empty());
    }

    #[test]
    fn no_reason_means_none() {
        let d = directives("hegui-disable-next-line AD001\n国家级\n", FileKind::Text);
        assert_eq!(d[0].reason, None);
        let d = directives(
            "hegui-disable-next-line AD001 --  \n国家级\n",
            FileKind::Text,
        );
        assert_eq!(d[0].reason, None);
    }
}
