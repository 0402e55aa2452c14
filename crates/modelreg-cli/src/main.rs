//! `modelreg`, the command-line client of the modelreg model registry.

mod cli;
mod commands;
mod error;
mod output;
mod progress;
mod session;
mod tokens;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit 2 (clap), everything else 1, a closed pipe 0.
    let cli = cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = session::Settings::new(&cli, |name| std::env::var(name).ok())
        .and_then(|settings| commands::run(&cli, &settings, &mut out))
        .and_then(|()| out.flush().map_err(Into::into));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {}", err.one_line());
            ExitCode::FAILURE
        }
    }
}
