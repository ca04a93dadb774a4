//! A progress bar on stderr for long runs: files, bytes and findings. Shown only when stderr is
//! a terminal, the output is for people, and the run has lasted more than a second.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::walk::Input;

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
    bytes: AtomicU64,
    findings: AtomicU64,
}

impl Progress {
    pub fn new(enabled: bool, files: usize) -> Progress {
        let bar = enabled.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {pos}/{len} 个文件 {msg} [{elapsed_precise}] {wide_bar}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            bytes: AtomicU64::new(0),
            findings: AtomicU64::new(0),
        }
    }

    /// One input done. Its size is looked up only when the bar is on.
    pub fn file_done(&self, input: &Input, findings: usize) {
        let Some(bar) = &self.bar else { return };
        let bytes = match input {
            Input::File(_, file, _) => std::fs::metadata(file).map_or(0, |m| m.len()),
            Input::Stdin(_) => 0,
        };
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let found = self.findings.fetch_add(findings as u64, Ordering::Relaxed) + findings as u64;
        if self.started.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_message(format!("{} MB，{found} 处问题", total / 1_000_000));
        bar.inc(1);
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
