//! `modelreg login`, `logout` and `whoami`.

use super::Ctx;
use crate::error::CliResult;
use crate::output::write_json;
use crate::session::Settings;
use modelreg_client::types::{Empty, UserResponse};
use std::io::Write;

/// Logs in afresh and caches the token.
pub fn login(settings: &Settings, out: &mut dyn Write) -> CliResult<()> {
    let client = settings.login()?;
    let user = client.me()?;
    if settings.json {
        return write_json(out, &UserResponse { user });
    }
    writeln!(
        out,
        "Logged in to {} as {}.",
        client.server_url(),
        user.username
    )?;
    Ok(())
}

/// Ends the cached session, if any, and forgets its token.
pub fn logout(settings: &Settings, out: &mut dyn Write) -> CliResult<()> {
    let cached = settings.token_cache().remove(&settings.server)?;
    if let Some(entry) = &cached {
        let client = settings.client_with_token(entry.token.clone())?;
        // A token the server no longer knows is as good as logged out.
        if let Err(err) = client.logout() {
            if !err.is_unauthenticated() {
                return Err(err.into());
            }
        }
    }
    if settings.json {
        return write_json(out, &Empty {});
    }
    match cached {
        Some(entry) => writeln!(out, "Logged {} out of {}.", entry.username, settings.server)?,
        None => writeln!(out, "Not logged in to {}.", settings.server)?,
    }
    Ok(())
}

/// Shows the user the commands act as.
pub fn whoami(ctx: &Ctx, out: &mut dyn Write) -> CliResult<()> {
    let user = ctx.client.me()?;
    if ctx.json {
        return write_json(out, &UserResponse { user });
    }
    writeln!(out, "{}", user.username)?;
    Ok(())
}
