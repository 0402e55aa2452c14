//! `modelreg-server admin ...`: user administration that works offline,
//! directly on the database, for when no admin can log in yet.

use crate::{open_store, ServerConfig};
use clap::Subcommand;
use modelreg_types::{NewUser, Role};
use std::io::BufRead;

/// Offline administration commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Set a user's password (from MODELREG_NEW_PASSWORD, else one line of stdin).
    SetPassword {
        /// The user.
        username: String,
    },
    /// Create a user with a password (from MODELREG_NEW_PASSWORD, else one line of stdin).
    CreateUser {
        /// The login name.
        username: String,
        /// The role: admin, editor or viewer.
        #[arg(long, default_value = "editor", value_parser = parse_role)]
        role: Role,
    },
    /// List users, and which have blank passwords.
    ListUsers,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("unknown role {text:?}; use admin, editor or viewer"))
}

fn new_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("MODELREG_NEW_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("no password given: set MODELREG_NEW_PASSWORD or write it on stdin".into());
    }
    Ok(password)
}

/// Runs one admin command, writing what it did to `out`.
pub fn run(
    config: &ServerConfig,
    command: &AdminCommand,
    out: &mut dyn std::io::Write,
) -> Result<(), String> {
    let store = open_store(config).map_err(|e| format!("cannot open the database: {e}"))?;
    let io = |e: std::io::Error| e.to_string();
    match command {
        AdminCommand::SetPassword { username } => {
            store
                .set_password(username, &new_password()?)
                .map_err(|e| e.to_string())?;
            writeln!(out, "Set the password of {username}.").map_err(io)
        }
        AdminCommand::CreateUser { username, role } => {
            let user = NewUser {
                username: username.clone(),
                role: Some(*role),
                ..Default::default()
            };
            let created = store
                .create_user(&user, &new_password()?, false)
                .map_err(|e| e.to_string())?;
            writeln!(
                out,
                "Created user {} (id {}, {}).",
                created.username, created.id, created.role
            )
            .map_err(io)
        }
        AdminCommand::ListUsers => {
            let blank = store
                .users_with_blank_password()
                .map_err(|e| e.to_string())?;
            let page = modelreg_types::PageRequest {
                offset: 0,
                limit: 0,
            };
            let (users, _) = store.list_users(None, page).map_err(|e| e.to_string())?;
            for u in users {
                let password = if blank.contains(&u.username) {
                    "blank password"
                } else {
                    "password set"
                };
                let state = if u.active { "active" } else { "inactive" };
                writeln!(
                    out,
                    "{:>4}  {:<20} {:<7} {:<8} {password}",
                    u.id, u.username, u.role, state
                )
                .map_err(io)?;
            }
            Ok(())
        }
    }
}
