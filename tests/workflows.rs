//! CI and audit workflows end to end: hegui.yaml, suppressions, baselines, SARIF and GitHub
//! annotations, archives and encodings.

mod common;

use std::path::PathBuf;

use common::{files, hegui, Run};
use serde_json::Value;

/// The SARIF 2.1.0 schema, as shipped inside the `serde-sarif` crate (a dev-dependency kept for
/// this file), found in Cargo's registry sources.
fn sarif_schema() -> Value {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).expect("registry sources");
    let schema = registries
        .filter_map(Result::ok)
        .flat_map(|r| {
            std::fs::read_dir(r.path())
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
        })
        .map(|c| c.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("serde-sarif-"))
        })
        .map(|p| p.join("src/schema.json"))
        .find(|p| p.is_file())
        .expect("serde-sarif's schema.json (cargo fetches dev-dependencies before tests)");
    serde_json::from_str(&std::fs::read_to_string(&schema).expect("schema file")).expect("schema")
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let dir = files(&[
        ("copy/a.txt", "第一行\n国家级工艺，全网最低价\n".as_bytes()),
        (
            "campaigns/lottery.yaml",
            b"type: lottery\nlottery:\n  prizes:\n    - {name: car, value: 120000}\n",
        ),
        ("broken.yaml", b"a: [1,\n"),
        ("hegui.yaml", b""),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif: Value = run.json();
    // The official schema writes one `pattern` (run.language) that only ECMAScript regex
    // accepts (a bare `]`); it is escaped here so a Rust regex engine can compile it.
    let schema_text = sarif_schema()
        .to_string()
        .replace(r#"[a-zA-Z]{2}]?$"#, r#"[a-zA-Z]{2}\\]?$"#);
    let schema: Value = serde_json::from_str(&schema_text).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "SARIF is not valid: {errors:#?}");
    // The validator does reject what the schema forbids.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));

    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules
        .iter()
        .any(|r| r["id"] == "AD001" && r["help"]["text"].as_str().is_some()));
    let results = run0["results"].as_array().expect("results");
    let ad001 = results
        .iter()
        .find(|r| r["ruleId"] == "AD001")
        .expect("AD001 result");
    let region = &ad001["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 1);
    assert_eq!(region["endColumn"], 4);
    assert_eq!(ad001["level"], "error");
    let index = ad001["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[index]["id"], "AD001");
    // The broken file is a notification, not a silent skip.
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert!(notes.iter().any(
        |n| n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.yaml"
    ));
}

#[test]
fn github_annotations_name_the_line_and_escape_their_text() {
    let dir = files(&[(
        "a b/文案.md",
        "# 标题\n\n国家级配方，100%纯天然\n".as_bytes(),
    )]);
    let run = hegui(dir.path(), &["check", ".", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("AD001"))
        .expect("an AD001 annotation");
    assert!(
        line.starts_with(
            "::error file=a b/文案.md,line=3,col=1,endLine=3,endColumn=4,title=AD001 "
        ),
        "{line}"
    );
    assert!(!run
        .stdout
        .lines()
        .any(|l| l.starts_with("::") && l.contains('\r')));
}

#[test]
fn an_allowed_phrase_is_not_reported_from_any_subfolder() {
    let dir = files(&[
        ("hegui.yaml", "allow:\n  - 顶级厨房\n".as_bytes()),
        ("a/b/c/copy.txt", "顶级厨房牌新品刀具\n".as_bytes()),
        ("copy.txt", "顶级厨房牌炒锅\n".as_bytes()),
        ("a/other.txt", "国家级工艺\n".as_bytes()),
    ]);
    for (cwd, target) in [(".", "."), ("a", "."), ("a/b/c", "copy.txt"), ("a/b", "c")] {
        let run = hegui(
            &dir.path().join(cwd),
            &["check", target, "--format", "json"],
        );
        let findings = run.findings();
        assert!(
            findings
                .iter()
                .all(|f| f["path"].as_str().is_some_and(|p| p.ends_with("other.txt"))),
            "from {cwd}: {findings:#?}"
        );
    }
    // The same phrase is reported without the config.
    let run = hegui(
        &dir.path().join("a/b/c"),
        &["check", ".", "--isolated", "--format", "json"],
    );
    assert_eq!(run.findings().len(), 1);
}

#[test]
fn config_sets_severity_turns_rules_off_excludes_and_fails_on() {
    let config =
        "rules:\n  AD002: warning\n  AD005: off\nexclude: ['drafts/**']\nfail_on: warning\n";
    let dir = files(&[
        ("hegui.yaml", config.as_bytes()),
        ("copy.txt", "顶级工艺，最好用\n".as_bytes()),
        ("drafts/x.txt", "国家级\n".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "AD002");
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(run.code, 1, "fail_on: warning makes a warning fail the run");
    let run = hegui(
        dir.path(),
        &["check", ".", "--fail-on", "error", "--format", "json"],
    );
    assert_eq!(run.code, 0, "the command line wins over the config");
}

#[test]
fn an_unknown_config_key_is_an_error_with_line_and_column() {
    let dir = files(&[
        ("hegui.yaml", "allow: [x]\nfail-on: error\n".as_bytes()),
        ("copy.txt", "国家级\n".as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("hegui.yaml:2:1"), "{}", run.stderr);
    assert!(run.stderr.contains("fail-on"), "{}", run.stderr);
    let dir = files(&[
        ("hegui.yaml", "rules:\n  AD999: off\n".as_bytes()),
        ("c.txt", b"x"),
    ]);
    let run = hegui(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("AD999"), "{}", run.stderr);
}

#[test]
fn a_suppression_with_a_reason_works_and_one_without_does_not() {
    let md = "<!-- hegui-disable-next-line AD001 -- 已获国家级非遗认定，证书编号123 -->\n\
              国家级工艺\n\
              <!-- hegui-disable-next-line AD001 -->\n\
              国家级工艺\n\
              <!-- hegui-disable-next-line AD002 -- 旧理由 -->\n\
              普通文案\n";
    let yaml =
        "copy:\n  sms: 国家级配方 # hegui-disable-line AD001 -- 法务已核实\n  app: 国家级配方\n";
    let text = "hegui-disable-next-line -- 引用的法规原文\n最佳\n最佳\n";
    let dir = files(&[
        ("a.md", md.as_bytes()),
        ("c.yaml", yaml.as_bytes()),
        ("t.txt", text.as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let findings = run.findings();
    let at = |path: &str| -> Vec<(String, u64)> {
        findings
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(
        at("a.md"),
        vec![
            ("HG001".into(), 3),
            ("AD001".into(), 4),
            ("HG002".into(), 5)
        ]
    );
    assert_eq!(at("c.yaml"), vec![("AD001".into(), 3)]);
    assert_eq!(at("t.txt"), vec![("AD002".into(), 3)]);
    assert_eq!(run.json()["summary"]["suppressed"], 3);
    let hg001 = findings
        .iter()
        .find(|f| f["rule"] == "HG001")
        .expect("HG001");
    assert_eq!(hg001["severity"], "warning");
    assert_eq!(
        findings
            .iter()
            .find(|f| f["rule"] == "HG002")
            .expect("HG002")["severity"],
        "info"
    );
}

#[test]
fn a_baseline_reports_only_the_new_finding_after_edits_above() {
    let dir = files(&[("copy.txt", "春季上新\n国家级工艺\n".as_bytes())]);
    let run = hegui(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A line added above the old finding, and one new violation.
    std::fs::write(
        dir.path().join("copy.txt"),
        "新增的开场白\n春季上新\n国家级工艺\n全网最低价\n",
    )
    .expect("edit");
    let run = hegui(
        dir.path(),
        &[
            "check",
            "copy.txt",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "AD003");
    assert_eq!(findings[0]["line"], 4);
    assert_eq!(run.json()["summary"]["baselined"], 1);
    assert_eq!(run.code, 1);
    // Fingerprints do not carry line numbers: the old finding kept its fingerprint.
    let all = hegui(dir.path(), &["check", "copy.txt", "--format", "json"]).findings();
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("baseline.json")).expect("baseline"),
    )
    .expect("json");
    assert_eq!(
        all[0]["fingerprint"],
        baseline["findings"][0]["fingerprint"]
    );
}

#[test]
fn in_a_long_line_only_nearby_text_is_part_of_a_fingerprint() {
    let filler = "春季新品上市，欢迎选购。".repeat(20);
    let line = |far: &str, near: &str| format!("{far}{filler}{near}国家级工艺{filler}\n");
    let dir = files(&[("export.txt", line("旧开头", "精选").as_bytes())]);
    let run = hegui(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let check = || {
        hegui(
            dir.path(),
            &["check", "export.txt", "--baseline", "baseline.json"],
        )
        .code
    };
    // Text 240 characters away changed: still the known finding.
    std::fs::write(dir.path().join("export.txt"), line("新开头", "精选")).expect("edit");
    assert_eq!(check(), 0);
    // The words beside it changed: a new finding.
    std::fs::write(dir.path().join("export.txt"), line("新开头", "特选")).expect("edit");
    assert_eq!(check(), 1);
    // A baseline from before (version 1 hashed whole lines) is read with a warning; one from a
    // later hegui is refused.
    let path = dir.path().join("baseline.json");
    let written = std::fs::read_to_string(&path).expect("baseline");
    assert!(written.contains("\"version\": 2"), "{written}");
    std::fs::write(&path, written.replace("\"version\": 2", "\"version\": 1")).expect("edit");
    let run = hegui(dir.path(), &["check", ".", "--baseline", "baseline.json"]);
    assert!(run.stderr.contains("version 1 baseline"), "{}", run.stderr);
    std::fs::write(&path, written.replace("\"version\": 2", "\"version\": 9")).expect("edit");
    let run = hegui(dir.path(), &["check", ".", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("newer"), "{}", run.stderr);
}

#[test]
fn gb18030_and_utf16_files_are_decoded_and_located() {
    let text = "第一行\n今天最佳口感\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let dir = files(&[
        ("gb.txt", &gb),
        ("u16.txt", &utf16),
        ("latin.txt", b"caf\xe9 cr\xe8me br\xfbl\xe9e, tr\xe8s bon"),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let json = run.json();
    let findings = run.findings();
    let gbf = findings
        .iter()
        .find(|f| f["path"] == "gb.txt")
        .expect("gb finding");
    assert_eq!(
        (gbf["line"].as_u64(), gbf["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(gbf["matched"], "最佳");
    // Offsets into the file's own bytes: two bytes a character, plus the newline.
    assert_eq!(gbf["byte_start"], 3 * 2 + 1 + 2 * 2);
    assert_eq!(gbf["byte_end"], 3 * 2 + 1 + 4 * 2);
    let u = findings
        .iter()
        .find(|f| f["path"] == "u16.txt")
        .expect("utf-16 finding");
    assert_eq!(
        (u["line"].as_u64(), u["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(u["byte_start"], 2 + (3 + 1 + 2) * 2);
    // Not Chinese and not UTF-8: reported, not guessed.
    let errors = json["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["path"] == "latin.txt"),
        "{errors:#?}"
    );
}

#[test]
fn csv_and_jsonl_exports_are_checked_record_by_record() {
    let csv = "id,date,content\n1,2025-01-01,\"第一行\n第二行 国家级 \"\"好\"\"\"\n2,2025-01-02,普通文案\n3,2025-01-03,最佳选择\n";
    let jsonl = "{\"id\":1,\"text\":\"普通\"}\n{\"id\":2,\"text\":\"这是\\\"全网最低价\\\"\"}\nnot json\n{\"id\":3,\"body\":\"国家级\"}\n";
    let tsv = "id\tcontent\n1\t顶级面料\n";
    let dir = files(&[
        ("e.csv", csv.as_bytes()),
        ("e.jsonl", jsonl.as_bytes()),
        ("e.tsv", tsv.as_bytes()),
    ]);
    let run = hegui(dir.path(), &["check", ".", "--format", "json"]);
    let findings = run.findings();
    let find = |path: &str, rule: &str| -> &Value {
        findings
            .iter()
            .find(|f| f["path"] == path && f["rule"] == rule)
            .unwrap_or_else(|| panic!("{path} {rule} in {findings:#?}"))
    };
    for (path, rule, matched, line, column, field, text) in [
        ("e.csv", "AD001", "国家级", 3, 5, "content", csv),
        ("e.csv", "AD002", "最佳", 5, 14, "content", csv),
        ("e.jsonl", "AD003", "全网最低价", 2, 21, "text", jsonl),
        ("e.jsonl", "AD001", "国家级", 4, 17, "body", jsonl),
        ("e.tsv", "AD005", "顶级", 2, 3, "content", tsv),
    ] {
        let f = find(path, rule);
        assert_eq!(f["matched"], matched);
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{path} {rule}"
        );
        assert_eq!(f["field"], field);
        let start = f["byte_start"].as_u64().expect("byte") as usize;
        let end = f["byte_end"].as_u64().expect("byte") as usize;
        assert_eq!(&text[start..end], matched, "{path} {rule}");
    }
    // The broken JSON line is an error with its line; the lines after it were still checked.
    let errors = run.json()["errors"].as_array().expect("errors").clone();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "e.jsonl" && e["line"] == 3),
        "{errors:#?}"
    );
}

#[test]
fn a_jsonl_archive_larger_than_a_batch_keeps_every_record_in_order() {
    // About 6 MB: more than one batch of records checked by the threads at once.
    let mut jsonl = String::new();
    let mut expected_lines = Vec::new();
    for i in 1..=60_000usize {
        if i == 45_000 {
            jsonl.push_str("{\"text\": \n");
        } else if i % 1_000 == 0 {
            jsonl.push_str(&format!(
                "{{\"id\":{i},\"text\":\"第{i}条：全网最低价，欢迎选购\"}}\n"
            ));
            expected_lines.push(i as u64);
        } else {
            jsonl.push_str(&format!(
                "{{\"id\":{i},\"text\":\"普通的一条消息，内容没有问题，只是为了让文件更大一些。\"}}\n"
            ));
        }
    }
    let dir = files(&[("big.jsonl", jsonl.as_bytes())]);
    let runs: Vec<Run> = ["1", "2"]
        .iter()
        .map(|threads| {
            hegui(
                dir.path(),
                &[
                    "check",
                    "big.jsonl",
                    "--format",
                    "json",
                    "--threads",
                    threads,
                ],
            )
        })
        .collect();
    let findings = runs[0].findings();
    let lines: Vec<u64> = findings
        .iter()
        .filter(|f| f["rule"] == "AD003")
        .map(|f| f["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, expected_lines);
    for f in findings.iter().filter(|f| f["rule"] == "AD003") {
        let start = f["byte_start"].as_u64().expect("byte") as usize;
        let end = f["byte_end"].as_u64().expect("byte") as usize;
        assert_eq!(&jsonl[start..end], "全网最低价");
    }
    let errors = runs[0].json()["errors"].clone();
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{errors:#?}");
    assert_eq!(errors[0]["line"], 45_000);
    assert_eq!(runs[0].stdout, runs[1].stdout);
}

/// An archive's findings are written batch by batch as they are checked: among other files,
/// in input order, counted in the summary, and filtered by a baseline like any others (the
/// baseline file itself, lying in the checked directory, is not checked).
#[test]
fn streamed_archives_keep_input_order_counts_and_baselines() {
    let mut jsonl = String::new();
    for i in 1..=50_000usize {
        let text = if i % 5_000 == 0 {
            "国家级好物"
        } else {
            "一条普通的消息，内容没有问题，只是凑够一批的长度。"
        };
        jsonl.push_str(&format!("{{\"id\":{i},\"text\":\"{text}\"}}\n"));
    }
    let dir = files(&[
        ("a.txt", "全网最低价".as_bytes()),
        ("b.jsonl", jsonl.as_bytes()),
        ("c.txt", "史上最强".as_bytes()),
    ]);
    let run = hegui(
        dir.path(),
        &["check", ".", "--format", "json", "--threads", "2"],
    );
    let findings = run.findings();
    let paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    let archive = paths.iter().filter(|p| p.ends_with("b.jsonl")).count();
    assert_eq!(archive, 10, "{paths:?}");
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "findings come in input order");
    assert!(paths.first().is_some_and(|p| p.ends_with("a.txt")));
    assert!(paths.last().is_some_and(|p| p.ends_with("c.txt")));
    let summary = &run.json()["summary"];
    assert_eq!(summary["findings"], findings.len());
    assert_eq!(summary["files"], 3);

    let lines = hegui(dir.path(), &["check", ".", "--format", "jsonl"]);
    let kinds: Vec<String> = lines
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["type"].to_string()
        })
        .collect();
    assert_eq!(kinds.len(), findings.len() + 1);
    assert_eq!(kinds.last().map(String::as_str), Some("\"summary\""));

    let written = hegui(dir.path(), &["check", ".", "--write-baseline", "base.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let known = hegui(
        dir.path(),
        &["check", ".", "--format", "json", "--baseline", "base.json"],
    );
    assert_eq!(known.code, 0, "{}", known.stderr);
    assert!(known.findings().is_empty());
    assert_eq!(known.json()["summary"]["baselined"], findings.len());
}
