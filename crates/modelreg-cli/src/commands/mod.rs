//! The commands: each one function that writes its result to a given writer.

mod auth;
mod checkpoints;
mod models;
mod tokens;
mod transfer;
mod users;
mod versions;

use crate::cli::{Cli, Command};
use crate::error::CliResult;
use crate::session::{Session, Settings};
use modelreg_client::blocking::Client;
use std::io::Write;

/// What a command that talks to the registry gets besides its arguments.
pub struct Ctx<'a> {
    /// The logged-in client.
    pub client: &'a Client,
    /// Print the API's JSON instead of tables.
    pub json: bool,
}

/// Runs the command the command line names.
pub fn run(cli: &Cli, settings: &Settings, out: &mut dyn Write) -> CliResult<()> {
    match &cli.command {
        Command::Login => auth::login(settings, out),
        Command::Logout => auth::logout(settings, out),
        Command::Whoami => with_session(settings, |ctx| auth::whoami(ctx, out)),
        Command::Model(command) => with_session(settings, |ctx| models::run(ctx, command, out)),
        Command::Checkpoint(command) => {
            with_session(settings, |ctx| checkpoints::run(ctx, command, out))
        }
        Command::User(command) => users::run(settings, command, &mut std::io::stdin().lock(), out),
        Command::Token(command) => tokens::run(settings, command, out, &mut std::io::stderr()),
    }
}

fn with_session(
    settings: &Settings,
    mut command: impl FnMut(&Ctx) -> CliResult<()>,
) -> CliResult<()> {
    let mut session = Session::open(settings)?;
    session.run(|client| {
        command(&Ctx {
            client,
            json: settings.json,
        })
    })
}
