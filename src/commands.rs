//! The subcommands: each turns resolved arguments into output and an exit code.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Read, Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::archive::{self, Archive};
use crate::baseline::{self, Baseline};
use crate::cli::{CheckArgs, ColorChoice, ExplainArgs, FailOn, PackArgs, RulesArgs, TestRulesArgs};
use crate::config::{Config, Discovery};
use crate::engine::Engine;
use crate::extract::FileKind;
use crate::lint::{check_text, example_failures, ExampleFailure};
use crate::progress::Progress;
use crate::report::{FileOutcome, Format, HumanRenderer, Reporter, RuleInfo, Style};
use crate::rules::{load_rule_set, ExampleKind, Examples, PackError, RuleKind};
use crate::source::{self, Decoded, Lent, LineIndex, ReadError};
use crate::suppress;
use crate::walk::{collect_inputs, Input};

/// Process exit codes (PRODUCT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Error = 2,
}

/// A failure that ends the run with exit code 2, rendered by miette.
pub type Fatal = miette::Report;

/// Loads the packs and builds the engine; user packs' examples are checked too. A config
/// then picks packs, severities and allowed phrases.
pub fn load_engine(
    args: &PackArgs,
    config: Option<&Config>,
    examples: Examples,
) -> Result<Engine, Fatal> {
    let mut pack_dirs = args.pack_dirs.clone();
    if let Some(c) = config {
        pack_dirs.extend(c.pack_dirs.iter().cloned());
    }
    let mut set = load_rule_set(&pack_dirs, true, examples).map_err(|e| miette::Report::new(*e))?;
    let wanted = if args.packs.is_empty() {
        config.and_then(|c| c.packs.clone()).unwrap_or_default()
    } else {
        args.packs.clone()
    };
    for id in &wanted {
        if !set.packs.iter().any(|p| &p.id == id) {
            let known: Vec<&str> = set.packs.iter().map(|p| p.id.as_str()).collect();
            let message = format!("unknown pack `{id}`; known packs: {}", known.join(", "));
            return Err(match config.filter(|_| args.packs.is_empty()) {
                Some(c) => miette::Report::new(*c.error(message)),
                None => miette::miette!("{message}"),
            });
        }
    }
    set.retain_packs(&wanted);
    // User packs' examples are checked as written, before the config changes severities and
    // allows phrases; the built-in ones are checked by the test suite.
    if set.sources.iter().any(|s| !s.builtin) {
        let engine = Engine::new(set);
        if let Some(failure) = example_failures(&engine, true).first() {
            return Err(miette::Report::new(*example_error(&engine, failure)));
        }
        set = engine.into_rules();
    }
    if let Some(c) = config {
        c.apply(&mut set).map_err(|e| miette::Report::new(*e))?;
    }
    Ok(Engine::new(set))
}

/// Every rule of every engine once, for SARIF's rule table.
fn rule_infos(engines: &[Engine]) -> Vec<RuleInfo> {
    let mut seen = std::collections::HashSet::new();
    let mut out = RuleInfo::meta_rules();
    for rule in engines.iter().flat_map(|e| e.rules().rules.iter()) {
        if seen.insert(rule.id.clone()) {
            out.push(RuleInfo {
                id: rule.id.to_string(),
                name: rule.name.to_string(),
                pack: rule.pack.to_string(),
                severity: rule.severity,
                message: rule.message.replace("{matched}", "…"),
                help: rule.help.to_string(),
                law: rule.law.to_string(),
            });
        }
    }
    out
}

/// Gives each input the engine of its config (the nearest hegui.yaml, `--config`, or none with
/// `--isolated`) and drops walked files that config excludes. Also returns the run's own config
/// (from `--config` or the current directory), whose `fail_on` applies.
#[allow(clippy::type_complexity)]
fn configure(
    args: &PackArgs,
    inputs: Vec<Input>,
) -> Result<(Vec<(Input, usize)>, Vec<Engine>, Option<Config>), Fatal> {
    let mut discovery = Discovery::default();
    let mut configs: Vec<Option<Config>> = Vec::new();
    let mut by_path: HashMap<Option<PathBuf>, usize> = HashMap::new();
    let mut config_of = |path: Option<PathBuf>| -> Result<usize, Fatal> {
        if let Some(&i) = by_path.get(&path) {
            return Ok(i);
        }
        let loaded = path
            .as_deref()
            .map(Config::load)
            .transpose()
            .map_err(|e| miette::Report::new(*e))?;
        configs.push(loaded);
        by_path.insert(path, configs.len() - 1);
        Ok(configs.len() - 1)
    };
    let mut assigned = Vec::with_capacity(inputs.len());
    for input in inputs {
        let path = match &input {
            Input::File(_, file, _) if !args.isolated && args.config.is_none() => {
                discovery.for_file(file)
            }
            _ => run_config_path(args, &mut discovery),
        };
        let index = config_of(path)?;
        assigned.push((input, index));
    }
    let run_index = config_of(run_config_path(args, &mut discovery))?;
    // Only configs that govern some input need an engine (plus the run's, for its errors).
    let mut engines = Vec::with_capacity(configs.len());
    for config in &configs {
        engines.push(load_engine(args, config.as_ref(), Examples::Skip)?);
    }
    let kept = assigned
        .into_iter()
        .filter(|(input, c)| match (input, &configs[*c]) {
            (Input::File(_, file, false), Some(config)) => !config.excludes(file),
            _ => true,
        })
        .collect();
    let run_config = configs.swap_remove(run_index);
    Ok((kept, engines, run_config))
}

/// The config of the run as a whole (and of stdin): `--config`, or the nearest to the current
/// directory, unless `--isolated`.
fn run_config_path(args: &PackArgs, discovery: &mut Discovery) -> Option<PathBuf> {
    if args.isolated {
        return None;
    }
    args.config.clone().or_else(|| discovery.for_cwd())
}

/// The run's config, for commands that do not walk files.
pub(crate) fn run_config(args: &PackArgs) -> Result<Option<Config>, Fatal> {
    run_config_path(args, &mut Discovery::default())
        .map(|p| Config::load(&p).map_err(|e| miette::Report::new(*e)))
        .transpose()
}

fn example_error(engine: &Engine, failure: &ExampleFailure) -> Box<PackError> {
    let set = engine.rules();
    let rule = &set.rules[failure.rule];
    let example = &rule.examples(failure.kind)[failure.example];
    let what = match failure.kind {
        ExampleKind::Bad => "this `bad` example does not fire the rule",
        ExampleKind::Good => "this `good` example fires the rule",
        ExampleKind::Exempt => "this `exempt` example does not fire the rule as `info`",
    };
    PackError::at(
        &set.sources[example.loc.source],
        Some(example.loc),
        format!("rule {}: {what}", rule.id),
    )
}

pub fn check(args: CheckArgs) -> Result<Exit, Fatal> {
    let (mut inputs, walk_errors) = collect_inputs(&args.paths, &args.stdin_filename);
    // A baseline kept beside the copy is hegui's own record, not copy: a walk skips it.
    let own: Vec<PathBuf> = [&args.baseline, &args.write_baseline]
        .into_iter()
        .flatten()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    if !own.is_empty() {
        inputs.retain(|input| match input {
            Input::File(_, path, false) => !own.iter().any(|o| {
                o.file_name() == path.file_name()
                    && std::fs::canonicalize(path).is_ok_and(|p| &p == o)
            }),
            _ => true,
        });
    }
    let (inputs, engines, run_config) = configure(&args.packs, inputs)?;
    let stdin_text = if inputs.iter().any(|(i, _)| matches!(i, Input::Stdin(_))) {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| miette::miette!("cannot read standard input: {e}"))?;
        Some(source::decode(bytes))
    } else {
        None
    };
    let keep_text = args.format == Format::Human;
    let progress = Progress::new(keep_text && io::stderr().is_terminal(), inputs.len());
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path).map_err(|e| miette::miette!("{e}"))?),
        None => None,
    };
    let style = match (&args.write_baseline, args.format) {
        (Some(_), _) => Style::Collect,
        (None, Format::Human) => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            Style::Human(Box::new(HumanRenderer::new(color, 100)))
        }
        (None, Format::Json) => Style::Json,
        (None, Format::Jsonl) => Style::Jsonl,
        (None, Format::Sarif) => Style::Sarif(rule_infos(&engines)),
        (None, Format::Github) => Style::Github,
    };
    let mut out = io::BufWriter::new(io::stdout());
    let mut reporter = Reporter::new(&mut out, style, args.summary, baseline, walk_errors);
    let run = Run {
        inputs: &inputs,
        engines: &engines,
        stdin_text: stdin_text.as_ref(),
        keep_text,
        progress: &progress,
    };
    // One small file (a draft, a campaign) is checked where the packs were just loaded: no
    // worker threads to start, and this thread has already folded the packs' characters.
    if single_small(&inputs, stdin_text.as_ref()) {
        run.report_to(&mut reporter);
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads.unwrap_or(0))
            .build()
            .map_err(|e| miette::miette!("cannot start worker threads: {e}"))?;
        pool.install(|| {
            rayon::scope(|scope| {
                // On two threads or more, an idle one builds the long texts' automaton while
                // the others read and normalize the first files (8% of a two-thread 64 MB run).
                if rayon::current_num_threads() > 1 && starts_long(&inputs) {
                    for engine in &engines {
                        scope.spawn(move |_| engine.prepare_for_long_texts());
                    }
                }
                run.report_to(&mut reporter)
            })
        });
    }
    progress.finish();
    let (totals, written) = reporter.finish();
    match written {
        Ok(()) => {}
        // A closed pipe (`hegui check | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(miette::miette!("cannot write output: {e}")),
    }
    if let Some(path) = &args.write_baseline {
        let n =
            baseline::write(path, totals.findings.iter()).map_err(|e| miette::miette!("{e}"))?;
        eprintln!(
            "hegui: wrote {n} findings to the baseline {}",
            path.display()
        );
        return Ok(Exit::Clean);
    }
    if totals.checked == 0 && totals.errors > 0 {
        return Ok(Exit::Error);
    }
    let fail_on = args
        .fail_on
        .or(run_config.and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Error);
    let failing = fail_on
        .threshold()
        .is_some_and(|t| totals.worst.is_some_and(|w| w >= t));
    // The process ends next: freeing the automata would only delay it (about a millisecond, a
    // tenth of a one-line check).
    std::mem::forget(engines);
    Ok(if failing { Exit::Findings } else { Exit::Clean })
}

/// What a check run reads, shared by the threads.
struct Run<'a> {
    inputs: &'a [(Input, usize)],
    engines: &'a [Engine],
    stdin_text: Option<&'a Result<Decoded, ReadError>>,
    keep_text: bool,
    progress: &'a Progress,
}

/// At most this many files are checked before their findings are written.
const GROUP: usize = 1024;

impl Run<'_> {
    /// Checks every input, in parallel where it pays, and reports them in input order. An
    /// archive is reported batch by batch as its records are checked; other files a group at
    /// a time.
    fn report_to(&self, reporter: &mut Reporter<'_>) {
        let streamed = |(input, _): &(Input, usize)| matches!(input, Input::File(_, path, _) if archive_of(path).is_some());
        let mut rest = self.inputs;
        while let Some(first) = rest.first() {
            let n = if streamed(first) {
                let mut count = 0;
                let outcome = self.check(first, &mut |batch| {
                    count += batch.len();
                    reporter.findings(None, batch);
                });
                self.progress.file_done(&first.0, count);
                if let Some(outcome) = outcome {
                    reporter.file(outcome);
                }
                1
            } else {
                let n = rest
                    .iter()
                    .take(GROUP)
                    .position(streamed)
                    .unwrap_or(rest.len().min(GROUP));
                // One file stays on this thread: outside a pool (one small input), `par_iter`
                // would start rayon's global one.
                let outcomes: Vec<Option<FileOutcome>> = if n == 1 {
                    vec![self.check_counted(first)]
                } else {
                    rest[..n]
                        .par_iter()
                        .map(|i| self.check_counted(i))
                        .collect()
                };
                outcomes
                    .into_iter()
                    .flatten()
                    .for_each(|o| reporter.file(o));
                n
            };
            rest = &rest[n..];
        }
    }

    fn check(
        &self,
        (input, engine): &(Input, usize),
        emit: &mut archive::Emit<'_>,
    ) -> Option<FileOutcome> {
        check_input(
            &self.engines[*engine],
            input,
            self.stdin_text,
            self.keep_text,
            emit,
        )
    }

    /// A file that is not streamed: its findings come in its outcome.
    fn check_counted(&self, item: &(Input, usize)) -> Option<FileOutcome> {
        let outcome = self.check(item, &mut |_| {});
        self.progress
            .file_done(&item.0, outcome.as_ref().map_or(0, |o| o.findings.len()));
        outcome
    }
}

/// Whether the run is one file small enough that splitting its work cannot pay off.
fn single_small(inputs: &[(Input, usize)], stdin: Option<&Result<Decoded, ReadError>>) -> bool {
    let [(input, _)] = inputs else {
        return false;
    };
    // Archives spread their records over the threads.
    match input {
        Input::File(_, path, _) => text_file_len(path).is_some_and(|len| len <= SMALL_FILE),
        Input::Stdin(name) => {
            archive_of(Path::new(name)).is_none()
                && stdin.is_some_and(|s| {
                    s.as_ref()
                        .map_or(true, |d| d.text.len() as u64 <= SMALL_FILE)
                })
        }
    }
}

/// Whether one of the first inputs is long enough for the automaton built for long texts. An
/// archive is not: its records are checked one by one, and are short (building the automaton
/// for a 1 GB JSONL export took its peak memory from 26 to 50 MB, for nothing).
fn starts_long(inputs: &[(Input, usize)]) -> bool {
    inputs.iter().take(64).any(|(input, _)| {
        matches!(input, Input::File(_, path, _)
            if text_file_len(path).is_some_and(|len| len >= crate::engine::LONG as u64))
    })
}

/// The size of a file checked as one text: none for an archive, whose records are checked one
/// by one, or for a file that cannot be read.
fn text_file_len(path: &Path) -> Option<u64> {
    if archive_of(path).is_some() {
        return None;
    }
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// Up to this size, a file is checked without starting worker threads.
const SMALL_FILE: u64 = 1 << 20;

/// Reads and checks one input. A binary file met while walking a directory is skipped. An
/// archive read from disk gives its findings to `emit` as they are found, not in the outcome.
fn check_input(
    engine: &Engine,
    input: &Input,
    stdin_text: Option<&Result<Decoded, ReadError>>,
    keep_text: bool,
    emit: &mut archive::Emit<'_>,
) -> Option<FileOutcome> {
    let path = input.display().to_string();
    let name = match input {
        Input::Stdin(name) => Path::new(name.as_str()),
        Input::File(_, file, _) => file.as_path(),
    };
    let archive = archive_of(name);
    if let (Some(archive), Input::File(_, file, _)) = (archive, input) {
        match stream_archive(engine, &path, file, archive, emit) {
            Ok(Some(outcome)) => return Some(outcome),
            Ok(None) => {} // not UTF-8: decoded whole below
            Err(e) => return Some(FileOutcome::failed(path, format!("cannot read: {e}"))),
        }
    }
    let checked = |lent: Lent<'_>| {
        let mut outcome = check_decoded(engine, &path, name, lent.text());
        // Offsets into the file's own bytes; people reading human output see lines and columns
        // of the decoded text, which the renderer needs its offsets for.
        if lent.encoding().is_some() && !keep_text {
            for f in &mut outcome.findings {
                f.byte_start = lent.original(f.byte_start);
                f.byte_end = lent.original(f.byte_end);
            }
        }
        if keep_text && archive.is_none() && outcome.error.is_none() {
            outcome.text = Some(Arc::from(lent.text()));
        }
        outcome
    };
    match input {
        Input::Stdin(_) => Some(match stdin_text {
            Some(Ok(decoded)) => checked(Lent::Decoded(decoded)),
            Some(Err(e)) => FileOutcome::failed(path.clone(), e.to_string()),
            None => FileOutcome::failed(path.clone(), "standard input was not read".to_string()),
        }),
        Input::File(_, file, explicit) => source::with_text(file, |read| match read {
            Ok(lent) => Some(checked(lent)),
            Err(ReadError::Binary) if !explicit => None,
            Err(e) => Some(FileOutcome::failed(path.clone(), e.to_string())),
        }),
    }
}

/// Checks a text held in memory (a draft sent to `hegui serve`), its file name deciding how
/// it is read: copy, a campaign file or an archive.
pub fn check_named_text(engine: &Engine, name: &str, text: &str) -> FileOutcome {
    check_decoded(engine, name, Path::new(name), text)
}

/// An archive (CSV, TSV, JSONL) by the file name's extension.
fn archive_of(name: &Path) -> Option<Archive> {
    name.extension()
        .and_then(|e| e.to_str())
        .and_then(|e| Archive::from_extension(&e.to_ascii_lowercase()))
}

/// Checks decoded text, read as its file `name` says: copy, a campaign file or an archive.
fn check_decoded(engine: &Engine, path: &str, name: &Path, text: &str) -> FileOutcome {
    let kind = FileKind::from_path(name).unwrap_or(FileKind::Text);
    let archive = archive_of(name);
    // One bad file must never stop an audit: a panic becomes an error entry for that file.
    let checked = catch_unwind(AssertUnwindSafe(|| match archive {
        Some(archive) => Ok(archive_in_memory(engine, path, text, archive)),
        None => check_text(engine, path, text, kind).map(|findings| {
            let mut outcome = FileOutcome::checked(path.to_string(), findings);
            outcome.suppressed = suppress::apply(&mut outcome.findings, text, kind, path);
            for f in &mut outcome.findings {
                f.fingerprint = baseline::fingerprint(f, text);
            }
            outcome
        }),
    }));
    match checked {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(unreadable)) => {
            let (line, column) = LineIndex::new(text).line_col(text, unreadable.byte);
            let mut outcome = FileOutcome::failed(path.to_string(), unreadable.message);
            if let Some(e) = outcome.error.as_mut() {
                (e.line, e.column) = (Some(line), Some(column));
            }
            outcome
        }
        Err(_) => FileOutcome::internal_error(path.to_string()),
    }
}

/// Streams a UTF-8 archive from disk, its findings to `emit`; `None` when it is not UTF-8
/// (decoded whole instead).
fn stream_archive(
    engine: &Engine,
    path: &str,
    file: &Path,
    archive: Archive,
    emit: &mut archive::Emit<'_>,
) -> io::Result<Option<FileOutcome>> {
    let mut reader = io::BufReader::with_capacity(1 << 16, File::open(file)?);
    let head = reader.fill_buf()?;
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut at the end of the buffer is fine.
        Err(e) => e.error_len().is_none(),
    };
    if !utf8 || head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Ok(None);
    }
    let mut again: Option<File> = None;
    let mut fetch = |range: std::ops::Range<u64>| -> io::Result<Vec<u8>> {
        let f = match &mut again {
            Some(f) => f,
            None => again.insert(File::open(file)?),
        };
        f.seek(io::SeekFrom::Start(range.start))?;
        let mut buf = vec![0; (range.end - range.start) as usize];
        f.read_exact(&mut buf)?;
        Ok(buf)
    };
    // A panic part way keeps what was already given out, and the archive becomes an error.
    let checked = catch_unwind(AssertUnwindSafe(|| {
        archive::check_archive(engine, path, archive, reader, &mut fetch, emit)
    }));
    Ok(Some(match checked {
        Ok(errors) => FileOutcome::archive(path.to_string(), Vec::new(), errors),
        Err(_) => FileOutcome::internal_error(path.to_string()),
    }))
}

fn archive_in_memory(engine: &Engine, path: &str, text: &str, archive: Archive) -> FileOutcome {
    let bytes = text.as_bytes();
    let mut fetch = |r: std::ops::Range<u64>| -> io::Result<Vec<u8>> {
        Ok(bytes[r.start as usize..r.end as usize].to_vec())
    };
    let mut findings = Vec::new();
    let errors = archive::check_archive(engine, path, archive, bytes, &mut fetch, &mut |batch| {
        findings.extend(batch)
    });
    FileOutcome::archive(path.to_string(), findings, errors)
}

pub fn rules(args: RulesArgs) -> Result<Exit, Fatal> {
    let engine = load_engine(
        &args.packs,
        run_config(&args.packs)?.as_ref(),
        Examples::Skip,
    )?;
    let mut out = io::stdout().lock();
    let result = if args.terms {
        engine
            .literal_terms()
            .iter()
            .try_for_each(|t| writeln!(out, "{t}"))
    } else {
        let set = engine.rules();
        let mut listing = format!(
            "{:<8} {:<12} {:<8} {:<9} 名称\n",
            "id", "pack", "severity", "kind"
        );
        for rule in &set.rules {
            listing.push_str(&format!(
                "{:<8} {:<12} {:<8} {:<9} {}\n",
                rule.id,
                rule.pack,
                rule.severity.as_str(),
                rule.kind.name(),
                rule.name
            ));
        }
        listing.push_str(&format!(
            "{} rules in {} packs\n",
            set.rules.len(),
            set.packs.len()
        ));
        out.write_all(listing.as_bytes())
    };
    ignore_broken_pipe(result)?;
    Ok(Exit::Clean)
}

fn ignore_broken_pipe(r: io::Result<()>) -> Result<(), Fatal> {
    match r {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write output: {e}"))
        }
        _ => Ok(()),
    }
}

pub fn explain(args: ExplainArgs) -> Result<Exit, Fatal> {
    let engine = load_engine(
        &args.packs,
        run_config(&args.packs)?.as_ref(),
        Examples::Keep,
    )?;
    let Some(rule) = engine.rules().rule(&args.rule) else {
        return Err(miette::miette!(
            help = "`hegui rules` lists every rule id",
            "no rule `{}`",
            args.rule
        ));
    };
    let mut s = String::new();
    let push = |s: &mut String, k: &str, v: &str| s.push_str(&format!("{k}：{v}\n"));
    s.push_str(&format!(
        "{} {}  [{} · {}]\n\n",
        rule.id, rule.name, rule.pack, rule.severity
    ));
    push(&mut s, "问题", &rule.message.replace("{matched}", "…"));
    push(&mut s, "建议", &rule.help);
    if let Some(sug) = &rule.suggest {
        push(&mut s, "替换", sug);
    }
    push(&mut s, "依据", &rule.law);
    if let Some(q) = &rule.quote {
        s.push_str(&format!("\n条文：\n{}\n", indent(q)));
    }
    if let Some(e) = &rule.explain {
        s.push_str(&format!("\n说明：\n{}\n", indent(e)));
    }
    s.push('\n');
    match &rule.kind {
        RuleKind::Terms { terms, pattern } => {
            push(&mut s, "词语", &terms.join("、"));
            if let Some(p) = pattern {
                push(&mut s, "正则", &p.source);
            }
        }
        RuleKind::Pattern { pattern } => push(&mut s, "正则", &pattern.source),
        RuleKind::Requires {
            trigger,
            require,
            skip_if,
        } => {
            let show = |m: &crate::rules::Matcher| {
                let mut v = m.terms.join("、");
                if let Some(p) = &m.pattern {
                    let sep = if v.is_empty() { "" } else { "、" };
                    v.push_str(&format!("{sep}/{}/", p.source));
                }
                v
            };
            push(&mut s, "触发", &show(trigger));
            push(&mut s, "须含", &show(require));
            if let Some(m) = skip_if {
                push(&mut s, "不适用", &show(m));
            }
        }
        RuleKind::Config(check) => {
            let show = |list: &[crate::rules::Condition], sep: &str| {
                list.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            if !check.when.is_empty() {
                push(&mut s, "适用", &show(&check.when, " and "));
            }
            if !check.forbid.is_empty() {
                push(&mut s, "禁止", &show(&check.forbid, "；"));
            }
            if !check.expect.is_empty() {
                push(&mut s, "要求", &show(&check.expect, "；"));
            }
        }
    }
    if !rule.exceptions.is_empty() {
        push(&mut s, "例外", &rule.exceptions.join("、"));
    }
    for e in &rule.exempt {
        push(&mut s, "降为提示", &e.reason);
    }
    s.push('\n');
    for kind in ExampleKind::ALL {
        let (title, mark) = match kind {
            ExampleKind::Bad => ("违规示例", '✗'),
            ExampleKind::Good => ("合规示例", '✓'),
            ExampleKind::Exempt => ("降为提示的示例", '?'),
        };
        let list = rule.examples(kind);
        if list.is_empty() {
            continue;
        }
        s.push_str(&format!("{title}：\n"));
        for e in list {
            s.push_str(&format!("  {mark} {}\n", example_lines(&e.text)));
        }
    }
    ignore_broken_pipe(io::stdout().lock().write_all(s.as_bytes()))?;
    Ok(Exit::Clean)
}

/// A multi-line example (a campaign file) continues under its mark.
fn example_lines(text: &str) -> String {
    text.trim_end().replace('\n', "\n    ")
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn test_rules(args: TestRulesArgs) -> Result<Exit, Fatal> {
    let set = load_rule_set(&args.pack_dirs, !args.no_builtin, Examples::Keep)
        .map_err(|e| miette::Report::new(*e))?;
    let engine = Engine::new(set);
    let failures = example_failures(&engine, false);
    let set = engine.rules();
    let examples: usize = set
        .rules
        .iter()
        .flat_map(|r| ExampleKind::ALL.map(|k| r.examples(k).len()))
        .sum();
    let mut err = io::stderr().lock();
    for f in &failures {
        let report = miette::Report::new(*example_error(&engine, f));
        let _ = writeln!(err, "{report:?}");
    }
    let mut out = io::stdout().lock();
    let summary = if failures.is_empty() {
        writeln!(
            out,
            "test-rules: {} rules, {} examples, all behave as documented",
            set.rules.len(),
            examples
        )
    } else {
        writeln!(
            out,
            "test-rules: {} of {} examples misbehave",
            failures.len(),
            examples
        )
    };
    ignore_broken_pipe(summary)?;
    Ok(if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    })
}
