//! Works out, once, the parts, anchors and longest match of every pattern in the built-in packs, so
//! that a check does not parse them at start-up (see `src/anchors.rs`). Patterns are found by
//! their key, wherever they are in a pack: a rule's, a trigger's, a requirement's, an
//! exemption's, with the pack's word lists put in.

#[allow(dead_code)]
#[path = "src/normalize.rs"]
mod normalize;

#[allow(dead_code)]
#[path = "src/anchors.rs"]
mod anchors;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

fn main() {
    println!("cargo::rerun-if-changed=rules");
    let mut packs: Vec<PathBuf> = std::fs::read_dir("rules")
        .expect("the rules/ directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    packs.sort();
    let mut prepared = BTreeMap::new();
    for path in &packs {
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(path).expect("a readable pack");
        // A pack or pattern that does not parse is left out here and reported, with its line
        // and column, when hegui loads it.
        let Ok(pack) = serde_saphyr::from_str::<Value>(&text) else {
            continue;
        };
        let words = anchors::WordGroups::of(
            pack.get("words")
                .and_then(|w| serde_json::from_value(w.clone()).ok())
                .unwrap_or_default(),
        );
        patterns_in(&pack, &mut |pattern| {
            let Ok(pattern) = anchors::expand_words(pattern, &words) else {
                return;
            };
            if let Ok(parts) = anchors::parts_of(&pattern) {
                prepared.insert(pattern.into_owned(), parts);
            }
        });
    }
    let mut out = String::from("&[\n");
    for (pattern, parts) in &prepared {
        let _ = writeln!(out, "    ({pattern:?}, &[");
        for part in parts {
            let (literals, starts) = match &part.anchors {
                Some(a) => (a.literals.as_slice(), a.starts),
                None => (&[][..], false),
            };
            let _ = writeln!(
                out,
                "        ({:?}, &{literals:?}, {starts}, {:?}, &[{}]),",
                part.source,
                part.max_len,
                part.companions
                    .iter()
                    .map(|set| format!("&{set:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str("    ]),\n");
    }
    out.push(']');
    let target = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(target.join("prepared_patterns.rs"), out).expect("OUT_DIR is writable");
}

fn patterns_in(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value.as_str() {
                    Some(pattern) if key == "pattern" => found(pattern),
                    _ => patterns_in(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| patterns_in(item, found)),
        _ => {}
    }
}
