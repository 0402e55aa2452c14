//! Clap definitions of `modelreg user ...` and `modelreg token ...`.

use clap::{Subcommand, ValueEnum};
use modelreg_client::Role;
use std::time::Duration;

/// `modelreg user ...` (all but `list` need an admin).
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password comes from MODELREG_NEW_PASSWORD, else from one line of stdin.
    Create {
        /// The login name.
        name: String,
        /// What the user may do.
        #[arg(long, value_enum, default_value = "editor")]
        role: RoleArg,
    },
    /// List the active users (with --all, the deactivated ones too).
    List {
        /// Include deactivated users.
        #[arg(long)]
        all: bool,
    },
    /// Deactivate a user: their sessions and API tokens stop working at once.
    Deactivate {
        /// The login name (or id).
        name: String,
    },
    /// Activate a deactivated user.
    Activate {
        /// The login name (or id).
        name: String,
    },
    /// Set a user's password (one's own, or anyone's for an admin); it comes
    /// from MODELREG_NEW_PASSWORD, else from one line of stdin.
    SetPassword {
        /// The login name (or id).
        name: String,
    },
    /// Give a user a role.
    SetRole {
        /// The login name (or id).
        name: String,
        /// The new role.
        #[arg(value_enum)]
        role: RoleArg,
    },
}

/// `modelreg token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token acting as you, and print its secret (shown only this once).
    Create {
        /// What the token is for, e.g. nightly-eval.
        name: String,
        /// When it expires, e.g. 30d, 12h, 45m or 3600s (default: never).
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<Duration>,
    },
    /// List your API tokens (an admin sees everyone's), newest first.
    List,
    /// Revoke an API token by id; it stops working at once.
    Revoke {
        /// The token's id, as `token list` shows it.
        id: i32,
    },
}

/// The roles, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Reads models, versions and checkpoints.
    Viewer,
    /// Also creates and changes them.
    Editor,
    /// Also deletes anything and manages users.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Parses a lifetime: a positive whole number with a unit of `s`, `m`,
/// `h`, `d` or `w` (a bare number is seconds).
pub fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_secs: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "unknown unit {unit:?}: use s, m, h, d or w (e.g. 30d)"
            ))
        }
    };
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("expected a number and a unit, e.g. 30d or 12h, got {text:?}"))?;
    match count.checked_mul(unit_secs) {
        Some(0) => Err("the lifetime must be positive; leave --expires-in out for none".into()),
        Some(secs) if secs <= i64::MAX as u64 => Ok(Duration::from_secs(secs)),
        _ => Err(format!("{text} is too long")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_take_a_unit() {
        assert_eq!(parse_lifetime("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_lifetime("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_lifetime("45m"), Ok(Duration::from_secs(45 * 60)));
        assert_eq!(parse_lifetime("3600s"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_lifetime("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_lifetime("2w"), Ok(Duration::from_secs(14 * 86_400)));
        for bad in [
            "",
            "d",
            "0h",
            "-1d",
            "1.5h",
            "3 days",
            "10y",
            "99999999999999999999s",
        ] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?}");
        }
    }
}
