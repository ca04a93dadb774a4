//! Baselines: record today's findings so that only new ones are reported. A finding is known by
//! its fingerprint — rule, path, the normalized matched text and the normalized text of its line
//! — never by its line number, so it survives edits above it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Finding;
use crate::normalize::{NormOptions, Normalized};

/// The fingerprint of a finding in `text`, the file it was found in.
pub fn fingerprint(f: &Finding, text: &str) -> String {
    let start = f.byte_start.min(text.len());
    let end = f.byte_end.clamp(start, text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let norm = |s: &str| Normalized::text_of(s, NormOptions::ALL);
    let mut hash = Sha256::new();
    for part in [
        &*f.rule,
        &*f.path,
        &norm(&f.matched),
        &norm(text.get(line_start..line_end).unwrap_or_default()),
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
        version: 1,
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
