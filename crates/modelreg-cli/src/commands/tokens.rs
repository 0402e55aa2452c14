//! `modelreg token create|list|revoke`.

use super::users::{table, time};
use super::{with_session, Ctx};
use crate::cli::TokenCommand;
use crate::error::CliResult;
use crate::output::{write_json, write_table};
use crate::session::Settings;
use modelreg_client::types::{CreateTokenResponse, TokenInfo, TokensResponse};
use std::io::Write;

/// Runs a `token` command; `err` gets the warning that a new secret is shown once.
pub fn run(
    settings: &Settings,
    command: &TokenCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult<()> {
    with_session(settings, |ctx| match command {
        TokenCommand::Create { name, expires_in } => create(ctx, name, *expires_in, out, err),
        TokenCommand::List => list(ctx, out),
        TokenCommand::Revoke { id } => {
            let info = ctx.client.revoke_token(*id)?;
            if ctx.json {
                return write_json(out, &info);
            }
            writeln!(out, "Revoked token {} ({}).", info.id, info.name)?;
            Ok(())
        }
    })
}

/// `token create NAME [--expires-in D]`: the secret alone on stdout (or the
/// API's JSON), so that it can be captured; the warning on stderr.
fn create(
    ctx: &Ctx,
    name: &str,
    expires_in: Option<std::time::Duration>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult<()> {
    let (token, info) = ctx.client.create_token(name, expires_in)?;
    let expiry = match &info.expires_at {
        Some(at) => format!("expires {} UTC", time(at)),
        None => "never expires".into(),
    };
    writeln!(
        err,
        "warning: token {} ({:?}, {expiry}) is printed once and cannot be shown again; store it now",
        info.id, info.name
    )?;
    if ctx.json {
        return write_json(out, &CreateTokenResponse { token, info });
    }
    writeln!(out, "{token}")?;
    Ok(())
}

/// `token list`
fn list(ctx: &Ctx, out: &mut dyn Write) -> CliResult<()> {
    let tokens = ctx.client.list_tokens()?;
    if ctx.json {
        return write_json(out, &TokensResponse { tokens });
    }
    let mut t = table();
    t.set_header(["ID", "Name", "User", "Created", "Expires", "Status"]);
    for token in &tokens {
        t.add_row([
            token.id.to_string(),
            token.name.clone(),
            token.username.clone(),
            time(&token.created_at),
            token
                .expires_at
                .as_ref()
                .map(time)
                .unwrap_or("never".into()),
            status(token).to_string(),
        ]);
    }
    write_table(out, &t)
}

fn status(token: &TokenInfo) -> &'static str {
    if token.revoked {
        "revoked"
    } else if token.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        "expired"
    } else {
        "active"
    }
}
