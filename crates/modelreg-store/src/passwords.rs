//! Password hashing, following the login scheme of `API.md`.
//!
//! The Determined client hashes a password before sending it: the hex SHA-512
//! of a fixed salt followed by the password (an empty password is sent as
//! `""`). The stored secret is an argon2 hash of that client-side hash; a
//! blank password is stored as `""`.

use crate::error::{StoreError, StoreResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha512};

const CLIENT_SALT: &str = "GubPEmmotfiK9TMD6Zdw";

/// The hash the Determined client sends instead of a password.
pub fn client_side_hash(password: &str) -> String {
    hex::encode(Sha512::digest(
        format!("{CLIENT_SALT}{password}").as_bytes(),
    ))
}

/// The client-side hash of a password as a request carries it: hashed
/// already (`is_hashed`), or plain. `""` (either way) is the blank password
/// and stays `""`.
pub fn as_client_hash(password: &str, is_hashed: bool) -> String {
    if password.is_empty() || password == client_side_hash("") {
        String::new()
    } else if is_hashed {
        password.to_ascii_lowercase()
    } else {
        client_side_hash(password)
    }
}

/// The stored secret for a client-side hash (`""` for a blank password).
pub fn stored_secret(client_hash: &str) -> StoreResult<String> {
    if client_hash.is_empty() {
        return Ok(String::new());
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(client_hash.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash password: {e}")))
}

/// Whether a client-side hash matches a stored secret.
pub fn matches(stored: &str, client_hash: &str) -> bool {
    if stored.is_empty() || client_hash.is_empty() {
        return stored.is_empty() && client_hash.is_empty();
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(client_hash.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_hash_matches_determineds() {
        // Value the determined 0.38.1 client sends for "Passw0rdX" (traced on the wire).
        assert_eq!(
            client_side_hash("Passw0rdX"),
            "5b12c17d4c02a39f02f472ea9a6394626088f985c8d71a89b4722d0be1c81d1e12c7b320c3306a44b76e49ffa91c408ffba71e50ee7104425e73f6ffc3e79d76"
        );
    }

    #[test]
    fn blank_passwords_match_only_blank_secrets() {
        assert!(matches("", &as_client_hash("", true)));
        assert!(matches("", &as_client_hash("", false)));
        let stored = stored_secret(&as_client_hash("hunter2", false)).unwrap();
        assert!(!matches(&stored, ""));
        assert!(!matches("", &client_side_hash("x")));
    }

    #[test]
    fn secrets_verify_only_their_own_password_in_either_form() {
        let stored = stored_secret(&as_client_hash("hunter2", false)).unwrap();
        assert!(matches(&stored, &as_client_hash("hunter2", false)));
        assert!(matches(
            &stored,
            &as_client_hash(&client_side_hash("hunter2"), true)
        ));
        assert!(!matches(&stored, &as_client_hash("hunter3", false)));
    }
}
