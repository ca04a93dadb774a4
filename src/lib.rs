//! hegui (合规): a compliance linter for Chinese marketing copy and campaign files.
//!
//! The data flow, one module per stage: [`rules`] (load packs) → [`engine`] (compile one
//! automaton) → [`walk`] (inputs) → [`source`] (read) → [`extract`] (which bytes are copy) →
//! [`normalize`] (the view rules match) → [`lint`] (match and locate) → [`diagnostic`]
//! (findings) → [`report`] (human, JSON, JSONL). [`serve`] puts the same check behind a page.

pub mod anchors;
pub mod archive;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_match;
pub mod diagnostic;
pub mod engine;
pub mod extract;
pub mod lint;
pub mod normalize;
pub mod progress;
pub mod report;
pub mod rules;
pub mod serve;
pub mod source;
pub mod structure;
pub mod suppress;
pub mod walk;

use cli::{Cli, Command};
use commands::Exit;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Exit {
    let result = match cli.command {
        Command::Check(args) => commands::check(args),
        Command::Rules(args) => commands::rules(args),
        Command::Explain(args) => commands::explain(args),
        Command::TestRules(args) => commands::test_rules(args),
        Command::Serve(args) => serve::serve(args),
    };
    match result {
        Ok(exit) => exit,
        Err(report) => {
            eprintln!("{report:?}");
            Exit::Error
        }
    }
}
