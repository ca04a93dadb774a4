use std::process::ExitCode;

use clap::Parser;

// Start-up allocates many small parts (YAML events, automaton states): mimalloc builds them
// faster than the system allocator. Transparent huge pages stay off: with them, a 1 GB
// archive's peak memory rose from 21 MB to 65 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = hegui::cli::Cli::parse();
    ExitCode::from(hegui::run(cli) as u8)
}
