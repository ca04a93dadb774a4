use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = hegui::cli::Cli::parse();
    ExitCode::from(hegui::run(cli) as u8)
}
