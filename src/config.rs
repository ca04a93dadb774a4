//! The project's `hegui.yaml`: which packs, rule severities, phrases never reported, files left
//! out, and when the run fails. Found from each checked path upward (the nearest wins), named
//! with `--config`, or ignored with `--isolated`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::cli::FailOn;
use crate::rules::{loc_of, parse_yaml, Loc, PackError, PackSource, RuleSet, Severity};

/// The file names looked for, nearest directory first.
pub const CONFIG_NAMES: &[&str] = &["hegui.yaml", ".hegui.yaml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Enabled packs (ids); all when absent.
    #[serde(default)]
    packs: Option<Vec<Spanned<String>>>,
    /// Directories of the team's own packs, relative to the config file.
    #[serde(default)]
    pack_dirs: Vec<String>,
    /// Per rule: a severity, or `off`.
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RuleSetting>>,
    /// Phrases never reported: brand names, official titles, verified claims.
    #[serde(default)]
    allow: Vec<String>,
    /// Globs, relative to the config file, of files not to check when walking directories.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Error,
    Warning,
    Info,
}

/// A loaded `hegui.yaml`.
#[derive(Debug)]
pub struct Config {
    /// The directory that relative paths and globs start from (absolute).
    dir: PathBuf,
    pub packs: Option<Vec<String>>,
    pub pack_dirs: Vec<PathBuf>,
    pub allow: Vec<String>,
    pub fail_on: Option<FailOn>,
    rules: Vec<(String, RuleSetting, Loc)>,
    exclude: GlobSet,
    source: PackSource,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, Box<PackError>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            PackError::plain(
                path.display().to_string(),
                format!("cannot read config: {e}"),
            )
        })?;
        let source = PackSource {
            name: path.display().to_string(),
            text,
            builtin: false,
            examples: crate::rules::Examples::Keep,
        };
        let file: ConfigFile = if source.text.trim().is_empty() {
            ConfigFile::default()
        } else {
            parse_yaml(&source, 0)?
        };
        let dir = absolute(path.parent().unwrap_or(Path::new(".")));
        let mut globs = GlobSetBuilder::new();
        for pattern in &file.exclude {
            let glob = Glob::new(&pattern.value).map_err(|e| {
                PackError::at(
                    &source,
                    Some(loc_of(0, pattern)),
                    format!("bad exclude glob: {e}"),
                )
            })?;
            globs.add(glob);
        }
        let exclude = globs
            .build()
            .map_err(|e| PackError::at(&source, None, format!("bad exclude globs: {e}")))?;
        let rules = file
            .rules
            .into_iter()
            .map(|(id, s)| (id, s.value, loc_of(0, &s)))
            .collect();
        Ok(Config {
            packs: file
                .packs
                .map(|list| list.into_iter().map(|p| p.value).collect()),
            pack_dirs: file.pack_dirs.iter().map(|d| dir.join(d)).collect(),
            allow: file.allow,
            fail_on: file.fail_on,
            dir,
            rules,
            exclude,
            source,
        })
    }

    /// Whether a file found by walking is left out (globs match the path relative to the
    /// config's directory, or the file name alone).
    pub fn excludes(&self, file: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let file_abs = absolute(file);
        let relative = file_abs.strip_prefix(&self.dir).unwrap_or(&file_abs);
        self.exclude.is_match(relative)
            || file
                .file_name()
                .is_some_and(|name| self.exclude.is_match(Path::new(name)))
    }

    /// Severities, rules turned off and the allow list, applied to a loaded rule set.
    pub fn apply(&self, set: &mut RuleSet) -> Result<(), Box<PackError>> {
        for (id, _, loc) in &self.rules {
            if set.rule(id).is_none() {
                return Err(PackError::at(
                    &self.source,
                    Some(*loc),
                    format!("unknown rule `{id}` (see `hegui rules`)"),
                ));
            }
        }
        set.rules.retain(|r| {
            !self
                .rules
                .iter()
                .any(|(id, s, _)| *s == RuleSetting::Off && r.id.eq_ignore_ascii_case(id))
        });
        for rule in &mut set.rules {
            if let Some((_, setting, _)) = self
                .rules
                .iter()
                .find(|(id, _, _)| rule.id.eq_ignore_ascii_case(id))
            {
                rule.severity = match setting {
                    RuleSetting::Error => Severity::Error,
                    RuleSetting::Warning => Severity::Warning,
                    RuleSetting::Info | RuleSetting::Off => Severity::Info,
                };
            }
            // An allowed phrase exempts every match it contains, like a rule's own exceptions.
            rule.exceptions.extend(self.allow.iter().cloned());
        }
        Ok(())
    }

    /// An error about the config file itself (an unknown pack id), located when possible.
    pub fn error(&self, message: String) -> Box<PackError> {
        PackError::at(&self.source, None, message)
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Finds the nearest config file for each directory, remembering what it saw.
#[derive(Debug, Default)]
pub struct Discovery {
    seen: HashMap<PathBuf, Option<PathBuf>>,
}

impl Discovery {
    /// The nearest config to the current directory (for what is not a file: stdin, the run).
    pub fn for_cwd(&mut self) -> Option<PathBuf> {
        self.for_dir(&absolute(Path::new(".")))
    }

    /// The config that governs `file`: the nearest `hegui.yaml` in its directory or above.
    pub fn for_file(&mut self, file: &Path) -> Option<PathBuf> {
        let start = absolute(file);
        let dir = if start.is_dir() {
            start
        } else {
            start.parent().map(Path::to_path_buf)?
        };
        self.for_dir(&dir)
    }

    /// The nearest config in `dir` (absolute) or above.
    pub fn for_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.seen.get(dir) {
            return found.clone();
        }
        let here = CONFIG_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file());
        let found = match here {
            Some(p) => Some(p),
            None => dir.parent().and_then(|parent| self.for_dir(parent)),
        };
        self.seen.insert(dir.to_path_buf(), found.clone());
        found
    }
}
