//! `modelreg user create|list|deactivate|activate|set-password|set-role`.

use super::{with_session, Ctx};
use crate::cli::UserCommand;
use crate::error::{CliError, CliResult};
use crate::output::{whole_list, write_json, write_table};
use crate::session::Settings;
use chrono::{DateTime, Utc};
use comfy_table::{presets, Table};
use modelreg_client::types::{UserResponse, UsersResponse};
use modelreg_client::{Role, User};
use std::io::{BufRead, Write};

/// Runs a `user` command; `input` is where a new password is read from
/// when `MODELREG_NEW_PASSWORD` is not set.
pub fn run(
    settings: &Settings,
    command: &UserCommand,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> CliResult<()> {
    // Read the password before the session: a command may run twice (after
    // a refused cached token) but stdin can be read only once.
    let password = match command {
        UserCommand::Create { .. } | UserCommand::SetPassword { .. } => {
            Some(new_password(settings, input)?)
        }
        _ => None,
    };
    let password = password.as_deref().unwrap_or_default();
    with_session(settings, |ctx| match command {
        UserCommand::Create { name, role } => {
            let user = ctx.client.create_user(name, password, Role::from(*role))?;
            done(ctx, out, user, |u| {
                format!("Created user {} ({}).", u.username, u.role)
            })
        }
        UserCommand::List { all } => list(ctx, *all, out),
        UserCommand::Deactivate { name } => {
            let user = ctx.client.set_user_active(name, false)?;
            done(ctx, out, user, |u| {
                format!("Deactivated user {}.", u.username)
            })
        }
        UserCommand::Activate { name } => {
            let user = ctx.client.set_user_active(name, true)?;
            done(ctx, out, user, |u| {
                format!("Activated user {}.", u.username)
            })
        }
        UserCommand::SetPassword { name } => {
            let user = ctx.client.set_user_password(name, password)?;
            done(ctx, out, user, |u| {
                format!("Changed the password of {}.", u.username)
            })
        }
        UserCommand::SetRole { name, role } => {
            let user = ctx.client.set_user_role(name, Role::from(*role))?;
            done(ctx, out, user, |u| {
                format!("User {} is now {} {}.", u.username, article(u.role), u.role)
            })
        }
    })
}

/// `user list [--all]`
fn list(ctx: &Ctx, all: bool, out: &mut dyn Write) -> CliResult<()> {
    let users = ctx.client.list_users(if all { None } else { Some(true) })?;
    if ctx.json {
        let pagination = whole_list(users.len());
        return write_json(out, &UsersResponse { users, pagination });
    }
    let mut t = table();
    t.set_header([
        "ID",
        "Username",
        "Role",
        "Active",
        "Display name",
        "Modified",
    ]);
    for u in &users {
        t.add_row([
            u.id.to_string(),
            u.username.clone(),
            u.role.to_string(),
            if u.active { "yes" } else { "no" }.to_string(),
            u.display_name.clone(),
            u.modified_at.as_ref().map(time).unwrap_or_default(),
        ]);
    }
    write_table(out, &t)
}

/// Prints a changed user: its JSON, or a sentence about it.
fn done(
    ctx: &Ctx,
    out: &mut dyn Write,
    user: User,
    sentence: impl Fn(&User) -> String,
) -> CliResult<()> {
    if ctx.json {
        return write_json(out, &UserResponse { user });
    }
    writeln!(out, "{}", sentence(&user))?;
    Ok(())
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an",
        Role::Viewer | Role::Editor => "a",
    }
}

/// The new password: `MODELREG_NEW_PASSWORD`, else the first line of
/// `input` (no prompt, so that it can be piped). An empty password is
/// refused: blank passwords are for the built-in users on loopback only.
fn new_password(settings: &Settings, input: &mut dyn BufRead) -> CliResult<String> {
    let password = match &settings.new_password {
        Some(password) => password.clone(),
        None => {
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                return Err(CliError::Config(
                    "no password given: set MODELREG_NEW_PASSWORD or write it as one line on stdin"
                        .into(),
                ));
            }
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.is_empty() {
        return Err(CliError::Config("the new password is empty".into()));
    }
    Ok(password)
}

/// An empty table in the house style.
pub(super) fn table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table
}

/// A timestamp as the tables show it.
pub(super) fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn settings(new_password: Option<&str>) -> Settings {
        let cli = Cli::parse_from(["modelreg", "whoami"]);
        let mut settings = Settings::new(&cli, |name| {
            (name == "MODELREG_CONFIG_DIR").then(|| "/nonexistent".to_string())
        })
        .unwrap();
        settings.new_password = new_password.map(String::from);
        settings
    }

    #[test]
    fn the_new_password_comes_from_the_environment_first_then_one_stdin_line() {
        let mut stdin: &[u8] = b"from stdin\r\nsecond line\n";
        assert_eq!(
            new_password(&settings(Some("from env")), &mut stdin).unwrap(),
            "from env"
        );
        assert_eq!(
            new_password(&settings(None), &mut stdin).unwrap(),
            "from stdin"
        );
        let mut spaces: &[u8] = b"  keeps spaces  \n";
        assert_eq!(
            new_password(&settings(None), &mut spaces).unwrap(),
            "  keeps spaces  "
        );
    }

    #[test]
    fn a_missing_or_empty_new_password_is_refused() {
        let mut empty: &[u8] = b"";
        let err = new_password(&settings(None), &mut empty).unwrap_err();
        assert!(err.to_string().contains("MODELREG_NEW_PASSWORD"), "{err}");
        let mut blank: &[u8] = b"\n";
        assert!(new_password(&settings(None), &mut blank).is_err());
        assert!(new_password(&settings(Some("")), &mut blank).is_err());
    }
}
