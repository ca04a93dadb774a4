//! The built-in packs: every example behaves, the contract's pack ids and prefixes hold, the
//! bundled corpus gives exactly the expected findings, and rendered output stays readable.

mod common;

use std::fmt::Write as _;

use hegui::engine::Engine;
use hegui::extract::FileKind;
use hegui::lint::{check_text, example_failures};
use hegui::report::HumanRenderer;
use hegui::rules::{load_rule_set, Examples};

fn builtin() -> Engine {
    let set = load_rule_set(&[], true, Examples::Keep).unwrap_or_else(|e| panic!("{e}"));
    Engine::new(set)
}

#[test]
fn every_builtin_example_behaves() {
    let engine = builtin();
    let failures = example_failures(&engine, false);
    let rules = &engine.rules().rules;
    let described: Vec<String> = failures
        .iter()
        .map(|f| {
            let r = &rules[f.rule];
            let ex = &r.examples(f.kind)[f.example];
            format!("{} {} example: {}", r.id, f.kind.name(), ex.text)
        })
        .collect();
    assert!(described.is_empty(), "{described:#?}");
}

#[test]
fn packs_follow_the_contract() {
    let engine = builtin();
    let set = engine.rules();
    let ids: Vec<&str> = set.packs.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ad-law", "sensitive", "privacy", "disclosure"]);
    assert!(set.rules.len() >= 60, "{} rules", set.rules.len());
    for rule in &set.rules {
        let prefix = match &*rule.pack {
            "ad-law" => "AD",
            "sensitive" => "SW",
            "privacy" => "PC",
            "disclosure" => "CD",
            other => panic!("unexpected pack {other}"),
        };
        assert!(rule.id.starts_with(prefix), "{} in {}", rule.id, rule.pack);
        assert!(!rule.bad.is_empty() && !rule.good.is_empty(), "{}", rule.id);
        assert!(
            rule.law.contains('《')
                || rule.law.starts_with("平台规则")
                || rule.law.starts_with("活动配置校验"),
            "{}: {}",
            rule.id,
            rule.law
        );
        // `explain` prints the article text of the statute a rule cites.
        let cites_statute = ["《广告法》", "《个人信息保护法》", "《禁止传销条例》"]
            .iter()
            .any(|s| rule.law.contains(s));
        assert!(
            rule.quote.is_some() || !cites_statute,
            "{}: cites {} but quotes no article",
            rule.id,
            rule.law
        );
        assert!(
            rule.quote.is_some() || rule.explain.is_some() || rule.law.starts_with("活动配置校验"),
            "{}: neither article text nor an explanation",
            rule.id
        );
        assert!(
            rule.message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: message must be Chinese",
            rule.id
        );
    }
}

/// `tests/corpus_expected.tsv` lists every finding the bundled corpus must give, one per line:
/// path, line, column, rule, matched. `HEGUI_BLESS=1 cargo test` rewrites it after a reviewed
/// change.
#[test]
fn corpus_gives_the_expected_findings() {
    let root = common::repo_root();
    let run = common::hegui(
        &root,
        &["check", "corpus", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut actual = String::from("# path\tline\tcolumn\trule\tmatched\n");
    for f in run.findings() {
        writeln!(
            actual,
            "{}\t{}\t{}\t{}\t{}",
            f["path"].as_str().expect("path"),
            f["line"],
            f["column"],
            f["rule"].as_str().expect("rule"),
            f["matched"].as_str().expect("matched").escape_debug()
        )
        .expect("write");
    }
    let path = root.join("tests/corpus_expected.tsv");
    if std::env::var_os("HEGUI_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("write tests/corpus_expected.tsv");
    }
    let expected = std::fs::read_to_string(&path).expect("tests/corpus_expected.tsv exists");
    assert!(run.json()["errors"].as_array().expect("errors").is_empty());
    assert_eq!(
        actual, expected,
        "corpus findings changed; review, then HEGUI_BLESS=1 cargo test"
    );
}

#[test]
fn rendered_diagnostic_snapshot() {
    let engine = builtin();
    let text = "春季焕新\n國家級配方，今天 最 佳 口感！\n";
    let findings = check_text(&engine, "copy/spring.txt", text, FileKind::Text).expect("text");
    let rendered =
        HumanRenderer::new(false, 80).render_file("copy/spring.txt", &text.into(), &findings);
    insta::assert_snapshot!(rendered);
}

/// Copy a word list would miss: Traditional characters, full-width letters and digits, or noise
/// between characters.
fn is_variant(text: &str) -> bool {
    let noisy =
        regex::Regex::new(r"\p{Han}[ _\-~.·*＊\u{200b}]+\p{Han}|[Ａ-Ｚａ-ｚ０-９]").expect("valid");
    fast2s::convert(text) != text || noisy.is_match(text)
}

#[test]
fn every_rule_has_two_bad_and_two_good_examples_and_a_variant() {
    let engine = builtin();
    let mut short = Vec::new();
    for rule in &engine.rules().rules {
        if rule.bad.len() < 2 || rule.good.len() < 2 {
            short.push(format!(
                "{}: {} bad, {} good",
                rule.id,
                rule.bad.len(),
                rule.good.len()
            ));
        }
        if !matches!(rule.kind, hegui::rules::RuleKind::Config(_))
            && !rule.bad.iter().any(|e| is_variant(&e.text))
        {
            short.push(format!("{}: no Traditional or noisy bad example", rule.id));
        }
    }
    assert!(short.is_empty(), "{short:#?}");
}
