//! Baselines: record today's findings so that only new ones are reported. A finding is known by
//! its fingerprint — rule, path, the normalized matched text and the normalized text of its line
//! — never by its line number, so it survives edits above it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Finding;
use crate::normalize::{NormOptions, Normalized};
use crate::source;

/// The baseline format written: 2 hashes at most [`CONTEXT`] characters either side.
const VERSION: u32 = 2;

/// How many characters of its line either side of a finding go into its fingerprint.
const CONTEXT: usize = 100;

/// The fingerprint of a finding in `text`, the file it was found in.
pub fn fingerprint(f: &Finding, text: &str) -> String {
    let start = f.byte_start.min(text.len());
    let end = f.byte_end.clamp(start, text.len());
    // Its line, at most CONTEXT characters either side: in a one-line export, hashing the
    // whole line for every finding took minutes, and text far away would change the hash.
    let line = source::line_around(text, start..end, CONTEXT);
    let norm = |s: &str| Normalized::text_of(s, NormOptions::ALL);
    let mut hash = Sha256::new();
    for part in [
        &*f.rule,
        &*f.path,
        &norm(&f.matched),
        &norm(text.get(line).unwrap_or_default()),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    /// For people reading the file; not compared.
    #[serde(default)]
    matched: String,
}

/// Findings already accepted: how many of each fingerprint.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: HashMap<String, usize>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let file: BaselineFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a hegui baseline: {e}", path.display()))?;
        match file.version {
            VERSION => {}
            // Version 1 hashed whole lines; lines of copy are mostly shorter than the context
            // now hashed, so its fingerprints still hold there.
            1 => eprintln!(
                "hegui: {} is a version 1 baseline: a finding on a line longer than {} \
                 characters may be reported as new; write it again with --write-baseline",
                path.display(),
                2 * CONTEXT
            ),
            v => {
                return Err(format!(
                    "{}: baseline version {v} is newer than this hegui reads ({VERSION})",
                    path.display()
                ))
            }
        }
        let mut counts = HashMap::new();
        for e in file.findings {
            *counts.entry(e.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { counts })
    }

    /// Whether the finding is in the baseline; each recorded finding covers one current one.
    pub fn take(&mut self, fingerprint: &str) -> bool {
        match self.counts.get_mut(fingerprint) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Writes every finding to a baseline file.
pub fn write<'a>(
    path: &Path,
    findings: impl Iterator<Item = &'a Finding>,
) -> Result<usize, String> {
    let file = BaselineFile {
        version: VERSION,
        findings: findings
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.to_string(),
                path: f.path.to_string(),
                matched: f.matched.clone(),
            })
            .collect(),
    };
    let n = file.findings.len();
    let json = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    std::fs::write(path, json + "\n")
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))?;
    Ok(n)
}
