//! Command-line arguments (clap). Validation only; no I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use crate::rules::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "hegui",
    version,
    about = "合规 — a compliance linter for Chinese marketing copy and campaign files",
    long_about = "hegui checks marketing copy and campaign files against rule packs that cite \
                  Chinese law (《广告法》, 《个人信息保护法》 …) and prints what to change.\n\
                  Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or rule-pack error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files, directories or standard input ("-").
    Check(CheckArgs),
    /// List the rules of the enabled packs.
    Rules(RulesArgs),
    /// Explain one rule: what it catches, why, the law it cites, examples.
    Explain(ExplainArgs),
    /// Run every rule's good and bad examples; non-zero exit when one misbehaves.
    TestRules(TestRulesArgs),
    /// Serve a page where copywriters paste a draft and see the findings as they type.
    Serve(ServeArgs),
}

/// Which rule packs are loaded.
#[derive(Debug, Clone, Args)]
pub struct PackArgs {
    /// A directory of additional rule packs (*.yaml); may be repeated.
    #[arg(long = "pack-dir", value_name = "DIR")]
    pub pack_dirs: Vec<PathBuf>,
    /// Enable only these packs (ids, comma-separated or repeated).
    #[arg(long = "pack", value_name = "ID", value_delimiter = ',')]
    pub packs: Vec<String>,
    /// Use this config file for every input instead of the nearest hegui.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every hegui.yaml.
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The lowest severity that fails the run.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; "-" reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The lowest severity that makes the exit code 1 [default: the config's fail_on, else error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// The file name standard input is reported under (its extension picks the reader).
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// After the findings, count them per pack, rule, severity and file (for audits).
    #[arg(long)]
    pub summary: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print every literal term of the enabled rules, one per line.
    #[arg(long)]
    pub terms: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8720)]
    pub port: u16,
    /// The address to listen on. The default answers this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. AD001.
    pub rule: String,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    /// Directories of additional packs to test along with the built-in ones.
    #[arg(value_name = "PACK_DIR")]
    pub pack_dirs: Vec<PathBuf>,
    /// Test only the packs in the given directories.
    #[arg(long)]
    pub no_builtin: bool,
}
