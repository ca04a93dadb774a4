//! From the paths on the command line to a sorted, de-duplicated list of inputs.

use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

use crate::diagnostic::InputError;
use crate::extract::FileKind;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Standard input, shown under this name.
    Stdin(String),
    /// A file: (name shown in output, path to read, named explicitly on the command line).
    File(String, PathBuf, bool),
}

impl Input {
    pub fn display(&self) -> &str {
        match self {
            Input::Stdin(name) | Input::File(name, _, _) => name,
        }
    }
}

/// Directories never worth walking into.
fn skipped_dir(entry: &DirEntry) -> bool {
    if entry.depth() == 0 || !entry.file_type().is_dir() {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    name.starts_with('.') || name == "target" || name == "node_modules"
}

fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Expands directories (files with a known extension only) and keeps named files as they are.
pub fn collect_inputs(paths: &[PathBuf], stdin_name: &str) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin(stdin_name.to_string()));
            continue;
        }
        if !path.is_dir() {
            if path.exists() {
                inputs.push(Input::File(display_path(path), path.clone(), true));
            } else {
                errors.push(InputError::new(
                    display_path(path),
                    "no such file or directory".to_string(),
                ));
            }
            continue;
        }
        for entry in WalkDir::new(path)
            .into_iter()
            .filter_entry(|e| !skipped_dir(e))
        {
            match entry {
                Ok(e) if e.file_type().is_file() && FileKind::from_path(e.path()).is_some() => {
                    inputs.push(Input::File(display_path(e.path()), e.into_path(), false));
                }
                Ok(_) => {}
                Err(err) => errors.push(InputError::new(
                    err.path().map_or_else(|| display_path(path), display_path),
                    err.to_string(),
                )),
            }
        }
    }
    inputs.sort();
    inputs.dedup_by(|a, b| a.display() == b.display());
    (inputs, errors)
}
