//! Users, passwords and login sessions.
//!
//! The Determined client hashes a password before sending it: the hex SHA-512
//! of a fixed salt followed by the password. The stored secret is an argon2
//! hash of that client-side hash; a blank password is stored as `""`.
//! Session tokens are random and stored only as their SHA-256.

use crate::error::{on_not_found, StoreError, StoreResult};
use crate::rows::{NewSessionRow, NewUserRow, UserRow};
use crate::schema::{sessions, users};
use crate::time::now_micros;
use crate::{DbConnection, Store};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use diesel::prelude::*;
use modelreg_types::User;
use sha2::{Digest, Sha256, Sha512};

const CLIENT_SALT: &str = "GubPEmmotfiK9TMD6Zdw";

/// How long a login session lasts.
pub const SESSION_LIFETIME_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// The user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: i32,
    /// The user's login name.
    pub username: String,
    /// Whether the user is an administrator.
    pub admin: bool,
}

/// The hash the Determined client sends instead of a password.
pub fn client_side_hash(password: &str) -> String {
    hex::encode(Sha512::digest(
        format!("{CLIENT_SALT}{password}").as_bytes(),
    ))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hash_secret(client_hash: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(client_hash.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash password: {e}")))
}

fn secret_matches(stored: &str, client_hash: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(client_hash.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn bad_credentials() -> StoreError {
    StoreError::Unauthenticated("invalid credentials: wrong username or password".into())
}

impl Store {
    /// Creates the built-in users `admin` (an administrator) and `determined`,
    /// both with blank passwords, if they do not exist yet.
    pub(crate) fn ensure_builtin_users(&self) -> StoreResult<()> {
        self.write(|conn| {
            for (username, admin) in [("admin", true), ("determined", false)] {
                let exists: i64 = users::table
                    .filter(users::username.eq(username))
                    .count()
                    .get_result(conn)?;
                if exists == 0 {
                    diesel::insert_into(users::table)
                        .values(NewUserRow {
                            username,
                            display_name: "",
                            password_hash: "",
                            admin,
                            active: true,
                            modified_at: now_micros(),
                        })
                        .execute(conn)?;
                }
            }
            Ok(())
        })
    }

    /// Checks a password and opens a session. `password` is the client-side
    /// hash when `is_hashed`, else the plain password; `""` is the blank
    /// password either way. Returns the session token and the user.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        is_hashed: bool,
    ) -> StoreResult<(String, User)> {
        let row: Option<UserRow> = self.read(|conn| {
            Ok(users::table
                .filter(users::username.eq(username))
                .select(UserRow::as_select())
                .first(conn)
                .optional()?)
        })?;
        let row = row.ok_or_else(bad_credentials)?;
        let client_hash = if is_hashed || password.is_empty() {
            password.to_string()
        } else {
            client_side_hash(password)
        };
        let blank_login = client_hash.is_empty() || client_hash == client_side_hash("");
        let ok = if row.password_hash.is_empty() {
            blank_login
        } else {
            !blank_login && secret_matches(&row.password_hash, &client_hash)
        };
        if !ok {
            return Err(bad_credentials());
        }
        if !row.active {
            return Err(StoreError::Unauthenticated(format!(
                "user {username} is deactivated"
            )));
        }
        let token = new_token();
        let now = now_micros();
        self.write(|conn| {
            diesel::insert_into(sessions::table)
                .values(NewSessionRow {
                    token_hash: &token_hash(&token),
                    user_id: row.id,
                    created_at: now,
                    expires_at: now + SESSION_LIFETIME_MICROS,
                })
                .execute(conn)?;
            Ok(())
        })?;
        Ok((token, row.into_user()))
    }

    /// The user a session token belongs to, if the session is live and the user active.
    pub fn authenticate(&self, token: &str) -> StoreResult<AuthUser> {
        let hash = token_hash(token);
        let row: Option<UserRow> = self.read(|conn| {
            Ok(sessions::table
                .inner_join(users::table)
                .filter(sessions::token_hash.eq(&hash))
                .filter(sessions::expires_at.gt(now_micros()))
                .filter(users::active.eq(true))
                .select(UserRow::as_select())
                .first(conn)
                .optional()?)
        })?;
        let row = row.ok_or_else(|| {
            StoreError::Unauthenticated("the token is invalid or expired; log in again".into())
        })?;
        Ok(AuthUser {
            id: row.id,
            username: row.username,
            admin: row.admin,
        })
    }

    /// Ends the session of a token.
    pub fn logout(&self, token: &str) -> StoreResult<()> {
        let hash = token_hash(token);
        self.write(|conn| {
            diesel::delete(sessions::table.filter(sessions::token_hash.eq(&hash))).execute(conn)?;
            Ok(())
        })
    }

    /// A user by id.
    pub fn get_user(&self, id: i32) -> StoreResult<User> {
        self.read(|conn| user_by_id(conn, id))
            .map(UserRow::into_user)
    }

    /// Sets a user's password (plain text; `""` makes it blank).
    pub fn set_password(&self, username: &str, password: &str) -> StoreResult<()> {
        let secret = if password.is_empty() {
            String::new()
        } else {
            hash_secret(&client_side_hash(password))?
        };
        self.write(|conn| {
            let n = diesel::update(users::table.filter(users::username.eq(username)))
                .set((
                    users::password_hash.eq(&secret),
                    users::modified_at.eq(now_micros()),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {username} not found")));
            }
            Ok(())
        })
    }
}

pub(crate) fn user_by_id(conn: &mut DbConnection, id: i32) -> StoreResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .map_err(on_not_found(format!("user {id} not found")))
}

/// Usernames of the given user ids.
pub(crate) fn usernames(
    conn: &mut DbConnection,
    ids: &[i32],
) -> StoreResult<std::collections::HashMap<i32, String>> {
    let rows: Vec<(i32, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hash_matches_determined() {
        // sha512("GubPEmmotfiK9TMD6Zdw") as the Determined client computes it for "".
        let hash = client_side_hash("");
        assert_eq!(hash.len(), 128);
        assert_eq!(hash, client_side_hash(""));
        assert_ne!(hash, client_side_hash("x"));
    }

    #[test]
    fn secrets_verify_only_their_own_password() {
        let stored = hash_secret(&client_side_hash("hunter2")).unwrap();
        assert!(secret_matches(&stored, &client_side_hash("hunter2")));
        assert!(!secret_matches(&stored, &client_side_hash("hunter3")));
    }
}
