//! Campaign files end to end: every row of CAMPAIGN.md's table fires on its bad sample and not
//! on its good one, findings land on the exact line and column in YAML, JSON and TOML, broken
//! and hostile files are reported without stopping the run, and users' own config rules work.

mod common;

use std::collections::BTreeSet;

use common::{files, hegui, repo_root};
use serde_json::Value;

/// The rules that fire on one file.
fn rules_on(path: &str) -> BTreeSet<String> {
    let run = hegui(
        &repo_root(),
        &["check", path, "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.json()["errors"].as_array().expect("errors").is_empty());
    run.findings()
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

/// CAMPAIGN.md, "What the built-in packs require": (row, rule, bad sample, good sample).
const TABLE: &[(&str, &str, &str, &str)] = &[
    (
        "sms/app_push/email without opt-out",
        "CD009",
        "bad/sms-no-optout.yaml",
        "good/spring-flash-sale.yaml",
    ),
    (
        "flash sale without stock or end",
        "CD010",
        "bad/flash-sale-no-stock.yaml",
        "good/spring-flash-sale.yaml",
    ),
    (
        "original price without basis",
        "CD011",
        "bad/price-no-basis.json",
        "good/spring-flash-sale.yaml",
    ),
    (
        "lottery prize above 50000",
        "CD012",
        "bad/lottery-car.toml",
        "good/lottery-member-day.json",
    ),
    (
        "lottery without rules or prizes",
        "CD013",
        "bad/lottery-car.toml",
        "good/lottery-member-day.json",
    ),
    (
        "content with purchase link, no ad label",
        "CD014",
        "bad/content-no-label.yaml",
        "good/content-seeding.yaml",
    ),
    (
        "finance without risk warning",
        "CD015",
        "bad/finance-no-warning.json",
        "good/finance-salon.yaml",
    ),
    (
        "health food without the statement",
        "CD016",
        "bad/health-food-endorser.yaml",
        "good/health-food-push.toml",
    ),
    (
        "auto-renewal without reminder",
        "CD017",
        "bad/auto-renew.toml",
        "good/subscription.toml",
    ),
    (
        "end before start",
        "CD018",
        "bad/end-before-start.yaml",
        "good/spring-flash-sale.yaml",
    ),
    (
        "no returns in copy or return_policy",
        "CD007",
        "bad/no-returns.json",
        "good/subscription.toml",
    ),
    (
        "distribution levels, entry fee, team bonus",
        "SW017",
        "bad/pyramid.json",
        "good/distribution-2level.json",
    ),
    (
        "endorser under 10 or never used it",
        "SW018",
        "bad/child-endorser.yaml",
        "good/content-seeding.yaml",
    ),
    (
        "endorser in medical or health food",
        "SW019",
        "bad/health-food-endorser.yaml",
        "good/health-food-push.toml",
    ),
    (
        "consent implied or none",
        "PC006",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
    (
        "consent pre-ticked",
        "PC007",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
    (
        "sensitive fields without separate consent",
        "PC008",
        "bad/signup-form.yaml",
        "good/kids-camp.yaml",
    ),
    (
        "under 14 without guardian",
        "PC009",
        "bad/kids-photo-contest.json",
        "good/kids-camp.yaml",
    ),
    (
        "third party without name or purpose",
        "PC010",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
    (
        "cross-border transfer",
        "PC011",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
    (
        "no privacy policy or purpose",
        "PC012",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
    (
        "unneeded required fields",
        "PC013",
        "bad/signup-form.yaml",
        "good/lottery-member-day.json",
    ),
];

#[test]
fn every_table_row_fires_on_its_bad_sample_only() {
    for (row, rule, bad, good) in TABLE {
        let bad_rules = rules_on(&format!("corpus/campaigns/{bad}"));
        assert!(
            bad_rules.contains(*rule),
            "{row}: {rule} not on {bad}: {bad_rules:?}"
        );
        let good_rules = rules_on(&format!("corpus/campaigns/{good}"));
        assert!(!good_rules.contains(*rule), "{row}: {rule} on {good}");
    }
}

#[test]
fn good_sample_campaigns_are_clean() {
    let run = hegui(
        &repo_root(),
        &["check", "corpus/campaigns/good", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["files"], 8);
}

fn finding<'a>(findings: &'a [Value], rule: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {findings:#?}"))
}

/// (line, column) of the first occurrence of `needle`, columns in characters.
fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle present");
    let line = text[..at].matches('\n').count() as u64 + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..at].chars().count() as u64 + 1)
}

#[test]
fn a_prize_above_the_limit_is_reported_on_its_value_in_every_format() {
    let yaml = "type: lottery\nlottery:\n  rules_url: https://example.com/r\n  prizes:\n    - name: 汽车\n      value: 120000\n";
    let json = "{\n  \"type\": \"lottery\",\n  \"lottery\": {\n    \"rules_url\": \"https://example.com/r\",\n    \"prizes\": [\n      {\"name\": \"汽车\", \"value\": 120000}\n    ]\n  }\n}\n";
    let toml = "type = \"lottery\"\n\n[lottery]\nrules_url = \"https://example.com/r\"\n\n[[lottery.prizes]]\nname = \"汽车\"\nvalue = 120000\n";
    let dir = files(&[
        ("c.yaml", yaml.as_bytes()),
        ("c.json", json.as_bytes()),
        ("c.toml", toml.as_bytes()),
    ]);
    for (name, text) in [("c.yaml", yaml), ("c.json", json), ("c.toml", toml)] {
        let run = hegui(dir.path(), &["check", name, "--format", "json"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stdout);
        let findings = run.findings();
        let f = finding(&findings, "CD012");
        let (line, column) = position(text, "120000");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{name}"
        );
        assert_eq!(f["matched"], "120000", "{name}");
        assert_eq!(f["field"], "lottery.prizes[0].value", "{name}");
        let start = f["byte_start"].as_u64().expect("byte") as usize;
        assert_eq!(&text[start..start + 6], "120000", "{name}");
    }
}

#[test]
fn banned_copy_is_located_inside_every_kind_of_string() {
    // Plain, double-quoted with escapes, single-quoted, literal block and folded scalars; JSON
    // escapes; TOML basic, literal and multi-line strings. Keys and comments are not copy.
    let yaml = "# 最佳 in a comment\n最佳: key\nplain: 本店最佳\ndq: \"好物 \\u6700\\u4f73\"\nsq: '它''s 国家级'\nblock: |\n  第一行\n  全网最低价\nfolded: >\n  折叠 销量\n  第一\n";
    let json = "{\"a\": \"本店最佳\", \"b\": \"\\u56fd\\u5bb6\\u7ea7\\n好物\"}";
    let toml = "# 最佳\na = \"本店最佳\"\nb = '国家级'\nc = \"\"\"\n第一行\n全网最低价\"\"\"\n";
    let dir = files(&[
        ("c.yaml", yaml.as_bytes()),
        ("c.json", json.as_bytes()),
        ("c.toml", toml.as_bytes()),
    ]);
    let located = |name: &str| -> Vec<(String, u64, u64, String)> {
        let run = hegui(dir.path(), &["check", name, "--format", "json"]);
        assert!(run.json()["errors"].as_array().expect("errors").is_empty());
        run.findings()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().expect("rule").to_string(),
                    f["line"].as_u64().expect("line"),
                    f["column"].as_u64().expect("column"),
                    f["field"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        located("c.yaml"),
        vec![
            ("AD002".into(), 3, 10, "plain".into()),
            ("AD002".into(), 4, 9, "dq".into()),
            ("AD001".into(), 5, 11, "sq".into()),
            ("AD003".into(), 8, 3, "block".into()),
            ("AD004".into(), 10, 6, "folded".into()),
        ]
    );
    assert_eq!(
        located("c.json"),
        vec![
            ("AD002".into(), 1, 10, "a".into()),
            ("AD001".into(), 1, 21, "b".into()),
        ]
    );
    assert_eq!(
        located("c.toml"),
        vec![
            ("AD002".into(), 2, 8, "a".into()),
            ("AD001".into(), 3, 6, "b".into()),
            ("AD003".into(), 6, 1, "c".into()),
        ]
    );
    // The escaped JSON term's bytes are the escape sequences themselves.
    let run = hegui(dir.path(), &["check", "c.json", "--format", "json"]);
    let f = finding(&run.findings(), "AD001").clone();
    let (s, e) = (
        f["byte_start"].as_u64().expect("s"),
        f["byte_end"].as_u64().expect("e"),
    );
    assert_eq!(&json[s as usize..e as usize], "\\u56fd\\u5bb6\\u7ea7");
    assert_eq!(f["matched"], "国家级");
}

#[test]
fn a_missing_field_points_at_the_object_that_should_hold_it() {
    let yaml =
        "type: flash_sale\nend: 2026-03-03\nprice:\n  current: 99\n  original: 199\nstock: 10\n";
    let dir = files(&[("c.yaml", yaml.as_bytes())]);
    let run = hegui(dir.path(), &["check", "c.yaml", "--format", "json"]);
    let findings = run.findings();
    let f = finding(&findings, "CD011");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(f["field"], "price.original_basis");
    // A missing top-level field points at what made the rule apply.
    let yaml = "type: flash_sale\nend: 2026-03-03\ncopy: {title: 秒杀}\n";
    let dir = files(&[("c.yaml", yaml.as_bytes())]);
    let run = hegui(dir.path(), &["check", "c.yaml", "--format", "json"]);
    let findings = run.findings();
    let f = finding(&findings, "CD010");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(7))
    );
    assert_eq!(f["field"], "stock");
}

#[test]
fn a_campaign_is_one_document_for_requires_rules() {
    // The 【签名】 SMS is satisfied by the campaign's `unsubscribe`, not only by its own string.
    let yaml = "channel: sms\ncopy:\n  sms: 【美妆小铺】春季焕新，全场8折\nunsubscribe: 回T退订\n";
    let dir = files(&[("c.yaml", yaml.as_bytes())]);
    let run = hegui(dir.path(), &["check", "c.yaml", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A list of campaigns is checked one campaign at a time.
    let json = r#"[{"channel": "sms", "unsubscribe": "回T退订"}, {"channel": "sms"}]"#;
    let dir = files(&[("c.json", json.as_bytes())]);
    let run = hegui(dir.path(), &["check", "c.json", "--format", "json"]);
    let hits: Vec<Value> = run
        .findings()
        .into_iter()
        .filter(|f| f["rule"] == "CD009")
        .collect();
    assert_eq!(hits.len(), 1);
    let second = json.rfind("\"sms\"").expect("second campaign") as u64;
    assert_eq!(hits[0]["byte_start"], second);
}

/// A 限时 price cut needs its period in the copy (CD022), unless the campaign's own fields give
/// it: then CD010 checks the campaign, and the copy rule stays silent.
#[test]
fn a_time_limited_discount_is_checked_once_in_a_campaign() {
    let rules_of = |yaml: &str| -> Vec<String> {
        let dir = files(&[("c.yaml", yaml.as_bytes())]);
        let run = hegui(dir.path(), &["check", "c.yaml", "--format", "json"]);
        run.findings()
            .iter()
            .map(|f| f["rule"].as_str().expect("rule").to_string())
            .collect()
    };
    let coupon = "type: coupon\ncopy:\n  title: 会员日限时优惠，全场8折\n";
    assert_eq!(rules_of(coupon), ["CD022"]);
    let with_end = format!("{coupon}end: 2026-03-03T23:59:59+08:00\n");
    assert!(rules_of(&with_end).is_empty());
    // A flash sale without an end is CD010's finding, not a second one from the copy.
    let flash = "type: flash_sale\nstock: 100\ncopy:\n  title: 限时秒杀，手慢无\n";
    assert_eq!(rules_of(flash), ["CD010"]);
}

#[test]
fn a_malformed_file_is_an_error_and_the_rest_is_still_checked() {
    let dir = files(&[
        (
            "broken.yaml",
            "name: 春季\ncopy:\n  title: [未闭合\n  body: x\n".as_bytes(),
        ),
        ("broken.json", b"{\"a\": 1,,}"),
        ("broken.toml", b"a = 1\nb = = 2\n"),
        ("copy.txt", "全网最低价".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["findings"].as_array().expect("findings").len(), 1);
    assert_eq!(doc["findings"][0]["rule"], "AD003");
    let errors = doc["errors"].as_array().expect("errors");
    let at = |name: &str| {
        let e = errors
            .iter()
            .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("no error for {name}: {errors:#?}"));
        (
            e["line"].as_u64(),
            e["column"].as_u64(),
            e["message"].clone(),
        )
    };
    let (line, _, message) = at("broken.yaml");
    assert!(line >= Some(3), "{line:?}");
    assert!(message
        .as_str()
        .is_some_and(|m| m.starts_with("not valid YAML")));
    assert_eq!(at("broken.json").0, Some(1));
    assert_eq!(at("broken.json").1, Some(9));
    assert_eq!(at("broken.toml").0, Some(2));
    // Human output names the place too.
    let run = hegui(dir.path(), &["check", "broken.toml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("broken.toml:2:"), "{}", run.stdout);
}

#[test]
fn deep_and_large_files_do_not_crash_or_hang() {
    let deep_json = "[".repeat(200_000) + &"]".repeat(200_000);
    let deep_yaml = "a: ".to_string() + &"[".repeat(200_000) + &"]".repeat(200_000);
    let mut bomb =
        String::from("a0: &a0 [最佳, 最佳, 最佳, 最佳, 最佳, 最佳, 最佳, 最佳, 最佳, 最佳]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let mut many = String::from("[");
    for i in 0..3000 {
        if i > 0 {
            many.push(',');
        }
        many.push_str(&format!(
            "{{\"id\": {i}, \"channel\": \"wechat_group\", \"copy\": {{\"title\": \"第{i}期 会员日\"}}}}"
        ));
    }
    many.push_str(",{\"copy\": {\"title\": \"全网最低价\"}}]");
    let dir = files(&[
        ("deep.json", deep_json.as_bytes()),
        ("deep.yaml", deep_yaml.as_bytes()),
        ("bomb.yaml", bomb.as_bytes()),
        ("many.json", many.as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let doc = run.json();
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["field"], "copy.title");
}

#[test]
fn users_write_config_rules_for_their_own_exports() {
    let pack = r#"pack: shop-export
name: 订单导出检查
rules:
  - id: EX001
    name: 单笔赠品价值过高
    kind: config
    severity: warning
    message: 赠品价值 {matched} 元超过公司上限
    help: 赠品价值控制在500元以内
    law: 公司制度《赠品管理办法》
    when:
      - {path: meta.kind, equals: order_export}
    forbid:
      - {path: "orders[*].gift.value", gt: 500}
    examples:
      bad:
        - |
          meta: {kind: order_export}
          orders: [{gift: {value: 900}}]
      good:
        - |
          meta: {kind: order_export}
          orders: [{gift: {value: 90}}]
"#;
    let export = "[meta]\nkind = \"order_export\"\n\n[[orders]]\ngift = { value = 90 }\n\n[[orders]]\ngift = { value = 1200 }\n";
    let dir = files(&[
        ("packs/shop.yaml", pack.as_bytes()),
        ("export.toml", export.as_bytes()),
    ]);
    let run = hegui(
        dir.path(),
        &[
            "check",
            "export.toml",
            "--pack-dir",
            "packs",
            "--pack",
            "shop-export",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["line"], 8);
    assert_eq!(findings[0]["field"], "orders[1].gift.value");
    assert_eq!(findings[0]["message"], "赠品价值 1200 元超过公司上限");

    // A broken condition names its line and column in the pack.
    let broken = pack.replace("orders[*].gift.value", "orders[*.gift.value");
    let dir = files(&[("packs/shop.yaml", broken.as_bytes())]);
    let run = hegui(dir.path(), &["rules", "--pack-dir", "packs"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("shop.yaml:14:"), "{}", run.stderr);
    assert!(run.stderr.contains("`[` without `]`"), "{}", run.stderr);
}
