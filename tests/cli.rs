//! End-to-end behaviour of `hegui` on temporary files: exit codes, JSON fields, exact offsets,
//! Traditional text, noise between characters, exceptions, formats, packs, bad input.

mod common;

use common::{files, hegui, hegui_stdin};
use serde_json::Value;

fn only(findings: &[Value]) -> &Value {
    assert_eq!(findings.len(), 1, "expected one finding, got {findings:#?}");
    &findings[0]
}

#[test]
fn spaced_term_is_one_finding_with_exact_location() {
    let text = "第一行\n春季上新：今天 最 佳 口感\n";
    let dir = files(&[("copy.txt", text.as_bytes())]);
    let run = hegui(dir.path(), &["check", "copy.txt", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.findings();
    let f = only(&findings);
    let start = text.find("最 佳").expect("present");
    assert_eq!(f["matched"], "最 佳");
    assert_eq!(f["rule"], "AD002");
    assert_eq!(f["pack"], "ad-law");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["path"], "copy.txt");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 9, "columns count characters, not bytes");
    assert_eq!(f["byte_start"], start);
    assert_eq!(f["byte_end"], start + "最 佳".len());
    assert!(f["message"].as_str().expect("message").contains("最 佳"));
    assert!(f["law"].as_str().expect("law").contains("第九条"));
    assert!(!f["help"].as_str().expect("help").is_empty());
}

#[test]
fn traditional_full_width_and_zero_width_variants_are_found() {
    let cases = [
        ("全網最低價，手慢無", "全網最低價", "AD003"),
        ("國家級配方", "國家級", "AD001"),
        ("ＮＯ．１热销", "ＮＯ．１", "AD004"),
        ("最\u{200b}好的面霜", "最\u{200b}好", "AD002"),
        ("T*O*P*1 爆款", "T*O*P*1", "AD004"),
        ("国·家·级 品质", "国·家·级", "AD001"),
    ];
    for (text, matched, rule) in cases {
        let dir = files(&[("a.txt", text.as_bytes())]);
        let run = hegui(dir.path(), &["check", "a.txt", "--format", "json"]);
        let findings = run.findings();
        let f = only(&findings);
        assert_eq!(f["matched"], matched, "in {text}");
        assert_eq!(f["rule"], rule, "in {text}");
        let start = text.find(matched).expect("present");
        assert_eq!(f["byte_start"], start, "in {text}");
        assert_eq!(f["byte_end"], start + matched.len(), "in {text}");
        assert_eq!(run.code, 1);
    }
}

#[test]
fn exception_phrases_are_not_reported_and_a_clean_file_exits_zero() {
    let text = "第一次购买送券，第一时间发货。最近上新，最后一天。开封后最佳食用期3天，\
                最佳饮用温度4℃。特级初榨橄榄油，100%纯棉，一站式购齐。跻身TOP10热销榜。\
                建议最好先咨询医生。京东特供版。本品不能代替药物。";
    let dir = files(&[("clean.txt", text.as_bytes())]);
    let run = hegui(dir.path(), &["check", "clean.txt", "--format", "json"]);
    assert_eq!(run.findings(), Vec::<Value>::new());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["files"], 1);
}

#[test]
fn the_same_terms_without_their_exception_context_are_reported() {
    // The exception list must not hide the bare claims: 第一/最佳/100% in claim form.
    let text = "销量第一，最佳口感，100%有效";
    let dir = files(&[("a.txt", text.as_bytes())]);
    let rules: Vec<String> = hegui(dir.path(), &["check", "a.txt", "--format", "json"])
        .findings()
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect();
    assert_eq!(rules, ["AD004", "AD002", "AD009"]);
}

#[test]
fn fail_on_decides_the_exit_code() {
    // AD006 (首发类) is a warning.
    let dir = files(&[("w.txt", "全球首款石墨烯发热被".as_bytes())]);
    assert_eq!(hegui(dir.path(), &["check", "w.txt"]).code, 0);
    assert_eq!(
        hegui(dir.path(), &["check", "w.txt", "--fail-on", "warning"]).code,
        1
    );
    assert_eq!(
        hegui(dir.path(), &["check", "w.txt", "--fail-on", "info"]).code,
        1
    );
    let dir = files(&[("e.txt", "全网最低价".as_bytes())]);
    assert_eq!(hegui(dir.path(), &["check", "e.txt"]).code, 1);
    assert_eq!(
        hegui(dir.path(), &["check", "e.txt", "--fail-on", "never"]).code,
        0
    );
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let root = common::repo_root();
    let one = hegui(
        &root,
        &["check", "corpus", "--format", "json", "--threads", "1"],
    );
    let many = hegui(&root, &["check", "corpus", "--format", "json"]);
    let four = hegui(&root, &["check", "corpus", "--format", "json", "-j", "4"]);
    assert!(one.findings().len() > 20);
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn findings_are_sorted_by_path_then_offset() {
    let dir = files(&[
        ("b.txt", "最好用，国家级".as_bytes()),
        ("a/z.txt", "顶级品质".as_bytes()),
        ("a.md", "极品".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let keys: Vec<(String, u64)> = run
        .findings()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["byte_start"].as_u64().expect("offset"),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0].0, "a.md");
}

#[test]
fn stdin_is_read_under_the_given_name() {
    let dir = files(&[]);
    let run = hegui_stdin(
        dir.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "draft.md",
            "--format",
            "json",
        ],
        Some("# 标题\n\n`最佳` 是代码，极品不是\n".as_bytes()),
    );
    let findings = run.findings();
    let f = only(&findings);
    assert_eq!(f["path"], "draft.md");
    assert_eq!(f["matched"], "极品");
    assert_eq!(f["line"], 3);
}

#[test]
fn markdown_code_and_links_are_not_copy_but_offsets_stay_original() {
    let text = "# 新品\n\n```\n最佳\n```\n\n[链接](https://a.cn/最佳) 顶级做工\n";
    let dir = files(&[("post.md", text.as_bytes())]);
    let run = hegui(dir.path(), &["check", "post.md", "--format", "json"]);
    let findings = run.findings();
    let f = only(&findings);
    assert_eq!(f["matched"], "顶级");
    assert_eq!(f["byte_start"], text.find("顶级").expect("present"));
    assert_eq!(f["line"], 7);
}

#[test]
fn latin_terms_match_whole_words_only() {
    let dir = files(&[(
        "a.txt",
        "TOP10榜单，iPhone1代，NO.12号\nTOP1爆款".as_bytes(),
    )]);
    let run = hegui(dir.path(), &["check", "a.txt", "--format", "json"]);
    let findings = run.findings();
    let f = only(&findings);
    assert_eq!(f["matched"], "TOP1");
    assert_eq!(f["line"], 2);
}

#[test]
fn jsonl_has_one_typed_record_per_line_and_a_summary_last() {
    let dir = files(&[("a.txt", "极品，顶级".as_bytes())]);
    let run = hegui(dir.path(), &["check", "a.txt", "--format", "jsonl"]);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "finding");
    assert_eq!(lines[0]["matched"], "极品");
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["findings"], 2);
}

#[test]
fn human_output_underlines_and_cites_the_law() {
    let dir = files(&[("a.txt", "今天最佳口感".as_bytes())]);
    let run = hegui(dir.path(), &["check", "a.txt"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("[a.txt:1:3]"), "{}", run.stdout);
    assert!(run.stdout.contains("违规：最佳"), "{}", run.stdout);
    assert!(run.stdout.contains("《广告法》"), "{}", run.stdout);
    assert!(run.stdout.contains("发现 1 处问题"), "{}", run.stdout);
}

#[test]
fn human_output_draws_a_long_line_around_the_finding() {
    // A one-line export far wider than a terminal: miette once panicked on such a line.
    let filler = "春季新品上市欢迎选购".repeat(8_000);
    let text = format!("第一行\n{filler}今天最佳口感{filler}\n末行\n");
    let dir = files(&[("export.txt", text.as_bytes())]);
    let run = hegui(dir.path(), &["check", "export.txt", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let column = filler.chars().count() + 3;
    assert!(
        run.stdout.contains(&format!("[export.txt:2:{column}]")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("违规：最佳"), "{}", run.stdout);
    // Only the words around the finding are drawn, not the line's 160,000 characters.
    assert!(run.stdout.len() < 4_000, "{} bytes", run.stdout.len());
}

#[test]
fn a_bad_file_never_stops_the_run() {
    let dir = files(&[
        ("good.txt", "极品大红袍".as_bytes()),
        ("gbk.txt", &[0xd7, 0xee, 0xbc, 0xd1, 0xff, 0xfe][..]),
    ]);
    let run = hegui(
        dir.path(),
        &["check", ".", "missing.txt", "--format", "json"],
    );
    assert_eq!(run.code, 1, "findings still decide the exit code");
    assert_eq!(run.findings().len(), 1);
    let errors = run.json()["errors"].as_array().expect("errors").clone();
    let paths: Vec<&str> = errors
        .iter()
        .map(|e| e["path"].as_str().expect("path"))
        .collect();
    assert_eq!(paths, ["missing.txt", "gbk.txt"]);
    assert!(errors[1]["message"]
        .as_str()
        .expect("msg")
        .contains("UTF-8"));
}

#[test]
fn nothing_checkable_is_exit_two() {
    let dir = files(&[]);
    let run = hegui(dir.path(), &["check", "missing.txt"]);
    assert_eq!(run.code, 2);
}

#[test]
fn binary_files_in_a_directory_are_skipped() {
    let dir = files(&[
        ("img.txt", "\u{0}\u{1}最佳".as_bytes()),
        ("a.txt", "合规文案".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["summary"]["files"], 1);
    assert_eq!(run.json()["errors"], Value::Array(vec![]));
}

#[test]
fn requires_rule_points_at_the_trigger() {
    let text = "好消息\n【美妆小铺】全场8折\n";
    let dir = files(&[("sms.txt", text.as_bytes())]);
    let findings = hegui(dir.path(), &["check", "sms.txt", "--format", "json"]).findings();
    let f = only(&findings);
    assert_eq!(f["rule"], "CD001");
    assert_eq!(f["matched"], "【美妆小铺】");
    assert_eq!(f["line"], 2);
    let ok = files(&[("sms.txt", "【美妆小铺】全场8折，回T退订".as_bytes())]);
    assert_eq!(
        hegui(ok.path(), &["check", "sms.txt", "--format", "json"]).findings(),
        Vec::<Value>::new()
    );
}

#[test]
fn pack_selection_limits_the_rules() {
    let dir = files(&[("a.txt", "极品好茶，保本保息".as_bytes())]);
    let run = hegui(
        dir.path(),
        &["check", "a.txt", "--format", "json", "--pack", "sensitive"],
    );
    let findings = run.findings();
    assert_eq!(only(&findings)["rule"], "SW004");
    let bad = hegui(dir.path(), &["check", "a.txt", "--pack", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown pack"), "{}", bad.stderr);
}

const USER_PACK: &str = "pack: house
name: 本公司用语
normalize:
  traditional: false
rules:
  - id: HS001
    name: 禁用竞品名
    kind: terms
    severity: warning
    message: 不要提竞品「{matched}」
    help: 删除竞品名称
    law: 公司规范
    terms: [某竞品]
    examples:
      bad: [比某竞品更好]
      good: [比某競品更好]
";

/// `hegui check a.txt` with the packs in `packs/` as well, as JSON.
fn check_with_house_packs(fail_on: &str) -> [&str; 8] {
    [
        "check",
        "a.txt",
        "--pack-dir",
        "packs",
        "--format",
        "json",
        "--fail-on",
        fail_on,
    ]
}

#[test]
fn user_packs_load_and_their_switches_apply() {
    let dir = files(&[
        ("packs/house.yaml", USER_PACK.as_bytes()),
        ("a.txt", "某竞品不行；某競品也不行".as_bytes()),
    ]);
    let run = hegui(dir.path(), &check_with_house_packs("warning"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.findings();
    let f = only(&findings);
    assert_eq!(f["rule"], "HS001");
    assert_eq!(f["pack"], "house");
    assert_eq!(
        f["matched"], "某竞品",
        "traditional folding is off for this pack"
    );
}

/// Each broken pack is exit code 2 with `file:line:column` and a reason.
#[test]
fn broken_packs_name_file_line_and_column() {
    let cases: [(&str, String, &str); 10] = [
        (
            "bad yaml",
            USER_PACK.replace("terms: [某竞品]", "terms: [某竞品"),
            "house.yaml:",
        ),
        (
            "unknown field",
            USER_PACK.replace("    terms:", "    termz:"),
            "house.yaml:13:5",
        ),
        (
            "duplicate id",
            format!(
                "{USER_PACK}{}",
                &USER_PACK[USER_PACK.find("  - id").expect("rule")..]
            ),
            "duplicate rule id `HS001`",
        ),
        (
            "pack id of a built-in pack",
            USER_PACK.replace("pack: house", "pack: ad-law"),
            "house.yaml:1:7: pack `ad-law` is defined twice",
        ),
        (
            "rule id of a built-in rule",
            USER_PACK.replace("id: HS001", "id: ad001"),
            "house.yaml:6:9: duplicate rule id `ad001`",
        ),
        (
            "invalid regex",
            USER_PACK
                .replace("kind: terms", "kind: pattern")
                .replace("terms: [某竞品]", "pattern: '某(竞品'"),
            "house.yaml:13:14",
        ),
        (
            "a word list the pack does not have",
            USER_PACK
                .replace("kind: terms", "kind: pattern")
                .replace("terms: [某竞品]", "pattern: '{rivals}'"),
            "house.yaml:13:14: rule HS001: `{rivals}` is not",
        ),
        (
            "skip_if on a terms rule",
            USER_PACK.replace(
                "    examples:",
                "    skip_if: {terms: [测评]}\n    examples:",
            ),
            "house.yaml:8:11: rule HS001: kind `terms` takes no `skip_if`",
        ),
        (
            "bad example",
            USER_PACK.replace("bad: [比某竞品更好]", "bad: [比别家更好]"),
            "house.yaml:15:13",
        ),
        (
            "good example fires",
            USER_PACK.replace("good: [比某競品更好]", "good: [某竞品]"),
            "house.yaml:16:14",
        ),
    ];
    for (what, pack, expected) in cases {
        let dir = files(&[
            ("packs/house.yaml", pack.as_bytes()),
            ("a.txt", "文案".as_bytes()),
        ]);
        let run = hegui(dir.path(), &["check", "a.txt", "--pack-dir", "packs"]);
        assert_eq!(run.code, 2, "{what}: {}", run.stderr);
        assert!(
            run.stderr.contains(expected),
            "{what}: expected `{expected}` in\n{}",
            run.stderr
        );
    }
}

/// A pack names a word list once; its patterns use it as `{name}`.
#[test]
fn a_packs_word_lists_go_into_its_patterns() {
    let pack = USER_PACK
        .replace("rules:", "words:\n  rivals: [某竞品, 另一家]\nrules:")
        .replace("kind: terms", "kind: pattern")
        .replace("terms: [某竞品]", "pattern: '比{rivals}更好'")
        .replace("good: [比某競品更好]", "good: [比某競品更好, 另一家更好]");
    let dir = files(&[
        ("packs/house.yaml", pack.as_bytes()),
        ("a.txt", "我们比另一家更好".as_bytes()),
    ]);
    let run = hegui(
        dir.path(),
        &["check", "a.txt", "--pack-dir", "packs", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let findings = run.findings();
    let f = only(&findings);
    assert_eq!(f["rule"], "HS001");
    assert_eq!(f["matched"], "比另一家更好");
    let tested = hegui(dir.path(), &["test-rules", "packs"]);
    assert_eq!(tested.code, 0, "{}", tested.stderr);
}

/// Overlapping findings of one pack are one finding when they word one claim (最低 in
/// 全网最低价); a long pattern whose gap runs over another rule's words hides nothing.
#[test]
fn one_claim_is_one_finding_but_a_gap_hides_nothing() {
    let rule = |id: &str, kind: &str, body: &str, bad: &str| {
        format!(
            "  - id: {id}\n    name: {id}\n    kind: {kind}\n    severity: warning\n    \
             message: 「{{matched}}」\n    help: 改写\n    law: 公司规范\n    {body}\n    \
             examples: {{bad: [{bad}], good: [没有问题]}}\n"
        )
    };
    let pack = format!(
        "pack: house\nname: 本公司用语\nrules:\n{}{}{}{}",
        rule("HS001", "terms", "terms: [全网最低价]", "全网最低价"),
        rule("HS002", "terms", "terms: [最低]", "最低"),
        rule(
            "HS003",
            "pattern",
            "pattern: '楼盘[^。]{0,30}?涨价是必然'",
            "楼盘涨价是必然"
        ),
        rule("HS004", "terms", "terms: [十分钟直达]", "十分钟直达"),
    );
    let dir = files(&[
        ("packs/house.yaml", pack.as_bytes()),
        (
            "a.txt",
            "全网最低价。此楼盘地铁口十分钟直达陆家嘴，投资自住两相宜，明年涨价是必然".as_bytes(),
        ),
    ]);
    let run = hegui(dir.path(), &check_with_house_packs("never"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let findings = run.findings();
    let house: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .filter(|rule| rule.starts_with("HS"))
        .collect();
    assert_eq!(house, ["HS001", "HS003", "HS004"], "{findings:#?}");
}

#[test]
fn rules_terms_explain_and_test_rules() {
    let dir = files(&[]);
    let rules = hegui(dir.path(), &["rules"]);
    assert_eq!(rules.code, 0);
    let listed = rules
        .stdout
        .lines()
        .filter(|l| l.starts_with(['A', 'S', 'P', 'C']))
        .count();
    assert!(listed >= 25, "{listed} rules:\n{}", rules.stdout);

    let terms = hegui(dir.path(), &["rules", "--terms"]);
    assert!(terms.stdout.lines().any(|l| l == "最佳"));
    assert!(terms.stdout.lines().any(|l| l == "全网最低价"));

    let explain = hegui(dir.path(), &["explain", "ad001"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("第九条"), "{}", explain.stdout);
    assert!(explain.stdout.contains("国家级配方"), "{}", explain.stdout);
    assert_eq!(hegui(dir.path(), &["explain", "XX999"]).code, 2);

    let tested = hegui(dir.path(), &["test-rules"]);
    assert_eq!(tested.code, 0, "{}", tested.stderr);
}

#[test]
fn test_rules_reports_a_misbehaving_user_example() {
    let pack = USER_PACK.replace("bad: [比某竞品更好]", "bad: [比别家更好]");
    let dir = files(&[("packs/house.yaml", pack.as_bytes())]);
    let run = hegui(dir.path(), &["test-rules", "packs"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not fire"), "{}", run.stderr);
}

#[test]
fn summary_counts_per_pack_rule_severity_and_file() {
    let dir = files(&[
        ("a.txt", "全网最低价，国家级".as_bytes()),
        ("b.txt", "国家级".as_bytes()),
        ("c.txt", "普通文案".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--summary", "--format", "json"]);
    let s = &run.json()["summary"];
    assert_eq!(s["by_pack"]["ad-law"], 3);
    assert_eq!(s["by_rule"]["AD001"], 2);
    assert_eq!(s["by_rule"]["AD003"], 1);
    assert_eq!(s["by_file"]["a.txt"], 2);
    assert!(s["by_file"].get("c.txt").is_none());
    assert_eq!(s["by_severity"]["error"], 3);
    // Without the flag the summary keeps its contract fields only.
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    assert!(run.json()["summary"].get("by_rule").is_none());
    let run = hegui(dir.path(), &["check", ".", "--summary"]);
    assert!(run.stdout.contains("汇总：按规则"), "{}", run.stdout);
    assert!(run.stdout.contains("AD001          2"), "{}", run.stdout);
}

#[test]
fn exempt_contexts_are_lowered_to_info_with_the_reason() {
    let dir = files(&[(
        "a.txt",
        "2025年天猫面霜类目销量第一（数据来源：天猫生意参谋）\n本品销量第一\n".as_bytes(),
    )]);
    let run = hegui(dir.path(), &["check", "a.txt", "--format", "json"]);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0]["severity"], "info");
    assert!(findings[0]["exemption"]
        .as_str()
        .is_some_and(|r| r.contains("第六条第（六）项")));
    assert_eq!(findings[1]["severity"], "error");
    assert!(findings[1].get("exemption").is_none());
    // Alone, an exempt claim does not fail the run.
    let dir = files(&[(
        "b.txt",
        "2025年天猫面霜类目销量第一（数据来源：天猫生意参谋）".as_bytes(),
    )]);
    assert_eq!(hegui(dir.path(), &["check", "b.txt"]).code, 0);
}

/// `hegui check | head`: the reader closing the pipe is not an error, and the exit code still
/// says what was found.
#[test]
fn a_closed_pipe_keeps_the_exit_code_of_the_findings() {
    use std::io::{BufRead, BufReader};
    let copy = "全网最低价\n".repeat(5_000);
    let dir = files(&[("many.txt", copy.as_bytes())]);
    for format in ["jsonl", "json", "human"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hegui"))
            .current_dir(dir.path())
            .args(["check", "many.txt", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("hegui starts");
        let mut first = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("a line");
        // The reader is dropped here: the rest of the output meets a closed pipe.
        let out = child.wait_with_output().expect("hegui ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(!stderr.contains("cannot write"), "{format}: {stderr}");
    }
}
